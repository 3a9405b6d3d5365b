//! Remote control input: what the engineer's pointer and keyboard did over the live view, in the
//! user's screen pixels and X keysyms, checked strictly before anything is applied.

use serde::{Deserialize, Serialize};

use super::message::MAX_SCREEN_SIDE;
use super::validation::ValidationError;

/// How long the user's own input keeps the engineer's input out, ms ("local input wins").
pub const CONTROL_TAKE_BACK_MS: i64 = 2_000;

/// Highest pointer button number (1 left, 2 middle, 3 right, 8/9 back/forward).
pub const MAX_POINTER_BUTTON: u8 = 9;

/// Largest wheel step of one event, notches either way.
pub const MAX_WHEEL_NOTCHES: i8 = 10;

/// Highest keysym accepted: the Unicode keysym range ends at `0x0110_FFFF`.
pub const MAX_KEYSYM: u32 = 0x0110_FFFF;

/// One input event of the engineer's, applied on the user's shared screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InputEvent {
    /// The pointer moved to this pixel of the shared screen.
    PointerMove {
        /// Column, remote screen pixels.
        x: u32,
        /// Row, remote screen pixels.
        y: u32,
    },
    /// A pointer button went down or up at this pixel.
    Button {
        /// Button number (1 left, 2 middle, 3 right, 8 back, 9 forward).
        button: u8,
        /// Pressed (`true`) or released.
        pressed: bool,
        /// Column, remote screen pixels.
        x: u32,
        /// Row, remote screen pixels.
        y: u32,
    },
    /// The wheel turned, notches (positive: down / right).
    Wheel {
        /// Horizontal notches.
        dx: i8,
        /// Vertical notches.
        dy: i8,
    },
    /// A key went down or up, as an X keysym (layout-independent: the user's side finds the
    /// keycode, or remaps a spare one).
    Key {
        /// The keysym (`XK_a` = 0x61, `XK_Return` = 0xff0d, Unicode `0x0100_0000 + code point`).
        keysym: u32,
        /// Pressed (`true`) or released.
        pressed: bool,
    },
}

/// Something still held down by the engineer's input, released when control stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HeldInput {
    /// A pointer button.
    Button(u8),
    /// A key, by keysym.
    Key(u32),
}

impl HeldInput {
    /// The event that lets it go.
    pub fn release(self) -> InputEvent {
        match self {
            HeldInput::Button(button) => InputEvent::Button { button, pressed: false, x: 0, y: 0 },
            HeldInput::Key(keysym) => InputEvent::Key { keysym, pressed: false },
        }
    }
}

impl InputEvent {
    /// Checks every field against what any screen and keyboard can produce.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let bad = |what: &'static str| Err(ValidationError::ImplausibleInput { what });
        match *self {
            InputEvent::PointerMove { x, y } | InputEvent::Button { x, y, .. }
                if x >= MAX_SCREEN_SIDE || y >= MAX_SCREEN_SIDE =>
            {
                bad("pointer position")
            }
            InputEvent::Button { button, .. } if button == 0 || button > MAX_POINTER_BUTTON => bad("button"),
            InputEvent::Wheel { dx, dy }
                if dx.unsigned_abs() > MAX_WHEEL_NOTCHES.unsigned_abs()
                    || dy.unsigned_abs() > MAX_WHEEL_NOTCHES.unsigned_abs()
                    || (dx == 0 && dy == 0) =>
            {
                bad("wheel step")
            }
            InputEvent::Key { keysym, .. } if keysym == 0 || keysym > MAX_KEYSYM => bad("keysym"),
            _ => Ok(()),
        }
    }

    /// The pixel it points at, if it has one.
    pub fn position(&self) -> Option<(u32, u32)> {
        match *self {
            InputEvent::PointerMove { x, y } => Some((x, y)),
            InputEvent::Button { x, y, pressed: true, .. } => Some((x, y)),
            _ => None,
        }
    }

    /// What it presses or lets go: `(held, pressed)`.
    pub fn hold_change(&self) -> Option<(HeldInput, bool)> {
        match *self {
            InputEvent::Button { button, pressed, .. } => Some((HeldInput::Button(button), pressed)),
            InputEvent::Key { keysym, pressed } => Some((HeldInput::Key(keysym), pressed)),
            _ => None,
        }
    }
}

/// Input counted per minute (the events themselves are never recorded: key presses may be
/// passwords).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InputTally {
    /// Start of the counted minute, unix ms (0: nothing counted yet).
    minute_start_ms: i64,
    count: u32,
}

impl InputTally {
    /// Counts one event at `now_ms`; returns the previous minute's `(start_ms, count)` when a
    /// new minute began.
    pub fn record(&mut self, now_ms: i64) -> Option<(i64, u32)> {
        let minute_start_ms = now_ms - now_ms.rem_euclid(60_000);
        let finished = (self.count > 0 && minute_start_ms != self.minute_start_ms).then(|| self.take());
        self.minute_start_ms = minute_start_ms;
        self.count = self.count.saturating_add(1);
        finished.flatten()
    }

    /// The minute counted so far, if any, and starts afresh.
    pub fn take(&mut self) -> Option<(i64, u32)> {
        let counted = (self.count > 0).then_some((self.minute_start_ms, self.count));
        self.count = 0;
        counted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impossible_events_are_refused() {
        assert!(InputEvent::PointerMove { x: 10, y: 10 }.validate().is_ok());
        assert!(InputEvent::PointerMove { x: MAX_SCREEN_SIDE, y: 0 }.validate().is_err());
        assert!(InputEvent::Button { button: 0, pressed: true, x: 1, y: 1 }.validate().is_err());
        assert!(InputEvent::Button { button: 10, pressed: true, x: 1, y: 1 }.validate().is_err());
        assert!(InputEvent::Button { button: 3, pressed: true, x: 1, y: 1 }.validate().is_ok());
        assert!(InputEvent::Wheel { dx: 0, dy: 0 }.validate().is_err());
        assert!(InputEvent::Wheel { dx: 0, dy: -11 }.validate().is_err());
        assert!(InputEvent::Wheel { dx: 0, dy: -3 }.validate().is_ok());
        assert!(InputEvent::Key { keysym: 0, pressed: true }.validate().is_err());
        assert!(InputEvent::Key { keysym: MAX_KEYSYM + 1, pressed: true }.validate().is_err());
        assert!(InputEvent::Key { keysym: 0x0100_4F60, pressed: true }.validate().is_ok(), "你 as a Unicode keysym");
    }

    #[test]
    fn the_tally_reports_each_finished_minute() {
        let mut tally = InputTally::default();
        assert_eq!(tally.record(60_000), None);
        assert_eq!(tally.record(119_999), None);
        assert_eq!(tally.record(120_000), Some((60_000, 2)));
        assert_eq!(tally.take(), Some((120_000, 1)));
        assert_eq!(tally.take(), None);
    }
}
