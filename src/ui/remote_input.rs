//! The engineer's pointer and keyboard over the live view, turned into remote control input:
//! viewer points become remote pixels through [`ViewMapping`], keys become X keysyms. Text
//! (typed characters, input-method commits such as Chinese) travels as the characters' keysyms,
//! so the user's keyboard layout decides nothing; keys that type nothing (Enter, arrows, F-keys)
//! and shortcuts (Ctrl/Alt/Super + key) travel as keys with their modifiers around them.

use egui::{Event, Key, Modifiers, MouseWheelUnit, PointerButton, Pos2, Vec2};

use super::coords::ViewMapping;
use crate::protocol::InputEvent;

/// X keysyms of the keys the translation and the special-key menu use.
pub mod keysym {
    /// Left Shift.
    pub const SHIFT_L: u32 = 0xffe1;
    /// Left Control.
    pub const CONTROL_L: u32 = 0xffe3;
    /// Left Alt.
    pub const ALT_L: u32 = 0xffe9;
    /// Left Super (the Windows key).
    pub const SUPER_L: u32 = 0xffeb;
    /// Escape.
    pub const ESCAPE: u32 = 0xff1b;
    /// Tab.
    pub const TAB: u32 = 0xff09;
    /// Delete.
    pub const DELETE: u32 = 0xffff;
    /// Return.
    pub const RETURN: u32 = 0xff0d;
}

/// Points of smooth scrolling that make one wheel notch.
const POINTS_PER_NOTCH: f32 = 50.0;

/// A special key combination from the engineer's menu (keys the console's own desktop would
/// otherwise take).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpecialKeys {
    /// Ctrl+Alt+Del.
    CtrlAltDel,
    /// The Super (Windows) key alone.
    Super,
    /// Alt+Tab.
    AltTab,
    /// Escape.
    Escape,
}

impl SpecialKeys {
    /// Every combination, in menu order.
    pub const ALL: [SpecialKeys; 4] = [Self::CtrlAltDel, Self::Super, Self::AltTab, Self::Escape];

    /// The keys pressed in order, then released in reverse order.
    pub fn events(self) -> Vec<InputEvent> {
        let keys: &[u32] = match self {
            Self::CtrlAltDel => &[keysym::CONTROL_L, keysym::ALT_L, keysym::DELETE],
            Self::Super => &[keysym::SUPER_L],
            Self::AltTab => &[keysym::ALT_L, keysym::TAB],
            Self::Escape => &[keysym::ESCAPE],
        };
        press_release(keys)
    }
}

fn press_release(keys: &[u32]) -> Vec<InputEvent> {
    let presses = keys.iter().map(|&keysym| InputEvent::Key { keysym, pressed: true });
    let releases = keys.iter().rev().map(|&keysym| InputEvent::Key { keysym, pressed: false });
    presses.chain(releases).collect()
}

/// Turns the egui events of one frame into input for the user's screen; keeps the scrolling
/// left over between frames.
#[derive(Clone, Debug, Default)]
pub struct RemoteInputTranslator {
    wheel_rest: Vec2,
    last_pixel: Option<(u32, u32)>,
}

impl RemoteInputTranslator {
    /// The input in `events`: pointer events only inside the picture (`mapping.shown`), keys
    /// and text only when `keyboard` (the picture has the focus).
    pub fn translate(&mut self, events: &[Event], mapping: &ViewMapping, keyboard: bool) -> Vec<InputEvent> {
        let mut out = Vec::new();
        for event in events {
            match event {
                Event::PointerMoved(pos) if mapping.shown.contains(*pos) => {
                    let pixel = remote_pixel(mapping, *pos);
                    if self.last_pixel != Some(pixel) {
                        self.last_pixel = Some(pixel);
                        out.push(InputEvent::PointerMove { x: pixel.0, y: pixel.1 });
                    }
                }
                Event::PointerButton { pos, button, pressed, .. } if mapping.shown.contains(*pos) || !pressed => {
                    let (x, y) = remote_pixel(mapping, *pos);
                    out.push(InputEvent::Button { button: x_button(*button), pressed: *pressed, x, y });
                }
                Event::MouseWheel { unit, delta, .. } if self.last_pixel.is_some() => {
                    self.wheel(*unit, *delta, &mut out);
                }
                Event::Text(text) if keyboard => text_events(text, &mut out),
                Event::Ime(egui::ImeEvent::Commit(text)) if keyboard => text_events(text, &mut out),
                Event::Key { key, pressed, modifiers, repeat, .. } if keyboard => {
                    key_events(*key, *pressed, *repeat, *modifiers, &mut out);
                }
                _ => {}
            }
        }
        out
    }

