//! The decoder: validates a whole update, then applies it to its framebuffer (tiles and copies,
//! or a whole still).

use super::motion::{self, CopyOp, MAX_COPIES};
use super::tiles::{self, Grid, TilePayload};
use super::wire::{self, ByteReader};
use super::{CodecError, DecodedUpdate, Frame, Rect, check_dimensions, still};

/// Per-tile allowance for record overhead (index delta, kind, filter, palette colours).
const TILE_OVERHEAD_BYTES: usize = 96;
/// Allowance for the copy ops and counts.
const BODY_OVERHEAD_BYTES: usize = MAX_COPIES * 64 + 64;

/// Applies updates to a framebuffer.
pub struct Decoder {
    frame: Option<Frame>,
    seq: u64,
    body: Vec<u8>,
    tile_pixels: Vec<u8>,
    copy_scratch: Vec<u8>,
    decompressor: Option<zstd::bulk::Decompressor<'static>>,
    /// The largest frame accepted (the screen the sender announced), if known.
    max_dimensions: Option<(u32, u32)>,
    /// Per tile: the frame holds only an approximation (later updates refine it).
    approximate: Vec<bool>,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

/// An update body, parsed and validated against the frame size.
struct ParsedBody<'a> {
    copies: Vec<CopyOp>,
    tiles: Vec<(usize, TilePayload<'a>)>,
    /// Tiles left approximate after this update (sorted).
    approximate: Vec<usize>,
    /// The modelled tiles' rows, decoded (`tiles::STRIP_WIDTH` pixels wide; empty without any).
    strip: Vec<u8>,
}

impl Decoder {
    /// A decoder with no frame; it needs a keyframe first.
    pub fn new() -> Self {
        Self {
            frame: None,
            seq: 0,
            body: Vec::new(),
            tile_pixels: Vec::new(),
            copy_scratch: Vec::new(),
            decompressor: zstd::bulk::Decompressor::new().ok(),
            max_dimensions: None,
            approximate: Vec::new(),
        }
    }

    /// The areas of the frame that are still approximate (merged tile runs); empty when the frame
    /// is bit-exact (or there is none).
    pub fn approximate_rects(&self) -> Vec<Rect> {
        let Some(frame) = &self.frame else { return Vec::new() };
        let grid = Grid::new(frame.width, frame.height);
        let indices = self.approximate.iter().enumerate().filter(|(_, flag)| **flag).map(|(index, _)| index);
        merge_runs(&grid, indices)
    }

    /// Refuses frames wider or taller than this from now on (the sender's announced screen),
    /// before anything is allocated for them. A held frame larger than this is dropped.
    pub fn set_max_dimensions(&mut self, width: u32, height: u32) {
        self.max_dimensions = Some((width, height));
        if self.frame.as_ref().is_some_and(|frame| frame.width > width || frame.height > height) {
            self.frame = None;
        }
    }

    /// The current frame, once a keyframe was decoded.
    pub fn frame(&self) -> Option<&Frame> {
        self.frame.as_ref()
    }

