//! Remote sessions and exit surveys as rows: started, joined, ended; one survey per session,
//! stored together with its timeline entry in one transaction.

use rusqlite::{OptionalExtension, params};

use super::history::append_as;
use super::row_columns::RowColumns;
use super::{Store, StoreError, StoreResult};
use crate::model::{ActorKind, SessionId, SessionRecord, SurveyOutcome, SurveyRecord, TicketId, TimelineEvent};
use crate::protocol::{Answer, SurveyAnswers};

pub(super) const SESSION_COLUMNS: &str =
    "id, ticket_id, engineer, started_at_ms, joined_at_ms, ended_at_ms, end_reason";
pub(super) const SURVEY_COLUMNS: &str = "session_id, ticket_id, asked_at_ms, settled_at_ms, solved, rating, \
                              explanations_clear, comment, not_answered_reason";

/// A session from a row selected with [`SESSION_COLUMNS`] (either database).
pub(super) fn session_from_row<R: RowColumns + ?Sized>(row: &R) -> Result<SessionRecord, R::Error> {
    Ok(SessionRecord {
        id: SessionId(row.int(0)?),
        ticket_id: TicketId(row.int(1)?),
        engineer: row.text(2)?,
        started_at_ms: row.int(3)?,
        joined_at_ms: row.optional_int(4)?,
        ended_at_ms: row.optional_int(5)?,
        end_reason: row.optional_text(6)?,
    })
}

fn answer_from(text: Option<String>) -> Option<Answer> {
    Answer::ALL.into_iter().find(|answer| text.as_deref() == Some(answer.as_str()))
}

/// A survey from a row selected with [`SURVEY_COLUMNS`] (either database).
pub(super) fn survey_from_row<R: RowColumns + ?Sized>(row: &R) -> Result<SurveyRecord, R::Error> {
    Ok(SurveyRecord {
        session_id: SessionId(row.int(0)?),
        ticket_id: TicketId(row.int(1)?),
        asked_at_ms: row.int(2)?,
        settled_at_ms: row.int(3)?,
        outcome: survey_outcome(
            row.optional_text(4)?,
            row.optional_int(5)?,
            row.optional_text(6)?,
            row.text(7)?,
            row.optional_text(8)?,
        ),
    })
}

/// A survey's outcome from its stored columns (`solved`, `rating`, `explanations_clear`,
/// `comment`, `not_answered_reason`); a row that is neither answered nor has a reason reads as
/// not answered ("unreadable").
pub(super) fn survey_outcome(
    solved: Option<String>,
    rating: Option<i64>,
    clear: Option<String>,
    comment: String,
    reason: Option<String>,
) -> SurveyOutcome {
    match (answer_from(solved), rating, answer_from(clear)) {
        (Some(solved), Some(rating), Some(explanations_clear)) => SurveyOutcome::Answered(SurveyAnswers {
            solved,
            rating: u8::try_from(rating).unwrap_or(0),
            explanations_clear,
            comment,
        }),
        _ => SurveyOutcome::NotAnswered { reason: reason.unwrap_or_else(|| "unreadable".into()) },
    }
}

/// The stored columns of a survey's outcome: `solved`, `rating`, `explanations_clear`,
/// `comment`, `not_answered_reason`.
pub(super) type SurveyCells<'a> = (Option<&'a str>, Option<i64>, Option<&'a str>, &'a str, Option<&'a str>);

/// [`SurveyCells`] of an outcome.
pub(super) fn survey_cells(outcome: &SurveyOutcome) -> SurveyCells<'_> {
    match outcome {
        SurveyOutcome::Answered(answers) => (
            Some(answers.solved.as_str()),
            Some(i64::from(answers.rating)),
            Some(answers.explanations_clear.as_str()),
            answers.comment.as_str(),
            None,
        ),
        SurveyOutcome::NotAnswered { reason } => (None, None, None, "", Some(reason.as_str())),
    }
}

