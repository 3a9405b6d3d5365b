//! The byte layout of a recording (see the module docs): header, records, chain, index, trailer.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::{SessionId, TicketId};

/// First bytes of every recording.
pub(super) const MAGIC: [u8; 8] = *b"SWREC\r\n\x1a";
/// Last bytes of a sealed recording.
pub(super) const TRAILER_MAGIC: [u8; 8] = *b"SWRECEND";
/// Version of this layout.
pub const FORMAT_VERSION: u16 = 1;
/// Bytes of a chain hash.
pub(super) const HASH_BYTES: usize = 32;
/// Bytes of the header (without `h0`).
pub(super) const HEADER_BYTES: usize = 8 + 2 + 1 + 1 + 8 + 8 + 8;
/// Where the first record starts.
pub(super) const FIRST_RECORD_OFFSET: u64 = (HEADER_BYTES + HASH_BYTES) as u64;
/// Bytes of a record before its payload: len, kind, t_ms.
pub(super) const RECORD_PREFIX_BYTES: usize = 4 + 1 + 8;
/// Bytes of the trailer.
pub(super) const TRAILER_BYTES: usize = 8 + 8 + HASH_BYTES + 8;
/// Largest payload of one record: an 8K keyframe stored raw, with room to spare.
pub(super) const MAX_RECORD_PAYLOAD_BYTES: usize = 192 << 20;

/// Who and when a recording is of; the first bytes of its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordingHeader {
    /// The ticket the session belongs to.
    pub ticket_id: TicketId,
    /// The session.
    pub session_id: SessionId,
    /// When recording started, unix ms; every record's `t_ms` counts from here.
    pub started_at_ms: i64,
    /// The codec's update format version (`codec::FORMAT_VERSION`).
    pub codec_version: u8,
}

impl RecordingHeader {
    /// The header's bytes.
    pub(super) fn to_bytes(self) -> [u8; HEADER_BYTES] {
        let mut out = [0u8; HEADER_BYTES];
        out[..8].copy_from_slice(&MAGIC);
        out[8..10].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        out[10] = self.codec_version;
        out[11] = 0;
        out[12..20].copy_from_slice(&self.started_at_ms.to_le_bytes());
        out[20..28].copy_from_slice(&self.ticket_id.0.to_le_bytes());
        out[28..36].copy_from_slice(&self.session_id.0.to_le_bytes());
        out
    }

    /// Parses a header; `Err(None)` when the magic is wrong, `Err(Some(version))` for a newer
    /// format.
    pub(super) fn parse(bytes: &[u8; HEADER_BYTES]) -> Result<Self, Option<u16>> {
        if bytes[..8] != MAGIC {
            return Err(None);
        }
        let version = u16::from_le_bytes([bytes[8], bytes[9]]);
        if version != FORMAT_VERSION {
            return Err(Some(version));
        }
        let i64_at = |at: usize| {
            let mut raw = [0u8; 8];
            raw.copy_from_slice(&bytes[at..at + 8]);
            i64::from_le_bytes(raw)
        };
        Ok(Self {
            codec_version: bytes[10],
            started_at_ms: i64_at(12),
            ticket_id: TicketId(i64_at(20)),
            session_id: SessionId(i64_at(28)),
        })
    }
}

/// What a record holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum RecordKind {
    /// A codec delta exactly as it arrived from the user's side.
    Update = 1,
    /// A codec keyframe exactly as it arrived (the first picture, a resize, a resync).
    SenderKeyframe = 2,
    /// A keyframe the recorder made from its decoded picture (same sequence number).
    Keyframe = 3,
    /// The remote cursor: x, y in remote pixels (i32 each).
    Cursor = 4,
    /// A transcript event (`RecordedEvent` as JSON).
    Event = 5,
    /// Recording stopped for a while: one byte, the [`GapReason`].
    Gap = 6,
    /// Recording resumed after a gap.
    Resume = 7,
    /// The index, last record of a sealed file.
    Footer = 8,
}

impl RecordKind {
    /// The kind of a stored byte, if known.
    pub(super) fn from_byte(byte: u8) -> Option<Self> {
        Some(match byte {
            1 => Self::Update,
            2 => Self::SenderKeyframe,
            3 => Self::Keyframe,
            4 => Self::Cursor,
            5 => Self::Event,
            6 => Self::Gap,
            7 => Self::Resume,
            8 => Self::Footer,
            _ => return None,
        })
    }

    /// Whether the payload is a codec update.
    pub fn is_picture(self) -> bool {
        matches!(self, Self::Update | Self::SenderKeyframe | Self::Keyframe)
    }

    /// Whether the payload is a whole picture a seek can start from.
    pub fn is_keyframe(self) -> bool {
        matches!(self, Self::SenderKeyframe | Self::Keyframe)
    }
}

/// Why recording stopped for a while (shown as a gap in the player).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GapReason {
    /// The user paused sharing.
    PausedByUser,
    /// The user stopped sharing.
    StoppedByUser,
    /// The user removed the record scope (or the view scope).
    ScopeWithdrawn,
    /// The link was down.
    Disconnected,
    /// The user's side put the session on hold.
    OnHold,
}

impl GapReason {
    /// The stored byte.
    pub(super) fn to_byte(self) -> u8 {
        match self {
            Self::PausedByUser => 1,
            Self::StoppedByUser => 2,
            Self::ScopeWithdrawn => 3,
            Self::Disconnected => 4,
            Self::OnHold => 5,
        }
    }

    /// The reason of a stored byte (an unknown byte reads as a withdrawn scope).
    pub(super) fn from_byte(byte: u8) -> Self {
        match byte {
            1 => Self::PausedByUser,
            2 => Self::StoppedByUser,
            4 => Self::Disconnected,
            5 => Self::OnHold,
            _ => Self::ScopeWithdrawn,
        }
    }
}

