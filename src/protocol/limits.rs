//! Per-session limits on what a peer may send: a rate (token bucket) and a total per kind.
//!
//! A paired peer is still untrusted: a flood of chat lines, scope changes, step answers or arrows
//! would grow transcripts, timelines and memory without bound. Every message of a limited kind is
//! applied (nothing the peer said is silently lost from the transcript), but each one over the
//! rate counts as a strike; too many strikes, or more than the session total, end the session as
//! a protocol violation. Time is passed in (sans-IO).

/// What is limited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitedKind {
    /// Chat lines (either side).
    Chat,
    /// Scope changes, pauses and resumes (from the user).
    ConsentChange,
    /// Step answers (from the user).
    StepAnswer,
    /// Arrows, highlights, removals and clears (from the engineer, on the user's side).
    Annotation,
    /// Step cards, resent or edited (from the engineer, on the user's side).
    Step,
    /// Screenshots the engineer kept (each one a line in the user's receipts).
    Screenshot,
    /// Remote control input events (from the engineer, on the user's side): a fast typist and
    /// a moving pointer stay far below it.
    Input,
}

impl LimitedKind {
    /// Every kind.
    pub const ALL: [LimitedKind; 7] = [
        LimitedKind::Chat,
        LimitedKind::ConsentChange,
        LimitedKind::StepAnswer,
        LimitedKind::Annotation,
        LimitedKind::Step,
        LimitedKind::Screenshot,
        LimitedKind::Input,
    ];

    /// The limit of this kind: (burst, sustained per minute, session total).
    pub const fn limit(self) -> Limit {
        match self {
            LimitedKind::Chat => Limit { burst: 20, per_minute: 60, session_total: 2_000 },
            LimitedKind::ConsentChange => Limit { burst: 10, per_minute: 30, session_total: 500 },
            LimitedKind::StepAnswer => Limit { burst: 10, per_minute: 30, session_total: 1_000 },
            LimitedKind::Annotation => Limit { burst: 30, per_minute: 240, session_total: 5_000 },
            LimitedKind::Step => Limit { burst: 10, per_minute: 60, session_total: 1_000 },
            LimitedKind::Screenshot => Limit { burst: 5, per_minute: 12, session_total: 500 },
            LimitedKind::Input => Limit { burst: 2_000, per_minute: 60_000, session_total: 20_000_000 },
        }
    }

    /// Plain words for a violation message.
    pub fn describe(self) -> &'static str {
        match self {
            LimitedKind::Chat => "chat lines",
            LimitedKind::ConsentChange => "scope changes",
            LimitedKind::StepAnswer => "step answers",
            LimitedKind::Annotation => "arrows",
            LimitedKind::Step => "steps",
            LimitedKind::Screenshot => "screenshots",
            LimitedKind::Input => "input events",
        }
    }

    fn index(self) -> usize {
        match self {
            LimitedKind::Chat => 0,
            LimitedKind::ConsentChange => 1,
            LimitedKind::StepAnswer => 2,
            LimitedKind::Annotation => 3,
            LimitedKind::Step => 4,
            LimitedKind::Screenshot => 5,
            LimitedKind::Input => 6,
        }
    }
}

/// One kind's limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Messages allowed at once.
    pub burst: u32,
    /// Sustained messages per minute.
    pub per_minute: u32,
    /// Messages allowed in one session.
    pub session_total: u32,
}

/// Strikes (messages over the rate) a peer may accumulate before the session ends.
pub const MAX_STRIKES: u32 = 40;

/// Why a peer's message broke its limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitExceeded {
    /// Kept sending faster than the rate.
    Rate(LimitedKind),
    /// Sent more than the session allows.
    Total(LimitedKind),
}

impl std::fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LimitExceeded::Rate(kind) => write!(f, "the peer kept sending {} too fast", kind.describe()),
            LimitExceeded::Total(kind) => {
                write!(f, "the peer sent more than {} {} in one session", kind.limit().session_total, kind.describe())
            }
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct Bucket {
    /// Tokens in thousandths, so refills stay exact in integers.
    milli_tokens: u64,
    refilled_at_ms: i64,
    total: u32,
    started: bool,
}

