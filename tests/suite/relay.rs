//! The session through a real TURN server (coturn on loopback, started by the test): the two
//! peers cannot reach each other directly (the join link's direct address is a port where
//! nothing answers), so the user falls back to the engineer's relayed address through its own
//! allocation; they pair, stream screen updates, and survive a restart of the relay server by
//! reconnecting. Long-term credentials and the TURN REST shared secret both work; wrong
//! credentials fail plainly. With CI=true a missing `turnserver` fails the test.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use stepwise::app::coturn::{self, Coturn};
use stepwise::protocol::turn::TurnFailure;
use stepwise::protocol::{ConsentRequest, JoinLink, LinkPath, ReceivedFrame, Scopes, SessionCommand, SessionEvent};
use stepwise::transport::{
    FrameSink, HostRequest, HostedSession, LinkCommand, RelayAuth, RelayError, SessionHandle, TransportEvent,
    TransportSettings, host_session, join_session, prepare_relay,
};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio::time::timeout;

use crate::events;

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
    events: UnboundedReceiver<TransportEvent>,
    frames: UnboundedReceiver<ReceivedFrame>,
}

async fn host_via(turn: &Coturn) -> Engineer {
    let bind = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let relay = prepare_relay(bind, &turn.config()).await.expect("the engineer's allocation");
    let (sink, events) = sink();
    let (frames_tx, frames) = unbounded_channel();
    let frame_sink: FrameSink = Arc::new(move |frame| drop(frames_tx.send(frame)));
    let request = HostRequest {
        bind,
        advertised_host: Some("127.0.0.1".into()),
        display_name: "Li Wei".into(),
        relay: Some(relay),
    };
    let hosted = host_session(&tokio::runtime::Handle::current(), request, settings(), sink, frame_sink)
        .expect("listen over the relay socket");
    Engineer { hosted, events, frames }
}

/// The link with its direct address replaced by a port where nothing answers (`hole` keeps it
/// bound, so nothing else takes it): only the relay can work.
fn unreachable_directly(link: &JoinLink, hole: &std::net::UdpSocket) -> JoinLink {
    JoinLink { port: hole.local_addr().expect("bound").port(), ..link.clone() }
}

async fn join(link: &JoinLink) -> (SessionHandle, UnboundedReceiver<TransportEvent>) {
    let (sink, events) = sink();
    let joined = timeout(WAIT, join_session(link, "Zhang Min", settings(), sink)).await.expect("join answers in time");
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
) -> (SessionHandle, UnboundedReceiver<TransportEvent>) {
    let (user, mut user_events) = join(link).await;
    expect_event(&mut engineer.events, "paired", |event| matches!(event, TransportEvent::Paired)).await;
    let path = expect_event(&mut engineer.events, "path", |event| matches!(event, TransportEvent::Path(_))).await;
    assert_eq!(path, TransportEvent::Path(LinkPath::Relayed), "the engineer sees the relay path");
    let path = expect_event(&mut user_events, "path", |event| matches!(event, TransportEvent::Path(_))).await;
    assert_eq!(path, TransportEvent::Path(LinkPath::Relayed), "the user sees the relay path");
    assert_eq!(user.status().path(), LinkPath::Relayed);
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
    let auth = RelayAuth::LongTerm { username: "stepwise".into(), password: "relay pass 中".into() };
    let mut turn = tokio::task::spawn_blocking(move || Coturn::start(auth)).await.unwrap().expect("coturn starts");
    let mut engineer = host_via(&turn).await;
    let candidate = engineer.hosted.link.relay.clone().expect("the link carries the relay candidate");
    assert_eq!(candidate.relayed.ip(), Ipv4Addr::LOCALHOST);
    assert_eq!(JoinLink::parse(&engineer.hosted.link.to_link()).as_ref(), Ok(&engineer.hosted.link), "link round trip");
    let hole = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let link = unreachable_directly(&engineer.hosted.link, &hole);
    let (user, mut user_events) = pair_and_consent(&mut engineer, &link).await;

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

    engineer.hosted.handle.send(SessionCommand::End);
    expect_event(&mut user_events, "end", |e| is_session(e, |s| matches!(s, SessionEvent::Ended { .. }))).await;
    drop(turn);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rest_shared_secret_gives_both_sides_temporary_credentials() {
    if !coturn_or_skip() {
        return;
    }
    let auth = RelayAuth::SharedSecret { secret: "north-wind-secret".into() };
    let turn = tokio::task::spawn_blocking(move || Coturn::start(auth)).await.unwrap().expect("coturn starts");
    let mut engineer = host_via(&turn).await;
    let candidate = engineer.hosted.link.relay.clone().expect("relay candidate");
    let (expiry, user) = candidate.username.split_once(':').expect("EXPIRY:USER");
    assert_eq!(user, "stepwise-user");
    assert!(expiry.parse::<i64>().is_ok_and(|at| at > 1_700_000_000), "an expiry in unix seconds");
    assert!(!candidate.password.is_empty() && !candidate.password.contains("north-wind"), "never the secret itself");
    let hole = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let link = unreachable_directly(&engineer.hosted.link, &hole);
    let (user, _user_events) = pair_and_consent(&mut engineer, &link).await;
    user.send(LinkCommand::SendFrame(vec![5; 1_000]));
    expect_frame(&mut engineer, &[5; 1_000]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_are_refused_plainly() {
    if !coturn_or_skip() {
        return;
    }
    let auth = RelayAuth::LongTerm { username: "stepwise".into(), password: "right".into() };
    let turn = tokio::task::spawn_blocking(move || Coturn::start(auth)).await.unwrap().expect("coturn starts");
    let mut config = turn.config();
    config.auth = RelayAuth::LongTerm { username: "stepwise".into(), password: "wrong".into() };
    let bind = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let refused = prepare_relay(bind, &config).await.expect_err("wrong password");
    assert_eq!(refused, RelayError::Turn(TurnFailure::Unauthorized));
    assert_eq!(refused.to_string(), "the relay server refused the credentials");
}
