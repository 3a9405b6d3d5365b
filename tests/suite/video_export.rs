//! `stepwise recordings export` as a person runs it, with the real ffmpeg: a recording made by
//! the real recorder becomes an MP4 and a WebM that `ffprobe` reads back (format, codec, length,
//! frame count), and a decoded frame shows the redacted rectangle black inside its time range and
//! not outside it. Without ffmpeg on PATH the message says what to install. The console's
//! "Export video…" from the session history writes one and records it in the ticket's timeline.
//! (CI installs ffmpeg; with `CI=true` nothing here is skipped.)

use crate::support;

use std::path::Path;
use std::process::{Command, Output};

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use stepwise::codec::{Encoder, EncoderConfig, Frame};
use stepwise::model::{SessionId, TicketId, TimelineEvent};
use stepwise::recording::{KeyframePolicy, Recorder, RecordingHeader, Verification, verify};
use stepwise::store::Store;
use stepwise::ui::Lang;
use support::{settle, settle_listed};

const START_MS: i64 = 1_700_000_000_000;
const WIDTH: u32 = 96;
const HEIGHT: u32 = 64;
/// 3 s at the recorder's 10 updates per second; the export's 10 fps gives 31 frames (0 to 3 s).
const UPDATES: u32 = 31;

/// Whether ffmpeg and ffprobe can run; on CI they must.
fn ffmpeg_available() -> bool {
    let runs = |program: &str| Command::new(program).arg("-version").output().is_ok_and(|out| out.status.success());
    let available = runs("ffmpeg") && runs("ffprobe");
    assert!(available || std::env::var("CI").as_deref() != Ok("true"), "CI must install ffmpeg");
    if !available {
        eprintln!("skipped: ffmpeg is not installed (apt install ffmpeg)");
    }
    available
}

/// A bright picture (no black pixel anywhere) that changes over time.
fn picture(n: u32) -> Frame {
    let mut rgba = Vec::with_capacity((WIDTH * HEIGHT * 4) as usize);
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            rgba.extend_from_slice(&[150 + (x % 50) as u8, 120 + (y * 2) as u8, 160 + (n * 3) as u8, 255]);
        }
    }
    Frame::new(WIDTH, HEIGHT, rgba).unwrap()
}

fn write_recording(path: &Path) {
    let header =
        RecordingHeader { ticket_id: TicketId(4), session_id: SessionId(2), started_at_ms: START_MS, codec_version: 1 };
    let mut recorder = Recorder::start(path, header, 0, KeyframePolicy::default()).unwrap();
    let mut encoder = Encoder::new(EncoderConfig::default());
    for n in 0..UPDATES {
        recorder.update(START_MS + i64::from(n) * 100, &encoder.encode(&picture(n), n == 0)).unwrap();
    }
    recorder.finish().unwrap();
}

