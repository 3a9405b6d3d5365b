//! Remote control through two protocol peers in memory: the engineer's input is applied on the
//! user's side only while the control scope is in force — never before the grant, after a
//! revoke, while paused, held back by the user's own input, cut off or ended — whatever the
//! order of grants, revokes, pauses, take-backs, drops and input in flight.

use crate::pair;

use pair::{Pair, request};
use proptest::prelude::*;
use stepwise::app::transcript::transcript_entry;
use stepwise::protocol::{
    CONTROL_TAKE_BACK_MS, ConsentState, EndReason, InputEvent, MAX_CLIPBOARD_CHARS, Message, Scopes, Session,
    SessionEvent, Violation, ViolationCode,
};
use stepwise::transport::TransportEvent;

const SCREEN: (u32, u32) = (1920, 1080);

/// A pair whose screen is shared with the given scopes (the user announced its screen).
fn shared(control: bool) -> Pair {
    let mut pair = Pair::new(10);
    pair.drive();
    pair.user.announce_screen(SCREEN.0, SCREEN.1).unwrap();
    pair.engineer.request_consent(pair.now_ms, request()).unwrap();
    pair.drive();
    pair.user.grant(pair.now_ms, Scopes { control, ..Scopes::default() }).unwrap();
    pair.drive();
    pair
}

fn applied(pair: &Pair) -> Vec<InputEvent> {
    pair.user_inputs.iter().map(|(_, _, event)| *event).collect()
}

#[test]
fn control_is_asked_for_separately_and_applied_only_once_granted() {
    let mut pair = shared(false);
    let click = InputEvent::Button { button: 1, pressed: true, x: 100, y: 200 };
    assert!(pair.engineer.send_input(pair.now_ms, click).is_err(), "no input before control is granted");
    pair.engineer.request_control().unwrap();
    pair.drive();
    assert!(pair.user.control_requested());
    assert!(pair.user_events.contains(&SessionEvent::ControlRequested));
    pair.user.grant_control().unwrap();
    pair.drive();
    assert!(pair.engineer_events.contains(&SessionEvent::ControlGranted));
    assert!(
        !pair.engineer_events.iter().any(|event| matches!(event, SessionEvent::ScopesChanged(_))),
        "a change of the control scope alone is told as control_granted"
    );
    pair.engineer.send_input(pair.now_ms, click).unwrap();
    pair.drive();
    assert_eq!(applied(&pair), vec![click]);
    // The user revokes while the button is down: the button is let go, nothing else applies.
    pair.user.revoke_control().unwrap();
    pair.collect_user_output();
    assert_eq!(applied(&pair)[1], InputEvent::Button { button: 1, pressed: false, x: 0, y: 0 });
    pair.drive();
    assert!(pair.engineer_events.contains(&SessionEvent::ControlRevoked));
    assert!(pair.engineer.send_input(pair.now_ms, click).is_err());
    let counted =
        pair.engineer_events.iter().any(|event| matches!(event, SessionEvent::ControlInputCounted { count: 1, .. }));
    assert!(counted, "the engineer's side counts input per minute: {:?}", pair.engineer_events);
}

#[test]
fn the_users_own_input_holds_the_engineer_back_for_two_seconds() {
    let mut pair = shared(true);
    let key = |keysym| InputEvent::Key { keysym, pressed: true };
    pair.engineer.send_input(pair.now_ms, key(0x61)).unwrap();
    pair.drive();
    pair.user.take_back_control(pair.now_ms).unwrap();
    pair.collect_user_output();
    // The key the engineer held is released at once.
    assert_eq!(applied(&pair), vec![key(0x61), InputEvent::Key { keysym: 0x61, pressed: false }]);
    pair.drive();
    assert!(pair.engineer_events.contains(&SessionEvent::ControlTakenBack));
    assert!(pair.engineer.send_input(pair.now_ms, key(0x62)).is_err(), "the engineer's side holds back too");
    pair.advance(CONTROL_TAKE_BACK_MS + 10);
    pair.engineer.send_input(pair.now_ms, key(0x63)).unwrap();
    pair.drive();
    assert_eq!(applied(&pair).last(), Some(&key(0x63)), "control returns after two quiet seconds");
    assert_eq!(pair.user_events.iter().filter(|event| **event == SessionEvent::ControlTakenBack).count(), 1);
}

#[test]
fn input_out_of_order_or_off_the_screen_is_refused() {
    let mut pair = shared(true);
    pair.user.handle_message(pair.now_ms, Message::Input { seq: 5, event: InputEvent::PointerMove { x: 5_000, y: 1 } });
    pair.collect_user_output();
    assert!(applied(&pair).is_empty(), "a pixel off the announced screen is dropped");
    assert_eq!(pair.user.inputs_dropped(), 1);
    pair.user.handle_message(pair.now_ms, Message::Input { seq: 5, event: InputEvent::PointerMove { x: 1, y: 1 } });
    let why = match pair.user.ended() {
        Some(EndReason::ProtocolViolation(Violation { code, .. })) => *code,
        other => panic!("a repeated sequence number ends the session, not {other:?}"),
    };
    assert_eq!(why, ViolationCode::OutOfBounds);
}

