//! The session link over real loopback QUIC: pairing (right code, wrong codes from one source and
//! from several — a hostile client speaking the real pairing protocol from 127.0.0.2, .3, … —,
//! a new code for the waiting session, expired code, a man in the middle), consent and chat end to end, drop and reconnect within and after the
//! window, and garbage or oversized messages. Every wait is bounded.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::hostile;

use hostile::{attempt_from, source};
use stepwise::app::transcript::transcript_entry;
use tokio::net::UdpSocket;
use tokio::time::Instant;

use stepwise::protocol::SessionCommand;
use stepwise::protocol::pairing::{EXPORTER_LABEL, Pairing, SessionKey};
use stepwise::protocol::{
    ConsentRequest, EndReason, Handshake, JoinCode, JoinLink, Message, PROTOCOL_VERSION, PairingVerdict, ReceivedFrame,
    Role, Scopes, SessionEvent,
};
use stepwise::transport::{
    ControlStream, FrameSink, HostRequest, HostedSession, Inbound, JoinError, LinkCommand, SessionHandle,
    TransportEvent, TransportSettings, WrongAttempt, host_session, join_session, tls,
};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio::time::timeout;

use crate::events;

use events::sink;

const WAIT: Duration = Duration::from_secs(10);

fn fast_settings() -> TransportSettings {
    TransportSettings { retry_interval: Duration::from_millis(100), ..TransportSettings::default() }
}

fn host(settings: TransportSettings) -> (HostedSession, UnboundedReceiver<TransportEvent>) {
    let (hosted, events, _frames) = host_receiving_frames(settings);
    (hosted, events)
}

/// Like [`host`], with the screen updates the engineer's side hands out (apart from events).
fn host_receiving_frames(
    settings: TransportSettings,
) -> (HostedSession, UnboundedReceiver<TransportEvent>, UnboundedReceiver<ReceivedFrame>) {
    let (sink, events) = sink();
    let (frames_tx, frames) = unbounded_channel();
    let frame_sink: FrameSink = Arc::new(move |frame| drop(frames_tx.send(frame)));
    let request = HostRequest {
        bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        advertised_host: Some("127.0.0.1".into()),
        display_name: "Li Wei".into(),
        relay: None,
    };
    let hosted = host_session(&tokio::runtime::Handle::current(), request, settings, sink, frame_sink)
        .expect("listen on loopback");
    (hosted, events, frames)
}

/// Waits for the next screen update the engineer's side hands out; panics after [`WAIT`].
async fn expect_frame(frames: &mut UnboundedReceiver<ReceivedFrame>, what: &str) -> ReceivedFrame {
    match timeout(WAIT, frames.recv()).await {
        Ok(Some(frame)) => frame,
        Ok(None) => panic!("frame stream ended while waiting for {what}"),
        Err(_) => panic!("timed out waiting for {what}"),
    }
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
    events::expect_event_within(WAIT, events, what, predicate).await
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
    let (hosted, engineer) = host(settings.clone());
    let link = hosted.link.clone();
    paired_with_consent_via(hosted, engineer, &link, settings).await
}

