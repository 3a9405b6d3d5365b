//! The session link over real loopback QUIC: pairing (right code, wrong codes from one source and
//! from several — a hostile client speaking the real pairing protocol from 127.0.0.2, .3, … —,
//! a new code for the waiting session, expired code, a man in the middle), consent and chat end to end, drop and reconnect within and after the
//! window, and garbage or oversized messages. Every wait is bounded.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

#[path = "support/hostile.rs"]
mod hostile;

use hostile::{attempt_from, source};
use stepwise::protocol::pairing::{EXPORTER_LABEL, Pairing};
use stepwise::protocol::{
    ConsentRequest, EndReason, Handshake, JoinCode, JoinLink, Message, PROTOCOL_VERSION, PairingVerdict, Role, Scopes,
    SessionEvent,
};
use stepwise::transport::{
    ControlStream, EventSink, HostRequest, HostedSession, Inbound, JoinError, SessionCommand, SessionHandle,
    TransportEvent, TransportSettings, WrongAttempt, host_session, join_session, tls,
};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio::time::timeout;

const WAIT: Duration = Duration::from_secs(10);

fn sink() -> (EventSink, UnboundedReceiver<TransportEvent>) {
    let (tx, rx) = unbounded_channel();
    (Arc::new(move |event| drop(tx.send(event))), rx)
}

fn fast_settings() -> TransportSettings {
    TransportSettings { retry_interval: Duration::from_millis(100), ..TransportSettings::default() }
}

fn host(settings: TransportSettings) -> (HostedSession, UnboundedReceiver<TransportEvent>) {
    let (sink, events) = sink();
    let request = HostRequest {
        bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        advertised_host: Some("127.0.0.1".into()),
        display_name: "Li Wei".into(),
    };
    let hosted = host_session(&tokio::runtime::Handle::current(), request, settings, sink).expect("listen on loopback");
    (hosted, events)
}

async fn join(
    link: &JoinLink,
    settings: TransportSettings,
) -> (Result<SessionHandle, JoinError>, UnboundedReceiver<TransportEvent>) {
    let (sink, events) = sink();
    let result = timeout(WAIT, join_session(link, "Zhang Min", settings, sink)).await.expect("join answers in time");
    (result, events)
}

/// Waits for the first event matching `predicate`, returning it; panics after [`WAIT`].
async fn expect_event(
    events: &mut UnboundedReceiver<TransportEvent>,
    what: &str,
    predicate: impl Fn(&TransportEvent) -> bool,
) -> TransportEvent {
    let found = timeout(WAIT, async {
        while let Some(event) = events.recv().await {
            if predicate(&event) {
                return Some(event);
            }
        }
        None
    })
    .await;
    match found {
        Ok(Some(event)) => event,
        Ok(None) => panic!("event stream ended while waiting for {what}"),
        Err(_) => panic!("timed out waiting for {what}"),
    }
}

fn wrong(link: &JoinLink) -> JoinLink {
    let digits: String = link.code.digits().chars().map(|ch| if ch == '9' { '0' } else { '9' }).collect();
    JoinLink { code: JoinCode::parse(&digits).expect("nine digits"), ..link.clone() }
}

fn request() -> ConsentRequest {
    ConsentRequest {
        engineer_name: "Li Wei".into(),
        team: "Service desk".into(),
        ticket_number: "T-20261127-0001".into(),
        ticket_title: "打印机脱机".into(),
        purpose: "Check the printer queue".into(),
        suggested: Scopes::default(),
    }
}

fn is_session(event: &TransportEvent, predicate: impl Fn(&SessionEvent) -> bool) -> bool {
    matches!(event, TransportEvent::Session(inner) if predicate(inner))
}

