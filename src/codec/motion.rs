//! Copy-rect ops (VNC CopyRect style): vertical scroll detection from row hashes and the shared
//! code that applies copies, so the encoder's reference and the decoder's frame stay identical.

use super::CodecError;
use super::tiles::{Grid, TILE_SIZE};
use super::wire::{ByteReader, put_varint};

/// Copy `dst`-sized pixels from `(src_x, src_y)` of the base frame to `dst`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct CopyOp {
    pub src_x: u32,
    pub src_y: u32,
    pub dst_x: u32,
    pub dst_y: u32,
    pub width: u32,
    pub height: u32,
}

/// Most copy ops one update may carry.
pub(super) const MAX_COPIES: usize = 4096;

impl CopyOp {
    /// Appends the op.
    pub fn write(&self, out: &mut Vec<u8>) {
        for value in [self.src_x, self.src_y, self.dst_x, self.dst_y, self.width, self.height] {
            put_varint(out, u64::from(value));
        }
    }

    /// Reads one op and checks both rectangles against the frame bounds.
    pub fn read(reader: &mut ByteReader<'_>, frame_width: u32, frame_height: u32) -> Result<Self, CodecError> {
        let mut values = [0u32; 6];
        for value in &mut values {
            *value = reader.varint_u32()?;
        }
        let [src_x, src_y, dst_x, dst_y, width, height] = values;
        let fits = |x: u32, y: u32| {
            x.checked_add(width).is_some_and(|right| right <= frame_width)
                && y.checked_add(height).is_some_and(|bottom| bottom <= frame_height)
        };
        if width == 0 || height == 0 || !fits(src_x, src_y) || !fits(dst_x, dst_y) {
            return Err(CodecError::Malformed("copy rectangle outside the frame".into()));
        }
        Ok(Self { src_x, src_y, dst_x, dst_y, width, height })
    }

    fn overlaps_source_of(&self, other: &CopyOp) -> bool {
        self.dst_x < other.src_x + other.width
            && other.src_x < self.dst_x + self.width
            && self.dst_y < other.src_y + other.height
            && other.src_y < self.dst_y + self.height
    }
}

/// Applies `copies` to an RGBA frame of `width` pixels per row. Every copy reads the frame as it
/// was before the first copy (so the result does not depend on overlaps). Rects must be in bounds
/// (checked by [`CopyOp::read`], guaranteed by the encoder).
pub(super) fn apply_copies(frame: &mut [u8], width: u32, copies: &[CopyOp], scratch: &mut Vec<u8>) {
    let stride = width as usize * 4;
    // In place is exact when no copy writes where a later one reads.
    let independent = copies
        .iter()
        .enumerate()
        .all(|(at, copy)| copies[at + 1..].iter().all(|later| !copy.overlaps_source_of(later)));
    if independent {
        for copy in copies {
            let row_bytes = copy.width as usize * 4;
            let rows: Box<dyn Iterator<Item = u32>> =
                if copy.dst_y > copy.src_y { Box::new((0..copy.height).rev()) } else { Box::new(0..copy.height) };
            for row in rows {
                let from = (copy.src_y + row) as usize * stride + copy.src_x as usize * 4;
                let to = (copy.dst_y + row) as usize * stride + copy.dst_x as usize * 4;
                frame.copy_within(from..from + row_bytes, to);
            }
        }
        return;
    }
    scratch.clear();
    for copy in copies {
        let row_bytes = copy.width as usize * 4;
        for row in 0..copy.height {
            let from = (copy.src_y + row) as usize * stride + copy.src_x as usize * 4;
            scratch.extend_from_slice(&frame[from..from + row_bytes]);
        }
    }
    let mut offset = 0;
    for copy in copies {
        let row_bytes = copy.width as usize * 4;
        for row in 0..copy.height {
            let to = (copy.dst_y + row) as usize * stride + copy.dst_x as usize * 4;
            frame[to..to + row_bytes].copy_from_slice(&scratch[offset..offset + row_bytes]);
            offset += row_bytes;
        }
    }
}

const HASH_MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

fn word_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

