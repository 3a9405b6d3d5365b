//! The overlay on X11: an override-redirect window (no frame, not managed, above the others)
//! over one monitor, with an empty input shape so every click reaches the windows below.

use x11rb::connection::{Connection, RequestConnection as _};
use x11rb::protocol::Event;
use x11rb::protocol::shape::{self, ConnectionExt as _};
use x11rb::protocol::xproto::{
    self, ClipOrdering, ColormapAlloc, ConfigureWindowAux, ConnectionExt as _, CreateWindowAux, EventMask, ImageFormat,
    StackMode, WindowClass,
};
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;

use super::mask::{MaskRect, opaque_rects};
use super::{DesktopRect, OverlayError, OverlayImage, OverlayKind, ScreenOverlay};

fn failed(err: impl std::fmt::Display) -> OverlayError {
    OverlayError::Failed(err.to_string())
}

fn unavailable(err: impl std::fmt::Display) -> OverlayError {
    OverlayError::Unavailable(err.to_string())
}

/// The window title (window lists and debugging tools show it).
pub const WINDOW_TITLE: &str = "Stepwise arrows";

/// An overlay window on an X11 display.
pub struct X11Overlay {
    connection: RustConnection,
    window: xproto::Window,
    gc: xproto::Gcontext,
    depth: u8,
    kind: OverlayKind,
    area: DesktopRect,
    /// What the window shows, in the server's pixel format (BGRA / BGRX), the whole area.
    pixels: Vec<u8>,
    /// The painted rectangle now on screen.
    shown: Option<[u32; 4]>,
    /// The desktop's scale, from `Xft.dpi`.
    scale: f32,
}

/// The desktop's scale from the X resources (`Xft.dpi: 192` → 2.0): 96 dpi is 1.0; rounded to
/// quarters, between 1 and 4; 1.0 when not set or not a number.
pub fn scale_from_resources(resources: &str) -> f32 {
    resources
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim() == "Xft.dpi")
        .and_then(|(_, value)| value.trim().parse::<f32>().ok())
        .filter(|dpi| dpi.is_finite() && *dpi > 0.0)
        .map_or(1.0, |dpi| ((dpi / 96.0) * 4.0).round().clamp(4.0, 16.0) / 4.0)
}

impl X11Overlay {
    /// Opens an (empty) overlay over `area` of the default display (`DISPLAY`).
    pub fn open(area: DesktopRect) -> Result<Self, OverlayError> {
        if std::env::var_os("DISPLAY").is_none() {
            return Err(unavailable("no X11 display (DISPLAY is not set)"));
        }
        Self::open_on(None, area)
    }

