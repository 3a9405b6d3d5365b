//! What a team desk needs from a ticket store, independent of the database: the SQLite
//! [`Store`](super::Store) (one engineer, or a desk on one machine) and the PostgreSQL
//! [`TeamStore`](super::team::TeamStore) (a team) both implement [`TicketDesk`].
//!
//! All calls are synchronous and made on the store thread (never on a tokio worker: the
//! PostgreSQL client blocks). Times are injected (`now_ms`), as everywhere in the store.
//!
//! Concurrency rules:
//! - Every ticket row has a [`TicketVersion`]; an edit names the version it was read at
//!   ([`TicketDesk::change_ticket_at`]). If others wrote the row since, the edit is applied on
//!   top of their version only when it touches other fields; otherwise nothing is written and
//!   [`StoreError::Conflict`] lists each field (base / theirs / mine). Only changed columns are
//!   written.
//! - Notes and timeline entries are insert-only and never conflict.
//! - [`TicketDesk::claim`] is atomic: of two engineers taking an unassigned ticket at once, one
//!   wins and the other gets [`StoreError::AlreadyClaimed`].
//! - A lost database link is [`StoreError::ConnectionLost`]: nothing was written; keep the
//!   edit and retry (the store reconnects on the next call).

use super::{GuideLibrary, RecordingLog, SessionLog, SharedSettings, StoreResult};
use crate::model::{
    ActorKind, Changed, DeskListing, DeskQuery, DeskTicket, Engineer, EngineerId, Escalation, HistoryEntry,
    NewEngineer, NewTicket, Note, Presence, RoutingSuggestion, Ticket, TicketChange, TicketId, TicketSummary,
    TicketVersion, TimelineEvent,
};

/// Which database a desk runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeskBackend {
    /// The embedded SQLite file in the data folder (the default).
    Sqlite,
    /// A shared PostgreSQL database (team mode).
    Postgres,
}

/// A ticket store a team desk can run on. See the module documentation for the rules. Its
/// tickets' remote sessions, surveys and recordings are kept in the same database
/// ([`SessionLog`], [`RecordingLog`]), as are the guides and the team-wide settings
/// ([`GuideLibrary`], [`SharedSettings`]).
pub trait TicketDesk: SessionLog + RecordingLog + GuideLibrary + SharedSettings {
    /// Which database this is.
    fn backend(&self) -> DeskBackend;

    /// Opens a new ticket (validated, numbered, SLA clock started) at version 1.
    fn desk_create(&mut self, new: &NewTicket, actor: &str, now_ms: i64) -> StoreResult<DeskTicket>;

    /// One ticket with its version, assignee id and team.
    fn ticket_at(&mut self, ticket_id: TicketId) -> StoreResult<DeskTicket>;

    /// How many tickets match and the first `limit` of them, most urgent first (the order and
    /// the text search of the single desk: 1–2 character Chinese words included).
    fn desk_first_page(&mut self, query: &DeskQuery, limit: i64, now_ms: i64) -> StoreResult<DeskListing>;

    /// A page of matching tickets, most urgent first.
    fn desk_page(&mut self, query: &DeskQuery, offset: i64, limit: i64, now_ms: i64)
    -> StoreResult<Vec<TicketSummary>>;

    /// Every ticket, oldest first (an export).
    fn all_tickets(&mut self) -> StoreResult<Vec<Ticket>>;

    /// The sidebar rows of these tickets (a live refresh of the rows a notice named); tickets
    /// that no longer exist are left out.
    fn summaries(&mut self, ticket_ids: &[TicketId]) -> StoreResult<Vec<TicketSummary>>;

    /// Applies `change` to the ticket read at `base`: see the module documentation. A note is
    /// appended whatever the version. Errors: [`StoreError::Conflict`], the workflow's rules,
    /// [`StoreError::TicketNotFound`], [`StoreError::ConnectionLost`].
    fn change_ticket_at(
        &mut self,
        ticket_id: TicketId,
        base: TicketVersion,
        change: &TicketChange,
        actor: &str,
        now_ms: i64,
    ) -> StoreResult<Changed>;

    /// Takes an unassigned ticket for `engineer` atomically (status "assigned", the engineer's
    /// team). [`StoreError::AlreadyClaimed`] names who has it when someone was first.
    fn claim(&mut self, ticket_id: TicketId, engineer: EngineerId, now_ms: i64) -> StoreResult<DeskTicket>;

    /// Hands the ticket to the next tier (and another team, if given) with the reason, back in
    /// the queue unassigned; the receivers are notified. Checked against `base` like any edit.
    fn escalate_to(
        &mut self,
        ticket_id: TicketId,
        base: TicketVersion,
        escalation: &Escalation,
        actor: &str,
        now_ms: i64,
    ) -> StoreResult<Changed>;

    /// Adds an internal note (insert-only, searchable, in the timeline); never conflicts.
    fn desk_add_note(&mut self, ticket_id: TicketId, text: &str, actor: &str, now_ms: i64) -> StoreResult<()>;

    /// The ticket's notes, oldest first.
    fn desk_notes(&mut self, ticket_id: TicketId) -> StoreResult<Vec<Note>>;

    /// Appends a timeline entry (insert-only); returns its sequence number.
    fn desk_append_event(
        &mut self,
        ticket_id: TicketId,
        actor: (ActorKind, &str),
        event: &TimelineEvent,
        at_ms: i64,
    ) -> StoreResult<i64>;

