//! Drawing arrows and highlights (both sides use it: the engineer's live view and the user's
//! Get-help picture).

use egui::{Color32, Painter, Pos2, Stroke, vec2};

use crate::protocol::{Annotation, AnnotationColor, RemotePixel, Shape};

/// The colour on screen.
pub fn color32(color: AnnotationColor) -> Color32 {
    match color {
        AnnotationColor::Red => Color32::from_rgb(0xe5, 0x39, 0x35),
        AnnotationColor::Yellow => Color32::from_rgb(0xfd, 0xd8, 0x35),
        AnnotationColor::Green => Color32::from_rgb(0x43, 0xa0, 0x47),
        AnnotationColor::Blue => Color32::from_rgb(0x1e, 0x88, 0xe5),
    }
}

/// Draws `annotation` with `place` mapping remote pixels to points; `opacity` 0..1 for fading.
pub fn draw(painter: &Painter, annotation: &Annotation, place: impl Fn(RemotePixel) -> Pos2, opacity: f32) {
    let color = color32(annotation.color).gamma_multiply(opacity);
    let stroke = Stroke::new(3.0, color);
    let label_at = match annotation.shape {
        Shape::Arrow { tail, head } => {
            let (tail, head) = (place(tail), place(head));
            painter.line_segment([tail, head], stroke);
            let direction = (head - tail).normalized();
            if direction.is_finite() && direction != egui::Vec2::ZERO {
                let back = head - direction * 14.0;
                let side = vec2(-direction.y, direction.x) * 7.0;
                painter.add(egui::Shape::convex_polygon(vec![head, back + side, back - side], color, Stroke::NONE));
            }
            tail
        }
        Shape::Highlight { from, to } => {
            let rect = egui::Rect::from_two_pos(place(from), place(to));
            painter.rect_stroke(rect, 3.0, stroke, egui::StrokeKind::Outside);
            rect.left_top()
        }
    };
    if !annotation.label.is_empty() {
        let galley = painter.layout_no_wrap(annotation.label.clone(), egui::FontId::proportional(15.0), Color32::WHITE);
        let rect = egui::Rect::from_min_size(label_at + vec2(4.0, 4.0), galley.size() + vec2(8.0, 4.0));
        painter.rect_filled(rect, 4.0, color.gamma_multiply(0.9));
        painter.galley(rect.min + vec2(4.0, 2.0), galley, Color32::WHITE);
    }
}
