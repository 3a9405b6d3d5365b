//! Round trips, sizes, scroll detection and decoder robustness.

use proptest::prelude::*;

use super::wire::{self, ByteReader};
use super::*;

/// A deterministic "screen": flat background, text-like glyph rows, a gradient panel.
fn screen(width: u32, height: u32, seed: u32) -> Frame {
    let mut rgba = Vec::with_capacity(width as usize * height as usize * 4);
    for y in 0..height {
        for x in 0..width {
            let line = (y + seed) / 16;
            let glyph = (x / 8).wrapping_mul(2_654_435_761) ^ line.wrapping_mul(40_503).rotate_left(7);
            let bit = ((y + seed) % 16) * 2 + x % 8 / 4;
            let ink = (y + seed) % 16 < 12 && (glyph.wrapping_mul(0x9e37_79b9) >> bit) & 1 == 1;
            let pixel = if x > width * 3 / 4 {
                [(x * 3) as u8, (y * 5) as u8, ((x ^ y) * 7) as u8, 255]
            } else if ink {
                [20, 20, (glyph % 7 * 9) as u8, 255]
            } else {
                [250, 250, 250, 255]
            };
            rgba.extend_from_slice(&pixel);
        }
    }
    Frame::new(width, height, rgba).expect("consistent frame")
}

fn decode_all(updates: &[Vec<u8>]) -> Decoder {
    let mut decoder = Decoder::new();
    for update in updates {
        decoder.decode(update).expect("valid update");
    }
    decoder
}

#[test]
fn frame_new_checks_length_and_size() {
    assert!(Frame::new(2, 2, vec![0; 16]).is_ok());
    assert_eq!(Frame::new(2, 2, vec![0; 15]), Err(CodecError::BadFrameLength { expected: 16, got: 15 }));
    assert_eq!(Frame::new(MAX_DIMENSION + 1, 1, vec![0; 4 * 8193]), Err(CodecError::TooLarge));
    // Both sides within limits, the area not: refused before any allocation of that size.
    assert_eq!(Frame::new(MAX_DIMENSION, MAX_DIMENSION, Vec::new()), Err(CodecError::TooLarge));
}

#[test]
fn keyframe_and_deltas_round_trip_bit_exact() {
    let mut encoder = Encoder::new(EncoderConfig::default());
    let mut decoder = Decoder::new();
    for seed in [0, 0, 3, 40, 41, 41, 200] {
        let frame = screen(300, 200, seed);
        let update = encoder.encode(&frame, seed == 0);
        let decoded = decoder.decode(&update).expect("valid update");
        assert_eq!(decoded.seq, encoder.last_seq());
        assert!(!decoded.lossy);
        assert_eq!(decoder.frame(), Some(&frame));
    }
}

#[test]
fn unchanged_frame_is_tiny() {
    let frame = screen(1920, 1080, 0);
    let mut encoder = Encoder::new(EncoderConfig::default());
    let first = encoder.encode(&frame, true);
    let second = encoder.encode(&frame, false);
    assert!(second.len() <= 64, "{} bytes", second.len());
    let mut decoder = decode_all(&[first]);
    let decoded = decoder.decode(&second).expect("valid update");
    assert!(decoded.changed.is_empty());
    assert_eq!(decoder.frame(), Some(&frame));
}

#[test]
fn scroll_becomes_a_copy() {
    let mut encoder = Encoder::new(EncoderConfig::default());
    let before = screen(640, 480, 0);
    let after = screen(640, 480, 37);
    let keyframe = encoder.encode(&before, false);
    let scrolled = encoder.encode(&after, false);
    let header = wire::read_header(&mut ByteReader::new(&scrolled)).expect("header");
    assert_eq!(header.base_seq, Some(1));
    let plain = Encoder::new(EncoderConfig::default()).encode(&after, true);
    assert!(scrolled.len() * 3 < plain.len(), "scroll {} vs keyframe {}", scrolled.len(), plain.len());
    let mut decoder = decode_all(&[keyframe]);
    let decoded = decoder.decode(&scrolled).expect("valid update");
    assert!(decoded.changed.iter().any(|rect| rect.height > 64), "{:?}", decoded.changed);
    assert_eq!(decoder.frame(), Some(&after));
}

#[test]
fn size_change_and_keyframe_request_reset_the_reference() {
    let mut encoder = Encoder::new(EncoderConfig::default());
    let small = screen(100, 70, 1);
    let large = screen(130, 90, 2);
    let updates = [encoder.encode(&small, false), encoder.encode(&large, false), encoder.encode(&large, true)];
    let mut decoder = Decoder::new();
    for update in &updates {
        assert!(decoder.decode(update).expect("valid").keyframe);
    }
    assert_eq!(decoder.frame(), Some(&large));
}

