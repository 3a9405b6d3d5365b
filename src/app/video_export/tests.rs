//! Exports that stop before a video exists: no ffmpeg, a cancel, a changed recording, an output
//! that would replace it, a request that does not fit. (Real videos: `tests/suite/video_export.rs`.)

use std::path::Path;
use std::sync::atomic::AtomicBool;

use super::*;
use crate::codec::{Encoder, EncoderConfig, Frame};
use crate::model::{Redaction, RedactionRect, SessionId, TicketId, VideoFormat};
use crate::recording::{KeyframePolicy, Recorder, RecordingHeader};

const START_MS: i64 = 1_700_000_000_000;

fn write_recording(path: &Path) {
    let header =
        RecordingHeader { ticket_id: TicketId(1), session_id: SessionId(1), started_at_ms: START_MS, codec_version: 1 };
    let mut recorder = Recorder::start(path, header, 0, KeyframePolicy::default()).unwrap();
    let mut encoder = Encoder::new(EncoderConfig::default());
    for n in 0..10u8 {
        let frame = Frame::new(32, 24, vec![100 + n; 32 * 24 * 4]).unwrap();
        recorder.update(START_MS + i64::from(n) * 100, &encoder.encode(&frame, n == 0)).unwrap();
    }
    recorder.finish().unwrap();
}

fn job(dir: &tempfile::TempDir, program: &str) -> VideoExportJob {
    let source = dir.path().join("session.swrec");
    write_recording(&source);
    let mut job = VideoExportJob::new(source, dir.path().join("out.mp4"), VideoExportRequest::default());
    job.ffmpeg = program.into();
    job
}

fn run(job: &VideoExportJob) -> Result<VideoExported, VideoExportFailure> {
    export_video(job, &AtomicBool::new(false), &mut |_| {})
}

fn leftovers(dir: &tempfile::TempDir) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "session.swrec")
        .collect();
    names.sort();
    names
}

#[test]
fn without_ffmpeg_the_message_says_what_to_install() {
    let dir = tempfile::tempdir().unwrap();
    let err = run(&job(&dir, "stepwise-test-no-such-ffmpeg")).unwrap_err();
    assert!(matches!(err, VideoExportFailure::FfmpegMissing), "{err:?}");
    assert!(err.to_string().contains("apt install ffmpeg"), "{err}");
    assert_eq!(leftovers(&dir), Vec::<String>::new());
}

#[test]
fn a_failing_ffmpeg_reports_its_own_words_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // `false` takes no pictures and fails: the export must say so, not hang or panic.
    let err = run(&job(&dir, "false")).unwrap_err();
    assert!(matches!(err, VideoExportFailure::Ffmpeg { .. }), "{err:?}");
    assert_eq!(leftovers(&dir), Vec::<String>::new());
}

#[test]
fn a_cancelled_export_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    // Any program starts; the cancel is seen before the first picture.
    let job = job(&dir, "cat");
    let err = export_video(&job, &AtomicBool::new(true), &mut |_| {}).unwrap_err();
    assert!(matches!(err, VideoExportFailure::Cancelled), "{err:?}");
    assert_eq!(leftovers(&dir), Vec::<String>::new());
}

#[test]
fn a_changed_recording_is_not_exported_nor_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let mut job = job(&dir, "ffmpeg");
    let original = std::fs::read(&job.source).unwrap();
    job.out = job.source.clone();
    assert!(matches!(run(&job).unwrap_err(), VideoExportFailure::SameFile));
    assert_eq!(std::fs::read(&job.source).unwrap(), original, "the recording is untouched");

    let mut changed = original.clone();
    let middle = changed.len() / 2;
    changed[middle] ^= 1;
    std::fs::write(&job.source, &changed).unwrap();
    job.out = dir.path().join("out.mp4");
    let err = run(&job).unwrap_err();
    assert!(matches!(err, VideoExportFailure::SourceModified { .. }), "{err:?}");
}

#[test]
fn a_redaction_outside_the_picture_is_refused_before_ffmpeg_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut job = job(&dir, "stepwise-test-no-such-ffmpeg");
    job.request.redactions =
        vec![Redaction { rect: RedactionRect { x: 30, y: 0, w: 4, h: 4 }, from_ms: 0, to_ms: 500 }];
    let err = run(&job).unwrap_err();
    assert!(
        matches!(
            err,
            VideoExportFailure::Refused(VideoExportError::OutsidePicture { index: 1, width: 32, height: 24 })
        ),
        "{err:?}"
    );
    let garbage = dir.path().join("garbage.swrec");
    std::fs::write(&garbage, b"not a recording at all, just some bytes that are long enough").unwrap();
    job.source = garbage;
    assert!(matches!(run(&job).unwrap_err(), VideoExportFailure::Recording(_)));
    assert!(matches!(format_for(Path::new("a.avi")), Err(VideoExportFailure::UnknownExtension { .. })));
}

