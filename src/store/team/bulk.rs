//! Many rows at once: bulk intake (benchmarks) and `stepwise store migrate --to URL`, which
//! copies a local desk into an empty team database and checks the counts.

use serde::Serialize;

use std::collections::HashMap;

use rusqlite::types::Value;

use super::rows::{Cell, append_event, insert_ticket, next_number, refresh_search};
use super::{TeamStore, classify};
use crate::model::{NewTicket, RuleError, Ticket, TicketId};
use crate::store::row_columns::ticket_from;
use crate::store::sessions::{SESSION_COLUMNS, SURVEY_COLUMNS};
use crate::store::tickets::TICKET_COLUMNS;
use crate::store::{Store, StoreError, StoreResult};

/// What a migration copied (each count checked against the team database afterwards).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MigrateReport {
    /// Tickets copied.
    pub tickets: i64,
    /// Internal notes copied.
    pub notes: i64,
    /// Timeline entries copied.
    pub timeline_entries: i64,
    /// Guides copied.
    pub guides: i64,
    /// Team-wide settings copied (canned phrases, glossaries).
    pub settings: i64,
    /// Remote sessions copied.
    pub sessions: i64,
    /// Exit surveys copied.
    pub surveys: i64,
    /// Recording rows copied (the files stay on this computer, which the rows name).
    pub recordings: i64,
}

/// Settings every engineer of a team shares (per-console ones, such as the profile, network or
/// language, stay local).
const TEAM_SETTING_PATTERNS: [&str; 2] = ["canned_phrases_%", "glossary.%"];

impl TeamStore {
    /// Opens many tickets in one transaction (bulk intake, benchmarks); each pair gives the form
    /// and the creation time. All or nothing. One notice is not sent per ticket: consoles
    /// refresh on [`crate::model::DeskNoticeKind::Created`] of the last one.
    pub fn create_tickets(&mut self, batch: &[(NewTicket, i64)], actor: &str) -> StoreResult<usize> {
        if let Some(errors) = batch.iter().map(|(new, _)| new.fields.validate()).find(|errors| !errors.is_empty()) {
            return Err(RuleError::InvalidFields(errors).into());
        }
        let policy = self.policy;
        self.write(|tx| {
            let mut last = None;
            for (new, created_at_ms) in batch {
                let number = next_number(tx, *created_at_ms)?;
                let (mut ticket, created) = Ticket::open_unchecked(new, number, *created_at_ms, &policy);
                ticket.id = insert_ticket(tx, &ticket, &policy)?;
                append_event(tx, ticket.id, *created_at_ms, (created.default_actor_kind(), actor), &created)?;
                last = Some((ticket.id, *created_at_ms));
            }
            if let Some((ticket, at_ms)) = last {
                let kind = crate::model::DeskNoticeKind::Created;
                super::rows::notify(tx, ticket, kind, Some(crate::model::TicketVersion::FIRST), actor, None, at_ms)?;
            }
            Ok(batch.len())
        })
    }

    /// Refreshes the planner's statistics and the visibility map of the ticket tables (after a
    /// bulk load, before autovacuum gets to it): searches get the right plan, and a common-word
    /// walk reads the urgency index alone.
    pub fn refresh_statistics(&mut self) -> StoreResult<()> {
        self.read(|client| {
            client.batch_execute("VACUUM (ANALYZE) tickets, ticket_notes, ticket_events").map_err(classify)
        })
    }

    /// The team database's size on the server, bytes.
    pub fn database_bytes(&mut self) -> StoreResult<i64> {
        self.read(|client| {
            Ok(client.query_one("SELECT pg_database_size(current_database())", &[]).map_err(classify)?.get(0))
        })
    }

    /// How many tickets the team database holds.
    pub fn ticket_count(&mut self) -> StoreResult<i64> {
        self.read(|client| Ok(client.query_one("SELECT count(*) FROM tickets", &[]).map_err(classify)?.get(0)))
    }

