//! Screen sources for sharing: a live X11 screen (MIT-SHM grabs driven by DAMAGE), a Wayland
//! screen picked in the system's dialog (ScreenCast portal + PipeWire), and a folder
//! of numbered PNG frames (demo, tests, benchmarks). Sources only produce pixels; when to capture
//! is decided above (only while consent with the view scope is in force). Private regions the
//! user marked are blanked here, before any encoder sees the pixels.

pub mod folder;
pub mod input;
pub mod pipewire;
pub mod pipewire_frame;
pub mod synthetic;
pub mod wayland;
pub mod x11;
pub mod x11_input;
pub mod x11_target;

pub use folder::FrameFolderSource;

/// One captured image: RGBA8, row-major, stride = width * 4.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScreenImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Pixels.
    pub rgba: Vec<u8>,
}

/// A rectangle in screen pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PixelRect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// What a source shares, as data; the views put it into words in the user's language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceLabel {
    /// One monitor of the live screen.
    Monitor {
        /// 1 = first.
        number: usize,
        /// Width, pixels.
        width: u32,
        /// Height, pixels.
        height: u32,
    },
    /// The whole live screen (all monitors).
    WholeScreen {
        /// Width, pixels.
        width: u32,
        /// Height, pixels.
        height: u32,
    },
    /// A folder of recorded frames, not the live screen.
    RecordedFrames {
        /// The folder.
        dir: std::path::PathBuf,
    },
    /// The built-in demo picture, not the live screen.
    DemoPicture,
    /// The live screen (a monitor or a window) the user picks in the system's screen-sharing
    /// dialog (Wayland).
    SystemPicker,
}

impl std::fmt::Display for SourceLabel {
    /// English, for logs and command-line reports.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SourceLabel::Monitor { number, width, height } => write!(f, "Screen {number} ({width}×{height})"),
            SourceLabel::WholeScreen { width, height } => write!(f, "Whole screen ({width}×{height})"),
            SourceLabel::RecordedFrames { dir } => {
                write!(f, "Recorded frames from {} (not your live screen)", dir.display())
            }
            SourceLabel::DemoPicture => write!(f, "Built-in demo picture (not your live screen)"),
            SourceLabel::SystemPicker => {
                write!(f, "Your screen, as you choose it in the system's screen-sharing dialog")
            }
        }
    }
}

/// Why a source cannot deliver.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CaptureError {
    /// A Wayland session without X11 (the portal, where there is one, is tried before X11).
    #[error(
        "screen capture through X11 is not available here: this is a Wayland session without X11 (a Wayland screen is shared through the system's screen-sharing portal)"
    )]
    WaylandOnly,
    /// No display at all (a console or SSH session).
    #[error("screen capture is not available here: no X11 display (DISPLAY is not set)")]
    NoDisplay,
    /// This platform or session has no supported capture for another reason.
    #[error("screen capture is not available here: {0}")]
    Unavailable(String),
    /// Capturing failed.
    #[error("screen capture failed: {0}")]
    Failed(String),
    /// The user closed the system's screen-sharing dialog without choosing (Wayland).
    #[error("the system's screen-sharing dialog was closed without choosing a screen")]
    PickerCancelled,
    /// The system's screen-sharing service (xdg-desktop-portal) refused or failed.
    #[error("the system's screen sharing failed: {0}")]
    PortalFailed(String),
}

/// Something that produces screen images. Kept small so Desktop Duplication (Windows) and
/// ScreenCaptureKit (macOS) sources fit the same shape.
pub trait ScreenSource: Send {
    /// What the user is told is being shared (screen 1 of 1920×1080, a frame folder…).
    fn label(&self) -> SourceLabel;
    /// Size of the images, pixels.
    fn size(&self) -> (u32, u32);
    /// The next image if anything changed since the last one; `Ok(None)` when nothing did.
    fn capture(&mut self) -> Result<Option<ScreenImage>, CaptureError>;

    /// Where the pointer is, in image pixels; `None` when it is elsewhere or unknown.
    fn cursor(&mut self) -> Option<(u32, u32)> {
        None
    }

    /// Where the shared image lies on the user's desktop (for drawing over it); `None` when it
    /// is not a live screen.
    fn desktop_area(&self) -> Option<PixelRect> {
        None
    }

