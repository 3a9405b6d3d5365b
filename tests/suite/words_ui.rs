//! Words a new user met in the wrong language or shape, checked through the accessibility tree:
//! refusals and notices follow a language switch, canned phrases belong to their language, SLA
//! units and session end reasons read in Chinese, a screenshot opens in the picture window.

use crate::support;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use stepwise::model::{ActorKind, Category, EngineerProfile, Grade, NewTicket, TicketFields};
use stepwise::model::{TicketId, TimelineEvent};
use stepwise::protocol::{EndReason, NoOverlay, NoOverlayCode, Scopes, SessionEvent};
use stepwise::store::{SharedSettings, Store};
use stepwise::ui::Lang;
use stepwise::ui::ViewContext;
use stepwise::ui::session::{PanelContext, RemoteSessionView, SessionNotice, session_panel_ui};
use stepwise::ui::viewer::FrameSlot;
use support::{T0, console, settle, settle_listed};

/// A data folder with a profile and one new ticket; returns the ticket's id and number.
fn desk_with_a_ticket(dir: &std::path::Path) -> (TicketId, String) {
    let mut store = Store::open(dir).unwrap();
    store.set_engineer_profile(&EngineerProfile { name: "Li Wei".into(), team: "Desk".into() }).unwrap();
    let new = NewTicket {
        fields: TicketFields {
            title: "Printer offline".into(),
            requester_name: "Zhang Min".into(),
            description: "The queue is stuck".into(),
            ..Default::default()
        },
        category: Category::Hardware,
        urgency: Grade::Low,
        impact: Grade::Low,
        reported_at_ms: None,
    };
    let ticket = store.create_ticket(&new, "Li Wei", T0).unwrap();
    (ticket.id, ticket.number)
}

fn open_ticket(harness: &mut support::ConsoleHarness, number: &str) {
    settle_listed(harness, "listed", 1);
    harness.get_by_role_and_label(Role::Button, &format!("{number} Printer offline")).click();
    settle(harness, "opened", |h| h.state().desk().open_ticket_number() == Some(number));
}

/// Opens the settings window and picks `language` in its menu.
fn switch_language(harness: &mut support::ConsoleHarness, settings: &str, menu: &str, language: &str) {
    if harness.query_by_role_and_label(Role::ComboBox, menu).is_none() {
        harness.get_by_label(settings).click();
        harness.run();
    }
    harness.get_by_role_and_label(Role::ComboBox, menu).click();
    harness.run();
    harness.get_by_label(language).click();
    settle(harness, "language switched", |h| h.query_by_role_and_label(Role::ComboBox, menu).is_none());
}

#[test]
fn a_refused_move_is_said_in_the_language_in_force_even_after_a_switch() {
    let dir = tempfile::tempdir().unwrap();
    let (_, number) = desk_with_a_ticket(dir.path());
    let mut harness = console(dir.path(), Lang::En);
    open_ticket(&mut harness, &number);

    // "Assigned" without an assignee: the store refuses with a rule code.
    harness.get_by_label("→ Assigned").click();
    let english = "Choose an assignee before marking the ticket assigned";
    settle(&mut harness, "refusal shown", |h| h.query_by_label(english).is_some());

    switch_language(&mut harness, "Settings", "Language", "简体中文");
    settle(&mut harness, "the refusal in Chinese", |h| {
        h.query_by_label("请先选择处理人，再将工单标记为已分配").is_some()
    });
    assert!(harness.query_by_label(english).is_none(), "no stale English next to a Chinese UI");
}

