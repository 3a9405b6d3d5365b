//! A UDP socket for quinn that reaches peers directly or through an allocation on a TURN server
//! (RFC 8656): datagrams to a peer opened through the relay go as ChannelData (a Send
//! indication until the channel is bound), datagrams from the server are unwrapped and handed
//! to quinn with the peer's address. QUIC, TLS and pairing run end to end over it as over a
//! plain socket. A background task retransmits and refreshes; a lost allocation (e.g. the
//! server restarted) is made again, its permissions and channels with it.

use std::collections::HashSet;
use std::fmt;
use std::io::{self, IoSliceMut};
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use quinn::udp::{RecvMeta, Transmit};
use quinn::{AsyncUdpSocket, UdpPoller};
use tokio::io::ReadBuf;
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

use crate::protocol::punch::PunchAgent;
use crate::protocol::turn::{
    Incoming, LINK_CREDENTIALS_LIFETIME_S, REST_USER, RestCredentials, TurnClient, TurnCredentials, TurnEvent,
    TurnFailure, TurnUrl,
};
use crate::protocol::{RelayCandidate, UserRelay};

use super::impair::EmulatedNat;

mod direct;

/// Pause before an allocation is made again after it was lost or could not be made.
const REALLOCATE_AFTER: Duration = Duration::from_millis(500);

/// How the engineer authenticates to the TURN server.
#[derive(Clone, PartialEq, Eq)]
pub enum RelayAuth {
    /// Long-term credentials: for this console only, never in a join link (the user cannot
    /// allocate; see [`RelayAuth::user_relay`]).
    LongTerm {
        /// Username.
        username: String,
        /// Password.
        password: String,
    },
    /// A TURN REST shared secret: each side gets temporary credentials derived from it.
    SharedSecret {
        /// The secret shared with the server (`static-auth-secret`).
        secret: String,
    },
}

impl fmt::Debug for RelayAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LongTerm { username, .. } => {
                f.debug_struct("LongTerm").field("username", username).finish_non_exhaustive()
            }
            Self::SharedSecret { .. } => f.write_str("SharedSecret(…)"),
        }
    }
}

/// How long the engineer's own temporary credentials from a shared secret stay valid (a day: a
/// session plus its reconnects fit; they never leave the console).
pub const REST_CREDENTIALS_LIFETIME_S: i64 = 24 * 3600;

impl RelayAuth {
    /// The engineer's own credentials to use now (temporary ones for a shared secret).
    pub fn credentials(&self) -> TurnCredentials {
        match self {
            Self::LongTerm { username, password } => TurnCredentials::long_term(username, password),
            Self::SharedSecret { secret } => {
                let expires = super::unix_now_ms() / 1000 + REST_CREDENTIALS_LIFETIME_S;
                TurnCredentials::from_shared_secret(secret, REST_USER, expires)
            }
        }
    }

    /// What a join link made at `now_unix_s` offers the user: time-limited credentials
    /// (expiring after [`LINK_CREDENTIALS_LIFETIME_S`]) with a shared secret; nothing with
    /// long-term credentials, whose password never leaves this console.
    pub fn user_relay(&self, now_unix_s: i64) -> UserRelay {
        match self {
            Self::LongTerm { .. } => UserRelay::NotOffered,
            Self::SharedSecret { secret } => {
                UserRelay::Allocate(RestCredentials::derive(secret, now_unix_s + LINK_CREDENTIALS_LIFETIME_S))
            }
        }
    }
}

/// The engineer's allocation as join links tell it: made into a candidate afresh for each link,
/// so a new code also gets fresh time-limited credentials.
#[derive(Clone, Debug)]
pub(crate) struct LinkRelay {
    /// The TURN server as configured.
    pub(crate) server: TurnUrl,
    /// The engineer's relayed address.
    pub(crate) relayed: SocketAddr,
    /// The engineer's address as the server saw it.
    pub(crate) mapped: Option<SocketAddr>,
    /// How the engineer authenticates (decides what the user is offered).
    pub(crate) auth: RelayAuth,
}

