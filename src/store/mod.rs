//! The embedded database: tickets, their timeline, notes, settings (SQLite through rusqlite).
//!
//! A synchronous API: the console runs it on a worker thread, never on the UI thread.
//! Every write commits with `synchronous=FULL`: a call that returned is on disk.

pub mod desk;
mod exchange;
mod glossary;
mod guide_library;
pub mod guides;
mod history;
pub mod private_fs;
mod query;
mod recording_log;
pub mod recordings;
mod report;
mod row_columns;
mod samples;
mod schema;
mod search_text;
mod session_log;
mod sessions;
mod settings;
mod shared_settings;
pub mod team;
mod team_sqlite;
mod tickets;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior, ffi::ErrorCode};

pub use exchange::{csv_cell, export_desk_to_path};
pub use glossary::HintCounts;
pub use guide_library::{GuideLibrary, OpenedGuide};
pub use recording_log::RecordingLog;
pub use samples::SAMPLE_TICKETS_JSON;
pub use session_log::SessionLog;
pub use shared_settings::{MAX_CANNED_PHRASES, SharedSettings};

use crate::model::{
    EngineerError, EngineerId, FieldConflict, FieldError, GuideError, NetworkSettingsError, RuleError, SlaPolicy,
    SlaPolicyError, TicketRule, TicketVersion,
};

/// File name of the database inside the data directory.
pub const DATABASE_FILE: &str = "stepwise.db";
/// File name of the optional SLA override inside the data directory.
pub const SLA_CONFIG_FILE: &str = "sla.json";
/// How long a write waits for another program's lock before giving up with
/// [`StoreError::Locked`]: long enough to ride out a competing writer's transaction.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything that can go wrong in the store, phrased for the person reading it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file exists but is not a usable SQLite database.
    #[error("the database {path} is damaged or is not a Stepwise database; it was left untouched")]
    Corrupt {
        /// The database file.
        path: PathBuf,
    },
    /// Another program holds a lock on the database.
    #[error("the database {path} is in use by another program; close it and try again")]
    Locked {
        /// The database file.
        path: PathBuf,
    },
    /// The database or its folder cannot be written.
    #[error("the database {path} is read-only; check the permissions of the data folder")]
    ReadOnly {
        /// The database file.
        path: PathBuf,
    },
    /// The folder or file cannot be created or opened.
    #[error("cannot open the database {path}: {message}")]
    CannotOpen {
        /// The database file.
        path: PathBuf,
        /// What the system said.
        message: String,
    },
    /// Written by a newer Stepwise.
    #[error(
        "the database was written by a newer Stepwise (schema {found}, this version knows {supported}); update Stepwise"
    )]
    NewerSchema {
        /// Schema version in the file.
        found: i64,
        /// Newest version this build knows.
        supported: i64,
    },
    /// No ticket with that id or number.
    #[error("ticket {0} does not exist")]
    TicketNotFound(String),
    /// The form or edit has invalid fields.
    #[error("{}", join_field_errors(.0))]
    InvalidFields(Vec<FieldError>),
    /// The status move is not part of the workflow.
    #[error("a ticket cannot move from {from} to {to}")]
    InvalidTransition {
        /// Current status.
        from: &'static str,
        /// Requested status.
        to: &'static str,
    },
    /// A workflow rule refused the change (e.g. resolving without a resolution).
    #[error("{0}")]
    Rule(String),
    /// A ticket workflow rule refused the change (a code the UI translates).
    #[error("{0}")]
    TicketRule(#[from] TicketRule),
    /// An import file could not be used; nothing was imported.
    #[error("import failed, nothing was imported: {0}")]
    Import(String),
    /// Reading or writing a file failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The system error.
        source: std::io::Error,
    },
    /// A guide cannot be saved as it is.
    #[error("{0}")]
    Guide(#[from] GuideError),
    /// The network settings were refused.
    #[error("{0}")]
    NetworkSettings(#[from] NetworkSettingsError),
    /// Any other database failure.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A colleague saved the guide after this editor opened it; nothing was saved.
    #[error(
        "\"{0}\" was changed by someone else after you opened it; nothing was saved. Open it again to see their version"
    )]
    GuideChanged(String),
    /// Someone else changed the same fields since the version the edit was read at; nothing was
    /// written. The engineer chooses per field and resubmits against `current`.
    #[error("{} changed meanwhile by someone else (now {current}); nothing was saved", conflict_fields(.fields))]
    Conflict {
        /// The ticket's version now.
        current: TicketVersion,
        /// Each field both sides changed: base, theirs, mine.
        fields: Vec<FieldConflict>,
    },
    /// Another engineer took the ticket first.
    #[error("{by} has already taken this ticket")]
    AlreadyClaimed {
        /// Who has it.
        by: String,
    },
    /// Unknown engineer or wrong password (deliberately the same error).
    #[error("sign-in refused: unknown name or wrong password")]
    SignInRefused,
    /// A directory entry was refused.
    #[error("{0}")]
    Engineer(#[from] EngineerError),
    /// The directory already has an engineer of that name.
    #[error("an engineer named {0} already exists")]
    EngineerExists(String),
    /// No engineer with that id.
    #[error("engineer {0} does not exist")]
    EngineerNotFound(EngineerId),
    /// The link to the team database was lost (or could not be made): nothing of this call was
    /// written; keep the edit and retry, the store reconnects by itself.
    #[error("the team database cannot be reached: {0}")]
    ConnectionLost(String),
    /// The team database refused the TLS or sign-in settings, or the URL is not usable.
    #[error("cannot connect to the team database: {0}")]
    TeamConnect(String),
    /// `store migrate` refuses a team database that already holds tickets.
    #[error("the team database is not empty ({0} tickets); migrate only into an empty database")]
    TeamNotEmpty(i64),
    /// A password could not be hashed (no randomness from the system).
    #[error("{0}")]
    PasswordHash(String),
    /// Any other team database failure.
    #[error("team database error: {0}")]
    Postgres(String),
}

