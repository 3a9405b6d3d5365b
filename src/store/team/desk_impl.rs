//! [`TicketDesk`] on the team database. Each call is one transaction; every write sends its
//! [`DeskNotice`](crate::model::DeskNotice) in the same transaction (delivered on commit).

use postgres::error::SqlState;
use postgres::types::Type;

use super::rows::{
    DESK_COLUMNS, Edit, RowExtras, append_event, desk_ticket_from, insert_ticket, lock_desk, lock_ticket_row,
    next_number, notify, record_change, save_changed_where, write_if_unchanged,
};
use super::{TeamStore, classify};
use crate::model::team::{PRESENCE_TTL_MS, escalation_changes, rank_assignees};
use crate::model::{
    ActorKind, Changed, DeskListing, DeskNoticeKind, DeskQuery, DeskTicket, Engineer, EngineerId, Escalation,
    HistoryEntry, NewEngineer, NewTicket, Note, Presence, RoutingSuggestion, Ticket, TicketChange, TicketId,
    TicketSummary, TicketVersion, TimelineEvent,
};
use crate::store::desk::{DeskBackend, TicketDesk, hash_password, plan_change, verify_password};
use crate::store::row_columns::RowColumns;
use crate::store::team_sqlite::{skills_from_json, skills_to_json};
use crate::store::tickets::TICKET_COLUMNS;
use crate::store::{StoreError, StoreResult};

const ENGINEER_COLUMNS: &str = "id, name, team, tier, skills";

fn engineer_from(row: &postgres::Row) -> StoreResult<Engineer> {
    Ok(Engineer {
        id: EngineerId(row.int(0)?),
        name: row.text(1)?,
        team: row.text(2)?,
        tier: row.int(3)?,
        skills: skills_from_json(&row.text(4)?),
    })
}

/// Reads and writes [`TeamStore::change_as_read`] tries before the locking path.
const OPTIMISTIC_ATTEMPTS: usize = 3;

/// Columns of a `TICKET_COLUMNS, DESK_COLUMNS` row (what [`desk_ticket_from`] reads).
const DESK_ROW_COLUMNS: usize = 34;

/// Tickets whose last read a console keeps for [`TeamStore::change_as_read`].
const LAST_READ_CAPACITY: usize = 512;

/// How many times a claim retries when other fields of the row changed under it.
const CLAIM_ATTEMPTS: usize = 5;

impl TeamStore {
    fn engineer(&mut self, engineer_id: EngineerId) -> StoreResult<Engineer> {
        let sql = format!("SELECT {ENGINEER_COLUMNS} FROM engineers WHERE id = $1");
        self.read(|client| {
            let row = client.query_opt(&sql, &[&engineer_id.0]).map_err(classify)?;
            row.as_ref().map(engineer_from).transpose()?.ok_or(StoreError::EngineerNotFound(engineer_id))
        })
    }

    /// Applies `changes` checked against `base` (see [`plan_change`]), sets the team when given,
    /// and notifies with `kind`.
    #[allow(clippy::too_many_arguments)]
    fn change_versioned(
        &mut self,
        ticket_id: TicketId,
        base: TicketVersion,
        changes: &[TicketChange],
        team: Option<&str>,
        kind: DeskNoticeKind,
        actor: &str,
        now_ms: i64,
    ) -> StoreResult<Changed> {
        let policy = self.policy;
        if team.is_none()
            && let Some(changed) = self.change_as_read(ticket_id, base, changes, kind, actor, now_ms)?
        {
            self.remember(&changed.ticket);
            return Ok(changed);
        }
        let changed = self.write(|tx| {
            let current = lock_desk(tx, ticket_id)?;
            let base_ticket = if base == current.version { None } else { revision(tx, ticket_id, base)? };
            let planned = plan_change(&current, base, base_ticket.as_ref(), changes, actor, now_ms, &policy)?;
            if planned.events.is_empty() && team.is_none_or(|team| current.team.as_deref() == Some(team)) {
                return Ok(Changed { ticket: current, merged_over: None });
            }
            let edit = Edit { actor, now_ms, policy: &policy, extras: RowExtras { team, claimer: None }, notice: kind };
            let ticket = record_change(tx, &current, &planned.ticket, &planned.events, &edit)?;
            Ok(Changed { ticket, merged_over: planned.merged_over })
        })?;
        self.remember(&changed.ticket);
        Ok(changed)
    }

