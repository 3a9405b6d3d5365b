//! Listing and searching tickets for the sidebar: filters, full-text search (English and
//! Chinese through FTS5 trigrams), SLA-urgency order, pages.

use super::search_text::{self, ShortTerm};
use super::{Store, StoreResult};
use crate::model::{DeskQuery, SlaFilter, TicketFilter, TicketId, TicketSummary};
use rusqlite::ToSql;
use rusqlite::types::{ToSqlOutput, Value};
use rusqlite::vtab::array::Array;

pub(super) const SUMMARY_COLUMNS: &str = "id, number, title, requester_name, priority, status, assignee, sla_started_at_ms, \
    sla_response_target_ms, sla_resolution_target_ms, sla_responded_at_ms, sla_paused_total_ms, sla_paused_since_ms";

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub(super) fn like_pattern(term: &str) -> String {
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

/// One SQL parameter: a plain value, or the ids a text search matched (`rarray(?)`).
enum Param {
    Value(Value),
    Ids(Array),
}

impl ToSql for Param {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self {
            Param::Value(value) => value.to_sql(),
            Param::Ids(ids) => ids.to_sql(),
        }
    }
}

/// The full-text part of a search, split by index.
#[derive(Default)]
struct TextQuery {
    /// Terms of three characters or more, for the trigram index (`MATCH` syntax).
    trigram: Vec<String>,
    /// Two-character Chinese words and one- or two-character prefixes, for the short index.
    short: Vec<String>,
    /// Short terms mixing scripts: scanned with LIKE.
    like: Vec<String>,
}

impl TextQuery {
    fn parse(text: &str) -> Self {
        // Terms of three or more characters use the trigram index; shorter ones (common in
        // Chinese: 打印, 网络) use the word/bigram index; a short term mixing scripts falls back
        // to LIKE.
        let mut query = Self::default();
        for term in text.split_whitespace() {
            let quoted = format!("\"{}\"", term.replace('"', "\"\""));
            match search_text::short_term_kind(term) {
                ShortTerm::NotShort => query.trigram.push(quoted),
                ShortTerm::CjkPair => query.short.push(quoted),
                ShortTerm::Prefix => query.short.push(format!("{quoted}*")),
                ShortTerm::Mixed => query.like.push(like_pattern(term)),
            }
        }
        query
    }

    fn uses_an_index(&self) -> bool {
        !self.trigram.is_empty() || !self.short.is_empty()
    }
}

/// A filter as SQL: the WHERE clause and its parameters.
struct Selection {
    sql: String,
    params: Vec<Param>,
    /// Whether the filter is nothing but indexed text terms (so the match count is the total).
    text_only: bool,
}

/// Builds the WHERE clause for a filter at `now_ms`; `matched` holds the ids the indexed text
/// terms matched, when there are any.
fn selection(query: &DeskQuery, now_ms: i64, text: &TextQuery, matched: Option<&Array>, dense: bool) -> Selection {
    let filter = &query.filter;
    let mut clauses: Vec<String> = Vec::new();
    let mut params: Vec<Param> = Vec::new();
    let mut bind = |clause: &str, param: Param, clauses: &mut Vec<String>| {
        params.push(param);
        clauses.push(clause.replace('?', &format!("?{}", params.len())));
    };
    if let Some(status) = filter.status {
        bind("status = ?", Param::Value(Value::Text(status.as_str().into())), &mut clauses);
    } else if filter.open_only {
        clauses.push("status NOT IN ('resolved', 'closed')".into());
    }
    if let Some(priority) = filter.priority {
        bind("priority = ?", Param::Value(Value::Text(priority.as_str().into())), &mut clauses);
    }
    if let Some(category) = filter.category {
        bind("category = ?", Param::Value(Value::Text(category.as_str().into())), &mut clauses);
    }
    match filter.assignee.as_deref() {
        Some("") => clauses.push("assignee IS NULL".into()),
        Some(name) => bind("assignee = ?", Param::Value(Value::Text(name.into())), &mut clauses),
        None => {}
    }
    if let Some(engineer) = query.assigned_to {
        bind("assignee_id = ?", Param::Value(Value::Integer(engineer.0)), &mut clauses);
    }
    if let Some(team) = &query.team {
        bind("team = ?", Param::Value(Value::Text(team.clone())), &mut clauses);
    }
    match filter.sla {
        SlaFilter::Any => {}
        SlaFilter::AtRiskOrBreached => {
            bind("sla_at_risk_from_ms <= ?", Param::Value(Value::Integer(now_ms)), &mut clauses);
        }
        SlaFilter::Breached => bind("sla_breach_at_ms <= ?", Param::Value(Value::Integer(now_ms)), &mut clauses),
    }
    let text_only = clauses.is_empty() && text.like.is_empty();
    for pattern in &text.like {
        params.push(Param::Value(Value::Text(pattern.clone())));
        let n = params.len();
        clauses.push(format!(
            "id IN (SELECT rowid FROM ticket_search WHERE number LIKE ?{n} ESCAPE '\\' OR title LIKE ?{n} ESCAPE '\\' \
             OR requester LIKE ?{n} ESCAPE '\\' OR description LIKE ?{n} ESCAPE '\\' OR notes LIKE ?{n} ESCAPE '\\')"
        ));
    }
    if let Some(ids) = matched {
        params.push(Param::Ids(ids.clone()));
        // Many matches: walk the urgency index and test each id (`+id` keeps SQLite from
        // looking every match up and sorting them); few: look them up.
        let column = if dense { "+id" } else { "id" };
        clauses.push(format!("{column} IN rarray(?{})", params.len()));
    }
    let sql = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    Selection { sql, params, text_only }
}

/// Above this many matches, a page is found by walking the urgency index.
const DENSE_MATCHES: usize = 2_000;

