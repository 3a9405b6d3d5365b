//! A hostile client for tests: it speaks the real pairing protocol (QUIC, TLS, SPAKE2, key
//! confirmation) from a chosen loopback address, so one test can play several attackers
//! (127.0.0.2, 127.0.0.3, … are distinct sources on Linux).

#![allow(dead_code)]

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use stepwise::protocol::pairing::{EXPORTER_LABEL, Pairing};
use stepwise::protocol::{Handshake, JoinCode, PairingVerdict, Role};
use stepwise::transport::{ControlStream, Inbound, tls};
use tokio::time::timeout;

/// Longest the engineer may take to answer one attempt.
const WAIT: Duration = Duration::from_secs(10);

/// The loopback address 127.0.0.`last`.
pub fn source(last: u8) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, 0, last)
}

/// A hostile client: speaks the real pairing protocol with `code` from the loopback address
/// `from` (127.0.0.2, 127.0.0.3, … are distinct sources on Linux). Returns the engineer's verdict;
/// `None` if it paired.
pub async fn attempt_from(from: Ipv4Addr, engineer: SocketAddr, code: &JoinCode) -> Option<PairingVerdict> {
    let endpoint = quinn::Endpoint::client(SocketAddr::from((from, 0))).expect("bind a loopback source");
    let transport = tls::transport_config(Duration::from_secs(5), Duration::from_secs(30)).expect("config");
    let config = tls::client_config(transport, None).expect("client config");
    let attempt = async {
        let connection =
            endpoint.connect_with(config, engineer, tls::SERVER_NAME).expect("connect").await.expect("tls");
        let (send, recv) = connection.open_bi().await.expect("stream");
        let mut control = ControlStream::new(send, recv);
        let mut exporter = [0u8; 32];
        connection.export_keying_material(&mut exporter, EXPORTER_LABEL, b"").expect("exporter");
        let (pairing, message) = Pairing::start(code, &exporter);
        control.write(&Handshake::Pake(message)).await.expect("send pake");
        let theirs = match control.read::<Handshake>().await {
            Inbound::Message(Handshake::Pake(theirs)) => theirs,
            Inbound::Message(Handshake::Result(verdict)) => return Some(verdict),
            other => panic!("unexpected answer to the pake: {other:?}"),
        };
        let key = pairing.finish(&theirs).expect("key");
        control.write(&Handshake::Confirm(key.confirmation(Role::User))).await.expect("confirm");
        match control.read::<Handshake>().await {
            Inbound::Message(Handshake::Result(verdict)) => Some(verdict),
            Inbound::Message(Handshake::Confirm(_)) => None,
            other => panic!("unexpected answer to the confirmation: {other:?}"),
        }
    };
    let verdict = timeout(WAIT, attempt).await.expect("the engineer answers in time");
    endpoint.close(0u32.into(), b"done");
    verdict
}
