//! The still picture's pixel model: each pixel is coded with a binary range coder (`range.rs`)
//! under context models made for screen content:
//! 1. candidates: the colours that followed the same neighbourhood last time (four hashed 2D
//!    contexts, which learn repeated glyphs and widgets), then the neighbours W, N, NE, NW, WW,
//!    NN; duplicates dropped; one "is it this one?" bit each, in order, under a context of the
//!    candidate's origin, which neighbours are equal and how the previous pixels were coded;
//! 2. otherwise the colour's rank in a move-to-front list of recent colours (text's
//!    anti-aliasing shades recur), skipping the candidates already refused;
//! 3. otherwise per channel residuals against the gradient-clamped (MED) prediction, red and blue
//!    corrected by green's residual.
//!
//! The coder is symmetric: [`code_picture`] runs the same model for both directions.

use super::super::CodecError;
use super::range::{Bit, BitCoder, RangeDecoder, RangeEncoder};

/// Hashed-context tables.
const TABLES: usize = 4;
/// Candidates per pixel at most (hashed contexts, six neighbours).
const MAX_CANDIDATES: usize = TABLES + 6;
/// Length of the move-to-front list of recent colours (a power of two).
const RECENT_COLOURS: usize = 512;
/// Bits of the recent-colour rank.
const RECENT_BITS: u32 = 9;
/// Bits of each hashed-context table's index, at most (fewer for small pictures).
const HASH_BITS_MAX: u32 = 20;
/// Bits of each hashed-context table's index, at least.
const HASH_BITS_MIN: u32 = 10;
/// Origins of a candidate: the hashed contexts (largest first), then W, N, NE, NW, WW, NN.
const ORIGINS: usize = TABLES + 6;
/// How the previous pixel was coded: first candidate, another candidate, a recent colour, a
/// residual.
const OUTCOMES: usize = 4;
/// Colour hashed for a neighbour outside the picture.
const OUTSIDE: u32 = 0;
/// Residual contexts per channel.
const RESIDUAL_CONTEXTS: usize = 32;
/// Exponent bits of a residual's magnitude (1..=128).
const EXPONENTS: usize = 8;

/// A hashed-context table entry: the colour seen last after this neighbourhood, how often in a
/// row it was right (0..=3).
#[derive(Clone, Copy, Default)]
struct Seen {
    colour: u32,
    confidence: u8,
    used: bool,
}

/// Adaptive probabilities of every decision.
struct Model {
    candidate: Vec<Bit>,
    recent_hit: Vec<Bit>,
    recent_rank: Vec<Bit>,
    zero: Vec<Bit>,
    sign: Vec<Bit>,
    exponent: Vec<Bit>,
    mantissa: Vec<Bit>,
}

impl Model {
    fn new() -> Self {
        Self {
            candidate: vec![Bit::NEW; ORIGINS * 64 * OUTCOMES * 16 * 2],
            recent_hit: vec![Bit::NEW; 2 * 4 * OUTCOMES],
            recent_rank: vec![Bit::NEW; 2 << RECENT_BITS],
            zero: vec![Bit::NEW; 4 * RESIDUAL_CONTEXTS],
            sign: vec![Bit::NEW; 4 * RESIDUAL_CONTEXTS],
            exponent: vec![Bit::NEW; 4 * RESIDUAL_CONTEXTS * EXPONENTS],
            mantissa: vec![Bit::NEW; 4 * EXPONENTS * EXPONENTS],
        }
    }
}

/// Encodes a `width`×`height` RGBA picture (`rgba` holds exactly its pixels; `opaque`: every
/// alpha is 255, and alpha is not coded).
pub(super) fn encode_picture(rgba: &[u8], width: u32, height: u32, opaque: bool) -> Vec<u8> {
    let mut pixels: Vec<u32> = rgba.chunks_exact(4).map(|p| u32::from_le_bytes([p[0], p[1], p[2], p[3]])).collect();
    let mut encoder = RangeEncoder::new();
    code_picture(&mut encoder, &mut pixels, width as usize, height as usize, opaque);
    encoder.finish()
}

