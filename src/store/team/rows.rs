//! Ticket rows in the team database: numbering, insert, load (locked), write the changed
//! columns, search tokens, timeline and notes, and the notification every write sends.

use postgres::Transaction;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use rusqlite::types::Value;

use super::signature::TokenSignature;
use super::{NOTIFY_CHANNEL, classify};
use crate::model::{
    ActorKind, DeskNotice, DeskNoticeKind, DeskTicket, EngineerId, SlaPolicy, Ticket, TicketId, TicketVersion,
    TimelineEvent,
};
use crate::store::row_columns::{RowColumns, ticket_from};
use crate::store::search_text::index_tokens;
use crate::store::tickets::{TICKET_COLUMNS, local_day, mutable_columns, snapshot_json};
use crate::store::{StoreError, StoreResult};

/// A ticket column's value (as the SQLite store lists them) bound as a PostgreSQL parameter.
#[derive(Debug)]
pub(super) struct Cell(pub Value);

impl Cell {
    /// The parameter type this value is sent as; `None` for NULL (written as a literal).
    fn sql_type(&self) -> Option<Type> {
        match &self.0 {
            Value::Null => None,
            Value::Integer(_) => Some(Type::INT8),
            Value::Real(_) => Some(Type::FLOAT8),
            Value::Text(_) => Some(Type::TEXT),
            Value::Blob(_) => Some(Type::BYTEA),
        }
    }
}

impl ToSql for Cell {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match &self.0 {
            Value::Null => Ok(IsNull::Yes),
            Value::Integer(value) => value.to_sql(ty, out),
            Value::Real(value) => value.to_sql(ty, out),
            Value::Text(value) => value.to_sql(ty, out),
            Value::Blob(value) => value.to_sql(ty, out),
        }
    }

    fn accepts(ty: &Type) -> bool {
        matches!(*ty, Type::INT8 | Type::TEXT | Type::VARCHAR | Type::FLOAT8 | Type::BYTEA)
    }

    to_sql_checked!();
}

/// Columns after the ticket's own: its version, assignee id and team.
pub(super) const DESK_COLUMNS: &str = "version, assignee_id, team";

/// Builds a [`DeskTicket`] from a row selected with `TICKET_COLUMNS, DESK_COLUMNS`.
pub(super) fn desk_ticket_from(row: &postgres::Row) -> StoreResult<DeskTicket> {
    Ok(DeskTicket {
        ticket: ticket_from(row)?,
        version: TicketVersion(row.int(31)?),
        assignee_id: row.optional_int(32)?.map(EngineerId),
        team: row.optional_text(33)?,
    })
}

/// One ticket with its version; the row stays locked until the transaction ends (writers of one
/// ticket take turns, so none works from a stale read).
pub(super) fn lock_desk(tx: &mut Transaction<'_>, ticket_id: TicketId) -> StoreResult<DeskTicket> {
    let sql = format!("SELECT {TICKET_COLUMNS}, {DESK_COLUMNS} FROM tickets WHERE id = $1 FOR UPDATE");
    // Typed statements go out in one round trip (no separate prepare): this is every write's path.
    let row = tx.query_typed_opt(&sql, &[(&ticket_id.0, Type::INT8)]).map_err(classify)?;
    row.as_ref().map(desk_ticket_from).transpose()?.ok_or_else(|| StoreError::TicketNotFound(ticket_id.to_string()))
}

/// Hands out the next number of the day, `T-YYYYMMDD-NNNN`.
pub(super) fn next_number(tx: &mut Transaction<'_>, at_ms: i64) -> StoreResult<String> {
    let day = local_day(at_ms);
    loop {
        let last: i64 = tx
            .query_one(
                "INSERT INTO ticket_number_counters (day, last) VALUES ($1, 1) \
                 ON CONFLICT (day) DO UPDATE SET last = ticket_number_counters.last + 1 RETURNING last",
                &[&day],
            )
            .map_err(classify)?
            .get(0);
        let number = format!("T-{day}-{last:04}");
        let taken: bool = tx
            .query_one("SELECT EXISTS (SELECT 1 FROM tickets WHERE number = $1)", &[&number])
            .map_err(classify)?
            .get(0);
        if !taken {
            return Ok(number);
        }
    }
}