/// One indexed record: its time and where it starts in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntry {
    /// Record time, ms since the start of the recording.
    pub t_ms: u64,
    /// Byte offset of the record in the file.
    pub offset: u64,
}

/// A stretch of time in which nothing was recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GapSpan {
    /// When it began, ms since the start.
    pub from_ms: u64,
    /// When recording resumed (`None`: it never did).
    pub to_ms: Option<u64>,
    /// Why.
    pub reason: GapReason,
}

/// The footer's index: where the keyframes and events are, the gaps, the length.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingIndex {
    /// Keyframes (the sender's and the recorder's), in file order.
    pub keyframes: Vec<IndexEntry>,
    /// Transcript events, in file order.
    pub events: Vec<IndexEntry>,
    /// Gaps, in time order.
    pub gaps: Vec<GapSpan>,
    /// Time of the last record, ms since the start.
    pub duration_ms: u64,
    /// Records before the footer.
    pub records: u64,
    /// Where the records end (the footer's offset in a sealed file).
    pub end_offset: u64,
    /// Sealed by recovery after the console stopped mid-recording.
    pub recovered: bool,
}

impl RecordingIndex {
    /// Notes one record (not the footer) as the writer appends it or a scan finds it.
    pub(super) fn note(&mut self, kind: RecordKind, t_ms: u64, offset: u64, payload: &[u8], record_bytes: u64) {
        let entry = IndexEntry { t_ms, offset };
        match kind {
            kind if kind.is_keyframe() => self.keyframes.push(entry),
            RecordKind::Event => self.events.push(entry),
            RecordKind::Gap if self.gaps.last().is_none_or(|gap| gap.to_ms.is_some()) => {
                let reason = GapReason::from_byte(payload.first().copied().unwrap_or(0));
                self.gaps.push(GapSpan { from_ms: t_ms, to_ms: None, reason });
            }
            RecordKind::Resume => {
                if let Some(gap) = self.gaps.last_mut().filter(|gap| gap.to_ms.is_none()) {
                    gap.to_ms = Some(t_ms);
                }
            }
            _ => {}
        }
        self.duration_ms = self.duration_ms.max(t_ms);
        self.records += 1;
        self.end_offset = offset + record_bytes;
    }

    /// The footer payload.
    pub(super) fn to_bytes(&self) -> Result<Vec<u8>, postcard::Error> {
        postcard::to_stdvec(self)
    }

    /// Parses a footer payload.
    pub(super) fn parse(bytes: &[u8]) -> Option<Self> {
        postcard::from_bytes(bytes).ok()
    }
}

/// Total bytes of a record with `payload_len` payload bytes.
pub(super) fn record_bytes(payload_len: usize) -> u64 {
    (RECORD_PREFIX_BYTES + payload_len + HASH_BYTES) as u64
}

/// The bytes before a record's payload.
pub(super) fn record_prefix(kind: RecordKind, t_ms: u64, payload_len: u32) -> [u8; RECORD_PREFIX_BYTES] {
    let mut out = [0u8; RECORD_PREFIX_BYTES];
    out[..4].copy_from_slice(&payload_len.to_le_bytes());
    out[4] = kind as u8;
    out[5..].copy_from_slice(&t_ms.to_le_bytes());
    out
}

/// A record prefix read back: payload length, kind byte, time.
pub(super) fn parse_prefix(prefix: &[u8; RECORD_PREFIX_BYTES]) -> (usize, u8, u64) {
    let len = u32::from_le_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]) as usize;
    let mut time = [0u8; 8];
    time.copy_from_slice(&prefix[5..]);
    (len, prefix[4], u64::from_le_bytes(time))
}

/// The chain's first link: the hash of the header.
pub(super) fn header_hash(header: &[u8; HEADER_BYTES]) -> [u8; HASH_BYTES] {
    Sha256::digest(header).into()
}

/// The next link: SHA-256 of the previous hash, the record's prefix and its payload.
pub(super) fn chain(previous: &[u8; HASH_BYTES], prefix: &[u8], payload: &[u8]) -> [u8; HASH_BYTES] {
    let mut hasher = Sha256::new();
    hasher.update(previous);
    hasher.update(prefix);
    hasher.update(payload);
    hasher.finalize().into()
}

/// The trailer of a sealed file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Trailer {
    /// Where the footer record starts.
    pub footer_offset: u64,
    /// Records in the file, the footer included.
    pub records: u64,
    /// The chain head: the footer record's hash.
    pub head: [u8; HASH_BYTES],
}

impl Trailer {
    /// The trailer's bytes.
    pub(super) fn to_bytes(self) -> [u8; TRAILER_BYTES] {
        let mut out = [0u8; TRAILER_BYTES];
        out[..8].copy_from_slice(&self.footer_offset.to_le_bytes());
        out[8..16].copy_from_slice(&self.records.to_le_bytes());
        out[16..48].copy_from_slice(&self.head);
        out[48..].copy_from_slice(&TRAILER_MAGIC);
        out
    }

    /// Parses a trailer, if it ends with the trailer magic.
    pub(super) fn parse(bytes: &[u8; TRAILER_BYTES]) -> Option<Self> {
        if bytes[48..] != TRAILER_MAGIC {
            return None;
        }
        let u64_at = |at: usize| {
            let mut raw = [0u8; 8];
            raw.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(raw)
        };
        let mut head = [0u8; HASH_BYTES];
        head.copy_from_slice(&bytes[16..48]);
        Some(Self { footer_offset: u64_at(0), records: u64_at(8), head })
    }
}