/// Decodes a picture coded by [`encode_picture`] into `out` (RGBA); input that is cut short or
/// has bytes left over is refused.
pub(super) fn decode_picture(
    data: &[u8],
    width: u32,
    height: u32,
    opaque: bool,
    out: &mut Vec<u8>,
) -> Result<(), CodecError> {
    let mut pixels = vec![0u32; width as usize * height as usize];
    let mut decoder = RangeDecoder::new(data);
    code_picture(&mut decoder, &mut pixels, width as usize, height as usize, opaque);
    if decoder.overrun() > 0 {
        return Err(CodecError::Malformed("still picture cut short".into()));
    }
    if decoder.unread() > 0 {
        return Err(CodecError::Malformed("bytes after the still picture".into()));
    }
    out.clear();
    out.extend(pixels.iter().flat_map(|pixel| pixel.to_le_bytes()));
    Ok(())
}

fn channel(colour: u32, index: usize) -> i32 {
    ((colour >> (index * 8)) & 0xff) as i32
}

/// The median edge detector's prediction.
fn med(west: i32, north: i32, north_west: i32) -> i32 {
    if north_west >= west.max(north) {
        west.min(north)
    } else if north_west <= west.min(north) {
        west.max(north)
    } else {
        west + north - north_west
    }
}

fn hash(values: &[u32], salt: u32, bits: u32) -> usize {
    let mut hash = 0x9e37_79b9u32.wrapping_mul(salt.wrapping_add(1));
    for &value in values {
        hash = (hash ^ value).wrapping_mul(0x0100_0193).rotate_left(13).wrapping_add(0x7f4a_7c15);
    }
    (hash.wrapping_mul(0x9e37_79b1) >> (32 - bits)) as usize
}

/// Bucket of a non-negative amount: 0, 1, 2, 3–4, 5–8, 9–16, 17–32, more.
fn bucket(amount: i32) -> usize {
    match amount {
        i32::MIN..=0 => 0,
        1 => 1,
        2 => 2,
        3..=4 => 3,
        5..=8 => 4,
        9..=16 => 5,
        17..=32 => 6,
        _ => 7,
    }
}

/// What the coder knows while it walks a picture: the hashed-context tables, the recent
/// colours, how the pixels above were coded.
struct State {
    model: Model,
    tables: [Vec<Seen>; TABLES],
    /// Index bits of each table.
    table_bits: u32,
    recent: [u32; RECENT_COLOURS],
    above_outcomes: Vec<u8>,
    /// Whether the last colour that was no candidate was a recent one.
    last_recent_hit: usize,
}

/// The neighbourhood of one pixel.
struct Neighbours {
    /// W, N, NE, NW, WW, NN (`None` outside the picture).
    near: [Option<u32>; 6],
    /// Which neighbours are equal (6 bits).
    equal: usize,
    /// Each table's slot for this neighbourhood.
    slots: [usize; TABLES],
}

impl Neighbours {
    fn of(pixels: &[u32], width: usize, x: usize, y: usize, table_bits: u32) -> Self {
        let at = |dx: isize, dy: isize| -> Option<u32> {
            let (px, py) = (x as isize + dx, y as isize - dy);
            let inside = px >= 0 && py >= 0 && px < width as isize;
            inside.then(|| pixels.get(py as usize * width + px as usize).copied()).flatten()
        };
        let near = [at(-1, 0), at(0, 1), at(1, 1), at(-1, 1), at(-2, 0), at(0, 2)];
        let [w, n, ne, nw, ww, nn] = near.map(|colour| colour.unwrap_or(OUTSIDE));
        let far = |dx, dy| at(dx, dy).unwrap_or(OUTSIDE);
        let wide = [w, n, nw, ne, ww, nn, far(1, 2), far(-1, 2), far(-3, 0), far(2, 1), far(-2, 1), far(0, 3)];
        let slots = [
            hash(&wide, 2, table_bits),
            hash(&[w, n, nw, ne], 1, table_bits),
            hash(&[w, n, ne], 3, table_bits),
            hash(&[n, ne, nn, far(1, 2)], 4, table_bits),
        ];
        let equal = usize::from(w == n)
            | usize::from(w == nw) << 1
            | usize::from(n == ne) << 2
            | usize::from(n == nw) << 3
            | usize::from(w == ww) << 4
            | usize::from(n == nn) << 5;
        Self { near, equal, slots }
    }

    /// W, N, NW, NE as colours (`OUTSIDE` where there is none).
    fn west_north(&self) -> [u32; 4] {
        let colour = |index: usize| self.near[index].unwrap_or(OUTSIDE);
        [colour(0), colour(1), colour(3), colour(2)]
    }
}

