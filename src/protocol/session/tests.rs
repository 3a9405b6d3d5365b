//! Unit tests of the session's own outputs: received screen updates apart from the events, and
//! typed reasons for refused input.

use super::*;
use crate::protocol::message::{ConsentRequest, Decision, MAX_NAME_CHARS, Scopes};
use crate::protocol::validation::{TextField, ValidationError};

fn hello_from(role: Role, display_name: &str) -> Message {
    Message::Hello { protocol_version: PROTOCOL_VERSION, role, display_name: display_name.into() }
}

/// Delivers every queued message both ways at `now_ms`.
pub(super) fn pump(engineer: &mut Session, user: &mut Session, now_ms: i64) {
    loop {
        let mut moved = false;
        while let Some(message) = engineer.poll_transmit(now_ms) {
            user.handle_message(now_ms, message);
            moved = true;
        }
        while let Some(message) = user.poll_transmit(now_ms) {
            engineer.handle_message(now_ms, message);
            moved = true;
        }
        if !moved {
            return;
        }
    }
}

/// Every event the session has queued.
pub(super) fn drain(session: &mut Session) -> Vec<SessionEvent> {
    std::iter::from_fn(|| session.poll_event()).collect()
}

/// A consent request for the view.
pub(super) fn request() -> ConsentRequest {
    ConsentRequest {
        engineer_name: "Li Wei".into(),
        team: "Desk".into(),
        ticket_number: "T-1".into(),
        ticket_title: "Printer".into(),
        purpose: "Look".into(),
        suggested: Scopes::default(),
    }
}

/// An engineer's session whose user said hello and allowed the view.
fn engineer_seeing_the_screen() -> Session {
    let mut engineer = Session::new(Role::Engineer, "Li Wei", 0);
    engineer.handle_message(1, hello_from(Role::User, "Zhang Min"));
    engineer.request_consent(2, request()).unwrap();
    engineer.handle_message(3, Message::ConsentDecision(Decision::Granted(Scopes::default())));
    assert!(engineer.screen_allowed());
    while engineer.poll_event().is_some() {}
    engineer
}

#[test]
fn received_frames_come_apart_from_the_events() {
    let mut engineer = engineer_seeing_the_screen();
    engineer.handle_frame(4, 1, vec![7; 1_000]);
    engineer.handle_frame(5, 2, vec![8; 10]);
    assert_eq!(engineer.poll_event(), None, "an update is not an event");
    assert_eq!(engineer.poll_received_frame(), Some(ReceivedFrame { seq: 1, data: vec![7; 1_000] }));
    assert_eq!(engineer.poll_received_frame(), Some(ReceivedFrame { seq: 2, data: vec![8; 10] }));
    assert_eq!(engineer.poll_received_frame(), None);
    assert_eq!(engineer.frames_dropped(), 0);
}

#[test]
fn an_update_waiting_when_the_view_ends_is_never_handed_out() {
    let mut engineer = engineer_seeing_the_screen();
    engineer.handle_frame(4, 1, vec![1]);
    // Paused and resumed before the app looked: the update from before the pause stays unseen.
    engineer.handle_message(5, Message::Pause);
    engineer.handle_message(6, Message::Resume);
    assert!(engineer.screen_allowed());
    assert_eq!(engineer.poll_received_frame(), None);
    // Outside consent an update is dropped on arrival and counted.
    engineer.handle_message(7, Message::Revoke);
    engineer.handle_frame(8, 2, vec![2]);
    assert_eq!(engineer.frames_dropped(), 1);
    assert_eq!(engineer.poll_received_frame(), None);
}

#[test]
fn screen_data_the_peer_may_not_send_breaks_the_rules() {
    let mut engineer = Session::new(Role::Engineer, "Li Wei", 0);
    engineer.handle_frame(1, 1, vec![1]);
    let Some(EndReason::ProtocolViolation(violation)) = engineer.ended() else { panic!("{:?}", engineer.ended()) };
    assert_eq!(violation.code, ViolationCode::BeforeHello, "nothing before the hello, updates included");

    let mut user = Session::new(Role::User, "Zhang Min", 0);
    user.handle_message(1, hello_from(Role::Engineer, "Li Wei"));
    user.handle_frame(2, 1, vec![1]);
    let Some(EndReason::ProtocolViolation(violation)) = user.ended() else { panic!("{:?}", user.ended()) };
    assert_eq!(
        violation,
        &Violation::with_detail(ViolationCode::NotAllowed, "screen data is not allowed from this peer")
    );
    assert_eq!(user.poll_received_frame(), None);
}