    /// Opens an (empty) overlay over `area` of `display` (e.g. ":1"; `None`: `DISPLAY`).
    pub fn open_on(display: Option<&str>, area: DesktopRect) -> Result<Self, OverlayError> {
        let (x, y) = (i16::try_from(area.x).map_err(unavailable)?, i16::try_from(area.y).map_err(unavailable)?);
        let (width, height) =
            (u16::try_from(area.width).map_err(unavailable)?, u16::try_from(area.height).map_err(unavailable)?);
        if width == 0 || height == 0 {
            return Err(unavailable("the shared area is empty"));
        }
        let (connection, screen_number) = RustConnection::connect(display).map_err(unavailable)?;
        if connection.extension_information(shape::X11_EXTENSION_NAME).map_err(unavailable)?.is_none() {
            return Err(unavailable("the X server lacks the SHAPE extension"));
        }
        connection.shape_query_version().map_err(failed)?.reply().map_err(failed)?;
        let screen = connection.setup().roots.get(screen_number).ok_or_else(|| failed("no such X screen"))?.clone();
        let compositor_atom = connection
            .intern_atom(false, format!("_NET_WM_CM_S{screen_number}").as_bytes())
            .map_err(failed)?
            .reply()
            .map_err(failed)?
            .atom;
        let composited =
            connection.get_selection_owner(compositor_atom).map_err(failed)?.reply().map_err(failed)?.owner
                != x11rb::NONE;
        let argb_visual = screen
            .allowed_depths
            .iter()
            .filter(|depth| depth.depth == 32)
            .flat_map(|depth| depth.visuals.iter())
            .find(|visual| visual.class == xproto::VisualClass::TRUE_COLOR)
            .map(|visual| visual.visual_id);
        let window = connection.generate_id().map_err(failed)?;
        let mut attributes = CreateWindowAux::new()
            .background_pixel(0)
            .border_pixel(0)
            .override_redirect(1)
            .backing_store(xproto::BackingStore::WHEN_MAPPED)
            .event_mask(EventMask::EXPOSURE);
        let (kind, depth, visual) = match argb_visual {
            Some(visual) if composited => {
                let colormap = connection.generate_id().map_err(failed)?;
                connection.create_colormap(ColormapAlloc::NONE, colormap, screen.root, visual).map_err(failed)?;
                attributes = attributes.colormap(colormap);
                (OverlayKind::Composited, 32, visual)
            }
            _ => (OverlayKind::Shaped, screen.root_depth, screen.root_visual),
        };
        if depth != 24 && depth != 32 {
            return Err(unavailable(format!("the screen's colour depth is {depth} bits (24 or 32 needed)")));
        }
        connection
            .create_window(
                depth,
                window,
                screen.root,
                x,
                y,
                width,
                height,
                0,
                WindowClass::INPUT_OUTPUT,
                visual,
                &attributes,
            )
            .map_err(failed)?
            .check()
            .map_err(failed)?;
        let mut overlay = Self {
            gc: connection.generate_id().map_err(failed)?,
            connection,
            window,
            depth,
            kind,
            area,
            pixels: vec![0; usize::from(width) * usize::from(height) * 4],
            shown: None,
            scale: 1.0,
        };
        overlay.scale = overlay.read_scale(screen.root);
        overlay.connection.create_gc(overlay.gc, window, &xproto::CreateGCAux::new()).map_err(failed)?;
        // Clicks pass through everywhere: an empty input shape.
        overlay.set_shape(shape::SK::INPUT, &[])?;
        if kind == OverlayKind::Shaped {
            overlay.set_shape(shape::SK::BOUNDING, &[])?;
        }
        overlay
            .connection
            .change_property8(
                xproto::PropMode::REPLACE,
                window,
                xproto::AtomEnum::WM_NAME,
                xproto::AtomEnum::STRING,
                WINDOW_TITLE.as_bytes(),
            )
            .map_err(failed)?;
        // Ask compositors never to unredirect it (a full-monitor window on top could otherwise
        // be shown opaque) and not to draw a shadow around it (picom / compton).
        for (name, value) in [(&b"_NET_WM_BYPASS_COMPOSITOR"[..], 2u32), (&b"_COMPTON_SHADOW"[..], 0)] {
            let atom = overlay.connection.intern_atom(false, name).map_err(failed)?.reply().map_err(failed)?.atom;
            overlay
                .connection
                .change_property32(xproto::PropMode::REPLACE, window, atom, xproto::AtomEnum::CARDINAL, &[value])
                .map_err(failed)?;
        }
        overlay.connection.map_window(window).map_err(failed)?.check().map_err(failed)?;
        overlay.raise()?;
        overlay.connection.flush().map_err(failed)?;
        tracing::info!(?kind, ?area, "overlay window opened");
        Ok(overlay)
    }

    /// Waits until the X server has handled every request sent so far (benchmarks).
    pub fn sync(&self) -> Result<(), OverlayError> {
        self.connection.get_input_focus().map_err(failed)?.reply().map_err(failed)?;
        Ok(())
    }

