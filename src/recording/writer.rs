//! Appending records to a recording file: the chain, the index, the free-space floor, sealing.
//!
//! Every record goes to the file in one write as soon as it is appended (nothing waits in this
//! process), so a console killed mid-recording leaves every whole record on disk; at most the
//! last one is torn, and recovery cuts it off.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

use super::format::{self, HASH_BYTES, MAX_RECORD_PAYLOAD_BYTES, RecordKind, RecordingHeader, RecordingIndex, Trailer};
use super::space::available_bytes;
use super::{HashHead, RecordingError};

/// How many bytes are written between two free-space checks.
const SPACE_CHECK_EVERY_BYTES: u64 = 4 << 20;

/// A finished recording: where, how long, how big, and its chain head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedRecording {
    /// The file.
    pub path: PathBuf,
    /// Time of its last record, ms since the start.
    pub duration_ms: u64,
    /// The file's size.
    pub bytes: u64,
    /// The chain head (the footer's hash), also in the trailer.
    pub hash_head: HashHead,
    /// Sealed by recovery rather than at the end of the session.
    pub recovered: bool,
}

/// Writes one recording file, record by record.
pub struct RecordingWriter {
    file: File,
    path: PathBuf,
    chain: [u8; HASH_BYTES],
    offset: u64,
    index: RecordingIndex,
    last_t_ms: u64,
    floor_bytes: u64,
    bytes_since_space_check: u64,
    buffer: Vec<u8>,
    /// Set once a write failed: nothing more is appended.
    failed: bool,
}

