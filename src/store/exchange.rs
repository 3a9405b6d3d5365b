//! Export of all tickets (JSON with notes and timeline, or flat CSV) and import of such files.
//! Imports are all-or-nothing: one bad record and nothing is written.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::history::append;
use super::tickets::{TICKET_COLUMNS, insert_record, reserve_number, ticket_from_row};
use super::{Store, StoreError, StoreResult};
use crate::model::{
    Category, ExportFormat, Grade, HistoryEntry, ImportReport, MAX_LINE_CHARS, MAX_TIER, Note, Priority, SlaClock,
    SlaPolicy, Status, Ticket, TicketFields, TicketId, TimelineEvent,
};

/// Largest file `import` reads.
const MAX_IMPORT_BYTES: u64 = 1 << 30;
/// Marks a Stepwise JSON export.
const FORMAT_NAME: &str = "stepwise-tickets";
const FORMAT_VERSION: i64 = 1;
/// Earliest plausible time in an import file: 2000-01-01T00:00:00Z.
const EARLIEST_PLAUSIBLE_MS: i64 = 946_684_800_000;
/// How far ahead of this computer's clock an imported time may lie (clocks differ a little).
const MAX_CLOCK_SKEW_MS: i64 = 10 * 60 * 1000;
/// Longest plausible SLA target: a year.
const MAX_SLA_TARGET_MS: i64 = 366 * 24 * 60 * 60 * 1000;
/// Characters that make a spreadsheet treat a cell as a formula (or hide it in one); CSV cells
/// starting with one of these, or with the escape itself, get [`CSV_ESCAPE`] in front.
const CSV_FORMULA_STARTS: [char; 7] = ['=', '+', '-', '@', '\t', '\r', CSV_ESCAPE];
/// The prefix that makes a spreadsheet show a cell as text; removed again on import.
const CSV_ESCAPE: char = '\'';

/// One note in an export.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct ExportedNote {
    at_ms: i64,
    author: String,
    text: String,
}

/// One ticket in a JSON export.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct ExportedTicket {
    #[serde(flatten)]
    ticket: Ticket,
    #[serde(default)]
    notes: Vec<ExportedNote>,
    #[serde(default)]
    history: Vec<HistoryEntry>,
}

#[derive(Serialize, Deserialize)]
struct ExportFile {
    format: String,
    version: i64,
    exported_at_ms: i64,
    tickets: Vec<ExportedTicket>,
}

/// One ticket in a CSV export.
#[derive(Serialize, Deserialize)]
struct CsvTicket {
    number: String,
    title: String,
    requester_name: String,
    department: String,
    contact: String,
    location: String,
    affected_system: String,
    affected_version: String,
    description: String,
    expectation: String,
    business_impact: String,
    category: Category,
    urgency: Grade,
    impact: Grade,
    priority: Priority,
    status: Status,
    assignee: Option<String>,
    tier: i64,
    resolution: String,
    satisfaction: Option<i64>,
    satisfaction_comment: String,
    reported_at: String,
    created_at: String,
    updated_at: String,
}

fn rfc3339(at_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(at_ms).map(|at| at.to_rfc3339()).unwrap_or_default()
}

/// `text` made safe for a spreadsheet: a cell that would start a formula gets [`CSV_ESCAPE`]
/// in front (and so does one that starts with the escape, so the import can undo it exactly).
pub fn csv_cell(text: String) -> String {
    if text.starts_with(CSV_FORMULA_STARTS) { format!("{CSV_ESCAPE}{text}") } else { text }
}

/// Undoes [`csv_cell`].
fn csv_value(text: String) -> String {
    match text.strip_prefix(CSV_ESCAPE) {
        Some(rest) if rest.starts_with(CSV_FORMULA_STARTS) => rest.to_owned(),
        _ => text,
    }
}

fn parse_rfc3339(text: &str, what: &str) -> Result<i64, String> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|at| at.timestamp_millis())
        .map_err(|err| format!("{what} {text:?} is not an RFC 3339 time ({err})"))
}

