//! The 64×64 tile grid: change detection, per-tile classification and the tile payloads.
//!
//! Tile payloads (after `index_delta:var kind:u8`):
//! - `KIND_FILL`: `rgba:[u8; 4]`, the whole tile is one colour.
//! - `KIND_PALETTE`: `count:u8` (2..=16), `count` RGBA colours, then one index byte per pixel
//!   (bytes rather than packed nibbles: zstd finds repeated glyphs far better on byte-aligned data).
//! - `KIND_RGB`: `filter:u8`, then width×height×3 bytes (alpha is 255 everywhere).
//! - `KIND_RGBA`: `filter:u8`, then width×height×4 bytes.
//! - `KIND_COARSE`: `block:u8` (2..=64), then ⌈width/block⌉×⌈height/block⌉ RGB pixels, each the
//!   average of a block (an approximate first pass; opaque).
//! - `KIND_MODELLED`: no payload; the tile's pixels (opaque) are the next `height` rows of the
//!   body's modelled strip (see `wire.rs`), coded with the still pictures' context model: refined
//!   tiles of text and UI take about half the bytes of zstd on raw pixels.
//!
//! Filters work per channel byte within the tile: `FILTER_NONE`, `FILTER_LEFT` (minus the pixel to
//! the left), `FILTER_UP` (minus the pixel above).

use super::CodecError;
use super::wire::{ByteReader, put_varint};

/// Side of a full tile, in pixels.
pub(super) const TILE_SIZE: u32 = 64;
/// Most colours a palette tile may have.
pub(super) const PALETTE_MAX: usize = 16;

pub(super) const KIND_FILL: u8 = 0;
pub(super) const KIND_PALETTE: u8 = 1;
pub(super) const KIND_RGB: u8 = 2;
pub(super) const KIND_RGBA: u8 = 3;
pub(super) const KIND_COARSE: u8 = 4;
pub(super) const KIND_MODELLED: u8 = 5;
/// Smallest and largest block side of a coarse tile.
pub(super) const COARSE_BLOCKS: std::ops::RangeInclusive<u32> = 2..=64;

pub(super) const FILTER_NONE: u8 = 0;
pub(super) const FILTER_LEFT: u8 = 1;
pub(super) const FILTER_UP: u8 = 2;

/// The tile grid of one frame size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Grid {
    pub width: u32,
    pub height: u32,
    pub columns: u32,
    pub rows: u32,
}

impl Grid {
    /// The grid for a `width`×`height` frame.
    pub fn new(width: u32, height: u32) -> Self {
        Self { width, height, columns: width.div_ceil(TILE_SIZE), rows: height.div_ceil(TILE_SIZE) }
    }

    /// Number of tiles.
    pub fn tile_count(&self) -> usize {
        self.columns as usize * self.rows as usize
    }

    /// Pixel rectangle `(x, y, width, height)` of tile `index` (row-major).
    pub fn tile_rect(&self, index: usize) -> (u32, u32, u32, u32) {
        let column = (index % self.columns as usize) as u32;
        let row = (index / self.columns as usize) as u32;
        let x = column * TILE_SIZE;
        let y = row * TILE_SIZE;
        (x, y, TILE_SIZE.min(self.width - x), TILE_SIZE.min(self.height - y))
    }
}

