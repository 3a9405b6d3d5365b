//! Ticket writes and reads: create, edit in place, workflow moves, assignment, escalation, notes.
//! Every change is one transaction that also appends to the ticket's timeline.

use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde_json::json;

use super::history::{append, event_kind};
use super::sla::{SlaClock, SlaPolicy};
use super::ticket::{Category, Grade, NewTicket, Priority, Status, Ticket, TicketFields, TicketRule};
use super::{Store, StoreError, StoreResult};

/// One internal note of a ticket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// When it was written, unix ms.
    pub at_ms: i64,
    /// Who wrote it (as recorded; for imported notes, as the file said).
    pub author: String,
    /// The note.
    pub text: String,
    /// Set when the note came from an import file.
    pub imported: Option<super::ImportOrigin>,
}

/// Columns read by [`ticket_from_row`], in order.
pub(super) const TICKET_COLUMNS: &str = "id, number, title, requester_name, department, contact, location, \
    affected_system, affected_version, description, expectation, business_impact, category, urgency, impact, \
    priority, status, assignee, tier, resolution, satisfaction, satisfaction_comment, reported_at_ms, \
    created_at_ms, updated_at_ms, sla_started_at_ms, sla_response_target_ms, sla_resolution_target_ms, \
    sla_responded_at_ms, sla_paused_total_ms, sla_paused_since_ms";

/// Longest note, in characters.
const MAX_NOTE_CHARS: usize = 20_000;
/// Highest support tier.
pub const MAX_TIER: i64 = 3;

/// Reads a stored enum name; a value this build does not know is a conversion error, not a panic.
pub(super) fn parse_column<T>(row: &Row<'_>, index: usize, parse: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    parse(&text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            format!("unknown value {text:?}").into(),
        )
    })
}

/// Builds a [`Ticket`] from a row selected with [`TICKET_COLUMNS`].
pub(super) fn ticket_from_row(row: &Row<'_>) -> rusqlite::Result<Ticket> {
    Ok(Ticket {
        id: row.get(0)?,
        number: row.get(1)?,
        fields: TicketFields {
            title: row.get(2)?,
            requester_name: row.get(3)?,
            department: row.get(4)?,
            contact: row.get(5)?,
            location: row.get(6)?,
            affected_system: row.get(7)?,
            affected_version: row.get(8)?,
            description: row.get(9)?,
            expectation: row.get(10)?,
            business_impact: row.get(11)?,
        },
        category: parse_column(row, 12, Category::parse)?,
        urgency: parse_column(row, 13, Grade::parse)?,
        impact: parse_column(row, 14, Grade::parse)?,
        priority: parse_column(row, 15, Priority::parse)?,
        status: parse_column(row, 16, Status::parse)?,
        assignee: row.get(17)?,
        tier: row.get(18)?,
        resolution: row.get(19)?,
        satisfaction: row.get(20)?,
        satisfaction_comment: row.get(21)?,
        reported_at_ms: row.get(22)?,
        created_at_ms: row.get(23)?,
        updated_at_ms: row.get(24)?,
        sla: SlaClock {
            started_at_ms: row.get(25)?,
            response_target_ms: row.get(26)?,
            resolution_target_ms: row.get(27)?,
            responded_at_ms: row.get(28)?,
            paused_total_ms: row.get(29)?,
            paused_since_ms: row.get(30)?,
        },
    })
}

