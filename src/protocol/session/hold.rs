//! The engineer's hold: while it lasts nothing is shared, drawn or asked on either side.

use super::{CommandError, NotNowReason, Session, SessionEvent};
use crate::protocol::message::{HoldReason, Message, Role};

impl Session {
    /// Why the session is on hold, if it is.
    pub fn held(&self) -> Option<HoldReason> {
        self.held
    }

    /// Engineer: put the session on hold (e.g. the transcript cannot be written). Screen data,
    /// arrows, steps and requests stop on both sides until [`Session::unhold`].
    pub fn hold(&mut self, reason: HoldReason) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        if self.held.is_none() {
            self.held = Some(reason);
            self.outbox.push_back(Message::Hold(reason));
            self.emit(SessionEvent::Held(reason));
        }
        Ok(())
    }

    /// Engineer: end the hold.
    pub fn unhold(&mut self) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        if self.held.take().is_some() {
            self.outbox.push_back(Message::Unhold);
            self.emit(SessionEvent::Unheld);
        }
        Ok(())
    }

    pub(super) fn check_not_held(&self) -> Result<(), CommandError> {
        if self.held.is_some() { Err(CommandError::NotNow(NotNowReason::OnHold)) } else { Ok(()) }
    }
}
