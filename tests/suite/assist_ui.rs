//! The user's Get-help window through the accessibility tree: everything reachable at its
//! default size, the compact sharing bar, and the chosen language kept between launches.

use crate::support;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use stepwise::app::get_help_app::{ASSIST_WINDOW_SIZE, AssistApp};
use stepwise::capture::SourceChoice;
use stepwise::protocol::SessionCommand;
use stepwise::protocol::{ConsentRequest, Role as PeerRole, Scopes, SessionEvent, StepCard};
use stepwise::transport::TransportSettings;
use stepwise::ui::annotations::ArrowPlacement;
use stepwise::ui::viewer::FrameSlot;
use stepwise::ui::{AssistNotice, AssistView, Lang, Text};

fn request() -> ConsentRequest {
    ConsentRequest {
        engineer_name: "Li Wei".into(),
        team: "Service desk".into(),
        ticket_number: "T-20261204-0007".into(),
        ticket_title: "Printer shows offline".into(),
        purpose: "Check the printer queue with you".into(),
        suggested: Scopes::default(),
    }
}

/// A Get-help view sharing `scopes` with everything on show: a step card, a preview of the
/// screen, a few chat lines.
fn sharing_view(lang: Lang, scopes: Scopes) -> AssistView {
    let mut view = AssistView::new(lang, None);
    view.apply(AssistNotice::Paired);
    view.apply(AssistNotice::Event(SessionEvent::PeerHello { display_name: "Li Wei".into() }));
    view.apply(AssistNotice::Source(Ok(stepwise::capture::SourceLabel::Monitor {
        number: 1,
        width: 1920,
        height: 1080,
    })));
    view.apply(AssistNotice::Event(SessionEvent::ConsentRequested(request())));
    view.apply(AssistNotice::Event(SessionEvent::ConsentGranted(scopes)));
    let preview = FrameSlot::default();
    {
        let mut state = preview.lock();
        state.width = 480;
        state.height = 270;
        state.rgba = vec![200; 480 * 270 * 4];
        state.all_dirty = true;
    }
    view.apply(AssistNotice::Preview(preview));
    view.apply(AssistNotice::Event(SessionEvent::StepSent {
        card: StepCard {
            step_id: 1,
            index: 1,
            total: 3,
            instruction: "Open Settings → Printers & scanners".into(),
            expected: "You see the office printer".into(),
            annotation: None,
        },
        resent: false,
    }));
    for index in 0..6 {
        view.apply(AssistNotice::Event(SessionEvent::Chat {
            from: if index % 2 == 0 { PeerRole::Engineer } else { PeerRole::User },
            id: index as u64,
            at_ms: 1_795_424_400_000 + index * 60_000,
            text: format!("chat line {index}"),
        }));
    }
    view
}

fn harness(view: AssistView) -> Harness<'static, AssistView> {
    support::assist_harness(view)
}

/// Whether a widget lies wholly inside the window.
fn inside_window(rect: egui::Rect) -> bool {
    let [width, height] = ASSIST_WINDOW_SIZE;
    rect.top() >= 0.0 && rect.bottom() <= height && rect.left() >= 0.0 && rect.right() <= width
}

#[test]
fn everything_in_the_get_help_window_is_reachable_at_its_default_size() {
    let mut harness = harness(sharing_view(Lang::En, Scopes::default()));
    // Close is always at the bottom edge.
    let close = harness.get_by_role_and_label(Role::Button, "Close").rect();
    assert!(inside_window(close), "Close is out of reach: {close:?}");
    // The step card and the chat come first, before what is shared and the private areas.
    let step = harness.get_by_label("Done").rect();
    let chat = harness.get_by_label("Chat").rect();
    let private = harness.get_by_label("Private areas").rect();
    assert!(step.top() < chat.top() && chat.top() < private.top(), "{step:?} {chat:?} {private:?}");
    assert!(inside_window(step), "the step card's answers are out of sight: {step:?}");
    // Whatever lies below the edge scrolls into view.
    for label in ["Send", "Private areas", "Record this session"] {
        harness.get_by_label(label).scroll_to_me();
        harness.run();
        let rect = harness.get_by_label(label).rect();
        assert!(inside_window(rect), "{label} cannot be brought into view: {rect:?}");
    }
    let input = harness.get_by_role_and_label(Role::TextInput, "Chat");
    input.scroll_to_me();
    harness.run();
    let rect = harness.get_by_role_and_label(Role::TextInput, "Chat").rect();
    assert!(inside_window(rect), "the chat input cannot be brought into view: {rect:?}");
}

