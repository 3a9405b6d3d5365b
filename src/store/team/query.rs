//! Listing and searching the team database for the sidebar: the single desk's filters and
//! urgency order, with text found through the n-gram token array (GIN) and checked against the
//! search text, so 1–2 character Chinese words use the index like long ones.

use postgres::types::{ToSql, Type};

use super::signature::TokenSignature;
use super::{TeamStore, classify};
use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::model::{DeskListing, DeskQuery, SlaFilter, TicketId, TicketSummary};
use crate::store::StoreResult;
use crate::store::query::SUMMARY_COLUMNS;
use crate::store::row_columns::summary_from;
use crate::store::search_text::{RowCheck, token_query};

/// A text search that many tickets match lists at most the most urgent this many (the sidebar
/// says so and asks for another word). Its first page finds only one match more than it shows;
/// scrolling to the end of the list walks on for the next page, up to this cap.
pub const COMMON_SEARCH_CAP: i64 = 200;

/// How long the server's token statistics are trusted before they are read again.
const STATS_TTL: Duration = Duration::from_secs(60);

/// A walk may read this many times the rows its words' frequency predicts for the cap (the
/// words of a search are not independent; beyond it the index answers).
const WALK_SLACK: f64 = 4.0;

/// At most this many bits of a search's signature are tested by a walk.
const MAX_SIGNATURE_TESTS: usize = 24;

/// How often each common search token occurs, from the server's statistics on the token array
/// (`pg_stats.most_common_elems`, filled by ANALYZE and autovacuum).
#[derive(Debug)]
pub(super) struct TokenStats {
    read_at: Instant,
    frequency: HashMap<String, f64>,
    /// Tokens absent from the list occur at most this often.
    floor: f64,
    /// Rows in the table (the planner's estimate).
    rows: f64,
}

impl TokenStats {
    fn read(client: &mut postgres::Client) -> StoreResult<TokenStats> {
        let row = client
            .query_opt(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs, \
                 (SELECT reltuples FROM pg_class WHERE oid = 'tickets'::regclass)::float8 \
                 FROM pg_stats WHERE tablename = 'tickets' AND attname = 'search_tokens' \
                 AND schemaname = current_schema()",
                &[],
            )
            .map_err(classify)?;
        let mut stats = TokenStats { read_at: Instant::now(), frequency: HashMap::new(), floor: 0.0, rows: 0.0 };
        let Some(row) = row else { return Ok(stats) };
        let tokens: Option<Vec<String>> = row.try_get(0).map_err(classify)?;
        let frequencies: Option<Vec<f32>> = row.try_get(1).map_err(classify)?;
        stats.rows = row.try_get::<_, Option<f64>>(2).map_err(classify)?.unwrap_or(0.0).max(0.0);
        if let (Some(tokens), Some(frequencies)) = (tokens, frequencies) {
            // After one frequency per token come the minimum, the maximum and the null share.
            stats.floor = frequencies.get(tokens.len()).copied().map_or(0.0, f64::from);
            stats.frequency = tokens.into_iter().zip(frequencies.into_iter().map(f64::from)).collect();
        }
        Ok(stats)
    }

    /// See [`TeamStore::walk_budget`]: the rarest token bounds how often all occur together.
    /// Whether a word counts as common does not depend on `wanted`, so every page of one
    /// search is listed the same way.
    fn walk_budget(&self, tokens: &[String], wanted: i64) -> Option<i64> {
        let share = tokens
            .iter()
            .map(|token| self.frequency.get(token).copied().unwrap_or(self.floor))
            .fold(f64::INFINITY, f64::min);
        let cap = COMMON_SEARCH_CAP as f64;
        if !share.is_finite() || share <= 0.0 || share * self.rows < 2.0 * cap {
            return None;
        }
        let budget = (wanted as f64 / share * WALK_SLACK).ceil().min(self.rows * 1.1 + 1_000.0) as i64;
        Some(rounded_budget(budget))
    }
}

/// `budget` rounded up to a power of two: the walk's statement carries its budget as a constant
/// (see [`TeamStore::walk`]), so only a few statements exist, each planned once.
fn rounded_budget(budget: i64) -> i64 {
    u64::try_from(budget.max(1)).map_or(1, |budget| i64::try_from(budget.next_power_of_two()).unwrap_or(i64::MAX))
}