    /// Copies the local desk `local` into this team database, which must hold no tickets:
    /// tickets (numbers, times and SLA clocks kept), notes, the timeline, sessions, surveys,
    /// recording rows, guides and team-wide settings, in one transaction; then compares every count. [`StoreError::TeamNotEmpty`]
    /// when the team database has tickets already.
    pub fn migrate_from(&mut self, local: &Store) -> StoreResult<MigrateReport> {
        let existing = self.ticket_count()?;
        if existing > 0 {
            return Err(StoreError::TeamNotEmpty(existing));
        }
        let policy = self.policy;
        let guides = local_guides(local)?;
        let step_outcomes =
            local_rows(local, "SELECT guide_id, step_index, done, didnt_work, stuck FROM guide_step_outcomes", 5)?;
        let step_answers =
            local_rows(local, "SELECT guide_id, step_index, outcome, at_ms FROM guide_step_answers ORDER BY id", 4)?;
        let settings = local_team_settings(local)?;
        let expected = MigrateReport {
            tickets: local.conn.query_row("SELECT count(*) FROM tickets", [], |row| row.get(0))?,
            notes: local.conn.query_row("SELECT count(*) FROM ticket_notes", [], |row| row.get(0))?,
            timeline_entries: local.conn.query_row("SELECT count(*) FROM ticket_events", [], |row| row.get(0))?,
            guides: i64::try_from(guides.len()).unwrap_or(i64::MAX),
            settings: i64::try_from(settings.len()).unwrap_or(i64::MAX),
            sessions: local.conn.query_row("SELECT count(*) FROM sessions", [], |row| row.get(0))?,
            surveys: local.conn.query_row("SELECT count(*) FROM surveys", [], |row| row.get(0))?,
            recordings: local.conn.query_row("SELECT count(*) FROM recordings", [], |row| row.get(0))?,
        };
        let sessions = local_rows(local, &format!("SELECT {SESSION_COLUMNS} FROM sessions ORDER BY id"), 7)?;
        let surveys = local_rows(local, &format!("SELECT {SURVEY_COLUMNS} FROM surveys ORDER BY session_id"), 9)?;
        let recordings = local_rows(
            local,
            "SELECT ticket_id, session_id, path, duration_ms, bytes, hash_head, status, saved_at_ms, \
             retention_until_ms FROM recordings ORDER BY id",
            9,
        )?;
        let host = self.host.clone();
        let mut tickets_stmt = local.conn.prepare(&format!("SELECT {TICKET_COLUMNS} FROM tickets ORDER BY id"))?;
        let tickets: Vec<Ticket> = tickets_stmt.query_map([], |row| ticket_from(row))?.collect::<Result<_, _>>()?;
        let mut notes_stmt =
            local.conn.prepare("SELECT ticket_id, at_ms, author, body FROM ticket_notes ORDER BY id")?;
        let notes: Vec<(i64, i64, String, String)> = notes_stmt
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))?
            .collect::<Result<_, _>>()?;
        let mut events_stmt = local.conn.prepare(
            "SELECT ticket_id, seq, at_ms, actor, actor_kind, kind, payload FROM ticket_events ORDER BY ticket_id, seq",
        )?;
        type EventRow = (i64, i64, i64, String, String, String, String);
        let events: Vec<EventRow> = events_stmt
            .query_map([], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?))
            })?
            .collect::<Result<_, _>>()?;
        self.write(|tx| {
            let mut ids = std::collections::HashMap::new();
            for ticket in &tickets {
                ids.insert(ticket.id.0, insert_ticket(tx, ticket, &policy)?.0);
            }
            let id_of = |local: i64| ids.get(&local).copied().ok_or_else(|| StoreError::TicketNotFound(local.to_string()));
            for (ticket_id, at_ms, author, body) in &notes {
                tx.execute(
                    "INSERT INTO ticket_notes (ticket_id, at_ms, author, body) VALUES ($1, $2, $3, $4)",
                    &[&id_of(*ticket_id)?, at_ms, author, body],
                )
                .map_err(classify)?;
            }
            for (ticket_id, seq, at_ms, actor, actor_kind, kind, payload) in &events {
                tx.execute(
                    "INSERT INTO ticket_events (ticket_id, seq, at_ms, actor, actor_kind, kind, payload) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    &[&id_of(*ticket_id)?, seq, at_ms, actor, actor_kind, kind, payload],
                )
                .map_err(classify)?;
            }
            for local_id in ids.values() {
                refresh_search(tx, TicketId(*local_id))?;
            }
            let session_ids = copy_sessions(tx, &sessions, &id_of)?;
            copy_surveys_and_recordings(tx, &surveys, &recordings, &host, &id_of, &session_ids)?;
            // Numbers handed out later continue after the copied ones, day by day.
            tx.batch_execute(
                "INSERT INTO ticket_number_counters (day, last) \
                 SELECT split_part(number, '-', 2), max(split_part(number, '-', 3)::bigint) FROM tickets \
                 WHERE number ~ '^T-[0-9]{8}-[0-9]+$' GROUP BY 1 \
                 ON CONFLICT (day) DO UPDATE SET last = greatest(ticket_number_counters.last, excluded.last)",
            )
            .map_err(classify)?;
            let kept_guides = copy_guides(tx, &guides, &step_outcomes, &step_answers)?;
            for (key, value) in &settings {
                tx.execute(
                    "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    &[key, value],
                )
                .map_err(classify)?;
            }
            let count = |tx: &mut postgres::Transaction<'_>, table: &str| -> StoreResult<i64> {
                Ok(tx.query_one(&format!("SELECT count(*) FROM {table}"), &[]).map_err(classify)?.get(0))
            };
            let copied = MigrateReport {
                tickets: count(tx, "tickets")?,
                notes: count(tx, "ticket_notes")?,
                timeline_entries: count(tx, "ticket_events")?,
                guides: count(tx, "guides")? - kept_guides,
                settings: count(tx, "settings")?,
                sessions: count(tx, "sessions")?,
                surveys: count(tx, "surveys")?,
                recordings: count(tx, "recordings")?,
            };
            if copied != expected {
                return Err(StoreError::Import(format!(
                    "the counts differ after copying (local {expected:?}, team {copied:?}); nothing was kept"
                )));
            }
            Ok(copied)
        })
        .and_then(|copied| self.refresh_statistics().map(|()| copied))
    }
}

