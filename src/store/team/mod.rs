//! The team desk on PostgreSQL: [`TeamStore`] implements [`TicketDesk`](super::desk::TicketDesk)
//! over the blocking `postgres` client, and [`TeamListener`] delivers other consoles' changes
//! ([`DeskNotice`](crate::model::DeskNotice)) from `LISTEN stepwise_desk` on its own thread and
//! connection.
//!
//! The blocking client runs a small runtime of its own: create, use and drop a [`TeamStore`] only
//! on the store thread (or another plain `std` thread), never on a tokio worker (it panics
//! there).

mod bulk;
mod connect;
mod desk_impl;
mod guides;
mod listener;
mod notices;
mod query;
mod recordings;
mod report;
mod rows;
mod sessions;
mod signature;
mod statements;

use std::time::Duration;

pub use bulk::MigrateReport;
pub use connect::{TeamConfig, TlsMode};
pub use listener::{ListenerEvent, TeamListener};
pub use notices::NoticeOutbox;
pub use query::COMMON_SEARCH_CAP;
pub use signature::TokenSignature;
pub use statements::STATEMENT_CACHE_CAPACITY;

use super::{StoreError, StoreResult};
use crate::model::SlaPolicy;

/// The notification channel every write announces itself on (`pg_notify`, same transaction).
pub const NOTIFY_CHANNEL: &str = "stepwise_desk";

/// The channel a change of the team's words (glossaries, canned phrases) is announced on; the
/// payload is the changed setting's key.
pub const LIBRARY_CHANNEL: &str = "stepwise_library";

/// How long connecting (and each reconnect attempt) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// An open team database.
pub struct TeamStore {
    config: TeamConfig,
    client: Option<postgres::Client>,
    /// The prepared statements of `client` (cleared with it).
    statements: statements::StatementCache,
    policy: SlaPolicy,
    /// The server's token statistics, read when a search needs them.
    search_stats: Option<query::TokenStats>,
    /// This computer's name: recordings made here are kept here (see [`recordings`]).
    host: String,
    /// The ticket as this console last read or wrote it, by id: an edit planned against it
    /// needs no locking read (see `desk_impl.rs`).
    last_read: std::collections::HashMap<crate::model::TicketId, crate::model::DeskTicket>,
    /// Where notices of one-statement writes go to be sent after the write (the listener's
    /// connection); `None`: each write sends its notice itself.
    outbox: Option<notices::NoticeOutbox>,
}

impl std::fmt::Debug for TeamStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TeamStore").field("server", &self.config.redacted()).finish_non_exhaustive()
    }
}

impl TeamStore {
    /// Connects to the team database and brings its schema to this build's version (creating
    /// it in an empty database). The SLA policy is the shipped default.
    pub fn connect(config: &TeamConfig) -> StoreResult<Self> {
        Self::connect_with_policy(config, SlaPolicy::default())
    }

    /// [`TeamStore::connect`] with a given SLA policy.
    pub fn connect_with_policy(config: &TeamConfig, policy: SlaPolicy) -> StoreResult<Self> {
        let mut client = config.connect()?;
        schema::migrate(&mut client)?;
        Ok(TeamStore {
            config: config.clone(),
            client: Some(client),
            statements: statements::StatementCache::default(),
            policy,
            search_stats: None,
            host: recordings::this_host(),
            last_read: std::collections::HashMap::new(),
            outbox: None,
        })
    }

    /// Connects once and reports the server's version ("Test connection" in Settings); nothing
    /// is created or changed.
    pub fn test_connection(config: &TeamConfig) -> StoreResult<String> {
        let mut client = config.connect()?;
        let row = client.query_one("SHOW server_version", &[]).map_err(classify)?;
        row.try_get::<_, String>(0).map_err(classify)
    }

    /// Sends the notices of this store's edits and notes through `outbox` (a listener's, see
    /// [`TeamListener::outbox`]) after they are written, instead of in the writing statement.
    pub fn notify_through(&mut self, outbox: notices::NoticeOutbox) {
        self.outbox = Some(outbox);
    }

