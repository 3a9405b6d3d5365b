//! Drawing arrows and highlights (both sides use it: the engineer's live view and the user's
//! Get-help picture).

use egui::{Color32, Painter, Pos2, Stroke, vec2};

use crate::protocol::{Annotation, AnnotationColor, RemotePixel, SessionEvent, Shape};

/// The colour on screen.
pub fn color32(color: AnnotationColor) -> Color32 {
    match color {
        AnnotationColor::Red => Color32::from_rgb(0xe5, 0x39, 0x35),
        AnnotationColor::Yellow => Color32::from_rgb(0xfd, 0xd8, 0x35),
        AnnotationColor::Green => Color32::from_rgb(0x43, 0xa0, 0x47),
        AnnotationColor::Blue => Color32::from_rgb(0x1e, 0x88, 0xe5),
    }
}

/// The text colour of a label on `color`: black or white, whichever contrasts more (white on the
/// yellow highlight cannot be read).
pub fn label_text_color(color: AnnotationColor) -> Color32 {
    super::theme::text_on(label_fill(color32(color)))
}

fn label_fill(color: Color32) -> Color32 {
    color.gamma_multiply(0.9)
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
        let text_color = label_text_color(annotation.color).gamma_multiply(opacity);
        let galley = painter.layout_no_wrap(annotation.label.clone(), egui::FontId::proportional(15.0), text_color);
        let rect = egui::Rect::from_min_size(label_at + vec2(4.0, 4.0), galley.size() + vec2(8.0, 4.0));
        painter.rect_filled(rect, 4.0, label_fill(color));
        painter.galley(rect.min + vec2(4.0, 2.0), galley, text_color);
    }
}

/// Where the user's side shows the engineer's arrows, as it last reported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ArrowPlacement {
    /// Not reported yet.
    #[default]
    NotReported,
    /// Over the user's real screen (the screen overlay).
    OverScreen,
    /// In the Get-help window's picture (no overlay on that screen).
    InWindow,
}

impl ArrowPlacement {
    /// The placement the user's side reported: `over_screen` when it draws over the real screen.
    pub fn reported(over_screen: bool) -> Self {
        if over_screen { Self::OverScreen } else { Self::InWindow }
    }
}

/// Most arrows on show at once; an engineer (or a faulty peer) sending more pushes the oldest
/// out, so the user's screen and the overlay's work stay bounded.
pub const MAX_SHOWN_ANNOTATIONS: usize = 50;

/// The arrows on show on the user's side, each with the time it was first drawn (seconds on
/// the caller's clock) so it can fade. The Get-help picture and the screen overlay both follow
/// the session's events through this, so they always agree.
#[derive(Clone, Debug, Default)]
pub struct ShownAnnotations {
    items: Vec<(Annotation, Option<f64>)>,
}

impl ShownAnnotations {
    /// Follows one session event; `true` when what is shown changed.
    pub fn apply(&mut self, event: &SessionEvent) -> bool {
        match event {
            SessionEvent::Annotation(annotation) => {
                self.items.retain(|(shown, _)| shown.id != annotation.id);
                if self.items.len() >= MAX_SHOWN_ANNOTATIONS {
                    self.items.remove(0);
                }
                self.items.push((annotation.clone(), None));
                true
            }
            SessionEvent::AnnotationRemoved { id } => {
                let before = self.items.len();
                self.items.retain(|(shown, _)| shown.id != *id);
                before != self.items.len()
            }
            SessionEvent::AnnotationsCleared | SessionEvent::ConsentRevoked | SessionEvent::Ended { .. } => {
                self.clear()
            }
            _ => false,
        }
    }

    /// Forgets every arrow; `true` when there were some.
    pub fn clear(&mut self) -> bool {
        let had_some = !self.items.is_empty();
        self.items.clear();
        had_some
    }

    /// How many are on show.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// The one drawn last, if any.
    pub fn newest(&self) -> Option<&Annotation> {
        self.items.last().map(|(annotation, _)| annotation)
    }