/// The notes and the whole timeline of one ticket, for an export.
pub(super) type TicketDetails<'a> = dyn FnMut(TicketId) -> StoreResult<(Vec<Note>, Vec<HistoryEntry>)> + 'a;

/// Writes `tickets` to `out` in `format` (JSON with each ticket's notes and timeline from
/// `details`, or CSV); returns how many.
pub(super) fn write_tickets(
    tickets: Vec<Ticket>,
    details: &mut TicketDetails<'_>,
    format: ExportFormat,
    out: &mut dyn Write,
    now_ms: i64,
) -> StoreResult<usize> {
    let count = tickets.len();
    let io_err = |source: std::io::Error| StoreError::Io { context: "cannot write the export".into(), source };
    match format {
        ExportFormat::Json => {
            let mut exported = Vec::with_capacity(count);
            for ticket in tickets {
                let (notes, history) = details(ticket.id)?;
                let notes = notes
                    .into_iter()
                    .map(|note| ExportedNote { at_ms: note.at_ms, author: note.author, text: note.text })
                    .collect();
                exported.push(ExportedTicket { ticket, notes, history });
            }
            let file = ExportFile {
                format: FORMAT_NAME.into(),
                version: FORMAT_VERSION,
                exported_at_ms: now_ms,
                tickets: exported,
            };
            serde_json::to_writer_pretty(&mut *out, &file).map_err(|err| io_err(err.into()))?;
            out.write_all(b"\n").map_err(io_err)?;
        }
        ExportFormat::Csv => {
            let mut writer = csv::Writer::from_writer(&mut *out);
            for ticket in tickets {
                let row = CsvTicket {
                    number: csv_cell(ticket.number),
                    title: csv_cell(ticket.fields.title),
                    requester_name: csv_cell(ticket.fields.requester_name),
                    department: csv_cell(ticket.fields.department),
                    contact: csv_cell(ticket.fields.contact),
                    location: csv_cell(ticket.fields.location),
                    affected_system: csv_cell(ticket.fields.affected_system),
                    affected_version: csv_cell(ticket.fields.affected_version),
                    description: csv_cell(ticket.fields.description),
                    expectation: csv_cell(ticket.fields.expectation),
                    business_impact: csv_cell(ticket.fields.business_impact),

                    category: ticket.category,
                    urgency: ticket.urgency,
                    impact: ticket.impact,
                    priority: ticket.priority,
                    status: ticket.status,
                    assignee: ticket.assignee.map(csv_cell),
                    tier: ticket.tier,
                    resolution: csv_cell(ticket.resolution),
                    satisfaction: ticket.satisfaction,
                    satisfaction_comment: csv_cell(ticket.satisfaction_comment),
                    reported_at: rfc3339(ticket.reported_at_ms),
                    created_at: rfc3339(ticket.created_at_ms),
                    updated_at: rfc3339(ticket.updated_at_ms),
                };
                writer.serialize(row).map_err(|err| io_err(std::io::Error::other(err)))?;
            }
            writer.flush().map_err(io_err)?;
        }
    }
    Ok(count)
}

/// Writes a file through a temporary one beside it, so an existing file is never left
/// half-written; `write` returns how many tickets it wrote.
pub(super) fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> StoreResult<usize>,
) -> StoreResult<usize> {
    let tmp = path.with_extension("stepwise-partial");
    let io_err = |context: String| move |source| StoreError::Io { context, source };
    let mut file = std::io::BufWriter::new(
        std::fs::File::create(&tmp).map_err(io_err(format!("cannot create {}", tmp.display())))?,
    );
    let count = write(&mut file);
    let count = match count {
        Ok(count) => count,
        Err(err) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(err);
        }
    };
    file.into_inner()
        .map_err(|err| err.into_error())
        .and_then(|file| file.sync_all())
        .map_err(io_err(format!("cannot write {}", tmp.display())))?;
    std::fs::rename(&tmp, path).map_err(io_err(format!("cannot write {}", path.display())))?;
    Ok(count)
}

