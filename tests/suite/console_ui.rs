//! The console driven through its accessibility tree, as a person would: first-run profile,
//! new-ticket form with validation, Chinese search, status change and history, keyboard, errors.

use crate::support;

use egui::accesskit::Role;
use egui_kittest::kittest::NodeT;
use egui_kittest::kittest::Queryable;
use stepwise::ui::Lang;
use support::{console, settle, settle_listed, type_into};

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
    // The sidebar counts in words with plural rules: "1 ticket", not "1 tickets".
    settle(&mut harness, "one ticket counted", |h| h.query_by_label("1 ticket").is_some());

    // A second ticket, so the search has something to leave out.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::N);
    harness.run();
    type_into(&mut harness, "Title *", "VPN fails to connect");
    type_into(&mut harness, "Requester *", "Alex");
    type_into(&mut harness, "Description (symptom, exact error text) *", "Error -14");
    harness.run();
    harness.get_by_label("Create ticket").click();
    settle_listed(&mut harness, "second ticket listed", 2);
    harness.get_by_label("2 tickets");

    type_into(&mut harness, "Search tickets", "打印");
    settle_listed(&mut harness, "search narrowed", 1);
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
    let first = samples_with_the_first_open_by_keyboard(&mut harness);
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
    settle(&mut harness, "desk", |h| h.query_by_label("姓名").is_none());
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
    // Retry really opens again: once the damaged file is moved aside, the same button opens a
    // fresh store (a Retry that did nothing would leave the error on screen).
    let kept = dir.path().join("damaged-copy.db");
    std::fs::rename(&path, &kept).unwrap();
    harness.get_by_label("Retry").click();
    settle_listed(&mut harness, "opened after Retry", 0);
    assert!(harness.query_by_label("Retry").is_none(), "the error is gone");
    assert_eq!(std::fs::read(&kept).unwrap(), garbage);
}

#[test]
fn a_ticket_with_a_long_timeline_opens_with_its_newest_page() {
    let dir = tempfile::tempdir().unwrap();
    let ticket_number = {
        let mut store = stepwise::store::Store::open(dir.path()).unwrap();
        store
            .set_engineer_profile(&stepwise::model::EngineerProfile { name: "Li Wei".into(), team: "Desk".into() })
            .unwrap();
        let new = stepwise::model::NewTicket {
            fields: stepwise::model::TicketFields {
                title: "Long chat".into(),
                requester_name: "Zhang Min".into(),
                description: "many lines".into(),
                ..Default::default()
            },
            category: stepwise::model::Category::Network,
            urgency: stepwise::model::Grade::Low,
            impact: stepwise::model::Grade::Low,
            reported_at_ms: None,
        };
        let ticket = store.create_ticket(&new, "Li Wei", support::T0).unwrap();
        let line = stepwise::model::TimelineEvent::Chat {
            from: stepwise::model::ChatAuthor::User,
            id: None,
            sent_at_ms: None,
            text: "line".into(),
        };
        for n in 0..449 {
            let actor = (stepwise::model::ActorKind::User, "Zhang Min");
            store.append_event(ticket.id, actor, &line, support::T0 + n).unwrap();
        }
        ticket.number
    };
    let mut harness = console(dir.path(), Lang::En);
    settle_listed(&mut harness, "listed", 1);
    harness.get_by_role_and_label(Role::Button, &format!("{ticket_number} Long chat")).click();
    settle(&mut harness, "opened", |h| h.query_by_label("Show older entries (250 more)").is_some());
    harness.get_by_label("Show older entries (250 more)").click_accesskit();
    settle(&mut harness, "older page", |h| h.query_by_label("Show older entries (50 more)").is_some());
    harness.get_by_label("Show older entries (50 more)").click_accesskit();
    settle(&mut harness, "all loaded", |h| h.query_by_label_contains("Show older entries").is_none());
}

/// Saves a profile, loads the samples and opens the first ticket with the arrow key; returns
/// its number.
fn samples_with_the_first_open_by_keyboard(harness: &mut support::ConsoleHarness) -> String {
    save_profile(harness, "Priya Shah");
    load_samples(harness);
    harness.key_press(egui::Key::ArrowDown);
    settle(harness, "first ticket open", |h| h.state().desk().open_ticket_number().is_some());
    harness.state().desk().open_ticket_number().unwrap().to_owned()
}

