//! Settings' "Test relay": the configured TURN server's round-trip time (STUN Binding requests,
//! which need no credentials), then one allocation with the configured credentials, given back
//! at once. Every failure is typed: a wrong name, nothing listening, no answer, refused
//! credentials.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::time::{Instant, timeout};

use crate::protocol::turn::stun::{Builder, Class, Message};

use super::relay::{RelayConfig, RelayError, RelaySocket, resolve_server};

/// Longest a whole test may take.
pub const PROBE_LIMIT: Duration = Duration::from_secs(10);

/// Binding requests sent to measure the round trip.
const PINGS: usize = 3;

/// Longest wait for one Binding answer.
const PING_LIMIT: Duration = Duration::from_secs(1);

/// STUN's Binding method.
const METHOD_BINDING: u16 = 0x001;

/// What the test found: the server works with these credentials.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RelayProbe {
    /// The address the server relayed for this test's allocation.
    pub relayed: SocketAddr,
    /// This computer's address as the server saw it.
    pub mapped: Option<SocketAddr>,
    /// The shortest round trip to the server, ms.
    pub rtt_ms: f64,
}

/// Tests `config`: round trip first, then an allocation. Bounded by [`PROBE_LIMIT`].
pub async fn probe_relay(config: &RelayConfig) -> Result<RelayProbe, RelayError> {
    timeout(PROBE_LIMIT, probe(config)).await.map_err(|_| RelayError::Timeout)?
}

async fn probe(config: &RelayConfig) -> Result<RelayProbe, RelayError> {
    let server = resolve_server(&config.server).await?;
    let rtt_ms = round_trip_ms(server).await?;
    let socket = RelaySocket::bind(unspecified_like(server), server, config.auth.credentials())
        .map_err(|err| RelayError::Socket(err.to_string()))?;
    let allocated = socket.allocated(PROBE_LIMIT / 2).await;
    socket.close();
    let (relayed, mapped) = allocated?;
    Ok(RelayProbe { relayed, mapped, rtt_ms })
}

/// The shortest of [`PINGS`] Binding round trips to `server`. A closed port (ICMP unreachable)
/// is [`RelayError::Unreachable`], silence [`RelayError::Timeout`].
async fn round_trip_ms(server: SocketAddr) -> Result<f64, RelayError> {
    let socket = UdpSocket::bind(unspecified_like(server)).await.map_err(|err| RelayError::Socket(err.to_string()))?;
    // Connected: the system reports a closed port as an error on this socket.
    socket.connect(server).await.map_err(|err| RelayError::Unreachable(format!("{server}: {err}")))?;
    let mut best: Option<Duration> = None;
    let mut buf = vec![0u8; 1500];
    for _ in 0..PINGS {
        let mut transaction = [0u8; 12];
        getrandom::fill(&mut transaction).map_err(|err| RelayError::Socket(err.to_string()))?;
        let request = Builder::new(METHOD_BINDING, Class::Request, transaction).finish();
        let sent_at = Instant::now();
        socket.send(&request).await.map_err(|err| unreachable(server, &err))?;
        let deadline = sent_at + PING_LIMIT;
        loop {
            match tokio::time::timeout_at(deadline, socket.recv(&mut buf)).await {
                Err(_) => break, // this one was lost; the next may not be
                Ok(Err(err)) => return Err(unreachable(server, &err)),
                Ok(Ok(size)) => {
                    let answered = buf
                        .get(..size)
                        .and_then(|bytes| Message::decode(bytes).ok())
                        .is_some_and(|message| message.transaction == transaction);
                    if answered {
                        let took = sent_at.elapsed();
                        best = Some(best.map_or(took, |best| best.min(took)));
                        break;
                    }
                }
            }
        }
    }
    let best = best.ok_or(RelayError::Timeout)?;
    Ok(best.as_secs_f64() * 1_000.0)
}

fn unreachable(server: SocketAddr, err: &std::io::Error) -> RelayError {
    RelayError::Unreachable(format!("{server}: {err}"))
}

fn unspecified_like(address: SocketAddr) -> SocketAddr {
    if address.is_ipv4() { (Ipv4Addr::UNSPECIFIED, 0).into() } else { (Ipv6Addr::UNSPECIFIED, 0).into() }
}
