//! Listing and searching the team database for the sidebar: the single desk's filters and
//! urgency order, with text found through the n-gram token array (GIN) and checked against the
//! search text, so 1–2 character Chinese words use the index like long ones.

use postgres::types::ToSql;

use super::{TeamStore, classify};
use crate::model::{DeskQuery, SlaFilter, TicketId, TicketSummary};
use crate::store::StoreResult;
use crate::store::query::SUMMARY_COLUMNS;
use crate::store::row_columns::summary_from;
use crate::store::search_text::token_query;

/// A WHERE clause and its parameters.
struct Selection {
    sql: String,
    params: Vec<Box<dyn ToSql + Sync>>,
    /// Whether the search has indexed text terms.
    text: bool,
}

impl Selection {
    fn bind(&mut self, clauses: &mut Vec<String>, clause: &str, value: Box<dyn ToSql + Sync>) {
        self.params.push(value);
        clauses.push(clause.replace('?', &format!("${}", self.params.len())));
    }

    fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params.iter().map(|param| param.as_ref() as &(dyn ToSql + Sync)).collect()
    }
}

/// The ORDER BY of a page. With text terms every match is counted anyway: `+ 0` keeps the
/// planner from walking the urgency index row by row and testing each one, so it takes the
/// GIN matches and sorts them (a few ms against a full walk of the table).
fn order_by(selection: &Selection) -> &'static str {
    if selection.text { "ORDER BY urgency_key + 0, id" } else { "ORDER BY urgency_key, id" }
}

fn selection(query: &DeskQuery, now_ms: i64) -> Selection {
    let filter = &query.filter;
    let mut selection = Selection { sql: String::new(), params: Vec::new(), text: false };
    let mut clauses: Vec<String> = Vec::new();
    if let Some(status) = filter.status {
        selection.bind(&mut clauses, "status = ?", Box::new(status.as_str()));
    } else if filter.open_only {
        clauses.push("status NOT IN ('resolved', 'closed')".into());
    }
    if let Some(priority) = filter.priority {
        selection.bind(&mut clauses, "priority = ?", Box::new(priority.as_str()));
    }
    if let Some(category) = filter.category {
        selection.bind(&mut clauses, "category = ?", Box::new(category.as_str()));
    }
    match filter.assignee.as_deref() {
        Some("") => clauses.push("assignee IS NULL".into()),
        Some(name) => selection.bind(&mut clauses, "assignee = ?", Box::new(name.to_owned())),
        None => {}
    }
    if let Some(engineer) = query.assigned_to {
        selection.bind(&mut clauses, "assignee_id = ?", Box::new(engineer.0));
    }
    if let Some(team) = &query.team {
        selection.bind(&mut clauses, "team = ?", Box::new(team.clone()));
    }
    match filter.sla {
        SlaFilter::Any => {}
        SlaFilter::AtRiskOrBreached => selection.bind(&mut clauses, "sla_at_risk_from_ms <= ?", Box::new(now_ms)),
        SlaFilter::Breached => selection.bind(&mut clauses, "sla_breach_at_ms <= ?", Box::new(now_ms)),
    }
    let text = token_query(&filter.text);
    selection.text = !text.tokens.is_empty();
    if !text.tokens.is_empty() {
        selection.bind(&mut clauses, "search_tokens @> ?::text[]", Box::new(text.tokens));
    }
    for substring in text.substrings {
        selection.bind(&mut clauses, "strpos(search_text, ?) > 0", Box::new(substring));
    }
    if !clauses.is_empty() {
        selection.sql = format!("WHERE {}", clauses.join(" AND "));
    }
    selection
}

impl TeamStore {
    /// A page of matching tickets, most urgent first.
    pub(super) fn query_page(
        &mut self,
        query: &DeskQuery,
        offset: i64,
        limit: i64,
        now_ms: i64,
    ) -> StoreResult<Vec<TicketSummary>> {
        let mut selection = selection(query, now_ms);
        selection.params.push(Box::new(limit.clamp(0, 10_000)));
        selection.params.push(Box::new(offset.max(0)));
        let n = selection.params.len();
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM tickets {} {} LIMIT ${} OFFSET ${n}",
            selection.sql,
            order_by(&selection),
            n - 1
        );
        self.read(|client| {
            let rows = client.query(&sql, &selection.refs()).map_err(classify)?;
            rows.iter().map(summary_from).collect()
        })
    }

    /// How many tickets match and the first `limit` of them: one evaluation of the search (the
    /// count is a window over the same rows).
    pub(super) fn query_first_page(
        &mut self,
        query: &DeskQuery,
        limit: i64,
        now_ms: i64,
    ) -> StoreResult<(i64, Vec<TicketSummary>)> {
        let mut selection = selection(query, now_ms);
        selection.params.push(Box::new(limit.clamp(1, 10_000)));
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS}, count(*) OVER () FROM tickets {} {} LIMIT ${}",
            selection.sql,
            order_by(&selection),
            selection.params.len()
        );
        let rows = self.read(|client| client.query(&sql, &selection.refs()).map_err(classify))?;
        let total = match rows.first() {
            Some(row) => row.try_get::<_, i64>(13).map_err(classify)?,
            None => 0,
        };
        let mut page: Vec<TicketSummary> = rows.iter().map(summary_from).collect::<StoreResult<_>>()?;
        page.truncate(usize::try_from(limit.max(0)).unwrap_or(0));
        Ok((total, page))
    }

    /// The sidebar rows of these tickets, most urgent first.
    pub(super) fn summaries_of(&mut self, ticket_ids: &[TicketId]) -> StoreResult<Vec<TicketSummary>> {
        let ids: Vec<i64> = ticket_ids.iter().map(|id| id.0).collect();
        let sql = format!("SELECT {SUMMARY_COLUMNS} FROM tickets WHERE id = ANY($1) ORDER BY urgency_key, id");
        self.read(|client| {
            let rows = client.query(&sql, &[&ids]).map_err(classify)?;
            rows.iter().map(summary_from).collect()
        })
    }
}
