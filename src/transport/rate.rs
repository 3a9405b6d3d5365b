//! The screen stream's rate controller, sans-IO (time is passed in, ms on any monotonic clock):
//! from when each update was handed to QUIC and when the peer had all of it, it estimates the
//! path's delivery rate, and from that and the round-trip time it gives
//! - the encoder's byte budget per update (what the path carries in [`BUDGET_MS`]),
//! - when the next update may go (paced a little above the delivery rate, below it while the RTT
//!   grows so the queue drains: the frame rate drops before latency does),
//! - a cap on the bytes in flight: a round trip of data plus one update's budget, so the
//!   bottleneck's queue holds at most about one update (the pacing keeps it lower; the cap
//!   catches an estimate that is too high); before the first delivery, one update at a time.
//!
//! It does not replace QUIC's congestion controller (which guards the network); it keeps the
//! application from queueing more than the path delivers.

use std::collections::VecDeque;

/// The budget of one update: what the path delivers in this long.
pub const BUDGET_MS: u64 = 150;
/// Smallest budget, bytes (a few tiles exact).
pub const MIN_BUDGET_BYTES: usize = 3_000;
/// The budget before the first delivery was measured: a first picture that reaches the viewer
/// quickly even on a narrow path (refined once the rate is known).
pub const START_BUDGET_BYTES: usize = 24_000;
/// Below this round trip the path is local (no budget before the first delivery), ms.
const LOCAL_RTT_MS: f64 = 5.0;
/// Delivery samples older than this are forgotten (the estimate is their upper quartile).
const SAMPLE_WINDOW_MS: u64 = 1_500;
/// Which quantile of the recent samples is the estimate (see
/// [`RateController::delivery_rate_bytes_per_s`]).
const ESTIMATE_QUANTILE: f64 = 0.75;
/// Updates smaller than this say little about the path's rate (unless nothing else is known).
const MIN_SAMPLE_BYTES: u64 = 2_000;
/// Shortest interval a sample is computed over, ms (timer granularity).
const MIN_SAMPLE_INTERVAL_MS: f64 = 4.0;
/// Pacing gain while the RTT stays near its minimum (a little above the estimate, so a higher
/// rate shows in the next samples).
const PROBE_GAIN: f64 = 1.25;
/// Pacing gain while the RTT grows (drains the queue).
const DRAIN_GAIN: f64 = 0.8;
/// The RTT counts as growing above `min_rtt * 1.5 + this`, ms.
const QUEUE_SLACK_MS: f64 = 10.0;

/// What the controller noted when an update was sent, handed back on its delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SentMark {
    /// When it was sent.
    pub sent_ms: u64,
    /// Bytes delivered before it was sent.
    delivered_before: u64,
    /// Since when the path was busy when it was sent (its own send time if it was idle).
    busy_since_ms: u64,
    /// Nothing else was in flight when it was sent.
    idle_start: bool,
    /// The sender had more to send than it sent (the update was cut to its budget, or waited
    /// for this controller): its delivery shows what the path carries, not what was offered.
    path_limited: bool,
}

/// Budget, pacing and in-flight cap for screen updates (see the module doc).
#[derive(Clone, Debug, Default)]
pub struct RateController {
    /// (when, bytes per second) of recent delivery samples.
    samples: VecDeque<(u64, f64)>,
    /// Their estimate (see [`RateController::delivery_rate_bytes_per_s`]), kept when they change:
    /// the sender asks for it several times per tick.
    estimate_bytes_per_s: Option<f64>,
    /// Bytes handed to QUIC and not yet delivered (or given up).
    bytes_in_flight: u64,
    /// When the last update was delivered.
    last_delivered_ms: Option<u64>,
    /// Bytes delivered so far.
    delivered_bytes: u64,
    /// When the next update may be sent.
    next_send_ms: u64,
    smoothed_rtt_ms: Option<f64>,
    min_rtt_ms: Option<f64>,
}

impl RateController {
    /// A controller that knows nothing about the path yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The path's round-trip time as last measured.
    pub fn on_path(&mut self, smoothed_rtt_ms: f64) {
        if smoothed_rtt_ms.is_finite() && smoothed_rtt_ms >= 0.0 {
            self.smoothed_rtt_ms = Some(smoothed_rtt_ms);
            self.min_rtt_ms = Some(self.min_rtt_ms.map_or(smoothed_rtt_ms, |min| min.min(smoothed_rtt_ms)));
        }
    }

