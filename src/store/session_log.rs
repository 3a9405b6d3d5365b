//! Remote sessions and exit surveys on either database: [`SessionLog`] is what the store thread
//! needs to keep a session's row and its survey, implemented by the SQLite
//! [`Store`](super::Store) and the team's PostgreSQL [`TeamStore`](super::team::TeamStore), so
//! a session started from a team ticket is recorded on that ticket, where the whole team sees it.

use super::{Store, StoreResult};
use crate::model::{SessionId, SessionRecord, SurveyRecord, TicketId};

/// Session rows and surveys, whichever database holds the ticket.
pub trait SessionLog {
    /// Records that `engineer` started a remote session from a ticket; returns its id.
    fn log_session_start(&mut self, ticket_id: TicketId, engineer: &str, now_ms: i64) -> StoreResult<SessionId>;

    /// Records when the user joined (the first time only).
    fn log_session_joined(&mut self, session_id: SessionId, at_ms: i64) -> StoreResult<()>;

    /// Records how and when a session ended (the first end only).
    fn log_session_end(&mut self, session_id: SessionId, reason: &str, at_ms: i64) -> StoreResult<()>;

    /// Stores a session's survey with its timeline entry, once per session; returns the entry's
    /// sequence number.
    fn log_survey(&mut self, survey: &SurveyRecord, user_name: &str) -> StoreResult<i64>;

    /// A ticket's sessions, oldest first.
    fn ticket_sessions(&mut self, ticket_id: TicketId) -> StoreResult<Vec<SessionRecord>>;

    /// A ticket's surveys, oldest first.
    fn ticket_surveys(&mut self, ticket_id: TicketId) -> StoreResult<Vec<SurveyRecord>>;
}

impl SessionLog for Store {
    fn log_session_start(&mut self, ticket_id: TicketId, engineer: &str, now_ms: i64) -> StoreResult<SessionId> {
        self.begin_session(ticket_id, engineer, now_ms)
    }

    fn log_session_joined(&mut self, session_id: SessionId, at_ms: i64) -> StoreResult<()> {
        self.mark_session_joined(session_id, at_ms)
    }

    fn log_session_end(&mut self, session_id: SessionId, reason: &str, at_ms: i64) -> StoreResult<()> {
        self.end_session(session_id, reason, at_ms)
    }

    fn log_survey(&mut self, survey: &SurveyRecord, user_name: &str) -> StoreResult<i64> {
        self.record_survey(survey, user_name)
    }

    fn ticket_sessions(&mut self, ticket_id: TicketId) -> StoreResult<Vec<SessionRecord>> {
        self.sessions_for_ticket(ticket_id)
    }

    fn ticket_surveys(&mut self, ticket_id: TicketId) -> StoreResult<Vec<SurveyRecord>> {
        self.surveys_for_ticket(ticket_id)
    }
}