#[test]
fn wrong_base_is_rejected_without_touching_the_frame() {
    let mut encoder = Encoder::new(EncoderConfig::default());
    let first = encoder.encode(&screen(200, 100, 0), false);
    let _lost = encoder.encode(&screen(200, 100, 5), false);
    let third = encoder.encode(&screen(200, 100, 9), false);
    let mut decoder = decode_all(&[first]);
    let before = decoder.frame().cloned();
    assert_eq!(decoder.decode(&third), Err(CodecError::BaseMismatch { expected: 1, got: 2 }));
    assert_eq!(decoder.frame().cloned(), before);
    assert_eq!(Decoder::new().decode(&third), Err(CodecError::NeedKeyframe));
}

#[test]
fn zstd_bomb_is_refused() {
    let mut update = Vec::new();
    let header = wire::Header {
        seq: 1,
        base_seq: None,
        width: 16,
        height: 16,
        lossy: false,
        approximate: false,
        body_len: Some(1 << 30),
        still: false,
    };
    wire::write_header(&mut update, &header);
    update.extend_from_slice(&zstd::bulk::compress(&vec![0u8; 1 << 20], 3).expect("compress"));
    assert_eq!(Decoder::new().decode(&update), Err(CodecError::TooLarge));
    // A body whose zstd frame holds more than declared fails too.
    let mut update = Vec::new();
    wire::write_header(&mut update, &wire::Header { body_len: Some(2000), ..header });
    update.extend_from_slice(&zstd::bulk::compress(&vec![0u8; 1 << 20], 3).expect("compress"));
    assert!(matches!(Decoder::new().decode(&update), Err(CodecError::Malformed(_))));
}

#[test]
fn lossy_mode_keeps_text_exact_and_tracks_the_decoder() {
    let config = EncoderConfig { allow_lossy: true, bandwidth_hint_kbps: Some(1_000) };
    let mut encoder = Encoder::new(config);
    let mut decoder = Decoder::new();
    for seed in [0, 1, 2] {
        let frame = screen(256, 128, seed);
        let decoded = decoder.decode(&encoder.encode(&frame, false)).expect("valid");
        assert!(decoded.lossy);
        let output = decoder.frame().expect("frame");
        // The text area (left three quarters) is exact; the gradient panel is close.
        for y in 0..128usize {
            let row = y * 256 * 4;
            assert_eq!(output.rgba[row..row + 192 * 4], frame.rgba[row..row + 192 * 4]);
            for (a, b) in output.rgba[row + 200 * 4..row + 1024].iter().zip(&frame.rgba[row + 200 * 4..row + 1024]) {
                assert!(a.abs_diff(*b) <= 8);
            }
        }
    }
    // The encoder's reference matches the decoder after lossy updates: a further delta stays exact.
    let frame = screen(256, 128, 2);
    let update = encoder.encode(&frame, false);
    assert!(decoder.decode(&update).expect("valid").changed.is_empty());
}

/// Whether `decoder` holds exactly `frame`, and says so (no approximate area) only then.
fn exact_and_says_so(decoder: &Decoder, frame: &Frame) -> bool {
    let exact = decoder.frame() == Some(frame);
    assert_eq!(decoder.approximate_rects().is_empty(), exact, "the decoder's claim disagrees with its pixels");
    exact
}

/// Applies `update`, which must be an approximate first pass of `frame`.
fn apply_approximate_pass(decoder: &mut Decoder, update: &[u8], frame: &Frame) {
    let decoded = decoder.decode(update).expect("valid");
    assert!(decoded.lossy && !decoded.approximate.is_empty());
    assert!(!exact_and_says_so(decoder, frame));
}

/// Sends refinements within `budget` until the encoder has none left, checking each with
/// `each` after the decoder applied it; returns how many there were.
fn refine_all(encoder: &mut Encoder, decoder: &mut Decoder, budget: usize, each: impl Fn(&Decoder, &[u8])) -> usize {
    let mut passes = 0;
    while let Some(refinement) = encoder.refine(Some(budget)) {
        passes += 1;
        assert!(passes < 200, "refinement does not converge");
        decoder.decode(&refinement).expect("valid refinement");
        each(decoder, &refinement);
    }
    passes
}

