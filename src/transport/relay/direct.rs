//! Hole punching on the session socket: the probes of [`crate::protocol::punch`] share the QUIC
//! socket, and once a check is answered the joining side's datagrams to the engineer take the
//! direct address instead of the relay, under the same address as far as quinn knows. The
//! engineer's QUIC server sees the user's packets arrive from the new address and migrates the
//! connection there itself (with QUIC's own path validation); encryption and authentication are
//! untouched.

use std::io;
use std::net::SocketAddr;

use tokio::sync::watch;

use crate::protocol::punch::{PunchAgent, PunchCandidates, PunchEvent, TOKEN_BYTES, is_probe};
use crate::protocol::turn::LinkPath;

use super::super::impair::EmulatedNat;
use super::{Inner, RelaySocket, RelayState};

/// An agent with a fresh random token (and first nonce).
pub(super) fn new_agent() -> PunchAgent {
    let mut random = [0u8; TOKEN_BYTES + 8];
    if getrandom::fill(&mut random).is_err() {
        // No randomness: a token nobody can guess is impossible, so the agent answers nothing
        // useful; checks still go out and the session stays on the relay.
        tracing::warn!("no randomness for the hole-punching token");
    }
    let mut token = [0u8; TOKEN_BYTES];
    token.copy_from_slice(&random[..TOKEN_BYTES]);
    let mut nonce = [0u8; 8];
    nonce.copy_from_slice(&random[TOKEN_BYTES..]);
    PunchAgent::new(token, u64::from_be_bytes(nonce))
}

impl RelaySocket {
    /// Emulates a NAT's filtering on this socket from now on (tests and benches).
    pub fn emulate_nat(&self, nat: EmulatedNat) {
        self.lock().nat = Some(nat);
    }

    /// Turns hole punching off for this socket (the session stays on the relay: a policy of
    /// relay only, or a measurement of the relay path).
    pub fn disallow_punching(&self) {
        let mut inner = self.lock();
        inner.punching_allowed = false;
        inner.punch.reset();
    }

    /// Where this side may be reached directly, for the peer's checks: its address as the TURN
    /// server saw it, then its host address; `None` before an allocation exists or when
    /// punching is off.
    pub fn punch_candidates(&self) -> Option<PunchCandidates> {
        let inner = self.lock();
        if !inner.punching_allowed {
            return None;
        }
        let RelayState::Allocated { mapped, .. } = inner.state else { return None };
        let mut addresses: Vec<SocketAddr> = mapped.into_iter().collect();
        if let Ok(local) = self.io.local_addr() {
            let host = if local.ip().is_unspecified() {
                SocketAddr::new(super::super::host::local_ip(), local.port())
            } else {
                local
            };
            if !addresses.contains(&host) && host.is_ipv4() == local.is_ipv4() {
                addresses.push(host);
            }
        }
        Some(PunchCandidates { addresses, token: inner.punch.local_token() })
    }

    /// Starts checks to the peer's `remote` candidates. `route_for`: quinn's address of the peer
    /// whose datagrams move to the direct path once a check is answered (the joining side);
    /// `None` on the engineer's side, whose QUIC server follows the peer's migration.
    pub fn start_punching(&self, remote: &PunchCandidates, route_for: Option<SocketAddr>) {
        let mut inner = self.lock();
        if !inner.punching_allowed {
            return;
        }
        inner.punch_for = route_for;
        let now = self.now_ms();
        inner.punch.start(remote, now);
        drop(inner);
        self.wake.notify_one();
    }

    /// Back to the relay: forgets the direct path and stops the checks (before a reconnect,
    /// which may be what a broken direct path needs).
    pub fn forget_direct_route(&self) {
        let mut inner = self.lock();
        inner.punch.reset();
        inner.punch_for = None;
        if inner.direct_route.take().is_some() {
            tracing::info!("direct path forgotten: back to the relay");
        }
    }

    /// The path datagrams to `peer` take (see [`RelaySocket::is_relayed`]).
    pub fn path_to(&self, peer: SocketAddr) -> LinkPath {
        if self.is_relayed(peer) { LinkPath::Relayed } else { LinkPath::Direct }
    }

    /// Bumped whenever something changed (an allocation, a direct path found): the session
    /// task re-reads the path.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// A datagram from `source`, not the TURN server: dropped by an emulated NAT, taken by the
    /// punch agent when it is a probe, else for quinn under the address quinn knows the peer by.
    pub(super) fn take_direct(&self, inner: &mut Inner, source: SocketAddr, bytes: &[u8]) -> Option<SocketAddr> {
        if let Some(nat) = inner.nat
            && !nat.admits(&inner.sent_to, source)
        {
            return None;
        }
        if is_probe(bytes) {
            let now = self.now_ms();
            inner.punch.handle_probe(source, bytes, now);
            self.apply_punch(inner);
            return None;
        }
        match inner.direct_route {
            Some((quinn_peer, direct)) if direct == source => Some(quinn_peer),
            _ => Some(source),
        }
    }

    /// Sends what the punch agent queued (raw, never through the relay) and applies what it
    /// found.
    pub(super) fn apply_punch(&self, inner: &mut Inner) {
        while let Some((destination, probe)) = inner.punch.poll_transmit() {
            let _ = self.send_direct(inner, destination, &probe);
        }
        let mut changed = false;
        while let Some(event) = inner.punch.poll_event() {
            match event {
                PunchEvent::Works(direct) => {
                    tracing::info!(%direct, "hole punching: a direct path works both ways");
                    if let Some(quinn_peer) = inner.punch_for {
                        inner.direct_route = Some((quinn_peer, direct));
                        changed = true;
                    }
                }
                PunchEvent::GaveUp => tracing::info!("hole punching: no direct path; staying on the relay"),
            }
        }
        if changed {
            self.changed.send_modify(|generation| *generation = generation.wrapping_add(1));
        }
    }

    /// Sends `bytes` straight to `destination` (noted for an emulated NAT's filter).
    pub(super) fn send_direct(&self, inner: &mut Inner, destination: SocketAddr, bytes: &[u8]) -> io::Result<()> {
        if inner.nat.is_some() {
            inner.sent_to.insert(destination);
        }
        self.io.try_send_to(bytes, destination).map(|_| ())
    }
}
