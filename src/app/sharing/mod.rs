//! The user's side of a live screen: a capture thread per session that grabs only while consent
//! with the view scope is in force (the source is closed the moment it is not), blanks private
//! regions, encodes against what the viewer has, and hands updates to the session task. Frames
//! that arrive while the link is busy are dropped before encoding, so the encoder's chain of
//! deltas never breaks and the newest screen always wins.

mod monitors;
mod still;
mod wake;

pub use monitors::{MonitorSwitch, monitor_list, switchable_opener};
pub use wake::CaptureWake;

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
/// Fastest capture rate (the interval a sharing thread polls its source at).
pub const MIN_FRAME_INTERVAL: Duration = Duration::from_millis(33);
/// Capture rate while the path is losing packets.
const LOSSY_FRAME_INTERVAL: Duration = Duration::from_millis(66);
/// How often a closed gate is looked at again.
const GATE_POLL: Duration = Duration::from_millis(10);
/// While the viewer holds an approximate picture, a new picture with at most this many changed
/// tiles (typing) goes ahead of the refinement (exact, with what is left of the budget refining);
/// a larger one waits, newest winning, so the picture turns exact within a bounded time.
const SMALL_CHANGE_TILES: usize = 8;
/// Shortest wait between looks while refining (the rate controller paces the updates).
const REFINE_MIN_WAIT: Duration = Duration::from_millis(3);
/// Longest a larger new picture waits for the refinement (video keeps moving, approximately).
const REFINE_HOLD_MAX: Duration = Duration::from_millis(3_000);
/// Capture interval right after the engineer's input was applied (the screen is about to change).
const FOLLOW_UP_FRAME_INTERVAL: Duration = Duration::from_millis(4);
/// How long after the engineer's last applied input the capture keeps the follow-up interval.
const FOLLOW_UP_WINDOW: Duration = Duration::from_millis(120);
/// How often the user's own preview of what is shared is refreshed.
const PREVIEW_INTERVAL: Duration = Duration::from_millis(500);

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

/// Optional parts of a sharing thread.
#[derive(Clone, Default)]
pub struct SharingExtras {
    /// Keeps a small preview of what is shared here, for the user's own window.
    pub preview: Option<FrameSlot>,
    /// Woken when the engineer's input was applied (see [`CaptureWake`]).
    pub wake: Option<CaptureWake>,
    /// Told when the user agreed to share another monitor (the source is reopened).
    pub monitor: Option<MonitorSwitch>,
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
        Self::spawn_with(session, open, private, on_error, SharingExtras::default())
    }

    /// Like [`SharingThread::spawn`], with a preview of what is shared and/or a wake-up on the
    /// engineer's applied input.
    pub fn spawn_with(
        session: SessionHandle,
        open: SourceOpener,
        private: PrivateRegions,
        on_error: Box<dyn Fn(CaptureError) + Send>,
        extras: SharingExtras,
    ) -> std::io::Result<Self> {
        let SharingExtras { preview, wake, monitor } = extras;
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
            wake: wake.unwrap_or_default(),
            monitor: monitor.unwrap_or_default(),
            still_sent: None,
            held: None,
            source_captured_at_ms: 0,
            held_since: None,
            held_by_link: false,
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
    /// Woken by the engineer's applied input.
    wake: CaptureWake,
    /// Which monitor to share; a switch reopens the source.
    monitor: MonitorSwitch,
    /// The last still sent (guidance-only mode).
    still_sent: Option<u64>,
    /// A source that does not reopen by itself (the system's dialog) failed or was cancelled
    /// when the gate had closed this many times: nothing is reopened until it closes again
    /// (pause, then resume).
    held: Option<u64>,
    /// When the picture the encoder converges to was captured (refinements carry it).
    source_captured_at_ms: i64,
    /// Since when a new picture has waited for the refinement of the last one.
    held_since: Option<Instant>,
    /// Something waited for the link since the last update (its delivery measures the path).
    held_by_link: bool,
}

impl CaptureLoop {
    fn run(mut self) {
        while !self.stop.load(Ordering::Acquire) && self.session.is_running() {
            let status = self.session.status().clone();
            if !status.screen_allowed() {
                // Paused, revoked, not yet granted or disconnected: the capture itself stops.
                self.source = None;
                self.pending = None;
                self.held = None;
                std::thread::sleep(GATE_POLL);
                continue;
            }
            if status.guidance_only() {
                // No live updates: only the still the engineer asked for, once.
                self.pending = None;
                match status.still_wanted().filter(|&still_id| self.still_sent != Some(still_id)) {
                    Some(still_id) if self.ensure_source() => self.take_still(still_id),
                    _ => std::thread::sleep(GATE_POLL),
                }
                continue;
            }
            let tick_started = Instant::now();
            let inputs_seen = self.wake.applied_count();
            if !self.ensure_source() {
                continue;
            }
            self.step();
            let lost = status.lost_packets();
            let interval = if self.wake.input_within(FOLLOW_UP_WINDOW) {
                FOLLOW_UP_FRAME_INTERVAL
            } else if self.encoder.has_approximate() && !self.keyframe_owed {
                // Refining: the next refinement goes as soon as the link takes it.
                Duration::from_millis(status.send_delay_ms()).clamp(REFINE_MIN_WAIT, MIN_FRAME_INTERVAL)
            } else if lost > self.lost_packets {
                LOSSY_FRAME_INTERVAL
            } else {
                MIN_FRAME_INTERVAL
            };
            self.lost_packets = lost;
            if let Some(rest) = interval.checked_sub(tick_started.elapsed()) {
                self.wake.sleep_unless_applied(inputs_seen, rest);
            }
        }
    }