/// Marks in `changed` (one flag per tile) every tile whose pixels differ between `current` and
/// `reference` (both RGBA frames of `grid`'s size). Returns the number of changed tiles.
pub(super) fn find_changed_tiles(grid: &Grid, current: &[u8], reference: &[u8], changed: &mut [bool]) -> usize {
    let stride = grid.width as usize * 4;
    let tile_bytes = TILE_SIZE as usize * 4;
    let mut count = 0;
    for tile_row in 0..grid.rows as usize {
        let first_y = tile_row * TILE_SIZE as usize;
        let last_y = (first_y + TILE_SIZE as usize).min(grid.height as usize);
        let flags = &mut changed[tile_row * grid.columns as usize..(tile_row + 1) * grid.columns as usize];
        let mut marked = 0;
        for y in first_y..last_y {
            let current_row = &current[y * stride..(y + 1) * stride];
            let reference_row = &reference[y * stride..(y + 1) * stride];
            if current_row == reference_row {
                continue;
            }
            for (column, flag) in flags.iter_mut().enumerate() {
                if *flag {
                    continue;
                }
                let start = column * tile_bytes;
                let end = (start + tile_bytes).min(stride);
                if current_row[start..end] != reference_row[start..end] {
                    *flag = true;
                    marked += 1;
                }
            }
            if marked == flags.len() {
                break;
            }
        }
        count += marked;
    }
    count
}

/// Whether tile `index` differs between two frames of `grid`'s size.
pub(super) fn tile_differs(grid: &Grid, current: &[u8], reference: &[u8], index: usize) -> bool {
    let stride = grid.width as usize * 4;
    let (x, y, width, height) = grid.tile_rect(index);
    (y as usize..(y + height) as usize).any(|row| {
        let start = row * stride + x as usize * 4;
        let end = start + width as usize * 4;
        current[start..end] != reference[start..end]
    })
}

/// Indices of the tiles that intersect rectangle `(x, y, width, height)`.
pub(super) fn tiles_touching(grid: &Grid, rect: (u32, u32, u32, u32)) -> impl Iterator<Item = usize> + use<> {
    let (x, y, width, height) = rect;
    let columns = grid.columns as usize;
    let (first_column, last_column) = ((x / TILE_SIZE) as usize, ((x + width - 1) / TILE_SIZE) as usize);
    let (first_row, last_row) = ((y / TILE_SIZE) as usize, ((y + height - 1) / TILE_SIZE) as usize);
    (first_row..=last_row).flat_map(move |row| (first_column..=last_column).map(move |column| row * columns + column))
}

/// Copies tile `(x, y, width, height)` of an RGBA frame with `stride` bytes per row into `out`,
/// contiguous.
pub(super) fn extract_tile(frame: &[u8], stride: usize, rect: (u32, u32, u32, u32), out: &mut Vec<u8>) {
    let (x, y, width, height) = rect;
    out.clear();
    let row_bytes = width as usize * 4;
    for row in y as usize..(y + height) as usize {
        let start = row * stride + x as usize * 4;
        out.extend_from_slice(&frame[start..start + row_bytes]);
    }
}

/// Copies tile `rect` from one frame to another of the same size (`stride` bytes per row).
pub(super) fn copy_tile(from: &[u8], to: &mut [u8], stride: usize, rect: (u32, u32, u32, u32)) {
    let (x, y, width, height) = rect;
    let row_bytes = width as usize * 4;
    for row in y as usize..(y + height) as usize {
        let start = row * stride + x as usize * 4;
        to[start..start + row_bytes].copy_from_slice(&from[start..start + row_bytes]);
    }
}

/// Writes contiguous tile pixels back into a frame.
pub(super) fn store_tile(frame: &mut [u8], stride: usize, rect: (u32, u32, u32, u32), pixels: &[u8]) {
    let (x, y, width, height) = rect;
    let row_bytes = width as usize * 4;
    for (row, source) in (y as usize..(y + height) as usize).zip(pixels.chunks_exact(row_bytes)) {
        let start = row * stride + x as usize * 4;
        frame[start..start + row_bytes].copy_from_slice(source);
    }
}

fn pixel_at(pixels: &[u8], index: usize) -> u32 {
    let at = index * 4;
    u32::from_le_bytes([pixels[at], pixels[at + 1], pixels[at + 2], pixels[at + 3]])
}

/// How a tile should be coded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TileClass {
    Fill(u32),
    Palette(usize),
    Rich { opaque: bool },
}

