//! Remote sessions through the accessibility tree: the engineer starts a session from a ticket,
//! the user joins in the real Get-help window with the link, unticks a scope and allows; the
//! panel and the timeline follow live. Also the consent screen on its own, in Chinese.

use crate::hostile;
use crate::support;

use std::path::Path;
use stepwise::protocol::SessionCommand;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use stepwise::app::get_help_app::AssistApp;
use stepwise::capture::SourceChoice;
use stepwise::protocol::{ConsentRequest, Scopes, SessionEvent};
use stepwise::store::Store;
use stepwise::transport::TransportSettings;
use stepwise::ui::session::LinkPhase;
use stepwise::ui::{AssistCommand, AssistNotice, AssistView, Lang};
use support::{console, open_workspace_tab, runtime, settle, settle_listed, type_into};

fn seed(dir: &Path) -> (stepwise::model::TicketId, String) {
    support::seed_printer_ticket(dir)
}

type AssistHarness = Harness<'static, AssistApp>;

/// The console with the seeded ticket open and a session started from it, waiting for the user:
/// (console, ticket id, ticket number, join link).
fn console_waiting_for_user(
    console_dir: &Path,
) -> (support::ConsoleHarness, stepwise::model::TicketId, String, String) {
    let (ticket_id, number) = seed(console_dir);
    let mut desk = console(console_dir, Lang::En);
    settle_listed(&mut desk, "ticket listed", 1);
    let link = open_and_start_session(&mut desk, ticket_id, &number);
    (desk, ticket_id, number, link)
}

/// Opens the seeded ticket and starts a session from it; returns the join link.
fn open_and_start_session(
    desk: &mut support::ConsoleHarness,
    ticket_id: stepwise::model::TicketId,
    number: &str,
) -> String {
    // The row may show a frame after the count: wait for it, not just for the count.
    let row = format!("{number} 打印机脱机");
    settle(desk, "ticket row shown", |h| h.query_by_role_and_label(Role::Button, &row).is_some());
    desk.get_by_role_and_label(Role::Button, &row).click();
    settle(desk, "ticket opened", |h| h.state().desk().open_ticket_number() == Some(number));
    desk.get_by_label("Start remote session").click();
    settle(desk, "code shown", |h| h.state().desk().session(ticket_id).is_some_and(|s| s.phase == LinkPhase::Waiting));
    desk.state().desk().session(ticket_id).unwrap().link.clone()
}

/// A Get-help window on `user_dir` that pastes `link` and connects; returns once both sides
/// see each other.
fn user_joins(desk: &mut support::ConsoleHarness, user_dir: &Path, link: &str) -> AssistHarness {
    let mut user = assist_window(user_dir);
    user.run();
    type_into_assist(&mut user, "…or paste the link", link);
    user.get_by_label("Connect").click();
    settle_assist(&mut user, "connected", |h| {
        h.query_by_label_contains("Waiting for the engineer's request").is_some()
    });
    // "User (says: NAME)", or plain "User" when the login name is missing or just "user".
    let claim = stepwise::ui::actor::user_claim(&user_name(), Lang::En);
    settle(desk, "user joined", |h| h.query_by_label(&format!("Connected to {claim}")).is_some());
    user
}

fn assist_window(data_dir: &Path) -> AssistHarness {
    let data_dir = data_dir.to_path_buf();
    Harness::builder()
        .with_size(egui::vec2(760.0, 620.0))
        .with_max_steps(32)
        .with_context_setup(support::add_cjk_fonts)
        .build_eframe(move |cc| {
            AssistApp::new(
                &cc.egui_ctx,
                runtime(),
                &data_dir,
                Lang::En,
                None,
                TransportSettings::default(),
                SourceChoice::Synthetic { fps: 10 },
            )
        })
}

fn settle_assist(harness: &mut AssistHarness, what: &str, done: impl Fn(&AssistHarness) -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        let _ = harness.try_run();
        if done(harness) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("timed out waiting for: {what}");
}

