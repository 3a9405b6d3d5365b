//! Two peers in memory: the monitor list travels only while the screen is shared, a switch is
//! asked by the engineer and happens only when the user agrees; bad lists end the session.

use super::super::tests::{drain, pump, request};
use super::super::{Session, SessionEvent};
use crate::protocol::EndReason;
use crate::protocol::message::{Message, Role, Scopes};
use crate::protocol::monitors::{MAX_MONITORS, MonitorInfo, MonitorList};
use crate::protocol::reasons::ViolationCode;
use crate::protocol::session::{CommandError, NotNowReason};

fn list(shared: u32) -> MonitorList {
    let monitor = |name: &str, x| MonitorInfo { name: name.into(), x, y: 0, width: 1920, height: 1080 };
    MonitorList { monitors: vec![monitor("eDP-1", 0), monitor("HDMI-1", 1920)], shared }
}

/// Two peers with the screen shared (view scope granted).
fn sharing() -> (Session, Session) {
    let mut engineer = Session::new(Role::Engineer, "Li Wei", 0);
    let mut user = Session::new(Role::User, "Zhang Min", 0);
    pump(&mut engineer, &mut user, 1);
    engineer.request_consent(2, request()).unwrap();
    pump(&mut engineer, &mut user, 2);
    user.grant(3, Scopes::default()).unwrap();
    pump(&mut engineer, &mut user, 3);
    drain(&mut engineer);
    drain(&mut user);
    (engineer, user)
}

#[test]
fn a_switch_is_asked_by_the_engineer_and_confirmed_by_the_user() {
    let (mut engineer, mut user) = sharing();
    user.announce_monitors(list(0)).unwrap();
    pump(&mut engineer, &mut user, 4);
    assert_eq!(drain(&mut engineer), vec![SessionEvent::MonitorsAnnounced(list(0))]);
    assert_eq!(engineer.monitors(), Some(&list(0)));

    engineer.request_monitor(1).unwrap();
    assert_eq!(
        engineer.request_monitor(1),
        Err(CommandError::NotNow(NotNowReason::AlreadyInForce)),
        "one request at a time"
    );
    pump(&mut engineer, &mut user, 5);
    assert_eq!(
        drain(&mut user),
        vec![SessionEvent::MonitorsAnnounced(list(0)), SessionEvent::MonitorSwitchRequested { index: 1 }]
    );
    assert_eq!(user.monitor_switch_requested(), Some(1));
    assert_eq!(user.monitors(), Some(&list(0)), "nothing switches before the user agrees");

    user.answer_monitor_switch(true).unwrap();
    user.announce_monitors(list(1)).unwrap();
    pump(&mut engineer, &mut user, 6);
    assert_eq!(
        drain(&mut user),
        vec![
            SessionEvent::MonitorSwitchAnswered { index: 1, accepted: true },
            SessionEvent::MonitorsAnnounced(list(1))
        ]
    );
    assert_eq!(
        drain(&mut engineer),
        vec![
            SessionEvent::MonitorSwitchRequested { index: 1 },
            SessionEvent::MonitorSwitchAnswered { index: 1, accepted: true },
            SessionEvent::MonitorsAnnounced(list(1))
        ]
    );
    assert_eq!(engineer.monitor_switch_requested(), None);
    assert_eq!(
        engineer.request_monitor(1),
        Err(CommandError::NotNow(NotNowReason::AlreadyInForce)),
        "the shared monitor is not asked for again"
    );
}

#[test]
fn the_user_may_refuse_and_the_engineer_may_ask_again() {
    let (mut engineer, mut user) = sharing();
    user.announce_monitors(list(0)).unwrap();
    pump(&mut engineer, &mut user, 4);
    engineer.request_monitor(1).unwrap();
    pump(&mut engineer, &mut user, 5);
    user.answer_monitor_switch(false).unwrap();
    assert_eq!(user.answer_monitor_switch(false), Err(CommandError::NotNow(NotNowReason::NoRequest)));
    pump(&mut engineer, &mut user, 6);
    assert!(drain(&mut engineer).contains(&SessionEvent::MonitorSwitchAnswered { index: 1, accepted: false }));
    assert_eq!(engineer.monitors(), Some(&list(0)));
    assert_eq!(engineer.request_monitor(1), Ok(()));
    assert!(matches!(engineer.request_monitor(7), Err(CommandError::NotNow(_) | CommandError::Invalid(_))));
}