/// Classifies a contiguous RGBA tile; for palette tiles `palette` holds the colours.
pub(super) fn classify(pixels: &[u8], palette: &mut Vec<u32>) -> TileClass {
    palette.clear();
    let opaque = pixels.chunks_exact(4).fold(0xff, |alpha, pixel| alpha & pixel[3]) == 0xff;
    let mut words = pixels.chunks_exact(4).map(|pixel| u32::from_le_bytes([pixel[0], pixel[1], pixel[2], pixel[3]]));
    let Some(first) = words.next() else { return TileClass::Rich { opaque } };
    palette.push(first);
    let mut last = first;
    for pixel in words {
        if pixel == last {
            continue;
        }
        if !palette.contains(&pixel) {
            if palette.len() == PALETTE_MAX {
                return TileClass::Rich { opaque };
            }
            palette.push(pixel);
        }
        last = pixel;
    }
    if palette.len() == 1 { TileClass::Fill(first) } else { TileClass::Palette(palette.len()) }
}

/// Appends the tile record (index delta, kind, payload) for a contiguous RGBA tile of `class`
/// (from [`classify`] with the `palette` it filled).
pub(super) fn encode_tile(
    pixels: &[u8],
    width: u32,
    index_delta: u64,
    class: TileClass,
    palette: &[u32],
    filter: u8,
    out: &mut Vec<u8>,
) {
    put_varint(out, index_delta);
    match class {
        TileClass::Fill(colour) => {
            out.push(KIND_FILL);
            out.extend_from_slice(&colour.to_le_bytes());
        }
        TileClass::Palette(count) => {
            out.push(KIND_PALETTE);
            out.push(count as u8);
            for colour in palette.iter() {
                out.extend_from_slice(&colour.to_le_bytes());
            }
            let mut last = u32::MAX;
            let mut last_index = 0u8;
            for index in 0..pixels.len() / 4 {
                let pixel = pixel_at(pixels, index);
                if pixel != last {
                    last = pixel;
                    last_index = palette.iter().position(|&colour| colour == pixel).unwrap_or(0) as u8;
                }
                out.push(last_index);
            }
        }
        TileClass::Rich { opaque } => {
            let channels = if opaque { 3 } else { 4 };
            out.push(if opaque { KIND_RGB } else { KIND_RGBA });
            out.push(filter);
            let start = out.len();
            for pixel in pixels.chunks_exact(4) {
                out.extend_from_slice(&pixel[..channels]);
            }
            apply_filter(&mut out[start..], width as usize * channels, channels, filter);
        }
    }
}

/// Width of the modelled strip: a tile's width, narrower tiles padded by repeating their last
/// pixel of each row.
pub(super) const STRIP_WIDTH: u32 = TILE_SIZE;

/// Appends a modelled tile record for the contiguous RGBA tile `pixels` (`width` wide, opaque)
/// and its rows, padded to [`STRIP_WIDTH`], to `strip`.
pub(super) fn encode_modelled_tile(
    pixels: &[u8],
    width: u32,
    index_delta: u64,
    out: &mut Vec<u8>,
    strip: &mut Vec<u8>,
) {
    put_varint(out, index_delta);
    out.push(KIND_MODELLED);
    let row_bytes = width as usize * 4;
    for row in pixels.chunks_exact(row_bytes) {
        strip.extend_from_slice(row);
        let last = [row[row_bytes - 4], row[row_bytes - 3], row[row_bytes - 2], row[row_bytes - 1]];
        for _ in width..STRIP_WIDTH {
            strip.extend_from_slice(&last);
        }
    }
}

/// Appends a coarse tile record: `small` holds the tile downscaled at `block` (see
/// `lossy::downscale`).
pub(super) fn encode_coarse_tile(small: &[u8], block: u32, index_delta: u64, out: &mut Vec<u8>) {
    put_varint(out, index_delta);
    out.push(KIND_COARSE);
    out.push(u8::try_from(block).unwrap_or(u8::MAX));
    out.extend_from_slice(small);
}

