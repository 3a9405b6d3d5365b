//! The session through a real TURN server (coturn on loopback, started by the test): the two
//! peers cannot reach each other directly (the join link's direct address is a port where
//! nothing answers), so the user falls back to the engineer's relayed address through its own
//! allocation (time-limited credentials from the shared secret); they pair, stream screen
//! updates, and survive a restart of the relay server by reconnecting. Behind (emulated) cone
//! NATs, hole punching moves the session off the relay; behind symmetric ones it stays there.
//! With long-term credentials the link carries no password and the user cannot allocate; wrong
//! and expired credentials fail plainly. Then the console: a session starts at once while its
//! relay address is made (or fails), and Settings' "Test relay" shows the relayed address and
//! round trip, or why not. With CI=true a missing `turnserver` fails the test.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT as _, Queryable};
use stepwise::app::coturn::{self, Coturn};
use stepwise::model::NetworkSettings;
use stepwise::protocol::turn::{RestCredentials, TurnFailure};
use stepwise::protocol::{
    ConsentRequest, JoinLink, LinkPath, ReceivedFrame, Scopes, SessionCommand, SessionEvent, UserRelay,
};
use stepwise::transport::{
    EmulatedNat, FrameSink, HostRequest, HostedSession, LinkCommand, RelayAuth, RelayConfig, RelayError, RelayOutcome,
    RelaySocket, RelayState, SessionHandle, TransportEvent, TransportSettings, host_session, join_session, probe_relay,
};
use stepwise::ui::Lang;
use stepwise::ui::relay::{RelayProblem, SessionRelay};
use stepwise::ui::session::LinkPhase;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio::time::timeout;

use crate::{events, support};

use events::sink;

const WAIT: Duration = Duration::from_secs(20);

/// Whether the test can run; with CI=true a missing server is a failure, not a skip.
fn coturn_or_skip() -> bool {
    if coturn::available() {
        return true;
    }
    assert!(std::env::var("CI").as_deref() != Ok("true"), "turnserver is missing: apt install coturn");
    eprintln!("skipped: turnserver is not installed (apt install coturn)");
    false
}

fn settings() -> TransportSettings {
    TransportSettings {
        heartbeat_interval: Duration::from_millis(500),
        retry_interval: Duration::from_millis(200),
        reconnect_attempt_timeout: Duration::from_secs(2),
        reconnect_window: Duration::from_secs(40),
        direct_timeout: Duration::from_millis(800),
        ..TransportSettings::default()
    }
}

/// Now, in unix seconds (REST credentials expire at such a time).
fn unix_now_s() -> i64 {
    i64::try_from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()).unwrap()
}

/// Waits for the first event matching `predicate`, returning it; panics after [`WAIT`].
async fn expect_event(
    events: &mut UnboundedReceiver<TransportEvent>,
    what: &str,
    predicate: impl Fn(&TransportEvent) -> bool,
) -> TransportEvent {
    events::expect_event_within(WAIT, events, what, predicate).await
}

fn is_session(event: &TransportEvent, predicate: impl Fn(&SessionEvent) -> bool) -> bool {
    matches!(event, TransportEvent::Session(inner) if predicate(inner))
}

struct Engineer {
    hosted: HostedSession,
    /// The join link once the relay is ready (the session listened before that).
    link: JoinLink,
    events: UnboundedReceiver<TransportEvent>,
    frames: UnboundedReceiver<ReceivedFrame>,
}

/// The test settings with `nat`'s filtering emulated on the session socket.
fn behind(nat: EmulatedNat) -> TransportSettings {
    TransportSettings { emulated_nat: Some(nat), ..settings() }
}

/// The test settings without hole punching: a session through the relay stays there.
fn relay_only() -> TransportSettings {
    TransportSettings { hole_punching: false, ..settings() }
}

/// Hosts a session with `config` as its relay; returns once its allocation is ready.
async fn host_with(config: RelayConfig) -> Engineer {
    host_on(config, settings()).await
}

