//! Recording round trips, exact seeks against the live picture, tamper and truncation detection,
//! recovery of a file the console never sealed, the free-space floor.

use std::path::{Path, PathBuf};

use proptest::prelude::*;

use super::*;
use crate::codec::{Decoder, Encoder, EncoderConfig, Frame};
use crate::model::{ActorKind, ChatAuthor, SessionId, TicketId, TimelineEvent};

const START_MS: i64 = 1_700_000_000_000;
const WIDTH: u32 = 160;
const HEIGHT: u32 = 120;

fn header() -> RecordingHeader {
    RecordingHeader {
        ticket_id: TicketId(7),
        session_id: SessionId(3),
        started_at_ms: START_MS,
        codec_version: crate::codec::FORMAT_VERSION,
    }
}

fn fast_policy() -> KeyframePolicy {
    KeyframePolicy { min_interval_ms: 500, max_interval_ms: 2_000 }
}

/// Frame `n` of a deterministic moving picture: a gradient, a moving block, a few "typed" cells.
fn picture(n: u32, width: u32, height: u32) -> Frame {
    let mut rgba = vec![0u8; (width * height * 4) as usize];
    let block_x = (n * 7) % width.saturating_sub(20).max(1);
    for y in 0..height {
        for x in 0..width {
            let at = ((y * width + x) * 4) as usize;
            let in_block = x >= block_x && x < block_x + 20 && (30..50).contains(&y);
            let typed = y / 8 == 10 && x / 6 < n % 26 && (x + y) % 3 == 0;
            let value = if in_block {
                [200, 40, 40, 255]
            } else if typed {
                [10, 10, 10, 255]
            } else {
                [(x * 255 / width) as u8, (y * 255 / height) as u8, 128, 255]
            };
            rgba[at..at + 4].copy_from_slice(&value);
        }
    }
    Frame { width, height, rgba }
}

fn chat(text: &str) -> RecordedEvent {
    RecordedEvent {
        actor_kind: ActorKind::Engineer,
        actor: "Li".into(),
        event: TimelineEvent::Chat { from: ChatAuthor::Engineer, id: Some(1), sent_at_ms: None, text: text.into() },
    }
}

/// What the live viewer showed, with the time each picture appeared (ms since the start).
struct Live {
    pictures: Vec<(u64, Frame)>,
    /// Times the recording was paused: `[from, to)`.
    gaps: Vec<(u64, u64)>,
}

impl Live {
    fn at(&self, t_ms: u64) -> Option<&Frame> {
        self.pictures.iter().rev().find(|(at, _)| *at <= t_ms).map(|(_, frame)| frame)
    }

    fn in_gap(&self, t_ms: u64) -> bool {
        self.gaps.iter().any(|(from, to)| (*from..*to).contains(&t_ms))
    }
}

/// Records `frames` pictures at 10 fps with a resize, a pause (updates still arriving), events
/// and cursor positions; returns what the live viewer showed.
fn record(path: &Path, frames: u32, seal: bool) -> (Live, Option<SealedRecording>) {
    let mut recorder = Recorder::start(path, header(), 0, fast_policy()).unwrap();
    let mut encoder = Encoder::new(EncoderConfig::default());
    let mut live = Decoder::new();
    let mut pictures = Vec::new();
    let mut gaps = Vec::new();
    let pause_at = frames / 2;
    let resume_at = pause_at + 8;
    for n in 0..frames {
        let t_ms = u64::from(n) * 100;
        let now_ms = START_MS + t_ms as i64;
        let (width, height) = if n >= frames * 3 / 4 { (WIDTH + 32, HEIGHT) } else { (WIDTH, HEIGHT) };
        if n == pause_at {
            recorder.pause(now_ms, GapReason::PausedByUser).unwrap();
        }
        if n == resume_at {
            recorder.resume(now_ms).unwrap();
            gaps.push((u64::from(pause_at) * 100, t_ms));
        }
        let update = encoder.encode(&picture(n, width, height), n == 0);
        live.decode(&update).unwrap();
        recorder.update(now_ms, &update).unwrap();
        pictures.push((t_ms, live.frame().unwrap().clone()));
        if n % 5 == 0 {
            recorder.event(now_ms, &chat(&format!("message {n}"))).unwrap();
            recorder.cursor(now_ms, n as i32, 2 * n as i32).unwrap();
        }
    }
    let sealed = if seal { Some(recorder.finish().unwrap()) } else { None };
    (Live { pictures, gaps }, sealed)
}

