//! Remote control input on the shared monitor, the pure part: where a remote pixel lies on the
//! user's desktop (the shared monitor only), and which keycode types a keysym on the user's
//! keyboard layout — with Shift when the keysym sits on the shifted level, or on a spare keycode
//! remapped to it when the layout has no key for it (as xdotool does: Chinese characters,
//! symbols of other layouts).

use super::PixelRect;

/// The X keyboard mapping: `keysyms_per_keycode` keysyms for each keycode from `min_keycode`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyboardMap {
    /// The first keycode described.
    pub min_keycode: u8,
    /// Keysyms per keycode (levels: plain, Shift, then group 2…).
    pub keysyms_per_keycode: u8,
    /// The keysyms, keycode after keycode.
    pub keysyms: Vec<u32>,
}

/// How to type one keysym.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyPlacement {
    /// The keycode to press.
    pub keycode: u8,
    /// Whether Shift must be held for it.
    pub shift: bool,
}

/// The keysym of left Shift (held for keysyms on the shifted level).
pub const SHIFT_L_KEYSYM: u32 = 0xffe1;

impl KeyboardMap {
    /// The keysyms of `keycode` (empty when it is outside the map).
    fn keysyms_of(&self, keycode: u8) -> &[u32] {
        let per = usize::from(self.keysyms_per_keycode);
        let Some(index) = keycode.checked_sub(self.min_keycode).map(usize::from) else { return &[] };
        self.keysyms.get(index * per..(index + 1) * per).unwrap_or(&[])
    }

    fn keycodes(&self) -> impl Iterator<Item = u8> + '_ {
        let count = self.keysyms.len() / usize::from(self.keysyms_per_keycode.max(1));
        (0..count).filter_map(|index| u8::try_from(usize::from(self.min_keycode) + index).ok())
    }

    /// Where `keysym` is on this layout: its plain level first, then the shifted one (the
    /// first group only: what the user's keyboard types without switching layouts).
    pub fn place(&self, keysym: u32) -> Option<KeyPlacement> {
        let plain = self.keycodes().find(|&keycode| self.keysyms_of(keycode).first() == Some(&keysym));
        if let Some(keycode) = plain {
            return Some(KeyPlacement { keycode, shift: false });
        }
        // A letter's upper case is often not listed (the server derives it): look for the lower.
        let lower = lower_case_latin(keysym);
        let shifted = self.keycodes().find(|&keycode| {
            let syms = self.keysyms_of(keycode);
            syms.get(1) == Some(&keysym) || (lower != keysym && syms.first() == Some(&lower))
        });
        shifted.map(|keycode| KeyPlacement { keycode, shift: true })
    }

    /// A keycode with no keysym at all (free to remap for a keysym the layout lacks), the
    /// highest such.
    pub fn spare_keycode(&self) -> Option<u8> {
        let free = self.keycodes().filter(|&keycode| self.keysyms_of(keycode).iter().all(|&sym| sym == 0));
        free.last()
    }

    /// Records that `keycode` now types `keysym` (after remapping it).
    pub fn remap(&mut self, keycode: u8, keysym: u32) {
        let per = usize::from(self.keysyms_per_keycode);
        let Some(index) = keycode.checked_sub(self.min_keycode).map(usize::from) else { return };
        if let Some(slots) = self.keysyms.get_mut(index * per..(index + 1) * per) {
            slots.iter_mut().enumerate().for_each(|(level, slot)| *slot = if level < 2 { keysym } else { 0 });
        }
    }
}

/// The lower-case keysym of an upper-case Latin-1 letter (A–Z, À–Þ except ×), else itself.
fn lower_case_latin(keysym: u32) -> u32 {
    match keysym {
        0x41..=0x5a | 0xc0..=0xd6 | 0xd8..=0xde => keysym + 0x20,
        _ => keysym,
    }
}

/// A remote pixel of the shared monitor as a desktop pixel (root window coordinates), clamped
/// to the monitor: input never lands on another monitor.
pub fn desktop_from_remote(monitor: PixelRect, x: u32, y: u32) -> (i16, i16) {
    let clamp = |origin: u32, offset: u32, size: u32| {
        let at = origin.saturating_add(offset.min(size.saturating_sub(1)));
        i16::try_from(at).unwrap_or(i16::MAX)
    };
    (clamp(monitor.x, x, monitor.width), clamp(monitor.y, y, monitor.height))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A German-like layout: keycode 10 = 1/!, 11 = z/Z (Z is where Y is in the US),
    /// 12 = a with no upper case listed, 13 = ö/Ö, 14 and 15 unused.
    fn layout() -> KeyboardMap {
        KeyboardMap {
            min_keycode: 10,
            keysyms_per_keycode: 2,
            keysyms: vec![0x31, 0x21, 0x7a, 0x5a, 0x61, 0, 0xf6, 0xd6, 0, 0, 0, 0],
        }
    }

    #[test]
    fn keysyms_are_found_on_their_level_of_the_users_layout() {
        let map = layout();
        assert_eq!(map.place(0x31), Some(KeyPlacement { keycode: 10, shift: false }));
        assert_eq!(map.place(0x21), Some(KeyPlacement { keycode: 10, shift: true }), "! is Shift+1");
        assert_eq!(map.place(0x5a), Some(KeyPlacement { keycode: 11, shift: true }));
        assert_eq!(map.place(0x41), Some(KeyPlacement { keycode: 12, shift: true }), "A from a");
        assert_eq!(map.place(0xd6), Some(KeyPlacement { keycode: 13, shift: true }), "Ö");
        assert_eq!(map.place(0x0100_4f60), None, "你 has no key");
    }

    #[test]
    fn a_keysym_without_a_key_goes_on_a_spare_keycode() {
        let mut map = layout();
        let spare = map.spare_keycode().unwrap();
        assert_eq!(spare, 15);
        map.remap(spare, 0x0100_4f60);
        assert_eq!(map.place(0x0100_4f60), Some(KeyPlacement { keycode: 15, shift: false }));
        assert_eq!(map.spare_keycode(), Some(14));
    }

    #[test]
    fn input_stays_on_the_shared_monitor() {
        let second = PixelRect { x: 1920, y: 0, width: 1280, height: 1024 };
        assert_eq!(desktop_from_remote(second, 10, 20), (1930, 20));
        assert_eq!(desktop_from_remote(second, 5_000, 5_000), (3199, 1023));
    }
}