    /// Opens the source if it is closed or another monitor was chosen; false (after telling and
    /// a pause) when it cannot be opened.
    fn ensure_source(&mut self) -> bool {
        if self.monitor.take_pending() {
            self.source = None;
        }
        if self.source.is_some() {
            return true;
        }
        if let Some(closings) = self.held {
            if self.session.status().screen_closings() == closings {
                std::thread::sleep(GATE_POLL);
                return false;
            }
            self.held = None;
        }
        match (self.open)() {
            Ok(source) => {
                if let Some(list) = source.monitors().and_then(|(all, shared)| monitor_list(&all, shared)) {
                    self.session.send(SessionCommand::AnnounceMonitors(list));
                }
                self.source = Some(source);
                self.encoder = Encoder::new(EncoderConfig::default());
                self.keyframe_owed = true;
                self.last_sent = None;
                true
            }
            Err(err) => {
                (self.on_error)(err);
                std::thread::sleep(Duration::from_secs(1));
                false
            }
        }
    }

    /// Tells why the source failed and closes it; one that asks the user again when reopened
    /// stays closed until sharing resumes.
    fn source_failed(&mut self, err: CaptureError) {
        (self.on_error)(err);
        if let Some(source) = self.source.take()
            && !source.reopens_by_itself()
        {
            self.held = Some(self.session.status().screen_closings());
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
                self.source_failed(err);
                return;
            }
        }
        let has_work = self.pending.is_some() || self.keyframe_owed || self.encoder.has_approximate();
        if !has_work {
            return;
        }
        if status.frames_in_flight() >= MAX_FRAMES_IN_FLIGHT || status.in_flight_capped() {
            // Waiting for the path: the next update's delivery measures it.
            self.held_by_link = true;
            return; // Busy: keep the newest image for the next tick.
        }
        if status.send_delay_ms() > 0 {
            return; // Paced (a wait of our own making says nothing about the path).
        }
        let budget = Some(status.update_budget_bytes());
        if !self.keyframe_owed && self.encoder.has_approximate() {
            let small = self.pending.as_ref().is_some_and(|(image, _)| {
                self.encoder
                    .changed_tile_count(image.width, image.height, &image.rgba)
                    .is_some_and(|count| count <= SMALL_CHANGE_TILES)
            });
            let held_too_long = self.held_since.is_some_and(|since| since.elapsed() >= REFINE_HOLD_MAX);
            if self.pending.is_none() || !(small || held_too_long) {
                if self.pending.is_some() {
                    self.held_since.get_or_insert_with(Instant::now);
                }
                self.send_refinement(budget);
                return;
            }
        }
        self.held_since = None;
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
        let encode_started = Instant::now();
        let update = self.encoder.encode_within(&frame, self.keyframe_owed, budget);
        tracing::debug!(
            budget = ?budget,
            bytes = update.len(),
            encode_ms = encode_started.elapsed().as_millis(),
            rate = ?status.delivery_rate_bytes_per_s(),
            "update"
        );
        self.source_captured_at_ms = captured_at_ms;
        let header = ScreenHeader { captured_at_ms, skipped_frames: self.skipped_since_sent };
        self.note_path_limited(&status);
        if self.session.send(LinkCommand::SendFrame(wrap_screen_update(header, &update))) {
            self.stats.sent.fetch_add(1, Ordering::Relaxed);
            self.skipped_since_sent = 0;
            self.keyframe_owed = false;
        }
        self.last_sent = Some(frame);
    }

    /// Tells the rate controller when the update about to go was path-limited: cut to its budget
    /// (tiles left approximate) or preceded by a wait for the link.
    fn note_path_limited(&mut self, status: &LinkStatus) {
        if self.encoder.has_approximate() || std::mem::take(&mut self.held_by_link) {
            status.mark_next_update_path_limited();
        }
    }

    /// Sends the next refinement of the approximate tiles within `budget`; it shows the picture
    /// captured at `source_captured_at_ms`.
    fn send_refinement(&mut self, budget: Option<usize>) {
        let encode_started = Instant::now();
        let Some(update) = self.encoder.refine(budget) else { return };
        tracing::debug!(
            budget = ?budget,
            bytes = update.len(),
            encode_ms = encode_started.elapsed().as_millis(),
            "refinement"
        );
        let header = ScreenHeader { captured_at_ms: self.source_captured_at_ms, skipped_frames: 0 };
        let status = self.session.status().clone();
        self.note_path_limited(&status);
        if self.session.send(LinkCommand::SendFrame(wrap_screen_update(header, &update))) {
            self.stats.sent.fetch_add(1, Ordering::Relaxed);
        } else {
            // The update never left: the encoder's reference is ahead of the viewer's.
            self.keyframe_owed = true;
        }
    }
}
