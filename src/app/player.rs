//! The review player's worker: a thread per open recording that owns its
//! [`RecordingReader`], takes seek requests (only the latest counts) and hands each decoded
//! picture to the view through one [`PlayerSlot`]; the recording's integrity is verified on a
//! second thread as it opens. `ui()` never waits on the file.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};

use crate::model::playback::{GapCause, Integrity, PlaybackContent, PlaybackEvent, PlaybackGap, Tampering};
use crate::model::{RecordingRecord, TicketId};
use crate::recording::{GapReason, RecordingReader, Verification, verify};
use crate::ui::UiEvent;
use crate::ui::player::{PlayerCommand, PlayerSlot};

use super::store_worker::{StoreRequest, Waker};

/// The worker of the recording open in the player.
struct Running {
    recording_id: i64,
    ticket_id: TicketId,
    seeks: Sender<u64>,
    slot: PlayerSlot,
}

/// Runs the player's commands: one worker at a time (opening another recording replaces it).
pub struct PlayerHost {
    events: Sender<UiEvent>,
    waker: Waker,
    store: Sender<StoreRequest>,
    current: Option<Running>,
}

impl PlayerHost {
    /// A host reporting through `events` (waking egui) and saving frames through `store`.
    pub fn new(events: Sender<UiEvent>, waker: Waker, store: Sender<StoreRequest>) -> Self {
        Self { events, waker, store, current: None }
    }

    /// Carries out one command of the player.
    pub fn run(&mut self, command: PlayerCommand) {
        match command {
            PlayerCommand::Open(recording) => self.open(recording),
            PlayerCommand::Seek { recording_id, t_ms } => {
                if let Some(running) = self.current.as_ref().filter(|running| running.recording_id == recording_id) {
                    running.seeks.send(t_ms).ok();
                }
            }
            PlayerCommand::SaveFrame { recording_id, ticket_id } => self.save_frame(recording_id, ticket_id),
            PlayerCommand::Close { recording_id } => {
                if self.current.as_ref().is_some_and(|running| running.recording_id == recording_id) {
                    // Dropping the sender ends the worker.
                    self.current = None;
                }
            }
        }
    }

    /// The slot of the recording open now (tests read it).
    pub fn slot(&self) -> Option<&PlayerSlot> {
        self.current.as_ref().map(|running| &running.slot)
    }

    fn open(&mut self, recording: RecordingRecord) {
        let (seeks, requests) = channel();
        let slot = PlayerSlot::default();
        let running = Running { recording_id: recording.id, ticket_id: recording.ticket_id, seeks, slot: slot.clone() };
        let worker = Worker { recording, slot, events: self.events.clone(), waker: self.waker.clone() };
        let recording_id = running.recording_id;
        match std::thread::Builder::new().name("stepwise-player".into()).spawn(move || worker.run(&requests)) {
            Ok(_) => self.current = Some(running),
            Err(err) => {
                let reason = format!("cannot start the player's thread: {err}");
                self.events.send(UiEvent::PlayerFailed { recording_id, reason }).ok();
                (self.waker)();
            }
        }
    }

    /// Keeps the picture on show as a screenshot of the ticket, through the store thread.
    fn save_frame(&self, recording_id: i64, ticket_id: TicketId) {
        let Some(running) = self.current.as_ref().filter(|running| running.recording_id == recording_id) else {
            return;
        };
        if running.ticket_id != ticket_id {
            return;
        }
        let picture = running.slot.lock();
        if picture.width == 0 || picture.height == 0 {
            return;
        }
        let (width, height, rgba) = (picture.width, picture.height, picture.rgba.clone());
        drop(picture);
        self.store.send(StoreRequest::AttachScreenshot { ticket_id, width, height, rgba }).ok();
    }
}

/// The worker's own state, moved onto its thread.
struct Worker {
    recording: RecordingRecord,
    slot: PlayerSlot,
    events: Sender<UiEvent>,
    waker: Waker,
}

