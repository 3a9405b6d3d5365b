//! The encoder: diff against the reference, detect scrolling, code changed tiles.

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

/// Encodes frames into updates against the last frame it encoded.
pub struct Encoder {
    config: EncoderConfig,
    seq: u64,
    /// What the decoder holds after the last update.
    reference: Option<Frame>,
    /// Row-segment hashes of `reference` (see `motion::hash_all_rows`), if up to date.
    reference_hashes: Vec<u64>,
    reference_hashes_valid: bool,
    current_hashes: Vec<u64>,
    changed: Vec<bool>,
    votes: Vec<u32>,
    body: Vec<u8>,
    tile_pixels: Vec<u8>,
    palette: Vec<u32>,
    copy_scratch: Vec<u8>,
    /// Lossy mode only: the last encoded frame as captured (the reference holds it quantised).
    source: Vec<u8>,
    compressor: Option<zstd::bulk::Compressor<'static>>,
    /// A zstd level chosen by the caller for the next updates (stills on slow links).
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
            tile_pixels: Vec::new(),
            palette: Vec::new(),
            copy_scratch: Vec::new(),
            source: Vec::new(),
            compressor: zstd::bulk::Compressor::new(ZSTD_LEVEL).ok(),
            level_override: None,
        }
    }

    /// Sequence number of the last update produced (0 before the first).
    pub fn set_config(&mut self, config: EncoderConfig) {
        if config.allow_lossy && !self.config.allow_lossy {
            // Lossy mode diffs against the last captured frame; until now that was the reference.
            match &self.reference {
                Some(reference) => self.source.clone_from(&reference.rgba),
                None => self.source.clear(),
            }
        }
        self.config = config;
    }

    /// Compresses the next updates at zstd `level` (clamped to 1–19), or the default levels
    /// with `None`: a still on a very slow link is worth the encoder's extra time.
    pub fn set_compression_level(&mut self, level: Option<i32>) {
        self.level_override = level.map(|level| level.clamp(1, 19));
    }

    /// Sequence number of the last update produced.
    pub fn last_seq(&self) -> u64 {
        self.seq
    }

    /// Numbers the next update `last_seq + 1`: a keyframe made by another party than the sender
    /// (the recorder's, from its decoded picture) takes the sequence number of the frame it
    /// shows, so the sender's later deltas apply on it.
    pub fn continue_after(&mut self, last_seq: u64) {
        self.seq = last_seq;
    }

    /// Encodes `frame` against the reference (or fully if `keyframe`, if there is no reference or
    /// the size changed) and returns the update bytes. The frame becomes the new reference.
    ///
    /// # Panics
    /// If `frame.rgba` does not hold `width * height * 4` bytes (use [`Frame::new`]).
    pub fn encode(&mut self, frame: &Frame, keyframe: bool) -> Vec<u8> {
        assert!(frame.is_consistent(), "frame buffer length does not match {}x{}", frame.width, frame.height);
        self.seq += 1;
        let grid = Grid::new(frame.width, frame.height);
        let same_size = self.reference.as_ref().is_some_and(|r| r.width == frame.width && r.height == frame.height);
        let full = keyframe || !same_size;
        let track_source = self.config.allow_lossy;
        self.changed.clear();
        self.changed.resize(grid.tile_count(), full);
        let mut copies = Vec::new();
        let mut hashed_current = false;
        match &mut self.reference {
            Some(reference) if !full => {
                // With lossy tiles the reference differs from what was captured: diff against the
                // last captured frame instead, so a still photo is not re-sent every frame.
                let previous = if track_source { &mut self.source } else { &mut reference.rgba };
                let changed_count = tiles::find_changed_tiles(&grid, &frame.rgba, previous, &mut self.changed);
                if changed_count >= MOTION_MIN_TILES {
                    if !self.reference_hashes_valid {
                        motion::hash_all_rows(&grid, previous, &mut self.reference_hashes);
                    }
                    motion::hash_changed_rows(
                        &grid,
                        &frame.rgba,
                        &self.changed,
                        &self.reference_hashes,
                        &mut self.current_hashes,
                    );
                    hashed_current = true;
                    copies = motion::detect_vertical_copies(
                        &grid,
                        &self.current_hashes,
                        &self.reference_hashes,
                        &mut self.votes,
                    );
                    if !copies.is_empty() {
                        motion::apply_copies(previous, frame.width, &copies, &mut self.copy_scratch);
                        for copy in &copies {
                            let destination = (copy.dst_x, copy.dst_y, copy.width, copy.height);
                            for index in tiles::tiles_touching(&grid, destination) {
                                self.changed[index] = tiles::tile_differs(&grid, &frame.rgba, previous, index);
                            }
                        }
                        if track_source {
                            motion::apply_copies(&mut reference.rgba, frame.width, &copies, &mut self.copy_scratch);
                        }
                    }
                }
            }
            Some(reference) if same_size => {
                reference.rgba.copy_from_slice(&frame.rgba);
                if track_source {
                    self.source.clone_from(&frame.rgba);
                }
                self.reference_hashes_valid = false;
            }
            _ => {
                self.reference = Some(frame.clone());
                if track_source {
                    self.source.clone_from(&frame.rgba);
                }
                self.reference_hashes_valid = false;
            }
        }
        let lossy = self.write_body(&grid, frame, &copies);
        self.update_reference_hashes(&grid, hashed_current, &copies);

        let mut update = Vec::with_capacity(self.body.len() / 2 + 32);
        let mut header = Header {
            seq: self.seq,
            base_seq: if full { None } else { Some(self.seq - 1) },
            width: frame.width,
            height: frame.height,
            lossy,
            body_len: None,
        };
        let compressed = match &mut self.compressor {
            Some(compressor) if self.body.len() >= COMPRESS_MIN_BYTES => {
                let large_delta = !full && self.body.len() > LARGE_BODY_BYTES;
                let level = match self.level_override {
                    Some(level) => level,
                    None if large_delta => LARGE_BODY_ZSTD_LEVEL,
                    None => ZSTD_LEVEL,
                };
                compressor.set_compression_level(level).ok().and_then(|()| compressor.compress(&self.body).ok())
            }
            _ => None,
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

    /// Writes copies and changed tiles into `self.body` and brings the reference (and the source
    /// copy, in lossy mode) up to date. Returns whether any tile was quantised.
    fn write_body(&mut self, grid: &Grid, frame: &Frame, copies: &[CopyOp]) -> bool {
        let stride = frame.width as usize * 4;
        let lossy_shift = self.lossy_shift();
        let track_source = self.config.allow_lossy;
        let mut lossy = false;
        self.body.clear();
        put_varint(&mut self.body, copies.len() as u64);
        for copy in copies {
            copy.write(&mut self.body);
        }
        let changed_count = self.changed.iter().filter(|&&flag| flag).count();
        put_varint(&mut self.body, changed_count as u64);
        let Some(reference) = &mut self.reference else { return false };
        let mut next_index = 0;
        for index in 0..grid.tile_count() {
            if !self.changed[index] {
                continue;
            }
            let rect = grid.tile_rect(index);
            tiles::extract_tile(&frame.rgba, stride, rect, &mut self.tile_pixels);
            if track_source {
                tiles::store_tile(&mut self.source, stride, rect, &self.tile_pixels);
            }
            let delta = (index - next_index) as u64;
            next_index = index + 1;
            if let Some(shift) = lossy_shift
                && matches!(tiles::classify(&self.tile_pixels, &mut self.palette), TileClass::Rich { .. })
                && is_photographic(&self.tile_pixels)
            {
                quantise(&mut self.tile_pixels, shift);
                lossy = true;
            }
            tiles::encode_tile(&self.tile_pixels, rect.2, delta, &mut self.palette, RICH_FILTER, &mut self.body);
            tiles::store_tile(&mut reference.rgba, stride, rect, &self.tile_pixels);
        }
        lossy
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
        let Some(reference) = &self.reference else { return };
        let base = if self.config.allow_lossy { &self.source } else { &reference.rgba };
        for index in (0..grid.tile_count()).filter(|&index| self.changed[index]) {
            let (x, y, _, height) = grid.tile_rect(index);
            motion::hash_column_rows(grid, base, x / tiles::TILE_SIZE, y, y + height, &mut self.reference_hashes);
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

/// Whether a tile looks like a photo or video (few pixels equal their left neighbour).
fn is_photographic(pixels: &[u8]) -> bool {
    let words = pixels.len() / 4;
    let runs = pixels.chunks_exact(4).zip(pixels.chunks_exact(4).skip(1)).filter(|(a, b)| a == b).count();
    runs * 256 < words * PHOTO_MAX_RUN_SHARE
}

/// Drops the low `shift` bits of every colour channel (alpha stays), rounding to the middle of the
/// bucket.
fn quantise(pixels: &mut [u8], shift: u32) {
    let mask = 0xffu8 << shift;
    let half = 1u8 << (shift - 1);
    for pixel in pixels.chunks_exact_mut(4) {
        for channel in &mut pixel[..3] {
            *channel = (*channel & mask) | half;
        }
    }
}
