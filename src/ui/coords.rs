//! Named coordinate spaces of the live view and their transforms:
//! - viewer points: egui points where the remote picture is drawn (scaled, maybe scrolled);
//! - remote pixels: pixels of the user's shared screen (what travels on the wire);
//! - normalised: 0..1 across the shared screen (for pictures of another size, e.g. previews).

use egui::{Pos2, Rect};

use crate::protocol::RemotePixel;

/// Where the remote picture is shown and how big the remote screen is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ViewMapping {
    /// The rectangle (viewer points) the whole remote picture occupies; with scrolling, parts
    /// of it lie outside the visible area, which does not change the mapping.
    pub shown: Rect,
    /// Remote screen size, pixels.
    pub remote_width: u32,
    /// Remote screen size, pixels.
    pub remote_height: u32,
}

/// A point of the shared screen as fractions of its width and height.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Normalized {
    /// 0 = left edge, 1 = right edge.
    pub x: f32,
    /// 0 = top, 1 = bottom.
    pub y: f32,
}

impl ViewMapping {
    /// Viewer point → normalised, clamped to the picture.
    pub fn viewer_to_normalized(&self, point: Pos2) -> Normalized {
        Normalized {
            x: ((point.x - self.shown.left()) / self.shown.width().max(f32::EPSILON)).clamp(0.0, 1.0),
            y: ((point.y - self.shown.top()) / self.shown.height().max(f32::EPSILON)).clamp(0.0, 1.0),
        }
    }

    /// Viewer point → remote pixel (the pixel under the point), clamped to the screen.
    pub fn viewer_to_remote(&self, point: Pos2) -> RemotePixel {
        normalized_to_remote(self.viewer_to_normalized(point), self.remote_width, self.remote_height)
    }

    /// Remote pixel → viewer point (the centre of that pixel).
    pub fn remote_to_viewer(&self, pixel: RemotePixel) -> Pos2 {
        let scale_x = self.shown.width() / self.remote_width.max(1) as f32;
        let scale_y = self.shown.height() / self.remote_height.max(1) as f32;
        Pos2::new(
            self.shown.left() + (pixel.x as f32 + 0.5) * scale_x,
            self.shown.top() + (pixel.y as f32 + 0.5) * scale_y,
        )
    }
}

/// Normalised → remote pixel of a `width`×`height` screen.
pub fn normalized_to_remote(point: Normalized, width: u32, height: u32) -> RemotePixel {
    let pixel = |fraction: f32, size: u32| ((fraction * size as f32) as u32).min(size.saturating_sub(1));
    RemotePixel { x: pixel(point.x, width), y: pixel(point.y, height) }
}

/// Remote pixel → normalised (pixel centre).
pub fn remote_to_normalized(pixel: RemotePixel, width: u32, height: u32) -> Normalized {
    Normalized { x: (pixel.x as f32 + 0.5) / width.max(1) as f32, y: (pixel.y as f32 + 0.5) / height.max(1) as f32 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::vec2;

    #[test]
    fn a_point_lands_on_the_same_remote_pixel_whatever_the_scale_or_scroll() {
        let remote = RemotePixel { x: 1234, y: 567 };
        // Fitted at 0.4×, at 1:1, and at 1:1 scrolled so the picture starts far off-screen.
        for shown in [
            Rect::from_min_size(Pos2::new(10.0, 20.0), vec2(768.0, 432.0)),
            Rect::from_min_size(Pos2::new(0.0, 0.0), vec2(1920.0, 1080.0)),
            Rect::from_min_size(Pos2::new(-900.0, -300.0), vec2(1920.0, 1080.0)),
        ] {
            let mapping = ViewMapping { shown, remote_width: 1920, remote_height: 1080 };
            let viewer = mapping.remote_to_viewer(remote);
            assert_eq!(mapping.viewer_to_remote(viewer), remote, "{shown:?}");
        }
    }

    #[test]
    fn points_outside_the_picture_clamp_to_its_edge() {
        let mapping = ViewMapping {
            shown: Rect::from_min_size(Pos2::ZERO, vec2(100.0, 50.0)),
            remote_width: 200,
            remote_height: 100,
        };
        assert_eq!(mapping.viewer_to_remote(Pos2::new(-5.0, 500.0)), RemotePixel { x: 0, y: 99 });
    }

    #[test]
    fn normalised_round_trip_across_screen_sizes() {
        let pixel = RemotePixel { x: 959, y: 539 };
        let normalized = remote_to_normalized(pixel, 1920, 1080);
        assert_eq!(normalized_to_remote(normalized, 1920, 1080), pixel);
        // The same place on a quarter-size preview.
        assert_eq!(normalized_to_remote(normalized, 480, 270), RemotePixel { x: 239, y: 134 });
    }
}
