//! The review player: a window opened from a ticket's session history that plays one session
//! recording. It holds the playback model (`model::playback`), draws the frame the app's player
//! worker decoded for the playhead (handed over in one [`PlayerSlot`], never a queue) and emits
//! [`PlayerCommand`]s; decoding, seeking and verification never run in `ui()`.

mod draw;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use egui::TextureHandle;

use super::i18n::Lang;
use crate::model::playback::{Integrity, Playback, PlaybackContent};
use crate::model::{RecordingRecord, TicketId};

/// What the player asks the app for.
#[derive(Clone, Debug, PartialEq)]
pub enum PlayerCommand {
    /// Open a recording in the player (the app's worker opens, indexes and verifies it).
    Open(RecordingRecord),
    /// Decode the picture at `t_ms` into the player's slot.
    Seek {
        /// The recording's row id.
        recording_id: i64,
        /// Ms since the recording started.
        t_ms: u64,
    },
    /// Keep the picture on show as a screenshot of the ticket (through the store, like the
    /// live view's screenshots).
    SaveFrame {
        /// The recording's row id.
        recording_id: i64,
        /// The ticket it belongs to.
        ticket_id: TicketId,
    },
    /// The window was closed: stop the worker.
    Close {
        /// The recording's row id.
        recording_id: i64,
    },
}

/// The picture the worker decoded last.
#[derive(Clone, Debug, Default)]
pub struct PlayerPicture {
    /// The time it shows, ms since the start (`None` before any seek was answered).
    pub t_ms: Option<u64>,
    /// Width, pixels (0: no picture at that time).
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// RGBA8 pixels, `width × height × 4` bytes.
    pub rgba: Vec<u8>,
    /// Why the picture at `t_ms` cannot be shown, if it cannot.
    pub error: Option<String>,
    /// Counts every change, so the view uploads a new picture only once.
    pub version: u64,
}

/// The single slot between the player worker (writer) and the view (reader).
#[derive(Clone, Debug, Default)]
pub struct PlayerSlot(Arc<Mutex<PlayerPicture>>);

impl PartialEq for PlayerSlot {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl PlayerSlot {
    /// Locks the slot (short critical sections only).
    pub fn lock(&self) -> MutexGuard<'_, PlayerPicture> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Puts the picture at `t_ms` in the slot (`None`: no picture at that time).
    pub fn put(&self, t_ms: u64, picture: Option<(u32, u32, &[u8])>) {
        let mut slot = self.lock();
        slot.t_ms = Some(t_ms);
        slot.error = None;
        let (width, height, rgba) = picture.unwrap_or((0, 0, &[]));
        slot.width = width;
        slot.height = height;
        slot.rgba.clear();
        slot.rgba.extend_from_slice(rgba);
        slot.version += 1;
    }

    /// Says why the picture at `t_ms` cannot be shown.
    pub fn fail(&self, t_ms: u64, why: String) {
        let mut slot = self.lock();
        slot.t_ms = Some(t_ms);
        slot.error = Some(why);
        slot.width = 0;
        slot.height = 0;
        slot.rgba.clear();
        slot.version += 1;
    }
}

/// Where the recording is.
#[derive(Debug)]
enum PlayerState {
    /// The worker is opening it.
    Opening,
    /// It cannot be played: why.
    Failed(String),
    /// Playing or paused.
    Ready {
        /// The playhead and what the recording holds.
        playback: Playback,
        /// Where the worker puts the picture.
        slot: PlayerSlot,
    },
}

/// The transcript's lines in one language (rebuilt when the language changes).
#[derive(Debug, Default)]
struct TranscriptTexts {
    lang: Option<Lang>,
    lines: Vec<String>,
}

/// One open recording in the player window.
pub struct PlayerWindow {
    recording: RecordingRecord,
    state: PlayerState,
    integrity: Integrity,
    search: String,
    texts: TranscriptTexts,
    texture: Option<TextureHandle>,
    uploaded_version: u64,
    /// egui's time at the last frame drawn while playing, seconds.
    last_time_s: Option<f64>,
    /// The time last asked of the worker.
    requested_ms: Option<u64>,
    /// The transcript scrolls to the current entry when it changes.
    followed_event: Option<usize>,
}

impl std::fmt::Debug for PlayerWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlayerWindow")
            .field("recording", &self.recording.id)
            .field("state", &self.state)
            .field("integrity", &self.integrity)
            .finish_non_exhaustive()
    }
}

impl PlayerWindow {
    /// A window for `recording`, waiting for the worker.
    pub fn opening(recording: RecordingRecord) -> Self {
        Self {
            recording,
            state: PlayerState::Opening,
            integrity: Integrity::Checking,
            search: String::new(),
            texts: TranscriptTexts::default(),
            texture: None,
            uploaded_version: 0,
            last_time_s: None,
            requested_ms: None,
            followed_event: None,
        }
    }

    /// The recording's row id.
    pub fn recording_id(&self) -> i64 {
        self.recording.id
    }

    /// The playback, once the recording is open (tests read it).
    pub fn playback(&self) -> Option<&Playback> {
        match &self.state {
            PlayerState::Ready { playback, .. } => Some(playback),
            _ => None,
        }
    }

    /// The integrity badge's state.
    pub fn integrity(&self) -> &Integrity {
        &self.integrity
    }

    /// The worker opened the recording.
    pub fn opened(&mut self, content: PlaybackContent, slot: PlayerSlot) {
        self.state = PlayerState::Ready { playback: Playback::new(content), slot };
        self.requested_ms = None;
    }

    /// The worker could not open the recording.
    pub fn failed(&mut self, why: String) {
        self.state = PlayerState::Failed(why);
    }

    /// The verification's answer.
    pub fn verified(&mut self, integrity: Integrity) {
        self.integrity = integrity;
    }
}