#[test]
fn a_large_update_over_budget_goes_approximate_then_refines_to_bit_exact() {
    const BUDGET: usize = 6_000;
    let mut encoder = Encoder::new(EncoderConfig::default());
    let mut decoder = Decoder::new();
    let first = screen(640, 384, 0);
    decoder.decode(&encoder.encode(&first, true)).expect("valid");
    // A different page: far over the budget when exact.
    let page = screen(640, 384, 500);
    let exact_size = Encoder::new(EncoderConfig::default()).encode(&page, true).len();
    assert!(exact_size > 3 * BUDGET, "the test page is too small: {exact_size}");
    let update = encoder.encode_within(&page, false, Some(BUDGET));
    assert!(update.len() <= BUDGET, "first pass {} bytes over the budget", update.len());
    apply_approximate_pass(&mut decoder, &update, &page);
    assert!(encoder.has_approximate());
    let passes = refine_all(&mut encoder, &mut decoder, BUDGET, |_, refinement| {
        assert!(refinement.len() <= BUDGET * 2, "refinement of {} bytes", refinement.len());
    });
    assert!(passes >= 2, "refined in {passes} passes");
    assert!(exact_and_says_so(&decoder, &page));
    // Exact now: nothing more to send for the same picture.
    assert!(decoder.decode(&encoder.encode_within(&page, false, Some(BUDGET))).expect("valid").changed.is_empty());
}

/// Bytes of every refinement that brings an approximate `page` (`budget`-limited first pass) to
/// bit-exact, refining within `budget`.
fn refinement_bytes(page: &Frame, budget: usize) -> usize {
    let mut encoder = Encoder::new(EncoderConfig::default());
    let mut decoder = Decoder::new();
    apply_approximate_pass(&mut decoder, &encoder.encode_within(page, true, Some(budget)), page);
    let total = std::cell::Cell::new(0);
    refine_all(&mut encoder, &mut decoder, budget, |_, refinement| total.set(total.get() + refinement.len()));
    assert!(exact_and_says_so(&decoder, page));
    total.get()
}

#[test]
fn on_a_narrow_path_refined_tiles_take_far_fewer_bytes() {
    // Many-colour tiles (the panel) refined on a narrow path go through the context model; on a
    // wider one (a budget above 40 KB) through zstd. The narrow path's many small pieces would
    // compress worse, yet they take well under two thirds of the bytes.
    let page = screen(768, 384, 500);
    let (narrow, wide) = (refinement_bytes(&page, 6_000), refinement_bytes(&page, 60_000));
    assert!(narrow * 3 < wide * 2, "narrow path {narrow} bytes, wide path {wide}");
}

#[test]
fn an_approximate_keyframe_scrolled_before_its_refinement_still_converges() {
    // The first picture on a narrow path: a keyframe over the budget (the encoder keeps only the
    // approximate tiles' coded pixels; its reference already holds the frame's exact ones),
    // then a scroll that moves approximate and exact tiles before any refinement.
    const BUDGET: usize = 6_000;
    let mut encoder = Encoder::new(EncoderConfig::default());
    let mut decoder = Decoder::new();
    let page = screen(640, 384, 500);
    apply_approximate_pass(&mut decoder, &encoder.encode_within(&page, true, Some(BUDGET)), &page);
    let scrolled = screen(640, 384, 530);
    decoder.decode(&encoder.encode_within(&scrolled, false, Some(BUDGET))).expect("valid delta");
    refine_all(&mut encoder, &mut decoder, BUDGET, |_, _| {});
    assert!(exact_and_says_so(&decoder, &scrolled));
}

#[test]
fn a_small_update_is_exact_in_one_pass() {
    let mut encoder = Encoder::new(EncoderConfig::default());
    let mut decoder = Decoder::new();
    let mut frame = screen(640, 384, 0);
    decoder.decode(&encoder.encode(&frame, true)).expect("valid");
    // A typed character: a few pixels in one tile.
    for x in 100..108 {
        let at = (200 * 640 + x) * 4;
        frame.rgba[at..at + 4].copy_from_slice(&[10, 10, 10, 255]);
    }
    let update = encoder.encode_within(&frame, false, Some(2_000));
    let decoded = decoder.decode(&update).expect("valid");
    assert!(!decoded.lossy && decoded.approximate.is_empty());
    assert!(exact_and_says_so(&decoder, &frame));
    assert!(!encoder.has_approximate());
}