    /// Edits without a lock held across round trips (optimistic): planned against the ticket
    /// as this console last read it at `base` (no read at all), else against the row read now
    /// with the revision at `base` in the same query, and written only if the row is still at
    /// the version planned on ([`write_if_unchanged`]); when it moved on meanwhile, read and
    /// plan again, a few times. `None` when this path does not apply (a searched field changes:
    /// the locking path rebuilds the search text) or the row kept moving.
    fn change_as_read(
        &mut self,
        ticket_id: TicketId,
        base: TicketVersion,
        changes: &[TicketChange],
        kind: DeskNoticeKind,
        actor: &str,
        now_ms: i64,
    ) -> StoreResult<Option<Changed>> {
        let policy = self.policy;
        let mut known = self.last_read.get(&ticket_id).filter(|read| read.version == base).cloned();
        for _ in 0..OPTIMISTIC_ATTEMPTS {
            let from_last_read = known.is_some();
            let (current, base_ticket) = match known.take() {
                Some(read) => (read, None),
                None => self.read_with_revision(ticket_id, base)?,
            };
            let planned = match plan_change(&current, base, base_ticket.as_ref(), changes, actor, now_ms, &policy) {
                Ok(planned) => planned,
                // Decided on the row as it is now, not on an earlier read.
                Err(_) if from_last_read => continue,
                Err(err) => return Err(err),
            };
            if planned.events.is_empty() {
                return Ok(Some(Changed { ticket: current, merged_over: None }));
            }
            let (old, new) = (&current.ticket.fields, &planned.ticket.fields);
            let searched_fields_changed = (&old.title, &old.requester_name, &old.description)
                != (&new.title, &new.requester_name, &new.description);
            let notes = planned.events.iter().filter(|event| matches!(event, TimelineEvent::NoteAdded { .. })).count();
            if searched_fields_changed || notes > 1 {
                return Ok(None);
            }
            let edit = Edit { actor, now_ms, policy: &policy, extras: RowExtras::default(), notice: kind };
            let inline = self.outbox.is_none();
            let written = self.read_prepared(|client| {
                write_if_unchanged(client, &current, &planned.ticket, &planned.events, &edit, inline)
            })?;
            if let Some((ticket, notice)) = written {
                if !inline {
                    self.post_notice(notice);
                }
                return Ok(Some(Changed { ticket, merged_over: planned.merged_over }));
            }
        }
        Ok(None)
    }

    /// The row as it is now and, when it has moved past `base`, the ticket as it was at `base`
    /// (kept for conflict display), in one query.
    fn read_with_revision(
        &mut self,
        ticket_id: TicketId,
        base: TicketVersion,
    ) -> StoreResult<(DeskTicket, Option<Ticket>)> {
        let sql = format!(
            "SELECT {TICKET_COLUMNS}, {DESK_COLUMNS}, \
             (SELECT snapshot FROM ticket_revisions r WHERE r.ticket_id = tickets.id AND r.version = $2) \
             FROM tickets WHERE id = $1"
        );
        self.read_prepared(|client| {
            let row = client
                .query_opt(&sql, &[(&ticket_id.0, Type::INT8), (&base.0, Type::INT8)])
                .map_err(classify)?
                .ok_or_else(|| StoreError::TicketNotFound(ticket_id.to_string()))?;
            let current = desk_ticket_from(&row)?;
            let snapshot: Option<String> = row.try_get(DESK_ROW_COLUMNS).map_err(classify)?;
            let base_ticket =
                if current.version == base { None } else { snapshot.and_then(|text| serde_json::from_str(&text).ok()) };
            Ok((current, base_ticket))
        })
    }

    /// Keeps `ticket` as this console's last read of it (bounded: the oldest reads are dropped).
    pub(super) fn remember(&mut self, ticket: &DeskTicket) {
        if self.last_read.len() >= LAST_READ_CAPACITY {
            self.last_read.clear();
        }
        self.last_read.insert(ticket.ticket.id, ticket.clone());
    }
}

