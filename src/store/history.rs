//! The ticket's timeline: typed events with a per-ticket sequence number, a timestamp, the actor
//! (its kind — engineer, user or system — and a name) and a JSON payload. Ticket edits and
//! session transcripts share it. A user's name is whatever their machine claimed: the kind, not
//! the name, says who acted.

use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, StoreResult};

/// Names of the events of a ticket's timeline: the desk's own, then the session transcript's.
pub mod event_kind {
    /// The ticket was opened; payload: number, priority, category.
    pub const CREATED: &str = "created";
    /// The ticket came from an import file; payload: source file name.
    pub const IMPORTED: &str = "imported";
    /// One intake field changed; payload: field, old, new.
    pub const FIELD_CHANGED: &str = "field_changed";
    /// Category, urgency or impact changed; payload: old and new of each, and priority.
    pub const CLASSIFICATION_CHANGED: &str = "classification_changed";
    /// Workflow move; payload: from, to.
    pub const STATUS_CHANGED: &str = "status_changed";
    /// Assignee changed; payload: from, to.
    pub const ASSIGNEE_CHANGED: &str = "assignee_changed";
    /// Escalated to another tier; payload: from_tier, to_tier, reason.
    pub const ESCALATED: &str = "escalated";
    /// An internal note; payload: text.
    pub const NOTE_ADDED: &str = "note_added";
    /// Resolution text set; payload: text.
    pub const RESOLUTION_SET: &str = "resolution_set";
    /// Satisfaction rating; payload: rating, comment.
    pub const SATISFACTION_RECORDED: &str = "satisfaction_recorded";

    // ---- session transcript ----
    /// A remote session was started from the ticket (a code was issued); payload: port.
    pub const SESSION_STARTED: &str = "session_started";
    /// The user proved the code.
    pub const PAIRING_SUCCEEDED: &str = "pairing_succeeded";
    /// Pairing failed; payload: reason (wrong_code, code_burned, code_expired); for a wrong
    /// code also source (IP address), source_attempts, source_blocked, attempts_left.
    pub const PAIRING_FAILED: &str = "pairing_failed";
    /// The engineer asked for consent; payload: purpose, suggested scopes.
    pub const CONSENT_REQUESTED: &str = "consent_requested";
    /// The user allowed; payload: scopes.
    pub const CONSENT_GRANTED: &str = "consent_granted";
    /// The user refused.
    pub const CONSENT_DENIED: &str = "consent_denied";
    /// The user changed the scopes; payload: scopes.
    pub const SCOPES_CHANGED: &str = "scopes_changed";
    /// The user paused sharing.
    pub const SHARING_PAUSED: &str = "sharing_paused";
    /// The user resumed sharing.
    pub const SHARING_RESUMED: &str = "sharing_resumed";
    /// The user withdrew consent.
    pub const CONSENT_REVOKED: &str = "consent_revoked";
    /// A chat line; payload: from (engineer/user), id, sent_at_ms, text.
    pub const CHAT: &str = "chat";
    /// The connection dropped.
    pub const DISCONNECTED: &str = "disconnected";
    /// The connection came back; payload: gap_ms.
    pub const RECONNECTED: &str = "reconnected";
    /// An arrow or highlight was drawn on the user's screen; payload: shape, tail/head or
    /// from/to (remote pixels), label, color.
    pub const ARROW_DRAWN: &str = "arrow_drawn";
    /// One arrow was taken back (undo); payload: id.
    pub const ARROW_REMOVED: &str = "arrow_removed";
    /// Every arrow was cleared.
    pub const ARROWS_CLEARED: &str = "arrows_cleared";
    /// A guided step went out; payload: step_id, index, total, instruction, expected, resent.
    pub const STEP_SENT: &str = "step_sent";
    /// The user answered a step; payload: step_id, outcome (done / didnt_work / stuck), comment,
    /// seconds.
    pub const STEP_CONFIRMED: &str = "step_confirmed";
    /// A step was skipped; payload: step_id.
    pub const STEP_SKIPPED: &str = "step_skipped";
    /// A step was edited and sent again; payload as step_sent.
    pub const STEP_EDITED: &str = "step_edited";
    /// The engineer replaced the join code of a waiting session; payload: port.
    pub const CODE_RENEWED: &str = "code_renewed";
    /// A screenshot of the remote screen was attached; payload: file, width, height.
    pub const SCREENSHOT_ATTACHED: &str = "screenshot_attached";
    /// The session was put on hold (the transcript could not be written); payload: reason.
    pub const SESSION_HELD: &str = "session_held";
    /// The hold ended: the transcript is written again.
    pub const SESSION_UNHELD: &str = "session_unheld";
    /// The session ended; payload: reason, detail, by_user.
    pub const SESSION_ENDED: &str = "session_ended";
}

