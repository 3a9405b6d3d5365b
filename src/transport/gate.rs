//! The join code's gate: which code works now, until when, and how many wrong attempts it has
//! taken, per source address and in total. A source that got the code wrong too often is shut
//! out on its own; only many wrong attempts overall burn the code for everyone. Every attempt is
//! reserved before the key exchange starts, so parallel connections cannot guess more often than
//! the limits allow. The engineer can replace the code of a session nobody has joined yet.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::protocol::pairing::SessionKey;
use crate::protocol::{JoinCode, JoinLink, PairingVerdict};

/// How many wrong attempts the gate takes before it shuts a source out, and before it burns the
/// code for everyone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttemptLimits {
    /// Wrong attempts one source address may make.
    pub per_source: u32,
    /// Wrong attempts from all sources together before the code is burned.
    pub total: u32,
}

/// One wrong attempt, as the engineer is told about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WrongAttempt {
    /// Where it came from (the IP address; ports change from one try to the next).
    pub source: IpAddr,
    /// Wrong attempts from this source under the current code, this one included.
    pub source_attempts: u32,
    /// Whether this source is now shut out.
    pub source_blocked: bool,
    /// Wrong attempts the code still takes (from anywhere) before it is burned.
    pub attempts_left: u32,
}

/// Why a new code could not be issued.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NewCodeError {
    /// The user has joined (or the session is over): a code would open nothing.
    #[error("the user has already joined, or the session is over")]
    NotWaiting,
    /// The operating system gave no randomness.
    #[error("no randomness for a new code: {0}")]
    Randomness(String),
}

/// A code issued by [`CodeControl::new_code`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCode {
    /// The link with the new code (same host and port).
    pub link: JoinLink,
    /// When the new code stops working, unix ms.
    pub expires_at_ms: i64,
}

/// Where the gate stands.
pub(super) enum GateState {
    /// Waiting for the user.
    Open,
    /// Too many wrong attempts.
    Burned,
    /// Too late.
    Expired,
    /// Paired; resumes with this id and key are accepted while `accepting_resume`.
    Paired { session_id: [u8; 16], key: SessionKey, accepting_resume: bool },
    /// Over.
    Ended,
}

#[derive(Clone, Copy, Debug, Default)]
struct SourceCount {
    wrong: u32,
    pending: u32,
}

/// The code's state, shared by the session task, the pairing tasks and the engineer's console.
pub(super) struct Gate {
    pub(super) code: JoinCode,
    pub(super) state: GateState,
    pub(super) expires_at: Instant,
    limits: AttemptLimits,
    /// Counts under the current code; a new code starts from nothing.
    sources: BTreeMap<IpAddr, SourceCount>,
    wrong_total: u32,
    pending_total: u32,
    /// Bumped by each new code: attempts begun under an older code count for nothing.
    generation: u64,
    /// Whether the engineer was told this code expired.
    expiry_reported: bool,
}

/// The answer to a finished key exchange.
pub(super) enum Outcome {
    /// The keys matched and the gate was open: paired under this session id.
    Paired { confirm: Vec<u8>, session_id: [u8; 16] },
    /// Refused; `wrong` is set when it was counted as a wrong attempt, `burned` when that burned
    /// the code.
    Refused { verdict: PairingVerdict, wrong: Option<WrongAttempt>, burned: bool },
}

impl Gate {
    /// An open gate for `code`, working until `expires_at`.
    pub(super) fn new(code: JoinCode, expires_at: Instant, limits: AttemptLimits) -> Self {
        Self {
            code,
            state: GateState::Open,
            expires_at,
            limits,
            sources: BTreeMap::new(),
            wrong_total: 0,
            pending_total: 0,
            generation: 0,
            expiry_reported: false,
        }
    }

    /// Marks an open gate expired once its time is up; `true` if it just expired.
    pub(super) fn expire_if_due(&mut self, now: Instant) -> bool {
        let due = matches!(self.state, GateState::Open) && now >= self.expires_at;
        if due {
            self.state = GateState::Expired;
        }
        due
    }

    /// Whether the session task still has to tell the engineer this code expired (or watch the
    /// clock for it): open, or expired by a pairing attempt before the task noticed.
    pub(super) fn expiry_pending(&self) -> bool {
        match self.state {
            GateState::Open => true,
            GateState::Expired => !self.expiry_reported,
            _ => false,
        }
    }

    /// Expires the code if due; `true` once per code when it is expired and not yet reported.
    pub(super) fn take_expiry(&mut self, now: Instant) -> bool {
        self.expire_if_due(now);
        let report = matches!(self.state, GateState::Expired) && !self.expiry_reported;
        if report {
            self.expiry_reported = true;
        }
        report
    }