    /// At most `limit` of the newest timeline entries before `before_seq` (all when `None`),
    /// oldest first.
    fn desk_history_page(
        &mut self,
        ticket_id: TicketId,
        before_seq: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<HistoryEntry>>;

    /// Adds an engineer to the directory; only a hash of `password` is stored (Argon2id).
    /// [`StoreError::Engineer`] when the entry or password is refused,
    /// [`StoreError::EngineerExists`] when the name is taken.
    fn add_engineer(&mut self, new: &NewEngineer, password: &str, now_ms: i64) -> StoreResult<Engineer>;

    /// The whole directory, by name.
    fn engineers(&mut self) -> StoreResult<Vec<Engineer>>;

    /// Checks a sign-in; [`StoreError::SignInRefused`] for an unknown name or a wrong password
    /// (the same error for both).
    fn sign_in(&mut self, name: &str, password: &str) -> StoreResult<Engineer>;

    /// Who should take the ticket: engineers at its tier with the category as a skill and the
    /// fewest open tickets first ([`crate::model::team::rank_assignees`]).
    fn suggest_assignees(&mut self, ticket_id: TicketId) -> StoreResult<Vec<RoutingSuggestion>>;

    /// Records that `engineer` is viewing the ticket now (call every
    /// [`crate::model::team::HEARTBEAT_INTERVAL_MS`]); others are notified when it is new.
    fn heartbeat(&mut self, ticket_id: TicketId, engineer: EngineerId, now_ms: i64) -> StoreResult<()>;

    /// Records that `engineer` closed the ticket.
    fn leave(&mut self, ticket_id: TicketId, engineer: EngineerId, now_ms: i64) -> StoreResult<()>;

    /// Who is viewing the ticket (heartbeats within [`crate::model::team::PRESENCE_TTL_MS`]).
    fn viewers(&mut self, ticket_id: TicketId, now_ms: i64) -> StoreResult<Vec<Presence>>;
}

/// The outcome of planning a versioned edit: the ticket to write, the events to record, and
/// whether it was applied on top of a newer version.
pub(super) struct PlannedChange {
    /// The ticket as it will be written.
    pub ticket: crate::model::Ticket,
    /// Timeline events, in order (empty: the edit changed nothing).
    pub events: Vec<TimelineEvent>,
    /// Set when the row had moved past the version read.
    pub merged_over: Option<TicketVersion>,
}

/// Decides a versioned edit, the same way on every backend. `current` is the row now (with its
/// version); `base` is the row as it was at the version read (`None` when that
/// version is unknown, e.g. newer than the row or from before versions were kept).
///
/// At the version read: the changes are applied to `current`. Past it: they are applied to
/// `base` to learn what this edit changes; fields the others also changed (to something else)
/// are a [`StoreError::Conflict`]; otherwise the changes are applied to `current`, so nothing of
/// theirs is overwritten.
pub(super) fn plan_change(
    current: &DeskTicket,
    base_version: TicketVersion,
    base: Option<&crate::model::Ticket>,
    changes: &[TicketChange],
    actor: &str,
    now_ms: i64,
    policy: &crate::model::SlaPolicy,
) -> StoreResult<PlannedChange> {
    let apply_all = |start: &crate::model::Ticket| -> StoreResult<(crate::model::Ticket, Vec<TimelineEvent>)> {
        let mut ticket = start.clone();
        let mut events = Vec::new();
        for change in changes {
            events.extend(ticket.apply(change, actor, now_ms, policy)?);
        }
        Ok((ticket, events))
    };
    let (current_version, current) = (current.version, &current.ticket);
    let notes_only = changes.iter().all(|change| matches!(change, TicketChange::Note(_)));
    if base_version == current_version || notes_only {
        let (ticket, events) = apply_all(current)?;
        return Ok(PlannedChange { ticket, events, merged_over: None });
    }
    let Some(base) = base else {
        return Err(super::StoreError::Conflict { current: current_version, fields: Vec::new() });
    };
    // Each change applied in turn from the base tells what this edit changes, restated on top
    // of the current row so that nothing else of theirs is undone.
    let mut mine = base.clone();
    let mut rebased = Vec::with_capacity(changes.len());
    for change in changes {
        let before = mine.clone();
        mine.apply(change, actor, now_ms, policy)?;
        rebased.push(crate::model::team::rebase_change(change, &before, &mine, current));
    }
    let conflicts = crate::model::team::field_conflicts(base, current, &mine);
    if !conflicts.is_empty() {
        return Err(super::StoreError::Conflict { current: current_version, fields: conflicts });
    }
    let mut ticket = current.clone();
    let mut events = Vec::new();
    for change in &rebased {
        events.extend(ticket.apply(change, actor, now_ms, policy)?);
    }
    Ok(PlannedChange { ticket, events, merged_over: Some(current_version) })
}

/// An Argon2id hash of `password` in PHC string form, with a fresh random salt.
pub(super) fn hash_password(password: &str) -> StoreResult<String> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let mut salt_bytes = [0u8; 16];
    getrandom::fill(&mut salt_bytes).map_err(|err| super::StoreError::PasswordHash(format!("no randomness: {err}")))?;
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|err| super::StoreError::PasswordHash(format!("cannot encode the salt: {err}")))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| super::StoreError::PasswordHash(format!("cannot hash the password: {err}")))
}

/// Whether `password` matches a stored hash (a damaged hash matches nothing).
pub(super) fn verify_password(password: &str, stored_hash: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(stored_hash)
        .is_ok_and(|hash| argon2::Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}