    fn wheel(&mut self, unit: MouseWheelUnit, delta: Vec2, out: &mut Vec<InputEvent>) {
        let notches = match unit {
            MouseWheelUnit::Line => delta,
            MouseWheelUnit::Page => delta * 3.0,
            MouseWheelUnit::Point => delta / POINTS_PER_NOTCH,
        } + self.wheel_rest;
        let whole = |value: f32| value.trunc().clamp(-10.0, 10.0);
        let (dx, dy) = (whole(notches.x), whole(notches.y));
        self.wheel_rest = Vec2::new(notches.x - dx, notches.y - dy);
        // egui's delta moves the content; the wheel turns the other way.
        let (dx, dy) = (-dx as i8, -dy as i8);
        if dx != 0 || dy != 0 {
            out.push(InputEvent::Wheel { dx, dy });
        }
    }
}

fn remote_pixel(mapping: &ViewMapping, pos: Pos2) -> (u32, u32) {
    let pixel = mapping.viewer_to_remote(pos);
    (pixel.x, pixel.y)
}

/// The X button number of an egui pointer button.
fn x_button(button: PointerButton) -> u8 {
    match button {
        PointerButton::Primary => 1,
        PointerButton::Middle => 2,
        PointerButton::Secondary => 3,
        PointerButton::Extra1 => 8,
        PointerButton::Extra2 => 9,
    }
}

/// The keysym of a character: Latin-1 as itself, anything else in the Unicode keysym range.
pub fn char_keysym(character: char) -> Option<u32> {
    let code = u32::from(character);
    match code {
        0x20..=0x7e | 0xa0..=0xff => Some(code),
        _ if character.is_control() => None,
        _ => Some(0x0100_0000 + code),
    }
}

fn text_events(text: &str, out: &mut Vec<InputEvent>) {
    for keysym in text.chars().filter_map(char_keysym) {
        out.push(InputEvent::Key { keysym, pressed: true });
        out.push(InputEvent::Key { keysym, pressed: false });
    }
}

/// The keysym of a key that types nothing, if it is one.
fn command_keysym(key: Key) -> Option<u32> {
    Some(match key {
        Key::ArrowDown => 0xff54,
        Key::ArrowLeft => 0xff51,
        Key::ArrowRight => 0xff53,
        Key::ArrowUp => 0xff52,
        Key::Escape => keysym::ESCAPE,
        Key::Tab => keysym::TAB,
        Key::Backspace => 0xff08,
        Key::Enter => keysym::RETURN,
        Key::Insert => 0xff63,
        Key::Delete => keysym::DELETE,
        Key::Home => 0xff50,
        Key::End => 0xff57,
        Key::PageUp => 0xff55,
        Key::PageDown => 0xff56,
        _ => {
            let name = key.name();
            let number = name.strip_prefix('F').and_then(|n| n.parse::<u32>().ok())?;
            // F1 = 0xffbe … F35.
            return (1..=35).contains(&number).then(|| 0xffbe + number - 1);
        }
    })
}

/// The keysym of a key pressed with Ctrl, Alt or Super (letters, digits, punctuation).
fn shortcut_keysym(key: Key) -> Option<u32> {
    let symbol = key.symbol_or_name();
    let mut chars = symbol.chars();
    let (Some(character), None) = (chars.next(), chars.next()) else { return None };
    char_keysym(character.to_ascii_lowercase())
}

fn modifier_keysyms(modifiers: Modifiers) -> Vec<u32> {
    let mut keys = Vec::new();
    if modifiers.ctrl {
        keys.push(keysym::CONTROL_L);
    }
    if modifiers.alt {
        keys.push(keysym::ALT_L);
    }
    if modifiers.mac_cmd {
        keys.push(keysym::SUPER_L);
    }
    if modifiers.shift {
        keys.push(keysym::SHIFT_L);
    }
    keys
}

