//! Tests of the session panel: its state and what it draws, through the accessibility tree.

use crate::protocol::{
    ConsentRequest, MAX_PURPOSE_CHARS, MAX_TICKET_TITLE_CHARS, Scopes, SessionCommand, SessionEvent,
};

use super::super::command::{SessionRequest, UiCommand};
use super::super::i18n::{Lang, Text};
use super::super::viewer::FrameSlot;
use super::model::{RemoteSessionView, SessionNotice, StepRow, StepState, scopes_text};
use super::panel::{PanelContext, consent_request, session_panel_ui};
use crate::ui::ViewContext;

mod panel_tests {
    use egui_kittest::Harness;
    use egui_kittest::kittest::{NodeT as _, Queryable};

    use super::*;

    pub(super) const NOW_MS: i64 = 1_795_424_400_000;

    #[test]
    fn a_consent_request_is_cut_to_the_protocol_limits_and_passes_validation() {
        let title = "标".repeat(MAX_TICKET_TITLE_CHARS + 30);
        let context = PanelContext {
            ticket_id: crate::model::TicketId(7),
            ticket_number: "T-20261123-0007",
            ticket_title: &title,
            engineer_name: "Li Wei",
            team: "Service desk",
            category: crate::model::Category::Hardware,
            phrases: &[],
            glossary: &Default::default(),
        };
        let purpose = format!("  {}  ", "p".repeat(MAX_PURPOSE_CHARS + 1));
        let request = consent_request(&context, &purpose);
        assert_eq!(request.ticket_title.chars().count(), MAX_TICKET_TITLE_CHARS);
        assert_eq!(request.purpose.chars().count(), MAX_PURPOSE_CHARS);
        assert!(!request.purpose.starts_with(' '), "the purpose is trimmed before it is cut");
        assert_eq!(crate::protocol::Message::ConsentRequest(request).validate(), Ok(()), "the peer accepts it");
        let short = consent_request(&context, " check the queue ");
        assert_eq!(short.purpose, "check the queue");
    }

