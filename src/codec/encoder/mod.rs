//! The encoder: diff against the last captured frame, detect scrolling, code changed tiles —
//! exactly when the update fits the caller's byte budget, else approximately first (see
//! `lossy.rs`), with the approximate tiles refined to exact pixels in later updates.

use std::collections::HashMap;

mod refine;
mod still;

use refine::{Planned, Refine};

use super::lossy::{self, Approximation, PHOTO_BLOCK};
use super::motion::{self, CopyOp};
use super::tiles::{self, Grid, TileClass};
use super::wire::{self, Header, put_varint};
use super::{EncoderConfig, Frame};

/// zstd level for the batched tile stream.
const ZSTD_LEVEL: i32 = 3;
/// Delta bodies above this size (full-motion video) use the faster level.
const LARGE_BODY_BYTES: usize = 1 << 20;
/// zstd level for large bodies.
const LARGE_BODY_ZSTD_LEVEL: i32 = 1;
/// Fewest changed tiles before scroll detection is tried.
const MOTION_MIN_TILES: usize = 12;
/// Bodies shorter than this are sent uncompressed.
const COMPRESS_MIN_BYTES: usize = 64;
/// Filter used for rich (many-colour) tiles.
const RICH_FILTER: u8 = tiles::FILTER_NONE;
/// A rich tile is photographic when fewer than this share of its pixels (in 1/256) equal their
/// left neighbour; text and UI have long runs.
const PHOTO_MAX_RUN_SHARE: usize = 64;
/// Compressed / raw size of exact bodies before any was measured.
const INITIAL_EXACT_RATIO: f64 = 0.25;
/// Coded / raw size of modelled refined tiles before any was measured: text is nearer 0.05, but
/// a first guess too low makes the first refinement too large and rewritten (each write runs the
/// model again); one too high only sends a smaller first piece.
const INITIAL_MODEL_RATIO: f64 = 0.1;
/// Refined tiles go through the context model only with a budget up to this: a path of at most
/// ~2 Mbit/s (the budget is ~150 ms of the path), where the ~0.4 KB it saves per tile takes longer
/// on the wire (≥ 1.6 ms) than the ~0.6 ms it costs each side (measured on the corpus' text
/// tiles, release build). On faster paths its time would be latency.
const MODEL_MAX_BUDGET_BYTES: usize = 40_000;

/// Encodes frames into updates against the last frame it encoded.
pub struct Encoder {
    config: EncoderConfig,
    seq: u64,
    /// What the decoder holds after the last update.
    reference: Option<Frame>,
    /// Row-segment hashes of `source` (see `motion::hash_all_rows`), if up to date.
    reference_hashes: Vec<u64>,
    reference_hashes_valid: bool,
    current_hashes: Vec<u64>,
    changed: Vec<bool>,
    votes: Vec<u32>,
    body: Vec<u8>,
    tiles_body: Vec<u8>,
    tile_pixels: Vec<u8>,
    palette: Vec<u32>,
    colour_counts: HashMap<u32, u32>,
    small: Vec<u8>,
    copy_scratch: Vec<u8>,
    /// The last encoded frame as captured: what the decoder converges to (the reference holds
    /// approximations of some tiles).
    source: Vec<u8>,
    /// Per tile: the decoder holds an approximation (`reference` differs from `source`).
    approximate: Vec<bool>,
    /// The body being written: the approximate tiles after it.
    next_approximate: Vec<bool>,
    /// The body being written: each coded tile's index and, when it was coded approximately,
    /// its pixels as the decoder gets them (in `coded_pixels`; exact tiles are the frame's).
    coded: Vec<(usize, Option<std::ops::Range<usize>>)>,
    coded_pixels: Vec<u8>,
    /// The body being written: the modelled tiles' rows (see `tiles::KIND_MODELLED`).
    strip: Vec<u8>,
    /// A tile's pixels before a lossy transform (to tell whether it changed them).
    tile_original: Vec<u8>,
    /// Compressed / raw size of the last exact body.
    exact_ratio: f64,
    /// Compressed / raw size estimate for refined tiles (corrected after each refinement).
    refine_ratio: f64,
    /// The same for modelled refined tiles.
    model_refine_ratio: f64,
    /// This update codes refined tiles with the context model (a narrow path's budget).
    model_refined: bool,
    /// The body last written stopped refining for want of budget.
    refine_stopped: bool,
    compressor: Option<zstd::bulk::Compressor<'static>>,
    /// A zstd level for the next update (refinements).
    level_override: Option<i32>,
}

