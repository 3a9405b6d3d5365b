//! Ticket writes and reads: create, edit in place, workflow moves, assignment, escalation, notes.
//! Every change is one transaction that also appends to the ticket's timeline.

use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Row, Transaction, params, params_from_iter};

use super::history::append;
use super::{Store, StoreError, StoreResult};
use crate::model::{
    Category, DeskTicket, EngineerId, Grade, NewTicket, Note, RuleError, SlaPolicy, Status, Ticket, TicketChange,
    TicketFields, TicketId, TicketVersion, TimelineEvent,
};

/// Columns read by [`ticket_from_row`], in order.
pub(super) const TICKET_COLUMNS: &str = "id, number, title, requester_name, department, contact, location, \
    affected_system, affected_version, description, expectation, business_impact, category, urgency, impact, \
    priority, status, assignee, tier, resolution, satisfaction, satisfaction_comment, reported_at_ms, \
    created_at_ms, updated_at_ms, sla_started_at_ms, sla_response_target_ms, sla_resolution_target_ms, \
    sla_responded_at_ms, sla_paused_total_ms, sla_paused_since_ms";

/// Builds a [`Ticket`] from a row selected with [`TICKET_COLUMNS`].
pub(super) fn ticket_from_row(row: &Row<'_>) -> rusqlite::Result<Ticket> {
    super::row_columns::ticket_from(row)
}

