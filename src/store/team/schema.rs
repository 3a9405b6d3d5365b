//! Versioned migrations of the team database, recorded in `schema_version`. Consoles starting
//! together take an advisory lock, so each step runs once.

use super::classify;
use super::signature::TokenSignature;
use crate::store::{StoreError, StoreResult};

/// Each entry upgrades the schema from version `index` to `index + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: the directory, tickets (the SQLite columns, a version, the assignee's id, the team, and
    // the search text with its n-gram tokens under a GIN index), notes, the timeline, the rows
    // as they were before each write, presence, team-wide settings and guides.
    r#"
    CREATE TABLE engineers (
        id BIGSERIAL PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        team TEXT NOT NULL DEFAULT '',
        tier BIGINT NOT NULL DEFAULT 1,
        skills TEXT NOT NULL DEFAULT '[]',
        password_hash TEXT NOT NULL,
        created_at_ms BIGINT NOT NULL
    );
    CREATE TABLE tickets (
        id BIGSERIAL PRIMARY KEY,
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
        tier BIGINT NOT NULL DEFAULT 1,
        resolution TEXT NOT NULL DEFAULT '',
        satisfaction BIGINT CHECK (satisfaction BETWEEN 1 AND 5),
        satisfaction_comment TEXT NOT NULL DEFAULT '',
        reported_at_ms BIGINT NOT NULL,
        created_at_ms BIGINT NOT NULL,
        updated_at_ms BIGINT NOT NULL,
        sla_started_at_ms BIGINT NOT NULL,
        sla_response_target_ms BIGINT NOT NULL,
        sla_resolution_target_ms BIGINT NOT NULL,
        sla_responded_at_ms BIGINT,
        sla_paused_total_ms BIGINT NOT NULL DEFAULT 0,
        sla_paused_since_ms BIGINT,
        urgency_key BIGINT NOT NULL,
        sla_at_risk_from_ms BIGINT,
        sla_breach_at_ms BIGINT,
        version BIGINT NOT NULL DEFAULT 1,
        assignee_id BIGINT REFERENCES engineers (id) ON DELETE SET NULL,
        team TEXT,
        search_text TEXT NOT NULL DEFAULT '',
        search_tokens TEXT[] NOT NULL DEFAULT '{}'
    );
    CREATE INDEX tickets_by_urgency ON tickets (urgency_key, id);
    CREATE INDEX tickets_by_status ON tickets (status, urgency_key);
    CREATE INDEX tickets_by_assignee ON tickets (assignee, urgency_key);
    CREATE INDEX tickets_by_assignee_id ON tickets (assignee_id, urgency_key);
    CREATE INDEX tickets_by_team ON tickets (team, urgency_key);
    CREATE INDEX tickets_by_risk ON tickets (sla_at_risk_from_ms);
    CREATE INDEX tickets_search ON tickets USING gin (search_tokens);

    CREATE TABLE ticket_number_counters (day TEXT PRIMARY KEY, last BIGINT NOT NULL);

    CREATE TABLE ticket_notes (
        id BIGSERIAL PRIMARY KEY,
        ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        at_ms BIGINT NOT NULL,
        author TEXT NOT NULL,
        body TEXT NOT NULL
    );
    CREATE INDEX ticket_notes_by_ticket ON ticket_notes (ticket_id, id);

    CREATE TABLE ticket_events (
        ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        seq BIGINT NOT NULL,
        at_ms BIGINT NOT NULL,
        actor TEXT NOT NULL,
        actor_kind TEXT NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        PRIMARY KEY (ticket_id, seq)
    );

    CREATE TABLE ticket_revisions (
        ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        version BIGINT NOT NULL,
        snapshot TEXT NOT NULL,
        PRIMARY KEY (ticket_id, version)
    );

    CREATE TABLE presence (
        ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        engineer_id BIGINT NOT NULL REFERENCES engineers (id) ON DELETE CASCADE,
        seen_at_ms BIGINT NOT NULL,
        PRIMARY KEY (ticket_id, engineer_id)
    );

    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

    CREATE TABLE guides (
        id BIGSERIAL PRIMARY KEY,
        document TEXT NOT NULL,
        updated_at_ms BIGINT NOT NULL
    );
    "#,
    // 2: remote sessions and exit surveys of the team's tickets (the SQLite tables).
    r#"
    CREATE TABLE sessions (
        id BIGSERIAL PRIMARY KEY,
        ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        engineer TEXT NOT NULL,
        started_at_ms BIGINT NOT NULL,
        joined_at_ms BIGINT,
        ended_at_ms BIGINT,
        end_reason TEXT
    );
    CREATE INDEX sessions_by_ticket ON sessions (ticket_id, id);
    CREATE INDEX sessions_by_start ON sessions (started_at_ms);
    CREATE TABLE surveys (
        session_id BIGINT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
        ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        asked_at_ms BIGINT NOT NULL,
        settled_at_ms BIGINT NOT NULL,
        solved TEXT CHECK (solved IN ('yes', 'partly', 'no')),
        rating BIGINT CHECK (rating BETWEEN 1 AND 5),
        explanations_clear TEXT CHECK (explanations_clear IN ('yes', 'partly', 'no')),
        comment TEXT NOT NULL DEFAULT '',
        not_answered_reason TEXT,
        CHECK ((rating IS NULL) = (not_answered_reason IS NOT NULL))
    );
    CREATE INDEX surveys_by_ticket ON surveys (ticket_id);
    CREATE INDEX surveys_by_asked ON surveys (asked_at_ms);
    "#,
    // 3: session recordings of the team's tickets; the file stays on the computer that recorded
    // it (`host`), which alone deletes it.
    r#"
    CREATE TABLE recordings (
        id BIGSERIAL PRIMARY KEY,
        ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        session_id BIGINT REFERENCES sessions (id) ON DELETE SET NULL,
        host TEXT NOT NULL,
        path TEXT NOT NULL,
        duration_ms BIGINT NOT NULL,
        bytes BIGINT NOT NULL,
        hash_head TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('sealed', 'recovered')),
        saved_at_ms BIGINT NOT NULL,
        retention_until_ms BIGINT NOT NULL,
        UNIQUE (host, path)
    );
    CREATE INDEX recordings_by_ticket ON recordings (ticket_id, id);
    CREATE INDEX recordings_by_retention ON recordings (host, retention_until_ms);
    "#,
    // 4: the team's knowledge base in use: a version per guide (saves are checked against it),
    // the shipped guides' keys (seeded after this step when the team has no guides), and each
    // step's answer counts and dated answers (the SQLite tables).
    r#"
    ALTER TABLE guides ADD COLUMN version BIGINT NOT NULL DEFAULT 1, ADD COLUMN builtin_key TEXT;
    CREATE TABLE guide_step_outcomes (
        guide_id BIGINT NOT NULL REFERENCES guides (id) ON DELETE CASCADE,
        step_index BIGINT NOT NULL,
        done BIGINT NOT NULL DEFAULT 0,
        didnt_work BIGINT NOT NULL DEFAULT 0,
        stuck BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (guide_id, step_index)
    );
    CREATE TABLE guide_step_answers (
        id BIGSERIAL PRIMARY KEY,
        guide_id BIGINT NOT NULL REFERENCES guides (id) ON DELETE CASCADE,
        step_index BIGINT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('done', 'didnt_work', 'stuck')),
        at_ms BIGINT NOT NULL
    );
    CREATE INDEX guide_step_answers_by_time ON guide_step_answers (at_ms, guide_id, step_index, outcome);
    CREATE INDEX guide_step_answers_by_step ON guide_step_answers (guide_id, step_index);
    "#,
    // 5: each ticket's token signature (see `signature.rs`), filled in and then kept in the
    // urgency index with the status (see `finish_signatures`), so a common-word walk reads the
    // index instead of every row.
    "ALTER TABLE tickets ADD COLUMN search_signature bit(1024);",
];

