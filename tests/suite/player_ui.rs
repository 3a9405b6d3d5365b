//! The review player: the picture its worker shows at t is the reader's picture at t, bit for
//! bit; and the real console through the accessibility tree — Play recording from the session
//! history, play, seek by a chapter mark, jump to a search match, keys, and the integrity badge
//! (verified, modified, in Chinese too).

use crate::support;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

use egui_kittest::kittest::Queryable;
use stepwise::app::player::PlayerHost;
use stepwise::app::store_worker::StoreRequest;
use stepwise::codec::{Encoder, EncoderConfig, Frame};
use stepwise::model::playback::Integrity;
use stepwise::model::{
    ActorKind, ArrowRecord, ChatAuthor, RecordingRecord, RecordingStatus, SessionId, StepRecord, TicketId,
    TimelineEvent,
};
use stepwise::protocol::{RemotePixel, Shape, StepOutcome};
use stepwise::recording::{
    GapReason, KeyframePolicy, RecordedEvent, Recorder, RecordingHeader, RecordingReader, SealedRecording,
};
use stepwise::store::Store;
use stepwise::ui::player::PlayerCommand;
use stepwise::ui::{Lang, UiEvent};
use support::{ConsoleHarness, T0, console, settle, settle_listed};

const WIDTH: u32 = 160;
const HEIGHT: u32 = 120;

/// Picture `n`: a gradient with a block moving right.
fn picture(n: u32) -> Frame {
    let mut rgba = vec![0u8; (WIDTH * HEIGHT * 4) as usize];
    let block_x = (n * 3) % (WIDTH - 20);
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let at = ((y * WIDTH + x) * 4) as usize;
            let value = if x >= block_x && x < block_x + 20 && (30..50).contains(&y) {
                [200, 40, 40, 255]
            } else {
                [(x * 255 / WIDTH) as u8, (y * 255 / HEIGHT) as u8, (n % 256) as u8, 255]
            };
            rgba[at..at + 4].copy_from_slice(&value);
        }
    }
    Frame { width: WIDTH, height: HEIGHT, rgba }
}

fn event(actor_kind: ActorKind, event: TimelineEvent) -> RecordedEvent {
    let actor = if actor_kind == ActorKind::User { "Zhang Min" } else { "Li Wei" };
    RecordedEvent { actor_kind, actor: actor.into(), event }
}

fn chat(text: &str) -> TimelineEvent {
    TimelineEvent::Chat { from: ChatAuthor::Engineer, id: None, sent_at_ms: None, text: text.into() }
}

/// An 8-second recording at 10 pictures a second: chat at 1 s, step 1 of 3 sent at 2 s with
/// an arrow at 2.5 s, answered at 3 s, paused by the user from 4 s to 5 s, chat at 6 s.
fn record(path: &Path) -> SealedRecording {
    let header = RecordingHeader {
        ticket_id: TicketId(1),
        session_id: SessionId(1),
        started_at_ms: T0,
        codec_version: stepwise::codec::FORMAT_VERSION,
    };
    let policy = KeyframePolicy { min_interval_ms: 500, max_interval_ms: 2_000 };
    let mut recorder = Recorder::start(path, header, 0, policy).unwrap();
    let mut encoder = Encoder::new(EncoderConfig::default());
    let step = StepRecord {
        step_id: 1,
        index: 1,
        total: 3,
        instruction: "Open Settings".into(),
        expected: String::new(),
        annotation: None,
    };
    let arrow = ArrowRecord {
        id: 9,
        shape: Shape::Arrow { tail: RemotePixel { x: 10, y: 10 }, head: RemotePixel { x: 80, y: 60 } },
        label: "here".into(),
        color: "blue".into(),
        fade_ms: 0,
    };
    for n in 0..80u32 {
        let t_ms = u64::from(n) * 100;
        let now_ms = T0 + t_ms as i64;
        match t_ms {
            1_000 => recorder.event(now_ms, &event(ActorKind::Engineer, chat("Is the printer switched on?"))).unwrap(),
            2_000 => {
                let sent = TimelineEvent::StepSent { step: step.clone(), resent: false };
                recorder.event(now_ms, &event(ActorKind::Engineer, sent)).unwrap();
            }
            2_500 => {
                recorder.event(now_ms, &event(ActorKind::Engineer, TimelineEvent::ArrowDrawn(arrow.clone()))).unwrap()
            }
            3_000 => {
                let answer = TimelineEvent::StepConfirmed {
                    step_id: 1,
                    outcome: StepOutcome::Done,
                    comment: String::new(),
                    seconds: 1,
                };
                recorder.event(now_ms, &event(ActorKind::User, answer)).unwrap();
            }
            4_000 => recorder.pause(now_ms, GapReason::PausedByUser).unwrap(),
            5_000 => recorder.resume(now_ms).unwrap(),
            6_000 => recorder.event(now_ms, &event(ActorKind::Engineer, chat("The printer prints again"))).unwrap(),
            _ => {}
        }
        let update = encoder.encode(&picture(n), n == 0);
        recorder.update(now_ms, &update).unwrap();
    }
    recorder.finish().unwrap()
}

