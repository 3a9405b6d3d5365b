//! Consent and its scopes: the engineer's request, the user's decision, scope changes, pause,
//! resume and revoke, and the restatement of consent after a reconnect.

use super::{CommandError, NotNowReason, Session, SessionEvent};
use crate::protocol::message::{CONSENT_RETRY_WAIT_MS, ConsentRequest, Decision, Message, Role, Scopes};

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

impl Session {
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

    /// Engineer: the link just came back and the user's restated consent has not arrived yet;
    /// a new consent request now could cross it, so the app waits (a round trip).
    pub fn consent_settling(&self) -> bool {
        self.awaiting_consent_restatement
    }

    /// Engineer: ask for consent (not within [`CONSENT_RETRY_WAIT_MS`] of a refusal, and never
    /// again after "Don't ask again in this session").
    pub fn request_consent(&mut self, now_ms: i64, request: ConsentRequest) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        self.check_not_held()?;
        let message = Message::ConsentRequest(request.clone());
        message.validate().map_err(CommandError::Invalid)?;
        if self.no_more_requests {
            return Err(CommandError::NotNow(NotNowReason::DontAskAgain));
        }
        if self.ask_again_at_ms.is_some_and(|at_ms| now_ms < at_ms) {
            return Err(CommandError::NotNow(NotNowReason::AskedTooSoon));
        }
        // Just reconnected: the user's restated consent (always sent first) may still grant, and
        // a request crossing it would be one "while consent is in force". Wait for it.
        if self.awaiting_consent_restatement {
            return Err(CommandError::NotNow(NotNowReason::AlreadyInForce));
        }
        match self.consent {
            ConsentState::NotRequested | ConsentState::Denied | ConsentState::Revoked => {
                self.consent = ConsentState::Requested(request.clone());
                self.outbox.push_back(message);
                self.emit(SessionEvent::ConsentRequested(request));
                Ok(())
            }
            _ => Err(CommandError::NotNow(NotNowReason::AlreadyInForce)),
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

    pub(super) fn decide(&mut self, now_ms: i64, decision: Decision) -> Result<(), CommandError> {
        self.require(Role::User)?;
        if !matches!(self.consent, ConsentState::Requested(_)) {
            return Err(CommandError::NotNow(NotNowReason::NoRequest));
        }
        self.outbox.push_back(Message::ConsentDecision(decision));
        self.apply_decision(now_ms, decision);
        Ok(())
    }

    pub(super) fn apply_decision(&mut self, now_ms: i64, decision: Decision) {
        match decision {
            Decision::Granted(scopes) => {
                self.consent = ConsentState::Granted { scopes, paused: false };
                self.emit(SessionEvent::ConsentGranted(scopes));
                if scopes.control {
                    self.emit(SessionEvent::ControlGranted);
                }
            }
            Decision::Denied { dont_ask_again } => {
                self.consent = ConsentState::Denied;
                self.no_more_requests |= dont_ask_again;
                let ask_again_at_ms = now_ms.saturating_add(CONSENT_RETRY_WAIT_MS);
                self.ask_again_at_ms = Some(ask_again_at_ms);
                let ask_again_at_ms = (!self.no_more_requests).then_some(ask_again_at_ms);
                self.emit(SessionEvent::ConsentDenied { dont_ask_again, ask_again_at_ms });
            }
        }
    }

    /// User: change what is allowed while consent is in force.
    pub fn change_scopes(&mut self, scopes: Scopes) -> Result<(), CommandError> {
        self.require(Role::User)?;
        match &mut self.consent {
            ConsentState::Granted { scopes: current, .. } => {
                let old = *current;
                if old != scopes {
                    *current = scopes;
                    self.outbox.push_back(Message::ScopeChange(scopes));
                    self.emit_scope_change(old, scopes);
                }
                Ok(())
            }
            _ => Err(CommandError::NotNow(NotNowReason::ConsentNotInForce)),
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

    pub(super) fn set_paused(&mut self, pause: bool) -> Result<(), CommandError> {
        self.require(Role::User)?;
        match &mut self.consent {
            ConsentState::Granted { paused, .. } => {
                if *paused != pause {
                    *paused = pause;
                    self.outbox.push_back(if pause { Message::Pause } else { Message::Resume });
                    self.emit(if pause { SessionEvent::SharingPaused } else { SessionEvent::SharingResumed });
                }
                Ok(())
            }
            _ => Err(CommandError::NotNow(NotNowReason::ConsentNotInForce)),
        }
    }

    /// User: withdraw consent (Stop sharing). Works on a pending request too.
    pub fn revoke(&mut self) -> Result<(), CommandError> {
        self.require(Role::User)?;
        match self.consent {
            ConsentState::Granted { .. } | ConsentState::Requested(_) => {
                self.consent = ConsentState::Revoked;
                self.outbox.push_back(Message::Revoke);
                self.emit(SessionEvent::ConsentRevoked);
                Ok(())
            }
            _ => Err(CommandError::NotNow(NotNowReason::ConsentNotInForce)),
        }
    }

    /// User, after a reconnect: replaces queued consent messages with the consent as it stands
    /// now, at the front of the queue.
    pub(super) fn restate_consent(&mut self) {
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
    pub(super) fn take_consent_restatement(&mut self, message: Message) -> Option<Message> {
        if !self.awaiting_consent_restatement
            || matches!(message, Message::Frame { .. } | Message::Cursor { .. } | Message::ControlTakenBack)
        {
            return Some(message);
        }
        self.awaiting_consent_restatement = false;
        match message {
            Message::ConsentDecision(Decision::Granted(scopes)) => {
                match &mut self.consent {
                    ConsentState::Granted { scopes: current, .. } => {
                        let old = *current;
                        *current = scopes;
                        self.emit_scope_change(old, scopes);
                    }
                    _ => {
                        self.consent = ConsentState::Granted { scopes, paused: false };
                        self.emit(SessionEvent::ConsentGranted(scopes));
                        if scopes.control {
                            self.emit(SessionEvent::ControlGranted);
                        }
                    }
                }
                None
            }
            Message::Revoke => {
                // A request made since the reconnect crossed this restatement: it stands.
                if matches!(self.consent, ConsentState::Granted { .. }) {
                    self.consent = ConsentState::Revoked;
                    self.emit(SessionEvent::ConsentRevoked);
                }
                None
            }
            other => Some(other),
        }
    }
}
