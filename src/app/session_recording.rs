//! The engineer's recording of one session, on its session task: it follows the protocol's record
//! gate (`LinkStatus::keeping_allowed`: the screen shared under the record scope). The file is
//! created the first time the gate opens; when it closes (pause, stop, scope removed, hold, a
//! drop) a gap is written with the reason, and recording resumes only when the gate opens again.
//! When the session ends the file is sealed and its `recording_saved` entry (duration, size,
//! chain head, path) goes to the ticket's timeline.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;

use crate::model::{SessionId, TicketId, TimelineEvent};
use crate::protocol::SessionEvent;
use crate::protocol::screen::unwrap_screen_update;
use crate::recording::{
    GapReason, KeyframePolicy, RecordedEvent, Recorder, RecordingHeader, RecordingReader, SealState, SealedRecording,
    recover,
};
use crate::store::private_fs::ensure_private_dir;
use crate::transport::TransportEvent;

use super::store_worker::StoreRequest;
use super::transcript::transcript_entry;

/// The folder under the data folder that holds recordings.
pub const RECORDINGS_DIR: &str = "recordings";
/// The file name extension of recordings.
const RECORDING_EXTENSION: &str = "swrec";

/// Where and how a console records its sessions.
#[derive(Clone, Debug)]
pub struct RecordingTarget {
    /// The recordings folder (`<data dir>/recordings`).
    pub dir: PathBuf,
    /// Recording does not start (or stops) below this much free space.
    pub floor_bytes: u64,
}

/// One session's recording, driven by the session's output.
pub struct SessionRecording {
    ticket_id: TicketId,
    target: RecordingTarget,
    store: Sender<StoreRequest>,
    /// The session row the file's header names, once it is created.
    session_id: Option<SessionId>,
    recorder: Option<Recorder>,
    /// Sealed (or failed for good): nothing more is written.
    done: bool,
}

impl SessionRecording {
    /// A recording of `ticket_id`'s session into `target`, reporting to the store thread.
    pub fn new(ticket_id: TicketId, target: RecordingTarget, store: Sender<StoreRequest>) -> Self {
        Self { ticket_id, target, store, session_id: None, recorder: None, done: false }
    }

    /// Whether records are being written now.
    pub fn is_recording(&self) -> bool {
        self.recorder.as_ref().is_some_and(Recorder::is_recording)
    }

    /// Follows the record gate at `now_ms`: opens (creates or resumes) or closes (a gap whose
    /// reason is read from `cause`, the event that closed it). Returns `true` when the file was
    /// just created: the recorder has no picture yet, so the caller asks the sender for a
    /// keyframe.
    pub fn follow_gate(&mut self, now_ms: i64, keeping: bool, cause: Option<&SessionEvent>) -> bool {
        if self.done || keeping == self.is_recording() {
            return false;
        }
        let creating = self.recorder.is_none() && keeping;
        let result = match (&mut self.recorder, keeping) {
            (None, true) => self.create(now_ms),
            (Some(recorder), true) => recorder.resume(now_ms),
            (Some(recorder), false) => recorder.pause(now_ms, gap_reason(cause)),
            (None, false) => Ok(()),
        };
        match result {
            Ok(()) => creating,
            Err(err) => {
                self.stopped(&err);
                false
            }
        }
    }

    /// A screen update the viewer received (a screen envelope around a codec update).
    pub fn frame(&mut self, now_ms: i64, data: &[u8]) {
        let Some(recorder) = self.recorder.as_mut() else { return };
        let Ok((_, update)) = unwrap_screen_update(data) else { return };
        if let Err(err) = recorder.update(now_ms, update) {
            self.stopped(&err);
        }
    }