/// A survey's timeline entry and who it is said by (the user when answered, else the system).
pub(super) fn survey_entry<'a>(outcome: &SurveyOutcome, user_name: &'a str) -> (TimelineEvent, (ActorKind, &'a str)) {
    match outcome {
        SurveyOutcome::Answered(answers) => {
            (TimelineEvent::SurveyAnswered(answers.clone()), (ActorKind::User, user_name))
        }
        SurveyOutcome::NotAnswered { reason } => {
            let event = TimelineEvent::SurveyNotAnswered { reason: reason.clone() };
            let actor = event.default_actor_kind();
            let name = if actor == ActorKind::System { "system" } else { user_name };
            (event, (actor, name))
        }
    }
}

impl Store {
    /// Records that `engineer` started a remote session from a ticket; returns its id.
    pub fn begin_session(&mut self, ticket_id: TicketId, engineer: &str, now_ms: i64) -> StoreResult<SessionId> {
        self.write(|tx| {
            let exists: bool =
                tx.query_row("SELECT EXISTS (SELECT 1 FROM tickets WHERE id = ?1)", [ticket_id.0], |row| row.get(0))?;
            if !exists {
                return Err(StoreError::TicketNotFound(ticket_id.to_string()));
            }
            tx.execute(
                "INSERT INTO sessions (ticket_id, engineer, started_at_ms) VALUES (?1, ?2, ?3)",
                params![ticket_id.0, engineer, now_ms],
            )?;
            Ok(SessionId(tx.last_insert_rowid()))
        })
    }

    /// Records when the user joined (the first time only; reconnects keep the first).
    pub fn mark_session_joined(&mut self, session_id: SessionId, at_ms: i64) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE sessions SET joined_at_ms = ?2 WHERE id = ?1 AND joined_at_ms IS NULL",
                params![session_id.0, at_ms],
            )?;
            Ok(())
        })
    }

    /// Records how and when a session ended (the first end only).
    pub fn end_session(&mut self, session_id: SessionId, reason: &str, at_ms: i64) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE sessions SET ended_at_ms = ?2, end_reason = ?3 WHERE id = ?1 AND ended_at_ms IS NULL",
                params![session_id.0, at_ms, reason],
            )?;
            Ok(())
        })
    }

    /// One session.
    pub fn session(&self, session_id: SessionId) -> StoreResult<Option<SessionRecord>> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?1");
        Ok(self.conn.query_row(&sql, [session_id.0], |row| session_from_row(row)).optional()?)
    }

    /// A ticket's sessions, oldest first.
    pub fn sessions_for_ticket(&self, ticket_id: TicketId) -> StoreResult<Vec<SessionRecord>> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE ticket_id = ?1 ORDER BY id");
        let mut statement = self.conn.prepare_cached(&sql)?;
        let rows = statement.query_map([ticket_id.0], |row| session_from_row(row))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Sessions started in `[from_ms, to_ms)`, oldest first.
    pub fn sessions_between(&self, from_ms: i64, to_ms: i64) -> StoreResult<Vec<SessionRecord>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE started_at_ms >= ?1 AND started_at_ms < ?2 \
             ORDER BY started_at_ms, id"
        );
        let mut statement = self.conn.prepare_cached(&sql)?;
        let rows = statement.query_map([from_ms, to_ms], |row| session_from_row(row))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Stores a session's survey and its timeline entry (`survey_answered` by the user, or
    /// `survey_not_answered`) in one transaction. A session has one survey: a second one is
    /// refused and changes nothing. Returns the timeline entry's sequence number.
    pub fn record_survey(&mut self, survey: &SurveyRecord, user_name: &str) -> StoreResult<i64> {
        if let SurveyOutcome::Answered(answers) = &survey.outcome {
            answers.validate().map_err(|err| StoreError::Rule(err.to_string()))?;
        }
        self.write(|tx| {
            let session_ticket: Option<i64> = tx
                .query_row("SELECT ticket_id FROM sessions WHERE id = ?1", [survey.session_id.0], |row| row.get(0))
                .optional()?;
            if session_ticket != Some(survey.ticket_id.0) {
                return Err(StoreError::Rule(format!(
                    "session {} of ticket {} does not exist",
                    survey.session_id, survey.ticket_id
                )));
            }
            let (solved, rating, clear, comment, reason) = survey_cells(&survey.outcome);
            let sql =
                format!("INSERT OR IGNORE INTO surveys ({SURVEY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
            let inserted = tx.execute(
                &sql,
                params![
                    survey.session_id.0,
                    survey.ticket_id.0,
                    survey.asked_at_ms,
                    survey.settled_at_ms,
                    solved,
                    rating,
                    clear,
                    comment,
                    reason
                ],
            )?;
            if inserted == 0 {
                return Err(StoreError::Rule(format!("session {} already has its survey", survey.session_id)));
            }
            let (event, actor) = survey_entry(&survey.outcome, user_name);
            append_as(tx, survey.ticket_id, survey.settled_at_ms, actor, &event)
        })
    }

    /// A ticket's surveys, oldest first.
    pub fn surveys_for_ticket(&self, ticket_id: TicketId) -> StoreResult<Vec<SurveyRecord>> {
        let sql = format!("SELECT {SURVEY_COLUMNS} FROM surveys WHERE ticket_id = ?1 ORDER BY asked_at_ms, session_id");
        let mut statement = self.conn.prepare_cached(&sql)?;
        let rows = statement.query_map([ticket_id.0], |row| survey_from_row(row))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Surveys offered in `[from_ms, to_ms)`, oldest first.
    pub fn surveys_between(&self, from_ms: i64, to_ms: i64) -> StoreResult<Vec<SurveyRecord>> {
        let sql = format!(
            "SELECT {SURVEY_COLUMNS} FROM surveys WHERE asked_at_ms >= ?1 AND asked_at_ms < ?2 \
             ORDER BY asked_at_ms, session_id"
        );
        let mut statement = self.conn.prepare_cached(&sql)?;
        let rows = statement.query_map([from_ms, to_ms], |row| survey_from_row(row))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_with_ticket() -> (Store, TicketId) {
        let mut store = Store::open_in_memory().unwrap();
        let ticket =
            store.create_ticket(&crate::store::samples::tests_new_ticket("Printer offline"), "Li", 1_000).unwrap();
        (store, ticket.id)
    }

    fn answered(rating: u8) -> SurveyOutcome {
        SurveyOutcome::Answered(SurveyAnswers {
            solved: Answer::Yes,
            rating,
            explanations_clear: Answer::Partly,
            comment: "谢谢".into(),
        })
    }

    #[test]
    fn a_session_is_started_joined_and_ended_once() {
        let (mut store, ticket) = store_with_ticket();
        let id = store.begin_session(ticket, "Li", 2_000).unwrap();
        store.mark_session_joined(id, 3_000).unwrap();
        store.mark_session_joined(id, 4_000).unwrap();
        store.end_session(id, "engineer_ended", 63_000).unwrap();
        store.end_session(id, "user_ended", 70_000).unwrap();
        let session = store.session(id).unwrap().unwrap();
        assert_eq!((session.joined_at_ms, session.ended_at_ms), (Some(3_000), Some(63_000)));
        assert_eq!(session.end_reason.as_deref(), Some("engineer_ended"));
        assert_eq!(session.connected_ms(0), 60_000);
        assert_eq!(store.sessions_for_ticket(ticket).unwrap(), vec![session.clone()]);
        assert_eq!(store.sessions_between(2_000, 2_001).unwrap(), vec![session]);
        assert!(store.sessions_between(2_001, 9_000).unwrap().is_empty());
        assert!(matches!(store.begin_session(TicketId(99), "Li", 0), Err(StoreError::TicketNotFound(_))));
    }

    #[test]
    fn a_survey_is_stored_with_its_timeline_entry_once() {
        let (mut store, ticket) = store_with_ticket();
        let id = store.begin_session(ticket, "Li", 2_000).unwrap();
        let survey = SurveyRecord {
            session_id: id,
            ticket_id: ticket,
            asked_at_ms: 63_000,
            settled_at_ms: 70_000,
            outcome: answered(4),
        };
        store.record_survey(&survey, "Wang").unwrap();
        assert_eq!(store.surveys_for_ticket(ticket).unwrap(), vec![survey.clone()]);
        assert_eq!(store.surveys_between(0, 63_001).unwrap(), vec![survey.clone()]);
        let last = store.history(ticket).unwrap().pop().unwrap();
        assert_eq!(last.event, TimelineEvent::SurveyAnswered(survey.answers().unwrap().clone()));
        assert_eq!((last.actor_kind, last.actor.as_str()), (ActorKind::User, "Wang"));

        let again = SurveyRecord { outcome: SurveyOutcome::NotAnswered { reason: "skipped".into() }, ..survey };
        let history_len = store.history_len(ticket).unwrap();
        assert!(store.record_survey(&again, "Wang").is_err());
        assert_eq!(store.history_len(ticket).unwrap(), history_len, "a refused survey leaves no entry");
    }

    #[test]
    fn refused_and_invalid_surveys() {
        let (mut store, ticket) = store_with_ticket();
        let id = store.begin_session(ticket, "Li", 2_000).unwrap();
        let lost = SurveyRecord {
            session_id: id,
            ticket_id: ticket,
            asked_at_ms: 63_000,
            settled_at_ms: 93_000,
            outcome: SurveyOutcome::NotAnswered { reason: "lost".into() },
        };
        let bad_rating = SurveyRecord { outcome: answered(9), ..lost.clone() };
        assert!(store.record_survey(&bad_rating, "Wang").is_err());
        let wrong_ticket = SurveyRecord { ticket_id: TicketId(77), ..lost.clone() };
        assert!(store.record_survey(&wrong_ticket, "Wang").is_err());
        store.record_survey(&lost, "Wang").unwrap();
        assert_eq!(store.surveys_for_ticket(ticket).unwrap(), vec![lost]);
        let last = store.history(ticket).unwrap().pop().unwrap();
        assert_eq!(last.actor_kind, ActorKind::System);
    }
}
