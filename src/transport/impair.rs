//! A UDP socket that impairs what it sends (loss, one-way delay, a rate limit with a bounded
//! queue), wrapped around quinn's own socket: network faults without root or `tc`. Used by the
//! session benchmark and tests; order is preserved, as on a real path.

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, IoSliceMut};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use quinn::udp::{RecvMeta, Transmit};
use quinn::{AsyncUdpSocket, Runtime, UdpPoller};
use tokio::sync::Notify;
use tokio::time::Instant;

/// What to do to outgoing packets.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Impairment {
    /// Share of packets dropped, percent (0–100).
    pub loss_percent: f64,
    /// Delay added to every packet, ms (one way).
    pub delay_ms: u64,
    /// Bottleneck rate, kbit/s; `None` = unlimited.
    pub rate_kbps: Option<u64>,
    /// Seed of the loss pattern (runs are repeatable).
    pub seed: u64,
}

/// How much a rate-limited queue may hold before it drops (a router's buffer), ms of sending.
const QUEUE_LIMIT_MS: u64 = 200;

struct Pending {
    send_at: Instant,
    destination: SocketAddr,
    ecn: Option<quinn::udp::EcnCodepoint>,
    contents: Vec<u8>,
    src_ip: Option<std::net::IpAddr>,
}

struct Shaper {
    queue: VecDeque<Pending>,
    line_free_at: Instant,
    rng_state: u64,
}

/// The impaired socket.
pub struct ImpairedSocket {
    inner: Arc<dyn AsyncUdpSocket>,
    impairment: Impairment,
    shaper: Mutex<Shaper>,
    wake: Notify,
}

impl fmt::Debug for ImpairedSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImpairedSocket").field("impairment", &self.impairment).finish()
    }
}

impl ImpairedSocket {
    /// Binds `address` and impairs what is sent from it. Call inside the tokio runtime.
    pub fn bind(address: SocketAddr, impairment: Impairment) -> io::Result<Arc<Self>> {
        let socket = std::net::UdpSocket::bind(address)?;
        let inner = quinn::TokioRuntime.wrap_udp_socket(socket)?;
        let shaper = Shaper { queue: VecDeque::new(), line_free_at: Instant::now(), rng_state: impairment.seed | 1 };
        let this = Arc::new(Self { inner, impairment, shaper: Mutex::new(shaper), wake: Notify::new() });
        tokio::spawn(Self::pump(Arc::downgrade(&this)));
        Ok(this)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shaper> {
        self.shaper.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends queued packets when their time comes; ends when the socket is dropped.
    async fn pump(socket: std::sync::Weak<Self>) {
        loop {
            let Some(this) = socket.upgrade() else { return };
            let next = this.lock().queue.front().map(|pending| pending.send_at);
            match next {
                Some(at) if at <= Instant::now() => {
                    let Some(pending) = this.lock().queue.pop_front() else { continue };
                    let transmit = Transmit {
                        destination: pending.destination,
                        ecn: pending.ecn,
                        contents: &pending.contents,
                        segment_size: None,
                        src_ip: pending.src_ip,
                    };
                    // A full kernel buffer is loss too.
                    let _ = this.inner.try_send(&transmit);
                }
                Some(at) => {
                    let wake = this.wake.notified();
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = wake => {}
                    }
                }
                None => {
                    // Holding `this` here delays a drop by at most this sleep.
                    let wake = this.wake.notified();
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_millis(50)) => {}
                        () = wake => {}
                    }
                }
            }
        }
    }

    fn lose(&self, shaper: &mut Shaper) -> bool {
        if self.impairment.loss_percent <= 0.0 {
            return false;
        }
        // xorshift64*: repeatable, good enough for a loss pattern.
        let mut x = shaper.rng_state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        shaper.rng_state = x;
        let sample = (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64;
        sample * 100.0 < self.impairment.loss_percent
    }
}

impl AsyncUdpSocket for ImpairedSocket {
    fn create_io_poller(self: Arc<Self>) -> Pin<Box<dyn UdpPoller>> {
        self.inner.clone().create_io_poller()
    }

    fn try_send(&self, transmit: &Transmit) -> io::Result<()> {
        let now = Instant::now();
        let mut shaper = self.lock();
        if self.lose(&mut shaper) {
            return Ok(());
        }
        let mut leaves_at = now;
        if let Some(rate_kbps) = self.impairment.rate_kbps.filter(|rate| *rate > 0) {
            let start = shaper.line_free_at.max(now);
            if start.duration_since(now) > Duration::from_millis(QUEUE_LIMIT_MS) {
                return Ok(()); // the bottleneck's buffer is full: tail drop
            }
            let bits = transmit.contents.len() as u64 * 8;
            let serialisation = Duration::from_micros(bits * 1_000 / rate_kbps);
            shaper.line_free_at = start + serialisation;
            leaves_at = shaper.line_free_at;
        }
        shaper.queue.push_back(Pending {
            send_at: leaves_at + Duration::from_millis(self.impairment.delay_ms),
            destination: transmit.destination,
            ecn: transmit.ecn,
            contents: transmit.contents.to_vec(),
            src_ip: transmit.src_ip,
        });
        drop(shaper);
        self.wake.notify_one();
        Ok(())
    }

    fn poll_recv(
        &self,
        cx: &mut Context,
        bufs: &mut [IoSliceMut<'_>],
        meta: &mut [RecvMeta],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_recv(cx, bufs, meta)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    fn max_receive_segments(&self) -> usize {
        self.inner.max_receive_segments()
    }

    fn may_fragment(&self) -> bool {
        self.inner.may_fragment()
    }
}

/// A NAT emulated on a relay-capable session socket (tests and benches, without root or network
/// namespaces): which datagrams from addresses other than the TURN server get in. The addresses
/// stay loopback ones; only the filtering a NAT applies is reproduced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmulatedNat {
    /// Only from addresses this socket has sent to (address- and port-dependent filtering with
    /// endpoint-independent mapping): checks from both sides punch through it.
    RestrictedCone,
    /// None: as behind a symmetric NAT, whose mapping toward the peer is not the one the TURN
    /// server saw, so only the relay works.
    Symmetric,
}

impl EmulatedNat {
    /// Whether a datagram from `source` gets in, this socket having sent to `sent_to`.
    pub fn admits(self, sent_to: &std::collections::HashSet<SocketAddr>, source: SocketAddr) -> bool {
        match self {
            EmulatedNat::RestrictedCone => sent_to.contains(&source),
            EmulatedNat::Symmetric => false,
        }
    }
}
