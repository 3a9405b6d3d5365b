//! A tiny X client for the remote control benchmark and tests: one window that counts the
//! button presses it receives and turns from black to white (and back) on each, so a click
//! injected on the user's display can be seen both by the window and in the shared screen.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use x11rb::connection::Connection;
use x11rb::protocol::Event;
use x11rb::protocol::xproto::{ConnectionExt as _, CreateWindowAux, EventMask, WindowClass};
use x11rb::rust_connection::RustConnection;

use super::PixelRect;
use super::x11_input::InputError;

/// The click-counting window; closed when dropped.
pub struct ClickTarget {
    presses: Arc<AtomicU32>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

fn failed(err: impl std::fmt::Display) -> InputError {
    InputError::Failed(err.to_string())
}

impl ClickTarget {
    /// Opens the window over `area` of `display` (`None`: `DISPLAY`), black, and returns once
    /// it is mapped.
    pub fn open(display: Option<&str>, area: PixelRect) -> Result<Self, InputError> {
        let (connection, screen) =
            RustConnection::connect(display).map_err(|err| InputError::Unavailable(err.to_string()))?;
        let screen = connection.setup().roots.get(screen).ok_or_else(|| failed("no such screen"))?.clone();
        let window = connection.generate_id().map_err(failed)?;
        let side = |value: u32| u16::try_from(value.max(1)).unwrap_or(u16::MAX);
        let at = |value: u32| i16::try_from(value).unwrap_or(i16::MAX);
        let aux = CreateWindowAux::new()
            .background_pixel(screen.black_pixel)
            .override_redirect(1)
            .event_mask(EventMask::BUTTON_PRESS | EventMask::EXPOSURE);
        connection
            .create_window(
                x11rb::COPY_DEPTH_FROM_PARENT,
                window,
                screen.root,
                at(area.x),
                at(area.y),
                side(area.width),
                side(area.height),
                0,
                WindowClass::INPUT_OUTPUT,
                0,
                &aux,
            )
            .map_err(failed)?;
        connection.map_window(window).map_err(failed)?;
        connection.get_input_focus().map_err(failed)?.reply().map_err(failed)?;
        let presses = Arc::new(AtomicU32::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let colours = [screen.black_pixel, screen.white_pixel];
        let (counted, stopping) = (presses.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("stepwise-click-target".into())
            .spawn(move || {
                while !stopping.load(Ordering::Relaxed) {
                    let event = match connection.poll_for_event() {
                        Ok(event) => event,
                        Err(_) => break,
                    };
                    let Some(event) = event else {
                        std::thread::sleep(Duration::from_millis(1));
                        continue;
                    };
                    if let Event::ButtonPress(_) = event {
                        let count = counted.fetch_add(1, Ordering::Relaxed) + 1;
                        let colour = colours[(count % 2) as usize];
                        let aux = x11rb::protocol::xproto::ChangeWindowAttributesAux::new().background_pixel(colour);
                        let repainted = connection
                            .change_window_attributes(window, &aux)
                            .and_then(|_| connection.clear_area(false, window, 0, 0, 0, 0))
                            .and_then(|_| connection.flush());
                        if repainted.is_err() {
                            break;
                        }
                    }
                }
            })
            .map_err(failed)?;
        Ok(Self { presses, stop, thread: Some(thread) })
    }

    /// Button presses the window received so far.
    pub fn presses(&self) -> u32 {
        self.presses.load(Ordering::Relaxed)
    }
}

impl Drop for ClickTarget {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
