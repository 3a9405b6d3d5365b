//! Two agents behind simulated NATs, in memory: the checks open filtering NATs from both sides,
//! a symmetric NAT defeats them, and forged or malformed probes change nothing.

use std::collections::HashSet;

use super::*;

/// How a side's NAT treats datagrams.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Nat {
    /// Endpoint-independent mapping, address-and-port-dependent filtering: inbound only from
    /// addresses this side has sent to.
    RestrictedCone,
    /// Endpoint-independent filtering: anything sent to its public address gets in.
    FullCone,
    /// A new public port for each destination: what the TURN server saw is of no use to the peer.
    Symmetric,
}

struct Side {
    agent: PunchAgent,
    /// This side's address as the TURN server saw it (its told candidate).
    public: SocketAddr,
    nat: Nat,
    sent_to: HashSet<SocketAddr>,
    found: Vec<PunchEvent>,
}

impl Side {
    fn new(token_byte: u8, public: &str, nat: Nat) -> Self {
        Self {
            agent: PunchAgent::new([token_byte; TOKEN_BYTES], u64::from(token_byte) << 32),
            public: public.parse().unwrap(),
            nat,
            sent_to: HashSet::new(),
            found: Vec::new(),
        }
    }

    fn candidates(&self) -> PunchCandidates {
        PunchCandidates { addresses: vec![self.public], token: self.agent.local_token() }
    }

    /// Where a datagram from this side to `destination` appears to come from.
    fn source_for(&self, destination: SocketAddr) -> SocketAddr {
        match self.nat {
            Nat::RestrictedCone | Nat::FullCone => self.public,
            Nat::Symmetric => SocketAddr::new(self.public.ip(), self.public.port().wrapping_add(destination.port())),
        }
    }

    /// Whether this side's NAT lets a datagram from `source` to `destination` in.
    fn admits(&self, source: SocketAddr, destination: SocketAddr) -> bool {
        match self.nat {
            Nat::RestrictedCone => destination == self.public && self.sent_to.contains(&source),
            Nat::FullCone => destination == self.public,
            Nat::Symmetric => destination == self.source_for(source) && self.sent_to.contains(&source),
        }
    }
}

/// Runs both agents from `from_ms` until `until_ms` in 10 ms steps, moving datagrams through
/// the NATs.
fn run(a: &mut Side, b: &mut Side, from_ms: i64, until_ms: i64) {
    for now_ms in (from_ms..until_ms).step_by(10) {
        deliver(a, b, now_ms);
        deliver(b, a, now_ms);
        for side in [&mut *a, &mut *b] {
            while let Some(event) = side.agent.poll_event() {
                side.found.push(event);
            }
        }
    }
}

/// What `from` sends at `now_ms`, through both NATs to `to`.
fn deliver(from: &mut Side, to: &mut Side, now_ms: i64) {
    from.agent.handle_timeout(now_ms);
    while let Some((destination, datagram)) = from.agent.poll_transmit() {
        from.sent_to.insert(destination);
        let source = from.source_for(destination);
        if to.admits(source, destination) {
            to.agent.handle_probe(source, &datagram, now_ms);
        }
    }
}

#[test]
fn checks_from_both_sides_open_two_filtering_nats() {
    let mut user = Side::new(1, "198.51.100.7:40000", Nat::RestrictedCone);
    let mut engineer = Side::new(2, "203.0.113.9:50000", Nat::RestrictedCone);
    user.agent.start(&engineer.candidates(), 0);
    engineer.agent.start(&user.candidates(), 0);
    run(&mut user, &mut engineer, 0, 2_000);
    assert_eq!(user.found, vec![PunchEvent::Works(engineer.public)]);
    assert_eq!(engineer.found, vec![PunchEvent::Works(user.public)]);
    assert!(!user.agent.is_checking(), "checks stop once a path works");
}

#[test]
fn checks_from_one_side_alone_do_not_get_through_until_the_other_punches_too() {
    let mut user = Side::new(1, "198.51.100.7:40000", Nat::RestrictedCone);
    let mut engineer = Side::new(2, "203.0.113.9:50000", Nat::RestrictedCone);
    user.agent.start(&engineer.candidates(), 0);
    // The engineer knows the user's token (it answers) but has not started its own checks.
    engineer.agent.start(&PunchCandidates { addresses: vec![], token: user.agent.local_token() }, 0);
    run(&mut user, &mut engineer, 0, 3_000);
    assert!(user.found.is_empty(), "the engineer's NAT drops checks it never punched for: {:?}", user.found);
    engineer.agent.start(&user.candidates(), 3_000);
    run(&mut user, &mut engineer, 3_000, 5_000);
    assert_eq!(user.found.first(), Some(&PunchEvent::Works(engineer.public)));
}