    /// The panel of ticket 7 with `session`, in English, collecting the commands it queues.
    fn panel(session: RemoteSessionView) -> Harness<'static, (RemoteSessionView, Vec<UiCommand>)> {
        let system_fonts = |ctx: &egui::Context| {
            ctx.add_font_provider(std::sync::Arc::new(egui_system_font_provider::SystemFontProvider::new()));
        };
        Harness::builder().with_size(egui::vec2(520.0, 900.0)).with_context_setup(system_fonts).build_ui_state(
            |ui, (session, commands): &mut (RemoteSessionView, Vec<UiCommand>)| {
                let context = PanelContext {
                    ticket_id: crate::model::TicketId(7),
                    ticket_number: "T-20261123-0007",
                    ticket_title: "Printer offline",
                    engineer_name: "Li Wei",
                    team: "Service desk",
                    category: crate::model::Category::Hardware,
                    phrases: &[],
                    glossary: &Default::default(),
                };
                egui::ScrollArea::vertical().show(ui, |ui| {
                    session_panel_ui(ui, &mut ViewContext::new(Lang::En, NOW_MS, commands), &context, Some(session));
                });
            },
            (session, Vec::new()),
        )
    }

    fn waiting() -> RemoteSessionView {
        let mut session = RemoteSessionView::starting();
        session.apply(
            SessionNotice::Started {
                link: "stepwise://127.0.0.1:4000/123456789".into(),
                code: "123 456 789".into(),
                address: "127.0.0.1:4000".into(),
                expires_at_ms: NOW_MS + 600_000,
                viewer: FrameSlot::default(),
                relay: false,
            },
            Lang::En,
        );
        session
    }

    pub(super) fn connected() -> RemoteSessionView {
        let mut session = waiting();
        session.apply(SessionNotice::Paired, Lang::En);
        session.apply(SessionNotice::Event(SessionEvent::PeerHello { display_name: "Wang Li".into() }), Lang::En);
        session
    }

    #[test]
    fn the_panel_shows_the_path_with_its_round_trip_and_the_relay_while_waiting() {
        use crate::protocol::LinkPath;
        use crate::ui::relay::{RelayProblem, SessionRelay};
        let mut session = waiting();
        session.relay = Some(SessionRelay::Allocating);
        let mut harness = panel(session);
        // A spinner keeps asking for frames: a few steps, not a settled run.
        harness.run_steps(2);
        harness.get_by_label("Getting a relay address…");
        harness.state_mut().0.apply(SessionNotice::RelayUnavailable(RelayProblem::WrongCredentials), Lang::En);
        harness.run_steps(2);
        harness.get_by_label_contains("The relay could not be used (the relay server refused");
        assert!(harness.query_by_label("Getting a relay address…").is_none());
        let link = "stepwise://127.0.0.1:4000/123456789?relay=127.0.0.1%3A5&turn=127.0.0.1%3A3478";
        harness
            .state_mut()
            .0
            .apply(SessionNotice::RelayReady { link: link.into(), users_can_allocate: false }, Lang::En);
        harness.run();
        harness.get_by_label_contains("users behind a strict NAT cannot join");
        assert_eq!(harness.state().0.link, link, "the link shown gains the relay");

        let mut session = connected();
        session.apply(SessionNotice::Path(LinkPath::Relayed), Lang::En);
        let mut harness = panel(session);
        harness.run();
        harness.get_by_label("Path: via the relay");
        harness.state_mut().0.apply(SessionNotice::RoundTrip { rtt_ms: 12.34 }, Lang::En);
        harness.run();
        harness.get_by_label("Path: via the relay, round trip 12.3 ms");
        harness.state_mut().0.apply(SessionNotice::Path(LinkPath::Direct), Lang::En);
        harness.run();
        harness.get_by_label("Path: direct, round trip 12.3 ms");
    }

    #[test]
    fn a_relay_ready_before_the_start_notice_is_kept_and_shown_with_it() {
        use crate::ui::relay::SessionRelay;
        let mut session = RemoteSessionView::starting();
        let with_relay = "stepwise://127.0.0.1:4000/123456789?relay=127.0.0.1%3A5&turn=127.0.0.1%3A3478";
        session.apply(SessionNotice::RelayReady { link: with_relay.into(), users_can_allocate: true }, Lang::En);
        assert!(session.link.is_empty(), "nothing shown before the start is recorded");
        session.apply(
            SessionNotice::Started {
                link: "stepwise://127.0.0.1:4000/123456789".into(),
                code: "123 456 789".into(),
                address: "127.0.0.1:4000".into(),
                expires_at_ms: NOW_MS + 600_000,
                viewer: FrameSlot::default(),
                relay: true,
            },
            Lang::En,
        );
        assert_eq!(session.link, with_relay);
        assert_eq!(session.relay, Some(SessionRelay::Ready { users_can_allocate: true }), "not back to allocating");
    }

    fn ended(commands: &[UiCommand]) -> bool {
        commands
            .iter()
            .any(|command| matches!(command, UiCommand::Session(_, SessionRequest::Command(SessionCommand::End))))
    }

    fn inputs(commands: &[UiCommand]) -> usize {
        let input =
            |c: &&UiCommand| matches!(c, UiCommand::Session(_, SessionRequest::Command(SessionCommand::Input(_))));
        commands.iter().filter(input).count()
    }

    #[test]
    fn control_is_asked_for_and_the_toggle_works_only_while_the_scope_is_in_force() {
        let mut session = connected();
        session.apply(SessionNotice::Event(SessionEvent::ConsentGranted(Scopes::default())), Lang::En);
        let mut harness = panel(session);
        harness.run();
        assert!(
            harness.get_by_label("Control").accesskit_node().is_disabled(),
            "no toggle before the user allows control"
        );
        harness.get_by_label("Ask for control").click();
        harness.run();
        let asked =
            |c: &UiCommand| matches!(c, UiCommand::Session(_, SessionRequest::Command(SessionCommand::RequestControl)));
        assert!(harness.state().1.iter().any(asked));
        harness.state_mut().0.apply(SessionNotice::Event(SessionEvent::ControlRequested), Lang::En);
        harness.run();
        harness.get_by_label("Waiting for the user to allow control…");

        harness.state_mut().0.apply(SessionNotice::Event(SessionEvent::ControlGranted), Lang::En);
        harness.run();
        assert!(!harness.get_by_label("Control").accesskit_node().is_disabled());
        harness.get_by_label("Control").click();
        harness.run();
        assert!(harness.state().0.control.on);
        harness.get_by_label("Special keys").click();
        harness.run();
        harness.get_by_label("Send Ctrl+Alt+Del").click();
        harness.run();
        assert_eq!(inputs(&harness.state().1), 6, "three keys down, three up");
        harness.get_by_label("Send my clipboard").click();
        harness.run();
        assert!(harness.state().1.iter().any(|c| matches!(c, UiCommand::Session(_, SessionRequest::SendClipboard))));
        let text = SessionEvent::ClipboardReceived { text: "C:\\Users\\wang".into() };
        harness.state_mut().0.apply(SessionNotice::Event(text), Lang::En);
        harness.run();
        harness.get_by_label("The user sent text from their clipboard (13 characters).");
        harness.get_by_label("Copy to my clipboard");

        // The user takes the scope back: the toggle goes off and is disabled again.
        harness.state_mut().0.apply(SessionNotice::Event(SessionEvent::ControlRevoked), Lang::En);
        harness.run();
        assert!(!harness.state().0.control.on);
        assert!(harness.get_by_label("Control").accesskit_node().is_disabled());
    }

    #[test]
    fn end_session_asks_first() {
        let mut harness = panel(connected());
        harness.get_by_label("End session").click();
        harness.run();
        assert!(!ended(&harness.state().1), "one click does not end the session");
        harness.get_by_label_contains("End the session?");
        harness.get_by_label("Cancel").click();
        harness.run();
        assert!(!ended(&harness.state().1));
        harness.get_by_label("End session").click();
        harness.run();
        harness.get_by_label("Yes, end the session").click();
        harness.run();
        assert!(ended(&harness.state().1), "confirmed: ended");
    }

    #[test]
    fn before_consent_is_asked_for_nothing_says_it_waits_for_it() {
        let mut harness = panel(connected());
        harness.run();
        harness.get_by_label("Not requested yet");
        assert!(harness.query_by_label("Waiting for the user's consent to see the screen").is_none());
        harness.state_mut().0.apply(
            SessionNotice::Event(SessionEvent::ConsentRequested(ConsentRequest {
                engineer_name: "Li Wei".into(),
                team: "Service desk".into(),
                ticket_number: "T-20261123-0007".into(),
                ticket_title: "Printer offline".into(),
                purpose: "Check the queue".into(),
                suggested: Scopes::default(),
            })),
            Lang::En,
        );
        harness.run();
        harness.get_by_label("Waiting for the user's consent to see the screen");
    }

    #[test]
    fn a_burned_code_leaves_no_count_of_attempts_left() {
        let mut session = waiting();
        let wrong = |attempts_left| SessionNotice::PairingFailed {
            source: "127.0.0.2".into(),
            source_attempts: 1,
            source_blocked: false,
            attempts_left,
        };
        session.apply(wrong(1), Lang::En);
        assert_eq!(
            session.problem.as_deref(),
            Some("A wrong code came from 127.0.0.2 (one more wrong attempt burns the code)")
        );
        session.apply(wrong(0), Lang::En);
        session.apply(SessionNotice::CodeBurned, Lang::En);
        let mut harness = panel(session);
        harness.run();
        harness.get_by_label_contains("The code was burned");
        assert!(harness.query_by_label_contains("A wrong code came from").is_none(), "stale line removed");
        harness.get_by_label("127.0.0.2: 1 wrong");
    }

    #[test]
    fn a_guide_search_without_a_match_says_so() {
        let mut harness = panel(connected());
        harness.run();
        assert!(harness.query_by_label("No guide matches").is_none(), "nothing searched yet");
        harness.state_mut().0.guides_listed(Vec::new());
        harness.run();
        harness.get_by_label("No guide matches");
    }

    #[test]
    fn step_texts_are_shown_whole() {
        let long = "Open Settings, then Devices, then Printers and scanners, choose the printer on the \
                    third floor and press Open queue; tell me every document it lists and its status";
        let mut session = connected();
        for (step_id, state) in [(1, StepState::Skipped), (2, StepState::Draft)] {
            session.steps.push(StepRow {
                step_id,
                instruction: long.into(),
                expected: String::new(),
                state,
                from_guide: None,
                history: None,
                pointer: None,
            });
        }
        let mut harness = panel(session);
        harness.run();
        let label = harness.get_by_label(long);
        // The waiting or draft step's text field (labelled by its number), whatever kind it is.
        let edit = harness.query_all_by_label("Step 2 of 2").find(|node| node.value().is_some()).expect("step field");
        assert_eq!(edit.value().as_deref(), Some(long));
        // A text field has a margin of 4 points each side; a label none.
        for (rect, margin) in [(label.rect(), 0.0), (edit.rect(), 8.0)] {
            assert!(rect.right() <= 520.0, "inside the panel: {rect:?}");
            let font = egui::TextStyle::Body.resolve(&harness.ctx.global_style());
            let needed = harness.ctx.fonts_mut(|fonts| {
                fonts.layout(long.to_owned(), font, egui::Color32::WHITE, rect.width() - margin).size().y
            });
            assert!(rect.height() + 1.0 >= needed, "{rect:?} is shorter than the text ({needed})");
        }
    }

    #[test]
    fn the_engineer_picks_another_monitor_from_the_menu_and_waits_for_the_user() {
        use crate::protocol::{MonitorInfo, MonitorList};
        let monitor = |name: &str, x| MonitorInfo { name: name.into(), x, y: 0, width: 1920, height: 1080 };
        let list = MonitorList { monitors: vec![monitor("eDP-1", 0), monitor("HDMI-1", 1920)], shared: 0 };
        let mut session = connected();
        session.apply(SessionNotice::Event(SessionEvent::ConsentGranted(Scopes::default())), Lang::En);
        let mut harness = panel(session);
        harness.run();
        assert!(harness.query_by_label("Monitor ▾").is_none(), "no menu before the user's side announced monitors");
        harness.state_mut().0.apply(SessionNotice::Event(SessionEvent::MonitorsAnnounced(list)), Lang::En);
        harness.run();
        harness.get_by_label("Monitor ▾").click();
        harness.run();
        assert!(
            harness.get_by_label("Monitor 1 (eDP-1, 1920×1080) — shared now").accesskit_node().is_disabled(),
            "the shared monitor is not asked for"
        );
        harness.get_by_label("Monitor 2 (HDMI-1, 1920×1080)").click();
        harness.run();
        let asked = |c: &UiCommand| {
            matches!(c, UiCommand::Session(_, SessionRequest::Command(SessionCommand::RequestMonitor(1))))
        };
        assert!(harness.state().1.iter().any(asked));
        harness.state_mut().0.apply(SessionNotice::Event(SessionEvent::MonitorSwitchRequested { index: 1 }), Lang::En);
        harness.run();
        harness.get_by_label("Waiting for the user to switch monitors…");
        let answer = SessionEvent::MonitorSwitchAnswered { index: 1, accepted: false };
        harness.state_mut().0.apply(SessionNotice::Event(answer), Lang::En);
        harness.run();
        harness.get_by_label("The user kept the current monitor.");
        // Sharing paused: the list is gone until the user's side announces it again.
        harness.state_mut().0.apply(SessionNotice::Event(SessionEvent::SharingPaused), Lang::En);
        harness.run();
        assert!(harness.query_by_label("Monitor ▾").is_none());
    }
}