#[test]
fn canned_phrases_follow_the_language_and_are_saved_under_it() {
    let dir = tempfile::tempdir().unwrap();
    desk_with_a_ticket(dir.path());
    let mut harness = console(dir.path(), Lang::En);
    settle(&mut harness, "desk", |h| h.query_by_label("Settings").is_some());
    harness.get_by_label("Settings").click();
    harness.run();
    let english_box = "Chat phrases (English), one per line";
    let english = harness.get_by_label(english_box).value().unwrap_or_default();
    assert!(english.contains("I'm here to help with your ticket"), "{english}");

    switch_language(&mut harness, "Settings", "Language", "简体中文");
    let chinese_box = "聊天常用语（简体中文），每行一句";
    settle(&mut harness, "the Chinese phrase box", |h| h.query_by_label(chinese_box).is_some());
    let shown = harness.get_by_label(chinese_box).value().unwrap_or_default();
    assert!(shown.contains("来协助处理您的工单"), "the box shows the Chinese phrases: {shown}");
    assert!(!shown.contains("I'm here to help"), "not the English ones: {shown}");

    // Below the fold of the (scrolling) Settings window at this size: pressed as a screen reader would.
    harness.get_by_label("保存常用语").click_accesskit();
    settle(&mut harness, "saved", |h| h.query_by_label("已保存").is_some());
    let mut store = Store::open_read_only(dir.path()).unwrap();
    let saved = store.shared_canned_phrases("zh").unwrap().unwrap_or_default();
    assert!(saved.iter().any(|phrase| phrase.contains("来协助处理您的工单")), "{saved:?}");
    assert!(saved.iter().all(|phrase| !phrase.contains("I'm here to help")), "{saved:?}");
    assert_eq!(store.shared_canned_phrases("en").unwrap(), None, "English untouched");
}

#[test]
fn sla_targets_read_in_chinese_units() {
    let dir = tempfile::tempdir().unwrap();
    desk_with_a_ticket(dir.path());
    let mut harness = console(dir.path(), Lang::Zh);
    settle(&mut harness, "desk", |h| h.query_by_label("设置").is_some());
    harness.get_by_label("设置").click();
    harness.run();
    assert!(harness.query_all_by_label_contains(" 分钟 / ").next().is_some(), "targets in 分钟");
    assert!(harness.query_all_by_label_contains(" min").next().is_none(), "no English unit left");
}

#[test]
fn a_screenshot_in_the_timeline_opens_in_the_picture_window() {
    let dir = tempfile::tempdir().unwrap();
    let (ticket_id, number) = desk_with_a_ticket(dir.path());
    let folder = dir.path().join("attachments").join(ticket_id.to_string());
    std::fs::create_dir_all(&folder).unwrap();
    let file = folder.join("screenshot-1.png");
    image::RgbaImage::from_pixel(64, 48, image::Rgba([200, 30, 30, 255])).save(&file).unwrap();
    {
        let mut store = Store::open(dir.path()).unwrap();
        let attached = TimelineEvent::ScreenshotAttached { file: file.display().to_string(), width: 64, height: 48 };
        let actor = (ActorKind::Engineer, "Li Wei");
        store.append_event(ticket_id, actor, &attached, T0).unwrap();
    }
    let mut harness = console(dir.path(), Lang::En);
    open_ticket(&mut harness, &number);
    harness.get_by_label("Screenshot attached: screenshot-1.png");
    assert!(
        harness.query_by_label_contains(&folder.display().to_string()).is_none(),
        "the timeline names the file, not its folder"
    );
    harness.get_by_role_and_label(Role::Button, "Show").click_accesskit();
    settle(&mut harness, "the picture", |h| h.query_by_label("64×48 pixels").is_some());
    harness.get_by_role_and_label(Role::Image, "Screenshot screenshot-1.png");
    assert_eq!(harness.state().desk().picture().map(|window| window.file().to_path_buf()), Some(file));
}

#[test]
fn a_screenshot_that_cannot_be_read_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let (ticket_id, number) = desk_with_a_ticket(dir.path());
    {
        let mut store = Store::open(dir.path()).unwrap();
        // An imported or tampered entry pointing outside the attachments folder.
        let tampered = TimelineEvent::from_stored("screenshot_attached", serde_json::json!({ "file": "/etc/passwd" }));
        let actor = (ActorKind::Engineer, "Li Wei");
        store.append_event(ticket_id, actor, &tampered, T0).unwrap();
    }
    let mut harness = console(dir.path(), Lang::En);
    open_ticket(&mut harness, &number);
    harness.get_by_role_and_label(Role::Button, "Show").click_accesskit();
    settle(&mut harness, "the refusal", |h| h.query_by_label_contains("The picture cannot be shown").is_some());
}