/// The ticket as it was at `version`, when kept.
fn revision(
    tx: &mut postgres::Transaction<'_>,
    ticket_id: TicketId,
    version: TicketVersion,
) -> StoreResult<Option<Ticket>> {
    let row = tx
        .query_opt(
            "SELECT snapshot FROM ticket_revisions WHERE ticket_id = $1 AND version = $2",
            &[&ticket_id.0, &version.0],
        )
        .map_err(classify)?;
    Ok(row.and_then(|row| row.try_get::<_, String>(0).ok()).and_then(|text| serde_json::from_str(&text).ok()))
}

impl TicketDesk for TeamStore {
    fn backend(&self) -> DeskBackend {
        DeskBackend::Postgres
    }

    fn desk_create(&mut self, new: &NewTicket, actor: &str, now_ms: i64) -> StoreResult<DeskTicket> {
        let policy = self.policy;
        let errors = new.validate(now_ms);
        if !errors.is_empty() {
            return Err(StoreError::InvalidFields(errors));
        }
        self.write(|tx| {
            let number = next_number(tx, now_ms)?;
            let (mut ticket, created) = Ticket::open_unchecked(new, number, now_ms, &policy);
            ticket.id = insert_ticket(tx, &ticket, &policy)?;
            append_event(tx, ticket.id, now_ms, (created.default_actor_kind(), actor), &created)?;
            notify(tx, ticket.id, DeskNoticeKind::Created, Some(TicketVersion::FIRST), actor, None, now_ms)?;
            Ok(DeskTicket { ticket, version: TicketVersion::FIRST, assignee_id: None, team: None })
        })
    }

    fn ticket_at(&mut self, ticket_id: TicketId) -> StoreResult<DeskTicket> {
        let sql = format!("SELECT {TICKET_COLUMNS}, {DESK_COLUMNS} FROM tickets WHERE id = $1");
        let read = self.read_prepared(|client| {
            let row = client.query_opt(&sql, &[(&ticket_id.0, Type::INT8)]).map_err(classify)?;
            row.as_ref()
                .map(desk_ticket_from)
                .transpose()?
                .ok_or_else(|| StoreError::TicketNotFound(ticket_id.to_string()))
        })?;
        self.remember(&read);
        Ok(read)
    }

