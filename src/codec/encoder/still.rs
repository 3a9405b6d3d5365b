//! Stills (guidance-only mode): a whole picture as one keyframe coded by `codec/still/`, exact or
//! reduced by a block side first, with the encoder's state left as the decoder's.

use super::super::tiles::Grid;
use super::super::wire::{self, Header};
use super::super::{Frame, still};
use super::Encoder;

impl Encoder {
    /// Encodes `frame` as a still: a keyframe with the whole picture, exact when `block` is 1,
    /// else each `block`×`block` square (clamped to 2..=64) its average colour, every tile
    /// approximate (a later exact still or [`Encoder::refine`] makes it exact). Stills are
    /// several times smaller than [`Encoder::encode`]'s keyframes and take longer to code (about
    /// 0.2–0.5 s for 1920×1080).
    ///
    /// # Panics
    /// If `frame.rgba` does not hold `width * height * 4` bytes (use [`Frame::new`]).
    pub fn encode_still(&mut self, frame: &Frame, block: u32) -> Vec<u8> {
        assert!(frame.is_consistent(), "frame buffer length does not match {}x{}", frame.width, frame.height);
        self.seq += 1;
        let block = block.clamp(1, still::MAX_BLOCK);
        let mut body = Vec::new();
        let held = still::write_body(&frame.rgba, frame.width, frame.height, block, &mut body);
        let grid = Grid::new(frame.width, frame.height);
        self.reference = Some(Frame { width: frame.width, height: frame.height, rgba: held });
        self.source.clone_from(&frame.rgba);
        self.reference_hashes_valid = false;
        self.approximate.clear();
        self.approximate.resize(grid.tile_count(), block > 1);
        let header = Header {
            seq: self.seq,
            base_seq: None,
            width: frame.width,
            height: frame.height,
            lossy: block > 1,
            approximate: false,
            body_len: None,
            still: true,
        };
        let mut update = Vec::with_capacity(body.len() + 16);
        wire::write_header(&mut update, &header);
        update.extend_from_slice(&body);
        update
    }
}
