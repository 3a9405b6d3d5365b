//! Remote control input on X11: the engineer's events injected with the XTEST extension on the
//! shared monitor only, the user's own pointer and keys noticed (by polling where the pointer is
//! and which keys are down, apart from what the injection itself holds), and the take-back
//! hotkey Ctrl+Alt+Esc grabbed on the root window.

use std::collections::BTreeMap;

use x11rb::connection::{Connection, RequestConnection as _};
use x11rb::protocol::Event;
use x11rb::protocol::xproto::{self, ConnectionExt as _, GrabMode, ModMask};
use x11rb::protocol::xtest::{self, ConnectionExt as _};
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;

use super::PixelRect;
use super::input::{KeyboardMap, SHIFT_L_KEYSYM, desktop_from_remote};

/// The keysym of Escape (the take-back hotkey is Ctrl+Alt+Esc).
const ESCAPE_KEYSYM: u32 = 0xff1b;

/// The take-back hotkey as the bar names it.
pub const TAKE_BACK_HOTKEY: &str = "Ctrl+Alt+Esc";

/// Why input cannot be injected.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// No X display, or it lacks XTEST.
    #[error("remote control is not available on this display: {0}")]
    Unavailable(String),
    /// The X server refused a request or the connection broke.
    #[error("remote control input failed: {0}")]
    Failed(String),
}

fn failed(err: impl std::fmt::Display) -> InputError {
    InputError::Failed(err.to_string())
}

/// A key the injection holds down: its keycode and whether Shift was pressed for it.
#[derive(Clone, Copy, Debug)]
struct HeldKey {
    keycode: u8,
    shift: bool,
}

/// XTEST injection into one monitor, with local input detection and the take-back hotkey.
pub struct X11Injector {
    connection: RustConnection,
    root: xproto::Window,
    monitor: PixelRect,
    keyboard: KeyboardMap,
    shift_keycode: Option<u8>,
    escape_keycode: Option<u8>,
    /// Keys held by the injection, by keysym.
    held_keys: BTreeMap<u32, HeldKey>,
    /// Pointer buttons held by the injection (X button numbers).
    held_buttons: u16,
    /// Where the pointer is expected (last injected or last seen), desktop pixels.
    expected_pointer: Option<(i16, i16)>,
    /// Spare keycodes remapped for keysyms the layout lacks (given back when done).
    remapped: Vec<u8>,
}

impl X11Injector {
    /// Opens `display` (`None`: `DISPLAY`) for injecting into `monitor` (desktop pixels), and
    /// grabs the take-back hotkey.
    pub fn open(display: Option<&str>, monitor: PixelRect) -> Result<Self, InputError> {
        let (connection, screen) =
            RustConnection::connect(display).map_err(|err| InputError::Unavailable(err.to_string()))?;
        let has_xtest = connection.extension_information(xtest::X11_EXTENSION_NAME).map_err(failed)?.is_some();
        if !has_xtest {
            return Err(InputError::Unavailable("the X server lacks the XTEST extension".into()));
        }
        let setup = connection.setup();
        let root = setup.roots.get(screen).ok_or_else(|| failed("no such screen"))?.root;
        let (min_keycode, max_keycode) = (setup.min_keycode, setup.max_keycode);
        let mapping = connection
            .get_keyboard_mapping(min_keycode, max_keycode - min_keycode + 1)
            .map_err(failed)?
            .reply()
            .map_err(failed)?;
        let keyboard =
            KeyboardMap { min_keycode, keysyms_per_keycode: mapping.keysyms_per_keycode, keysyms: mapping.keysyms };
        let shift_keycode = keyboard.place(SHIFT_L_KEYSYM).map(|placement| placement.keycode);
        let escape_keycode = keyboard.place(ESCAPE_KEYSYM).map(|placement| placement.keycode);
        let mut injector = Self {
            connection,
            root,
            monitor,
            keyboard,
            shift_keycode,
            escape_keycode,
            held_keys: BTreeMap::new(),
            held_buttons: 0,
            expected_pointer: None,
            remapped: Vec::new(),
        };
        injector.grab_hotkey()?;
        injector.expected_pointer = Some(injector.pointer()?.0);
        Ok(injector)
    }

