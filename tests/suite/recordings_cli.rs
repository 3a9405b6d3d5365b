//! `stepwise recordings verify FILE` and `recover FILE` as a person runs them: the verdict in
//! words, and an exit status of 0 only for a verified recording.

use std::path::Path;
use std::process::{Command, Output};

use stepwise::codec::{Encoder, EncoderConfig, Frame};
use stepwise::model::{SessionId, TicketId};
use stepwise::recording::{KeyframePolicy, Recorder, RecordingHeader};

const START_MS: i64 = 1_700_000_000_000;

fn stepwise(args: &[&str], file: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stepwise")).args(args).arg(file).output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A short recording of a changing picture; sealed unless `seal` is false.
fn write_recording(path: &Path, seal: bool) {
    let header =
        RecordingHeader { ticket_id: TicketId(1), session_id: SessionId(1), started_at_ms: START_MS, codec_version: 1 };
    let mut recorder = Recorder::start(path, header, 0, KeyframePolicy::default()).unwrap();
    let mut encoder = Encoder::new(EncoderConfig::default());
    for n in 0..10u8 {
        let frame = Frame::new(64, 48, (0..64 * 48 * 4).map(|i| (i as u8).wrapping_mul(n)).collect()).unwrap();
        recorder.update(START_MS + i64::from(n) * 100, &encoder.encode(&frame, n == 0)).unwrap();
    }
    if seal {
        recorder.finish().unwrap();
    }
}

#[test]
fn a_sealed_recording_verifies_and_a_changed_byte_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.swrec");
    write_recording(&path, true);
    let output = stepwise(&["recordings", "verify"], &path);
    assert!(output.status.success(), "{}", stdout(&output));
    assert!(stdout(&output).starts_with("verified"), "{}", stdout(&output));

    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    let output = stepwise(&["recordings", "verify"], &path);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).starts_with("modified at record "), "{}", stdout(&output));
}

#[test]
fn a_cut_recording_is_truncated_until_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crashed.swrec");
    write_recording(&path, false);
    let output = stepwise(&["recordings", "verify"], &path);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).starts_with("truncated at record "), "{}", stdout(&output));

    let output = stepwise(&["recordings", "recover"], &path);
    assert!(output.status.success());
    assert!(stdout(&output).starts_with("sealed as recovered"), "{}", stdout(&output));
    let output = stepwise(&["recordings", "verify"], &path);
    assert!(output.status.success());
    assert!(stdout(&output).contains("recovered"), "{}", stdout(&output));
}

#[test]
fn a_file_that_is_not_a_recording_is_said_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "just some notes, long enough to hold a header and its hash").unwrap();
    let output = stepwise(&["recordings", "verify"], &path);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("is not a Stepwise recording"), "{stderr}");
    let output = stepwise(&["recordings", "verify"], &dir.path().join("missing.swrec"));
    assert!(!output.status.success());
}
