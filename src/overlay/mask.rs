//! The visible part of an overlay image as rectangles, for the X SHAPE extension when no
//! compositor can blend a transparent window: pixels at least half opaque are in.

/// A rectangle in overlay pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaskRect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// Alpha at or above this is inside the shape.
pub const OPAQUE_ENOUGH: u8 = 128;

/// Rectangles covering exactly the pixels of `rgba` (width × height, alpha in byte 3) whose
/// alpha is at least [`OPAQUE_ENOUGH`], looking only inside `within` (`[x, y, width, height]`).
/// Runs of one row are merged downwards while the rows below repeat them.
pub fn opaque_rects(rgba: &[u8], width: u32, height: u32, within: [u32; 4]) -> Vec<MaskRect> {
    let [left, top, region_width, region_height] = within;
    let right = left.saturating_add(region_width).min(width);
    let bottom = top.saturating_add(region_height).min(height);
    let mut done = Vec::new();
    // Rectangles still growing: their runs matched every row so far.
    let mut open: Vec<MaskRect> = Vec::new();
    for y in top..bottom {
        let mut runs = Vec::new();
        let row_start = y as usize * width as usize * 4;
        let mut x = left;
        while x < right {
            let inside = |x: u32| rgba.get(row_start + x as usize * 4 + 3).is_some_and(|alpha| *alpha >= OPAQUE_ENOUGH);
            if !inside(x) {
                x += 1;
                continue;
            }
            let start = x;
            while x < right && inside(x) {
                x += 1;
            }
            runs.push((start, x - start));
        }
        let mut still_open = Vec::with_capacity(runs.len());
        for (x, run_width) in runs {
            match open.iter().position(|rect| rect.x == x && rect.width == run_width) {
                Some(index) => {
                    let mut rect = open.swap_remove(index);
                    rect.height += 1;
                    still_open.push(rect);
                }
                None => still_open.push(MaskRect { x, y, width: run_width, height: 1 }),
            }
        }
        done.append(&mut open);
        open = still_open;
    }
    done.append(&mut open);
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(width: u32, height: u32, opaque: &[(u32, u32)]) -> Vec<u8> {
        let mut rgba = vec![0; (width * height * 4) as usize];
        for (x, y) in opaque {
            rgba[((y * width + x) * 4 + 3) as usize] = 255;
        }
        rgba
    }

    fn covered(rects: &[MaskRect], x: u32, y: u32) -> usize {
        rects.iter().filter(|r| (r.x..r.x + r.width).contains(&x) && (r.y..r.y + r.height).contains(&y)).count()
    }

    #[test]
    fn a_block_is_one_rectangle() {
        let pixels: Vec<_> = (2..6).flat_map(|y| (3..7).map(move |x| (x, y))).collect();
        let rgba = image(10, 10, &pixels);
        assert_eq!(opaque_rects(&rgba, 10, 10, [0, 0, 10, 10]), vec![MaskRect { x: 3, y: 2, width: 4, height: 4 }]);
    }

    #[test]
    fn every_opaque_pixel_is_covered_once_and_nothing_else() {
        // A diagonal line and a half-transparent pixel that must stay out.
        let pixels: Vec<_> = (0..8).map(|i| (i, i)).chain([(7, 0), (6, 0)]).collect();
        let mut rgba = image(8, 8, &pixels);
        rgba[3 * 8 * 4 + 3] = OPAQUE_ENOUGH - 1;
        let rects = opaque_rects(&rgba, 8, 8, [0, 0, 8, 8]);
        for y in 0..8 {
            for x in 0..8 {
                let want = usize::from(pixels.contains(&(x, y)));
                assert_eq!(covered(&rects, x, y), want, "pixel {x},{y}");
            }
        }
    }

    #[test]
    fn the_search_stays_inside_the_region_and_the_image() {
        let rgba = image(4, 4, &[(0, 0), (3, 3)]);
        assert_eq!(opaque_rects(&rgba, 4, 4, [2, 2, 100, 100]), vec![MaskRect { x: 3, y: 3, width: 1, height: 1 }]);
        assert!(opaque_rects(&rgba, 4, 4, [1, 1, 1, 1]).is_empty());
        // A short buffer is never read past its end.
        assert!(opaque_rects(&rgba[..8], 4, 4, [0, 0, 4, 4]).len() <= 1);
    }
}
