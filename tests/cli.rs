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
