//! One peer's session: hello, consent (request → granted with scopes / denied → paused ⇄ live →
//! revoked), chat, heartbeats, end. Inputs are `handle_*`, commands are methods, outputs are
//! `poll_*`; time (unix ms) is always passed in.
//!
//! The invariant later layers rely on: the user side lets screen data out only while consent
//! with the view scope is in force (granted, not paused, connected); the engineer side drops
//! any that arrives outside it.

use std::collections::VecDeque;

use super::framing::DecodeError;
use super::guidance::{Annotation, StepCard, StepOutcome, validate_comment};
use super::limits::{LimitedKind, PeerLimits};
use super::message::{
    CONSENT_RETRY_WAIT_MS, ConsentRequest, Decision, EndReason, HoldReason, Message, PROTOCOL_VERSION, Role, Scopes,
    check_screen_size,
};
use super::reasons::{NoOverlay, Violation, ViolationCode};

/// Send a heartbeat when nothing was sent for this long (the default of [`LinkTiming`]).
pub const HEARTBEAT_INTERVAL_MS: i64 = 2_500;
/// Heartbeats that may go missing before the link counts as dropped: silence of this many
/// heartbeat intervals is a drop, on both sides alike.
pub const MISSED_HEARTBEATS: i64 = 2;
/// How long a dropped session waits for its peer before it ends (the default of [`LinkTiming`]).
pub const RECONNECT_WINDOW_MS: i64 = 60_000;

/// How a session watches its link. Both roles apply the same rule: silence of
/// [`LinkTiming::silence_limit_ms`] is a drop (`Disconnected`), and a drop that is not over
/// within the reconnect window ends the session with
/// [`EndReason::ReconnectWindowExpired`] on both sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkTiming {
    /// Send a heartbeat when nothing was sent for this long, ms.
    pub heartbeat_interval_ms: i64,
    /// How long a dropped session waits for the link to come back, ms.
    pub reconnect_window_ms: i64,
}

impl LinkTiming {
    /// Silence (nothing received) of at least this long counts as a drop, ms.
    pub fn silence_limit_ms(&self) -> i64 {
        self.heartbeat_interval_ms.saturating_mul(MISSED_HEARTBEATS)
    }
}

impl Default for LinkTiming {
    fn default() -> Self {
        Self { heartbeat_interval_ms: HEARTBEAT_INTERVAL_MS, reconnect_window_ms: RECONNECT_WINDOW_MS }
    }
}

/// Where consent stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConsentState {
    /// Not asked yet (or asked again after a refusal).
    NotRequested,
    /// Asked, waiting for the user.
    Requested(ConsentRequest),
    /// In force with these scopes; `paused` while the user paused sharing.
    Granted {
        /// What is allowed.
        scopes: Scopes,
        /// Sharing paused by the user.
        paused: bool,
    },
    /// The user said no.
    Denied,
    /// The user withdrew consent.
    Revoked,
}

/// Something that happened, for the UI and the transcript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionEvent {
    /// The peer said hello.
    PeerHello {
        /// Its display name.
        display_name: String,
    },
    /// The engineer asked for consent (both sides see this).
    ConsentRequested(ConsentRequest),
    /// Consent granted with these scopes.
    ConsentGranted(Scopes),
    /// Consent refused.
    ConsentDenied {
        /// The user chose "Don't ask again in this session".
        dont_ask_again: bool,
        /// When the engineer may ask again, unix ms (this side's clock); `None`: not in this
        /// session.
        ask_again_at_ms: Option<i64>,
    },
    /// The user changed the scopes.
    ScopesChanged(Scopes),
    /// The user paused sharing.
    SharingPaused,
    /// The user resumed sharing.
    SharingResumed,
    /// The user withdrew consent.
    ConsentRevoked,
    /// A chat line.
    Chat {
        /// Who wrote it.
        from: Role,
        /// Sender-local id.
        id: u64,
        /// When it was written (sender's clock), unix ms.
        at_ms: i64,
        /// The text.
        text: String,
    },
    /// Screen data accepted (engineer side).
    FrameReceived {
        /// Sequence number.
        seq: u64,
        /// The encoded update.
        data: Vec<u8>,
    },
    /// The viewer lost track of the screen: the next update must be a keyframe (user side).
    KeyframeRequested,
    /// An arrow or highlight: drawn by the engineer (engineer side) or to show (user side).
    Annotation(Annotation),
    /// One annotation removed (undo).
    AnnotationRemoved {
        /// Its id.
        id: u64,
    },
    /// Every annotation removed (cleared, or the pointers scope stopped).
    AnnotationsCleared,
    /// A step went out (engineer) or arrived (user); `resent` when it is the same step again.
    StepSent {
        /// The card.
        card: StepCard,
        /// Sent again unchanged.
        resent: bool,
    },
    /// The current step was edited and sent again.
    StepEdited(StepCard),
    /// The current step was skipped (no answer expected).
    StepSkipped {
        /// The step.
        step_id: u64,
    },
    /// The user answered the current step.
    StepAnswered {
        /// The step.
        step_id: u64,
        /// The answer.
        outcome: StepOutcome,
        /// The user's comment.
        comment: String,
        /// Seconds from sending to the answer (engineer side; 0 on the user side).
        seconds: i64,
    },
    /// How the user's side shows arrows (engineer side).
    GuidanceMode {
        /// Over the real screen; otherwise in the Get-help window over a picture.
        overlay: bool,
        /// Why not over the real screen, as a code (`None` when `overlay`).
        why_not: Option<NoOverlay>,
    },
    /// The session is on hold (both sides): nothing is shared, drawn or asked meanwhile.
    Held(HoldReason),
    /// The hold is over.
    Unheld,
    /// The user side announced the size of the shared screen (engineer side).
    ScreenAnnounced {
        /// Width, pixels.
        width: u32,
        /// Height, pixels.
        height: u32,
    },
    /// The engineer kept a screenshot under the record scope (both sides; the engineer's side
    /// copies the picture when it sees this event, the user's side tells the user).
    ScreenshotTaken {
        /// When, unix ms (engineer's clock).
        at_ms: i64,
    },
    /// The user's pointer moved (engineer side, only while the screen is shared).
    CursorMoved {
        /// Column, screen pixels.
        x: u32,
        /// Row, screen pixels.
        y: u32,
    },
    /// The connection dropped; the session may resume.
    Disconnected,
    /// The connection is back.
    Reconnected {
        /// How long it was gone, ms.
        gap_ms: i64,
    },
    /// The session is over.
    Ended {
        /// Why.
        reason: EndReason,
        /// Whether the other side ended it.
        by_peer: bool,
    },
}

