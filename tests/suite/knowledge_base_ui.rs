//! The knowledge-base window driven through the accessibility tree: read a guide with its
//! per-step answer counts, edit and reorder it in place (counts follow their step), write a new
//! guide, and remove one.

use crate::support;

use egui_kittest::kittest::Queryable;
use stepwise::model::EngineerProfile;
use stepwise::protocol::StepOutcome;
use stepwise::store::Store;
use stepwise::ui::Lang;
use support::{console, settle, type_into};

#[test]
fn engineer_reads_edits_writes_and_removes_guides() {
    let dir = tempfile::tempdir().unwrap();
    let wifi_id = {
        let mut store = Store::open(dir.path()).unwrap();
        store.set_engineer_profile(&EngineerProfile { name: "Li Wei".into(), team: "Service desk".into() }).unwrap();
        let wifi = store.list_guides("Reconnect to the office").unwrap()[0].id;
        store.record_step_answer(wifi, 0, StepOutcome::Stuck, 1_000).unwrap();
        store.record_step_answer(wifi, 0, StepOutcome::Done, 1_000).unwrap();
        wifi
    };
    let mut desk = console(dir.path(), Lang::En);
    settle(&mut desk, "the desk", |h| h.query_by_label("Knowledge base").is_some());
    desk.get_by_label("Knowledge base").click();
    settle(&mut desk, "every guide listed", |h| h.query_by_label_contains("Reconnect to the office Wi-Fi").is_some());
    assert!(desk.query_by_label_contains("添加网络打印机").is_some(), "Chinese guides are listed too");

    // Read: each step with how sessions answered it.
    desk.get_by_label_contains("Reconnect to the office Wi-Fi").click();
    settle(&mut desk, "the guide open", |h| h.query_by_label("Step 5 of 5").is_some());
    desk.get_by_label("done 1 · didn't work 0 · stuck 1");

    // Edit in place: a clearer title, the first step moved down; its counts move with it.
    type_into(&mut desk, "Guide title", " (Windows 11)");
    desk.get_all_by_label("↓").next().expect("a move-down button").click_accesskit();
    let _ = desk.try_run();
    desk.get_by_label("Save guide").click_accesskit();
    settle(&mut desk, "saved", |h| h.query_by_label("Saved to the knowledge base").is_some());
    let store = Store::open(dir.path()).unwrap();
    settle(&mut desk, "the edit stored", |_| {
        store.guide(wifi_id).is_ok_and(|(guide, _)| guide.title == "Reconnect to the office Wi-Fi (Windows 11)")
    });
    let (guide, stats) = store.guide(wifi_id).unwrap();
    assert_eq!(
        guide.steps[1].instruction,
        "Click the Wi-Fi icon at the bottom right of the screen, next to the clock."
    );
    assert_eq!((stats[1].done, stats[1].stuck), (1, 1), "{stats:?}");
    assert_eq!((stats[0].done, stats[0].stuck), (0, 0));
    assert_eq!(store.list_guides("").unwrap().len(), 6, "edited in place, not copied");

    // Write a new guide; it cannot be saved without an instruction.
    desk.get_by_label("＋ New guide").click();
    let _ = desk.try_run();
    type_into(&mut desk, "Guide title", "Reset a forgotten password");
    desk.get_by_label("Every step needs an instruction.");
    type_into(&mut desk, "Instruction", "Open https://password.company.example and choose \"Forgot password\".");
    type_into(&mut desk, "Expected result (optional)", "A code is sent to your phone.");
    desk.get_by_label("Add step").click_accesskit();
    let _ = desk.try_run();
    desk.get_all_by_label("Instruction").nth(1).expect("a second step").focus();
    desk.run();
    desk.get_all_by_label("Instruction").nth(1).unwrap().type_text("Enter the code and choose a new password.");
    desk.run();
    desk.get_by_label("Save guide").click_accesskit();
    settle(&mut desk, "the new guide listed", |h| h.query_by_label_contains("Reset a forgotten password").is_some());
    let found = store.list_guides("forgotten password").unwrap();
    assert_eq!(found.len(), 1);
    let (new_guide, _) = store.guide(found[0].id).unwrap();
    assert_eq!(new_guide.steps.len(), 2);
    assert_eq!(new_guide.steps[0].expected, "A code is sent to your phone.");
    assert_eq!(new_guide.language, "en");

    // Remove it, after a confirmation.
    desk.get_by_label("Remove guide").click_accesskit();
    let _ = desk.try_run();
    desk.get_by_label("Remove this guide and its answer counts?");
    desk.get_by_label("Remove guide").click_accesskit();
    settle(&mut desk, "removed", |h| h.query_by_label("Removed from the knowledge base").is_some());
    assert!(store.list_guides("forgotten password").unwrap().is_empty());
}
