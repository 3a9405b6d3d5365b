//! Session recordings: one append-only, hash-chained file per session, written on the engineer's
//! side from what it received (the codec's updates as they arrived, plus keyframes the recorder
//! makes from its own decoded picture), with cursor positions, transcript events and gaps on the
//! same clock. Sits above `codec/` and `model/`, below `app/`; it does file I/O (like `store/`)
//! but knows no UI, network or database.
//!
//! ```text
//! file    = header h0 record* [footer trailer]
//! header  = magic:8 "SWREC\r\n\x1a" version:u16 codec_version:u8 flags:u8 started_at_ms:i64
//!           ticket_id:i64 session_id:i64                                     (little endian)
//! h0      = SHA-256(header)
//! record  = len:u32 kind:u8 t_ms:u64 payload:len hash:32
//!           hash = SHA-256(previous hash ‖ len kind t_ms payload)          (the chain)
//! footer  = a record of kind Footer: the keyframe, event and gap index (postcard)
//! trailer = footer_offset:u64 record_count:u64 head:32 magic:8 "SWRECEND"
//! ```
//! A file without a trailer was not sealed (the console stopped mid-recording): it still plays up
//! to its last whole record, its index is rebuilt by scanning, and [`recover`] seals it.

mod format;
mod reader;
mod recorder;
mod space;
mod verify;
mod writer;

pub use format::{FORMAT_VERSION, GapReason, GapSpan, IndexEntry, RecordKind, RecordingHeader, RecordingIndex};
pub use reader::{RecordingReader, SealState};
pub use recorder::{KeyframePolicy, Recorder};
pub use space::{DEFAULT_FREE_SPACE_FLOOR_BYTES, available_bytes};
pub use verify::{Verification, recover, verify};
pub use writer::{RecordingWriter, SealedRecording};

use serde::{Deserialize, Serialize};

use crate::model::{ActorKind, TimelineEvent};

/// A transcript event as recorded: who did it and what happened, at the record's time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordedEvent {
    /// What kind of actor did it.
    pub actor_kind: ActorKind,
    /// The actor's name (a user's is only their claim).
    pub actor: String,
    /// What happened.
    pub event: TimelineEvent,
}

/// A SHA-256 chain head, shown as 64 hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HashHead(pub [u8; 32]);

impl std::fmt::Display for HashHead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

/// Why a recording could not be written, read or sealed.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    /// A file operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done ("cannot write", "cannot read", …).
        action: &'static str,
        /// The file or folder.
        path: String,
        /// The system's error.
        source: std::io::Error,
    },
    /// Less free space than the floor: recording does not start (or stops, sealed).
    #[error(
        "only {available_mb} MB free on the disk of {path}, recording needs at least {floor_mb} MB: free some space"
    )]
    NotEnoughSpace {
        /// The recordings folder.
        path: String,
        /// Free space, MB.
        available_mb: u64,
        /// The floor, MB.
        floor_mb: u64,
    },
    /// The file does not start like a Stepwise recording.
    #[error("{path} is not a Stepwise recording")]
    NotARecording {
        /// The file.
        path: String,
    },
    /// A recording of a newer format.
    #[error("{path} is a recording of format {version}, this build reads up to {FORMAT_VERSION}")]
    NewerFormat {
        /// The file.
        path: String,
        /// Its format version.
        version: u16,
    },
    /// The file's content is damaged where it was read (run `stepwise recordings verify`).
    #[error("the recording is damaged at byte {offset}: {detail}")]
    Damaged {
        /// Where.
        offset: u64,
        /// What was wrong.
        detail: String,
    },
    /// A record larger than any screen update can be.
    #[error("a {len_bytes}-byte record is larger than a recording may hold")]
    RecordTooLarge {
        /// Its size.
        len_bytes: usize,
    },
    /// The recording was already sealed or stopped after an error.
    #[error("the recording was already closed")]
    Closed,
}

impl RecordingError {
    /// An I/O error with what was done and to which file.
    pub(crate) fn io(action: &'static str, path: &std::path::Path, source: std::io::Error) -> Self {
        Self::Io { action, path: path.display().to_string(), source }
    }
}

#[cfg(test)]
mod tests;
