//! Reading a recording: open (the index from the footer, or rebuilt by scanning a file that was
//! never sealed), exact seeks (the nearest keyframe at or before the time, then the updates up
//! to it), the transcript events.

use std::fs::File;
use std::io::{BufReader, Read, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};

use super::format::{
    self, HASH_BYTES, HEADER_BYTES, MAX_RECORD_PAYLOAD_BYTES, RECORD_PREFIX_BYTES, RecordKind, RecordingHeader,
    RecordingIndex, TRAILER_BYTES, Trailer,
};
use super::verify::{ScanEnd, scan_file};
use super::{RecordedEvent, RecordingError};
use crate::codec::{Decoder, Frame};

/// Read buffer of a seek.
const SEEK_BUFFER_BYTES: usize = 256 << 10;

/// Whether and how a recording was sealed, as found when it was opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SealState {
    /// Sealed at the end of its session.
    Sealed,
    /// Sealed by recovery after the console stopped mid-recording.
    Recovered,
    /// Never sealed (or its seal is damaged): the index was rebuilt by scanning.
    Unsealed,
}

/// Where the decoder stands after the last seek, so playing forward continues from there.
#[derive(Clone, Copy, Debug)]
struct Position {
    /// The keyframe (index into `index.keyframes`) the decoder started from.
    keyframe: usize,
    /// The first record not applied yet.
    next_offset: u64,
    /// The time the picture shows.
    t_ms: u64,
}

/// An open recording.
pub struct RecordingReader {
    file: File,
    path: PathBuf,
    header: RecordingHeader,
    index: RecordingIndex,
    seal: SealState,
    decoder: Decoder,
    position: Option<Position>,
    payload: Vec<u8>,
}

impl RecordingReader {
    /// Opens `path`: the index from its footer, or (no valid seal) by scanning every record.
    pub fn open(path: &Path) -> Result<Self, RecordingError> {
        let mut file = File::open(path).map_err(|err| RecordingError::io("cannot open", path, err))?;
        let file_len = file.metadata().map_err(|err| RecordingError::io("cannot read", path, err))?.len();
        let header = read_header(&mut file, path, file_len)?;
        let (index, seal) = match read_footer(&mut file, file_len) {
            Some(index) => {
                let seal = if index.recovered { SealState::Recovered } else { SealState::Sealed };
                (index, seal)
            }
            None => {
                let scan = scan_file(path)?;
                match scan.end {
                    ScanEnd::Sealed { footer } if footer.recovered => (footer, SealState::Recovered),
                    ScanEnd::Sealed { footer } => (footer, SealState::Sealed),
                    _ => (scan.index, SealState::Unsealed),
                }
            }
        };
        Ok(Self {
            file,
            path: path.to_path_buf(),
            header,
            index,
            seal,
            decoder: Decoder::new(),
            position: None,
            payload: Vec::new(),
        })
    }

    /// The header: ticket, session, start time.
    pub fn header(&self) -> &RecordingHeader {
        &self.header
    }

    /// Keyframes, events, gaps and length.
    pub fn index(&self) -> &RecordingIndex {
        &self.index
    }

    /// How the file was sealed.
    pub fn seal_state(&self) -> SealState {
        self.seal
    }

    /// Length, ms (the last record's time).
    pub fn duration_ms(&self) -> u64 {
        self.index.duration_ms
    }

    /// The picture at `t_ms` (ms since the start) exactly as it was live: the last keyframe at or
    /// before it, then every update up to and including `t_ms`. `None` before the first picture.
    /// Moving forward from the last seek within the same keyframe's span continues from there.
    pub fn frame_at(&mut self, t_ms: u64) -> Result<Option<&Frame>, RecordingError> {
        let following = self.index.keyframes.partition_point(|entry| entry.t_ms <= t_ms);
        let Some(keyframe) = following.checked_sub(1) else {
            self.position = None;
            return Ok(None);
        };
        let start = match self.position {
            Some(position) if position.keyframe == keyframe && position.t_ms <= t_ms => position.next_offset,
            _ => self.index.keyframes[keyframe].offset,
        };
        self.position = None;
        let next_offset = self.apply_until(start, t_ms)?;
        self.position = Some(Position { keyframe, next_offset, t_ms });
        Ok(self.decoder.frame())
    }

    /// Every transcript event with its time (ms since the start), in order.
    pub fn events(&mut self) -> Result<Vec<(u64, RecordedEvent)>, RecordingError> {
        let entries = self.index.events.clone();
        let mut events = Vec::with_capacity(entries.len());
        for entry in entries {
            let mut reader = reader_at(&self.file, &self.path, entry.offset)?;
            let Some((kind, t_ms, _)) = read_record(&mut reader, &mut self.payload, &self.path)? else {
                return Err(damaged(entry.offset, "an indexed event is missing"));
            };
            if kind != RecordKind::Event {
                return Err(damaged(entry.offset, "the index points at a record that is not an event"));
            }
            let event = serde_json::from_slice(&self.payload)
                .map_err(|err| damaged(entry.offset, &format!("unreadable event: {err}")))?;
            events.push((t_ms, event));
        }
        Ok(events)
    }