impl Encoder {
    /// A fresh encoder; its first update is a keyframe.
    pub fn new(config: EncoderConfig) -> Self {
        Self {
            config,
            seq: 0,
            reference: None,
            reference_hashes: Vec::new(),
            reference_hashes_valid: false,
            current_hashes: Vec::new(),
            changed: Vec::new(),
            votes: Vec::new(),
            body: Vec::new(),
            tiles_body: Vec::new(),
            tile_pixels: Vec::new(),
            palette: Vec::new(),
            colour_counts: HashMap::new(),
            small: Vec::new(),
            copy_scratch: Vec::new(),
            source: Vec::new(),
            approximate: Vec::new(),
            next_approximate: Vec::new(),
            coded: Vec::new(),
            coded_pixels: Vec::new(),
            strip: Vec::new(),
            tile_original: Vec::new(),
            exact_ratio: INITIAL_EXACT_RATIO,
            refine_ratio: INITIAL_EXACT_RATIO,
            model_refine_ratio: INITIAL_MODEL_RATIO,
            model_refined: false,
            refine_stopped: false,
            compressor: zstd::bulk::Compressor::new(ZSTD_LEVEL).ok(),
            level_override: None,
        }
    }

    /// Changes the tuning for the next updates.
    pub fn set_config(&mut self, config: EncoderConfig) {
        self.config = config;
    }

    /// Sequence number of the last update produced.
    pub fn last_seq(&self) -> u64 {
        self.seq
    }

    /// Whether the decoder holds some tiles only approximately (see [`Encoder::refine`]).
    pub fn has_approximate(&self) -> bool {
        self.approximate.iter().any(|&flag| flag)
    }

    /// How many tiles of a `width`×`height` RGBA picture differ from the last encoded frame
    /// (`None` when there is none of that size): a cheap look before deciding what to send.
    pub fn changed_tile_count(&self, width: u32, height: u32, rgba: &[u8]) -> Option<usize> {
        let reference = self.reference.as_ref()?;
        let size_matches = reference.width == width && reference.height == height;
        if !size_matches || rgba.len() != self.source.len() {
            return None;
        }
        let grid = Grid::new(width, height);
        let mut changed = vec![false; grid.tile_count()];
        Some(tiles::find_changed_tiles(&grid, rgba, &self.source, &mut changed))
    }

    /// Numbers the next update `last_seq + 1`: a keyframe made by another party than the sender
    /// (the recorder's, from its decoded picture) takes the sequence number of the frame it
    /// shows, so the sender's later deltas apply on it.
    pub fn continue_after(&mut self, last_seq: u64) {
        self.seq = last_seq;
    }

    /// Encodes `frame` exactly (see [`Encoder::encode_within`] without a budget).
    ///
    /// # Panics
    /// If `frame.rgba` does not hold `width * height * 4` bytes (use [`Frame::new`]).
    pub fn encode(&mut self, frame: &Frame, keyframe: bool) -> Vec<u8> {
        self.encode_within(frame, keyframe, None)
    }

    /// Encodes `frame` against what the decoder holds (fully if `keyframe`, if there is no
    /// reference or the size changed); `frame` becomes the picture later updates converge to.
    ///
    /// With a `budget_bytes`, an update whose exact coding is larger codes the changed tiles
    /// approximately (reduced colours, then coarser blocks) to fit; one that fits also refines
    /// approximate tiles while the budget lasts. Without one, every tile ends exact (unless
    /// `allow_lossy` quantises photographic tiles).
    ///
    /// # Panics
    /// If `frame.rgba` does not hold `width * height * 4` bytes (use [`Frame::new`]).
    pub fn encode_within(&mut self, frame: &Frame, keyframe: bool, budget_bytes: Option<usize>) -> Vec<u8> {
        assert!(frame.is_consistent(), "frame buffer length does not match {}x{}", frame.width, frame.height);
        self.seq += 1;
        let grid = Grid::new(frame.width, frame.height);
        let same_size = self.reference.as_ref().is_some_and(|r| r.width == frame.width && r.height == frame.height);
        let full = keyframe || !same_size;
        self.model_refined = budget_bytes.is_some_and(|budget| budget <= MODEL_MAX_BUDGET_BYTES);
        let (copies, hashed_current) = self.diff(&grid, frame, full);

        let refine_all = if self.config.allow_lossy { Refine::None } else { Refine::All };
        let (lossy, compressed) = match budget_bytes.map(|budget| self.plan(&grid, frame, &copies, full, budget)) {
            // The last trial is the update.
            Some(Planned::Written { lossy, compressed }) => (lossy, compressed),
            Some(Planned::Refining(refine)) => self.write_refining(&grid, frame, &copies, full, refine, budget_bytes),
            None => {
                let lossy = self.write_body(&grid, frame, &copies, Approximation::Exact, refine_all);
                (lossy, self.compress(full))
            }
        };
        let approximate = self.next_approximate.iter().any(|&flag| flag);
        self.commit(&grid, frame, full);
        self.update_reference_hashes(&grid, hashed_current, &copies);

        let mut update = Vec::with_capacity(self.body.len() / 2 + 32);
        let mut header = Header {
            seq: self.seq,
            base_seq: if full { None } else { Some(self.seq - 1) },
            width: frame.width,
            height: frame.height,
            lossy,
            approximate,
            body_len: None,
            still: false,
        };
        match compressed {
            Some(compressed) if compressed.len() < self.body.len() => {
                header.body_len = Some(self.body.len());
                wire::write_header(&mut update, &header);
                update.extend_from_slice(&compressed);
            }
            _ => {
                wire::write_header(&mut update, &header);
                update.extend_from_slice(&self.body);
            }
        }
        update
    }