fn conflict_fields(fields: &[FieldConflict]) -> String {
    let names: Vec<&str> = fields.iter().map(|conflict| conflict.field.as_str()).collect();
    if names.is_empty() { "the ticket was".to_owned() } else { names.join(", ") + " were" }
}

impl From<RuleError> for StoreError {
    fn from(error: RuleError) -> Self {
        match error {
            RuleError::InvalidFields(errors) => Self::InvalidFields(errors),
            RuleError::InvalidTransition { from, to } => {
                Self::InvalidTransition { from: from.as_str(), to: to.as_str() }
            }
            RuleError::Rule(rule) => Self::TicketRule(rule),
        }
    }
}

fn join_field_errors(errors: &[FieldError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

/// Result of store calls.
pub type StoreResult<T> = Result<T, StoreError>;

/// An open ticket database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    policy: SlaPolicy,
    warnings: Vec<String>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (or creates) the store in `data_dir`, migrating the schema if needed, and reads the
    /// SLA override `sla.json` if present (an invalid one is reported in [`Store::warnings`] and
    /// the shipped defaults apply).
    pub fn open(data_dir: &Path) -> StoreResult<Self> {
        let path = data_dir.join(DATABASE_FILE);
        private_fs::ensure_private_dir(data_dir).map_err(|source| StoreError::Io {
            context: format!("cannot create the data folder {}", data_dir.display()),
            source,
        })?;
        // Created (or tightened) before SQLite opens it: its WAL and SHM files copy its mode.
        private_fs::ensure_private_file(&path).map_err(|source| StoreError::Io {
            context: format!("cannot create the database {}", path.display()),
            source,
        })?;
        let mut warnings = Vec::new();
        let policy = match load_policy_override(data_dir) {
            Ok(Some(policy)) => policy,
            Ok(None) => SlaPolicy::default(),
            Err(message) => {
                warnings.push(message);
                SlaPolicy::default()
            }
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&path, flags).map_err(|err| classify(err, &path))?;
        let store = Self::init(conn, path, policy, warnings)?;
        store.tighten_files();
        Ok(store)
    }

    /// Opens the store in `data_dir` for reading only (export, browsing a folder that cannot be
    /// written): nothing is created, migrated or changed, and every write fails with
    /// [`StoreError::ReadOnly`]. The schema must be this build's (an older one needs one
    /// writable start to be upgraded).
    pub fn open_read_only(data_dir: &Path) -> StoreResult<Self> {
        let path = data_dir.join(DATABASE_FILE);
        if !path.is_file() {
            return Err(StoreError::CannotOpen { path, message: "there is no database in this folder".into() });
        }
        let (policy, warning) = match load_policy_override(data_dir) {
            Ok(policy) => (policy.unwrap_or_default(), None),
            Err(message) => (SlaPolicy::default(), Some(message)),
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        let opened = Connection::open_with_flags(&path, flags)
            .map_err(|err| classify(err, &path))
            .and_then(|conn| Self::init_read_only(conn, path.clone(), policy));
        let opened = match opened {
            Ok(store) => Ok(store),
            // A WAL database in a folder nobody may write to cannot get its shared-memory file:
            // read the file as it is (nothing can write it meanwhile either).
            Err(StoreError::CannotOpen { .. } | StoreError::ReadOnly { .. } | StoreError::Sqlite(_)) => {
                let uri = format!("file:{}?immutable=1", uri_path(&path));
                let conn = Connection::open_with_flags(&uri, flags).map_err(|err| classify(err, &path))?;
                Self::init_read_only(conn, path, policy)
            }
            Err(other) => Err(other),
        };
        opened.map(|mut store| {
            store.warnings.extend(warning);
            store
        })
    }

    /// Opens the store for writing, or, when the folder or database cannot be written, for
    /// reading only (with a warning in [`Store::warnings`]).
    pub fn open_or_read_only(data_dir: &Path) -> StoreResult<Self> {
        match Self::open(data_dir) {
            Ok(store) => Ok(store),
            Err(err @ (StoreError::ReadOnly { .. } | StoreError::CannotOpen { .. } | StoreError::Io { .. })) => {
                let mut store = Self::open_read_only(data_dir).map_err(|_| err)?;
                store.warnings.push(format!(
                    "the data folder {} cannot be written: tickets can be read and exported, not changed",
                    data_dir.display()
                ));
                Ok(store)
            }
            Err(err) => Err(err),
        }
    }

    fn init_read_only(conn: Connection, path: PathBuf, policy: SlaPolicy) -> StoreResult<Self> {
        let store = Store { conn, path, policy, warnings: Vec::new() };
        store.conn.busy_timeout(BUSY_TIMEOUT).map_err(|err| store.classify(err))?;
        store
            .conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
            .map_err(|err| store.classify(err))?;
        rusqlite::vtab::array::load_module(&store.conn)?;
        let found: i64 = store.conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        if found > schema::SCHEMA_VERSION {
            return Err(StoreError::NewerSchema { found, supported: schema::SCHEMA_VERSION });
        }
        if found < schema::SCHEMA_VERSION {
            return Err(StoreError::CannotOpen {
                path: store.path.clone(),
                message: "the database needs an upgrade, which cannot be done read-only; start Stepwise once with a writable data folder".into(),
            });
        }
        Ok(store)
    }

    /// Makes the database and its WAL / SHM files readable by their owner only (they may have
    /// been created by an older Stepwise with the default 644). A failure is only logged: the
    /// files stay usable.
    fn tighten_files(&self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = self.path.clone().into_os_string();
            name.push(suffix);
            if let Err(err) = private_fs::tighten_file(Path::new(&name)) {
                tracing::warn!(file = %Path::new(&name).display(), "cannot make the file private: {err}");
            }
        }
    }

    /// A throw-away store in memory (tests, benchmarks).
    pub fn open_in_memory() -> StoreResult<Self> {
        let conn = Connection::open_in_memory()?;
        Self::init(conn, PathBuf::from(":memory:"), SlaPolicy::default(), Vec::new())
    }

    /// Like [`Store::open_in_memory`] with a given SLA policy.
    pub fn open_in_memory_with_policy(policy: SlaPolicy) -> StoreResult<Self> {
        let mut store = Self::open_in_memory()?;
        store.policy = policy;
        store.apply_policy()?;
        Ok(store)
    }

    fn init(conn: Connection, path: PathBuf, policy: SlaPolicy, warnings: Vec<String>) -> StoreResult<Self> {
        let mut store = Store { conn, path, policy, warnings };
        store.configure().map_err(|err| store.classify(err))?;
        if store.conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false) {
            return Err(StoreError::ReadOnly { path: store.path.clone() });
        }
        schema::migrate(&mut store.conn).map_err(|err| reclassify(err, &store.path))?;
        store.apply_policy().map_err(|err| reclassify(err, &store.path))?;
        Ok(store)
    }

    fn configure(&self) -> rusqlite::Result<()> {
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        // Reading the header first turns "not a database" into an error here, before any write.
        self.conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?;
        if self.path != Path::new(":memory:") {
            let mode: String = self.conn.query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                tracing::warn!(mode, "could not switch the database to WAL");
            }
        }
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        self.conn.pragma_update(None, "foreign_keys", true)?;
        // `rarray(?)`: a search's matching ids bound as one parameter (see `query.rs`).
        rusqlite::vtab::array::load_module(&self.conn)?;
        Ok(())
    }

    /// Maps a SQLite failure on this database to a clear error.
    fn classify(&self, err: rusqlite::Error) -> StoreError {
        classify(err, &self.path)
    }

    /// Where the database lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The SLA in force.
    pub fn policy(&self) -> &SlaPolicy {
        &self.policy
    }

    /// Problems found while opening that did not stop the store (e.g. an invalid `sla.json`).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// How long a write waits for another program's lock (normally [`BUSY_TIMEOUT`]).
    pub fn set_busy_timeout(&mut self, timeout: Duration) -> StoreResult<()> {
        self.conn.busy_timeout(timeout).map_err(|err| self.classify(err))
    }

    /// Runs `body` in one transaction; rolls back on error.
    ///
    /// The transaction takes the write lock at its start (`BEGIN IMMEDIATE`), waiting up to the
    /// busy timeout for another writer: a deferred one that read first could not wait for the
    /// lock later and would fail at once while another program writes.
    fn write<T>(&mut self, body: impl FnOnce(&rusqlite::Transaction<'_>) -> StoreResult<T>) -> StoreResult<T> {
        let path = self.path.clone();
        let tx =
            self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|err| classify(err, &path))?;
        let value = body(&tx).map_err(|err| reclassify(err, &path))?;
        tx.commit().map_err(|err| classify(err, &path))?;
        Ok(value)
    }
}

