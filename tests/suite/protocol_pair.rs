//! Two protocol peers driven against each other in memory on a simulated clock (the quinn
//! `Pair` idea): consent rules, step by step and in randomised orders, and the invariant that
//! screen data flows only while consent with the view scope is in force.

use crate::pair;
use pair::{Pair, request};
use proptest::prelude::*;
use stepwise::protocol::{
    Annotation, AnnotationColor, CommandError, ConsentState, EndReason, Message, ReceivedFrame, RemotePixel, Role,
    Scopes, Session, SessionEvent, Shape, StepCard, StepOutcome, encode_frame,
    session::{HEARTBEAT_INTERVAL_MS, LinkTiming, RECONNECT_WINDOW_MS},
};

#[test]
fn hello_then_consent_then_frames() {
    let mut pair = Pair::new(20);
    pair.drive();
    assert_eq!(pair.engineer.peer_name(), Some("王丽"));
    assert_eq!(pair.user.peer_name(), Some("陈伟"));
    assert!(pair.user.send_frame(0, vec![1]).is_err(), "no pixel before consent");
    pair.engineer.request_consent(pair.now_ms, request()).unwrap();
    pair.drive();
    assert!(matches!(pair.user.consent(), ConsentState::Requested(r) if r.ticket_number == "T-20261125-0001"));
    pair.user.grant(pair.now_ms, Scopes { view: true, pointers: false, record: false, control: false }).unwrap();
    pair.drive();
    assert!(matches!(pair.engineer.consent(), ConsentState::Granted { scopes, paused: false } if !scopes.pointers));
    assert!(pair.user.screen_allowed() && !pair.user.pointers_allowed());
    pair.user.send_frame(1, vec![1, 2, 3]).unwrap();
    pair.drive();
    assert_eq!(pair.frames_received(), 1);
}

#[test]
fn deny_pause_resume_revoke_and_end() {
    let mut pair = Pair::new(5);
    pair.drive();
    pair.engineer.request_consent(pair.now_ms, request()).unwrap();
    pair.drive();
    pair.user.deny(pair.now_ms, false).unwrap();
    pair.drive();
    assert_eq!(pair.engineer.consent(), &ConsentState::Denied);
    pair.advance(stepwise::protocol::CONSENT_RETRY_WAIT_MS);
    pair.engineer.request_consent(pair.now_ms, request()).unwrap();
    pair.drive();
    pair.user.grant(pair.now_ms, Scopes::default()).unwrap();
    pair.drive();
    pair.user.pause().unwrap();
    assert!(!pair.user.screen_allowed(), "pause stops capture at once, before the engineer knows");
    assert!(pair.user.send_frame(1, vec![]).is_err());
    pair.drive();
    assert!(pair.engineer_events.contains(&SessionEvent::SharingPaused));
    pair.user.resume().unwrap();
    pair.user.change_scopes(Scopes { view: true, pointers: false, record: true, control: false }).unwrap();
    pair.drive();
    assert!(pair.engineer_events.contains(&SessionEvent::ScopesChanged(Scopes {
        view: true,
        pointers: false,
        record: true,
        control: false
    })));
    pair.user.revoke().unwrap();
    pair.drive();
    assert_eq!(pair.engineer.consent(), &ConsentState::Revoked);
    let chat_id = pair.engineer.send_chat(pair.now_ms, "谢谢，问题已解决").unwrap();
    pair.drive();
    assert!(
        pair.user_events
            .iter()
            .any(|e| matches!(e, SessionEvent::Chat { id, from: Role::Engineer, .. } if *id == chat_id))
    );
    pair.engineer.end().unwrap();
    pair.drive();
    assert_eq!(pair.user.ended(), Some(&EndReason::EngineerEnded));
    assert!(pair.user_events.iter().any(|e| matches!(e, SessionEvent::Ended { by_peer: true, .. })));
}

#[test]
fn engineer_drops_frames_outside_consent() {
    let mut engineer = Session::new(Role::Engineer, "e", 0);
    engineer.handle_message(1, Message::Hello { protocol_version: 1, role: Role::User, display_name: "u".into() });
    engineer.handle_frame(2, 1, vec![0; 10]);
    assert_eq!(engineer.frames_dropped(), 1);
    assert_eq!(engineer.poll_received_frame(), None);
    // The same on the control stream, where a peer could put one.
    engineer.handle_message(3, Message::Frame { seq: 2, data: vec![0; 10] });
    assert_eq!(engineer.frames_dropped(), 2);
    assert_eq!(engineer.poll_received_frame(), None);
    assert_eq!(engineer.ended(), None, "dropped, not a violation");
}

