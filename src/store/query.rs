//! Listing and searching tickets for the sidebar: filters, full-text search (English and
//! Chinese through FTS5 trigrams), SLA-urgency order, pages.

use rusqlite::types::Value;
use serde::{Deserialize, Serialize};

use super::search_text::{self, ShortTerm};
use super::sla::SlaClock;
use super::ticket::{Category, Priority, Status};
use super::tickets::parse_column;
use super::{Store, StoreResult};

/// The "SLA" filter of the sidebar.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SlaFilter {
    /// No SLA filter.
    #[default]
    Any,
    /// At risk or already breached.
    AtRiskOrBreached,
    /// Breached only.
    Breached,
}

/// What the sidebar shows: all set filters must match.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketFilter {
    /// Free text over number, title, requester, description and notes.
    pub text: String,
    /// Only this status.
    pub status: Option<Status>,
    /// Only open tickets (not resolved or closed), when no status is chosen.
    pub open_only: bool,
    /// Only this priority.
    pub priority: Option<Priority>,
    /// Only this category.
    pub category: Option<Category>,
    /// Only this assignee; `Some("")` means unassigned.
    pub assignee: Option<String>,
    /// SLA state.
    pub sla: SlaFilter,
}

/// One sidebar row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TicketSummary {
    /// Database id.
    pub id: i64,
    /// Ticket number.
    pub number: String,
    /// Title.
    pub title: String,
    /// Requester.
    pub requester_name: String,
    /// Priority.
    pub priority: Priority,
    /// Status.
    pub status: Status,
    /// Assignee.
    pub assignee: Option<String>,
    /// The SLA clock, read at draw time so the countdown ticks.
    pub sla: SlaClock,
}

const SUMMARY_COLUMNS: &str = "id, number, title, requester_name, priority, status, assignee, sla_started_at_ms, \
    sla_response_target_ms, sla_resolution_target_ms, sla_responded_at_ms, sla_paused_total_ms, sla_paused_since_ms";

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
fn like_pattern(term: &str) -> String {
    let mut pattern = String::with_capacity(term.len() + 2);
    pattern.push('%');
    for ch in term.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    pattern
}

/// Builds the WHERE clause and its parameters for a filter at `now_ms`.
fn where_clause(filter: &TicketFilter, now_ms: i64) -> (String, Vec<Value>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let mut bind = |clause: &str, value: Value, clauses: &mut Vec<String>| {
        values.push(value);
        clauses.push(clause.replace('?', &format!("?{}", values.len())));
    };
    if let Some(status) = filter.status {
        bind("status = ?", Value::Text(status.as_str().into()), &mut clauses);
    } else if filter.open_only {
        clauses.push("status NOT IN ('resolved', 'closed')".into());
    }
    if let Some(priority) = filter.priority {
        bind("priority = ?", Value::Text(priority.as_str().into()), &mut clauses);
    }
    if let Some(category) = filter.category {
        bind("category = ?", Value::Text(category.as_str().into()), &mut clauses);
    }
    match filter.assignee.as_deref() {
        Some("") => clauses.push("assignee IS NULL".into()),
        Some(name) => bind("assignee = ?", Value::Text(name.into()), &mut clauses),
        None => {}
    }
    match filter.sla {
        SlaFilter::Any => {}
        SlaFilter::AtRiskOrBreached => bind("sla_at_risk_from_ms <= ?", Value::Integer(now_ms), &mut clauses),
        SlaFilter::Breached => bind("sla_breach_at_ms <= ?", Value::Integer(now_ms), &mut clauses),
    }
    // Terms of three or more characters use the trigram index; shorter ones (common in Chinese:
    // 打印, 网络) use the word/bigram index; a short term mixing scripts falls back to LIKE.
    let mut trigram_terms = Vec::new();
    let mut short_terms = Vec::new();
    let mut like_clauses = Vec::new();
    for term in filter.text.split_whitespace() {
        let quoted = format!("\"{}\"", term.replace('"', "\"\""));
        match search_text::short_term_kind(term) {
            ShortTerm::NotShort => trigram_terms.push(quoted),
            ShortTerm::CjkPair => short_terms.push(quoted),
            ShortTerm::Prefix => short_terms.push(format!("{quoted}*")),
            ShortTerm::Mixed => {
                values.push(Value::Text(like_pattern(term)));
                let n = values.len();
                like_clauses.push(format!(
                    "(number LIKE ?{n} ESCAPE '\\' OR title LIKE ?{n} ESCAPE '\\' OR requester LIKE ?{n} ESCAPE '\\' \
                     OR description LIKE ?{n} ESCAPE '\\' OR notes LIKE ?{n} ESCAPE '\\')"
                ));
            }
        }
    }
    if !trigram_terms.is_empty() || !like_clauses.is_empty() {
        let mut parts = like_clauses;
        if !trigram_terms.is_empty() {
            values.push(Value::Text(trigram_terms.join(" AND ")));
            parts.insert(0, format!("ticket_search MATCH ?{}", values.len()));
        }
        clauses.push(format!("id IN (SELECT rowid FROM ticket_search WHERE {})", parts.join(" AND ")));
    }
    if !short_terms.is_empty() {
        values.push(Value::Text(short_terms.join(" AND ")));
        clauses.push(format!(
            "id IN (SELECT rowid FROM ticket_search_short WHERE ticket_search_short MATCH ?{})",
            values.len()
        ));
    }
    let sql = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    (sql, values)
}

impl Store {
    /// A page of matching tickets, most urgent first (see [`SlaClock::urgency_key`]).
    pub fn list_tickets(
        &self,
        filter: &TicketFilter,
        offset: i64,
        limit: i64,
        now_ms: i64,
    ) -> StoreResult<Vec<TicketSummary>> {
        let (where_sql, mut values) = where_clause(filter, now_ms);
        values.push(Value::Integer(limit.clamp(0, 10_000)));
        values.push(Value::Integer(offset.max(0)));
        let n = values.len();
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM tickets {where_sql} ORDER BY urgency_key, id LIMIT ?{} OFFSET ?{n}",
            n - 1
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(values), |row| {
            Ok(TicketSummary {
                id: row.get(0)?,
                number: row.get(1)?,
                title: row.get(2)?,
                requester_name: row.get(3)?,
                priority: parse_column(row, 4, Priority::parse)?,
                status: parse_column(row, 5, Status::parse)?,
                assignee: row.get(6)?,
                sla: SlaClock {
                    started_at_ms: row.get(7)?,
                    response_target_ms: row.get(8)?,
                    resolution_target_ms: row.get(9)?,
                    responded_at_ms: row.get(10)?,
                    paused_total_ms: row.get(11)?,
                    paused_since_ms: row.get(12)?,
                },
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many tickets match.
    pub fn count_tickets(&self, filter: &TicketFilter, now_ms: i64) -> StoreResult<i64> {
        let (where_sql, values) = where_clause(filter, now_ms);
        let sql = format!("SELECT count(*) FROM tickets {where_sql}");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        Ok(stmt.query_row(rusqlite::params_from_iter(values), |row| row.get(0))?)
    }

    /// Everyone tickets are assigned to, for the assignee filter.
    pub fn assignees(&self) -> StoreResult<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT DISTINCT assignee FROM tickets WHERE assignee IS NOT NULL ORDER BY assignee")?;
        let rows = stmt.query_map([], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Total number of tickets.
    pub fn ticket_count(&self) -> StoreResult<i64> {
        Ok(self.conn.query_row("SELECT count(*) FROM tickets", [], |row| row.get(0))?)
    }
}