#[test]
fn a_symmetric_nat_defeats_the_checks_and_the_agents_give_up() {
    let mut user = Side::new(1, "198.51.100.7:40000", Nat::Symmetric);
    let mut engineer = Side::new(2, "203.0.113.9:50000", Nat::RestrictedCone);
    user.agent.start(&engineer.candidates(), 0);
    engineer.agent.start(&user.candidates(), 0);
    run(&mut user, &mut engineer, 0, GIVE_UP_AFTER_MS + 100);
    assert_eq!(user.found, vec![PunchEvent::GaveUp]);
    assert_eq!(engineer.found, vec![PunchEvent::GaveUp]);
    assert_eq!(user.agent.poll_timeout(), None, "nothing more to do");
}

#[test]
fn the_peer_as_seen_is_checked_too_when_its_told_address_is_wrong() {
    // The user told a stale address; the engineer (behind a NAT that filters nothing) learns the
    // real one from the user's checks and checks it back.
    let mut user = Side::new(1, "198.51.100.7:40000", Nat::RestrictedCone);
    let mut engineer = Side::new(2, "203.0.113.9:50000", Nat::FullCone);
    user.agent.start(&engineer.candidates(), 0);
    let stale = PunchCandidates { addresses: vec!["192.0.2.1:1".parse().unwrap()], token: user.agent.local_token() };
    engineer.agent.start(&stale, 0);
    run(&mut user, &mut engineer, 0, 2_000);
    assert_eq!(user.found.first(), Some(&PunchEvent::Works(engineer.public)));
    assert_eq!(engineer.found.first(), Some(&PunchEvent::Works(user.public)), "the peer-reflexive address works");
}

#[test]
fn forged_and_stray_answers_change_nothing() {
    let mut agent = PunchAgent::new([7; TOKEN_BYTES], 100);
    let peer: SocketAddr = "203.0.113.9:50000".parse().unwrap();
    agent.start(&PunchCandidates { addresses: vec![peer], token: [9; TOKEN_BYTES] }, 0);
    agent.handle_timeout(0);
    let (to, check) = agent.poll_transmit().expect("a check");
    assert_eq!(to, peer);
    let Some(Probe::Check { nonce, token }) = Probe::decode(&check) else { panic!("a check") };
    assert_eq!(token, [9; TOKEN_BYTES], "carries the peer's token");
    let elsewhere: SocketAddr = "192.0.2.66:1".parse().unwrap();
    // Wrong token, unknown nonce, right answer from the wrong address: ignored.
    agent.handle_probe(peer, &Probe::Answer { nonce, token: [8; TOKEN_BYTES] }.encode(), 1);
    agent.handle_probe(peer, &Probe::Answer { nonce: nonce + 1000, token: [7; TOKEN_BYTES] }.encode(), 1);
    agent.handle_probe(elsewhere, &Probe::Answer { nonce, token: [7; TOKEN_BYTES] }.encode(), 1);
    // A check with the wrong token gets no answer.
    agent.handle_probe(elsewhere, &Probe::Check { nonce: 5, token: [9; TOKEN_BYTES] }.encode(), 1);
    assert_eq!(agent.poll_event(), None);
    assert_eq!(agent.poll_transmit(), None);
    // The real answer works.
    agent.handle_probe(peer, &Probe::Answer { nonce, token: [7; TOKEN_BYTES] }.encode(), 2);
    assert_eq!(agent.poll_event(), Some(PunchEvent::Works(peer)));
}

#[test]
fn malformed_probes_are_not_probes_and_never_panic() {
    let good = Probe::Check { nonce: 42, token: [3; TOKEN_BYTES] }.encode();
    assert_eq!(Probe::decode(&good), Some(Probe::Check { nonce: 42, token: [3; TOKEN_BYTES] }));
    let mut agent = PunchAgent::new([3; TOKEN_BYTES], 0);
    agent.start(&PunchCandidates { addresses: vec![], token: [4; TOKEN_BYTES] }, 0);
    let source: SocketAddr = "192.0.2.1:9".parse().unwrap();
    for length in 0..=PROBE_BYTES + 2 {
        let mut bytes = good.to_vec();
        bytes.resize(length, 0xff);
        if length != PROBE_BYTES {
            assert_eq!(Probe::decode(&bytes), None, "length {length}");
        }
        agent.handle_probe(source, &bytes, 0);
    }
    let mut unknown_kind = good;
    unknown_kind[4] = 9;
    assert_eq!(Probe::decode(&unknown_kind), None);
    // QUIC packets always have the fixed bit: never taken for probes.
    assert!(!is_probe(&[0xc3, b'S', b'W', b'P']) && !is_probe(&[0x40; 30]));
    assert!(is_probe(&good));
}

#[test]
fn told_candidates_are_bounded() {
    let mut agent = PunchAgent::new([1; TOKEN_BYTES], 0);
    let many: Vec<SocketAddr> = (0..100u16).map(|port| SocketAddr::from(([192, 0, 2, 1], 1000 + port))).collect();
    agent.start(&PunchCandidates { addresses: many, token: [2; TOKEN_BYTES] }, 0);
    agent.handle_timeout(0);
    assert_eq!(std::iter::from_fn(|| agent.poll_transmit()).count(), MAX_PUNCH_CANDIDATES);
}