fn row(sealed: &SealedRecording) -> RecordingRecord {
    RecordingRecord {
        id: 1,
        ticket_id: TicketId(1),
        session_id: None,
        path: sealed.path.display().to_string(),
        duration_ms: sealed.duration_ms,
        bytes: sealed.bytes,
        hash_head: sealed.hash_head.to_string(),
        status: RecordingStatus::Sealed,
        saved_at_ms: T0,
        retention_until_ms: T0 + 86_400_000,
    }
}

/// Waits for `done` on `slot` (the worker answers on its thread).
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if done() {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("timed out waiting for {what}");
}

#[test]
fn the_worker_shows_the_readers_picture_at_t_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let sealed = record(&dir.path().join("r.swrec"));
    let (events, inbox) = channel();
    let (store, store_inbox) = channel();
    let mut host = PlayerHost::new(events, Arc::new(|| {}), store);
    host.run(PlayerCommand::Open(row(&sealed)));
    let opened = inbox.recv_timeout(Duration::from_secs(30)).expect("the worker answers");
    let UiEvent::PlayerOpened { recording_id: 1, content, slot } = opened else { panic!("not opened: {opened:?}") };
    assert_eq!(content.duration_ms, 7_900);
    assert_eq!(content.events.len(), 5);
    assert_eq!(content.gaps.len(), 1);
    let mut reader = RecordingReader::open(&sealed.path).unwrap();
    // Forward, far back, across the pause, into it, to the very start and end.
    for t_ms in [3_000, 300, 7_900, 4_500, 5_000, 0, 6_050, 2_000] {
        host.run(PlayerCommand::Seek { recording_id: 1, t_ms });
        wait_for("the picture", || slot.lock().t_ms == Some(t_ms));
        let expected = reader.frame_at(t_ms).unwrap().expect("a picture").clone();
        let shown = slot.lock();
        assert_eq!((shown.width, shown.height), (expected.width, expected.height), "size at {t_ms}");
        assert!(shown.rgba == expected.rgba, "the picture at {t_ms} ms differs from the reader's");
    }
    let integrity = inbox.recv_timeout(Duration::from_secs(30)).expect("verified");
    assert_eq!(integrity, UiEvent::PlayerIntegrity { recording_id: 1, integrity: Integrity::Verified });
    // "Save frame as screenshot" hands the picture on show to the store thread.
    host.run(PlayerCommand::SaveFrame { recording_id: 1, ticket_id: TicketId(1) });
    let saved = store_inbox.recv_timeout(Duration::from_secs(5)).expect("a screenshot request");
    let StoreRequest::AttachScreenshot { ticket_id, width, height, rgba } = saved else { panic!("{saved:?}") };
    let expected = reader.frame_at(2_000).unwrap().unwrap();
    assert_eq!((ticket_id, width, height), (TicketId(1), WIDTH, HEIGHT));
    assert!(rgba == expected.rgba);
}

#[test]
fn a_file_that_is_not_a_recording_is_refused_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not.swrec");
    std::fs::write(&path, b"just some text, long enough to have a header's length .......").unwrap();
    let (events, inbox) = channel();
    let mut host = PlayerHost::new(events, Arc::new(|| {}), channel().0);
    let mut record = row(&SealedRecording {
        path: path.clone(),
        duration_ms: 0,
        bytes: 0,
        hash_head: stepwise::recording::HashHead([0; 32]),
        recovered: false,
    });
    record.id = 4;
    host.run(PlayerCommand::Open(record));
    let answer = inbox.recv_timeout(Duration::from_secs(30)).unwrap();
    let UiEvent::PlayerFailed { recording_id: 4, reason } = answer else { panic!("{answer:?}") };
    assert!(reason.contains("is not a Stepwise recording"), "{reason}");
}

/// A data folder with the printer ticket and one recording row; the file's path and the
/// ticket's number.
fn data_with_recording(data: &Path) -> (PathBuf, String) {
    let (ticket_id, number) = support::seed_printer_ticket(data);
    assert_eq!(ticket_id, TicketId(1));
    let folder = data.join("recordings");
    std::fs::create_dir_all(&folder).unwrap();
    let sealed = record(&folder.join("ticket-1.swrec"));
    let mut store = Store::open(data).unwrap();
    let saved = TimelineEvent::RecordingSaved {
        duration_ms: sealed.duration_ms,
        bytes: sealed.bytes,
        hash_head: sealed.hash_head.to_string(),
        path: sealed.path.display().to_string(),
    };
    store.save_recording(ticket_id, None, &saved, T0).unwrap();
    (sealed.path, number)
}