/// Inserts a ticket row (number and creation times included) with the search text and tokens
/// of its fields (notes added later call [`refresh_search`]); returns its id.
pub(super) fn insert_ticket(tx: &mut Transaction<'_>, ticket: &Ticket, policy: &SlaPolicy) -> StoreResult<TicketId> {
    let mut columns = vec![
        ("number", Value::Text(ticket.number.clone())),
        ("reported_at_ms", Value::Integer(ticket.reported_at_ms)),
        ("created_at_ms", Value::Integer(ticket.created_at_ms)),
        ("sla_started_at_ms", Value::Integer(ticket.sla.started_at_ms)),
    ];
    columns.extend(mutable_columns(ticket, policy));
    // A new ticket has no notes yet: its search text and tokens are known without a read.
    let fields = &ticket.fields;
    let texts = [ticket.number.as_str(), &fields.title, &fields.requester_name, &fields.description, ""];
    columns.push(("search_text", Value::Text(texts.join("\n").to_lowercase())));
    let mut names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    names.extend(["search_tokens", "search_signature"]);
    let placeholders: Vec<String> = (1..=names.len()).map(|index| format!("${index}")).collect();
    let sql = format!("INSERT INTO tickets ({}) VALUES ({}) RETURNING id", names.join(", "), placeholders.join(", "));
    let cells: Vec<Cell> = columns.into_iter().map(|(_, value)| Cell(value)).collect();
    let tokens = index_tokens(&texts);
    let mut params: Vec<&(dyn ToSql + Sync)> = cells.iter().map(|cell| cell as &(dyn ToSql + Sync)).collect();
    params.push(&tokens);
    let signature = TokenSignature::of(&tokens);
    params.push(&signature);
    Ok(TicketId(tx.query_one(&sql, &params).map_err(classify)?.get(0)))
}

/// What else a write sets on the row besides the ticket's own columns.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct RowExtras<'a> {
    /// The team handling the ticket from now on (an escalation).
    pub team: Option<&'a str>,
    /// The engineer claiming the ticket: their directory id becomes the assignee's, and their
    /// team fills an empty team.
    pub claimer: Option<(EngineerId, &'a str)>,
}

/// Writes the columns that differ between `before` and `after` with `extras`, bumping the
/// version (only from `before_version`), after keeping the row as it was for conflict display.
/// A changed text assignee points `assignee_id` at the directory engineer of that name. Returns
/// the written ticket as the row now holds it (no second read).
pub(super) fn save_changed(
    tx: &mut Transaction<'_>,
    before: &Ticket,
    before_version: TicketVersion,
    after: &Ticket,
    policy: &SlaPolicy,
    extras: RowExtras<'_>,
) -> StoreResult<DeskTicket> {
    // The row is locked by this transaction, so nothing written means it was deleted meanwhile.
    save_changed_where(tx, before, before_version, after, policy, extras, "TRUE")?
        .ok_or_else(|| StoreError::TicketNotFound(after.id.to_string()))
}

/// [`save_changed`] only when the row is still at `before_version` and `condition` (SQL over
/// the row) holds; `None` when it did not (nothing is kept or written then). One statement:
/// the update, the kept revision and the new version, assignee id and team read back.
pub(super) fn save_changed_where(
    tx: &mut Transaction<'_>,
    before: &Ticket,
    before_version: TicketVersion,
    after: &Ticket,
    policy: &SlaPolicy,
    extras: RowExtras<'_>,
    condition: &str,
) -> StoreResult<Option<DeskTicket>> {
    let (params, saved) = update_statement(before, before_version, after, policy, extras, condition, None);
    let sql = format!("{saved} SELECT version, assignee_id, team FROM saved");
    let Some(row) = tx.query_typed_opt(&sql, &param_refs(&params)).map_err(classify)? else { return Ok(None) };
    written_from(&row, after).map(Some)
}