/// [`host_with`] without hole punching.
async fn host_relay_only(config: RelayConfig) -> Engineer {
    host_on(config, relay_only()).await
}

/// [`host_with`] with these `settings`.
async fn host_on(config: RelayConfig, settings: TransportSettings) -> Engineer {
    let bind = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let (sink, mut events) = sink();
    let (frames_tx, frames) = unbounded_channel();
    let frame_sink: FrameSink = Arc::new(move |frame| drop(frames_tx.send(frame)));
    let request = HostRequest {
        bind,
        advertised_host: Some("127.0.0.1".into()),
        display_name: "Li Wei".into(),
        relay: Some(config),
    };
    let hosted = host_session(&tokio::runtime::Handle::current(), request, settings, sink, frame_sink)
        .expect("listen over the relay socket");
    assert!(hosted.link.relay.is_none(), "the session starts before the allocation: its first link is direct");
    let link = match expect_event(&mut events, "the relay", |e| matches!(e, TransportEvent::Relay(_))).await {
        TransportEvent::Relay(RelayOutcome::Ready(link)) => link,
        other => panic!("the engineer's allocation failed: {other:?}"),
    };
    assert_eq!(link.code, hosted.link.code, "the same session, the same code");
    Engineer { hosted, link, events, frames }
}

async fn host_via(turn: &Coturn) -> Engineer {
    host_with(turn.config()).await
}

async fn start_coturn(auth: RelayAuth) -> Coturn {
    tokio::task::spawn_blocking(move || Coturn::start(auth)).await.unwrap().expect("coturn starts")
}

/// The link with its direct address replaced by a port where nothing answers (`hole` keeps it
/// bound, so nothing else takes it): only the relay can work.
fn unreachable_directly(link: &JoinLink, hole: &std::net::UdpSocket) -> JoinLink {
    JoinLink { port: hole.local_addr().expect("bound").port(), ..link.clone() }
}

async fn join(link: &JoinLink) -> (SessionHandle, UnboundedReceiver<TransportEvent>) {
    join_on(link, settings()).await
}

/// [`join`] with these `settings`.
async fn join_on(link: &JoinLink, settings: TransportSettings) -> (SessionHandle, UnboundedReceiver<TransportEvent>) {
    let (sink, events) = sink();
    let joined = timeout(WAIT, join_session(link, "Zhang Min", settings, sink)).await.expect("join answers in time");
    (joined.expect("pairs through the relay"), events)
}

fn request() -> ConsentRequest {
    ConsentRequest {
        engineer_name: "Li Wei".into(),
        team: "Service desk".into(),
        ticket_number: "T-20261205-0001".into(),
        ticket_title: "VPN".into(),
        purpose: "Check the VPN client".into(),
        suggested: Scopes::default(),
    }
}

async fn pair_and_consent(
    engineer: &mut Engineer,
    link: &JoinLink,
    settings: TransportSettings,
) -> (SessionHandle, UnboundedReceiver<TransportEvent>) {
    let (user, mut user_events) = join_on(link, settings).await;
    expect_event(&mut engineer.events, "paired", |event| matches!(event, TransportEvent::Paired)).await;
    let path = expect_event(&mut engineer.events, "path", |event| matches!(event, TransportEvent::Path(_))).await;
    assert_eq!(path, TransportEvent::Path(LinkPath::Relayed), "the engineer sees the relay path");
    let path = expect_event(&mut user_events, "path", |event| matches!(event, TransportEvent::Path(_))).await;
    assert_eq!(path, TransportEvent::Path(LinkPath::Relayed), "the user sees the relay path");
    assert_eq!(user.status().path(), LinkPath::Relayed);
    let rtt = expect_event(&mut engineer.events, "round trip", |e| matches!(e, TransportEvent::RoundTrip { .. })).await;
    assert!(matches!(rtt, TransportEvent::RoundTrip { rtt_ms } if rtt_ms > 0.0 && rtt_ms < 1_000.0), "{rtt:?}");
    engineer.hosted.handle.send(SessionCommand::RequestConsent(request()));
    expect_event(&mut user_events, "request", |e| is_session(e, |s| matches!(s, SessionEvent::ConsentRequested(_))))
        .await;
    user.send(SessionCommand::Grant(Scopes::default()));
    expect_event(&mut engineer.events, "grant", |e| is_session(e, |s| matches!(s, SessionEvent::ConsentGranted(_))))
        .await;
    (user, user_events)
}

