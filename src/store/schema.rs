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
    // 4: actor kinds on the timeline (engineer / user / system): a name a user's machine sends is
    // only a claim, so who acted is typed. Old rows get theirs from the event they record.
    Migration::SqlThen(
        "ALTER TABLE ticket_events ADD COLUMN actor_kind TEXT NOT NULL DEFAULT 'engineer' \
         CHECK (actor_kind IN ('engineer', 'user', 'system'));",
        super::history::backfill_actor_kinds,
    ),
    // 5: where imported history came from. Each import is one row; the timeline
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
    // 6: remote sessions as rows (when, who, how they ended) and the user's exit surveys, one
    // per session, so reports can count them.
    Migration::Sql(
        r#"
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        engineer TEXT NOT NULL,
        started_at_ms INTEGER NOT NULL,
        joined_at_ms INTEGER,
        ended_at_ms INTEGER,
        end_reason TEXT
    );
    CREATE INDEX sessions_by_ticket ON sessions (ticket_id, id);
    CREATE INDEX sessions_by_start ON sessions (started_at_ms);
    CREATE TABLE surveys (
        session_id INTEGER PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
        ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        asked_at_ms INTEGER NOT NULL,
        settled_at_ms INTEGER NOT NULL,
        solved TEXT CHECK (solved IN ('yes', 'partly', 'no')),
        rating INTEGER CHECK (rating BETWEEN 1 AND 5),
        explanations_clear TEXT CHECK (explanations_clear IN ('yes', 'partly', 'no')),
        comment TEXT NOT NULL DEFAULT '',
        not_answered_reason TEXT,
        CHECK ((rating IS NULL) = (not_answered_reason IS NOT NULL))
    );
    CREATE INDEX surveys_by_ticket ON surveys (ticket_id);
    CREATE INDEX surveys_by_asked ON surveys (asked_at_ms);
    "#,
    ),
    // 7: indexes for reports: tickets by creation and by last change, and workflow moves apart
    // from the rest of the timeline (covering: reading them never touches the other entries).
    Migration::Sql(
        r#"
    CREATE INDEX tickets_by_created ON tickets (created_at_ms);
    CREATE INDEX tickets_by_updated ON tickets (updated_at_ms);
    CREATE INDEX ticket_events_status_moves ON ticket_events (ticket_id, seq, at_ms, payload)
        WHERE kind = 'status_changed';
    "#,
    ),
    // 8: plain-language hints: each jargon hint offered before a chat line or step was sent, and
    // whether the engineer took the plain phrase (reports set it beside "easy to understand").
    Migration::Sql(
        r#"
    CREATE TABLE jargon_hints (
        id INTEGER PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        engineer TEXT NOT NULL,
        term TEXT NOT NULL,
        accepted INTEGER NOT NULL CHECK (accepted IN (0, 1))
    );
    CREATE INDEX jargon_hints_by_time ON jargon_hints (at_ms);
    "#,
    ),
    // 9: session recordings: the file is in the data folder, the row says which ticket and
    // session it recorded, its size, chain head, status and when retention deletes it.
    Migration::Sql(
        r#"
    CREATE TABLE recordings (
        id INTEGER PRIMARY KEY,
        ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        session_id INTEGER REFERENCES sessions (id) ON DELETE SET NULL,
        path TEXT NOT NULL UNIQUE,
        duration_ms INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        hash_head TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('sealed', 'recovered')),
        saved_at_ms INTEGER NOT NULL,
        retention_until_ms INTEGER NOT NULL
    );
    CREATE INDEX recordings_by_ticket ON recordings (ticket_id, id);
    CREATE INDEX recordings_by_retention ON recordings (retention_until_ms);
    "#,
    ),
    // 10: guide step answers with their date, so reports count the failing steps of their range
    // (the per-step totals in `guide_step_outcomes` stay: the guide editor shows them; answers
    // from before this migration are only in those totals).
    Migration::Sql(
        r#"
    CREATE TABLE guide_step_answers (
        id INTEGER PRIMARY KEY,
        guide_id INTEGER NOT NULL REFERENCES guides (id) ON DELETE CASCADE,
        step_index INTEGER NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('done', 'didnt_work', 'stuck')),
        at_ms INTEGER NOT NULL
    );
    CREATE INDEX guide_step_answers_by_time ON guide_step_answers (at_ms, guide_id, step_index, outcome);
    CREATE INDEX guide_step_answers_by_step ON guide_step_answers (guide_id, step_index);
    "#,
    ),
    // 11: reports without reading the timeline: each ticket keeps what its workflow moves tell
    // (first resolution, reopened soon after, last move and where it led), updated as moves are
    // written and back-filled here; and covering indexes hold every column a report reads of a
    // ticket (in creation order) and of a survey (by when it was asked).
    Migration::SqlThen(
        r#"
    ALTER TABLE tickets ADD COLUMN first_resolved_at_ms INTEGER;
    ALTER TABLE tickets ADD COLUMN reopened_soon INTEGER NOT NULL DEFAULT 0 CHECK (reopened_soon IN (0, 1));
    ALTER TABLE tickets ADD COLUMN last_move_at_ms INTEGER;
    ALTER TABLE tickets ADD COLUMN last_move_to TEXT;
    CREATE INDEX tickets_report ON tickets (
        created_at_ms, updated_at_ms, status, category, priority, number, title, assignee, satisfaction,
        sla_started_at_ms, sla_response_target_ms, sla_resolution_target_ms, sla_responded_at_ms,
        sla_paused_total_ms, sla_paused_since_ms, first_resolved_at_ms, reopened_soon, last_move_at_ms, last_move_to
    );
    CREATE INDEX surveys_report ON surveys (
        asked_at_ms, ticket_id, settled_at_ms, solved, rating, explanations_clear, comment, not_answered_reason
    );
    "#,
        super::report::backfill_move_facts,
    ),
    // 12: the team desk: a version on every ticket row (bumped by every write, checked by
    // versioned edits), the row as it was before each write (to show a conflict field by field),
    // a directory of engineers (passwords as Argon2id hashes) that the text assignee refers to by
    // name and `assignee_id` by id, the team handling a ticket, and who is viewing which ticket.
    Migration::Sql(
        r#"
    CREATE TABLE engineers (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        team TEXT NOT NULL DEFAULT '',
        tier INTEGER NOT NULL DEFAULT 1,
        skills TEXT NOT NULL DEFAULT '[]',
        password_hash TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL
    );
    ALTER TABLE tickets ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE tickets ADD COLUMN assignee_id INTEGER REFERENCES engineers (id) ON DELETE SET NULL;
    ALTER TABLE tickets ADD COLUMN team TEXT;
    CREATE INDEX tickets_by_assignee_id ON tickets (assignee_id, urgency_key);
    CREATE INDEX tickets_by_team ON tickets (team, urgency_key);
    CREATE TABLE ticket_revisions (
        ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        snapshot TEXT NOT NULL,
        PRIMARY KEY (ticket_id, version)
    ) WITHOUT ROWID;
    CREATE TABLE presence (
        ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        engineer_id INTEGER NOT NULL REFERENCES engineers (id) ON DELETE CASCADE,
        seen_at_ms INTEGER NOT NULL,
        PRIMARY KEY (ticket_id, engineer_id)
    ) WITHOUT ROWID;
    "#,
    ),
    // 13: recordings this console made on a team desk: the row is the team database's, the file
    // is here; kept so retention deletes the file even while the console works on its own desk.
    Migration::Sql(
        r#"
    CREATE TABLE team_recording_files (
        path TEXT PRIMARY KEY,
        retention_until_ms INTEGER NOT NULL
    ) WITHOUT ROWID;
    "#,
    ),
];

