//! Loads what a report is computed from: the tickets in scope, their workflow moves, sessions,
//! surveys and guide step counts, in five indexed queries (migration 7 adds the indexes).

use rusqlite::types::Value;
use rusqlite::vtab::array::Array;
use rusqlite::{Row, params};

use super::sessions::{SESSION_COLUMNS, session_from_row};
use super::tickets::parse_column;
use super::{Store, StoreResult};
use crate::model::report::{GuideStepCounts, Report, ReportInputs, ReportQuery, ReportTicket, StatusMove};
use crate::model::{Category, GuideId, GuideStep, Priority, SlaClock, Status, StepStats, SurveyRecord, TicketId};

/// The tickets a report looks at (`?1` = from, `?2` = to, `?3` = category, `?4` = priority):
/// created in the range, changed since its start, open, or with a session or survey in it. One
/// pass over the tickets (the session and survey subqueries run once, by their time indexes).
const TICKETS_SQL: &str = "SELECT id, number, title, category, priority, status, assignee, created_at_ms, \
     satisfaction, sla_started_at_ms, sla_response_target_ms, sla_resolution_target_ms, sla_responded_at_ms, \
     sla_paused_total_ms, sla_paused_since_ms FROM tickets
     WHERE created_at_ms < ?2
       AND (created_at_ms >= ?1 OR updated_at_ms >= ?1 OR status NOT IN ('resolved', 'closed')
            OR id IN (SELECT ticket_id FROM sessions WHERE started_at_ms >= ?1 AND started_at_ms < ?2)
            OR id IN (SELECT ticket_id FROM surveys WHERE asked_at_ms >= ?1 AND asked_at_ms < ?2))
       AND (?3 IS NULL OR category = ?3) AND (?4 IS NULL OR priority = ?4)";

/// The workflow moves of the tickets in `rarray(?1)`, read through their partial index.
const MOVES_SQL: &str = "SELECT ticket_id, at_ms, payload \
     FROM ticket_events WHERE kind = 'status_changed' AND ticket_id IN rarray(?1) ORDER BY ticket_id, seq";

