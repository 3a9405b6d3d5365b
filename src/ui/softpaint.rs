//! Painting egui shapes into plain pixels, without a GPU: a headless egui context tessellates
//! what a closure paints, and a small rasteriser fills the triangles (vertex colours, the font
//! atlas, clip rectangles). The overlay on the user's own screen uses it, so arrows look the
//! same there as in the engineer's live view — same drawing code, same fonts.

use std::collections::HashMap;
use std::sync::Arc;

use egui::epaint::{ClippedPrimitive, Primitive, Vertex};
use egui::{Color32, ImageData, Painter, TextureId};

/// Premultiplied RGBA pixels with the rectangle that holds anything visible.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PaintedImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Premultiplied RGBA, row-major, stride = width × 4.
    pub rgba_premultiplied: Vec<u8>,
    /// Smallest rectangle `[x, y, width, height]` outside which every pixel is transparent;
    /// `None` when nothing was painted.
    pub painted: Option<[u32; 4]>,
}

/// A texture the rasteriser can sample (premultiplied).
struct SoftTexture {
    size: [usize; 2],
    pixels: Vec<Color32>,
}

/// A headless egui context that paints into pixels (1 point = 1 pixel).
pub struct SoftwarePainter {
    ctx: egui::Context,
    textures: HashMap<TextureId, SoftTexture>,
}

impl Default for SoftwarePainter {
    fn default() -> Self {
        Self::new()
    }
}

impl SoftwarePainter {
    /// A painter with egui's fonts plus the system's (CJK labels need them).
    pub fn new() -> Self {
        let ctx = egui::Context::default();
        ctx.add_font_provider(Arc::new(egui_system_font_provider::SystemFontProvider::new()));
        Self { ctx, textures: HashMap::new() }
    }

    /// Paints what `paint` draws onto a transparent `width` × `height` image, 1 point = 1 pixel.
    pub fn paint(&mut self, width: u32, height: u32, paint: impl FnMut(&Painter)) -> PaintedImage {
        self.paint_scaled(width, height, 1.0, paint)
    }

    /// Paints with `pixels_per_point` pixels per point (2 on a screen scaled to 200 %): `paint`
    /// works in points, the image has `width` × `height` pixels.
    pub fn paint_scaled(
        &mut self,
        width: u32,
        height: u32,
        pixels_per_point: f32,
        mut paint: impl FnMut(&Painter),
    ) -> PaintedImage {
        let scale = if pixels_per_point.is_finite() { pixels_per_point.clamp(0.5, 4.0) } else { 1.0 };
        let size_points = egui::vec2(width as f32, height as f32) / scale;
        let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, size_points);
        let input = egui::RawInput { screen_rect: Some(screen), ..Default::default() };
        self.ctx.set_pixels_per_point(scale);
        let mut output = self.ctx.run_ui(input, |ui| {
            let painter = ui.ctx().layer_painter(egui::LayerId::background());
            paint(&painter);
        });
        let mut textures_delta = std::mem::take(&mut output.textures_delta);
        for (id, deltas) in &textures_delta.set {
            for delta in deltas {
                self.apply_texture(*id, delta);
            }
        }
        let primitives = self.ctx.tessellate(output.shapes, output.pixels_per_point);
        let mut image = PaintedImage {
            width,
            height,
            rgba_premultiplied: vec![0; width as usize * height as usize * 4],
            painted: None,
        };
        for primitive in &primitives {
            self.rasterise(&mut image, primitive, output.pixels_per_point);
        }
        for id in &textures_delta.free {
            self.textures.remove(id);
        }
        // Everything in it was applied above.
        textures_delta.clear();
        image
    }

    fn apply_texture(&mut self, id: TextureId, delta: &egui::epaint::ImageDelta) {
        let ImageData::Color(source) = &delta.image;
        match delta.pos {
            None => {
                self.textures.insert(id, SoftTexture { size: source.size, pixels: source.pixels.clone() });
            }
            Some([x0, y0]) => {
                let Some(texture) = self.textures.get_mut(&id) else { return };
                for y in 0..source.size[1] {
                    for x in 0..source.size[0] {
                        let (tx, ty) = (x0 + x, y0 + y);
                        if tx < texture.size[0] && ty < texture.size[1] {
                            texture.pixels[ty * texture.size[0] + tx] = source.pixels[y * source.size[0] + x];
                        }
                    }
                }
            }
        }
    }

    fn rasterise(&self, image: &mut PaintedImage, primitive: &ClippedPrimitive, pixels_per_point: f32) {
        let Primitive::Mesh(mesh) = &primitive.primitive else { return };
        let texture = self.textures.get(&mesh.texture_id);
        let clip = egui::Rect::from_min_max(
            (primitive.clip_rect.min.to_vec2() * pixels_per_point).to_pos2(),
            (primitive.clip_rect.max.to_vec2() * pixels_per_point).to_pos2(),
        );
        for triangle in mesh.indices.chunks_exact(3) {
            let vertex = |index: u32| {
                mesh.vertices
                    .get(index as usize)
                    .map(|vertex| Vertex { pos: (vertex.pos.to_vec2() * pixels_per_point).to_pos2(), ..*vertex })
            };
            if let (Some(a), Some(b), Some(c)) = (vertex(triangle[0]), vertex(triangle[1]), vertex(triangle[2])) {
                fill_triangle(image, clip, texture, [a, b, c]);
            }
        }
    }
}

