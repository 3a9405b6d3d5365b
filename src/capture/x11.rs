//! The live screen on X11: grabs through MIT-SHM (≈ 0.5 ms for 1080p), only when the DAMAGE
//! extension reported a change and only the changed part (the damage region, taken atomically
//! through XFixes, as one bounding rectangle), for one monitor (RandR) or the whole root window.

use x11rb::connection::{Connection, RequestConnection as _};
use x11rb::protocol::Event;
use x11rb::protocol::damage::{self, ConnectionExt as _};
use x11rb::protocol::randr::{self, ConnectionExt as _};
use x11rb::protocol::shm::{self, ConnectionExt as _};
use x11rb::protocol::xfixes::{self, ConnectionExt as _};
use x11rb::protocol::xproto::{self, ConnectionExt as _, ImageFormat};
use x11rb::rust_connection::RustConnection;

use super::{CaptureError, DisplayMonitor, PixelRect, ScreenImage, ScreenSource, SourceLabel};

fn failed(err: impl std::fmt::Display) -> CaptureError {
    CaptureError::Failed(err.to_string())
}

/// Whether an X11 display with MIT-SHM and DAMAGE is reachable.
pub fn probe() -> Result<(), CaptureError> {
    if std::env::var_os("DISPLAY").is_none() {
        let wayland = std::env::var_os("WAYLAND_DISPLAY").is_some();
        return Err(if wayland { CaptureError::WaylandOnly } else { CaptureError::NoDisplay });
    }
    probe_on(None)
}

/// Whether `display` (`None`: `DISPLAY`) is reachable and has MIT-SHM and DAMAGE.
fn probe_on(display: Option<&str>) -> Result<(), CaptureError> {
    let (connection, _) = RustConnection::connect(display).map_err(|err| CaptureError::Unavailable(err.to_string()))?;
    for name in [shm::X11_EXTENSION_NAME, damage::X11_EXTENSION_NAME] {
        let present =
            connection.extension_information(name).map_err(|err| CaptureError::Unavailable(err.to_string()))?.is_some();
        if !present {
            return Err(CaptureError::Unavailable(format!("the X server lacks the {name} extension")));
        }
    }
    Ok(())
}

/// A shared-memory segment attached to this process and the X server.
struct SharedSegment {
    address: *mut libc::c_void,
    size_bytes: usize,
}

// The segment is only touched by the thread owning the source.
unsafe impl Send for SharedSegment {}

impl SharedSegment {
    fn new(size_bytes: usize) -> Result<(Self, i32), CaptureError> {
        // SAFETY: plain System V shared memory calls; results are checked before use.
        unsafe {
            let id = libc::shmget(libc::IPC_PRIVATE, size_bytes, libc::IPC_CREAT | 0o600);
            if id < 0 {
                return Err(failed(format!("shmget: {}", std::io::Error::last_os_error())));
            }
            let address = libc::shmat(id, std::ptr::null(), 0);
            if address as isize == -1 {
                libc::shmctl(id, libc::IPC_RMID, std::ptr::null_mut());
                return Err(failed(format!("shmat: {}", std::io::Error::last_os_error())));
            }
            Ok((Self { address, size_bytes }, id))
        }
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: the mapping is `size_bytes` long and lives as long as `self`.
        unsafe { std::slice::from_raw_parts(self.address as *const u8, self.size_bytes) }
    }
}

impl Drop for SharedSegment {
    fn drop(&mut self) {
        // SAFETY: detaching the mapping made in `new`.
        unsafe {
            libc::shmdt(self.address);
        }
    }
}

/// One monitor (or the whole screen) of an X11 display.
pub struct X11Source {
    connection: RustConnection,
    root: xproto::Window,
    area: PixelRect,
    segment: SharedSegment,
    segment_id: shm::Seg,
    damage_id: damage::Damage,
    damaged: bool,
    /// The damage taken at each grab (an XFixes region), so nothing drawn meanwhile is lost.
    parts: xfixes::Region,
    /// The shared area as last grabbed, RGBA; the next grab updates only what was damaged.
    frame: Option<Vec<u8>>,
    label: SourceLabel,
    /// Every RandR monitor, and which one is shared (`None`: the whole screen is).
    monitors: Vec<DisplayMonitor>,
    shared: Option<usize>,
}

impl X11Source {
    /// Opens monitor `monitor` (0 = first; past the last, the whole screen) of `DISPLAY`.
    pub fn open(monitor: usize) -> Result<Self, CaptureError> {
        probe()?;
        Self::open_on(None, monitor)
    }

