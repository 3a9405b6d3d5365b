//! [`TicketDesk`] on the embedded SQLite store: the team desk's rules on one machine (versions,
//! conflicts, atomic claims, the engineer directory, presence). Every write takes SQLite's
//! write lock first (`BEGIN IMMEDIATE`), so a read-check-write inside one call is atomic.

use rusqlite::{OptionalExtension, params};

use super::desk::{DeskBackend, TicketDesk, hash_password, plan_change, verify_password};
use super::tickets::{DESK_COLUMNS, TICKET_COLUMNS, desk_ticket_from_row, load_desk, record_change, revision};
use super::{Store, StoreError, StoreResult};
use crate::model::team::{escalation_changes, rank_assignees};
use crate::model::{
    ActorKind, Category, Changed, DeskListing, DeskQuery, DeskTicket, Engineer, EngineerId, Escalation, HistoryEntry,
    NewEngineer, NewTicket, Note, Presence, RoutingSuggestion, TicketChange, TicketId, TicketSummary, TicketVersion,
    TimelineEvent,
};

/// Columns read by [`engineer_from_row`], in order.
const ENGINEER_COLUMNS: &str = "id, name, team, tier, skills";

/// Skills as stored: a JSON array of category names (unknown names are skipped).
pub(super) fn skills_from_json(text: &str) -> Vec<Category> {
    serde_json::from_str::<Vec<String>>(text)
        .unwrap_or_default()
        .iter()
        .filter_map(|name| Category::parse(name))
        .collect()
}

/// Skills as a JSON array of category names.
pub(super) fn skills_to_json(skills: &[Category]) -> String {
    serde_json::to_string(&skills.iter().map(|skill| skill.as_str()).collect::<Vec<_>>()).unwrap_or_default()
}

fn engineer_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Engineer> {
    let skills: String = row.get(4)?;
    Ok(Engineer {
        id: EngineerId(row.get(0)?),
        name: row.get(1)?,
        team: row.get(2)?,
        tier: row.get(3)?,
        skills: skills_from_json(&skills),
    })
}

impl Store {
    fn engineer(&self, engineer_id: EngineerId) -> StoreResult<Engineer> {
        self.conn
            .query_row(
                &format!("SELECT {ENGINEER_COLUMNS} FROM engineers WHERE id = ?1"),
                [engineer_id.0],
                engineer_from_row,
            )
            .optional()?
            .ok_or(StoreError::EngineerNotFound(engineer_id))
    }

    /// Applies `changes` checked against `base`, then sets the team when `team` is given.
    fn change_versioned(
        &mut self,
        ticket_id: TicketId,
        base: TicketVersion,
        changes: &[TicketChange],
        team: Option<&str>,
        actor: &str,
        now_ms: i64,
    ) -> StoreResult<Changed> {
        let policy = self.policy;
        self.write(|tx| {
            let current = load_desk(tx, ticket_id)?;
            let base_ticket = if base == current.version { None } else { revision(tx, ticket_id, base)? };
            let planned = plan_change(&current, base, base_ticket.as_ref(), changes, actor, now_ms, &policy)?;
            if planned.events.is_empty() && team.is_none_or(|team| current.team.as_deref() == Some(team)) {
                return Ok(Changed { ticket: current, merged_over: None });
            }
            record_change(tx, &current, &planned.ticket, &planned.events, actor, now_ms, &policy)?;
            if let Some(team) = team {
                tx.execute("UPDATE tickets SET team = ?2 WHERE id = ?1", params![ticket_id.0, team])?;
            }
            Ok(Changed { ticket: load_desk(tx, ticket_id)?, merged_over: planned.merged_over })
        })
    }
}

impl TicketDesk for Store {
    fn backend(&self) -> DeskBackend {
        DeskBackend::Sqlite
    }

    fn all_tickets(&mut self) -> StoreResult<Vec<crate::model::Ticket>> {
        self.every_ticket()
    }

