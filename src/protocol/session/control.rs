//! Remote control, the fourth scope: the engineer's request, the user's grant, refusal and
//! revoke, the user's own input taking control back for [`CONTROL_TAKE_BACK_MS`], and the
//! engineer's input events, applied on the user's side only while the scope is in force.
//! Input is never recorded, only counted per minute.

use super::{CommandError, ConsentState, NotNowReason, Session, SessionEvent};
use crate::protocol::input::{CONTROL_TAKE_BACK_MS, HeldInput, InputEvent};
use crate::protocol::message::{Message, Role, Scopes};
use crate::protocol::reasons::{Violation, ViolationCode};

/// The remote control state of one side.
#[derive(Debug, Default)]
pub(super) struct ControlState {
    /// Engineer: a request is unanswered. User: a request waits for the user's answer.
    requested: bool,
    /// Until when the user's own input keeps the engineer's out, unix ms (this side's clock).
    taken_back_until_ms: i64,
    /// Engineer: the last input sequence number sent. User: the last one received.
    last_seq: u64,
    /// User: input accepted under the scope, waiting to be applied.
    pending: std::collections::VecDeque<InputEvent>,
    /// User: buttons and keys the applied input holds down (let go when control stops).
    held: std::collections::BTreeSet<HeldInput>,
    /// User: input that arrived outside the scope and was dropped.
    dropped: u64,
    /// Input per minute (sent on the engineer's side, applied on the user's).
    tally: crate::protocol::input::InputTally,
    /// User: the announced screen size; input outside it is dropped.
    screen: Option<(u32, u32)>,
}

impl Session {
    /// Whether the control scope is in force: the screen is shared (view granted, not paused,
    /// connected, not held, consent not waiting to be restated) and control was granted. The
    /// user's own input may still have taken it back for a moment ([`Session::control_allowed`]).
    pub fn control_in_force(&self) -> bool {
        self.screen_allowed()
            && !self.awaiting_consent_restatement
            && matches!(self.consent, ConsentState::Granted { scopes, .. } if scopes.control)
    }

    /// Whether the engineer's input may be applied at `now_ms`: control in force and the user
    /// has not used their own mouse or keyboard in the last [`CONTROL_TAKE_BACK_MS`].
    pub fn control_allowed(&self, now_ms: i64) -> bool {
        self.control_in_force() && now_ms >= self.control.taken_back_until_ms
    }

    /// Until when the user's own input holds the engineer's back, unix ms (this side's clock).
    pub fn control_taken_back_until_ms(&self) -> i64 {
        self.control.taken_back_until_ms
    }

    /// Whether a control request waits for an answer.
    pub fn control_requested(&self) -> bool {
        self.control.requested
    }

    /// Input events the user's side dropped because control was not in force.
    pub fn inputs_dropped(&self) -> u64 {
        self.control.dropped
    }

