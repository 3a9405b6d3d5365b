//! A congestion controller for live screens: random loss (Wi-Fi, mobile) is not congestion, so it
//! does not halve the window for scattered losses; it backs off when an RTT's worth of packets
//! loses more than [`LOSS_TOLERANCE`] (a full queue drops bursts), when the RTT grows well past
//! its minimum (a queue is building: bufferbloat), and on persistent congestion. Screen traffic
//! is application-limited most of the time: the window only grows on packets that filled it.

use std::any::Any;
use std::sync::Arc;
use std::time::{Duration, Instant};

use quinn::congestion::{Controller, ControllerFactory};
use quinn_proto::RttEstimator;

/// Share of an RTT's packets that may be lost before it counts as congestion.
pub const LOSS_TOLERANCE: f64 = 0.10;
/// Share of a round's packets lost above which, in the first slow start, the window was far too
/// large for the path: it drops to what the round delivered rather than by half (from the initial
/// window into a narrow link, halving takes a round trip per step, each losing most of its
/// packets again). Later, such a round is more likely a short outage (Wi-Fi) than a window that
/// never fitted, and it halves as any other.
const HEAVY_LOSS_SHARE: f64 = 0.5;
/// Queueing delay above the minimum RTT that counts as a queue building.
const QUEUE_DELAY_LIMIT: Duration = Duration::from_millis(60);
/// Smallest window, packets.
const MIN_WINDOW_PACKETS: u64 = 4;
/// Starting window, bytes: one compressed 1080p keyframe goes out in the first round trip.
const INITIAL_WINDOW_BYTES: u64 = 160 * 1_200;

/// Builds [`ScreenController`]s.
#[derive(Debug, Default)]
pub struct ScreenControllerConfig;

impl ControllerFactory for ScreenControllerConfig {
    fn build(self: Arc<Self>, now: Instant, current_mtu: u16) -> Box<dyn Controller> {
        Box::new(ScreenController::new(now, u64::from(current_mtu)))
    }
}

/// The controller; see the module docs.
#[derive(Clone, Debug)]
pub struct ScreenController {
    mtu: u64,
    window: u64,
    slow_start_threshold: u64,
    recovery_started: Option<Instant>,
    epoch_started: Instant,
    acked_in_epoch: u64,
    lost_in_epoch: u64,
    rtt: Duration,
    min_rtt: Duration,
}

impl ScreenController {
    fn new(now: Instant, mtu: u64) -> Self {
        Self {
            mtu,
            window: INITIAL_WINDOW_BYTES,
            slow_start_threshold: u64::MAX,
            recovery_started: None,
            epoch_started: now,
            acked_in_epoch: 0,
            lost_in_epoch: 0,
            rtt: Duration::from_millis(100),
            min_rtt: Duration::MAX,
        }
    }

    fn min_window(&self) -> u64 {
        MIN_WINDOW_PACKETS * self.mtu
    }

    /// Halves the window; after a first slow-start round that lost most of what it sent (a
    /// window far beyond the path, as a first burst into a narrow link), down to what that round
    /// delivered instead.
    fn back_off(&mut self, now: Instant, loss_share: f64) {
        tracing::debug!(
            window = self.window,
            acked = self.acked_in_epoch,
            lost = self.lost_in_epoch,
            rtt_ms = self.rtt.as_millis(),
            "congestion: backing off"
        );
        let halved = self.window / 2;
        let first_slow_start = self.slow_start_threshold == u64::MAX;
        let target =
            if first_slow_start && loss_share > HEAVY_LOSS_SHARE { halved.min(self.acked_in_epoch) } else { halved };
        self.window = target.max(self.min_window());
        self.slow_start_threshold = self.window;
        self.recovery_started = Some(now);
    }

    /// Once per RTT: was that round congested?
    fn end_epoch(&mut self, now: Instant) {
        if now.duration_since(self.epoch_started) < self.rtt {
            return;
        }
        let total = self.acked_in_epoch + self.lost_in_epoch;
        let loss_share = if total == 0 { 0.0 } else { self.lost_in_epoch as f64 / total as f64 };
        // A couple of packets lost in a short round is noise, not a full queue.
        let enough_losses = self.lost_in_epoch >= 3 * self.mtu;
        let queueing = self.min_rtt != Duration::MAX && self.rtt > self.min_rtt * 2 + QUEUE_DELAY_LIMIT;
        let in_recovery = self.recovery_started.is_some_and(|at| now.duration_since(at) < self.rtt);
        if ((loss_share > LOSS_TOLERANCE && enough_losses) || queueing) && !in_recovery {
            self.back_off(now, loss_share);
        }
        self.epoch_started = now;
        self.acked_in_epoch = 0;
        self.lost_in_epoch = 0;
    }
}