fn temp_file(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

fn assert_seeks_match(reader: &mut RecordingReader, live: &Live, times: impl IntoIterator<Item = u64>) {
    for t_ms in times {
        if live.in_gap(t_ms) {
            continue;
        }
        let recorded = reader.frame_at(t_ms).unwrap().cloned();
        assert_eq!(recorded.as_ref(), live.at(t_ms), "picture at {t_ms} ms");
    }
}

#[test]
fn a_recording_reads_back_with_its_events_gaps_and_seal() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_file(&dir, "session.swrec");
    let (_, sealed) = record(&path, 60, true);
    let sealed = sealed.unwrap();
    assert_eq!(sealed.bytes, std::fs::metadata(&path).unwrap().len());
    assert_eq!(sealed.duration_ms, 5_900);
    assert!(!sealed.recovered);

    let mut reader = RecordingReader::open(&path).unwrap();
    assert_eq!(reader.seal_state(), SealState::Sealed);
    assert_eq!(*reader.header(), header());
    assert_eq!(reader.duration_ms(), 5_900);
    let index = reader.index().clone();
    assert_eq!(index.gaps, [GapSpan { from_ms: 3_000, to_ms: Some(3_800), reason: GapReason::PausedByUser }]);
    assert!(index.keyframes.len() >= 4, "sender's first, after resume, on resize, policy: {:?}", index.keyframes);
    let events = reader.events().unwrap();
    // Events during the pause (frames 30..38: 30 and 35) are not recorded.
    let texts: Vec<u64> = events.iter().map(|(t_ms, _)| *t_ms).collect();
    assert_eq!(texts, [0, 500, 1_000, 1_500, 2_000, 2_500, 4_000, 4_500, 5_000, 5_500]);
    assert_eq!(events[1].1, chat("message 5"));

    match verify(&path).unwrap() {
        Verification::Verified { hash_head, recovered: false, duration_ms: 5_900, .. } => {
            assert_eq!(hash_head, sealed.hash_head);
        }
        other => panic!("expected verified, got {other:?}"),
    }
}

#[test]
fn every_seek_shows_the_live_picture_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_file(&dir, "session.swrec");
    let (live, _) = record(&path, 80, true);
    let mut reader = RecordingReader::open(&path).unwrap();
    // Forward, every 50 ms (continuing from the last seek), then backwards and scattered.
    assert_seeks_match(&mut reader, &live, (0..=8_000).step_by(50));
    assert_seeks_match(&mut reader, &live, (0..=8_000).rev().step_by(130));
    assert_seeks_match(&mut reader, &live, [7_900, 100, 4_200, 4_199, 6_000, 0, 2_999]);
}

#[test]
fn the_first_picture_is_none_before_anything_arrived() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_file(&dir, "late.swrec");
    let mut recorder = Recorder::start(&path, header(), 0, fast_policy()).unwrap();
    recorder.event(START_MS + 10, &chat("before any picture")).unwrap();
    let mut encoder = Encoder::new(EncoderConfig::default());
    recorder.update(START_MS + 500, &encoder.encode(&picture(0, WIDTH, HEIGHT), true)).unwrap();
    recorder.finish().unwrap();
    let mut reader = RecordingReader::open(&path).unwrap();
    assert_eq!(reader.frame_at(499).unwrap(), None);
    assert_eq!(reader.frame_at(500).unwrap(), Some(&picture(0, WIDTH, HEIGHT)));
}