    /// Whether nobody has joined yet (the code may be open, burned or expired).
    pub(super) fn is_waiting(&self) -> bool {
        matches!(self.state, GateState::Open | GateState::Burned | GateState::Expired)
    }

    fn refusal(&self) -> Option<PairingVerdict> {
        match self.state {
            GateState::Open => None,
            GateState::Burned => Some(PairingVerdict::CodeBurned),
            GateState::Expired => Some(PairingVerdict::CodeExpired),
            GateState::Paired { .. } | GateState::Ended => Some(PairingVerdict::CodeUsed),
        }
    }

    /// Reserves one attempt for `source`, or says why there is none. A shut-out source, or one
    /// with as many attempts under way as it has left, is told the code no longer works (for
    /// it, it does not).
    fn reserve(&mut self, source: IpAddr, now: Instant) -> Result<(JoinCode, u64), PairingVerdict> {
        self.expire_if_due(now);
        if let Some(verdict) = self.refusal() {
            return Err(verdict);
        }
        let count = self.sources.get(&source).copied().unwrap_or_default();
        if count.wrong + count.pending >= self.limits.per_source
            || self.wrong_total + self.pending_total >= self.limits.total
        {
            return Err(PairingVerdict::CodeBurned);
        }
        let entry = self.sources.entry(source).or_default();
        entry.pending += 1;
        self.pending_total += 1;
        Ok((self.code.clone(), self.generation))
    }

    fn release(&mut self, source: IpAddr, generation: u64) {
        if generation != self.generation {
            return;
        }
        if let Some(count) = self.sources.get_mut(&source) {
            count.pending = count.pending.saturating_sub(1);
        }
        self.pending_total = self.pending_total.saturating_sub(1);
    }

    /// Settles a reserved attempt: `key` is the confirmed key, `None` for a wrong code.
    fn settle(&mut self, source: IpAddr, generation: u64, key: Option<SessionKey>, session_id: [u8; 16]) -> Outcome {
        self.release(source, generation);
        let refused = |verdict| Outcome::Refused { verdict, wrong: None, burned: false };
        if generation != self.generation {
            // The engineer replaced the code while this attempt was under way.
            return refused(PairingVerdict::CodeExpired);
        }
        if let Some(verdict) = self.refusal() {
            return refused(verdict);
        }
        let Some(key) = key else { return self.count_wrong(source) };
        let confirm = key.confirmation(crate::protocol::Role::Engineer);
        self.state = GateState::Paired { session_id, key, accepting_resume: false };
        Outcome::Paired { confirm, session_id }
    }

    fn count_wrong(&mut self, source: IpAddr) -> Outcome {
        let entry = self.sources.entry(source).or_default();
        entry.wrong += 1;
        let source_attempts = entry.wrong;
        self.wrong_total += 1;
        let source_blocked = source_attempts >= self.limits.per_source;
        let attempts_left = self.limits.total.saturating_sub(self.wrong_total);
        let burned = attempts_left == 0;
        if burned {
            self.state = GateState::Burned;
        }
        let verdict = if burned || source_blocked {
            PairingVerdict::CodeBurned
        } else {
            let for_source = self.limits.per_source - source_attempts;
            PairingVerdict::WrongCode { attempts_left: for_source.min(attempts_left) }
        };
        let wrong = WrongAttempt { source, source_attempts, source_blocked, attempts_left };
        Outcome::Refused { verdict, wrong: Some(wrong), burned }
    }

    /// Replaces the code of a session nobody has joined: counts start again, the old code stops
    /// working at once (attempts under way with it are refused).
    fn renew(&mut self, code: JoinCode, expires_at: Instant) -> Result<(), NewCodeError> {
        if !self.is_waiting() {
            return Err(NewCodeError::NotWaiting);
        }
        self.code = code;
        self.state = GateState::Open;
        self.expires_at = expires_at;
        self.sources.clear();
        self.wrong_total = 0;
        self.pending_total = 0;
        self.generation += 1;
        self.expiry_reported = false;
        Ok(())
    }
}

/// Locks the gate. A panic while holding this lock would be a bug in a few lines of
/// bookkeeping; keep going with the data as it is rather than take the console down.
pub(super) fn lock(gate: &Mutex<Gate>) -> MutexGuard<'_, Gate> {
    gate.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One reserved attempt. Dropped unsettled (the connection went away or took too long), it
/// gives its reservation back without counting as wrong: no guess was checked.
pub(super) struct Attempt {
    gate: Arc<Mutex<Gate>>,
    source: IpAddr,
    generation: u64,
    settled: bool,
}