#[test]
fn only_the_user_decides_and_out_of_place_messages_end_the_session() {
    let mut pair = Pair::new(1);
    pair.drive();
    assert!(pair.engineer.grant(pair.now_ms, Scopes::default()).is_err());
    assert!(pair.user.request_consent(pair.now_ms, request()).is_err());
    // A decision nobody asked for is a violation.
    pair.engineer.handle_message(
        pair.now_ms,
        Message::ConsentDecision(stepwise::protocol::Decision::Granted(Scopes::default())),
    );
    assert!(matches!(pair.engineer.ended(), Some(EndReason::ProtocolViolation(_))));
    pair.drive();
    assert!(matches!(pair.user.ended(), Some(EndReason::ProtocolViolation(_))), "the peer is told why");
}

#[test]
fn oversized_text_is_a_violation() {
    let mut user = Session::new(Role::User, "u", 0);
    user.handle_message(
        0,
        Message::Hello { protocol_version: 1, role: Role::Engineer, display_name: "x".repeat(5_000) },
    );
    assert!(
        matches!(user.ended(), Some(EndReason::ProtocolViolation(why)) if why.to_string().contains("display name"))
    );
}

#[test]
fn heartbeats_keep_it_alive_and_silence_is_a_drop_on_both_sides() {
    let mut pair = Pair::new(10);
    pair.drive();
    pair.advance(120_000);
    assert!(pair.engineer.ended().is_none(), "heartbeats keep the session");
    assert!(pair.engineer.is_connected() && pair.user.is_connected());
    assert!(!pair.engineer_events.contains(&SessionEvent::Disconnected), "no false drop while heartbeats flow");
    let silence_limit_ms = LinkTiming::default().silence_limit_ms();
    assert_eq!(silence_limit_ms, 2 * HEARTBEAT_INTERVAL_MS, "two missed heartbeats");
    pair.link_up = false;
    pair.advance(silence_limit_ms);
    assert!(!pair.engineer.is_connected() && !pair.user.is_connected(), "both notice within two heartbeats");
    assert!(pair.engineer.ended().is_none(), "a drop is not an end: the reconnect window runs");
    pair.advance(RECONNECT_WINDOW_MS);
    assert_eq!(pair.engineer.ended(), Some(&EndReason::ReconnectWindowExpired));
    assert_eq!(pair.user.ended(), Some(&EndReason::ReconnectWindowExpired));
}

#[test]
fn disconnect_stops_frames_and_reconnect_keeps_consent_in_force() {
    let mut pair = Pair::new(5);
    pair.drive();
    pair.engineer.request_consent(pair.now_ms, request()).unwrap();
    pair.drive();
    pair.user.grant(pair.now_ms, Scopes::default()).unwrap();
    pair.drive();
    pair.user.handle_disconnect(pair.now_ms);
    pair.engineer.handle_disconnect(pair.now_ms);
    assert!(!pair.user.screen_allowed());
    pair.now_ms += 20_000;
    pair.user.handle_reconnect(pair.now_ms);
    pair.engineer.handle_reconnect(pair.now_ms);
    pair.drive();
    assert!(pair.user.screen_allowed());
    assert!(pair.engineer_events.contains(&SessionEvent::Reconnected { gap_ms: 20_000 }));
}

#[test]
fn pending_request_is_dropped_by_a_reconnect_and_expiry_ends() {
    let mut pair = Pair::new(5);
    pair.drive();
    pair.engineer.request_consent(pair.now_ms, request()).unwrap();
    pair.drive();
    pair.user.handle_disconnect(pair.now_ms);
    pair.user.handle_reconnect(pair.now_ms + 1_000);
    assert_eq!(pair.user.consent(), &ConsentState::NotRequested);
    pair.user.handle_disconnect(pair.now_ms + 2_000);
    pair.user.handle_reconnect_expired();
    assert_eq!(pair.user.ended(), Some(&EndReason::ReconnectWindowExpired));
}

/// A step of a randomised session.
#[derive(Clone, Debug)]
enum Step {
    Request,
    Grant(bool, bool),
    Deny,
    Pause,
    Resume,
    Revoke,
    Frame,
    /// Both sides send what they have, and no time passes: what is sent is still in flight
    /// when the next step happens.
    Transmit,
    Drive,
    Disconnect,
    Reconnect,
    Wait(i64),
    End,
}

/// Weighted so that most sessions reach shared screens and updates are in flight when consent
/// changes (uniform steps end or cut nearly every session before a single update flows).
fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => Just(Step::Request),
        3 => (prop::bool::weighted(0.8), any::<bool>()).prop_map(|(view, pointers)| Step::Grant(view, pointers)),
        1 => Just(Step::Deny),
        2 => Just(Step::Pause),
        2 => Just(Step::Resume),
        1 => Just(Step::Revoke),
        6 => Just(Step::Frame),
        4 => Just(Step::Transmit),
        4 => Just(Step::Drive),
        1 => Just(Step::Disconnect),
        2 => Just(Step::Reconnect),
        1 => (0i64..40_000).prop_map(Step::Wait),
        1 => Just(Step::End),
    ]
}