fn written_from(row: &postgres::Row, after: &Ticket) -> StoreResult<DeskTicket> {
    Ok(DeskTicket {
        ticket: after.clone(),
        version: TicketVersion(row.try_get(0).map_err(classify)?),
        assignee_id: row.try_get::<_, Option<i64>>(1).map_err(classify)?.map(EngineerId),
        team: row.try_get(2).map_err(classify)?,
    })
}

/// Statement parameters, each with the type it is sent as (typed statements need no prepare).
pub(super) type Params = Vec<(Box<dyn ToSql + Sync>, Type)>;

fn push(params: &mut Params, value: impl ToSql + Sync + 'static, ty: Type) -> String {
    params.push((Box::new(value), ty));
    format!("${}", params.len())
}

/// The parameters as `query_typed` takes them.
pub(super) fn param_refs(params: &Params) -> Vec<(&(dyn ToSql + Sync), Type)> {
    params.iter().map(|(value, ty)| (value.as_ref() as &(dyn ToSql + Sync), ty.clone())).collect()
}

/// A note added by an edit written in one statement: the row's search text and tokens grow by
/// the note's (what [`refresh_search`] would compute from all notes, without reading them).
pub(super) struct NoteSearch {
    /// The note's text, lowercased.
    pub lower: String,
    /// Its index tokens.
    pub tokens: Vec<String>,
}

/// The `WITH saved AS (UPDATE …), kept AS (INSERT the revision …)` part of a conditional write
/// (see [`save_changed_where`]) and its parameters: `$1` the id, `$2` the version read, `$3` the
/// row as it was, then the changed columns' values (and a note's search text and tokens).
fn update_statement(
    before: &Ticket,
    before_version: TicketVersion,
    after: &Ticket,
    policy: &SlaPolicy,
    extras: RowExtras<'_>,
    condition: &str,
    note: Option<NoteSearch>,
) -> (Params, String) {
    let mut params: Params = Vec::new();
    push(&mut params, after.id.0, Type::INT8);
    push(&mut params, before_version.0, Type::INT8);
    push(&mut params, snapshot_json(before), Type::TEXT);
    let mut assignments = Vec::new();
    for ((name, new), (_, old)) in mutable_columns(after, policy).into_iter().zip(mutable_columns(before, policy)) {
        if new == old {
            continue;
        }
        let Some(ty) = Cell(new.clone()).sql_type() else {
            assignments.push(format!("{name} = NULL"));
            if name == "assignee" {
                assignments.push("assignee_id = NULL".to_owned());
            }
            continue;
        };
        let n = push(&mut params, Cell(new), ty);
        assignments.push(format!("{name} = {n}"));
        if name == "assignee" && extras.claimer.is_none() {
            assignments.push(format!("assignee_id = (SELECT id FROM engineers WHERE name = {n}::text)"));
        }
    }
    if let Some((engineer_id, team)) = extras.claimer {
        let id = push(&mut params, engineer_id.0, Type::INT8);
        assignments.push(format!("assignee_id = {id}"));
        let team = push(&mut params, team.to_owned(), Type::TEXT);
        assignments.push(format!("team = coalesce(team, nullif({team}, ''))"));
    } else if let Some(team) = extras.team {
        let team = push(&mut params, team.to_owned(), Type::TEXT);
        assignments.push(format!("team = {team}"));
    }
    if let Some(note) = note {
        // Notes are joined by line breaks after the description's (see `refresh_search`).
        let lower = push(&mut params, note.lower, Type::TEXT);
        let signature = push(&mut params, TokenSignature::of(&note.tokens), Type::BIT);
        let tokens = push(&mut params, note.tokens, Type::TEXT_ARRAY);
        assignments.push(format!(
            "search_text = search_text \
             || CASE WHEN EXISTS (SELECT 1 FROM ticket_notes n WHERE n.ticket_id = $1) THEN E'\\n' ELSE '' END \
             || {lower}"
        ));
        assignments.push(format!(
            "search_tokens = ARRAY(SELECT DISTINCT t FROM unnest(search_tokens || {tokens}) AS t ORDER BY t)"
        ));
        assignments.push(format!("search_signature = search_signature | {signature}"));
    }
    assignments.push("version = version + 1".to_owned());
    let sql = format!(
        "WITH saved AS (UPDATE tickets SET {} WHERE id = $1 AND version = $2 AND ({condition}) \
         RETURNING version, assignee_id, team), \
         kept AS (INSERT INTO ticket_revisions (ticket_id, version, snapshot) SELECT $1, $2, $3 FROM saved \
         ON CONFLICT DO NOTHING)",
        assignments.join(", ")
    );
    (params, sql)
}