    /// A link event: the cursor and every transcript event go into the recording while it runs.
    pub fn event(&mut self, now_ms: i64, event: &TransportEvent) {
        let Some(recorder) = self.recorder.as_mut().filter(|recorder| recorder.is_recording()) else { return };
        let result = match event {
            TransportEvent::Session(SessionEvent::CursorMoved { x, y }) => {
                recorder.cursor(now_ms, i32::try_from(*x).unwrap_or(i32::MAX), i32::try_from(*y).unwrap_or(i32::MAX))
            }
            other => match transcript_entry(other) {
                Some(entry) => {
                    let recorded = RecordedEvent {
                        actor_kind: entry.actor,
                        actor: entry.actor.as_str().to_owned(),
                        event: entry.event,
                    };
                    recorder.event(now_ms, &recorded)
                }
                None => Ok(()),
            },
        };
        if let Err(err) = result {
            self.stopped(&err);
        }
    }

    /// The session is over: seals the file and sends its `recording_saved` entry.
    pub fn finish(&mut self) {
        self.done = true;
        let Some(recorder) = self.recorder.take() else { return };
        match recorder.finish() {
            Ok(sealed) => self.saved(&sealed),
            Err(err) => self.refused(&format!("the recording could not be sealed: {err}")),
        }
    }

    /// Creates the file (private, in a private folder) and starts recording.
    fn create(&mut self, now_ms: i64) -> Result<(), crate::recording::RecordingError> {
        ensure_private_dir(&self.target.dir)
            .map_err(|err| crate::recording::RecordingError::io("cannot create", &self.target.dir, err))?;
        let path = self.target.dir.join(format!("ticket-{}-{now_ms}.{RECORDING_EXTENSION}", self.ticket_id));
        let header = RecordingHeader {
            ticket_id: self.ticket_id,
            // Not known on this thread: the store worker links the row to the running session;
            // the file name and start time tell files apart.
            session_id: self.session_id.unwrap_or(SessionId(0)),
            started_at_ms: now_ms,
            codec_version: crate::codec::FORMAT_VERSION,
        };
        let recorder = Recorder::start(&path, header, self.target.floor_bytes, KeyframePolicy::default())?;
        tracing::info!(ticket = %self.ticket_id, path = %path.display(), "recording started");
        self.recorder = Some(recorder);
        Ok(())
    }

    /// Recording stopped after an error (a full disk, free space below the floor): what was
    /// recorded is sealed and saved, the panel says why, and nothing more is written.
    fn stopped(&mut self, err: &crate::recording::RecordingError) {
        tracing::warn!(ticket = %self.ticket_id, "recording stopped: {err}");
        self.refused(&format!("recording stopped: {err}"));
        self.finish();
    }

    fn saved(&self, sealed: &SealedRecording) {
        let event = TimelineEvent::RecordingSaved {
            duration_ms: sealed.duration_ms,
            bytes: sealed.bytes,
            hash_head: sealed.hash_head.to_string(),
            path: sealed.path.display().to_string(),
        };
        let _ =
            self.store.send(StoreRequest::Recording { ticket_id: self.ticket_id, session_id: self.session_id, event });
    }

    fn refused(&self, why: &str) {
        let event = TransportEvent::CommandRefused(why.to_owned());
        let _ = self.store.send(StoreRequest::Session { ticket_id: self.ticket_id, event });
    }
}

/// Seals every recording in `dir` the console did not finish (it stopped mid-session: killed,
/// crashed, power cut) and sends each one's `recording_recovered` entry to its ticket's
/// timeline. A sealed file is only opened (its footer read); a changed one is left as it is.
/// Returns how many were recovered. Run on a short-lived thread at start.
pub fn recover_unfinished(dir: &Path, store: &Sender<StoreRequest>) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    let mut recovered = 0;
    for path in entries.flatten().map(|entry| entry.path()) {
        if path.extension().is_none_or(|ext| ext != RECORDING_EXTENSION) {
            continue;
        }
        let (ticket_id, session_id) = match RecordingReader::open(&path) {
            Ok(reader) if reader.seal_state() == SealState::Unsealed => {
                let header = reader.header();
                (header.ticket_id, Some(header.session_id).filter(|id| id.0 != 0))
            }
            Ok(_) => continue,
            Err(err) => {
                tracing::warn!(path = %path.display(), "cannot read a recording: {err}");
                continue;
            }
        };
        match recover(&path) {
            Ok(sealed) => {
                tracing::info!(path = %path.display(), "recording recovered");
                let event = TimelineEvent::RecordingRecovered {
                    duration_ms: sealed.duration_ms,
                    bytes: sealed.bytes,
                    hash_head: sealed.hash_head.to_string(),
                    path: sealed.path.display().to_string(),
                };
                let _ = store.send(StoreRequest::Recording { ticket_id, session_id, event });
                recovered += 1;
            }
            Err(err) => tracing::warn!(path = %path.display(), "cannot recover a recording: {err}"),
        }
    }
    recovered
}

