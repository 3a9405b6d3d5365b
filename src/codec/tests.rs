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
    let header = wire::Header { seq: 1, base_seq: None, width: 16, height: 16, lossy: false, body_len: Some(1 << 30) };
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

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