/// An edit planned against the version the engineer read, written in ONE statement outside any
/// explicit transaction (one round trip instead of five): the row only if it is still at that
/// version, the kept revision, the note it adds (with the search text and tokens grown by it),
/// every timeline event (numbered after the ticket's last) and the notice, all or nothing.
/// `Ok(None)` when the row moved on meanwhile, or a timeline entry appended meanwhile took the
/// number: nothing was written. Not for changes of the searched fields (the locking path
/// rebuilds the search text) or with more than one note.
///
/// With `notify_inline` false the statement sends no notice (the transactions that notify are
/// serialised by the server at commit, see [`super::notices`]): the notice to send once written
/// comes back with the ticket.
pub(super) fn write_if_unchanged(
    client: &mut super::statements::Prepared<'_>,
    before: &DeskTicket,
    after: &Ticket,
    events: &[TimelineEvent],
    edit: &Edit<'_>,
    notify_inline: bool,
) -> StoreResult<Option<(DeskTicket, String)>> {
    let note = events.iter().find_map(|event| match event {
        TimelineEvent::NoteAdded { text } => Some(text.as_str()),
        _ => None,
    });
    let note_search = note.map(|text| NoteSearch { lower: text.to_lowercase(), tokens: index_tokens(&[text]) });
    let (mut params, saved) =
        update_statement(&before.ticket, before.version, after, edit.policy, edit.extras, "TRUE", note_search);
    let notice = DeskNotice {
        ticket: after.id,
        kind: edit.notice,
        version: Some(TicketVersion(before.version.0 + 1)),
        actor: edit.actor.to_owned(),
        team: edit.extras.team.map(str::to_owned),
        at_ms: edit.now_ms,
    };
    let mut kinds = Vec::with_capacity(events.len());
    let mut payloads = Vec::with_capacity(events.len());
    let mut actor_kinds = Vec::with_capacity(events.len());
    for event in events {
        let (kind, payload) = event.to_stored();
        kinds.push(kind.to_owned());
        payloads.push(payload.to_string());
        actor_kinds.push(event.default_actor_kind().as_str().to_owned());
    }
    let at = push(&mut params, edit.now_ms, Type::INT8);
    let actor = push(&mut params, edit.actor.to_owned(), Type::TEXT);
    let notice_payload = notice_json(&notice)?;
    let notified = if notify_inline {
        let channel = push(&mut params, NOTIFY_CHANNEL.to_owned(), Type::TEXT);
        let notice = push(&mut params, notice_payload.clone(), Type::TEXT);
        format!("notified AS (SELECT pg_notify({channel}, {notice}) FROM saved) ")
    } else {
        "notified AS (SELECT 1 FROM saved WHERE FALSE) ".to_owned()
    };
    let kinds = push(&mut params, kinds, Type::TEXT_ARRAY);
    let payloads = push(&mut params, payloads, Type::TEXT_ARRAY);
    let actor_kinds = push(&mut params, actor_kinds, Type::TEXT_ARRAY);
    let noted = match note {
        Some(text) => {
            let body = push(&mut params, text.to_owned(), Type::TEXT);
            format!(
                "noted AS (INSERT INTO ticket_notes (ticket_id, at_ms, author, body) \
                 SELECT $1, {at}, {actor}, {body} FROM saved), "
            )
        }
        None => String::new(),
    };
    let sql = format!(
        "{saved}, {noted}\
         last AS (SELECT coalesce(max(seq), 0) AS seq FROM ticket_events WHERE ticket_id = $1), \
         appended AS (INSERT INTO ticket_events (ticket_id, seq, at_ms, actor, actor_kind, kind, payload) \
            SELECT $1, last.seq + e.n, {at}, {actor}, e.actor_kind, e.kind, e.payload \
            FROM saved, last, unnest({kinds}::text[], {payloads}::text[], {actor_kinds}::text[]) \
                 WITH ORDINALITY AS e (kind, payload, actor_kind, n) \
            RETURNING seq), \
         {notified}\
         SELECT version, assignee_id, team, (SELECT count(*) FROM appended), (SELECT count(*) FROM notified) \
         FROM saved"
    );
    match client.query_opt(&sql, &param_refs(&params)) {
        Ok(Some(row)) => written_from(&row, after).map(|ticket| Some((ticket, notice_payload))),
        Ok(None) => Ok(None),
        // An entry appended meanwhile (a session's transcript) took the next number.
        Err(err) if err.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION) => Ok(None),
        Err(err) => Err(classify(err)),
    }
}

