//! SLA arithmetic: deadlines per priority, a clock that pauses while waiting on the user, and
//! the urgency key the sidebar sorts by. Pure: time is always passed in.

use serde::{Deserialize, Serialize};

use super::ticket::{Priority, Status};

const MS_PER_MINUTE: i64 = 60_000;
/// Longest accepted SLA target: one year.
const MAX_TARGET_MINUTES: i64 = 366 * 24 * 60;
/// Sort keys of paused clocks start here, after every running deadline (unix ms < 1e14).
const PAUSED_KEY_BASE: i64 = 1_000_000_000_000_000;
/// Sort keys of stopped clocks (resolved, closed) start here.
const STOPPED_KEY_BASE: i64 = 2_000_000_000_000_000;
const MAX_UNIX_MS: i64 = 100_000_000_000_000;

/// Response and resolution targets for one priority.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaTargets {
    /// Time allowed until the first response.
    pub response_minutes: i64,
    /// Time allowed until the ticket is resolved.
    pub resolution_minutes: i64,
}

/// The SLA in force: targets per priority and the share of a window that counts as "at risk".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaPolicy {
    /// Targets for urgent tickets.
    pub urgent: SlaTargets,
    /// Targets for important tickets.
    pub important: SlaTargets,
    /// Targets for normal tickets.
    pub normal: SlaTargets,
    /// A deadline is at risk when less than this share of its window is left.
    pub at_risk_percent: i64,
}

/// Why an SLA configuration file was refused.
#[derive(Debug, thiserror::Error)]
pub enum SlaPolicyError {
    /// Not valid JSON or missing keys.
    #[error("the SLA file is not valid: {0}")]
    Malformed(#[from] serde_json::Error),
    /// A target is zero, negative or absurdly large.
    #[error("the {priority} {which} target must be between 1 and {MAX_TARGET_MINUTES} minutes (got {minutes})")]
    TargetOutOfRange {
        /// Which priority.
        priority: &'static str,
        /// "response" or "resolution".
        which: &'static str,
        /// The value given.
        minutes: i64,
    },
    /// The at-risk share is not a percentage.
    #[error("at_risk_percent must be between 1 and 99 (got {0})")]
    AtRiskOutOfRange(i64),
}

/// The SLA shipped with Stepwise (`assets/sla-defaults.json`).
pub const DEFAULT_POLICY_JSON: &str = include_str!("../../assets/sla-defaults.json");

impl Default for SlaPolicy {
    fn default() -> Self {
        // The shipped file is checked by a unit test; a broken build asset is a programming error.
        Self::from_json(DEFAULT_POLICY_JSON).expect("assets/sla-defaults.json is valid")
    }
}

impl SlaPolicy {
    /// Parses and checks a policy file.
    pub fn from_json(text: &str) -> Result<Self, SlaPolicyError> {
        let policy: SlaPolicy = serde_json::from_str(text)?;
        for priority in Priority::ALL {
            let targets = policy.targets(*priority);
            for (which, minutes) in [("response", targets.response_minutes), ("resolution", targets.resolution_minutes)]
            {
                if !(1..=MAX_TARGET_MINUTES).contains(&minutes) {
                    return Err(SlaPolicyError::TargetOutOfRange { priority: priority.as_str(), which, minutes });
                }
            }
        }
        if !(1..=99).contains(&policy.at_risk_percent) {
            return Err(SlaPolicyError::AtRiskOutOfRange(policy.at_risk_percent));
        }
        Ok(policy)
    }