/// A command that the current state does not allow.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// Only the other role may do this.
    #[error("only the {0:?} side can do this")]
    WrongRole(Role),
    /// Not possible in the current consent state.
    #[error("not possible now: {0}")]
    NotNow(&'static str),
    /// The session has ended.
    #[error("the session has ended")]
    Ended,
    /// Text too long or otherwise invalid.
    #[error("{0}")]
    Invalid(String),
}

/// One side of a session.
#[derive(Debug)]
pub struct Session {
    role: Role,
    consent: ConsentState,
    peer_name: Option<String>,
    ended: Option<EndReason>,
    ended_by_peer: bool,
    connected: bool,
    timing: LinkTiming,
    /// When the drop was noticed, unix ms (the reconnect window runs from here).
    disconnected_at_ms: Option<i64>,
    /// When the last message before the drop arrived, unix ms (the gap runs from here).
    silent_since_ms: Option<i64>,
    /// Engineer: the user's first message after a reconnect restates its consent.
    awaiting_consent_restatement: bool,
    last_sent_ms: i64,
    last_received_ms: i64,
    next_chat_id: u64,
    frames_dropped: u64,
    outbox: VecDeque<Message>,
    frames_out: VecDeque<(u64, Vec<u8>)>,
    cursor_out: Option<(u32, u32)>,
    /// The step waiting for an answer, and when it was (last) sent, unix ms.
    pending_step: Option<(StepCard, i64)>,
    annotations_visible: bool,
    /// After "Don't allow": no new request before this time, unix ms.
    ask_again_at_ms: Option<i64>,
    /// The user chose "Don't ask again in this session".
    no_more_requests: bool,
    /// What the peer sent of each limited kind.
    peer_limits: PeerLimits,
    /// On hold, and why (set by the engineer's side).
    held: Option<HoldReason>,
    events: VecDeque<SessionEvent>,
}

impl Session {
    /// A new, connected session at `now_ms`; the hello is queued.
    pub fn new(role: Role, display_name: &str, now_ms: i64) -> Self {
        let mut session = Self {
            role,
            consent: ConsentState::NotRequested,
            peer_name: None,
            ended: None,
            ended_by_peer: false,
            connected: true,
            timing: LinkTiming::default(),
            disconnected_at_ms: None,
            silent_since_ms: None,
            awaiting_consent_restatement: false,
            last_sent_ms: now_ms,
            last_received_ms: now_ms,
            next_chat_id: 1,
            frames_dropped: 0,
            outbox: VecDeque::new(),
            frames_out: VecDeque::new(),
            cursor_out: None,
            pending_step: None,
            annotations_visible: false,
            ask_again_at_ms: None,
            no_more_requests: false,
            peer_limits: PeerLimits::default(),
            held: None,
            events: VecDeque::new(),
        };
        let display_name: String = display_name.chars().take(super::message::MAX_NAME_CHARS).collect();
        session.outbox.push_back(Message::Hello { protocol_version: PROTOCOL_VERSION, role, display_name });
        session
    }

    /// The same session watching its link with `timing` instead of the defaults.
    #[must_use]
    pub fn with_link_timing(mut self, timing: LinkTiming) -> Self {
        self.timing = timing;
        self
    }

    // ---- queries ----

    /// Engineer: the link just came back and the user's restated consent has not arrived yet;
    /// a new consent request now could cross it, so the app waits (a round trip).
    pub fn consent_settling(&self) -> bool {
        self.awaiting_consent_restatement
    }

    /// How this session watches its link.
    pub fn link_timing(&self) -> LinkTiming {
        self.timing
    }

    /// This side's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Where consent stands.
    pub fn consent(&self) -> &ConsentState {
        &self.consent
    }