/// A stand-in for ffmpeg that writes the raw pictures it is given to its last argument (the
/// output), so every exported pixel can be checked exactly.
fn raw_writer(dir: &tempfile::TempDir) -> std::ffi::OsString {
    use std::os::unix::fs::PermissionsExt as _;
    let script = dir.path().join("raw-ffmpeg");
    std::fs::write(&script, "#!/bin/sh\nfor last; do :; done\nexec cat > \"$last\"\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script.into_os_string()
}

#[test]
fn every_exported_picture_is_exact_paused_time_black_a_resize_fitted_and_redacted() {
    use crate::recording::GapReason;
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("session.swrec");
    let header =
        RecordingHeader { ticket_id: TicketId(1), session_id: SessionId(1), started_at_ms: START_MS, codec_version: 1 };
    let mut recorder = Recorder::start(&source, header, 0, KeyframePolicy::default()).unwrap();
    let mut encoder = Encoder::new(EncoderConfig::default());
    for n in 0..31u8 {
        let now_ms = START_MS + i64::from(n) * 100;
        if n == 10 {
            recorder.pause(now_ms, GapReason::PausedByUser).unwrap();
        }
        if n == 15 {
            recorder.resume(now_ms).unwrap();
        }
        // From 2 s on the remote screen is 48×24 instead of 32×24.
        let width = if n >= 20 { 48 } else { 32 };
        let frame = Frame::new(width, 24, vec![100 + n; width as usize * 24 * 4]).unwrap();
        recorder.update(now_ms, &encoder.encode(&frame, n == 0)).unwrap();
    }
    recorder.finish().unwrap();
    let redaction = Redaction { rect: RedactionRect { x: 0, y: 0, w: 4, h: 4 }, from_ms: 2_500, to_ms: 2_800 };
    let request = VideoExportRequest { format: VideoFormat::Mp4H264, redactions: vec![redaction] };
    let mut job = VideoExportJob::new(source, dir.path().join("raw.mp4"), request);
    job.ffmpeg = raw_writer(&dir);
    let mut fractions = Vec::new();
    // A script just written can be busy for a moment while another test's process starts.
    let exported = (0..5)
        .find_map(|_| match export_video(&job, &AtomicBool::new(false), &mut |f| fractions.push(f)) {
            Err(VideoExportFailure::Io { source, .. }) if source.raw_os_error() == Some(26) => {
                std::thread::sleep(std::time::Duration::from_millis(50));
                None
            }
            other => Some(other),
        })
        .unwrap()
        .unwrap();
    assert_eq!((exported.width, exported.height, exported.frames, exported.duration_ms), (32, 24, 31, 3_000));
    assert_eq!(exported.hash_head.len(), 64, "the verified source's chain head");
    assert_eq!(fractions.first(), Some(&0.0));
    assert_eq!(fractions.last(), Some(&1.0));
    let raw = std::fs::read(&exported.path).unwrap();
    let frame_bytes = 32 * 24 * 4;
    assert_eq!(raw.len(), 31 * frame_bytes);
    let pixel = |frame: usize, x: usize, y: usize| -> [u8; 4] {
        let at = frame * frame_bytes + (y * 32 + x) * 4;
        raw[at..at + 4].try_into().unwrap()
    };
    const BLACK: [u8; 4] = [0, 0, 0, 255];
    assert_eq!(pixel(5, 10, 10), [105; 4]);
    for frame in 10..15 {
        assert_eq!(pixel(frame, 10, 10), BLACK, "paused by the user at frame {frame}");
    }
    assert_eq!(pixel(16, 10, 10), [116; 4], "resumed");
    // 48×24 fitted into 32×24: 32×16, 4 rows of black above and below.
    assert_eq!(pixel(21, 10, 2), BLACK);
    assert_eq!(pixel(21, 10, 10), [121; 4]);
    assert_eq!(pixel(21, 0, 4), [121; 4], "not yet redacted");
    assert_eq!(pixel(25, 0, 4), BLACK, "redacted from 2.5 s");
    assert_eq!(pixel(27, 1, 5), BLACK);
    assert_eq!(pixel(25, 10, 10), [125; 4], "only the rectangle");
    assert_eq!(pixel(28, 0, 4), [128; 4], "until 2.8 s");
}
