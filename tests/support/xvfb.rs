//! A private X server (Xvfb) for tests that need a real display. Where Xvfb is not installed the
//! tests skip, unless `STEPWISE_REQUIRE_XVFB` is set (CI sets it: there they cannot skip).

#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use x11rb::protocol::xproto::{ConnectionExt as _, ImageFormat};
use x11rb::rust_connection::RustConnection;

/// A private X server, killed when dropped.
pub struct PrivateX {
    child: Child,
    /// Its display name, e.g. `:312`.
    pub display: String,
}

impl PrivateX {
    /// Starts one (640 × 480, 24 bits), or `None` where Xvfb is missing.
    pub fn start() -> Option<Self> {
        let found = Command::new("Xvfb").arg("-help").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
        if !found {
            assert!(std::env::var_os("STEPWISE_REQUIRE_XVFB").is_none(), "Xvfb is required here but missing");
            eprintln!("Xvfb is not installed: overlay test skipped");
            return None;
        }
        // Each test of this binary takes its own range of display numbers.
        static NEXT_RANGE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let range = NEXT_RANGE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let first = 300 + (std::process::id() % 100) * 50 + range * 10;
        for number in first..first + 10 {
            if std::path::Path::new(&format!("/tmp/.X{number}-lock")).exists() {
                continue;
            }
            let display = format!(":{number}");
            let child = Command::new("Xvfb")
                .args([display.as_str(), "-screen", "0", "640x480x24", "-nolisten", "tcp", "-br", "-noreset"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start Xvfb");
            let mut server = Self { child, display };
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if RustConnection::connect(Some(&server.display)).is_ok() {
                    return Some(server);
                }
                if server.child.try_wait().ok().flatten().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = server.child.kill();
        }
        panic!("no Xvfb display could be started");
    }
}

impl Drop for PrivateX {
    fn drop(&mut self) {
        // SIGTERM lets the server remove its lock file; SIGKILL would leave it behind.
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // SAFETY: signalling our own child process.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
        }
        let _ = self.child.wait();
    }
}

/// The colour of one pixel of the root window, RGB.
pub fn pixel(connection: &RustConnection, root: u32, x: i16, y: i16) -> [u8; 3] {
    let image = connection
        .get_image(ImageFormat::Z_PIXMAP, root, x, y, 1, 1, !0)
        .expect("get_image")
        .reply()
        .expect("image reply");
    // BGRX on a 24-bit little-endian visual.
    [image.data[2], image.data[1], image.data[0]]
}

/// Polls `check` until it holds, for at most 5 s.
pub fn wait_for(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("timed out waiting for {what}");
}
