//! The engineer's side: a listening endpoint per session with its join code, pairing of incoming
//! connections (each in its own task, so a slow or hostile client cannot stall the session),
//! wrong-attempt counting per source (see [`super::gate`]), code expiry and renewal, and resumes
//! within the reconnect window.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, mpsc};
use tokio::time::{Instant, sleep_until, timeout};
use tracing::Instrument;

use crate::protocol::pairing::{EXPORTER_LABEL, KEY_BYTES, Pairing};
use crate::protocol::{Handshake, JoinCode, JoinLink, PairingVerdict, Role, Session, SessionCommand};

use super::control::{ControlStream, Inbound};
use super::driver::{Driver, Live, Punching, Reconnect};
use super::gate::{Attempt, AttemptLimits, CodeControl, Gate, GateState, Outcome, lock};
use super::relay::{LinkRelay, RelayConfig, RelaySocket};
use super::{
    EventSink, FrameSink, LinkCommand, RelayOutcome, SessionHandle, TransportError, TransportEvent, TransportSettings,
    tls,
};

/// What the engineer asks for when starting a session.
#[derive(Clone, Debug)]
pub struct HostRequest {
    /// Where to listen (port 0 = any free port).
    pub bind: SocketAddr,
    /// Host name or address to put in the join link; `None` picks this machine's address.
    pub advertised_host: Option<String>,
    /// The engineer's name, sent in the hello.
    pub display_name: String,
    /// A TURN server to allocate on for this session. The session listens at once (its first
    /// link is direct only); the allocation is made on the session's task and reported as
    /// [`TransportEvent::Relay`], with the link that carries its candidate.
    pub relay: Option<RelayConfig>,
}

/// Longest wait for the engineer's allocation.
pub const RELAY_SETUP_LIMIT: Duration = Duration::from_secs(4);

/// Makes the engineer's allocation on `config`'s server over `socket` (already listening) and
/// reports it: the join link gains the relay candidate, or the session goes on direct and the
/// panel is told why. Runs on the session's runtime, never on the UI thread.
async fn set_up_relay(socket: Arc<RelaySocket>, config: RelayConfig, codes: CodeControl, sink: EventSink) {
    let allocated = async {
        let server = super::relay::resolve_server(&config.server).await?;
        socket.start(server);
        socket.allocated(RELAY_SETUP_LIMIT).await
    };
    let outcome = match allocated.await {
        Ok((relayed, mapped)) => {
            // Another allocation on the same server (the user's) sends from the server's relay address.
            socket.permit(relayed.ip());
            let relay = LinkRelay { server: config.server.clone(), relayed, mapped, auth: config.auth.clone() };
            match codes.relay_ready(relay) {
                Some(link) => RelayOutcome::Ready(link),
                None => return, // joined or over meanwhile: the link no longer matters
            }
        }
        Err(err) => {
            tracing::info!("relay not used for this session: {err}");
            socket.abandon();
            if !codes.is_waiting() {
                return;
            }
            RelayOutcome::Unavailable(err)
        }
    };
    sink(TransportEvent::Relay(outcome));
}

/// A session waiting for (or holding) its user.
#[derive(Debug)]
pub struct HostedSession {
    /// Commands for the session task.
    pub handle: SessionHandle,
    /// What the user needs: host, port and code.
    pub link: JoinLink,
    /// The bound UDP address.
    pub local_addr: SocketAddr,
    /// When the code stops working, unix ms.
    pub code_expires_at_ms: i64,
    /// Issue a new code while nobody has joined.
    pub code_control: CodeControl,
}

/// This machine's address as others on the network would reach it (the interface of the default
/// route; no packet is sent). Falls back to loopback.
pub fn local_ip() -> IpAddr {
    let probe = || -> std::io::Result<IpAddr> {
        let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))?;
        socket.connect((Ipv4Addr::new(192, 0, 2, 1), 9))?;
        Ok(socket.local_addr()?.ip())
    };
    probe().ok().filter(|ip| !ip.is_unspecified()).unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

