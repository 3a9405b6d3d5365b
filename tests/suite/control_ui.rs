//! Remote control in the windows, through the accessibility tree: the consent screen offers the
//! fourth scope unticked (whatever the engineer suggests), the control request is answered in
//! the window and on the bar, the bar says who controls the computer and takes control back
//! (naming the hotkey), in English and Chinese.

use crate::support;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use stepwise::protocol::{ConsentRequest, Scopes, SessionCommand, SessionEvent};
use stepwise::ui::{AssistCommand, AssistNotice, AssistView, Lang, Text};

fn request(suggested: Scopes) -> ConsentRequest {
    ConsentRequest {
        engineer_name: "Li Wei".into(),
        team: "Service desk".into(),
        ticket_number: "T-20261205-0003".into(),
        ticket_title: "Printer shows offline".into(),
        purpose: "Fix the printer settings with you".into(),
        suggested,
    }
}

fn asked(lang: Lang, suggested: Scopes) -> Harness<'static, AssistView> {
    let mut view = AssistView::new(lang, None);
    view.apply(AssistNotice::Paired);
    view.apply(AssistNotice::Event(SessionEvent::PeerHello { display_name: "Li Wei".into() }));
    view.apply(AssistNotice::Event(SessionEvent::ConsentRequested(request(suggested))));
    support::assist_harness(view)
}

fn grants(commands: Vec<AssistCommand>) -> Vec<Scopes> {
    commands
        .into_iter()
        .filter_map(|command| match command {
            AssistCommand::Session(SessionCommand::Grant(scopes)) => Some(scopes),
            _ => None,
        })
        .collect()
}

#[test]
fn the_consent_screen_offers_control_unticked_even_when_the_engineer_suggests_it() {
    let control = Text::ScopeControl.get(Lang::En);
    let mut harness = asked(Lang::En, Scopes { control: true, ..Scopes::default() });
    harness.get_by_label(control);
    harness.get_by_role_and_label(Role::Button, "Allow").click();
    harness.run();
    let granted = grants(harness.state_mut().take_commands());
    assert_eq!(granted, vec![Scopes::default()], "control is never pre-ticked");

    let mut harness = asked(Lang::En, Scopes::default());
    harness.get_by_label(control).click();
    harness.run();
    harness.get_by_role_and_label(Role::Button, "Allow").click();
    harness.run();
    let granted = grants(harness.state_mut().take_commands());
    assert_eq!(granted, vec![Scopes { control: true, ..Scopes::default() }], "ticked by the user, it is granted");
}

#[test]
fn the_bar_answers_the_request_says_who_controls_and_takes_control_back() {
    for lang in [Lang::En, Lang::Zh] {
        let mut harness = asked(lang, Scopes::default());
        harness.state_mut().apply(AssistNotice::Event(SessionEvent::ConsentGranted(Scopes::default())));
        harness.state_mut().apply(AssistNotice::Event(SessionEvent::ControlRequested));
        harness.run();
        let allow = Text::AllowControl.get(lang);
        // Both the window and the always-on-top bar offer the answer.
        assert_eq!(harness.query_all_by_label(allow).count(), 2, "{lang:?}");
        harness.query_all_by_label(allow).next().unwrap().click();
        harness.run();
        assert!(harness.state_mut().take_commands().contains(&AssistCommand::Session(SessionCommand::GrantControl)));

        harness.state_mut().apply(AssistNotice::Event(SessionEvent::ControlGranted));
        harness.run();
        assert!(harness.query_all_by_label(allow).next().is_none(), "answered: the question goes");
        let controlling = Text::ControlActiveBar.get(lang);
        assert!(harness.query_all_by_label(controlling).count() >= 1, "{lang:?}: the bar says so");
        let take_back = Text::TakeBackControl.fill(lang, &["Ctrl+Alt+Esc"]);
        harness.query_all_by_label(Text::SendMyClipboard.get(lang)).next().expect("send my clipboard").click();
        harness.run();
        assert!(harness.state_mut().take_commands().contains(&AssistCommand::SendClipboard), "only on a click");
        harness.query_all_by_label(&take_back).next().expect("the take-back button names the hotkey").click();
        harness.run();
        assert!(harness.state_mut().take_commands().contains(&AssistCommand::Session(SessionCommand::RevokeControl)));

        harness.state_mut().apply(AssistNotice::Event(SessionEvent::ControlRevoked));
        harness.run();
        assert!(harness.query_all_by_label(controlling).next().is_none(), "{lang:?}: control is over");
    }
}
