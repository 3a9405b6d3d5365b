//! What the peer sent: every message is checked (bounds, hello first, rate limits, role), then
//! applied to the session.

use super::{ConsentState, Session, SessionEvent};
use crate::protocol::limits::LimitedKind;
use crate::protocol::message::{EndReason, Message, PROTOCOL_VERSION, Role};
use crate::protocol::reasons::{Violation, ViolationCode};

impl Session {
    /// A message from the peer.
    pub fn handle_message(&mut self, now_ms: i64, message: Message) {
        if self.ended.is_some() {
            // After a normal end only the survey's reply is still read.
            if let Message::Survey(reply) = message
                && reply.validate().is_ok()
            {
                self.handle_survey(reply);
            }
            return;
        }
        self.last_received_ms = now_ms;
        self.latest_ms = self.latest_ms.max(now_ms);
        if let Err(why) = message.validate() {
            return self.violation(Violation::with_detail(ViolationCode::OutOfBounds, why.to_string()));
        }
        let Some(message) = self.take_consent_restatement(message) else { return };
        let role = self.role;
        if self.peer_name.is_none() && !matches!(message, Message::Hello { .. }) {
            return self.violation(Violation::new(ViolationCode::BeforeHello));
        }
        if let Some(kind) = limited_kind(role, &message)
            && let Err(exceeded) = self.peer_limits.admit(kind, now_ms)
        {
            return self.violation(Violation::with_detail(ViolationCode::OverLimit, exceeded.to_string()));
        }
        match message {
            Message::Hello { protocol_version, role: peer_role, display_name } => {
                if protocol_version != PROTOCOL_VERSION {
                    return self.finish(EndReason::IncompatibleVersion { peer: protocol_version }, true, true);
                }
                if peer_role == role || self.peer_name.is_some() {
                    return self.violation(Violation::new(ViolationCode::UnexpectedHello));
                }
                self.peer_name = Some(display_name.clone());
                self.emit(SessionEvent::PeerHello { display_name });
            }
            Message::ConsentRequest(_) if role == Role::User && self.no_more_requests => {
                self.violation(Violation::new(ViolationCode::AskedAfterDontAskAgain))
            }
            Message::ConsentRequest(_)
                if role == Role::User && self.ask_again_at_ms.is_some_and(|at_ms| now_ms < at_ms) =>
            {
                self.violation(Violation::new(ViolationCode::AskedTooSoon))
            }
            Message::ConsentRequest(request) if role == Role::User => match self.consent {
                ConsentState::NotRequested | ConsentState::Denied | ConsentState::Revoked => {
                    self.consent = ConsentState::Requested(request.clone());
                    self.emit(SessionEvent::ConsentRequested(request));
                }
                _ => self.violation(Violation::new(ViolationCode::AskedWhileInForce)),
            },
            Message::ConsentDecision(decision) if role == Role::Engineer => {
                if !matches!(self.consent, ConsentState::Requested(_)) {
                    return self.violation(Violation::new(ViolationCode::DecisionWithoutRequest));
                }
                self.apply_decision(now_ms, decision);
            }
            Message::ScopeChange(scopes) if role == Role::Engineer => match &mut self.consent {
                ConsentState::Granted { scopes: current, .. } => {
                    let old = *current;
                    *current = scopes;
                    self.emit_scope_change(old, scopes);
                }
                _ => self.violation(Violation::new(ViolationCode::ScopesWithoutConsent)),
            },
            Message::Pause | Message::Resume if role == Role::Engineer => {
                let pause = matches!(message, Message::Pause);
                match &mut self.consent {
                    ConsentState::Granted { paused, .. } if *paused != pause => {
                        *paused = pause;
                        self.emit(if pause { SessionEvent::SharingPaused } else { SessionEvent::SharingResumed });
                    }
                    // Repeats are harmless; outside consent they are not.
                    ConsentState::Granted { .. } => {}
                    _ => self.violation(Violation::new(ViolationCode::PauseWithoutConsent)),
                }
            }
            Message::Revoke if role == Role::Engineer => match self.consent {
                ConsentState::Granted { .. } | ConsentState::Requested(_) => {
                    self.consent = ConsentState::Revoked;
                    self.emit(SessionEvent::ConsentRevoked);
                }
                _ => {}
            },
            Message::Chat { id, at_ms, text } => {
                let from = match role {
                    Role::Engineer => Role::User,
                    Role::User => Role::Engineer,
                };
                self.emit(SessionEvent::Chat { from, id, at_ms, text });
            }
            Message::Annotate(annotation) if role == Role::User => {
                if self.pointers_allowed() {
                    self.annotations_visible = true;
                    self.emit(SessionEvent::Annotation(annotation));
                }
            }
            Message::RemoveAnnotation { id } if role == Role::User => {
                self.emit(SessionEvent::AnnotationRemoved { id });
            }
            Message::ClearAnnotations if role == Role::User => self.clear_annotations_locally(),
            Message::Step(card) if role == Role::User => {
                let event = match &self.pending_step {
                    Some((current, _)) if current.step_id == card.step_id && *current == card => {
                        SessionEvent::StepSent { card: card.clone(), resent: true }
                    }
                    Some((current, _)) if current.step_id == card.step_id => SessionEvent::StepEdited(card.clone()),
                    Some(_) => return self.violation(Violation::new(ViolationCode::StepBeforeAnswer)),
                    None => SessionEvent::StepSent { card: card.clone(), resent: false },
                };
                // The step's arrow is shown only under the pointers scope, like any other.
                let arrow = card.annotation.clone().filter(|_| self.pointers_allowed());
                self.pending_step = Some((card, now_ms));
                self.emit(event);
                if let Some(arrow) = arrow {
                    self.annotations_visible = true;
                    self.emit(SessionEvent::Annotation(arrow));
                }
            }
            Message::StepWithdrawn { step_id } if role == Role::User => {
                if self.pending_step.as_ref().is_some_and(|(card, _)| card.step_id == step_id) {
                    self.pending_step = None;
                    self.emit(SessionEvent::StepSkipped { step_id });
                }
            }
            Message::StepAnswer { step_id, outcome, comment } if role == Role::Engineer => {
                match self.pending_step.take() {
                    Some((card, sent_at_ms)) if card.step_id == step_id => {
                        let seconds = (now_ms - sent_at_ms).max(0) / 1_000;
                        self.emit(SessionEvent::StepAnswered { step_id, outcome, comment, seconds });
                    }
                    // An answer to a step that was skipped meanwhile: too late, ignore it.
                    other => self.pending_step = other,
                }
            }
            Message::GuidanceMode { overlay, why_not } if role == Role::Engineer => {
                self.emit(SessionEvent::GuidanceMode { overlay, why_not });
            }
            Message::Hold(reason) if role == Role::User => {
                if self.held.is_none() {
                    self.held = Some(reason);
                    self.frames_out.clear();
                    self.emit(SessionEvent::Held(reason));
                }
            }
            Message::Unhold if role == Role::User => {
                if self.held.take().is_some() {
                    self.emit(SessionEvent::Unheld);
                }
            }
            Message::ScreenSize { width, height } if role == Role::Engineer => {
                self.emit(SessionEvent::ScreenAnnounced { width, height });
            }
            Message::ScreenshotTaken { at_ms } if role == Role::User => {
                if !self.keeping_allowed() {
                    return self.violation(Violation::new(ViolationCode::ScreenshotWithoutRecord));
                }
                self.emit(SessionEvent::ScreenshotTaken { at_ms });
            }
            Message::Cursor { x, y } if role == Role::Engineer => {
                if self.screen_allowed() {
                    self.emit(SessionEvent::CursorMoved { x, y });
                }
            }
            Message::KeyframeRequest if role == Role::User => {
                if self.screen_allowed() {
                    self.emit(SessionEvent::KeyframeRequested);
                }
            }
            Message::ControlRequest if role == Role::User => self.handle_control_request(),
            Message::ControlDeclined if role == Role::Engineer => self.handle_control_declined(),
            Message::ControlTakenBack if role == Role::Engineer => self.handle_control_taken_back(now_ms),
            Message::Input { seq, event } if role == Role::User => self.handle_input(now_ms, seq, event),
            Message::Clipboard { text } => self.handle_clipboard(text),
            Message::Monitors(list) if role == Role::Engineer => self.handle_monitors(list),
            Message::MonitorSwitchRequest { index } if role == Role::User => self.handle_monitor_request(index),
            Message::MonitorSwitchAnswer { index, accepted } if role == Role::Engineer => {
                self.handle_monitor_answer(index, accepted)
            }
            Message::Mode(mode) => self.handle_mode(mode),
            Message::StillRequest { still_id } if role == Role::User => self.handle_still_request(still_id),
            Message::StillDone { still_id, last_seq, captured_at_ms } if role == Role::Engineer => {
                self.handle_still_done(still_id, last_seq, captured_at_ms)
            }
            Message::End(reason) => self.finish(reason, true, false),
            Message::Heartbeat => {}
            Message::PathInUse(path) => self.emit(SessionEvent::PeerPath(path)),
            Message::Candidates(candidates) => self.emit(SessionEvent::PeerCandidates(candidates)),
            // Not sent this way by Stepwise (updates travel on streams of their own, see
            // `handle_frame`), but accepted the same way when a peer does.
            Message::Frame { seq, data } if role == Role::Engineer => self.accept_frame(seq, data),
            other => self.violation(not_allowed_from_peer(message_name(&other))),
        }
    }
}