#[test]
fn recording_after_a_late_start_begins_with_a_keyframe_of_the_recorders_own() {
    // The record scope came after the view scope: the recorder saw the stream paused, and the
    // first thing written is the picture as decoded, not a delta nothing could apply on.
    let dir = tempfile::tempdir().unwrap();
    let path = temp_file(&dir, "late-scope.swrec");
    let mut recorder = Recorder::start(&path, header(), 0, fast_policy()).unwrap();
    recorder.pause(START_MS, GapReason::ScopeWithdrawn).unwrap();
    let mut encoder = Encoder::new(EncoderConfig::default());
    for n in 0..5 {
        recorder.update(START_MS + i64::from(n) * 100, &encoder.encode(&picture(n, WIDTH, HEIGHT), n == 0)).unwrap();
    }
    recorder.resume(START_MS + 1_000).unwrap();
    recorder.update(START_MS + 1_100, &encoder.encode(&picture(9, WIDTH, HEIGHT), false)).unwrap();
    recorder.finish().unwrap();
    let mut reader = RecordingReader::open(&path).unwrap();
    assert_eq!(reader.frame_at(999).unwrap(), None, "nothing from before the scope");
    assert_eq!(reader.frame_at(1_000).unwrap(), Some(&picture(4, WIDTH, HEIGHT)));
    assert_eq!(reader.frame_at(1_100).unwrap(), Some(&picture(9, WIDTH, HEIGHT)));
}

#[test]
fn a_truncated_file_is_reported_with_where_it_ends() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_file(&dir, "session.swrec");
    record(&path, 30, true);
    let bytes = std::fs::read(&path).unwrap();
    let cut = temp_file(&dir, "cut.swrec");
    for keep in [bytes.len() - 1, bytes.len() - 56, bytes.len() / 2, 200, 69] {
        std::fs::write(&cut, &bytes[..keep]).unwrap();
        match verify(&cut).unwrap() {
            Verification::Truncated { at_record, at_offset } => {
                assert!(at_record >= 1);
                assert!(at_offset <= keep as u64, "{at_offset} within the {keep} bytes kept");
            }
            other => panic!("{keep} bytes kept: expected truncated, got {other:?}"),
        }
    }
}

#[test]
fn a_file_the_console_never_sealed_plays_and_is_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_file(&dir, "crashed.swrec");
    let (live, _) = record(&path, 50, false);
    // Killed mid-write: half a record at the end.
    let mut bytes = std::fs::read(&path).unwrap();
    let whole = bytes.len() as u64;
    bytes.extend_from_slice(&[0x40, 0, 0, 0, 1, 9, 9]);
    std::fs::write(&path, &bytes).unwrap();
    assert!(matches!(verify(&path).unwrap(), Verification::Truncated { at_offset, .. } if at_offset == whole));

    let mut reader = RecordingReader::open(&path).unwrap();
    assert_eq!(reader.seal_state(), SealState::Unsealed);
    assert_seeks_match(&mut reader, &live, (0..=4_900).step_by(70));
    drop(reader);

    let sealed = recover(&path).unwrap();
    assert!(sealed.recovered);
    assert_eq!(sealed.duration_ms, 4_900);
    match verify(&path).unwrap() {
        Verification::Verified { recovered: true, hash_head, .. } => assert_eq!(hash_head, sealed.hash_head),
        other => panic!("expected verified after recovery, got {other:?}"),
    }
    let mut reader = RecordingReader::open(&path).unwrap();
    assert_eq!(reader.seal_state(), SealState::Recovered);
    assert_seeks_match(&mut reader, &live, [4_900, 0, 2_000]);
    assert_eq!(recover(&path).unwrap(), sealed, "recovering a sealed file changes nothing");
}

#[test]
fn recovery_refuses_a_changed_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_file(&dir, "changed.swrec");
    record(&path, 20, false);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[200] ^= 0x55;
    std::fs::write(&path, &bytes).unwrap();
    assert!(matches!(recover(&path), Err(RecordingError::Damaged { .. })));
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "left as it was");
}