/// The newest schema version this build knows.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database to [`SCHEMA_VERSION`]; refuses a database from a newer build.
pub fn migrate(conn: &mut Connection) -> StoreResult<()> {
    migrate_to(conn, SCHEMA_VERSION)
}

/// Brings the database to `target` (tests stop at older versions to check upgrades).
fn migrate_to(conn: &mut Connection, target: i64) -> StoreResult<()> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema { found, supported: SCHEMA_VERSION });
    }
    let wanted = usize::try_from(target).unwrap_or(0);
    for (index, sql) in MIGRATIONS.iter().enumerate().take(wanted).skip(usize::try_from(found).unwrap_or(0)) {
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
    fn old_timeline_rows_get_actor_kinds_from_their_events() {
        let mut conn = Connection::open_in_memory().unwrap();
        // Version 3: before actor kinds (and before any migration added after it).
        migrate_to(&mut conn, 3).unwrap();
        // Rows without their tickets: only the timeline matters here.
        conn.pragma_update(None, "foreign_keys", false).unwrap();
        let rows = [
            (1, "Li Wei", "status_changed", r#"{"from":"new","to":"in_progress"}"#),
            (2, "Eng Attack", "chat", r#"{"from":"user","text":"I (engineer) confirm"}"#),
            (3, "Li Wei", "chat", r#"{"from":"engineer","text":"hello"}"#),
            (4, "Eng Attack", "consent_granted", r#"{"scopes":{}}"#),
            (5, "Li Wei", "disconnected", "{}"),
            (6, "user", "pairing_failed", r#"{"reason":"code_burned"}"#),
            (7, "Eng Attack", "session_ended", r#"{"reason":"user_stopped","by_user":true}"#),
            (8, "Li Wei", "chat", "not json"),
        ];
        for (seq, actor, kind, payload) in rows {
            conn.execute(
                "INSERT INTO ticket_events (ticket_id, seq, at_ms, actor, kind, payload) VALUES (1, ?1, 0, ?2, ?3, ?4)",
                rusqlite::params![seq, actor, kind, payload],
            )
            .unwrap();
        }
        migrate(&mut conn).unwrap();
        let kinds: Vec<String> = conn
            .prepare("SELECT actor_kind FROM ticket_events ORDER BY seq")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        // A damaged chat row cannot show it was the engineer's: it is taken for the user's.
        let expected = ["engineer", "user", "engineer", "user", "system", "system", "user", "user"];
        assert_eq!(kinds, expected);
    }

    #[test]
    fn refuses_a_newer_schema() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
        assert!(matches!(migrate(&mut conn), Err(StoreError::NewerSchema { .. })));
    }
}