fn key_events(key: Key, pressed: bool, repeat: bool, modifiers: Modifiers, out: &mut Vec<InputEvent>) {
    let shortcut = modifiers.ctrl || modifiers.alt || modifiers.mac_cmd;
    let Some(keysym) = command_keysym(key).or_else(|| shortcut.then(|| shortcut_keysym(key)).flatten()) else {
        // Typed text arrives as text (with the layout and input method applied).
        return;
    };
    let mods = modifier_keysyms(modifiers);
    if pressed {
        if !repeat {
            out.extend(mods.iter().map(|&keysym| InputEvent::Key { keysym, pressed: true }));
        }
        out.push(InputEvent::Key { keysym, pressed: true });
    } else {
        out.push(InputEvent::Key { keysym, pressed: false });
        out.extend(mods.iter().rev().map(|&keysym| InputEvent::Key { keysym, pressed: false }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::{Rect, pos2, vec2};

    fn mapping() -> ViewMapping {
        // A 1920×1080 screen shown at half size at (100, 50).
        ViewMapping {
            shown: Rect::from_min_size(pos2(100.0, 50.0), vec2(960.0, 540.0)),
            remote_width: 1920,
            remote_height: 1080,
        }
    }

    fn key(key: Key, pressed: bool, modifiers: Modifiers) -> Event {
        Event::Key { key, physical_key: None, pressed, repeat: false, modifiers }
    }

    #[test]
    fn pointer_events_land_on_remote_pixels_and_only_over_the_picture() {
        let mut translator = RemoteInputTranslator::default();
        let events = [
            Event::PointerMoved(pos2(10.0, 10.0)),
            Event::PointerMoved(pos2(580.0, 320.0)),
            Event::PointerButton {
                pos: pos2(580.0, 320.0),
                button: PointerButton::Secondary,
                pressed: true,
                modifiers: Modifiers::NONE,
            },
        ];
        let out = translator.translate(&events, &mapping(), false);
        assert_eq!(
            out,
            vec![
                InputEvent::PointerMove { x: 960, y: 540 },
                InputEvent::Button { button: 3, pressed: true, x: 960, y: 540 }
            ]
        );
    }

    #[test]
    fn chinese_text_and_shortcuts_become_keysyms() {
        let mut translator = RemoteInputTranslator::default();
        let events = [
            Event::Ime(egui::ImeEvent::Commit("你好".into())),
            key(Key::C, true, Modifiers::CTRL),
            key(Key::C, false, Modifiers::CTRL),
            // A letter typed without a modifier comes as text, not twice.
            key(Key::A, true, Modifiers::NONE),
            Event::Text("a".into()),
            key(Key::Enter, true, Modifiers::NONE),
        ];
        let out = translator.translate(&events, &mapping(), true);
        let keys: Vec<(u32, bool)> = out
            .iter()
            .map(|event| match event {
                InputEvent::Key { keysym, pressed } => (*keysym, *pressed),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(
            keys,
            vec![
                (0x0100_4f60, true),
                (0x0100_4f60, false),
                (0x0100_597d, true),
                (0x0100_597d, false),
                (keysym::CONTROL_L, true),
                (0x63, true),
                (0x63, false),
                (keysym::CONTROL_L, false),
                (0x61, true),
                (0x61, false),
                (keysym::RETURN, true),
            ]
        );
        assert!(translator.translate(&events, &mapping(), false).is_empty(), "no keys without focus");
    }

    #[test]
    fn smooth_scrolling_adds_up_to_notches() {
        let mut translator = RemoteInputTranslator::default();
        let moved = [Event::PointerMoved(pos2(200.0, 200.0))];
        translator.translate(&moved, &mapping(), false);
        let wheel = |y: f32| Event::MouseWheel {
            unit: MouseWheelUnit::Point,
            delta: vec2(0.0, y),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
            modifiers: Modifiers::NONE,
        };
        assert!(translator.translate(&[wheel(-30.0)], &mapping(), false).is_empty());
        assert_eq!(translator.translate(&[wheel(-30.0)], &mapping(), false), vec![InputEvent::Wheel { dx: 0, dy: 1 }]);
    }

    #[test]
    fn ctrl_alt_del_presses_then_releases_in_reverse() {
        let events = SpecialKeys::CtrlAltDel.events();
        assert_eq!(events.len(), 6);
        assert_eq!(events[0], InputEvent::Key { keysym: keysym::CONTROL_L, pressed: true });
        assert_eq!(events[5], InputEvent::Key { keysym: keysym::CONTROL_L, pressed: false });
    }
}