async fn expect_frame(engineer: &mut Engineer, data: &[u8]) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, engineer.frames.recv()).await {
            Ok(Some(frame)) if frame.data == data => return,
            Ok(Some(_)) => {}
            Ok(None) => panic!("frame stream ended"),
            Err(_) => panic!("timed out waiting for a frame of {} bytes", data.len()),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_relay_connects_them_frames_flow_and_a_relay_restart_is_survived() {
    if !coturn_or_skip() {
        return;
    }
    let auth = RelayAuth::SharedSecret { secret: "relay secret 中".into() };
    let mut turn = start_coturn(auth).await;
    // Hole punching off (on loopback it would find the direct path): only the relay works.
    let mut engineer = host_relay_only(turn.config()).await;
    let candidate = engineer.link.relay.clone().expect("the link carries the relay candidate");
    assert_eq!(candidate.relayed.ip(), Ipv4Addr::LOCALHOST);
    assert_eq!(JoinLink::parse(&engineer.link.to_link()).as_ref(), Ok(&engineer.link), "link round trip");
    let hole = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let link = unreachable_directly(&engineer.link, &hole);
    let (user, mut user_events) = pair_and_consent(&mut engineer, &link, relay_only()).await;

    // A big update (many packets) and a small one, through the relay.
    let big: Vec<u8> = (0..200_000u32).map(|n| (n % 251) as u8).collect();
    user.send(LinkCommand::SendFrame(big.clone()));
    expect_frame(&mut engineer, &big).await;
    user.send(LinkCommand::SendFrame(vec![7; 300]));
    expect_frame(&mut engineer, &[7; 300]).await;

    // The relay server restarts: every allocation is gone. Both sides notice the silence, make
    // new allocations, and the user resumes.
    turn = tokio::task::spawn_blocking(move || {
        turn.restart().expect("coturn restarts");
        turn
    })
    .await
    .unwrap();
    expect_event(&mut engineer.events, "drop", |e| is_session(e, |s| *s == SessionEvent::Disconnected)).await;
    expect_event(&mut engineer.events, "reconnect", |e| {
        is_session(e, |s| matches!(s, SessionEvent::Reconnected { .. }))
    })
    .await;
    expect_event(&mut user_events, "reconnect", |e| is_session(e, |s| matches!(s, SessionEvent::Reconnected { .. })))
        .await;
    assert_eq!(user.status().path(), LinkPath::Relayed, "still through the relay");
    let after: Vec<u8> = vec![9; 50_000];
    // The user's side restates consent first; frames flow again once the screen gate is open.
    let deadline = tokio::time::Instant::now() + WAIT;
    while !user.status().screen_allowed() {
        assert!(tokio::time::Instant::now() < deadline, "consent restated after the reconnect");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    user.send(LinkCommand::SendFrame(after.clone()));
    expect_frame(&mut engineer, &after).await;
    // Both panels name the same path: the engineer's side may now receive straight from the
    // user's allocation, but the user's packets still go through the relay.
    let deadline = tokio::time::Instant::now() + WAIT;
    while engineer.hosted.handle.status().path() != LinkPath::Relayed {
        assert!(tokio::time::Instant::now() < deadline, "the engineer's panel names the relay too");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    engineer.hosted.handle.send(SessionCommand::End);
    expect_event(&mut user_events, "end", |e| is_session(e, |s| matches!(s, SessionEvent::Ended { .. }))).await;
    drop(turn);
}

/// Waits until `handle`'s panel names the path `want` (the event that told it may have gone
/// by while the test waited for another).
async fn expect_path(handle: &SessionHandle, who: &str, want: LinkPath) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while handle.status().path() != want {
        assert!(tokio::time::Instant::now() < deadline, "{who}: path {want:?} never came");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_cone_nats_hole_punching_moves_the_session_off_the_relay() {
    if !coturn_or_skip() {
        return;
    }
    let turn = start_coturn(RelayAuth::SharedSecret { secret: "punch".into() }).await;
    // Each side only lets in datagrams from addresses it has sent to: the join link's direct
    // address fails, the relay works, and the checks both sides send open the way.
    let mut engineer = host_on(turn.config(), behind(EmulatedNat::RestrictedCone)).await;
    let hole = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let link = unreachable_directly(&engineer.link, &hole);
    let (user, mut user_events) = pair_and_consent(&mut engineer, &link, behind(EmulatedNat::RestrictedCone)).await;

    expect_path(&user, "user", LinkPath::Direct).await;
    expect_path(&engineer.hosted.handle, "engineer", LinkPath::Direct).await;
    // The same connection, keys and session: nothing reconnected.
    let big: Vec<u8> = (0..300_000u32).map(|n| (n % 241) as u8).collect();
    user.send(LinkCommand::SendFrame(big.clone()));
    expect_frame(&mut engineer, &big).await;
    while let Ok(event) = user_events.try_recv() {
        assert!(!is_session(&event, |s| *s == SessionEvent::Disconnected), "no reconnect: {event:?}");
    }
    // The relay server goes away: the direct path does not need it.
    drop(turn);
    tokio::time::sleep(Duration::from_secs(2)).await;
    user.send(LinkCommand::SendFrame(vec![3; 40_000]));
    expect_frame(&mut engineer, &[3; 40_000]).await;
    engineer.hosted.handle.send(SessionCommand::End);
    expect_event(&mut user_events, "end", |e| is_session(e, |s| matches!(s, SessionEvent::Ended { .. }))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rest_shared_secret_gives_the_user_credentials_that_expire_within_hours() {
    if !coturn_or_skip() {
        return;
    }
    let secret = "north-wind-secret";
    let turn = start_coturn(RelayAuth::SharedSecret { secret: secret.into() }).await;
    // Both behind symmetric NATs: the checks cannot open them, the session stays on the relay.
    let mut engineer = host_on(turn.config(), behind(EmulatedNat::Symmetric)).await;
    let candidate = engineer.link.relay.clone().expect("relay candidate");
    let UserRelay::Allocate(credentials) = &candidate.user else { panic!("the user may allocate: {candidate:?}") };
    let (expiry, user) = credentials.username().split_once(':').expect("EXPIRY:USER");
    assert_eq!(user, "stepwise");
    let now_s = unix_now_s();
    let expires = expiry.parse::<i64>().expect("an expiry in unix seconds");
    assert!((now_s + 3600..=now_s + 6 * 3600).contains(&expires), "a few hours from now: {expires} vs {now_s}");
    assert!(!engineer.link.to_link().contains(secret), "never the secret itself");
    let hole = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let link = unreachable_directly(&engineer.link, &hole);
    let (user, _user_events) = pair_and_consent(&mut engineer, &link, behind(EmulatedNat::Symmetric)).await;
    user.send(LinkCommand::SendFrame(vec![5; 1_000]));
    expect_frame(&mut engineer, &[5; 1_000]).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(user.status().path(), LinkPath::Relayed, "no direct path through symmetric NATs");
    user.send(LinkCommand::SendFrame(vec![6; 1_000]));
    expect_frame(&mut engineer, &[6; 1_000]).await;

    // The server refuses credentials past their expiry.
    let expired = RestCredentials::derive(secret, now_s - 60);
    let socket =
        RelaySocket::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), turn.address(), expired.turn_credentials())
            .expect("a socket");
    let refused = socket.allocated(WAIT).await.expect_err("expired credentials");
    assert_eq!(refused, RelayError::Turn(TurnFailure::Unauthorized));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_term_credentials_never_reach_the_link_and_the_user_joins_without_a_relay() {
    if !coturn_or_skip() {
        return;
    }
    let password = "long term pass 中";
    let turn = start_coturn(RelayAuth::LongTerm { username: "desk".into(), password: password.into() }).await;
    let mut engineer = host_via(&turn).await;
    let candidate = engineer.link.relay.clone().expect("the engineer still has its relay address");
    assert_eq!(candidate.user, UserRelay::NotOffered, "the user cannot allocate");
    let text = engineer.link.to_link();
    for secret in ["long", "pass=", "user=", "desk"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    // The direct address answers nothing: the user reaches the engineer's address as the
    // server saw it, directly (no allocation of its own).
    let hole = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let link = unreachable_directly(&JoinLink::parse(&text).expect("a valid link"), &hole);
    let (user, mut user_events) = join(&link).await;
    expect_event(&mut engineer.events, "paired", |event| matches!(event, TransportEvent::Paired)).await;
    let path = expect_event(&mut user_events, "path", |event| matches!(event, TransportEvent::Path(_))).await;
    assert_eq!(path, TransportEvent::Path(LinkPath::Direct));
    user.send(SessionCommand::End);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_whose_credentials_expired_is_joined_without_a_relay() {
    if !coturn_or_skip() {
        return;
    }
    let secret = "expiring-secret";
    let turn = start_coturn(RelayAuth::SharedSecret { secret: secret.into() }).await;
    let mut engineer = host_via(&turn).await;
    // The link as a user opens it a day later: its credentials have expired.
    let mut link = engineer.link.clone();
    let now_s = unix_now_s();
    if let Some(relay) = link.relay.as_mut() {
        relay.user = UserRelay::Allocate(RestCredentials::derive(secret, now_s - 60));
    }
    let hole = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let link = unreachable_directly(&link, &hole);
    let (user, mut user_events) = join(&link).await;
    expect_event(&mut engineer.events, "paired", |event| matches!(event, TransportEvent::Paired)).await;
    let path = expect_event(&mut user_events, "path", |event| matches!(event, TransportEvent::Path(_))).await;
    assert_eq!(path, TransportEvent::Path(LinkPath::Direct), "no allocation with expired credentials");
    user.send(SessionCommand::End);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_are_refused_plainly_and_the_session_goes_on_direct() {
    if !coturn_or_skip() {
        return;
    }
    let turn = start_coturn(RelayAuth::LongTerm { username: "stepwise".into(), password: "right".into() }).await;
    let mut config = turn.config();
    config.auth = RelayAuth::LongTerm { username: "stepwise".into(), password: "wrong".into() };
    let refused = probe_relay(&config).await.expect_err("wrong password");
    assert_eq!(refused, RelayError::Turn(TurnFailure::Unauthorized));
    assert_eq!(refused.to_string(), "the relay server refused the credentials");

    // A session with them starts, says why the relay is not used, and can be joined directly.
    let (sink, mut events) = sink();
    let request = HostRequest {
        bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        advertised_host: Some("127.0.0.1".into()),
        display_name: "Li Wei".into(),
        relay: Some(config),
    };
    let hosted = host_session(&tokio::runtime::Handle::current(), request, settings(), sink, Arc::new(|_| {}))
        .expect("listens at once");
    let outcome = expect_event(&mut events, "the relay", |e| matches!(e, TransportEvent::Relay(_))).await;
    assert_eq!(outcome, TransportEvent::Relay(RelayOutcome::Unavailable(RelayError::Turn(TurnFailure::Unauthorized))));
    let (user, _user_events) = join(&hosted.link).await;
    expect_event(&mut events, "paired", |event| matches!(event, TransportEvent::Paired)).await;
    user.send(SessionCommand::End);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relay_test_reports_the_relayed_address_and_round_trip_or_why_not() {
    if !coturn_or_skip() {
        return;
    }
    let turn = start_coturn(RelayAuth::SharedSecret { secret: "probe".into() }).await;
    let probe = probe_relay(&turn.config()).await.expect("the relay works");
    assert_eq!(probe.relayed.ip(), Ipv4Addr::LOCALHOST);
    assert!(probe.rtt_ms >= 0.0 && probe.rtt_ms < 1_000.0, "{} ms", probe.rtt_ms);

    // Nothing listens on the port: unreachable, at once.
    let closed = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let mut config = turn.config();
    config.server.port = closed.local_addr().unwrap().port();
    drop(closed);
    assert!(matches!(probe_relay(&config).await, Err(RelayError::Unreachable(_))));
    // Something holds the port but never answers: a timeout.
    let silent = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    config.server.port = silent.local_addr().unwrap().port();
    assert_eq!(probe_relay(&config).await, Err(RelayError::Timeout));
}

/// A console whose saved relay is `relay` (a shared secret), with the printer ticket open.
fn console_with_relay(
    dir: &std::path::Path,
    turn_url: &str,
    secret: &str,
) -> (support::ConsoleHarness, stepwise::model::TicketId) {
    let (ticket_id, number) = support::seed_printer_ticket(dir);
    let network = NetworkSettings {
        turn_url: turn_url.into(),
        turn_secret: secret.into(),
        turn_shared_secret: true,
        ..NetworkSettings::default()
    };
    stepwise::store::Store::open(dir).unwrap().set_network_settings(&network).unwrap();
    let mut desk = support::console(dir, Lang::En);
    support::settle_listed(&mut desk, "ticket listed", 1);
    let row = format!("{number} 打印机脱机");
    support::settle(&mut desk, "ticket row shown", |h| h.query_by_role_and_label(Role::Button, &row).is_some());
    desk.get_by_role_and_label(Role::Button, &row).click();
    support::settle(&mut desk, "ticket opened", |h| h.state().desk().open_ticket_number() == Some(number.as_str()));
    (desk, ticket_id)
}

fn session_relay(desk: &support::ConsoleHarness, ticket_id: stepwise::model::TicketId) -> Option<SessionRelay> {
    desk.state().desk().session(ticket_id)?.relay.clone()
}

#[test]
fn a_session_starts_at_once_and_its_link_gains_the_relay_when_ready() {
    if !coturn_or_skip() {
        return;
    }
    // A relay server that never answers: the code is shown while the allocation waits, then
    // the panel says why the relay is not used.
    let silent = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("turn:127.0.0.1:{}", silent.local_addr().unwrap().port());
    let (mut desk, ticket_id) = console_with_relay(dir.path(), &url, "secret");
    desk.get_by_label("Start remote session").click();
    support::settle(&mut desk, "code shown", |h| {
        h.state().desk().session(ticket_id).is_some_and(|s| s.phase == LinkPhase::Waiting)
    });
    assert_eq!(session_relay(&desk, ticket_id), Some(SessionRelay::Allocating));
    desk.get_by_label("Getting a relay address…");
    assert!(!desk.state().desk().session(ticket_id).unwrap().link.contains("relay="), "direct only so far");
    support::settle(&mut desk, "the relay given up", |h| {
        session_relay(h, ticket_id).is_some_and(|r| r != SessionRelay::Allocating)
    });
    assert_eq!(session_relay(&desk, ticket_id), Some(SessionRelay::Unavailable(RelayProblem::Timeout)));
    desk.get_by_label(
        "The relay could not be used (the relay server did not answer in time); the session goes on without it.",
    );
    assert_eq!(desk.state().desk().session(ticket_id).unwrap().phase, LinkPhase::Waiting, "still waiting for the user");

    // A working relay: the link gains the relay candidate with time-limited credentials.
    let turn = support::runtime()
        .block_on(async { start_coturn(RelayAuth::SharedSecret { secret: "desk secret".into() }).await });
    let dir = tempfile::tempdir().unwrap();
    let url = format!("turn:127.0.0.1:{}", turn.address().port());
    let (mut desk, ticket_id) = console_with_relay(dir.path(), &url, "desk secret");
    desk.get_by_label("Start remote session").click();
    support::settle(&mut desk, "the relay ready", |h| {
        matches!(session_relay(h, ticket_id), Some(SessionRelay::Ready { users_can_allocate: true }))
    });
    desk.get_by_label("The link includes a relay address: users behind a strict NAT can join too.");
    let link = desk.state().desk().session(ticket_id).unwrap().link.clone();
    let parsed = JoinLink::parse(&link).expect("a valid link");
    assert!(matches!(parsed.relay.map(|relay| relay.user), Some(UserRelay::Allocate(_))), "{link}");
}

#[test]
fn settings_test_relay_shows_the_relayed_address_and_round_trip_or_why_not() {
    if !coturn_or_skip() {
        return;
    }
    let turn = support::runtime()
        .block_on(async { start_coturn(RelayAuth::SharedSecret { secret: "desk secret".into() }).await });
    let dir = tempfile::tempdir().unwrap();
    let (_ticket_id, _number) = support::seed_printer_ticket(dir.path());
    let mut desk = support::console(dir.path(), Lang::En);
    support::settle_listed(&mut desk, "ticket listed", 1);
    desk.get_by_label("Settings").click();
    let _ = desk.try_run();
    support::type_into(&mut desk, "Relay server (TURN)", &format!("turn:127.0.0.1:{}", turn.address().port()));
    desk.get_by_label("With a username and password, only this console uses the relay: users behind a strict NAT cannot be reached. Use a shared secret to reach them.");
    desk.get_by_label("Use a shared secret (TURN REST)").click_accesskit();
    let _ = desk.try_run();
    assert!(desk.query_by_label_contains("only this console uses the relay").is_none(), "said only without a secret");
    support::type_into(&mut desk, "Shared secret", "wrong secret");
    desk.get_by_label("Test relay").click_accesskit();
    support::settle(&mut desk, "the refusal", |h| h.query_by_label_contains("The relay cannot be used").is_some());
    desk.get_by_label(
        "The relay cannot be used: the relay server refused the username and password (or the shared secret)",
    );

    desk.get_by_label("Shared secret").focus();
    desk.run();
    desk.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    desk.get_by_label("Shared secret").type_text("desk secret");
    desk.run();
    desk.get_by_label("Test relay").click_accesskit();
    support::settle(&mut desk, "the relay works", |h| h.query_by_label_contains("Relay works").is_some());
    let works = desk.get_by_label_contains("Relay works: relayed address 127.0.0.1:");
    let node = works.accesskit_node();
    let text = node.label().or_else(|| node.value()).unwrap_or_default();
    assert!(text.contains(", round trip ") && text.ends_with(" ms"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allocation_outlives_its_time_limited_credentials() {
    if !coturn_or_skip() {
        return;
    }
    // coturn checks a REST username's expiry when an allocation is made, not on its refreshes:
    // a session longer than its link's credentials keeps its relay (only a new allocation,
    // e.g. after a relay restart, needs credentials still valid).
    let secret = "short-lived";
    let turn = start_coturn(RelayAuth::SharedSecret { secret: secret.into() }).await;
    let now_s = unix_now_s();
    let credentials = RestCredentials::derive(secret, now_s + 2);
    let socket =
        RelaySocket::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), turn.address(), credentials.turn_credentials())
            .expect("a socket");
    let (relayed, _) = socket.allocated(WAIT).await.expect("allocated while the credentials are valid");
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(credentials.is_expired(now_s + 4));
    socket.check();
    socket.permit(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST));
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        matches!(socket.state(), RelayState::Allocated { relayed: now, .. } if now == relayed),
        "{:?}",
        socket.state()
    );
}
