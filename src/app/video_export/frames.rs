//! The pictures an export writes: each recorded picture with its active redactions blacked out,
//! fitted (scaled, centred, padded black) into the export's size, RGBA.

use crate::codec::Frame;
use crate::model::Redaction;

/// The pixel of black written for redactions, padding and time without a picture.
const BLACK: [u8; 4] = [0, 0, 0, 255];

/// The export's size for a first picture of `width`×`height`: even sides (H.264 and VP9 in
/// 4:2:0 need them), the odd row or column padded.
pub fn output_size(width: u32, height: u32) -> (u32, u32) {
    (width.next_multiple_of(2), height.next_multiple_of(2))
}

/// Writes `frame` (or black, when there is no picture at this time) into `out`, an RGBA buffer
/// of `out_width`×`out_height`, with every redaction active at `t_ms` blacked out first (in the
/// recorded picture's own pixels, clipped to it).
pub fn compose(
    frame: Option<&Frame>,
    redactions: &[Redaction],
    t_ms: u64,
    out_width: u32,
    out_height: u32,
    out: &mut Vec<u8>,
) {
    out.resize(out_width as usize * out_height as usize * 4, 0);
    let Some(frame) = frame else {
        fill(out, &BLACK);
        return;
    };
    let active: Vec<&Redaction> = redactions.iter().filter(|redaction| redaction.active_at(t_ms)).collect();
    let same_size = frame.width <= out_width
        && frame.height <= out_height
        && frame.width + 1 >= out_width
        && frame.height + 1 >= out_height;
    if same_size {
        copy_unscaled(frame, out_width, out_height, out);
        for redaction in active {
            black_out_unscaled(redaction, frame, out_width, out);
        }
    } else {
        fill(out, &BLACK);
        let hidden = |x: u32, y: u32| active.iter().any(|redaction| redaction.rect.contains(x, y));
        copy_scaled(frame, &hidden, out_width, out_height, out);
    }
}

/// The picture at its own size in the top left corner, the odd column and row black.
fn copy_unscaled(frame: &Frame, out_width: u32, out_height: u32, out: &mut [u8]) {
    let row_bytes = frame.width as usize * 4;
    let out_row_bytes = out_width as usize * 4;
    for (y, row) in out.chunks_exact_mut(out_row_bytes).enumerate().take(out_height as usize) {
        if y < frame.height as usize {
            let from = y * row_bytes;
            row[..row_bytes].copy_from_slice(&frame.rgba[from..from + row_bytes]);
            fill(&mut row[row_bytes..], &BLACK);
        } else {
            fill(row, &BLACK);
        }
    }
}

/// A redaction over a picture copied at its own size: its rectangle, clipped to the picture.
fn black_out_unscaled(redaction: &Redaction, frame: &Frame, out_width: u32, out: &mut [u8]) {
    let rect = redaction.rect;
    let x_end = rect.x.saturating_add(rect.w).min(frame.width);
    let y_end = rect.y.saturating_add(rect.h).min(frame.height);
    if rect.x >= x_end || rect.y >= y_end {
        return;
    }
    for y in rect.y..y_end {
        let row = y as usize * out_width as usize * 4;
        fill(&mut out[row + rect.x as usize * 4..row + x_end as usize * 4], &BLACK);
    }
}

/// A picture of another size (the remote screen was resized): scaled to fit, centred, nearest
/// pixel, the redactions in its own pixels.
fn copy_scaled(frame: &Frame, hidden: &dyn Fn(u32, u32) -> bool, out_width: u32, out_height: u32, out: &mut [u8]) {
    let scale =
        f64::min(f64::from(out_width) / f64::from(frame.width), f64::from(out_height) / f64::from(frame.height));
    let fitted_width = ((f64::from(frame.width) * scale).round() as u32).clamp(1, out_width);
    let fitted_height = ((f64::from(frame.height) * scale).round() as u32).clamp(1, out_height);
    let left = (out_width - fitted_width) / 2;
    let top = (out_height - fitted_height) / 2;
    for y in 0..fitted_height {
        let source_y = ((u64::from(y) * u64::from(frame.height)) / u64::from(fitted_height)) as u32;
        for x in 0..fitted_width {
            let source_x = ((u64::from(x) * u64::from(frame.width)) / u64::from(fitted_width)) as u32;
            let to = ((top + y) as usize * out_width as usize + (left + x) as usize) * 4;
            if hidden(source_x, source_y) {
                out[to..to + 4].copy_from_slice(&BLACK);
            } else {
                let from = (source_y as usize * frame.width as usize + source_x as usize) * 4;
                out[to..to + 4].copy_from_slice(&frame.rgba[from..from + 4]);
            }
        }
    }
}

fn fill(out: &mut [u8], pixel: &[u8; 4]) {
    for chunk in out.chunks_exact_mut(4) {
        chunk.copy_from_slice(pixel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RedactionRect;

    fn white(width: u32, height: u32) -> Frame {
        Frame { width, height, rgba: vec![255; (width * height * 4) as usize] }
    }

    fn pixel(out: &[u8], width: u32, x: u32, y: u32) -> [u8; 4] {
        let at = ((y * width + x) * 4) as usize;
        out[at..at + 4].try_into().unwrap()
    }

    #[test]
    fn redactions_black_out_their_rectangle_only_within_their_time() {
        let redaction = Redaction { rect: RedactionRect { x: 2, y: 1, w: 3, h: 2 }, from_ms: 100, to_ms: 200 };
        let mut out = Vec::new();
        compose(Some(&white(7, 5)), &[redaction], 150, 8, 6, &mut out);
        assert_eq!(pixel(&out, 8, 2, 1), BLACK);
        assert_eq!(pixel(&out, 8, 4, 2), BLACK);
        assert_eq!(pixel(&out, 8, 5, 2), [255; 4]);
        assert_eq!(pixel(&out, 8, 1, 1), [255; 4]);
        assert_eq!(pixel(&out, 8, 7, 0), BLACK, "odd width padded black");
        compose(Some(&white(7, 5)), &[redaction], 200, 8, 6, &mut out);
        assert_eq!(pixel(&out, 8, 2, 1), [255; 4], "over at its end");
        compose(None, &[], 0, 8, 6, &mut out);
        assert!(out.chunks(4).all(|chunk| chunk == BLACK));
    }

    #[test]
    fn a_resized_picture_is_fitted_and_still_redacted() {
        let redaction = Redaction { rect: RedactionRect { x: 0, y: 0, w: 8, h: 8 }, from_ms: 0, to_ms: 10 };
        let mut out = Vec::new();
        compose(Some(&white(16, 4)), &[redaction], 5, 8, 6, &mut out);
        // 16×4 into 8×6: scaled to 8×2, rows 2 and 3; its left half blacked out.
        assert_eq!(pixel(&out, 8, 6, 0), BLACK, "padding");
        assert_eq!(pixel(&out, 8, 6, 2), [255; 4]);
        assert_eq!(pixel(&out, 8, 1, 2), BLACK, "redacted in the picture's own pixels");
        assert_eq!(output_size(7, 5), (8, 6));
        assert_eq!(output_size(8, 6), (8, 6));
    }
}