/// Exports every ticket of a desk (the console's own file or a team database) to a file.
pub fn export_desk_to_path(
    desk: &mut dyn super::desk::TicketDesk,
    format: ExportFormat,
    path: &Path,
    now_ms: i64,
) -> StoreResult<usize> {
    let tickets = desk.all_tickets()?;
    write_atomically(path, |out| {
        let mut details = |id| Ok((desk.desk_notes(id)?, desk.desk_history_page(id, None, u32::MAX)?));
        write_tickets(tickets, &mut details, format, out, now_ms)
    })
}

impl Store {
    /// Every ticket, oldest first.
    pub(super) fn every_ticket(&self) -> StoreResult<Vec<Ticket>> {
        let mut stmt = self.conn.prepare(&format!("SELECT {TICKET_COLUMNS} FROM tickets ORDER BY id"))?;
        let rows = stmt.query_map([], ticket_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Writes every ticket to `out` in `format`; returns how many.
    pub fn export_tickets(&self, format: ExportFormat, out: &mut dyn Write, now_ms: i64) -> StoreResult<usize> {
        let tickets = self.every_ticket()?;
        write_tickets(tickets, &mut |id| Ok((self.notes(id)?, self.history(id)?)), format, out, now_ms)
    }

    /// Exports to a file, writing a temporary file first so an existing file is never left
    /// half-written.
    pub fn export_to_path(&self, format: ExportFormat, path: &Path, now_ms: i64) -> StoreResult<usize> {
        write_atomically(path, |out| self.export_tickets(format, out, now_ms))
    }

    /// Imports a JSON or CSV export (format chosen by extension, else by content).
    pub fn import_from_path(&mut self, path: &Path, actor: &str, now_ms: i64) -> StoreResult<ImportReport> {
        let io_err = |source| StoreError::Io { context: format!("cannot read {}", path.display()), source };
        let size = std::fs::metadata(path).map_err(io_err)?.len();
        if size > MAX_IMPORT_BYTES {
            return Err(StoreError::Import(format!("{} is larger than {MAX_IMPORT_BYTES} bytes", path.display())));
        }
        let bytes = std::fs::read(path).map_err(io_err)?;
        let text = String::from_utf8(bytes).map_err(|err| {
            StoreError::Import(format!("the file is not UTF-8 text (byte {})", err.utf8_error().valid_up_to()))
        })?;
        let source = path.display().to_string();
        let is_csv = match path.extension().and_then(|ext| ext.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("csv") => true,
            Some(ext) if ext.eq_ignore_ascii_case("json") => false,
            _ => !text.trim_start().starts_with(['{', '[']),
        };
        let records = if is_csv { parse_csv(&text, &self.policy)? } else { parse_json(&text)? };
        self.import_records(records, &source, actor, now_ms)
    }

    fn import_records(
        &mut self,
        records: Vec<ExportedTicket>,
        source: &str,
        actor: &str,
        now_ms: i64,
    ) -> StoreResult<ImportReport> {
        let mut first_seen: HashMap<&str, usize> = HashMap::new();
        for (index, record) in records.iter().enumerate() {
            let number = record.ticket.number.as_str();
            validate_record(record, now_ms)
                .map_err(|why| StoreError::Import(format!("ticket {} ({number}): {why}", index + 1)))?;
            if let Some(first) = first_seen.insert(number, index) {
                return Err(StoreError::Import(format!(
                    "ticket {} ({number}): the number appears twice in the file (also ticket {})",
                    index + 1,
                    first + 1
                )));
            }
        }
        let policy = self.policy;
        self.write(|tx| {
            let mut report = ImportReport::default();
            tx.execute(
                "INSERT INTO imports (file, importer, at_ms) VALUES (?1, ?2, ?3)",
                rusqlite::params![source, actor, now_ms],
            )?;
            let import_id = tx.last_insert_rowid();
            for record in records {
                let exists: bool = tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM tickets WHERE number = ?1)",
                    [&record.ticket.number],
                    |row| row.get(0),
                )?;
                if exists {
                    report.skipped_existing.push(record.ticket.number);
                    continue;
                }
                reserve_number(tx, &record.ticket.number)?;
                let id = insert_record(tx, &record.ticket, &policy)?;
                for note in &record.notes {
                    tx.execute(
                        "INSERT INTO ticket_notes (ticket_id, at_ms, author, body) VALUES (?1, ?2, ?3, ?4)",
                        rusqlite::params![id.0, note.at_ms, note.author, note.text],
                    )?;
                }
                for entry in &record.history {
                    append(tx, id, entry.at_ms, &entry.actor, &entry.event)?;
                }
                // Everything the new ticket holds so far came from the file.
                tx.execute("UPDATE ticket_notes SET import_id = ?2 WHERE ticket_id = ?1", [id.0, import_id])?;
                tx.execute("UPDATE ticket_events SET import_id = ?2 WHERE ticket_id = ?1", [id.0, import_id])?;
                let imported = TimelineEvent::Imported {
                    source: source.to_owned(),
                    importer: actor.to_owned(),
                    imported_at_ms: now_ms,
                };
                append(tx, id, now_ms, actor, &imported)?;
                super::tickets::refresh_search(tx, id)?;
                report.imported += 1;
            }
            Ok(report)
        })
    }
}

