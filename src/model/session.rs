//! A remote session as the desk keeps it: when it ran, who ran it, how it ended, and the user's
//! exit survey. The transcript itself is the ticket's timeline; these rows make sessions and
//! surveys countable (reports, the ticket's session history).

use serde::{Deserialize, Serialize};

use super::ids::{SessionId, TicketId};
use crate::protocol::SurveyAnswers;

/// One remote session started from a ticket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// Its row id.
    pub id: SessionId,
    /// The ticket it was started from.
    pub ticket_id: TicketId,
    /// The engineer who started it (their profile name).
    pub engineer: String,
    /// When it was started (a code was issued), ms since the epoch.
    pub started_at_ms: i64,
    /// When the user joined (paired), if they did.
    pub joined_at_ms: Option<i64>,
    /// When it ended, if it has.
    pub ended_at_ms: Option<i64>,
    /// The end reason's stable code (`engineer_ended`, `user_ended`, …), once ended.
    pub end_reason: Option<String>,
}

impl SessionRecord {
    /// How long the user was connected: from joining to the end (or `now_ms` while it runs);
    /// 0 when nobody joined.
    pub fn connected_ms(&self, now_ms: i64) -> i64 {
        match self.joined_at_ms {
            Some(joined) => self.ended_at_ms.unwrap_or(now_ms).saturating_sub(joined).max(0),
            None => 0,
        }
    }
}

/// How a survey ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum SurveyOutcome {
    /// The user answered.
    Answered(SurveyAnswers),
    /// Not answered: `skipped`, `closed` (the window was closed) or `lost` (the link ended first).
    NotAnswered {
        /// Why.
        reason: String,
    },
}

/// The exit survey of one session, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyRecord {
    /// The session it followed.
    pub session_id: SessionId,
    /// The session's ticket.
    pub ticket_id: TicketId,
    /// When the survey was offered (the session's end), ms since the epoch.
    pub asked_at_ms: i64,
    /// When the answer (or the refusal) arrived.
    pub settled_at_ms: i64,
    /// The answers, or why there are none.
    pub outcome: SurveyOutcome,
}

impl SurveyRecord {
    /// The answers, when the user answered.
    pub fn answers(&self) -> Option<&SurveyAnswers> {
        match &self.outcome {
            SurveyOutcome::Answered(answers) => Some(answers),
            SurveyOutcome::NotAnswered { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connected_time_runs_from_joining_to_the_end() {
        let mut session = SessionRecord {
            id: SessionId(1),
            ticket_id: TicketId(2),
            engineer: "Li".into(),
            started_at_ms: 1_000,
            joined_at_ms: None,
            ended_at_ms: None,
            end_reason: None,
        };
        assert_eq!(session.connected_ms(9_000), 0);
        session.joined_at_ms = Some(2_000);
        assert_eq!(session.connected_ms(9_000), 7_000);
        session.ended_at_ms = Some(5_000);
        assert_eq!(session.connected_ms(9_000), 3_000);
    }
}

/// Whether a recording was sealed at its session's end or recovered on a later start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordingStatus {
    /// Sealed when its session ended.
    Sealed,
    /// The console stopped mid-session; sealed as recovered on the next start.
    Recovered,
}

impl RecordingStatus {
    /// The stable code stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sealed => "sealed",
            Self::Recovered => "recovered",
        }
    }

    /// Reads a stored code; `None` for one this build does not know.
    pub fn parse(code: &str) -> Option<Self> {
        [Self::Sealed, Self::Recovered].into_iter().find(|status| status.as_str() == code)
    }
}

/// One session recording's row: the file lives in the data folder, this says what it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingRecord {
    /// Its row id.
    pub id: i64,
    /// The recording's ticket.
    pub ticket_id: TicketId,
    /// The session it recorded, when known (a recovered file from an older build may not say).
    pub session_id: Option<SessionId>,
    /// Where the file is.
    pub path: String,
    /// Length, ms.
    pub duration_ms: u64,
    /// File size, bytes.
    pub bytes: u64,
    /// The hash chain's head, 64 hex digits.
    pub hash_head: String,
    /// Sealed or recovered.
    pub status: RecordingStatus,
    /// When it was saved, ms since the epoch.
    pub saved_at_ms: i64,
    /// When retention deletes it, ms since the epoch.
    pub retention_until_ms: i64,
}
