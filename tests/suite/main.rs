//! The integration tests, one binary: every file here is a module (a binary per file would link
//! the whole application dozens of times, which costs minutes and gigabytes in CI). The shared
//! helpers live in `tests/support/`; `tests/desk_snapshot.rs` (wgpu, a pinned time zone) and
//! `tests/architecture.rs` stay binaries of their own.

#[path = "../support/events.rs"]
mod events;
#[path = "../support/hostile.rs"]
mod hostile;
#[path = "../support/loopback.rs"]
mod loopback;
#[path = "../support/pair.rs"]
mod pair;
#[path = "../support/mod.rs"]
mod support;
#[path = "../support/unwritable.rs"]
mod unwritable;
#[path = "../support/xvfb.rs"]
mod xvfb;

mod assist_ui;
mod capture;
mod cli;
mod console_ui;
mod control_gate;
mod control_ui;
mod control_x11;
mod demo_headless;
mod exchange_roundtrip;
mod import_ui;
mod knowledge_base_ui;
mod lossy_bench;
mod monitor_ui;
mod overlay;
mod packaging_files;
mod player_ui;
mod portal_gate;
mod previous_release;
mod protocol_pair;
mod recording_stream;
mod recordings_cli;
mod relay;
mod report;
mod report_equivalence;
mod reports_ui;
mod screen_stream;
mod session_ui;
mod store;
mod team_desk_ui;
mod team_store;
mod transcript_ui;
mod transport_loopback;
mod ui_glyphs;
mod video_export;
mod words_ui;
mod workspace_ui;
mod wrap_up_ui;