/// Why the record gate closed, from the event that closed it.
fn gap_reason(cause: Option<&SessionEvent>) -> GapReason {
    match cause {
        Some(SessionEvent::SharingPaused) => GapReason::PausedByUser,
        Some(SessionEvent::Held(_)) => GapReason::OnHold,
        Some(SessionEvent::ConsentRevoked | SessionEvent::Ended { .. }) => GapReason::StoppedByUser,
        Some(SessionEvent::Disconnected) | None => GapReason::Disconnected,
        Some(_) => GapReason::ScopeWithdrawn,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::{Receiver, channel};

    use proptest::prelude::*;

    use super::*;
    use crate::codec::{Encoder, EncoderConfig, Frame};
    use crate::protocol::screen::{ScreenHeader, wrap_screen_update};
    use crate::protocol::{Role, Scopes};
    use crate::recording::{Verification, verify};

    const START_MS: i64 = 1_800_000_000_000;

    /// Frame `n`: a small picture no other `n` gives.
    fn picture(n: u32) -> Frame {
        let rgba = (0..32 * 24).flat_map(|i: u32| [(i % 32) as u8, (n % 251) as u8, (n / 251) as u8, 255]).collect();
        Frame { width: 32, height: 24, rgba }
    }

    fn recording(dir: &tempfile::TempDir) -> (SessionRecording, Receiver<StoreRequest>) {
        let (store, requests) = channel();
        let target = RecordingTarget { dir: dir.path().join(RECORDINGS_DIR), floor_bytes: 0 };
        (SessionRecording::new(TicketId(4), target, store), requests)
    }

    fn saved(requests: &Receiver<StoreRequest>) -> Option<TimelineEvent> {
        requests.try_iter().find_map(|request| match request {
            StoreRequest::Recording { ticket_id: TicketId(4), event, .. } => Some(event),
            _ => None,
        })
    }

    fn files(dir: &tempfile::TempDir) -> Vec<PathBuf> {
        std::fs::read_dir(dir.path().join(RECORDINGS_DIR))
            .map(|entries| entries.flatten().map(|entry| entry.path()).collect())
            .unwrap_or_default()
    }

    /// The user's encoder and what the viewer received.
    struct Stream {
        encoder: Encoder,
        sent: u32,
        /// A keyframe was asked for.
        keyframe_wanted: bool,
    }

    impl Stream {
        fn new() -> Self {
            Self { encoder: Encoder::new(EncoderConfig::default()), sent: 0, keyframe_wanted: false }
        }

        fn next(&mut self, n: u32) -> Vec<u8> {
            let keyframe = self.sent == 0 || std::mem::take(&mut self.keyframe_wanted);
            let update = self.encoder.encode(&picture(n), keyframe);
            self.sent += 1;
            wrap_screen_update(ScreenHeader { captured_at_ms: 0, skipped_frames: 0 }, &update)
        }
    }

    #[test]
    fn nothing_is_recorded_before_the_record_scope_and_the_file_is_saved_to_the_timeline() {
        let dir = tempfile::tempdir().unwrap();
        let (mut recording, requests) = recording(&dir);
        let mut stream = Stream::new();
        // Viewing without the record scope: no file at all.
        recording.follow_gate(START_MS, false, None);
        recording.frame(START_MS, &stream.next(0));
        recording.event(START_MS, &TransportEvent::Session(SessionEvent::ConsentGranted(Scopes::default())));
        assert!(files(&dir).is_empty());

        // The scope arrives: the file is made and a keyframe is asked for.
        assert!(recording.follow_gate(START_MS + 1_000, true, None));
        let granted = Scopes { record: true, ..Scopes::default() };
        recording.event(START_MS + 1_000, &TransportEvent::Session(SessionEvent::ScopesChanged(granted)));
        let mut keyframes = Stream::new();
        recording.frame(START_MS + 1_100, &keyframes.next(1));
        recording.frame(START_MS + 1_200, &keyframes.next(2));
        let chat = SessionEvent::Chat { from: Role::User, id: 1, at_ms: START_MS, text: "hi".into() };
        recording.event(START_MS + 1_300, &TransportEvent::Session(chat));
        // Paused: a gap, nothing written until the scope is back.
        recording.event(START_MS + 2_000, &TransportEvent::Session(SessionEvent::SharingPaused));
        recording.follow_gate(START_MS + 2_000, false, Some(&SessionEvent::SharingPaused));
        recording.frame(START_MS + 2_500, &keyframes.next(3));
        assert!(!recording.follow_gate(START_MS + 3_000, true, None), "resuming makes no new file");
        recording.frame(START_MS + 3_100, &keyframes.next(4));
        recording.event(START_MS + 4_000, &TransportEvent::Closed);
        recording.finish();

        let [path] = files(&dir).try_into().unwrap();
        let Some(TimelineEvent::RecordingSaved { duration_ms, bytes, hash_head, path: saved_path }) = saved(&requests)
        else {
            panic!("no recording_saved entry");
        };
        assert_eq!(saved_path, path.display().to_string());
        assert_eq!(bytes, std::fs::metadata(&path).unwrap().len());
        assert_eq!(duration_ms, 2_100);
        match verify(&path).unwrap() {
            Verification::Verified { hash_head: head, .. } => assert_eq!(head.to_string(), hash_head),
            other => panic!("{other:?}"),
        }
        let mut reader = RecordingReader::open(&path).unwrap();
        assert_eq!(reader.header().started_at_ms, START_MS + 1_000);
        assert_eq!(reader.index().gaps.len(), 1);
        assert_eq!(reader.index().gaps[0].reason, GapReason::PausedByUser);
        let kinds: Vec<String> =
            reader.events().unwrap().into_iter().map(|(_, recorded)| recorded.event.kind()).collect();
        assert_eq!(kinds, ["scopes_changed", "chat", "sharing_paused"]);
        assert_eq!(reader.frame_at(99).unwrap(), None, "the first frame before the keyframe is not there");
        assert_eq!(reader.frame_at(200).unwrap(), Some(&picture(2)));
        assert_eq!(reader.frame_at(1_999).unwrap(), Some(&picture(2)), "the pause holds the last picture");
        assert_eq!(reader.frame_at(2_000).unwrap(), Some(&picture(3)), "resumed on the picture then");
        assert_eq!(reader.frame_at(2_100).unwrap(), Some(&picture(4)));
    }

    #[test]
    fn below_the_free_space_floor_nothing_starts_and_the_panel_is_told_why() {
        let dir = tempfile::tempdir().unwrap();
        let (store, requests) = channel();
        let target = RecordingTarget { dir: dir.path().join(RECORDINGS_DIR), floor_bytes: u64::MAX };
        let mut recording = SessionRecording::new(TicketId(4), target, store);
        assert!(!recording.follow_gate(START_MS, true, None));
        assert!(!recording.is_recording());
        assert!(files(&dir).is_empty());
        let told = requests.try_iter().any(|request| {
            matches!(request, StoreRequest::Session { event: TransportEvent::CommandRefused(why), .. } if why.contains("free some space"))
        });
        assert!(told);
    }

    #[test]
    fn on_start_an_unfinished_recording_is_sealed_as_recovered_and_a_finished_one_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let (mut unfinished, requests) = recording(&dir);
        let mut stream = Stream::new();
        unfinished.follow_gate(START_MS, true, None);
        unfinished.frame(START_MS + 500, &stream.next(1));
        drop(unfinished); // The console was killed: never sealed.
        let (mut finished, _) = recording(&dir);
        finished.follow_gate(START_MS + 1, true, None);
        finished.finish();
        let finished_path =
            files(&dir).into_iter().find(|path| path.to_string_lossy().contains(&format!("{}", START_MS + 1)));
        let finished_bytes = std::fs::read(finished_path.clone().unwrap()).unwrap();
        let _ = requests.try_iter().count();

        let (store, requests) = channel();
        assert_eq!(recover_unfinished(&dir.path().join(RECORDINGS_DIR), &store), 1);
        let entries: Vec<StoreRequest> = requests.try_iter().collect();
        let [
            StoreRequest::Recording {
                ticket_id: TicketId(4),
                event: TimelineEvent::RecordingRecovered { duration_ms: 500, path, .. },
                ..
            },
        ] = entries.as_slice()
        else {
            panic!("expected one recording_recovered entry, got {entries:?}");
        };
        assert!(matches!(verify(Path::new(path)).unwrap(), Verification::Verified { recovered: true, .. }));
        assert_eq!(std::fs::read(finished_path.unwrap()).unwrap(), finished_bytes, "a sealed file is left alone");
        assert_eq!(recover_unfinished(&dir.path().join(RECORDINGS_DIR), &store), 0, "nothing left to recover");
    }

    #[derive(Clone, Debug)]
    enum Step {
        Open,
        Close,
        Frame,
        Wait(i64),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![1 => Just(Step::Open), 1 => Just(Step::Close), 4 => Just(Step::Frame), 1 => (1i64..3_000).prop_map(Step::Wait)]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Whatever the order in which the record gate opens and closes while frames arrive: no
        /// file before it first opens; while it is open the recording shows exactly the live
        /// picture; while it is closed nothing changes in the file (a gap).
        #[test]
        fn the_recording_follows_the_record_gate(steps in proptest::collection::vec(step(), 1..40)) {
            let dir = tempfile::tempdir().unwrap();
            let (mut recording, _requests) = recording(&dir);
            let mut stream = Stream::new();
            let mut now_ms = START_MS;
            let mut open = false;
            let mut started_at = None;
            // (time, live picture number, gate open, a frame arrived since the file was made)
            // after each step.
            let mut timeline: Vec<(i64, Option<u32>, bool, bool)> = Vec::new();
            let mut framed_since_start = false;
            let mut live = None;
            for (n, step) in steps.into_iter().enumerate() {
                now_ms += 10;
                match step {
                    Step::Open => {
                        open = true;
                        stream.keyframe_wanted |= recording.follow_gate(now_ms, true, None);
                        started_at.get_or_insert(now_ms);
                    }
                    Step::Close => { open = false; recording.follow_gate(now_ms, false, Some(&SessionEvent::SharingPaused)); }
                    Step::Frame => {
                        recording.frame(now_ms, &stream.next(n as u32));
                        live = Some(n as u32);
                        framed_since_start |= started_at.is_some();
                    }
                    Step::Wait(ms) => now_ms += ms,
                }
                timeline.push((now_ms, live, open, framed_since_start));
                prop_assert_eq!(started_at.is_some(), !files(&dir).is_empty());
            }
            recording.finish();
            let Some(started_at) = started_at else { return Ok(()) };
            let [path] = files(&dir).try_into().unwrap();
            let verified = matches!(verify(&path).unwrap(), Verification::Verified { .. });
            prop_assert!(verified, "the sealed file does not verify");
            let mut reader = RecordingReader::open(&path).unwrap();
            let mut picture_when_closed: Option<Option<Frame>> = None;
            for (at_ms, live, open, live_since_start) in timeline.into_iter().filter(|(at_ms, ..)| *at_ms >= started_at) {
                let t_ms = u64::try_from(at_ms - started_at).unwrap();
                let recorded = reader.frame_at(t_ms).unwrap().cloned();
                if open {
                    picture_when_closed = None;
                    // Before the first frame after the gate first opened there is no picture;
                    // afterwards, the live one.
                    if recorded.is_some() || live_since_start {
                        prop_assert_eq!(recorded, live.map(picture), "at {} ms", t_ms);
                    }
                } else {
                    let held = picture_when_closed.get_or_insert_with(|| recorded.clone());
                    prop_assert_eq!(&recorded, held, "the file changed while the gate was closed, at {} ms", t_ms);
                }
            }
        }
    }
}