    /// Grabs Ctrl+Alt+Esc (with and without Caps Lock and Num Lock) on the root window.
    fn grab_hotkey(&self) -> Result<(), InputError> {
        let Some(escape) = self.escape_keycode else { return Ok(()) };
        let base = ModMask::CONTROL | ModMask::M1;
        for extra in [ModMask::from(0u16), ModMask::LOCK, ModMask::M2, ModMask::LOCK | ModMask::M2] {
            self.connection
                .grab_key(true, self.root, base | extra, escape, GrabMode::ASYNC, GrabMode::ASYNC)
                .map_err(failed)?;
        }
        self.connection.flush().map_err(failed)
    }

    fn fake(&self, kind: u8, detail: u8, at: Option<(i16, i16)>) -> Result<(), InputError> {
        let (x, y) = at.unwrap_or((0, 0));
        self.connection.xtest_fake_input(kind, detail, x11rb::CURRENT_TIME, self.root, x, y, 0).map_err(failed)?;
        Ok(())
    }

    fn move_to(&mut self, x: u32, y: u32) -> Result<(), InputError> {
        let at = desktop_from_remote(self.monitor, x, y);
        // Absolute motion on the root window.
        self.fake(xproto::MOTION_NOTIFY_EVENT, 0, Some(at))?;
        self.expected_pointer = Some(at);
        Ok(())
    }

    /// Injects into `monitor` (desktop pixels) from now on: the user switched the shared monitor.
    pub fn set_monitor(&mut self, monitor: PixelRect) {
        self.monitor = monitor;
    }

    /// Moves the pointer to remote pixel (`x`, `y`) of the shared monitor.
    pub fn move_pointer(&mut self, x: u32, y: u32) -> Result<(), InputError> {
        self.move_to(x, y)?;
        self.connection.flush().map_err(failed)
    }

    /// Presses (there, first moving the pointer) or releases pointer `button`.
    pub fn button(&mut self, button: u8, pressed: bool, x: u32, y: u32) -> Result<(), InputError> {
        if pressed {
            self.move_to(x, y)?;
            self.fake(xproto::BUTTON_PRESS_EVENT, button, None)?;
            self.held_buttons |= button_bit(button);
        } else {
            self.fake(xproto::BUTTON_RELEASE_EVENT, button, None)?;
            self.held_buttons &= !button_bit(button);
        }
        self.connection.flush().map_err(failed)
    }

    /// Turns the wheel `dx` / `dy` notches (positive: right / down).
    pub fn wheel(&mut self, dx: i8, dy: i8) -> Result<(), InputError> {
        for (notches, negative, positive) in [(dy, 4u8, 5u8), (dx, 6, 7)] {
            let button = if notches < 0 { negative } else { positive };
            for _ in 0..notches.unsigned_abs() {
                self.fake(xproto::BUTTON_PRESS_EVENT, button, None)?;
                self.fake(xproto::BUTTON_RELEASE_EVENT, button, None)?;
            }
        }
        self.connection.flush().map_err(failed)
    }

    /// Presses or releases the key that types `keysym` on the user's layout.
    pub fn key(&mut self, keysym: u32, pressed: bool) -> Result<(), InputError> {
        if pressed {
            self.press_key(keysym)?;
        } else {
            self.release_key(keysym)?;
        }
        self.connection.flush().map_err(failed)
    }

    fn press_key(&mut self, keysym: u32) -> Result<(), InputError> {
        if self.held_keys.contains_key(&keysym) {
            // A repeat: press again without a second Shift.
            let held = self.held_keys[&keysym];
            return self.fake(xproto::KEY_PRESS_EVENT, held.keycode, None);
        }
        let placement = match self.keyboard.place(keysym) {
            Some(placement) => placement,
            None => self.remap_spare(keysym)?,
        };
        let shift = placement.shift && self.shift_keycode.is_some() && !self.held_keys.contains_key(&SHIFT_L_KEYSYM);
        if shift && let Some(shift_keycode) = self.shift_keycode {
            self.fake(xproto::KEY_PRESS_EVENT, shift_keycode, None)?;
        }
        self.fake(xproto::KEY_PRESS_EVENT, placement.keycode, None)?;
        self.held_keys.insert(keysym, HeldKey { keycode: placement.keycode, shift });
        Ok(())
    }

    fn release_key(&mut self, keysym: u32) -> Result<(), InputError> {
        let Some(held) = self.held_keys.remove(&keysym) else { return Ok(()) };
        self.fake(xproto::KEY_RELEASE_EVENT, held.keycode, None)?;
        if held.shift
            && let Some(shift_keycode) = self.shift_keycode
        {
            self.fake(xproto::KEY_RELEASE_EVENT, shift_keycode, None)?;
        }
        Ok(())
    }

