//! One peer's session: hello, consent (request → granted with scopes / denied → paused ⇄ live →
//! revoked), chat, heartbeats, end. Inputs are `handle_*`, commands are methods, outputs are
//! `poll_*`; time (unix ms) is always passed in.
//!
//! The invariant later layers rely on: the user side lets screen data out only while consent
//! with the view scope is in force (granted, not paused, connected); the engineer side drops
//! any that arrives outside it. Likewise the user side applies the engineer's input only while
//! the control scope is in force on top of that (see `control.rs`).

mod annotations;
mod command;
mod consent;
mod control;
mod error;
mod event;
mod hold;
mod link;
mod monitors;
mod receive;
mod screen_share;
mod steps;
mod still;
mod survey;

use std::collections::VecDeque;

use super::framing::DecodeError;
use super::guidance::StepCard;
use super::limits::PeerLimits;
use super::message::{EndReason, HoldReason, Message, PROTOCOL_VERSION, Role};
use super::reasons::{Violation, ViolationCode};
use super::survey::SurveyTiming;
use super::validation::ValidationError;

pub use command::SessionCommand;
pub use consent::ConsentState;
pub use error::{CommandError, NotNowReason};
pub use event::{ReceivedFrame, SessionEvent};
pub use link::{HEARTBEAT_INTERVAL_MS, LinkTiming, MISSED_HEARTBEATS, RECONNECT_WINDOW_MS};

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
    /// Screen updates accepted from the peer (engineer side), apart from the events.
    frames_in: VecDeque<ReceivedFrame>,
    /// When the session began (the peers were paired), unix ms.
    started_at_ms: i64,
    /// The latest time any input carried, unix ms (the end has no clock of its own).
    latest_ms: i64,
    /// The exit survey after a normal end.
    survey: survey::SurveyPhase,
    /// When a survey is offered and how long its reply is awaited.
    survey_timing: SurveyTiming,
    /// Remote control: request, take-back, input in and out.
    control: control::ControlState,
    /// Monitor choice: the user's list and a pending switch request.
    monitors: monitors::MonitorState,
    /// The mode (live / guidance-only) and the still asked for.
    still: still::StillState,
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
            frames_in: VecDeque::new(),
            started_at_ms: now_ms,
            latest_ms: now_ms,
            survey: survey::SurveyPhase::NotDue,
            survey_timing: SurveyTiming::default(),
            control: control::ControlState::default(),
            monitors: monitors::MonitorState::default(),
            still: still::StillState::default(),
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

    /// The next message to send. Nothing goes out while the link is down: what was queued then
    /// (a pause, a chat line) waits for the reconnect.
    pub fn poll_transmit(&mut self, now_ms: i64) -> Option<Message> {
        if !self.connected {
            return None;
        }
        let message = self.outbox.pop_front()?;
        self.last_sent_ms = now_ms;
        self.latest_ms = self.latest_ms.max(now_ms);
        Some(message)
    }

    /// The next event for the UI and the transcript.
    pub fn poll_event(&mut self) -> Option<SessionEvent> {
        self.drop_annotations_if_not_allowed();
        self.events.pop_front()
    }

    /// The transport could not decode the peer's bytes: end with a clear reason.
    pub fn handle_decode_error(&mut self, error: &DecodeError) {
        self.violation(Violation::with_detail(ViolationCode::Undecodable, error.to_string()));
    }

    /// Either side: send a chat line; returns its id.
    pub fn send_chat(&mut self, now_ms: i64, text: &str) -> Result<u64, CommandError> {
        self.check_open()?;
        self.check_not_held()?;
        let text = text.trim();
        if text.is_empty() {
            return Err(CommandError::Invalid(ValidationError::EmptyChatLine));
        }
        let id = self.next_chat_id;
        let message = Message::Chat { id, at_ms: now_ms, text: text.to_owned() };
        message.validate().map_err(CommandError::Invalid)?;
        self.next_chat_id += 1;
        self.outbox.push_back(message);
        self.emit(SessionEvent::Chat { from: self.role, id, at_ms: now_ms, text: text.to_owned() });
        Ok(id)
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

    pub(super) fn check_open(&self) -> Result<(), CommandError> {
        if self.ended.is_some() { Err(CommandError::Ended) } else { Ok(()) }
    }

    pub(super) fn require(&self, role: Role) -> Result<(), CommandError> {
        self.check_open()?;
        if self.role != role { Err(CommandError::WrongRole(role)) } else { Ok(()) }
    }

    /// Queues an event. An accepted screen update still waiting is dropped when the event finds
    /// the screen no longer shared (paused, stopped, held, dropped, ended…), so no update from
    /// before it can be shown after it; the monitor list and a switch request are forgotten then.
    pub(super) fn emit(&mut self, event: SessionEvent) {
        if !self.screen_allowed() {
            self.frames_in.clear();
            self.forget_monitors();
            self.forget_still();
        }
        if matches!(event, SessionEvent::ConsentRevoked | SessionEvent::ControlRevoked | SessionEvent::Ended { .. }) {
            self.flush_input_tally();
        }
        self.events.push_back(event);
    }

    pub(super) fn violation(&mut self, why: Violation) {
        self.finish(EndReason::ProtocolViolation(why), false, true);
    }

    pub(super) fn finish(&mut self, reason: EndReason, by_peer: bool, tell_peer: bool) {
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
        self.emit(SessionEvent::Ended { reason: reason.clone(), by_peer });
        self.open_survey(&reason);
    }
}

#[cfg(test)]
mod tests;
