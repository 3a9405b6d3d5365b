//! Versioned schema migrations, applied in order inside one transaction each.

use rusqlite::Connection;

use super::{StoreError, StoreResult};

/// One schema step: SQL, or SQL followed by a backfill written in Rust.
enum Migration {
    /// Plain SQL.
    Sql(&'static str),
    /// SQL, then a Rust function over the same transaction.
    SqlThen(&'static str, fn(&rusqlite::Transaction<'_>) -> StoreResult<()>),
}

/// Each entry upgrades the schema from version `index` to `index + 1`.
const MIGRATIONS: &[Migration] = &[
    Migration::Sql(
        // 1: tickets, notes, the timeline, settings, number counters, full-text search.
        r#"
    CREATE TABLE tickets (
        id INTEGER PRIMARY KEY,
        number TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        requester_name TEXT NOT NULL,
        department TEXT NOT NULL DEFAULT '',
        contact TEXT NOT NULL DEFAULT '',
        location TEXT NOT NULL DEFAULT '',
        affected_system TEXT NOT NULL DEFAULT '',
        affected_version TEXT NOT NULL DEFAULT '',
        description TEXT NOT NULL DEFAULT '',
        expectation TEXT NOT NULL DEFAULT '',
        business_impact TEXT NOT NULL DEFAULT '',
        category TEXT NOT NULL,
        urgency TEXT NOT NULL,
        impact TEXT NOT NULL,
        priority TEXT NOT NULL,
        status TEXT NOT NULL,
        assignee TEXT,
        tier INTEGER NOT NULL DEFAULT 1,
        resolution TEXT NOT NULL DEFAULT '',
        satisfaction INTEGER CHECK (satisfaction BETWEEN 1 AND 5),
        satisfaction_comment TEXT NOT NULL DEFAULT '',
        reported_at_ms INTEGER NOT NULL,
        created_at_ms INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL,
        sla_started_at_ms INTEGER NOT NULL,
        sla_response_target_ms INTEGER NOT NULL,
        sla_resolution_target_ms INTEGER NOT NULL,
        sla_responded_at_ms INTEGER,
        sla_paused_total_ms INTEGER NOT NULL DEFAULT 0,
        sla_paused_since_ms INTEGER,
        urgency_key INTEGER NOT NULL,
        sla_at_risk_from_ms INTEGER,
        sla_breach_at_ms INTEGER
    );
    CREATE INDEX tickets_by_urgency ON tickets (urgency_key, id);
    CREATE INDEX tickets_by_status ON tickets (status, urgency_key);
    CREATE INDEX tickets_by_assignee ON tickets (assignee, urgency_key);
    CREATE INDEX tickets_by_risk ON tickets (sla_at_risk_from_ms);

    CREATE TABLE ticket_notes (
        id INTEGER PRIMARY KEY,
        ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        at_ms INTEGER NOT NULL,
        author TEXT NOT NULL,
        body TEXT NOT NULL
    );
    CREATE INDEX ticket_notes_by_ticket ON ticket_notes (ticket_id, id);

    CREATE TABLE ticket_events (
        ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        at_ms INTEGER NOT NULL,
        actor TEXT NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        PRIMARY KEY (ticket_id, seq)
    ) WITHOUT ROWID;

    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

    CREATE TABLE ticket_number_counters (day TEXT PRIMARY KEY, last INTEGER NOT NULL) WITHOUT ROWID;

    CREATE VIRTUAL TABLE ticket_search USING fts5 (
        number, title, requester, description, notes,
        tokenize = 'trigram'
    );
    "#,
    ),
    // 2: a word/bigram index for search terms shorter than three characters (打印, PC).
    Migration::SqlThen(
        "CREATE VIRTUAL TABLE ticket_search_short USING fts5 (body, tokenize = 'unicode61 remove_diacritics 2');",
        super::tickets::rebuild_search,
    ),
    // 3: the knowledge base of guides, seeded with the shipped ones, and per-step answer counts.
    Migration::SqlThen(
        r#"
    CREATE TABLE guides (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        category TEXT NOT NULL,
        tags TEXT NOT NULL DEFAULT '',
        language TEXT NOT NULL,
        steps TEXT NOT NULL,
        builtin_key TEXT UNIQUE,
        created_at_ms INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL
    );
    CREATE TABLE guide_step_outcomes (
        guide_id INTEGER NOT NULL REFERENCES guides(id) ON DELETE CASCADE,
        step_index INTEGER NOT NULL,
        done INTEGER NOT NULL DEFAULT 0,
        didnt_work INTEGER NOT NULL DEFAULT 0,
        stuck INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (guide_id, step_index)
    );
    "#,
        super::guides::seed_builtin_guides,
    ),
    // 4 (trust-store): where imported history came from. Each import is one row; the timeline
    // entries and notes it brought point at it.
    Migration::Sql(
        r#"
    CREATE TABLE imports (
        id INTEGER PRIMARY KEY,
        file TEXT NOT NULL,
        importer TEXT NOT NULL,
        at_ms INTEGER NOT NULL
    );
    ALTER TABLE ticket_events ADD COLUMN import_id INTEGER REFERENCES imports (id);
    ALTER TABLE ticket_notes ADD COLUMN import_id INTEGER REFERENCES imports (id);
    "#,
    ),
];

/// The newest schema version this build knows.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database to [`SCHEMA_VERSION`]; refuses a database from a newer build.
pub fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema { found, supported: SCHEMA_VERSION });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(usize::try_from(found).unwrap_or(0)) {
        let version = index as i64 + 1;
        let tx = conn.transaction()?;
        match sql {
            Migration::Sql(sql) => tx.execute_batch(sql)?,
            Migration::SqlThen(sql, backfill) => {
                tx.execute_batch(sql)?;
                backfill(&tx)?;
            }
        }
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(version, "database schema migrated");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_a_fresh_database_once() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0)).unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name IN ('tickets','ticket_events','ticket_search')",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(tables, 3);
    }

    #[test]
    fn refuses_a_newer_schema() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
        assert!(matches!(migrate(&mut conn), Err(StoreError::NewerSchema { .. })));
    }
}
