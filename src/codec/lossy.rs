//! Approximate tile pictures for a first pass on a narrow path (refined to exact later):
//! - `reduce_colours`: at most 16 colours (the most frequent ones, every other pixel mapped to the
//!   nearest), so the tile codes as a palette tile; text keeps its shapes and stays legible;
//! - `coarse`: the tile downscaled by block averaging (`KIND_COARSE`, see `tiles.rs`), only when
//!   even reduced colours do not fit;
//! - `quantise`: the low bits of each channel dropped (photographic tiles, the older lossy mode).

use std::collections::HashMap;

use super::tiles::PALETTE_MAX;

/// How far a changed tile may be approximated in one update, cheapest last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Approximation {
    /// Bit-exact.
    Exact,
    /// Rich text / UI tiles with reduced colours, photographic tiles coarse at `PHOTO_BLOCK`.
    Colours,
    /// Every tile that is not one flat colour coarse at `block` pixels a side.
    Coarse { block: u32 },
}

/// Block side for photographic tiles at [`Approximation::Colours`].
pub(super) const PHOTO_BLOCK: u32 = 4;

/// Whether a tile looks like a photo or video: fewer than `max_run_share`/256 of its pixels equal
/// their left neighbour (text and UI have long runs).
pub(super) fn is_photographic(pixels: &[u8], max_run_share: usize) -> bool {
    let words = pixels.len() / 4;
    let runs = pixels.chunks_exact(4).zip(pixels.chunks_exact(4).skip(1)).filter(|(a, b)| a == b).count();
    runs * 256 < words * max_run_share
}

/// Drops the low `shift` bits (1..=7) of every colour channel (alpha stays), rounding to the middle
/// of the bucket.
pub(super) fn quantise(pixels: &mut [u8], shift: u32) {
    let shift = shift.clamp(1, 7);
    let mask = 0xffu8 << shift;
    let half = 1u8 << (shift - 1);
    for pixel in pixels.chunks_exact_mut(4) {
        for channel in &mut pixel[..3] {
            *channel = (*channel & mask) | half;
        }
    }
}

fn colour_distance(a: u32, b: u32) -> u32 {
    (0..4)
        .map(|channel| {
            let shift = channel * 8;
            let difference = ((a >> shift) & 0xff).abs_diff((b >> shift) & 0xff);
            difference * difference
        })
        .sum()
}

/// Maps the tile onto its `PALETTE_MAX` most frequent colours (each other pixel to the nearest).
pub(super) fn reduce_colours(pixels: &mut [u8], counts: &mut HashMap<u32, u32>, palette: &mut Vec<u32>) {
    counts.clear();
    for pixel in pixels.chunks_exact(4) {
        *counts.entry(u32::from_le_bytes([pixel[0], pixel[1], pixel[2], pixel[3]])).or_default() += 1;
    }
    if counts.len() <= PALETTE_MAX {
        return;
    }
    palette.clear();
    let mut ranked: Vec<(u32, u32)> = counts.iter().map(|(&colour, &count)| (count, colour)).collect();
    ranked.sort_unstable_by(|a, b| b.cmp(a));
    palette.extend(ranked.iter().take(PALETTE_MAX).map(|&(_, colour)| colour));
    let (mut last_in, mut last_out) = (None, 0u32);
    for pixel in pixels.chunks_exact_mut(4) {
        let colour = u32::from_le_bytes([pixel[0], pixel[1], pixel[2], pixel[3]]);
        let mapped = if last_in == Some(colour) {
            last_out
        } else {
            let nearest =
                palette.iter().copied().min_by_key(|&candidate| colour_distance(colour, candidate)).unwrap_or(colour);
            (last_in, last_out) = (Some(colour), nearest);
            nearest
        };
        pixel.copy_from_slice(&mapped.to_le_bytes());
    }
}

/// Side of the downscaled tile for `size` pixels at `block`.
pub(super) fn coarse_side(size: u32, block: u32) -> u32 {
    size.div_ceil(block)
}