fn load_samples(harness: &mut support::ConsoleHarness) {
    harness.get_by_label("Load sample tickets").click();
    settle(harness, "samples listed", |h| {
        h.state().desk().listed_count().is_some_and(|n| n > 20) && h.state().desk().first_row_loaded()
    });
}

/// Whether the list row of ticket `number` is shown selected.
fn row_selected(harness: &support::ConsoleHarness, number: &str) -> bool {
    let row = harness
        .query_all_by_role(Role::Button)
        .find(|node| node.accesskit_node().label().is_some_and(|label| label.starts_with(number)))
        .expect("the ticket's row");
    row.accesskit_node().toggled() == Some(egui::accesskit::Toggled::True)
}

#[test]
fn without_a_file_dialog_export_and_import_take_a_typed_path() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.json");
    let data = dir.path().join("console");
    let mut harness = support::console_without_file_dialogs(&data, Lang::En);
    save_profile(&mut harness, "Priya Shah");
    load_samples(&mut harness);
    let count = harness.state().desk().listed_count().unwrap();

    harness.get_by_label("Export JSON…").click();
    harness.run();
    harness.get_by_label("No file dialog is available on this system. Type the file's path instead.");
    assert!(harness.get_by_label("File path").is_focused(), "the keyboard is in the path field");
    harness.get_by_label("Export").click();
    harness.run();
    harness.get_by_label("Type the file's path first");
    // A folder that does not exist: the reason is shown and the typed path kept for correcting.
    let wrong = dir.path().join("no such folder").join("export.json");
    type_into(&mut harness, "File path", wrong.to_str().unwrap());
    harness.get_by_label("Export").click();
    settle(&mut harness, "export refused, in the prompt and the status line", |h| {
        h.query_all_by_label_contains("Cannot create").count() == 2
    });
    let field = harness.get_by_label("File path");
    assert_eq!(field.value().as_deref(), wrong.to_str(), "the path is kept");
    field.focus();
    harness.run();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.run();
    harness.get_by_label("File path").type_text(file.to_str().unwrap());
    harness.run();
    harness.get_by_label("Export").click();
    settle(&mut harness, "exported", |h| h.query_by_label_contains("Exported").is_some());
    assert!(harness.query_by_label("File path").is_none(), "the prompt closed");
    let exported: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert!(exported.to_string().contains("T-"), "the tickets are in the file");
    drop(harness);

    let other = dir.path().join("other");
    let mut harness = support::console_without_file_dialogs(&other, Lang::Zh);
    settle(&mut harness, "profile question", |h| h.query_by_label("姓名").is_some());
    type_into(&mut harness, "姓名", "李娜");
    harness.get_by_label("保存").click();
    settle(&mut harness, "profile saved", |h| h.query_by_label("姓名").is_none());
    harness.get_by_label("导入…").click();
    settle(&mut harness, "path asked for", |h| h.query_by_label_contains("文件对话框").is_some());
    harness.get_by_label("此系统没有可用的文件对话框，请直接输入文件路径。");
    type_into(&mut harness, "文件路径", file.to_str().unwrap());
    harness.get_by_label("导入").click();
    settle_listed(&mut harness, "imported", count);
}

#[test]
fn new_ticket_form_by_keyboard_with_named_limits_and_the_list_in_step() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = console(dir.path(), Lang::En);
    let first = samples_with_the_first_open_by_keyboard(&mut harness);
    assert!(row_selected(&harness, &first));

    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::N);
    harness.run();
    assert!(harness.get_by_label("Title *").is_focused(), "Ctrl+N puts the keyboard in Title");
    assert!(!row_selected(&harness, &first), "the list selects nothing while the form is open");

    // The whole placeholder fits in the "Reported" field.
    let field = harness.get_by_label("Reported").rect();
    let font = egui::TextStyle::Body.resolve(&harness.ctx.global_style());
    let hint_width = harness.ctx.fonts_mut(|fonts| {
        fonts.layout_no_wrap("YYYY-MM-DD HH:MM, empty = now".to_owned(), font, egui::Color32::GRAY).size().x
    });
    assert!(field.width() >= hint_width + 8.0, "field {} wide, placeholder {hint_width}", field.width());

    type_into(&mut harness, "Title *", &"x".repeat(201));
    type_into(&mut harness, "Requester *", "Alex");
    type_into(&mut harness, "Description (symptom, exact error text) *", "Error -14");
    type_into(&mut harness, "Reported", "1900-01-01 00:00");
    type_into(&mut harness, "Contact", "alex@corp");
    harness.get_by_label("This does not look like an e-mail address (name@example.com)");
    harness.get_by_label("Create ticket").click();
    harness.run();
    harness.get_by_label("Title is too long (at most 200 characters)");
    harness.get_by_label("Use YYYY-MM-DD HH:MM, between 2000-01-01 and now");
    assert_eq!(harness.state().desk().open_ticket_number(), None, "nothing was created");

    harness.key_press(egui::Key::Escape);
    settle(&mut harness, "back to the ticket", |h| h.state().desk().open_ticket_number() == Some(first.as_str()));
    assert!(harness.query_by_label("Create ticket").is_none(), "Esc closed the form");
    assert!(row_selected(&harness, &first), "the list selects the ticket shown again");
}

