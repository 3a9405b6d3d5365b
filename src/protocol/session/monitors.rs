//! Monitor choice: the user's side announces its monitors while the screen is shared, the
//! engineer asks for another one, the user confirms or refuses (never automatic); the capture
//! follows on the user's side and announces the new list.

use super::{CommandError, NotNowReason, Session, SessionEvent};
use crate::protocol::message::{Message, Role};
use crate::protocol::monitors::MonitorList;
use crate::protocol::validation::ValidationError;

/// Monitor choice on one side.
#[derive(Debug, Default)]
pub(super) struct MonitorState {
    /// User: the list last announced. Engineer: the list last received.
    list: Option<MonitorList>,
    /// The monitor asked for, while the user has not answered.
    requested: Option<u32>,
}

impl Session {
    /// The user's monitors as last announced (user) or received (engineer), while shared.
    pub fn monitors(&self) -> Option<&MonitorList> {
        self.monitors.list.as_ref()
    }

    /// The monitor the engineer asked for, while the user has not answered.
    pub fn monitor_switch_requested(&self) -> Option<u32> {
        self.monitors.requested
    }

    /// User: announce the monitors and which one is shared (only while the screen is shared);
    /// this side's UI hears of the list too.
    pub fn announce_monitors(&mut self, list: MonitorList) -> Result<(), CommandError> {
        self.require(Role::User)?;
        list.validate().map_err(CommandError::Invalid)?;
        if !self.screen_allowed() {
            return Err(CommandError::NotNow(NotNowReason::ViewNotInForce));
        }
        self.monitors.list = Some(list.clone());
        self.outbox.push_back(Message::Monitors(list.clone()));
        self.emit(SessionEvent::MonitorsAnnounced(list));
        Ok(())
    }

    /// Engineer: ask the user to share monitor `index` of their list instead.
    pub fn request_monitor(&mut self, index: u32) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        self.check_not_held()?;
        if !self.screen_allowed() {
            return Err(CommandError::NotNow(NotNowReason::ViewNotInForce));
        }
        let Some(list) = &self.monitors.list else {
            return Err(CommandError::NotNow(NotNowReason::ViewNotInForce));
        };
        if list.get(index).is_none() {
            let count = list.monitors.len();
            return Err(CommandError::Invalid(ValidationError::MonitorOutOfRange { index, count }));
        }
        if list.shared == index || self.monitors.requested.is_some() {
            return Err(CommandError::NotNow(NotNowReason::AlreadyInForce));
        }
        self.monitors.requested = Some(index);
        self.outbox.push_back(Message::MonitorSwitchRequest { index });
        self.emit(SessionEvent::MonitorSwitchRequested { index });
        Ok(())
    }

    /// User: answer the engineer's monitor request (`accepted`: switch the capture to it).
    pub fn answer_monitor_switch(&mut self, accepted: bool) -> Result<(), CommandError> {
        self.require(Role::User)?;
        let Some(index) = self.monitors.requested.take() else {
            return Err(CommandError::NotNow(NotNowReason::NoRequest));
        };
        let accepted = accepted && self.screen_allowed();
        self.outbox.push_back(Message::MonitorSwitchAnswer { index, accepted });
        self.emit(SessionEvent::MonitorSwitchAnswered { index, accepted });
        Ok(())
    }

    /// Engineer: the user's list; kept only while the screen is shared.
    pub(super) fn handle_monitors(&mut self, list: MonitorList) {
        if self.screen_allowed() {
            self.monitors.list = Some(list.clone());
            self.emit(SessionEvent::MonitorsAnnounced(list));
        }
    }

    /// User: the engineer asks for monitor `index`. Heard only while the screen is shared and
    /// the index is another monitor of the announced list; a request that crossed a new list,
    /// a pause or a revoke is let go.
    pub(super) fn handle_monitor_request(&mut self, index: u32) {
        let other_monitor =
            self.monitors.list.as_ref().is_some_and(|list| list.get(index).is_some() && list.shared != index);
        if self.screen_allowed() && other_monitor && self.monitors.requested.is_none() {
            self.monitors.requested = Some(index);
            self.emit(SessionEvent::MonitorSwitchRequested { index });
        }
    }

    /// Engineer: the user's answer to the pending request (others are stale and ignored).
    pub(super) fn handle_monitor_answer(&mut self, index: u32, accepted: bool) {
        if self.monitors.requested == Some(index) {
            self.monitors.requested = None;
            self.emit(SessionEvent::MonitorSwitchAnswered { index, accepted });
        }
    }

    /// Sharing stopped (pause, revoke, drop): the list and any request are forgotten; a new
    /// list is announced when sharing starts again.
    pub(super) fn forget_monitors(&mut self) {
        self.monitors = MonitorState::default();
    }
}

#[cfg(test)]
mod tests;