/// Binds an endpoint, makes a code and starts the session task on `runtime`. Returns at once;
/// what happens next arrives through `sink`, the user's screen updates through `frame_sink`.
pub fn host_session(
    runtime: &tokio::runtime::Handle,
    request: HostRequest,
    settings: TransportSettings,
    sink: EventSink,
    frame_sink: FrameSink,
) -> Result<HostedSession, TransportError> {
    let _entered = runtime.enter();
    let transport = tls::transport_config_with(settings.keep_alive, settings.idle_timeout, settings.congestion)?;
    let (server_config, _fingerprint) = tls::server_config(transport)?;
    let relay_socket = match &request.relay {
        Some(config) => Some(
            RelaySocket::unstarted(request.bind, config.auth.credentials())
                .map_err(|err| TransportError::Setup(format!("cannot listen on {}: {err}", request.bind)))?,
        ),
        None => None,
    };
    if let Some(socket) = &relay_socket {
        if let Some(nat) = settings.emulated_nat {
            socket.emulate_nat(nat);
        }
        if !settings.hole_punching {
            socket.disallow_punching();
        }
    }
    let endpoint = super::make_endpoint(request.bind, Some(server_config), &settings, relay_socket.as_ref())
        .map_err(|err| TransportError::Setup(format!("cannot listen on {}: {err}", request.bind)))?;
    let local_addr = endpoint.local_addr().map_err(|err| TransportError::Setup(err.to_string()))?;
    let code = JoinCode::generate().map_err(|err| TransportError::Setup(format!("no randomness: {err}")))?;
    let host = request.advertised_host.clone().unwrap_or_else(|| {
        if local_addr.ip().is_unspecified() { local_ip().to_string() } else { local_addr.ip().to_string() }
    });
    let link = JoinLink { host, port: local_addr.port(), code: code.clone(), relay: None };
    let code_expires_at_ms =
        super::unix_now_ms() + i64::try_from(settings.code_lifetime.as_millis()).unwrap_or(i64::MAX / 2);
    let limits = AttemptLimits { per_source: settings.max_attempts, total: settings.max_attempts_total };
    let gate = Arc::new(Mutex::new(Gate::new(code, Instant::now() + settings.code_lifetime, limits)));
    let renewed = Arc::new(Notify::new());
    let code_control = CodeControl {
        gate: gate.clone(),
        renewed: renewed.clone(),
        lifetime: settings.code_lifetime,
        host: link.host.clone(),
        port: link.port,
        relay: Arc::new(Mutex::new(None)),
    };
    let (handle, commands) = SessionHandle::new();
    let (handovers_tx, handovers) = mpsc::channel(4);
    let span = tracing::info_span!("host_session", port = local_addr.port());
    runtime.spawn(
        accept_loop(endpoint.clone(), gate.clone(), handovers_tx, sink.clone(), settings.clone())
            .instrument(span.clone()),
    );
    if let (Some(socket), Some(config)) = (relay_socket.clone(), request.relay) {
        runtime.spawn(set_up_relay(socket, config, code_control.clone(), sink.clone()).instrument(span.clone()));
    }
    let status = handle.status().clone();
    let task = HostTask {
        endpoint,
        gate,
        renewed,
        handovers,
        commands,
        sink,
        frame_sink,
        settings,
        display_name: request.display_name,
        status,
        relay: relay_socket,
    };
    runtime.spawn(task.run().instrument(span));
    Ok(HostedSession { handle, link, local_addr, code_expires_at_ms, code_control })
}

/// A paired or resumed connection, handed from a pairing task to the session task.
struct Handover {
    live: Live,
    resumed: bool,
}

async fn accept_loop(
    endpoint: quinn::Endpoint,
    gate: Arc<Mutex<Gate>>,
    handovers: mpsc::Sender<Handover>,
    sink: EventSink,
    settings: TransportSettings,
) {
    while let Some(incoming) = endpoint.accept().await {
        let (gate, handovers, sink) = (gate.clone(), handovers.clone(), sink.clone());
        let limit = settings.handshake_timeout;
        tokio::spawn(
            async move {
                match timeout(limit, pair_incoming(incoming, &gate, &sink)).await {
                    Ok(Ok(Some(handover))) => {
                        let _ = handovers.send(handover).await;
                    }
                    Ok(Ok(None)) => {}
                    Ok(Err(err)) => tracing::info!("an incoming connection failed: {err}"),
                    Err(_) => tracing::info!("an incoming connection took too long to pair"),
                }
            }
            .in_current_span(),
        );
    }
}