/// Twice the signed area of (a, b, p).
fn edge(a: egui::Pos2, b: egui::Pos2, p: egui::Pos2) -> f32 {
    (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x)
}

fn fill_triangle(image: &mut PaintedImage, clip: egui::Rect, texture: Option<&SoftTexture>, corners: [Vertex; 3]) {
    let [a, b, c] = corners;
    let area = edge(a.pos, b.pos, c.pos);
    if area.abs() < 1e-6 || !area.is_finite() {
        return;
    }
    let bounds = egui::Rect::from_points(&[a.pos, b.pos, c.pos])
        .intersect(clip)
        .intersect(egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(image.width as f32, image.height as f32)));
    if !(bounds.width() > 0.0 && bounds.height() > 0.0) {
        return;
    }
    let (x0, x1) = (bounds.min.x.floor() as u32, (bounds.max.x.ceil() as u32).min(image.width));
    let (y0, y1) = (bounds.min.y.floor() as u32, (bounds.max.y.ceil() as u32).min(image.height));
    let stride = image.width as usize * 4;
    let mut touched: Option<[u32; 4]> = None;
    for y in y0..y1 {
        for x in x0..x1 {
            let p = egui::pos2(x as f32 + 0.5, y as f32 + 0.5);
            if !clip.contains(p) {
                continue;
            }
            let (w0, w1, w2) =
                (edge(b.pos, c.pos, p) / area, edge(c.pos, a.pos, p) / area, edge(a.pos, b.pos, p) / area);
            // Pixels on a shared edge belong to one triangle only (a half-open rule).
            if w0 < 0.0 || w1 < 0.0 || w2 < 0.0 || (w0 == 0.0 && w1 == 0.0) {
                continue;
            }
            let channel = |index: usize| {
                w0 * f32::from(a.color[index]) + w1 * f32::from(b.color[index]) + w2 * f32::from(c.color[index])
            };
            let mut source = [channel(0), channel(1), channel(2), channel(3)];
            if let Some(texture) = texture {
                let u = w0 * a.uv.x + w1 * b.uv.x + w2 * c.uv.x;
                let v = w0 * a.uv.y + w1 * b.uv.y + w2 * c.uv.y;
                let sample = sample_bilinear(texture, u, v);
                for (channel, factor) in source.iter_mut().zip(sample) {
                    *channel *= factor;
                }
            }
            let alpha = source[3] / 255.0;
            if alpha <= 0.0 && source[..3].iter().all(|channel| *channel <= 0.0) {
                continue;
            }
            let at = y as usize * stride + x as usize * 4;
            for (index, value) in source.iter().enumerate() {
                let below = f32::from(image.rgba_premultiplied[at + index]);
                image.rgba_premultiplied[at + index] = (value + below * (1.0 - alpha)).round().clamp(0.0, 255.0) as u8;
            }
            touched = Some(match touched {
                None => [x, y, x + 1, y + 1],
                Some([left, top, right, bottom]) => [left.min(x), top.min(y), right.max(x + 1), bottom.max(y + 1)],
            });
        }
    }
    if let Some([left, top, right, bottom]) = touched {
        image.painted = Some(match image.painted {
            None => [left, top, right - left, bottom - top],
            Some([x, y, width, height]) => {
                let (new_left, new_top) = (x.min(left), y.min(top));
                let (new_right, new_bottom) = ((x + width).max(right), (y + height).max(bottom));
                [new_left, new_top, new_right - new_left, new_bottom - new_top]
            }
        });
    }
}