/// The WHERE clauses of a query and their parameters: the filters, and the text match kept
/// apart so a bounded walk in urgency order can apply it after the filters.
struct Selection {
    filters: Vec<String>,
    text: Vec<String>,
    /// Each parameter with its type: typed statements go out in one round trip (no prepare).
    params: Vec<(Box<dyn ToSql + Sync>, Type)>,
    /// The indexed n-gram tokens of the search text (empty without text).
    tokens: Vec<String>,
    /// The text match as a walk checks it, row by row without the index.
    row_checks: Vec<RowCheck>,
    /// How many of `params` belong to `text` (bound after every filter's).
    text_params: usize,
}

impl Selection {
    fn bind(&mut self, text: bool, clause: &str, value: Box<dyn ToSql + Sync>, ty: Type) {
        self.params.push((value, ty));
        let clause = clause.replace('?', &format!("${}", self.params.len()));
        if text {
            self.text.push(clause);
            self.text_params += 1;
        } else {
            debug_assert_eq!(self.text_params, 0, "filters are bound before the text");
            self.filters.push(clause);
        }
    }

    /// Adds a parameter and returns its placeholder.
    fn param(&mut self, value: Box<dyn ToSql + Sync>, ty: Type) -> String {
        self.params.push((value, ty));
        format!("${}", self.params.len())
    }

    fn refs(&self) -> Vec<(&(dyn ToSql + Sync), Type)> {
        self.params.iter().map(|(param, ty)| (param.as_ref() as &(dyn ToSql + Sync), ty.clone())).collect()
    }

    fn where_all(&self) -> String {
        where_of(self.filters.iter().chain(&self.text))
    }

    /// The ORDER BY of a page. With text terms every match is counted anyway: `+ 0` keeps the
    /// planner from walking the urgency index row by row and testing each one, so it takes the
    /// GIN matches and sorts them (a few ms against a full walk for a rare word).
    fn order_by(&self) -> &'static str {
        if self.tokens.is_empty() { "ORDER BY urgency_key, id" } else { "ORDER BY urgency_key + 0, id" }
    }
}

fn where_of<'a>(clauses: impl Iterator<Item = &'a String>) -> String {
    let clauses: Vec<&str> = clauses.map(String::as_str).collect();
    if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) }
}