/// One local table's rows, each column as a SQLite value (`columns` of them).
fn local_rows(local: &Store, sql: &str, columns: usize) -> StoreResult<Vec<Vec<Value>>> {
    let mut stmt = local.conn.prepare(sql)?;
    let rows = stmt.query_map([], |row| (0..columns).map(|index| row.get::<_, Value>(index)).collect())?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn local_int(value: &Value) -> Option<i64> {
    match value {
        Value::Integer(number) => Some(*number),
        _ => None,
    }
}

/// Copies the local session rows (`SESSION_COLUMNS`) onto the copied tickets; returns the new
/// id of each local session.
fn copy_sessions(
    tx: &mut postgres::Transaction<'_>,
    sessions: &[Vec<Value>],
    id_of: &dyn Fn(i64) -> StoreResult<i64>,
) -> StoreResult<HashMap<i64, i64>> {
    let mut session_ids = HashMap::new();
    for row in sessions {
        let [id, ticket_id, engineer, started, joined, ended, reason] = row.as_slice() else { continue };
        let (Some(local_id), Some(ticket_id)) = (local_int(id), local_int(ticket_id)) else { continue };
        let cells = [Cell(engineer.clone()), Cell(started.clone()), Cell(joined.clone()), Cell(ended.clone())];
        let reason = Cell(reason.clone());
        let new_id: i64 = tx
            .query_one(
                "INSERT INTO sessions (ticket_id, engineer, started_at_ms, joined_at_ms, ended_at_ms, end_reason) \
                 VALUES ($1, $2::text, $3::bigint, $4::bigint, $5::bigint, $6::text) RETURNING id",
                &[&id_of(ticket_id)?, &cells[0], &cells[1], &cells[2], &cells[3], &reason],
            )
            .map_err(classify)?
            .get(0);
        session_ids.insert(local_id, new_id);
    }
    Ok(session_ids)
}

/// Copies the local surveys (`SURVEY_COLUMNS`) and recording rows onto the copied tickets and
/// sessions; the recordings' files stay on this computer (`host`).
fn copy_surveys_and_recordings(
    tx: &mut postgres::Transaction<'_>,
    surveys: &[Vec<Value>],
    recordings: &[Vec<Value>],
    host: &str,
    id_of: &dyn Fn(i64) -> StoreResult<i64>,
    session_ids: &HashMap<i64, i64>,
) -> StoreResult<()> {
    let session_of = |value: &Value| local_int(value).and_then(|id| session_ids.get(&id).copied());
    for row in surveys {
        let [session, ticket_id, rest @ ..] = row.as_slice() else { continue };
        let (Some(session), Some(ticket_id)) = (session_of(session), local_int(ticket_id)) else { continue };
        let rest: Vec<Cell> = rest.iter().cloned().map(Cell).collect();
        let [asked, settled, solved, rating, clear, comment, reason] = rest.as_slice() else { continue };
        tx.execute(
            &format!(
                "INSERT INTO surveys ({SURVEY_COLUMNS}) VALUES ($1, $2, $3::bigint, $4::bigint, $5::text, \
                 $6::bigint, $7::text, $8::text, $9::text)"
            ),
            &[&session, &id_of(ticket_id)?, asked, settled, solved, rating, clear, comment, reason],
        )
        .map_err(classify)?;
    }
    for row in recordings {
        let [ticket_id, session, rest @ ..] = row.as_slice() else { continue };
        let Some(ticket_id) = local_int(ticket_id) else { continue };
        let session = session_of(session);
        let rest: Vec<Cell> = rest.iter().cloned().map(Cell).collect();
        let [path, duration, bytes, hash_head, status, saved, retention] = rest.as_slice() else { continue };
        tx.execute(
            "INSERT INTO recordings (ticket_id, session_id, host, path, duration_ms, bytes, hash_head, status, \
             saved_at_ms, retention_until_ms) VALUES ($1, $2, $3, $4::text, $5::bigint, $6::bigint, $7::text, \
             $8::text, $9::bigint, $10::bigint)",
            &[&id_of(ticket_id)?, &session, &host, path, duration, bytes, hash_head, status, saved, retention],
        )
        .map_err(classify)?;
    }
    Ok(())
}

/// A local guide to copy: its id, shipped key, JSON document and last change.
struct LocalGuide {
    id: i64,
    builtin_key: Option<String>,
    document: String,
    updated_at_ms: i64,
}

/// Every local guide.
fn local_guides(local: &Store) -> StoreResult<Vec<LocalGuide>> {
    let mut stmt = local.conn.prepare("SELECT id, builtin_key, updated_at_ms FROM guides ORDER BY id")?;
    let rows: Vec<(i64, Option<String>, i64)> =
        stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?.collect::<Result<_, _>>()?;
    let mut guides = Vec::new();
    for (id, builtin_key, updated_at_ms) in rows {
        let (guide, _) = local.guide(crate::model::GuideId(id))?;
        let stored = crate::model::Guide { id: crate::model::GuideId(0), ..guide };
        let document = serde_json::to_string(&stored).map_err(|err| StoreError::Import(err.to_string()))?;
        guides.push(LocalGuide { id, builtin_key, document, updated_at_ms });
    }
    Ok(guides)
}

/// Copies the local guides with their step counts and dated answers. The shipped guides the
/// team database was seeded with, untouched, make way for the console's copies (which may be
/// edited and have answers). Returns how many guides the team database kept of its own.
fn copy_guides(
    tx: &mut postgres::Transaction<'_>,
    guides: &[LocalGuide],
    outcomes: &[Vec<Value>],
    answers: &[Vec<Value>],
) -> StoreResult<i64> {
    tx.execute(
        "DELETE FROM guides g WHERE builtin_key IS NOT NULL AND version = 1 AND updated_at_ms = 0 \
         AND NOT EXISTS (SELECT 1 FROM guide_step_outcomes o WHERE o.guide_id = g.id)",
        &[],
    )
    .map_err(classify)?;
    let kept: i64 = tx.query_one("SELECT count(*) FROM guides", &[]).map_err(classify)?.get(0);
    let mut guide_ids = HashMap::new();
    for guide in guides {
        let new_id: i64 = tx
            .query_one(
                "INSERT INTO guides (document, updated_at_ms, builtin_key) VALUES ($1, $2, $3) RETURNING id",
                &[&guide.document, &guide.updated_at_ms, &guide.builtin_key],
            )
            .map_err(classify)?
            .get(0);
        guide_ids.insert(guide.id, new_id);
    }
    let guide_of = |value: &Value| local_int(value).and_then(|id| guide_ids.get(&id).copied());
    for row in outcomes {
        let [guide, step, done, didnt_work, stuck] = row.as_slice() else { continue };
        let Some(guide) = guide_of(guide) else { continue };
        let cells = [step, done, didnt_work, stuck].map(|value| local_int(value).unwrap_or(0));
        tx.execute(
            "INSERT INTO guide_step_outcomes (guide_id, step_index, done, didnt_work, stuck) VALUES ($1, $2, $3, $4, $5)",
            &[&guide, &cells[0], &cells[1], &cells[2], &cells[3]],
        )
        .map_err(classify)?;
    }
    for row in answers {
        let [guide, step, outcome, at_ms] = row.as_slice() else { continue };
        let (Some(guide), Some(step), Some(at_ms)) = (guide_of(guide), local_int(step), local_int(at_ms)) else {
            continue;
        };
        let Value::Text(outcome) = outcome else { continue };
        tx.execute(
            "INSERT INTO guide_step_answers (guide_id, step_index, outcome, at_ms) VALUES ($1, $2, $3, $4)",
            &[&guide, &step, outcome, &at_ms],
        )
        .map_err(classify)?;
    }
    Ok(kept)
}

/// The local settings a team shares.
fn local_team_settings(local: &Store) -> StoreResult<Vec<(String, String)>> {
    let mut stmt =
        local.conn.prepare("SELECT key, value FROM settings WHERE key LIKE ?1 OR key LIKE ?2 ORDER BY key")?;
    let rows = stmt.query_map(TEAM_SETTING_PATTERNS, |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