    /// Marks the tiles of `frame` that differ from the last captured frame (all when `full`),
    /// with scrolled content moved by copies (applied to the reference and the source); returns
    /// the copies and whether the current row hashes were computed.
    fn diff(&mut self, grid: &Grid, frame: &Frame, full: bool) -> (Vec<CopyOp>, bool) {
        self.changed.clear();
        self.changed.resize(grid.tile_count(), full);
        if full || self.approximate.len() != grid.tile_count() {
            self.approximate.clear();
            self.approximate.resize(grid.tile_count(), false);
        }
        let mut copies = Vec::new();
        let mut hashed_current = false;
        match &mut self.reference {
            Some(reference) if !full => {
                let previous = &mut self.source;
                let changed_count = tiles::find_changed_tiles(grid, &frame.rgba, previous, &mut self.changed);
                if changed_count >= MOTION_MIN_TILES {
                    if !self.reference_hashes_valid {
                        motion::hash_all_rows(grid, previous, &mut self.reference_hashes);
                    }
                    motion::hash_changed_rows(
                        grid,
                        &frame.rgba,
                        &self.changed,
                        &self.reference_hashes,
                        &mut self.current_hashes,
                    );
                    hashed_current = true;
                    copies = motion::detect_vertical_copies(
                        grid,
                        &self.current_hashes,
                        &self.reference_hashes,
                        &mut self.votes,
                    );
                    if !copies.is_empty() {
                        motion::apply_copies(previous, frame.width, &copies, &mut self.copy_scratch);
                        motion::apply_copies(&mut reference.rgba, frame.width, &copies, &mut self.copy_scratch);
                        for copy in &copies {
                            let destination = (copy.dst_x, copy.dst_y, copy.width, copy.height);
                            for index in tiles::tiles_touching(grid, destination) {
                                self.changed[index] = tiles::tile_differs(grid, &frame.rgba, previous, index);
                                // Moved approximate pixels stay approximate until refined.
                                self.approximate[index] = tiles::tile_differs(grid, &reference.rgba, previous, index);
                            }
                        }
                    }
                }
            }
            Some(reference) if !keyframe_needs_new_reference(reference, frame) => {
                reference.rgba.copy_from_slice(&frame.rgba);
                self.source.clone_from(&frame.rgba);
                self.reference_hashes_valid = false;
            }
            _ => {
                self.reference = Some(frame.clone());
                self.source.clone_from(&frame.rgba);
                self.reference_hashes_valid = false;
            }
        }
        (copies, hashed_current)
    }

