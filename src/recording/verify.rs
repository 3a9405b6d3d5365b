//! Walking a recording record by record: verification against its chain, the index rebuilt by
//! scanning (a file never sealed), and recovery (sealing such a file).

use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Seek as _, SeekFrom};
use std::path::Path;

use super::format::{
    self, HASH_BYTES, HEADER_BYTES, MAX_RECORD_PAYLOAD_BYTES, RECORD_PREFIX_BYTES, RecordKind, RecordingHeader,
    RecordingIndex, TRAILER_BYTES, TRAILER_MAGIC, Trailer,
};
use super::writer::{RecordingWriter, SealedRecording};
use super::{HashHead, RecordingError};

/// Read buffer of a scan.
const SCAN_BUFFER_BYTES: usize = 1 << 20;

/// What verifying a recording found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verification {
    /// Every record matches the chain, and the file is sealed.
    Verified {
        /// Records, the footer included.
        records: u64,
        /// Time of the last record, ms since the start.
        duration_ms: u64,
        /// The chain head (compare with the ticket's `recording_saved`).
        hash_head: HashHead,
        /// Sealed by recovery after the console stopped mid-recording.
        recovered: bool,
    },
    /// The file ends early: every record before `at_record` is intact, from `at_offset` on the
    /// rest (and the seal) is missing.
    Truncated {
        /// The first missing or torn record (1 = the first after the header).
        at_record: u64,
        /// Where the intact part ends.
        at_offset: u64,
    },
    /// Record `record` (0 = the header) does not match the chain: the file was changed.
    Modified {
        /// The first record that does not match.
        record: u64,
    },
}

impl std::fmt::Display for Verification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Verified { records, duration_ms, hash_head, recovered } => {
                let how = if *recovered { ", recovered after a crash" } else { "" };
                write!(f, "verified ({records} records, {:.1} s{how}, head {hash_head})", *duration_ms as f64 / 1000.0)
            }
            Self::Truncated { at_record, at_offset } => {
                write!(f, "truncated at record {at_record} (byte {at_offset})")
            }
            Self::Modified { record: 0 } => write!(f, "modified at record 0 (the header)"),
            Self::Modified { record } => write!(f, "modified at record {record}"),
        }
    }
}

/// How a scan ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum ScanEnd {
    /// A footer and a trailer that matches it, at the very end.
    Sealed {
        /// The footer's index.
        footer: RecordingIndex,
    },
    /// The records end cleanly, with no footer.
    NoFooter,
    /// Record `record` runs past the end of the file.
    Torn {
        /// Its number.
        record: u64,
    },
    /// Record `record` does not match the chain, is not a known kind, or follows the footer.
    Broken {
        /// Its number (0 = the header).
        record: u64,
    },
}

/// The result of walking a file.
#[derive(Clone, Debug)]
pub(super) struct Scan {
    /// The index of every intact record before the footer (as the writer built it).
    pub index: RecordingIndex,
    /// The hash of the last intact record before the footer (`h0` when there is none).
    pub chain: [u8; HASH_BYTES],
    /// How it ended.
    pub end: ScanEnd,
}

/// Checks every record of `path` against the chain and the seal.
pub fn verify(path: &Path) -> Result<Verification, RecordingError> {
    let scan = scan_file(path)?;
    let file_len = std::fs::metadata(path).map_err(|err| RecordingError::io("cannot read", path, err))?.len();
    let records_before_footer = scan.index.records;
    Ok(match scan.end {
        ScanEnd::Sealed { footer } => Verification::Verified {
            records: records_before_footer + 1,
            duration_ms: footer.duration_ms,
            hash_head: HashHead(last_hash(path, file_len)?),
            recovered: footer.recovered,
        },
        ScanEnd::Broken { record } => Verification::Modified { record },
        // A torn record or a missing footer in a file that still ends with a trailer was cut
        // out of the middle or changed, not cut short.
        ScanEnd::Torn { record } if ends_with_trailer_magic(path, file_len)? => Verification::Modified { record },
        ScanEnd::NoFooter if ends_with_trailer_magic(path, file_len)? => {
            Verification::Modified { record: records_before_footer + 1 }
        }
        ScanEnd::Torn { record } => Verification::Truncated { at_record: record, at_offset: scan.index.end_offset },
        ScanEnd::NoFooter => {
            Verification::Truncated { at_record: records_before_footer + 1, at_offset: scan.index.end_offset }
        }
    })
}

