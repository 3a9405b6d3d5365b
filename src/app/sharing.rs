//! The user's side of a live screen: a capture thread per session that grabs only while consent
//! with the view scope is in force (the source is closed the moment it is not), blanks private
//! regions, encodes against what the viewer has, and hands updates to the session task. Frames
//! that arrive while the link is busy are dropped before encoding, so the encoder's chain of
//! deltas never breaks and the newest screen always wins.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::capture::{CaptureError, PixelRect, ScreenImage, ScreenSource, SourceChoice, blank_regions, open_source};
use crate::codec::{Encoder, EncoderConfig, Frame};
use crate::model::now_ms;
use crate::protocol::SessionCommand;
use crate::protocol::screen::{ScreenHeader, wrap_screen_update};
use crate::transport::{LinkCommand, LinkStatus, SessionHandle};
use crate::ui::coords::PREVIEW_SCALE;
use crate::ui::viewer::FrameSlot;

/// Updates allowed in flight before new frames are skipped.
pub const MAX_FRAMES_IN_FLIGHT: usize = 3;
/// Fastest capture rate.
const MIN_FRAME_INTERVAL: Duration = Duration::from_millis(33);
/// Capture rate while the path is losing packets.
const LOSSY_FRAME_INTERVAL: Duration = Duration::from_millis(66);
/// How often a closed gate is looked at again.
const GATE_POLL: Duration = Duration::from_millis(10);
/// Below this estimated path capacity, photographic tiles may be coded lossily (text never is).
const LOSSY_BELOW_KBPS: u64 = 20_000;
/// How often the user's own preview of what is shared is refreshed.
const PREVIEW_INTERVAL: Duration = Duration::from_millis(500);

/// The encoder tuning for the path: lossless unless the path is narrow.
fn encoder_config_for(status: &LinkStatus) -> EncoderConfig {
    let rtt_ms = status.rtt_ms().max(1);
    let capacity_kbps = status.congestion_window_bytes().saturating_mul(8) / rtt_ms;
    if capacity_kbps == 0 || capacity_kbps >= LOSSY_BELOW_KBPS {
        EncoderConfig::default()
    } else {
        EncoderConfig { allow_lossy: true, bandwidth_hint_kbps: u32::try_from(capacity_kbps).ok() }
    }
}

/// A small copy of what is shared (after blanking), for the user's own preview.
fn publish_preview(preview: &FrameSlot, image: &ScreenImage) {
    let (width, height) = (image.width / PREVIEW_SCALE, image.height / PREVIEW_SCALE);
    if width == 0 || height == 0 {
        return;
    }
    let mut rgba = Vec::with_capacity(width as usize * height as usize * 4);
    let stride = image.width as usize * 4;
    for y in 0..height as usize {
        let row = y * PREVIEW_SCALE as usize * stride;
        for x in 0..width as usize {
            let at = row + x * PREVIEW_SCALE as usize * 4;
            rgba.extend_from_slice(&image.rgba[at..at + 4]);
        }
    }
    let mut slot = preview.lock();
    slot.width = width;
    slot.height = height;
    slot.rgba = rgba;
    slot.all_dirty = true;
    slot.stats.frames += 1;
}

/// Figures of a sharing thread, readable from anywhere.
#[derive(Debug, Default)]
pub struct SharingStats {
    /// Images captured (grabs that returned a changed screen).
    pub captured: AtomicU64,
    /// Updates handed to the session.
    pub sent: AtomicU64,
    /// Frames skipped because the link was busy.
    pub skipped: AtomicU64,
    /// Grabs that were under way when the gate closed, thrown away unsent.
    pub discarded_at_close: AtomicU64,
}

/// The private regions the user marked, shared with the capture thread.
pub type PrivateRegions = Arc<Mutex<Vec<PixelRect>>>;

/// Opens the screen source each time sharing (re)starts.
pub type SourceOpener = Box<dyn FnMut() -> Result<Box<dyn ScreenSource>, CaptureError> + Send>;

/// An opener for a [`SourceChoice`].
pub fn opener_for(choice: SourceChoice) -> SourceOpener {
    Box::new(move || open_source(&choice))
}

/// A running capture thread; dropping it stops the thread.
pub struct SharingThread {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    /// Its figures.
    pub stats: Arc<SharingStats>,
}

impl SharingThread {
    /// Starts capturing for `session` from `choice`. `on_error` hears about capture failures.
    pub fn spawn(
        session: SessionHandle,
        open: SourceOpener,
        private: PrivateRegions,
        on_error: Box<dyn Fn(CaptureError) + Send>,
    ) -> std::io::Result<Self> {
        Self::spawn_with_preview(session, open, private, on_error, None)
    }

    /// Like [`SharingThread::spawn`], also keeping a small preview of what is shared in `preview`.
    pub fn spawn_with_preview(
        session: SessionHandle,
        open: SourceOpener,
        private: PrivateRegions,
        on_error: Box<dyn Fn(CaptureError) + Send>,
        preview: Option<FrameSlot>,
    ) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(SharingStats::default());
        let worker = CaptureLoop {
            session,
            open,
            private,
            stop: stop.clone(),
            stats: stats.clone(),
            on_error,
            source: None,
            encoder: Encoder::new(EncoderConfig::default()),
            pending: None,
            last_sent: None,
            keyframe_owed: true,
            skipped_since_sent: 0,
            lost_packets: 0,
            preview,
            preview_at: None,
            last_cursor: None,
            announced: None,
        };
        let thread = std::thread::Builder::new().name("stepwise-capture".into()).spawn(move || worker.run())?;
        Ok(Self { stop, thread: Some(thread), stats })
    }
}

