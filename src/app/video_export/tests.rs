//! Exports that stop before a video exists: no ffmpeg, a cancel, a changed recording, an output
//! that would replace it, a request that does not fit. (Real videos: `tests/video_export.rs`.)

use std::path::Path;
use std::sync::atomic::AtomicBool;

use super::*;
use crate::codec::{Encoder, EncoderConfig, Frame};
use crate::model::{Redaction, RedactionRect, SessionId, TicketId};
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