mod reconnect_tests {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    use super::*;

    fn granted_view() -> RemoteSessionView {
        let mut view = RemoteSessionView::starting();
        let viewer = FrameSlot::default();
        let started = SessionNotice::Started {
            link: "stepwise://127.0.0.1:4433/123456789".into(),
            code: "123 456 789".into(),
            address: "127.0.0.1:4433".into(),
            expires_at_ms: 0,
            viewer,
            relay: false,
        };
        view.apply(started, Lang::En);
        view.apply(SessionNotice::Paired, Lang::En);
        view.apply(SessionNotice::Event(SessionEvent::PeerHello { display_name: "Zhang Min".into() }), Lang::En);
        let scopes = Scopes { view: true, pointers: false, record: false, control: false };
        view.apply(SessionNotice::Event(SessionEvent::ConsentGranted(scopes)), Lang::En);
        view
    }

    fn panel(view: RemoteSessionView) -> Harness<'static, RemoteSessionView> {
        let mut harness = Harness::builder().with_size(egui::vec2(760.0, 900.0)).build_ui_state(
            move |ui, view: &mut RemoteSessionView| {
                let context = PanelContext {
                    ticket_id: crate::model::TicketId(1),
                    ticket_number: "T-20261204-0001",
                    ticket_title: "Printer offline",
                    engineer_name: "Li Wei",
                    team: "Service desk",
                    category: crate::model::Category::Hardware,
                    phrases: &[],
                    glossary: &Default::default(),
                };
                session_panel_ui(ui, &mut ViewContext::new(Lang::En, 0, &mut Vec::new()), &context, Some(view));
            },
            view,
        );
        harness.run_steps(4);
        harness
    }

    #[test]
    fn consent_is_unknown_not_live_while_reconnecting() {
        let scopes = Scopes { view: true, pointers: false, record: false, control: false };
        let live = Text::ConsentGrantedLive.fill(Lang::En, &[&scopes_text(scopes, Lang::En)]);
        let harness = panel(granted_view());
        assert!(harness.query_by_label(&live).is_some(), "granted and connected reads as live");

        let mut view = granted_view();
        view.apply(SessionNotice::Event(SessionEvent::Disconnected), Lang::En);
        let harness = panel(view);
        assert!(harness.query_all_by_label("Reconnecting…").next().is_some());
        harness.get_by_label(Text::ConsentUnknownReconnecting.get(Lang::En));
        assert!(harness.query_by_label(&live).is_none(), "never 'live' next to 'Reconnecting…'");

        let mut view = granted_view();
        view.apply(SessionNotice::Event(SessionEvent::Disconnected), Lang::En);
        assert_eq!(view.consent_text(Lang::Zh), "连接恢复前未知（期间不共享任何内容）");

        // Back: consent reads as it stands again.
        let mut view = granted_view();
        view.apply(SessionNotice::Event(SessionEvent::Disconnected), Lang::En);
        view.apply(SessionNotice::Event(SessionEvent::Reconnected { gap_ms: 12_000 }), Lang::En);
        let harness = panel(view);
        assert!(harness.query_by_label(&live).is_some());
    }

    #[test]
    fn a_still_in_guidance_only_mode_is_never_called_live() {
        let harness = panel(granted_view());
        assert!(harness.query_by_label("Live").is_some());
        let mut view = granted_view();
        let on = SessionEvent::ModeChanged {
            mode: crate::protocol::SessionMode::GuidanceOnly,
            by: crate::protocol::Role::Engineer,
        };
        view.apply(SessionNotice::Event(on), Lang::En);
        let mut harness = panel(view);
        harness.get_by_label("Still picture (guidance only)");
        assert!(harness.query_by_label("Live").is_none());
        // Paused or stopped in guidance-only mode: no still is on show either.
        harness.state_mut().apply(SessionNotice::Event(SessionEvent::SharingPaused), Lang::En);
        harness.run_steps(2);
        assert!(harness.query_all_by_label(Text::ViewerPausedCleared.get(Lang::En)).next().is_some());
        assert!(harness.query_by_label("Still picture (guidance only)").is_none());
        harness.state_mut().apply(SessionNotice::Event(SessionEvent::ConsentRevoked), Lang::En);
        harness.run_steps(2);
        assert!(harness.query_by_label("Still picture (guidance only)").is_none());
    }
}

