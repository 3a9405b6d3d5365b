//! What the capture loop and the viewer need to know about a live link, shared without locks:
//! whether screen data may flow, how many updates are in flight, whether a keyframe is wanted,
//! and the path figures from quinn.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use super::rate::{RateController, SentMark};

/// Live figures of one session link. The session task writes; anyone may read.
#[derive(Debug)]
pub struct LinkStatus {
    screen_allowed: AtomicBool,
    /// Engineer side: the screen is shared and the record scope is in force.
    keeping_allowed: AtomicBool,
    /// Closed by the user's click, until the session task has caught up.
    user_hold: AtomicBool,
    /// How often the gate closed (a click or the protocol), however briefly.
    screen_closings: AtomicU64,
    frames_in_flight: AtomicUsize,
    keyframe_wanted: AtomicBool,
    rtt_ms: AtomicU64,
    congestion_window_bytes: AtomicU64,
    lost_packets: AtomicU64,
    frames_sent: AtomicU64,
    /// The session is in guidance-only mode: no live updates.
    guidance_only: AtomicBool,
    /// User side: the still the engineer asked for and this side has not finished (0: none).
    still_wanted: AtomicU64,
    /// The connection in use goes through a TURN relay.
    relayed: AtomicBool,
    /// Budget and pacing of screen updates from their deliveries (user side).
    rate: Mutex<RateController>,
    /// The clock the rate controller's times count from.
    epoch: Option<Instant>,
    /// The next update is path-limited (see [`LinkStatus::mark_next_update_path_limited`]).
    next_path_limited: AtomicBool,
}

impl Default for LinkStatus {
    fn default() -> Self {
        Self {
            screen_allowed: AtomicBool::default(),
            keeping_allowed: AtomicBool::default(),
            user_hold: AtomicBool::default(),
            frames_in_flight: AtomicUsize::default(),
            keyframe_wanted: AtomicBool::default(),
            rtt_ms: AtomicU64::default(),
            congestion_window_bytes: AtomicU64::default(),
            lost_packets: AtomicU64::default(),
            frames_sent: AtomicU64::default(),
            guidance_only: AtomicBool::default(),
            still_wanted: AtomicU64::default(),
            relayed: AtomicBool::default(),
            screen_closings: AtomicU64::default(),
            rate: Mutex::new(RateController::new()),
            epoch: Some(Instant::now()),
            next_path_limited: AtomicBool::new(false),
        }
    }
}

impl LinkStatus {
    /// Whether consent with the view scope is in force and the link is up (user side: capture
    /// only while this holds).
    pub fn screen_allowed(&self) -> bool {
        self.screen_allowed.load(Ordering::Acquire) && !self.user_hold.load(Ordering::Acquire)
    }

    /// Closes the gate at once (the user clicked pause or stop), before the session task has
    /// processed the command, so no further frame is captured. It stays closed until the
    /// protocol itself has closed it (the pause or revoke was applied) and opens it again.
    pub fn close_screen_gate(&self) {
        self.user_hold.store(true, Ordering::Release);
        self.screen_closings.fetch_add(1, Ordering::AcqRel);
    }

    /// How many times the gate has closed so far (a pause and resume faster than anyone polls
    /// still counts): the capture waits for a change of it before asking the user again.
    pub fn screen_closings(&self) -> u64 {
        self.screen_closings.load(Ordering::Acquire)
    }

    /// Engineer side: whether the screen is shared under the record scope (a recording may be
    /// kept), as the protocol says after the last input; frames handed over since are covered.
    pub fn keeping_allowed(&self) -> bool {
        self.keeping_allowed.load(Ordering::Acquire)
    }

    /// Whether the session is in guidance-only mode (the capture sends only stills asked for).
    pub fn guidance_only(&self) -> bool {
        self.guidance_only.load(Ordering::Acquire)
    }

    /// User side: the still asked for and not yet finished, if any.
    pub fn still_wanted(&self) -> Option<u64> {
        Some(self.still_wanted.load(Ordering::Acquire)).filter(|&id| id != 0)
    }

    pub(super) fn set_guidance(&self, guidance_only: bool, still_wanted: Option<u64>) {
        self.guidance_only.store(guidance_only, Ordering::Release);
        self.still_wanted.store(still_wanted.unwrap_or(0), Ordering::Release);
    }

    pub(super) fn set_keeping_allowed(&self, allowed: bool) {
        self.keeping_allowed.store(allowed, Ordering::Release);
    }