fn live_session() -> RemoteSessionView {
    let mut view = RemoteSessionView::starting();
    let started = SessionNotice::Started {
        link: "stepwise://127.0.0.1:4433/123456789".into(),
        code: "123 456 789".into(),
        address: "127.0.0.1:4433".into(),
        expires_at_ms: 0,
        viewer: FrameSlot::default(),
        relay: false,
    };
    view.apply(started, Lang::En);
    view.apply(SessionNotice::Paired, Lang::En);
    view.apply(SessionNotice::Event(SessionEvent::PeerHello { display_name: "Zhang Min".into() }), Lang::En);
    let scopes = Scopes { view: true, pointers: true, record: false, control: false };
    view.apply(SessionNotice::Event(SessionEvent::ConsentGranted(scopes)), Lang::En);
    view
}

fn panel(view: RemoteSessionView, lang: Lang) -> Harness<'static, RemoteSessionView> {
    let mut harness = Harness::builder()
        .with_size(egui::vec2(760.0, 900.0))
        .with_context_setup(support::add_cjk_fonts)
        .build_ui_state(
            move |ui, view: &mut RemoteSessionView| {
                let context = PanelContext {
                    ticket_id: TicketId(1),
                    ticket_number: "T-20261204-0001",
                    ticket_title: "Printer offline",
                    engineer_name: "Li Wei",
                    team: "Desk",
                    category: Category::Hardware,
                    phrases: &[],
                    glossary: &Default::default(),
                };
                session_panel_ui(ui, &mut ViewContext::new(lang, 0, &mut Vec::new()), &context, Some(view));
            },
            view,
        );
    harness.run_steps(4);
    harness
}

#[test]
fn why_arrows_are_not_on_the_screen_reads_in_the_panels_language() {
    let mut view = live_session();
    let why_not = Some(NoOverlay::new(NoOverlayCode::NotLiveScreen));
    view.apply(SessionNotice::Event(SessionEvent::GuidanceMode { overlay: false, why_not }), Lang::En);
    let harness = panel(view, Lang::Zh);
    harness.get_by_label_contains("用户共享的是录制的画面或内置图片，而不是实时屏幕");
    assert!(harness.query_by_label_contains("recorded frames").is_none());
}

#[test]
fn on_a_wayland_desktop_the_engineer_is_told_why_arrows_stay_in_the_window() {
    for (lang, said, not_said) in [
        (Lang::En, "the user's desktop (Wayland) cannot show arrows on their screen", "无法"),
        (Lang::Zh, "用户的桌面（Wayland）无法在屏幕上显示箭头", "cannot show"),
    ] {
        let mut view = live_session();
        let why_not = Some(NoOverlay::wayland_desktop());
        view.apply(SessionNotice::Event(SessionEvent::GuidanceMode { overlay: false, why_not }), Lang::En);
        let harness = panel(view, lang);
        harness.get_by_label_contains(said);
        assert!(harness.query_by_label_contains(not_said).is_none(), "{lang:?}");
        // Not the general reason with the detail in brackets.
        assert!(harness.query_by_label_contains("Wayland desktop").is_none(), "{lang:?}");
    }
}

#[test]
fn a_session_end_reason_reads_in_the_panels_language() {
    let mut view = live_session();
    // The event arrives while the console speaks English; the panel is then drawn in Chinese.
    view.apply(SessionNotice::Event(SessionEvent::Ended { reason: EndReason::UserStopped, by_peer: true }), Lang::En);
    let harness = panel(view, Lang::Zh);
    harness.get_by_label("会话已结束：用户停止了会话");
    assert!(harness.query_by_label_contains("the user stopped it").is_none());
}

#[test]
fn a_screenshot_that_could_not_be_kept_is_reported_in_the_language_in_force() {
    let mut desk = stepwise::ui::DeskState::new(Lang::Zh, T0);
    desk.apply(stepwise::ui::UiEvent::ScreenshotNotSaved("No space left on device".into()));
    let notice = desk.notice().expect("a notice");
    assert!(notice.is_error);
    assert_eq!(notice.text(Lang::Zh), "截图无法保存：No space left on device");
    assert_eq!(notice.text(Lang::En), "The screenshot could not be saved: No space left on device");
}
