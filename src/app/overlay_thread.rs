//! The engineer's arrows over the user's real screen: a thread owning the overlay window,
//! following the session's annotation events and painting them with the same code (and fonts)
//! as the Get-help picture. Remote pixels are overlay pixels: the overlay covers exactly the
//! monitor being shared.

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

use crate::overlay::{DesktopRect, OverlayError, OverlayImage, ScreenOverlay, open_overlay};
use crate::protocol::{Annotation, SessionEvent};
use crate::ui::annotations::{ShownAnnotations, draw};
use crate::ui::softpaint::{PaintedImage, SoftwarePainter};

/// How often the overlay is put back on top (and fades advance) while arrows are on show.
const TICK_WHILE_SHOWING: Duration = Duration::from_millis(100);
/// … and while it is empty.
const TICK_WHILE_EMPTY: Duration = Duration::from_secs(1);

/// Called when the overlay fails and is closed, with why.
pub type OverlayFailure = Box<dyn Fn(OverlayError) + Send>;

/// A running overlay; closing it (drop) removes the window.
pub struct ArrowOverlay {
    events: Sender<SessionEvent>,
}

impl ArrowOverlay {
    /// Opens an overlay over `area` of the user's desktop and starts its thread.
    pub fn open(area: DesktopRect, on_failure: OverlayFailure) -> Result<Self, OverlayError> {
        let overlay = open_overlay(area)?;
        Self::start(overlay, on_failure)
    }

    /// Runs an already open overlay.
    pub fn start(overlay: Box<dyn ScreenOverlay>, on_failure: OverlayFailure) -> Result<Self, OverlayError> {
        let (events, receiver) = channel();
        std::thread::Builder::new()
            .name("stepwise-overlay".into())
            .spawn(move || {
                if let Err(err) = run(overlay, &receiver) {
                    tracing::warn!("the overlay on the user's screen stopped: {err}");
                    on_failure(err);
                }
            })
            .map_err(|err| OverlayError::Failed(format!("cannot start the overlay thread: {err}")))?;
        Ok(Self { events })
    }

    /// Passes on a session event (only arrow-related ones matter).
    pub fn follow(&self, event: &SessionEvent) {
        if matches!(
            event,
            SessionEvent::Annotation(_)
                | SessionEvent::AnnotationRemoved { .. }
                | SessionEvent::AnnotationsCleared
                | SessionEvent::ConsentRevoked
                | SessionEvent::Ended { .. }
        ) {
            let _ = self.events.send(event.clone());
        }
    }
}

/// Paints `visible` arrows (with their opacity) for an overlay of `width` × `height` pixels at
/// the desktop's `scale`; remote pixels are overlay pixels.
pub fn paint_annotations(
    painter: &mut SoftwarePainter,
    width: u32,
    height: u32,
    scale: f32,
    visible: &[(Annotation, f32)],
) -> PaintedImage {
    painter.paint_scaled(width, height, scale, |painter| {
        for (annotation, opacity) in visible {
            let place =
                |pixel: crate::protocol::RemotePixel| egui::pos2(pixel.x as f32 / scale, pixel.y as f32 / scale);
            draw(painter, annotation, place, *opacity);
        }
    })
}

/// What was last drawn: ids and opacity steps, to skip repainting what did not change.
type Drawn = Vec<(u64, u8)>;

fn run(mut overlay: Box<dyn ScreenOverlay>, events: &Receiver<SessionEvent>) -> Result<(), OverlayError> {
    let area = overlay.area();
    let started = Instant::now();
    let mut shown = ShownAnnotations::default();
    let mut painter = SoftwarePainter::new();
    let mut drawn: Drawn = Vec::new();
    loop {
        let tick = if shown.is_empty() { TICK_WHILE_EMPTY } else { TICK_WHILE_SHOWING };
        match events.recv_timeout(tick) {
            Ok(event) => {
                shown.apply(&event);
                while let Ok(event) = events.try_recv() {
                    shown.apply(&event);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            // The session is over: dropping the overlay removes the window.
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        }
        let visible = shown.visible(started.elapsed().as_secs_f64());
        let now_drawn: Drawn =
            visible.iter().map(|(annotation, opacity)| (annotation.id, (opacity * 32.0).round() as u8)).collect();
        if now_drawn == drawn {
            overlay.refresh()?;
            continue;
        }
        let image = paint_annotations(&mut painter, area.width, area.height, overlay.scale(), &visible);
        overlay.show(&OverlayImage {
            width: image.width,
            height: image.height,
            rgba_premultiplied: &image.rgba_premultiplied,
            painted: image.painted,
        })?;
        drawn = now_drawn;
    }
}