impl RecordingWriter {
    /// Creates `path` (which must not exist; private to this account) and writes the header.
    /// Refuses to start when the disk has less than `floor_bytes` free.
    pub fn create(path: &Path, header: &RecordingHeader, floor_bytes: u64) -> Result<Self, RecordingError> {
        let folder = path.parent().filter(|parent| !parent.as_os_str().is_empty()).unwrap_or(Path::new("."));
        check_space(folder, floor_bytes)?;
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|err| RecordingError::io("cannot create", path, err))?;
        let header_bytes = header.to_bytes();
        let h0 = format::header_hash(&header_bytes);
        let mut start = Vec::with_capacity(header_bytes.len() + HASH_BYTES);
        start.extend_from_slice(&header_bytes);
        start.extend_from_slice(&h0);
        file.write_all(&start).map_err(|err| RecordingError::io("cannot write", path, err))?;
        Ok(Self::continue_at(
            file,
            path.to_path_buf(),
            h0,
            format::FIRST_RECORD_OFFSET,
            RecordingIndex::default(),
            floor_bytes,
        ))
    }

    /// A writer that continues a file at `offset` with the chain at `chain` (recovery).
    pub(super) fn continue_at(
        file: File,
        path: PathBuf,
        chain: [u8; HASH_BYTES],
        offset: u64,
        index: RecordingIndex,
        floor_bytes: u64,
    ) -> Self {
        let last_t_ms = index.duration_ms;
        Self {
            file,
            path,
            chain,
            offset,
            index,
            last_t_ms,
            floor_bytes,
            bytes_since_space_check: 0,
            buffer: Vec::new(),
            failed: false,
        }
    }

    /// Appends one record at `t_ms` (ms since the start; an earlier time than the last record's
    /// is raised to it, so the file stays in time order). Returns the record's offset.
    pub fn append(&mut self, kind: RecordKind, t_ms: u64, payload: &[u8]) -> Result<u64, RecordingError> {
        if kind == RecordKind::Footer {
            return Err(RecordingError::Damaged { offset: self.offset, detail: "a footer before the end".into() });
        }
        let t_ms = t_ms.max(self.last_t_ms);
        let offset = self.write_record(kind, t_ms, payload)?;
        self.index.note(kind, t_ms, offset, payload, format::record_bytes(payload.len()));
        self.last_t_ms = t_ms;
        if self.bytes_since_space_check >= SPACE_CHECK_EVERY_BYTES {
            self.bytes_since_space_check = 0;
            let folder = self.path.parent().unwrap_or(Path::new("."));
            check_space(folder, self.floor_bytes)?;
        }
        Ok(offset)
    }

    /// Writes the footer (the index) and the trailer, syncs the file and closes it.
    pub fn seal(self) -> Result<SealedRecording, RecordingError> {
        self.seal_as(false)
    }

    /// Seals, marking the index as recovered or not.
    pub(super) fn seal_as(mut self, recovered: bool) -> Result<SealedRecording, RecordingError> {
        if self.failed {
            return Err(RecordingError::Closed);
        }
        self.index.recovered = recovered;
        self.index.end_offset = self.offset;
        let footer = self.index.to_bytes().map_err(|err| RecordingError::Damaged {
            offset: self.offset,
            detail: format!("cannot encode the index: {err}"),
        })?;
        let footer_offset = self.write_record(RecordKind::Footer, self.last_t_ms, &footer)?;
        let trailer = Trailer { footer_offset, records: self.index.records + 1, head: self.chain };
        self.file.write_all(&trailer.to_bytes()).map_err(|err| RecordingError::io("cannot write", &self.path, err))?;
        self.file.sync_all().map_err(|err| RecordingError::io("cannot sync", &self.path, err))?;
        Ok(SealedRecording {
            path: self.path,
            duration_ms: self.index.duration_ms,
            bytes: self.offset + trailer.to_bytes().len() as u64,
            hash_head: HashHead(self.chain),
            recovered,
        })
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes in the file so far.
    pub fn bytes(&self) -> u64 {
        self.offset
    }

    /// Time of the last record, ms since the start.
    pub fn duration_ms(&self) -> u64 {
        self.last_t_ms
    }

    /// The chain head so far (the last record's hash).
    pub fn hash_head(&self) -> HashHead {
        HashHead(self.chain)
    }

    /// The index so far.
    pub fn index(&self) -> &RecordingIndex {
        &self.index
    }

    /// Writes one record in one write and advances the chain; returns its offset.
    fn write_record(&mut self, kind: RecordKind, t_ms: u64, payload: &[u8]) -> Result<u64, RecordingError> {
        if self.failed {
            return Err(RecordingError::Closed);
        }
        if payload.len() > MAX_RECORD_PAYLOAD_BYTES {
            return Err(RecordingError::RecordTooLarge { len_bytes: payload.len() });
        }
        let len =
            u32::try_from(payload.len()).map_err(|_| RecordingError::RecordTooLarge { len_bytes: payload.len() })?;
        let prefix = format::record_prefix(kind, t_ms, len);
        let hash = format::chain(&self.chain, &prefix, payload);
        self.buffer.clear();
        self.buffer.extend_from_slice(&prefix);
        self.buffer.extend_from_slice(payload);
        self.buffer.extend_from_slice(&hash);
        if let Err(err) = self.file.write_all(&self.buffer) {
            self.failed = true;
            return Err(RecordingError::io("cannot write", &self.path, err));
        }
        let offset = self.offset;
        self.offset += self.buffer.len() as u64;
        self.bytes_since_space_check += self.buffer.len() as u64;
        self.chain = hash;
        Ok(offset)
    }
}

/// Fails with [`RecordingError::NotEnoughSpace`] when `folder`'s disk has less than `floor_bytes`.
fn check_space(folder: &Path, floor_bytes: u64) -> Result<(), RecordingError> {
    if floor_bytes == 0 {
        return Ok(());
    }
    let available =
        available_bytes(folder).map_err(|err| RecordingError::io("cannot check free space on", folder, err))?;
    if available < floor_bytes {
        return Err(RecordingError::NotEnoughSpace {
            path: folder.display().to_string(),
            available_mb: available >> 20,
            floor_mb: floor_bytes.div_ceil(1 << 20),
        });
    }
    Ok(())
}