    fn desk_create(&mut self, new: &NewTicket, actor: &str, now_ms: i64) -> StoreResult<DeskTicket> {
        let ticket = self.create_ticket(new, actor, now_ms)?;
        self.ticket_at(ticket.id)
    }

    fn ticket_at(&mut self, ticket_id: TicketId) -> StoreResult<DeskTicket> {
        self.conn
            .query_row(
                &format!("SELECT {TICKET_COLUMNS}, {DESK_COLUMNS} FROM tickets WHERE id = ?1"),
                [ticket_id.0],
                desk_ticket_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::TicketNotFound(ticket_id.to_string()))
    }

    fn desk_first_page(&mut self, query: &DeskQuery, limit: i64, now_ms: i64) -> StoreResult<DeskListing> {
        let (total, rows) = self.query_first_page(query, limit, now_ms)?;
        Ok(DeskListing::exact(total, rows))
    }

    fn desk_page(
        &mut self,
        query: &DeskQuery,
        offset: i64,
        limit: i64,
        now_ms: i64,
    ) -> StoreResult<Vec<TicketSummary>> {
        self.query_page(query, offset, limit, now_ms)
    }

    fn summaries(&mut self, ticket_ids: &[TicketId]) -> StoreResult<Vec<TicketSummary>> {
        self.summaries_of(ticket_ids)
    }

    fn change_ticket_at(
        &mut self,
        ticket_id: TicketId,
        base: TicketVersion,
        change: &TicketChange,
        actor: &str,
        now_ms: i64,
    ) -> StoreResult<Changed> {
        self.change_versioned(ticket_id, base, std::slice::from_ref(change), None, actor, now_ms)
    }

    fn claim(&mut self, ticket_id: TicketId, engineer: EngineerId, now_ms: i64) -> StoreResult<DeskTicket> {
        let engineer = self.engineer(engineer)?;
        let policy = self.policy;
        self.write(|tx| {
            let current = load_desk(tx, ticket_id)?;
            if let Some(by) = &current.ticket.assignee {
                return Err(StoreError::AlreadyClaimed { by: by.clone() });
            }
            let mut ticket = current.ticket.clone();
            let events =
                ticket.apply(&TicketChange::Assign(Some(engineer.name.clone())), &engineer.name, now_ms, &policy)?;
            record_change(tx, &current, &ticket, &events, &engineer.name, now_ms, &policy)?;
            tx.execute(
                "UPDATE tickets SET assignee_id = ?2, team = coalesce(team, nullif(?3, '')) WHERE id = ?1",
                params![ticket_id.0, engineer.id.0, engineer.team],
            )?;
            load_desk(tx, ticket_id)
        })
    }

    fn escalate_to(
        &mut self,
        ticket_id: TicketId,
        base: TicketVersion,
        escalation: &Escalation,
        actor: &str,
        now_ms: i64,
    ) -> StoreResult<Changed> {
        let current = self.ticket_at(ticket_id)?;
        let changes = escalation_changes(&current.ticket, escalation);
        let team = escalation.team.as_deref().map(str::trim).filter(|team| !team.is_empty());
        self.change_versioned(ticket_id, base, &changes, team, actor, now_ms)
    }

    fn desk_add_note(&mut self, ticket_id: TicketId, text: &str, actor: &str, now_ms: i64) -> StoreResult<()> {
        self.add_note(ticket_id, text, actor, now_ms)
    }

    fn desk_notes(&mut self, ticket_id: TicketId) -> StoreResult<Vec<Note>> {
        self.notes(ticket_id)
    }

    fn desk_append_event(
        &mut self,
        ticket_id: TicketId,
        actor: (ActorKind, &str),
        event: &TimelineEvent,
        at_ms: i64,
    ) -> StoreResult<i64> {
        self.append_event(ticket_id, actor, event, at_ms)
    }