    fn desk_first_page(&mut self, query: &DeskQuery, limit: i64, now_ms: i64) -> StoreResult<DeskListing> {
        self.query_first_page(query, limit, now_ms)
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

    fn all_tickets(&mut self) -> StoreResult<Vec<Ticket>> {
        let sql = format!("SELECT {TICKET_COLUMNS} FROM tickets ORDER BY id");
        self.read(|client| {
            let rows = client.query(&sql, &[]).map_err(classify)?;
            rows.iter().map(crate::store::row_columns::ticket_from).collect()
        })
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
        let kind =
            if matches!(change, TicketChange::Note(_)) { DeskNoticeKind::Commented } else { DeskNoticeKind::Changed };
        self.change_versioned(ticket_id, base, std::slice::from_ref(change), None, kind, actor, now_ms)
    }

    fn claim(&mut self, ticket_id: TicketId, engineer: EngineerId, now_ms: i64) -> StoreResult<DeskTicket> {
        let engineer = self.engineer(engineer)?;
        let policy = self.policy;
        self.write(|tx| {
            for _ in 0..CLAIM_ATTEMPTS {
                let sql = format!("SELECT {TICKET_COLUMNS}, {DESK_COLUMNS} FROM tickets WHERE id = $1");
                let row = tx.query_opt(&sql, &[&ticket_id.0]).map_err(classify)?;
                let current = row
                    .as_ref()
                    .map(desk_ticket_from)
                    .transpose()?
                    .ok_or_else(|| StoreError::TicketNotFound(ticket_id.to_string()))?;
                if let Some(by) = &current.ticket.assignee {
                    return Err(StoreError::AlreadyClaimed { by: by.clone() });
                }
                let mut ticket = current.ticket.clone();
                let events = ticket.apply(
                    &TicketChange::Assign(Some(engineer.name.clone())),
                    &engineer.name,
                    now_ms,
                    &policy,
                )?;
                // The claim itself: only while nobody has the ticket (and nothing else moved).
                let extras = RowExtras { team: None, claimer: Some((engineer.id, &engineer.team)) };
                let condition = "assignee IS NULL";
                let saved =
                    save_changed_where(tx, &current.ticket, current.version, &ticket, &policy, extras, condition)?;
                let Some(claimed) = saved else { continue };
                for event in &events {
                    append_event(tx, ticket_id, now_ms, (event.default_actor_kind(), &engineer.name), event)?;
                }
                notify(tx, ticket_id, DeskNoticeKind::Claimed, Some(claimed.version), &engineer.name, None, now_ms)?;
                return Ok(claimed);
            }
            Err(StoreError::Conflict { current: TicketVersion::default(), fields: Vec::new() })
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
        self.change_versioned(ticket_id, base, &changes, team, DeskNoticeKind::Escalated, actor, now_ms)
    }

    fn desk_add_note(&mut self, ticket_id: TicketId, text: &str, actor: &str, now_ms: i64) -> StoreResult<()> {
        let note = TicketChange::Note(text.to_owned());
        let kind = DeskNoticeKind::Commented;
        self.change_versioned(ticket_id, TicketVersion::default(), &[note], None, kind, actor, now_ms).map(drop)
    }

    fn desk_notes(&mut self, ticket_id: TicketId) -> StoreResult<Vec<Note>> {
        self.read(|client| {
            let rows = client
                .query("SELECT at_ms, author, body FROM ticket_notes WHERE ticket_id = $1 ORDER BY id", &[&ticket_id.0])
                .map_err(classify)?;
            rows.iter()
                .map(|row| Ok(Note { at_ms: row.int(0)?, author: row.text(1)?, text: row.text(2)?, imported: None }))
                .collect()
        })
    }

    fn desk_append_event(
        &mut self,
        ticket_id: TicketId,
        actor: (ActorKind, &str),
        event: &TimelineEvent,
        at_ms: i64,
    ) -> StoreResult<i64> {
        self.write(|tx| {
            lock_ticket_row(tx, ticket_id)?;
            let seq = append_event(tx, ticket_id, at_ms, actor, event)?;
            notify(tx, ticket_id, DeskNoticeKind::Commented, None, actor.1, None, at_ms)?;
            Ok(seq)
        })
    }

    fn desk_history_page(
        &mut self,
        ticket_id: TicketId,
        before_seq: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<HistoryEntry>> {
        let before_seq = before_seq.unwrap_or(i64::MAX);
        self.read(|client| {
            let rows = client
                .query(
                    "SELECT seq, at_ms, actor, kind, payload, actor_kind FROM ticket_events \
                     WHERE ticket_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3",
                    &[&ticket_id.0, &before_seq, &i64::from(limit)],
                )
                .map_err(classify)?;
            let mut page = rows
                .iter()
                .map(|row| {
                    let payload_text = row.text(4)?;
                    let payload =
                        serde_json::from_str(&payload_text).unwrap_or(serde_json::Value::String(payload_text));
                    Ok(HistoryEntry {
                        seq: row.int(0)?,
                        at_ms: row.int(1)?,
                        actor: row.text(2)?,
                        actor_kind: ActorKind::parse(&row.text(5)?),
                        event: TimelineEvent::from_stored(&row.text(3)?, payload),
                        imported: None,
                    })
                })
                .collect::<StoreResult<Vec<_>>>()?;
            page.reverse();
            Ok(page)
        })
    }

    fn add_engineer(&mut self, new: &NewEngineer, password: &str, now_ms: i64) -> StoreResult<Engineer> {
        let new = new.validated(password)?;
        let hash = hash_password(password)?;
        let id = self.write(|tx| {
            let inserted = tx.query_one(
                "INSERT INTO engineers (name, team, tier, skills, password_hash, created_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[&new.name, &new.team, &new.tier, &skills_to_json(&new.skills), &hash, &now_ms],
            );
            let id: i64 = match inserted {
                Ok(row) => row.get(0),
                Err(err) if err.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                    return Err(StoreError::EngineerExists(new.name.clone()));
                }
                Err(err) => return Err(classify(err)),
            };
            tx.execute("UPDATE tickets SET assignee_id = $1 WHERE assignee = $2", &[&id, &new.name])
                .map_err(classify)?;
            Ok(EngineerId(id))
        })?;
        self.engineer(id)
    }

    fn engineers(&mut self) -> StoreResult<Vec<Engineer>> {
        let sql = format!("SELECT {ENGINEER_COLUMNS} FROM engineers ORDER BY name");
        self.read(|client| client.query(&sql, &[]).map_err(classify)?.iter().map(engineer_from).collect())
    }

    fn sign_in(&mut self, name: &str, password: &str) -> StoreResult<Engineer> {
        let found = self.read(|client| {
            let row = client
                .query_opt("SELECT id, password_hash FROM engineers WHERE name = $1", &[&name.trim()])
                .map_err(classify)?;
            row.map(|row| Ok((row.int(0)?, row.text(1)?))).transpose()
        })?;
        match found {
            Some((id, hash)) if verify_password(password, &hash) => self.engineer(EngineerId(id)),
            _ => Err(StoreError::SignInRefused),
        }
    }

    fn suggest_assignees(&mut self, ticket_id: TicketId) -> StoreResult<Vec<RoutingSuggestion>> {
        let ticket = self.ticket_at(ticket_id)?.ticket;
        let engineers = self.engineers()?;
        let workload: std::collections::HashMap<i64, i64> = self.read(|client| {
            let rows = client
                .query(
                    "SELECT assignee_id, count(*) FROM tickets \
                     WHERE assignee_id IS NOT NULL AND status NOT IN ('resolved', 'closed') GROUP BY assignee_id",
                    &[],
                )
                .map_err(classify)?;
            rows.iter().map(|row| Ok((row.int(0)?, row.int(1)?))).collect()
        })?;
        Ok(rank_assignees(&engineers, |id| workload.get(&id.0).copied().unwrap_or(0), ticket.category, ticket.tier))
    }

    fn heartbeat(&mut self, ticket_id: TicketId, engineer: EngineerId, now_ms: i64) -> StoreResult<()> {
        let name = self.engineer(engineer)?.name;
        self.write(|tx| {
            let previous: Option<i64> = tx
                .query_opt(
                    "SELECT seen_at_ms FROM presence WHERE ticket_id = $1 AND engineer_id = $2",
                    &[&ticket_id.0, &engineer.0],
                )
                .map_err(classify)?
                .map(|row| row.get(0));
            tx.execute(
                "INSERT INTO presence (ticket_id, engineer_id, seen_at_ms) VALUES ($1, $2, $3) \
                 ON CONFLICT (ticket_id, engineer_id) DO UPDATE SET seen_at_ms = excluded.seen_at_ms",
                &[&ticket_id.0, &engineer.0, &now_ms],
            )
            .map_err(classify)?;
            if previous.is_none_or(|seen_at_ms| now_ms.saturating_sub(seen_at_ms) > PRESENCE_TTL_MS) {
                notify(tx, ticket_id, DeskNoticeKind::Presence, None, &name, None, now_ms)?;
            }
            Ok(())
        })
    }

    fn leave(&mut self, ticket_id: TicketId, engineer: EngineerId, now_ms: i64) -> StoreResult<()> {
        let name = self.engineer(engineer)?.name;
        self.write(|tx| {
            let removed = tx
                .execute("DELETE FROM presence WHERE ticket_id = $1 AND engineer_id = $2", &[&ticket_id.0, &engineer.0])
                .map_err(classify)?;
            if removed > 0 {
                notify(tx, ticket_id, DeskNoticeKind::Presence, None, &name, None, now_ms)?;
            }
            Ok(())
        })
    }

    fn viewers(&mut self, ticket_id: TicketId, now_ms: i64) -> StoreResult<Vec<Presence>> {
        let since_ms = now_ms.saturating_sub(PRESENCE_TTL_MS);
        self.read(|client| {
            let rows = client
                .query(
                    "SELECT p.engineer_id, e.name, p.seen_at_ms FROM presence p JOIN engineers e ON e.id = p.engineer_id \
                     WHERE p.ticket_id = $1 AND p.seen_at_ms >= $2 ORDER BY e.name",
                    &[&ticket_id.0, &since_ms],
                )
                .map_err(classify)?;
            rows.iter()
                .map(|row| {
                    Ok(Presence {
                        ticket: ticket_id,
                        engineer: EngineerId(row.int(0)?),
                        engineer_name: row.text(1)?,
                        seen_at_ms: row.int(2)?,
                    })
                })
                .collect()
        })
    }
}