/// What kind of actor did something: the engineer at this console, the user at the other end of
/// a session (whose name is only their own claim), or the system (the link, the code gate).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// The engineer (the name is this console's profile).
    #[default]
    Engineer,
    /// The user in a session (the name is what their side sent, never proof of anything).
    User,
    /// The link or the code gate.
    System,
}

impl ActorKind {
    /// Stable name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Engineer => "engineer",
            Self::User => "user",
            Self::System => "system",
        }
    }

    /// Parses a stored name; anything unknown is taken for the system's (never the engineer's).
    pub fn parse(text: &str) -> Self {
        match text {
            "engineer" => Self::Engineer,
            "user" => Self::User,
            _ => Self::System,
        }
    }

    /// The kind of actor of an entry written without one (rows from before actor kinds, imports):
    /// the user's transcript events are the user's, the link's are the system's, the rest the
    /// engineer's.
    pub fn infer(kind: &str, payload: &serde_json::Value) -> Self {
        let flag = |key: &str| payload.get(key).and_then(serde_json::Value::as_bool).unwrap_or(false);
        let text = |key: &str| payload.get(key).and_then(serde_json::Value::as_str).unwrap_or("");
        match kind {
            event_kind::PAIRING_SUCCEEDED
            | event_kind::CONSENT_GRANTED
            | event_kind::CONSENT_DENIED
            | event_kind::SCOPES_CHANGED
            | event_kind::SHARING_PAUSED
            | event_kind::SHARING_RESUMED
            | event_kind::CONSENT_REVOKED
            | event_kind::STEP_CONFIRMED => Self::User,
            event_kind::CHAT if text("from") == "engineer" => Self::Engineer,
            event_kind::CHAT => Self::User,
            event_kind::SESSION_ENDED if flag("by_user") => Self::User,
            event_kind::SESSION_ENDED if text("reason") == "engineer_ended" => Self::Engineer,
            event_kind::SESSION_ENDED | event_kind::PAIRING_FAILED => Self::System,
            event_kind::DISCONNECTED | event_kind::RECONNECTED => Self::System,
            _ => Self::Engineer,
        }
    }
}

/// Where imported history came from: kept with every imported timeline entry and note, so the
/// views can tell it apart from what happened in this store. Never read from an import file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOrigin {
    /// The file it was imported from, as the importer named it.
    pub file: String,
    /// Who imported it.
    pub importer: String,
    /// When it was imported, unix ms.
    pub imported_at_ms: i64,
}

/// One entry of a ticket's timeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// Position in the ticket's timeline, from 1.
    pub seq: i64,
    /// When it happened, unix ms.
    pub at_ms: i64,
    /// Who did it: the engineer's name, the name the user's side claimed, or "system".
    pub actor: String,
    /// What kind of actor that is (exports from before kinds are inferred on import).
    #[serde(default)]
    pub actor_kind: ActorKind,
    /// Event name, e.g. `status_changed`.
    pub kind: String,
    /// Event details.
    pub payload: serde_json::Value,
    /// Set when the entry came from an import file rather than happening here. Local to a
    /// store: not exported, and an import file cannot set it.
    #[serde(skip)]
    pub imported: Option<ImportOrigin>,
}

/// Appends one event inside `tx`, its actor kind inferred from the event ([`ActorKind::infer`]);
/// returns its sequence number.
pub(super) fn append(
    tx: &Transaction<'_>,
    ticket_id: i64,
    at_ms: i64,
    actor: &str,
    kind: &str,
    payload: &serde_json::Value,
) -> StoreResult<i64> {
    append_as(tx, ticket_id, at_ms, (ActorKind::infer(kind, payload), actor), kind, payload)
}

/// Appends one event by `(actor kind, actor name)` inside `tx`; returns its sequence number.
pub(super) fn append_as(
    tx: &Transaction<'_>,
    ticket_id: i64,
    at_ms: i64,
    (actor_kind, actor): (ActorKind, &str),
    kind: &str,
    payload: &serde_json::Value,
) -> StoreResult<i64> {
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
    Ok(seq)
}

