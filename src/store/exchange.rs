//! Export of all tickets (JSON with notes and timeline, or flat CSV) and import of such files.
//! Imports are all-or-nothing: one bad record and nothing is written.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::history::{HistoryEntry, append, event_kind};
use super::sla::SlaClock;
use super::ticket::{Category, Grade, MAX_LINE_CHARS, Priority, Status, Ticket, TicketFields};
use super::tickets::{MAX_TIER, TICKET_COLUMNS, insert_record, reserve_number, ticket_from_row};
use super::{Store, StoreError, StoreResult};

/// Largest file `import` reads.
const MAX_IMPORT_BYTES: u64 = 1 << 30;
/// Marks a Stepwise JSON export.
const FORMAT_NAME: &str = "stepwise-tickets";
const FORMAT_VERSION: i64 = 1;

/// File formats for export and import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// Every ticket with its notes and full timeline.
    Json,
    /// One row per ticket, intake and workflow fields only.
    Csv,
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Tickets added.
    pub imported: usize,
    /// Numbers already in the store, left as they were.
    pub skipped_existing: Vec<String>,
}

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

fn parse_rfc3339(text: &str, what: &str) -> Result<i64, String> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|at| at.timestamp_millis())
        .map_err(|err| format!("{what} {text:?} is not an RFC 3339 time ({err})"))
}

impl Store {
    /// Every ticket, oldest first.
    fn all_tickets(&self) -> StoreResult<Vec<Ticket>> {
        let mut stmt = self.conn.prepare(&format!("SELECT {TICKET_COLUMNS} FROM tickets ORDER BY id"))?;
        let rows = stmt.query_map([], ticket_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Writes every ticket to `out` in `format`; returns how many.
    pub fn export_tickets(&self, format: ExportFormat, out: &mut dyn Write, now_ms: i64) -> StoreResult<usize> {
        let tickets = self.all_tickets()?;
        let count = tickets.len();
        let io_err = |source: std::io::Error| StoreError::Io { context: "cannot write the export".into(), source };
        match format {
            ExportFormat::Json => {
                let mut exported = Vec::with_capacity(count);
                for ticket in tickets {
                    let notes = self
                        .notes(ticket.id)?
                        .into_iter()
                        .map(|(at_ms, author, text)| ExportedNote { at_ms, author, text })
                        .collect();
                    let history = self.history(ticket.id)?;
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
                        number: ticket.number,
                        title: ticket.fields.title,
                        requester_name: ticket.fields.requester_name,
                        department: ticket.fields.department,
                        contact: ticket.fields.contact,
                        location: ticket.fields.location,
                        affected_system: ticket.fields.affected_system,
                        affected_version: ticket.fields.affected_version,
                        description: ticket.fields.description,
                        expectation: ticket.fields.expectation,
                        business_impact: ticket.fields.business_impact,

                        category: ticket.category,
                        urgency: ticket.urgency,
                        impact: ticket.impact,
                        priority: ticket.priority,
                        status: ticket.status,
                        assignee: ticket.assignee,
                        tier: ticket.tier,
                        resolution: ticket.resolution,
                        satisfaction: ticket.satisfaction,
                        satisfaction_comment: ticket.satisfaction_comment,
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

    /// Exports to a file, writing a temporary file first so an existing file is never left
    /// half-written.
    pub fn export_to_path(&self, format: ExportFormat, path: &Path, now_ms: i64) -> StoreResult<usize> {
        let tmp = path.with_extension("stepwise-partial");
        let io_err = |context: String| move |source| StoreError::Io { context, source };
        let mut file = std::io::BufWriter::new(
            std::fs::File::create(&tmp).map_err(io_err(format!("cannot create {}", tmp.display())))?,
        );
        let count = self.export_tickets(format, &mut file, now_ms);
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
        let source = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
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
        for (index, record) in records.iter().enumerate() {
            validate_record(record)
                .map_err(|why| StoreError::Import(format!("ticket {} ({}): {why}", index + 1, record.ticket.number)))?;
        }
        let policy = self.policy;
        self.write(|tx| {
            let mut report = ImportReport::default();
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
                        rusqlite::params![id, note.at_ms, note.author, note.text],
                    )?;
                }
                for entry in &record.history {
                    append(tx, id, entry.at_ms, &entry.actor, &entry.kind, &entry.payload)?;
                }
                append(tx, id, now_ms, actor, event_kind::IMPORTED, &json!({ "source": source }))?;
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

fn parse_csv(text: &str, policy: &super::sla::SlaPolicy) -> StoreResult<Vec<ExportedTicket>> {
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
                id: 0,
                fields: TicketFields {
                    title: row.title,
                    requester_name: row.requester_name,
                    department: row.department,
                    contact: row.contact,
                    location: row.location,
                    affected_system: row.affected_system,
                    affected_version: row.affected_version,
                    description: row.description,
                    expectation: row.expectation,
                    business_impact: row.business_impact,
                },
                number: row.number,
                category: row.category,
                urgency: row.urgency,
                impact: row.impact,
                priority,
                status: row.status,
                assignee: row.assignee.filter(|name| !name.trim().is_empty()),
                tier: row.tier,
                resolution: row.resolution,
                satisfaction: row.satisfaction,
                satisfaction_comment: row.satisfaction_comment,
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

fn validate_record(record: &ExportedTicket) -> Result<(), String> {
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
    let sla = &ticket.sla;
    if sla.response_target_ms <= 0 || sla.resolution_target_ms <= 0 || sla.paused_total_ms < 0 {
        return Err("the SLA clock values are invalid".into());
    }
    if record.history.iter().any(|entry| entry.kind.is_empty() || entry.kind.len() > 64) {
        return Err("a history entry has no valid event name".into());
    }
    Ok(())
}