    /// Writes copies, the changed tiles (coded at `approximation`), the approximate tiles
    /// `refine` takes (exact) and the list of tiles left approximate into `self.body`; each coded
    /// tile's pixels go to `coded_pixels` for [`Encoder::commit`]. Returns whether any tile
    /// was coded approximately.
    fn write_body(
        &mut self,
        grid: &Grid,
        frame: &Frame,
        copies: &[CopyOp],
        approximation: Approximation,
        refine: Refine,
    ) -> bool {
        let stride = frame.width as usize * 4;
        let lossy_shift = self.lossy_shift();
        let mut lossy = false;
        self.tiles_body.clear();
        self.coded.clear();
        self.coded_pixels.clear();
        self.strip.clear();
        self.next_approximate.clone_from(&self.approximate);
        let mut refine_bytes_raw = 0usize;
        let mut refine_open = !matches!(refine, Refine::None);
        self.refine_stopped = false;
        let mut tile_count = 0u64;
        let mut next_index = 0;
        for index in 0..grid.tile_count() {
            let changed = self.changed[index];
            if !(changed || (refine_open && self.approximate[index])) {
                continue;
            }
            let rect = grid.tile_rect(index);
            let (record_start, strip_start) = (self.tiles_body.len(), self.strip.len());
            let delta = (index - next_index) as u64;
            tiles::extract_tile(&frame.rgba, stride, rect, &mut self.tile_pixels);
            // A refined tile (unchanged since its approximation) is not urgent: on a narrow path
            // the context model codes it in about half zstd's bytes, for a few ms more.
            let (tile_approximation, model) =
                if changed { (approximation, false) } else { (Approximation::Exact, self.model_refined) };
            let approximate = self.code_tile(index, rect, delta, tile_approximation, lossy_shift, model);
            if !changed && let Refine::Within { ratio, bytes } = refine {
                // A modelled tile counts as its raw RGB: `ratio` is coded bytes per raw byte.
                refine_bytes_raw += self.tiles_body.len() - record_start + (self.strip.len() - strip_start) / 4 * 3;
                if refine_bytes_raw as f64 * ratio > bytes as f64 {
                    // Over the budget: this tile waits for a later update, and so do the rest.
                    self.tiles_body.truncate(record_start);
                    self.strip.truncate(strip_start);
                    if let Some((_, Some(range))) = self.coded.pop() {
                        self.coded_pixels.truncate(range.start);
                    }
                    refine_open = false;
                    self.refine_stopped = true;
                    continue;
                }
            }
            lossy |= approximate;
            self.next_approximate[index] = approximate;
            tile_count += 1;
            next_index = index + 1;
        }
        self.body.clear();
        put_varint(&mut self.body, copies.len() as u64);
        for copy in copies {
            copy.write(&mut self.body);
        }
        put_varint(&mut self.body, tile_count);
        self.body.extend_from_slice(&self.tiles_body);
        let left: Vec<usize> = (0..grid.tile_count()).filter(|&index| self.next_approximate[index]).collect();
        if !left.is_empty() {
            put_varint(&mut self.body, left.len() as u64);
            let mut next = 0;
            for index in left {
                put_varint(&mut self.body, (index - next) as u64);
                next = index + 1;
            }
        }
        if !self.strip.is_empty() {
            let rows = (self.strip.len() / (tiles::STRIP_WIDTH as usize * 4)) as u32;
            let coded = super::still::encode_strip(&self.strip, tiles::STRIP_WIDTH, rows);
            put_varint(&mut self.body, coded.len() as u64);
            self.body.extend_from_slice(&coded);
        }
        lossy
    }

    /// Codes the tile in `tile_pixels` (rectangle `rect`) at `approximation` into `tiles_body`
    /// and notes it in `coded` (with the pixels the decoder will hold when they differ from the
    /// source); returns whether they differ. With `model`, an exact opaque many-colour tile goes
    /// to the modelled strip.
    fn code_tile(
        &mut self,
        index: usize,
        rect: (u32, u32, u32, u32),
        delta: u64,
        approximation: Approximation,
        lossy_shift: Option<u32>,
        model: bool,
    ) -> bool {
        let (_, _, width, height) = rect;
        let mut class = tiles::classify(&self.tile_pixels, &mut self.palette);
        let mut coarse_block = None;
        let mut transformed = false;
        match (approximation, class) {
            (_, TileClass::Fill(_)) | (_, TileClass::Rich { opaque: false }) => {}
            (Approximation::Exact, TileClass::Rich { .. }) => {
                if let Some(shift) = lossy_shift
                    && lossy::is_photographic(&self.tile_pixels, PHOTO_MAX_RUN_SHARE)
                {
                    self.tile_original.clone_from(&self.tile_pixels);
                    lossy::quantise(&mut self.tile_pixels, shift);
                    transformed = true;
                }
            }
            (Approximation::Exact | Approximation::Colours, TileClass::Palette(_)) => {}
            (Approximation::Colours, TileClass::Rich { .. }) => {
                if lossy::is_photographic(&self.tile_pixels, PHOTO_MAX_RUN_SHARE) {
                    coarse_block = Some(PHOTO_BLOCK);
                } else {
                    self.tile_original.clone_from(&self.tile_pixels);
                    lossy::reduce_colours(&mut self.tile_pixels, &mut self.colour_counts, &mut self.palette);
                    transformed = true;
                }
            }
            (Approximation::Coarse { block }, _) => coarse_block = Some(block),
        }
        match coarse_block {
            Some(block) => {
                if !transformed {
                    self.tile_original.clone_from(&self.tile_pixels);
                    transformed = true;
                }
                lossy::downscale(&self.tile_pixels, width, height, block, &mut self.small);
                tiles::encode_coarse_tile(&self.small, block, delta, &mut self.tiles_body);
                lossy::upscale(&self.small, width, height, block, &mut self.tile_pixels);
            }
            None if model && !transformed && class == (TileClass::Rich { opaque: true }) => {
                tiles::encode_modelled_tile(&self.tile_pixels, width, delta, &mut self.tiles_body, &mut self.strip);
            }
            None => {
                if transformed {
                    class = tiles::classify(&self.tile_pixels, &mut self.palette);
                }
                tiles::encode_tile(
                    &self.tile_pixels,
                    width,
                    delta,
                    class,
                    &self.palette,
                    RICH_FILTER,
                    &mut self.tiles_body,
                );
            }
        }
        let approximate = transformed && self.tile_original != self.tile_pixels;
        if approximate {
            let start = self.coded_pixels.len();
            self.coded_pixels.extend_from_slice(&self.tile_pixels);
            self.coded.push((index, Some(start..self.coded_pixels.len())));
        } else {
            self.coded.push((index, None));
        }
        approximate
    }