impl Controller for ScreenController {
    fn on_ack(&mut self, now: Instant, sent: Instant, bytes: u64, app_limited: bool, rtt: &RttEstimator) {
        self.rtt = rtt.get();
        self.min_rtt = self.min_rtt.min(rtt.min());
        self.acked_in_epoch += bytes;
        if app_limited || self.recovery_started.is_some_and(|at| sent <= at) {
            return;
        }
        if self.window < self.slow_start_threshold {
            self.window += bytes;
        } else {
            self.window += (self.mtu * bytes / self.window.max(1)).max(1);
        }
        self.end_epoch(now);
    }

    fn on_end_acks(&mut self, now: Instant, _in_flight: u64, _app_limited: bool, _largest_acked: Option<u64>) {
        self.end_epoch(now);
    }

    fn on_congestion_event(&mut self, now: Instant, _sent: Instant, is_persistent_congestion: bool, lost_bytes: u64) {
        self.lost_in_epoch += lost_bytes;
        if is_persistent_congestion {
            self.window = self.min_window();
            self.slow_start_threshold = self.window;
            self.recovery_started = Some(now);
        }
    }

    fn on_mtu_update(&mut self, new_mtu: u16) {
        self.mtu = u64::from(new_mtu);
        self.window = self.window.max(self.min_window());
    }

    fn window(&self) -> u64 {
        self.window
    }

    fn clone_box(&self) -> Box<dyn Controller> {
        Box::new(self.clone())
    }

    fn initial_window(&self) -> u64 {
        INITIAL_WINDOW_BYTES
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The window of a fresh controller after its first round on a `rtt_ms` path delivered
    /// `acked` packets and lost `lost`.
    fn window_after_first_round(rtt_ms: u64, acked: u64, lost: u64) -> u64 {
        let start = Instant::now();
        let mut controller = ScreenController::new(start, 1_200);
        controller.rtt = Duration::from_millis(rtt_ms);
        controller.acked_in_epoch = acked * 1_200;
        controller.on_congestion_event(start, start, false, lost * 1_200);
        controller.end_epoch(start + Duration::from_millis(rtt_ms + 10));
        controller.window()
    }

    #[test]
    fn a_first_burst_that_mostly_got_lost_drops_to_what_the_path_delivered() {
        // The initial window into a narrow link: 6 packets delivered, 40 lost.
        assert_eq!(window_after_first_round(300, 6, 40), 6 * 1_200);
        // Never below the smallest window.
        assert_eq!(window_after_first_round(300, 1, 30), 4 * 1_200);
        // Less than half lost: halved as usual.
        assert_eq!(window_after_first_round(50, 60, 20), INITIAL_WINDOW_BYTES / 2);
    }

    #[test]
    fn scattered_loss_keeps_the_window_but_a_burst_halves_it() {
        let start = Instant::now();
        let mut controller = ScreenController::new(start, 1_200);
        controller.rtt = Duration::from_millis(50);
        let window = controller.window();
        // 2 % loss over a round: tolerated.
        controller.acked_in_epoch = 98 * 1_200;
        controller.on_congestion_event(start, start, false, 2 * 1_200);
        controller.end_epoch(start + Duration::from_millis(60));
        assert_eq!(controller.window(), window);
        // A single loss in a tiny round: noise.
        controller.acked_in_epoch = 4 * 1_200;
        controller.on_congestion_event(start, start, false, 1_200);
        controller.end_epoch(start + Duration::from_millis(90));
        assert_eq!(controller.window(), window);
        // 30 % loss in the next round: congestion.
        controller.acked_in_epoch = 70 * 1_200;
        controller.on_congestion_event(start, start, false, 30 * 1_200);
        controller.end_epoch(start + Duration::from_millis(120));
        assert_eq!(controller.window(), window / 2);
        // After the first slow start, a round that lost most of its packets (an outage) halves.
        controller.recovery_started = None;
        controller.acked_in_epoch = 20 * 1_200;
        controller.on_congestion_event(start, start, false, 60 * 1_200);
        controller.end_epoch(start + Duration::from_millis(400));
        assert_eq!(controller.window(), window / 4);
        // Persistent congestion: down to the minimum.
        controller.on_congestion_event(start, start, true, 1_200);
        assert_eq!(controller.window(), 4 * 1_200);
    }
}
