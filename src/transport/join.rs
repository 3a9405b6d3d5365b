//! The user's side: connect to the engineer's address, pair with the code, then run the session;
//! after a drop, reconnect accepting only the certificate seen at pairing. When the link has a
//! relay candidate with time-limited credentials, this side makes its own allocation on the same
//! TURN server, tries the direct address first and falls back to the engineer's relayed address
//! through it (and, when that allocation is gone, to the engineer's address as the server saw
//! it). Without credentials (the engineer's are long-term) or with expired ones, it tries the
//! direct address, then the engineer's address as the server saw it, without a relay.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use tokio::time::{Instant, sleep, sleep_until, timeout};
use tracing::Instrument;

use crate::protocol::pairing::{EXPORTER_LABEL, KEY_BYTES, Pairing, PairingError, SessionKey};
use crate::protocol::{Handshake, JoinLink, PairingVerdict, RelayCandidate, Role, Session, UserRelay};

use super::control::{ControlStream, Inbound};
use super::driver::{Driver, Live, Punching, Reconnect};
use super::relay::{RelaySocket, resolve_server};
use super::tls::{self, Fingerprint};
use super::{EventSink, SessionHandle, TransportEvent, TransportSettings};

/// Why joining failed, in words a user can act on (the UI translates by variant).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JoinError {
    /// The address does not resolve or answer.
    #[error("cannot reach {0}")]
    Unreachable(String),
    /// The code did not match.
    #[error("That code is not right ({attempts_left} attempts left)")]
    WrongCode {
        /// Attempts left before the code stops working.
        attempts_left: u32,
    },
    /// Too many wrong attempts.
    #[error("This code no longer works: too many wrong attempts. Ask for a new one.")]
    CodeBurned,
    /// The code expired.
    #[error("This code has expired. Ask for a new one.")]
    CodeExpired,
    /// Someone already joined with this code.
    #[error("This code was already used. Ask for a new one.")]
    CodeUsed,
    /// The other side's proof did not match: not the engineer who gave the code.
    #[error("The other side could not prove it is your engineer; nothing was shared.")]
    NotTheEngineer,
    /// Set-up or protocol problem.
    #[error("{0}")]
    Failed(String),
}

/// Connects, pairs with the link's code and starts the session task. `display_name` is what the
/// engineer sees in the hello.
pub async fn join_session(
    link: &JoinLink,
    display_name: &str,
    settings: TransportSettings,
    sink: EventSink,
) -> Result<SessionHandle, JoinError> {
    let Some(candidate) = &link.relay else { return join_direct(link, &[], display_name, settings, sink).await };
    let credentials = match &candidate.user {
        UserRelay::Allocate(credentials) if !credentials.is_expired(super::unix_now_ms() / 1000) => {
            credentials.turn_credentials()
        }
        UserRelay::Allocate(_) | UserRelay::NotOffered => {
            if matches!(candidate.user, UserRelay::Allocate(_)) {
                tracing::info!("the link's relay credentials have expired: trying the engineer's addresses directly");
            }
            let also: Vec<SocketAddr> = candidate.mapped.into_iter().collect();
            return join_direct(link, &also, display_name, settings, sink).await;
        }
    };
    let direct = resolve(link).await;
    let server = resolve_server(&candidate.server).await.map_err(|err| JoinError::Unreachable(err.to_string()))?;
    let bind = unspecified_like(server);
    let relay = RelaySocket::bind(bind, server, credentials)
        .map_err(|err| JoinError::Failed(format!("no UDP socket: {err}")))?;
    if let Some(nat) = settings.emulated_nat {
        relay.emulate_nat(nat);
    }
    if !settings.hole_punching {
        relay.disallow_punching();
    }
    let endpoint = super::make_endpoint(bind, None, &settings, Some(&relay))
        .map_err(|err| JoinError::Failed(format!("no UDP socket: {err}")))?;
    let mut candidates = Vec::new();
    if let Ok(direct) = direct {
        candidates.push(direct);
    }
    candidates.extend(relay_targets(candidate));
    let attempt = timeout(settings.handshake_timeout + settings.direct_timeout, async {
        let mut last = JoinError::Unreachable(link.host.clone());
        for (index, address) in candidates.iter().enumerate() {
            let relayed = index > 0 || direct.is_err();
            let limit = if relayed { settings.handshake_timeout } else { settings.direct_timeout };
            match timeout(limit, connect_via(&endpoint, &relay, relayed, *address, &settings, None)).await {
                Ok(Ok((connection, control))) => {
                    return pair(connection, control, link).await.map(|paired| (paired, *address));
                }
                Ok(Err(err)) => last = err,
                Err(_) => last = JoinError::Unreachable(format!("{address} (no answer)")),
            }
        }
        Err(last)
    })
    .await;
    let ((live, pin, session_id, key), address) = match attempt {
        Ok(Ok(paired)) => paired,
        Ok(Err(err)) => {
            endpoint.close(0u32.into(), b"pairing failed");
            relay.close();
            return Err(err);
        }
        Err(_) => {
            endpoint.close(0u32.into(), b"pairing timed out");
            relay.close();
            return Err(JoinError::Unreachable(format!("{} (no answer, directly or through the relay)", link.host)));
        }
    };
    let first = candidates.iter().position(|candidate| *candidate == address).unwrap_or(0);
    let relayed_from = if direct.is_ok() { 1 } else { 0 };
    let reconnect = UserReconnect {
        endpoint,
        candidates,
        relayed_from,
        current: first,
        pin,
        session_id,
        key,
        settings: settings.clone(),
        relay: Some(relay.clone()),
    };
    Ok(start_driver(live, reconnect, display_name, settings, sink, Some(relay), address))
}