#[test]
fn the_sharing_bar_is_one_row_with_a_recording_dot_while_recording() {
    let scopes = Scopes { view: true, pointers: true, record: true, control: false };
    let mut harness = harness(sharing_view(Lang::En, scopes));
    let status = harness.get_by_label("Li Wei can see: Screen 1 (1920×1080)").rect();
    let pause = harness.get_by_role_and_label(Role::Button, "Pause sharing").rect();
    let stop = harness.get_by_role_and_label(Role::Button, "Stop sharing").rect();
    let dot = harness.get_by_role_and_label(Role::Image, "Recording").rect();
    let words = harness.get_by_role_and_label(Role::Label, "Recording").rect();
    for (name, rect) in [("pause", pause), ("stop", stop), ("recording dot", dot), ("recording words", words)] {
        assert!(
            (rect.center().y - status.center().y).abs() < 4.0,
            "{name} is not on the status row: {rect:?} {status:?}"
        );
    }
    assert!(dot.right() <= words.left() + 1.0 && words.right() <= status.left() + 1.0, "{dot:?} {words:?} {status:?}");
    assert!(status.right() <= pause.left() + 1.0, "{status:?} {pause:?}");
    harness.get_by_role_and_label(Role::Button, "Pause sharing").click();
    harness.run();
    assert_eq!(harness.state_mut().take_commands(), vec![stepwise::ui::AssistCommand::Session(SessionCommand::Pause)]);
    harness.state_mut().apply(AssistNotice::Event(SessionEvent::SharingPaused));
    harness.run();
    assert_eq!(harness.query_all_by_label("Recording").count(), 0, "nothing is recorded while paused");
    harness.get_by_role_and_label(Role::Button, "Resume sharing");

    // Without the record scope there is no dot; in Chinese the same row.
    let mut harness = harness_zh(Scopes::default());
    assert!(harness.query_by_label("正在录制").is_none());
    harness.get_by_label("Li Wei 可以看到：屏幕 1（1920×1080）");
    harness.state_mut().apply(AssistNotice::Event(SessionEvent::ScopesChanged(scopes)));
    harness.run();
    harness.get_by_role_and_label(Role::Label, "正在录制");
    harness.get_by_role_and_label(Role::Image, "正在录制");
}

fn harness_zh(scopes: Scopes) -> Harness<'static, AssistView> {
    harness(sharing_view(Lang::Zh, scopes))
}

#[test]
fn the_chosen_language_is_remembered_between_launches() {
    let data_dir = tempfile::tempdir().unwrap();
    let launch = |lang: Lang| {
        let dir = data_dir.path().to_path_buf();
        let [width, height] = ASSIST_WINDOW_SIZE;
        let mut harness = Harness::builder()
            .with_size(egui::vec2(width, height))
            .with_context_setup(support::add_cjk_fonts)
            .build_eframe(move |cc| {
                AssistApp::new(
                    &cc.egui_ctx,
                    support::runtime(),
                    &dir,
                    lang,
                    None,
                    TransportSettings::default(),
                    SourceChoice::Synthetic { fps: 10 },
                )
            });
        harness.run();
        harness
    };
    let mut first = launch(Lang::En);
    first.get_by_label("Get help from an engineer");
    first.get_by_label("简体中文").click();
    first.run();
    first.get_by_label("获取工程师的帮助");
    let settings = data_dir.path().join(stepwise::app::assist_settings::ASSIST_SETTINGS_FILE);
    for _ in 0..500 {
        if settings.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    drop(first);
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(&settings).expect("the choice is saved").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the settings file is private");

    // The next launch (system language English) opens in Chinese.
    let second = launch(Lang::En);
    second.get_by_label("获取工程师的帮助");
    assert_eq!(second.state().view().lang, Lang::Zh);
}

#[test]
fn a_damaged_settings_file_is_said_and_the_system_language_used() {
    let data_dir = tempfile::tempdir().unwrap();
    let settings = data_dir.path().join(stepwise::app::assist_settings::ASSIST_SETTINGS_FILE);
    std::fs::write(&settings, "{\"lang\": 7").unwrap();
    let dir = data_dir.path().to_path_buf();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(ASSIST_WINDOW_SIZE[0], ASSIST_WINDOW_SIZE[1]))
        .with_context_setup(support::add_cjk_fonts)
        .build_eframe(move |cc| {
            AssistApp::new(
                &cc.egui_ctx,
                support::runtime(),
                &dir,
                Lang::En,
                None,
                TransportSettings::default(),
                SourceChoice::Synthetic { fps: 10 },
            )
        });
    harness.run();
    harness.get_by_label("Get help from an engineer");
    harness.get_by_label_contains("Get-help settings");
    harness.get_by_label_contains("are damaged");
    // Nothing is lost: the damaged file stays as it was until a language is chosen.
    assert_eq!(std::fs::read_to_string(&settings).unwrap(), "{\"lang\": 7");
}