fn parse_json(text: &str) -> StoreResult<Vec<ExportedTicket>> {
    let file: ExportFile =
        serde_json::from_str(text).map_err(|err| StoreError::Import(format!("not a Stepwise ticket export: {err}")))?;
    if file.format != FORMAT_NAME {
        return Err(StoreError::Import(format!("unknown format {:?}", file.format)));
    }
    if file.version > FORMAT_VERSION {
        return Err(StoreError::Import(format!(
            "written by a newer Stepwise (format version {}, this one reads {FORMAT_VERSION})",
            file.version
        )));
    }
    Ok(file.tickets)
}

fn parse_csv(text: &str, policy: &SlaPolicy) -> StoreResult<Vec<ExportedTicket>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut records = Vec::new();
    for (index, row) in reader.deserialize::<CsvTicket>().enumerate() {
        let line = index + 2;
        let row = row.map_err(|err| StoreError::Import(format!("CSV line {line}: {err}")))?;
        let times = (|| {
            Ok::<_, String>((
                parse_rfc3339(&row.reported_at, "reported_at")?,
                parse_rfc3339(&row.created_at, "created_at")?,
                parse_rfc3339(&row.updated_at, "updated_at")?,
            ))
        })();
        let (reported_at_ms, created_at_ms, updated_at_ms) =
            times.map_err(|why| StoreError::Import(format!("CSV line {line}: {why}")))?;
        let priority = Priority::from_grades(row.urgency, row.impact);
        // A CSV row has no timeline: the clock is rebuilt as if the last move happened at
        // `updated_at`.
        let mut sla = SlaClock::start(created_at_ms, policy, priority);
        sla.on_status(row.status, updated_at_ms.max(created_at_ms));
        records.push(ExportedTicket {
            ticket: Ticket {
                id: TicketId(0),
                fields: TicketFields {
                    title: csv_value(row.title),
                    requester_name: csv_value(row.requester_name),
                    department: csv_value(row.department),
                    contact: csv_value(row.contact),
                    location: csv_value(row.location),
                    affected_system: csv_value(row.affected_system),
                    affected_version: csv_value(row.affected_version),
                    description: csv_value(row.description),
                    expectation: csv_value(row.expectation),
                    business_impact: csv_value(row.business_impact),
                },
                number: csv_value(row.number),
                category: row.category,
                urgency: row.urgency,
                impact: row.impact,
                priority,
                status: row.status,
                assignee: row.assignee.filter(|name| !name.trim().is_empty()).map(csv_value),
                tier: row.tier,
                resolution: csv_value(row.resolution),
                satisfaction: row.satisfaction,
                satisfaction_comment: csv_value(row.satisfaction_comment),
                reported_at_ms,
                created_at_ms,
                updated_at_ms,
                sla,
            },
            notes: Vec::new(),
            history: Vec::new(),
        });
    }
    Ok(records)
}

