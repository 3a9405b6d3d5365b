//! Still bodies: bit-exact round trips of screen-like, photographic and translucent pictures,
//! the reduced pass, and refusal (never a panic) of anything malformed.

use proptest::prelude::*;

use super::*;
use crate::codec::{Decoder, Encoder, EncoderConfig, Frame};

/// A screen-like picture: background, anti-aliased "glyphs" (a few shades that recur), a
/// window frame, a photographic corner.
fn screenish(width: u32, height: u32, seed: u32) -> Vec<u8> {
    let mut rgba = Vec::with_capacity(width as usize * height as usize * 4);
    for y in 0..height {
        for x in 0..width {
            let glyph = (x / 7 + seed).wrapping_mul(2_654_435_761) ^ (y / 13).wrapping_mul(40_503);
            let shade = (glyph >> ((x % 7 + y % 13) % 24)) & 3;
            let pixel = if x + y > (width + height) * 3 / 2 {
                [((x * 7) ^ (y * 3)) as u8, (x * y) as u8, (x + y * 5 + seed) as u8, 255]
            } else if y % 50 == 0 || x % 90 == 0 {
                [60, 90, 200, 255]
            } else if y % 13 < 10 {
                let level = 255 - shade as u8 * 70;
                [level, level, level.saturating_add(3), 255]
            } else {
                [255, 255, 255, 255]
            };
            rgba.extend_from_slice(&pixel);
        }
    }
    rgba
}

fn round_trip(rgba: &[u8], width: u32, height: u32, block: u32) -> (Vec<u8>, Vec<u8>, usize) {
    let mut body = Vec::new();
    let held = write_body(rgba, width, height, block, &mut body);
    let (decoded, decoded_block) = read_body(&body, width, height).expect("a valid still body");
    assert_eq!(decoded_block, block);
    (held, decoded, body.len())
}

#[test]
fn exact_stills_round_trip_bit_for_bit() {
    for (width, height, seed) in [(1, 1, 0), (3, 2, 1), (200, 120, 2), (333, 77, 3), (64, 300, 4)] {
        let rgba = screenish(width, height, seed);
        let (held, decoded, _) = round_trip(&rgba, width, height, 1);
        assert_eq!(held, rgba);
        assert_eq!(decoded, rgba, "{width}×{height}");
    }
}

#[test]
fn translucent_and_noisy_pictures_round_trip() {
    let (width, height) = (97, 41);
    let mut state = 12_345u32;
    let noise: Vec<u8> = (0..width * height * 4)
        .map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (state >> 16) as u8
        })
        .collect();
    let (_, decoded, size) = round_trip(&noise, width, height, 1);
    assert_eq!(decoded, noise);
    assert!(size < noise.len() * 11 / 10, "noise costs about its size, got {size}");
}

#[test]
fn screen_content_codes_far_below_its_raw_size() {
    let (width, height) = (640, 400);
    let rgba = screenish(width, height, 9);
    let (_, _, size) = round_trip(&rgba, width, height, 1);
    assert!(size * 20 < rgba.len(), "{size} bytes for {} raw", rgba.len());
}

#[test]
fn a_reduced_still_holds_block_averages() {
    let (width, height) = (130, 70);
    let rgba = screenish(width, height, 5);
    let (held, decoded, _) = round_trip(&rgba, width, height, 16);
    assert_eq!(held, decoded, "the encoder knows what the decoder holds");
    assert_eq!(decoded.len(), rgba.len());
    // The top-left square is one colour, the average of the original square.
    let small = downscale(&rgba, width, height, 16);
    assert_eq!(small.len(), 9 * 5 * 4);
    assert_eq!(&decoded[..4], &small[..4]);
    assert_eq!(&decoded[(15 * width as usize + 15) * 4..][..4], &small[..4]);
    // The ragged bottom-right corner (2×6 pixels) is the last reduced pixel.
    assert_eq!(&decoded[decoded.len() - 4..], &small[small.len() - 4..]);
}

#[test]
fn malformed_bodies_are_refused() {
    let rgba = screenish(40, 30, 1);
    let mut body = Vec::new();
    write_body(&rgba, 40, 30, 1, &mut body);
    assert!(matches!(read_body(&body[..2], 40, 30), Err(CodecError::Malformed(_))));
    let mut wrong_version = body.clone();
    wrong_version[0] = 9;
    assert_eq!(read_body(&wrong_version, 40, 30), Err(CodecError::UnsupportedVersion(9)));
    for (at, value) in [(1, 0), (1, 65), (2, 2)] {
        let mut bad = body.clone();
        bad[at] = value;
        assert!(matches!(read_body(&bad, 40, 30), Err(CodecError::Malformed(_))), "byte {at} = {value}");
    }
    assert!(matches!(read_body(&body[..body.len() - 3], 40, 30), Err(CodecError::Malformed(_))), "cut short");
    let mut longer = body.clone();
    longer.extend_from_slice(&[1, 2, 3]);
    assert!(matches!(read_body(&longer, 40, 30), Err(CodecError::Malformed(_))), "trailing bytes");
}