    /// The peer's display name, once it said hello.
    pub fn peer_name(&self) -> Option<&str> {
        self.peer_name.as_deref()
    }

    /// Why the session ended, if it did.
    pub fn ended(&self) -> Option<&EndReason> {
        self.ended.as_ref()
    }

    /// Whether the peer ended the session (its End arrived).
    pub fn ended_by_peer(&self) -> bool {
        self.ended_by_peer
    }

    /// Whether the connection is up.
    pub fn is_connected(&self) -> bool {
        self.connected
    }

    /// Whether screen data may flow now: consent with the view scope, not paused, connected,
    /// not ended. The user side captures only while this holds.
    pub fn screen_allowed(&self) -> bool {
        self.ended.is_none()
            && self.held.is_none()
            && self.connected
            && matches!(self.consent, ConsentState::Granted { scopes, paused: false } if scopes.view)
    }

    /// Whether arrows may be shown on the user's screen now.
    pub fn pointers_allowed(&self) -> bool {
        self.ended.is_none()
            && self.held.is_none()
            && self.connected
            && matches!(self.consent, ConsentState::Granted { scopes, paused: false } if scopes.pointers)
    }

    /// Whether screen data flows and the record scope is in force: only then may the engineer
    /// keep anything of the user's screen (a screenshot, a recording).
    pub fn keeping_allowed(&self) -> bool {
        // After a reconnect the user may have paused or stopped during the cut: nothing is kept
        // until their restated consent arrives.
        self.screen_allowed()
            && !self.awaiting_consent_restatement
            && matches!(self.consent, ConsentState::Granted { scopes, .. } if scopes.record)
    }

    /// When the engineer may ask for consent again after a refusal, unix ms: `Some(0)` when
    /// nothing holds it back, `None` when the user asked not to be asked again in this session.
    pub fn consent_request_allowed_from_ms(&self) -> Option<i64> {
        if self.no_more_requests { None } else { Some(self.ask_again_at_ms.unwrap_or(0)) }
    }

    /// Why the session is on hold, if it is.
    pub fn held(&self) -> Option<HoldReason> {
        self.held
    }

    /// Screen messages the engineer side dropped because consent was not in force.
    pub fn frames_dropped(&self) -> u64 {
        self.frames_dropped
    }

    // ---- outputs ----

    /// The next message to send. Nothing goes out while the link is down: what was queued then
    /// (a pause, a chat line) waits for the reconnect.
    pub fn poll_transmit(&mut self, now_ms: i64) -> Option<Message> {
        if !self.connected {
            return None;
        }
        let message = self.outbox.pop_front()?;
        self.last_sent_ms = now_ms;
        Some(message)
    }

    /// The next screen update to send (user side), on its own stream. Updates queued while
    /// consent was in force are discarded the moment it stops (pause, revoke, drop, end).
    pub fn poll_frame(&mut self) -> Option<(u64, Vec<u8>)> {
        if !self.screen_allowed() {
            self.frames_out.clear();
            return None;
        }
        self.frames_out.pop_front()
    }

    /// The latest pointer position to send as a datagram (user side), only while screen data may
    /// flow; older positions are superseded, never queued.
    pub fn poll_cursor(&mut self) -> Option<Message> {
        let (x, y) = self.cursor_out.take()?;
        self.screen_allowed().then_some(Message::Cursor { x, y })
    }

    /// The next event for the UI and the transcript.
    pub fn poll_event(&mut self) -> Option<SessionEvent> {
        self.drop_annotations_if_not_allowed();
        self.events.pop_front()
    }

    /// When [`Session::handle_timeout`] should next be called, unix ms: the next heartbeat or
    /// the silence limit while connected, the end of the reconnect window while not.
    pub fn poll_timeout(&self) -> Option<i64> {
        if self.ended.is_some() {
            return None;
        }
        match self.disconnected_at_ms {
            Some(at_ms) if !self.connected => Some(at_ms.saturating_add(self.timing.reconnect_window_ms)),
            _ => Some(
                self.last_sent_ms
                    .saturating_add(self.timing.heartbeat_interval_ms)
                    .min(self.last_received_ms.saturating_add(self.timing.silence_limit_ms())),
            ),
        }
    }

    // ---- inputs ----

    /// Time passed: sends heartbeats; silence of two heartbeat intervals is a drop (the same
    /// rule on both sides, whether or not the transport noticed); a drop that outlasts the
    /// reconnect window ends the session.
    pub fn handle_timeout(&mut self, now_ms: i64) {
        if self.ended.is_some() {
            return;
        }
        if !self.connected {
            let window_ends_ms =
                self.disconnected_at_ms.map(|at_ms| at_ms.saturating_add(self.timing.reconnect_window_ms));
            if window_ends_ms.is_some_and(|ends_ms| now_ms >= ends_ms) {
                self.finish(EndReason::ReconnectWindowExpired, false, false);
            }
            return;
        }
        if now_ms - self.last_received_ms >= self.timing.silence_limit_ms() {
            self.handle_disconnect(now_ms);
            return;
        }
        if now_ms - self.last_sent_ms >= self.timing.heartbeat_interval_ms && self.outbox.is_empty() {
            self.outbox.push_back(Message::Heartbeat);
        }
    }