    /// Maps a spare keycode to `keysym` (the layout has no key for it).
    fn remap_spare(&mut self, keysym: u32) -> Result<super::input::KeyPlacement, InputError> {
        let held: Vec<u8> = self.held_keys.values().map(|held| held.keycode).collect();
        // A free keycode, else the one remapped longest ago that no key holds.
        let spare = self
            .keyboard
            .spare_keycode()
            .filter(|keycode| !held.contains(keycode))
            .or_else(|| self.remapped.iter().copied().find(|keycode| !held.contains(keycode)))
            .ok_or_else(|| failed("no free keycode to type this character"))?;
        self.remapped.retain(|keycode| *keycode != spare);
        self.connection.change_keyboard_mapping(1, spare, 2, &[keysym, keysym]).map_err(failed)?;
        self.connection.sync().map_err(failed)?;
        self.keyboard.remap(spare, keysym);
        self.remapped.push(spare);
        Ok(super::input::KeyPlacement { keycode: spare, shift: false })
    }

    /// Lets go of every key and button the injection holds (control ended).
    pub fn release_all(&mut self) -> Result<(), InputError> {
        let keysyms: Vec<u32> = self.held_keys.keys().copied().collect();
        for keysym in keysyms {
            self.release_key(keysym)?;
        }
        for button in 1..=9u8 {
            if self.held_buttons & button_bit(button) != 0 {
                self.fake(xproto::BUTTON_RELEASE_EVENT, button, None)?;
            }
        }
        self.held_buttons = 0;
        self.connection.flush().map_err(failed)
    }

    fn pointer(&self) -> Result<((i16, i16), u16), InputError> {
        let reply = self.connection.query_pointer(self.root).map_err(failed)?.reply().map_err(failed)?;
        Ok(((reply.root_x, reply.root_y), u16::from(reply.mask)))
    }

    /// Whether the user used their own pointer or keyboard since the last look: the pointer is
    /// not where the injection left it, or a button or key is down that the injection does not
    /// hold.
    pub fn local_input(&mut self) -> Result<bool, InputError> {
        let (at, mask) = self.pointer()?;
        let moved = self.expected_pointer.is_some_and(|expected| expected != at);
        self.expected_pointer = Some(at);
        // Button1Mask … Button5Mask are bits 8–12.
        let buttons_down = mask & 0x1f00;
        let ours = (1..=5u8).filter(|b| self.held_buttons & button_bit(*b) != 0).fold(0u16, |m, b| m | 1 << (7 + b));
        let foreign_button = buttons_down & !ours != 0;
        let keys = self.connection.query_keymap().map_err(failed)?.reply().map_err(failed)?.keys;
        let ours: Vec<u8> = self.held_keys.values().flat_map(|held| held_keycodes(held, self.shift_keycode)).collect();
        let foreign_key = (0..=255u8)
            .any(|keycode| keys[usize::from(keycode / 8)] & (1 << (keycode % 8)) != 0 && !ours.contains(&keycode));
        Ok(moved || foreign_button || foreign_key)
    }

    /// Whether the take-back hotkey was pressed since the last look.
    pub fn hotkey_pressed(&mut self) -> Result<bool, InputError> {
        let mut pressed = false;
        while let Some(event) = self.connection.poll_for_event().map_err(failed)? {
            if let Event::KeyPress(key) = event
                && Some(key.detail) == self.escape_keycode
            {
                pressed = true;
            }
        }
        Ok(pressed)
    }
}

impl Drop for X11Injector {
    /// Lets go of what is held and gives the remapped keycodes back (the user's layout as it was).
    fn drop(&mut self) {
        let _ = self.release_all();
        for keycode in std::mem::take(&mut self.remapped) {
            let _ = self.connection.change_keyboard_mapping(1, keycode, 2, &[0, 0]);
        }
        let _ = self.connection.flush();
    }
}

fn held_keycodes(held: &HeldKey, shift_keycode: Option<u8>) -> Vec<u8> {
    let mut keycodes = vec![held.keycode];
    if held.shift {
        keycodes.extend(shift_keycode);
    }
    keycodes
}

fn button_bit(button: u8) -> u16 {
    1u16.checked_shl(u32::from(button)).unwrap_or(0)
}
