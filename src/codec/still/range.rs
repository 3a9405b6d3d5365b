//! A binary range coder (LZMA's carry scheme) with adaptive bit probabilities: the entropy coder
//! of still pictures. The decoder reads zeros past the end of its input and counts them, so any
//! bytes decode without panicking; the caller refuses input that ran out.

/// Probability scale: probabilities are of a zero bit, in 1/65536.
const PROB_BITS: u32 = 16;
/// Smallest probability either way (keeps every bit codable).
const PROB_MIN: u32 = 48;
/// Below this the range is renormalised by one byte.
const TOP: u32 = 1 << 24;
/// Adaptation shifts of the slow estimate, per number of bits seen (fast start, then steady).
const SLOW_SHIFTS: [u8; 8] = [1, 2, 3, 4, 4, 5, 5, 6];
/// Zero bytes read past the end after which a decoder gives up (a valid input needs none).
const EXHAUSTED_OVERRUN: usize = 16;
/// Adaptation shift of the fast estimate.
const FAST_SHIFT: u32 = 4;

/// An adaptive probability: the mean of a fast and a slow estimate.
#[derive(Clone, Copy, Debug)]
pub(super) struct Bit {
    fast: u16,
    slow: u16,
    seen: u8,
}

impl Bit {
    /// Even odds.
    pub const NEW: Bit = Bit { fast: 1 << 15, slow: 1 << 15, seen: 0 };

    /// Probability of a zero bit, in 1/65536, never 0 or 1.
    fn zero_odds(self) -> u32 {
        ((u32::from(self.fast) + u32::from(self.slow)) >> 1).clamp(PROB_MIN, (1 << PROB_BITS) - PROB_MIN)
    }

    fn update(&mut self, bit: bool) {
        let slow_shift = SLOW_SHIFTS[usize::from(self.seen)];
        if bit {
            self.fast -= self.fast >> FAST_SHIFT;
            self.slow -= self.slow >> slow_shift;
        } else {
            self.fast += (u16::MAX - self.fast) >> FAST_SHIFT;
            self.slow += (u16::MAX - self.slow) >> slow_shift;
        }
        if usize::from(self.seen) + 1 < SLOW_SHIFTS.len() {
            self.seen += 1;
        }
    }
}

/// Codes bits in one direction: the encoder takes the bit given, the decoder returns the bit read
/// (and ignores the one given), so one model routine serves both.
pub(super) trait BitCoder {
    /// Whether this side knows the bits (an encoder): a decoder skips work that only finds them.
    const ENCODES: bool;
    /// Codes `bit` with `prob` (then adapts it); returns the bit coded.
    fn bit(&mut self, prob: &mut Bit, bit: bool) -> bool;
    /// Whether a decoder has read well past the end of its input (an encoder never is).
    fn exhausted(&self) -> bool;
}

/// Writes bits into bytes.
pub(super) struct RangeEncoder {
    low: u64,
    range: u32,
    cache: u8,
    cache_size: u64,
    out: Vec<u8>,
}

impl RangeEncoder {
    /// An empty encoder.
    pub fn new() -> Self {
        Self { low: 0, range: u32::MAX, cache: 0, cache_size: 1, out: Vec::new() }
    }

    fn encode(&mut self, zero_odds: u32, bit: bool) {
        let bound = (self.range >> PROB_BITS) * zero_odds;
        if bit {
            self.low += u64::from(bound);
            self.range -= bound;
        } else {
            self.range = bound;
        }
        while self.range < TOP {
            self.range <<= 8;
            self.shift_low();
        }
    }

    fn shift_low(&mut self) {
        if self.low < 0xff00_0000 || self.low >= 1 << 32 {
            let carry = (self.low >> 32) as u8;
            let mut byte = self.cache;
            loop {
                self.out.push(byte.wrapping_add(carry));
                byte = 0xff;
                self.cache_size -= 1;
                if self.cache_size == 0 {
                    break;
                }
            }
            self.cache = (self.low >> 24) as u8;
        }
        self.cache_size += 1;
        self.low = (self.low & 0x00ff_ffff) << 8;
    }

    /// The coded bytes.
    pub fn finish(mut self) -> Vec<u8> {
        for _ in 0..5 {
            self.shift_low();
        }
        self.out
    }
}

impl BitCoder for RangeEncoder {
    const ENCODES: bool = true;

    fn bit(&mut self, prob: &mut Bit, bit: bool) -> bool {
        self.encode(prob.zero_odds(), bit);
        prob.update(bit);
        bit
    }

    fn exhausted(&self) -> bool {
        false
    }
}

/// Reads bits from bytes.
pub(super) struct RangeDecoder<'a> {
    data: &'a [u8],
    position: usize,
    range: u32,
    code: u32,
    /// Bytes read past the end (as zeros).
    overrun: usize,
}

impl<'a> RangeDecoder<'a> {
    /// A decoder over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        let mut decoder = Self { data, position: 0, range: u32::MAX, code: 0, overrun: 0 };
        for _ in 0..5 {
            decoder.code = (decoder.code << 8) | u32::from(decoder.next_byte());
        }
        decoder
    }

    fn next_byte(&mut self) -> u8 {
        match self.data.get(self.position) {
            Some(&byte) => {
                self.position += 1;
                byte
            }
            None => {
                self.overrun += 1;
                0
            }
        }
    }

    /// Bytes the decoder wanted beyond its input (the encoder's flush leaves none).
    pub fn overrun(&self) -> usize {
        self.overrun
    }

    /// Bytes of the input not read.
    pub fn unread(&self) -> usize {
        self.data.len() - self.position
    }

    fn decode(&mut self, zero_odds: u32) -> bool {
        let bound = (self.range >> PROB_BITS) * zero_odds;
        let bit = if self.code < bound {
            self.range = bound;
            false
        } else {
            self.code -= bound;
            self.range -= bound;
            true
        };
        while self.range < TOP {
            self.range <<= 8;
            self.code = (self.code << 8) | u32::from(self.next_byte());
        }
        bit
    }
}

impl BitCoder for RangeDecoder<'_> {
    const ENCODES: bool = false;

    fn bit(&mut self, prob: &mut Bit, _bit: bool) -> bool {
        let bit = self.decode(prob.zero_odds());
        prob.update(bit);
        bit
    }

    fn exhausted(&self) -> bool {
        self.overrun > EXHAUSTED_OVERRUN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_round_trip_with_skewed_odds() {
        let bits: Vec<bool> = (0..20_000u32).map(|i| i % 17 == 0 || i.wrapping_mul(2_654_435_761) >> 29 == 3).collect();
        let mut encoder = RangeEncoder::new();
        let mut probs = [Bit::NEW; 3];
        for (i, &bit) in bits.iter().enumerate() {
            encoder.bit(&mut probs[i % 3], bit);
        }
        let bytes = encoder.finish();
        let mut decoder = RangeDecoder::new(&bytes);
        let mut probs = [Bit::NEW; 3];
        for (i, &bit) in bits.iter().enumerate() {
            assert_eq!(decoder.bit(&mut probs[i % 3], !bit), bit);
        }
        assert_eq!((decoder.overrun(), decoder.unread()), (0, 0));
        assert!(!decoder.exhausted());
    }

    #[test]
    fn a_decoder_past_its_input_says_so_and_never_panics() {
        let mut decoder = RangeDecoder::new(&[0x00, 0x12]);
        for _ in 0..1_000 {
            // Even odds each time: every bit takes input.
            let mut even = Bit::NEW;
            decoder.bit(&mut even, false);
        }
        assert!(decoder.exhausted());
        assert!(decoder.overrun() > 0);
    }
}