fn load_policy_override(data_dir: &Path) -> Result<Option<SlaPolicy>, String> {
    let path = data_dir.join(SLA_CONFIG_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(format!("cannot read {}: {err}; using the default SLA", path.display())),
    };
    SlaPolicy::from_json(&text)
        .map(Some)
        .map_err(|err: SlaPolicyError| format!("{}: {err}; using the default SLA", path.display()))
}

/// Maps a SQLite failure to a clear error naming the file.
fn classify(err: rusqlite::Error, path: &Path) -> StoreError {
    let path = path.to_path_buf();
    match err.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::Corrupt { path },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Locked { path },
        Some(ErrorCode::ReadOnly) => StoreError::ReadOnly { path },
        Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            StoreError::CannotOpen { path, message: err.to_string() }
        }
        _ => StoreError::Sqlite(err),
    }
}

/// Gives a raw SQLite error inside a [`StoreError`] its clear meaning (corrupt, locked, …).
fn reclassify(err: StoreError, path: &Path) -> StoreError {
    match err {
        StoreError::Sqlite(err) => classify(err, path),
        other => other,
    }
}

/// `path` as the path part of a SQLite `file:` URI.
fn uri_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '?' | '#' | '%' => out.push_str(&format!("%{:02X}", ch as u32)),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ActorKind, TicketId, TimelineEvent, now_ms};

    #[test]
    fn garbage_file_is_reported_as_corrupt_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let garbage = b"this is not a database, just some text that somebody saved here".repeat(100);
        std::fs::write(dir.path().join(DATABASE_FILE), &garbage).unwrap();
        let err = Store::open(dir.path()).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
        assert!(err.to_string().contains("damaged"));
        assert_eq!(std::fs::read(dir.path().join(DATABASE_FILE)).unwrap(), garbage);
    }

    #[test]
    fn invalid_sla_override_falls_back_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SLA_CONFIG_FILE), "{ not json").unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.policy(), &SlaPolicy::default());
        assert_eq!(store.warnings().len(), 1);
        assert!(store.warnings()[0].contains("sla.json"));
    }

    #[test]
    fn valid_sla_override_applies() {
        let dir = tempfile::tempdir().unwrap();
        let custom =
            crate::model::sla::DEFAULT_POLICY_JSON.replace("\"response_minutes\": 15", "\"response_minutes\": 5");
        std::fs::write(dir.path().join(SLA_CONFIG_FILE), custom).unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.policy().urgent.response_minutes, 5);
    }

    /// A store with one ticket in a fresh folder, and a second connection to the same file.
    fn store_and_competitor() -> (tempfile::TempDir, Store, TicketId, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let ticket = store.create_ticket(&samples::tests_new_ticket("Lock test"), "tester", now_ms()).unwrap();
        let competitor = Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
        (dir, store, ticket.id, competitor)
    }

    #[test]
    fn a_transcript_append_waits_out_a_competing_writer() {
        let (_dir, mut store, ticket_id, competitor) = store_and_competitor();
        // Another program takes the write lock, writes, and commits only after 3 s: longer than
        // the old 2 s timeout, well inside the busy timeout.
        competitor.execute_batch("BEGIN IMMEDIATE; INSERT INTO settings (key, value) VALUES ('other', 'x');").unwrap();
        let release = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(3));
            competitor.execute_batch("COMMIT").unwrap();
        });
        let started = TimelineEvent::SessionStarted { port: 1 };
        let appended = store.append_event(ticket_id, (ActorKind::Engineer, "tester"), &started, now_ms());
        release.join().unwrap();
        let seq = appended.unwrap_or_else(|err| panic!("the append gave up: {err}"));
        let history = store.history(ticket_id).unwrap();
        assert_eq!(history.last().map(|entry| (entry.seq, entry.event.kind())), Some((seq, "session_started".into())));
        let other: String =
            store.conn.query_row("SELECT value FROM settings WHERE key = 'other'", [], |row| row.get(0)).unwrap();
        assert_eq!(other, "x", "the competitor's write is kept too");
    }

    #[test]
    fn a_lock_held_past_the_busy_timeout_is_a_clear_locked_error_and_loses_nothing() {
        assert!(BUSY_TIMEOUT >= Duration::from_secs(10));
        let (_dir, mut store, ticket_id, competitor) = store_and_competitor();
        store.set_busy_timeout(Duration::from_millis(300)).unwrap();
        competitor.execute_batch("BEGIN IMMEDIATE").unwrap();
        let paired = TimelineEvent::PairingSucceeded {};
        let err = store.append_event(ticket_id, (ActorKind::Engineer, "tester"), &paired, now_ms()).unwrap_err();
        assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
        assert!(err.to_string().contains("in use by another program"), "{err}");
        competitor.execute_batch("ROLLBACK").unwrap();
        assert_eq!(store.history(ticket_id).unwrap().len(), 1, "nothing half-written");
        store.append_event(ticket_id, (ActorKind::Engineer, "tester"), &paired, now_ms()).unwrap();
    }

    #[test]
    fn a_second_writer_sees_the_lock_as_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let _first = Store::open(dir.path()).unwrap();
        let blocker = Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
        blocker.execute_batch("BEGIN EXCLUSIVE").unwrap();
        let mut second = Store::open(dir.path());
        if let Ok(store) = second.as_mut() {
            store.set_busy_timeout(Duration::from_millis(200)).unwrap();
            let new = samples::tests_new_ticket("Locked test");
            let err = store.create_ticket(&new, "tester", now_ms()).unwrap_err();
            assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
        } else {
            assert!(matches!(second, Err(StoreError::Locked { .. })), "{second:?}");
        }
    }
}