/// Like [`paired_with_consent`], the user joining by `link` (e.g. through a proxy).
async fn paired_with_consent_via(
    hosted: HostedSession,
    mut engineer: UnboundedReceiver<TransportEvent>,
    link: &JoinLink,
    settings: TransportSettings,
) -> (HostedSession, UnboundedReceiver<TransportEvent>, SessionHandle, UnboundedReceiver<TransportEvent>) {
    let (user, mut user_events) = join(link, settings).await;
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
    let (hosted, mut engineer, mut frames) = host_receiving_frames(fast_settings());
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
    user.send(LinkCommand::SendFrame(vec![1; 100]));
    hosted.handle.send(SessionCommand::RequestConsent(request()));
    let asked = expect_event(&mut user_events, "request", |e| {
        is_session(e, |s| matches!(s, SessionEvent::ConsentRequested(_)))
    })
    .await;
    assert_eq!(asked, TransportEvent::Session(SessionEvent::ConsentRequested(request())));
    let scopes = Scopes { view: true, pointers: false, record: false, control: false };
    user.send(SessionCommand::Grant(scopes));
    expect_event(&mut engineer, "grant", |e| *e == TransportEvent::Session(SessionEvent::ConsentGranted(scopes))).await;

    user.send(LinkCommand::SendFrame(vec![2; 100]));
    let frame = expect_frame(&mut frames, "frame").await;
    assert_eq!(frame, ReceivedFrame { seq: 1, data: vec![2; 100] }, "the first frame is the one sent under consent");

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
    user.send(LinkCommand::SendFrame(vec![3; 100]));
    hosted.handle.send(SessionCommand::End);
    let ended =
        expect_event(&mut engineer, "end", |e| is_session(e, |s| matches!(s, SessionEvent::Ended { .. }))).await;
    assert_eq!(
        ended,
        TransportEvent::Session(SessionEvent::Ended { reason: EndReason::EngineerEnded, by_peer: false })
    );
    // The session task hands updates and events out in the order they happened: had a frame
    // been accepted before the end, it would be waiting here already.
    assert_eq!(frames.try_recv().ok(), None, "no frame after the revoke");
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
    let settings = fast_settings();
    let (hosted, engineer, mut frames) = host_receiving_frames(settings.clone());
    let link = hosted.link.clone();
    let (hosted, mut engineer, user, mut user_events) =
        paired_with_consent_via(hosted, engineer, &link, settings).await;
    user.send(LinkCommand::SimulateDrop { outage: Duration::from_millis(300) });
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
    user.send(LinkCommand::SendFrame(vec![9; 10]));
    assert_eq!(expect_frame(&mut frames, "frame after resume").await.data, vec![9; 10]);
    hosted.handle.send(SessionCommand::End);
    expect_event(&mut user_events, "end", |e| is_session(e, |s| matches!(s, SessionEvent::Ended { .. }))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drop_longer_than_the_window_ends_the_session() {
    let settings = TransportSettings { reconnect_window: Duration::from_millis(800), ..fast_settings() };
    let (_hosted, mut engineer, user, mut user_events) = paired_with_consent(settings).await;
    user.send(LinkCommand::SimulateDrop { outage: Duration::from_millis(2_000) });
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
    let (endpoint, connection, control, _, _) = raw_pair(link).await;
    (endpoint, connection, control)
}

/// [`raw_user`], with the session id and key a resume needs.
async fn raw_pair(link: &JoinLink) -> (quinn::Endpoint, quinn::Connection, ControlStream, [u8; 16], SessionKey) {
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
    let Inbound::Message(Handshake::Result(PairingVerdict::Paired { session_id })) = control.read::<Handshake>().await
    else {
        panic!("not paired")
    };
    let hello = Message::Hello { protocol_version: PROTOCOL_VERSION, role: Role::User, display_name: "raw".into() };
    control.write(&hello).await.expect("hello");
    (endpoint, connection, control, session_id, key)
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
    assert_eq!(why.code, stepwise::protocol::ViolationCode::Undecodable, "{why}");
    assert!(why.to_string().contains("unknown message encoding version 238"), "{why}");
    // The peer is told why (after the engineer's hello).
    let told = timeout(WAIT, async {
        loop {
            match control.read::<Message>().await {
                Inbound::Message(Message::Hello { .. } | Message::Heartbeat | Message::PathInUse(_)) => continue,
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

/// A UDP relay between the user and the engineer that can cut all traffic, both ways, as a
/// failing network does (no ICMP, no close: packets just vanish). Its tasks end with the test's
/// runtime.
struct CutProxy {
    address: SocketAddr,
    cut: Arc<AtomicBool>,
}

impl CutProxy {
    async fn spawn(engineer: SocketAddr) -> Self {
        let front = Arc::new(UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.expect("proxy front"));
        let back = Arc::new(UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.expect("proxy back"));
        back.connect(engineer).await.expect("proxy to engineer");
        let address = front.local_addr().expect("proxy address");
        let cut = Arc::new(AtomicBool::new(false));
        let user: Arc<Mutex<Option<SocketAddr>>> = Arc::default();
        let (up_front, up_back, up_cut, up_user) = (front.clone(), back.clone(), cut.clone(), user.clone());
        tokio::spawn(async move {
            let mut buf = vec![0u8; 65_536];
            while let Ok((len, from)) = up_front.recv_from(&mut buf).await {
                *up_user.lock().expect("proxy lock") = Some(from);
                if !up_cut.load(Ordering::SeqCst) {
                    let _ = up_back.send(&buf[..len]).await;
                }
            }
        });
        let down_cut = cut.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 65_536];
            while let Ok(len) = back.recv(&mut buf).await {
                let to = *user.lock().expect("proxy lock");
                if let Some(to) = to.filter(|_| !down_cut.load(Ordering::SeqCst)) {
                    let _ = front.send_to(&buf[..len], to).await;
                }
            }
        });
        Self { address, cut }
    }

    fn set_cut(&self, cut: bool) {
        self.cut.store(cut, Ordering::SeqCst);
    }
}

/// The product's timings scaled down 20× (reconnect window 60 s → 3 s), the heartbeat a little
/// slower than scaled (2.5 s → 200 ms, not 125 ms) so a busy test machine causes no false drops:
/// silence of 400 ms is a drop, cuts of "10, 20, 25, 50, 90 s" last 0.5, 1, 1.25, 2.5, 4.5 s.
fn cut_settings() -> TransportSettings {
    TransportSettings {
        heartbeat_interval: Duration::from_millis(200),
        reconnect_window: Duration::from_millis(3_000),
        retry_interval: Duration::from_millis(50),
        reconnect_attempt_timeout: Duration::from_millis(300),
        ..TransportSettings::default()
    }
}

/// Everything a side reports until (and with) the first event matching `predicate`, each with
/// the time it was reported.
async fn record_until(
    events: &mut UnboundedReceiver<TransportEvent>,
    what: &str,
    predicate: impl Fn(&TransportEvent) -> bool,
) -> Vec<(Instant, TransportEvent)> {
    let mut seen = Vec::new();
    let found = timeout(WAIT, async {
        while let Some(event) = events.recv().await {
            let done = predicate(&event);
            seen.push((Instant::now(), event));
            if done {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(found, Ok(true), "waiting for {what}; saw {:?}", seen.iter().map(|(_, e)| e).collect::<Vec<_>>());
    seen
}

/// The timeline entry names the events would give (what each side's transcript says about the
/// link and consent).
fn transcript(events: &[(Instant, TransportEvent)]) -> Vec<String> {
    events.iter().filter_map(|(_, event)| transcript_entry(event)).map(|entry| entry.event.kind()).collect()
}

fn ends_or_reconnects(event: &TransportEvent) -> bool {
    is_session(event, |s| matches!(s, SessionEvent::Reconnected { .. } | SessionEvent::Ended { .. }))
}

/// What one cut did to both sides.
struct CutOutcome {
    cut: Duration,
    engineer: Vec<(Instant, TransportEvent)>,
    user: Vec<(Instant, TransportEvent)>,
    cut_at: Instant,
    network_back: Instant,
}

/// What the user clicks during a cut.
#[derive(Clone, Copy, Debug)]
enum Click {
    /// Pause sharing.
    Pause,
    /// Stop sharing.
    Stop,
}

impl Click {
    fn command(self) -> SessionCommand {
        match self {
            Click::Pause => SessionCommand::Pause,
            Click::Stop => SessionCommand::Revoke,
        }
    }

    fn event(self) -> SessionEvent {
        match self {
            Click::Pause => SessionEvent::SharingPaused,
            Click::Stop => SessionEvent::ConsentRevoked,
        }
    }

    fn entry(self) -> &'static str {
        match self {
            Click::Pause => "sharing_paused",
            Click::Stop => "consent_revoked",
        }
    }
}

/// Pairs through a proxy, lets heartbeats flow, cuts the network for `cut`, optionally clicks
/// on the user's side some time into the cut, and records both sides until each has
/// reconnected or ended (and the engineer has heard of the click).
async fn run_cut(cut: Duration, click: Option<(Duration, Click)>) -> CutOutcome {
    let settings = cut_settings();
    let (hosted, engineer) = host(settings.clone());
    let proxy = CutProxy::spawn(hosted.local_addr).await;
    let link = JoinLink { host: "127.0.0.1".into(), port: proxy.address.port(), ..hosted.link.clone() };
    let (hosted, mut engineer, user, mut user_events) =
        paired_with_consent_via(hosted, engineer, &link, settings).await;
    // Steady heartbeats for a while (that they cause no drop is tested on the simulated clock,
    // where a busy test machine cannot stall them).
    tokio::time::sleep(Duration::from_millis(600)).await;
    while engineer.try_recv().is_ok() {}
    while user_events.try_recv().is_ok() {}
    proxy.set_cut(true);
    let cut_at = Instant::now();
    let network = async {
        if let Some((after, click)) = click {
            tokio::time::sleep(after).await;
            user.send(click.command());
        }
        tokio::time::sleep_until(cut_at + cut).await;
        proxy.set_cut(false);
        Instant::now()
    };
    // Both sides are watched from the start of the cut, so each event carries its own time.
    let engineer_done = move |e: &TransportEvent| match click {
        // The click comes after the reconnect on the engineer's side.
        Some((_, click)) => is_session(e, |s| *s == click.event() || matches!(s, SessionEvent::Ended { .. })),
        None => ends_or_reconnects(e),
    };
    let (network_back, engineer_seen, user_seen) = tokio::join!(
        network,
        record_until(&mut engineer, "engineer reconnects or ends", engineer_done),
        record_until(&mut user_events, "user reconnects or ends", ends_or_reconnects),
    );
    hosted.handle.send(SessionCommand::End);
    drop(user);
    CutOutcome { cut, engineer: engineer_seen, user: user_seen, cut_at, network_back }
}

fn gap_ms(events: &[(Instant, TransportEvent)]) -> Option<i64> {
    events.iter().find_map(|(_, event)| match event {
        TransportEvent::Session(SessionEvent::Reconnected { gap_ms }) => Some(*gap_ms),
        _ => None,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_cuts_through_a_proxy_are_recorded_alike_on_both_sides() {
    let window = cut_settings().reconnect_window;
    // "10, 20, 25, 50 and 90 s" at a twentieth, all at once so the test takes a few seconds.
    let cuts_ms = [500u64, 1_000, 1_250, 2_500, 4_500];
    let runs = cuts_ms.map(|ms| tokio::spawn(run_cut(Duration::from_millis(ms), None)));
    for run in runs {
        let outcome = run.await.expect("cut run");
        let cut_ms = outcome.cut.as_millis();
        let engineer = transcript(&outcome.engineer);
        let user = transcript(&outcome.user);
        eprintln!(
            "cut {cut_ms} ms: engineer {engineer:?} gap {:?}; user {user:?} gap {:?}; first event {:?} / {:?}, last {:?} / {:?} after the cut began",
            gap_ms(&outcome.engineer),
            gap_ms(&outcome.user),
            outcome.engineer.first().map(|(at, _)| at.duration_since(outcome.cut_at)),
            outcome.user.first().map(|(at, _)| at.duration_since(outcome.cut_at)),
            outcome.engineer.last().map(|(at, _)| at.duration_since(outcome.cut_at)),
            outcome.user.last().map(|(at, _)| at.duration_since(outcome.cut_at)),
        );
        assert_eq!(engineer, user, "{cut_ms} ms cut: both sides tell the same story");
        if outcome.cut < window {
            assert_eq!(engineer, ["disconnected", "reconnected"], "{cut_ms} ms cut");
            for gap in [gap_ms(&outcome.engineer), gap_ms(&outcome.user)] {
                let gap = u128::try_from(gap.expect("a gap")).expect("positive gap");
                assert!(gap >= cut_ms, "{cut_ms} ms cut recorded as a {gap} ms gap");
            }
        } else {
            assert_eq!(engineer, ["disconnected", "session_ended"], "{cut_ms} ms cut");
            for side in [&outcome.engineer, &outcome.user] {
                let ended = side.last().map(|(_, event)| event);
                assert_eq!(
                    ended,
                    Some(&TransportEvent::Session(SessionEvent::Ended {
                        reason: EndReason::ReconnectWindowExpired,
                        by_peer: false
                    })),
                    "{cut_ms} ms cut: the same reason on both sides"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pause_or_stop_inside_a_cut_acts_at_once_and_reaches_the_engineer_first() {
    // Clicked before the drop is noticed (its message dies with the old connection), and
    // clicked while both sides are reconnecting (queued). The cut is "20 s" (1 s).
    let cut = Duration::from_millis(1_000);
    let clicks = [(100u64, Click::Pause), (600, Click::Pause), (100, Click::Stop), (600, Click::Stop)];
    let runs = clicks.map(|(ms, click)| tokio::spawn(run_cut(cut, Some((Duration::from_millis(ms), click)))));
    for (run, (pause_ms, click)) in runs.into_iter().zip(clicks) {
        let outcome = run.await.expect("cut run");
        let paused_locally_at = outcome
            .user
            .iter()
            .find(|(_, e)| is_session(e, |s| *s == click.event()))
            .map(|(at, _)| *at)
            .expect("the click acts on the user's side");
        assert!(paused_locally_at < outcome.network_back, "{click:?} acts at once, during the cut");
        let paused_at = outcome
            .engineer
            .iter()
            .find(|(_, e)| is_session(e, |s| *s == click.event()))
            .map(|(at, _)| *at)
            .expect("the engineer hears of the pause");
        let after_reconnect: Vec<_> = outcome
            .engineer
            .iter()
            .filter_map(|(_, event)| transcript_entry(event).map(|entry| entry.event.kind()))
            .skip_while(|kind| *kind != "reconnected")
            .collect();
        eprintln!(
            "{click:?} {pause_ms} ms into the cut: local after {:?}; engineer {:?}, heard {:?} after the network came back",
            paused_locally_at.duration_since(outcome.cut_at),
            transcript(&outcome.engineer),
            paused_at.saturating_duration_since(outcome.network_back)
        );
        assert_eq!(after_reconnect, ["reconnected", click.entry()], "{click:?} at {pause_ms} ms: first thing heard");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_reaching_an_engineer_who_noticed_nothing_takes_over() {
    // The user's side noticed a drop first (silence is measured on each side) and resumes on a
    // fresh connection while the engineer still holds the old one.
    let (hosted, mut engineer) = host(fast_settings());
    let (endpoint, old, _old_control, session_id, key) = raw_pair(&hosted.link).await;
    expect_event(&mut engineer, "hello", |e| is_session(e, |s| matches!(s, SessionEvent::PeerHello { .. }))).await;
    let transport = tls::transport_config(Duration::from_secs(5), Duration::from_secs(30)).expect("config");
    let config = tls::client_config(transport, None).expect("client config");
    let connection =
        endpoint.connect_with(config, hosted.local_addr, tls::SERVER_NAME).expect("connect").await.expect("tls");
    let (send, recv) = connection.open_bi().await.expect("stream");
    let mut control = ControlStream::new(send, recv);
    let token = key.resume_token(&session_id);
    control.write(&Handshake::Resume { session_id, token }).await.expect("resume");
    let verdict = timeout(WAIT, control.read::<Handshake>()).await.expect("verdict in time");
    assert!(matches!(verdict, Inbound::Message(Handshake::Result(PairingVerdict::Resumed))), "{verdict:?}");
    let seen = record_until(&mut engineer, "engineer takes the resume", ends_or_reconnects).await;
    assert_eq!(transcript(&seen), ["disconnected", "reconnected"], "the gap is recorded, the session goes on");
    // The session runs on over the new connection; the old one is closed.
    let chat = Message::Chat { id: 1, at_ms: 0, text: "still there?".into() };
    control.write(&chat).await.expect("chat");
    expect_event(&mut engineer, "chat on the new connection", |e| {
        is_session(e, |s| matches!(s, SessionEvent::Chat { text, .. } if text == "still there?"))
    })
    .await;
    timeout(WAIT, old.closed()).await.expect("the old connection is closed");
}
