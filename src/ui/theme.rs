//! Colours and small visual constants, in one place.

use egui::Color32;

use crate::store::Priority;
use crate::store::sla::SlaLevel;

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
