//! The command line as a person uses it: the Get-help window's ways to receive a join link
//! without leaving its code in the process list.

use std::io::Write as _;
use std::process::{Command, Stdio};

fn stepwise() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_stepwise"));
    // No display: the Get-help window cannot open, so every run ends by itself.
    command.env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY");
    command
}

#[test]
fn assist_help_says_how_to_keep_the_code_out_of_the_process_list() {
    let output = stepwise().args(["assist", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("--link-stdin"), "{help}");
    assert!(help.contains("--link-file"), "{help}");
    assert!(help.contains("process list"), "{help}");
}

#[test]
fn a_bad_link_on_standard_input_is_refused_in_plain_words() {
    let mut child = stepwise()
        .args(["assist", "--link-stdin"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"not a link\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not a link"), "{stderr}");
}

#[test]
fn the_link_handler_hands_the_link_over_through_a_private_file() {
    let runtime_dir = tempfile::tempdir().unwrap();
    let data_dir = tempfile::tempdir().unwrap();
    let output = stepwise()
        .env("XDG_RUNTIME_DIR", runtime_dir.path())
        .arg("--data-dir")
        .arg(data_dir.path())
        .args(["open-link", "stepwise://127.0.0.1:9/123456789"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The handler replaced itself with `assist --link-file`, which read and removed the file
    // before failing to open a window here.
    assert!(stderr.contains("Get help window"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(runtime_dir.path()).unwrap().flatten().map(|entry| entry.path()).collect();
    assert!(left.is_empty(), "the hand-over file must not stay: {left:?}");
    assert!(!stderr.contains("123456789"), "the code is not printed: {stderr}");
}

#[test]
fn the_link_handler_refuses_what_is_not_a_join_link() {
    let runtime_dir = tempfile::tempdir().unwrap();
    let output = stepwise()
        .env("XDG_RUNTIME_DIR", runtime_dir.path())
        .args(["open-link", "https://example.com/"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert_eq!(std::fs::read_dir(runtime_dir.path()).unwrap().count(), 0, "nothing is written for a bad link");
}

#[test]
fn a_bare_join_link_goes_to_the_get_help_window_as_the_handler_does() {
    let runtime_dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let output = stepwise()
        .env("XDG_RUNTIME_DIR", runtime_dir.path())
        .env("HOME", home.path())
        .arg("stepwise://127.0.0.1:9/123456789")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Get help window"), "{stderr}");
    assert_eq!(std::fs::read_dir(runtime_dir.path()).unwrap().count(), 0, "the hand-over file was read and removed");
}

#[test]
fn assist_help_lists_only_what_the_get_help_window_uses() {
    let output = stepwise().args(["assist", "--help"]).output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(!help.contains("--session-port"), "a console option in assist --help: {help}");
    assert!(!help.contains("--advertise"), "a console option in assist --help: {help}");
    // The console still lists them, and still takes them.
    let output = stepwise().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("--session-port") && help.contains("--advertise"), "{help}");
    let output =
        stepwise().args(["--session-port", "4700", "--advertise", "desk.example", "--version"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn demo_help_says_the_built_in_picture_is_the_default_and_offers_the_live_screen() {
    let output = stepwise().args(["demo", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("--live-screen"), "{help}");
    assert!(help.contains("default: a built-in moving picture"), "{help}");
}

#[test]
fn the_headless_demo_prints_a_readable_summary_and_json_on_request() {
    let data_dir = tempfile::tempdir().unwrap();
    let run = |json: bool| {
        let mut command = stepwise();
        command.arg("--data-dir").arg(data_dir.path()).args(["demo", "--headless"]);
        if json {
            command.arg("--json");
        }
        let output = command.output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    };
    let summary = run(false);
    assert!(!summary.trim_start().starts_with('{'), "JSON instead of a summary: {summary}");
    assert!(summary.contains("Wrong code refused first:"), "{summary}");
    assert!(summary.contains("Updates before consent:       none (good)"), "{summary}");
    assert!(summary.contains("session_started"), "{summary}");
    let json: serde_json::Value = serde_json::from_str(&run(true)).expect("--json prints one JSON object");
    assert_eq!(json["pairing"], "ok");
    assert_eq!(json["recording_verified"], true);
    // The recording verifies on the command line, and no longer once any byte of it changed.
    let recording = std::path::PathBuf::from(json["recording_path"].as_str().unwrap());
    let verify = || stepwise().args(["recordings", "verify"]).arg(&recording).output().unwrap();
    assert!(verify().status.success());
    let mut bytes = std::fs::read(&recording).unwrap();
    let middle = bytes.len() / 3;
    bytes[middle] ^= 0x20;
    std::fs::write(&recording, &bytes).unwrap();
    assert!(!verify().status.success());
}

#[test]
fn the_live_screen_demo_says_plainly_when_the_screen_cannot_be_shared() {
    let data_dir = tempfile::tempdir().unwrap();
    let output = stepwise().arg("--data-dir").arg(data_dir.path()).args(["demo", "--live-screen"]).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--live-screen cannot be used here"), "{stderr}");
    // Refused before anything was written: no demo ticket, no database.
    assert_eq!(std::fs::read_dir(data_dir.path()).unwrap().count(), 0);
}