/// Where the user reaches the engineer through its own allocation: the engineer's relayed
/// address, then the engineer's address as the TURN server saw it.
fn relay_targets(candidate: &RelayCandidate) -> Vec<SocketAddr> {
    std::iter::once(candidate.relayed).chain(candidate.mapped).collect()
}

fn unspecified_like(address: SocketAddr) -> SocketAddr {
    if address.is_ipv4() { (Ipv4Addr::UNSPECIFIED, 0).into() } else { (Ipv6Addr::UNSPECIFIED, 0).into() }
}

/// Connects to `address`, through the relay when `relayed` (its channel bound first).
async fn connect_via(
    endpoint: &quinn::Endpoint,
    relay: &RelaySocket,
    relayed: bool,
    address: SocketAddr,
    settings: &TransportSettings,
    pin: Option<Fingerprint>,
) -> Result<(quinn::Connection, ControlStream), JoinError> {
    if relayed {
        relay
            .allocated(settings.handshake_timeout)
            .await
            .map_err(|err| JoinError::Unreachable(format!("relay: {err}")))?;
        relay
            .open_peer(address, settings.handshake_timeout)
            .await
            .map_err(|err| JoinError::Unreachable(format!("relay to {address}: {err}")))?;
    }
    connect(endpoint, address, settings, pin).await
}

fn start_driver(
    live: Live,
    reconnect: UserReconnect,
    display_name: &str,
    settings: TransportSettings,
    sink: EventSink,
    relay: Option<Arc<RelaySocket>>,
    address: SocketAddr,
) -> SessionHandle {
    sink(TransportEvent::Paired);
    let (handle, commands) = SessionHandle::new();
    let session = Session::new(Role::User, display_name, super::unix_now_ms())
        .with_link_timing(settings.link_timing())
        .with_survey_timing(settings.survey);
    let status = handle.status().clone();
    let driver = Driver {
        session,
        commands,
        sink,
        frame_sink: None,
        next_frame_seq: 0,
        status,
        input_sink: None,
        relay,
        path: None,
        rtt_told_at: None,
        own_path_told: None,
        peer_path: None,
        punching: Punching::default(),
    };
    tokio::spawn(driver.run(live, reconnect).instrument(tracing::info_span!("join_session", %address)));
    handle
}