/// The texture at (u, v) as factors 0..1 per channel, bilinear, clamped to the edge.
fn sample_bilinear(texture: &SoftTexture, u: f32, v: f32) -> [f32; 4] {
    let [width, height] = texture.size;
    if width == 0 || height == 0 {
        return [1.0; 4];
    }
    let x = (u * width as f32 - 0.5).clamp(0.0, (width - 1) as f32);
    let y = (v * height as f32 - 0.5).clamp(0.0, (height - 1) as f32);
    let (x0, y0) = (x.floor() as usize, y.floor() as usize);
    let (x1, y1) = ((x0 + 1).min(width - 1), (y0 + 1).min(height - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let texel = |tx: usize, ty: usize| texture.pixels[ty * width + tx];
    let mut out = [0.0; 4];
    for (index, value) in out.iter_mut().enumerate() {
        let top = f32::from(texel(x0, y0)[index]) * (1.0 - fx) + f32::from(texel(x1, y0)[index]) * fx;
        let bottom = f32::from(texel(x0, y1)[index]) * (1.0 - fx) + f32::from(texel(x1, y1)[index]) * fx;
        *value = (top * (1.0 - fy) + bottom * fy) / 255.0;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pixel(image: &PaintedImage, x: u32, y: u32) -> [u8; 4] {
        let at = (y * image.width + x) as usize * 4;
        let mut out = [0; 4];
        out.copy_from_slice(&image.rgba_premultiplied[at..at + 4]);
        out
    }

    #[test]
    fn a_filled_rectangle_lands_on_its_pixels_and_nothing_else() {
        let mut painter = SoftwarePainter::new();
        let image = painter.paint(64, 48, |painter| {
            painter.rect_filled(
                egui::Rect::from_min_size(egui::pos2(10.0, 8.0), egui::vec2(20.0, 12.0)),
                0.0,
                Color32::RED,
            );
        });
        assert_eq!(pixel(&image, 20, 14), [255, 0, 0, 255]);
        assert_eq!(pixel(&image, 5, 5), [0, 0, 0, 0]);
        assert_eq!(pixel(&image, 40, 30), [0, 0, 0, 0]);
        let [x, y, width, height] = image.painted.expect("something was painted");
        // Feathering adds at most one pixel around the edge.
        assert!((9..=10).contains(&x) && (7..=8).contains(&y), "{:?}", image.painted);
        assert!((20..=22).contains(&width) && (12..=14).contains(&height), "{:?}", image.painted);
    }

    #[test]
    fn at_200_percent_a_point_is_two_pixels() {
        let mut painter = SoftwarePainter::new();
        let image = painter.paint_scaled(64, 48, 2.0, |painter| {
            painter.rect_filled(
                egui::Rect::from_min_size(egui::pos2(5.0, 4.0), egui::vec2(10.0, 6.0)),
                0.0,
                Color32::RED,
            );
        });
        assert_eq!(pixel(&image, 12, 10), [255, 0, 0, 255]);
        assert_eq!(pixel(&image, 28, 18), [255, 0, 0, 255]);
        assert_eq!(pixel(&image, 32, 22), [0, 0, 0, 0]);
        let [x, y, width, height] = image.painted.expect("painted");
        assert!(
            (9..=10).contains(&x) && (7..=8).contains(&y) && (20..=22).contains(&width) && (12..=14).contains(&height)
        );
    }

    #[test]
    fn text_is_drawn_from_the_font_atlas() {
        let mut painter = SoftwarePainter::new();
        let image = painter.paint(200, 40, |painter| {
            painter.text(
                egui::pos2(4.0, 4.0),
                egui::Align2::LEFT_TOP,
                "Click here",
                egui::FontId::proportional(20.0),
                Color32::WHITE,
            );
        });
        let opaque = image.rgba_premultiplied.chunks_exact(4).filter(|pixel| pixel[3] > 200).count();
        assert!(opaque > 50, "only {opaque} text pixels");
        let [x, _, width, _] = image.painted.expect("text painted");
        assert!(x < 10 && width > 60, "{:?}", image.painted);
    }

    #[test]
    fn nothing_painted_is_fully_transparent() {
        let mut painter = SoftwarePainter::new();
        let image = painter.paint(32, 32, |_| {});
        assert!(image.painted.is_none());
        assert!(image.rgba_premultiplied.iter().all(|byte| *byte == 0));
    }
}