/// Averages each `block`×`block` square of an opaque tile (`width`×`height`, RGBA) into one RGB
/// pixel of `out`.
pub(super) fn downscale(pixels: &[u8], width: u32, height: u32, block: u32, out: &mut Vec<u8>) {
    out.clear();
    block_averages::<3>(pixels, width, height, block, out);
}

/// Appends to `out`, for each `block`×`block` square of an RGBA picture (`width`×`height`,
/// ragged at the right and bottom edges, row by row), the average of its first `CHANNELS`
/// channels.
pub(super) fn block_averages<const CHANNELS: usize>(
    pixels: &[u8],
    width: u32,
    height: u32,
    block: u32,
    out: &mut Vec<u8>,
) {
    let (width, height, block) = (width as usize, height as usize, block.max(1) as usize);
    for top in (0..height).step_by(block) {
        for left in (0..width).step_by(block) {
            let (bottom, right) = ((top + block).min(height), (left + block).min(width));
            let mut sum = [0u32; CHANNELS];
            for y in top..bottom {
                for pixel in pixels[(y * width + left) * 4..(y * width + right) * 4].chunks_exact(4) {
                    for (total, &value) in sum.iter_mut().zip(pixel) {
                        *total += u32::from(value);
                    }
                }
            }
            let count = ((bottom - top) * (right - left)) as u32;
            out.extend(sum.map(|total| u8::try_from(total / count).unwrap_or(u8::MAX)));
        }
    }
}

/// Expands downscaled RGB pixels (see [`downscale`]) back to an opaque `width`×`height` RGBA tile
/// in `out` (each block one colour). `small` must hold `coarse_side(width) * coarse_side(height)`
/// pixels.
pub(super) fn upscale(small: &[u8], width: u32, height: u32, block: u32, out: &mut Vec<u8>) {
    out.clear();
    let small_width = coarse_side(width, block) as usize;
    for y in 0..height as usize {
        let row = y / block as usize * small_width;
        for x in 0..width as usize {
            let at = (row + x / block as usize) * 3;
            out.extend_from_slice(&[small[at], small[at + 1], small[at + 2], 0xff]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reduced_colours_keep_the_most_frequent_ones() {
        // Background, ink, and 40 anti-aliasing shades once each.
        let mut pixels: Vec<u8> =
            (0..64 * 64u32).flat_map(|i| if i % 3 == 0 { [0, 0, 0, 255] } else { [255, 255, 255, 255] }).collect();
        for shade in 0..40u8 {
            let at = usize::from(shade) * 4 * 7 + 4;
            pixels[at..at + 4].copy_from_slice(&[shade * 6, shade * 6, shade * 6, 255]);
        }
        let original = pixels.clone();
        reduce_colours(&mut pixels, &mut HashMap::new(), &mut Vec::new());
        let mut colours: Vec<&[u8]> = pixels.chunks_exact(4).collect();
        colours.sort_unstable();
        colours.dedup();
        assert!(colours.len() <= PALETTE_MAX);
        // Black and white pixels are untouched.
        for (before, after) in original.chunks_exact(4).zip(pixels.chunks_exact(4)) {
            if before == [0, 0, 0, 255] || before == [255, 255, 255, 255] {
                assert_eq!(before, after);
            }
        }
    }

    #[test]
    fn downscale_and_upscale_keep_block_averages() {
        let pixels: Vec<u8> = (0..10 * 6u32).flat_map(|i| [(i % 10 * 20) as u8, 0, 100, 255]).collect();
        let mut small = Vec::new();
        downscale(&pixels, 10, 6, 4, &mut small);
        assert_eq!(small.len(), 3 * 2 * 3);
        assert_eq!(&small[..3], &[30, 0, 100]);
        assert_eq!(&small[6..9], &[170, 0, 100], "the ragged right block");
        let mut back = Vec::new();
        upscale(&small, 10, 6, 4, &mut back);
        assert_eq!(back.len(), pixels.len());
        assert_eq!(&back[..4], &[30, 0, 100, 255]);
        assert_eq!(&back[(5 * 10 + 9) * 4..], &[170, 0, 100, 255]);
    }
}
