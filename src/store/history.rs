//! Persists the ticket's timeline ([`crate::model::timeline`]): each event as its kind and JSON
//! payload, with a per-ticket sequence number, a timestamp and the actor.

use rusqlite::{OptionalExtension, Transaction, params};

use super::{Store, StoreError, StoreResult};
use crate::model::{ActorKind, HistoryEntry, ImportOrigin, TicketId, TimelineEvent};

/// Appends one event inside `tx`, its actor kind the event's own
/// ([`TimelineEvent::default_actor_kind`]); returns its sequence number.
pub(super) fn append(
    tx: &Transaction<'_>,
    ticket_id: TicketId,
    at_ms: i64,
    actor: &str,
    event: &TimelineEvent,
) -> StoreResult<i64> {
    append_as(tx, ticket_id, at_ms, (event.default_actor_kind(), actor), event)
}

/// Appends one event by `(actor kind, actor name)` inside `tx`; returns its sequence number.
pub(super) fn append_as(
    tx: &Transaction<'_>,
    ticket_id: TicketId,
    at_ms: i64,
    (actor_kind, actor): (ActorKind, &str),
    event: &TimelineEvent,
) -> StoreResult<i64> {
    let ticket_id = ticket_id.0;
    let (kind, payload) = event.to_stored();
    let last: Option<i64> = tx
        .query_row("SELECT max(seq) FROM ticket_events WHERE ticket_id = ?1", [ticket_id], |row| row.get(0))
        .optional()?
        .flatten();
    let seq = last.unwrap_or(0) + 1;
    tx.prepare_cached(
        "INSERT INTO ticket_events (ticket_id, seq, at_ms, actor, actor_kind, kind, payload) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![ticket_id, seq, at_ms, actor, actor_kind.as_str(), kind, payload.to_string()])?;
    if let TimelineEvent::StatusChanged { from, to } = event {
        super::report::record_move(tx, TicketId(ticket_id), at_ms, *from, *to)?;
    }
    Ok(seq)
}

/// Migration backfill: gives rows written before actor kinds theirs
/// ([`TimelineEvent::default_actor_kind`]).
pub(super) fn backfill_actor_kinds(tx: &Transaction<'_>) -> StoreResult<()> {
    let rows: Vec<(i64, i64, String, String)> = tx
        .prepare("SELECT ticket_id, seq, kind, payload FROM ticket_events")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))?
        .collect::<Result<_, _>>()?;
    let mut update = tx.prepare("UPDATE ticket_events SET actor_kind = ?3 WHERE ticket_id = ?1 AND seq = ?2")?;
    for (ticket_id, seq, kind, payload) in rows {
        let payload = serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null);
        let actor_kind = TimelineEvent::from_stored(&kind, payload).default_actor_kind();
        if actor_kind != ActorKind::Engineer {
            update.execute(params![ticket_id, seq, actor_kind.as_str()])?;
        }
    }
    Ok(())
}

/// The import origin in columns `first..first + 3` (file, importer, at_ms) of a row joined with
/// `imports`; `None` when the row was not imported.
pub(super) fn import_origin(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Option<ImportOrigin>> {
    let file: Option<String> = row.get(first)?;
    let Some(file) = file else { return Ok(None) };
    Ok(Some(ImportOrigin { file, importer: row.get(first + 1)?, imported_at_ms: row.get(first + 2)? }))
}

impl Store {
    /// The ticket's whole timeline, oldest first (exports; the views read it a page at a time
    /// with [`Store::history_page`]).
    pub fn history(&self, ticket_id: TicketId) -> StoreResult<Vec<HistoryEntry>> {
        self.history_page(ticket_id, None, u32::MAX)
    }

    /// How many entries of the ticket's timeline come before `seq`.
    pub fn history_page_count_before(&self, ticket_id: TicketId, seq: i64) -> StoreResult<u64> {
        let mut stmt =
            self.conn.prepare_cached("SELECT COUNT(*) FROM ticket_events WHERE ticket_id = ?1 AND seq < ?2")?;
        let count: i64 = stmt.query_row(params![ticket_id.0, seq], |row| row.get(0))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// How many entries the ticket's timeline holds.
    pub fn history_len(&self, ticket_id: TicketId) -> StoreResult<u64> {
        let mut stmt = self.conn.prepare_cached("SELECT COUNT(*) FROM ticket_events WHERE ticket_id = ?1")?;
        let count: i64 = stmt.query_row([ticket_id.0], |row| row.get(0))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// At most `limit` of the newest timeline entries before `before_seq` (all when `None`),
    /// oldest first. Walks the `(ticket_id, seq)` key backwards: a page costs the same whether
    /// the ticket holds ten entries or a hundred thousand.
    pub fn history_page(
        &self,
        ticket_id: TicketId,
        before_seq: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<HistoryEntry>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT e.seq, e.at_ms, e.actor, e.kind, e.payload, e.actor_kind, i.file, i.importer, i.at_ms
             FROM ticket_events e LEFT JOIN imports i ON i.id = e.import_id
             WHERE e.ticket_id = ?1 AND e.seq < ?2 ORDER BY e.seq DESC LIMIT ?3",
        )?;
        let before_seq = before_seq.unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![ticket_id.0, before_seq, i64::from(limit)], |row| {
            let kind: String = row.get(3)?;
            let payload_text: String = row.get(4)?;
            let actor_kind: String = row.get(5)?;
            // A damaged payload is shown as text rather than failing the whole timeline.
            let payload = serde_json::from_str(&payload_text).unwrap_or(serde_json::Value::String(payload_text));
            Ok(HistoryEntry {
                seq: row.get(0)?,
                at_ms: row.get(1)?,
                actor: row.get(2)?,
                actor_kind: ActorKind::parse(&actor_kind),
                event: TimelineEvent::from_stored(&kind, payload),
                imported: import_origin(row, 6)?,
            })
        })?;
        let mut page: Vec<HistoryEntry> = rows.collect::<Result<_, _>>()?;
        page.reverse();
        Ok(page)
    }

    /// Appends events `(event, at_ms)` by `actor` to a ticket's timeline in one transaction (one
    /// sync), in order.
    pub fn append_events(
        &mut self,
        ticket_id: TicketId,
        actor: (ActorKind, &str),
        events: &[(TimelineEvent, i64)],
    ) -> StoreResult<()> {
        self.write(|tx| {
            let exists: bool =
                tx.query_row("SELECT EXISTS (SELECT 1 FROM tickets WHERE id = ?1)", [ticket_id.0], |row| row.get(0))?;
            if !exists {
                return Err(StoreError::TicketNotFound(ticket_id.to_string()));
            }
            for (event, at_ms) in events {
                append_as(tx, ticket_id, *at_ms, actor, event)?;
            }
            Ok(())
        })
    }

    /// Appends an event by `actor` (its kind and name) to a ticket's timeline and syncs it to disk
    /// before returning; sessions record their transcript through this. Many at once:
    /// [`Store::append_events`].
    pub fn append_event(
        &mut self,
        ticket_id: TicketId,
        actor: (ActorKind, &str),
        event: &TimelineEvent,
        at_ms: i64,
    ) -> StoreResult<i64> {
        self.write(|tx| {
            let exists: bool =
                tx.query_row("SELECT EXISTS (SELECT 1 FROM tickets WHERE id = ?1)", [ticket_id.0], |row| row.get(0))?;
            if !exists {
                return Err(StoreError::TicketNotFound(ticket_id.to_string()));
            }
            append_as(tx, ticket_id, at_ms, actor, event)
        })
    }
}