    /// An update of `bytes` was handed to QUIC at `now_ms`; `path_limited` when the sender had
    /// more to send (see [`SentMark`]). Give the mark back on its delivery.
    pub fn on_sent(&mut self, now_ms: u64, bytes: u64, path_limited: bool) -> SentMark {
        let idle_start = self.bytes_in_flight == 0;
        let mark = SentMark {
            sent_ms: now_ms,
            delivered_before: self.delivered_bytes,
            busy_since_ms: if idle_start { now_ms } else { self.last_delivered_ms.unwrap_or(now_ms).min(now_ms) },
            idle_start,
            path_limited,
        };
        self.bytes_in_flight += bytes;
        let gain = if self.queue_growing() { DRAIN_GAIN } else { PROBE_GAIN };
        self.next_send_ms = match self.delivery_rate_bytes_per_s().map(|rate| rate * gain) {
            // A local path is not paced (its samples are mostly timer granularity).
            _ if self.is_local() => now_ms,
            Some(rate) if rate > 0.0 => self.next_send_ms.max(now_ms) + (bytes as f64 * 1_000.0 / rate) as u64,
            _ => now_ms,
        };
        mark
    }

    /// The peer had all `bytes` of the update sent with `mark` by `now_ms`. The rate sample is
    /// every byte delivered since the path was last seen busy before it was sent, over that time
    /// (less one trip when it started on an idle path and took at least half a trip more), so
    /// acknowledgements arriving in bunches do not inflate it.
    ///
    /// A sample of a path-limited update replaces samples older than the window; one of an
    /// update that was all the sender had (typing on a fast path) only counts when it is higher:
    /// it says the path carries at least that much, not that it carries no more.
    pub fn on_delivered(&mut self, now_ms: u64, mark: SentMark, bytes: u64) {
        self.bytes_in_flight = self.bytes_in_flight.saturating_sub(bytes);
        self.delivered_bytes += bytes;
        self.last_delivered_ms = Some(now_ms);
        let elapsed_ms = now_ms.saturating_sub(mark.busy_since_ms) as f64;
        let min_rtt = self.min_rtt_ms.unwrap_or(0.0);
        let interval_ms =
            if mark.idle_start && elapsed_ms - min_rtt >= min_rtt / 2.0 { elapsed_ms - min_rtt } else { elapsed_ms };
        let bytes = self.delivered_bytes - mark.delivered_before;
        if bytes < MIN_SAMPLE_BYTES && !self.samples.is_empty() {
            return;
        }
        let rate = bytes as f64 * 1_000.0 / interval_ms.max(MIN_SAMPLE_INTERVAL_MS);
        if mark.path_limited {
            while self.samples.front().is_some_and(|(at, _)| at + SAMPLE_WINDOW_MS < now_ms) {
                self.samples.pop_front();
            }
        } else if self.best_sample_bytes_per_s().is_some_and(|best| rate <= best) {
            return;
        }
        self.samples.push_back((now_ms, rate));
        self.estimate_bytes_per_s = upper_quartile(self.samples.iter().map(|(_, rate)| *rate).collect());
    }

    /// An update of `bytes` will never be delivered (its stream failed).
    pub fn on_abandoned(&mut self, bytes: u64) {
        self.bytes_in_flight = self.bytes_in_flight.saturating_sub(bytes);
    }

    /// The estimated delivery rate, bytes per second (none before the first delivery): the
    /// upper quartile of the recent samples. Not their maximum: a sample's interval runs between
    /// two acknowledgements, each up to the peer's ACK delay late, so on a narrow link single
    /// samples scatter around the path's rate and the maximum of a window of them sat 13–20 %
    /// above it (a standing queue in front of every new picture). Not their median either: some
    /// samples run low (an interval that began before the path was busy), and a median left the
    /// path underused (slower refinement).
    pub fn delivery_rate_bytes_per_s(&self) -> Option<f64> {
        self.estimate_bytes_per_s
    }

    /// The best recent sample: what a sample that only says "at least this much" must beat.
    fn best_sample_bytes_per_s(&self) -> Option<f64> {
        self.samples.iter().map(|(_, rate)| *rate).reduce(f64::max)
    }

    /// Bytes one update may take: what the path delivers in [`BUDGET_MS`]
    /// ([`START_BUDGET_BYTES`] before the first delivery; no limit on a local path then).
    pub fn update_budget_bytes(&self) -> usize {
        match self.delivery_rate_bytes_per_s() {
            Some(rate) => ((rate * BUDGET_MS as f64 / 1_000.0) as usize).max(MIN_BUDGET_BYTES),
            None if self.is_local() => usize::MAX,
            None => START_BUDGET_BYTES,
        }
    }

    /// Bytes handed to QUIC and not yet delivered.
    pub fn bytes_in_flight(&self) -> u64 {
        self.bytes_in_flight
    }