/// The violation of a peer that sent `what`, which only the other role may send.
pub(super) fn not_allowed_from_peer(what: &str) -> Violation {
    Violation::with_detail(ViolationCode::NotAllowed, format!("{what} is not allowed from this peer"))
}

/// How a message is named in a violation's detail.
pub(super) fn message_name(message: &Message) -> &'static str {
    match message {
        Message::Hello { .. } => "hello",
        Message::ConsentRequest(_) => "a consent request",
        Message::ConsentDecision(_) => "a consent decision",
        Message::ScopeChange(_) => "a scope change",
        Message::Pause => "pause",
        Message::Resume => "resume",
        Message::Revoke => "revoke",
        Message::Chat { .. } => "chat",
        Message::End(_) => "end",
        Message::Heartbeat => "heartbeat",
        Message::Frame { .. } => "screen data",
        Message::KeyframeRequest => "a keyframe request",
        Message::Annotate(_) => "an annotation",
        Message::RemoveAnnotation { .. } => "an annotation removal",
        Message::ClearAnnotations => "clearing annotations",
        Message::Step(_) => "a step",
        Message::StepWithdrawn { .. } => "a skipped step",
        Message::StepAnswer { .. } => "a step answer",
        Message::Cursor { .. } => "a pointer position",
        Message::GuidanceMode { .. } => "the guidance mode",
        Message::ScreenSize { .. } => "the screen size",
        Message::Hold(_) => "a hold",
        Message::Unhold => "the end of a hold",
        Message::ScreenshotTaken { .. } => "a screenshot notice",
        Message::Survey(_) => "a survey reply",
        Message::ControlRequest => "a control request",
        Message::ControlDeclined => "a refused control request",
        Message::ControlTakenBack => "taking control back",
        Message::Input { .. } => "an input event",
        Message::Clipboard { .. } => "clipboard text",
        Message::Monitors(_) => "the list of monitors",
        Message::MonitorSwitchRequest { .. } => "a monitor request",
        Message::MonitorSwitchAnswer { .. } => "a monitor answer",
        Message::Mode(_) => "a mode switch",
        Message::StillRequest { .. } => "a still request",
        Message::StillDone { .. } => "a still",
        Message::PathInUse(_) => "the path in use",
        Message::Candidates(_) => "direct-path candidates",
    }
}

