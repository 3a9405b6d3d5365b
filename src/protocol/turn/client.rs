//! The TURN client's state machine (RFC 8656 over UDP), sans-IO: Allocate with the long-term
//! credential mechanism (401 → realm and nonce → MESSAGE-INTEGRITY; 438 → the new nonce),
//! Refresh before the allocation expires, CreatePermission and ChannelBind kept fresh, Send and
//! Data indications, ChannelData. Every datagram to send goes to the one server; time is passed in.

use core::net::{IpAddr, SocketAddr};
use std::collections::{HashMap, VecDeque};

use super::TurnCredentials;
use super::stun::{self, Builder, Class, Message};

/// First retransmission timeout, ms (doubled each time, capped).
const RTO_MS: i64 = 250;
/// Longest retransmission timeout, ms.
const MAX_RTO_MS: i64 = 2_000;
/// Transmissions of a request before it counts as unanswered.
const MAX_TRANSMISSIONS: u32 = 7;
/// Allocation lifetime asked for, seconds.
const LIFETIME_S: u32 = 600;
/// Permissions last 300 s on the server; refreshed after this, ms.
const PERMISSION_REFRESH_MS: i64 = 240_000;
/// Channels last 600 s on the server; refreshed after this, ms.
const CHANNEL_REFRESH_MS: i64 = 480_000;
/// REQUESTED-TRANSPORT value for UDP.
const TRANSPORT_UDP: [u8; 4] = [17, 0, 0, 0];

/// Why there is no allocation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TurnFailure {
    /// The server refused the credentials.
    #[error("the relay server refused the credentials")]
    Unauthorized,
    /// The server did not answer.
    #[error("the relay server does not answer")]
    NoAnswer,
    /// The server refused the request (code and its reason phrase).
    #[error("the relay server refused: {code} {reason}")]
    Refused {
        /// The STUN error code.
        code: u16,
        /// The server's reason phrase.
        reason: String,
    },
    /// The allocation is gone (its refresh failed: the server restarted or forgot it).
    #[error("the relay allocation was lost")]
    Lost,
}

/// What happened, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TurnEvent {
    /// The allocation exists: the relayed address peers send to, and this side's address as the
    /// server sees it.
    Allocated {
        /// The relayed transport address.
        relayed: SocketAddr,
        /// This client's address as the server saw it.
        mapped: Option<SocketAddr>,
    },
    /// The server installed (or refreshed) a permission for this peer address.
    PermissionCreated(IpAddr),
    /// The channel to this peer is bound (ChannelData may flow).
    ChannelBound(SocketAddr),
    /// A permission or channel request for this peer was refused.
    PeerRefused(IpAddr),
    /// No allocation (any more).
    Failed(TurnFailure),
}

/// What a datagram from the server carried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Incoming {
    /// Data from a peer, relayed.
    Data {
        /// The peer's address (on the far side of the relay).
        peer: SocketAddr,
        /// The payload.
        data: Vec<u8>,
    },
    /// A TURN control message, handled.
    Handled,
    /// Malformed, unexpected or unauthenticated: dropped.
    Dropped,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Purpose {
    Allocate,
    Refresh { lifetime_s: u32 },
    Permission(IpAddr),
    ChannelBind { peer: SocketAddr, channel: u16 },
}

#[derive(Debug)]
struct Transaction {
    id: [u8; 12],
    purpose: Purpose,
    bytes: Vec<u8>,
    transmissions: u32,
    retry_at_ms: i64,
    /// Sent with MESSAGE-INTEGRITY (its success response must carry valid integrity too).
    signed: bool,
    /// Already sent again after a 401 or 438 (once only, or a server could loop us).
    retried: bool,
}

#[derive(Debug)]
struct Auth {
    realm: String,
    nonce: String,
    key: [u8; 16],
}

#[derive(Debug, Clone, Copy)]
struct Channel {
    number: u16,
    bound: bool,
    refresh_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Idle,
    Allocating,
    Allocated { relayed: SocketAddr, refresh_at_ms: i64 },
    Closed,
}