/// A sidebar row from the first columns of `SUMMARY_COLUMNS`.
fn summary_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<TicketSummary> {
    super::row_columns::summary_from(row)
}

impl Store {
    /// The ids the indexed text terms match (each index evaluated once, intersected); `None`
    /// when the search has no indexed terms.
    fn text_matches(&self, text: &TextQuery) -> StoreResult<Option<Vec<i64>>> {
        let mut matched: Option<Vec<i64>> = None;
        for (table, terms) in [("ticket_search", &text.trigram), ("ticket_search_short", &text.short)] {
            if terms.is_empty() {
                continue;
            }
            let sql = format!("SELECT rowid FROM {table} WHERE {table} MATCH ?1 ORDER BY rowid");
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let ids = stmt.query_map([terms.join(" AND ")], |row| row.get::<_, i64>(0))?;
            let ids: Vec<i64> = ids.collect::<Result<_, _>>()?;
            matched = Some(match matched {
                None => ids,
                Some(earlier) => {
                    let keep: std::collections::HashSet<i64> = ids.into_iter().collect();
                    earlier.into_iter().filter(|id| keep.contains(id)).collect()
                }
            });
        }
        Ok(matched)
    }

    /// The filter as SQL with the text search already evaluated, and how many tickets the
    /// indexed terms matched; `None` when they matched nothing.
    fn prepare_selection(&self, query: &DeskQuery, now_ms: i64) -> StoreResult<Option<(Selection, Option<usize>)>> {
        let text = TextQuery::parse(&query.filter.text);
        let matched = if text.uses_an_index() { self.text_matches(&text)? } else { None };
        if matched.as_ref().is_some_and(Vec::is_empty) {
            return Ok(None);
        }
        let match_count = matched.as_ref().map(Vec::len);
        let dense = match_count.is_some_and(|count| count > DENSE_MATCHES);
        let ids: Option<Array> =
            matched.map(|ids| std::rc::Rc::new(ids.into_iter().map(Value::Integer).collect::<Vec<_>>()));
        Ok(Some((selection(query, now_ms, &text, ids.as_ref(), dense), match_count)))
    }

    fn page(&self, selection: Selection, offset: i64, limit: i64) -> StoreResult<Vec<TicketSummary>> {
        let Selection { sql: where_sql, mut params, .. } = selection;
        params.push(Param::Value(Value::Integer(limit.clamp(0, 10_000))));
        params.push(Param::Value(Value::Integer(offset.max(0))));
        let n = params.len();
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM tickets {where_sql} ORDER BY urgency_key, id LIMIT ?{} OFFSET ?{n}",
            n - 1
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(params), summary_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn count(&self, selection: &Selection) -> StoreResult<i64> {
        let sql = format!("SELECT count(*) FROM tickets {}", selection.sql);
        let mut stmt = self.conn.prepare_cached(&sql)?;
        Ok(stmt.query_row(rusqlite::params_from_iter(&selection.params), |row| row.get(0))?)
    }

    /// A page of matching tickets, most urgent first (see [`SlaClock::urgency_key`]).
    pub fn list_tickets(
        &self,
        filter: &TicketFilter,
        offset: i64,
        limit: i64,
        now_ms: i64,
    ) -> StoreResult<Vec<TicketSummary>> {
        self.query_page(&DeskQuery::from(filter.clone()), offset, limit, now_ms)
    }

    /// A page of tickets matching a team-desk query, most urgent first.
    pub fn query_page(
        &self,
        query: &DeskQuery,
        offset: i64,
        limit: i64,
        now_ms: i64,
    ) -> StoreResult<Vec<TicketSummary>> {
        match self.prepare_selection(query, now_ms)? {
            Some((selection, _)) => self.page(selection, offset, limit),
            None => Ok(Vec::new()),
        }
    }

    /// How many tickets match, and the first `limit` of them, most urgent first. The full-text
    /// indexes are consulted once for both; when the search is only text, the number of
    /// matches is the count.
    pub fn first_page(&self, filter: &TicketFilter, limit: i64, now_ms: i64) -> StoreResult<(i64, Vec<TicketSummary>)> {
        self.query_first_page(&DeskQuery::from(filter.clone()), limit, now_ms)
    }

    /// [`Store::first_page`] for a team-desk query ("assigned to me", "my team").
    pub fn query_first_page(
        &self,
        query: &DeskQuery,
        limit: i64,
        now_ms: i64,
    ) -> StoreResult<(i64, Vec<TicketSummary>)> {
        let Some((selection, match_count)) = self.prepare_selection(query, now_ms)? else {
            return Ok((0, Vec::new()));
        };
        let total = match match_count {
            Some(count) if selection.text_only => i64::try_from(count).unwrap_or(i64::MAX),
            _ => self.count(&selection)?,
        };
        Ok((total, self.page(selection, 0, limit)?))
    }

    /// How many tickets match.
    pub fn count_tickets(&self, filter: &TicketFilter, now_ms: i64) -> StoreResult<i64> {
        match self.prepare_selection(&DeskQuery::from(filter.clone()), now_ms)? {
            Some((selection, _)) => self.count(&selection),
            None => Ok(0),
        }
    }

    /// The sidebar rows of these tickets, most urgent first; unknown ids are left out.
    pub fn summaries_of(&self, ticket_ids: &[TicketId]) -> StoreResult<Vec<TicketSummary>> {
        let ids: Array = std::rc::Rc::new(ticket_ids.iter().map(|id| Value::Integer(id.0)).collect::<Vec<_>>());
        let sql = format!("SELECT {SUMMARY_COLUMNS} FROM tickets WHERE id IN rarray(?1) ORDER BY urgency_key, id");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([Param::Ids(ids)], summary_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
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