#[test]
fn recording_refuses_to_start_below_the_free_space_floor() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_file(&dir, "never.swrec");
    let refused = Recorder::start(&path, header(), u64::MAX, KeyframePolicy::default());
    assert!(matches!(refused, Err(RecordingError::NotEnoughSpace { .. })));
    assert!(!path.exists());
    let message = refused.err().map(|err| err.to_string()).unwrap_or_default();
    assert!(message.contains("free some space"), "{message}");
    assert!(available_bytes(dir.path()).unwrap() > 0);
}

#[test]
fn an_existing_file_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_file(&dir, "taken.swrec");
    std::fs::write(&path, b"keep me").unwrap();
    assert!(matches!(Recorder::start(&path, header(), 0, KeyframePolicy::default()), Err(RecordingError::Io { .. })));
    assert_eq!(std::fs::read(&path).unwrap(), b"keep me");
}

#[test]
fn other_files_are_not_recordings() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_file(&dir, "notes.txt");
    std::fs::write(&path, vec![b'x'; 500]).unwrap();
    assert!(matches!(verify(&path), Err(RecordingError::NotARecording { .. })));
    assert!(matches!(RecordingReader::open(&path), Err(RecordingError::NotARecording { .. })));
}

#[test]
fn the_keyframe_policy_follows_size_and_time() {
    let policy = KeyframePolicy::default();
    assert!(policy.due(0, None, 0), "the first picture is a keyframe");
    assert!(!policy.due(4_999, Some((0, 1_000)), 5_000), "not sooner than 5 s");
    assert!(policy.due(5_000, Some((0, 1_000)), 1_000), "as many bytes as the keyframe, 5 s later");
    assert!(!policy.due(30_000, Some((0, 1_000)), 999));
    assert!(policy.due(60_000, Some((0, 1_000)), 1), "at least every 60 s while something changes");
    assert!(!policy.due(600_000, Some((0, 1_000)), 0), "nothing changed: no keyframe");
}

#[test]
fn verification_is_said_in_words() {
    assert_eq!(Verification::Modified { record: 12 }.to_string(), "modified at record 12");
    assert_eq!(
        Verification::Truncated { at_record: 3, at_offset: 900 }.to_string(),
        "truncated at record 3 (byte 900)"
    );
    let verified =
        Verification::Verified { records: 4, duration_ms: 1_500, hash_head: HashHead([0xab; 32]), recovered: false };
    assert!(verified.to_string().starts_with("verified (4 records, 1.5 s, head abab"));
}

/// A small sealed recording, made once for the property test.
fn small_recording() -> &'static [u8] {
    static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BYTES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = temp_file(&dir, "small.swrec");
        let mut recorder = Recorder::start(&path, header(), 0, fast_policy()).unwrap();
        let mut encoder = Encoder::new(EncoderConfig::default());
        for n in 0..4 {
            let now_ms = START_MS + i64::from(n) * 700;
            recorder.update(now_ms, &encoder.encode(&picture(n, 32, 24), n == 0)).unwrap();
            recorder.event(now_ms, &chat("hi")).unwrap();
        }
        recorder.pause(START_MS + 3_000, GapReason::StoppedByUser).unwrap();
        recorder.finish().unwrap();
        std::fs::read(&path).unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Changing any one byte of a sealed recording, anywhere, is never verified.
    #[test]
    fn any_single_changed_byte_is_detected(at in any::<prop::sample::Index>(), flip in 1u8..=255) {
        let mut bytes = small_recording().to_vec();
        let at = at.index(bytes.len());
        bytes[at] ^= flip;
        let dir = tempfile::tempdir().unwrap();
        let path = temp_file(&dir, "tampered.swrec");
        std::fs::write(&path, &bytes).unwrap();
        let verdict = verify(&path);
        prop_assert!(!matches!(verdict, Ok(Verification::Verified { .. })), "byte {} ^ {:#x}: {:?}", at, flip, verdict);
    }
}

#[test]
fn the_small_recording_itself_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_file(&dir, "small.swrec");
    std::fs::write(&path, small_recording()).unwrap();
    assert!(matches!(verify(&path).unwrap(), Verification::Verified { recovered: false, .. }));
}