/// A TURN client for one allocation on one server.
#[derive(Debug)]
pub struct TurnClient {
    credentials: TurnCredentials,
    auth: Option<Auth>,
    state: State,
    transactions: Vec<Transaction>,
    permissions: HashMap<IpAddr, i64>,
    channels: HashMap<SocketAddr, Channel>,
    peers_by_channel: HashMap<u16, SocketAddr>,
    next_channel: u16,
    transmits: VecDeque<Vec<u8>>,
    events: VecDeque<TurnEvent>,
}

fn transaction_id() -> [u8; 12] {
    let mut id = [0u8; 12];
    if getrandom::fill(&mut id).is_err() {
        // No randomness: fall back to the address of a local (unique enough for matching).
        let marker = &id as *const _ as usize as u64;
        id[..8].copy_from_slice(&marker.to_le_bytes());
    }
    id
}

impl TurnClient {
    /// A client that will authenticate with `credentials`. Nothing is sent before [`Self::allocate`].
    pub fn new(credentials: TurnCredentials) -> Self {
        Self {
            credentials,
            auth: None,
            state: State::Idle,
            transactions: Vec::new(),
            permissions: HashMap::new(),
            channels: HashMap::new(),
            peers_by_channel: HashMap::new(),
            next_channel: stun::CHANNEL_MIN,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// Asks for an allocation (the first attempt goes without credentials, as RFC 8656 does).
    pub fn allocate(&mut self, now_ms: i64) {
        if matches!(self.state, State::Idle | State::Closed) {
            self.state = State::Allocating;
            self.request(Purpose::Allocate, now_ms);
        }
    }

    /// The relayed address, once allocated.
    pub fn relayed_address(&self) -> Option<SocketAddr> {
        match self.state {
            State::Allocated { relayed, .. } => Some(relayed),
            _ => None,
        }
    }

    /// Lets `peer` (any port at its address) send to the relayed address; kept fresh.
    pub fn create_permission(&mut self, peer: IpAddr, now_ms: i64) {
        if let std::collections::hash_map::Entry::Vacant(entry) = self.permissions.entry(peer) {
            entry.insert(now_ms + PERMISSION_REFRESH_MS);
            self.request(Purpose::Permission(peer), now_ms);
        }
    }

    /// Binds a channel to `peer` (which also installs its permission); kept fresh.
    pub fn bind_channel(&mut self, peer: SocketAddr, now_ms: i64) {
        if self.channels.contains_key(&peer) || self.next_channel > stun::CHANNEL_MAX {
            return;
        }
        let number = self.next_channel;
        self.next_channel += 1;
        self.channels.insert(peer, Channel { number, bound: false, refresh_at_ms: now_ms + CHANNEL_REFRESH_MS });
        self.peers_by_channel.insert(number, peer);
        self.request(Purpose::ChannelBind { peer, channel: number }, now_ms);
    }

    /// Whether the channel to `peer` is bound.
    pub fn channel_bound(&self, peer: SocketAddr) -> bool {
        self.channels.get(&peer).is_some_and(|channel| channel.bound)
    }

    /// Wraps `data` for `peer`: ChannelData on a bound channel, else a Send indication. `None`
    /// before the allocation exists.
    pub fn wrap(&self, peer: SocketAddr, data: &[u8]) -> Option<Vec<u8>> {
        self.relayed_address()?;
        match self.channels.get(&peer) {
            Some(Channel { number, bound: true, .. }) => stun::encode_channel_data(*number, data),
            _ => Some(
                Builder::new(stun::METHOD_SEND, Class::Indication, transaction_id())
                    .xor_address(stun::ATTR_XOR_PEER_ADDRESS, peer)
                    .attribute(stun::ATTR_DATA, data)
                    .finish(),
            ),
        }
    }

    /// Refreshes the allocation now (a quick check that the server still holds it: a restarted
    /// server answers 437 and [`TurnEvent::Failed`] with [`TurnFailure::Lost`] follows).
    pub fn refresh_now(&mut self, now_ms: i64) {
        if matches!(self.state, State::Allocated { .. })
            && !self.pending(|purpose| matches!(purpose, Purpose::Refresh { .. }))
        {
            self.set_refresh_at(now_ms + i64::from(LIFETIME_S) * 1000);
            self.request(Purpose::Refresh { lifetime_s: LIFETIME_S }, now_ms);
        }
    }

    /// Gives the allocation back (Refresh with lifetime 0); the client is closed afterwards.
    pub fn close(&mut self, now_ms: i64) {
        if matches!(self.state, State::Allocated { .. }) {
            self.request(Purpose::Refresh { lifetime_s: 0 }, now_ms);
        }
        self.state = State::Closed;
    }

    /// A datagram to send to the server, if any.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmits.pop_front()
    }

    /// What happened, if anything.
    pub fn poll_event(&mut self) -> Option<TurnEvent> {
        self.events.pop_front()
    }

    /// When [`Self::handle_timeout`] wants to run next, ms.
    pub fn poll_timeout(&self) -> Option<i64> {
        let retries = self.transactions.iter().map(|transaction| transaction.retry_at_ms);
        let refresh = match self.state {
            State::Allocated { refresh_at_ms, .. } => Some(refresh_at_ms),
            _ => None,
        };
        let keep_fresh = if refresh.is_some() {
            self.permissions.values().copied().chain(self.channels.values().map(|channel| channel.refresh_at_ms)).min()
        } else {
            None
        };
        retries.chain(refresh).chain(keep_fresh).min()
    }

    /// Retransmits, refreshes, gives up on requests that were never answered.
    pub fn handle_timeout(&mut self, now_ms: i64) {
        let mut unanswered = Vec::new();
        for transaction in &mut self.transactions {
            if transaction.retry_at_ms > now_ms {
                continue;
            }
            if transaction.transmissions >= MAX_TRANSMISSIONS {
                unanswered.push(transaction.id);
                continue;
            }
            transaction.transmissions += 1;
            let rto = (RTO_MS << transaction.transmissions.min(8)).min(MAX_RTO_MS);
            transaction.retry_at_ms = now_ms + rto;
            self.transmits.push_back(transaction.bytes.clone());
        }
        for id in unanswered {
            if let Some(transaction) = self.take_transaction(&id) {
                self.fail(&transaction.purpose, TurnFailure::NoAnswer);
            }
        }
        let State::Allocated { refresh_at_ms, .. } = self.state else { return };
        if refresh_at_ms <= now_ms && !self.pending(|purpose| matches!(purpose, Purpose::Refresh { .. })) {
            self.set_refresh_at(now_ms + i64::from(LIFETIME_S) * 1000);
            self.request(Purpose::Refresh { lifetime_s: LIFETIME_S }, now_ms);
        }
        let due: Vec<IpAddr> = self.permissions.iter().filter(|(_, at)| **at <= now_ms).map(|(ip, _)| *ip).collect();
        for ip in due {
            self.permissions.insert(ip, now_ms + PERMISSION_REFRESH_MS);
            self.request(Purpose::Permission(ip), now_ms);
        }
        let due: Vec<(SocketAddr, u16)> = self
            .channels
            .iter()
            .filter(|(_, channel)| channel.refresh_at_ms <= now_ms)
            .map(|(peer, channel)| (*peer, channel.number))
            .collect();
        for (peer, channel) in due {
            if let Some(entry) = self.channels.get_mut(&peer) {
                entry.refresh_at_ms = now_ms + CHANNEL_REFRESH_MS;
            }
            self.request(Purpose::ChannelBind { peer, channel }, now_ms);
        }
    }

    /// Handles one datagram that came from the server.
    pub fn handle_packet(&mut self, bytes: &[u8], now_ms: i64) -> Incoming {
        if bytes.first().is_some_and(|first| first & 0xC0 == 0x40) {
            let Ok((channel, data)) = stun::decode_channel_data(bytes) else { return Incoming::Dropped };
            return match self.peers_by_channel.get(&channel) {
                Some(peer) => Incoming::Data { peer: *peer, data: data.to_vec() },
                None => Incoming::Dropped,
            };
        }
        let Ok(message) = Message::decode(bytes) else { return Incoming::Dropped };
        match message.class {
            Class::Indication if message.method == stun::METHOD_DATA => {
                let peer = message.xor_address(stun::ATTR_XOR_PEER_ADDRESS).ok().flatten();
                match (peer, message.attribute(stun::ATTR_DATA)) {
                    (Some(peer), Some(data)) if self.relayed_address().is_some() => {
                        Incoming::Data { peer, data: data.to_vec() }
                    }
                    _ => Incoming::Dropped,
                }
            }
            Class::Success | Class::Error => self.handle_response(&message, now_ms),
            _ => Incoming::Dropped,
        }
    }

    fn handle_response(&mut self, message: &Message, now_ms: i64) -> Incoming {
        let Some(index) = self.transactions.iter().position(|transaction| transaction.id == message.transaction) else {
            return Incoming::Dropped;
        };
        // A response to an authenticated request must carry valid integrity (else: forged, ignored).
        if message.class == Class::Success && self.transactions[index].signed {
            let Some(auth) = &self.auth else { return Incoming::Dropped };
            if message.verify_integrity(&auth.key).is_err() {
                return Incoming::Dropped;
            }
        }
        let transaction = self.transactions.remove(index);
        if message.class == Class::Error {
            self.handle_error(transaction, message, now_ms);
            return Incoming::Handled;
        }
        match transaction.purpose {
            Purpose::Allocate => {
                let relayed = message.xor_address(stun::ATTR_XOR_RELAYED_ADDRESS).ok().flatten();
                let mapped = message.xor_address(stun::ATTR_XOR_MAPPED_ADDRESS).ok().flatten();
                let Some(relayed) = relayed else {
                    self.state = State::Closed;
                    self.events.push_back(TurnEvent::Failed(TurnFailure::Refused {
                        code: 0,
                        reason: "no relayed address in the answer".into(),
                    }));
                    return Incoming::Handled;
                };
                let lifetime_s = message.lifetime_s().unwrap_or(LIFETIME_S).clamp(60, 3600);
                self.state = State::Allocated { relayed, refresh_at_ms: refresh_time(now_ms, lifetime_s) };
                self.events.push_back(TurnEvent::Allocated { relayed, mapped });
            }
            Purpose::Refresh { lifetime_s: 0 } => {}
            Purpose::Refresh { .. } => {
                let lifetime_s = message.lifetime_s().unwrap_or(LIFETIME_S).clamp(60, 3600);
                self.set_refresh_at(refresh_time(now_ms, lifetime_s));
            }
            Purpose::Permission(ip) => self.events.push_back(TurnEvent::PermissionCreated(ip)),
            Purpose::ChannelBind { peer, channel } => {
                if let Some(entry) = self.channels.get_mut(&peer).filter(|entry| entry.number == channel) {
                    let first = !entry.bound;
                    entry.bound = true;
                    if first {
                        self.events.push_back(TurnEvent::ChannelBound(peer));
                    }
                }
            }
        }
        Incoming::Handled
    }

    fn handle_error(&mut self, transaction: Transaction, message: &Message, now_ms: i64) {
        let (code, reason) = message.error_code().unwrap_or((0, String::new()));
        let realm = message.text(stun::ATTR_REALM);
        let nonce = message.text(stun::ATTR_NONCE);
        if matches!(code, 401 | 438)
            && !transaction.retried
            && let Some(nonce) = nonce
        {
            let realm = realm.or_else(|| self.auth.as_ref().map(|auth| auth.realm.clone())).unwrap_or_default();
            let key = self.credentials.key(&realm);
            self.auth = Some(Auth { realm, nonce, key });
            self.send_request(transaction.purpose, now_ms, true);
            return;
        }
        let failure = match code {
            401 => TurnFailure::Unauthorized,
            437 if matches!(transaction.purpose, Purpose::Refresh { .. }) => TurnFailure::Lost,
            _ => TurnFailure::Refused { code, reason },
        };
        self.fail(&transaction.purpose, failure);
    }

    fn fail(&mut self, purpose: &Purpose, failure: TurnFailure) {
        match purpose {
            Purpose::Allocate => {
                self.state = State::Closed;
                self.events.push_back(TurnEvent::Failed(failure));
            }
            Purpose::Refresh { lifetime_s: 0 } => {}
            Purpose::Refresh { .. } => {
                self.state = State::Closed;
                self.transactions.clear();
                self.events.push_back(TurnEvent::Failed(match failure {
                    TurnFailure::Unauthorized => TurnFailure::Unauthorized,
                    _ => TurnFailure::Lost,
                }));
            }
            Purpose::Permission(ip) => {
                self.permissions.remove(ip);
                self.events.push_back(TurnEvent::PeerRefused(*ip));
            }
            Purpose::ChannelBind { peer, channel } => {
                self.channels.remove(peer);
                self.peers_by_channel.remove(channel);
                self.events.push_back(TurnEvent::PeerRefused(peer.ip()));
            }
        }
    }

    fn pending(&self, test: impl Fn(&Purpose) -> bool) -> bool {
        self.transactions.iter().any(|transaction| test(&transaction.purpose))
    }

    fn take_transaction(&mut self, id: &[u8; 12]) -> Option<Transaction> {
        let index = self.transactions.iter().position(|transaction| transaction.id == *id)?;
        Some(self.transactions.remove(index))
    }

    fn set_refresh_at(&mut self, at_ms: i64) {
        if let State::Allocated { refresh_at_ms, .. } = &mut self.state {
            *refresh_at_ms = at_ms;
        }
    }

    fn request(&mut self, purpose: Purpose, now_ms: i64) {
        self.send_request(purpose, now_ms, false);
    }

    fn send_request(&mut self, purpose: Purpose, now_ms: i64, retried: bool) {
        let id = transaction_id();
        let method = match purpose {
            Purpose::Allocate => stun::METHOD_ALLOCATE,
            Purpose::Refresh { .. } => stun::METHOD_REFRESH,
            Purpose::Permission(_) => stun::METHOD_CREATE_PERMISSION,
            Purpose::ChannelBind { .. } => stun::METHOD_CHANNEL_BIND,
        };
        let mut builder = Builder::new(method, Class::Request, id);
        builder = match &purpose {
            Purpose::Allocate => builder
                .attribute(stun::ATTR_REQUESTED_TRANSPORT, &TRANSPORT_UDP)
                .attribute(stun::ATTR_LIFETIME, &LIFETIME_S.to_be_bytes()),
            Purpose::Refresh { lifetime_s } => builder.attribute(stun::ATTR_LIFETIME, &lifetime_s.to_be_bytes()),
            Purpose::Permission(ip) => builder.xor_address(stun::ATTR_XOR_PEER_ADDRESS, SocketAddr::new(*ip, 0)),
            Purpose::ChannelBind { peer, channel } => builder
                .attribute(stun::ATTR_CHANNEL_NUMBER, &[(channel >> 8) as u8, *channel as u8, 0, 0])
                .xor_address(stun::ATTR_XOR_PEER_ADDRESS, *peer),
        };
        let bytes = match &self.auth {
            Some(auth) => builder
                .attribute(stun::ATTR_USERNAME, self.credentials.username().as_bytes())
                .attribute(stun::ATTR_REALM, auth.realm.as_bytes())
                .attribute(stun::ATTR_NONCE, auth.nonce.as_bytes())
                .finish_with_integrity(&auth.key),
            None => builder.finish(),
        };
        self.transmits.push_back(bytes.clone());
        let signed = self.auth.is_some();
        self.transactions.push(Transaction {
            id,
            purpose,
            bytes,
            transmissions: 1,
            retry_at_ms: now_ms + RTO_MS,
            signed,
            retried,
        });
    }
}

/// When to refresh an allocation of `lifetime_s`: a minute before it ends, or halfway if short.
fn refresh_time(now_ms: i64, lifetime_s: u32) -> i64 {
    let lifetime_ms = i64::from(lifetime_s) * 1000;
    now_ms + (lifetime_ms - 60_000).max(lifetime_ms / 2)
}
