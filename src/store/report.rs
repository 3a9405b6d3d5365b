//! Loads what a report is computed from: the tickets in scope (with the running facts of their
//! workflow moves, kept as moves are written), the moves of the few tickets the backlog must
//! replay, sessions, surveys and dated guide step answers. The tickets are read from one covering
//! index (migration 11); sessions by ticket, or in one pass when most tickets are in scope.

use rusqlite::types::Value;
use rusqlite::vtab::array::Array;
use rusqlite::{OptionalExtension as _, Row, Transaction, params};

use super::row_columns::RowColumns;
use super::sessions::{SESSION_COLUMNS, SURVEY_COLUMNS, session_from_row, survey_from_row};
use super::{Store, StoreResult};
use crate::model::report::{GuideStepCounts, MoveFacts, Report, ReportInputs, ReportQuery, ReportTicket, StatusMove};
use crate::model::{
    Category, GuideId, GuideStep, Priority, SessionRecord, SlaClock, Status, StepStats, SurveyRecord, TicketId,
};

/// The tickets a report looks at (`?1` = from, `?2` = to, `?3` = category, `?4` = priority):
/// created before the end of the range and created in it, changed since its start, open, or
/// with a session or survey in it. Every column is in `tickets_report`, so the scan never reads
/// the wide rows (descriptions and the rest).
const TICKETS_SQL: &str = "SELECT id, number, title, category, priority, status, assignee, created_at_ms, \
     satisfaction, sla_started_at_ms, sla_response_target_ms, sla_resolution_target_ms, sla_responded_at_ms, \
     sla_paused_total_ms, sla_paused_since_ms, first_resolved_at_ms, reopened_soon, last_move_at_ms, last_move_to \
     FROM tickets
     WHERE created_at_ms < ?2
       AND (created_at_ms >= ?1 OR updated_at_ms >= ?1 OR status NOT IN ('resolved', 'closed')
            OR id IN (SELECT ticket_id FROM sessions WHERE started_at_ms >= ?1 AND started_at_ms < ?2)
            OR id IN (SELECT ticket_id FROM surveys WHERE asked_at_ms >= ?1 AND asked_at_ms < ?2))
       AND (?3 IS NULL OR category = ?3) AND (?4 IS NULL OR priority = ?4)";

/// The workflow moves of the tickets in `rarray(?1)`, read through their partial index.
const MOVES_SQL: &str = "SELECT ticket_id, at_ms, payload \
     FROM ticket_events WHERE kind = 'status_changed' AND ticket_id IN rarray(?1) ORDER BY ticket_id, seq";

/// The surveys asked in `[?1, ?2)`, in any order: read straight from the covering
/// `surveys_report` index.
fn surveys_sql() -> String {
    format!("SELECT {SURVEY_COLUMNS} FROM surveys WHERE asked_at_ms >= ?1 AND asked_at_ms < ?2")
}

/// Above this share of all tickets in scope (one in this many), sessions are read in one pass
/// and sorted out here rather than looked up ticket by ticket.
const SCAN_SESSIONS_FROM_ONE_IN: usize = 4;