/// Joins without a relay: the link's address, then `also` (the engineer's address as the TURN
/// server saw it), each directly.
async fn join_direct(
    link: &JoinLink,
    also: &[SocketAddr],
    display_name: &str,
    settings: TransportSettings,
    sink: EventSink,
) -> Result<SessionHandle, JoinError> {
    let mut candidates = Vec::new();
    let resolved = resolve(link).await;
    if let Ok(address) = &resolved {
        candidates.push(*address);
    }
    for address in also {
        if !candidates.contains(address) {
            candidates.push(*address);
        }
    }
    let Some(&first) = candidates.first() else {
        return Err(resolved.err().unwrap_or_else(|| JoinError::Unreachable(link.host.clone())));
    };
    let endpoint = super::make_endpoint(unspecified_like(first), None, &settings, None)
        .map_err(|err| JoinError::Failed(format!("no UDP socket: {err}")))?;
    let mut last = JoinError::Unreachable(format!("{first} (no answer)"));
    let mut paired = None;
    for (index, address) in candidates.iter().enumerate() {
        // Every address but the last gets the direct timeout, the last the whole handshake's.
        let limit = if index + 1 < candidates.len() { settings.direct_timeout } else { settings.handshake_timeout };
        let attempt = timeout(limit, async {
            let (connection, control) = connect(&endpoint, *address, &settings, None).await?;
            pair(connection, control, link).await
        })
        .await;
        match attempt {
            Ok(Ok(done)) => {
                paired = Some((done, index));
                break;
            }
            // The code was wrong, used or expired: no other address changes that.
            Ok(Err(
                err @ (JoinError::WrongCode { .. }
                | JoinError::CodeBurned
                | JoinError::CodeExpired
                | JoinError::CodeUsed
                | JoinError::NotTheEngineer),
            )) => {
                endpoint.close(0u32.into(), b"pairing failed");
                return Err(err);
            }
            Ok(Err(err)) => last = err,
            Err(_) => last = JoinError::Unreachable(format!("{address} (no answer)")),
        }
    }
    let Some(((live, pin, session_id, key), current)) = paired else {
        endpoint.close(0u32.into(), b"pairing timed out");
        return Err(last);
    };
    let address = candidates.get(current).copied().unwrap_or(first);
    let relayed_from = candidates.len();
    let reconnect = UserReconnect {
        endpoint,
        candidates,
        relayed_from,
        current,
        pin,
        session_id,
        key,
        settings: settings.clone(),
        relay: None,
    };
    Ok(start_driver(live, reconnect, display_name, settings, sink, None, address))
}

async fn resolve(link: &JoinLink) -> Result<SocketAddr, JoinError> {
    let mut addresses = tokio::net::lookup_host((link.host.as_str(), link.port))
        .await
        .map_err(|err| JoinError::Unreachable(format!("{}: {err}", link.host)))?;
    addresses.next().ok_or_else(|| JoinError::Unreachable(link.host.clone()))
}

async fn connect(
    endpoint: &quinn::Endpoint,
    address: SocketAddr,
    settings: &TransportSettings,
    pin: Option<Fingerprint>,
) -> Result<(quinn::Connection, ControlStream), JoinError> {
    let transport = tls::transport_config_with(settings.keep_alive, settings.idle_timeout, settings.congestion)
        .map_err(|err| JoinError::Failed(err.to_string()))?;
    let config = tls::client_config(transport, pin).map_err(|err| JoinError::Failed(err.to_string()))?;
    let connecting = endpoint
        .connect_with(config, address, tls::SERVER_NAME)
        .map_err(|err| JoinError::Unreachable(format!("{address}: {err}")))?;
    let connection = connecting.await.map_err(|err| JoinError::Unreachable(format!("{address}: {err}")))?;
    let (send, recv) = connection.open_bi().await.map_err(|err| JoinError::Unreachable(err.to_string()))?;
    Ok((connection, ControlStream::new(send, recv)))
}

async fn read_handshake(control: &mut ControlStream) -> Result<Handshake, JoinError> {
    match control.read::<Handshake>().await {
        Inbound::Message(message) => Ok(message),
        Inbound::Invalid(err) => Err(JoinError::Failed(format!("the other side sent something invalid: {err}"))),
        Inbound::Closed(why) => Err(JoinError::Unreachable(format!("the connection closed during pairing: {why}"))),
    }
}

fn verdict_error(verdict: PairingVerdict) -> JoinError {
    match verdict {
        PairingVerdict::WrongCode { attempts_left } => JoinError::WrongCode { attempts_left },
        PairingVerdict::CodeBurned => JoinError::CodeBurned,
        PairingVerdict::CodeExpired => JoinError::CodeExpired,
        PairingVerdict::CodeUsed => JoinError::CodeUsed,
        PairingVerdict::UnknownSession => JoinError::Failed("the session is gone".into()),
        PairingVerdict::Paired { .. } | PairingVerdict::Resumed => JoinError::Failed("unexpected answer".into()),
    }
}

