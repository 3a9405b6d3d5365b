//! Update byte layout: the header, LEB128 varints and a bounds-checked reader.
//!
//! ```text
//! update  = "SWC" version:u8 flags:u8 seq:var [base_seq:var] width:var height:var [body_len:var] body
//! body    = copy_count:var copy* tile_count:var tile* [approx] [strip]
//!                                          (zstd-compressed when FLAG_COMPRESSED)
//! approx  = count:var index_delta:var*     (FLAG_APPROXIMATE: every tile the decoder now holds only
//!                                            approximately; without the flag, none)
//! strip   = len:var picture                (when some tile is KIND_MODELLED: those tiles' rows,
//!                                            64 pixels wide, stacked in tile order, coded opaque
//!                                            by the still pictures' model, `still/model.rs`)
//! copy    = src_x:var src_y:var dst_x:var dst_y:var width:var height:var
//! tile    = index_delta:var kind:u8 payload                    (see `tiles.rs`)
//! ```
//! `base_seq` is present unless the update is a keyframe; `body_len` (the decompressed size) only
//! when the body is compressed. With `FLAG_STILL` the body is a still picture instead (see
//! `still/mod.rs`): only on keyframes, never with `FLAG_COMPRESSED` or `FLAG_APPROXIMATE`; a
//! decoder without it refuses the flag as unknown.

use super::CodecError;

/// First bytes of every update.
pub(super) const MAGIC: [u8; 3] = *b"SWC";
/// Version of this layout.
pub(super) const FORMAT_VERSION: u8 = 1;
/// The update replaces the whole frame and has no base.
pub(super) const FLAG_KEYFRAME: u8 = 1;
/// Some tiles were quantised: the result is not bit-exact.
pub(super) const FLAG_LOSSY: u8 = 2;
/// The body is one zstd frame.
pub(super) const FLAG_COMPRESSED: u8 = 4;
/// The body ends with the list of tiles left approximate (to be refined by later updates).
pub(super) const FLAG_APPROXIMATE: u8 = 8;
/// The body is a still picture (guidance-only mode), not tiles.
pub(super) const FLAG_STILL: u8 = 16;
const KNOWN_FLAGS: u8 = FLAG_KEYFRAME | FLAG_LOSSY | FLAG_COMPRESSED | FLAG_APPROXIMATE | FLAG_STILL;

/// The fixed part of an update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Header {
    pub seq: u64,
    /// `None` for keyframes.
    pub base_seq: Option<u64>,
    pub width: u32,
    pub height: u32,
    pub lossy: bool,
    /// The body ends with the approximate tiles' list.
    pub approximate: bool,
    /// Decompressed body size, when the body is compressed.
    pub body_len: Option<usize>,
    /// The body is a still picture.
    pub still: bool,
}

/// Appends `value` as an unsigned LEB128 varint.
pub(super) fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Appends the header.
pub(super) fn write_header(out: &mut Vec<u8>, header: &Header) {
    out.extend_from_slice(&MAGIC);
    out.push(FORMAT_VERSION);
    let mut flags = 0;
    if header.base_seq.is_none() {
        flags |= FLAG_KEYFRAME;
    }
    if header.lossy {
        flags |= FLAG_LOSSY;
    }
    if header.body_len.is_some() {
        flags |= FLAG_COMPRESSED;
    }
    if header.approximate {
        flags |= FLAG_APPROXIMATE;
    }
    if header.still {
        flags |= FLAG_STILL;
    }
    out.push(flags);
    put_varint(out, header.seq);
    if let Some(base_seq) = header.base_seq {
        put_varint(out, base_seq);
    }
    put_varint(out, u64::from(header.width));
    put_varint(out, u64::from(header.height));
    if let Some(body_len) = header.body_len {
        put_varint(out, body_len as u64);
    }
}

