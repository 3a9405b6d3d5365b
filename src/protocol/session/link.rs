//! How a session watches its link: heartbeats, silence of two intervals is a drop, the
//! reconnect window, and what a reconnect restores.

use super::{ConsentState, Session, SessionEvent};
use crate::protocol::message::{EndReason, Message, Role};

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

impl Session {
    /// When [`Session::handle_timeout`] should next be called, unix ms: the next heartbeat or
    /// the silence limit while connected, the end of the reconnect window while not.
    pub fn poll_timeout(&self) -> Option<i64> {
        if self.ended.is_some() {
            return self.survey_deadline_ms();
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

    /// Time passed: sends heartbeats; silence of two heartbeat intervals is a drop (the same
    /// rule on both sides, whether or not the transport noticed); a drop that outlasts the
    /// reconnect window ends the session.
    pub fn handle_timeout(&mut self, now_ms: i64) {
        if self.ended.is_some() {
            if self.survey_deadline_ms().is_some_and(|deadline_ms| now_ms >= deadline_ms) {
                self.lose_survey();
            }
            return;
        }
        self.latest_ms = self.latest_ms.max(now_ms);
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

    /// The connection dropped at `now_ms` (the transport saw it close, or the silence limit
    /// passed). Screen data stops until it is back; what is queued now is sent after the
    /// reconnect.
    pub fn handle_disconnect(&mut self, now_ms: i64) {
        if self.ended.is_some() {
            self.lose_survey();
            return;
        }
        if !self.connected {
            return;
        }
        self.connected = false;
        self.disconnected_at_ms = Some(now_ms);
        self.silent_since_ms = Some(self.last_received_ms.min(now_ms));
        // Input from before the cut is stale by the time the link is back; a control request
        // is asked again (as a consent request is).
        self.outbox.retain(|message| !matches!(message, Message::Heartbeat | Message::Input { .. }));
        self.forget_control_request();
        self.emit(SessionEvent::Disconnected);
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
        self.emit(SessionEvent::Reconnected { gap_ms });
    }

    /// The reconnect window passed without a reconnection (or the peer no longer knows the
    /// session): the same ending as [`Session::handle_timeout`] gives at the window's end.
    pub fn handle_reconnect_expired(&mut self) {
        if self.ended.is_none() && !self.connected {
            self.finish(EndReason::ReconnectWindowExpired, false, false);
        }
    }
}
