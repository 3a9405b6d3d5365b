//! Screen-content codec: lossless tile deltas with copy-rect motion, for live RGBA screen frames.
//!
//! The [`Encoder`] keeps a reference frame (exactly what the [`Decoder`] will hold after applying
//! the update) and, per frame:
//! 1. finds the 64×64 tiles that differ from the reference (row memcmp, then per tile);
//! 2. when many tiles changed, looks for vertically shifted content (scrolling) with per-column
//!    row hashes and emits copy-rect ops that move reference pixels, then re-diffs;
//! 3. codes every still-changed tile as flat colour, palette (≤ 16 colours, one index byte per
//!    pixel) or filtered RGB(A), all tiles of one update in one zstd stream;
//! 4. with a byte budget (narrow links), codes an update that does not fit approximately first
//!    (see `lossy.rs`) and refines those tiles to exact pixels in later updates: the reference is
//!    what the decoder holds, so a refinement is a normal delta, and each update tells the
//!    decoder which tiles are still approximate.
//!
//! A still (guidance-only mode, [`Encoder::encode_still`]) is one keyframe holding the whole
//! picture under a context-modelling lossless coder (`still/`), several times smaller than a tile
//! keyframe, optionally reduced by a block side first (a small approximate pass).
//!
//! Updates are pure bytes (no I/O); see `wire.rs` for the layout. The decoder accepts any bytes
//! without panicking, validates a whole update before touching its frame, and answers anything it
//! cannot apply with an error meaning "ask for a keyframe".

mod decoder;
mod encoder;
mod lossy;
mod motion;
mod still;
mod tiles;
mod wire;

pub use decoder::Decoder;
pub use encoder::Encoder;

/// Version of the update layout this build writes and reads (recordings name it in their header).
pub const FORMAT_VERSION: u8 = wire::FORMAT_VERSION;

/// Largest accepted width or height, in pixels.
pub const MAX_DIMENSION: u32 = 8192;
/// Largest accepted frame area, pixels (8K UHD): bounds what a peer's keyframe can make the
/// decoder allocate (≈ 133 MB) whatever the sides.
pub const MAX_PIXELS: u64 = 7_680 * 4_320;

/// A frame: RGBA8, row-major, stride = width * 4.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Pixels, 4 bytes each (R, G, B, A), `width * height * 4` bytes.
    pub rgba: Vec<u8>,
}

impl Frame {
    /// A frame, if `rgba` holds exactly `width * height * 4` bytes and both sides are
    /// 1..=8192.
    pub fn new(width: u32, height: u32, rgba: Vec<u8>) -> Result<Self, CodecError> {
        check_dimensions(width, height)?;
        let expected = width as usize * height as usize * 4;
        if rgba.len() != expected {
            return Err(CodecError::BadFrameLength { expected, got: rgba.len() });
        }
        Ok(Self { width, height, rgba })
    }

    /// Whether the buffer length matches the dimensions.
    fn is_consistent(&self) -> bool {
        self.rgba.len() == self.width as usize * self.height as usize * 4
    }
}

/// Checks that both sides are in 1..=8192 and the area is at most [`MAX_PIXELS`].
fn check_dimensions(width: u32, height: u32) -> Result<(), CodecError> {
    if width == 0 || height == 0 {
        return Err(CodecError::Malformed(format!("empty frame {width}x{height}")));
    }
    if width > MAX_DIMENSION || height > MAX_DIMENSION || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(CodecError::TooLarge);
    }
    Ok(())
}

/// A rectangle in frame pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Why an update could not be decoded (or a frame built). Every decode error leaves the decoder's
/// frame untouched; the receiver should ask the sender for a keyframe.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// The bytes are not a well-formed update.
    #[error("malformed update: {0}")]
    Malformed(String),
    /// The update uses a format version this decoder does not know.
    #[error("unsupported codec format version {0}")]
    UnsupportedVersion(u8),
    /// The update applies on another frame than the one the decoder holds.
    #[error("update applies on seq {got}, decoder holds seq {expected}")]
    BaseMismatch {
        /// Sequence number of the decoder's current frame.
        expected: u64,
        /// Base sequence number named by the update.
        got: u64,
    },
    /// A delta arrived before any keyframe, or with another frame size.
    #[error("delta update without a matching keyframe")]
    NeedKeyframe,
    /// Dimensions above 8192 or a body larger than such a frame can need.
    #[error("frame or update too large")]
    TooLarge,
    /// A frame larger than the screen the sender announced.
    #[error("a {width}×{height} frame is larger than the announced {max_width}×{max_height} screen")]
    LargerThanAnnounced {
        /// The frame's width.
        width: u32,
        /// The frame's height.
        height: u32,
        /// The announced width.
        max_width: u32,
        /// The announced height.
        max_height: u32,
    },
    /// A frame buffer whose length does not match its dimensions.
    #[error("frame buffer has {got} bytes, expected {expected}")]
    BadFrameLength {
        /// `width * height * 4`.
        expected: usize,
        /// Actual length.
        got: usize,
    },
}

/// Encoder tuning; Default = lossless.
#[derive(Clone, Debug, Default)]
pub struct EncoderConfig {
    /// Allow quantising photographic tiles (many colours); text/UI tiles always stay exact.
    pub allow_lossy: bool,
    /// Available bandwidth; lower values quantise photographic tiles harder (lossy mode only).
    pub bandwidth_hint_kbps: Option<u32>,
}

/// What one decoded update changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodedUpdate {
    /// Sequence number of the update.
    pub seq: u64,
    /// Whether the update replaced the whole frame.
    pub keyframe: bool,
    /// Rectangles whose pixels may have changed (upload these to the texture).
    pub changed: Vec<Rect>,
    /// Whether some pixels were coded lossily (or are still approximate).
    pub lossy: bool,
    /// The areas still approximate after this update (merged tile runs); empty = bit-exact.
    pub approximate: Vec<Rect>,
}

#[cfg(test)]
mod tests;