/// Pairs or resumes one incoming connection. `Ok(None)`: refused (and told why).
async fn pair_incoming(
    incoming: quinn::Incoming,
    gate: &Arc<Mutex<Gate>>,
    sink: &EventSink,
) -> Result<Option<Handover>, TransportError> {
    let source = incoming.remote_address().ip();
    let connection = incoming.await.map_err(|err| TransportError::ConnectionLost(err.to_string()))?;
    let (send, recv) = connection.accept_bi().await.map_err(|err| TransportError::ConnectionLost(err.to_string()))?;
    let mut control = ControlStream::new(send, recv);
    let first = match control.read::<Handshake>().await {
        Inbound::Message(message) => message,
        Inbound::Invalid(err) => return Err(TransportError::Protocol(err.to_string())),
        Inbound::Closed(why) => return Err(TransportError::ConnectionLost(why)),
    };
    match first {
        Handshake::Pake(user_message) => pair(connection, control, &user_message, source, gate, sink).await,
        Handshake::Resume { session_id, token } => resume(connection, control, session_id, &token, gate).await,
        _ => Err(TransportError::Protocol("the first handshake message must be pairing or resume".into())),
    }
}

async fn pair(
    connection: quinn::Connection,
    mut control: ControlStream,
    user_message: &[u8],
    source: IpAddr,
    gate: &Arc<Mutex<Gate>>,
    sink: &EventSink,
) -> Result<Option<Handover>, TransportError> {
    // Reserved before the key exchange, so parallel connections cannot guess more often than
    // the limits allow; given back if this connection goes away before its guess is checked.
    let (attempt, code) = match Attempt::reserve(gate, source) {
        Ok(reserved) => reserved,
        Err(verdict) => {
            refuse(&connection, &mut control, verdict).await;
            return Ok(None);
        }
    };
    let exporter = exporter(&connection)?;
    let (pairing, engineer_message) = Pairing::start(&code, &exporter);
    control.write(&Handshake::Pake(engineer_message)).await?;
    let confirmation = match control.read::<Handshake>().await {
        Inbound::Message(Handshake::Confirm(confirmation)) => confirmation,
        Inbound::Message(_) => return Err(TransportError::Protocol("expected a key confirmation".into())),
        Inbound::Invalid(err) => return Err(TransportError::Protocol(err.to_string())),
        Inbound::Closed(why) => return Err(TransportError::ConnectionLost(why)),
    };
    let key =
        pairing.finish(user_message).ok().filter(|key| key.verify_confirmation(Role::User, &confirmation).is_ok());
    let outcome = attempt.settle(key).map_err(|err| TransportError::Setup(err.to_string()))?;
    match outcome {
        Outcome::Paired { confirm, session_id } => {
            control.write(&Handshake::Confirm(confirm)).await?;
            control.write(&Handshake::Result(PairingVerdict::Paired { session_id })).await?;
            Ok(Some(Handover { live: Live { connection, control }, resumed: false }))
        }
        Outcome::Refused { verdict, wrong, burned } => {
            if let Some(wrong) = wrong {
                sink(TransportEvent::PairingFailed(wrong));
            }
            if burned {
                sink(TransportEvent::CodeBurned);
            }
            refuse(&connection, &mut control, verdict).await;
            Ok(None)
        }
    }
}

async fn resume(
    connection: quinn::Connection,
    mut control: ControlStream,
    session_id: [u8; 16],
    token: &[u8],
    gate: &Mutex<Gate>,
) -> Result<Option<Handover>, TransportError> {
    let accepted = {
        let mut gate = lock(gate);
        match &mut gate.state {
            GateState::Paired { session_id: id, key, accepting_resume }
                if *accepting_resume && *id == session_id && key.verify_resume_token(&session_id, token) =>
            {
                // Still accepting: when the user's attempt timed out on its side after this one
                // got through, its next attempt takes over (the newest connection is the one in use).
                true
            }
            _ => false,
        }
    };
    if !accepted {
        refuse(&connection, &mut control, PairingVerdict::UnknownSession).await;
        return Ok(None);
    }
    control.write(&Handshake::Result(PairingVerdict::Resumed)).await?;
    Ok(Some(Handover { live: Live { connection, control }, resumed: true }))
}

/// Tells the peer why, lets the message arrive, then closes.
async fn refuse(connection: &quinn::Connection, control: &mut ControlStream, verdict: PairingVerdict) {
    let _ = control.write(&Handshake::Result(verdict)).await;
    control.finish();
    let _ = timeout(std::time::Duration::from_secs(2), connection.closed()).await;
    connection.close(0u32.into(), b"refused");
}