#[test]
fn clipboard_text_goes_both_ways_only_under_control_and_is_limited() {
    let mut pair = shared(false);
    assert!(pair.engineer.send_clipboard("ipconfig /all".into()).is_err(), "not before control");
    pair.user.grant_control().unwrap();
    pair.drive();
    pair.engineer.send_clipboard("ipconfig /all".into()).unwrap();
    pair.user.send_clipboard("错误代码 0x80070005".into()).unwrap();
    pair.drive();
    assert!(pair.user_events.contains(&SessionEvent::ClipboardReceived { text: "ipconfig /all".into() }));
    assert!(pair.engineer_events.contains(&SessionEvent::ClipboardReceived { text: "错误代码 0x80070005".into() }));
    let too_long = "x".repeat(MAX_CLIPBOARD_CHARS + 1);
    assert!(pair.engineer.send_clipboard(too_long).is_err(), "size-limited");
    // What is recorded is who sent how much, never the text.
    let recorded: Vec<String> = pair
        .engineer_events
        .iter()
        .filter_map(|event| transcript_entry(&TransportEvent::Session(event.clone())))
        .map(|entry| serde_json::to_string(&entry.event.to_stored()).unwrap())
        .collect();
    assert!(recorded.iter().any(|row| row.contains("clipboard_shared") && row.contains("\"chars\":13")));
    assert!(!recorded.iter().any(|row| row.contains("ipconfig") || row.contains("0x80070005")), "{recorded:?}");
    pair.user.revoke_control().unwrap();
    assert!(pair.user.send_clipboard("after".into()).is_err(), "not after the revoke");
}

#[derive(Clone, Debug)]
enum Step {
    Request,
    Grant { view: bool, control: bool },
    Pause,
    Resume,
    Revoke,
    RequestControl,
    GrantControl,
    DeclineControl,
    RevokeControl,
    TakeBack,
    Input { press: bool },
    Transmit,
    Drive,
    Disconnect,
    Reconnect,
    Wait(i64),
    End,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => Just(Step::Request),
        2 => (prop::bool::weighted(0.8), any::<bool>()).prop_map(|(view, control)| Step::Grant { view, control }),
        2 => Just(Step::Pause),
        2 => Just(Step::Resume),
        1 => Just(Step::Revoke),
        2 => Just(Step::RequestControl),
        3 => Just(Step::GrantControl),
        1 => Just(Step::DeclineControl),
        2 => Just(Step::RevokeControl),
        2 => Just(Step::TakeBack),
        8 => any::<bool>().prop_map(|press| Step::Input { press }),
        4 => Just(Step::Transmit),
        4 => Just(Step::Drive),
        1 => Just(Step::Disconnect),
        2 => Just(Step::Reconnect),
        2 => (0i64..4_000).prop_map(Step::Wait),
        1 => Just(Step::End),
    ]
}

/// The user's record of control, rebuilt from the events its side raised: a model of the gate
/// that does not ask the gate.
#[derive(Debug, Default)]
struct UserGate {
    view: bool,
    control: bool,
    paused: bool,
    disconnected: bool,
    ended: bool,
}

impl UserGate {
    fn apply(&mut self, event: &SessionEvent) {
        match event {
            SessionEvent::ConsentGranted(scopes) => {
                (self.view, self.control, self.paused) = (scopes.view, scopes.control, false);
            }
            SessionEvent::ScopesChanged(scopes) => (self.view, self.control) = (scopes.view, scopes.control),
            SessionEvent::ControlGranted => self.control = true,
            SessionEvent::ControlRevoked => self.control = false,
            SessionEvent::SharingPaused => self.paused = true,
            SessionEvent::SharingResumed => self.paused = false,
            SessionEvent::ConsentRevoked | SessionEvent::ConsentRequested(_) | SessionEvent::ConsentDenied { .. } => {
                (self.view, self.control) = (false, false);
            }
            SessionEvent::Disconnected => self.disconnected = true,
            SessionEvent::Reconnected { .. } => self.disconnected = false,
            SessionEvent::Ended { .. } => self.ended = true,
            _ => {}
        }
    }

    fn open(&self) -> bool {
        self.view && self.control && !self.paused && !self.disconnected && !self.ended
    }
}

fn control_granted_now(user: &Session) -> bool {
    user.ended().is_none()
        && user.is_connected()
        && user.held().is_none()
        && matches!(user.consent(), ConsentState::Granted { scopes, paused: false } if scopes.view && scopes.control)
}

