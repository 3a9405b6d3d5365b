//! Named coordinate spaces of the live view and their transforms:
//! - viewer points: egui points where the remote picture is drawn (scaled, maybe scrolled);
//! - remote pixels: pixels of the user's shared screen (what travels on the wire);
//! - normalised: 0..1 across the shared screen (for pictures of another size, e.g. previews).
//!
//! The user's own preview of what is shared is a picture [`PREVIEW_SCALE`] times smaller than the
//! screen; [`screen_size_from_preview`] is the one place that scale is undone.

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

/// The user's preview of what is shared is this many times smaller than the screen, each way.
pub const PREVIEW_SCALE: u32 = 4;

/// The size of the shared screen, pixels, whose preview is `preview_width`×`preview_height`.
pub fn screen_size_from_preview(preview_width: u32, preview_height: u32) -> (u32, u32) {
    (preview_width.saturating_mul(PREVIEW_SCALE), preview_height.saturating_mul(PREVIEW_SCALE))
}

/// A rectangle of the remote screen in pixels: its left and top edges and its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RemoteRect {
    /// Left edge, pixels from the screen's left.
    pub x: u32,
    /// Top edge, pixels from the screen's top.
    pub y: u32,
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
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

    /// Viewer point → the remote pixel edges nearest it on its left and above (`0..=width`,
    /// `0..=height`, clamped to the screen): the corner of a rectangle dragged out on the picture.
    pub fn viewer_to_remote_edge(&self, point: Pos2) -> (u32, u32) {
        let at = self.viewer_to_normalized(point);
        ((at.x * self.remote_width as f32) as u32, (at.y * self.remote_height as f32) as u32)
    }

    /// The remote rectangle between two viewer points (any two opposite corners).
    pub fn viewer_to_remote_rect(&self, from: Pos2, to: Pos2) -> RemoteRect {
        let ((x0, y0), (x1, y1)) = (self.viewer_to_remote_edge(from), self.viewer_to_remote_edge(to));
        RemoteRect { x: x0.min(x1), y: y0.min(y1), width: x0.abs_diff(x1), height: y0.abs_diff(y1) }
    }

    /// Remote rectangle → the viewer rectangle it covers.
    pub fn remote_rect_to_viewer(&self, rect: RemoteRect) -> Rect {
        let scale_x = self.shown.width() / self.remote_width.max(1) as f32;
        let scale_y = self.shown.height() / self.remote_height.max(1) as f32;
        Rect::from_min_size(
            self.shown.min + egui::vec2(rect.x as f32 * scale_x, rect.y as f32 * scale_y),
            egui::vec2(rect.width as f32 * scale_x, rect.height as f32 * scale_y),
        )
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

    #[test]
    fn a_dragged_rectangle_reaches_the_screen_edges_and_maps_back_onto_itself() {
        // A quarter-size preview of a 1920×1080 screen, drawn at 480×270 points from (10, 20).
        let (remote_width, remote_height) = screen_size_from_preview(480, 270);
        assert_eq!((remote_width, remote_height), (1920, 1080));
        let shown = Rect::from_min_size(Pos2::new(10.0, 20.0), vec2(480.0, 270.0));
        let mapping = ViewMapping { shown, remote_width, remote_height };
        // Dragged from beyond the bottom-right corner to (120, 67.5) points into the picture.
        let rect = mapping.viewer_to_remote_rect(Pos2::new(900.0, 900.0), Pos2::new(130.0, 87.5));
        assert_eq!(rect, RemoteRect { x: 480, y: 270, width: 1440, height: 810 });
        assert_eq!(rect.x + rect.width, 1920, "a drag past the edge covers the last column");
        let back = mapping.remote_rect_to_viewer(rect);
        assert_eq!(back, Rect::from_min_max(Pos2::new(130.0, 87.5), shown.max));
    }

    #[test]
    fn the_preview_scale_is_undone_without_overflow() {
        assert_eq!(screen_size_from_preview(0, 0), (0, 0));
        assert_eq!(screen_size_from_preview(u32::MAX, 3), (u32::MAX, 12));
    }
}