    /// The targets for one priority.
    pub fn targets(&self, priority: Priority) -> SlaTargets {
        match priority {
            Priority::Urgent => self.urgent,
            Priority::Important => self.important,
            Priority::Normal => self.normal,
        }
    }
}

/// Per-ticket clock: when it started, how long it was paused, and whether it runs now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaClock {
    /// When the clock started (ticket creation), unix ms.
    pub started_at_ms: i64,
    /// Response target in ms.
    pub response_target_ms: i64,
    /// Resolution target in ms.
    pub resolution_target_ms: i64,
    /// First response (moving past "assigned"), unix ms.
    pub responded_at_ms: Option<i64>,
    /// Total time spent paused or stopped before the current pause, ms.
    pub paused_total_ms: i64,
    /// Set while the clock does not run (waiting on user, resolved, closed), unix ms.
    pub paused_since_ms: Option<i64>,
}

/// Which deadline the clock is counting down to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaTarget {
    /// The first response.
    Response,
    /// The resolution.
    Resolution,
}

/// How a deadline stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaLevel {
    /// Plenty of time.
    OnTrack,
    /// Less than the at-risk share of the window is left.
    AtRisk,
    /// Overdue.
    Breached,
}

/// A reading of the clock at one instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlaReading {
    /// The deadline counted down to.
    pub target: SlaTarget,
    /// Time left; negative when overdue.
    pub remaining_ms: i64,
    /// How it stands.
    pub level: SlaLevel,
    /// The clock is paused (waiting on user) or stopped (resolved/closed).
    pub paused: bool,
}

impl SlaClock {
    /// A running clock started at `started_at_ms` with the targets of `priority`.
    pub fn start(started_at_ms: i64, policy: &SlaPolicy, priority: Priority) -> Self {
        let mut clock = SlaClock {
            started_at_ms,
            response_target_ms: 0,
            resolution_target_ms: 0,
            responded_at_ms: None,
            paused_total_ms: 0,
            paused_since_ms: None,
        };
        clock.retarget(policy, priority);
        clock
    }

    /// Applies the targets of a (new) priority; time already spent is kept.
    pub fn retarget(&mut self, policy: &SlaPolicy, priority: Priority) {
        let targets = policy.targets(priority);
        self.response_target_ms = targets.response_minutes * MS_PER_MINUTE;
        self.resolution_target_ms = targets.resolution_minutes * MS_PER_MINUTE;
    }

    /// Updates the clock for a status change at `now_ms`: pauses, resumes, records the response.
    pub fn on_status(&mut self, status: Status, now_ms: i64) {
        if status.counts_as_response() && self.responded_at_ms.is_none() {
            self.responded_at_ms = Some(now_ms);
        }
        match (status.sla_clock_runs(), self.paused_since_ms) {
            (true, Some(since)) => {
                self.paused_total_ms += (now_ms - since).max(0);
                self.paused_since_ms = None;
            }
            (false, None) => self.paused_since_ms = Some(now_ms),
            _ => {}
        }
    }

    /// Running time spent on the ticket so far (pauses excluded), ms.
    pub fn elapsed_ms(&self, now_ms: i64) -> i64 {
        let until = self.paused_since_ms.unwrap_or(now_ms);
        (until - self.started_at_ms - self.paused_total_ms).max(0)
    }

    /// The deadline that matters now: the response until there was one, then the resolution.
    pub fn current_target(&self) -> (SlaTarget, i64) {
        if self.responded_at_ms.is_none() {
            (SlaTarget::Response, self.response_target_ms)
        } else {
            (SlaTarget::Resolution, self.resolution_target_ms)
        }
    }

    /// Reads the clock at `now_ms`.
    pub fn read(&self, now_ms: i64, policy: &SlaPolicy) -> SlaReading {
        let (target, window_ms) = self.current_target();
        let remaining_ms = window_ms - self.elapsed_ms(now_ms);
        let level = if remaining_ms <= 0 {
            SlaLevel::Breached
        } else if remaining_ms * 100 < window_ms * policy.at_risk_percent {
            SlaLevel::AtRisk
        } else {
            SlaLevel::OnTrack
        };
        SlaReading { target, remaining_ms, level, paused: self.paused_since_ms.is_some() }
    }

    /// Absolute deadline of the current target while the clock runs, unix ms.
    pub fn due_at_ms(&self) -> i64 {
        let (_, window_ms) = self.current_target();
        self.started_at_ms + self.paused_total_ms + window_ms
    }