fn is_release(event: &InputEvent) -> bool {
    matches!(event, InputEvent::Key { pressed: false, .. } | InputEvent::Button { pressed: false, .. })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever the order, input is applied on the user's side only while the user's own record
    /// says control is in force and the user has not used their own mouse or keyboard in the
    /// last two seconds; what is applied is what the engineer sent, once, in order; outside
    /// control only releases of what is still held down come out.
    #[test]
    fn input_applies_only_under_the_control_scope(
        steps in proptest::collection::vec(step(), 1..80),
        latency in 0i64..150,
        start_shared in prop::bool::weighted(0.8),
    ) {
        let mut pair = Pair::new(latency);
        pair.drive();
        pair.user.announce_screen(SCREEN.0, SCREEN.1).unwrap();
        if start_shared {
            pair.engineer.request_consent(pair.now_ms, request()).unwrap();
            pair.drive();
            pair.user.grant(pair.now_ms, Scopes { control: true, ..Scopes::default() }).unwrap();
            pair.drive();
        }
        let mut sent = Vec::new();
        let mut next_x = 0u32;
        // When the user used their own input while control was in force: unix ms, and how much
        // input had been applied by then.
        let mut taken_back_at: Vec<(i64, usize)> = Vec::new();
        for step in steps {
            match step {
                Step::Request => { let _ = pair.engineer.request_consent(pair.now_ms, request()); }
                Step::Grant { view, control } => {
                    let _ = pair.user.grant(pair.now_ms, Scopes { view, control, ..Scopes::default() });
                }
                Step::Pause => { let _ = pair.user.pause(); }
                Step::Resume => { let _ = pair.user.resume(); }
                Step::Revoke => { let _ = pair.user.revoke(); }
                Step::RequestControl => { let _ = pair.engineer.request_control(); }
                Step::GrantControl => { let _ = pair.user.grant_control(); }
                Step::DeclineControl => { let _ = pair.user.decline_control(); }
                Step::RevokeControl => { let _ = pair.user.revoke_control(); }
                Step::TakeBack => {
                    if control_granted_now(&pair.user) {
                        taken_back_at.push((pair.now_ms, pair.user_inputs.len()));
                    }
                    let _ = pair.user.take_back_control(pair.now_ms);
                }
                Step::Input { press } => {
                    next_x = (next_x + 1) % SCREEN.0;
                    let event = if press {
                        InputEvent::Button { button: 1, pressed: true, x: next_x, y: 7 }
                    } else {
                        InputEvent::PointerMove { x: next_x, y: 7 }
                    };
                    if pair.engineer.send_input(pair.now_ms, event).is_ok() {
                        sent.push(event);
                    }
                }
                Step::Transmit => { pair.transmit(); }
                Step::Drive => pair.drive(),
                Step::Disconnect => pair.cut_link(),
                Step::Reconnect => pair.restore_link(),
                Step::Wait(ms) => pair.advance(ms),
                Step::End => { let _ = pair.user.end(); }
            }
            pair.collect_user_output();
            let mut position = 0;
            let mut held = std::collections::BTreeSet::new();
            for (index, (at_ms, events_before, event)) in pair.user_inputs.iter().enumerate() {
                if is_release(event) {
                    if let InputEvent::Button { button, .. } = event {
                        prop_assert!(held.remove(button), "a release of button {} that was not held", button);
                    }
                    // A release the engineer sent is in the sent list too; one of the gate is not.
                    if sent.get(position) == Some(event) { position += 1; }
                    continue;
                }
                let mut gate = UserGate::default();
                pair.user_events[..*events_before].iter().for_each(|e| gate.apply(e));
                prop_assert!(gate.open(), "{:?} applied at {} while the user saw {:?}", event, at_ms, gate);
                let quiet = !taken_back_at.iter().any(|(at, after)| *after <= index && *at_ms < at + CONTROL_TAKE_BACK_MS);
                prop_assert!(quiet, "{:?} applied at {} within 2 s of the user's own input", event, at_ms);
                // In order, once each: the applied input is a subsequence of what was sent.
                let found = sent[position..].iter().position(|candidate| candidate == event);
                prop_assert!(found.is_some(), "{:?} was applied but not sent (or applied twice)", event);
                position += found.unwrap_or(0) + 1;
                if let InputEvent::Button { button, pressed: true, .. } = event {
                    held.insert(*button);
                }
            }
        }
        // Requests, grants, revokes, take-backs and input crossing each other are no one's fault.
        for side in [&pair.user, &pair.engineer] {
            let broke = matches!(side.ended(), Some(EndReason::ProtocolViolation(_)));
            prop_assert!(!broke, "{:?} ended the session: {:?}", side.role(), side.ended());
        }
    }
}