/// The peer's usage of every limited kind.
#[derive(Clone, Debug, Default)]
pub struct PeerLimits {
    buckets: [Bucket; LimitedKind::ALL.len()],
    strikes: u32,
}

impl PeerLimits {
    /// Counts one message of `kind` at `now_ms`; `Err` when the session must end.
    pub fn admit(&mut self, kind: LimitedKind, now_ms: i64) -> Result<(), LimitExceeded> {
        let limit = kind.limit();
        let bucket = &mut self.buckets[kind.index()];
        let capacity = u64::from(limit.burst) * 1_000;
        if !bucket.started {
            *bucket = Bucket { milli_tokens: capacity, refilled_at_ms: now_ms, total: 0, started: true };
        }
        let elapsed_ms = u64::try_from(now_ms.saturating_sub(bucket.refilled_at_ms)).unwrap_or(0);
        let refill = elapsed_ms.saturating_mul(u64::from(limit.per_minute)) / 60;
        bucket.milli_tokens = bucket.milli_tokens.saturating_add(refill).min(capacity);
        bucket.refilled_at_ms = bucket.refilled_at_ms.max(now_ms);
        bucket.total = bucket.total.saturating_add(1);
        if bucket.total > limit.session_total {
            return Err(LimitExceeded::Total(kind));
        }
        if bucket.milli_tokens >= 1_000 {
            bucket.milli_tokens -= 1_000;
        } else {
            self.strikes += 1;
            if self.strikes > MAX_STRIKES {
                return Err(LimitExceeded::Rate(kind));
            }
        }
        Ok(())
    }

    /// Messages over the rate so far.
    pub fn strikes(&self) -> u32 {
        self.strikes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_typing_never_hits_the_limit() {
        let mut limits = PeerLimits::default();
        // One line every two seconds for an hour.
        for n in 0..1_800 {
            assert_eq!(limits.admit(LimitedKind::Chat, n * 2_000), Ok(()));
        }
        assert_eq!(limits.strikes(), 0);
    }

    #[test]
    fn a_flood_ends_after_the_burst_and_the_strikes() {
        let mut limits = PeerLimits::default();
        let burst = LimitedKind::Chat.limit().burst;
        let mut admitted = 0;
        let result = loop {
            match limits.admit(LimitedKind::Chat, 1_000) {
                Ok(()) => admitted += 1,
                Err(exceeded) => break exceeded,
            }
        };
        assert_eq!(result, LimitExceeded::Rate(LimitedKind::Chat));
        assert_eq!(admitted, burst + MAX_STRIKES);
    }

    #[test]
    fn the_session_total_holds_even_at_a_polite_rate() {
        let mut limits = PeerLimits::default();
        let total = LimitedKind::ConsentChange.limit().session_total;
        for n in 0..i64::from(total) {
            assert_eq!(limits.admit(LimitedKind::ConsentChange, n * 10_000), Ok(()));
        }
        let next = limits.admit(LimitedKind::ConsentChange, i64::from(total) * 10_000);
        assert_eq!(next, Err(LimitExceeded::Total(LimitedKind::ConsentChange)));
    }

    #[test]
    fn kinds_are_counted_apart_and_time_going_backwards_is_harmless() {
        let mut limits = PeerLimits::default();
        for _ in 0..LimitedKind::Annotation.limit().burst {
            assert_eq!(limits.admit(LimitedKind::Annotation, 5_000), Ok(()));
        }
        assert_eq!(limits.admit(LimitedKind::Chat, 4_000), Ok(()));
        assert_eq!(limits.strikes(), 0);
        assert_eq!(limits.admit(LimitedKind::Annotation, i64::MIN), Ok(()));
        assert_eq!(limits.strikes(), 1);
    }
}