fn load(tx: &Transaction<'_>, ticket_id: i64) -> StoreResult<Ticket> {
    tx.query_row(&format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE id = ?1"), [ticket_id], ticket_from_row)
        .optional()?
        .ok_or_else(|| StoreError::TicketNotFound(ticket_id.to_string()))
}

/// Inserts a complete ticket record (new, imported or sample) and indexes it for search.
pub(super) fn insert_record(tx: &Transaction<'_>, ticket: &Ticket, policy: &SlaPolicy) -> StoreResult<i64> {
    tx.prepare_cached(
        "INSERT INTO tickets (number, title, requester_name, department, contact, location, affected_system, \
         affected_version, description, expectation, business_impact, category, urgency, impact, priority, status, \
         assignee, tier, resolution, satisfaction, satisfaction_comment, reported_at_ms, created_at_ms, updated_at_ms, \
         sla_started_at_ms, sla_response_target_ms, sla_resolution_target_ms, sla_responded_at_ms, sla_paused_total_ms, \
         sla_paused_since_ms, urgency_key, sla_at_risk_from_ms, sla_breach_at_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, \
         ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33)",
    )?
    .execute(params![
        ticket.number,
        ticket.fields.title,
        ticket.fields.requester_name,
        ticket.fields.department,
        ticket.fields.contact,
        ticket.fields.location,
        ticket.fields.affected_system,
        ticket.fields.affected_version,
        ticket.fields.description,
        ticket.fields.expectation,
        ticket.fields.business_impact,
        ticket.category.as_str(),
        ticket.urgency.as_str(),
        ticket.impact.as_str(),
        ticket.priority.as_str(),
        ticket.status.as_str(),
        ticket.assignee,
        ticket.tier,
        ticket.resolution,
        ticket.satisfaction,
        ticket.satisfaction_comment,
        ticket.reported_at_ms,
        ticket.created_at_ms,
        ticket.updated_at_ms,
        ticket.sla.started_at_ms,
        ticket.sla.response_target_ms,
        ticket.sla.resolution_target_ms,
        ticket.sla.responded_at_ms,
        ticket.sla.paused_total_ms,
        ticket.sla.paused_since_ms,
        ticket.sla.urgency_key(ticket.status),
        ticket.sla.at_risk_from_ms(ticket.status, policy),
        ticket.sla.breach_at_ms(ticket.status, policy),
    ])?;
    let id = tx.last_insert_rowid();
    refresh_search(tx, id)?;
    Ok(id)
}

/// Writes back every mutable column of `ticket`, including the derived SLA columns.
fn save(tx: &Transaction<'_>, ticket: &Ticket, policy: &SlaPolicy) -> StoreResult<()> {
    tx.prepare_cached(
        "UPDATE tickets SET title = ?2, requester_name = ?3, department = ?4, contact = ?5, location = ?6, \
         affected_system = ?7, affected_version = ?8, description = ?9, expectation = ?10, business_impact = ?11, \
         category = ?12, urgency = ?13, impact = ?14, priority = ?15, status = ?16, assignee = ?17, tier = ?18, \
         resolution = ?19, satisfaction = ?20, satisfaction_comment = ?21, updated_at_ms = ?22, \
         sla_response_target_ms = ?23, sla_resolution_target_ms = ?24, sla_responded_at_ms = ?25, \
         sla_paused_total_ms = ?26, sla_paused_since_ms = ?27, urgency_key = ?28, sla_at_risk_from_ms = ?29, \
         sla_breach_at_ms = ?30 WHERE id = ?1",
    )?
    .execute(params![
        ticket.id,
        ticket.fields.title,
        ticket.fields.requester_name,
        ticket.fields.department,
        ticket.fields.contact,
        ticket.fields.location,
        ticket.fields.affected_system,
        ticket.fields.affected_version,
        ticket.fields.description,
        ticket.fields.expectation,
        ticket.fields.business_impact,
        ticket.category.as_str(),
        ticket.urgency.as_str(),
        ticket.impact.as_str(),
        ticket.priority.as_str(),
        ticket.status.as_str(),
        ticket.assignee,
        ticket.tier,
        ticket.resolution,
        ticket.satisfaction,
        ticket.satisfaction_comment,
        ticket.updated_at_ms,
        ticket.sla.response_target_ms,
        ticket.sla.resolution_target_ms,
        ticket.sla.responded_at_ms,
        ticket.sla.paused_total_ms,
        ticket.sla.paused_since_ms,
        ticket.sla.urgency_key(ticket.status),
        ticket.sla.at_risk_from_ms(ticket.status, policy),
        ticket.sla.breach_at_ms(ticket.status, policy),
    ])?;
    Ok(())
}

/// Rebuilds the full-text entries of one ticket: the trigram index over number, title,
/// requester, description and notes, and the word/bigram index used for short terms.
pub(super) fn refresh_search(tx: &Transaction<'_>, ticket_id: i64) -> StoreResult<()> {
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
        refresh_search(tx, id)?;
    }
    Ok(())
}