    /// Applies picture records from `offset` while their time is at most `t_ms`; returns the
    /// offset of the first record not applied.
    fn apply_until(&mut self, mut offset: u64, t_ms: u64) -> Result<u64, RecordingError> {
        let end = self.index.end_offset;
        let path = &self.path;
        let mut reader = reader_at(&self.file, path, offset)?;
        while offset < end {
            let mut prefix = [0u8; RECORD_PREFIX_BYTES];
            reader.read_exact(&mut prefix).map_err(|err| RecordingError::io("cannot read", path, err))?;
            let (len, kind_byte, record_t_ms) = format::parse_prefix(&prefix);
            if record_t_ms > t_ms {
                break;
            }
            let kind = RecordKind::from_byte(kind_byte).ok_or_else(|| damaged(offset, "unknown record kind"))?;
            if len > MAX_RECORD_PAYLOAD_BYTES || offset + format::record_bytes(len) > end {
                return Err(damaged(offset, "record longer than the file"));
            }
            if kind.is_picture() {
                self.payload.resize(len, 0);
                reader.read_exact(&mut self.payload).map_err(|err| RecordingError::io("cannot read", path, err))?;
                reader.seek_relative(HASH_BYTES as i64).map_err(|err| RecordingError::io("cannot read", path, err))?;
                self.decoder.decode(&self.payload).map_err(|err| damaged(offset, &format!("picture: {err}")))?;
            } else {
                reader
                    .seek_relative((len + HASH_BYTES) as i64)
                    .map_err(|err| RecordingError::io("cannot read", path, err))?;
            }
            offset += format::record_bytes(len);
        }
        Ok(offset)
    }
}

/// A buffered reader of `file` from `offset`.
fn reader_at<'a>(mut file: &'a File, path: &Path, offset: u64) -> Result<BufReader<&'a File>, RecordingError> {
    file.seek(SeekFrom::Start(offset)).map_err(|err| RecordingError::io("cannot seek in", path, err))?;
    Ok(BufReader::with_capacity(SEEK_BUFFER_BYTES, file))
}

/// Reads one record into `payload`: `(kind, t_ms, record bytes)`, `None` at the end of the file.
fn read_record(
    reader: &mut impl Read,
    payload: &mut Vec<u8>,
    path: &Path,
) -> Result<Option<(RecordKind, u64, u64)>, RecordingError> {
    let mut prefix = [0u8; RECORD_PREFIX_BYTES];
    if reader.read_exact(&mut prefix).is_err() {
        return Ok(None);
    }
    let (len, kind_byte, t_ms) = format::parse_prefix(&prefix);
    let Some(kind) = RecordKind::from_byte(kind_byte).filter(|_| len <= MAX_RECORD_PAYLOAD_BYTES) else {
        return Ok(None);
    };
    payload.resize(len, 0);
    reader.read_exact(payload).map_err(|err| RecordingError::io("cannot read", path, err))?;
    Ok(Some((kind, t_ms, format::record_bytes(len))))
}

/// Reads and checks the header (magic, version, its hash).
fn read_header(file: &mut File, path: &Path, file_len: u64) -> Result<RecordingHeader, RecordingError> {
    let not_a_recording = || RecordingError::NotARecording { path: path.display().to_string() };
    if file_len < format::FIRST_RECORD_OFFSET {
        return Err(not_a_recording());
    }
    let mut bytes = [0u8; HEADER_BYTES];
    let mut h0 = [0u8; HASH_BYTES];
    file.read_exact(&mut bytes).map_err(|err| RecordingError::io("cannot read", path, err))?;
    file.read_exact(&mut h0).map_err(|err| RecordingError::io("cannot read", path, err))?;
    let header = RecordingHeader::parse(&bytes).map_err(|version| match version {
        None => not_a_recording(),
        Some(version) => RecordingError::NewerFormat { path: path.display().to_string(), version },
    })?;
    if format::header_hash(&bytes) != h0 {
        return Err(damaged(0, "the header does not match its hash"));
    }
    Ok(header)
}

/// The footer's index when the trailer, the footer record and its link in the chain agree.
fn read_footer(file: &mut File, file_len: u64) -> Option<RecordingIndex> {
    let trailer_offset = file_len.checked_sub(TRAILER_BYTES as u64)?;
    let mut trailer_bytes = [0u8; TRAILER_BYTES];
    file.seek(SeekFrom::Start(trailer_offset)).ok()?;
    file.read_exact(&mut trailer_bytes).ok()?;
    let trailer = Trailer::parse(&trailer_bytes)?;
    let footer_start = trailer.footer_offset.checked_sub(HASH_BYTES as u64)?;
    let span = usize::try_from(trailer_offset.checked_sub(footer_start)?).ok()?;
    if trailer.footer_offset < format::FIRST_RECORD_OFFSET
        || !(HASH_BYTES + RECORD_PREFIX_BYTES + HASH_BYTES..=MAX_RECORD_PAYLOAD_BYTES).contains(&span)
    {
        return None;
    }
    let mut bytes = vec![0u8; span];
    file.seek(SeekFrom::Start(footer_start)).ok()?;
    file.read_exact(&mut bytes).ok()?;
    let (previous, record) = bytes.split_at(HASH_BYTES);
    let (prefix, rest) = record.split_at(RECORD_PREFIX_BYTES);
    let prefix: &[u8; RECORD_PREFIX_BYTES] = prefix.try_into().ok()?;
    let (len, kind, _) = format::parse_prefix(prefix);
    if kind != RecordKind::Footer as u8 || len + HASH_BYTES != rest.len() {
        return None;
    }
    let (payload, stored) = rest.split_at(len);
    let previous: &[u8; HASH_BYTES] = previous.try_into().ok()?;
    let hash = format::chain(previous, prefix, payload);
    if hash != stored || hash != trailer.head {
        return None;
    }
    RecordingIndex::parse(payload).filter(|index| index.end_offset == trailer.footer_offset)
}

/// A [`RecordingError::Damaged`] at `offset`.
fn damaged(offset: u64, detail: &str) -> RecordingError {
    RecordingError::Damaged { offset, detail: detail.to_owned() }
}