    /// The desktop's scale from the root window's `RESOURCE_MANAGER` (1.0 when unknown).
    fn read_scale(&self, root: xproto::Window) -> f32 {
        let reply = self
            .connection
            .get_property(false, root, xproto::AtomEnum::RESOURCE_MANAGER, xproto::AtomEnum::STRING, 0, 1 << 16)
            .ok()
            .and_then(|cookie| cookie.reply().ok());
        reply.map_or(1.0, |reply| scale_from_resources(&String::from_utf8_lossy(&reply.value)))
    }

    fn raise(&self) -> Result<(), OverlayError> {
        let on_top = ConfigureWindowAux::new().stack_mode(StackMode::ABOVE);
        self.connection.configure_window(self.window, &on_top).map_err(failed)?;
        Ok(())
    }

    /// Replaces the window's `kind` shape with `rects`, in pieces the server accepts.
    fn set_shape(&self, kind: shape::SK, rects: &[MaskRect]) -> Result<(), OverlayError> {
        let rects: Vec<xproto::Rectangle> = rects
            .iter()
            .map(|rect| xproto::Rectangle {
                x: i16::try_from(rect.x).unwrap_or(i16::MAX),
                y: i16::try_from(rect.y).unwrap_or(i16::MAX),
                width: u16::try_from(rect.width).unwrap_or(u16::MAX),
                height: u16::try_from(rect.height).unwrap_or(u16::MAX),
            })
            .collect();
        let per_request = (self.connection.maximum_request_bytes().saturating_sub(64) / 8).max(1);
        let mut pieces = rects.chunks(per_request);
        let first = pieces.next().unwrap_or(&[]);
        self.connection
            .shape_rectangles(shape::SO::SET, kind, ClipOrdering::UNSORTED, self.window, 0, 0, first)
            .map_err(failed)?;
        for piece in pieces {
            self.connection
                .shape_rectangles(shape::SO::UNION, kind, ClipOrdering::UNSORTED, self.window, 0, 0, piece)
                .map_err(failed)?;
        }
        Ok(())
    }

    /// Sends `region` (`[x, y, width, height]`) of `self.pixels` to the window.
    fn put_region(&self, region: [u32; 4]) -> Result<(), OverlayError> {
        let [x, y, width, height] = region;
        let (area_width, area_height) = (self.area.width, self.area.height);
        let right = x.saturating_add(width).min(area_width);
        let bottom = y.saturating_add(height).min(area_height);
        if x >= right || y >= bottom {
            return Ok(());
        }
        let row_bytes = (right - x) as usize * 4;
        let rows_per_request = ((self.connection.maximum_request_bytes().saturating_sub(64)) / row_bytes).max(1);
        let mut band = Vec::new();
        let mut top = y;
        while top < bottom {
            let rows = (bottom - top).min(u32::try_from(rows_per_request).unwrap_or(u32::MAX));
            band.clear();
            for row in top..top + rows {
                let start = (row as usize * area_width as usize + x as usize) * 4;
                band.extend_from_slice(&self.pixels[start..start + row_bytes]);
            }
            let narrow = |value: u32| i16::try_from(value).map_err(failed);
            let short = |value: u32| u16::try_from(value).map_err(failed);
            self.connection
                .put_image(
                    ImageFormat::Z_PIXMAP,
                    self.window,
                    self.gc,
                    short(right - x)?,
                    short(rows)?,
                    narrow(x)?,
                    narrow(top)?,
                    0,
                    self.depth,
                    &band,
                )
                .map_err(failed)?;
            top += rows;
        }
        Ok(())
    }