fn selection(query: &DeskQuery, now_ms: i64) -> Selection {
    let filter = &query.filter;
    let mut selection = Selection {
        filters: Vec::new(),
        text: Vec::new(),
        params: Vec::new(),
        tokens: Vec::new(),
        row_checks: Vec::new(),
        text_params: 0,
    };
    if let Some(status) = filter.status {
        selection.bind(false, "status = ?", Box::new(status.as_str()), Type::TEXT);
    } else if filter.open_only {
        selection.filters.push("status NOT IN ('resolved', 'closed')".into());
    }
    if let Some(priority) = filter.priority {
        selection.bind(false, "priority = ?", Box::new(priority.as_str()), Type::TEXT);
    }
    if let Some(category) = filter.category {
        selection.bind(false, "category = ?", Box::new(category.as_str()), Type::TEXT);
    }
    match filter.assignee.as_deref() {
        Some("") => selection.filters.push("assignee IS NULL".into()),
        Some(name) => selection.bind(false, "assignee = ?", Box::new(name.to_owned()), Type::TEXT),
        None => {}
    }
    if let Some(engineer) = query.assigned_to {
        selection.bind(false, "assignee_id = ?", Box::new(engineer.0), Type::INT8);
    }
    if let Some(team) = &query.team {
        selection.bind(false, "team = ?", Box::new(team.clone()), Type::TEXT);
    }
    match filter.sla {
        SlaFilter::Any => {}
        SlaFilter::AtRiskOrBreached => selection.bind(false, "sla_at_risk_from_ms <= ?", Box::new(now_ms), Type::INT8),
        SlaFilter::Breached => selection.bind(false, "sla_breach_at_ms <= ?", Box::new(now_ms), Type::INT8),
    }
    let text = token_query(&filter.text);
    selection.row_checks.clone_from(&text.row_checks);
    if !text.tokens.is_empty() {
        selection.tokens.clone_from(&text.tokens);
        selection.bind(true, "search_tokens @> ?::text[]", Box::new(text.tokens), Type::TEXT_ARRAY);
    }
    for substring in text.substrings {
        selection.bind(true, "strpos(search_text, ?) > 0", Box::new(substring), Type::TEXT);
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
        let (offset, limit) = (offset.max(0), limit.clamp(0, 10_000));
        let mut selection = selection(query, now_ms);
        // A common word: the listing is the walk's (see `query_first_page`), to the cap.
        let wanted = offset.saturating_add(limit).min(COMMON_SEARCH_CAP) + 1;
        if let Some(budget) = self.walk_budget(&selection.tokens, wanted)? {
            if offset >= COMMON_SEARCH_CAP {
                return Ok(Vec::new());
            }
            if let Some(listed) = self.walk(&selection, budget, wanted)? {
                let start = usize::try_from(offset).unwrap_or(usize::MAX);
                let take = usize::try_from(limit).unwrap_or(0);
                return Ok(listed.into_iter().skip(start).take(take).collect());
            }
        }
        let limit = selection.param(Box::new(limit), Type::INT8);
        let offset = selection.param(Box::new(offset), Type::INT8);
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM tickets {} {} LIMIT {limit} OFFSET {offset}",
            selection.where_all(),
            selection.order_by(),
        );
        self.read_prepared(|client| {
            let rows = client.query(&sql, &selection.refs()).map_err(classify)?;
            rows.iter().map(summary_from).collect()
        })
    }

    /// How many tickets match and the first `limit` of them. A word that many tickets contain
    /// (by the server's statistics) is looked for by walking the urgency order until one match
    /// more than the page is found: counting every match would visit most rows. The listing
    /// then says "the `limit` most urgent of more" (the sidebar asks for the next page when it
    /// is scrolled to the end, see [`COMMON_SEARCH_CAP`]). Otherwise one evaluation of the
    /// search through the token index (the count is a window over the same rows).
    pub(super) fn query_first_page(&mut self, query: &DeskQuery, limit: i64, now_ms: i64) -> StoreResult<DeskListing> {
        let limit = limit.clamp(0, 10_000);
        let mut selection = selection(query, now_ms);
        let wanted = limit.clamp(1, COMMON_SEARCH_CAP) + 1;
        if let Some(budget) = self.walk_budget(&selection.tokens, wanted)?
            && let Some(mut rows) = self.walk(&selection, budget, wanted)?
        {
            rows.truncate(usize::try_from(wanted - 1).unwrap_or(0));
            let total = i64::try_from(rows.len()).unwrap_or(i64::MAX);
            rows.truncate(usize::try_from(limit).unwrap_or(0));
            return Ok(DeskListing { total, more_than_total: true, rows });
        }
        let limit_param = selection.param(Box::new(limit.max(1)), Type::INT8);
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS}, count(*) OVER () FROM tickets {} {} LIMIT {limit_param}",
            selection.where_all(),
            selection.order_by(),
        );
        let rows = self.read_prepared(|client| client.query(&sql, &selection.refs()).map_err(classify))?;
        let total = match rows.first() {
            Some(row) => row.try_get::<_, i64>(13).map_err(classify)?,
            None => 0,
        };
        let mut page: Vec<TicketSummary> = rows.iter().map(summary_from).collect::<StoreResult<_>>()?;
        page.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(DeskListing::exact(total, page))
    }

    /// How many rows a walk in urgency order for `wanted` matches may read for these tokens,
    /// when they are common enough that a walk finds [`COMMON_SEARCH_CAP`] matches sooner than
    /// the index finds all.
    fn walk_budget(&mut self, tokens: &[String], wanted: i64) -> StoreResult<Option<i64>> {
        if tokens.is_empty() {
            return Ok(None);
        }
        let stale = self.search_stats.as_ref().is_none_or(|stats| stats.read_at.elapsed() > STATS_TTL);
        if stale {
            let stats = self.read(TokenStats::read)?;
            self.search_stats = Some(stats);
        }
        Ok(self.search_stats.as_ref().and_then(|stats| stats.walk_budget(tokens, wanted)))
    }

    /// The first `wanted - 1` matches in urgency order, when there are `wanted` among the
    /// first `budget` rows; `None` when the walk found fewer (then the index answers exactly).
    ///
    /// The walk reads the urgency index only (key, status and [`TokenSignature`]): a row whose
    /// signature lacks a bit of the search's tokens cannot match and is passed over without
    /// being read. Each candidate left is read and checked by the search's [`RowCheck`]s:
    /// mostly a substring of its short search text, far cheaper than matching its token array
    /// (about a hundred tokens) against the search's.
    fn walk(&mut self, selection: &Selection, budget: i64, wanted: i64) -> StoreResult<Option<Vec<TicketSummary>>> {
        // The filters' parameters; the text is matched by the signature and the checks instead.
        let mut params = selection.refs();
        params.truncate(params.len() - selection.text_params);
        // One test per bit of the search's signature (`get_bit` allocates nothing; measured,
        // `(signature & mask) = mask` made the walk twice as slow): most rows fail the first or
        // second. A subset of the bits is still a sound filter, so a long search tests a few.
        let bits: Vec<i32> =
            TokenSignature::of(&selection.tokens).set_bits().take(MAX_SIGNATURE_TESTS).map(|bit| bit as i32).collect();
        let mut signature_tests = Vec::with_capacity(bits.len() + 1);
        for bit in &bits {
            params.push((bit, Type::INT4));
            signature_tests.push(format!("get_bit(prefix.search_signature, ${}) = 1", params.len()));
        }
        signature_tests.push("TRUE".to_owned());
        let mut checks = Vec::with_capacity(selection.row_checks.len());
        for check in &selection.row_checks {
            match check {
                RowCheck::Contains(text) => {
                    params.push((text, Type::TEXT));
                    checks.push(format!("strpos(search_text, ${}) > 0", params.len()));
                }
                RowCheck::HasToken(token) => {
                    params.push((token, Type::TEXT));
                    checks.push(format!("${} = ANY (search_tokens)", params.len()));
                }
            }
        }
        checks.push("TRUE".to_owned());
        // The budget and the number wanted are constants, not parameters: the server then plans
        // the statement once and reuses the plan (a parameter limit made it plan every search
        // again, a quarter of the walk's time). `OFFSET 0` keeps the row read a lateral
        // subquery: one read per candidate, in the walk's order.
        let sql = format!(
            "SELECT found.* FROM (\
                SELECT id, urgency_key, search_signature FROM tickets {} \
                ORDER BY urgency_key, id LIMIT {budget}) AS prefix \
             CROSS JOIN LATERAL (SELECT {SUMMARY_COLUMNS} FROM tickets \
                WHERE tickets.id = prefix.id AND {} OFFSET 0) AS found \
             WHERE {} \
             ORDER BY prefix.urgency_key, prefix.id LIMIT {wanted}",
            where_of(selection.filters.iter()),
            checks.join(" AND "),
            signature_tests.join(" AND "),
        );
        let rows = self.read_prepared(|client| {
            let rows = client.query(&sql, &params).map_err(classify)?;
            rows.iter().map(summary_from).collect::<StoreResult<Vec<_>>>()
        })?;
        if rows.len() < usize::try_from(wanted).unwrap_or(usize::MAX) {
            return Ok(None);
        }
        Ok(Some(rows.into_iter().take(usize::try_from(wanted - 1).unwrap_or(0)).collect()))
    }

    /// The sidebar rows of these tickets, most urgent first.
    pub(super) fn summaries_of(&mut self, ticket_ids: &[TicketId]) -> StoreResult<Vec<TicketSummary>> {
        let ids: Vec<i64> = ticket_ids.iter().map(|id| id.0).collect();
        let sql = format!("SELECT {SUMMARY_COLUMNS} FROM tickets WHERE id = ANY($1) ORDER BY urgency_key, id");
        self.read_prepared(|client| {
            let rows = client.query(&sql, &[(&ids, Type::INT8_ARRAY)]).map_err(classify)?;
            rows.iter().map(summary_from).collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::rounded_budget;

    #[test]
    fn budgets_round_up_to_a_few_constants() {
        assert_eq!(rounded_budget(2_300), 4_096);
        assert_eq!(rounded_budget(4_096), 4_096);
        assert_eq!(rounded_budget(1), 1);
        assert_eq!(rounded_budget(0), 1);
        assert_eq!(rounded_budget(-7), 1);
        assert_eq!(rounded_budget(i64::MAX), i64::MAX);
    }
}
