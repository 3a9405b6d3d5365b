//! Recording rows (see `store/recording_log.rs`): a row with each sealed or recovered recording,
//! retention at start-up and deletion by hand, each deletion leaving a tombstone entry; video
//! exports recorded on the ticket. On a team desk the rows are the team database's (the file
//! stays on this computer, which alone deletes it).

use super::{Failure, Worker};
use crate::model::{ActorKind, HistoryEntry, SessionId, TicketId, TimelineEvent};
use crate::store::StoreError;
use crate::store::desk::TicketDesk;
use crate::store::recordings::{DEFAULT_RETENTION_DAYS, DeleteReason};
use crate::ui::UiEvent;

impl Worker {
    /// A recording was sealed (`RecordingSaved`) or recovered (`RecordingRecovered`): its
    /// entry and row in one transaction. Its session is the one its header names, else (when
    /// sealed) the ticket's current one.
    pub(super) fn save_recording(&mut self, ticket_id: TicketId, session_id: Option<SessionId>, event: TimelineEvent) {
        let now = (self.clock)();
        let session_id = match event {
            TimelineEvent::RecordingSaved { .. } => {
                session_id.or_else(|| self.sessions.get(&ticket_id).map(|(id, _)| *id))
            }
            _ => session_id,
        };
        // Retention is this console's setting (it deletes the files it holds).
        let retention_days = self
            .store
            .as_ref()
            .and_then(|store| store.recording_retention_days().ok())
            .unwrap_or(DEFAULT_RETENTION_DAYS);
        let Some(desk) = self.desk() else {
            let reason = "the database is not open".to_owned();
            return self.emit(UiEvent::TranscriptWriteFailed { ticket_id, kind: event.kind(), reason });
        };
        match desk.log_recording(ticket_id, session_id, &event, retention_days, now) {
            Ok((seq, row)) => {
                // A team ticket's row is the team's: the file here is remembered locally too, so
                // retention deletes it even while this console works on its own desk.
                if self.team.is_some()
                    && let Some(store) = self.store.as_mut()
                    && let Err(err) = store.keep_team_recording_file(&row.path, row.retention_until_ms)
                {
                    tracing::warn!("cannot remember a team recording file for retention: {err}");
                }
                let actor = ActorKind::System.as_str().to_owned();
                let entry =
                    HistoryEntry { seq, at_ms: now, actor, actor_kind: ActorKind::System, event, imported: None };
                self.emit(UiEvent::HistoryAppended { ticket_id, entry });
                if let Some(detail) = self.reloaded_detail(ticket_id) {
                    self.emit(UiEvent::TicketLoaded { detail, created: false, changed: false });
                }
            }
            Err(err) => {
                tracing::error!(ticket_id = ticket_id.0, "cannot save the recording's row: {err}");
                self.emit(UiEvent::TranscriptWriteFailed { ticket_id, kind: event.kind(), reason: err.to_string() });
            }
        }
    }

    /// Records a video export in the ticket's timeline (the engineer's entry), then shows it.
    pub(super) fn save_video_export(&mut self, ticket_id: TicketId, event: TimelineEvent) {
        let now = (self.clock)();
        let actor = self.actor.clone();
        let Some(desk) = self.desk() else {
            return self.emit(UiEvent::ActionFailed("the database is not open".to_owned()));
        };
        match desk.desk_append_event(ticket_id, (ActorKind::Engineer, &actor), &event, now) {
            Ok(seq) => {
                let entry =
                    HistoryEntry { seq, at_ms: now, actor, actor_kind: ActorKind::Engineer, event, imported: None };
                self.emit(UiEvent::HistoryAppended { ticket_id, entry });
            }
            Err(err) => {
                tracing::warn!(ticket_id = ticket_id.0, "cannot record the video export: {err}");
                self.emit(UiEvent::ActionFailed(err.to_string()));
            }
        }
    }

    /// Deletes every recording of this computer whose retention ran out (file, row, tombstone
    /// by the system). Returns how many were deleted.
    pub(super) fn purge_expired_recordings(&mut self) -> usize {
        let now = (self.clock)();
        let mut deleted = 0;
        if let Some(desk) = self.desk() {
            let expired = desk.expired_recordings_here(now).unwrap_or_else(|err| {
                tracing::warn!("cannot list expired recordings: {err}");
                Vec::new()
            });
            let system = (ActorKind::System, ActorKind::System.as_str());
            for recording in expired {
                match delete_recording(desk, recording.id, system, DeleteReason::Retention, now) {
                    Ok(_) => deleted += 1,
                    Err(err) => {
                        tracing::warn!(recording = recording.id, "cannot delete an expired recording: {err:?}");
                    }
                }
            }
        }
        deleted += self.purge_expired_team_files(now);
        if deleted > 0 {
            tracing::info!(deleted, "expired recordings deleted");
        }
        deleted
    }

    /// Deletes the files of team recordings made here whose retention ran out, whichever desk
    /// is open (their rows go when this console next opens the team desk, with a tombstone, or
    /// already went above). Returns how many files were deleted.
    fn purge_expired_team_files(&mut self, now: i64) -> usize {
        let Some(store) = self.store.as_mut() else { return 0 };
        let expired = store.expired_team_recording_files(now).unwrap_or_else(|err| {
            tracing::warn!("cannot list expired team recording files: {err}");
            Vec::new()
        });
        let mut deleted = 0;
        for path in expired {
            match std::fs::remove_file(&path) {
                Ok(()) => deleted += 1,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => {
                    tracing::warn!("cannot delete an expired team recording file: {err}");
                    continue;
                }
            }
            if let Err(err) = store.forget_team_recording_file(&path) {
                tracing::warn!("cannot forget a deleted team recording file: {err}");
            }
        }
        deleted
    }

    /// An engineer deletes a recording by hand from the ticket: the ticket as it now is.
    pub(super) fn delete_by_hand(&mut self, recording_id: i64) -> Result<Vec<UiEvent>, Failure> {
        let now = (self.clock)();
        let actor = self.actor.clone();
        let Some(desk) = self.desk() else {
            return Err(Failure::Other(StoreError::Rule("the database is not open".to_owned())));
        };
        let ticket_id = delete_recording(desk, recording_id, (ActorKind::Engineer, &actor), DeleteReason::ByHand, now)?;
        match self.reloaded_detail(ticket_id) {
            Some(detail) => Ok(vec![UiEvent::TicketLoaded { detail, created: false, changed: true }]),
            None => Ok(Vec::new()),
        }
    }
}

/// Deletes a recording's file (already gone is fine), then its row, leaving the tombstone.
/// Returns the recording's ticket. A recording another computer holds is refused (its row
/// says where it is).
fn delete_recording(
    desk: &mut dyn TicketDesk,
    recording_id: i64,
    actor: (ActorKind, &str),
    reason: DeleteReason,
    now: i64,
) -> Result<TicketId, StoreError> {
    let Some(recording) = desk.recording_here(recording_id)? else {
        return Err(StoreError::Rule(format!("recording {recording_id} does not exist")));
    };
    match std::fs::remove_file(&recording.path) {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => {
            return Err(StoreError::Rule(format!("cannot delete the recording {}: {err}", recording.path)));
        }
    }
    let (ticket_id, _, _) = desk.remove_recording(recording_id, actor, reason, now)?;
    Ok(ticket_id)
}