    /// Handles what the server sent: repaints exposed parts, reports errors.
    fn handle_events(&self) -> Result<(), OverlayError> {
        while let Some(event) = self.connection.poll_for_event().map_err(failed)? {
            match event {
                Event::Expose(exposed) => {
                    self.put_region([exposed.x.into(), exposed.y.into(), exposed.width.into(), exposed.height.into()])?
                }
                Event::Error(error) => {
                    return Err(failed(format!("{:?} in {:?}", error.error_kind, error.request_name)));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// The smallest rectangle holding both.
fn union(first: Option<[u32; 4]>, second: Option<[u32; 4]>) -> Option<[u32; 4]> {
    match (first, second) {
        (None, other) | (other, None) => other,
        (Some([x0, y0, w0, h0]), Some([x1, y1, w1, h1])) => {
            let (left, top) = (x0.min(x1), y0.min(y1));
            let (right, bottom) = ((x0 + w0).max(x1 + w1), (y0 + h0).max(y1 + h1));
            Some([left, top, right - left, bottom - top])
        }
    }
}

impl ScreenOverlay for X11Overlay {
    fn kind(&self) -> OverlayKind {
        self.kind
    }

    fn area(&self) -> DesktopRect {
        self.area
    }

    fn scale(&self) -> f32 {
        self.scale
    }

    fn show(&mut self, image: &OverlayImage<'_>) -> Result<(), OverlayError> {
        let expected = self.area.width as usize * self.area.height as usize * 4;
        if image.width != self.area.width
            || image.height != self.area.height
            || image.rgba_premultiplied.len() != expected
        {
            return Err(failed(format!(
                "an image of {}×{} cannot cover an overlay of {}×{}",
                image.width, image.height, self.area.width, self.area.height
            )));
        }
        let Some(region) = union(self.shown, image.painted) else { return Ok(()) };
        let [x, y, width, height] = region;
        let stride = self.area.width as usize * 4;
        for row in y..(y + height).min(self.area.height) {
            let start = row as usize * stride + x as usize * 4;
            let end = start + (width.min(self.area.width - x) as usize) * 4;
            let source = &image.rgba_premultiplied[start..end];
            let target = &mut self.pixels[start..end];
            for (to, from) in target.chunks_exact_mut(4).zip(source.chunks_exact(4)) {
                let [red, green, blue, alpha] = [from[0], from[1], from[2], from[3]];
                let pixel = match self.kind {
                    // A compositor expects premultiplied ARGB.
                    OverlayKind::Composited => [blue, green, red, alpha],
                    // Without blending, show each pixel at full strength.
                    OverlayKind::Shaped => {
                        let full = |channel: u8| {
                            if alpha == 0 { 0 } else { (u32::from(channel) * 255 / u32::from(alpha)).min(255) as u8 }
                        };
                        [full(blue), full(green), full(red), 255]
                    }
                };
                to.copy_from_slice(&pixel);
            }
        }
        self.put_region(region)?;
        if self.kind == OverlayKind::Shaped {
            let rects = match image.painted {
                Some(painted) => opaque_rects(image.rgba_premultiplied, image.width, image.height, painted),
                None => Vec::new(),
            };
            self.set_shape(shape::SK::BOUNDING, &rects)?;
        }
        self.shown = image.painted;
        self.raise()?;
        self.connection.flush().map_err(failed)?;
        self.handle_events()
    }

    fn refresh(&mut self) -> Result<(), OverlayError> {
        self.handle_events()?;
        self.raise()?;
        self.connection.flush().map_err(failed)
    }
}

impl Drop for X11Overlay {
    fn drop(&mut self) {
        let _ = self.connection.destroy_window(self.window);
        let _ = self.connection.free_gc(self.gc);
        let _ = self.connection.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::scale_from_resources;

    #[test]
    fn the_desktop_scale_comes_from_xft_dpi() {
        assert_eq!(scale_from_resources("Xft.antialias:\t1\nXft.dpi:\t192\n"), 2.0);
        assert_eq!(scale_from_resources("Xft.dpi: 144"), 1.5);
        assert_eq!(scale_from_resources("Xft.dpi: 100"), 1.0);
        assert_eq!(scale_from_resources("Xft.dpi: 96000"), 4.0, "capped");
        assert_eq!(scale_from_resources("Xft.dpi: lots"), 1.0);
        assert_eq!(scale_from_resources(""), 1.0);
    }
}