/// A time for messages: RFC 3339 when it is one, else the raw number.
fn describe_time(at_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(at_ms).map_or_else(|| format!("{at_ms} ms"), |at| at.to_rfc3339())
}

/// Refuses `at_ms` outside `earliest..=latest`.
fn check_time(what: &str, at_ms: i64, earliest: i64, latest: i64) -> Result<(), String> {
    if at_ms < earliest {
        return Err(format!("{what} {} is before {}", describe_time(at_ms), describe_time(earliest)));
    }
    if at_ms > latest {
        return Err(format!("{what} {} is in the future", describe_time(at_ms)));
    }
    Ok(())
}

/// Refuses times that cannot be true: outside 2000..now, a ticket changed before it was
/// opened, history or notes dated before the ticket existed, SLA durations beyond a year.
fn validate_times(record: &ExportedTicket, now_ms: i64) -> Result<(), String> {
    let ticket = &record.ticket;
    let latest = now_ms.saturating_add(MAX_CLOCK_SKEW_MS);
    check_time("reported_at", ticket.reported_at_ms, EARLIEST_PLAUSIBLE_MS, latest)?;
    check_time("created_at", ticket.created_at_ms, EARLIEST_PLAUSIBLE_MS, latest)?;
    let created = ticket.created_at_ms;
    check_time("updated_at", ticket.updated_at_ms, created, latest)
        .map_err(|why| format!("{why} (the ticket was opened {})", describe_time(created)))?;
    let sla = &ticket.sla;
    check_time("the SLA clock's start", sla.started_at_ms, EARLIEST_PLAUSIBLE_MS, latest)?;
    if let Some(at_ms) = sla.responded_at_ms {
        check_time("the first response", at_ms, sla.started_at_ms, latest)?;
    }
    if let Some(at_ms) = sla.paused_since_ms {
        check_time("the SLA pause", at_ms, sla.started_at_ms, latest)?;
    }
    for (what, target_ms) in [("response", sla.response_target_ms), ("resolution", sla.resolution_target_ms)] {
        if !(1..=MAX_SLA_TARGET_MS).contains(&target_ms) {
            return Err(format!("the SLA {what} target of {target_ms} ms is not between 1 ms and a year"));
        }
    }
    if !(0..=latest.saturating_sub(sla.started_at_ms)).contains(&sla.paused_total_ms) {
        return Err(format!("the SLA clock was paused for {} ms, longer than the ticket exists", sla.paused_total_ms));
    }
    for note in &record.notes {
        check_time("a note", note.at_ms, created, latest)
            .map_err(|why| format!("{why} (the ticket was opened {})", describe_time(created)))?;
    }
    for entry in &record.history {
        check_time(&format!("history entry {} ({})", entry.seq, entry.event.kind()), entry.at_ms, created, latest)
            .map_err(|why| format!("{why} (the ticket was opened {})", describe_time(created)))?;
    }
    Ok(())
}

fn validate_record(record: &ExportedTicket, now_ms: i64) -> Result<(), String> {
    let ticket = &record.ticket;
    let number = ticket.number.trim();
    if number.is_empty() || number.chars().count() > MAX_LINE_CHARS {
        return Err("the ticket number is missing or too long".into());
    }
    if let Some(error) = ticket.fields.validate().first() {
        return Err(error.to_string());
    }
    if !(1..=MAX_TIER).contains(&ticket.tier) {
        return Err(format!("tier {} is not 1 to {MAX_TIER}", ticket.tier));
    }
    if ticket.satisfaction.is_some_and(|rating| !(1..=5).contains(&rating)) {
        return Err("a satisfaction rating is 1 to 5".into());
    }
    if ticket.priority != Priority::from_grades(ticket.urgency, ticket.impact) {
        return Err("the priority does not follow from urgency and impact".into());
    }
    validate_times(record, now_ms)?;
    if record.history.iter().any(|entry| {
        let kind = entry.event.kind();
        kind.is_empty() || kind.len() > 64
    }) {
        return Err("a history entry has no valid event name".into());
    }
    Ok(())
}