/// Reads the header; the reader is left at the start of the body.
pub(super) fn read_header(reader: &mut ByteReader<'_>) -> Result<Header, CodecError> {
    if reader.take(MAGIC.len())? != MAGIC {
        return Err(CodecError::Malformed("bad magic".into()));
    }
    let version = reader.u8()?;
    if version != FORMAT_VERSION {
        return Err(CodecError::UnsupportedVersion(version));
    }
    let flags = reader.u8()?;
    if flags & !KNOWN_FLAGS != 0 {
        return Err(CodecError::Malformed(format!("unknown flags {flags:#x}")));
    }
    let still = flags & FLAG_STILL != 0;
    if still && (flags & FLAG_KEYFRAME == 0 || flags & (FLAG_COMPRESSED | FLAG_APPROXIMATE) != 0) {
        return Err(CodecError::Malformed(format!("still with flags {flags:#x}")));
    }
    let seq = reader.varint()?;
    let base_seq = if flags & FLAG_KEYFRAME == 0 { Some(reader.varint()?) } else { None };
    let width = reader.varint_u32()?;
    let height = reader.varint_u32()?;
    let body_len = if flags & FLAG_COMPRESSED != 0 {
        Some(usize::try_from(reader.varint()?).map_err(|_| CodecError::TooLarge)?)
    } else {
        None
    };
    Ok(Header {
        seq,
        base_seq,
        width,
        height,
        lossy: flags & FLAG_LOSSY != 0,
        approximate: flags & FLAG_APPROXIMATE != 0,
        body_len,
        still,
    })
}

/// Reads from a byte slice; every read checks the remaining length.
pub(super) struct ByteReader<'a> {
    data: &'a [u8],
}

impl<'a> ByteReader<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        self.data
    }

    /// Whether everything was read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The next `len` bytes.
    pub fn take(&mut self, len: usize) -> Result<&'a [u8], CodecError> {
        if len > self.data.len() {
            return Err(CodecError::Malformed(format!("truncated: need {len} bytes, {} left", self.data.len())));
        }
        let (head, tail) = self.data.split_at(len);
        self.data = tail;
        Ok(head)
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8, CodecError> {
        let (&first, tail) = self.data.split_first().ok_or_else(|| CodecError::Malformed("truncated".into()))?;
        self.data = tail;
        Ok(first)
    }

    /// An unsigned LEB128 varint of at most 10 bytes.
    pub fn varint(&mut self) -> Result<u64, CodecError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.u8()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(CodecError::Malformed("varint too long".into()))
    }

    /// A varint that must fit in `u32`.
    pub fn varint_u32(&mut self) -> Result<u32, CodecError> {
        u32::try_from(self.varint()?).map_err(|_| CodecError::Malformed("value out of range".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips() {
        let header = Header {
            seq: 300,
            base_seq: Some(299),
            width: 1920,
            height: 1080,
            lossy: true,
            approximate: true,
            body_len: Some(123_456),
            still: false,
        };
        let mut bytes = Vec::new();
        write_header(&mut bytes, &header);
        let mut reader = ByteReader::new(&bytes);
        assert_eq!(read_header(&mut reader), Ok(header));
        assert!(reader.is_empty());
        let still = Header { base_seq: None, approximate: false, body_len: None, still: true, ..header };
        let mut bytes = Vec::new();
        write_header(&mut bytes, &still);
        assert_eq!(read_header(&mut ByteReader::new(&bytes)), Ok(still));
    }

    #[test]
    fn a_still_only_comes_as_a_plain_keyframe() {
        for flags in
            [FLAG_STILL, FLAG_STILL | FLAG_KEYFRAME | FLAG_COMPRESSED, FLAG_STILL | FLAG_KEYFRAME | FLAG_APPROXIMATE]
        {
            let bytes = [b'S', b'W', b'C', FORMAT_VERSION, flags, 1, 0, 1, 1, 9];
            assert!(matches!(read_header(&mut ByteReader::new(&bytes)), Err(CodecError::Malformed(_))), "{flags:#x}");
        }
    }

    #[test]
    fn varint_rejects_overlong_input() {
        let bytes = [0xffu8; 11];
        assert!(ByteReader::new(&bytes).varint().is_err());
        let mut out = Vec::new();
        put_varint(&mut out, u64::MAX);
        assert_eq!(ByteReader::new(&out).varint(), Ok(u64::MAX));
    }
}