    /// Opens monitor `monitor` of `display` (e.g. ":1"; `None`: `DISPLAY`).
    pub fn open_on(display: Option<&str>, monitor: usize) -> Result<Self, CaptureError> {
        probe_on(display)?;
        let (connection, screen_number) =
            RustConnection::connect(display).map_err(|err| CaptureError::Unavailable(err.to_string()))?;
        let screen = connection.setup().roots.get(screen_number).ok_or_else(|| failed("no such X screen"))?;
        let root = screen.root;
        let whole =
            PixelRect { x: 0, y: 0, width: screen.width_in_pixels.into(), height: screen.height_in_pixels.into() };
        let monitors = connection.randr_get_monitors(root, true).ok().and_then(|cookie| cookie.reply().ok());
        let listed = monitors.as_ref().map(|reply| describe_monitors(&connection, &reply.monitors)).unwrap_or_default();
        let shared = (monitor < listed.len()).then_some(monitor);
        let (area, label) = match monitors.as_ref().and_then(|reply| reply.monitors.get(monitor)) {
            Some(info) => {
                let x = u32::try_from(info.x).unwrap_or(0);
                let y = u32::try_from(info.y).unwrap_or(0);
                let area = PixelRect { x, y, width: info.width.into(), height: info.height.into() };
                let label =
                    SourceLabel::Monitor { number: monitor + 1, width: info.width.into(), height: info.height.into() };
                (area, label)
            }
            None => (whole, SourceLabel::WholeScreen { width: whole.width, height: whole.height }),
        };
        let size_bytes = area.width as usize * area.height as usize * 4;
        let (segment, system_id) = SharedSegment::new(size_bytes)?;
        let segment_id = connection.generate_id().map_err(failed)?;
        let attached =
            connection.shm_attach(segment_id, u32::try_from(system_id).unwrap_or(0), false).map_err(failed)?;
        attached.check().map_err(failed)?;
        // SAFETY: both sides are attached; marking for removal frees it once both detach.
        unsafe {
            libc::shmctl(system_id, libc::IPC_RMID, std::ptr::null_mut());
        }
        connection.damage_query_version(1, 1).map_err(failed)?.reply().map_err(failed)?;
        let damage_id = connection.generate_id().map_err(failed)?;
        connection.damage_create(damage_id, root, damage::ReportLevel::NON_EMPTY).map_err(failed)?;
        connection.xfixes_query_version(5, 0).map_err(failed)?.reply().map_err(failed)?;
        let parts = connection.generate_id().map_err(failed)?;
        connection.xfixes_create_region(parts, &[]).map_err(failed)?;
        connection.flush().map_err(failed)?;
        Ok(Self {
            connection,
            root,
            area,
            segment,
            segment_id,
            damage_id,
            damaged: true,
            parts,
            frame: None,
            label,
            monitors: listed,
            shared,
        })
    }

    fn drain_damage(&mut self) -> Result<(), CaptureError> {
        while let Some(event) = self.connection.poll_for_event().map_err(failed)? {
            if let Event::DamageNotify(notify) = event {
                let area = notify.area;
                let touches = i64::from(area.x) < i64::from(self.area.x) + i64::from(self.area.width)
                    && i64::from(area.x) + i64::from(area.width) > i64::from(self.area.x)
                    && i64::from(area.y) < i64::from(self.area.y) + i64::from(self.area.height)
                    && i64::from(area.y) + i64::from(area.height) > i64::from(self.area.y);
                self.damaged |= touches;
            }
        }
        Ok(())
    }
}

impl ScreenSource for X11Source {
    fn label(&self) -> SourceLabel {
        self.label.clone()
    }

    fn size(&self) -> (u32, u32) {
        (self.area.width, self.area.height)
    }

    fn cursor(&mut self) -> Option<(u32, u32)> {
        self.pointer()
    }

    fn desktop_area(&self) -> Option<PixelRect> {
        Some(self.area)
    }

    fn monitors(&self) -> Option<(Vec<DisplayMonitor>, usize)> {
        self.shared.map(|shared| (self.monitors.clone(), shared))
    }

    fn capture(&mut self) -> Result<Option<ScreenImage>, CaptureError> {
        self.drain_damage()?;
        if !self.damaged {
            return Ok(None);
        }
        self.damaged = false;
        // Moves the damage into `parts` at once: whatever is drawn after it is reported anew.
        self.connection.damage_subtract(self.damage_id, x11rb::NONE, self.parts).map_err(failed)?;
        let damaged = self.connection.xfixes_fetch_region(self.parts).map_err(failed)?.reply().map_err(failed)?;
        let whole = PixelRect { x: 0, y: 0, width: self.area.width, height: self.area.height };
        let grab = match self.frame {
            None => Some(whole),
            Some(_) => changed_part(&self.area, &damaged.rectangles),
        };
        let Some(grab) = grab else { return Ok(None) };
        let narrow = |value: u32| i16::try_from(value).map_err(|_| failed("screen too large"));
        let short = |value: u32| u16::try_from(value).map_err(|_| failed("screen too large"));
        self.connection
            .shm_get_image(
                self.root,
                narrow(self.area.x + grab.x)?,
                narrow(self.area.y + grab.y)?,
                short(grab.width)?,
                short(grab.height)?,
                !0,
                ImageFormat::Z_PIXMAP.into(),
                self.segment_id,
                0,
            )
            .map_err(failed)?
            .reply()
            .map_err(failed)?;
        // X gives BGRX on little-endian 24/32-bit visuals (rows packed, 4 bytes a pixel); the
        // grabbed rows go into the kept frame as RGBA.
        let bytes = self.segment.bytes();
        let frame = self.frame.get_or_insert_with(|| vec![0; bytes.len()]);
        let (row_bytes, frame_stride) = (grab.width as usize * 4, self.area.width as usize * 4);
        for (row, source) in bytes.chunks_exact(row_bytes).take(grab.height as usize).enumerate() {
            let at = (grab.y as usize + row) * frame_stride + grab.x as usize * 4;
            super::bgrx_to_rgba(source, &mut frame[at..at + row_bytes]);
        }
        Ok(Some(ScreenImage { width: self.area.width, height: self.area.height, rgba: frame.clone() }))
    }
}