impl Attempt {
    /// Reserves an attempt from `source` (its canonical IP): the code to pair with, or the
    /// verdict that refuses it.
    pub(super) fn reserve(gate: &Arc<Mutex<Gate>>, source: IpAddr) -> Result<(Self, JoinCode), PairingVerdict> {
        let source = source.to_canonical();
        let (code, generation) = lock(gate).reserve(source, Instant::now())?;
        Ok((Self { gate: gate.clone(), source, generation, settled: false }, code))
    }

    /// Settles the attempt with the confirmed key (`None`: the code was wrong).
    pub(super) fn settle(mut self, key: Option<SessionKey>) -> Result<Outcome, getrandom::Error> {
        let mut session_id = [0u8; 16];
        getrandom::fill(&mut session_id)?;
        self.settled = true;
        Ok(lock(&self.gate).settle(self.source, self.generation, key, session_id))
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if !self.settled {
            lock(&self.gate).release(self.source, self.generation);
        }
    }
}

/// The engineer's hold on a waiting session's code: issue a new one in place of the current
/// (same session, same address), see whether anyone has joined yet.
#[derive(Clone)]
pub struct CodeControl {
    pub(super) gate: Arc<Mutex<Gate>>,
    pub(super) renewed: Arc<Notify>,
    pub(super) lifetime: Duration,
    /// Host and port of the join link.
    pub(super) host: String,
    pub(super) port: u16,
    /// The engineer's allocation, once ready (join links carry its candidate from then on).
    pub(super) relay: Arc<Mutex<Option<super::relay::LinkRelay>>>,
}

impl std::fmt::Debug for CodeControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeControl").field("host", &self.host).field("port", &self.port).finish_non_exhaustive()
    }
}

impl CodeControl {
    /// Replaces the code: a fresh one (never the same digits), a fresh lifetime, no attempts
    /// counted; the old code stops working at once. Refused once the user has joined.
    pub fn new_code(&self) -> Result<NewCode, NewCodeError> {
        let code = {
            let gate = lock(&self.gate);
            JoinCode::generate_unlike(&gate.code).map_err(|err| NewCodeError::Randomness(err.to_string()))?
        };
        let expires_at = Instant::now() + self.lifetime;
        // Under the gate's lock, as the relay's set-up reads the code: whichever link is made
        // last has both the newest code and the relay.
        let link = {
            let mut gate = lock(&self.gate);
            gate.renew(code.clone(), expires_at)?;
            self.link(code)
        };
        self.renewed.notify_one();
        let expires_at_ms = super::unix_now_ms() + i64::try_from(self.lifetime.as_millis()).unwrap_or(i64::MAX / 2);
        Ok(NewCode { link, expires_at_ms })
    }

    /// The join link for `code` as of now (with the relay candidate once the relay is ready).
    pub(super) fn link(&self, code: JoinCode) -> JoinLink {
        let relay = self
            .relay
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .map(|relay| relay.candidate(super::unix_now_ms() / 1000));
        JoinLink { host: self.host.clone(), port: self.port, code, relay }
    }

    /// The relay is ready: links carry its candidate from now on. Returns the current link, or
    /// `None` when nobody can join any more (joined, or the session ended).
    pub(super) fn relay_ready(&self, relay: super::relay::LinkRelay) -> Option<JoinLink> {
        let gate = lock(&self.gate);
        *self.relay.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(relay);
        gate.is_waiting().then(|| self.link(gate.code.clone()))
    }

    /// Whether nobody has joined yet: the code is open, burned or expired.
    pub fn is_waiting(&self) -> bool {
        lock(&self.gate).is_waiting()
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    const LIMITS: AttemptLimits = AttemptLimits { per_source: 3, total: 10 };

    fn gate() -> Arc<Mutex<Gate>> {
        let code = JoinCode::parse("123456789").unwrap();
        Arc::new(Mutex::new(Gate::new(code, Instant::now() + Duration::from_secs(600), LIMITS)))
    }

    fn source(last: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(127, 0, 0, last))
    }

    fn wrong_from(gate: &Arc<Mutex<Gate>>, from: IpAddr) -> Result<Outcome, PairingVerdict> {
        let (attempt, _) = Attempt::reserve(gate, from)?;
        Ok(attempt.settle(None).unwrap())
    }

    fn verdict(outcome: &Outcome) -> PairingVerdict {
        match outcome {
            Outcome::Paired { session_id, .. } => PairingVerdict::Paired { session_id: *session_id },
            Outcome::Refused { verdict, .. } => verdict.clone(),
        }
    }