/// The local calendar day of `at_ms` as `YYYYMMDD`.
fn local_day(at_ms: i64) -> String {
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

fn check_text(field: &'static str, text: &str, max_chars: usize) -> StoreResult<()> {
    let len_chars = text.chars().count();
    if len_chars > max_chars {
        return Err(StoreError::InvalidFields(vec![super::FieldError::TooLong { field, len_chars, max_chars }]));
    }
    Ok(())
}

impl Store {
    /// Opens a new ticket: validates the form, hands out a number, starts the SLA clock.
    pub fn create_ticket(&mut self, new: &NewTicket, actor: &str, now_ms: i64) -> StoreResult<Ticket> {
        let errors = new.validate(now_ms);
        if !errors.is_empty() {
            return Err(StoreError::InvalidFields(errors));
        }
        let policy = self.policy;
        self.write(|tx| create_in(tx, new, actor, now_ms, &policy))
    }

    /// Opens many tickets in one transaction (bulk intake, benchmarks); each pair gives the form
    /// and the creation time. All or nothing: one invalid form and none is created.
    pub fn create_tickets(&mut self, batch: &[(NewTicket, i64)], actor: &str) -> StoreResult<usize> {
        if let Some(errors) = batch.iter().map(|(new, _)| new.fields.validate()).find(|errors| !errors.is_empty()) {
            return Err(StoreError::InvalidFields(errors));
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
    pub fn ticket(&self, ticket_id: i64) -> StoreResult<Ticket> {
        self.conn
            .query_row(&format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE id = ?1"), [ticket_id], ticket_from_row)
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
    pub fn notes(&self, ticket_id: i64) -> StoreResult<Vec<Note>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT n.at_ms, n.author, n.body, i.file, i.importer, i.at_ms
             FROM ticket_notes n LEFT JOIN imports i ON i.id = n.import_id
             WHERE n.ticket_id = ?1 ORDER BY n.id",
        )?;
        let rows = stmt.query_map([ticket_id], |row| {
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
        ticket_id: i64,
        fields: &TicketFields,
        actor: &str,
        now_ms: i64,
    ) -> StoreResult<Ticket> {
        let errors = fields.validate();
        if !errors.is_empty() {
            return Err(StoreError::InvalidFields(errors));
        }
        let policy = self.policy;
        let fields = trimmed(fields);
        self.write(|tx| {
            let mut ticket = load(tx, ticket_id)?;
            let changes: Vec<_> = ticket
                .fields
                .named_values()
                .into_iter()
                .zip(fields.named_values())
                .filter(|((_, old, _), (_, new, _))| old != new)
                .map(|((name, old, _), (_, new, _))| (name, old.clone(), new.clone()))
                .collect();
            if changes.is_empty() {
                return Ok(ticket);
            }
            ticket.fields = fields.clone();
            ticket.updated_at_ms = now_ms;
            save(tx, &ticket, &policy)?;
            refresh_search(tx, ticket_id)?;
            for (field, old, new) in changes {
                append(
                    tx,
                    ticket_id,
                    now_ms,
                    actor,
                    event_kind::FIELD_CHANGED,
                    &json!({ "field": field, "old": old, "new": new }),
                )?;
            }
            Ok(ticket)
        })
    }

    /// Changes category, urgency and impact; the priority and SLA targets follow.
    pub fn set_classification(
        &mut self,
        ticket_id: i64,
        category: Category,
        urgency: Grade,
        impact: Grade,
        actor: &str,
        now_ms: i64,
    ) -> StoreResult<Ticket> {
        let policy = self.policy;
        self.write(|tx| {
            let mut ticket = load(tx, ticket_id)?;
            if (ticket.category, ticket.urgency, ticket.impact) == (category, urgency, impact) {
                return Ok(ticket);
            }
            let payload = json!({
                "category": [ticket.category.as_str(), category.as_str()],
                "urgency": [ticket.urgency.as_str(), urgency.as_str()],
                "impact": [ticket.impact.as_str(), impact.as_str()],
                "priority": [ticket.priority.as_str(), Priority::from_grades(urgency, impact).as_str()],
            });
            ticket.category = category;
            ticket.urgency = urgency;
            ticket.impact = impact;
            ticket.priority = Priority::from_grades(urgency, impact);
            ticket.sla.retarget(&policy, ticket.priority);
            ticket.updated_at_ms = now_ms;
            save(tx, &ticket, &policy)?;
            append(tx, ticket_id, now_ms, actor, event_kind::CLASSIFICATION_CHANGED, &payload)?;
            Ok(ticket)
        })
    }

    /// Moves a ticket along the workflow. Rules: only moves from [`Status::next_allowed`];
    /// "assigned" needs an assignee; "in progress" without one assigns `actor`; "resolved" needs a
    /// resolution; back to "new" clears the assignee.
    pub fn change_status(&mut self, ticket_id: i64, to: Status, actor: &str, now_ms: i64) -> StoreResult<Ticket> {
        let policy = self.policy;
        self.write(|tx| {
            let mut ticket = load(tx, ticket_id)?;
            let from = ticket.status;
            if !from.can_move_to(to) {
                return Err(StoreError::InvalidTransition { from: from.as_str(), to: to.as_str() });
            }
            let assignee_before = ticket.assignee.clone();
            match to {
                Status::Assigned if ticket.assignee.as_deref().is_none_or(|name| name.trim().is_empty()) => {
                    return Err(TicketRule::AssigneeBeforeAssigned.into());
                }
                Status::InProgress if ticket.assignee.is_none() => ticket.assignee = Some(actor.to_owned()),
                Status::Resolved if ticket.resolution.trim().is_empty() => {
                    return Err(TicketRule::ResolutionBeforeResolved.into());
                }
                Status::New => ticket.assignee = None,
                _ => {}
            }
            ticket.status = to;
            ticket.sla.on_status(to, now_ms);
            ticket.updated_at_ms = now_ms;
            save(tx, &ticket, &policy)?;
            append(
                tx,
                ticket_id,
                now_ms,
                actor,
                event_kind::STATUS_CHANGED,
                &json!({ "from": from.as_str(), "to": to.as_str() }),
            )?;
            if ticket.assignee != assignee_before {
                append(
                    tx,
                    ticket_id,
                    now_ms,
                    actor,
                    event_kind::ASSIGNEE_CHANGED,
                    &json!({ "from": assignee_before, "to": ticket.assignee }),
                )?;
            }
            Ok(ticket)
        })
    }

    /// Sets or clears the assignee. A new ticket that gets an assignee moves to "assigned".
    pub fn assign(&mut self, ticket_id: i64, assignee: Option<&str>, actor: &str, now_ms: i64) -> StoreResult<Ticket> {
        let assignee = assignee.map(str::trim).filter(|name| !name.is_empty()).map(str::to_owned);
        if let Some(name) = &assignee {
            check_text("assignee", name, super::ticket::MAX_LINE_CHARS)?;
        }
        let policy = self.policy;
        self.write(|tx| {
            let mut ticket = load(tx, ticket_id)?;
            if ticket.assignee == assignee {
                return Ok(ticket);
            }
            if assignee.is_none() && ticket.status == Status::Assigned {
                return Err(TicketRule::AssignedNeedsAssignee.into());
            }
            let before = std::mem::replace(&mut ticket.assignee, assignee.clone());
            ticket.updated_at_ms = now_ms;
            if ticket.status == Status::New && assignee.is_some() {
                ticket.status = Status::Assigned;
                ticket.sla.on_status(Status::Assigned, now_ms);
                append(
                    tx,
                    ticket_id,
                    now_ms,
                    actor,
                    event_kind::STATUS_CHANGED,
                    &json!({ "from": "new", "to": "assigned" }),
                )?;
            }
            save(tx, &ticket, &policy)?;
            append(
                tx,
                ticket_id,
                now_ms,
                actor,
                event_kind::ASSIGNEE_CHANGED,
                &json!({ "from": before, "to": assignee }),
            )?;
            Ok(ticket)
        })
    }

    /// Escalates to the next tier (or another team) with a reason, handing over the context.
    pub fn escalate(&mut self, ticket_id: i64, reason: &str, actor: &str, now_ms: i64) -> StoreResult<Ticket> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::InvalidFields(vec![super::FieldError::Required("escalation reason")]));
        }
        check_text("escalation reason", reason, MAX_NOTE_CHARS)?;
        let policy = self.policy;
        self.write(|tx| {
            let mut ticket = load(tx, ticket_id)?;
            if ticket.tier >= MAX_TIER {
                return Err(TicketRule::HighestTier { max_tier: MAX_TIER }.into());
            }
            if !ticket.status.is_open() {
                return Err(TicketRule::ReopenBeforeEscalating.into());
            }
            let from_tier = ticket.tier;
            ticket.tier += 1;
            ticket.updated_at_ms = now_ms;
            save(tx, &ticket, &policy)?;
            append(
                tx,
                ticket_id,
                now_ms,
                actor,
                event_kind::ESCALATED,
                &json!({ "from_tier": from_tier, "to_tier": ticket.tier, "reason": reason }),
            )?;
            Ok(ticket)
        })
    }

    /// Adds an internal note (searchable, and an entry in the timeline).
    pub fn add_note(&mut self, ticket_id: i64, text: &str, actor: &str, now_ms: i64) -> StoreResult<()> {
        let text = text.trim();
        if text.is_empty() {
            return Err(StoreError::InvalidFields(vec![super::FieldError::Required("note")]));
        }
        check_text("note", text, MAX_NOTE_CHARS)?;
        self.write(|tx| {
            load(tx, ticket_id)?;
            tx.execute(
                "INSERT INTO ticket_notes (ticket_id, at_ms, author, body) VALUES (?1, ?2, ?3, ?4)",
                params![ticket_id, now_ms, actor, text],
            )?;
            tx.execute("UPDATE tickets SET updated_at_ms = ?2 WHERE id = ?1", params![ticket_id, now_ms])?;
            refresh_search(tx, ticket_id)?;
            append(tx, ticket_id, now_ms, actor, event_kind::NOTE_ADDED, &json!({ "text": text }))?;
            Ok(())
        })
    }

    /// Records what fixed the problem.
    pub fn set_resolution(&mut self, ticket_id: i64, text: &str, actor: &str, now_ms: i64) -> StoreResult<Ticket> {
        let text = text.trim().to_owned();
        check_text("resolution", &text, MAX_NOTE_CHARS)?;
        let policy = self.policy;
        self.write(|tx| {
            let mut ticket = load(tx, ticket_id)?;
            if ticket.resolution == text {
                return Ok(ticket);
            }
            if text.is_empty() && !ticket.status.is_open() {
                return Err(TicketRule::ResolutionKept.into());
            }
            ticket.resolution = text.clone();
            ticket.updated_at_ms = now_ms;
            save(tx, &ticket, &policy)?;
            append(tx, ticket_id, now_ms, actor, event_kind::RESOLUTION_SET, &json!({ "text": text }))?;
            Ok(ticket)
        })
    }

    /// Records the requester's satisfaction rating (1–5) and comment; only once resolved.
    pub fn set_satisfaction(
        &mut self,
        ticket_id: i64,
        rating: i64,
        comment: &str,
        actor: &str,
        now_ms: i64,
    ) -> StoreResult<Ticket> {
        if !(1..=5).contains(&rating) {
            return Err(TicketRule::RatingOutOfRange { rating }.into());
        }
        let comment = comment.trim().to_owned();
        check_text("satisfaction comment", &comment, MAX_NOTE_CHARS)?;
        let policy = self.policy;
        self.write(|tx| {
            let mut ticket = load(tx, ticket_id)?;
            if ticket.status.is_open() {
                return Err(TicketRule::RatingBeforeResolved.into());
            }
            ticket.satisfaction = Some(rating);
            ticket.satisfaction_comment = comment.clone();
            ticket.updated_at_ms = now_ms;
            save(tx, &ticket, &policy)?;
            append(
                tx,
                ticket_id,
                now_ms,
                actor,
                event_kind::SATISFACTION_RECORDED,
                &json!({ "rating": rating, "comment": comment }),
            )?;
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

fn create_in(
    tx: &Transaction<'_>,
    new: &NewTicket,
    actor: &str,
    now_ms: i64,
    policy: &SlaPolicy,
) -> StoreResult<Ticket> {
    let priority = Priority::from_grades(new.urgency, new.impact);
    let mut ticket = Ticket {
        id: 0,
        number: next_number(tx, now_ms)?,
        fields: trimmed(&new.fields),
        category: new.category,
        urgency: new.urgency,
        impact: new.impact,
        priority,
        status: Status::New,
        assignee: None,
        tier: 1,
        resolution: String::new(),
        satisfaction: None,
        satisfaction_comment: String::new(),
        reported_at_ms: new.reported_at_ms.unwrap_or(now_ms),
        created_at_ms: now_ms,
        updated_at_ms: now_ms,
        sla: SlaClock::start(now_ms, policy, priority),
    };
    ticket.id = insert_record(tx, &ticket, policy)?;
    append(
        tx,
        ticket.id,
        now_ms,
        actor,
        event_kind::CREATED,
        &json!({ "number": ticket.number, "priority": priority.as_str(), "category": ticket.category.as_str() }),
    )?;
    Ok(ticket)
}

fn trimmed(fields: &TicketFields) -> TicketFields {
    let mut fields = fields.clone();
    for name in ["title", "requester_name", "department", "contact", "location", "affected_system", "affected_version"]
    {
        if let Some(value) = fields.field_mut(name) {
            *value = value.trim().to_owned();
        }
    }
    fields
}