#[test]
fn enter_saves_the_first_run_profile() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = console(dir.path(), Lang::En);
    settle(&mut harness, "first-run profile", |h| h.query_by_label("Your name").is_some());
    harness.run();
    assert!(harness.get_by_label("Your name").is_focused(), "the keyboard starts in the name field");
    harness.get_by_label("Your name").type_text("Priya Shah");
    harness.run();
    harness.key_press(egui::Key::Enter);
    settle(&mut harness, "profile saved", |h| h.query_by_label("Your name").is_none());
    assert_eq!(harness.state().desk().actor(), "Priya Shah");
}

#[test]
fn a_rule_message_goes_once_met_the_rating_starts_empty_and_samples_stay_in_settings() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = console(dir.path(), Lang::En);
    save_profile(&mut harness, "Priya Shah");
    harness.get_by_label("＋ New ticket").click();
    harness.run();
    type_into(&mut harness, "Title *", "VPN fails to connect");
    type_into(&mut harness, "Requester *", "Alex");
    type_into(&mut harness, "Description (symptom, exact error text) *", "Error -14");
    harness.get_by_label("Create ticket").click();
    settle(&mut harness, "created", |h| h.state().desk().open_ticket_number().is_some());
    harness.get_by_label("→ In progress").click();
    settle(&mut harness, "in progress", |h| h.query_by_label("→ Resolved").is_some());
    harness.get_by_label("→ Resolved").click();
    let rule = "Write the resolution before resolving the ticket";
    settle(&mut harness, "rule shown", |h| h.query_by_label(rule).is_some());

    let resolution = harness.get_by_role_and_label(Role::MultilineTextInput, "Resolution");
    resolution.focus();
    harness.run();
    harness.get_by_role_and_label(Role::MultilineTextInput, "Resolution").type_text("Reinstalled the VPN client");
    harness.run();
    harness.get_by_label("Save resolution").click();
    settle(&mut harness, "rule met, message gone", |h| h.query_by_label(rule).is_none());
    harness.get_by_label("→ Resolved").click();
    settle(&mut harness, "resolved", |h| h.query_by_label("Record rating").is_some());
    assert!(harness.get_by_label("Record rating").accesskit_node().is_disabled(), "no rating picked yet");
    for stars in 1..=5 {
        let label = "★".repeat(stars);
        let option = harness.get_by_label(&label);
        assert_ne!(option.accesskit_node().toggled(), Some(egui::accesskit::Toggled::True), "{stars} stars picked");
    }
    harness.get_by_label("★★★★").click();
    harness.run();
    assert!(!harness.get_by_label("Record rating").accesskit_node().is_disabled());

    harness.get_by_label("Settings").click();
    harness.run();
    load_samples(&mut harness);
}

#[test]
fn each_ticket_opens_at_its_top() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = console(dir.path(), Lang::En);
    let first = samples_with_the_first_open_by_keyboard(&mut harness);
    let top = harness.get_by_label("Details").rect().top();
    for _ in 0..3 {
        harness.get_by_label("Details").scroll_down();
        harness.run();
    }
    assert!(harness.get_by_label("Details").rect().top() < top - 100.0, "scrolled down");
    harness.key_press(egui::Key::ArrowDown);
    settle(&mut harness, "second ticket open", |h| {
        h.state().desk().open_ticket_number().is_some_and(|number| number != first)
    });
    harness.run();
    assert_eq!(harness.get_by_label("Details").rect().top(), top, "the next ticket starts at its top");
}