/// The columns a ticket's edits write, with their values, in one list for both the INSERT and
/// the UPDATE (the derived SLA columns included, so the list and the urgency order never drift).
pub(super) fn mutable_columns(ticket: &Ticket, policy: &SlaPolicy) -> [(&'static str, Value); 29] {
    let text = |value: &str| Value::Text(value.to_owned());
    let optional_text = |value: &Option<String>| value.clone().map_or(Value::Null, Value::Text);
    let optional_int = |value: Option<i64>| value.map_or(Value::Null, Value::Integer);
    let fields = &ticket.fields;
    let sla = &ticket.sla;
    [
        ("title", text(&fields.title)),
        ("requester_name", text(&fields.requester_name)),
        ("department", text(&fields.department)),
        ("contact", text(&fields.contact)),
        ("location", text(&fields.location)),
        ("affected_system", text(&fields.affected_system)),
        ("affected_version", text(&fields.affected_version)),
        ("description", text(&fields.description)),
        ("expectation", text(&fields.expectation)),
        ("business_impact", text(&fields.business_impact)),
        ("category", text(ticket.category.as_str())),
        ("urgency", text(ticket.urgency.as_str())),
        ("impact", text(ticket.impact.as_str())),
        ("priority", text(ticket.priority.as_str())),
        ("status", text(ticket.status.as_str())),
        ("assignee", optional_text(&ticket.assignee)),
        ("tier", Value::Integer(ticket.tier)),
        ("resolution", text(&ticket.resolution)),
        ("satisfaction", optional_int(ticket.satisfaction)),
        ("satisfaction_comment", text(&ticket.satisfaction_comment)),
        ("updated_at_ms", Value::Integer(ticket.updated_at_ms)),
        ("sla_response_target_ms", Value::Integer(sla.response_target_ms)),
        ("sla_resolution_target_ms", Value::Integer(sla.resolution_target_ms)),
        ("sla_responded_at_ms", optional_int(sla.responded_at_ms)),
        ("sla_paused_total_ms", Value::Integer(sla.paused_total_ms)),
        ("sla_paused_since_ms", optional_int(sla.paused_since_ms)),
        ("urgency_key", Value::Integer(sla.urgency_key(ticket.status))),
        ("sla_at_risk_from_ms", optional_int(sla.at_risk_from_ms(ticket.status, policy))),
        ("sla_breach_at_ms", optional_int(sla.breach_at_ms(ticket.status, policy))),
    ]
}

/// Inserts a ticket row (number and creation times included) and indexes it for search.
pub(super) fn insert_record(tx: &Transaction<'_>, ticket: &Ticket, policy: &SlaPolicy) -> StoreResult<TicketId> {
    let mut columns = vec![
        ("number", Value::Text(ticket.number.clone())),
        ("reported_at_ms", Value::Integer(ticket.reported_at_ms)),
        ("created_at_ms", Value::Integer(ticket.created_at_ms)),
        ("sla_started_at_ms", Value::Integer(ticket.sla.started_at_ms)),
    ];
    columns.extend(mutable_columns(ticket, policy));
    let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    let placeholders: Vec<String> = (1..=columns.len()).map(|index| format!("?{index}")).collect();
    let sql = format!("INSERT INTO tickets ({}) VALUES ({})", names.join(", "), placeholders.join(", "));
    tx.prepare_cached(&sql)?.execute(params_from_iter(columns.into_iter().map(|(_, value)| value)))?;
    let id = TicketId(tx.last_insert_rowid());
    refresh_search(tx, id)?;
    Ok(id)
}

/// Writes back every mutable column of `ticket`, including the derived SLA columns.
fn save(tx: &Transaction<'_>, ticket: &Ticket, policy: &SlaPolicy) -> StoreResult<()> {
    let columns = mutable_columns(ticket, policy);
    let assignments: Vec<String> =
        columns.iter().enumerate().map(|(index, (name, _))| format!("{name} = ?{}", index + 2)).collect();
    let sql = format!("UPDATE tickets SET {}, version = version + 1 WHERE id = ?1", assignments.join(", "));
    let values = std::iter::once(Value::Integer(ticket.id.0)).chain(columns.into_iter().map(|(_, value)| value));
    tx.prepare_cached(&sql)?.execute(params_from_iter(values))?;
    Ok(())
}

/// Writes the columns that differ between `before` and `after` (derived SLA columns included)
/// and bumps the row's version, first keeping the row as it was (`ticket_revisions`) so a later
/// conflict can be shown field by field. A changed text assignee points `assignee_id` at the
/// directory engineer of that name (none for a name outside the directory).
pub(super) fn save_changed(
    tx: &Transaction<'_>,
    before: &Ticket,
    before_version: TicketVersion,
    after: &Ticket,
    policy: &SlaPolicy,
) -> StoreResult<()> {
    tx.prepare_cached("INSERT OR IGNORE INTO ticket_revisions (ticket_id, version, snapshot) VALUES (?1, ?2, ?3)")?
        .execute(params![before.id.0, before_version.0, snapshot_json(before)])?;
    let old = mutable_columns(before, policy);
    let mut assignments = Vec::new();
    let mut values = vec![Value::Integer(after.id.0)];
    for ((name, new_value), (_, old_value)) in mutable_columns(after, policy).into_iter().zip(old) {
        if new_value != old_value {
            values.push(new_value);
            assignments.push(format!("{name} = ?{}", values.len()));
            if name == "assignee" {
                let n = values.len();
                assignments.push(format!("assignee_id = (SELECT id FROM engineers WHERE name = ?{n})"));
            }
        }
    }
    assignments.push("version = version + 1".to_owned());
    let sql = format!("UPDATE tickets SET {} WHERE id = ?1", assignments.join(", "));
    tx.prepare_cached(&sql)?.execute(params_from_iter(values))?;
    Ok(())
}

/// A ticket as kept in `ticket_revisions` (JSON).
pub(super) fn snapshot_json(ticket: &Ticket) -> String {
    serde_json::to_string(ticket).unwrap_or_default()
}

/// The ticket as it was at `version`, when that version was kept (a damaged snapshot counts as
/// not kept).
pub(super) fn revision(
    tx: &Transaction<'_>,
    ticket_id: TicketId,
    version: TicketVersion,
) -> StoreResult<Option<Ticket>> {
    let text: Option<String> = tx
        .prepare_cached("SELECT snapshot FROM ticket_revisions WHERE ticket_id = ?1 AND version = ?2")?
        .query_row(params![ticket_id.0, version.0], |row| row.get(0))
        .optional()?;
    Ok(text.and_then(|text| serde_json::from_str(&text).ok()))
}

/// Columns after [`TICKET_COLUMNS`] that [`desk_ticket_from_row`] reads.
pub(super) const DESK_COLUMNS: &str = "version, assignee_id, team";

/// Builds a [`DeskTicket`] from a row selected with [`TICKET_COLUMNS`] then [`DESK_COLUMNS`].
pub(super) fn desk_ticket_from_row(row: &Row<'_>) -> rusqlite::Result<DeskTicket> {
    Ok(DeskTicket {
        ticket: ticket_from_row(row)?,
        version: TicketVersion(row.get(31)?),
        assignee_id: row.get::<_, Option<i64>>(32)?.map(EngineerId),
        team: row.get(33)?,
    })
}

/// One ticket with its version, inside a transaction.
pub(super) fn load_desk(tx: &Transaction<'_>, ticket_id: TicketId) -> StoreResult<DeskTicket> {
    tx.prepare_cached(&format!("SELECT {TICKET_COLUMNS}, {DESK_COLUMNS} FROM tickets WHERE id = ?1"))?
        .query_row([ticket_id.0], desk_ticket_from_row)
        .optional()?
        .ok_or_else(|| StoreError::TicketNotFound(ticket_id.to_string()))
}

/// Rebuilds the full-text entries of one ticket: the trigram index over number, title,
/// requester, description and notes, and the word/bigram index used for short terms.
pub(super) fn refresh_search(tx: &Transaction<'_>, ticket_id: TicketId) -> StoreResult<()> {
    let ticket_id = ticket_id.0;
    let texts: Option<[String; 5]> = tx
        .prepare_cached(
            "SELECT number, title, requester_name, description, \
             coalesce((SELECT group_concat(body, char(10)) FROM ticket_notes WHERE ticket_id = tickets.id), '') \
             FROM tickets WHERE id = ?1",
        )?
        .query_row([ticket_id], |row| Ok([row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?]))
        .optional()?;
    tx.prepare_cached("DELETE FROM ticket_search WHERE rowid = ?1")?.execute([ticket_id])?;
    tx.prepare_cached("DELETE FROM ticket_search_short WHERE rowid = ?1")?.execute([ticket_id])?;
    let Some([number, title, requester, description, notes]) = texts else { return Ok(()) };
    let short = super::search_text::short_terms_text(&[&number, &title, &requester, &description, &notes]);
    tx.prepare_cached(
        "INSERT INTO ticket_search (rowid, number, title, requester, description, notes) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![ticket_id, number, title, requester, description, notes])?;
    tx.prepare_cached("INSERT INTO ticket_search_short (rowid, body) VALUES (?1, ?2)")?
        .execute(params![ticket_id, short])?;
    Ok(())
}

/// Rebuilds the search entries of every ticket (schema upgrades).
pub(super) fn rebuild_search(tx: &Transaction<'_>) -> StoreResult<()> {
    let ids: Vec<i64> =
        tx.prepare("SELECT id FROM tickets")?.query_map([], |row| row.get(0))?.collect::<Result<_, _>>()?;
    for id in ids {
        refresh_search(tx, TicketId(id))?;
    }
    Ok(())
}

/// The local calendar day of `at_ms` as `YYYYMMDD`.
pub(super) fn local_day(at_ms: i64) -> String {
    use chrono::TimeZone;
    match chrono::Local.timestamp_millis_opt(at_ms).single() {
        Some(at) => at.format("%Y%m%d").to_string(),
        None => "19700101".to_owned(),
    }
}

/// Hands out the next number of the day, `T-YYYYMMDD-NNNN`.
pub(super) fn next_number(tx: &Transaction<'_>, at_ms: i64) -> StoreResult<String> {
    let day = local_day(at_ms);
    loop {
        let last: i64 = tx.query_row(
            "INSERT INTO ticket_number_counters (day, last) VALUES (?1, 1) \
             ON CONFLICT (day) DO UPDATE SET last = last + 1 RETURNING last",
            [&day],
            |row| row.get(0),
        )?;
        let number = format!("T-{day}-{last:04}");
        let taken: bool =
            tx.query_row("SELECT EXISTS (SELECT 1 FROM tickets WHERE number = ?1)", [&number], |row| row.get(0))?;
        if !taken {
            return Ok(number);
        }
    }
}

/// Makes sure later numbers of that day come after an imported `number`.
pub(super) fn reserve_number(tx: &Transaction<'_>, number: &str) -> StoreResult<()> {
    let mut parts = number.split('-');
    if let (Some("T"), Some(day), Some(seq), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        && day.len() == 8
        && day.bytes().all(|b| b.is_ascii_digit())
        && let Ok(seq) = seq.parse::<i64>()
    {
        tx.execute(
            "INSERT INTO ticket_number_counters (day, last) VALUES (?1, ?2) \
             ON CONFLICT (day) DO UPDATE SET last = max(last, excluded.last)",
            params![day, seq],
        )?;
    }
    Ok(())
}

impl Store {
    /// Opens a new ticket: validates the form, hands out a number, starts the SLA clock.
    pub fn create_ticket(&mut self, new: &NewTicket, actor: &str, now_ms: i64) -> StoreResult<Ticket> {
        let policy = self.policy;
        let errors = new.validate(now_ms);
        if !errors.is_empty() {
            return Err(RuleError::InvalidFields(errors).into());
        }
        self.write(|tx| create_in(tx, new, actor, now_ms, &policy))
    }

    /// Opens many tickets in one transaction (bulk intake, benchmarks); each pair gives the form
    /// and the creation time. All or nothing: one invalid form and none is created.
    pub fn create_tickets(&mut self, batch: &[(NewTicket, i64)], actor: &str) -> StoreResult<usize> {
        if let Some(errors) = batch.iter().map(|(new, _)| new.fields.validate()).find(|errors| !errors.is_empty()) {
            return Err(RuleError::InvalidFields(errors).into());
        }
        let policy = self.policy;
        self.write(|tx| {
            for (new, created_at_ms) in batch {
                create_in(tx, new, actor, *created_at_ms, &policy)?;
            }
            Ok(batch.len())
        })
    }

    /// One ticket by id.
    pub fn ticket(&self, ticket_id: TicketId) -> StoreResult<Ticket> {
        self.conn
            .query_row(&format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE id = ?1"), [ticket_id.0], ticket_from_row)
            .optional()?
            .ok_or_else(|| StoreError::TicketNotFound(ticket_id.to_string()))
    }

    /// One ticket by its number, e.g. `T-20261123-0042`.
    pub fn ticket_by_number(&self, number: &str) -> StoreResult<Ticket> {
        self.conn
            .query_row(&format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE number = ?1"), [number], ticket_from_row)
            .optional()?
            .ok_or_else(|| StoreError::TicketNotFound(number.to_owned()))
    }

    /// Internal notes of a ticket, oldest first.
    pub fn notes(&self, ticket_id: TicketId) -> StoreResult<Vec<Note>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT n.at_ms, n.author, n.body, i.file, i.importer, i.at_ms
             FROM ticket_notes n LEFT JOIN imports i ON i.id = n.import_id
             WHERE n.ticket_id = ?1 ORDER BY n.id",
        )?;
        let rows = stmt.query_map([ticket_id.0], |row| {
            Ok(Note {
                at_ms: row.get(0)?,
                author: row.get(1)?,
                text: row.get(2)?,
                imported: super::history::import_origin(row, 3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Applies edited intake fields; one `field_changed` entry per changed field.
    pub fn update_fields(
        &mut self,
        ticket_id: TicketId,
        fields: &TicketFields,
        actor: &str,
        now_ms: i64,
    ) -> StoreResult<Ticket> {
        self.change_ticket(ticket_id, &TicketChange::Fields(Box::new(fields.clone())), actor, now_ms)
    }

    /// Changes category, urgency and impact; the priority and SLA targets follow.
    pub fn set_classification(
        &mut self,
        ticket_id: TicketId,
        category: Category,
        urgency: Grade,
        impact: Grade,
        actor: &str,
        now_ms: i64,
    ) -> StoreResult<Ticket> {
        self.change_ticket(ticket_id, &TicketChange::Classification { category, urgency, impact }, actor, now_ms)
    }

    /// Moves a ticket along the workflow (rules: [`Ticket::apply`]).
    pub fn change_status(&mut self, ticket_id: TicketId, to: Status, actor: &str, now_ms: i64) -> StoreResult<Ticket> {
        self.change_ticket(ticket_id, &TicketChange::Status(to), actor, now_ms)
    }

    /// Sets or clears the assignee. A new ticket that gets an assignee moves to "assigned".
    pub fn assign(
        &mut self,
        ticket_id: TicketId,
        assignee: Option<&str>,
        actor: &str,
        now_ms: i64,
    ) -> StoreResult<Ticket> {
        self.change_ticket(ticket_id, &TicketChange::Assign(assignee.map(str::to_owned)), actor, now_ms)
    }

    /// Escalates to the next tier (or another team) with a reason, handing over the context.
    pub fn escalate(&mut self, ticket_id: TicketId, reason: &str, actor: &str, now_ms: i64) -> StoreResult<Ticket> {
        self.change_ticket(ticket_id, &TicketChange::Escalate(reason.to_owned()), actor, now_ms)
    }

    /// Adds an internal note (searchable, and an entry in the timeline).
    pub fn add_note(&mut self, ticket_id: TicketId, text: &str, actor: &str, now_ms: i64) -> StoreResult<()> {
        self.change_ticket(ticket_id, &TicketChange::Note(text.to_owned()), actor, now_ms).map(drop)
    }

    /// Records what fixed the problem.
    pub fn set_resolution(&mut self, ticket_id: TicketId, text: &str, actor: &str, now_ms: i64) -> StoreResult<Ticket> {
        self.change_ticket(ticket_id, &TicketChange::Resolution(text.to_owned()), actor, now_ms)
    }

    /// Records the requester's satisfaction rating (1–5) and comment; only once resolved.
    pub fn set_satisfaction(
        &mut self,
        ticket_id: TicketId,
        rating: i64,
        comment: &str,
        actor: &str,
        now_ms: i64,
    ) -> StoreResult<Ticket> {
        let change = TicketChange::Satisfaction { rating, comment: comment.to_owned() };
        self.change_ticket(ticket_id, &change, actor, now_ms)
    }

    /// Applies one change in one transaction: the model's rules decide ([`Ticket::apply`]); the
    /// store writes the ticket, the note or search text it touches, and the events it yields.
    pub fn change_ticket(
        &mut self,
        ticket_id: TicketId,
        change: &TicketChange,
        actor: &str,
        now_ms: i64,
    ) -> StoreResult<Ticket> {
        let policy = self.policy;
        self.write(|tx| {
            let current = load_desk(tx, ticket_id)?;
            let mut ticket = current.ticket.clone();
            let events = ticket.apply(change, actor, now_ms, &policy)?;
            if events.is_empty() {
                return Ok(ticket);
            }
            record_change(tx, &current, &ticket, &events, actor, now_ms, &policy)?;
            Ok(ticket)
        })
    }

    /// Recomputes the stored SLA targets and sort keys of every ticket when the policy in force
    /// differs from the one they were computed with.
    pub(super) fn apply_policy(&mut self) -> StoreResult<()> {
        let policy = self.policy;
        let policy_json = serde_json::to_string(&policy).unwrap_or_default();
        if self.setting("sla_policy_applied")?.as_deref() == Some(policy_json.as_str()) {
            return Ok(());
        }
        self.write(|tx| {
            let tickets: Vec<Ticket> = {
                let mut stmt = tx.prepare(&format!("SELECT {TICKET_COLUMNS} FROM tickets"))?;
                stmt.query_map([], ticket_from_row)?.collect::<Result<_, _>>()?
            };
            for mut ticket in tickets {
                ticket.sla.retarget(&policy, ticket.priority);
                save(tx, &ticket, &policy)?;
            }
            tx.execute(
                "INSERT INTO settings (key, value) VALUES ('sla_policy_applied', ?1) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [&policy_json],
            )?;
            Ok(())
        })
    }
}

/// Writes an applied change: the changed columns (the version bumped), the note it adds, the
/// search text it touches, and its timeline events.
pub(super) fn record_change(
    tx: &Transaction<'_>,
    before: &DeskTicket,
    after: &Ticket,
    events: &[TimelineEvent],
    actor: &str,
    now_ms: i64,
    policy: &SlaPolicy,
) -> StoreResult<()> {
    let ticket_id = after.id;
    save_changed(tx, &before.ticket, before.version, after, policy)?;
    // Only the searched fields (the number never changes) call for new search entries.
    let (old, new) = (&before.ticket.fields, &after.fields);
    let mut reindex =
        (&old.title, &old.requester_name, &old.description) != (&new.title, &new.requester_name, &new.description);
    for event in events {
        if let TimelineEvent::NoteAdded { text } = event {
            tx.execute(
                "INSERT INTO ticket_notes (ticket_id, at_ms, author, body) VALUES (?1, ?2, ?3, ?4)",
                params![ticket_id.0, now_ms, actor, text],
            )?;
            reindex = true;
        }
    }
    if reindex {
        refresh_search(tx, ticket_id)?;
    }
    for event in events {
        append(tx, ticket_id, now_ms, actor, event)?;
    }
    Ok(())
}

fn create_in(
    tx: &Transaction<'_>,
    new: &NewTicket,
    actor: &str,
    now_ms: i64,
    policy: &SlaPolicy,
) -> StoreResult<Ticket> {
    let (mut ticket, created) = Ticket::open_unchecked(new, next_number(tx, now_ms)?, now_ms, policy);
    ticket.id = insert_record(tx, &ticket, policy)?;
    append(tx, ticket.id, now_ms, actor, &created)?;
    Ok(ticket)
}
