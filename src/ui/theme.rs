//! Colours and small visual constants, in one place.

use egui::Color32;

use crate::model::Priority;
use crate::model::SlaLevel;

/// Badge colour of a priority.
pub fn priority_color(priority: Priority) -> Color32 {
    match priority {
        Priority::Urgent => Color32::from_rgb(0xd6, 0x3b, 0x3b),
        Priority::Important => Color32::from_rgb(0xe0, 0x8a, 0x1e),
        Priority::Normal => Color32::from_rgb(0x4a, 0x7f, 0xb5),
    }
}

/// Text colour of an SLA countdown; `None` keeps the default.
pub fn sla_color(level: SlaLevel, paused: bool) -> Option<Color32> {
    if paused {
        return Some(Color32::from_rgb(0x8a, 0x8a, 0x8a));
    }
    match level {
        SlaLevel::OnTrack => None,
        SlaLevel::AtRisk => Some(Color32::from_rgb(0xe0, 0x8a, 0x1e)),
        SlaLevel::Breached => Some(Color32::from_rgb(0xe0, 0x40, 0x40)),
    }
}

/// Black or white, whichever reads better on `fill` (WCAG contrast): white on yellow cannot be read.
pub fn text_on(fill: Color32) -> Color32 {
    if contrast_ratio(Color32::BLACK, fill) >= contrast_ratio(Color32::WHITE, fill) {
        Color32::BLACK
    } else {
        Color32::WHITE
    }
}

/// WCAG 2 relative luminance of an opaque colour, 0 (black) to 1 (white).
fn relative_luminance(color: Color32) -> f32 {
    let linear = |channel: u8| {
        let c = f32::from(channel) / 255.0;
        if c <= 0.040_45 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * linear(color.r()) + 0.7152 * linear(color.g()) + 0.0722 * linear(color.b())
}

/// WCAG 2 contrast ratio of two opaque colours, 1 to 21 (4.5 is the minimum for body text).
pub fn contrast_ratio(a: Color32, b: Color32) -> f32 {
    let (la, lb) = (relative_luminance(a), relative_luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// Colour of error messages.
pub const ERROR: Color32 = Color32::from_rgb(0xe0, 0x50, 0x50);
/// Colour of warnings (reconnecting, paused).
pub const WARNING: Color32 = Color32::from_rgb(0xe0, 0x8a, 0x1e);
/// Colour of what a session's user claims about themselves (their name): never the engineer's.
pub const USER_CLAIM: Color32 = Color32::from_rgb(0x8e, 0x6c, 0xc4);
/// Colour of success messages.
pub const SUCCESS: Color32 = Color32::from_rgb(0x3c, 0xa0, 0x5a);
/// Height of one sidebar row, points.
pub const SIDEBAR_ROW_HEIGHT: f32 = 64.0;
/// Width of the sidebar, points.
pub const SIDEBAR_WIDTH: f32 = 380.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn badge_text_is_readable_on_every_priority() {
        for priority in Priority::ALL {
            let fill = priority_color(*priority);
            let ratio = contrast_ratio(text_on(fill), fill);
            assert!(ratio >= 4.5, "{priority:?}: contrast {ratio:.2} is below 4.5");
        }
        assert!((contrast_ratio(Color32::WHITE, Color32::BLACK) - 21.0).abs() < 0.01, "black on white is 21:1");
    }
}