    /// The key the sidebar sorts by, ascending = most urgent first. It does not change while
    /// a clock is paused, so it can be stored and indexed: running clocks by deadline, then
    /// paused ones by time left, then open-but-stopped ones, most recently stopped first.
    pub fn urgency_key(&self, status: Status) -> i64 {
        match self.paused_since_ms {
            None => self.due_at_ms(),
            Some(since) if status.is_open() => {
                let (_, window_ms) = self.current_target();
                let remaining_ms = window_ms - (since - self.started_at_ms - self.paused_total_ms);
                PAUSED_KEY_BASE + remaining_ms.clamp(-MAX_UNIX_MS, MAX_UNIX_MS)
            }
            Some(since) => STOPPED_KEY_BASE + (MAX_UNIX_MS - since.clamp(0, MAX_UNIX_MS)),
        }
    }
}

impl SlaClock {
    /// From when the ticket counts as "SLA at risk" (unix ms), for filtering in SQL: for a running
    /// clock the instant its remaining time drops under the at-risk share; for a paused one
    /// `Some(0)` if it was already at risk when paused, else `None`; `None` once stopped.
    pub fn at_risk_from_ms(&self, status: Status, policy: &SlaPolicy) -> Option<i64> {
        let (_, window_ms) = self.current_target();
        match self.paused_since_ms {
            None => Some(self.due_at_ms() - window_ms * policy.at_risk_percent / 100),
            Some(since) if status.is_open() => (self.read(since, policy).level >= SlaLevel::AtRisk).then_some(0),
            Some(_) => None,
        }
    }

    /// From when the ticket counts as breached (unix ms), with the same rules as
    /// [`SlaClock::at_risk_from_ms`].
    pub fn breach_at_ms(&self, status: Status, policy: &SlaPolicy) -> Option<i64> {
        match self.paused_since_ms {
            None => Some(self.due_at_ms()),
            Some(since) if status.is_open() => (self.read(since, policy).level == SlaLevel::Breached).then_some(0),
            Some(_) => None,
        }
    }
}

