//! One image snapshot: the desk with the sample tickets (Chinese and English) and a Chinese
//! ticket open. Rendered with wgpu on Mesa's lavapipe; `UPDATE_SNAPSHOTS=1` rewrites it.

mod support;

use egui_kittest::kittest::Queryable;
use stepwise::ui::Lang;
use support::{console, settle, type_into};

#[test]
fn desk_with_sample_tickets() {
    // Times on screen are local: pin the zone so the picture is the same everywhere. This test
    // binary has a single test, so nothing else reads the environment concurrently.
    unsafe { std::env::set_var("TZ", "UTC") };
    let dir = tempfile::tempdir().unwrap();
    let mut harness = console(dir.path(), Lang::En);
    settle(&mut harness, "first-run profile", |h| h.query_by_label("Your name").is_some());
    type_into(&mut harness, "Your name", "陈伟");
    type_into(&mut harness, "Team", "IT 服务台");
    harness.get_by_label("Save").click();
    // The empty desk shows under the profile question: wait for the question to go.
    settle(&mut harness, "desk", |h| h.query_by_label("Your name").is_none());
    harness.get_by_label("Load sample tickets").click();
    settle(&mut harness, "samples", |h| {
        h.state().desk().listed_count().is_some_and(|n| n > 20) && h.state().desk().first_row_loaded()
    });
    harness.key_press(egui::Key::ArrowDown);
    settle(&mut harness, "ticket open", |h| h.state().desk().open_ticket_number().is_some());
    harness.get_by_label("Dismiss").click();
    harness.run();
    harness.snapshot("desk_with_samples");
}