#[test]
fn nothing_about_monitors_travels_outside_the_view_scope() {
    let mut engineer = Session::new(Role::Engineer, "Li Wei", 0);
    let mut user = Session::new(Role::User, "Zhang Min", 0);
    pump(&mut engineer, &mut user, 1);
    assert_eq!(user.announce_monitors(list(0)), Err(CommandError::NotNow(NotNowReason::ViewNotInForce)));
    assert_eq!(engineer.request_monitor(1), Err(CommandError::NotNow(NotNowReason::ViewNotInForce)));

    let (mut engineer, mut user) = sharing();
    user.announce_monitors(list(0)).unwrap();
    pump(&mut engineer, &mut user, 4);
    engineer.request_monitor(1).unwrap();
    pump(&mut engineer, &mut user, 5);
    user.pause().unwrap();
    pump(&mut engineer, &mut user, 6);
    assert_eq!(user.monitor_switch_requested(), None, "a pause lets the request go");
    assert_eq!(engineer.monitors(), None, "and the list is forgotten until sharing starts again");
    assert_eq!(user.answer_monitor_switch(true), Err(CommandError::NotNow(NotNowReason::NoRequest)));
    // A list that crossed the pause is dropped on arrival.
    engineer.handle_message(7, Message::Monitors(list(0)));
    assert_eq!(engineer.monitors(), None);
    assert!(engineer.ended().is_none());
}

#[test]
fn a_request_that_crossed_a_new_list_is_let_go() {
    let (mut engineer, mut user) = sharing();
    user.announce_monitors(list(0)).unwrap();
    pump(&mut engineer, &mut user, 4);
    user.handle_message(5, Message::MonitorSwitchRequest { index: 0 });
    user.handle_message(5, Message::MonitorSwitchRequest { index: 5 });
    assert_eq!(user.monitor_switch_requested(), None);
    assert!(user.ended().is_none());
    // A stale answer on the engineer's side is ignored too.
    engineer.handle_message(6, Message::MonitorSwitchAnswer { index: 1, accepted: true });
    assert!(!drain(&mut engineer).iter().any(|e| matches!(e, SessionEvent::MonitorSwitchAnswered { .. })));
}

#[test]
fn a_bad_list_or_index_ends_the_session_as_a_violation() {
    let bad_messages = [
        Message::Monitors(MonitorList { monitors: Vec::new(), shared: 0 }),
        Message::Monitors(MonitorList { monitors: vec![list(0).monitors[0].clone(); MAX_MONITORS + 1], shared: 0 }),
        Message::Monitors(MonitorList { shared: 2, ..list(0) }),
        Message::MonitorSwitchAnswer { index: u32::MAX, accepted: true },
    ];
    for message in bad_messages {
        let (mut engineer, _user) = sharing();
        engineer.handle_message(4, message);
        assert!(
            matches!(engineer.ended(), Some(EndReason::ProtocolViolation(v)) if v.code == ViolationCode::OutOfBounds),
            "{:?}",
            engineer.ended()
        );
    }
    let (_engineer, mut user) = sharing();
    user.handle_message(4, Message::MonitorSwitchRequest { index: MAX_MONITORS as u32 });
    assert!(matches!(user.ended(), Some(EndReason::ProtocolViolation(_))));
    // Each side sends only its own messages.
    let (mut engineer, mut user) = sharing();
    engineer.handle_message(4, Message::MonitorSwitchRequest { index: 1 });
    assert!(matches!(engineer.ended(), Some(EndReason::ProtocolViolation(v)) if v.code == ViolationCode::NotAllowed));
    user.handle_message(4, Message::Monitors(list(0)));
    assert!(matches!(user.ended(), Some(EndReason::ProtocolViolation(v)) if v.code == ViolationCode::NotAllowed));
}
