//! Drawing over the user's real screen: a transparent, always-on-top, click-through window laid
//! exactly over the shared monitor, showing an image the layers above painted (the engineer's
//! arrows). This layer only puts pixels on the screen; what to draw is decided above.
//!
//! On X11 the window is 32-bit and alpha-blended when a compositor runs; without one it is
//! shaped (SHAPE extension) to the painted pixels, so arrows still appear over the spot. Input
//! passes through in both cases (an empty input shape). Other platforms have no overlay yet: the
//! Get-help window then draws the arrows over its picture of the shared screen.

pub mod mask;
pub mod x11;

/// A rectangle on the desktop, pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DesktopRect {
    /// Left edge on the desktop.
    pub x: i32,
    /// Top edge on the desktop.
    pub y: i32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// How the overlay blends with what is below it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverlayKind {
    /// A compositor blends a transparent window: soft edges, see-through labels.
    Composited,
    /// No compositor: the window is cut to the painted pixels (hard edges).
    Shaped,
}

/// Why no overlay can be shown.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OverlayError {
    /// This platform or session cannot show one (no X11 display, no SHAPE extension…).
    #[error("arrows cannot be drawn over this screen: {0}")]
    Unavailable(String),
    /// The display refused a request.
    #[error("drawing over the screen failed: {0}")]
    Failed(String),
}

/// An image for the overlay: premultiplied RGBA of exactly the overlay's size.
#[derive(Clone, Copy, Debug)]
pub struct OverlayImage<'a> {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Premultiplied RGBA, stride = width × 4.
    pub rgba_premultiplied: &'a [u8],
    /// `[x, y, width, height]` outside which every pixel is transparent; `None`: all are.
    pub painted: Option<[u32; 4]>,
}

/// A window over part of the user's desktop that shows images and lets every click through.
pub trait ScreenOverlay: Send {
    /// How it blends.
    fn kind(&self) -> OverlayKind;
    /// Where it lies on the desktop.
    fn area(&self) -> DesktopRect;
    /// The desktop's scale (2.0 at 200 %), so arrows and labels are drawn at the size of the
    /// rest of the user's screen.
    fn scale(&self) -> f32 {
        1.0
    }
    /// Shows `image` (the overlay's size), replacing what was shown.
    fn show(&mut self, image: &OverlayImage<'_>) -> Result<(), OverlayError>;
    /// Puts the overlay back above windows raised since and repaints what was uncovered.
    fn refresh(&mut self) -> Result<(), OverlayError>;
}

/// Opens an overlay over `area` of the user's desktop.
pub fn open_overlay(area: DesktopRect) -> Result<Box<dyn ScreenOverlay>, OverlayError> {
    Ok(Box::new(x11::X11Overlay::open(area)?))
}