/// Seals a recording the console did not finish (killed mid-recording): cuts off a torn last
/// record, writes the index rebuilt by scanning, marked recovered. A sealed file is left alone.
/// A file whose chain is broken is not touched.
pub fn recover(path: &Path) -> Result<SealedRecording, RecordingError> {
    let scan = scan_file(path)?;
    match scan.end {
        ScanEnd::Sealed { footer } => {
            let file_len = std::fs::metadata(path).map_err(|err| RecordingError::io("cannot read", path, err))?.len();
            Ok(SealedRecording {
                path: path.to_path_buf(),
                duration_ms: footer.duration_ms,
                bytes: file_len,
                hash_head: HashHead(last_hash(path, file_len)?),
                recovered: footer.recovered,
            })
        }
        ScanEnd::Broken { record } => Err(RecordingError::Damaged {
            offset: scan.index.end_offset,
            detail: format!("record {record} does not match the chain; not sealing a changed file"),
        }),
        ScanEnd::NoFooter | ScanEnd::Torn { .. } => {
            let file = OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|err| RecordingError::io("cannot open", path, err))?;
            let end = scan.index.end_offset.max(format::FIRST_RECORD_OFFSET);
            file.set_len(end).map_err(|err| RecordingError::io("cannot cut the torn end of", path, err))?;
            let mut file = file;
            file.seek(SeekFrom::End(0)).map_err(|err| RecordingError::io("cannot seek in", path, err))?;
            let writer = RecordingWriter::continue_at(file, path.to_path_buf(), scan.chain, end, scan.index, 0);
            writer.seal_as(true)
        }
    }
}

/// Walks every record of `path`.
pub(super) fn scan_file(path: &Path) -> Result<Scan, RecordingError> {
    let file = File::open(path).map_err(|err| RecordingError::io("cannot open", path, err))?;
    let file_len = file.metadata().map_err(|err| RecordingError::io("cannot read", path, err))?.len();
    scan(BufReader::with_capacity(SCAN_BUFFER_BYTES, file), file_len, path)
}

/// Walks the records of a file of `file_len` bytes read from `input`.
fn scan(mut input: impl Read, file_len: u64, path: &Path) -> Result<Scan, RecordingError> {
    let read_error = |err| RecordingError::io("cannot read", path, err);
    let mut header_bytes = [0u8; HEADER_BYTES];
    let mut h0 = [0u8; HASH_BYTES];
    if file_len < format::FIRST_RECORD_OFFSET {
        return Err(RecordingError::NotARecording { path: path.display().to_string() });
    }
    input.read_exact(&mut header_bytes).map_err(read_error)?;
    input.read_exact(&mut h0).map_err(read_error)?;
    match RecordingHeader::parse(&header_bytes) {
        Ok(_) => {}
        Err(None) => return Err(RecordingError::NotARecording { path: path.display().to_string() }),
        Err(Some(version)) => return Err(RecordingError::NewerFormat { path: path.display().to_string(), version }),
    }
    let mut index = RecordingIndex { end_offset: format::FIRST_RECORD_OFFSET, ..RecordingIndex::default() };
    let mut chain = format::header_hash(&header_bytes);
    let done = |index, chain, end| Ok(Scan { index, chain, end });
    if chain != h0 {
        return done(index, chain, ScanEnd::Broken { record: 0 });
    }
    let mut offset = format::FIRST_RECORD_OFFSET;
    let mut payload = Vec::new();
    let mut stored = [0u8; HASH_BYTES];
    loop {
        let record = index.records + 1;
        let remaining = file_len - offset;
        if remaining == 0 {
            return done(index, chain, ScanEnd::NoFooter);
        }
        if remaining < (RECORD_PREFIX_BYTES + HASH_BYTES) as u64 {
            return done(index, chain, ScanEnd::Torn { record });
        }
        let mut prefix = [0u8; RECORD_PREFIX_BYTES];
        input.read_exact(&mut prefix).map_err(read_error)?;
        let (len, kind_byte, t_ms) = format::parse_prefix(&prefix);
        if len > MAX_RECORD_PAYLOAD_BYTES {
            return done(index, chain, ScanEnd::Broken { record });
        }
        let record_bytes = format::record_bytes(len);
        if record_bytes > remaining {
            return done(index, chain, ScanEnd::Torn { record });
        }
        payload.resize(len, 0);
        input.read_exact(&mut payload).map_err(read_error)?;
        input.read_exact(&mut stored).map_err(read_error)?;
        let hash = format::chain(&chain, &prefix, &payload);
        let Some(kind) = RecordKind::from_byte(kind_byte).filter(|_| hash == stored) else {
            return done(index, chain, ScanEnd::Broken { record });
        };
        if kind == RecordKind::Footer {
            let end = footer_end(&mut input, remaining - record_bytes, offset, index.records + 1, &hash, &payload)
                .map_err(read_error)?;
            return done(index, chain, end.unwrap_or(ScanEnd::Broken { record }));
        }
        index.note(kind, t_ms, offset, &payload, record_bytes);
        chain = hash;
        offset += record_bytes;
    }
}