/// Recomputes a ticket's search text (lowercased number, title, requester, description and
/// notes) and its n-gram tokens.
pub(super) fn refresh_search(tx: &mut Transaction<'_>, ticket_id: TicketId) -> StoreResult<()> {
    let row = tx
        .query_opt(
            "SELECT number, title, requester_name, description, \
             coalesce((SELECT string_agg(body, E'\\n' ORDER BY id) FROM ticket_notes WHERE ticket_id = tickets.id), '') \
             FROM tickets WHERE id = $1",
            &[&ticket_id.0],
        )
        .map_err(classify)?;
    let Some(row) = row else { return Ok(()) };
    let texts: Vec<String> = (0..5).map(|index| row.text(index)).collect::<StoreResult<_>>()?;
    let fields: Vec<&str> = texts.iter().map(String::as_str).collect();
    let tokens = index_tokens(&fields);
    let text = texts.join("\n").to_lowercase();
    let signature = TokenSignature::of(&tokens);
    tx.execute(
        "UPDATE tickets SET search_text = $2, search_tokens = $3, search_signature = $4 WHERE id = $1",
        &[&ticket_id.0, &text, &tokens, &signature],
    )
    .map_err(classify)?;
    Ok(())
}

/// Locks the ticket's row until the transaction ends ([`append_event`] needs it).
pub(super) fn lock_ticket_row(tx: &mut Transaction<'_>, ticket_id: TicketId) -> StoreResult<()> {
    let locked = tx.query_opt("SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE", &[&ticket_id.0]).map_err(classify)?;
    if locked.is_none() {
        return Err(StoreError::TicketNotFound(ticket_id.to_string()));
    }
    Ok(())
}

/// Appends one timeline entry; returns its sequence number. The caller holds the ticket's row
/// lock (it inserted, updated or locked the row in this transaction), so two consoles appending
/// at once get consecutive numbers.
pub(super) fn append_event(
    tx: &mut Transaction<'_>,
    ticket_id: TicketId,
    at_ms: i64,
    actor: (ActorKind, &str),
    event: &TimelineEvent,
) -> StoreResult<i64> {
    append_event_notifying(tx, ticket_id, at_ms, actor, event, None)
}

/// [`append_event`], sending `notice` (see [`notify`]) in the same statement when given: one
/// round trip less on every edit.
pub(super) fn append_event_notifying(
    tx: &mut Transaction<'_>,
    ticket_id: TicketId,
    at_ms: i64,
    (actor_kind, actor): (ActorKind, &str),
    event: &TimelineEvent,
    notice: Option<&DeskNotice>,
) -> StoreResult<i64> {
    let (kind, payload) = event.to_stored();
    let payload = payload.to_string();
    let actor_kind = actor_kind.as_str();
    let insert = "INSERT INTO ticket_events (ticket_id, seq, at_ms, actor, actor_kind, kind, payload) \
                  SELECT $1, coalesce(max(seq), 0) + 1, $2, $3, $4, $5, $6 FROM ticket_events WHERE ticket_id = $1 \
                  RETURNING seq";
    let mut params: Vec<(&(dyn ToSql + Sync), Type)> = vec![
        (&ticket_id.0, Type::INT8),
        (&at_ms, Type::INT8),
        (&actor, Type::TEXT),
        (&actor_kind, Type::TEXT),
        (&kind, Type::TEXT),
        (&payload, Type::TEXT),
    ];
    let notice_payload = notice.map(notice_json).transpose()?;
    let sql = match &notice_payload {
        Some(notice_payload) => {
            params.push((&NOTIFY_CHANNEL, Type::TEXT));
            params.push((notice_payload, Type::TEXT));
            format!("WITH appended AS ({insert}) SELECT seq, pg_notify($7, $8) FROM appended")
        }
        None => insert.to_owned(),
    };
    let seq: i64 = tx.query_typed_one(&sql, &params).map_err(classify)?.try_get(0).map_err(classify)?;
    Ok(seq)
}