    /// The transport could not decode the peer's bytes: end with a clear reason.
    pub fn handle_decode_error(&mut self, error: &DecodeError) {
        self.violation(Violation::with_detail(ViolationCode::Undecodable, error.to_string()));
    }

    /// A message from the peer.
    pub fn handle_message(&mut self, now_ms: i64, message: Message) {
        if self.ended.is_some() {
            return;
        }
        self.last_received_ms = now_ms;
        if let Err(why) = message.validate() {
            return self.violation(Violation::with_detail(ViolationCode::OutOfBounds, why));
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
                self.events.push_back(SessionEvent::PeerHello { display_name });
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
                    self.events.push_back(SessionEvent::ConsentRequested(request));
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
                    *current = scopes;
                    self.events.push_back(SessionEvent::ScopesChanged(scopes));
                }
                _ => self.violation(Violation::new(ViolationCode::ScopesWithoutConsent)),
            },
            Message::Pause | Message::Resume if role == Role::Engineer => {
                let pause = matches!(message, Message::Pause);
                match &mut self.consent {
                    ConsentState::Granted { paused, .. } if *paused != pause => {
                        *paused = pause;
                        self.events.push_back(if pause {
                            SessionEvent::SharingPaused
                        } else {
                            SessionEvent::SharingResumed
                        });
                    }
                    // Repeats are harmless; outside consent they are not.
                    ConsentState::Granted { .. } => {}
                    _ => self.violation(Violation::new(ViolationCode::PauseWithoutConsent)),
                }
            }
            Message::Revoke if role == Role::Engineer => match self.consent {
                ConsentState::Granted { .. } | ConsentState::Requested(_) => {
                    self.consent = ConsentState::Revoked;
                    self.events.push_back(SessionEvent::ConsentRevoked);
                }
                _ => {}
            },
            Message::Chat { id, at_ms, text } => {
                let from = match role {
                    Role::Engineer => Role::User,
                    Role::User => Role::Engineer,
                };
                self.events.push_back(SessionEvent::Chat { from, id, at_ms, text });
            }
            Message::Annotate(annotation) if role == Role::User => {
                if self.pointers_allowed() {
                    self.annotations_visible = true;
                    self.events.push_back(SessionEvent::Annotation(annotation));
                }
            }
            Message::RemoveAnnotation { id } if role == Role::User => {
                self.events.push_back(SessionEvent::AnnotationRemoved { id });
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
                self.events.push_back(event);
                if let Some(arrow) = arrow {
                    self.annotations_visible = true;
                    self.events.push_back(SessionEvent::Annotation(arrow));
                }
            }
            Message::StepWithdrawn { step_id } if role == Role::User => {
                if self.pending_step.as_ref().is_some_and(|(card, _)| card.step_id == step_id) {
                    self.pending_step = None;
                    self.events.push_back(SessionEvent::StepSkipped { step_id });
                }
            }
            Message::StepAnswer { step_id, outcome, comment } if role == Role::Engineer => {
                match self.pending_step.take() {
                    Some((card, sent_at_ms)) if card.step_id == step_id => {
                        let seconds = (now_ms - sent_at_ms).max(0) / 1_000;
                        self.events.push_back(SessionEvent::StepAnswered { step_id, outcome, comment, seconds });
                    }
                    // An answer to a step that was skipped meanwhile: too late, ignore it.
                    other => self.pending_step = other,
                }
            }
            Message::GuidanceMode { overlay, why_not } if role == Role::Engineer => {
                self.events.push_back(SessionEvent::GuidanceMode { overlay, why_not });
            }
            Message::Hold(reason) if role == Role::User => {
                if self.held.is_none() {
                    self.held = Some(reason);
                    self.frames_out.clear();
                    self.events.push_back(SessionEvent::Held(reason));
                }
            }
            Message::Unhold if role == Role::User => {
                if self.held.take().is_some() {
                    self.events.push_back(SessionEvent::Unheld);
                }
            }
            Message::ScreenSize { width, height } if role == Role::Engineer => {
                self.events.push_back(SessionEvent::ScreenAnnounced { width, height });
            }
            Message::ScreenshotTaken { at_ms } if role == Role::User => {
                if !self.keeping_allowed() {
                    return self.violation(Violation::new(ViolationCode::ScreenshotWithoutRecord));
                }
                self.events.push_back(SessionEvent::ScreenshotTaken { at_ms });
            }
            Message::Cursor { x, y } if role == Role::Engineer => {
                if self.screen_allowed() {
                    self.events.push_back(SessionEvent::CursorMoved { x, y });
                }
            }
            Message::KeyframeRequest if role == Role::User => {
                if self.screen_allowed() {
                    self.events.push_back(SessionEvent::KeyframeRequested);
                }
            }
            Message::End(reason) => self.finish(reason, true, false),
            Message::Heartbeat => {}
            Message::Frame { seq, data } if role == Role::Engineer => {
                if self.screen_allowed() {
                    self.events.push_back(SessionEvent::FrameReceived { seq, data });
                } else {
                    self.frames_dropped += 1;
                }
            }
            other => self.violation(Violation::with_detail(
                ViolationCode::NotAllowed,
                format!("{} is not allowed from this peer", message_name(&other)),
            )),
        }
    }

    /// The connection dropped at `now_ms` (the transport saw it close, or the silence limit
    /// passed). Screen data stops until it is back; what is queued now is sent after the
    /// reconnect.
    pub fn handle_disconnect(&mut self, now_ms: i64) {
        if self.ended.is_some() || !self.connected {
            return;
        }
        self.connected = false;
        self.disconnected_at_ms = Some(now_ms);
        self.silent_since_ms = Some(self.last_received_ms.min(now_ms));
        self.outbox.retain(|message| !matches!(message, Message::Heartbeat));
        self.events.push_back(SessionEvent::Disconnected);
    }

    /// The connection is back at `now_ms`; `gap_ms` in the event is the whole silence, from the
    /// last message before the drop. Consent stays as it was only if it was in force; a pending
    /// request is dropped on both sides (the engineer asks again). The user's side restates its
    /// consent first thing, so a pause, stop or grant lost in the drop (or made during it)
    /// reaches the engineer before anything else.
    pub fn handle_reconnect(&mut self, now_ms: i64) {
        if self.ended.is_some() || self.connected {
            return;
        }
        self.connected = true;
        self.last_received_ms = now_ms;
        self.last_sent_ms = now_ms;
        self.disconnected_at_ms = None;
        if matches!(self.consent, ConsentState::Requested(_)) {
            self.consent = ConsentState::NotRequested;
        }
        match self.role {
            Role::Engineer => {
                self.outbox.retain(|message| !matches!(message, Message::ConsentRequest(_)));
                self.awaiting_consent_restatement = true;
            }
            Role::User => self.restate_consent(),
        }
        let gap_ms = now_ms - self.silent_since_ms.take().unwrap_or(now_ms);
        self.events.push_back(SessionEvent::Reconnected { gap_ms });
    }

    /// The reconnect window passed without a reconnection (or the peer no longer knows the
    /// session): the same ending as [`Session::handle_timeout`] gives at the window's end.
    pub fn handle_reconnect_expired(&mut self) {
        if self.ended.is_none() && !self.connected {
            self.finish(EndReason::ReconnectWindowExpired, false, false);
        }
    }

    /// User, after a reconnect: replaces queued consent messages with the consent as it stands
    /// now, at the front of the queue.
    fn restate_consent(&mut self) {
        self.outbox.retain(|message| {
            !matches!(
                message,
                Message::ConsentDecision(_)
                    | Message::ScopeChange(_)
                    | Message::Pause
                    | Message::Resume
                    | Message::Revoke
            )
        });
        match self.consent {
            ConsentState::Granted { scopes, paused } => {
                self.outbox.push_front(if paused { Message::Pause } else { Message::Resume });
                self.outbox.push_front(Message::ConsentDecision(Decision::Granted(scopes)));
            }
            // Nothing in force: said anyway, so the engineer knows at once that nothing was lost.
            ConsentState::Revoked | ConsentState::NotRequested | ConsentState::Requested(_) | ConsentState::Denied => {
                self.outbox.push_front(Message::Revoke);
            }
        }
    }

    /// Engineer, the first message after a reconnect: a restated grant is taken as the user's
    /// consent as it stands (whatever was lost in the drop), a restated stop ends consent in
    /// force. Returns the message when it is not a restatement.
    fn take_consent_restatement(&mut self, message: Message) -> Option<Message> {
        if !self.awaiting_consent_restatement || matches!(message, Message::Frame { .. } | Message::Cursor { .. }) {
            return Some(message);
        }
        self.awaiting_consent_restatement = false;
        match message {
            Message::ConsentDecision(Decision::Granted(scopes)) => {
                match &mut self.consent {
                    ConsentState::Granted { scopes: current, .. } => {
                        if *current != scopes {
                            *current = scopes;
                            self.events.push_back(SessionEvent::ScopesChanged(scopes));
                        }
                    }
                    _ => {
                        self.consent = ConsentState::Granted { scopes, paused: false };
                        self.events.push_back(SessionEvent::ConsentGranted(scopes));
                    }
                }
                None
            }
            Message::Revoke => {
                // A request made since the reconnect crossed this restatement: it stands.
                if matches!(self.consent, ConsentState::Granted { .. }) {
                    self.consent = ConsentState::Revoked;
                    self.events.push_back(SessionEvent::ConsentRevoked);
                }
                None
            }
            other => Some(other),
        }
    }

    // ---- commands ----

    fn check_open(&self) -> Result<(), CommandError> {
        if self.ended.is_some() { Err(CommandError::Ended) } else { Ok(()) }
    }

    fn require(&self, role: Role) -> Result<(), CommandError> {
        self.check_open()?;
        if self.role != role { Err(CommandError::WrongRole(role)) } else { Ok(()) }
    }

    /// Engineer: put the session on hold (e.g. the transcript cannot be written). Screen data,
    /// arrows, steps and requests stop on both sides until [`Session::unhold`].
    pub fn hold(&mut self, reason: HoldReason) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        if self.held.is_none() {
            self.held = Some(reason);
            self.outbox.push_back(Message::Hold(reason));
            self.events.push_back(SessionEvent::Held(reason));
        }
        Ok(())
    }

    /// Engineer: end the hold.
    pub fn unhold(&mut self) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        if self.held.take().is_some() {
            self.outbox.push_back(Message::Unhold);
            self.events.push_back(SessionEvent::Unheld);
        }
        Ok(())
    }

    fn check_not_held(&self) -> Result<(), CommandError> {
        if self.held.is_some() { Err(CommandError::NotNow("the session is on hold")) } else { Ok(()) }
    }

    /// Engineer: ask for consent (not within [`CONSENT_RETRY_WAIT_MS`] of a refusal, and never
    /// again after "Don't ask again in this session").
    pub fn request_consent(&mut self, now_ms: i64, request: ConsentRequest) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        self.check_not_held()?;
        let message = Message::ConsentRequest(request.clone());
        message.validate().map_err(CommandError::Invalid)?;
        if self.no_more_requests {
            return Err(CommandError::NotNow("the user asked not to be asked again in this session"));
        }
        if self.ask_again_at_ms.is_some_and(|at_ms| now_ms < at_ms) {
            return Err(CommandError::NotNow("the user said no less than 30 seconds ago"));
        }
        match self.consent {
            ConsentState::NotRequested | ConsentState::Denied | ConsentState::Revoked => {
                self.consent = ConsentState::Requested(request.clone());
                self.outbox.push_back(message);
                self.events.push_back(SessionEvent::ConsentRequested(request));
                Ok(())
            }
            _ => Err(CommandError::NotNow("a request or consent is already in force")),
        }
    }

    /// User: allow with these scopes (the Allow button).
    pub fn grant(&mut self, now_ms: i64, scopes: Scopes) -> Result<(), CommandError> {
        self.decide(now_ms, Decision::Granted(scopes))
    }

    /// User: refuse (the Don't allow button); with `dont_ask_again`, no further request is
    /// accepted in this session.
    pub fn deny(&mut self, now_ms: i64, dont_ask_again: bool) -> Result<(), CommandError> {
        self.decide(now_ms, Decision::Denied { dont_ask_again })
    }

    fn decide(&mut self, now_ms: i64, decision: Decision) -> Result<(), CommandError> {
        self.require(Role::User)?;
        if !matches!(self.consent, ConsentState::Requested(_)) {
            return Err(CommandError::NotNow("there is no request to answer"));
        }
        self.outbox.push_back(Message::ConsentDecision(decision));
        self.apply_decision(now_ms, decision);
        Ok(())
    }

    fn apply_decision(&mut self, now_ms: i64, decision: Decision) {
        match decision {
            Decision::Granted(scopes) => {
                self.consent = ConsentState::Granted { scopes, paused: false };
                self.events.push_back(SessionEvent::ConsentGranted(scopes));
            }
            Decision::Denied { dont_ask_again } => {
                self.consent = ConsentState::Denied;
                self.no_more_requests |= dont_ask_again;
                let ask_again_at_ms = now_ms.saturating_add(CONSENT_RETRY_WAIT_MS);
                self.ask_again_at_ms = Some(ask_again_at_ms);
                let ask_again_at_ms = (!self.no_more_requests).then_some(ask_again_at_ms);
                self.events.push_back(SessionEvent::ConsentDenied { dont_ask_again, ask_again_at_ms });
            }
        }
    }

    /// User: change what is allowed while consent is in force.
    pub fn change_scopes(&mut self, scopes: Scopes) -> Result<(), CommandError> {
        self.require(Role::User)?;
        match &mut self.consent {
            ConsentState::Granted { scopes: current, .. } => {
                if *current != scopes {
                    *current = scopes;
                    self.outbox.push_back(Message::ScopeChange(scopes));
                    self.events.push_back(SessionEvent::ScopesChanged(scopes));
                }
                Ok(())
            }
            _ => Err(CommandError::NotNow("consent is not in force")),
        }
    }

    /// User: pause sharing (capture stops at once).
    pub fn pause(&mut self) -> Result<(), CommandError> {
        self.set_paused(true)
    }

    /// User: resume sharing.
    pub fn resume(&mut self) -> Result<(), CommandError> {
        self.set_paused(false)
    }

    fn set_paused(&mut self, pause: bool) -> Result<(), CommandError> {
        self.require(Role::User)?;
        match &mut self.consent {
            ConsentState::Granted { paused, .. } => {
                if *paused != pause {
                    *paused = pause;
                    self.outbox.push_back(if pause { Message::Pause } else { Message::Resume });
                    self.events.push_back(if pause {
                        SessionEvent::SharingPaused
                    } else {
                        SessionEvent::SharingResumed
                    });
                }
                Ok(())
            }
            _ => Err(CommandError::NotNow("consent is not in force")),
        }
    }

    /// User: withdraw consent (Stop sharing). Works on a pending request too.
    pub fn revoke(&mut self) -> Result<(), CommandError> {
        self.require(Role::User)?;
        match self.consent {
            ConsentState::Granted { .. } | ConsentState::Requested(_) => {
                self.consent = ConsentState::Revoked;
                self.outbox.push_back(Message::Revoke);
                self.events.push_back(SessionEvent::ConsentRevoked);
                Ok(())
            }
            _ => Err(CommandError::NotNow("consent is not in force")),
        }
    }

    /// Either side: send a chat line; returns its id.
    pub fn send_chat(&mut self, now_ms: i64, text: &str) -> Result<u64, CommandError> {
        self.check_open()?;
        self.check_not_held()?;
        let text = text.trim();
        if text.is_empty() {
            return Err(CommandError::Invalid("the message is empty".into()));
        }
        let id = self.next_chat_id;
        let message = Message::Chat { id, at_ms: now_ms, text: text.to_owned() };
        message.validate().map_err(CommandError::Invalid)?;
        self.next_chat_id += 1;
        self.outbox.push_back(message);
        self.events.push_back(SessionEvent::Chat { from: self.role, id, at_ms: now_ms, text: text.to_owned() });
        Ok(id)
    }

    /// Engineer: keep a screenshot of the shared screen. Allowed only while the screen is shared
    /// and the record scope is in force; the user is told.
    pub fn take_screenshot(&mut self, now_ms: i64) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        if !self.keeping_allowed() {
            return Err(CommandError::NotNow("the user has not allowed recording"));
        }
        self.outbox.push_back(Message::ScreenshotTaken { at_ms: now_ms });
        self.events.push_back(SessionEvent::ScreenshotTaken { at_ms: now_ms });
        Ok(())
    }

    /// User: announce the size of the shared screen (before its first update, and when it
    /// changes); larger updates are refused by the engineer's side.
    pub fn announce_screen(&mut self, width: u32, height: u32) -> Result<(), CommandError> {
        self.require(Role::User)?;
        check_screen_size(width, height).map_err(CommandError::Invalid)?;
        self.outbox.push_back(Message::ScreenSize { width, height });
        Ok(())
    }

    /// User: queue screen data; refused unless [`Session::screen_allowed`].
    pub fn send_frame(&mut self, seq: u64, data: Vec<u8>) -> Result<(), CommandError> {
        self.require(Role::User)?;
        if !self.screen_allowed() {
            return Err(CommandError::NotNow("consent to view the screen is not in force"));
        }
        self.frames_out.push_back((seq, data));
        Ok(())
    }

    // ---- guidance ----

    /// The step waiting for an answer, if any.
    pub fn pending_step(&self) -> Option<&StepCard> {
        self.pending_step.as_ref().map(|(card, _)| card)
    }

    fn clear_annotations_locally(&mut self) {
        if self.annotations_visible {
            self.annotations_visible = false;
            self.events.push_back(SessionEvent::AnnotationsCleared);
        }
    }

    /// Engineer: draw an arrow or highlight on the user's screen (needs the pointers scope).
    pub fn annotate(&mut self, annotation: Annotation) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        annotation.validate().map_err(CommandError::Invalid)?;
        if !self.pointers_allowed() {
            return Err(CommandError::NotNow("the user has not allowed arrows on their screen"));
        }
        self.annotations_visible = true;
        self.outbox.push_back(Message::Annotate(annotation.clone()));
        self.events.push_back(SessionEvent::Annotation(annotation));
        Ok(())
    }

    /// Engineer: remove one annotation (undo).
    pub fn remove_annotation(&mut self, id: u64) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        self.outbox.push_back(Message::RemoveAnnotation { id });
        self.events.push_back(SessionEvent::AnnotationRemoved { id });
        Ok(())
    }

    /// Engineer: remove every annotation.
    pub fn clear_annotations(&mut self) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        self.outbox.push_back(Message::ClearAnnotations);
        self.annotations_visible = true;
        self.clear_annotations_locally();
        Ok(())
    }

    /// Engineer: send the next step; refused while the current one is unanswered.
    pub fn send_step(&mut self, now_ms: i64, card: StepCard) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        self.check_not_held()?;
        card.validate().map_err(CommandError::Invalid)?;
        if self.pending_step.is_some() {
            return Err(CommandError::NotNow("the user has not answered the current step yet"));
        }
        if card.annotation.is_some() && !self.pointers_allowed() {
            return Err(CommandError::NotNow("the user has not allowed arrows on their screen"));
        }
        self.outbox.push_back(Message::Step(card.clone()));
        self.pending_step = Some((card.clone(), now_ms));
        self.events.push_back(SessionEvent::StepSent { card, resent: false });
        Ok(())
    }

    /// Engineer: send the current step again (the clock keeps running from the first send).
    pub fn resend_step(&mut self) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        let Some((card, _)) = &self.pending_step else { return Err(CommandError::NotNow("no step is waiting")) };
        let card = card.clone();
        self.outbox.push_back(Message::Step(card.clone()));
        self.events.push_back(SessionEvent::StepSent { card, resent: true });
        Ok(())
    }

    /// Engineer: change the waiting step's text and send it again.
    pub fn edit_step(&mut self, card: StepCard) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        card.validate().map_err(CommandError::Invalid)?;
        match &mut self.pending_step {
            Some((current, _)) if current.step_id == card.step_id => {
                *current = card.clone();
                self.outbox.push_back(Message::Step(card.clone()));
                self.events.push_back(SessionEvent::StepEdited(card));
                Ok(())
            }
            _ => Err(CommandError::NotNow("only the waiting step can be edited")),
        }
    }

    /// Engineer: skip the waiting step (recorded); the next one may go out.
    pub fn skip_step(&mut self) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        let Some((card, _)) = self.pending_step.take() else {
            return Err(CommandError::NotNow("no step is waiting"));
        };
        self.outbox.push_back(Message::StepWithdrawn { step_id: card.step_id });
        self.events.push_back(SessionEvent::StepSkipped { step_id: card.step_id });
        Ok(())
    }

    /// User: answer the current step (Done / Didn't work / I'm stuck).
    pub fn answer_step(&mut self, step_id: u64, outcome: StepOutcome, comment: &str) -> Result<(), CommandError> {
        self.require(Role::User)?;
        validate_comment(comment).map_err(CommandError::Invalid)?;
        if self.pending_step.as_ref().is_none_or(|(card, _)| card.step_id != step_id) {
            return Err(CommandError::NotNow("this step is not waiting for an answer"));
        }
        self.pending_step = None;
        let comment = comment.trim().to_owned();
        self.outbox.push_back(Message::StepAnswer { step_id, outcome, comment: comment.clone() });
        self.events.push_back(SessionEvent::StepAnswered { step_id, outcome, comment, seconds: 0 });
        Ok(())
    }

    /// User: tell the engineer how arrows will be shown, and why not over the real screen.
    pub fn announce_guidance_mode(&mut self, overlay: bool, why_not: Option<NoOverlay>) -> Result<(), CommandError> {
        self.require(Role::User)?;
        let why_not = why_not.map(|mut why| {
            why.detail = why.detail.map(|detail| detail.chars().take(super::message::MAX_PURPOSE_CHARS).collect());
            why
        });
        self.outbox.push_back(Message::GuidanceMode { overlay, why_not });
        Ok(())
    }

    /// User: the pointer is here now (dropped unless the screen is shared).
    pub fn send_cursor(&mut self, x: u32, y: u32) -> Result<(), CommandError> {
        self.require(Role::User)?;
        if self.screen_allowed() {
            self.cursor_out = Some((x, y));
        }
        Ok(())
    }

    /// Engineer: ask for a full screen update (the viewer lost state). Ignored outside consent.
    pub fn request_keyframe(&mut self) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        if self.screen_allowed() {
            self.outbox.push_back(Message::KeyframeRequest);
        }
        Ok(())
    }

    /// Either side: end the session.
    pub fn end(&mut self) -> Result<(), CommandError> {
        self.check_open()?;
        let reason = match self.role {
            Role::Engineer => EndReason::EngineerEnded,
            Role::User => EndReason::UserStopped,
        };
        self.finish(reason, false, true);
        Ok(())
    }

    fn violation(&mut self, why: Violation) {
        self.finish(EndReason::ProtocolViolation(why), false, true);
    }

    /// User side: arrows disappear the moment they are no longer allowed.
    fn drop_annotations_if_not_allowed(&mut self) {
        if self.role == Role::User && !self.pointers_allowed() {
            self.clear_annotations_locally();
        }
    }

    fn finish(&mut self, reason: EndReason, by_peer: bool, tell_peer: bool) {
        if self.ended.is_some() {
            return;
        }
        self.annotations_visible = false;
        if matches!(self.consent, ConsentState::Granted { .. } | ConsentState::Requested(_)) {
            self.consent = ConsentState::Revoked;
        }
        self.outbox.clear();
        if tell_peer && !by_peer && self.connected {
            self.outbox.push_back(Message::End(reason.clone()));
        }
        self.ended = Some(reason.clone());
        self.ended_by_peer = by_peer;
        self.events.push_back(SessionEvent::Ended { reason, by_peer });
    }
}

fn message_name(message: &Message) -> &'static str {
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
    }
}

/// Which limit a message from the peer counts against, if any (see [`PeerLimits`]).
fn limited_kind(receiver: Role, message: &Message) -> Option<LimitedKind> {
    match (receiver, message) {
        (_, Message::Chat { .. }) => Some(LimitedKind::Chat),
        (
            Role::Engineer,
            Message::ScopeChange(_)
            | Message::Pause
            | Message::Resume
            | Message::ScreenSize { .. }
            | Message::GuidanceMode { .. },
        ) => Some(LimitedKind::ConsentChange),
        (Role::Engineer, Message::StepAnswer { .. }) => Some(LimitedKind::StepAnswer),
        (Role::User, Message::Annotate(_) | Message::RemoveAnnotation { .. } | Message::ClearAnnotations) => {
            Some(LimitedKind::Annotation)
        }
        (Role::User, Message::Step(_) | Message::StepWithdrawn { .. }) => Some(LimitedKind::Step),
        (Role::User, Message::ScreenshotTaken { .. }) => Some(LimitedKind::Screenshot),
        (Role::User, Message::Hold(_) | Message::Unhold) => Some(LimitedKind::Step),
        _ => None,
    }
}
