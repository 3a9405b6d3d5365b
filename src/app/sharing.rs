//! The user's side of a live screen: a capture thread per session that grabs only while consent
//! with the view scope is in force (the source is closed the moment it is not), blanks private
//! regions, encodes against what the viewer has, and hands updates to the session task. Frames
//! that arrive while the link is busy are dropped before encoding, so the encoder's chain of
//! deltas never breaks and the newest screen always wins.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::capture::{
    CaptureError, DisplayMonitor, PixelRect, ScreenImage, ScreenSource, SourceChoice, blank_regions, open_source,
};
use crate::codec::{Encoder, EncoderConfig, Frame};
use crate::model::now_ms;
use crate::protocol::SessionCommand;
use crate::protocol::monitors::{MAX_MONITOR_NAME_CHARS, MAX_MONITORS, MonitorInfo, MonitorList};
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
/// A still's coarse pass averages blocks of this many pixels a side (shown first, then refined).
const STILL_COARSE_BLOCK: u32 = 16;
/// zstd level of a still's exact pass (one picture on a slow link: worth the encoder's time).
const STILL_ZSTD_LEVEL: i32 = 19;
/// How often the user's own preview of what is shared is refreshed.
const PREVIEW_INTERVAL: Duration = Duration::from_millis(500);

/// The still's coarse pass: each `block`×`block` square filled with its average colour, so the
/// engineer sees the layout within a fraction of the exact picture's bytes.
fn coarse_picture(frame: &Frame, block: u32) -> Frame {
    let (width, height) = (frame.width as usize, frame.height as usize);
    let block = block.max(1) as usize;
    let mut rgba = vec![0u8; frame.rgba.len()];
    for top in (0..height).step_by(block) {
        for left in (0..width).step_by(block) {
            let (bottom, right) = ((top + block).min(height), (left + block).min(width));
            let mut sum = [0u64; 4];
            for y in top..bottom {
                for pixel in frame.rgba[(y * width + left) * 4..(y * width + right) * 4].chunks_exact(4) {
                    for (total, &value) in sum.iter_mut().zip(pixel) {
                        *total += u64::from(value);
                    }
                }
            }
            let count = ((bottom - top) * (right - left)) as u64;
            let average = sum.map(|total| u8::try_from(total / count).unwrap_or(u8::MAX));
            for y in top..bottom {
                for pixel in rgba[(y * width + left) * 4..(y * width + right) * 4].chunks_exact_mut(4) {
                    pixel.copy_from_slice(&average);
                }
            }
        }
    }
    Frame { width: frame.width, height: frame.height, rgba }
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

/// Wakes the capture thread when the engineer's input was applied on this computer, so the
/// change reaches the viewer without waiting for the next capture tick. It changes only *when*
/// the thread grabs: what is grabbed and sent is still gated by the view scope.
#[derive(Clone, Default)]
pub struct CaptureWake(Arc<WakeState>);

#[derive(Default)]
struct WakeState {
    /// How many inputs were applied so far, and when the last one was.
    applied: Mutex<(u64, Option<Instant>)>,
    signal: Condvar,
}

impl CaptureWake {
    /// Tells the capture thread an input was just applied (it grabs at once, then keeps a fast
    /// interval for a short while).
    pub fn input_applied(&self) {
        let mut applied = self.0.applied.lock().unwrap_or_else(PoisonError::into_inner);
        applied.0 = applied.0.wrapping_add(1);
        applied.1 = Some(Instant::now());
        self.0.signal.notify_all();
    }

    /// How many inputs were applied so far.
    fn applied_count(&self) -> u64 {
        self.0.applied.lock().unwrap_or_else(PoisonError::into_inner).0
    }

    /// Whether an input was applied within `window`.
    fn input_within(&self, window: Duration) -> bool {
        let applied = self.0.applied.lock().unwrap_or_else(PoisonError::into_inner);
        applied.1.is_some_and(|at| at.elapsed() < window)
    }

    /// Sleeps up to `timeout`, returning early once more than `seen` inputs were applied.
    fn sleep_unless_applied(&self, seen: u64, timeout: Duration) {
        let applied = self.0.applied.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = self
            .0
            .signal
            .wait_timeout_while(applied, timeout, |applied| applied.0 == seen)
            .unwrap_or_else(PoisonError::into_inner);
    }
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

/// Which monitor of the live screen is shared; switched only after the user agreed to the
/// engineer's request. The capture thread reopens its source on the next tick.
#[derive(Clone, Debug, Default)]
pub struct MonitorSwitch {
    current: Arc<AtomicUsize>,
    pending: Arc<AtomicBool>,
}

impl MonitorSwitch {
    /// Starting on monitor `index`.
    pub fn new(index: usize) -> Self {
        Self { current: Arc::new(AtomicUsize::new(index)), pending: Arc::new(AtomicBool::new(false)) }
    }

    /// Share monitor `index` from now on.
    pub fn switch_to(&self, index: usize) {
        self.current.store(index, Ordering::Release);
        self.pending.store(true, Ordering::Release);
    }

    /// The monitor shared (or about to be).
    pub fn current(&self) -> usize {
        self.current.load(Ordering::Acquire)
    }

    fn take_pending(&self) -> bool {
        self.pending.swap(false, Ordering::AcqRel)
    }
}

/// An opener for `choice` that, for the live screen, opens the monitor `switch` names.
pub fn switchable_opener(choice: SourceChoice, switch: MonitorSwitch) -> SourceOpener {
    Box::new(move || match &choice {
        SourceChoice::Screen { .. } => open_source(&SourceChoice::Screen { monitor: switch.current() }),
        other => open_source(other),
    })
}

/// The protocol's list of `monitors` (at most [`MAX_MONITORS`], names cut to their limit);
/// `None` when the shared one does not fit in it.
pub fn monitor_list(monitors: &[DisplayMonitor], shared: usize) -> Option<MonitorList> {
    let monitors: Vec<MonitorInfo> = monitors
        .iter()
        .take(MAX_MONITORS)
        .map(|monitor| MonitorInfo {
            name: monitor.name.chars().take(MAX_MONITOR_NAME_CHARS).collect(),
            x: monitor.x,
            y: monitor.y,
            width: monitor.width,
            height: monitor.height,
        })
        .collect();
    let list = MonitorList { monitors, shared: u32::try_from(shared).ok()? };
    list.validate().ok().map(|()| list)
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

    /// Guidance-only: one exact still of the shared monitor (private regions blanked), sent as a
    /// coarse keyframe first (something shows early), then the exact picture as a delta on it,
    /// then the notice that the still is complete.
    fn take_still(&mut self, still_id: u64) {
        let Some(source) = self.source.as_mut() else { return };
        let grabbed = source.capture();
        if !self.session.status().screen_allowed() {
            return; // Paused or stopped meanwhile: nothing leaves.
        }
        let mut image = match grabbed {
            Ok(Some(image)) => image,
            // Unchanged since the last grab: that picture is the screen.
            Ok(None) => match self.last_sent.clone() {
                Some(frame) => ScreenImage { width: frame.width, height: frame.height, rgba: frame.rgba },
                None => return,
            },
            Err(err) => {
                self.source_failed(err);
                return;
            }
        };
        self.stats.captured.fetch_add(1, Ordering::Relaxed);
        let captured_at_ms = now_ms();
        let regions = self.private.lock().unwrap_or_else(PoisonError::into_inner).clone();
        blank_regions(&mut image, &regions);
        let Ok(frame) = Frame::new(image.width, image.height, image.rgba) else { return };
        if self.announced != Some((frame.width, frame.height)) {
            self.session.send(SessionCommand::AnnounceScreen { width: frame.width, height: frame.height });
            self.announced = Some((frame.width, frame.height));
        }
        self.encoder.set_config(EncoderConfig::default());
        let coarse = self.encoder.encode(&coarse_picture(&frame, STILL_COARSE_BLOCK), true);
        self.encoder.set_compression_level(Some(STILL_ZSTD_LEVEL));
        let exact = self.encoder.encode(&frame, false);
        self.encoder.set_compression_level(None);
        let header = ScreenHeader { captured_at_ms, skipped_frames: 0 };
        let sent = [coarse, exact]
            .iter()
            .all(|update| self.session.send(LinkCommand::SendFrame(wrap_screen_update(header, update))));
        if sent && self.session.send(SessionCommand::FinishStill { captured_at_ms }) {
            self.stats.sent.fetch_add(2, Ordering::Relaxed);
            self.still_sent = Some(still_id);
        }
        self.last_sent = Some(frame);
        // Back in live mode the viewer starts afresh.
        self.keyframe_owed = true;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_applied_input_ends_the_capture_sleep() {
        let wake = CaptureWake::default();
        let seen = wake.applied_count();
        let notifier = {
            let wake = wake.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(20));
                wake.input_applied();
            })
        };
        let started = Instant::now();
        wake.sleep_unless_applied(seen, Duration::from_secs(30));
        assert!(started.elapsed() < Duration::from_secs(20), "the sleep ran to its timeout");
        assert_eq!(wake.applied_count(), seen + 1);
        assert!(wake.input_within(FOLLOW_UP_WINDOW * 100));
        notifier.join().unwrap();
    }

    #[test]
    fn an_input_applied_before_the_sleep_is_not_missed() {
        let wake = CaptureWake::default();
        let seen = wake.applied_count();
        wake.input_applied();
        let started = Instant::now();
        wake.sleep_unless_applied(seen, Duration::from_secs(30));
        assert!(started.elapsed() < Duration::from_secs(20));
    }

    #[test]
    fn the_coarse_pass_averages_blocks_and_keeps_the_size() {
        let mut rgba = vec![0u8; 10 * 3 * 4];
        // Left 8×3 block: half the pixels white.
        for (index, pixel) in rgba.chunks_exact_mut(4).enumerate() {
            let (x, y) = (index % 10, index / 10);
            if x < 8 && (x + y) % 2 == 0 {
                pixel.copy_from_slice(&[255, 255, 255, 255]);
            }
            if x >= 8 {
                pixel.copy_from_slice(&[10, 20, 30, 255]);
            }
        }
        let frame = Frame::new(10, 3, rgba).unwrap();
        let coarse = coarse_picture(&frame, 8);
        assert_eq!((coarse.width, coarse.height, coarse.rgba.len()), (10, 3, frame.rgba.len()));
        assert_eq!(&coarse.rgba[..4], &[127, 127, 127, 127]);
        assert_eq!(&coarse.rgba[(2 * 10 + 7) * 4..(2 * 10 + 8) * 4], &[127, 127, 127, 127]);
        assert_eq!(&coarse.rgba[(2 * 10 + 9) * 4..], &[10, 20, 30, 255], "the ragged edge block");
    }

    #[test]
    fn without_input_the_normal_tick_stays() {
        let wake = CaptureWake::default();
        assert!(!wake.input_within(FOLLOW_UP_WINDOW));
        let started = Instant::now();
        wake.sleep_unless_applied(wake.applied_count(), Duration::from_millis(30));
        assert!(started.elapsed() >= Duration::from_millis(30));
    }
}