    /// Validates `update` and applies it. On error the frame is unchanged and the sender should be
    /// asked for a keyframe.
    pub fn decode(&mut self, update: &[u8]) -> Result<DecodedUpdate, CodecError> {
        let mut reader = ByteReader::new(update);
        let header = wire::read_header(&mut reader)?;
        check_dimensions(header.width, header.height)?;
        if let Some((max_width, max_height)) = self.max_dimensions
            && (header.width > max_width || header.height > max_height)
        {
            return Err(CodecError::LargerThanAnnounced {
                width: header.width,
                height: header.height,
                max_width,
                max_height,
            });
        }
        let keyframe = header.base_seq.is_none();
        if let Some(base_seq) = header.base_seq {
            let Some(frame) = &self.frame else { return Err(CodecError::NeedKeyframe) };
            if frame.width != header.width || frame.height != header.height {
                return Err(CodecError::NeedKeyframe);
            }
            if base_seq != self.seq {
                return Err(CodecError::BaseMismatch { expected: self.seq, got: base_seq });
            }
        }
        let grid = Grid::new(header.width, header.height);
        if header.still {
            return self.apply_still(reader.rest(), &header, &grid);
        }
        let body: &[u8] = match header.body_len {
            None => reader.rest(),
            Some(body_len) => {
                let max_len = header.width as usize * header.height as usize * 4
                    + grid.tile_count() * TILE_OVERHEAD_BYTES
                    + BODY_OVERHEAD_BYTES;
                if body_len > max_len {
                    return Err(CodecError::TooLarge);
                }
                let decompressor = match &mut self.decompressor {
                    Some(decompressor) => decompressor,
                    None => return Err(CodecError::Malformed("no zstd decompressor".into())),
                };
                // The encoder records the content size in the zstd frame; checking it first means
                // garbage never makes us allocate `body_len` bytes.
                let content_size = zstd::zstd_safe::get_frame_content_size(reader.rest());
                if !matches!(content_size, Ok(Some(size)) if size == body_len as u64) {
                    return Err(CodecError::Malformed("zstd frame size does not match the header".into()));
                }
                self.body.clear();
                self.body.resize(body_len, 0);
                let written = decompressor
                    .decompress_to_buffer(reader.rest(), &mut self.body[..])
                    .map_err(|error| CodecError::Malformed(format!("zstd: {error}")))?;
                if written != body_len {
                    return Err(CodecError::Malformed("body shorter than declared".into()));
                }
                &self.body
            }
        };
        let parsed = parse_body(body, &grid, keyframe, header.approximate)?;

        // Everything is valid: commit.
        if keyframe && self.frame.as_ref().is_some_and(|f| f.width != header.width || f.height != header.height) {
            self.frame = None;
        }
        let frame = self.frame.get_or_insert_with(|| Frame {
            width: header.width,
            height: header.height,
            rgba: vec![0; header.width as usize * header.height as usize * 4],
        });
        motion::apply_copies(&mut frame.rgba, frame.width, &parsed.copies, &mut self.copy_scratch);
        let stride = frame.width as usize * 4;
        for (index, payload) in &parsed.tiles {
            let rect = grid.tile_rect(*index);
            tiles::decode_tile(payload, rect.2, rect.3, &parsed.strip, &mut self.tile_pixels);
            tiles::store_tile(&mut frame.rgba, stride, rect, &self.tile_pixels);
        }
        self.seq = header.seq;
        self.approximate.clear();
        self.approximate.resize(grid.tile_count(), false);
        for &index in &parsed.approximate {
            self.approximate[index] = true;
        }
        Ok(DecodedUpdate {
            seq: header.seq,
            keyframe,
            changed: changed_rects(&grid, &parsed),
            lossy: header.lossy || !parsed.approximate.is_empty(),
            approximate: merge_runs(&grid, parsed.approximate.iter().copied()),
        })
    }
}

impl Decoder {
    /// Decodes a still (a keyframe, see `still/`) and makes it the frame: every tile approximate
    /// when it was reduced.
    fn apply_still(&mut self, body: &[u8], header: &wire::Header, grid: &Grid) -> Result<DecodedUpdate, CodecError> {
        let (rgba, block) = still::read_body(body, header.width, header.height)?;
        self.frame = Some(Frame { width: header.width, height: header.height, rgba });
        self.seq = header.seq;
        self.approximate.clear();
        self.approximate.resize(grid.tile_count(), block > 1);
        let all = Rect { x: 0, y: 0, width: header.width, height: header.height };
        Ok(DecodedUpdate {
            seq: header.seq,
            keyframe: true,
            changed: vec![all],
            lossy: header.lossy || block > 1,
            approximate: if block > 1 { merge_runs(grid, 0..grid.tile_count()) } else { Vec::new() },
        })
    }
}

/// Parses and validates every op of a body.
fn parse_body<'a>(
    body: &'a [u8],
    grid: &Grid,
    keyframe: bool,
    approximate_list: bool,
) -> Result<ParsedBody<'a>, CodecError> {
    let mut reader = ByteReader::new(body);
    let copy_count = usize::try_from(reader.varint()?).map_err(|_| CodecError::TooLarge)?;
    if copy_count > MAX_COPIES || (keyframe && copy_count > 0) {
        return Err(CodecError::Malformed(format!("{copy_count} copy ops")));
    }
    let frame_pixels = grid.width as u64 * grid.height as u64;
    let mut copied_pixels = 0u64;
    let mut copies = Vec::with_capacity(copy_count);
    for _ in 0..copy_count {
        let copy = CopyOp::read(&mut reader, grid.width, grid.height)?;
        copied_pixels += u64::from(copy.width) * u64::from(copy.height);
        if copied_pixels > 4 * frame_pixels {
            return Err(CodecError::Malformed("copy ops cover too much".into()));
        }
        copies.push(copy);
    }
    let tile_count = usize::try_from(reader.varint()?).map_err(|_| CodecError::TooLarge)?;
    if tile_count > grid.tile_count() || (keyframe && tile_count != grid.tile_count()) {
        return Err(CodecError::Malformed(format!("{tile_count} tiles")));
    }
    let mut tiles = Vec::with_capacity(tile_count);
    let mut next_index = 0usize;
    let mut strip_rows = 0u32;
    for _ in 0..tile_count {
        let delta = usize::try_from(reader.varint()?).map_err(|_| CodecError::TooLarge)?;
        let index = next_index.checked_add(delta).filter(|&index| index < grid.tile_count());
        let Some(index) = index else { return Err(CodecError::Malformed("tile index out of range".into())) };
        let (_, _, width, height) = grid.tile_rect(index);
        let mut payload = tiles::read_tile(&mut reader, width, height)?;
        if let TilePayload::Modelled { first_row } = &mut payload {
            // At most one tile's height per tile of the frame: bounded by the frame's area.
            *first_row = strip_rows;
            strip_rows += height;
        }
        tiles.push((index, payload));
        next_index = index + 1;
    }
    let mut approximate = Vec::new();
    if approximate_list {
        let count = usize::try_from(reader.varint()?).map_err(|_| CodecError::TooLarge)?;
        if count > grid.tile_count() {
            return Err(CodecError::Malformed(format!("{count} approximate tiles")));
        }
        let mut next_index = 0usize;
        for _ in 0..count {
            let delta = usize::try_from(reader.varint()?).map_err(|_| CodecError::TooLarge)?;
            let index = next_index.checked_add(delta).filter(|&index| index < grid.tile_count());
            let Some(index) = index else { return Err(CodecError::Malformed("approximate tile out of range".into())) };
            approximate.push(index);
            next_index = index + 1;
        }
    }
    let mut strip = Vec::new();
    if strip_rows > 0 {
        let len = usize::try_from(reader.varint()?).map_err(|_| CodecError::TooLarge)?;
        still::decode_strip(reader.take(len)?, tiles::STRIP_WIDTH, strip_rows, &mut strip)?;
    }
    if !reader.is_empty() {
        return Err(CodecError::Malformed("trailing bytes".into()));
    }
    Ok(ParsedBody { copies, tiles, approximate, strip })
}

