//! Remote sessions and exit surveys of the team's tickets: [`SessionLog`] on PostgreSQL. A
//! survey is written with its timeline entry in one transaction (under the ticket's row lock,
//! as every timeline entry) and announced to the other consoles.

use postgres::types::Type;

use super::rows::{append_event, lock_ticket_row, notify};
use super::{TeamStore, classify};
use crate::model::{DeskNoticeKind, SessionId, SessionRecord, SurveyRecord, TicketId};
use crate::store::row_columns::RowColumns;
use crate::store::sessions::{
    SESSION_COLUMNS, SURVEY_COLUMNS, session_from_row, survey_cells, survey_entry, survey_from_row,
};
use crate::store::{SessionLog, StoreError, StoreResult};

pub(super) fn session_from(row: &postgres::Row) -> StoreResult<SessionRecord> {
    session_from_row(row)
}

pub(super) fn survey_from(row: &postgres::Row) -> StoreResult<SurveyRecord> {
    survey_from_row(row)
}

impl SessionLog for TeamStore {
    fn log_session_start(&mut self, ticket_id: TicketId, engineer: &str, now_ms: i64) -> StoreResult<SessionId> {
        self.write(|tx| {
            let row = tx
                .query_typed_opt(
                    "INSERT INTO sessions (ticket_id, engineer, started_at_ms) \
                     SELECT id, $2, $3 FROM tickets WHERE id = $1 RETURNING id",
                    &[(&ticket_id.0, Type::INT8), (&engineer, Type::TEXT), (&now_ms, Type::INT8)],
                )
                .map_err(classify)?;
            let row = row.ok_or_else(|| StoreError::TicketNotFound(ticket_id.to_string()))?;
            Ok(SessionId(row.int(0)?))
        })
    }

    fn log_session_joined(&mut self, session_id: SessionId, at_ms: i64) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute_typed(
                "UPDATE sessions SET joined_at_ms = $2 WHERE id = $1 AND joined_at_ms IS NULL",
                &[(&session_id.0, Type::INT8), (&at_ms, Type::INT8)],
            )
            .map_err(classify)?;
            Ok(())
        })
    }

    fn log_session_end(&mut self, session_id: SessionId, reason: &str, at_ms: i64) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute_typed(
                "UPDATE sessions SET ended_at_ms = $2, end_reason = $3 WHERE id = $1 AND ended_at_ms IS NULL",
                &[(&session_id.0, Type::INT8), (&at_ms, Type::INT8), (&reason, Type::TEXT)],
            )
            .map_err(classify)?;
            Ok(())
        })
    }

    fn log_survey(&mut self, survey: &SurveyRecord, user_name: &str) -> StoreResult<i64> {
        if let crate::model::SurveyOutcome::Answered(answers) = &survey.outcome {
            answers.validate().map_err(|err| StoreError::Rule(err.to_string()))?;
        }
        self.write(|tx| {
            lock_ticket_row(tx, survey.ticket_id)?;
            let session_ticket = tx
                .query_typed_opt("SELECT ticket_id FROM sessions WHERE id = $1", &[(&survey.session_id.0, Type::INT8)])
                .map_err(classify)?
                .map(|row| row.int(0))
                .transpose()?;
            if session_ticket != Some(survey.ticket_id.0) {
                return Err(StoreError::Rule(format!(
                    "session {} of ticket {} does not exist",
                    survey.session_id, survey.ticket_id
                )));
            }
            let (solved, rating, clear, comment, reason) = survey_cells(&survey.outcome);
            let inserted = tx
                .execute_typed(
                    &format!(
                        "INSERT INTO surveys ({SURVEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                         ON CONFLICT DO NOTHING"
                    ),
                    &[
                        (&survey.session_id.0, Type::INT8),
                        (&survey.ticket_id.0, Type::INT8),
                        (&survey.asked_at_ms, Type::INT8),
                        (&survey.settled_at_ms, Type::INT8),
                        (&solved, Type::TEXT),
                        (&rating, Type::INT8),
                        (&clear, Type::TEXT),
                        (&comment, Type::TEXT),
                        (&reason, Type::TEXT),
                    ],
                )
                .map_err(classify)?;
            if inserted == 0 {
                return Err(StoreError::Rule(format!("session {} already has its survey", survey.session_id)));
            }
            let (event, actor) = survey_entry(&survey.outcome, user_name);
            let seq = append_event(tx, survey.ticket_id, survey.settled_at_ms, actor, &event)?;
            notify(tx, survey.ticket_id, DeskNoticeKind::Commented, None, actor.1, None, survey.settled_at_ms)?;
            Ok(seq)
        })
    }

    fn ticket_sessions(&mut self, ticket_id: TicketId) -> StoreResult<Vec<SessionRecord>> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE ticket_id = $1 ORDER BY id");
        self.read(|client| client.query(&sql, &[&ticket_id.0]).map_err(classify)?.iter().map(session_from).collect())
    }

    fn ticket_surveys(&mut self, ticket_id: TicketId) -> StoreResult<Vec<SurveyRecord>> {
        let sql = format!("SELECT {SURVEY_COLUMNS} FROM surveys WHERE ticket_id = $1 ORDER BY asked_at_ms, session_id");
        self.read(|client| client.query(&sql, &[&ticket_id.0]).map_err(classify)?.iter().map(survey_from).collect())
    }
}