    /// Whether the path is local (its round trip below [`LOCAL_RTT_MS`]).
    fn is_local(&self) -> bool {
        self.min_rtt_ms.is_some_and(|rtt| rtt < LOCAL_RTT_MS)
    }

    /// Whether the RTT has grown well above its minimum (a queue is building).
    pub fn queue_growing(&self) -> bool {
        match (self.smoothed_rtt_ms, self.min_rtt_ms) {
            (Some(rtt), Some(min)) => rtt > min * 1.5 + QUEUE_SLACK_MS,
            _ => false,
        }
    }

    /// How long from `now_ms` until the next update may be handed to QUIC (0: now): paced at
    /// the delivery rate, and not while the flight is capped (see [`RateController::in_flight_capped`]).
    pub fn send_delay_ms(&self, now_ms: u64) -> u64 {
        if self.in_flight_capped() {
            // Wait for deliveries; look again within a few ms.
            return (MIN_SAMPLE_INTERVAL_MS as u64).max(1);
        }
        self.next_send_ms.saturating_sub(now_ms)
    }

    /// Whether more than a round trip of data plus one update's budget are in flight (the
    /// sender then waits because of the path, not its pacing); before the first delivery,
    /// whether anything is.
    pub fn in_flight_capped(&self) -> bool {
        let Some(rate) = self.delivery_rate_bytes_per_s() else {
            // Before the first delivery: one update at a time (unless the path is local).
            return !self.is_local() && self.bytes_in_flight > 0;
        };
        let round_trip_bytes = rate * self.min_rtt_ms.unwrap_or(0.0) / 1_000.0;
        let cap = round_trip_bytes + self.update_budget_bytes().min(usize::MAX / 2) as f64;
        self.bytes_in_flight as f64 > cap
    }
}