/// Which limit a message from the peer counts against, if any (see [`PeerLimits`]).
fn limited_kind(receiver: Role, message: &Message) -> Option<LimitedKind> {
    match (receiver, message) {
        (_, Message::Chat { .. } | Message::Clipboard { .. }) => Some(LimitedKind::Chat),
        (
            Role::Engineer,
            Message::ScopeChange(_)
            | Message::Pause
            | Message::Resume
            | Message::ScreenSize { .. }
            | Message::GuidanceMode { .. }
            | Message::ControlDeclined
            | Message::ControlTakenBack
            | Message::Monitors(_)
            | Message::MonitorSwitchAnswer { .. }
            | Message::Mode(_)
            | Message::StillDone { .. }
            | Message::PathInUse(_)
            | Message::Candidates(_),
        ) => Some(LimitedKind::ConsentChange),
        (Role::User, Message::StillRequest { .. }) => Some(LimitedKind::Screenshot),
        (Role::User, Message::Input { .. }) => Some(LimitedKind::Input),
        (Role::User, Message::ControlRequest | Message::MonitorSwitchRequest { .. }) => Some(LimitedKind::Step),
        (Role::Engineer, Message::StepAnswer { .. }) => Some(LimitedKind::StepAnswer),
        (Role::User, Message::Annotate(_) | Message::RemoveAnnotation { .. } | Message::ClearAnnotations) => {
            Some(LimitedKind::Annotation)
        }
        (Role::User, Message::Step(_) | Message::StepWithdrawn { .. }) => Some(LimitedKind::Step),
        (Role::User, Message::ScreenshotTaken { .. }) => Some(LimitedKind::Screenshot),
        (
            Role::User,
            Message::Hold(_) | Message::Unhold | Message::Mode(_) | Message::PathInUse(_) | Message::Candidates(_),
        ) => Some(LimitedKind::Step),
        _ => None,
    }
}