#[test]
fn where_the_arrows_appear_is_said_only_once_reported() {
    let on_screen = Text::ArrowsOnYourScreen.get(Lang::En);
    let in_window = Text::ArrowsInThisWindow.get(Lang::En);
    let scopes = Scopes { view: true, pointers: true, record: false, control: false };
    let mut harness = harness(sharing_view(Lang::En, scopes));
    assert!(harness.query_by_label(on_screen).is_none() && harness.query_by_label(in_window).is_none());
    for (placement, said, not_said) in
        [(ArrowPlacement::InWindow, in_window, on_screen), (ArrowPlacement::OverScreen, on_screen, in_window)]
    {
        harness.state_mut().apply(AssistNotice::ArrowsShown(placement));
        harness.run();
        harness.get_by_label(said);
        assert!(harness.query_by_label(not_said).is_none(), "{placement:?}");
    }
}

#[test]
fn the_get_help_window_says_plainly_whether_the_session_is_live_or_guidance_only() {
    use stepwise::protocol::SessionMode;
    let mut harness = harness(sharing_view(Lang::En, Scopes::default()));
    harness.get_by_label("Live: the engineer sees your screen as it changes.");
    harness.get_by_label("Use guidance only (slow connection)").scroll_to_me();
    harness.run();
    harness.get_by_label("Use guidance only (slow connection)").click();
    harness.run();
    let switch = stepwise::ui::AssistCommand::Session(SessionCommand::SetMode(SessionMode::GuidanceOnly));
    assert!(harness.state_mut().take_commands().contains(&switch));
    // The engineer switched: the window says so.
    let told = SessionEvent::ModeChanged { mode: SessionMode::GuidanceOnly, by: PeerRole::Engineer };
    harness.state_mut().apply(AssistNotice::Event(told));
    harness.run();
    harness.get_by_label(
        "Guidance only: your screen is not streamed. The engineer sees one picture only when they ask; their arrows still appear on your screen.",
    );
    harness.get_by_label("Back to live");

    let mut harness = harness_zh(Scopes::default());
    let told = SessionEvent::ModeChanged { mode: SessionMode::GuidanceOnly, by: PeerRole::User };
    harness.state_mut().apply(AssistNotice::Event(told));
    harness.run();
    harness
        .get_by_label("仅指导：你的屏幕不会持续传送。工程师只在请求时看到一张画面；他们的箭头仍会显示在你的屏幕上。");
    harness.get_by_label("恢复实时");
}

#[test]
fn on_wayland_the_consent_screen_names_the_systems_dialog_and_a_cancel_is_said() {
    for (lang, named) in [
        (Lang::En, "What will be shared: Your screen, as you choose it in the system's screen-sharing dialog"),
        (Lang::Zh, "您的屏幕（在系统的屏幕共享对话框中选择）"),
    ] {
        let mut view = AssistView::new(lang, None);
        view.apply(AssistNotice::Paired);
        view.apply(AssistNotice::Event(SessionEvent::PeerHello { display_name: "Li Wei".into() }));
        view.apply(AssistNotice::Source(Ok(stepwise::capture::SourceLabel::SystemPicker)));
        view.apply(AssistNotice::Event(SessionEvent::ConsentRequested(request())));
        let mut harness = harness(view);
        harness.get_by_label_contains(named);
        // The user closed the dialog without choosing: said, with how to choose again.
        harness.state_mut().apply(AssistNotice::Source(Err(stepwise::capture::CaptureError::PickerCancelled)));
        harness.run();
        let cancelled = Text::CapturePickerCancelled.get(lang);
        harness.get_by_label_contains(cancelled);
        assert!(harness.query_by_label_contains(named).is_none(), "{lang:?}: the cancel replaces what is shared");
    }
}