impl Worker {
    fn run(self, seeks: &Receiver<u64>) {
        let recording_id = self.recording.id;
        let path = PathBuf::from(&self.recording.path);
        let opened = RecordingReader::open(&path).and_then(|mut reader| {
            let content = content(&mut reader)?;
            Ok((reader, content))
        });
        let (mut reader, content) = match opened {
            Ok(opened) => opened,
            Err(err) => {
                tracing::info!(recording_id, "a recording cannot be played: {err}");
                self.send(UiEvent::PlayerFailed { recording_id, reason: err.to_string() });
                return;
            }
        };
        self.send(UiEvent::PlayerOpened { recording_id, content, slot: self.slot.clone() });
        self.verify_apart(&path);
        while let Ok(mut t_ms) = seeks.recv() {
            // Only the latest request counts: a drag or playback never queues stale seeks.
            while let Ok(later) = seeks.try_recv() {
                t_ms = later;
            }
            match reader.frame_at(t_ms) {
                Ok(frame) => {
                    self.slot.put(t_ms, frame.map(|frame| (frame.width, frame.height, frame.rgba.as_slice())));
                }
                Err(err) => self.slot.fail(t_ms, err.to_string()),
            }
            (self.waker)();
        }
    }

    /// Verifies the whole file on its own thread, so seeks answer meanwhile.
    fn verify_apart(&self, path: &Path) {
        let (path, expected) = (path.to_path_buf(), self.recording.hash_head.clone());
        let (events, waker, recording_id) = (self.events.clone(), self.waker.clone(), self.recording.id);
        let spawned = std::thread::Builder::new().name("stepwise-player-verify".into()).spawn(move || {
            let integrity = integrity(&path, &expected);
            events.send(UiEvent::PlayerIntegrity { recording_id, integrity }).ok();
            waker();
        });
        if let Err(err) = spawned {
            let integrity = Integrity::Unknown(format!("cannot start a thread to verify: {err}"));
            self.send(UiEvent::PlayerIntegrity { recording_id, integrity });
        }
    }

    fn send(&self, event: UiEvent) {
        self.events.send(event).ok();
        (self.waker)();
    }
}

/// What a recording holds besides its pictures, in the model's terms.
fn content(reader: &mut RecordingReader) -> Result<PlaybackContent, crate::recording::RecordingError> {
    let events = reader
        .events()?
        .into_iter()
        .map(|(t_ms, recorded)| PlaybackEvent {
            t_ms,
            actor_kind: recorded.actor_kind,
            actor: recorded.actor,
            event: recorded.event,
        })
        .collect();
    let gaps = reader
        .index()
        .gaps
        .iter()
        .map(|gap| PlaybackGap { from_ms: gap.from_ms, to_ms: gap.to_ms, cause: gap_cause(gap.reason) })
        .collect();
    let first_picture_ms = reader.index().keyframes.first().map(|keyframe| keyframe.t_ms);
    Ok(PlaybackContent { duration_ms: reader.duration_ms(), events, gaps, first_picture_ms })
}

fn gap_cause(reason: GapReason) -> GapCause {
    match reason {
        GapReason::PausedByUser => GapCause::PausedByUser,
        GapReason::StoppedByUser => GapCause::StoppedByUser,
        GapReason::ScopeWithdrawn => GapCause::ScopeWithdrawn,
        GapReason::Disconnected => GapCause::Disconnected,
        GapReason::OnHold => GapCause::OnHold,
    }
}

/// Verifies `path` against its chain and against the head the ticket recorded (`expected`,
/// 64 hex digits; empty when the row does not say).
pub fn integrity(path: &Path, expected: &str) -> Integrity {
    match verify(path) {
        Ok(Verification::Verified { hash_head, .. })
            if !expected.is_empty() && !hash_head.to_string().eq_ignore_ascii_case(expected) =>
        {
            Integrity::Modified(Tampering::NotTheTicketsHead)
        }
        Ok(Verification::Verified { recovered: true, .. }) => Integrity::Recovered,
        Ok(Verification::Verified { .. }) => Integrity::Verified,
        Ok(Verification::Modified { record }) => Integrity::Modified(Tampering::ChangedAtRecord(record)),
        Ok(Verification::Truncated { at_record, .. }) => Integrity::Modified(Tampering::CutAtRecord(at_record)),
        Err(err) => Integrity::Unknown(err.to_string()),
    }
}
