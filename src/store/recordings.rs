//! Session recordings as rows (the files live in the data folder): written with their
//! `recording_saved` / `recording_recovered` timeline entry in one transaction, listed per
//! ticket, and deleted (by hand or when retention runs out) together with a tombstone entry.

use rusqlite::{OptionalExtension, Row, params};

use super::history::append_as;
use super::{Store, StoreError, StoreResult};
use crate::model::{ActorKind, RecordingRecord, RecordingStatus, SessionId, TicketId, TimelineEvent};

const RETENTION_KEY: &str = "recording_retention_days";
/// How long recordings are kept unless the setting says otherwise, days.
pub const DEFAULT_RETENTION_DAYS: u32 = 90;
/// The longest retention the setting accepts, days (ten years).
pub const MAX_RETENTION_DAYS: u32 = 3650;
pub(super) const DAY_MS: i64 = 24 * 60 * 60 * 1000;
pub(super) const COLUMNS: &str =
    "id, ticket_id, session_id, path, duration_ms, bytes, hash_head, status, saved_at_ms, retention_until_ms";

fn recording_from_row(row: &Row<'_>) -> rusqlite::Result<RecordingRecord> {
    let status: String = row.get(7)?;
    Ok(RecordingRecord {
        id: row.get(0)?,
        ticket_id: TicketId(row.get(1)?),
        session_id: row.get::<_, Option<i64>>(2)?.map(SessionId),
        path: row.get(3)?,
        duration_ms: u64::try_from(row.get::<_, i64>(4)?).unwrap_or(0),
        bytes: u64::try_from(row.get::<_, i64>(5)?).unwrap_or(0),
        hash_head: row.get(6)?,
        status: RecordingStatus::parse(&status).unwrap_or(RecordingStatus::Recovered),
        saved_at_ms: row.get(8)?,
        retention_until_ms: row.get(9)?,
    })
}

/// Why a recording was deleted (stored in its tombstone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeleteReason {
    /// An engineer deleted it by hand from the ticket.
    ByHand,
    /// Its retention date passed.
    Retention,
}

impl DeleteReason {
    /// The stable code in the tombstone.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ByHand => "by_hand",
            Self::Retention => "retention",
        }
    }
}

impl Store {
    /// How many days recordings are kept (the setting, else [`DEFAULT_RETENTION_DAYS`]).
    pub fn recording_retention_days(&self) -> StoreResult<u32> {
        let stored = self.setting(RETENTION_KEY)?.and_then(|text| text.trim().parse::<u32>().ok());
        Ok(stored.filter(|days| (1..=MAX_RETENTION_DAYS).contains(days)).unwrap_or(DEFAULT_RETENTION_DAYS))
    }

    /// Sets how many days recordings are kept (1 to [`MAX_RETENTION_DAYS`]); applies to
    /// recordings saved from now on.
    pub fn set_recording_retention_days(&mut self, days: u32) -> StoreResult<()> {
        if !(1..=MAX_RETENTION_DAYS).contains(&days) {
            return Err(StoreError::Rule(format!("retention must be 1 to {MAX_RETENTION_DAYS} days, not {days}")));
        }
        self.set_setting(RETENTION_KEY, &days.to_string())
    }

    /// Stores a sealed or recovered recording: its timeline entry (`event`, the system's) and
    /// its row, in one transaction. `event` must be `RecordingSaved` or `RecordingRecovered`.
    /// Returns the entry's sequence number and the row.
    pub fn save_recording(
        &mut self,
        ticket_id: TicketId,
        session_id: Option<SessionId>,
        event: &TimelineEvent,
        now_ms: i64,
    ) -> StoreResult<(i64, RecordingRecord)> {
        let (status, duration_ms, bytes, hash_head, path) = super::recording_log::recording_parts(event)?;
        let retention_until_ms =
            now_ms.saturating_add(i64::from(self.recording_retention_days()?).saturating_mul(DAY_MS));
        self.write(|tx| {
            let seq = append_as(tx, ticket_id, now_ms, (ActorKind::System, ActorKind::System.as_str()), event)?;
            // A session of another ticket (or none) is not this recording's.
            let session_id = match session_id {
                Some(id) => tx
                    .query_row("SELECT id FROM sessions WHERE id = ?1 AND ticket_id = ?2", [id.0, ticket_id.0], |row| {
                        row.get::<_, i64>(0)
                    })
                    .optional()?,
                None => None,
            };
            tx.execute(
                "INSERT INTO recordings (ticket_id, session_id, path, duration_ms, bytes, hash_head, status, \
                 saved_at_ms, retention_until_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
                 ON CONFLICT (path) DO UPDATE SET duration_ms = excluded.duration_ms, bytes = excluded.bytes, \
                 hash_head = excluded.hash_head, status = excluded.status",
                params![
                    ticket_id.0,
                    session_id,
                    path,
                    i64::try_from(duration_ms).unwrap_or(i64::MAX),
                    i64::try_from(bytes).unwrap_or(i64::MAX),
                    hash_head,
                    status.as_str(),
                    now_ms,
                    retention_until_ms
                ],
            )?;
            let sql = format!("SELECT {COLUMNS} FROM recordings WHERE path = ?1");
            let row = tx.query_row(&sql, [path], recording_from_row)?;
            Ok((seq, row))
        })
    }