impl X11Source {
    /// The pointer relative to the shared area, if it is inside.
    fn pointer(&self) -> Option<(u32, u32)> {
        let reply = self.connection.query_pointer(self.root).ok()?.reply().ok()?;
        let x = i64::from(reply.root_x) - i64::from(self.area.x);
        let y = i64::from(reply.root_y) - i64::from(self.area.y);
        let inside = (0..i64::from(self.area.width)).contains(&x) && (0..i64::from(self.area.height)).contains(&y);
        inside.then(|| (u32::try_from(x).unwrap_or(0), u32::try_from(y).unwrap_or(0)))
    }
}

/// The bounding rectangle of the `damaged` rectangles (root coordinates) within `area`, relative
/// to it; `None` when none touches it.
fn changed_part(area: &PixelRect, damaged: &[xproto::Rectangle]) -> Option<PixelRect> {
    let (area_right, area_bottom) = (i64::from(area.x + area.width), i64::from(area.y + area.height));
    let mut bounds: Option<(i64, i64, i64, i64)> = None;
    for rect in damaged {
        let left = i64::from(rect.x).max(i64::from(area.x));
        let top = i64::from(rect.y).max(i64::from(area.y));
        let right = (i64::from(rect.x) + i64::from(rect.width)).min(area_right);
        let bottom = (i64::from(rect.y) + i64::from(rect.height)).min(area_bottom);
        if left >= right || top >= bottom {
            continue;
        }
        bounds = Some(match bounds {
            None => (left, top, right, bottom),
            Some((l, t, r, b)) => (l.min(left), t.min(top), r.max(right), b.max(bottom)),
        });
    }
    let (left, top, right, bottom) = bounds?;
    let relative = |value: i64, origin: u32| u32::try_from(value - i64::from(origin)).ok();
    Some(PixelRect {
        x: relative(left, area.x)?,
        y: relative(top, area.y)?,
        width: u32::try_from(right - left).ok()?,
        height: u32::try_from(bottom - top).ok()?,
    })
}

/// The RandR monitors as names (their atoms' text; empty when it cannot be read) and places.
fn describe_monitors(connection: &RustConnection, monitors: &[randr::MonitorInfo]) -> Vec<DisplayMonitor> {
    monitors
        .iter()
        .map(|info| {
            let name = connection
                .get_atom_name(info.name)
                .ok()
                .and_then(|cookie| cookie.reply().ok())
                .map(|reply| String::from_utf8_lossy(&reply.name).into_owned())
                .unwrap_or_default();
            DisplayMonitor {
                name,
                x: info.x.into(),
                y: info.y.into(),
                width: info.width.into(),
                height: info.height.into(),
            }
        })
        .collect()
}

impl Drop for X11Source {
    fn drop(&mut self) {
        let _ = self.connection.damage_destroy(self.damage_id);
        let _ = self.connection.xfixes_destroy_region(self.parts);
        let _ = self.connection.shm_detach(self.segment_id);
        let _ = self.connection.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(x: i16, y: i16, width: u16, height: u16) -> xproto::Rectangle {
        xproto::Rectangle { x, y, width, height }
    }

    #[test]
    fn the_changed_part_is_the_bounding_box_within_the_monitor_relative_to_it() {
        let monitor = PixelRect { x: 1920, y: 0, width: 1280, height: 1024 };
        // One inside, one reaching over the left edge from the other monitor, one wholly outside.
        let damaged = [rect(2000, 100, 10, 10), rect(1900, 500, 40, 20), rect(10, 10, 50, 50)];
        assert_eq!(changed_part(&monitor, &damaged), Some(PixelRect { x: 0, y: 100, width: 90, height: 420 }));
        assert_eq!(changed_part(&monitor, &[rect(10, 10, 50, 50)]), None, "damage on another monitor");
        assert_eq!(changed_part(&monitor, &[]), None);
        // Past the right and bottom edges: cut there.
        let over = [rect(3190, 1020, 100, 100)];
        assert_eq!(changed_part(&monitor, &over), Some(PixelRect { x: 1270, y: 1020, width: 10, height: 4 }));
    }
}