/// Tiles `indices` (ascending) as rectangles, runs of neighbours in a row merged.
fn merge_runs(grid: &Grid, indices: impl Iterator<Item = usize>) -> Vec<Rect> {
    let mut rects = Vec::new();
    let mut run: Option<(usize, Rect)> = None; // (last index, rect)
    for index in indices {
        let (x, y, width, height) = grid.tile_rect(index);
        match &mut run {
            Some((last, rect)) if *last + 1 == index && rect.y == y && rect.x + rect.width == x => {
                rect.width += width;
                *last = index;
            }
            _ => {
                if let Some((_, rect)) = run.take() {
                    rects.push(rect);
                }
                run = Some((index, Rect { x, y, width, height }));
            }
        }
    }
    if let Some((_, rect)) = run {
        rects.push(rect);
    }
    rects
}

/// Copy destinations plus changed tiles, runs of neighbouring tiles in a row merged.
fn changed_rects(grid: &Grid, parsed: &ParsedBody<'_>) -> Vec<Rect> {
    let mut rects: Vec<Rect> = parsed
        .copies
        .iter()
        .map(|copy| Rect { x: copy.dst_x, y: copy.dst_y, width: copy.width, height: copy.height })
        .collect();
    rects.extend(merge_runs(grid, parsed.tiles.iter().map(|(index, _)| *index)));
    rects
}