    /// Hands a written change's notice to the outbox; when the outbox is gone (its listener
    /// stopped), sends it on this store's own connection.
    fn post_notice(&mut self, payload: String) {
        let Some(outbox) = &self.outbox else { return };
        if let Err(payload) = outbox.post(payload) {
            self.outbox = None;
            let sent = self.read(|client| {
                client.execute("SELECT pg_notify($1, $2)", &[&NOTIFY_CHANNEL, &payload]).map(|_| ()).map_err(classify)
            });
            if let Err(err) = sent {
                tracing::debug!("cannot send a desk notice: {err}");
            }
        }
    }

    /// The settings this store connects with.
    pub fn config(&self) -> &TeamConfig {
        &self.config
    }

    /// The SLA in force.
    pub fn policy(&self) -> &SlaPolicy {
        &self.policy
    }

    /// The server process serving this store's connection (`pg_backend_pid()`), for diagnostics
    /// and for tests that cut the link.
    pub fn backend_pid(&mut self) -> StoreResult<i32> {
        self.read(|client| Ok(client.query_one("SELECT pg_backend_pid()", &[]).map_err(classify)?.get(0)))
    }

    /// The connection, reconnecting first when the last one was lost.
    fn client(&mut self) -> StoreResult<&mut postgres::Client> {
        if self.client.as_ref().is_none_or(postgres::Client::is_closed) {
            self.client = None;
            self.statements.clear();
            let client = self.config.connect()?;
            tracing::info!(server = %self.config.redacted(), "team database connection re-established");
            self.client = Some(client);
        }
        self.client.as_mut().ok_or_else(|| StoreError::ConnectionLost("not connected".into()))
    }

    /// Runs `body` in one transaction (committed when it returns `Ok`). A lost connection drops
    /// the client (the next call reconnects) and is [`StoreError::ConnectionLost`].
    fn write<T>(&mut self, body: impl FnOnce(&mut postgres::Transaction<'_>) -> StoreResult<T>) -> StoreResult<T> {
        let outcome = (|| {
            let mut tx = self.client()?.transaction().map_err(classify)?;
            let value = body(&mut tx)?;
            tx.commit().map_err(classify)?;
            Ok(value)
        })();
        self.forget_lost(outcome)
    }

    /// Runs a read on the connection, with the same loss handling as [`TeamStore::write`].
    fn read<T>(&mut self, body: impl FnOnce(&mut postgres::Client) -> StoreResult<T>) -> StoreResult<T> {
        let outcome = self.client().and_then(body);
        self.forget_lost(outcome)
    }

    /// [`TeamStore::read`] with the connection's prepared statements (for the statements a
    /// console runs over and over).
    fn read_prepared<T>(
        &mut self,
        body: impl FnOnce(&mut statements::Prepared<'_>) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let outcome = match self.client() {
            Ok(_) => match self.client.as_mut() {
                Some(client) => body(&mut statements::Prepared { client, cache: &mut self.statements }),
                None => Err(StoreError::ConnectionLost("not connected".into())),
            },
            Err(err) => Err(err),
        };
        self.forget_lost(outcome)
    }

    fn forget_lost<T>(&mut self, outcome: StoreResult<T>) -> StoreResult<T> {
        if matches!(outcome, Err(StoreError::ConnectionLost(_))) || self.client.as_ref().is_some_and(|c| c.is_closed())
        {
            self.client = None;
        }
        outcome
    }
}

/// Maps a PostgreSQL failure to a clear error: a closed or broken link is
/// [`StoreError::ConnectionLost`].
pub(crate) fn classify(err: postgres::Error) -> StoreError {
    use postgres::error::SqlState;
    if err.is_closed() {
        return StoreError::ConnectionLost(err.to_string());
    }
    if let Some(db) = err.as_db_error() {
        let code = db.code();
        if *code == SqlState::ADMIN_SHUTDOWN
            || *code == SqlState::CRASH_SHUTDOWN
            || *code == SqlState::CANNOT_CONNECT_NOW
            || code.code().starts_with("08")
        {
            return StoreError::ConnectionLost(db.message().to_owned());
        }
        return StoreError::Postgres(db.message().to_owned());
    }
    // No server answer: the socket failed (reset, refused, timed out).
    let text = err.to_string();
    if std::error::Error::source(&err).is_some_and(|source| source.is::<std::io::Error>()) || text.contains("closed") {
        return StoreError::ConnectionLost(text);
    }
    StoreError::Postgres(text)
}

mod schema;
