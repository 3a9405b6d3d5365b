//! Hole punching, sans-IO: ICE-style connectivity checks between the two sides' candidate
//! addresses, so a session that began through a TURN relay can move to a direct path when both
//! sides are behind NATs that allow it (endpoint-independent mapping).
//!
//! Each side tells the other, over the encrypted session, its [`PunchCandidates`]: the addresses
//! where it may be reached (its address as the TURN server saw it, its host address) and a random
//! token. Both then send small checks from their session socket to every candidate of the other
//! side, every [`CHECK_INTERVAL_MS`] at first: the outgoing checks are what open each side's NAT to
//! the other (the "punch"). A check carries the receiver's token, so only the peer that learned it
//! inside the session can make one; the answer carries the checker's token and the check's nonce.
//! The first answered check names a direct address that works both ways.
//!
//! Probe datagrams start with a zero byte, which no QUIC packet does (its fixed bit is set), so
//! they share the QUIC socket: `[0x00 'S' 'W' 'P'][kind: u8][nonce: u64 BE][token: 16 bytes]`.

use core::net::SocketAddr;
use std::collections::{HashMap, VecDeque};

/// Most candidate addresses one side may tell.
pub const MAX_PUNCH_CANDIDATES: usize = 8;
/// Bytes of a probe datagram.
pub const PROBE_BYTES: usize = 4 + 1 + 8 + TOKEN_BYTES;
/// Bytes of a punch token.
pub const TOKEN_BYTES: usize = 16;
/// Pause between checks to one address at first.
pub const CHECK_INTERVAL_MS: i64 = 200;
/// Pause between checks to one address after [`FAST_CHECKS`] of them.
pub const SLOW_CHECK_INTERVAL_MS: i64 = 1_000;
/// Checks to one address at the fast pace.
pub const FAST_CHECKS: u32 = 10;
/// How long checks go on before the agent gives up (the session stays on the relay).
pub const GIVE_UP_AFTER_MS: i64 = 15_000;
/// Most addresses checked at once (the told candidates plus peer-reflexive ones learned from
/// checks that came in).
const MAX_TARGETS: usize = 2 * MAX_PUNCH_CANDIDATES;
/// Most checks in flight whose answers are awaited.
const MAX_IN_FLIGHT: usize = 256;

const MAGIC: [u8; 4] = [0x00, b'S', b'W', b'P'];
const KIND_CHECK: u8 = 1;
const KIND_ANSWER: u8 = 2;

/// Where one side may be reached directly, and the token the other side's checks must carry.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PunchCandidates {
    /// Addresses to check, most likely first (at most [`MAX_PUNCH_CANDIDATES`]).
    pub addresses: Vec<SocketAddr>,
    /// Random; told only inside the encrypted session.
    pub token: [u8; TOKEN_BYTES],
}

/// A probe datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// "Can you hear me?": carries the receiver's token.
    Check {
        /// Matches the answer to its check.
        nonce: u64,
        /// The receiver's token.
        token: [u8; TOKEN_BYTES],
    },
    /// "Yes": carries the checker's token and the check's nonce.
    Answer {
        /// The nonce of the check answered.
        nonce: u64,
        /// The checker's token.
        token: [u8; TOKEN_BYTES],
    },
}

impl Probe {
    /// The datagram.
    pub fn encode(&self) -> [u8; PROBE_BYTES] {
        let (kind, nonce, token) = match *self {
            Probe::Check { nonce, token } => (KIND_CHECK, nonce, token),
            Probe::Answer { nonce, token } => (KIND_ANSWER, nonce, token),
        };
        let mut out = [0u8; PROBE_BYTES];
        out[..4].copy_from_slice(&MAGIC);
        out[4] = kind;
        out[5..13].copy_from_slice(&nonce.to_be_bytes());
        out[13..].copy_from_slice(&token);
        out
    }

    /// Reads a probe; `None` for anything else (wrong length, magic or kind).
    pub fn decode(bytes: &[u8]) -> Option<Probe> {
        if bytes.len() != PROBE_BYTES || bytes[..4] != MAGIC {
            return None;
        }
        let nonce = u64::from_be_bytes(bytes[5..13].try_into().ok()?);
        let token: [u8; TOKEN_BYTES] = bytes[13..].try_into().ok()?;
        match bytes[4] {
            KIND_CHECK => Some(Probe::Check { nonce, token }),
            KIND_ANSWER => Some(Probe::Answer { nonce, token }),
            _ => None,
        }
    }
}

/// Whether a datagram is for the punch agent rather than QUIC (it starts with the probe magic;
/// whether it is a valid probe is the agent's business).
pub fn is_probe(bytes: &[u8]) -> bool {
    bytes.len() >= MAGIC.len() && bytes[..MAGIC.len()] == MAGIC
}

/// What the agent found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PunchEvent {
    /// A check to this address was answered from it: the direct path works both ways.
    Works(SocketAddr),
    /// No check was answered in [`GIVE_UP_AFTER_MS`]: stay on the relay.
    GaveUp,
}

#[derive(Clone, Debug)]
struct Target {
    address: SocketAddr,
    checks_sent: u32,
    next_at_ms: i64,
}

