//! The session link over QUIC (quinn + rustls with ring): the engineer's listening endpoint with
//! its join code, the user's joining side, pairing over the control stream, reconnects with a
//! pinned certificate, and one tokio task per session driving a [`crate::protocol::Session`].
//!
//! The UI never sees a socket: it sends [`LinkCommand`]s (mostly the protocol's own
//! [`SessionCommand`], passed through) via a [`SessionHandle`] and gets
//! [`TransportEvent`]s through the [`EventSink`] the app supplies; the engineer's side hands the
//! screen updates it received to a [`FrameSink`] of their own, never to the event path.

pub mod congestion;
mod control;
mod driver;
mod gate;
mod host;
pub mod impair;
mod join;
pub mod rate;
pub mod relay;
mod relay_probe;
mod status;
pub mod tls;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::protocol::{JoinLink, LinkPath, ReceivedFrame, SessionCommand, SessionEvent};

pub use control::{ControlStream, Inbound};
pub use gate::{CodeControl, NewCode, NewCodeError, WrongAttempt};
pub use host::{HostRequest, HostedSession, RELAY_SETUP_LIMIT, host_session, local_ip};
pub use impair::EmulatedNat;
pub use join::{JoinError, join_session};
pub use relay::{RelayAuth, RelayConfig, RelayError, RelaySocket, RelayState};
pub use relay_probe::{PROBE_LIMIT, RelayProbe, probe_relay};
pub use status::LinkStatus;

/// Largest screen update accepted on a frame stream.
pub const MAX_FRAME_BYTES: usize = 32 * 1024 * 1024;

/// Timing of the link. Defaults follow the product rules; tests shorten them.
#[derive(Clone, Debug)]
pub struct TransportSettings {
    /// How long a join code works.
    pub code_lifetime: Duration,
    /// Wrong attempts one source address may make before it is shut out.
    pub max_attempts: u32,
    /// Wrong attempts from all sources together before the code is burned for everyone.
    pub max_attempts_total: u32,
    /// How long a dropped session waits for its peer (both sides, from the moment each noticed
    /// the drop).
    pub reconnect_window: Duration,
    /// Protocol heartbeat: sent when nothing else was for this long; silence of two intervals
    /// counts as a drop on both sides.
    pub heartbeat_interval: Duration,
    /// QUIC keep-alive.
    pub keep_alive: Duration,
    /// QUIC idle timeout: QUIC gives a silent connection up after this (the protocol's heartbeat
    /// rule notices a drop much sooner and closes it first).
    pub idle_timeout: Duration,
    /// Longest a connection may take to pair or resume.
    pub handshake_timeout: Duration,
    /// Pause between reconnect attempts on the user's side.
    pub retry_interval: Duration,
    /// Longest one reconnect attempt may take before the next one starts (a fresh attempt
    /// gets through as soon as the network is back; an old one waits out QUIC's back-off).
    pub reconnect_attempt_timeout: Duration,
    /// Congestion controller.
    pub congestion: Congestion,
    /// Joining side, when the link has a relay candidate: how long the direct address is tried
    /// before the relay is.
    pub direct_timeout: Duration,
    /// Impair what this side sends (benchmarks and tests only; not with a relay).
    pub impairment: Option<impair::Impairment>,
    /// Emulate a NAT's filtering on this side's relay-capable socket (tests only).
    pub emulated_nat: Option<impair::EmulatedNat>,
    /// Whether a session that began through a relay tries to move to a direct path (hole
    /// punching); off keeps it on the relay.
    pub hole_punching: bool,
    /// When the user's exit survey is offered, and how long the engineer's side keeps the link
    /// open for its reply.
    pub survey: crate::protocol::SurveyTiming,
}

/// Which congestion controller QUIC uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Congestion {
    /// Loss-tolerant, delay-aware controller for live screens (see [`congestion`]).
    #[default]
    Screen,
    /// quinn's default (CUBIC).
    Cubic,
    /// quinn's BBR (experimental; stalls on application-limited traffic over delay).
    Bbr,
}

/// A QUIC endpoint on `bind` (over `relay` when given), impaired if the settings say so. Call
/// inside the tokio runtime.
fn make_endpoint(
    bind: std::net::SocketAddr,
    server: Option<quinn::ServerConfig>,
    settings: &TransportSettings,
    relay: Option<&Arc<RelaySocket>>,
) -> std::io::Result<quinn::Endpoint> {
    if let Some(relay) = relay {
        return quinn::Endpoint::new_with_abstract_socket(
            quinn::EndpointConfig::default(),
            server,
            relay.clone(),
            Arc::new(quinn::TokioRuntime),
        );
    }
    match settings.impairment {
        None => match server {
            Some(server) => quinn::Endpoint::server(server, bind),
            None => quinn::Endpoint::client(bind),
        },
        Some(impairment) => {
            let socket = impair::ImpairedSocket::bind(bind, impairment)?;
            quinn::Endpoint::new_with_abstract_socket(
                quinn::EndpointConfig::default(),
                server,
                socket,
                Arc::new(quinn::TokioRuntime),
            )
        }
    }
}

impl Default for TransportSettings {
    fn default() -> Self {
        Self {
            code_lifetime: Duration::from_secs(10 * 60),
            max_attempts: 3,
            max_attempts_total: 10,
            reconnect_window: Duration::from_millis(crate::protocol::session::RECONNECT_WINDOW_MS.unsigned_abs()),
            heartbeat_interval: Duration::from_millis(crate::protocol::session::HEARTBEAT_INTERVAL_MS.unsigned_abs()),
            keep_alive: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(30),
            handshake_timeout: Duration::from_secs(15),
            retry_interval: Duration::from_millis(1_000),
            reconnect_attempt_timeout: Duration::from_secs(4),
            congestion: Congestion::default(),
            direct_timeout: Duration::from_secs(3),
            impairment: None,
            emulated_nat: None,
            hole_punching: true,
            survey: crate::protocol::SurveyTiming::default(),
        }
    }
}