/// The step after which existing tickets get their token signatures.
const SIGN_TICKETS_AFTER: i64 = 5;

/// Tickets signed per statement while migrating.
const SIGN_BATCH: i64 = 2_000;

/// The step after which the shipped guides are seeded into a team database without guides.
const SEED_GUIDES_AFTER: i64 = 4;

/// The newest team schema this build knows.
pub const TEAM_SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the team database to [`TEAM_SCHEMA_VERSION`]; refuses one from a newer build.
pub(super) fn migrate(client: &mut postgres::Client) -> StoreResult<()> {
    let mut tx = client.transaction().map_err(classify)?;
    // One console migrates at a time (the lock ends with the transaction).
    tx.execute("SELECT pg_advisory_xact_lock(7357000014)", &[]).map_err(classify)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)").map_err(classify)?;
    let found: Option<i64> =
        tx.query_opt("SELECT max(version) FROM schema_version", &[]).map_err(classify)?.and_then(|row| row.get(0));
    let found = found.unwrap_or(0);
    if found > TEAM_SCHEMA_VERSION {
        return Err(StoreError::NewerSchema { found, supported: TEAM_SCHEMA_VERSION });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(usize::try_from(found).unwrap_or(0)) {
        let version = index as i64 + 1;
        tx.batch_execute(sql).map_err(classify)?;
        tx.execute("DELETE FROM schema_version", &[]).map_err(classify)?;
        tx.execute("INSERT INTO schema_version (version) VALUES ($1)", &[&version]).map_err(classify)?;
        if version == SEED_GUIDES_AFTER {
            super::guides::seed_builtin_guides(&mut tx)?;
        }
        if version == SIGN_TICKETS_AFTER {
            finish_signatures(&mut tx)?;
        }
        tracing::info!(version, "team database schema migrated");
    }
    tx.commit().map_err(classify)
}