impl LinkRelay {
    /// The relay part of a join link made at `now_unix_s`.
    pub(crate) fn candidate(&self, now_unix_s: i64) -> RelayCandidate {
        RelayCandidate {
            server: self.server.clone(),
            relayed: self.relayed,
            mapped: self.mapped,
            user: self.auth.user_relay(now_unix_s),
        }
    }
}

/// A TURN server and how to authenticate to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelayConfig {
    /// The server.
    pub server: TurnUrl,
    /// The credentials.
    pub auth: RelayAuth,
}

/// Where the allocation stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RelayState {
    /// Asking the server (or asking again after it was lost).
    Allocating,
    /// Allocated: the relayed address, and this side's address as the server saw it.
    Allocated {
        /// The relayed address.
        relayed: SocketAddr,
        /// This side's address as the server saw it.
        mapped: Option<SocketAddr>,
    },
    /// No allocation could be made (tried again every few seconds unless refused).
    Failed(TurnFailure),
}

/// Why the relay cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RelayError {
    /// The server refused or did not answer.
    #[error("{0}")]
    Turn(#[from] TurnFailure),
    /// Not ready in time.
    #[error("the relay server did not answer in time")]
    Timeout,
    /// The server's name could not be resolved.
    #[error("cannot find the relay server {0}")]
    Resolve(String),
    /// Nothing answers at the server's address (the port is closed, or no route).
    #[error("the relay server cannot be reached: {0}")]
    Unreachable(String),
    /// This computer could not open a UDP socket.
    #[error("no UDP socket: {0}")]
    Socket(String),
}

/// Resolves a TURN URL to a socket address.
pub async fn resolve_server(server: &TurnUrl) -> Result<SocketAddr, RelayError> {
    let mut addresses = tokio::net::lookup_host((server.host.as_str(), server.port))
        .await
        .map_err(|err| RelayError::Resolve(format!("{}: {err}", server.to_url())))?;
    addresses.next().ok_or_else(|| RelayError::Resolve(server.to_url()))
}

struct Inner {
    client: TurnClient,
    state: RelayState,
    /// Peers reached through the allocation.
    relayed_peers: HashSet<SocketAddr>,
    /// Permissions wanted (installed again on a new allocation).
    permissions: HashSet<IpAddr>,
    /// Channels wanted (bound again on a new allocation).
    channels: HashSet<SocketAddr>,
    ever_allocated: bool,
    reallocate_at: Option<Instant>,
    /// Datagrams the timer task read before quinn was attached, for quinn (source, bytes).
    received: std::collections::VecDeque<(SocketAddr, Vec<u8>)>,
    /// quinn's receive task, woken when `received` gets something.
    receiver: Option<std::task::Waker>,
    /// Given up (the relay could not be used for this session): no further allocations.
    abandoned: bool,
    /// Hole punching: checks to the peer's direct candidates, answers to its checks.
    punch: PunchAgent,
    /// The peer address quinn uses whose datagrams move to the direct path the checks find
    /// (the joining side's connection); `None` on the side that follows a migrating peer.
    punch_for: Option<SocketAddr>,
    /// quinn's address of the peer → the direct address its datagrams take instead.
    direct_route: Option<(SocketAddr, SocketAddr)>,
    /// The NAT emulated on this socket (tests and benches), and where it has sent.
    nat: Option<EmulatedNat>,
    sent_to: HashSet<SocketAddr>,
    /// Whether this side takes part in hole punching (off: the session stays on the relay).
    punching_allowed: bool,
}