/// Formats a duration as a compact countdown: `2h 05m`, `45m`, `3d 4h`, with a minus when overdue.
pub fn format_countdown(remaining_ms: i64) -> String {
    let sign = if remaining_ms < 0 { "-" } else { "" };
    let total_minutes = remaining_ms.unsigned_abs() / 60_000;
    let (days, hours, minutes) = (total_minutes / 1440, (total_minutes / 60) % 24, total_minutes % 60);
    if days > 0 {
        format!("{sign}{days}d {hours}h")
    } else if hours > 0 {
        format!("{sign}{hours}h {minutes:02}m")
    } else {
        format!("{sign}{minutes}m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = MS_PER_MINUTE;

    #[test]
    fn shipped_policy_is_valid() {
        let policy = SlaPolicy::default();
        assert_eq!(policy.urgent.response_minutes, 15);
        assert!(policy.normal.resolution_minutes > policy.important.resolution_minutes);
    }

    #[test]
    fn policy_rejects_nonsense() {
        let bad = DEFAULT_POLICY_JSON.replace("\"response_minutes\": 15", "\"response_minutes\": 0");
        assert!(matches!(SlaPolicy::from_json(&bad), Err(SlaPolicyError::TargetOutOfRange { .. })));
        assert!(matches!(SlaPolicy::from_json("{"), Err(SlaPolicyError::Malformed(_))));
        let risky = DEFAULT_POLICY_JSON.replace("\"at_risk_percent\": 20", "\"at_risk_percent\": 150");
        assert!(matches!(SlaPolicy::from_json(&risky), Err(SlaPolicyError::AtRiskOutOfRange(150))));
    }

    #[test]
    fn response_then_resolution_countdown() {
        let policy = SlaPolicy::default();
        let mut clock = SlaClock::start(0, &policy, Priority::Urgent);
        let reading = clock.read(10 * MIN, &policy);
        assert_eq!(reading.target, SlaTarget::Response);
        assert_eq!(reading.remaining_ms, 5 * MIN);
        assert_eq!(reading.level, SlaLevel::OnTrack);
        // 14 of 15 minutes gone: less than 20 % left.
        assert_eq!(clock.read(13 * MIN, &policy).level, SlaLevel::AtRisk);
        clock.on_status(Status::InProgress, 14 * MIN);
        let reading = clock.read(14 * MIN, &policy);
        assert_eq!(reading.target, SlaTarget::Resolution);
        assert_eq!(reading.remaining_ms, 226 * MIN);
        assert_eq!(clock.read(241 * MIN, &policy).level, SlaLevel::Breached);
        assert_eq!(clock.read(241 * MIN, &policy).remaining_ms, -MIN);
    }

    #[test]
    fn waiting_on_user_pauses_the_clock() {
        let policy = SlaPolicy::default();
        let mut clock = SlaClock::start(0, &policy, Priority::Urgent);
        clock.on_status(Status::InProgress, 5 * MIN);
        clock.on_status(Status::WaitingOnUser, 60 * MIN);
        let paused = clock.read(500 * MIN, &policy);
        assert!(paused.paused);
        assert_eq!(paused.remaining_ms, 180 * MIN, "time stands still while waiting");
        clock.on_status(Status::InProgress, 500 * MIN);
        let resumed = clock.read(510 * MIN, &policy);
        assert!(!resumed.paused);
        assert_eq!(resumed.remaining_ms, 170 * MIN);
        assert_eq!(clock.paused_total_ms, 440 * MIN);
        assert_eq!(clock.due_at_ms(), (240 + 440) * MIN);
    }

    #[test]
    fn resolve_stops_and_reopen_resumes() {
        let policy = SlaPolicy::default();
        let mut clock = SlaClock::start(0, &policy, Priority::Normal);
        clock.on_status(Status::InProgress, 10 * MIN);
        clock.on_status(Status::Resolved, 100 * MIN);
        assert_eq!(clock.elapsed_ms(10_000 * MIN), 100 * MIN);
        clock.on_status(Status::InProgress, 200 * MIN);
        assert_eq!(clock.elapsed_ms(250 * MIN), 150 * MIN);
    }

    #[test]
    fn priority_change_keeps_elapsed_time() {
        let policy = SlaPolicy::default();
        let mut clock = SlaClock::start(0, &policy, Priority::Normal);
        clock.on_status(Status::InProgress, MIN);
        clock.retarget(&policy, Priority::Urgent);
        assert_eq!(clock.read(300 * MIN, &policy).level, SlaLevel::Breached);
    }

    #[test]
    fn urgency_key_orders_running_paused_stopped() {
        let policy = SlaPolicy::default();
        let urgent = SlaClock::start(0, &policy, Priority::Urgent);
        let normal = SlaClock::start(0, &policy, Priority::Normal);
        let mut waiting = SlaClock::start(0, &policy, Priority::Urgent);
        waiting.on_status(Status::WaitingOnUser, MIN);
        let mut resolved = SlaClock::start(0, &policy, Priority::Urgent);
        resolved.on_status(Status::Resolved, MIN);
        let keys = [
            urgent.urgency_key(Status::New),
            normal.urgency_key(Status::New),
            waiting.urgency_key(Status::WaitingOnUser),
            resolved.urgency_key(Status::Resolved),
        ];
        assert!(keys.windows(2).all(|pair| pair[0] < pair[1]), "{keys:?}");
    }

    #[test]
    fn countdown_format() {
        assert_eq!(format_countdown(45 * MIN), "45m");
        assert_eq!(format_countdown(125 * MIN), "2h 05m");
        assert_eq!(format_countdown(-(3 * 1440 + 4 * 60) * MIN), "-3d 4h");
    }
}
