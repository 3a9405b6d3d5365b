//! Session recordings of the team's tickets: [`RecordingLog`] on PostgreSQL. Every row names
//! the computer that holds the file (`host`): only that computer deletes it, by hand or when
//! its retention runs out; another console asking to delete it is told where it is.

use postgres::types::Type;

use super::rows::{append_event, lock_ticket_row, notify};
use super::{TeamStore, classify};
use crate::model::{ActorKind, DeskNoticeKind, RecordingRecord, RecordingStatus, SessionId, TicketId, TimelineEvent};
use crate::store::recording_log::recording_parts;
use crate::store::recordings::{DAY_MS, DeleteReason};
use crate::store::row_columns::RowColumns;
use crate::store::{RecordingLog, StoreError, StoreResult};

const COLUMNS: &str = "id, ticket_id, session_id, path, duration_ms, bytes, hash_head, status, saved_at_ms, \
                       retention_until_ms, host";

/// This computer as the team database records it: its host name, and the first characters of
/// its machine id (`/etc/machine-id`) so two computers with the same name are not taken for one
/// (one would otherwise drop the other's rows as files it does not have).
pub(super) fn this_host() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|name| name.trim().chars().take(200).collect::<String>())
        .filter(|name| !name.is_empty())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "this computer".to_owned());
    let machine = std::fs::read_to_string("/etc/machine-id")
        .or_else(|_| std::fs::read_to_string("/var/lib/dbus/machine-id"))
        .ok()
        .map(|id| id.trim().chars().filter(char::is_ascii_hexdigit).take(8).collect::<String>())
        .filter(|id| !id.is_empty());
    match machine {
        Some(machine) => format!("{name} ({machine})"),
        None => name,
    }
}

fn recording_from(row: &postgres::Row) -> StoreResult<(RecordingRecord, String)> {
    let record = RecordingRecord {
        id: row.int(0)?,
        ticket_id: TicketId(row.int(1)?),
        session_id: row.optional_int(2)?.map(SessionId),
        path: row.text(3)?,
        duration_ms: u64::try_from(row.int(4)?).unwrap_or(0),
        bytes: u64::try_from(row.int(5)?).unwrap_or(0),
        hash_head: row.text(6)?,
        status: RecordingStatus::parse(&row.text(7)?).unwrap_or(RecordingStatus::Recovered),
        saved_at_ms: row.int(8)?,
        retention_until_ms: row.int(9)?,
    };
    Ok((record, row.text(10)?))
}

impl RecordingLog for TeamStore {
    fn log_recording(
        &mut self,
        ticket_id: TicketId,
        session_id: Option<SessionId>,
        event: &TimelineEvent,
        retention_days: u32,
        now_ms: i64,
    ) -> StoreResult<(i64, RecordingRecord)> {
        let (status, duration_ms, bytes, hash_head, path) = recording_parts(event)?;
        let retention_until_ms = now_ms.saturating_add(i64::from(retention_days).saturating_mul(DAY_MS));
        let host = self.host.clone();
        self.write(|tx| {
            lock_ticket_row(tx, ticket_id)?;
            let system = (ActorKind::System, ActorKind::System.as_str());
            let seq = append_event(tx, ticket_id, now_ms, system, event)?;
            // A session of another ticket (or none) is not this recording's.
            let session_id = session_id.map(|id| id.0);
            let sql = format!(
                "INSERT INTO recordings (ticket_id, session_id, host, path, duration_ms, bytes, hash_head, status, \
                 saved_at_ms, retention_until_ms) \
                 VALUES ($1, (SELECT id FROM sessions WHERE id = $2 AND ticket_id = $1), $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (host, path) DO UPDATE SET duration_ms = excluded.duration_ms, bytes = excluded.bytes, \
                 hash_head = excluded.hash_head, status = excluded.status RETURNING {COLUMNS}"
            );
            let row = tx
                .query_typed_one(
                    &sql,
                    &[
                        (&ticket_id.0, Type::INT8),
                        (&session_id, Type::INT8),
                        (&host, Type::TEXT),
                        (&path, Type::TEXT),
                        (&i64::try_from(duration_ms).unwrap_or(i64::MAX), Type::INT8),
                        (&i64::try_from(bytes).unwrap_or(i64::MAX), Type::INT8),
                        (&hash_head, Type::TEXT),
                        (&status.as_str(), Type::TEXT),
                        (&now_ms, Type::INT8),
                        (&retention_until_ms, Type::INT8),
                    ],
                )
                .map_err(classify)?;
            notify(tx, ticket_id, DeskNoticeKind::Commented, None, system.1, None, now_ms)?;
            Ok((seq, recording_from(&row)?.0))
        })
    }

    fn ticket_recordings(&mut self, ticket_id: TicketId) -> StoreResult<Vec<RecordingRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM recordings WHERE ticket_id = $1 ORDER BY id");
        self.read(|client| {
            let rows = client.query(&sql, &[&ticket_id.0]).map_err(classify)?;
            rows.iter().map(|row| recording_from(row).map(|(record, _)| record)).collect()
        })
    }

    fn recording_here(&mut self, id: i64) -> StoreResult<Option<RecordingRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM recordings WHERE id = $1");
        let host = self.host.clone();
        let found = self.read(|client| {
            client.query_opt(&sql, &[&id]).map_err(classify)?.as_ref().map(recording_from).transpose()
        })?;
        match found {
            Some((record, kept_on)) if kept_on == host => Ok(Some(record)),
            Some((_, kept_on)) => Err(StoreError::Rule(format!(
                "this recording is kept on the computer \"{kept_on}\": it can be deleted only there"
            ))),
            None => Ok(None),
        }
    }

    fn expired_recordings_here(&mut self, now_ms: i64) -> StoreResult<Vec<RecordingRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM recordings WHERE host = $1 AND retention_until_ms < $2 ORDER BY id");
        let host = self.host.clone();
        self.read(|client| {
            let rows = client.query(&sql, &[&host, &now_ms]).map_err(classify)?;
            rows.iter().map(|row| recording_from(row).map(|(record, _)| record)).collect()
        })
    }

    fn remove_recording(
        &mut self,
        id: i64,
        actor: (ActorKind, &str),
        reason: DeleteReason,
        now_ms: i64,
    ) -> StoreResult<(TicketId, i64, TimelineEvent)> {
        let host = self.host.clone();
        self.write(|tx| {
            let removed = tx
                .query_typed_opt(
                    &format!("DELETE FROM recordings WHERE id = $1 AND host = $2 RETURNING {COLUMNS}"),
                    &[(&id, Type::INT8), (&host, Type::TEXT)],
                )
                .map_err(classify)?;
            let Some(row) = removed else {
                return Err(StoreError::Rule(format!("recording {id} does not exist on this computer")));
            };
            let (recording, _) = recording_from(&row)?;
            lock_ticket_row(tx, recording.ticket_id)?;
            let event = TimelineEvent::RecordingDeleted {
                reason: reason.as_str().to_owned(),
                hash_head: recording.hash_head,
                path: recording.path,
            };
            let seq = append_event(tx, recording.ticket_id, now_ms, actor, &event)?;
            notify(tx, recording.ticket_id, DeskNoticeKind::Commented, None, actor.1, None, now_ms)?;
            Ok((recording.ticket_id, seq, event))
        })
    }
}