/// A `status_changed` payload's statuses: the exact form this build writes is split by hand
/// (hundreds of thousands per report), anything else goes through serde.
fn parse_move(payload: &str) -> Option<(Status, Status)> {
    let fast = payload.strip_prefix(r#"{"from":""#).and_then(|rest| {
        let (from, rest) = rest.split_once(r#"","to":""#)?;
        Some((Status::parse(from)?, Status::parse(rest.strip_suffix(r#""}"#)?)?))
    });
    fast.or_else(|| {
        #[derive(serde::Deserialize)]
        struct Move {
            from: Status,
            to: Status,
        }
        serde_json::from_str::<Move>(payload).ok().map(|m| (m.from, m.to))
    })
}

fn report_ticket_from_row(row: &Row<'_>) -> rusqlite::Result<ReportTicket> {
    Ok(ReportTicket {
        id: TicketId(row.get(0)?),
        number: row.get(1)?,
        title: row.get(2)?,
        category: parse_column(row, 3, Category::parse)?,
        priority: parse_column(row, 4, Priority::parse)?,
        status: parse_column(row, 5, Status::parse)?,
        assignee: row.get(6)?,
        created_at_ms: row.get(7)?,
        satisfaction: row.get(8)?,
        sla: SlaClock {
            started_at_ms: row.get(9)?,
            response_target_ms: row.get(10)?,
            resolution_target_ms: row.get(11)?,
            responded_at_ms: row.get(12)?,
            paused_total_ms: row.get(13)?,
            paused_since_ms: row.get(14)?,
        },
    })
}

impl Store {
    /// Loads the inputs of a report. Filters on category and priority are applied in SQL; the
    /// engineer filter is applied by [`Report::compute`] (sessions count by who ran them).
    pub fn report_inputs(&self, query: &ReportQuery) -> StoreResult<ReportInputs> {
        let category = query.category.map(Category::as_str);
        let priority = query.priority.map(Priority::as_str);
        let scope_params = params![query.from_ms, query.to_ms, category, priority];

        let mut statement = self.conn.prepare_cached(TICKETS_SQL)?;
        let tickets = statement.query_map(scope_params, report_ticket_from_row)?.collect::<Result<Vec<_>, _>>()?;

        // The scope is evaluated once: the moves and sessions are read for its ids.
        let ids: Array = std::rc::Rc::new(tickets.iter().map(|t| Value::Integer(t.id.0)).collect());
        let mut statement = self.conn.prepare_cached(MOVES_SQL)?;
        let mut moves = Vec::new();
        let mut rows = statement.query([&ids])?;
        while let Some(row) = rows.next()? {
            // A move this build cannot read is left out rather than failing the whole report.
            let Some((from, to)) = row.get_ref(2)?.as_str().ok().and_then(parse_move) else {
                continue;
            };
            moves.push(StatusMove { ticket_id: TicketId(row.get(0)?), at_ms: row.get(1)?, from, to });
        }

        let sql =
            format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE ticket_id IN rarray(?1) ORDER BY started_at_ms, id");
        let mut statement = self.conn.prepare_cached(&sql)?;
        let sessions = statement.query_map([&ids], session_from_row)?.collect::<Result<Vec<_>, _>>()?;

        let surveys: Vec<SurveyRecord> = self.surveys_between(query.from_ms, query.to_ms)?;
        let hints = self.jargon_hint_counts(query.from_ms, query.to_ms, query.engineer.as_deref())?;
        let jargon_hints = crate::model::report::HintTally {
            offered: u32::try_from(hints.offered).unwrap_or(u32::MAX),
            accepted: u32::try_from(hints.accepted).unwrap_or(u32::MAX),
        };
        Ok(ReportInputs { tickets, moves, sessions, surveys, guide_steps: self.guide_step_counts()?, jargon_hints })
    }

    /// Loads the inputs and computes the report (`now_ms` bounds the backlog and running clocks).
    pub fn report(&self, query: &ReportQuery, now_ms: i64) -> StoreResult<Report> {
        Ok(Report::compute(query, &self.report_inputs(query)?, now_ms))
    }

    /// Every answered guide step with its counts and instruction.
    fn guide_step_counts(&self) -> StoreResult<Vec<GuideStepCounts>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT g.id, g.title, g.steps, o.step_index, o.done, o.didnt_work, o.stuck
             FROM guide_step_outcomes o JOIN guides g ON g.id = o.guide_id ORDER BY g.id, o.step_index",
        )?;
        let mut rows = statement.query([])?;
        let mut counts = Vec::new();
        let mut parsed: Option<(i64, Vec<GuideStep>)> = None;
        while let Some(row) = rows.next()? {
            let guide_id: i64 = row.get(0)?;
            if parsed.as_ref().is_none_or(|(id, _)| *id != guide_id) {
                let steps: String = row.get(2)?;
                parsed = Some((guide_id, serde_json::from_str(&steps).unwrap_or_default()));
            }
            let step_index: i64 = row.get(3)?;
            let instruction = parsed
                .as_ref()
                .and_then(|(_, steps)| usize::try_from(step_index).ok().and_then(|i| steps.get(i)))
                .map(|step| step.instruction.clone())
                .unwrap_or_default();
            counts.push(GuideStepCounts {
                guide_id: GuideId(guide_id),
                guide_title: row.get(1)?,
                step_index,
                instruction,
                stats: StepStats { done: row.get(4)?, didnt_work: row.get(5)?, stuck: row.get(6)? },
            });
        }
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{TicketChange, report::DAY_MS};
    use crate::protocol::StepOutcome;
    use crate::store::samples::tests_new_ticket;

    const FROM: i64 = 1_767_571_200_000; // 2026-01-05

    fn ticket(store: &mut Store, title: &str, category: Category, created_ms: i64) -> TicketId {
        let new = crate::model::NewTicket { category, ..tests_new_ticket(title) };
        store.create_ticket(&new, "Li", created_ms).unwrap().id
    }

    fn resolve(store: &mut Store, id: TicketId, at_ms: i64) {
        store.change_ticket(id, &TicketChange::Status(Status::InProgress), "Li", at_ms).unwrap();
        store.change_ticket(id, &TicketChange::Resolution("done".into()), "Li", at_ms).unwrap();
        store.change_ticket(id, &TicketChange::Status(Status::Resolved), "Li", at_ms + 1).unwrap();
    }

    #[test]
    fn loads_the_tickets_in_scope_with_their_moves_sessions_and_steps() {
        let mut store = Store::open_in_memory().unwrap();
        let old_resolved = ticket(&mut store, "old, resolved before", Category::Software, FROM - 30 * DAY_MS);
        resolve(&mut store, old_resolved, FROM - 29 * DAY_MS);
        let old_open = ticket(&mut store, "old, still open", Category::Network, FROM - 20 * DAY_MS);
        let in_range = ticket(&mut store, "new in range", Category::Software, FROM + DAY_MS);
        resolve(&mut store, in_range, FROM + 2 * DAY_MS);
        let later = ticket(&mut store, "after the range", Category::Software, FROM + 40 * DAY_MS);
        let session = store.begin_session(old_resolved, "Wang", FROM + 3 * DAY_MS).unwrap();
        store.end_session(session, "engineer_ended", FROM + 3 * DAY_MS + 60_000).unwrap();
        let guide = store.list_guides("").unwrap()[0].id;
        store.record_step_answer(guide, 1, StepOutcome::Stuck).unwrap();

        let query = ReportQuery { from_ms: FROM, to_ms: FROM + 30 * DAY_MS, ..ReportQuery::default() };
        let inputs = store.report_inputs(&query).unwrap();
        let mut ids: Vec<TicketId> = inputs.tickets.iter().map(|t| t.id).collect();
        ids.sort();
        // The old resolved ticket is in scope through its session in the range; the later one is not.
        assert_eq!(ids, [old_resolved, old_open, in_range]);
        assert!(!ids.contains(&later));
        let moves: Vec<(TicketId, Status, Status)> =
            inputs.moves.iter().filter(|m| m.ticket_id == in_range).map(|m| (m.ticket_id, m.from, m.to)).collect();
        assert_eq!(
            moves,
            [(in_range, Status::New, Status::InProgress), (in_range, Status::InProgress, Status::Resolved)]
        );
        assert_eq!(inputs.sessions.len(), 1);
        let step = &inputs.guide_steps[0];
        assert_eq!((step.step_index, step.stats.stuck), (1, 1));
        assert!(!step.instruction.is_empty());

        let network = ReportQuery { category: Some(Category::Network), ..query.clone() };
        let inputs = store.report_inputs(&network).unwrap();
        assert_eq!(inputs.tickets.iter().map(|t| t.id).collect::<Vec<_>>(), [old_open]);
        let report = store.report(&query, FROM + 30 * DAY_MS).unwrap();
        assert_eq!(report.first_contact.resolved, 1);
        assert_eq!(report.backlog.iter().map(|row| row.open.iter().sum::<u32>()).sum::<u32>(), 1);
    }

    #[test]
    fn moves_are_parsed_in_both_forms() {
        assert_eq!(parse_move(r#"{"from":"new","to":"in_progress"}"#), Some((Status::New, Status::InProgress)));
        assert_eq!(parse_move(r#"{ "to": "closed", "from": "resolved" }"#), Some((Status::Resolved, Status::Closed)));
        assert_eq!(parse_move(r#"{"from":"new","to":"gone"}"#), None);
        assert_eq!(parse_move("garbage"), None);
    }

    #[test]
    fn workflow_moves_are_read_through_their_own_index() {
        let store = Store::open_in_memory().unwrap();
        let query = ReportQuery { from_ms: FROM, to_ms: FROM + DAY_MS, ..ReportQuery::default() };
        let plan_of = |sql: String, params: &[&dyn rusqlite::ToSql]| -> String {
            let mut statement = store.conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let rows = statement.query_map(params, |row| row.get::<_, String>(3)).unwrap();
            rows.collect::<Result<Vec<_>, _>>().unwrap().join("\n")
        };
        let ids: Array = std::rc::Rc::new(vec![Value::Integer(1)]);
        let plan = plan_of(MOVES_SQL.to_owned(), &[&ids]);
        assert!(plan.contains("ticket_events_status_moves"), "{plan}");
        let none: Option<String> = None;
        let plan = plan_of(TICKETS_SQL.to_owned(), &[&query.from_ms, &query.to_ms, &none, &none]);
        assert!(plan.contains("sessions_by_start") && plan.contains("surveys_by_asked"), "{plan}");
    }
}