    /// Whether none are.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Those still visible at `now_s` with their opacity (0..1); faded ones are forgotten.
    pub fn visible(&mut self, now_s: f64) -> Vec<(Annotation, f32)> {
        let mut visible = Vec::with_capacity(self.items.len());
        self.items.retain_mut(|(annotation, first_drawn)| {
            let since = now_s - *first_drawn.get_or_insert(now_s);
            let fade_s = f64::from(annotation.fade_ms) / 1_000.0;
            if annotation.fade_ms > 0 && since > fade_s {
                return false;
            }
            // The last second fades out.
            let opacity = if annotation.fade_ms > 0 { (fade_s - since).min(1.0) as f32 } else { 1.0 };
            visible.push((annotation.clone(), opacity));
            true
        });
        visible
    }

    /// Whether any will change by itself (fade), so the caller should redraw soon.
    pub fn fading(&self) -> bool {
        self.items.iter().any(|(annotation, _)| annotation.fade_ms > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{AnnotationColor, EndReason};

    fn arrow(id: u64, fade_ms: u32) -> Annotation {
        Annotation {
            id,
            shape: Shape::Arrow { tail: RemotePixel { x: 1, y: 2 }, head: RemotePixel { x: 30, y: 40 } },
            label: String::new(),
            color: AnnotationColor::Red,
            fade_ms,
        }
    }

    #[test]
    fn every_label_is_readable_on_its_highlight() {
        for color in AnnotationColor::ALL {
            let fill = label_fill(color32(color));
            let ratio = crate::ui::theme::contrast_ratio(label_text_color(color), fill);
            assert!(ratio >= 4.5, "{color:?}: contrast {ratio:.2} is below 4.5");
        }
        assert_eq!(label_text_color(AnnotationColor::Yellow), Color32::BLACK, "dark text on yellow");
    }

    #[test]
    fn arrows_follow_the_session_and_fade_in_their_last_second() {
        let mut shown = ShownAnnotations::default();
        assert!(shown.apply(&SessionEvent::Annotation(arrow(1, 5_000))));
        assert!(shown.apply(&SessionEvent::Annotation(arrow(2, 0))));
        assert!(!shown.apply(&SessionEvent::KeyframeRequested));
        let at_start = shown.visible(10.0);
        assert_eq!(at_start.iter().map(|(a, o)| (a.id, *o)).collect::<Vec<_>>(), vec![(1, 1.0), (2, 1.0)]);
        let fading = shown.visible(14.5);
        assert!((fading[0].1 - 0.5).abs() < 1e-6, "{fading:?}");
        let later = shown.visible(15.5);
        assert_eq!(later.iter().map(|(a, _)| a.id).collect::<Vec<_>>(), vec![2]);
        assert!(shown.apply(&SessionEvent::AnnotationRemoved { id: 2 }));
        assert!(!shown.apply(&SessionEvent::AnnotationRemoved { id: 2 }));
        assert!(shown.is_empty());
    }

    #[test]
    fn a_flood_of_arrows_keeps_only_the_newest() {
        let mut shown = ShownAnnotations::default();
        for id in 0..1_000 {
            shown.apply(&SessionEvent::Annotation(arrow(id, 0)));
        }
        assert_eq!(shown.len(), MAX_SHOWN_ANNOTATIONS);
        assert_eq!(shown.newest().map(|a| a.id), Some(999));
        assert_eq!(shown.visible(0.0).first().map(|(a, _)| a.id), Some(1_000 - MAX_SHOWN_ANNOTATIONS as u64));
    }

    #[test]
    fn revoking_or_ending_wipes_them() {
        let mut shown = ShownAnnotations::default();
        shown.apply(&SessionEvent::Annotation(arrow(1, 0)));
        assert!(shown.apply(&SessionEvent::ConsentRevoked));
        shown.apply(&SessionEvent::Annotation(arrow(2, 0)));
        assert!(shown.apply(&SessionEvent::Ended { reason: EndReason::EngineerEnded, by_peer: true }));
        assert!(shown.is_empty());
    }
}