/// Whether the user, by what the user's side shows, lets the screen be seen now.
fn user_consents_to_view(user: &Session) -> bool {
    user.ended().is_none()
        && user.is_connected()
        && user.held().is_none()
        && matches!(user.consent(), ConsentState::Granted { scopes, paused: false } if scopes.view)
}

/// The engineer's record of consent, rebuilt from the events it raised: a model of the gate
/// that does not ask the gate.
#[derive(Debug, Default)]
struct EngineerGate {
    view_granted: bool,
    paused: bool,
    disconnected: bool,
    ended: bool,
}

impl EngineerGate {
    fn apply(&mut self, event: &SessionEvent) {
        match event {
            SessionEvent::ConsentGranted(scopes) => {
                self.view_granted = scopes.view;
                self.paused = false;
            }
            SessionEvent::ScopesChanged(scopes) => self.view_granted = scopes.view,
            SessionEvent::SharingPaused => self.paused = true,
            SessionEvent::SharingResumed => self.paused = false,
            SessionEvent::ConsentRevoked | SessionEvent::ConsentDenied { .. } | SessionEvent::ConsentRequested(_) => {
                self.view_granted = false;
            }
            SessionEvent::Disconnected => self.disconnected = true,
            SessionEvent::Reconnected { .. } => self.disconnected = false,
            SessionEvent::Ended { .. } => self.ended = true,
            _ => {}
        }
    }