/// Pairs a fresh host and user; consent granted with the default scopes.
async fn paired_with_consent(
    settings: TransportSettings,
) -> (HostedSession, UnboundedReceiver<TransportEvent>, SessionHandle, UnboundedReceiver<TransportEvent>) {
    let (hosted, mut engineer) = host(settings.clone());
    let (user, mut user_events) = join(&hosted.link, settings).await;
    let user = user.expect("right code pairs");
    expect_event(&mut engineer, "paired", |event| matches!(event, TransportEvent::Paired)).await;
    expect_event(&mut engineer, "hello", |e| is_session(e, |s| matches!(s, SessionEvent::PeerHello { .. }))).await;
    assert!(hosted.handle.send(SessionCommand::RequestConsent(request())));
    expect_event(&mut user_events, "request", |e| is_session(e, |s| matches!(s, SessionEvent::ConsentRequested(_))))
        .await;
    user.send(SessionCommand::Grant(Scopes::default()));
    expect_event(&mut engineer, "grant", |e| is_session(e, |s| matches!(s, SessionEvent::ConsentGranted(_)))).await;
    (hosted, engineer, user, user_events)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn right_code_pairs_and_consent_gates_frames() {
    let (hosted, mut engineer) = host(fast_settings());
    assert!(hosted.link.to_link().starts_with("stepwise://127.0.0.1:"));
    let (user, mut user_events) = join(&hosted.link, fast_settings()).await;
    let user = user.expect("right code pairs");
    expect_event(&mut engineer, "paired", |event| matches!(event, TransportEvent::Paired)).await;
    let hello =
        expect_event(&mut engineer, "hello", |e| is_session(e, |s| matches!(s, SessionEvent::PeerHello { .. }))).await;
    assert_eq!(
        hello,
        TransportEvent::Session(SessionEvent::PeerHello { display_name: "Zhang Min".into() }),
        "the engineer sees the user's name"
    );

    // Before consent, nothing leaves the user's side.
    user.send(SessionCommand::SendFrame(vec![1; 100]));
    hosted.handle.send(SessionCommand::RequestConsent(request()));
    let asked = expect_event(&mut user_events, "request", |e| {
        is_session(e, |s| matches!(s, SessionEvent::ConsentRequested(_)))
    })
    .await;
    assert_eq!(asked, TransportEvent::Session(SessionEvent::ConsentRequested(request())));
    let scopes = Scopes { view: true, pointers: false, record: false };
    user.send(SessionCommand::Grant(scopes));
    expect_event(&mut engineer, "grant", |e| *e == TransportEvent::Session(SessionEvent::ConsentGranted(scopes))).await;

    user.send(SessionCommand::SendFrame(vec![2; 100]));
    let frame =
        expect_event(&mut engineer, "frame", |e| is_session(e, |s| matches!(s, SessionEvent::FrameReceived { .. })))
            .await;
    assert_eq!(frame, TransportEvent::Session(SessionEvent::FrameReceived { seq: 1, data: vec![2; 100] }));

    user.send(SessionCommand::Chat("打印机还是不行".into()));
    expect_event(&mut engineer, "chat", |e| {
        is_session(e, |s| matches!(s, SessionEvent::Chat { from: Role::User, text, .. } if text == "打印机还是不行"))
    })
    .await;

    user.send(SessionCommand::Pause);
    expect_event(&mut engineer, "pause", |e| is_session(e, |s| *s == SessionEvent::SharingPaused)).await;
    user.send(SessionCommand::Resume);
    expect_event(&mut engineer, "resume", |e| is_session(e, |s| *s == SessionEvent::SharingResumed)).await;
    user.send(SessionCommand::Revoke);
    expect_event(&mut engineer, "revoke", |e| is_session(e, |s| *s == SessionEvent::ConsentRevoked)).await;

    // After the revoke, frames are refused at the source; the next thing the engineer sees is the end.
    user.send(SessionCommand::SendFrame(vec![3; 100]));
    hosted.handle.send(SessionCommand::End);
    let ended = expect_event(&mut engineer, "end or frame", |e| {
        is_session(e, |s| matches!(s, SessionEvent::Ended { .. } | SessionEvent::FrameReceived { .. }))
    })
    .await;
    assert_eq!(
        ended,
        TransportEvent::Session(SessionEvent::Ended { reason: EndReason::EngineerEnded, by_peer: false })
    );
    expect_event(&mut user_events, "user sees end", |e| {
        is_session(e, |s| matches!(s, SessionEvent::Ended { reason: EndReason::EngineerEnded, by_peer: true }))
    })
    .await;
    expect_event(&mut engineer, "closed", |e| *e == TransportEvent::Closed).await;
    expect_event(&mut user_events, "closed", |e| *e == TransportEvent::Closed).await;
}

fn wrong_attempt(from: Ipv4Addr, source_attempts: u32, attempts_left: u32) -> TransportEvent {
    TransportEvent::PairingFailed(WrongAttempt {
        source: IpAddr::V4(from),
        source_attempts,
        source_blocked: source_attempts >= 3,
        attempts_left,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_wrong_codes_shut_out_their_source_not_the_user() {
    let (hosted, mut engineer) = host(fast_settings());
    let bad = wrong(&hosted.link).code;
    let verdicts = [PairingVerdict::WrongCode { attempts_left: 2 }, PairingVerdict::WrongCode { attempts_left: 1 }];
    for (n, expected) in verdicts.into_iter().enumerate() {
        assert_eq!(attempt_from(source(2), hosted.local_addr, &bad).await, Some(expected));
        let n = n as u32 + 1;
        expect_event(&mut engineer, "failure", |e| *e == wrong_attempt(source(2), n, 10 - n)).await;
    }
    assert_eq!(attempt_from(source(2), hosted.local_addr, &bad).await, Some(PairingVerdict::CodeBurned));
    expect_event(&mut engineer, "source shut out", |e| *e == wrong_attempt(source(2), 3, 7)).await;
    // That source is refused before any key exchange, even with the right code.
    assert_eq!(attempt_from(source(2), hosted.local_addr, &hosted.link.code).await, Some(PairingVerdict::CodeBurned));
    // The user, from another address, still joins with the code.
    let (result, _) = join(&hosted.link, fast_settings()).await;
    assert!(result.is_ok(), "the user pairs after the attack: {:?}", result.err());
    let next = expect_event(&mut engineer, "paired", |e| {
        matches!(e, TransportEvent::Paired | TransportEvent::PairingFailed(_) | TransportEvent::CodeBurned)
    })
    .await;
    assert_eq!(next, TransportEvent::Paired, "the shut-out source cost the user nothing");
    assert!(JoinError::WrongCode { attempts_left: 1 }.to_string().starts_with("That code is not right"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_wrong_codes_from_several_sources_burn_it_and_a_new_code_reopens_the_session() {
    let (hosted, mut engineer) = host(fast_settings());
    let bad = wrong(&hosted.link).code;
    // Four sources, three tries each at most: the tenth wrong code burns it.
    let mut tried = 0u32;
    'sweep: for last in 2..=5u8 {
        for _ in 0..3 {
            let verdict = attempt_from(source(last), hosted.local_addr, &bad).await;
            tried += 1;
            assert!(
                matches!(verdict, Some(PairingVerdict::WrongCode { .. } | PairingVerdict::CodeBurned)),
                "{verdict:?}"
            );
            if tried == 10 {
                break 'sweep;
            }
        }
    }
    let mut seen = Vec::new();
    while seen.len() < 10 {
        let event =
            expect_event(&mut engineer, "wrong attempts", |e| matches!(e, TransportEvent::PairingFailed(_))).await;
        let TransportEvent::PairingFailed(wrong) = event else { unreachable!() };
        seen.push(wrong);
    }
    assert_eq!(seen.iter().map(|w| w.source).collect::<std::collections::BTreeSet<_>>().len(), 4);
    assert_eq!(seen.last().map(|w| w.attempts_left), Some(0));
    expect_event(&mut engineer, "burned", |e| *e == TransportEvent::CodeBurned).await;
    // Burned for everyone: the right code from a fresh source is refused.
    assert_eq!(attempt_from(source(9), hosted.local_addr, &hosted.link.code).await, Some(PairingVerdict::CodeBurned));

    // A new code for the same waiting session, on the same port; the old one no longer works.
    let renewed = hosted.code_control.new_code().expect("a new code while nobody joined");
    assert_eq!((renewed.link.host.as_str(), renewed.link.port), (hosted.link.host.as_str(), hosted.link.port));
    assert_ne!(renewed.link.code, hosted.link.code);
    assert_eq!(
        attempt_from(source(9), hosted.local_addr, &hosted.link.code).await,
        Some(PairingVerdict::WrongCode { attempts_left: 2 }),
        "the old code is just a wrong code now"
    );
    // Counts started again: a source shut out under the old code may try the new one.
    assert_eq!(attempt_from(source(2), hosted.local_addr, &renewed.link.code).await, None);
    expect_event(&mut engineer, "paired", |e| *e == TransportEvent::Paired).await;
    assert!(hosted.code_control.new_code().is_err(), "no new code once the user has joined");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_guesses_from_one_source_get_three_tries_at_most() {
    let (hosted, mut engineer) = host(fast_settings());
    let bad = wrong(&hosted.link).code;
    let engineer_at = hosted.local_addr;
    let guesses: Vec<_> = (0..8)
        .map(|_| {
            let bad = bad.clone();
            async move { attempt_from(source(7), engineer_at, &bad).await }
        })
        .collect();
    let verdicts = futures_join_all(guesses).await;
    let checked = verdicts.iter().filter(|v| matches!(v, Some(PairingVerdict::WrongCode { .. }))).count();
    assert!(verdicts.iter().all(|v| matches!(v, Some(PairingVerdict::WrongCode { .. } | PairingVerdict::CodeBurned))));
    let mut counted = 0;
    while let Ok(Some(event)) = timeout(Duration::from_millis(500), engineer.recv()).await {
        if matches!(event, TransportEvent::PairingFailed(_)) {
            counted += 1;
        }
        assert_ne!(event, TransportEvent::CodeBurned, "one source cannot burn the code");
    }
    assert_eq!(counted, 3, "three guesses checked, the rest refused before the key exchange");
    assert!(checked <= 2, "the third checked guess is answered as shut out: {verdicts:?}");
}

/// Runs the futures concurrently on the test runtime; results in order.
async fn futures_join_all<F>(futures: Vec<F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.expect("attempt task"));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_code_is_refused() {
    let settings = TransportSettings { code_lifetime: Duration::from_millis(300), ..fast_settings() };
    let (hosted, mut engineer) = host(settings.clone());
    expect_event(&mut engineer, "expired", |e| *e == TransportEvent::CodeExpired).await;
    let (result, _) = join(&hosted.link, settings.clone()).await;
    assert_eq!(result.err(), Some(JoinError::CodeExpired));
    // A new code gets a lifetime of its own, and expires in turn (pairing with a new code is
    // in the test of burned codes: here the lifetime is too short to rely on).
    let renewed = hosted.code_control.new_code().expect("a new code");
    assert!(renewed.expires_at_ms > 0);
    expect_event(&mut engineer, "the new code expired", |e| *e == TransportEvent::CodeExpired).await;
    let (result, _) = join(&renewed.link, settings).await;
    assert_eq!(result.err(), Some(JoinError::CodeExpired));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_used_code_cannot_join_twice() {
    let (hosted, _engineer, _user, _user_events) = paired_with_consent(fast_settings()).await;
    let (result, _) = join(&hosted.link, fast_settings()).await;
    assert_eq!(result.err(), Some(JoinError::CodeUsed));
}

/// A relay that terminates the user's QUIC with its own certificate and opens its own connection
/// to the engineer, copying the control stream both ways: the classic man in the middle.
async fn spawn_relay(engineer: SocketAddr) -> SocketAddr {
    let settings = TransportSettings::default();
    let transport = tls::transport_config(settings.keep_alive, settings.idle_timeout).expect("config");
    let (server, _) = tls::server_config(transport).expect("relay certificate");
    let front = quinn::Endpoint::server(server, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).expect("relay listens");
    let address = front.local_addr().expect("relay address");
    tokio::spawn(async move {
        while let Some(incoming) = front.accept().await {
            tokio::spawn(async move {
                let Ok(user_conn) = incoming.await else { return };
                let Ok((mut user_send, mut user_recv)) = user_conn.accept_bi().await else { return };
                let back = quinn::Endpoint::client(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).expect("relay client");
                let transport = tls::transport_config(Duration::from_secs(5), Duration::from_secs(30)).expect("config");
                let config = tls::client_config(transport, None).expect("client config");
                let Ok(connecting) = back.connect_with(config, engineer, tls::SERVER_NAME) else { return };
                let Ok(engineer_conn) = connecting.await else { return };
                let Ok((mut eng_send, mut eng_recv)) = engineer_conn.open_bi().await else { return };
                let up = tokio::spawn(async move { pump(&mut user_recv, &mut eng_send).await });
                let down = tokio::spawn(async move { pump(&mut eng_recv, &mut user_send).await });
                let _ = tokio::join!(up, down);
                user_conn.closed().await;
            });
        }
    });
    address
}

async fn pump(from: &mut quinn::RecvStream, to: &mut quinn::SendStream) {
    while let Ok(Some(chunk)) = from.read_chunk(64 * 1024, true).await {
        if to.write_all(&chunk.bytes).await.is_err() {
            return;
        }
    }
    let _ = to.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_man_in_the_middle_fails_pairing() {
    let (hosted, mut engineer) = host(fast_settings());
    let relay = spawn_relay(hosted.local_addr).await;
    let via_relay = JoinLink { host: "127.0.0.1".into(), port: relay.port(), ..hosted.link.clone() };
    let (result, _) = join(&via_relay, fast_settings()).await;
    let err = result.expect_err("pairing through a relay must fail");
    assert!(
        matches!(err, JoinError::WrongCode { .. } | JoinError::NotTheEngineer),
        "unexpected error through the relay: {err:?}"
    );
    expect_event(&mut engineer, "failure", |e| matches!(e, TransportEvent::PairingFailed { .. })).await;
    // The direct path with the same code still works.
    let (result, _) = join(&hosted.link, fast_settings()).await;
    assert!(result.is_ok(), "direct pairing after the relay attempt: {:?}", result.err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drop_within_the_window_resumes_with_consent_intact() {
    let (hosted, mut engineer, user, mut user_events) = paired_with_consent(fast_settings()).await;
    user.send(SessionCommand::SimulateDrop { outage: Duration::from_millis(300) });
    expect_event(&mut engineer, "disconnect", |e| is_session(e, |s| *s == SessionEvent::Disconnected)).await;
    expect_event(&mut user_events, "disconnect", |e| is_session(e, |s| *s == SessionEvent::Disconnected)).await;
    let back =
        expect_event(&mut engineer, "reconnect", |e| is_session(e, |s| matches!(s, SessionEvent::Reconnected { .. })))
            .await;
    let TransportEvent::Session(SessionEvent::Reconnected { gap_ms }) = back else { unreachable!() };
    assert!(gap_ms >= 250, "the gap is recorded: {gap_ms} ms");
    expect_event(&mut user_events, "reconnect", |e| is_session(e, |s| matches!(s, SessionEvent::Reconnected { .. })))
        .await;
    // Consent was in force, so it still is: a frame goes through without asking again.
    user.send(SessionCommand::SendFrame(vec![9; 10]));
    expect_event(&mut engineer, "frame after resume", |e| {
        is_session(e, |s| matches!(s, SessionEvent::FrameReceived { .. }))
    })
    .await;
    hosted.handle.send(SessionCommand::End);
    expect_event(&mut user_events, "end", |e| is_session(e, |s| matches!(s, SessionEvent::Ended { .. }))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drop_longer_than_the_window_ends_the_session() {
    let settings = TransportSettings { reconnect_window: Duration::from_millis(800), ..fast_settings() };
    let (_hosted, mut engineer, user, mut user_events) = paired_with_consent(settings).await;
    user.send(SessionCommand::SimulateDrop { outage: Duration::from_millis(2_000) });
    expect_event(&mut engineer, "end", |e| {
        is_session(e, |s| matches!(s, SessionEvent::Ended { reason: EndReason::ReconnectWindowExpired, .. }))
    })
    .await;
    expect_event(&mut user_events, "end", |e| {
        is_session(e, |s| matches!(s, SessionEvent::Ended { reason: EndReason::ReconnectWindowExpired, .. }))
    })
    .await;
    expect_event(&mut engineer, "closed", |e| *e == TransportEvent::Closed).await;
}

/// Pairs by hand with the public building blocks, so the test can then misbehave on the wire.
async fn raw_user(link: &JoinLink) -> (quinn::Endpoint, quinn::Connection, ControlStream) {
    let endpoint = quinn::Endpoint::client(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).expect("client");
    let transport = tls::transport_config(Duration::from_secs(5), Duration::from_secs(30)).expect("config");
    let config = tls::client_config(transport, None).expect("client config");
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, link.port));
    let connection = endpoint.connect_with(config, address, tls::SERVER_NAME).expect("connect").await.expect("tls");
    let (send, recv) = connection.open_bi().await.expect("stream");
    let mut control = ControlStream::new(send, recv);
    let mut exporter = [0u8; 32];
    connection.export_keying_material(&mut exporter, EXPORTER_LABEL, b"").expect("exporter");
    let (pairing, message) = Pairing::start(&link.code, &exporter);
    control.write(&Handshake::Pake(message)).await.expect("send pake");
    let Inbound::Message(Handshake::Pake(theirs)) = control.read::<Handshake>().await else { panic!("no pake") };
    let key = pairing.finish(&theirs).expect("key");
    control.write(&Handshake::Confirm(key.confirmation(Role::User))).await.expect("confirm");
    let Inbound::Message(Handshake::Confirm(_)) = control.read::<Handshake>().await else { panic!("no confirm") };
    let Inbound::Message(Handshake::Result(PairingVerdict::Paired { .. })) = control.read::<Handshake>().await else {
        panic!("not paired")
    };
    let hello = Message::Hello { protocol_version: PROTOCOL_VERSION, role: Role::User, display_name: "raw".into() };
    control.write(&hello).await.expect("hello");
    (endpoint, connection, control)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_on_the_control_stream_ends_the_session_with_a_reason() {
    let (hosted, mut engineer) = host(fast_settings());
    let (_endpoint, _connection, mut control) = raw_user(&hosted.link).await;
    expect_event(&mut engineer, "hello", |e| is_session(e, |s| matches!(s, SessionEvent::PeerHello { .. }))).await;
    control.write_raw(&[0xEE, 0, 0, 0, 3, 1, 2, 3]).await.expect("garbage");
    let ended =
        expect_event(&mut engineer, "end", |e| is_session(e, |s| matches!(s, SessionEvent::Ended { .. }))).await;
    let TransportEvent::Session(SessionEvent::Ended { reason: EndReason::ProtocolViolation(why), .. }) = ended else {
        panic!("expected a protocol violation, got {ended:?}")
    };
    assert!(why.contains("unknown message encoding version 238"), "{why}");
    // The peer is told why (after the engineer's hello).
    let told = timeout(WAIT, async {
        loop {
            match control.read::<Message>().await {
                Inbound::Message(Message::Hello { .. } | Message::Heartbeat) => continue,
                other => return other,
            }
        }
    })
    .await
    .expect("answer in time");
    assert!(matches!(told, Inbound::Message(Message::End(EndReason::ProtocolViolation(_)))), "{told:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_message_ends_the_session_without_allocating_it() {
    let (hosted, mut engineer) = host(fast_settings());
    let (_endpoint, _connection, mut control) = raw_user(&hosted.link).await;
    let mut header = vec![1u8];
    header.extend_from_slice(&(512u32 * 1024 * 1024).to_be_bytes());
    control.write_raw(&header).await.expect("header");
    let ended =
        expect_event(&mut engineer, "end", |e| is_session(e, |s| matches!(s, SessionEvent::Ended { .. }))).await;
    assert!(format!("{ended:?}").contains("exceeds the limit"), "{ended:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_instead_of_pairing_costs_no_attempt() {
    let (hosted, mut engineer) = host(fast_settings());
    let endpoint = quinn::Endpoint::client(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).expect("client");
    let transport = tls::transport_config(Duration::from_secs(5), Duration::from_secs(30)).expect("config");
    let config = tls::client_config(transport, None).expect("client config");
    let connection =
        endpoint.connect_with(config, hosted.local_addr, tls::SERVER_NAME).expect("connect").await.expect("tls");
    let (send, recv) = connection.open_bi().await.expect("stream");
    let mut control = ControlStream::new(send, recv);
    control.write_raw(b"GET / HTTP/1.1\r\n\r\n").await.expect("garbage");
    let _ = timeout(Duration::from_secs(3), connection.closed()).await;
    // The right code still pairs at the first try, and no failure was counted.
    let (result, _) = join(&hosted.link, fast_settings()).await;
    assert!(result.is_ok());
    let first = expect_event(&mut engineer, "paired", |e| {
        matches!(e, TransportEvent::Paired | TransportEvent::PairingFailed { .. })
    })
    .await;
    assert_eq!(first, TransportEvent::Paired);
}
