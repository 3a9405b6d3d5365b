//! Still pictures for guidance-only mode: one whole picture coded losslessly for a very slow link,
//! several times smaller than the tile codec's keyframe (see `model.rs` for how), optionally at a
//! reduced scale first (block averages, an approximate pass that shows the layout early).
//!
//! ```text
//! still body = still_version:u8 block:u8 opaque:u8 picture
//! picture    = the range-coded pixels of the ⌈width/block⌉×⌈height/block⌉ picture (`model.rs`)
//! ```
//! The body follows an update header with `FLAG_STILL` (`wire.rs`): a keyframe, never zstd
//! compressed. With `block` > 1 each coded pixel is the average of a `block`×`block` square and
//! fills it in the decoded frame (every tile approximate); `opaque` = 1: every alpha is 255 and
//! alpha is not coded.

mod model;
mod range;

use super::CodecError;

/// Version of the still body layout.
pub(super) const STILL_VERSION: u8 = 1;
/// Largest block side of a reduced still.
pub(super) const MAX_BLOCK: u32 = 64;

/// Appends the still body of `rgba` (`width`×`height`) at `block` (1 = exact, clamped to
/// 1..=[`MAX_BLOCK`]) to `out`; returns the picture the decoder will hold.
pub(super) fn write_body(rgba: &[u8], width: u32, height: u32, block: u32, out: &mut Vec<u8>) -> Vec<u8> {
    let block = block.clamp(1, MAX_BLOCK);
    let reduced;
    let (picture, picture_width, picture_height) = if block == 1 {
        (rgba, width, height)
    } else {
        reduced = downscale(rgba, width, height, block);
        (&reduced[..], width.div_ceil(block), height.div_ceil(block))
    };
    let opaque = picture.chunks_exact(4).all(|pixel| pixel[3] == 0xff);
    out.push(STILL_VERSION);
    out.push(block as u8);
    out.push(u8::from(opaque));
    out.extend_from_slice(&model::encode_picture(picture, picture_width, picture_height, opaque));
    if block == 1 { rgba.to_vec() } else { upscale(picture, width, height, block) }
}

/// Decodes a still body for a `width`×`height` frame: the frame's pixels and the block side
/// (1 = exact). Every field is checked; nothing is allocated before the layout is known good.
pub(super) fn read_body(body: &[u8], width: u32, height: u32) -> Result<(Vec<u8>, u32), CodecError> {
    let [version, block, opaque, picture @ ..] = body else {
        return Err(CodecError::Malformed("still body too short".into()));
    };
    if *version != STILL_VERSION {
        return Err(CodecError::UnsupportedVersion(*version));
    }
    let block = u32::from(*block);
    if !(1..=MAX_BLOCK).contains(&block) {
        return Err(CodecError::Malformed(format!("still block of {block} pixels")));
    }
    let opaque = match opaque {
        0 => false,
        1 => true,
        other => return Err(CodecError::Malformed(format!("still opacity {other}"))),
    };
    let (picture_width, picture_height) = (width.div_ceil(block), height.div_ceil(block));
    let mut pixels = Vec::new();
    model::decode_picture(picture, picture_width, picture_height, opaque, &mut pixels)?;
    if block == 1 { Ok((pixels, 1)) } else { Ok((upscale(&pixels, width, height, block), block)) }
}

/// Codes an opaque `width`×`height` RGBA strip of tiles (see `tiles::KIND_MODELLED`).
pub(super) fn encode_strip(rgba: &[u8], width: u32, height: u32) -> Vec<u8> {
    model::encode_picture(rgba, width, height, true)
}

/// Decodes a strip coded by [`encode_strip`] into `out`; the caller bounds the sides.
pub(super) fn decode_strip(data: &[u8], width: u32, height: u32, out: &mut Vec<u8>) -> Result<(), CodecError> {
    model::decode_picture(data, width, height, true, out)
}

/// The `width`×`height` RGBA picture reduced by `block`: each output pixel the average (all four
/// channels) of a `block`×`block` square (ragged at the right and bottom edges).
fn downscale(rgba: &[u8], width: u32, height: u32, block: u32) -> Vec<u8> {
    let block = block.max(1);
    let mut out = Vec::with_capacity(width.div_ceil(block) as usize * height.div_ceil(block) as usize * 4);
    super::lossy::block_averages::<4>(rgba, width, height, block, &mut out);
    out
}

/// Expands a picture reduced by [`downscale`] back to `width`×`height`, each pixel filling its
/// square. `small` holds exactly ⌈width/block⌉×⌈height/block⌉ RGBA pixels.
fn upscale(small: &[u8], width: u32, height: u32, block: u32) -> Vec<u8> {
    let (width, height, block) = (width as usize, height as usize, block as usize);
    let small_row_bytes = width.div_ceil(block) * 4;
    let mut out = Vec::with_capacity(width * height * 4);
    for y in 0..height {
        let row = &small[y / block * small_row_bytes..][..small_row_bytes];
        for pixel in row.chunks_exact(4) {
            let repeat = block.min(width - out.len() / 4 % width);
            for _ in 0..repeat {
                out.extend_from_slice(pixel);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