fn frame(width: u32, height: u32, seed: u32) -> Frame {
    Frame::new(width, height, screenish(width, height, seed)).expect("consistent frame")
}

#[test]
fn a_reduced_then_exact_still_reaches_the_decoder_exact() {
    let picture = frame(300, 200, 1);
    let mut encoder = Encoder::new(EncoderConfig::default());
    let mut decoder = Decoder::new();
    let reduced = decoder.decode(&encoder.encode_still(&picture, 16)).expect("valid reduced still");
    assert!(reduced.keyframe && reduced.lossy);
    assert!(!reduced.approximate.is_empty() && !decoder.approximate_rects().is_empty());
    assert!(encoder.has_approximate());
    let exact = decoder.decode(&encoder.encode_still(&picture, 1)).expect("valid still");
    assert_eq!(exact.seq, encoder.last_seq());
    assert!(!exact.lossy && exact.approximate.is_empty() && decoder.approximate_rects().is_empty());
    assert_eq!(decoder.frame(), Some(&picture));
    // The live stream carries on from the still with ordinary deltas.
    let next = frame(300, 200, 2);
    decoder.decode(&encoder.encode(&next, false)).expect("a delta on the still");
    assert_eq!(decoder.frame(), Some(&next));
}

#[test]
fn a_reduced_still_is_refined_like_any_approximate_picture() {
    let picture = frame(200, 130, 3);
    let mut encoder = Encoder::new(EncoderConfig::default());
    let mut decoder = Decoder::new();
    decoder.decode(&encoder.encode_still(&picture, 8)).expect("valid reduced still");
    decoder.decode(&encoder.refine(None).expect("something to refine")).expect("valid refinement");
    assert_eq!(decoder.frame(), Some(&picture));
    assert!(decoder.approximate_rects().is_empty() && !encoder.has_approximate());
}

#[test]
fn a_still_is_much_smaller_than_a_tile_keyframe() {
    let picture = frame(640, 400, 4);
    let still = Encoder::new(EncoderConfig::default()).encode_still(&picture, 1);
    let keyframe = Encoder::new(EncoderConfig::default()).encode(&picture, true);
    assert!(still.len() * 2 < keyframe.len(), "still {} bytes, keyframe {}", still.len(), keyframe.len());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Arbitrary bytes after a valid prefix, and corrupted valid bodies, never panic.
    #[test]
    fn garbage_still_bodies_never_panic(
        noise in proptest::collection::vec(any::<u8>(), 0..400),
        block in 1u8..=8,
        opaque in 0u8..=1,
        cut in 0usize..2_000,
        flip in any::<u8>(),
    ) {
        let mut garbage = vec![STILL_VERSION, block, opaque];
        garbage.extend_from_slice(&noise);
        let _ = read_body(&garbage, 90, 50);
        let rgba = screenish(90, 50, u32::from(flip));
        let mut body = Vec::new();
        write_body(&rgba, 90, 50, u32::from(block), &mut body);
        let mut corrupted = body.clone();
        corrupted.truncate(cut.max(4).min(corrupted.len()));
        let at = 3 + cut % (corrupted.len() - 3);
        corrupted[at] ^= flip | 1;
        if let Ok((pixels, _)) = read_body(&corrupted, 90, 50) {
            prop_assert_eq!(pixels.len(), rgba.len());
        }
    }

    /// A corrupted still update is refused without touching the decoder's frame.
    #[test]
    fn a_corrupted_still_update_leaves_the_frame(cut in 0usize..3_000, flip in 1u8..=255, block in 1u32..=4) {
        let mut encoder = Encoder::new(EncoderConfig::default());
        let mut decoder = Decoder::new();
        decoder.decode(&encoder.encode(&frame(120, 70, 0), true)).expect("valid keyframe");
        let valid = encoder.encode_still(&frame(120, 70, 1), block);
        let mut corrupted = valid.clone();
        corrupted.truncate(cut.max(6).min(corrupted.len()));
        let at = cut % corrupted.len();
        corrupted[at] ^= flip;
        let before = decoder.frame().cloned();
        if decoder.decode(&corrupted).is_err() {
            prop_assert_eq!(decoder.frame().cloned(), before);
        }
    }
}