    /// Brings the reference (what the decoder holds), the source and the approximate tiles up to
    /// date with the body last written; after `full`, both already hold `frame` but for the
    /// tiles coded approximately.
    fn commit(&mut self, grid: &Grid, frame: &Frame, full: bool) {
        let stride = frame.width as usize * 4;
        let Some(reference) = &mut self.reference else { return };
        if !full {
            for index in (0..grid.tile_count()).filter(|&index| self.changed[index]) {
                tiles::copy_tile(&frame.rgba, &mut self.source, stride, grid.tile_rect(index));
            }
        }
        for (index, approximation) in &self.coded {
            let rect = grid.tile_rect(*index);
            match approximation {
                Some(range) => tiles::store_tile(&mut reference.rgba, stride, rect, &self.coded_pixels[range.clone()]),
                None if full => {}
                None => tiles::copy_tile(&frame.rgba, &mut reference.rgba, stride, rect),
            }
        }
        std::mem::swap(&mut self.approximate, &mut self.next_approximate);
    }

    /// The body compressed at the level for its size, if a compressor is there and it is worth it.
    fn compress(&mut self, full: bool) -> Option<Vec<u8>> {
        let compressor = self.compressor.as_mut()?;
        if self.body.len() < COMPRESS_MIN_BYTES {
            return None;
        }
        let large_delta = !full && self.body.len() > LARGE_BODY_BYTES;
        let level = match self.level_override {
            Some(level) => level,
            None if large_delta => LARGE_BODY_ZSTD_LEVEL,
            None => ZSTD_LEVEL,
        };
        compressor.set_compression_level(level).ok().and_then(|()| compressor.compress(&self.body).ok())
    }

    /// Keeps `reference_hashes` equal to the hashes of the frame the next one is diffed against.
    fn update_reference_hashes(&mut self, grid: &Grid, hashed_current: bool, copies: &[CopyOp]) {
        if hashed_current {
            // The current hashes are exactly those of the new base.
            std::mem::swap(&mut self.reference_hashes, &mut self.current_hashes);
            self.reference_hashes_valid = true;
            return;
        }
        if !self.reference_hashes_valid || !copies.is_empty() {
            self.reference_hashes_valid = false;
            return;
        }
        for index in (0..grid.tile_count()).filter(|&index| self.changed[index]) {
            let (x, y, _, height) = grid.tile_rect(index);
            motion::hash_column_rows(
                grid,
                &self.source,
                x / tiles::TILE_SIZE,
                y,
                y + height,
                &mut self.reference_hashes,
            );
        }
    }

    /// Quantisation shift for photographic tiles, if lossy coding is allowed.
    fn lossy_shift(&self) -> Option<u32> {
        if !self.config.allow_lossy {
            return None;
        }
        Some(match self.config.bandwidth_hint_kbps {
            Some(kbps) if kbps < 2_000 => 4,
            Some(kbps) if kbps < 10_000 => 3,
            _ => 2,
        })
    }
}

/// Whether a keyframe of `frame` needs a new reference buffer (another size).
fn keyframe_needs_new_reference(reference: &Frame, frame: &Frame) -> bool {
    reference.width != frame.width || reference.height != frame.height
}