    fn desk_history_page(
        &mut self,
        ticket_id: TicketId,
        before_seq: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<HistoryEntry>> {
        self.history_page(ticket_id, before_seq, limit)
    }

    fn add_engineer(&mut self, new: &NewEngineer, password: &str, now_ms: i64) -> StoreResult<Engineer> {
        let new = new.validated(password)?;
        let hash = hash_password(password)?;
        let id = self.write(|tx| {
            let taken: bool =
                tx.query_row("SELECT EXISTS (SELECT 1 FROM engineers WHERE name = ?1)", [&new.name], |row| row.get(0))?;
            if taken {
                return Err(StoreError::EngineerExists(new.name.clone()));
            }
            tx.execute(
                "INSERT INTO engineers (name, team, tier, skills, password_hash, created_at_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![new.name, new.team, new.tier, skills_to_json(&new.skills), hash, now_ms],
            )?;
            let id = tx.last_insert_rowid();
            // Tickets already assigned to that name (free text before the directory) are theirs.
            tx.execute("UPDATE tickets SET assignee_id = ?1 WHERE assignee = ?2", params![id, new.name])?;
            Ok(EngineerId(id))
        })?;
        self.engineer(id)
    }

    fn engineers(&mut self) -> StoreResult<Vec<Engineer>> {
        let mut stmt = self.conn.prepare_cached(&format!("SELECT {ENGINEER_COLUMNS} FROM engineers ORDER BY name"))?;
        let rows = stmt.query_map([], engineer_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn sign_in(&mut self, name: &str, password: &str) -> StoreResult<Engineer> {
        let found: Option<(i64, String)> = self
            .conn
            .query_row("SELECT id, password_hash FROM engineers WHERE name = ?1", [name.trim()], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()?;
        match found {
            Some((id, hash)) if verify_password(password, &hash) => self.engineer(EngineerId(id)),
            _ => Err(StoreError::SignInRefused),
        }
    }

    fn suggest_assignees(&mut self, ticket_id: TicketId) -> StoreResult<Vec<RoutingSuggestion>> {
        let ticket = self.ticket(ticket_id)?;
        let engineers = self.engineers()?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT assignee_id, count(*) FROM tickets \
             WHERE assignee_id IS NOT NULL AND status NOT IN ('resolved', 'closed') GROUP BY assignee_id",
        )?;
        let workload: std::collections::HashMap<i64, i64> =
            stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?.collect::<Result<_, _>>()?;
        Ok(rank_assignees(&engineers, |id| workload.get(&id.0).copied().unwrap_or(0), ticket.category, ticket.tier))
    }

    fn heartbeat(&mut self, ticket_id: TicketId, engineer: EngineerId, now_ms: i64) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO presence (ticket_id, engineer_id, seen_at_ms) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (ticket_id, engineer_id) DO UPDATE SET seen_at_ms = excluded.seen_at_ms",
                params![ticket_id.0, engineer.0, now_ms],
            )?;
            Ok(())
        })
    }

    fn leave(&mut self, ticket_id: TicketId, engineer: EngineerId, _now_ms: i64) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM presence WHERE ticket_id = ?1 AND engineer_id = ?2",
                params![ticket_id.0, engineer.0],
            )?;
            Ok(())
        })
    }

    fn viewers(&mut self, ticket_id: TicketId, now_ms: i64) -> StoreResult<Vec<Presence>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.engineer_id, e.name, p.seen_at_ms FROM presence p JOIN engineers e ON e.id = p.engineer_id \
             WHERE p.ticket_id = ?1 AND p.seen_at_ms >= ?2 ORDER BY e.name",
        )?;
        let since_ms = now_ms.saturating_sub(crate::model::team::PRESENCE_TTL_MS);
        let rows = stmt.query_map(params![ticket_id.0, since_ms], |row| {
            Ok(Presence {
                ticket: ticket_id,
                engineer: EngineerId(row.get(0)?),
                engineer_name: row.get(1)?,
                seen_at_ms: row.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