impl State {
    fn new(width: usize, height: usize) -> Self {
        let pixel_count = width * height;
        let table_bits = (usize::BITS - pixel_count.leading_zeros()).clamp(HASH_BITS_MIN, HASH_BITS_MAX);
        Self {
            model: Model::new(),
            tables: std::array::from_fn(|_| vec![Seen::default(); 1 << table_bits]),
            table_bits,
            recent: [OUTSIDE; RECENT_COLOURS],
            above_outcomes: vec![0; width],
            last_recent_hit: 0,
        }
    }

    /// Codes (or decodes) the pixel at `x` whose neighbourhood is `around`; returns its colour
    /// and how it was coded.
    fn code_pixel<C: BitCoder>(
        &mut self,
        coder: &mut C,
        around: &Neighbours,
        x: usize,
        west_outcome: usize,
        actual: u32,
        opaque: bool,
    ) -> (u32, usize) {
        let seen: [Seen; TABLES] =
            std::array::from_fn(|table| self.tables[table].get(around.slots[table]).copied().unwrap_or_default());
        let from_tables = seen.map(|entry| entry.used.then_some(entry.colour));
        let mut candidates = [(0u32, 0usize); MAX_CANDIDATES];
        let mut count = 0;
        for (origin, colour) in from_tables.into_iter().chain(around.near).enumerate() {
            let Some(colour) = colour else { continue };
            if candidates[..count].iter().all(|&(known, _)| known != colour) {
                candidates[count] = (colour, origin);
                count += 1;
            }
        }
        let above = usize::from(self.above_outcomes.get(x).copied().unwrap_or(0));
        let confidence = usize::from(seen[0].confidence) * 4 + usize::from(seen[1].confidence);
        for (rank, &(colour, origin)) in candidates[..count].iter().enumerate() {
            let context = ((((origin * 64 + around.equal) * OUTCOMES + west_outcome) * 16 + confidence) * 2
                + usize::from(rank > 0 || above == 0))
            .min(self.model.candidate.len() - 1);
            if coder.bit(&mut self.model.candidate[context], actual == colour) {
                return (colour, usize::from(rank > 0));
            }
        }
        let hit_context = (self.last_recent_hit * 4 + count.min(3)) * OUTCOMES + west_outcome;
        let refused = &candidates[..count];
        let (colour, outcome) = code_new_colour(
            coder,
            &mut self.model,
            &self.recent,
            refused,
            actual,
            around.west_north(),
            opaque,
            hit_context,
        );
        self.last_recent_hit = usize::from(outcome == 2);
        (colour, outcome)
    }

    /// Remembers the pixel at `x` (`colour`, coded as `outcome`) for the pixels after it.
    fn learn(&mut self, around: &Neighbours, x: usize, colour: u32, outcome: usize) {
        for (table, &slot) in self.tables.iter_mut().zip(&around.slots) {
            let Some(entry) = table.get_mut(slot) else { continue };
            *entry = if entry.used && entry.colour == colour {
                Seen { colour, confidence: (entry.confidence + 1).min(3), used: true }
            } else {
                Seen { colour, confidence: 0, used: true }
            };
        }
        if around.near[0] != Some(colour) {
            let position = self.recent.iter().position(|&known| known == colour).unwrap_or(RECENT_COLOURS - 1);
            self.recent.copy_within(0..position, 1);
            self.recent[0] = colour;
        }
        if let Some(slot) = self.above_outcomes.get_mut(x) {
            *slot = outcome as u8;
        }
    }
}

/// Codes (or decodes) every pixel of `pixels` in raster order.
fn code_picture<C: BitCoder>(coder: &mut C, pixels: &mut [u32], width: usize, height: usize, opaque: bool) {
    let mut state = State::new(width, height);
    for y in 0..height {
        if coder.exhausted() {
            return; // Garbage or a cut: the caller refuses it, no need to finish.
        }
        let mut west_outcome = 0;
        for x in 0..width {
            let around = Neighbours::of(pixels, width, x, y, state.table_bits);
            let Some(pixel) = pixels.get_mut(y * width + x) else { return };
            let (colour, outcome) = state.code_pixel(coder, &around, x, west_outcome, *pixel, opaque);
            *pixel = colour;
            state.learn(&around, x, colour, outcome);
            west_outcome = outcome;
        }
    }
}