/// Filters `data` (rows of `row_bytes`, pixels of `channels`) in place.
fn apply_filter(data: &mut [u8], row_bytes: usize, channels: usize, filter: u8) {
    match filter {
        FILTER_LEFT => {
            for row in data.chunks_exact_mut(row_bytes) {
                for at in (channels..row.len()).rev() {
                    row[at] = row[at].wrapping_sub(row[at - channels]);
                }
            }
        }
        FILTER_UP => {
            for at in (row_bytes..data.len()).rev() {
                data[at] = data[at].wrapping_sub(data[at - row_bytes]);
            }
        }
        _ => {}
    }
}

/// Undoes [`apply_filter`] in place.
fn undo_filter(data: &mut [u8], row_bytes: usize, channels: usize, filter: u8) {
    match filter {
        FILTER_LEFT => {
            for row in data.chunks_exact_mut(row_bytes) {
                for at in channels..row.len() {
                    row[at] = row[at].wrapping_add(row[at - channels]);
                }
            }
        }
        FILTER_UP => {
            for at in row_bytes..data.len() {
                data[at] = data[at].wrapping_add(data[at - row_bytes]);
            }
        }
        _ => {}
    }
}

/// A parsed, validated tile record borrowing from the body.
#[derive(Debug)]
pub(super) enum TilePayload<'a> {
    Fill([u8; 4]),
    Palette {
        colours: &'a [u8],
        indices: &'a [u8],
    },
    Raw {
        channels: usize,
        filter: u8,
        data: &'a [u8],
    },
    Coarse {
        block: u32,
        small: &'a [u8],
    },
    /// Rows `first_row..first_row + height` of the body's modelled strip.
    Modelled {
        first_row: u32,
    },
}

/// Reads the payload of a `width`×`height` tile, checking every length and index.
pub(super) fn read_tile<'a>(
    reader: &mut ByteReader<'a>,
    width: u32,
    height: u32,
) -> Result<TilePayload<'a>, CodecError> {
    let pixel_count = (width * height) as usize;
    match reader.u8()? {
        KIND_FILL => {
            let colour = reader.take(4)?;
            Ok(TilePayload::Fill([colour[0], colour[1], colour[2], colour[3]]))
        }
        KIND_PALETTE => {
            let count = reader.u8()? as usize;
            if !(2..=PALETTE_MAX).contains(&count) {
                return Err(CodecError::Malformed(format!("palette of {count} colours")));
            }
            let colours = reader.take(count * 4)?;
            let indices = reader.take(pixel_count)?;
            if indices.iter().any(|&index| index as usize >= count) {
                return Err(CodecError::Malformed("palette index out of range".into()));
            }
            Ok(TilePayload::Palette { colours, indices })
        }
        kind @ (KIND_RGB | KIND_RGBA) => {
            let channels = if kind == KIND_RGB { 3 } else { 4 };
            let filter = reader.u8()?;
            if filter > FILTER_UP {
                return Err(CodecError::Malformed(format!("unknown filter {filter}")));
            }
            let data = reader.take(pixel_count * channels)?;
            Ok(TilePayload::Raw { channels, filter, data })
        }
        KIND_COARSE => {
            let block = u32::from(reader.u8()?);
            if !COARSE_BLOCKS.contains(&block) {
                return Err(CodecError::Malformed(format!("coarse block of {block} pixels")));
            }
            let small_pixels = (width.div_ceil(block) * height.div_ceil(block)) as usize;
            let small = reader.take(small_pixels * 3)?;
            Ok(TilePayload::Coarse { block, small })
        }
        // The strip follows the tiles; the body's parser numbers the rows.
        KIND_MODELLED => Ok(TilePayload::Modelled { first_row: 0 }),
        kind => Err(CodecError::Malformed(format!("unknown tile kind {kind}"))),
    }
}

