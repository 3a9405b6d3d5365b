//! Monitor choice in the user's Get-help window, through the accessibility tree: the engineer's
//! request is a clear question naming the monitor, in English and Chinese; nothing is switched
//! until the user answers, and either answer is sent as such.

use crate::support;

use egui_kittest::kittest::Queryable;
use stepwise::protocol::{ConsentRequest, MonitorInfo, MonitorList, Scopes, SessionCommand, SessionEvent};
use stepwise::ui::{AssistCommand, AssistNotice, AssistView, Lang, Text};

fn request() -> ConsentRequest {
    ConsentRequest {
        engineer_name: "Li Wei".into(),
        team: "Service desk".into(),
        ticket_number: "T-20261205-0004".into(),
        ticket_title: "The second screen stays black".into(),
        purpose: "Look at your second monitor".into(),
        suggested: Scopes::default(),
    }
}

fn monitors() -> MonitorList {
    let monitor = |name: &str, x| MonitorInfo { name: name.into(), x, y: 0, width: 2560, height: 1440 };
    MonitorList { monitors: vec![monitor("eDP-1", 0), monitor("DP-2", 2560)], shared: 0 }
}

fn answers(commands: Vec<AssistCommand>) -> Vec<bool> {
    commands
        .into_iter()
        .filter_map(|command| match command {
            AssistCommand::Session(SessionCommand::AnswerMonitorSwitch { accepted }) => Some(accepted),
            _ => None,
        })
        .collect()
}

#[test]
fn the_user_confirms_or_refuses_the_engineers_monitor_request() {
    for (lang, accept) in [(Lang::En, true), (Lang::Zh, false), (Lang::Zh, true), (Lang::En, false)] {
        let mut view = AssistView::new(lang, None);
        view.apply(AssistNotice::Paired);
        view.apply(AssistNotice::Event(SessionEvent::PeerHello { display_name: "Li Wei".into() }));
        view.apply(AssistNotice::Event(SessionEvent::ConsentRequested(request())));
        view.apply(AssistNotice::Event(SessionEvent::ConsentGranted(Scopes::default())));
        view.apply(AssistNotice::Event(SessionEvent::MonitorsAnnounced(monitors())));
        let mut harness = support::assist_harness(view);
        harness.run();
        let switch = Text::SwitchMonitor.get(lang);
        assert!(harness.query_by_label(switch).is_none(), "{lang:?}: no question before the engineer asks");

        harness.state_mut().apply(AssistNotice::Event(SessionEvent::MonitorSwitchRequested { index: 1 }));
        harness.run();
        let asked = Text::MonitorEntry.fill(lang, &["2", "DP-2, 2560×1440"]);
        let title = Text::MonitorRequestTitle.fill(lang, &[&asked]);
        assert_eq!(harness.query_all_by_label(&title).count(), 2, "{lang:?}: in the window and on the bar");
        harness.get_by_label(Text::MonitorRequestHint.get(lang));
        assert!(answers(harness.state_mut().take_commands()).is_empty(), "{lang:?}: never automatic");
        let button = if accept { switch } else { Text::KeepMonitor.get(lang) };
        harness.get_by_label(button).click();
        harness.run();
        assert_eq!(answers(harness.state_mut().take_commands()), vec![accept], "{lang:?}");

        let answered = SessionEvent::MonitorSwitchAnswered { index: 1, accepted: accept };
        harness.state_mut().apply(AssistNotice::Event(answered));
        harness.run();
        assert!(harness.query_by_label(switch).is_none(), "{lang:?}: answered, the question goes");
    }
}