/// The console with the ticket open and its recording in the player.
fn open_player(data: &Path, number: &str, lang: Lang, play_label: &str) -> ConsoleHarness {
    let mut desk = console(data, lang);
    settle_listed(&mut desk, "ticket listed", 1);
    desk.get_by_role_and_label(egui::accesskit::Role::Button, &format!("{number} 打印机脱机")).click();
    settle(&mut desk, "the recording listed", |h| h.query_by_label(play_label).is_some());
    desk.get_by_label(play_label).click_accesskit();
    settle(&mut desk, "the recording open", |h| {
        h.state().desk().player().and_then(|player| player.playback()).is_some()
    });
    desk
}

fn playhead_ms(desk: &ConsoleHarness) -> u64 {
    desk.state().desk().player().and_then(|player| player.playback()).map_or(u64::MAX, |p| p.playhead_ms())
}

fn is_playing(desk: &ConsoleHarness) -> bool {
    desk.state().desk().player().and_then(|player| player.playback()).is_some_and(|p| p.is_playing())
}

#[test]
fn the_player_plays_seeks_by_chapter_and_search_and_says_verified() {
    let dir = tempfile::tempdir().unwrap();
    let (_, number) = data_with_recording(dir.path());
    let mut desk = open_player(dir.path(), &number, Lang::En, "Play recording");
    settle(&mut desk, "the badge", |h| h.query_by_label("Verified").is_some());
    assert!(desk.query_by_label("Recorded screen at 0:00").is_some());

    // A chapter mark seeks there; the step card and the transcript follow.
    desk.get_by_label("Step 1 of 3 sent at 0:02").click();
    settle(&mut desk, "the chapter", |h| playhead_ms(h) == 2_000);
    assert!(desk.query_by_label("Step 1 of 3").is_some(), "the step card");
    assert!(desk.query_by_label("Open Settings").is_some());
    assert!(desk.query_by_label("Recorded screen at 0:02").is_some());
    desk.get_by_label("Step answered: Done at 0:03").click();
    settle(&mut desk, "the answer", |h| h.query_by_label("Answer: Done").is_some());

    // Search: the matching moments are listed above the transcript; a click jumps there.
    support::type_into(&mut desk, "Search the transcript", "prints AGAIN");
    settle(&mut desk, "one match", |h| h.query_by_label("Matching moments: 1").is_some());
    let matches: Vec<_> = desk.get_all_by_label_contains("The printer prints again").collect();
    assert_eq!(matches.len(), 2, "the match and the transcript line");
    matches[0].click();
    settle(&mut desk, "the jump", |h| playhead_ms(h) == 6_000);

    // Play runs on the frame clock (a quarter second per test frame) and stops at the end.
    desk.get_by_label("Play").click();
    for _ in 0..3 {
        desk.step();
    }
    assert!(is_playing(&desk));
    let played = playhead_ms(&desk);
    assert!(played > 6_000 && played <= 7_900, "played to {played}");
    desk.get_by_label("Pause").click();
    desk.step();
    assert!(!is_playing(&desk));

    // Keys: ← jumps back 5 s, `.` one frame on, space plays.
    let before = playhead_ms(&desk);
    desk.key_press(egui::Key::ArrowLeft);
    desk.step();
    assert_eq!(playhead_ms(&desk), before - 5_000);
    desk.key_press(egui::Key::Period);
    desk.step();
    assert_eq!(playhead_ms(&desk), before - 5_000 + 40);
    desk.key_press(egui::Key::Space);
    desk.step();
    assert!(is_playing(&desk));
}

#[test]
fn a_changed_byte_shows_modified_and_chinese_says_verified() {
    let dir = tempfile::tempdir().unwrap();
    let (path, number) = data_with_recording(dir.path());
    let mut desk = open_player(dir.path(), &number, Lang::Zh, "播放录像");
    settle(&mut desk, "the badge in Chinese", |h| h.query_by_label("已验证").is_some());
    drop(desk);

    // One byte in the middle of the pictures.
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&path, bytes).unwrap();
    let mut desk = open_player(dir.path(), &number, Lang::En, "Play recording");
    settle(&mut desk, "the badge", |h| h.query_by_label_contains("Modified at record").is_some());
    assert!(desk.query_by_label("Verified").is_none());
}