async fn pair(
    connection: quinn::Connection,
    mut control: ControlStream,
    link: &JoinLink,
) -> Result<(Live, Fingerprint, [u8; 16], SessionKey), JoinError> {
    let pin = tls::peer_fingerprint(&connection).ok_or_else(|| JoinError::Failed("no certificate".into()))?;
    let mut exporter = [0u8; KEY_BYTES];
    connection
        .export_keying_material(&mut exporter, EXPORTER_LABEL, b"")
        .map_err(|_| JoinError::Failed("the TLS exporter is not available".into()))?;
    let (pairing, user_message) = Pairing::start(&link.code, &exporter);
    write(&mut control, &Handshake::Pake(user_message)).await?;
    let engineer_message = match read_handshake(&mut control).await? {
        Handshake::Pake(message) => message,
        Handshake::Result(verdict) => return Err(verdict_error(verdict)),
        _ => return Err(JoinError::Failed("unexpected pairing message".into())),
    };
    let key = pairing.finish(&engineer_message).map_err(|err| match err {
        PairingError::BadMessage => JoinError::Failed("the other side's pairing message is malformed".into()),
        PairingError::Mismatch => JoinError::NotTheEngineer,
    })?;
    write(&mut control, &Handshake::Confirm(key.confirmation(Role::User))).await?;
    let confirmation = match read_handshake(&mut control).await? {
        Handshake::Confirm(confirmation) => confirmation,
        Handshake::Result(verdict) => return Err(verdict_error(verdict)),
        _ => return Err(JoinError::Failed("unexpected pairing message".into())),
    };
    key.verify_confirmation(Role::Engineer, &confirmation).map_err(|_| JoinError::NotTheEngineer)?;
    match read_handshake(&mut control).await? {
        Handshake::Result(PairingVerdict::Paired { session_id }) => {
            Ok((Live { connection, control }, pin, session_id, key))
        }
        Handshake::Result(verdict) => Err(verdict_error(verdict)),
        _ => Err(JoinError::Failed("unexpected pairing message".into())),
    }
}

async fn write(control: &mut ControlStream, message: &Handshake) -> Result<(), JoinError> {
    control.write(message).await.map_err(|err| JoinError::Unreachable(err.to_string()))
}

/// The user reconnects, the address that worked last first, accepting only the pinned
/// certificate, and proves it holds the session key.
struct UserReconnect {
    endpoint: quinn::Endpoint,
    /// Where the engineer may be reached: the direct address, then the relay targets.
    candidates: Vec<SocketAddr>,
    /// Index of the first candidate reached through the relay.
    relayed_from: usize,
    /// The candidate in use (or tried next).
    current: usize,
    pin: Fingerprint,
    session_id: [u8; 16],
    key: SessionKey,
    settings: TransportSettings,
    relay: Option<Arc<RelaySocket>>,
}

enum ResumeOutcome {
    Resumed(Live),
    Gone,
    TryAgain,
}

impl UserReconnect {
    async fn try_resume(&self) -> ResumeOutcome {
        let Some(&address) = self.candidates.get(self.current) else { return ResumeOutcome::Gone };
        let attempt = async {
            let (connection, mut control) = match &self.relay {
                Some(relay) => {
                    let relayed = self.current >= self.relayed_from;
                    connect_via(&self.endpoint, relay, relayed, address, &self.settings, Some(self.pin)).await?
                }
                None => connect(&self.endpoint, address, &self.settings, Some(self.pin)).await?,
            };
            let token = self.key.resume_token(&self.session_id);
            write(&mut control, &Handshake::Resume { session_id: self.session_id, token }).await?;
            match read_handshake(&mut control).await? {
                Handshake::Result(PairingVerdict::Resumed) => Ok(Some(Live { connection, control })),
                _ => Ok::<_, JoinError>(None),
            }
        };
        let limit = self.settings.handshake_timeout.min(self.settings.reconnect_attempt_timeout);
        match timeout(limit, attempt).await {
            Ok(Ok(Some(live))) => ResumeOutcome::Resumed(live),
            Ok(Ok(None)) => ResumeOutcome::Gone,
            Ok(Err(err)) => {
                tracing::debug!("reconnect attempt failed: {err}");
                ResumeOutcome::TryAgain
            }
            Err(_) => ResumeOutcome::TryAgain,
        }
    }
}

impl Reconnect for UserReconnect {
    async fn reconnect(&mut self, not_before: Instant) -> Option<Live> {
        sleep_until(not_before).await;
        // The relay may be what broke (e.g. the server restarted): a lost allocation is made again.
        if let Some(relay) = &self.relay {
            relay.check();
        }
        loop {
            match self.try_resume().await {
                ResumeOutcome::Resumed(live) => return Some(live),
                ResumeOutcome::Gone => return None,
                ResumeOutcome::TryAgain => {
                    // The next candidate (the same one again when there is only one).
                    self.current = (self.current + 1) % self.candidates.len().max(1);
                    sleep(self.settings.retry_interval).await;
                }
            }
        }
    }

    fn on_end(&mut self) {
        self.endpoint.close(0u32.into(), b"session ended");
        if let Some(relay) = &self.relay {
            relay.close();
        }
    }
}