/// One side's connectivity checks. Feed it the peer's candidates ([`PunchAgent::start`]), the
/// probes that arrive ([`PunchAgent::handle_probe`]) and the time; send what
/// [`PunchAgent::poll_transmit`] gives, from the session's own socket.
#[derive(Debug)]
pub struct PunchAgent {
    local_token: [u8; TOKEN_BYTES],
    remote_token: Option<[u8; TOKEN_BYTES]>,
    targets: Vec<Target>,
    /// Checks sent and not yet answered: nonce → address.
    in_flight: HashMap<u64, SocketAddr>,
    next_nonce: u64,
    started_at_ms: Option<i64>,
    works: Option<SocketAddr>,
    outbox: VecDeque<(SocketAddr, [u8; PROBE_BYTES])>,
    events: VecDeque<PunchEvent>,
}

impl PunchAgent {
    /// An idle agent with this side's token (random: from the OS).
    pub fn new(local_token: [u8; TOKEN_BYTES], first_nonce: u64) -> Self {
        Self {
            local_token,
            remote_token: None,
            targets: Vec::new(),
            in_flight: HashMap::new(),
            next_nonce: first_nonce,
            started_at_ms: None,
            works: None,
            outbox: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// This side's token (told to the peer in [`PunchCandidates`]).
    pub fn local_token(&self) -> [u8; TOKEN_BYTES] {
        self.local_token
    }

    /// Starts (or starts afresh) checking the peer's candidates: the first checks go at once.
    pub fn start(&mut self, remote: &PunchCandidates, now_ms: i64) {
        self.remote_token = Some(remote.token);
        self.targets.clear();
        self.in_flight.clear();
        self.works = None;
        self.started_at_ms = Some(now_ms);
        for address in remote.addresses.iter().take(MAX_PUNCH_CANDIDATES) {
            self.add_target(*address, now_ms);
        }
    }

    /// Stops checking (a new connection, or the session ended); answers are still given while
    /// the peer's token is known.
    pub fn stop(&mut self) {
        self.targets.clear();
        self.in_flight.clear();
        self.started_at_ms = None;
    }

    /// Forgets the peer (its token too): probes are ignored until the next [`PunchAgent::start`].
    pub fn reset(&mut self) {
        self.stop();
        self.remote_token = None;
        self.works = None;
    }

    /// Whether checks are going on.
    pub fn is_checking(&self) -> bool {
        self.started_at_ms.is_some()
    }

    /// The address found to work, if any.
    pub fn works(&self) -> Option<SocketAddr> {
        self.works
    }

    fn add_target(&mut self, address: SocketAddr, now_ms: i64) {
        if self.targets.len() < MAX_TARGETS && !self.targets.iter().any(|target| target.address == address) {
            self.targets.push(Target { address, checks_sent: 0, next_at_ms: now_ms });
        }
    }

    /// A probe datagram from `source` (see [`is_probe`]). Anything not valid, not carrying the
    /// right token or not matching a check in flight is ignored.
    pub fn handle_probe(&mut self, source: SocketAddr, bytes: &[u8], now_ms: i64) {
        let Some(remote_token) = self.remote_token else { return };
        match Probe::decode(bytes) {
            Some(Probe::Check { nonce, token }) if token == self.local_token => {
                self.outbox.push_back((source, Probe::Answer { nonce, token: remote_token }.encode()));
                // The peer as this side sees it (peer-reflexive): worth a check of its own.
                if self.is_checking() && self.works.is_none() {
                    self.add_target(source, now_ms);
                }
            }
            Some(Probe::Answer { nonce, token })
                if token == self.local_token && self.in_flight.get(&nonce) == Some(&source) && self.works.is_none() =>
            {
                self.works = Some(source);
                self.stop();
                self.events.push_back(PunchEvent::Works(source));
            }
            _ => {}
        }
    }

    /// When [`PunchAgent::handle_timeout`] wants to be called next.
    pub fn poll_timeout(&self) -> Option<i64> {
        let started = self.started_at_ms?;
        let next_check = self.targets.iter().map(|target| target.next_at_ms).min();
        Some(next_check.map_or(started + GIVE_UP_AFTER_MS, |at| at.min(started + GIVE_UP_AFTER_MS)))
    }

    /// Sends the checks that are due; gives up after [`GIVE_UP_AFTER_MS`].
    pub fn handle_timeout(&mut self, now_ms: i64) {
        let Some(started) = self.started_at_ms else { return };
        if now_ms >= started + GIVE_UP_AFTER_MS {
            self.stop();
            self.events.push_back(PunchEvent::GaveUp);
            return;
        }
        let Some(token) = self.remote_token else { return };
        for index in 0..self.targets.len() {
            let target = &mut self.targets[index];
            if target.next_at_ms > now_ms {
                continue;
            }
            target.checks_sent += 1;
            let pause = if target.checks_sent < FAST_CHECKS { CHECK_INTERVAL_MS } else { SLOW_CHECK_INTERVAL_MS };
            target.next_at_ms = now_ms + pause;
            let address = target.address;
            let nonce = self.next_nonce;
            self.next_nonce = self.next_nonce.wrapping_add(1);
            if self.in_flight.len() >= MAX_IN_FLIGHT {
                self.in_flight.clear();
            }
            self.in_flight.insert(nonce, address);
            self.outbox.push_back((address, Probe::Check { nonce, token }.encode()));
        }
    }

    /// The next datagram to send from the session's socket, and where.
    pub fn poll_transmit(&mut self) -> Option<(SocketAddr, [u8; PROBE_BYTES])> {
        self.outbox.pop_front()
    }

    /// The next thing found.
    pub fn poll_event(&mut self) -> Option<PunchEvent> {
        self.events.pop_front()
    }
}

#[cfg(test)]
mod tests;
