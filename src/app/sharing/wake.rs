//! Waking the capture thread when the engineer's input was applied on this computer.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

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
    pub(super) fn applied_count(&self) -> u64 {
        self.0.applied.lock().unwrap_or_else(PoisonError::into_inner).0
    }

    /// Whether an input was applied within `window`.
    pub(super) fn input_within(&self, window: Duration) -> bool {
        let applied = self.0.applied.lock().unwrap_or_else(PoisonError::into_inner);
        applied.1.is_some_and(|at| at.elapsed() < window)
    }

    /// Sleeps up to `timeout`, returning early once more than `seen` inputs were applied.
    pub(super) fn sleep_unless_applied(&self, seen: u64, timeout: Duration) {
        let applied = self.0.applied.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = self
            .0
            .signal
            .wait_timeout_while(applied, timeout, |applied| applied.0 == seen)
            .unwrap_or_else(PoisonError::into_inner);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::sharing::FOLLOW_UP_WINDOW;

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
    fn without_input_the_normal_tick_stays() {
        let wake = CaptureWake::default();
        assert!(!wake.input_within(FOLLOW_UP_WINDOW));
        let started = Instant::now();
        wake.sleep_unless_applied(wake.applied_count(), Duration::from_millis(30));
        assert!(started.elapsed() >= Duration::from_millis(30));
    }
}