/// Computes every existing ticket's token signature from its tokens (in batches), then makes the
/// column required and moves the urgency index onto `(urgency_key, id)` with the status and the
/// signature included.
///
/// A console of an older build may still be running against the upgraded database, and it writes
/// tokens without a signature. So a row inserted without one gets every bit set, and an update
/// that changes the tokens but leaves the signature as it was sets every bit too: such a row is a
/// candidate for every walk (read and checked, as before signatures), never passed over.
fn finish_signatures(tx: &mut postgres::Transaction<'_>) -> StoreResult<()> {
    let mut after_id = 0_i64;
    loop {
        let rows = tx
            .query(
                "SELECT id, search_tokens FROM tickets WHERE id > $1 ORDER BY id LIMIT $2",
                &[&after_id, &SIGN_BATCH],
            )
            .map_err(classify)?;
        let Some(last) = rows.last() else { break };
        after_id = last.try_get(0).map_err(classify)?;
        let mut ids = Vec::with_capacity(rows.len());
        let mut signatures = Vec::with_capacity(rows.len());
        for row in &rows {
            let tokens: Vec<String> = row.try_get(1).map_err(classify)?;
            ids.push(row.try_get::<_, i64>(0).map_err(classify)?);
            signatures.push(TokenSignature::of(&tokens));
        }
        tx.execute(
            "UPDATE tickets SET search_signature = signed.signature \
             FROM unnest($1::bigint[], $2::bit(1024)[]) AS signed (id, signature) WHERE tickets.id = signed.id",
            &[&ids, &signatures],
        )
        .map_err(classify)?;
    }
    tx.batch_execute(
        "ALTER TABLE tickets ALTER COLUMN search_signature SET NOT NULL, \
             ALTER COLUMN search_signature SET DEFAULT repeat('1', 1024)::bit(1024); \
         CREATE FUNCTION stepwise_tokens_unsigned() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN NEW.search_signature := repeat('1', 1024)::bit(1024); RETURN NEW; END $$; \
         CREATE TRIGGER tickets_tokens_unsigned BEFORE UPDATE OF search_tokens ON tickets FOR EACH ROW \
             WHEN (NEW.search_signature IS NOT DISTINCT FROM OLD.search_signature \
                   AND NEW.search_tokens IS DISTINCT FROM OLD.search_tokens) \
             EXECUTE FUNCTION stepwise_tokens_unsigned(); \
         CREATE INDEX tickets_by_urgency_signed ON tickets (urgency_key, id) INCLUDE (status, search_signature); \
         DROP INDEX tickets_by_urgency;",
    )
    .map_err(classify)
}