#[test]
fn scrolling_and_changes_during_refinement_still_converge() {
    let mut encoder = Encoder::new(EncoderConfig::default());
    let mut decoder = Decoder::new();
    decoder.decode(&encoder.encode(&screen(640, 384, 0), true)).expect("valid");
    let mut last = screen(640, 384, 0);
    // A new page approximately, then scrolls of it (copies move approximate pixels), each within
    // a small budget; the typing-size budget refines little per update.
    for seed in [300, 310, 333, 333, 341] {
        last = screen(640, 384, seed);
        decoder.decode(&encoder.encode_within(&last, false, Some(5_000))).expect("valid");
        exact_and_says_so(&decoder, &last);
    }
    refine_all(&mut encoder, &mut decoder, 5_000, |decoder, _| {
        exact_and_says_so(decoder, &last);
    });
    assert!(exact_and_says_so(&decoder, &last));
}

#[test]
fn an_unlimited_update_refines_everything_at_once() {
    let mut encoder = Encoder::new(EncoderConfig::default());
    let mut decoder = Decoder::new();
    decoder.decode(&encoder.encode(&screen(320, 192, 0), true)).expect("valid");
    let page = screen(320, 192, 77);
    decoder.decode(&encoder.encode_within(&page, false, Some(1_000))).expect("valid");
    assert!(!exact_and_says_so(&decoder, &page));
    decoder.decode(&encoder.encode(&page, false)).expect("valid");
    assert!(exact_and_says_so(&decoder, &page));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Updates with the new fields (coarse tiles, the approximate list), corrupted, never panic
    /// and never touch the frame when refused.
    #[test]
    fn corrupted_approximate_updates_never_panic(cut in 0usize..4_000, flip in any::<u8>(), budget in 200usize..4_000) {
        let mut encoder = Encoder::new(EncoderConfig::default());
        let mut decoder = decode_all(&[encoder.encode(&screen(150, 90, 0), true)]);
        let first = encoder.encode_within(&screen(150, 90, 40), false, Some(budget));
        decoder.decode(&first).expect("valid");
        let valid = encoder.refine(Some(budget)).unwrap_or_else(|| encoder.encode_within(&screen(150, 90, 9), false, Some(budget)));
        let mut corrupted = valid.clone();
        corrupted.truncate(cut.max(6).min(corrupted.len()));
        let at = cut % corrupted.len();
        corrupted[at] ^= flip;
        let (before, before_approximate) = (decoder.frame().cloned(), decoder.approximate_rects());
        if decoder.decode(&corrupted).is_err() {
            prop_assert_eq!(decoder.frame().cloned(), before);
            prop_assert_eq!(decoder.approximate_rects(), before_approximate);
        }
    }

    /// Arbitrary bytes never panic, and a failed update leaves the frame as it was.
    #[test]
    fn garbage_never_panics(noise in proptest::collection::vec(any::<u8>(), 0..600), cut in 0usize..400, flip in any::<u8>()) {
        let mut encoder = Encoder::new(EncoderConfig::default());
        let base = screen(150, 90, 0);
        let mut decoder = decode_all(&[encoder.encode(&base, true)]);
        let valid = encoder.encode(&screen(150, 90, 7), false);
        let _ = decoder.decode(&noise);
        // Corrupt a valid update: truncate it, flip a byte, append noise.
        let mut corrupted = valid.clone();
        corrupted.truncate(cut.max(6).min(corrupted.len()));
        let at = cut % corrupted.len();
        corrupted[at] ^= flip;
        let before = decoder.frame().cloned();
        if decoder.decode(&corrupted).is_err() {
            prop_assert_eq!(decoder.frame().cloned(), before);
        }
        let mut noisy = valid[..valid.len().min(12)].to_vec();
        noisy.extend_from_slice(&noise);
        let _ = decoder.decode(&noisy);
    }
}

#[test]
fn switching_to_lossy_mid_stream_keeps_the_decoder_in_step() {
    let frames = [screen(320, 200, 1), screen(320, 200, 2), screen(320, 200, 3)];
    let mut encoder = Encoder::new(EncoderConfig::default());
    let mut decoder = Decoder::new();
    decoder.decode(&encoder.encode(&frames[0], true)).unwrap();
    encoder.set_config(EncoderConfig { allow_lossy: true, bandwidth_hint_kbps: Some(500) });
    decoder.decode(&encoder.encode(&frames[1], false)).unwrap();
    encoder.set_config(EncoderConfig::default());
    decoder.decode(&encoder.encode(&frames[2], false)).unwrap();
    assert_eq!(decoder.frame(), Some(&frames[2]), "back to lossless: exact again");
}
