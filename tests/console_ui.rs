//! The console driven through its accessibility tree, as a person would: first-run profile,
//! new-ticket form with validation, Chinese search, status change and history, keyboard, errors.

mod support;

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use stepwise::ui::Lang;
use support::{console, settle, type_into};

fn save_profile(harness: &mut support::ConsoleHarness, name: &str) {
    settle(harness, "first-run profile", |h| h.query_by_label("Your name").is_some());
    type_into(harness, "Your name", name);
    type_into(harness, "Team", "IT Service Desk");
    harness.run();
    harness.get_by_label("Save").click();
    settle(harness, "profile saved", |h| h.query_by_label("Your name").is_none());
}

#[test]
fn create_a_ticket_find_it_in_chinese_and_move_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = console(dir.path(), Lang::En);
    save_profile(&mut harness, "陈伟");
    harness.get_by_label("No tickets yet");

    harness.get_by_label("＋ New ticket").click();
    harness.run();
    harness.get_by_label("Create ticket").click();
    harness.run();
    harness.get_by_label("Title is required");
    harness.get_by_label("Requester is required");
    harness.get_by_label("Description (symptom, exact error text) is required");

    type_into(&mut harness, "Title *", "财务部打印机无法打印");
    type_into(&mut harness, "Requester *", "王丽");
    type_into(&mut harness, "Description (symptom, exact error text) *", "打印任务卡在队列中，提示“脱机”");
    harness.run();
    harness.get_by_label("Create ticket").click();
    settle(&mut harness, "ticket created", |h| h.query_by_label_contains("Created T-").is_some());
    let number = harness.state().desk().open_ticket_number().unwrap().to_owned();

    // A second ticket, so the search has something to leave out.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::N);
    harness.run();
    type_into(&mut harness, "Title *", "VPN fails to connect");
    type_into(&mut harness, "Requester *", "Alex");
    type_into(&mut harness, "Description (symptom, exact error text) *", "Error -14");
    harness.run();
    harness.get_by_label("Create ticket").click();
    settle(&mut harness, "second ticket listed", |h| h.state().desk().listed_count() == Some(2));

    type_into(&mut harness, "Search tickets", "打印");
    settle(&mut harness, "search narrowed", |h| h.state().desk().listed_count() == Some(1));
    let row = format!("{number} 财务部打印机无法打印");
    harness.get_by_role_and_label(Role::Button, &row).click();
    settle(&mut harness, "ticket opened", |h| h.state().desk().open_ticket_number() == Some(number.as_str()));

    harness.get_by_label("→ In progress").click();
    settle(&mut harness, "status changed", |h| h.query_by_label("moved it from New to In progress").is_some());
    harness.get_by_label("assigned it to 陈伟");
    harness.get_by_label("→ Waiting on user");
    assert!(harness.query_by_label("→ Closed").is_none(), "only valid moves are offered");
}

#[test]
fn keyboard_moves_through_the_sample_tickets() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = console(dir.path(), Lang::En);
    save_profile(&mut harness, "Priya Shah");
    harness.get_by_label("Load sample tickets").click();
    settle(&mut harness, "samples listed", |h| h.state().desk().listed_count().is_some_and(|n| n > 20));
    harness.key_press(egui::Key::ArrowDown);
    settle(&mut harness, "first ticket open", |h| h.state().desk().open_ticket_number().is_some());
    let first = harness.state().desk().open_ticket_number().unwrap().to_owned();
    harness.key_press(egui::Key::ArrowDown);
    settle(&mut harness, "second ticket open", |h| {
        h.state().desk().open_ticket_number().is_some_and(|number| number != first)
    });
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    harness.run();
    assert!(harness.get_by_label("Search tickets").is_focused(), "Ctrl+F focuses the search box");
}

#[test]
fn chinese_system_locale_shows_chinese_ui() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = console(dir.path(), Lang::Zh);
    settle(&mut harness, "profile question", |h| h.query_by_label("姓名").is_some());
    type_into(&mut harness, "姓名", "李娜");
    harness.run();
    harness.get_by_label("保存").click();
    settle(&mut harness, "desk", |h| h.query_by_label("还没有工单").is_some());
    harness.get_by_label("加载示例工单").click();
    settle(&mut harness, "samples", |h| h.state().desk().listed_count().is_some_and(|n| n > 20));
    harness.get_by_label("设置").click();
    harness.run();
    harness.get_by_role_and_label(Role::ComboBox, "语言").click();
    harness.run();
    harness.get_by_label("English").click();
    settle(&mut harness, "switched to English", |h| h.query_by_label("Language").is_some());
}

#[test]
fn a_damaged_database_is_reported_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(stepwise::store::DATABASE_FILE);
    let garbage = b"not a database at all; ".repeat(200);
    std::fs::write(&path, &garbage).unwrap();
    let mut harness = console(dir.path(), Lang::En);
    settle(&mut harness, "error shown", |h| h.query_by_label("The ticket database cannot be opened").is_some());
    harness.get_by_label_contains("damaged");
    harness.get_by_label("Retry").click();
    settle(&mut harness, "error shown again", |h| h.query_by_label("Retry").is_some());
    assert_eq!(std::fs::read(&path).unwrap(), garbage);
}

#[test]
fn a_ticket_with_a_long_timeline_opens_with_its_newest_page() {
    let dir = tempfile::tempdir().unwrap();
    let ticket_number = {
        let mut store = stepwise::store::Store::open(dir.path()).unwrap();
        store
            .set_engineer_profile(&stepwise::store::EngineerProfile { name: "Li Wei".into(), team: "Desk".into() })
            .unwrap();
        let new = stepwise::store::NewTicket {
            fields: stepwise::store::TicketFields {
                title: "Long chat".into(),
                requester_name: "Zhang Min".into(),
                description: "many lines".into(),
                ..Default::default()
            },
            category: stepwise::store::Category::Network,
            urgency: stepwise::store::Grade::Low,
            impact: stepwise::store::Grade::Low,
            reported_at_ms: None,
        };
        let ticket = store.create_ticket(&new, "Li Wei", support::T0).unwrap();
        let payload = serde_json::json!({ "from": "user", "text": "line" });
        for n in 0..449 {
            let actor = (stepwise::store::ActorKind::User, "Zhang Min");
            store.append_event(ticket.id, actor, stepwise::store::event_kind::CHAT, &payload, support::T0 + n).unwrap();
        }
        ticket.number
    };
    let mut harness = console(dir.path(), Lang::En);
    settle(&mut harness, "listed", |h| h.state().desk().listed_count() == Some(1));
    harness.get_by_role_and_label(Role::Button, &format!("{ticket_number} Long chat")).click();
    settle(&mut harness, "opened", |h| h.query_by_label("Show older entries (250 more)").is_some());
    harness.get_by_label("Show older entries (250 more)").click_accesskit();
    settle(&mut harness, "older page", |h| h.query_by_label("Show older entries (50 more)").is_some());
    harness.get_by_label("Show older entries (50 more)").click_accesskit();
    settle(&mut harness, "all loaded", |h| h.query_by_label_contains("Show older entries").is_none());
}