/// Decodes a validated payload into contiguous RGBA `out` (`width`×`height`); `strip` is the
/// body's decoded modelled strip ([`STRIP_WIDTH`] pixels wide, holding every modelled tile's rows).
pub(super) fn decode_tile(payload: &TilePayload<'_>, width: u32, height: u32, strip: &[u8], out: &mut Vec<u8>) {
    let pixel_count = (width * height) as usize;
    out.clear();
    match payload {
        TilePayload::Modelled { first_row } => {
            let row_bytes = STRIP_WIDTH as usize * 4;
            for row in strip.chunks_exact(row_bytes).skip(*first_row as usize).take(height as usize) {
                out.extend_from_slice(&row[..width as usize * 4]);
            }
        }
        TilePayload::Coarse { block, small } => super::lossy::upscale(small, width, height, *block, out),
        TilePayload::Fill(colour) => {
            for _ in 0..pixel_count {
                out.extend_from_slice(colour);
            }
        }
        TilePayload::Palette { colours, indices } => {
            for &index in indices.iter() {
                let at = index as usize * 4;
                out.extend_from_slice(&colours[at..at + 4]);
            }
        }
        TilePayload::Raw { channels, filter, data } => {
            out.extend_from_slice(data);
            undo_filter(out, width as usize * channels, *channels, *filter);
            if *channels == 3 {
                // Expand RGB to RGBA in place, back to front.
                out.resize(pixel_count * 4, 0);
                for pixel in (0..pixel_count).rev() {
                    let (from, to) = (pixel * 3, pixel * 4);
                    out[to + 3] = 0xff;
                    out[to + 2] = out[from + 2];
                    out[to + 1] = out[from + 1];
                    out[to] = out[from];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(pixels: &[u8], width: u32, filter: u8) -> Vec<u8> {
        let mut palette = Vec::new();
        let mut record = Vec::new();
        let class = classify(pixels, &mut palette);
        encode_tile(pixels, width, 0, class, &palette, filter, &mut record);
        let mut reader = ByteReader::new(&record);
        assert_eq!(reader.varint(), Ok(0));
        let height = (pixels.len() / 4) as u32 / width;
        let payload = read_tile(&mut reader, width, height).expect("valid record");
        assert!(reader.is_empty());
        let mut out = Vec::new();
        decode_tile(&payload, width, height, &[], &mut out);
        out
    }

    #[test]
    fn every_tile_class_round_trips() {
        let flat = [7u8, 8, 9, 255].repeat(64 * 64);
        assert_eq!(round_trip(&flat, 64, FILTER_NONE), flat);
        let few: Vec<u8> = (0..40 * 30).flat_map(|i| [(i % 5) as u8 * 40, 0, 0, 255]).collect();
        assert_eq!(round_trip(&few, 40, FILTER_NONE), few);
        let rich: Vec<u8> = (0..64 * 64u32).flat_map(|i| [(i * 7) as u8, (i / 3) as u8, (i * 13) as u8, 255]).collect();
        for filter in [FILTER_NONE, FILTER_LEFT, FILTER_UP] {
            assert_eq!(round_trip(&rich, 64, filter), rich);
        }
        let translucent: Vec<u8> = (0..17 * 3u32).flat_map(|i| [(i * 7) as u8, 1, 2, i as u8]).collect();
        assert_eq!(round_trip(&translucent, 17, FILTER_LEFT), translucent);
    }

    #[test]
    fn changed_tiles_are_found() {
        let grid = Grid::new(130, 70);
        let reference = vec![0u8; 130 * 70 * 4];
        let mut current = reference.clone();
        current[(69 * 130 + 129) * 4] = 1;
        let mut changed = vec![false; grid.tile_count()];
        assert_eq!(find_changed_tiles(&grid, &current, &reference, &mut changed), 1);
        assert_eq!(changed, [false, false, false, false, false, true]);
        assert_eq!(grid.tile_rect(5), (128, 64, 2, 6));
    }
}