    #[test]
    fn one_source_is_shut_out_after_three_without_burning_the_code() {
        let gate = gate();
        let verdicts: Vec<_> = (0..3).map(|_| verdict(&wrong_from(&gate, source(2)).unwrap())).collect();
        assert_eq!(
            verdicts,
            [
                PairingVerdict::WrongCode { attempts_left: 2 },
                PairingVerdict::WrongCode { attempts_left: 1 },
                PairingVerdict::CodeBurned
            ]
        );
        // The fourth try from that source is refused before any key exchange.
        assert_eq!(wrong_from(&gate, source(2)).err(), Some(PairingVerdict::CodeBurned));
        // Another source still gets to try, and the code still works.
        assert!(matches!(lock(&gate).state, GateState::Open));
        assert!(Attempt::reserve(&gate, source(3)).is_ok());
    }

    #[test]
    fn ten_wrong_attempts_from_several_sources_burn_the_code() {
        let gate = gate();
        let mut burned_at = None;
        for n in 0..10u8 {
            let outcome = wrong_from(&gate, source(2 + n / 3)).unwrap();
            if let Outcome::Refused { burned: true, wrong: Some(wrong), .. } = outcome {
                burned_at = Some((n, wrong.attempts_left));
            }
        }
        assert_eq!(burned_at, Some((9, 0)));
        assert!(matches!(lock(&gate).state, GateState::Burned));
        assert_eq!(wrong_from(&gate, source(20)).err(), Some(PairingVerdict::CodeBurned));
    }

    #[test]
    fn an_expiry_noticed_by_a_pairing_attempt_is_still_reported_once() {
        let gate = gate();
        let past = Instant::now() + Duration::from_secs(601);
        assert!(lock(&gate).expire_if_due(past), "a pairing attempt finds the code expired");
        assert!(lock(&gate).expiry_pending());
        assert!(lock(&gate).take_expiry(past));
        assert!(!lock(&gate).take_expiry(past), "once");
        assert!(!lock(&gate).expiry_pending());
    }

    #[test]
    fn parallel_attempts_cannot_exceed_the_source_limit() {
        let gate = gate();
        let held: Vec<_> = (0..3).map(|_| Attempt::reserve(&gate, source(2)).unwrap()).collect();
        assert_eq!(Attempt::reserve(&gate, source(2)).err(), Some(PairingVerdict::CodeBurned));
        // Abandoned attempts (no confirmation arrived) give their reservation back.
        drop(held);
        assert!(Attempt::reserve(&gate, source(2)).is_ok());
    }

    #[test]
    fn ipv4_mapped_addresses_count_as_the_same_source() {
        let gate = gate();
        let mapped: IpAddr = "::ffff:127.0.0.2".parse().unwrap();
        wrong_from(&gate, mapped).unwrap();
        wrong_from(&gate, source(2)).unwrap();
        let outcome = wrong_from(&gate, mapped).unwrap();
        assert!(matches!(outcome, Outcome::Refused { wrong: Some(WrongAttempt { source_attempts: 3, .. }), .. }));
    }

    #[test]
    fn a_new_code_reopens_a_burned_gate_and_voids_attempts_under_the_old_one() {
        let gate = gate();
        for n in 0..10u8 {
            wrong_from(&gate, source(2 + n / 3)).unwrap();
        }
        assert!(matches!(lock(&gate).state, GateState::Burned));
        let control = CodeControl {
            gate: gate.clone(),
            renewed: Arc::new(Notify::new()),
            lifetime: Duration::from_secs(600),
            host: "127.0.0.1".into(),
            port: 4433,
            relay: Arc::new(Mutex::new(None)),
        };
        let old = lock(&gate).code.clone();
        let first = control.new_code().unwrap();
        assert_ne!(first.link.code, old);
        assert!(matches!(lock(&gate).state, GateState::Open));
        // An attempt under way when the code is replaced again is void, not counted.
        let (under_way, _) = Attempt::reserve(&gate, source(40)).unwrap();
        let new = control.new_code().unwrap();
        assert_ne!(new.link.code, first.link.code);
        assert_eq!(verdict(&under_way.settle(None).unwrap()), PairingVerdict::CodeExpired);
        assert_eq!(lock(&gate).wrong_total, 0);
        // Counts start again: source 2 may try again.
        assert!(matches!(
            verdict(&wrong_from(&gate, source(2)).unwrap()),
            PairingVerdict::WrongCode { attempts_left: 2 }
        ));
        // Once paired, no new code.
        let (attempt, _) = Attempt::reserve(&gate, source(5)).unwrap();
        let key = crate::protocol::pairing::Pairing::start(&new.link.code, &[0; 32]);
        let other = crate::protocol::pairing::Pairing::start(&new.link.code, &[0; 32]);
        let key = key.0.finish(&other.1).unwrap();
        assert!(matches!(attempt.settle(Some(key)).unwrap(), Outcome::Paired { .. }));
        assert_eq!(control.new_code().err(), Some(NewCodeError::NotWaiting));
        assert!(!control.is_waiting());
    }
}