fn exporter(connection: &quinn::Connection) -> Result<[u8; KEY_BYTES], TransportError> {
    let mut out = [0u8; KEY_BYTES];
    connection
        .export_keying_material(&mut out, EXPORTER_LABEL, b"")
        .map_err(|_| TransportError::Setup("the TLS exporter is not available".into()))?;
    Ok(out)
}

/// The engineer's session task.
struct HostTask {
    endpoint: quinn::Endpoint,
    gate: Arc<Mutex<Gate>>,
    /// Signalled when the engineer issues a new code (the expiry timer starts again).
    renewed: Arc<Notify>,
    handovers: mpsc::Receiver<Handover>,
    commands: mpsc::UnboundedReceiver<LinkCommand>,
    sink: EventSink,
    frame_sink: FrameSink,
    settings: TransportSettings,
    display_name: String,
    status: Arc<super::LinkStatus>,
    relay: Option<Arc<RelaySocket>>,
}

impl HostTask {
    async fn run(mut self) {
        let live = loop {
            // Read afresh each time round: a new code brings a new expiry.
            let (expires_at, watch_expiry) = {
                let gate = lock(&self.gate);
                (gate.expires_at, gate.expiry_pending())
            };
            tokio::select! {
                handover = self.handovers.recv() => match handover {
                    Some(Handover { live, resumed: false }) => break Some(live),
                    Some(_) => {}
                    None => break None,
                },
                command = self.commands.recv() => match command {
                    Some(LinkCommand::Session(SessionCommand::End)) | None => break None,
                    Some(_) => (self.sink)(TransportEvent::CommandRefused("nobody has joined yet".into())),
                },
                () = self.renewed.notified() => {}
                () = sleep_until(expires_at), if watch_expiry => {
                    let expired = lock(&self.gate).take_expiry(Instant::now());
                    if expired {
                        (self.sink)(TransportEvent::CodeExpired);
                    }
                }
            }
        };
        let Some(live) = live else {
            lock(&self.gate).state = GateState::Ended;
            self.endpoint.close(0u32.into(), b"session ended");
            if let Some(relay) = &self.relay {
                relay.close();
            }
            (self.sink)(TransportEvent::Closed);
            return;
        };
        (self.sink)(TransportEvent::Paired);
        let session = Session::new(Role::Engineer, &self.display_name, super::unix_now_ms())
            .with_link_timing(self.settings.link_timing())
            .with_survey_timing(self.settings.survey);
        let driver = Driver {
            session,
            commands: self.commands,
            sink: self.sink,
            frame_sink: Some(self.frame_sink),
            next_frame_seq: 0,
            status: self.status,
            input_sink: None,
            relay: self.relay.clone(),
            path: None,
            rtt_told_at: None,
            own_path_told: None,
            peer_path: None,
            punching: Punching::default(),
        };
        let reconnect =
            HostReconnect { gate: self.gate, handovers: self.handovers, endpoint: self.endpoint, relay: self.relay };
        driver.run(live, reconnect).await;
    }
}

/// The engineer waits for the user to come back with the session's resume token.
struct HostReconnect {
    gate: Arc<Mutex<Gate>>,
    handovers: mpsc::Receiver<Handover>,
    endpoint: quinn::Endpoint,
    relay: Option<Arc<RelaySocket>>,
}

impl HostReconnect {
    fn accept_resumes(&mut self) {
        if let GateState::Paired { accepting_resume, .. } = &mut lock(&self.gate).state {
            *accepting_resume = true;
        }
    }
}

impl Reconnect for HostReconnect {
    /// The user may notice a drop first (silence is measured on each side): its resume is
    /// accepted even while this side still holds the old connection.
    fn on_connected(&mut self) {
        self.accept_resumes();
    }

    fn on_disconnect(&mut self) {
        self.accept_resumes();
        // The relay may be what broke (e.g. the server restarted): a lost allocation is made again.
        if let Some(relay) = &self.relay {
            relay.check();
        }
    }

    async fn take_over(&mut self) -> Option<Live> {
        self.reconnect(Instant::now()).await
    }

    async fn reconnect(&mut self, _not_before: Instant) -> Option<Live> {
        loop {
            match self.handovers.recv().await? {
                Handover { live, resumed: true } => return Some(live),
                Handover { live, resumed: false } => live.connection.close(0u32.into(), b"session in use"),
            }
        }
    }

    fn on_end(&mut self) {
        lock(&self.gate).state = GateState::Ended;
        self.endpoint.close(0u32.into(), b"session ended");
        if let Some(relay) = &self.relay {
            relay.close();
        }
    }
}