/// Migration backfill: gives rows written before actor kinds theirs ([`ActorKind::infer`]).
pub(super) fn backfill_actor_kinds(tx: &Transaction<'_>) -> StoreResult<()> {
    let rows: Vec<(i64, i64, String, String)> = tx
        .prepare("SELECT ticket_id, seq, kind, payload FROM ticket_events")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))?
        .collect::<Result<_, _>>()?;
    let mut update = tx.prepare("UPDATE ticket_events SET actor_kind = ?3 WHERE ticket_id = ?1 AND seq = ?2")?;
    for (ticket_id, seq, kind, payload) in rows {
        let payload = serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null);
        let actor_kind = ActorKind::infer(&kind, &payload);
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
    pub fn history(&self, ticket_id: i64) -> StoreResult<Vec<HistoryEntry>> {
        self.history_page(ticket_id, None, u32::MAX)
    }

    /// How many entries of the ticket's timeline come before `seq`.
    pub fn history_page_count_before(&self, ticket_id: i64, seq: i64) -> StoreResult<u64> {
        let mut stmt =
            self.conn.prepare_cached("SELECT COUNT(*) FROM ticket_events WHERE ticket_id = ?1 AND seq < ?2")?;
        let count: i64 = stmt.query_row(params![ticket_id, seq], |row| row.get(0))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// How many entries the ticket's timeline holds.
    pub fn history_len(&self, ticket_id: i64) -> StoreResult<u64> {
        let mut stmt = self.conn.prepare_cached("SELECT COUNT(*) FROM ticket_events WHERE ticket_id = ?1")?;
        let count: i64 = stmt.query_row([ticket_id], |row| row.get(0))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// At most `limit` of the newest timeline entries before `before_seq` (all when `None`),
    /// oldest first. Walks the `(ticket_id, seq)` key backwards: a page costs the same whether
    /// the ticket holds ten entries or a hundred thousand.
    pub fn history_page(&self, ticket_id: i64, before_seq: Option<i64>, limit: u32) -> StoreResult<Vec<HistoryEntry>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT e.seq, e.at_ms, e.actor, e.kind, e.payload, e.actor_kind, i.file, i.importer, i.at_ms
             FROM ticket_events e LEFT JOIN imports i ON i.id = e.import_id
             WHERE e.ticket_id = ?1 AND e.seq < ?2 ORDER BY e.seq DESC LIMIT ?3",
        )?;
        let before_seq = before_seq.unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![ticket_id, before_seq, i64::from(limit)], |row| {
            let payload_text: String = row.get(4)?;
            let actor_kind: String = row.get(5)?;
            Ok(HistoryEntry {
                seq: row.get(0)?,
                at_ms: row.get(1)?,
                actor: row.get(2)?,
                actor_kind: ActorKind::parse(&actor_kind),
                kind: row.get(3)?,
                // A damaged payload is shown as text rather than failing the whole timeline.
                payload: serde_json::from_str(&payload_text).unwrap_or(serde_json::Value::String(payload_text)),
                imported: import_origin(row, 6)?,
            })
        })?;
        let mut page: Vec<HistoryEntry> = rows.collect::<Result<_, _>>()?;
        page.reverse();
        Ok(page)
    }

    /// Appends events `(kind, payload, at_ms)` by `actor` to a ticket's timeline in one
    /// transaction (one sync), in order.
    pub fn append_events(
        &mut self,
        ticket_id: i64,
        actor: (ActorKind, &str),
        events: &[(&str, serde_json::Value, i64)],
    ) -> StoreResult<()> {
        self.write(|tx| {
            let exists: bool =
                tx.query_row("SELECT EXISTS (SELECT 1 FROM tickets WHERE id = ?1)", [ticket_id], |row| row.get(0))?;
            if !exists {
                return Err(StoreError::TicketNotFound(ticket_id.to_string()));
            }
            for (kind, payload, at_ms) in events {
                append_as(tx, ticket_id, *at_ms, actor, kind, payload)?;
            }
            Ok(())
        })
    }

    /// Appends an event by `actor` (its kind and name) to a ticket's timeline and syncs it to disk
    /// before returning; sessions record their transcript through this. Many at once:
    /// [`Store::append_events`].
    pub fn append_event(
        &mut self,
        ticket_id: i64,
        actor: (ActorKind, &str),
        kind: &str,
        payload: &serde_json::Value,
        at_ms: i64,
    ) -> StoreResult<i64> {
        self.write(|tx| {
            let exists: bool =
                tx.query_row("SELECT EXISTS (SELECT 1 FROM tickets WHERE id = ?1)", [ticket_id], |row| row.get(0))?;
            if !exists {
                return Err(StoreError::TicketNotFound(ticket_id.to_string()));
            }
            append_as(tx, ticket_id, at_ms, actor, kind, payload)
        })
    }
}
