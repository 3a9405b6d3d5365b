//! Session recordings as rows on either database: [`RecordingLog`] is implemented by the SQLite
//! [`Store`](super::Store) and the team's [`TeamStore`](super::team::TeamStore). The files stay
//! on the computer that recorded them; on a team database each row names that computer, only it
//! deletes the file (by hand or when retention runs out), and the others are told where it is.

use super::recordings::DeleteReason;
use super::{Store, StoreError, StoreResult};
use crate::model::{ActorKind, RecordingRecord, SessionId, TicketId, TimelineEvent};

/// Recording rows, whichever database holds the ticket.
pub trait RecordingLog {
    /// Stores a sealed or recovered recording's row with its timeline entry (`event`, the
    /// system's: `RecordingSaved` or `RecordingRecovered`), kept `retention_days` from `now_ms`.
    /// Returns the entry's sequence number and the row.
    fn log_recording(
        &mut self,
        ticket_id: TicketId,
        session_id: Option<SessionId>,
        event: &TimelineEvent,
        retention_days: u32,
        now_ms: i64,
    ) -> StoreResult<(i64, RecordingRecord)>;

    /// A ticket's recordings, oldest first.
    fn ticket_recordings(&mut self, ticket_id: TicketId) -> StoreResult<Vec<RecordingRecord>>;

    /// One recording whose file this computer holds; a recording of another computer is
    /// refused with a message naming it ([`StoreError::Rule`]).
    fn recording_here(&mut self, id: i64) -> StoreResult<Option<RecordingRecord>>;

    /// The recordings of this computer whose retention ran out before `now_ms`, oldest first.
    fn expired_recordings_here(&mut self, now_ms: i64) -> StoreResult<Vec<RecordingRecord>>;

    /// Removes a recording's row and leaves its tombstone in the ticket's timeline, in one
    /// transaction (the caller deleted the file first). Returns the ticket, the tombstone's
    /// sequence number and event.
    fn remove_recording(
        &mut self,
        id: i64,
        actor: (ActorKind, &str),
        reason: DeleteReason,
        now_ms: i64,
    ) -> StoreResult<(TicketId, i64, TimelineEvent)>;
}

impl RecordingLog for Store {
    /// The console's own file keeps its own retention setting, which is what `retention_days`
    /// is read from: it is not consulted here.
    fn log_recording(
        &mut self,
        ticket_id: TicketId,
        session_id: Option<SessionId>,
        event: &TimelineEvent,
        _retention_days: u32,
        now_ms: i64,
    ) -> StoreResult<(i64, RecordingRecord)> {
        self.save_recording(ticket_id, session_id, event, now_ms)
    }

    fn ticket_recordings(&mut self, ticket_id: TicketId) -> StoreResult<Vec<RecordingRecord>> {
        self.recordings_for_ticket(ticket_id)
    }

    fn recording_here(&mut self, id: i64) -> StoreResult<Option<RecordingRecord>> {
        self.recording(id)
    }

    fn expired_recordings_here(&mut self, now_ms: i64) -> StoreResult<Vec<RecordingRecord>> {
        self.expired_recordings(now_ms)
    }

    fn remove_recording(
        &mut self,
        id: i64,
        actor: (ActorKind, &str),
        reason: DeleteReason,
        now_ms: i64,
    ) -> StoreResult<(TicketId, i64, TimelineEvent)> {
        self.delete_recording(id, actor, reason, now_ms)
    }
}

/// The recording fields of a `RecordingSaved` / `RecordingRecovered` event: status, duration,
/// size, chain head and path; any other event is refused.
pub(super) fn recording_parts(
    event: &TimelineEvent,
) -> StoreResult<(crate::model::RecordingStatus, u64, u64, &str, &str)> {
    use crate::model::RecordingStatus;
    match event {
        TimelineEvent::RecordingSaved { duration_ms, bytes, hash_head, path } => {
            Ok((RecordingStatus::Sealed, *duration_ms, *bytes, hash_head, path))
        }
        TimelineEvent::RecordingRecovered { duration_ms, bytes, hash_head, path } => {
            Ok((RecordingStatus::Recovered, *duration_ms, *bytes, hash_head, path))
        }
        other => Err(StoreError::Rule(format!("{} is not a recording", other.kind()))),
    }
}
