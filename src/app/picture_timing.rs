//! `stepwise bench session`'s picture timings, computed after the run from what the console
//! received: for each capture that reached the viewer, when a complete (possibly approximate)
//! picture of it (or of a later capture) was first shown, and when the viewer first held a
//! bit-exact one. Exactness is checked against the source frames themselves (replaying the
//! received updates through a fresh decoder), not taken from the decoder's word.

use std::collections::HashMap;

use crate::capture::ScreenImage;
use crate::codec::Decoder;
use crate::protocol::screen::unwrap_screen_update;

/// One update the console applied: when, and its bytes (screen envelope + codec update).
#[derive(Clone, Debug)]
pub struct Received {
    /// When it was decoded at the console, unix ms.
    pub decoded_at_ms: i64,
    /// The envelope as received.
    pub data: Vec<u8>,
}

/// One applied update, reduced to what the timings need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arrival {
    /// The capture the update shows, unix ms (sender's clock = bench clock).
    pub captured_at_ms: i64,
    /// When it was decoded, unix ms.
    pub decoded_at_ms: i64,
    /// Whether the viewer's picture was bit-exact after it.
    pub exact: bool,
    /// Whether the decoder itself said nothing was left approximate.
    pub decoder_says_exact: bool,
}

/// Per capture timings, ms (unsorted).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PictureTimes {
    /// Capture → first decoded update of it, for new captures only (the bench's `latency_ms_*`).
    pub latency_ms: Vec<i64>,
    /// (captured, decoded) of each new capture, for stalls.
    pub timeline_ms: Vec<(i64, i64)>,
    /// Capture → a complete picture of it (or a later capture) at the viewer.
    pub first_picture_ms: Vec<i64>,
    /// Capture → the viewer bit-exact on it (or a later capture); censored at the end of the run.
    pub exact_ms: Vec<i64>,
    /// Captures never shown bit-exact before the run ended.
    pub never_exact: usize,
    /// Updates after which the decoder's claim (exact or not) disagreed with the pixels.
    pub claim_mismatches: usize,
}

/// A fast fingerprint of an RGBA buffer (FNV-style over 8-byte words).
fn fingerprint(rgba: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64 ^ rgba.len() as u64;
    let mut words = rgba.chunks_exact(8);
    for word in &mut words {
        let value = u64::from_le_bytes([word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7]]);
        hash = (hash ^ value).wrapping_mul(0x0000_0100_0000_01b3).rotate_left(23);
    }
    for &byte in words.remainder() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Replays `received` through a fresh decoder and marks each update exact when the picture then
/// equals one of `sources` bit for bit. Updates the decoder refuses are left out.
pub fn arrivals(received: &[Received], sources: &[ScreenImage]) -> Vec<Arrival> {
    let mut known: HashMap<u64, Vec<usize>> = HashMap::new();
    for (index, source) in sources.iter().enumerate() {
        known.entry(fingerprint(&source.rgba)).or_default().push(index);
    }
    let mut decoder = Decoder::new();
    let mut out = Vec::with_capacity(received.len());
    for update in received {
        let Ok((header, payload)) = unwrap_screen_update(&update.data) else { continue };
        let Ok(decoded) = decoder.decode(payload) else { continue };
        let Some(frame) = decoder.frame() else { continue };
        let exact = known.get(&fingerprint(&frame.rgba)).is_some_and(|candidates| {
            candidates.iter().any(|&index| {
                let source = &sources[index];
                source.width == frame.width && source.height == frame.height && source.rgba == frame.rgba
            })
        });
        out.push(Arrival {
            captured_at_ms: header.captured_at_ms,
            decoded_at_ms: update.decoded_at_ms,
            exact,
            decoder_says_exact: decoded.approximate.is_empty(),
        });
    }
    out
}

/// The timings of `arrivals` (in decoding order); captures not exact by `end_ms` count as exact
/// at `end_ms` and in `never_exact`.
pub fn picture_times(arrivals: &[Arrival], end_ms: i64) -> PictureTimes {
    let mut times = PictureTimes::default();
    let mut newest_capture = i64::MIN;
    // Captures shown but not exact yet, oldest first.
    let mut waiting_exact: Vec<i64> = Vec::new();
    for arrival in arrivals {
        if arrival.exact != arrival.decoder_says_exact {
            times.claim_mismatches += 1;
        }
        if arrival.captured_at_ms > newest_capture {
            newest_capture = arrival.captured_at_ms;
            let latency = arrival.decoded_at_ms - arrival.captured_at_ms;
            times.latency_ms.push(latency);
            times.timeline_ms.push((arrival.captured_at_ms, arrival.decoded_at_ms));
            times.first_picture_ms.push(latency);
            waiting_exact.push(arrival.captured_at_ms);
        }
        if arrival.exact {
            // Exact on this capture, which is the newest shown: every capture up to it is done.
            for captured in waiting_exact.drain(..).filter(|&captured| captured <= arrival.captured_at_ms) {
                times.exact_ms.push(arrival.decoded_at_ms - captured);
            }
        }
    }
    times.never_exact = waiting_exact.len();
    times.exact_ms.extend(waiting_exact.iter().map(|captured| end_ms - captured));
    times
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrival(captured_at_ms: i64, decoded_at_ms: i64, exact: bool) -> Arrival {
        Arrival { captured_at_ms, decoded_at_ms, exact, decoder_says_exact: exact }
    }

    #[test]
    fn exact_updates_give_equal_first_picture_and_exact_times() {
        let times = picture_times(&[arrival(0, 30, true), arrival(33, 70, true)], 1_000);
        assert_eq!(times.first_picture_ms, [30, 37]);
        assert_eq!(times.exact_ms, [30, 37]);
        assert_eq!(times.latency_ms, [30, 37]);
        assert_eq!(times.never_exact, 0);
    }

    #[test]
    fn refinements_count_for_exact_only() {
        // Capture 0 shown approximately at 100, refined at 400 (same capture), then capture 500
        // shown approximately and superseded by capture 600, exact at 900.
        let arrivals = [
            arrival(0, 100, false),
            arrival(0, 400, true),
            arrival(500, 650, false),
            arrival(600, 700, false),
            arrival(600, 900, true),
        ];
        let times = picture_times(&arrivals, 2_000);
        assert_eq!(times.latency_ms, [100, 150, 100]);
        assert_eq!(times.first_picture_ms, [100, 150, 100]);
        assert_eq!(times.exact_ms, [400, 400, 300]);
        assert_eq!(times.never_exact, 0);
    }

    #[test]
    fn never_exact_is_censored_at_the_end() {
        let times = picture_times(&[arrival(0, 50, false)], 1_000);
        assert_eq!(times.exact_ms, [1_000]);
        assert_eq!(times.never_exact, 1);
    }

    #[test]
    fn a_wrong_claim_is_counted() {
        let claim = Arrival { captured_at_ms: 0, decoded_at_ms: 5, exact: false, decoder_says_exact: true };
        assert_eq!(picture_times(&[claim], 10).claim_mismatches, 1);
    }

    #[test]
    fn fingerprints_tell_frames_apart() {
        assert_ne!(fingerprint(&[0; 16]), fingerprint(&[0; 15]));
        let mut other = vec![0u8; 4096];
        other[4000] = 1;
        assert_ne!(fingerprint(&[0; 4096]), fingerprint(&other));
    }
}