/// A fast non-cryptographic hash of a row segment (four independent multiply-rotate lanes).
pub(super) fn hash_segment(bytes: &[u8]) -> u64 {
    let mut lanes = [0x243f_6a88_85a3_08d3u64, 0x1319_8a2e_0370_7344, 0xa409_3822_299f_31d0, 0x082e_fa98_ec4e_6c89];
    let chunks = bytes.chunks_exact(32);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (lane, state) in lanes.iter_mut().enumerate() {
            *state = (state.rotate_left(23) ^ word_at(chunk, lane * 8)).wrapping_mul(HASH_MULTIPLIER);
        }
    }
    let mut hash = lanes[0] ^ lanes[1].rotate_left(16) ^ lanes[2].rotate_left(32) ^ lanes[3].rotate_left(48);
    for &byte in tail {
        hash = (hash.rotate_left(5) ^ u64::from(byte)).wrapping_mul(HASH_MULTIPLIER);
    }
    (hash ^ (hash >> 29)).wrapping_mul(HASH_MULTIPLIER)
}

/// Hashes every row segment of tile column `column` for rows `first_row..last_row` into
/// `hashes[column * height + row]`.
pub(super) fn hash_column_rows(
    grid: &Grid,
    frame: &[u8],
    column: u32,
    first_row: u32,
    last_row: u32,
    hashes: &mut [u64],
) {
    let stride = grid.width as usize * 4;
    let start = (column * TILE_SIZE) as usize * 4;
    let end = (start + TILE_SIZE as usize * 4).min(stride);
    let base = column as usize * grid.height as usize;
    for row in first_row as usize..last_row as usize {
        hashes[base + row] = hash_segment(&frame[row * stride + start..row * stride + end]);
    }
}

/// Hashes all row segments of a frame (layout `hashes[column * height + row]`), row by row.
pub(super) fn hash_all_rows(grid: &Grid, frame: &[u8], hashes: &mut Vec<u64>) {
    let height = grid.height as usize;
    hashes.resize(grid.columns as usize * height, 0);
    let segment_bytes = TILE_SIZE as usize * 4;
    for (row, pixels) in frame.chunks_exact(grid.width as usize * 4).enumerate() {
        for (column, segment) in pixels.chunks(segment_bytes).enumerate() {
            hashes[column * height + row] = hash_segment(segment);
        }
    }
}

/// Hashes of `frame` given the hashes of a reference that equals it outside the `changed` tiles.
pub(super) fn hash_changed_rows(
    grid: &Grid,
    frame: &[u8],
    changed: &[bool],
    reference_hashes: &[u64],
    hashes: &mut Vec<u64>,
) {
    hashes.clear();
    hashes.extend_from_slice(reference_hashes);
    for (index, _) in changed.iter().enumerate().filter(|(_, flag)| **flag) {
        let (x, y, _, height) = grid.tile_rect(index);
        hash_column_rows(grid, frame, x / TILE_SIZE, y, y + height, hashes);
    }
}

/// Fewest rows of a column that must gain from a shift before a copy is emitted.
const MIN_GAIN_ROWS: usize = 24;
/// Most candidate offsets examined.
const MAX_CANDIDATES: usize = 4;
/// A sampled row found at more places than this in the reference does not vote.
const MAX_MATCHES_PER_SAMPLE: usize = 3;
/// Samples per tile column used for voting.
const SAMPLES_PER_COLUMN: usize = 24;

