//! One peer's session: hello, consent (request → granted with scopes / denied → paused ⇄ live →
//! revoked), chat, heartbeats, end. Inputs are `handle_*`, commands are methods, outputs are
//! `poll_*`; time (unix ms) is always passed in.
//!
//! The invariant later layers rely on: the user side lets screen data out only while consent
//! with the view scope is in force (granted, not paused, connected); the engineer side drops
//! any that arrives outside it.

use std::collections::VecDeque;

use super::codec::DecodeError;
use super::message::{ConsentRequest, Decision, EndReason, Message, PROTOCOL_VERSION, Role, Scopes};

/// Send a heartbeat when nothing was sent for this long.
pub const HEARTBEAT_INTERVAL_MS: i64 = 5_000;
/// End the session when nothing was received for this long while connected.
pub const LIVENESS_TIMEOUT_MS: i64 = 30_000;

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
    ConsentDenied,
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
    disconnected_at_ms: Option<i64>,
    last_sent_ms: i64,
    last_received_ms: i64,
    next_chat_id: u64,
    frames_dropped: u64,
    outbox: VecDeque<Message>,
    frames_out: VecDeque<(u64, Vec<u8>)>,
    cursor_out: Option<(u32, u32)>,
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
            disconnected_at_ms: None,
            last_sent_ms: now_ms,
            last_received_ms: now_ms,
            next_chat_id: 1,
            frames_dropped: 0,
            outbox: VecDeque::new(),
            frames_out: VecDeque::new(),
            cursor_out: None,
            events: VecDeque::new(),
        };
        let display_name: String = display_name.chars().take(super::message::MAX_NAME_CHARS).collect();
        session.outbox.push_back(Message::Hello { protocol_version: PROTOCOL_VERSION, role, display_name });
        session
    }

    // ---- queries ----

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
            && self.connected
            && matches!(self.consent, ConsentState::Granted { scopes, paused: false } if scopes.view)
    }

    /// Whether arrows may be shown on the user's screen now.
    pub fn pointers_allowed(&self) -> bool {
        self.ended.is_none()
            && self.connected
            && matches!(self.consent, ConsentState::Granted { scopes, paused: false } if scopes.pointers)
    }

    /// Screen messages the engineer side dropped because consent was not in force.
    pub fn frames_dropped(&self) -> u64 {
        self.frames_dropped
    }

    // ---- outputs ----

    /// The next message to send.
    pub fn poll_transmit(&mut self, now_ms: i64) -> Option<Message> {
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
        self.events.pop_front()
    }

    /// When [`Session::handle_timeout`] should next be called, unix ms.
    pub fn poll_timeout(&self) -> Option<i64> {
        if self.ended.is_some() || !self.connected {
            return None;
        }
        Some((self.last_sent_ms + HEARTBEAT_INTERVAL_MS).min(self.last_received_ms + LIVENESS_TIMEOUT_MS))
    }

    // ---- inputs ----

    /// Time passed: sends heartbeats, ends a silent session.
    pub fn handle_timeout(&mut self, now_ms: i64) {
        if self.ended.is_some() || !self.connected {
            return;
        }
        if now_ms - self.last_received_ms >= LIVENESS_TIMEOUT_MS {
            self.finish(EndReason::Timeout, false, false);
            return;
        }
        if now_ms - self.last_sent_ms >= HEARTBEAT_INTERVAL_MS && self.outbox.is_empty() {
            self.outbox.push_back(Message::Heartbeat);
        }
    }

    /// The transport could not decode the peer's bytes: end with a clear reason.
    pub fn handle_decode_error(&mut self, error: &DecodeError) {
        self.violation(error.to_string());
    }

    /// A message from the peer.
    pub fn handle_message(&mut self, now_ms: i64, message: Message) {
        if self.ended.is_some() {
            return;
        }
        self.last_received_ms = now_ms;
        if let Err(why) = message.validate() {
            return self.violation(why);
        }
        let role = self.role;
        if self.peer_name.is_none() && !matches!(message, Message::Hello { .. }) {
            return self.violation("a message arrived before hello".into());
        }
        match message {
            Message::Hello { protocol_version, role: peer_role, display_name } => {
                if protocol_version != PROTOCOL_VERSION {
                    return self.finish(EndReason::IncompatibleVersion { peer: protocol_version }, true, true);
                }
                if peer_role == role || self.peer_name.is_some() {
                    return self.violation("unexpected hello".into());
                }
                self.peer_name = Some(display_name.clone());
                self.events.push_back(SessionEvent::PeerHello { display_name });
            }
            Message::ConsentRequest(request) if role == Role::User => match self.consent {
                ConsentState::NotRequested | ConsentState::Denied | ConsentState::Revoked => {
                    self.consent = ConsentState::Requested(request.clone());
                    self.events.push_back(SessionEvent::ConsentRequested(request));
                }
                _ => self.violation("consent was requested while a request or consent is in force".into()),
            },
            Message::ConsentDecision(decision) if role == Role::Engineer => {
                if !matches!(self.consent, ConsentState::Requested(_)) {
                    return self.violation("a consent decision arrived without a request".into());
                }
                self.apply_decision(decision);
            }
            Message::ScopeChange(scopes) if role == Role::Engineer => match &mut self.consent {
                ConsentState::Granted { scopes: current, .. } => {
                    *current = scopes;
                    self.events.push_back(SessionEvent::ScopesChanged(scopes));
                }
                _ => self.violation("scopes changed without consent".into()),
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
                    _ => self.violation("pause or resume without consent".into()),
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
            other => self.violation(format!("{} is not allowed from this peer", message_name(&other))),
        }
    }

    /// The connection dropped at `now_ms`. Screen data stops until it is back.
    pub fn handle_disconnect(&mut self, now_ms: i64) {
        if self.ended.is_some() || !self.connected {
            return;
        }
        self.connected = false;
        self.disconnected_at_ms = Some(now_ms);
        self.outbox.clear();
        self.events.push_back(SessionEvent::Disconnected);
    }

    /// The connection is back at `now_ms`. Consent stays as it was only if it was in force; a
    /// pending request is dropped (the engineer asks again).
    pub fn handle_reconnect(&mut self, now_ms: i64) {
        if self.ended.is_some() || self.connected {
            return;
        }
        self.connected = true;
        self.last_received_ms = now_ms;
        self.last_sent_ms = now_ms;
        if matches!(self.consent, ConsentState::Requested(_)) {
            self.consent = ConsentState::NotRequested;
        }
        let gap_ms = now_ms - self.disconnected_at_ms.take().unwrap_or(now_ms);
        self.events.push_back(SessionEvent::Reconnected { gap_ms });
    }

    /// The reconnect window passed without a reconnection.
    pub fn handle_reconnect_expired(&mut self) {
        if self.ended.is_none() && !self.connected {
            self.finish(EndReason::ReconnectWindowExpired, false, false);
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

    /// Engineer: ask for consent.
    pub fn request_consent(&mut self, request: ConsentRequest) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        let message = Message::ConsentRequest(request.clone());
        message.validate().map_err(CommandError::Invalid)?;
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
    pub fn grant(&mut self, scopes: Scopes) -> Result<(), CommandError> {
        self.decide(Decision::Granted(scopes))
    }

    /// User: refuse (the Don't allow button).
    pub fn deny(&mut self) -> Result<(), CommandError> {
        self.decide(Decision::Denied)
    }

    fn decide(&mut self, decision: Decision) -> Result<(), CommandError> {
        self.require(Role::User)?;
        if !matches!(self.consent, ConsentState::Requested(_)) {
            return Err(CommandError::NotNow("there is no request to answer"));
        }
        self.outbox.push_back(Message::ConsentDecision(decision));
        self.apply_decision(decision);
        Ok(())
    }

    fn apply_decision(&mut self, decision: Decision) {
        match decision {
            Decision::Granted(scopes) => {
                self.consent = ConsentState::Granted { scopes, paused: false };
                self.events.push_back(SessionEvent::ConsentGranted(scopes));
            }
            Decision::Denied => {
                self.consent = ConsentState::Denied;
                self.events.push_back(SessionEvent::ConsentDenied);
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

    /// User: queue screen data; refused unless [`Session::screen_allowed`].
    pub fn send_frame(&mut self, seq: u64, data: Vec<u8>) -> Result<(), CommandError> {
        self.require(Role::User)?;
        if !self.screen_allowed() {
            return Err(CommandError::NotNow("consent to view the screen is not in force"));
        }
        self.frames_out.push_back((seq, data));
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

    fn violation(&mut self, why: String) {
        self.finish(EndReason::ProtocolViolation(why), false, true);
    }

    fn finish(&mut self, reason: EndReason, by_peer: bool, tell_peer: bool) {
        if self.ended.is_some() {
            return;
        }
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
        Message::Cursor { .. } => "a pointer position",
    }
}