/// The [`ESTIMATE_QUANTILE`] of `rates`, interpolated between the two samples around it (`None`
/// without samples).
fn upper_quartile(mut rates: Vec<f64>) -> Option<f64> {
    if rates.is_empty() {
        return None;
    }
    rates.sort_by(f64::total_cmp);
    let position = ESTIMATE_QUANTILE * (rates.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = (below + 1).min(rates.len() - 1);
    let weight = position - below as f64;
    Some(rates[below] * (1.0 - weight) + rates[above] * weight)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asserts the estimate is within `tolerance` of `expected`, bytes per second.
    fn assert_rate_near(controller: &RateController, expected: f64, tolerance: f64) {
        let rate = controller.delivery_rate_bytes_per_s().expect("an estimate");
        assert!((rate - expected).abs() < tolerance, "{rate} is not {expected} ± {tolerance}");
    }

    /// A controller that has seen a 50 ms path deliver at `rate` bytes/s: five updates, each
    /// sent on the idle path.
    fn measured(rate: f64) -> RateController {
        let mut controller = RateController::new();
        controller.on_path(50.0);
        let bytes = 20_000u64;
        let step = (bytes as f64 * 1_000.0 / rate) as u64;
        let mut now = 1_000;
        for _ in 0..5 {
            let mark = controller.on_sent(now, bytes, true);
            now += 50 + step;
            controller.on_delivered(now, mark, bytes);
            now += 10;
        }
        controller
    }

    /// [`measured`] at `rate`, then one update of `bytes` sent and delivered at `(sent, delivered)` ms.
    fn measured_then(rate: f64, (sent_ms, delivered_ms): (u64, u64), bytes: u64, path_limited: bool) -> RateController {
        let mut controller = measured(rate);
        let mark = controller.on_sent(sent_ms, bytes, path_limited);
        controller.on_delivered(delivered_ms, mark, bytes);
        controller
    }

    #[test]
    fn before_any_delivery_the_start_budget_holds_one_update_at_a_time() {
        let mut controller = RateController::new();
        controller.on_path(50.0);
        assert_eq!(controller.update_budget_bytes(), START_BUDGET_BYTES);
        assert_eq!(controller.send_delay_ms(0), 0);
        let mark = controller.on_sent(0, 20_000, true);
        assert!(controller.in_flight_capped());
        controller.on_delivered(210, mark, 20_000);
        assert!(!controller.in_flight_capped());
    }

    #[test]
    fn the_budget_follows_the_measured_delivery_rate() {
        // 1 000 kbit/s = 125 000 B/s: 150 ms carry 18 750 B.
        let controller = measured(125_000.0);
        assert_rate_near(&controller, 125_000.0, 2_000.0);
        let budget = controller.update_budget_bytes();
        assert!((18_000..=19_500).contains(&budget), "{budget}");
    }

    #[test]
    fn an_update_sent_after_idle_is_measured_without_the_round_trip() {
        let mut controller = RateController::new();
        controller.on_path(50.0);
        let mark = controller.on_sent(0, 25_000, true);
        // 200 ms serialisation at 125 000 B/s plus the 50 ms trip.
        controller.on_delivered(250, mark, 25_000);
        assert_rate_near(&controller, 125_000.0, 1_000.0);
    }

    #[test]
    fn updates_are_paced_a_little_above_the_delivery_rate() {
        let mut controller = measured(125_000.0);
        let now = 10_000;
        assert_eq!(controller.send_delay_ms(now), 0);
        controller.on_sent(now, 12_500, true);
        // 12 500 B at 1.25 × 125 000 B/s: 80 ms.
        let delay = controller.send_delay_ms(now);
        assert!((75..=85).contains(&delay), "{delay}");
        assert!(!controller.in_flight_capped());
        assert_eq!(controller.send_delay_ms(now + delay), 0);
    }

    #[test]
    fn a_local_path_has_no_budget_before_the_first_delivery_and_no_pacing() {
        let mut controller = RateController::new();
        controller.on_path(0.4);
        assert_eq!(controller.update_budget_bytes(), usize::MAX);
        assert_eq!(controller.send_delay_ms(0), 0);
        let mark = controller.on_sent(0, 200_000, false);
        controller.on_delivered(1, mark, 200_000);
        controller.on_sent(2, 200_000, false);
        assert_eq!(controller.send_delay_ms(2), 0);
    }

    #[test]
    fn a_growing_round_trip_slows_the_pace() {
        let mut controller = measured(125_000.0);
        controller.on_path(200.0);
        assert!(controller.queue_growing());
        controller.on_sent(10_000, 10_000, true);
        // 10 000 B at 0.8 × 125 000 B/s: 100 ms.
        let delay = controller.send_delay_ms(10_000);
        assert!((95..=105).contains(&delay), "{delay}");
    }

    #[test]
    fn the_queue_holds_about_one_update() {
        let mut controller = measured(125_000.0);
        // Cap: 6 250 B (a round trip) + 18 750 B budget. One update and a round trip's data
        // more are allowed …
        let first = controller.on_sent(2_000, 18_000, true);
        assert_eq!(controller.send_delay_ms(2_000 + 150), 0);
        controller.on_sent(2_150, 8_000, true);
        // … a third one is not until something is delivered.
        assert!(controller.bytes_in_flight() > 25_000);
        assert!(controller.in_flight_capped());
        assert!(controller.send_delay_ms(2_300) > 0);
        // The first one arrives: 144 ms at 125 000 B/s plus the trip.
        controller.on_delivered(2_194, first, 18_000);
        assert_eq!(controller.send_delay_ms(2_300), 0);
    }

    #[test]
    fn old_samples_expire_so_the_estimate_can_fall() {
        // Far later, a slow path: 20 000 B took 400 ms beyond the trip.
        let controller = measured_then(1_000_000.0, (5_000, 5_450), 20_000, true);
        assert_rate_near(&controller, 50_000.0, 1_000.0);
    }

    #[test]
    fn acknowledgements_in_a_bunch_do_not_inflate_the_rate() {
        let mut controller = RateController::new();
        controller.on_path(50.0);
        let marks: Vec<SentMark> = (0..4).map(|_| controller.on_sent(0, 12_500, true)).collect();
        // 50 000 B at 125 000 B/s: the first after 150 ms, the other three acknowledged together.
        controller.on_delivered(150, marks[0], 12_500);
        for mark in &marks[1..] {
            controller.on_delivered(450, *mark, 12_500);
        }
        let rate = controller.delivery_rate_bytes_per_s().unwrap();
        assert!(rate < 130_000.0, "{rate}");
    }

    #[test]
    fn updates_that_were_all_the_sender_had_only_raise_the_estimate() {
        // Typing on the same path much later: small updates, delivered slowly for their size.
        let controller = measured_then(125_000.0, (9_000, 9_100), 2_500, false);
        assert_rate_near(&controller, 125_000.0, 2_000.0);
    }

    #[test]
    fn one_sample_far_above_the_others_does_not_make_the_estimate() {
        // An acknowledgement that came late makes the next interval short: one sample 40 % high.
        let controller = measured_then(125_000.0, (2_000, 2_164), 20_000, true);
        assert_rate_near(&controller, 125_000.0, 2_000.0);
    }

    #[test]
    fn abandoned_updates_leave_the_flight() {
        let mut controller = measured(125_000.0);
        controller.on_sent(9_000, 30_000, true);
        controller.on_abandoned(30_000);
        assert_eq!(controller.bytes_in_flight(), 0);
    }
}
