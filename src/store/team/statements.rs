//! Prepared statements kept per connection for the statements a console runs over and over
//! (reading a ticket, the one-statement edit, the sidebar's pages and searches): the server
//! parses and analyses each once, and plans the point lookups once (its generic plan), instead of
//! on every call. Measured on `bench team` (20 engineers, 2 cores), parsing and planning were about
//! a fifth of the server's time.

use std::collections::HashMap;

use postgres::types::{ToSql, Type};
use postgres::{Client, Row, Statement};

/// Statements kept per connection; beyond it the cache starts over (the statement texts of a
/// console are few: one per combination of filters or changed fields it has used).
pub const STATEMENT_CACHE_CAPACITY: usize = 128;

/// The prepared statements of one connection, by SQL text and parameter types.
#[derive(Default)]
pub(super) struct StatementCache {
    statements: HashMap<(String, Vec<Type>), Statement>,
}

impl StatementCache {
    /// Forgets every statement (the connection they belonged to is gone).
    pub(super) fn clear(&mut self) {
        self.statements.clear();
    }
}

/// A connection together with its statement cache, for one call of
/// [`TeamStore::read_prepared`](super::TeamStore).
pub(super) struct Prepared<'a> {
    pub(super) client: &'a mut Client,
    pub(super) cache: &'a mut StatementCache,
}

impl Prepared<'_> {
    /// Runs `sql` (typed parameters) as a prepared statement, preparing it on first use.
    pub(super) fn query(
        &mut self,
        sql: &str,
        params: &[(&(dyn ToSql + Sync), Type)],
    ) -> Result<Vec<Row>, postgres::Error> {
        self.run(sql, params, |client, statement, values| client.query(statement, values))
    }

    /// [`Prepared::query`] for at most one row.
    pub(super) fn query_opt(
        &mut self,
        sql: &str,
        params: &[(&(dyn ToSql + Sync), Type)],
    ) -> Result<Option<Row>, postgres::Error> {
        self.run(sql, params, |client, statement, values| client.query_opt(statement, values))
    }

    /// Prepares `sql` when it is not yet and runs it with `execute`. A statement the server
    /// refused is forgotten, so it is prepared afresh next time; one whose result columns changed
    /// type under it ("cached plan must not change result type", after someone altered the
    /// table) is prepared afresh and run once more at once: the server refused it before running
    /// it, so nothing was done twice.
    fn run<T>(
        &mut self,
        sql: &str,
        params: &[(&(dyn ToSql + Sync), Type)],
        execute: impl Fn(&mut Client, &Statement, &[&(dyn ToSql + Sync)]) -> Result<T, postgres::Error>,
    ) -> Result<T, postgres::Error> {
        let values: Vec<&(dyn ToSql + Sync)> = params.iter().map(|(value, _)| *value).collect();
        let statement = self.statement(sql, params)?;
        let outcome = execute(self.client, &statement, &values);
        let Err(err) = outcome else { return outcome };
        self.forget(sql, params);
        if !is_stale_plan(&err) {
            return Err(err);
        }
        let statement = self.statement(sql, params)?;
        let outcome = execute(self.client, &statement, &values);
        if outcome.is_err() {
            self.forget(sql, params);
        }
        outcome
    }

    fn forget(&mut self, sql: &str, params: &[(&(dyn ToSql + Sync), Type)]) {
        let types: Vec<Type> = params.iter().map(|(_, ty)| ty.clone()).collect();
        self.cache.statements.remove(&(sql.to_owned(), types));
    }

    fn statement(&mut self, sql: &str, params: &[(&(dyn ToSql + Sync), Type)]) -> Result<Statement, postgres::Error> {
        let types: Vec<Type> = params.iter().map(|(_, ty)| ty.clone()).collect();
        let key = (sql.to_owned(), types);
        if let Some(statement) = self.cache.statements.get(&key) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare_typed(sql, &key.1)?;
        if self.cache.statements.len() >= STATEMENT_CACHE_CAPACITY {
            self.cache.statements.clear();
        }
        self.cache.statements.insert(key, statement.clone());
        Ok(statement)
    }
}

/// Whether the server refused a prepared statement because the table changed under it.
fn is_stale_plan(err: &postgres::Error) -> bool {
    err.as_db_error().is_some_and(|db| {
        *db.code() == postgres::error::SqlState::FEATURE_NOT_SUPPORTED && db.message().contains("cached plan")
    })
}