/// The socket. Create it with [`RelaySocket::bind`] inside the tokio runtime.
pub struct RelaySocket {
    io: Arc<tokio::net::UdpSocket>,
    /// The TURN server, once known ([`RelaySocket::start`]); until then the socket is direct only.
    server: std::sync::OnceLock<SocketAddr>,
    credentials: TurnCredentials,
    inner: Mutex<Inner>,
    /// Bumped on every TURN event (waiters re-check their condition).
    changed: watch::Sender<u64>,
    wake: Arc<Notify>,
    epoch: Instant,
    /// quinn reads the socket (before that, the timer task does, so an allocation can be made
    /// before the endpoint exists).
    attached: std::sync::atomic::AtomicBool,
}

impl fmt::Debug for RelaySocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RelaySocket").field("server", &self.server).finish_non_exhaustive()
    }
}

impl RelaySocket {
    /// Binds `bind` and asks `server` for an allocation at once.
    pub fn bind(bind: SocketAddr, server: SocketAddr, credentials: TurnCredentials) -> io::Result<Arc<Self>> {
        let this = Self::unstarted(bind, credentials)?;
        this.start(server);
        Ok(this)
    }

    /// Binds `bind` without a server yet: direct traffic only until [`RelaySocket::start`] (a
    /// session listens at once while the server's name is still being resolved).
    pub fn unstarted(bind: SocketAddr, credentials: TurnCredentials) -> io::Result<Arc<Self>> {
        let socket = std::net::UdpSocket::bind(bind)?;
        socket.set_nonblocking(true)?;
        let io = Arc::new(tokio::net::UdpSocket::from_std(socket)?);
        let inner = Inner {
            client: TurnClient::new(credentials.clone()),
            state: RelayState::Allocating,
            relayed_peers: HashSet::new(),
            permissions: HashSet::new(),
            channels: HashSet::new(),
            ever_allocated: false,
            reallocate_at: None,
            received: std::collections::VecDeque::new(),
            receiver: None,
            abandoned: false,
            punch: direct::new_agent(),
            punch_for: None,
            direct_route: None,
            nat: None,
            punching_allowed: true,
            sent_to: HashSet::new(),
        };
        let (changed, _) = watch::channel(0);
        let this = Arc::new(Self {
            io,
            server: std::sync::OnceLock::new(),
            credentials,
            inner: Mutex::new(inner),
            changed,
            wake: Arc::new(Notify::new()),
            epoch: Instant::now(),
            attached: std::sync::atomic::AtomicBool::new(false),
        });
        tokio::spawn(Self::drive(Arc::downgrade(&this)));
        Ok(this)
    }

    /// Asks `server` for an allocation (once: a socket keeps its server).
    pub fn start(&self, server: SocketAddr) {
        if self.server.set(server).is_err() {
            return;
        }
        let mut inner = self.lock();
        let now = self.now_ms();
        inner.client.allocate(now);
        self.flush(&mut inner);
    }