#[test]
fn refused_input_carries_a_typed_reason_with_the_same_text() {
    let mut user = Session::new(Role::User, "Zhang Min", 0);
    let empty = user.send_chat(1, "   ").unwrap_err();
    assert_eq!(empty, CommandError::Invalid(ValidationError::EmptyChatLine));
    assert_eq!(empty.to_string(), "the message is empty");
    let huge = user.announce_screen(0, 1080).unwrap_err();
    assert_eq!(huge, CommandError::Invalid(ValidationError::ImplausibleScreen { width: 0, height: 1080 }));

    let mut engineer = Session::new(Role::Engineer, "Li Wei", 0);
    let long_name = "名".repeat(MAX_NAME_CHARS + 1);
    engineer.handle_message(1, hello_from(Role::User, &long_name));
    let Some(EndReason::ProtocolViolation(violation)) = engineer.ended() else { panic!("{:?}", engineer.ended()) };
    assert_eq!(violation.code, ViolationCode::OutOfBounds);
    let expected = ValidationError::TooLong { field: TextField::DisplayName, chars: 121, max_chars: MAX_NAME_CHARS };
    assert_eq!(violation.detail.as_deref(), Some(expected.to_string().as_str()));
    assert_eq!(expected.to_string(), "display name is 121 characters (at most 120)");
}

#[test]
fn a_command_refused_for_now_says_why_as_a_code() {
    let mut user = Session::new(Role::User, "Zhang Min", 0);
    let refused = user.pause().unwrap_err();
    assert_eq!(refused, CommandError::NotNow(NotNowReason::ConsentNotInForce));
    assert_eq!(refused.to_string(), "not possible now: consent is not in force");
    let mut engineer = engineer_seeing_the_screen();
    engineer.handle_message(4, Message::Revoke);
    engineer.request_consent(5, request()).unwrap();
    engineer.handle_message(6, Message::ConsentDecision(Decision::Denied { dont_ask_again: false }));
    let too_soon = engineer.request_consent(7, request()).unwrap_err();
    assert_eq!(too_soon, CommandError::NotNow(NotNowReason::AskedTooSoon));
    assert_eq!(too_soon.to_string(), "not possible now: the user said no less than 30 seconds ago");
}

#[test]
fn each_side_hears_the_path_the_other_takes_and_a_flood_of_them_breaks_the_rules() {
    use crate::protocol::LinkPath;
    let mut engineer = Session::new(Role::Engineer, "Li Wei", 0);
    let mut user = Session::new(Role::User, "Zhang Min", 0);
    pump(&mut engineer, &mut user, 1);
    drain(&mut engineer);
    drain(&mut user);
    user.handle_command(2, SessionCommand::TellPath(LinkPath::Relayed)).unwrap();
    engineer.handle_command(2, SessionCommand::TellPath(LinkPath::Direct)).unwrap();
    pump(&mut engineer, &mut user, 2);
    assert_eq!(drain(&mut engineer), [SessionEvent::PeerPath(LinkPath::Relayed)]);
    assert_eq!(drain(&mut user), [SessionEvent::PeerPath(LinkPath::Direct)]);

    // A peer that keeps announcing paths is held to the same limit as other state changes.
    for _ in 0..10_000 {
        engineer.handle_message(3, Message::PathInUse(LinkPath::Direct));
        if engineer.ended().is_some() {
            break;
        }
    }
    assert!(
        matches!(engineer.ended(), Some(EndReason::ProtocolViolation(violation)) if violation.code == ViolationCode::OverLimit),
        "{:?}",
        engineer.ended()
    );
}

#[test]
fn direct_candidates_reach_the_peer_and_too_many_are_refused_on_both_ends() {
    use crate::protocol::PunchCandidates;
    use crate::protocol::punch::MAX_PUNCH_CANDIDATES;
    let mut engineer = Session::new(Role::Engineer, "Li Wei", 0);
    let mut user = Session::new(Role::User, "Zhang Min", 0);
    pump(&mut engineer, &mut user, 1);
    drain(&mut engineer);
    drain(&mut user);
    let told = PunchCandidates { addresses: vec!["192.0.2.7:40000".parse().unwrap()], token: [7; 16] };
    user.handle_command(2, SessionCommand::TellCandidates(told.clone())).unwrap();
    pump(&mut engineer, &mut user, 2);
    assert_eq!(drain(&mut engineer), [SessionEvent::PeerCandidates(told)]);

    // This side refuses to send too many; a peer that sends them breaks the rules.
    let too_many = PunchCandidates {
        addresses: (0..=MAX_PUNCH_CANDIDATES as u16).map(|port| ([192, 0, 2, 7], 40000 + port).into()).collect(),
        token: [7; 16],
    };
    assert!(user.handle_command(3, SessionCommand::TellCandidates(too_many.clone())).is_err());
    assert!(user.poll_transmit(3).is_none());
    engineer.handle_message(3, Message::Candidates(too_many));
    assert!(matches!(engineer.ended(), Some(EndReason::ProtocolViolation(_))), "{:?}", engineer.ended());
}