    pub(super) fn set_screen_allowed(&self, allowed: bool) {
        if self.screen_allowed.swap(allowed, Ordering::AcqRel) && !allowed {
            self.screen_closings.fetch_add(1, Ordering::AcqRel);
        }
        if !allowed {
            // The protocol has caught up with the user's click: the hold has done its job.
            self.user_hold.store(false, Ordering::Release);
        }
    }

    /// Screen updates sent but not yet acknowledged by the peer.
    pub fn frames_in_flight(&self) -> usize {
        self.frames_in_flight.load(Ordering::Acquire)
    }

    /// An update of `bytes` was handed to QUIC; the mark goes back with [`LinkStatus::frame_done`].
    pub(super) fn frame_started(&self, bytes: usize) -> SentMark {
        self.frames_in_flight.fetch_add(1, Ordering::AcqRel);
        self.frames_sent.fetch_add(1, Ordering::AcqRel);
        let now = self.clock_ms();
        let path_limited = self.next_path_limited.swap(false, Ordering::AcqRel);
        self.rate().on_sent(now, bytes as u64, path_limited)
    }

    /// User side, before handing over a screen update: the sender had more to send than this
    /// update (it was cut to its budget, refines what is left, or had waited), so its delivery
    /// measures the path.
    pub fn mark_next_update_path_limited(&self) {
        self.next_path_limited.store(true, Ordering::Release);
    }

    /// The update of `bytes` sent with `mark` was delivered whole, or given up.
    pub(super) fn frame_done(&self, bytes: usize, mark: SentMark, delivered: bool) {
        let _ = self.frames_in_flight.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| Some(n.saturating_sub(1)));
        let now = self.clock_ms();
        let mut rate = self.rate();
        if delivered {
            rate.on_delivered(now, mark, bytes as u64);
        } else {
            rate.on_abandoned(bytes as u64);
        }
    }

    /// The screen stream's byte budget for the next update.
    pub fn update_budget_bytes(&self) -> usize {
        self.rate().update_budget_bytes()
    }

    /// How long until the next screen update may be sent, ms (0: now).
    pub fn send_delay_ms(&self) -> u64 {
        let now = self.clock_ms();
        self.rate().send_delay_ms(now)
    }

    /// Whether screen updates wait for deliveries (too much in flight for the path).
    pub fn in_flight_capped(&self) -> bool {
        self.rate().in_flight_capped()
    }

    /// The estimated delivery rate of screen updates, bytes per second.
    pub fn delivery_rate_bytes_per_s(&self) -> Option<f64> {
        self.rate().delivery_rate_bytes_per_s()
    }

    fn rate(&self) -> std::sync::MutexGuard<'_, RateController> {
        self.rate.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn clock_ms(&self) -> u64 {
        self.epoch.map_or(0, |epoch| u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX))
    }

    /// Screen updates sent so far.
    pub fn frames_sent(&self) -> u64 {
        self.frames_sent.load(Ordering::Acquire)
    }

    /// Takes a pending keyframe request (the viewer lost state, or the link was re-established).
    pub fn take_keyframe_request(&self) -> bool {
        self.keyframe_wanted.swap(false, Ordering::AcqRel)
    }

    pub(super) fn want_keyframe(&self) {
        self.keyframe_wanted.store(true, Ordering::Release);
    }

    /// The path of the connection in use.
    pub fn path(&self) -> crate::protocol::LinkPath {
        if self.relayed.load(Ordering::Acquire) {
            crate::protocol::LinkPath::Relayed
        } else {
            crate::protocol::LinkPath::Direct
        }
    }

    pub(super) fn set_path(&self, path: crate::protocol::LinkPath) {
        self.relayed.store(path == crate::protocol::LinkPath::Relayed, Ordering::Release);
    }

    /// Smoothed round-trip time, ms.
    pub fn rtt_ms(&self) -> u64 {
        self.rtt_ms.load(Ordering::Acquire)
    }

    /// Congestion window, bytes.
    pub fn congestion_window_bytes(&self) -> u64 {
        self.congestion_window_bytes.load(Ordering::Acquire)
    }

    /// Packets lost so far on the path.
    pub fn lost_packets(&self) -> u64 {
        self.lost_packets.load(Ordering::Acquire)
    }

    pub(super) fn update_path(&self, connection: &quinn::Connection) {
        let stats = connection.stats();
        self.rate().on_path(stats.path.rtt.as_secs_f64() * 1_000.0);
        self.rtt_ms.store(u64::try_from(stats.path.rtt.as_millis()).unwrap_or(u64::MAX), Ordering::Release);
        self.congestion_window_bytes.store(stats.path.cwnd, Ordering::Release);
        self.lost_packets.store(stats.path.lost_packets, Ordering::Release);
    }
}