/// Codes a colour that is none of the candidates: its rank among the recent colours, else its
/// channels' residuals. Returns the colour and how it was coded (2 recent, 3 residual).
#[allow(clippy::too_many_arguments)]
fn code_new_colour<C: BitCoder>(
    coder: &mut C,
    model: &mut Model,
    recent: &[u32; RECENT_COLOURS],
    refused: &[(u32, usize)],
    actual: u32,
    [w, n, nw, ne]: [u32; 4],
    opaque: bool,
    hit_context: usize,
) -> (u32, usize) {
    // The rank among the recent colours that are not refused candidates. `actual` is none of
    // them (every candidate said no), so its rank is its first position less the refused colours
    // before it; only the encoder knows `actual`.
    let mut refused_colours = [0u32; MAX_CANDIDATES];
    for (slot, &(colour, _)) in refused_colours.iter_mut().zip(refused) {
        *slot = colour;
    }
    let refused_colours = &refused_colours[..refused.len().min(MAX_CANDIDATES)];
    let usable = || recent.iter().copied().filter(|colour| !refused_colours.contains(colour));
    let rank = if C::ENCODES {
        recent.iter().position(|&colour| colour == actual).map(|position| {
            position - recent[..position].iter().filter(|colour| refused_colours.contains(colour)).count()
        })
    } else {
        None
    };
    let hit_context = hit_context.min(model.recent_hit.len() - 1);
    if coder.bit(&mut model.recent_hit[hit_context], rank.is_some()) {
        let mut node = 1usize;
        let wanted = rank.unwrap_or(0);
        for shift in (0..RECENT_BITS).rev() {
            let bit = coder.bit(&mut model.recent_rank[node], (wanted >> shift) & 1 != 0);
            node = node * 2 + usize::from(bit);
        }
        let rank = node - (1 << RECENT_BITS);
        let colour = if C::ENCODES { actual } else { usable().nth(rank).unwrap_or(w) };
        return (colour, 2);
    }
    let channels = if opaque { 3 } else { 4 };
    let mut colour = if opaque { 0xff00_0000 } else { 0 };
    let mut green_residual = 0;
    for index in [1usize, 0, 2, 3].into_iter().take(channels) {
        let (cw, cn, cnw, cne) = (channel(w, index), channel(n, index), channel(nw, index), channel(ne, index));
        let mut predicted = med(cw, cn, cnw);
        if index != 1 && index != 3 {
            predicted = (predicted + green_residual).clamp(0, 255);
        }
        let activity = (cw - cnw).abs() + (cn - cnw).abs() + (cne - cn).abs();
        let context = match index {
            1 | 3 => (index * RESIDUAL_CONTEXTS) + bucket(activity),
            _ => index * RESIDUAL_CONTEXTS + 8 + bucket(green_residual.abs()).min(5) * 4 + bucket(activity) / 2,
        };
        let residual = i32::from((channel(actual, index) - predicted) as u8 as i8);
        let residual = code_residual(coder, model, context.min(4 * RESIDUAL_CONTEXTS - 1), residual);
        if index == 1 {
            green_residual = residual;
        }
        colour |= (((predicted + residual) & 0xff) as u32) << (index * 8);
    }
    (colour, 3)
}

/// Codes a residual in -128..=127: zero?, sign, magnitude's exponent (unary), mantissa.
fn code_residual<C: BitCoder>(coder: &mut C, model: &mut Model, context: usize, residual: i32) -> i32 {
    if !coder.bit(&mut model.zero[context], residual != 0) {
        return 0;
    }
    let negative = coder.bit(&mut model.sign[context], residual < 0);
    let magnitude = residual.unsigned_abs().max(1);
    let wanted_exponent = 31 - magnitude.leading_zeros() as usize;
    let mut exponent = 0;
    while exponent < EXPONENTS - 1 {
        if !coder.bit(&mut model.exponent[context * EXPONENTS + exponent], exponent < wanted_exponent) {
            break;
        }
        exponent += 1;
    }
    let mut magnitude_read = 1u32;
    for position in (0..exponent).rev() {
        let slot = ((context / RESIDUAL_CONTEXTS) * EXPONENTS + exponent) * EXPONENTS + position;
        let slot = slot.min(model.mantissa.len() - 1);
        let bit = coder.bit(&mut model.mantissa[slot], (magnitude >> position) & 1 != 0);
        magnitude_read = magnitude_read * 2 + u32::from(bit);
    }
    let magnitude = magnitude_read.min(128) as i32;
    if negative { -magnitude } else { magnitude }
}