impl TransportSettings {
    /// The protocol's link rule with these timings.
    pub fn link_timing(&self) -> crate::protocol::session::LinkTiming {
        let ms = |duration: Duration| i64::try_from(duration.as_millis()).unwrap_or(i64::MAX / 4);
        crate::protocol::session::LinkTiming {
            heartbeat_interval_ms: ms(self.heartbeat_interval).max(1),
            reconnect_window_ms: ms(self.reconnect_window),
        }
    }
}

/// What can go wrong below the protocol.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// Certificates, sockets or configuration could not be set up.
    #[error("cannot set up the connection: {0}")]
    Setup(String),
    /// The connection broke.
    #[error("the connection was lost: {0}")]
    ConnectionLost(String),
    /// The peer sent something that is not our protocol.
    #[error("the other side does not speak the Stepwise protocol: {0}")]
    Protocol(String),
}

/// Asks a session task to do something: a verb of the protocol session, passed through as it
/// is, or one of the link's own. Commands the protocol refuses come back as
/// [`TransportEvent::CommandRefused`].
#[derive(Clone, Debug)]
pub enum LinkCommand {
    /// A verb of the session (consent, chat, steps, arrows, end…).
    Session(SessionCommand),
    /// User: send encoded screen data on its own stream (dropped unless the view scope is in force).
    SendFrame(Vec<u8>),
    /// User: where the engineer's input goes once the protocol accepted it (the control scope in
    /// force); until one is set, accepted input is dropped.
    SetInputSink(InputSink),
    /// Drop the connection as a network failure would, and stay away for `outage` before
    /// reconnecting (the demo and the tests use it).
    SimulateDrop {
        /// How long the user side waits before it tries to reconnect.
        outage: Duration,
    },
}

impl From<SessionCommand> for LinkCommand {
    fn from(command: SessionCommand) -> Self {
        Self::Session(command)
    }
}

/// Something the link reports, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum TransportEvent {
    /// Engineer: someone tried a wrong code (or a man in the middle failed): from where, how
    /// often.
    PairingFailed(WrongAttempt),
    /// Engineer: too many wrong attempts overall; the code no longer works.
    CodeBurned,
    /// Engineer: nobody joined in time; the code no longer works.
    CodeExpired,
    /// Both: the two sides proved they share the code; the session begins.
    Paired,
    /// Both: the path the connection in use takes (told when the session begins and whenever
    /// a reconnect changes it).
    Path(LinkPath),
    /// A protocol event (consent, chat, disconnect, reconnect, end…).
    Session(SessionEvent),
    /// A command was not possible; the text says why.
    CommandRefused(String),
    /// Both: the live connection's smoothed round trip (told every few seconds).
    RoundTrip {
        /// Round trip, ms.
        rtt_ms: f64,
    },
    /// Engineer: what became of the session's relay, allocated on the session's task after the
    /// session started.
    Relay(RelayOutcome),
    /// The task is over; nothing follows.
    Closed,
}

/// What became of a session's relay allocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RelayOutcome {
    /// Allocated: the join link with its relay candidate, to be shown from now on.
    Ready(JoinLink),
    /// The relay cannot be used for this session, which goes on direct: why.
    Unavailable(RelayError),
}

/// Where a session task sends its events; the app forwards them to the transcript and the UI.
pub type EventSink = Arc<dyn Fn(TransportEvent) + Send + Sync>;

/// Where the engineer's session task hands each screen update the protocol accepted (the view
/// scope in force), in order and interleaved with the events exactly as they happened; the app
/// decodes it into the viewer. Frames never pass through the [`EventSink`].
pub type FrameSink = Arc<dyn Fn(ReceivedFrame) + Send + Sync>;

/// Where the user's session task hands each input event the protocol let through (the control
/// scope in force, the user not using their own mouse or keyboard), and the releases of what it
/// held down when control stops; the app injects them on the shared screen.
#[derive(Clone)]
pub struct InputSink(pub Arc<dyn Fn(crate::protocol::InputEvent) + Send + Sync>);

impl std::fmt::Debug for InputSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InputSink")
    }
}

/// The app's grip on one session task. Dropping every clone ends the session.
#[derive(Clone, Debug)]
pub struct SessionHandle {
    commands: mpsc::UnboundedSender<LinkCommand>,
    status: Arc<LinkStatus>,
}

impl SessionHandle {
    fn new() -> (Self, mpsc::UnboundedReceiver<LinkCommand>) {
        let (commands, inbox) = mpsc::unbounded_channel();
        (Self { commands, status: Arc::new(LinkStatus::default()) }, inbox)
    }

    /// Live figures of the link (screen gate, frames in flight, path).
    pub fn status(&self) -> &Arc<LinkStatus> {
        &self.status
    }

    /// Queues a command; `false` when the session task is already gone.
    pub fn send(&self, command: impl Into<LinkCommand>) -> bool {
        self.commands.send(command.into()).is_ok()
    }

    /// Whether the session task is still running.
    pub fn is_running(&self) -> bool {
        !self.commands.is_closed()
    }
}

/// The join link for a listening address and code.
pub fn join_link(host: &str, port: u16, code: crate::protocol::JoinCode) -> JoinLink {
    JoinLink { host: host.to_owned(), port, code, relay: None }
}

fn unix_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
}