/// A `status_changed` payload's statuses: the exact form this build writes is split by hand
/// (hundreds of thousands per report), anything else goes through serde.
pub(super) fn parse_move(payload: &str) -> Option<(Status, Status)> {
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

/// The running move facts in columns `first..first + 4` (first resolved, reopened soon, last
/// move time, last move's status); an unreadable status counts as none.
fn move_facts_from_row(row: &Row<'_>, first: usize) -> rusqlite::Result<MoveFacts> {
    Ok(MoveFacts {
        first_resolved_at_ms: row.get(first)?,
        reopened_soon: row.get(first + 1)?,
        last_move_at_ms: row.get(first + 2)?,
        last_move_to: row.get_ref(first + 3)?.as_str().ok().and_then(Status::parse),
    })
}

fn write_move_facts(tx: &Transaction<'_>, ticket_id: i64, facts: &MoveFacts) -> StoreResult<()> {
    tx.prepare_cached(
        "UPDATE tickets SET first_resolved_at_ms = ?2, reopened_soon = ?3, last_move_at_ms = ?4, last_move_to = ?5 \
         WHERE id = ?1",
    )?
    .execute(params![
        ticket_id,
        facts.first_resolved_at_ms,
        facts.reopened_soon,
        facts.last_move_at_ms,
        facts.last_move_to.map(Status::as_str)
    ])?;
    Ok(())
}

/// Keeps a ticket's running move facts as a workflow move is written (inside the same
/// transaction as its timeline entry).
pub(super) fn record_move(
    tx: &Transaction<'_>,
    ticket_id: TicketId,
    at_ms: i64,
    from: Status,
    to: Status,
) -> StoreResult<()> {
    let facts = tx
        .prepare_cached(
            "SELECT first_resolved_at_ms, reopened_soon, last_move_at_ms, last_move_to FROM tickets WHERE id = ?1",
        )?
        .query_row([ticket_id.0], |row| move_facts_from_row(row, 0))
        .optional()?;
    let Some(mut facts) = facts else { return Ok(()) };
    facts.apply(at_ms, from, to);
    write_move_facts(tx, ticket_id.0, &facts)
}

/// Migration back-fill: every ticket's move facts from the moves on its timeline.
pub(super) fn backfill_move_facts(tx: &Transaction<'_>) -> StoreResult<()> {
    let mut facts: Vec<(i64, MoveFacts)> = Vec::new();
    {
        let mut statement = tx.prepare(
            "SELECT ticket_id, at_ms, payload FROM ticket_events WHERE kind = 'status_changed' ORDER BY ticket_id, seq",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let Some((from, to)) = row.get_ref(2)?.as_str().ok().and_then(parse_move) else {
                continue;
            };
            let ticket_id: i64 = row.get(0)?;
            if facts.last().is_none_or(|(id, _)| *id != ticket_id) {
                facts.push((ticket_id, MoveFacts::default()));
            }
            if let Some((_, ticket_facts)) = facts.last_mut() {
                ticket_facts.apply(row.get(1)?, from, to);
            }
        }
    }
    for (ticket_id, ticket_facts) in &facts {
        write_move_facts(tx, *ticket_id, ticket_facts)?;
    }
    Ok(())
}

fn report_ticket_from_row(row: &Row<'_>) -> rusqlite::Result<ReportTicket> {
    Ok(ReportTicket { moves: move_facts_from_row(row, 15)?, ..report_ticket_from(row)? })
}

/// A report's ticket from its first 15 columns (those of `TICKETS_SQL` before the move facts,
/// either database); its move facts start empty.
pub(super) fn report_ticket_from<R: RowColumns + ?Sized>(row: &R) -> Result<ReportTicket, R::Error> {
    Ok(ReportTicket {
        id: TicketId(row.int(0)?),
        number: row.text(1)?,
        title: row.text(2)?,
        category: row.parsed(3, Category::parse)?,
        priority: row.parsed(4, Priority::parse)?,
        status: row.parsed(5, Status::parse)?,
        assignee: row.optional_text(6)?,
        created_at_ms: row.int(7)?,
        satisfaction: row.optional_int(8)?,
        sla: SlaClock {
            started_at_ms: row.int(9)?,
            response_target_ms: row.int(10)?,
            resolution_target_ms: row.int(11)?,
            responded_at_ms: row.optional_int(12)?,
            paused_total_ms: row.int(13)?,
            paused_since_ms: row.optional_int(14)?,
        },
        moves: MoveFacts::default(),
    })
}

impl Store {
    /// Loads the inputs of a report whose backlog is taken at the end of the range or `now_ms`,
    /// whichever is earlier. Filters on category and priority are applied in SQL; the engineer
    /// filter is applied by [`Report::compute`] (sessions count by who ran them).
    pub fn report_inputs(&self, query: &ReportQuery, now_ms: i64) -> StoreResult<ReportInputs> {
        let category = query.category.map(Category::as_str);
        let priority = query.priority.map(Priority::as_str);
        let scope_params = params![query.from_ms, query.to_ms, category, priority];

        let mut statement = self.conn.prepare_cached(TICKETS_SQL)?;
        let tickets = statement.query_map(scope_params, report_ticket_from_row)?.collect::<Result<Vec<_>, _>>()?;

        // Only the tickets that moved after the backlog time need their moves replayed.
        let backlog_at_ms = query.to_ms.min(now_ms);
        let moved_later: Array = std::rc::Rc::new(
            tickets
                .iter()
                .filter(|t| t.moves.last_move_at_ms.is_some_and(|at| at > backlog_at_ms))
                .map(|t| Value::Integer(t.id.0))
                .collect(),
        );
        let mut statement = self.conn.prepare_cached(MOVES_SQL)?;
        let mut moves = Vec::new();
        let mut rows = statement.query([&moved_later])?;
        while let Some(row) = rows.next()? {
            // A move this build cannot read is left out rather than failing the whole report.
            let Some((from, to)) = row.get_ref(2)?.as_str().ok().and_then(parse_move) else {
                continue;
            };
            moves.push(StatusMove { ticket_id: TicketId(row.get(0)?), at_ms: row.get(1)?, from, to });
        }

        let sessions = self.sessions_of(&tickets)?;
        let mut statement = self.conn.prepare_cached(&surveys_sql())?;
        let surveys: Vec<SurveyRecord> =
            statement.query_map([query.from_ms, query.to_ms], |row| survey_from_row(row))?.collect::<Result<_, _>>()?;
        let mut inputs = ReportInputs {
            tickets,
            moves,
            sessions,
            surveys,
            guide_steps: self.guide_step_counts(query.from_ms, query.to_ms)?,
            undated_step_answers: self.undated_step_answers()?,
            jargon_hints: crate::model::report::HintTally::default(),
        };
        self.add_console_report_parts(query, &mut inputs)?;
        Ok(inputs)
    }

    /// Fills in what a report takes from this console's own file whichever desk the tickets are
    /// on: the plain-word hints (each engineer's writing aid, kept where they write).
    pub fn add_console_report_parts(&self, query: &ReportQuery, inputs: &mut ReportInputs) -> StoreResult<()> {
        let hints = self.jargon_hint_counts(query.from_ms, query.to_ms, query.engineer.as_deref())?;
        inputs.jargon_hints = crate::model::report::HintTally {
            offered: u32::try_from(hints.offered).unwrap_or(u32::MAX),
            accepted: u32::try_from(hints.accepted).unwrap_or(u32::MAX),
        };
        Ok(())
    }

    /// Every session of `tickets`: looked up by ticket for a few, read in one pass and sorted out
    /// by ticket id when they are a large share of all tickets.
    fn sessions_of(&self, tickets: &[ReportTicket]) -> StoreResult<Vec<SessionRecord>> {
        let max_id: i64 = self.conn.query_row("SELECT coalesce(max(id), 0) FROM tickets", [], |row| row.get(0))?;
        let total = usize::try_from(max_id).unwrap_or(usize::MAX);
        if tickets.len().saturating_mul(SCAN_SESSIONS_FROM_ONE_IN) < total {
            let ids: Array = std::rc::Rc::new(tickets.iter().map(|t| Value::Integer(t.id.0)).collect());
            let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE ticket_id IN rarray(?1)");
            let mut statement = self.conn.prepare_cached(&sql)?;
            return Ok(statement.query_map([&ids], |row| session_from_row(row))?.collect::<Result<Vec<_>, _>>()?);
        }
        let mut ids: Vec<TicketId> = tickets.iter().map(|t| t.id).collect();
        ids.sort_unstable();
        let mut statement = self.conn.prepare_cached(&format!("SELECT {SESSION_COLUMNS} FROM sessions"))?;
        let mut rows = statement.query([])?;
        let mut sessions = Vec::new();
        while let Some(row) = rows.next()? {
            if ids.binary_search(&TicketId(row.get(1)?)).is_ok() {
                sessions.push(session_from_row(row)?);
            }
        }
        Ok(sessions)
    }

    /// Loads the inputs and computes the report (`now_ms` bounds the backlog and running clocks).
    pub fn report(&self, query: &ReportQuery, now_ms: i64) -> StoreResult<Report> {
        Ok(Report::compute(query, &self.report_inputs(query, now_ms)?, now_ms))
    }

    /// Every guide step answered in `[from_ms, to_ms)` with its counts and instruction.
    fn guide_step_counts(&self, from_ms: i64, to_ms: i64) -> StoreResult<Vec<GuideStepCounts>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT g.id, g.title, g.steps, a.step_index, a.done, a.didnt_work, a.stuck
             FROM (SELECT guide_id, step_index, sum(outcome = 'done') AS done,
                          sum(outcome = 'didnt_work') AS didnt_work, sum(outcome = 'stuck') AS stuck
                   FROM guide_step_answers WHERE at_ms >= ?1 AND at_ms < ?2 GROUP BY guide_id, step_index) a
             JOIN guides g ON g.id = a.guide_id ORDER BY g.id, a.step_index",
        )?;
        let mut rows = statement.query([from_ms, to_ms])?;
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

    /// Step answers counted before answers were dated (migration 10): in the per-step totals
    /// but in no dated row.
    fn undated_step_answers(&self) -> StoreResult<u32> {
        let undated: i64 = self.conn.query_row(
            "SELECT (SELECT coalesce(sum(done + didnt_work + stuck), 0) FROM guide_step_outcomes)
                  - (SELECT count(*) FROM guide_step_answers)",
            [],
            |row| row.get(0),
        )?;
        Ok(u32::try_from(undated.max(0)).unwrap_or(u32::MAX))
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
        store.record_step_answer(guide, 1, StepOutcome::Stuck, FROM + DAY_MS).unwrap();
        store.record_step_answer(guide, 1, StepOutcome::DidntWork, FROM - DAY_MS).unwrap();
        // An answer from before answers were dated: only in the totals.
        store.conn.execute("UPDATE guide_step_outcomes SET done = done + 2 WHERE step_index = 1", []).unwrap();

        let query = ReportQuery { from_ms: FROM, to_ms: FROM + 30 * DAY_MS, ..ReportQuery::default() };
        let inputs = store.report_inputs(&query, FROM + 30 * DAY_MS).unwrap();
        let mut ids: Vec<TicketId> = inputs.tickets.iter().map(|t| t.id).collect();
        ids.sort();
        // The old resolved ticket is in scope through its session in the range; the later one is not.
        assert_eq!(ids, [old_resolved, old_open, in_range]);
        assert!(!ids.contains(&later));
        // The move facts were kept as the moves were written; no move came after the backlog
        // time, so none is read.
        let facts = inputs.tickets.iter().find(|t| t.id == in_range).unwrap().moves;
        let expected = MoveFacts {
            first_resolved_at_ms: Some(FROM + 2 * DAY_MS + 1),
            reopened_soon: false,
            last_move_at_ms: Some(FROM + 2 * DAY_MS + 1),
            last_move_to: Some(Status::Resolved),
        };
        assert_eq!(facts, expected);
        assert!(inputs.moves.is_empty());
        // A backlog taken between its two moves replays them.
        let before = store.report_inputs(&query, FROM + 2 * DAY_MS).unwrap();
        let moves: Vec<(TicketId, Status, Status)> = before.moves.iter().map(|m| (m.ticket_id, m.from, m.to)).collect();
        assert_eq!(
            moves,
            [(in_range, Status::New, Status::InProgress), (in_range, Status::InProgress, Status::Resolved)]
        );
        assert_eq!(inputs.sessions.len(), 1);
        let step = &inputs.guide_steps[0];
        // Only the answer dated in the range counts; the undated ones are reported apart.
        assert_eq!(inputs.guide_steps.len(), 1);
        assert_eq!((step.step_index, step.stats), (1, StepStats { done: 0, didnt_work: 0, stuck: 1 }));
        assert!(!step.instruction.is_empty());
        assert_eq!(inputs.undated_step_answers, 2);

        let network = ReportQuery { category: Some(Category::Network), ..query.clone() };
        let inputs = store.report_inputs(&network, FROM + 30 * DAY_MS).unwrap();
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
        assert!(plan.contains("sessions_by_start") && plan.contains("surveys_report"), "{plan}");
        assert!(plan.contains("COVERING INDEX tickets_report"), "the wide rows are not read: {plan}");
        let plan = plan_of(surveys_sql(), &[&query.from_ms, &query.to_ms]);
        assert!(plan.contains("COVERING INDEX surveys_report"), "{plan}");
    }

    fn facts_of(store: &Store, id: TicketId) -> MoveFacts {
        store
            .conn
            .query_row(
                "SELECT first_resolved_at_ms, reopened_soon, last_move_at_ms, last_move_to FROM tickets WHERE id = ?1",
                [id.0],
                |row| move_facts_from_row(row, 0),
            )
            .unwrap()
    }

    #[test]
    fn move_facts_are_kept_as_moves_are_written_and_back_filled() {
        let mut store = Store::open_in_memory().unwrap();
        let reopened = ticket(&mut store, "reopened", Category::Software, FROM);
        resolve(&mut store, reopened, FROM + DAY_MS);
        store.change_ticket(reopened, &TicketChange::Status(Status::InProgress), "Li", FROM + 3 * DAY_MS).unwrap();
        let late = ticket(&mut store, "reopened late", Category::Software, FROM);
        resolve(&mut store, late, FROM + DAY_MS);
        store.change_ticket(late, &TicketChange::Status(Status::InProgress), "Li", FROM + 9 * DAY_MS).unwrap();
        let untouched = ticket(&mut store, "new", Category::Network, FROM);
        // Resolved a day after creation, then moved back to in progress at `back_ms`.
        let reopened_at = |back_ms: i64, soon: bool| MoveFacts {
            first_resolved_at_ms: Some(FROM + DAY_MS + 1),
            reopened_soon: soon,
            last_move_at_ms: Some(back_ms),
            last_move_to: Some(Status::InProgress),
        };
        let expected = [
            (reopened, reopened_at(FROM + 3 * DAY_MS, true)),
            (late, reopened_at(FROM + 9 * DAY_MS, false)),
            (untouched, MoveFacts::default()),
        ];
        for (id, facts) in expected {
            assert_eq!(facts_of(&store, id), facts, "kept on write, ticket {id}");
        }
        // The migration's back-fill finds the same from the timeline.
        store
            .conn
            .execute("UPDATE tickets SET first_resolved_at_ms = NULL, reopened_soon = 0, last_move_at_ms = NULL, last_move_to = NULL", [])
            .unwrap();
        let tx = store.conn.transaction().unwrap();
        backfill_move_facts(&tx).unwrap();
        tx.commit().unwrap();
        for (id, facts) in expected {
            assert_eq!(facts_of(&store, id), facts, "back-filled, ticket {id}");
        }
    }
}