/// Finds vertically shifted content (scrolling) between `reference` and `current` row hashes and
/// returns copy ops that move reference rows to where they are now. Works per tile column, so
/// panes that scroll by different amounts (or not at all) are handled.
pub(super) fn detect_vertical_copies(
    grid: &Grid,
    current: &[u64],
    reference: &[u64],
    votes: &mut Vec<u32>,
) -> Vec<CopyOp> {
    let height = grid.height as usize;
    votes.clear();
    votes.resize(2 * height, 0);
    for column in 0..grid.columns as usize {
        let current_rows = &current[column * height..(column + 1) * height];
        let reference_rows = &reference[column * height..(column + 1) * height];
        let distinctive: Vec<usize> = (1..height)
            .filter(|&row| {
                current_rows[row] != reference_rows[row]
                    && current_rows[row] != current_rows[row - 1]
                    && (row + 1 == height || current_rows[row] != current_rows[row + 1])
            })
            .collect();
        let step = distinctive.len().div_ceil(SAMPLES_PER_COLUMN).max(1);
        for &row in distinctive.iter().step_by(step) {
            let wanted = current_rows[row];
            let mut found = [0usize; MAX_MATCHES_PER_SAMPLE + 1];
            let mut matches = 0;
            for (source_row, _) in reference_rows.iter().enumerate().filter(|&(_, &hash)| hash == wanted) {
                found[matches] = source_row;
                matches += 1;
                if matches > MAX_MATCHES_PER_SAMPLE {
                    break;
                }
            }
            if matches <= MAX_MATCHES_PER_SAMPLE {
                for &source_row in &found[..matches] {
                    votes[source_row + height - row] += 1;
                }
            }
        }
    }
    let mut candidates: Vec<(u32, isize)> = votes
        .iter()
        .enumerate()
        .filter(|&(_, &count)| count >= 3)
        .map(|(at, &count)| (count, at as isize - height as isize))
        .filter(|&(_, shift)| shift != 0)
        .collect();
    candidates.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    candidates.truncate(MAX_CANDIDATES);
    if candidates.is_empty() {
        return Vec::new();
    }

    let mut copies: Vec<CopyOp> = Vec::new();
    for column in 0..grid.columns as usize {
        let current_rows = &current[column * height..(column + 1) * height];
        let reference_rows = &reference[column * height..(column + 1) * height];
        let mut best: Option<(usize, isize, usize, usize)> = None; // (gain, shift, first, end)
        for &(_, shift) in &candidates {
            if let Some((gain, first, end)) = best_run(current_rows, reference_rows, shift)
                && gain >= MIN_GAIN_ROWS
                && best.is_none_or(|(best_gain, ..)| gain > best_gain)
            {
                best = Some((gain, shift, first, end));
            }
        }
        let Some((_, shift, first, end)) = best else { continue };
        let x = column as u32 * TILE_SIZE;
        let copy = CopyOp {
            src_x: x,
            src_y: (first as isize + shift) as u32,
            dst_x: x,
            dst_y: first as u32,
            width: TILE_SIZE.min(grid.width - x),
            height: (end - first) as u32,
        };
        match copies.last_mut() {
            Some(previous)
                if previous.dst_x + previous.width == copy.dst_x
                    && previous.src_y == copy.src_y
                    && previous.dst_y == copy.dst_y
                    && previous.height == copy.height =>
            {
                previous.width += copy.width;
            }
            _ => copies.push(copy),
        }
    }
    copies
}

/// The run of rows `first..end` where `current[row] == reference[row + shift]` that gains the
/// most rows not already equal in place. Returns `(gain, first, end)`.
fn best_run(current: &[u64], reference: &[u64], shift: isize) -> Option<(usize, usize, usize)> {
    let height = current.len() as isize;
    let first_row = (-shift).max(0);
    let end_row = (height - shift).min(height);
    let mut best: Option<(usize, usize, usize)> = None;
    let mut run_start = first_row;
    let mut gain = 0;
    for row in first_row..=end_row {
        let matches = row < end_row && current[row as usize] == reference[(row + shift) as usize];
        if matches {
            if current[row as usize] != reference[row as usize] {
                gain += 1;
            }
            continue;
        }
        if row > run_start && best.is_none_or(|(best_gain, ..)| gain > best_gain) {
            best = Some((gain, run_start as usize, row as usize));
        }
        run_start = row + 1;
        gain = 0;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_copies_read_the_base_frame() {
        let width = 4;
        let mut frame: Vec<u8> = (0..4 * 4 * 4).map(|i| i as u8).collect();
        let base = frame.clone();
        let copies = [
            CopyOp { src_x: 0, src_y: 0, dst_x: 0, dst_y: 1, width: 4, height: 2 },
            CopyOp { src_x: 0, src_y: 1, dst_x: 0, dst_y: 3, width: 4, height: 1 },
        ];
        let mut scratch = Vec::new();
        apply_copies(&mut frame, width, &copies, &mut scratch);
        assert_eq!(frame[16..48], base[0..32]);
        assert_eq!(frame[48..64], base[16..32]);
    }

    #[test]
    fn scroll_is_detected_from_row_hashes() {
        let grid = Grid::new(128, 256);
        let reference: Vec<u8> =
            (0..128 * 256u32).flat_map(|i| [(i / 128 * 7) as u8, (i / 128 / 3) as u8, 9, 255]).collect();
        let mut current = reference.clone();
        let stride = 128 * 4;
        current.copy_within(40 * stride.., 0);
        let (mut reference_hashes, mut current_hashes, mut votes) = (Vec::new(), Vec::new(), Vec::new());
        hash_all_rows(&grid, &reference, &mut reference_hashes);
        hash_all_rows(&grid, &current, &mut current_hashes);
        let copies = detect_vertical_copies(&grid, &current_hashes, &reference_hashes, &mut votes);
        assert_eq!(copies, [CopyOp { src_x: 0, src_y: 40, dst_x: 0, dst_y: 0, width: 128, height: 216 }]);
    }
}