    /// Gives the relay up for good (it could not be used): the allocation, if any, is given
    /// back and no new one is asked for; direct traffic goes on.
    pub fn abandon(&self) {
        let mut inner = self.lock();
        inner.abandoned = true;
        inner.reallocate_at = None;
        let now = self.now_ms();
        inner.client.close(now);
        self.flush(&mut inner);
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn now_ms(&self) -> i64 {
        i64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(i64::MAX / 4)
    }

    /// The TURN server's address, once started.
    pub fn server(&self) -> Option<SocketAddr> {
        self.server.get().copied()
    }

    /// Whether `source` is the TURN server.
    fn is_server(&self, source: SocketAddr) -> bool {
        self.server.get() == Some(&source)
    }

    /// Where the allocation stands.
    pub fn state(&self) -> RelayState {
        self.lock().state.clone()
    }

    /// Whether datagrams to and from `peer` actually go through this side's allocation: it was
    /// opened through the relay, or its datagrams came in through it (then this side answers
    /// through it too). A peer reached at its own allocation's address is reached directly
    /// from here (the other side tells its own path).
    pub fn is_relayed(&self, peer: SocketAddr) -> bool {
        let inner = self.lock();
        inner.relayed_peers.contains(&peer) && inner.direct_route.map(|(quinn_peer, _)| quinn_peer) != Some(peer)
    }

    /// Waits until the allocation exists (or failed), at most `limit`.
    pub async fn allocated(&self, limit: Duration) -> Result<(SocketAddr, Option<SocketAddr>), RelayError> {
        self.wait_for(limit, |inner| match &inner.state {
            RelayState::Allocated { relayed, mapped } => Some(Ok((*relayed, *mapped))),
            RelayState::Failed(failure) => Some(Err(RelayError::Turn(failure.clone()))),
            RelayState::Allocating => None,
        })
        .await?
    }

    /// Lets every peer at `ip` send to the allocation (kept while the socket lives).
    pub fn permit(&self, ip: IpAddr) {
        let mut inner = self.lock();
        inner.permissions.insert(ip);
        let now = self.now_ms();
        inner.client.create_permission(ip, now);
        self.flush(&mut inner);
    }

    /// Sends to `peer` through the relay from now on; waits (at most `limit`) until its channel
    /// is bound.
    pub async fn open_peer(&self, peer: SocketAddr, limit: Duration) -> Result<(), RelayError> {
        {
            let mut inner = self.lock();
            inner.relayed_peers.insert(peer);
            inner.channels.insert(peer);
            let now = self.now_ms();
            inner.client.bind_channel(peer, now);
            self.flush(&mut inner);
        }
        self.wait_for(limit, |inner| {
            if inner.client.channel_bound(peer) {
                Some(Ok(()))
            } else {
                match &inner.state {
                    RelayState::Failed(failure) => Some(Err(RelayError::Turn(failure.clone()))),
                    _ => None,
                }
            }
        })
        .await?
    }

    /// Checks at once that the server still holds the allocation (after a drop of the link):
    /// a lost one is made again.
    pub fn check(&self) {
        let mut inner = self.lock();
        if inner.abandoned || self.server.get().is_none() {
            return;
        }
        let now = self.now_ms();
        match inner.state {
            RelayState::Allocated { .. } => inner.client.refresh_now(now),
            RelayState::Failed(TurnFailure::Unauthorized) => {}
            _ => {
                if inner.reallocate_at.is_none() {
                    inner.reallocate_at = Some(Instant::now());
                }
            }
        }
        self.flush(&mut inner);
        drop(inner);
        self.wake.notify_one();
    }

    /// Gives the allocation back (best effort).
    pub fn close(&self) {
        let mut inner = self.lock();
        let now = self.now_ms();
        inner.client.close(now);
        self.flush(&mut inner);
    }

    async fn wait_for<T>(&self, limit: Duration, mut test: impl FnMut(&Inner) -> Option<T>) -> Result<T, RelayError> {
        let mut changed = self.changed.subscribe();
        let deadline = Instant::now() + limit;
        loop {
            if let Some(result) = test(&self.lock()) {
                return Ok(result);
            }
            match tokio::time::timeout_at(deadline, changed.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => return Err(RelayError::Timeout),
            }
        }
    }

    /// Sends what the client queued to the server (a full buffer is loss: retransmitted).
    fn flush(&self, inner: &mut Inner) {
        while let Some(datagram) = inner.client.poll_transmit() {
            if let Some(server) = self.server.get() {
                let _ = self.io.try_send_to(&datagram, *server);
            }
        }
    }

    /// Applies the client's events: state, re-installing after a new allocation.
    fn apply_events(&self, inner: &mut Inner) {
        let mut any = false;
        while let Some(event) = inner.client.poll_event() {
            any = true;
            match event {
                TurnEvent::Allocated { relayed, mapped } => {
                    tracing::debug!(%relayed, "relay allocated");
                    inner.state = RelayState::Allocated { relayed, mapped };
                    inner.ever_allocated = true;
                    let now = self.now_ms();
                    for ip in inner.permissions.clone() {
                        inner.client.create_permission(ip, now);
                    }
                    for peer in inner.channels.clone() {
                        inner.client.bind_channel(peer, now);
                    }
                }
                TurnEvent::Failed(failure) => {
                    tracing::info!("relay: {failure}");
                    let refused = matches!(failure, TurnFailure::Unauthorized) && !inner.ever_allocated;
                    inner.state =
                        if inner.ever_allocated { RelayState::Allocating } else { RelayState::Failed(failure) };
                    inner.client = TurnClient::new(self.credentials.clone());
                    if !refused && !inner.abandoned {
                        inner.reallocate_at = Some(Instant::now() + REALLOCATE_AFTER);
                    }
                }
                TurnEvent::PermissionCreated(_) | TurnEvent::ChannelBound(_) | TurnEvent::PeerRefused(_) => {}
            }
        }
        self.flush(inner);
        if any {
            self.changed.send_modify(|generation| *generation = generation.wrapping_add(1));
        }
    }

    /// One datagram read from the socket: TURN control is handled here; what is for quinn comes
    /// back (from the server: unwrapped, with the peer's address).
    fn ingest(&self, inner: &mut Inner, source: SocketAddr, bytes: &[u8]) -> Option<(SocketAddr, Vec<u8>)> {
        if !self.is_server(source) {
            return self.take_direct(inner, source, bytes).map(|label| (label, bytes.to_vec()));
        }
        let now = self.now_ms();
        let incoming = inner.client.handle_packet(bytes, now);
        self.apply_events(inner);
        match incoming {
            Incoming::Data { peer, data } => {
                if inner.relayed_peers.insert(peer) {
                    // A peer that came in through the relay: answered through it, on a channel.
                    inner.client.bind_channel(peer, now);
                    self.flush(inner);
                }
                Some((peer, data))
            }
            Incoming::Handled | Incoming::Dropped => None,
        }
    }

    /// Timers: retransmits, refreshes, a new allocation after a loss. Ends with the socket.
    async fn drive(socket: Weak<Self>) {
        loop {
            let Some(this) = socket.upgrade() else { return };
            let now = Instant::now();
            let next = {
                let mut inner = this.lock();
                if inner.reallocate_at.is_some_and(|at| at <= now) {
                    inner.reallocate_at = None;
                    let now_ms = this.now_ms();
                    inner.client.allocate(now_ms);
                }
                let now_ms = this.now_ms();
                if inner.client.poll_timeout().is_some_and(|at| at <= now_ms) {
                    inner.client.handle_timeout(now_ms);
                }
                this.apply_events(&mut inner);
                if inner.punch.poll_timeout().is_some_and(|at| at <= now_ms) {
                    inner.punch.handle_timeout(now_ms);
                    this.apply_punch(&mut inner);
                }
                let at_ms = |at: i64| this.epoch + Duration::from_millis(u64::try_from(at.max(0)).unwrap_or(0));
                let client_next = inner.client.poll_timeout().map(at_ms);
                let punch_next = inner.punch.poll_timeout().map(at_ms);
                [client_next, punch_next, inner.reallocate_at].into_iter().flatten().min()
            };
            // Never longer than a second, so a dropped socket ends this task soon.
            let until = next.unwrap_or(now + Duration::from_secs(1)).min(now + Duration::from_secs(1));
            let notify = this.wake.clone();
            let io = this.io.clone();
            let reading = !this.attached.load(std::sync::atomic::Ordering::Acquire);
            drop(this);
            let wake = notify.notified();
            let mut buf = vec![0u8; 65_536];
            tokio::select! {
                () = tokio::time::sleep_until(until) => {}
                () = wake => {}
                received = io.recv_from(&mut buf), if reading => {
                    let Some(this) = socket.upgrade() else { return };
                    if let Ok((size, source)) = received {
                        let mut inner = this.lock();
                        if let Some(datagram) = this.ingest(&mut inner, source, &buf[..size]) {
                            inner.received.push_back(datagram);
                            if let Some(waker) = inner.receiver.take() {
                                waker.wake();
                            }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug)]
struct Poller(Arc<tokio::net::UdpSocket>);

impl UdpPoller for Poller {
    fn poll_writable(self: Pin<&mut Self>, cx: &mut Context) -> Poll<io::Result<()>> {
        self.0.poll_send_ready(cx)
    }
}

impl AsyncUdpSocket for RelaySocket {
    fn create_io_poller(self: Arc<Self>) -> Pin<Box<dyn UdpPoller>> {
        self.attached.store(true, std::sync::atomic::Ordering::Release);
        self.wake.notify_one();
        Box::pin(Poller(self.io.clone()))
    }

    fn try_send(&self, transmit: &Transmit) -> io::Result<()> {
        let wrapped = {
            let mut inner = self.lock();
            if let Some((quinn_peer, direct)) = inner.direct_route
                && quinn_peer == transmit.destination
            {
                // The direct path the checks found: the peer's datagrams go there raw.
                return self.send_direct(&mut inner, direct, transmit.contents);
            }
            if inner.nat.is_some() && !inner.relayed_peers.contains(&transmit.destination) {
                inner.sent_to.insert(transmit.destination);
            }
            if inner.relayed_peers.contains(&transmit.destination) {
                // No allocation (yet, or any more): lost, as on any path that is down.
                let Some(wrapped) = inner.client.wrap(transmit.destination, transmit.contents) else { return Ok(()) };
                Some(wrapped)
            } else {
                None
            }
        };
        match (wrapped, self.server.get()) {
            (Some(wrapped), Some(server)) => self.io.try_send_to(&wrapped, *server).map(|_| ()),
            (Some(_), None) => Ok(()),
            (None, _) => self.io.try_send_to(transmit.contents, transmit.destination).map(|_| ()),
        }
    }

    fn poll_recv(
        &self,
        cx: &mut Context,
        bufs: &mut [IoSliceMut<'_>],
        meta: &mut [RecvMeta],
    ) -> Poll<io::Result<usize>> {
        let (Some(buf), Some(slot)) = (bufs.first_mut(), meta.first_mut()) else { return Poll::Ready(Ok(0)) };
        {
            let mut inner = self.lock();
            if let Some((source, data)) = inner.received.pop_front().filter(|(_, data)| data.len() <= buf.len()) {
                buf[..data.len()].copy_from_slice(&data);
                *slot = RecvMeta { addr: source, len: data.len(), stride: data.len(), ecn: None, dst_ip: None };
                return Poll::Ready(Ok(1));
            }
            inner.receiver = Some(cx.waker().clone());
        }
        loop {
            let mut read = ReadBuf::new(buf);
            let source = match self.io.poll_recv_from(cx, &mut read) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(err))
                    if matches!(err.kind(), io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset) =>
                {
                    continue;
                }
                Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                Poll::Ready(Ok(source)) => source,
            };
            let len = read.filled().len();
            if !self.is_server(source) {
                let label = self.take_direct(&mut self.lock(), source, &buf[..len]);
                let Some(label) = label else { continue };
                *slot = RecvMeta { addr: label, len, stride: len, ecn: None, dst_ip: None };
                return Poll::Ready(Ok(1));
            }
            let mut inner = self.lock();
            if let Some((peer, data)) =
                self.ingest(&mut inner, source, &buf[..len]).filter(|(_, data)| data.len() <= buf.len())
            {
                buf[..data.len()].copy_from_slice(&data);
                *slot = RecvMeta { addr: peer, len: data.len(), stride: data.len(), ecn: None, dst_ip: None };
                return Poll::Ready(Ok(1));
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.local_addr()
    }

    fn may_fragment(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests;