fn stepwise(args: &[&str], path_env: Option<&Path>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_stepwise"));
    command.args(args);
    if let Some(path) = path_env {
        command.env("PATH", path);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `ffprobe`'s view: container names, codec, duration (s), frames counted by decoding.
fn probe(path: &Path) -> (String, String, f64, u64) {
    let output = Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-select_streams", "v:0"])
        .args(["-show_entries", "format=format_name,duration:stream=codec_name,nb_read_frames", "-of", "json"])
        .arg(path)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let stream = &json["streams"][0];
    let format = &json["format"];
    (
        format["format_name"].as_str().unwrap().to_owned(),
        stream["codec_name"].as_str().unwrap().to_owned(),
        format["duration"].as_str().unwrap().parse().unwrap(),
        stream["nb_read_frames"].as_str().unwrap().parse().unwrap(),
    )
}

/// Frame `n` of the video, decoded back to RGB24.
fn decode_frame(path: &Path, n: u32) -> Vec<u8> {
    let output = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-vf", &format!("select=eq(n\\,{n})"), "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(output.stdout.len(), (WIDTH * HEIGHT * 3) as usize, "one whole frame");
    output.stdout
}

/// The mean brightness of the pixels in `x0..x1` × `y0..y1` (0–255).
fn mean(rgb: &[u8], (x0, y0, x1, y1): (u32, u32, u32, u32)) -> f64 {
    let mut sum = 0u64;
    let mut count = 0u64;
    for y in y0..y1 {
        for x in x0..x1 {
            let at = ((y * WIDTH + x) * 3) as usize;
            sum += rgb[at..at + 3].iter().map(|&v| u64::from(v)).sum::<u64>();
            count += 3;
        }
    }
    sum as f64 / count as f64
}

#[test]
fn a_recording_exports_to_mp4_and_webm_with_the_redaction_black_only_in_its_time() {
    if !ffmpeg_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("session.swrec");
    write_recording(&source);
    let original = std::fs::read(&source).unwrap();
    // The rectangle 32,16 32×24 from 1.0 s to 2.0 s: frames 10–19 at 10 fps.
    let inside = (36, 20, 60, 36);
    let outside = (4, 44, 28, 60);
    for (name, format_name, codec) in [("out.mp4", "mp4", "h264"), ("out.webm", "webm", "vp9")] {
        let out = dir.path().join(name);
        let output = stepwise(
            &["--data-dir", &dir.path().display().to_string(), "recordings", "export"]
                .into_iter()
                .chain([source.to_str().unwrap(), "--out", out.to_str().unwrap(), "--redact", "32,16,32,24@1-2"])
                .collect::<Vec<_>>(),
            None,
        );
        assert!(output.status.success(), "{}{}", text(&output.stdout), text(&output.stderr));
        assert!(text(&output.stdout).contains("31 frames"), "{}", text(&output.stdout));
        let (formats, codec_name, duration_s, frames) = probe(&out);
        assert!(formats.split(',').any(|f| f == format_name), "{name}: {formats}");
        assert_eq!(codec_name, codec, "{name}");
        assert_eq!(frames, u64::from(UPDATES), "{name}: frames");
        assert!((duration_s - 3.1).abs() < 0.15, "{name}: {duration_s} s");

        let redacted = decode_frame(&out, 15);
        assert!(mean(&redacted, inside) < 25.0, "{name}: black at 1.5 s: {}", mean(&redacted, inside));
        assert!(mean(&redacted, outside) > 120.0, "{name}: the rest stays: {}", mean(&redacted, outside));
        for n in [5, 25] {
            let clear = decode_frame(&out, n);
            assert!(mean(&clear, inside) > 120.0, "{name}: not black at frame {n}: {}", mean(&clear, inside));
        }
    }
    assert_eq!(std::fs::read(&source).unwrap(), original, "the recording is untouched");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn without_ffmpeg_on_path_the_export_says_what_to_install() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("session.swrec");
    write_recording(&source);
    let out = dir.path().join("out.mp4");
    let empty = dir.path().join("no-programs");
    std::fs::create_dir(&empty).unwrap();
    let args = ["recordings", "export", source.to_str().unwrap(), "--out", out.to_str().unwrap()];
    let output = stepwise(&args, Some(&empty));
    assert!(!output.status.success());
    let message = text(&output.stderr);
    assert!(message.contains("ffmpeg was not found") && message.contains("apt install ffmpeg"), "{message}");
    assert!(!out.exists());
}

#[test]
fn bad_redactions_and_names_are_refused_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("session.swrec");
    write_recording(&source);
    let out = dir.path().join("out.mp4");
    let run = |extra: &[&str], out: &Path| {
        let mut args = vec!["recordings", "export", source.to_str().unwrap(), "--out", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        stepwise(&args, None)
    };
    let output = run(&["--redact", "1,2,3@1-2"], &out);
    assert!(text(&output.stderr).contains("X,Y,W,H@FROM_S-TO_S"), "{}", text(&output.stderr));
    let output = run(&["--redact", "90,0,10,10@1-2"], &out);
    assert!(text(&output.stderr).contains("reaches outside the 96×64 picture"), "{}", text(&output.stderr));
    let output = run(&["--redact", "0,0,10,10@2-1"], &out);
    assert!(text(&output.stderr).contains("must start before it ends"), "{}", text(&output.stderr));
    let output = run(&[], &dir.path().join("out.avi"));
    assert!(text(&output.stderr).contains("must end in .mp4 or .webm"), "{}", text(&output.stderr));
    assert!(!out.exists());
}

#[test]
fn the_console_exports_a_recording_from_the_session_history_and_records_it() {
    if !ffmpeg_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (ticket_id, number) = support::seed_printer_ticket(dir.path());
    let source = dir.path().join("recordings").join("session.swrec");
    std::fs::create_dir_all(source.parent().unwrap()).unwrap();
    write_recording(&source);
    let Verification::Verified { hash_head, duration_ms, .. } = verify(&source).unwrap() else { panic!("not sealed") };
    {
        let mut store = Store::open(dir.path()).unwrap();
        let bytes = std::fs::metadata(&source).unwrap().len();
        let path = source.display().to_string();
        let saved = TimelineEvent::RecordingSaved { duration_ms, bytes, hash_head: hash_head.to_string(), path };
        store.save_recording(ticket_id, None, &saved, support::T0).unwrap();
    }
    let mut harness = support::console_without_file_dialogs(dir.path(), Lang::En);
    settle_listed(&mut harness, "listed", 1);
    harness.get_by_role_and_label(Role::Button, &format!("{number} 打印机脱机")).click();
    settle(&mut harness, "opened", |h| h.state().desk().open_ticket_number() == Some(number.as_str()));
    // Below the fold of the ticket: clicked as a screen reader would.
    harness.get_by_role_and_label(Role::Button, "Export video…").click_accesskit();
    settle(&mut harness, "the preview", |h| h.query_by_label("Recording: 3 s, picture 96×64").is_some());
    harness.get_by_role_and_label(Role::Button, "Add rectangle").click();
    harness.run();
    let out = dir.path().join("review.mp4");
    support::type_into(&mut harness, "Save as", &out.display().to_string());
    harness.get_by_role_and_label(Role::Button, "Export").click();
    let written = format!("Video written: {}", out.display());
    settle(&mut harness, "the video", |h| h.query_by_label(&written).is_some());
    let entry = format!(
        "Recording exported as MP4 (H.264): review.mp4 (1 rectangle blacked out, source chain head {}…)",
        &hash_head.to_string()[..12]
    );
    settle(&mut harness, "the timeline entry", |h| h.query_by_label_contains(&entry).is_some());
    let (_, _, _, frames) = probe(&out);
    assert_eq!(frames, u64::from(UPDATES));
    drop(harness);
    let store = Store::open(dir.path()).unwrap();
    let history = store.history(ticket_id).unwrap();
    let exported = history.iter().find_map(|entry| match &entry.event {
        TimelineEvent::RecordingExported { hash_head, redactions, .. } => {
            Some((entry.actor.clone(), hash_head.clone(), redactions.len()))
        }
        _ => None,
    });
    assert_eq!(exported, Some(("Li Wei".to_owned(), hash_head.to_string(), 1)));
}