    fn open(&self) -> bool {
        self.view_granted && !self.paused && !self.disconnected && !self.ended
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever the order of grant / pause / revoke / disconnect, a frame leaves the user only
    /// while consent with the view scope is in force, and the engineer accepts nothing once it
    /// has seen a revoke, a pause, or a grant without view (updates may lag behind the control
    /// stream, so some arrive after a pause or a stop that overtook them).
    #[test]
    fn screen_data_only_flows_under_consent(
        steps in proptest::collection::vec(step(), 1..60),
        latency in 0i64..200,
        screen_lag in 0i64..300,
        start_shared in prop::bool::weighted(0.75),
    ) {
        let mut pair = Pair::new(latency);
        pair.screen_lag_ms = screen_lag;
        pair.drive();
        if start_shared {
            // Most cases begin with the screen shared, so that the steps change consent while
            // updates flow (from scratch, few random walks get that far).
            pair.engineer.request_consent(pair.now_ms, request()).unwrap();
            pair.drive();
            pair.user.grant(pair.now_ms, Scopes::default()).unwrap();
            pair.drive();
        }
        let mut seq = 0u64;
        let mut sent = std::collections::HashSet::new();
        for step in steps {
            match step {
                Step::Request => { let _ = pair.engineer.request_consent(pair.now_ms, request()); }
                Step::Grant(view, pointers) => { let _ = pair.user.grant(pair.now_ms, Scopes { view, pointers, record: false, control: false }); }
                Step::Deny => { let _ = pair.user.deny(pair.now_ms, false); }
                Step::Pause => { let _ = pair.user.pause(); }
                Step::Resume => { let _ = pair.user.resume(); }
                Step::Revoke => { let _ = pair.user.revoke(); }
                Step::Frame => {
                    seq += 1;
                    // The rule, stated from what the user sees rather than from the gate
                    // itself: view granted and not paused, connected, not held, not ended.
                    let allowed = user_consents_to_view(&pair.user);
                    let result = pair.user.send_frame(seq, vec![seq as u8]);
                    prop_assert_eq!(result.is_ok(), allowed, "frame {} with consent {:?}", seq, pair.user.consent());
                    if allowed {
                        sent.insert(seq);
                    }
                }
                Step::Transmit => { pair.transmit(); }
                Step::Drive => pair.drive(),
                Step::Disconnect => pair.cut_link(),
                Step::Reconnect => pair.restore_link(),
                Step::Wait(ms) => pair.advance(ms),
                Step::End => { let _ = pair.user.end(); }
            }
            // Nothing arrives that the user did not let out under consent, nothing arrives twice
            // or out of order, and the engineer accepts a frame only while its own record of
            // the session (the events it raised so far) says the view is shared.
            let mut last_seq = 0;
            for (events_before, ReceivedFrame { seq, .. }) in &pair.engineer_frames {
                let mut gate = EngineerGate::default();
                pair.engineer_events[..*events_before].iter().for_each(|event| gate.apply(event));
                prop_assert!(sent.contains(seq), "frame {} was sent without consent", seq);
                prop_assert!(*seq > last_seq, "frame {} after frame {}", seq, last_seq);
                last_seq = *seq;
                prop_assert!(gate.open(), "frame {} accepted while the engineer saw {:?}", seq, gate);
            }
        }
        pair.drive();
        // After the engineer saw the last revoke, not a single frame was accepted.
        let last_revoke = pair.engineer_events.iter().rposition(|e| matches!(e, SessionEvent::ConsentRevoked | SessionEvent::Ended { .. }));
        if let Some(at) = last_revoke {
            let resumed = pair.engineer_events[at..].iter().any(|e| matches!(e, SessionEvent::ConsentGranted(_)));
            if !resumed {
                let frame_after_revoke = pair.engineer_frames.iter().any(|(events_before, _)| *events_before > at);
                prop_assert!(!frame_after_revoke, "a frame was accepted after the revoke");
            }
        }
    }
}

#[test]
fn pointer_positions_flow_only_while_the_screen_is_shared() {
    let mut user = Session::new(Role::User, "Zhang Min", 0);
    user.send_cursor(10, 20).unwrap();
    assert_eq!(user.poll_cursor(), None, "no pointer before consent");
    let mut engineer = Session::new(Role::Engineer, "Li Wei", 0);
    engineer.handle_message(
        1,
        Message::Hello {
            protocol_version: stepwise::protocol::PROTOCOL_VERSION,
            role: Role::User,
            display_name: "u".into(),
        },
    );
    engineer.handle_message(2, Message::Cursor { x: 1, y: 2 });
    assert!(
        std::iter::from_fn(|| engineer.poll_event()).all(|e| !matches!(e, SessionEvent::CursorMoved { .. })),
        "the engineer drops pointer positions outside consent"
    );
}

fn card(step_id: u64, index: u32, total: u32, instruction: &str) -> StepCard {
    StepCard { step_id, index, total, instruction: instruction.into(), expected: String::new(), annotation: None }
}

#[test]
fn no_step_goes_out_before_the_previous_one_is_answered() {
    let mut pair = Pair::new(20);
    pair.drive();
    pair.engineer.send_step(pair.now_ms, card(1, 1, 3, "打开设置")).unwrap();
    assert!(matches!(pair.engineer.send_step(pair.now_ms, card(2, 2, 3, "Wi-Fi")), Err(CommandError::NotNow(_))));
    pair.drive();
    assert_eq!(pair.user.pending_step().map(|c| c.step_id), Some(1));
    // A wrong id or a second answer is refused; the right one goes through with the time taken.
    assert!(pair.user.answer_step(2, StepOutcome::Done, "").is_err());
    pair.advance(3_000);
    pair.user.answer_step(1, StepOutcome::Stuck, "找不到设置").unwrap();
    assert!(pair.user.answer_step(1, StepOutcome::Done, "").is_err());
    pair.drive();
    let answered = pair.engineer_events.iter().find_map(|e| match e {
        SessionEvent::StepAnswered { step_id, outcome, comment, seconds } => {
            Some((*step_id, *outcome, comment.clone(), *seconds))
        }
        _ => None,
    });
    assert_eq!(answered, Some((1, StepOutcome::Stuck, "找不到设置".to_owned(), 3)));
    // Now step 2 may go; skipping it lets step 3 go without an answer, and is recorded.
    pair.engineer.send_step(pair.now_ms, card(2, 2, 3, "Wi-Fi")).unwrap();
    pair.drive();
    pair.engineer.skip_step().unwrap();
    pair.drive();
    assert!(pair.user.pending_step().is_none(), "the user no longer sees the skipped step");
    assert!(pair.user_events.contains(&SessionEvent::StepSkipped { step_id: 2 }));
    pair.engineer.send_step(pair.now_ms, card(3, 3, 3, "Reconnect")).unwrap();
    pair.engineer.edit_step(card(3, 3, 3, "Reconnect to Office-5G")).unwrap();
    pair.drive();
    assert_eq!(pair.user.pending_step().map(|c| c.instruction.as_str()), Some("Reconnect to Office-5G"));
}

#[test]
fn a_peer_pushing_a_second_step_breaks_the_protocol() {
    let mut pair = Pair::new(5);
    pair.drive();
    pair.user.handle_message(pair.now_ms, Message::Step(card(1, 1, 2, "a")));
    pair.user.handle_message(pair.now_ms, Message::Step(card(2, 2, 2, "b")));
    assert!(matches!(pair.user.ended(), Some(EndReason::ProtocolViolation(_))));
}

#[test]
fn arrows_need_the_pointers_scope_and_vanish_when_it_goes() {
    let mut pair = Pair::new(10);
    pair.drive();
    let arrow = Annotation {
        id: 1,
        shape: Shape::Arrow { tail: RemotePixel { x: 10, y: 10 }, head: RemotePixel { x: 200, y: 120 } },
        label: "点这里".into(),
        color: AnnotationColor::Red,
        fade_ms: 0,
    };
    assert!(pair.engineer.annotate(arrow.clone()).is_err(), "no consent yet");
    pair.engineer.request_consent(pair.now_ms, request()).unwrap();
    pair.drive();
    pair.user.grant(pair.now_ms, Scopes { view: true, pointers: false, record: false, control: false }).unwrap();
    pair.drive();
    assert!(pair.engineer.annotate(arrow.clone()).is_err(), "arrows not allowed");
    pair.user.change_scopes(Scopes { view: true, pointers: true, record: false, control: false }).unwrap();
    pair.drive();
    pair.engineer.annotate(arrow.clone()).unwrap();
    pair.drive();
    assert!(pair.user_events.contains(&SessionEvent::Annotation(arrow)));
    pair.user.pause().unwrap();
    pair.drive();
    assert_eq!(pair.user_events.last(), Some(&SessionEvent::AnnotationsCleared), "a pause takes the arrows away");
}

#[test]
fn a_step_can_carry_its_arrow_when_arrows_are_allowed() {
    let mut pair = Pair::new(10);
    pair.drive();
    pair.engineer.request_consent(pair.now_ms, request()).unwrap();
    pair.drive();
    pair.user.grant(pair.now_ms, Scopes { view: true, pointers: false, record: false, control: false }).unwrap();
    pair.drive();
    let arrow = Annotation {
        id: 7,
        shape: Shape::Highlight { from: RemotePixel { x: 5, y: 5 }, to: RemotePixel { x: 50, y: 30 } },
        label: "这里".into(),
        color: AnnotationColor::Yellow,
        fade_ms: 10_000,
    };
    let with_arrow = StepCard { annotation: Some(arrow.clone()), ..card(1, 1, 1, "Click Start") };
    assert!(pair.engineer.send_step(pair.now_ms, with_arrow.clone()).is_err(), "arrows are not allowed");
    pair.user.change_scopes(Scopes::default()).unwrap();
    pair.drive();
    pair.engineer.send_step(pair.now_ms, with_arrow).unwrap();
    pair.drive();
    assert!(pair.user_events.contains(&SessionEvent::Annotation(arrow)), "the step's arrow is shown");
}

// ---- issue 9: consent holes and hostile peers ----

/// A pair with the hello exchanged and consent granted with `scopes`.
fn granted(scopes: Scopes) -> Pair {
    let mut pair = Pair::new(10);
    pair.drive();
    pair.engineer.request_consent(pair.now_ms, request()).unwrap();
    pair.drive();
    pair.user.grant(pair.now_ms, scopes).unwrap();
    pair.drive();
    pair
}

fn ended_by_violation(events: &[SessionEvent]) -> Option<String> {
    events.iter().find_map(|event| match event {
        SessionEvent::Ended { reason: EndReason::ProtocolViolation(why), .. } => Some(why.to_string()),
        _ => None,
    })
}

/// A pair where the engineer asked and the user said no (and maybe "don't ask again").
fn refused(dont_ask_again: bool) -> Pair {
    let mut pair = Pair::new(10);
    pair.drive();
    pair.engineer.request_consent(pair.now_ms, request()).unwrap();
    pair.drive();
    pair.user.deny(pair.now_ms, dont_ask_again).unwrap();
    pair.drive();
    pair
}

#[test]
fn after_dont_allow_the_engineer_waits_30_seconds() {
    let mut pair = refused(false);
    let told = pair.engineer_events.iter().find_map(|event| match event {
        SessionEvent::ConsentDenied { dont_ask_again: false, ask_again_at_ms } => *ask_again_at_ms,
        _ => None,
    });
    let ask_again_at_ms = told.expect("the engineer is told when it may ask again");
    assert!(ask_again_at_ms >= pair.now_ms + 29_000);
    pair.advance(20_000);
    assert!(matches!(pair.engineer.request_consent(pair.now_ms, request()), Err(CommandError::NotNow(_))));
    pair.advance(10_100);
    pair.engineer.request_consent(pair.now_ms, request()).unwrap();
    pair.drive();
    assert!(matches!(pair.user.consent(), ConsentState::Requested(_)));
}

#[test]
fn a_hostile_engineer_asking_again_at_once_ends_the_session() {
    let mut pair = refused(false);
    // A modified console skips its own wait: the user's side refuses the request.
    let hostile = encode_frame(&Message::ConsentRequest(request())).unwrap();
    pair.user_decoder.push(&hostile);
    let message = pair.user_decoder.next_message::<Message>().unwrap().unwrap();
    pair.user.handle_message(pair.now_ms + 1_000, message);
    pair.drive();
    let why = ended_by_violation(&pair.user_events).expect("the user's side ends the session");
    assert!(why.contains("too soon"), "{why}");
}

#[test]
fn dont_ask_again_holds_for_the_whole_session() {
    let mut pair = refused(true);
    assert!(
        pair.engineer_events.contains(&SessionEvent::ConsentDenied { dont_ask_again: true, ask_again_at_ms: None })
    );
    assert_eq!(pair.engineer.consent_request_allowed_from_ms(), None);
    pair.advance(120_000);
    assert!(pair.engineer.request_consent(pair.now_ms, request()).is_err());
    // Even a modified console cannot get the question onto the user's screen.
    let requests_before = pair.user_events.iter().filter(|e| matches!(e, SessionEvent::ConsentRequested(_))).count();
    pair.user.handle_message(pair.now_ms, Message::ConsentRequest(request()));
    pair.drive();
    let requests_after = pair.user_events.iter().filter(|e| matches!(e, SessionEvent::ConsentRequested(_))).count();
    assert_eq!(requests_before, requests_after);
    assert!(ended_by_violation(&pair.user_events).is_some());
}

#[test]
fn screenshots_need_the_record_scope_and_the_user_is_told() {
    let mut pair = granted(Scopes { view: true, pointers: true, record: false, control: false });
    assert!(pair.engineer.take_screenshot(pair.now_ms).is_err(), "no record scope: no screenshot");
    pair.user.change_scopes(Scopes { view: true, pointers: true, record: true, control: false }).unwrap();
    pair.drive();
    pair.engineer.take_screenshot(pair.now_ms).unwrap();
    pair.drive();
    assert!(pair.engineer_events.iter().any(|e| matches!(e, SessionEvent::ScreenshotTaken { .. })));
    assert!(pair.user_events.iter().any(|e| matches!(e, SessionEvent::ScreenshotTaken { .. })), "the user is told");
    pair.user.pause().unwrap();
    pair.drive();
    assert!(pair.engineer.take_screenshot(pair.now_ms).is_err(), "paused: nothing may be kept");
}

#[test]
fn a_screenshot_notice_without_record_consent_is_a_violation() {
    let mut pair = granted(Scopes { view: true, pointers: true, record: false, control: false });
    pair.user.handle_message(pair.now_ms, Message::ScreenshotTaken { at_ms: pair.now_ms });
    pair.drive();
    assert!(ended_by_violation(&pair.user_events).is_some());
}

#[test]
fn a_chat_flood_ends_the_session_and_stays_bounded() {
    let mut pair = granted(Scopes::default());
    let mut accepted = 0;
    for id in 0..20_000u64 {
        pair.engineer.handle_message(pair.now_ms, Message::Chat { id, at_ms: pair.now_ms, text: "spam".into() });
        if pair.engineer.ended().is_some() {
            break;
        }
        accepted += 1;
    }
    pair.drive();
    let why = ended_by_violation(&pair.engineer_events).expect("the flood ends the session");
    assert!(why.contains("chat"), "{why}");
    assert!(accepted < 100, "only a burst is accepted before the session ends: {accepted}");
}

#[test]
fn a_scope_change_flood_ends_the_session() {
    let mut pair = granted(Scopes::default());
    for n in 0..20_000u32 {
        let scopes = Scopes { view: true, pointers: n % 2 == 0, record: false, control: false };
        pair.engineer.handle_message(pair.now_ms, Message::ScopeChange(scopes));
        if pair.engineer.ended().is_some() {
            break;
        }
    }
    assert!(matches!(pair.engineer.ended(), Some(EndReason::ProtocolViolation(_))));
    assert!(pair.engineer_events.len() < 200);
}

#[test]
fn an_arrow_flood_from_the_engineer_ends_the_session_on_the_users_side() {
    let mut pair = granted(Scopes::default());
    for id in 0..10_000u64 {
        let annotation = Annotation {
            id,
            shape: Shape::Arrow { tail: RemotePixel { x: 1, y: 1 }, head: RemotePixel { x: 50, y: 50 } },
            label: String::new(),
            color: AnnotationColor::default(),
            fade_ms: 0,
        };
        pair.user.handle_message(pair.now_ms, Message::Annotate(annotation));
        if pair.user.ended().is_some() {
            break;
        }
    }
    assert!(matches!(pair.user.ended(), Some(EndReason::ProtocolViolation(_))));
}

#[test]
fn a_polite_chat_is_never_cut() {
    let mut pair = granted(Scopes::default());
    for n in 0..200 {
        pair.user.send_chat(pair.now_ms, &format!("line {n}")).unwrap();
        pair.advance(3_000);
    }
    assert!(pair.engineer.ended().is_none());
    let lines = pair.engineer_events.iter().filter(|e| matches!(e, SessionEvent::Chat { .. })).count();
    assert_eq!(lines, 200);
}

#[test]
fn the_announced_screen_size_reaches_the_engineer_and_absurd_sizes_are_refused() {
    let mut pair = granted(Scopes::default());
    pair.user.announce_screen(1920, 1080).unwrap();
    pair.drive();
    assert!(pair.engineer_events.contains(&SessionEvent::ScreenAnnounced { width: 1920, height: 1080 }));
    assert!(pair.user.announce_screen(100_000, 10).is_err());
    pair.engineer.handle_message(pair.now_ms, Message::ScreenSize { width: 16_384, height: 16_384 });
    pair.drive();
    assert!(ended_by_violation(&pair.engineer_events).is_some(), "a 16K×16K screen is not plausible");
}

#[test]
fn a_hold_stops_everything_on_both_sides_until_it_ends() {
    let mut pair = granted(Scopes::default());
    assert!(pair.user.screen_allowed());
    pair.engineer.hold(stepwise::protocol::HoldReason::TranscriptUnavailable).unwrap();
    assert!(!pair.engineer.screen_allowed(), "the engineer drops frames at once");
    pair.drive();
    assert!(pair.user_events.contains(&SessionEvent::Held(stepwise::protocol::HoldReason::TranscriptUnavailable)));
    assert!(!pair.user.screen_allowed(), "the user's side stops sharing while held");
    assert!(pair.user.send_frame(1, vec![1]).is_err());
    assert!(pair.engineer.send_chat(pair.now_ms, "hello").is_err(), "nothing happens unrecorded");
    assert!(
        pair.engineer
            .send_step(
                pair.now_ms,
                StepCard {
                    step_id: 1,
                    index: 1,
                    total: 1,
                    instruction: "x".into(),
                    expected: String::new(),
                    annotation: None,
                }
            )
            .is_err()
    );
    pair.engineer.unhold().unwrap();
    pair.drive();
    assert!(pair.user_events.contains(&SessionEvent::Unheld));
    assert!(pair.user.screen_allowed(), "consent in force again once the hold ends");
}

/// A pair with consent in force (view and arrows), the way a session looks when the network
/// fails.
fn sharing_pair() -> Pair {
    let mut pair = Pair::new(20);
    pair.drive();
    pair.engineer.request_consent(pair.now_ms, request()).unwrap();
    pair.drive();
    pair.user.grant(pair.now_ms, Scopes::default()).unwrap();
    pair.run_transport(10_000);
    pair.engineer_events.clear();
    pair.user_events.clear();
    pair
}

/// The gap each side recorded, if the link came back.
fn gaps(events: &[SessionEvent]) -> Vec<i64> {
    events
        .iter()
        .filter_map(|event| match event {
            SessionEvent::Reconnected { gap_ms } => Some(*gap_ms),
            _ => None,
        })
        .collect()
}

#[test]
fn network_cuts_are_recorded_alike_on_both_sides() {
    let timing = LinkTiming::default();
    for cut_ms in [10_000, 20_000, 25_000, 50_000, 90_000] {
        let mut pair = sharing_pair();
        pair.link_up = false;
        pair.run_transport(cut_ms);
        pair.link_up = true;
        pair.run_transport(5_000);
        let engineer = Pair::transcript(&pair.engineer_events);
        let user = Pair::transcript(&pair.user_events);
        assert_eq!(engineer, user, "{cut_ms} ms cut: both transcripts tell the same story");
        if cut_ms < timing.reconnect_window_ms {
            assert_eq!(engineer, ["disconnected", "reconnected"], "{cut_ms} ms cut");
            for gap_ms in gaps(&pair.engineer_events).into_iter().chain(gaps(&pair.user_events)) {
                // The gap is the whole silence: from the last message before the cut (at most
                // a heartbeat earlier) to the resume (within a tick of the network's return).
                assert!(
                    (cut_ms..=cut_ms + timing.heartbeat_interval_ms + 100).contains(&gap_ms),
                    "{cut_ms} ms cut recorded as a {gap_ms} ms gap"
                );
            }
            assert!(pair.engineer.is_connected() && pair.user.is_connected());
            assert!(pair.user.screen_allowed(), "consent in force before the cut still is");
            assert!(matches!(pair.engineer.consent(), ConsentState::Granted { paused: false, .. }));
        } else {
            assert_eq!(engineer, ["disconnected", "session_ended"], "{cut_ms} ms cut");
            assert_eq!(pair.engineer.ended(), Some(&EndReason::ReconnectWindowExpired));
            assert_eq!(pair.user.ended(), Some(&EndReason::ReconnectWindowExpired), "the same reason on both sides");
        }
    }
}

#[test]
fn a_pause_inside_a_cut_acts_at_once_and_is_the_first_thing_the_engineer_hears() {
    // Clicked while the link is silent but not yet known to be down (the message is lost with
    // the old connection), and clicked while reconnecting (queued).
    for pause_after_ms in [2_000, 8_000] {
        let mut pair = sharing_pair();
        pair.link_up = false;
        pair.run_transport(pause_after_ms);
        pair.user.pause().unwrap();
        assert!(!pair.user.screen_allowed(), "capture stops at once");
        assert!(pair.user.send_frame(99, vec![1]).is_err());
        pair.run_transport(20_000 - pause_after_ms);
        assert!(
            matches!(pair.engineer.consent(), ConsentState::Granted { paused: false, .. }),
            "the engineer cannot know yet"
        );
        assert!(!pair.engineer.is_connected(), "…and shows the link as down, consent unknown");
        pair.link_up = true;
        pair.run_transport(2_000);
        let after_reconnect: Vec<_> = pair
            .engineer_events
            .iter()
            .skip_while(|event| !matches!(event, SessionEvent::Reconnected { .. }))
            .skip(1)
            .collect();
        assert_eq!(after_reconnect.first(), Some(&&SessionEvent::SharingPaused), "pause at {pause_after_ms} ms");
        assert!(matches!(pair.engineer.consent(), ConsentState::Granted { paused: true, .. }));
        assert_eq!(
            Pair::transcript(&pair.engineer_events),
            ["disconnected", "reconnected", "sharing_paused"],
            "pause at {pause_after_ms} ms"
        );
        let noticed_ms = LinkTiming::default().silence_limit_ms();
        let user = if pause_after_ms < noticed_ms {
            ["sharing_paused", "disconnected", "reconnected"]
        } else {
            ["disconnected", "sharing_paused", "reconnected"]
        };
        assert_eq!(Pair::transcript(&pair.user_events), user, "pause at {pause_after_ms} ms");
    }
}

#[test]
fn a_stop_or_a_grant_lost_in_a_cut_is_restated_after_it() {
    // Stop sharing, clicked just before the cut was noticed: the revoke is lost with the link.
    let mut pair = sharing_pair();
    pair.link_up = false;
    pair.run_transport(1_000);
    pair.user.revoke().unwrap();
    pair.run_transport(14_000);
    pair.link_up = true;
    pair.run_transport(2_000);
    assert_eq!(pair.engineer.consent(), &ConsentState::Revoked);
    assert!(pair.engineer_events.contains(&SessionEvent::ConsentRevoked));
    assert!(!pair.engineer.consent_settling(), "the restatement arrived");

    // A grant lost in a cut: the engineer would otherwise ask again and break the session.
    let mut pair = Pair::new(20);
    pair.drive();
    pair.engineer.request_consent(pair.now_ms, request()).unwrap();
    pair.drive();
    pair.link_up = false;
    pair.user.grant(pair.now_ms, Scopes::default()).unwrap();
    pair.run_transport(12_000);
    pair.link_up = true;
    // The resume, step by step: until the user's restatement arrives, the engineer waits.
    pair.user.handle_reconnect(pair.now_ms);
    pair.engineer.handle_reconnect(pair.now_ms);
    assert!(pair.engineer.consent_settling(), "no new request may cross the user's restatement");
    pair.drive();
    assert!(!pair.engineer.consent_settling());
    pair.run_transport(2_000);
    assert_eq!(pair.engineer.consent(), &ConsentState::Granted { scopes: Scopes::default(), paused: false });
    assert!(pair.engineer.ended().is_none() && pair.user.ended().is_none());
    pair.user.send_frame(1, vec![7]).unwrap();
    pair.drive();
    assert_eq!(pair.frames_received(), 1, "the engineer accepts the screen the user shares");
}

#[test]
fn a_user_whose_process_died_is_disconnected_after_two_missed_heartbeats() {
    let timing = LinkTiming::default();
    let mut pair = sharing_pair();
    // The user's side is gone: nothing more arrives from it.
    let last_heard_ms = pair.now_ms;
    pair.link_up = false;
    pair.advance(timing.silence_limit_ms() - timing.heartbeat_interval_ms);
    assert!(pair.engineer.is_connected(), "one missed heartbeat is not a drop");
    pair.advance(timing.heartbeat_interval_ms);
    assert!(!pair.engineer.is_connected(), "two are: {} ms after the last word", pair.now_ms - last_heard_ms);
    assert_eq!(pair.engineer_events, [SessionEvent::Disconnected]);
    assert!(!pair.engineer.screen_allowed());
    pair.advance(timing.reconnect_window_ms);
    assert_eq!(pair.engineer.ended(), Some(&EndReason::ReconnectWindowExpired));
}

#[test]
fn a_chat_line_written_while_reconnecting_is_sent_after_the_restatement() {
    let mut pair = sharing_pair();
    pair.link_up = false;
    pair.run_transport(8_000);
    assert!(!pair.user.is_connected());
    let id = pair.user.send_chat(pair.now_ms, "网络断了，我等你").unwrap();
    pair.run_transport(4_000);
    assert!(!pair.engineer_events.iter().any(|e| matches!(e, SessionEvent::Chat { .. })), "nothing while cut");
    pair.link_up = true;
    pair.run_transport(2_000);
    let heard: Vec<_> = pair
        .engineer_events
        .iter()
        .filter(|e| matches!(e, SessionEvent::Chat { id: got, from: Role::User, .. } if *got == id))
        .collect();
    assert_eq!(heard.len(), 1, "delivered once, after the cut");
}

#[test]
fn no_screenshot_before_the_users_consent_is_restated_after_a_cut() {
    // The user may have paused or stopped during the cut: until their restated consent arrives,
    // the engineer's side keeps nothing (and sends no notice the user's side would refuse).
    let mut pair = granted(Scopes { view: true, pointers: true, record: true, control: false });
    pair.engineer.take_screenshot(pair.now_ms).unwrap();
    let now_ms = pair.now_ms;
    pair.engineer.handle_disconnect(now_ms + 5_000);
    pair.engineer.handle_reconnect(now_ms + 9_000);
    assert!(pair.engineer.consent_settling());
    assert!(!pair.engineer.keeping_allowed());
    assert!(pair.engineer.take_screenshot(now_ms + 9_001).is_err());
}