#[test]
fn engineer_starts_a_session_and_the_user_allows_with_a_scope_unticked() {
    let console_dir = tempfile::tempdir().unwrap();
    let user_dir = tempfile::tempdir().unwrap();
    let (mut desk, ticket_id, number, link) = console_waiting_for_user(console_dir.path());
    let code = desk.state().desk().session(ticket_id).unwrap().code.clone();
    assert!(link.starts_with("stepwise://127.0.0.1:"), "{link}");
    assert_eq!(code.len(), 11, "three groups of three digits: {code}");
    desk.get_by_label(&code);
    desk.get_by_label(&link);
    desk.get_by_label("Remote session started (code issued)");

    // The user pastes the link into the Get-help window.
    let mut user = user_joins(&mut desk, user_dir.path(), &link);

    desk.get_by_label("Not requested yet");
    assert!(desk.query_by_label("Waiting for the user's consent to see the screen").is_none(), "nothing asked yet");
    type_into(&mut desk, "Why you need to see the screen", "Check the printer queue with you");
    desk.get_by_label("Ask for consent").click();
    settle(&mut desk, "request sent", |h| h.query_by_label("Waiting for the user's answer…").is_some());

    settle_assist(&mut user, "consent screen", |h| {
        h.query_by_label("Li Wei from Service desk wants to see your screen").is_some()
    });
    user.get_by_label(&format!("For ticket {number}: 打印机脱机"));
    user.get_by_label("Reason: Check the printer queue with you");
    user.get_by_label("Show pointers and arrows on my screen").click();
    user.run();
    user.get_by_label("Allow").click();
    settle_assist(&mut user, "sharing bar", |h| h.query_by_label("Stop sharing").is_some());

    settle(&mut desk, "grant shown", |h| h.query_by_label("Granted, live: See my screen").is_some());
    settle_assist(&mut user, "what is shared", |h| {
        h.query_by_label("What will be shared: Built-in demo picture (not your live screen)").is_some()
    });
    // The live picture arrives: state, zoom choices and the stats line.
    settle(&mut desk, "live view", |h| {
        h.query_by_label("Live").is_some() && h.query_by_label_contains(" fps · ").is_some()
    });
    desk.get_by_label("1:1");
    // Without "Record this session" nothing of the screen may be kept: the button does nothing.
    desk.get_by_label("Take screenshot").click();
    for _ in 0..20 {
        let _ = desk.try_run();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(desk.query_by_label_contains("Screenshot attached: ").is_none(), "kept without the record scope");
    // The live transcript beside the picture.
    open_workspace_tab(&mut desk, "Transcript");
    assert!(desk.query_by_label_contains("Screenshot attached: ").is_none(), "kept without the record scope");
    settle(&mut desk, "grant in the timeline", |h| h.query_by_label("Consent granted: See my screen").is_some());
    // The user allows recording from the sharing screen; now a screenshot may be kept, and the
    // user is told.
    user.get_by_label("Record this session").click();
    let _ = user.try_run();
    settle(&mut desk, "record allowed", |h| {
        h.query_by_label("Granted, live: See my screen · Record this session").is_some()
    });
    desk.get_by_label("Take screenshot").click();
    settle(&mut desk, "screenshot in the timeline", |h| h.query_by_label_contains("Screenshot attached: ").is_some());
    settle_assist(&mut user, "the user is told of the screenshot", |h| {
        h.query_by_label_contains("the engineer kept a screenshot of your screen").is_some()
    });

    open_workspace_tab(&mut desk, "Chat");
    type_into(&mut desk, "Chat", "Thanks, I can see it now");
    desk.get_by_label("Send").click_accesskit();
    let _ = desk.try_run();
    open_workspace_tab(&mut desk, "Transcript");
    settle(&mut desk, "chat in the timeline", |h| h.query_by_label("Chat: Thanks, I can see it now").is_some());
    settle_assist(&mut user, "chat on the user's side", |h| h.query_by_label("Thanks, I can see it now").is_some());

    user.get_by_label("Pause sharing").click();
    let _ = user.try_run();
    settle(&mut desk, "pause shown", |h| {
        h.query_by_label("Granted, paused by the user: See my screen · Record this session").is_some()
    });
    desk.get_by_label("Paused by the user. The picture is hidden until they resume.");
    assert!(desk.query_by_label("Take screenshot").is_none(), "no picture, nothing to keep while paused");
    user.get_by_label("Stop sharing").click();
    let _ = user.try_run();
    settle(&mut desk, "revoke shown in the panel and the timeline", |h| {
        // The panel's state, and the timeline's entry under the user's name.
        h.query_by_label("The user withdrew consent").is_some() && h.query_by_label("withdrew consent").is_some()
    });

    desk.get_by_label("End session").click_accesskit();
    let _ = desk.try_run();
    desk.get_by_label("Yes, end the session").click_accesskit();
    settle(&mut desk, "ended", |h| h.query_by_label("Start a new session").is_some());
    // The panel and the timeline say it in the same words.
    assert_eq!(desk.query_all_by_label("Session ended: the engineer ended it").count(), 2);
    settle_assist(&mut user, "user sees the end", |h| h.query_by_label_contains("The session is over").is_some());

    // The transcript is in the store, in order.
    let store = Store::open(console_dir.path()).unwrap();
    let kinds: Vec<String> = store.history(ticket_id).unwrap().into_iter().map(|entry| entry.event.kind()).collect();
    let expected = [
        "created",
        "session_started",
        "pairing_succeeded",
        // The path of the connection (direct on loopback without a relay).
        "link_path",
        "consent_requested",
        "consent_granted",
        "scopes_changed",
        "screenshot_attached",
        "chat",
        "sharing_paused",
        "consent_revoked",
        // The record scope was in force: the engineer's side recorded, sealed at the end.
        "recording_saved",
        "session_ended",
    ];
    assert_eq!(kinds, expected);
    // The user's own receipt of the decisions.
    let receipts = std::fs::read_to_string(user_dir.path().join("consent-receipts.jsonl")).unwrap();
    // The summary of the session is kept too, once the window has it; the decisions come first.
    settle_assist(&mut user, "summary kept", |_| {
        std::fs::read_to_string(user_dir.path().join("consent-receipts.jsonl")).unwrap().contains("summary_saved")
    });
    let receipts: String =
        receipts.lines().filter(|line| !line.contains("summary_saved")).map(|line| format!("{line}\n")).collect();
    assert_eq!(receipts.lines().count(), 5, "granted, scopes changed, screenshot, paused, revoked: {receipts}");
    assert!(receipts.lines().nth(2).unwrap().contains(r#""decision":"screenshot_kept""#), "{receipts}");
    assert!(receipts.lines().next().unwrap().contains(r#""pointers":false"#));
}

#[test]
fn nothing_is_granted_before_the_users_receipt_is_on_disk() {
    let console_dir = tempfile::tempdir().unwrap();
    let user_dir = tempfile::tempdir().unwrap();
    // The receipts file cannot be written (a folder stands in its place).
    std::fs::create_dir(user_dir.path().join("consent-receipts.jsonl")).unwrap();
    let (mut desk, ticket_id, _number, link) = console_waiting_for_user(console_dir.path());
    let mut user = user_joins(&mut desk, user_dir.path(), &link);
    type_into(&mut desk, "Why you need to see the screen", "Check the printer queue with you");
    desk.get_by_label("Ask for consent").click();
    settle(&mut desk, "request sent", |h| h.query_by_label("Waiting for the user's answer…").is_some());
    settle_assist(&mut user, "consent screen", |h| h.query_by_label("Allow").is_some());
    user.get_by_label("Allow").click();
    settle_assist(&mut user, "the user is told", |h| {
        h.query_by_label_contains("Your consent receipt could not be saved").is_some()
    });
    for _ in 0..50 {
        let _ = desk.try_run();
        let _ = user.try_run();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(user.query_by_label("Stop sharing").is_none(), "the window must not say it is sharing");
    assert!(desk.query_by_label_contains("Granted, live").is_none(), "the engineer must not hear of a grant");
    let store = Store::open(console_dir.path()).unwrap();
    let kinds: Vec<String> = store.history(ticket_id).unwrap().into_iter().map(|entry| entry.event.kind()).collect();
    assert!(!kinds.iter().any(|kind| kind == "consent_granted"), "{kinds:?}");
}

#[test]
fn the_receipt_is_on_disk_when_the_engineer_hears_of_the_grant() {
    let console_dir = tempfile::tempdir().unwrap();
    let user_dir = tempfile::tempdir().unwrap();
    let (mut desk, _ticket_id, _number, link) = console_waiting_for_user(console_dir.path());
    let mut user = user_joins(&mut desk, user_dir.path(), &link);
    type_into(&mut desk, "Why you need to see the screen", "Check the printer queue with you");
    desk.get_by_label("Ask for consent").click();
    settle(&mut desk, "request sent", |h| h.query_by_label("Waiting for the user's answer…").is_some());
    settle_assist(&mut user, "consent screen", |h| h.query_by_label("Allow").is_some());
    user.get_by_label("Allow").click();
    let receipts = user_dir.path().join("consent-receipts.jsonl");
    for _ in 0..1_000 {
        let _ = user.try_run();
        let _ = desk.try_run();
        if desk.query_by_label_contains("Granted, live").is_some() {
            let written = std::fs::read_to_string(&receipts).unwrap_or_default();
            assert!(written.contains(r#""decision":"granted""#), "granted before the receipt was written");
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    panic!("the grant never arrived");
}

fn user_name() -> String {
    stepwise::app::get_help_app::user_display_name()
}

fn type_into_assist(harness: &mut AssistHarness, label: &str, text: &str) {
    harness.get_by_label(label).focus();
    harness.run();
    harness.get_by_label(label).type_text(text);
    harness.run();
}

fn request() -> ConsentRequest {
    ConsentRequest {
        engineer_name: "李伟".into(),
        team: "IT 服务台".into(),
        ticket_number: "T-20261127-0003".into(),
        ticket_title: "邮箱已满".into(),
        purpose: "清理邮箱".into(),
        suggested: Scopes::default(),
    }
}

#[test]
fn consent_screen_in_chinese_allows_only_what_is_ticked() {
    let mut view = AssistView::new(Lang::Zh, None);
    view.apply(AssistNotice::Paired);
    view.apply(AssistNotice::Event(SessionEvent::PeerHello { display_name: "李伟".into() }));
    view.apply(AssistNotice::Event(SessionEvent::ConsentRequested(request())));
    view.apply(AssistNotice::Source(Ok(stepwise::capture::SourceLabel::Monitor {
        number: 2,
        width: 2560,
        height: 1440,
    })));
    let mut harness = Harness::builder()
        .with_size(egui::vec2(760.0, 620.0))
        .with_context_setup(support::add_cjk_fonts)
        .build_ui_state(|ui, view: &mut AssistView| view.ui(ui), view);
    harness.run();
    harness.get_by_label("李伟（IT 服务台）想查看您的屏幕");
    harness.get_by_label("原因：清理邮箱");
    // What will be shared, in Chinese too.
    harness.get_by_label("将共享的内容：屏幕 2（2560×1440）");
    // Recording is off by default; untick the arrows too, leaving only "see my screen".
    harness.get_by_label("在我的屏幕上显示指示箭头").click();
    harness.run();
    harness.get_by_label("允许").click();
    harness.run();
    let commands = harness.state_mut().take_commands();
    assert_eq!(
        commands,
        vec![AssistCommand::Session(SessionCommand::Grant(Scopes {
            view: true,
            pointers: false,
            record: false,
            control: false
        }))]
    );

    // Once granted, the sharing bar offers pause and stop.
    harness.state_mut().apply(AssistNotice::Event(SessionEvent::ConsentGranted(Scopes {
        view: true,
        pointers: false,
        record: false,
        control: false,
    })));
    harness.run();
    harness.get_by_label("暂停共享").click();
    harness.run();
    harness.get_by_label("停止共享").click();
    harness.run();
    assert_eq!(
        harness.state_mut().take_commands(),
        vec![AssistCommand::Session(SessionCommand::Pause), AssistCommand::Session(SessionCommand::Revoke)]
    );
}

#[test]
fn a_wrong_code_is_explained_in_plain_words() {
    let mut view = AssistView::new(Lang::En, None);
    view.apply(AssistNotice::JoinFailed(stepwise::ui::JoinFailure::WrongCode { attempts_left: 2 }));
    let mut harness = Harness::builder()
        .with_context_setup(support::add_cjk_fonts)
        .build_ui_state(|ui, view: &mut AssistView| view.ui(ui), view);
    harness.run();
    harness.get_by_label("That code is not right. Check the digits and try again (2 attempts left).");
    // The last try is counted in the singular.
    harness.state_mut().apply(AssistNotice::JoinFailed(stepwise::ui::JoinFailure::WrongCode { attempts_left: 1 }));
    harness.run();
    harness.get_by_label("That code is not right. Check the digits and try again (1 attempt left).");
    // A malformed entry is caught before any connection.
    harness.get_by_label("Connect").click();
    harness.run();
    harness.get_by_label("Enter the 9-digit code and the address, or paste the whole link.");
    assert!(harness.state_mut().take_commands().is_empty());
}

#[test]
fn engineer_points_with_an_arrow_and_the_user_answers_a_step() {
    let console_dir = tempfile::tempdir().unwrap();
    let user_dir = tempfile::tempdir().unwrap();
    let (mut desk, ticket_id, _number, link) = console_waiting_for_user(console_dir.path());
    let mut user = user_joins(&mut desk, user_dir.path(), &link);
    desk.get_by_label("Ask for consent").click();
    let _ = desk.try_run();
    settle_assist(&mut user, "consent screen", |h| h.query_by_label("Allow").is_some());
    user.get_by_label("Allow").click();
    let _ = user.try_run();
    settle(&mut desk, "live view", |h| h.query_by_label("Live").is_some() && h.query_by_label("Arrow").is_some());
    // A built-in picture is not the user's screen: arrows go over the picture, and both are told.
    settle_assist(&mut user, "where arrows appear", |h| {
        h.query_by_label("The engineer's arrows appear in the picture of your screen below.").is_some()
    });
    settle(&mut desk, "the arrows mode", |h| {
        h.query_by_label_contains("Arrows appear in the user's Get-help window").is_some()
            && h.query_by_label_contains("the built-in picture, not the live screen").is_some()
    });

    // This arrow fades after 10 s (the default is a minute).
    desk.get_by_label("Fades after").click_accesskit();
    let _ = desk.try_run();
    desk.get_by_label("10 s").click_accesskit();
    let _ = desk.try_run();

    // Drag from tail to head on the picture.
    let picture = desk.get_by_role(Role::Image).rect();
    let (tail, head) = (picture.left_top() + egui::vec2(20.0, 20.0), picture.center());
    desk.event(egui::Event::PointerMoved(tail));
    desk.event(egui::Event::PointerButton {
        pos: tail,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: egui::Modifiers::NONE,
    });
    let _ = desk.try_run();
    for step in 1..=4 {
        desk.event(egui::Event::PointerMoved(tail + (head - tail) * (step as f32 / 4.0)));
        let _ = desk.try_run();
    }
    desk.event(egui::Event::PointerButton {
        pos: head,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: egui::Modifiers::NONE,
    });
    let _ = desk.try_run();
    open_workspace_tab(&mut desk, "Transcript");
    settle(&mut desk, "arrow in the timeline", |h| h.query_by_label_contains("Pointed at the user's screen").is_some());
    settle_assist(&mut user, "arrow on the user's side", |h| h.state().view().annotation_count() == 1);
    let drawn = Store::open(console_dir.path()).unwrap().history(ticket_id).unwrap();
    let arrow = drawn.iter().find(|entry| entry.event.kind() == "arrow_drawn").expect("arrow_drawn in the history");
    let payload = arrow.event.to_stored().1;
    assert_eq!(payload["fade_ms"], 10_000, "{payload}");

    // One step, answered on the user's step card.
    open_workspace_tab(&mut desk, "Steps");
    type_into(&mut desk, "Instruction", "Open Settings → Printers");
    desk.get_by_label("Add step").click_accesskit();
    let _ = desk.try_run();
    desk.get_by_label("Send next step").click_accesskit();
    let _ = desk.try_run();
    settle_assist(&mut user, "step card", |h| h.query_by_label("Step 1 of 1").is_some());
    user.get_by_label("Open Settings → Printers");
    user.get_by_label("Didn't work").click();
    let _ = user.try_run();
    settle(&mut desk, "answer shown", |h| h.query_by_label_contains("Didn't work after").is_some());
    open_workspace_tab(&mut desk, "Transcript");
    settle(&mut desk, "answer in the timeline", |h| h.query_by_label_contains("answered: Didn't work").is_some());

    // A canned phrase, filled with the engineer's name, then sent.
    open_workspace_tab(&mut desk, "Chat");
    desk.get_by_label("Phrases").click_accesskit();
    let _ = desk.try_run();
    desk.get_by_label_contains("Hello, this is Li Wei from the service desk").click_accesskit();
    let _ = desk.try_run();
    desk.get_by_label("Send").click_accesskit();
    let _ = desk.try_run();
    open_workspace_tab(&mut desk, "Transcript");
    settle(&mut desk, "phrase in the timeline", |h| {
        h.query_by_label_contains("Chat: Hello, this is Li Wei from the service desk").is_some()
    });

    // A guide from the knowledge base: its steps follow the answered one; the user's answer to
    // its first step is counted against the guide.
    open_workspace_tab(&mut desk, "Steps");
    type_into(&mut desk, "Find a guide", "wifi");
    desk.get_by_label("Find").click_accesskit();
    settle(&mut desk, "guide found", |h| h.query_by_label_contains("Use: Reconnect to the office Wi-Fi").is_some());
    desk.get_by_label_contains("Use: Reconnect to the office Wi-Fi").click_accesskit();
    settle(&mut desk, "guide loaded", |h| h.query_by_label("Step 6 of 6").is_some());
    desk.get_by_label("Send next step").click_accesskit();
    let _ = desk.try_run();
    settle_assist(&mut user, "the guide's first step", |h| h.query_by_label("Step 2 of 6").is_some());
    user.get_by_label("Click the Wi-Fi icon at the bottom right of the screen, next to the clock.");
    user.get_by_label("I'm stuck").click();
    let _ = user.try_run();
    let store = Store::open(console_dir.path()).unwrap();
    let wifi = store.list_guides("Reconnect to the office").unwrap();
    settle(&mut desk, "the answer counted in the knowledge base", |_| {
        store.guide(wifi[0].id).is_ok_and(|(_, stats)| stats[0].stuck == 1)
    });

    // The guide edited in place: the session's steps (one written on the fly first) replace its
    // steps under a new title; the "stuck" count follows its step to the new position.
    type_into(&mut desk, "Guide title", " (with a first check)");
    desk.get_by_label("Save changes to the guide").click_accesskit();
    settle(&mut desk, "the guide saved", |h| h.query_by_label("Saved to the knowledge base").is_some());
    let (edited, stats) = store.guide(wifi[0].id).unwrap();
    assert_eq!(edited.title, "Reconnect to the office Wi-Fi (with a first check)");
    assert_eq!(edited.steps.len(), 6, "one more than the five it had: {edited:?}");
    assert_eq!(
        edited.steps[1].instruction,
        "Click the Wi-Fi icon at the bottom right of the screen, next to the clock."
    );
    assert_eq!(stats[1].stuck, 1, "{stats:?}");
    assert_eq!(stats[0].stuck, 0);
    // The first step went out with the arrow drawn before it: the guide keeps it, with the size
    // of the screen it points at (the built-in picture, 640 × 360).
    let pointer = edited.steps[0].pointer.as_ref().expect("the step's arrow is kept");
    assert_eq!((pointer.screen_width, pointer.screen_height), (640, 360));
    assert!(matches!(pointer.annotation.shape, stepwise::protocol::Shape::Arrow { .. }));
    assert!(edited.steps[1].pointer.is_none());

    // Used again, the guide's first step brings its arrow to the user's screen by itself.
    desk.get_by_label("Clear all").click_accesskit();
    let _ = desk.try_run();
    settle_assist(&mut user, "arrows cleared", |h| h.state().view().annotation_count() == 0);
    desk.get_by_label("Find").click_accesskit();
    settle(&mut desk, "the edited guide found", |h| {
        h.query_by_label_contains("Use: Reconnect to the office Wi-Fi (with a first check)").is_some()
    });
    desk.get_by_label_contains("Use: Reconnect to the office Wi-Fi (with a first check)").click_accesskit();
    settle(&mut desk, "loaded again", |h| h.query_by_label("Step 8 of 8").is_some());
    desk.get_by_label("with the step's arrow");
    desk.get_by_label("Send next step").click_accesskit();
    let _ = desk.try_run();
    settle_assist(&mut user, "the step's own arrow", |h| h.state().view().annotation_count() == 1);
    assert_eq!(store.list_guides("").unwrap().len(), 6, "edited in place, not added");
}

#[test]
fn the_one_machine_demo_pairs_the_console_with_its_get_help_window() {
    let dir = tempfile::tempdir().unwrap();
    let ticket_id = stepwise::app::demo::prepare_demo_ticket(dir.path()).unwrap();
    let options = stepwise::app::console::ConsoleOptions { demo_ticket: Some(ticket_id), ..support::options(Lang::En) };
    let mut desk = support::console_with(dir.path(), options);
    settle(&mut desk, "paired by itself", |h| {
        h.state().desk().session(ticket_id).is_some_and(|s| s.phase == LinkPhase::Connected)
    });
    settle(&mut desk, "the Get-help window waits for the engineer", |h| {
        h.query_by_label("Connected to Demo Engineer. Waiting for the engineer's request…").is_some()
    });
    desk.get_by_label("Ask for consent").click_accesskit();
    settle(&mut desk, "consent screen in the Get-help window", |h| h.query_by_label("Allow").is_some());
    desk.get_by_label("Allow").click_accesskit();
    settle(&mut desk, "live", |h| h.query_by_label("Live").is_some());
}

#[test]
fn the_session_port_is_set_in_settings_and_used_by_the_next_session() {
    let console_dir = tempfile::tempdir().unwrap();
    let (ticket_id, number) = seed(console_dir.path());
    let mut desk = console(console_dir.path(), Lang::En);
    settle_listed(&mut desk, "ticket listed", 1);
    desk.get_by_label("Settings").click();
    let _ = desk.try_run();
    // A wrong port is explained and not saved.
    type_into(&mut desk, "Session port (UDP)", "70000");
    desk.get_by_label("Save network settings").click_accesskit();
    let _ = desk.try_run();
    desk.get_by_label_contains("\"70000\" is not a port number");
    // A free port on this machine.
    let port = std::net::UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    desk.get_by_label("Session port (UDP)").focus();
    desk.run();
    desk.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    desk.get_by_label("Session port (UDP)").type_text(&port.to_string());
    desk.run();
    desk.get_by_label("Save network settings").click_accesskit();
    settle(&mut desk, "saved", |h| h.query_by_label_contains("Network settings saved").is_some());
    assert_eq!(Store::open(console_dir.path()).unwrap().network_settings().unwrap().session_port, port);
    desk.get_by_label("Close").click_accesskit();
    let _ = desk.try_run();

    let link = open_and_start_session(&mut desk, ticket_id, &number);
    assert!(link.starts_with(&format!("stepwise://127.0.0.1:{port}/")), "{link}");
}

/// The engineer's address for a join link shown by the console (sessions listen on loopback).
fn engineer_address(link: &str) -> (std::net::SocketAddr, stepwise::protocol::JoinLink) {
    let link = stepwise::protocol::JoinLink::parse(link).expect("the console shows a valid link");
    (std::net::SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, link.port)), link)
}

/// A code that is not `code`.
fn not(code: &stepwise::protocol::JoinCode) -> stepwise::protocol::JoinCode {
    let digits: String = code.digits().chars().map(|ch| if ch == '9' { '0' } else { '9' }).collect();
    stepwise::protocol::JoinCode::parse(&digits).expect("nine digits")
}

#[test]
fn wrong_codes_are_listed_by_source_and_a_new_code_replaces_the_old_one() {
    use stepwise::protocol::PairingVerdict;
    let console_dir = tempfile::tempdir().unwrap();
    let user_dir = tempfile::tempdir().unwrap();
    let (mut desk, ticket_id, _number, link) = console_waiting_for_user(console_dir.path());
    let (engineer_at, old) = engineer_address(&link);
    let bad = not(&old.code);
    // An attacker on two addresses speaks the real pairing protocol with wrong codes.
    for _ in 0..3 {
        runtime().block_on(hostile::attempt_from(hostile::source(2), engineer_at, &bad));
    }
    runtime().block_on(hostile::attempt_from(hostile::source(3), engineer_at, &bad));
    settle(&mut desk, "the sources listed", |h| {
        h.query_by_label("127.0.0.2: 3 wrong, shut out").is_some() && h.query_by_label("127.0.0.3: 1 wrong").is_some()
    });
    desk.get_by_label("Wrong codes came from:");
    settle(&mut desk, "the source in the timeline", |h| {
        h.query_by_label("A wrong join code came from 127.0.0.3 (1 from there; 6 more burn the code)").is_some()
    });
    assert_eq!(desk.query_all_by_label("System").count(), 4, "wrong codes are the gate's entries, not the user's");

    // One click: a new code for the same waiting session, on the same port.
    desk.get_by_label("New code").click();
    settle(&mut desk, "the new code shown", |h| {
        h.state().desk().session(ticket_id).is_some_and(|s| s.phase == LinkPhase::Waiting && s.link != link)
    });
    let new_link = desk.state().desk().session(ticket_id).unwrap().link.clone();
    let (_, new) = engineer_address(&new_link);
    assert_eq!(new.port, old.port);
    assert_ne!(new.code, old.code);
    desk.get_by_label(&new.code.grouped());
    settle(&mut desk, "the new code in the timeline", |h| {
        h.query_by_label("A new join code was issued; the old one no longer works").is_some()
    });
    assert!(desk.query_by_label("127.0.0.2: 3 wrong, shut out").is_none(), "counts start again");
    // The old code no longer works; the new one does, from the Get-help window.
    let verdict = runtime().block_on(hostile::attempt_from(hostile::source(4), engineer_at, &old.code));
    assert_eq!(verdict, Some(PairingVerdict::WrongCode { attempts_left: 2 }));
    settle(&mut desk, "the old code tried", |h| h.query_by_label("127.0.0.4: 1 wrong").is_some());
    let _user = user_joins(&mut desk, user_dir.path(), &new_link);
}

#[test]
fn after_a_burned_code_a_new_session_starts() {
    let console_dir = tempfile::tempdir().unwrap();
    let user_dir = tempfile::tempdir().unwrap();
    let (mut desk, ticket_id, _number, link) = console_waiting_for_user(console_dir.path());
    let (engineer_at, old) = engineer_address(&link);
    let bad = not(&old.code);
    for attempt in 0..10u8 {
        runtime().block_on(hostile::attempt_from(hostile::source(2 + attempt / 3), engineer_at, &bad));
    }
    settle(&mut desk, "burned", |h| {
        h.query_by_label("The code was burned after too many wrong attempts. Issue a new code, or start a new session.")
            .is_some()
    });
    desk.get_by_label("127.0.0.5: 1 wrong");
    assert!(desk.query_by_label_contains("A wrong code came from").is_none(), "no attempts-left line under a burn");
    desk.get_by_label("Start a new session").click();
    settle(&mut desk, "a new session waits", |h| {
        h.state().desk().session(ticket_id).is_some_and(|s| s.phase == LinkPhase::Waiting && s.link != link)
    });
    let session = desk.state().desk().session(ticket_id).unwrap();
    assert_eq!(session.problem, None, "not refused as already running");
    assert!(session.attempts.is_empty());
    let new_link = session.link.clone();
    // The replaced session's end does not reach the new one's panel.
    for _ in 0..20 {
        let _ = desk.try_run();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(desk.state().desk().session(ticket_id).unwrap().phase, LinkPhase::Waiting);
    let _user = user_joins(&mut desk, user_dir.path(), &new_link);
}

#[test]
fn a_user_calling_themselves_an_engineer_is_shown_as_the_users_claim() {
    use stepwise::model::ActorKind;
    use stepwise::protocol::SessionCommand;
    use stepwise::transport::{EventSink, join_session};
    let console_dir = tempfile::tempdir().unwrap();
    let (mut desk, ticket_id, _number, link) = console_waiting_for_user(console_dir.path());
    let (_, link) = engineer_address(&link);
    let sink: EventSink = std::sync::Arc::new(|_| {});
    let user = runtime()
        .block_on(join_session(&link, "Eng Attack", TransportSettings::default(), sink))
        .expect("the hostile user pairs with the right code");
    settle(&mut desk, "joined", |h| h.query_by_label("Connected to User (says: Eng Attack)").is_some());
    let claim = "I (engineer) confirm the user agreed to recording";
    user.send(SessionCommand::Chat(claim.into()));
    // In the timeline and the chat the name is the user's claim; it never stands alone as the
    // engineer's own name does. The line is news on the Chat tab until it is looked at.
    settle(&mut desk, "the chat line counted on its tab", |h| h.query_by_label_contains("Chat ● 1").is_some());
    open_workspace_tab(&mut desk, "Chat");
    settle(&mut desk, "the chat line in the chat", |h| {
        h.query_by_label(claim).is_some() && h.query_all_by_label("User (says: Eng Attack)").count() == 1
    });
    assert!(desk.query_by_label_contains("Chat ● ").is_none(), "seen once shown");
    assert!(desk.query_by_label("Eng Attack").is_none());
    open_workspace_tab(&mut desk, "Transcript");
    settle(&mut desk, "the chat line in the transcript", |h| {
        h.query_by_label(&format!("Chat: {claim}")).is_some()
            && h.query_all_by_label("User (says: Eng Attack)").count() == 1
    });
    assert!(desk.query_by_label("Eng Attack").is_none());
    assert!(desk.query_all_by_label("Li Wei").count() > 0, "the engineer's own entries carry the plain name");
    let history = Store::open(console_dir.path()).unwrap().history(ticket_id).unwrap();
    let chat = history.iter().find(|entry| entry.event.kind() == "chat").expect("the chat line is in the timeline");
    assert_eq!((chat.actor_kind, chat.actor.as_str()), (ActorKind::User, "Eng Attack"));
    let started = history.iter().find(|entry| entry.event.kind() == "session_started").unwrap();
    assert_eq!((started.actor_kind, started.actor.as_str()), (ActorKind::Engineer, "Li Wei"));
    let shown = |entry: &stepwise::model::HistoryEntry| {
        stepwise::ui::actor::actor_text(entry.actor_kind, &entry.actor, Lang::Zh)
    };
    assert_eq!(shown(chat), "用户（自称：Eng Attack）");
    assert_ne!(shown(chat), shown(started));
}
