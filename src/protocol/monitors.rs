//! The user's monitors, as announced to the engineer while the screen is shared: names and
//! geometry (desktop pixels) and which one is shared, so the engineer can ask for another one
//! (the user confirms; nothing switches by itself).

use serde::{Deserialize, Serialize};

use super::validation::{TextField, ValidationError, check_length, check_screen_size};

/// Most monitors a user side may announce.
pub const MAX_MONITORS: usize = 16;
/// Longest monitor name (RandR output name such as `HDMI-1`), in characters.
pub const MAX_MONITOR_NAME_CHARS: usize = 64;
/// Farthest a monitor may lie from the desktop origin, pixels (any side).
pub const MAX_MONITOR_OFFSET: i32 = 65_536;

/// One monitor of the user's desktop.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorInfo {
    /// The system's name for it (e.g. `HDMI-1`); may be empty.
    pub name: String,
    /// Left edge on the desktop, pixels.
    pub x: i32,
    /// Top edge on the desktop, pixels.
    pub y: i32,
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
}

/// The user's monitors and which one is shared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorList {
    /// Every monitor, in the system's order (at most [`MAX_MONITORS`]).
    pub monitors: Vec<MonitorInfo>,
    /// The index of the shared monitor in `monitors`.
    pub shared: u32,
}

impl MonitorList {
    /// The monitor at `index`, if there is one.
    pub fn get(&self, index: u32) -> Option<&MonitorInfo> {
        self.monitors.get(usize::try_from(index).ok()?)
    }

    /// Checks the count, each name's length and geometry, and that `shared` is in the list.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let count = self.monitors.len();
        if count == 0 || count > MAX_MONITORS {
            return Err(ValidationError::MonitorCount { count });
        }
        for monitor in &self.monitors {
            check_length(TextField::MonitorName, &monitor.name, MAX_MONITOR_NAME_CHARS)?;
            check_screen_size(monitor.width, monitor.height)?;
            if monitor.x.unsigned_abs() > MAX_MONITOR_OFFSET.unsigned_abs()
                || monitor.y.unsigned_abs() > MAX_MONITOR_OFFSET.unsigned_abs()
            {
                return Err(ValidationError::ImplausibleMonitorPosition { x: monitor.x, y: monitor.y });
            }
        }
        check_monitor_index(self.shared)?;
        if self.get(self.shared).is_none() {
            return Err(ValidationError::MonitorOutOfRange { index: self.shared, count });
        }
        Ok(())
    }
}

/// Refuses a monitor index no list can hold (at least [`MAX_MONITORS`]).
pub fn check_monitor_index(index: u32) -> Result<(), ValidationError> {
    if usize::try_from(index).map_or(true, |index| index >= MAX_MONITORS) {
        return Err(ValidationError::MonitorOutOfRange { index, count: MAX_MONITORS });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn monitor(name: &str, x: i32) -> MonitorInfo {
        MonitorInfo { name: name.into(), x, y: 0, width: 1920, height: 1080 }
    }

    #[test]
    fn a_plain_list_is_valid() {
        let list = MonitorList { monitors: vec![monitor("eDP-1", 0), monitor("HDMI-1", 1920)], shared: 1 };
        assert_eq!(list.validate(), Ok(()));
        assert_eq!(list.get(1).map(|m| m.name.as_str()), Some("HDMI-1"));
        assert_eq!(list.get(2), None);
    }

    #[test]
    fn bad_lists_are_refused_with_their_reason() {
        let empty = MonitorList { monitors: Vec::new(), shared: 0 };
        assert_eq!(empty.validate(), Err(ValidationError::MonitorCount { count: 0 }));
        let many = MonitorList { monitors: vec![monitor("m", 0); MAX_MONITORS + 1], shared: 0 };
        assert_eq!(many.validate(), Err(ValidationError::MonitorCount { count: MAX_MONITORS + 1 }));
        let long_name = MonitorList { monitors: vec![monitor(&"x".repeat(65), 0)], shared: 0 };
        assert!(matches!(long_name.validate(), Err(ValidationError::TooLong { field: TextField::MonitorName, .. })));
        let shared_missing = MonitorList { monitors: vec![monitor("a", 0)], shared: 1 };
        assert_eq!(shared_missing.validate(), Err(ValidationError::MonitorOutOfRange { index: 1, count: 1 }));
        let far = MonitorList { monitors: vec![monitor("a", i32::MIN)], shared: 0 };
        assert!(matches!(far.validate(), Err(ValidationError::ImplausibleMonitorPosition { .. })));
        let zero = MonitorList { monitors: vec![MonitorInfo { width: 0, ..monitor("a", 0) }], shared: 0 };
        assert!(matches!(zero.validate(), Err(ValidationError::ImplausibleScreen { .. })));
        assert!(check_monitor_index(u32::MAX).is_err());
        assert_eq!(check_monitor_index(3), Ok(()));
    }
}
