//! The wall clock. Everything else in the model takes time as an argument (`now_ms`), so rules
//! and SLA arithmetic are tested with any time; only the app's edges read the clock.

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