    /// Engineer: ask to use the user's mouse and keyboard (only while the screen is shared).
    pub fn request_control(&mut self) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        self.check_not_held()?;
        if !self.screen_allowed() {
            return Err(CommandError::NotNow(NotNowReason::ViewNotInForce));
        }
        if self.control_in_force() || self.control.requested {
            return Err(CommandError::NotNow(NotNowReason::AlreadyInForce));
        }
        self.control.requested = true;
        self.outbox.push_back(Message::ControlRequest);
        self.emit(SessionEvent::ControlRequested);
        Ok(())
    }

    /// User: allow the engineer to use the mouse and keyboard (asked or not).
    pub fn grant_control(&mut self) -> Result<(), CommandError> {
        self.set_control_scope(true)
    }

    /// User: take the control scope back ("Take back control", the hotkey).
    pub fn revoke_control(&mut self) -> Result<(), CommandError> {
        self.set_control_scope(false)
    }

    /// User: refuse the engineer's control request.
    pub fn decline_control(&mut self) -> Result<(), CommandError> {
        self.require(Role::User)?;
        if !self.control.requested {
            return Err(CommandError::NotNow(NotNowReason::NoRequest));
        }
        self.control.requested = false;
        self.outbox.push_back(Message::ControlDeclined);
        self.emit(SessionEvent::ControlDeclined);
        Ok(())
    }

    fn set_control_scope(&mut self, control: bool) -> Result<(), CommandError> {
        self.require(Role::User)?;
        let ConsentState::Granted { scopes, .. } = self.consent else {
            return Err(CommandError::NotNow(NotNowReason::ConsentNotInForce));
        };
        if control && !scopes.view {
            return Err(CommandError::NotNow(NotNowReason::ViewNotInForce));
        }
        self.control.requested = false;
        self.change_scopes(Scopes { control, ..scopes })
    }

    /// User: the user moved their own pointer or typed at `now_ms`. While control is in force
    /// the engineer's input is dropped until [`CONTROL_TAKE_BACK_MS`] after the last such input;
    /// the first one of a run is reported (`control_taken_back`) to both sides.
    pub fn take_back_control(&mut self, now_ms: i64) -> Result<(), CommandError> {
        self.require(Role::User)?;
        if !self.control_in_force() {
            return Ok(());
        }
        if now_ms >= self.control.taken_back_until_ms {
            self.outbox.push_back(Message::ControlTakenBack);
            self.emit(SessionEvent::ControlTakenBack);
        }
        self.control.taken_back_until_ms = now_ms.saturating_add(CONTROL_TAKE_BACK_MS);
        Ok(())
    }

    /// Engineer: send one input event (refused unless [`Session::control_allowed`] at `now_ms`).
    pub fn send_input(&mut self, now_ms: i64, event: InputEvent) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        event.validate().map_err(CommandError::Invalid)?;
        if !self.control_allowed(now_ms) {
            return Err(CommandError::NotNow(NotNowReason::ControlNotInForce));
        }
        self.control.last_seq += 1;
        self.outbox.push_back(Message::Input { seq: self.control.last_seq, event });
        self.count_input(now_ms);
        Ok(())
    }

    /// User: the next input event to apply at `now_ms`. Accepted events wait here only while
    /// control is allowed; the moment it stops (revoke, pause, the user's own input, drop, hold,
    /// end) they are discarded, and whatever the applied input still holds down is let go
    /// (releases only, one per call).
    pub fn poll_input(&mut self, now_ms: i64) -> Option<InputEvent> {
        if !self.control_allowed(now_ms) {
            self.control.pending.clear();
            let held = self.control.held.pop_first()?;
            return Some(held.release());
        }
        let event = self.control.pending.pop_front()?;
        if let Some((held, pressed)) = event.hold_change() {
            if pressed {
                self.control.held.insert(held);
            } else {
                self.control.held.remove(&held);
            }
        }
        self.count_input(now_ms);
        Some(event)
    }

    /// User: the size of the shared screen, for checking input positions.
    pub(super) fn note_screen_size(&mut self, width: u32, height: u32) {
        self.control.screen = Some((width, height));
    }

    /// User: an input event from the engineer: its sequence number must grow; it is kept only
    /// while control is allowed and it lies on the shared screen, else dropped and counted.
    pub(super) fn handle_input(&mut self, now_ms: i64, seq: u64, event: InputEvent) {
        if seq <= self.control.last_seq {
            let detail = format!("input {seq} after input {}", self.control.last_seq);
            return self.violation(Violation::with_detail(ViolationCode::OutOfBounds, detail));
        }
        self.control.last_seq = seq;
        let on_screen = match (event.position(), self.control.screen) {
            (Some((x, y)), Some((width, height))) => x < width && y < height,
            (Some(_), None) => false,
            (None, _) => true,
        };
        if self.control_allowed(now_ms) && on_screen {
            self.control.pending.push_back(event);
        } else {
            self.control.dropped += 1;
        }
    }

    /// User: the engineer asked for control. Only heard while the screen is shared without
    /// control; a request that crossed a revoke, a pause or a scope change is let go (the
    /// engineer hears of those).
    pub(super) fn handle_control_request(&mut self) {
        if let ConsentState::Granted { scopes, paused: false } = self.consent
            && scopes.view
            && !scopes.control
            && !self.control.requested
        {
            self.control.requested = true;
            self.emit(SessionEvent::ControlRequested);
        }
    }

    /// Engineer: the user refused control.
    pub(super) fn handle_control_declined(&mut self) {
        if std::mem::take(&mut self.control.requested) {
            self.emit(SessionEvent::ControlDeclined);
        }
    }

    /// Engineer: the user's own input took control back.
    pub(super) fn handle_control_taken_back(&mut self, now_ms: i64) {
        if self.control_in_force() {
            self.control.taken_back_until_ms = now_ms.saturating_add(CONTROL_TAKE_BACK_MS);
            self.emit(SessionEvent::ControlTakenBack);
        }
    }

    /// The events of a change from `old` to `new` scopes: a change of the control scope alone is
    /// told as `ControlGranted` / `ControlRevoked`, any other change as `ScopesChanged` (followed
    /// by the control event when control changed too).
    pub(super) fn emit_scope_change(&mut self, old: Scopes, new: Scopes) {
        if old == new {
            return;
        }
        if (Scopes { control: old.control, ..new }) != old {
            self.emit(SessionEvent::ScopesChanged(new));
        }
        if new.control != old.control {
            self.control.requested = false;
            self.emit(if new.control { SessionEvent::ControlGranted } else { SessionEvent::ControlRevoked });
        }
    }

    /// Either side, on an explicit click: send clipboard `text` (only while the control scope is
    /// in force; at most [`crate::protocol::message::MAX_CLIPBOARD_CHARS`]).
    pub fn send_clipboard(&mut self, text: String) -> Result<(), CommandError> {
        self.check_open()?;
        if text.trim().is_empty() {
            return Err(CommandError::Invalid(crate::protocol::ValidationError::EmptyChatLine));
        }
        let message = Message::Clipboard { text };
        message.validate().map_err(CommandError::Invalid)?;
        if !self.control_in_force() {
            return Err(CommandError::NotNow(NotNowReason::ControlNotInForce));
        }
        if let Message::Clipboard { text } = &message {
            let chars = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
            self.emit(SessionEvent::ClipboardShared { from: self.role, chars });
        }
        self.outbox.push_back(message);
        Ok(())
    }

    /// The peer's clipboard text: kept for the user to copy while control is in force, dropped
    /// otherwise (it crossed a revoke).
    pub(super) fn handle_clipboard(&mut self, text: String) {
        if self.control_in_force() {
            let from = match self.role {
                Role::Engineer => Role::User,
                Role::User => Role::Engineer,
            };
            let chars = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
            self.emit(SessionEvent::ClipboardShared { from, chars });
            self.emit(SessionEvent::ClipboardReceived { text });
        }
    }

    /// The link dropped: an unanswered control request is forgotten on both sides.
    pub(super) fn forget_control_request(&mut self) {
        self.control.requested = false;
    }

    /// The minute's input count, before an event that ends control (revoke, end).
    pub(super) fn flush_input_tally(&mut self) {
        if let Some((minute_start_ms, count)) = self.control.tally.take() {
            self.events.push_back(SessionEvent::ControlInputCounted { minute_start_ms, count });
        }
    }

    fn count_input(&mut self, now_ms: i64) {
        if let Some((minute_start_ms, count)) = self.control.tally.record(now_ms) {
            self.emit(SessionEvent::ControlInputCounted { minute_start_ms, count });
        }
    }
}