    /// Remembers a recording file this console made for a team ticket (its row is in the team
    /// database), so retention deletes the file whichever desk the console works on.
    pub fn keep_team_recording_file(&mut self, path: &str, retention_until_ms: i64) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO team_recording_files (path, retention_until_ms) VALUES (?1, ?2) \
                 ON CONFLICT (path) DO UPDATE SET retention_until_ms = excluded.retention_until_ms",
                params![path, retention_until_ms],
            )?;
            Ok(())
        })
    }

    /// The team recording files this console made whose retention ran out before `now_ms`.
    pub fn expired_team_recording_files(&self, now_ms: i64) -> StoreResult<Vec<String>> {
        let mut statement =
            self.conn.prepare("SELECT path FROM team_recording_files WHERE retention_until_ms < ?1 ORDER BY path")?;
        let rows = statement.query_map([now_ms], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Forgets a team recording file (deleted, by retention or by hand).
    pub fn forget_team_recording_file(&mut self, path: &str) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM team_recording_files WHERE path = ?1", [path])?;
            Ok(())
        })
    }

    /// A ticket's recordings, oldest first.
    pub fn recordings_for_ticket(&self, ticket_id: TicketId) -> StoreResult<Vec<RecordingRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM recordings WHERE ticket_id = ?1 ORDER BY id");
        let mut statement = self.conn.prepare_cached(&sql)?;
        let rows = statement.query_map([ticket_id.0], recording_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One recording.
    pub fn recording(&self, id: i64) -> StoreResult<Option<RecordingRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM recordings WHERE id = ?1");
        Ok(self.conn.query_row(&sql, [id], recording_from_row).optional()?)
    }

    /// Recordings whose retention date is before `now_ms`, oldest first.
    pub fn expired_recordings(&self, now_ms: i64) -> StoreResult<Vec<RecordingRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM recordings WHERE retention_until_ms < ?1 ORDER BY id");
        let mut statement = self.conn.prepare_cached(&sql)?;
        let rows = statement.query_map([now_ms], recording_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Removes a recording's row and leaves its tombstone (`recording_deleted`: who, why, chain
    /// head) in its ticket's timeline, in one transaction. The caller deletes the file first.
    /// Returns the tombstone's sequence number and event.
    pub fn delete_recording(
        &mut self,
        id: i64,
        (actor_kind, actor): (ActorKind, &str),
        reason: DeleteReason,
        now_ms: i64,
    ) -> StoreResult<(TicketId, i64, TimelineEvent)> {
        self.write(|tx| {
            let sql = format!("SELECT {COLUMNS} FROM recordings WHERE id = ?1");
            let Some(recording) = tx.query_row(&sql, [id], recording_from_row).optional()? else {
                return Err(StoreError::Rule(format!("recording {id} does not exist")));
            };
            tx.execute("DELETE FROM recordings WHERE id = ?1", [id])?;
            let event = TimelineEvent::RecordingDeleted {
                reason: reason.as_str().to_owned(),
                hash_head: recording.hash_head,
                path: recording.path,
            };
            let seq = append_as(tx, recording.ticket_id, now_ms, (actor_kind, actor), &event)?;
            Ok((recording.ticket_id, seq, event))
        })
    }
}

#[cfg(test)]
mod tests;