/// After a footer record at `footer_offset` (number `records`, hash `head`): `Some(Sealed)` when
/// exactly a matching trailer follows and the footer parses, `Some(Torn)` when the trailer is cut
/// short, `None` otherwise.
fn footer_end(
    input: &mut impl Read,
    after_footer: u64,
    footer_offset: u64,
    records: u64,
    head: &[u8; HASH_BYTES],
    payload: &[u8],
) -> std::io::Result<Option<ScanEnd>> {
    if after_footer < TRAILER_BYTES as u64 {
        return Ok(Some(ScanEnd::Torn { record: records + 1 }));
    }
    if after_footer > TRAILER_BYTES as u64 {
        return Ok(None);
    }
    let mut trailer_bytes = [0u8; TRAILER_BYTES];
    input.read_exact(&mut trailer_bytes)?;
    let expected = Trailer { footer_offset, records, head: *head };
    let matches = Trailer::parse(&trailer_bytes) == Some(expected);
    Ok(RecordingIndex::parse(payload)
        .filter(|footer| matches && footer.end_offset == footer_offset && footer.records + 1 == records)
        .map(|footer| ScanEnd::Sealed { footer }))
}

/// The trailer's chain head (only called on a file a scan found sealed).
fn last_hash(path: &Path, file_len: u64) -> Result<[u8; HASH_BYTES], RecordingError> {
    let trailer = read_tail(path, file_len)?;
    Trailer::parse(&trailer).map(|trailer| trailer.head).ok_or(RecordingError::Damaged {
        offset: file_len.saturating_sub(TRAILER_BYTES as u64),
        detail: "no trailer".into(),
    })
}

/// Whether the file ends with the trailer's magic.
fn ends_with_trailer_magic(path: &Path, file_len: u64) -> Result<bool, RecordingError> {
    if file_len < (format::FIRST_RECORD_OFFSET + TRAILER_BYTES as u64) {
        return Ok(false);
    }
    let tail = read_tail(path, file_len)?;
    Ok(tail[TRAILER_BYTES - TRAILER_MAGIC.len()..] == TRAILER_MAGIC)
}

/// The last [`TRAILER_BYTES`] of the file.
fn read_tail(path: &Path, file_len: u64) -> Result<[u8; TRAILER_BYTES], RecordingError> {
    let mut tail = [0u8; TRAILER_BYTES];
    let mut file = File::open(path).map_err(|err| RecordingError::io("cannot open", path, err))?;
    let start = file_len
        .checked_sub(TRAILER_BYTES as u64)
        .ok_or(RecordingError::Damaged { offset: 0, detail: "shorter than a trailer".into() })?;
    file.seek(SeekFrom::Start(start)).map_err(|err| RecordingError::io("cannot seek in", path, err))?;
    file.read_exact(&mut tail).map_err(|err| RecordingError::io("cannot read", path, err))?;
    Ok(tail)
}
