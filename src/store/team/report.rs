//! What a report is computed from, read from the team database: the tickets in scope, every
//! workflow move of them (their move facts are worked out from those moves here rather than
//! kept in columns), their sessions, the surveys of the range and the team's guide step answers.
//! Plain-word hints are each console's own and come from its file (see the store thread).

use postgres::types::Type;

use super::{TeamStore, classify};
use crate::model::report::{HintTally, ReportInputs, ReportQuery, StatusMove};
use crate::model::{Category, Priority, TicketId};
use crate::store::StoreResult;
use crate::store::report::{parse_move, report_ticket_from};
use crate::store::row_columns::RowColumns;
use crate::store::sessions::{SESSION_COLUMNS, SURVEY_COLUMNS};

/// The tickets a report looks at (`$1` = from, `$2` = to, `$3` = category, `$4` = priority):
/// created before the end of the range and created in it, changed since its start, open, or
/// with a session or survey in it (as on the console's own file).
const TICKETS_SQL: &str = "SELECT id, number, title, category, priority, status, assignee, created_at_ms, \
     satisfaction, sla_started_at_ms, sla_response_target_ms, sla_resolution_target_ms, sla_responded_at_ms, \
     sla_paused_total_ms, sla_paused_since_ms \
     FROM tickets \
     WHERE created_at_ms < $2 \
       AND (created_at_ms >= $1 OR updated_at_ms >= $1 OR status NOT IN ('resolved', 'closed') \
            OR id IN (SELECT ticket_id FROM sessions WHERE started_at_ms >= $1 AND started_at_ms < $2) \
            OR id IN (SELECT ticket_id FROM surveys WHERE asked_at_ms >= $1 AND asked_at_ms < $2)) \
       AND ($3::text IS NULL OR category = $3) AND ($4::text IS NULL OR priority = $4)";

impl TeamStore {
    /// The team's part of a report's inputs (see the module documentation); the hints are left
    /// empty for the console to fill from its own file.
    pub fn report_inputs(&mut self, query: &ReportQuery) -> StoreResult<ReportInputs> {
        let category = query.category.map(Category::as_str);
        let priority = query.priority.map(Priority::as_str);
        self.read(|client| {
            let rows = client
                .query_typed(
                    TICKETS_SQL,
                    &[
                        (&query.from_ms, Type::INT8),
                        (&query.to_ms, Type::INT8),
                        (&category, Type::TEXT),
                        (&priority, Type::TEXT),
                    ],
                )
                .map_err(classify)?;
            let mut tickets = rows.iter().map(report_ticket_from).collect::<StoreResult<Vec<_>>>()?;
            tickets.sort_unstable_by_key(|ticket| ticket.id);
            let ids: Vec<i64> = tickets.iter().map(|ticket| ticket.id.0).collect();

            // Every move of every ticket in scope: the report replays what it needs, and each
            // ticket's running facts are worked out from its moves in timeline order.
            let rows = client
                .query_typed(
                    "SELECT ticket_id, at_ms, payload FROM ticket_events \
                     WHERE kind = 'status_changed' AND ticket_id = ANY($1) ORDER BY ticket_id, seq",
                    &[(&ids, Type::INT8_ARRAY)],
                )
                .map_err(classify)?;
            let mut moves = Vec::with_capacity(rows.len());
            for row in &rows {
                // A move this build cannot read is left out rather than failing the whole report.
                let Some((from, to)) = parse_move(&row.text(2)?) else { continue };
                let ticket_id = TicketId(row.int(0)?);
                let at_ms = row.int(1)?;
                if let Ok(index) = tickets.binary_search_by_key(&ticket_id, |ticket| ticket.id) {
                    tickets[index].moves.apply(at_ms, from, to);
                }
                moves.push(StatusMove { ticket_id, at_ms, from, to });
            }

            let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE ticket_id = ANY($1)");
            let rows = client.query_typed(&sql, &[(&ids, Type::INT8_ARRAY)]).map_err(classify)?;
            let sessions = rows.iter().map(super::sessions::session_from).collect::<StoreResult<Vec<_>>>()?;
            let sql = format!("SELECT {SURVEY_COLUMNS} FROM surveys WHERE asked_at_ms >= $1 AND asked_at_ms < $2");
            let rows = client
                .query_typed(&sql, &[(&query.from_ms, Type::INT8), (&query.to_ms, Type::INT8)])
                .map_err(classify)?;
            let surveys = rows.iter().map(super::sessions::survey_from).collect::<StoreResult<Vec<_>>>()?;
            let (guide_steps, undated_step_answers) = TeamStore::guide_step_counts(client, query.from_ms, query.to_ms)?;
            Ok(ReportInputs {
                tickets,
                moves,
                sessions,
                surveys,
                guide_steps,
                undated_step_answers,
                jargon_hints: HintTally::default(),
            })
        })
    }
}