mod guidance_tests {
    use egui_kittest::Harness;
    use egui_kittest::kittest::{NodeT as _, Queryable};

    use super::panel_tests::{NOW_MS, connected};
    use super::*;

    /// The workspace's guidance-only row for `session`, in `lang`, collecting its commands.
    fn guidance_row(
        session: RemoteSessionView,
        lang: Lang,
        now_ms: i64,
    ) -> Harness<'static, (RemoteSessionView, Vec<UiCommand>)> {
        let system_fonts = |ctx: &egui::Context| {
            ctx.add_font_provider(std::sync::Arc::new(egui_system_font_provider::SystemFontProvider::new()));
        };
        Harness::builder().with_size(egui::vec2(900.0, 300.0)).with_context_setup(system_fonts).build_ui_state(
            move |ui, (session, commands): &mut (RemoteSessionView, Vec<UiCommand>)| {
                let mut cx = ViewContext::new(lang, now_ms, commands);
                super::super::guidance_only::guidance_toolbar_ui(ui, &mut cx, crate::model::TicketId(7), session);
            },
            (session, Vec::new()),
        )
    }

    fn sent(commands: &[UiCommand], wanted: &SessionCommand) -> bool {
        commands
            .iter()
            .any(|c| matches!(c, UiCommand::Session(_, SessionRequest::Command(command)) if command == wanted))
    }

    #[test]
    fn guidance_only_toggle_still_request_and_the_still_age() {
        use crate::protocol::{Role, SessionMode};
        let mut session = connected();
        session.apply(SessionNotice::Event(SessionEvent::ConsentGranted(Scopes::default())), Lang::En);
        let mut harness = guidance_row(session, Lang::En, NOW_MS);
        harness.run();
        harness.get_by_label("Guidance only").click();
        harness.run();
        assert!(sent(&harness.state().1, &SessionCommand::SetMode(SessionMode::GuidanceOnly)));
        let on = SessionEvent::ModeChanged { mode: SessionMode::GuidanceOnly, by: Role::Engineer };
        harness.state_mut().0.apply(SessionNotice::Event(on), Lang::En);
        harness.run();
        harness.get_by_label("Guidance only: no picture yet. Ask for one with “Show me your screen now”.");
        harness.get_by_label("Show me your screen now").click();
        harness.run();
        assert!(sent(&harness.state().1, &SessionCommand::RequestStill));
        harness.state_mut().0.apply(SessionNotice::Event(SessionEvent::StillRequested { still_id: 1 }), Lang::En);
        harness.run_steps(2); // The spinner keeps repainting.
        harness.get_by_label("Waiting for the picture…");
        assert!(harness.get_by_label("Show me your screen now").accesskit_node().is_disabled());
        let taken = SessionEvent::StillTaken { still_id: 1, last_seq: 2, captured_at_ms: NOW_MS - 12_000, keep: false };
        harness.state_mut().0.apply(SessionNotice::Event(taken), Lang::En);
        harness.run_steps(2);
        harness.get_by_label("Picture taken 12 s ago");
        // Paused: no still can be asked for.
        harness.state_mut().0.apply(SessionNotice::Event(SessionEvent::SharingPaused), Lang::En);
        harness.run();
        assert!(harness.get_by_label("Show me your screen now").accesskit_node().is_disabled());
    }

    #[test]
    fn a_slow_link_is_proposed_guidance_only_never_switched() {
        let mut session = connected();
        session.apply(SessionNotice::Event(SessionEvent::ConsentGranted(Scopes::default())), Lang::Zh);
        for second in 0..=11 {
            session.guidance.observe_rate(super::super::guidance_only::RateSample {
                at_ms: NOW_MS - 11_000 + second * 1_000,
                kbps: 64.0,
                skipped_frames: second as u64 * 4,
            });
        }
        let mut harness = guidance_row(session, Lang::Zh, NOW_MS);
        harness.run();
        harness.get_by_label("切换");
        assert!(harness.state().1.is_empty(), "proposed, not switched");
        harness.get_by_label("保持实时").click();
        harness.run();
        assert!(harness.query_by_label("切换").is_none(), "Keep live closes the banner");
        assert!(harness.state().1.is_empty());
        assert_eq!(harness.state().0.guidance.mode, crate::protocol::SessionMode::Live);
    }
}