impl Drop for SharingThread {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct CaptureLoop {
    session: SessionHandle,
    open: SourceOpener,
    private: PrivateRegions,
    stop: Arc<AtomicBool>,
    stats: Arc<SharingStats>,
    on_error: Box<dyn Fn(CaptureError) + Send>,
    source: Option<Box<dyn ScreenSource>>,
    encoder: Encoder,
    /// The newest unsent image and when it was grabbed (unix ms).
    pending: Option<(ScreenImage, i64)>,
    last_sent: Option<Frame>,
    keyframe_owed: bool,
    skipped_since_sent: u32,
    lost_packets: u64,
    preview: Option<FrameSlot>,
    preview_at: Option<Instant>,
    last_cursor: Option<(u32, u32)>,
    /// The screen size last announced to the engineer (updates larger than it are refused there).
    announced: Option<(u32, u32)>,
}

impl CaptureLoop {
    fn run(mut self) {
        while !self.stop.load(Ordering::Acquire) && self.session.is_running() {
            let status = self.session.status().clone();
            if !status.screen_allowed() {
                // Paused, revoked, not yet granted or disconnected: the capture itself stops.
                self.source = None;
                self.pending = None;
                std::thread::sleep(GATE_POLL);
                continue;
            }
            let tick_started = Instant::now();
            if self.source.is_none() {
                match (self.open)() {
                    Ok(source) => {
                        self.source = Some(source);
                        self.encoder = Encoder::new(EncoderConfig::default());
                        self.keyframe_owed = true;
                        self.last_sent = None;
                    }
                    Err(err) => {
                        (self.on_error)(err);
                        std::thread::sleep(Duration::from_secs(1));
                        continue;
                    }
                }
            }
            self.step();
            let lost = status.lost_packets();
            let interval = if lost > self.lost_packets { LOSSY_FRAME_INTERVAL } else { MIN_FRAME_INTERVAL };
            self.lost_packets = lost;
            if let Some(rest) = interval.checked_sub(tick_started.elapsed()) {
                std::thread::sleep(rest);
            }
        }
    }

    /// One tick: grab if the screen changed; send the newest unsent image unless the link is busy.
    fn step(&mut self) {
        let status = self.session.status().clone();
        if status.take_keyframe_request() {
            self.keyframe_owed = true;
        }
        let Some(source) = self.source.as_mut() else { return };
        // Last check right before the grab: a pause clicked a moment ago closes the gate here.
        if !status.screen_allowed() {
            return;
        }
        let cursor = source.cursor();
        if cursor != self.last_cursor {
            self.last_cursor = cursor;
            if let Some((x, y)) = cursor {
                self.session.send(SessionCommand::Cursor { x, y });
            }
        }
        let grabbed = source.capture();
        if !status.screen_allowed() {
            // The gate closed while the grab was under way: throw it away unsent.
            if matches!(grabbed, Ok(Some(_))) {
                self.stats.discarded_at_close.fetch_add(1, Ordering::Relaxed);
            }
            self.pending = None;
            return;
        }
        match grabbed {
            Ok(Some(mut image)) => {
                self.stats.captured.fetch_add(1, Ordering::Relaxed);
                let regions = self.private.lock().unwrap_or_else(PoisonError::into_inner).clone();
                blank_regions(&mut image, &regions);
                if let Some(preview) = &self.preview
                    && self.preview_at.is_none_or(|at| at.elapsed() >= PREVIEW_INTERVAL)
                {
                    publish_preview(preview, &image);
                    self.preview_at = Some(Instant::now());
                }
                if self.pending.replace((image, now_ms())).is_some() {
                    // The older image was never sent: the newer one supersedes it.
                    self.stats.skipped.fetch_add(1, Ordering::Relaxed);
                    self.skipped_since_sent = self.skipped_since_sent.saturating_add(1);
                }
            }
            Ok(None) => {}
            Err(err) => {
                (self.on_error)(err);
                self.source = None;
                return;
            }
        }
        if status.frames_in_flight() >= MAX_FRAMES_IN_FLIGHT {
            return; // Busy: keep the newest image for the next tick.
        }
        let (frame, captured_at_ms) = match self.pending.take() {
            Some((image, grabbed_at_ms)) => match Frame::new(image.width, image.height, image.rgba) {
                Ok(frame) => (frame, grabbed_at_ms),
                Err(_) => return,
            },
            None if self.keyframe_owed => match self.last_sent.clone() {
                Some(frame) => (frame, now_ms()),
                None => return,
            },
            None => return,
        };
        if !self.keyframe_owed && self.last_sent.as_ref() == Some(&frame) {
            return; // Nothing changed: nothing to send.
        }
        if self.announced != Some((frame.width, frame.height)) {
            self.session.send(SessionCommand::AnnounceScreen { width: frame.width, height: frame.height });
            self.announced = Some((frame.width, frame.height));
            self.keyframe_owed = true;
        }
        self.encoder.set_config(encoder_config_for(&status));
        let update = self.encoder.encode(&frame, self.keyframe_owed);
        let header = ScreenHeader { captured_at_ms, skipped_frames: self.skipped_since_sent };
        if self.session.send(LinkCommand::SendFrame(wrap_screen_update(header, &update))) {
            self.stats.sent.fetch_add(1, Ordering::Relaxed);
            self.skipped_since_sent = 0;
            self.keyframe_owed = false;
        }
        self.last_sent = Some(frame);
    }
}