    /// Every monitor of the desktop and the index of the shared one; `None` when the source is
    /// not a monitor of a live screen.
    fn monitors(&self) -> Option<(Vec<DisplayMonitor>, usize)> {
        None
    }

    /// Whether the capture may reopen this source on its own after an error; `false` when
    /// reopening asks the user again (the system's dialog): then only once sharing resumes.
    fn reopens_by_itself(&self) -> bool {
        true
    }
}

/// One monitor of the user's desktop, as the display server names and places it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayMonitor {
    /// The system's name (e.g. `HDMI-1`); may be empty.
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

/// BGRx (or BGRA) pixels into opaque RGBA, four bytes each; as many pixels as both slices hold.
/// One pass on whole words, so the compiler vectorises it.
pub(crate) fn bgrx_to_rgba(source: &[u8], target: &mut [u8]) {
    for (pixel, out) in source.chunks_exact(4).zip(target.chunks_exact_mut(4)) {
        let bgrx = u32::from_le_bytes([pixel[0], pixel[1], pixel[2], pixel[3]]);
        let rgba = ((bgrx >> 16) & 0xFF) | (bgrx & 0xFF00) | ((bgrx & 0xFF) << 16) | 0xFF00_0000;
        out.copy_from_slice(&rgba.to_le_bytes());
    }
}

/// Paints the private regions black, clipped to the image. Runs before encoding.
pub fn blank_regions(image: &mut ScreenImage, regions: &[PixelRect]) {
    let stride = image.width as usize * 4;
    for region in regions {
        let x_end = region.x.saturating_add(region.width).min(image.width) as usize;
        let y_end = region.y.saturating_add(region.height).min(image.height) as usize;
        let (x_start, y_start) = (region.x as usize, region.y as usize);
        if x_start >= x_end || y_start >= y_end {
            continue;
        }
        for y in y_start..y_end {
            let row = &mut image.rgba[y * stride + x_start * 4..y * stride + x_end * 4];
            for pixel in row.chunks_exact_mut(4) {
                pixel.copy_from_slice(&[0, 0, 0, 255]);
            }
        }
    }
}

/// Which source to share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceChoice {
    /// The live screen; monitor index (0 = first) on X11.
    Screen {
        /// Monitor index.
        monitor: usize,
    },
    /// The built-in demo picture.
    Synthetic {
        /// Frames per second.
        fps: u32,
    },
    /// Replay a folder of numbered PNG frames at `fps`.
    FrameFolder {
        /// The folder.
        dir: std::path::PathBuf,
        /// Frames per second.
        fps: u32,
    },
}

/// Opens the chosen source.
pub fn open_source(choice: &SourceChoice) -> Result<Box<dyn ScreenSource>, CaptureError> {
    match choice {
        SourceChoice::Screen { monitor } => Ok(Box::new(x11::X11Source::open(*monitor)?)),
        SourceChoice::FrameFolder { dir, fps } => Ok(Box::new(FrameFolderSource::open(dir, *fps, true)?)),
        SourceChoice::Synthetic { fps } => Ok(Box::new(synthetic::SyntheticSource::new(640, 360, *fps))),
    }
}

/// Whether the live screen can be captured here, and if not, why (shown on the consent screen).
pub fn screen_capture_support() -> Result<(), CaptureError> {
    x11::probe()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_regions_are_blanked_and_clipped() {
        let mut image = ScreenImage { width: 4, height: 3, rgba: vec![200; 4 * 3 * 4] };
        blank_regions(&mut image, &[PixelRect { x: 2, y: 1, width: 10, height: 10 }]);
        for y in 0..3 {
            for x in 0..4 {
                let pixel = &image.rgba[(y * 4 + x) * 4..(y * 4 + x) * 4 + 4];
                let private = x >= 2 && y >= 1;
                assert_eq!(pixel == [0, 0, 0, 255], private, "pixel {x},{y}");
            }
        }
    }

    #[test]
    fn empty_or_outside_regions_change_nothing() {
        let mut image = ScreenImage { width: 2, height: 2, rgba: vec![9; 16] };
        blank_regions(
            &mut image,
            &[PixelRect { x: 5, y: 0, width: 3, height: 3 }, PixelRect { x: 0, y: 0, width: 0, height: 2 }],
        );
        assert_eq!(image.rgba, vec![9; 16]);
    }
}