/// How an applied change is written: by whom and when, under which SLA policy, what else the
/// row gets, and the notice it sends.
pub(super) struct Edit<'a> {
    /// Who made it.
    pub actor: &'a str,
    /// When, unix ms.
    pub now_ms: i64,
    /// The SLA in force.
    pub policy: &'a SlaPolicy,
    /// Team or claimer set on the row.
    pub extras: RowExtras<'a>,
    /// The notice the other consoles get (with the written version and the team).
    pub notice: DeskNoticeKind,
}

/// Writes an applied change: changed columns, the note it adds (search text refreshed), its
/// timeline events, and the notice (sent with the last event, or alone when there is none);
/// returns the ticket as written.
pub(super) fn record_change(
    tx: &mut Transaction<'_>,
    before: &DeskTicket,
    after: &Ticket,
    events: &[TimelineEvent],
    edit: &Edit<'_>,
) -> StoreResult<DeskTicket> {
    let (actor, now_ms) = (edit.actor, edit.now_ms);
    let written = save_changed(tx, &before.ticket, before.version, after, edit.policy, edit.extras)?;
    // Only the searched fields (the number never changes) call for new search entries.
    let (old, new) = (&before.ticket.fields, &after.fields);
    let mut reindex =
        (&old.title, &old.requester_name, &old.description) != (&new.title, &new.requester_name, &new.description);
    for event in events {
        if let TimelineEvent::NoteAdded { text } = event {
            tx.execute(
                "INSERT INTO ticket_notes (ticket_id, at_ms, author, body) VALUES ($1, $2, $3, $4)",
                &[&after.id.0, &now_ms, &actor, text],
            )
            .map_err(classify)?;
            reindex = true;
        }
    }
    if reindex {
        refresh_search(tx, after.id)?;
    }
    let notice = DeskNotice {
        ticket: after.id,
        kind: edit.notice,
        version: Some(written.version),
        actor: actor.to_owned(),
        team: edit.extras.team.map(str::to_owned),
        at_ms: now_ms,
    };
    let Some((last, earlier)) = events.split_last() else {
        send_notice(tx, &notice)?;
        return Ok(written);
    };
    for event in earlier {
        append_event(tx, after.id, now_ms, (event.default_actor_kind(), actor), event)?;
    }
    append_event_notifying(tx, after.id, now_ms, (last.default_actor_kind(), actor), last, Some(&notice))?;
    Ok(written)
}

/// Tells every listening console about a change, delivered when the transaction commits.
pub(super) fn notify(
    tx: &mut Transaction<'_>,
    ticket: TicketId,
    kind: DeskNoticeKind,
    version: Option<TicketVersion>,
    actor: &str,
    team: Option<&str>,
    at_ms: i64,
) -> StoreResult<()> {
    let notice = DeskNotice { ticket, kind, version, actor: actor.to_owned(), team: team.map(str::to_owned), at_ms };
    send_notice(tx, &notice)
}

fn notice_json(notice: &DeskNotice) -> StoreResult<String> {
    serde_json::to_string(notice).map_err(|err| StoreError::Postgres(err.to_string()))
}

fn send_notice(tx: &mut Transaction<'_>, notice: &DeskNotice) -> StoreResult<()> {
    let payload = notice_json(notice)?;
    tx.execute_typed("SELECT pg_notify($1, $2)", &[(&NOTIFY_CHANNEL, Type::TEXT), (&payload, Type::TEXT)])
        .map_err(classify)?;
    Ok(())
}
