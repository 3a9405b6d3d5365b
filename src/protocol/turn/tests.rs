use core::net::{IpAddr, Ipv4Addr, SocketAddr};

use proptest::prelude::*;

use super::stun::{self, Builder, Class, Message, StunError};
use super::*;

const RELAYED: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 5)), 50_000);
const PEER: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7)), 4433);

fn credentials() -> TurnCredentials {
    TurnCredentials::long_term("user", "pass")
}

fn error(request: &Message, code: u16, nonce: Option<&str>) -> Vec<u8> {
    let mut builder = Builder::new(request.method, Class::Error, request.transaction)
        .attribute(stun::ATTR_ERROR_CODE, &[0, 0, (code / 100) as u8, (code % 100) as u8, b'n', b'o']);
    if let Some(nonce) = nonce {
        builder = builder.attribute(stun::ATTR_REALM, b"realm").attribute(stun::ATTR_NONCE, nonce.as_bytes());
    }
    builder.finish()
}

fn success(request: &Message, key: &[u8]) -> Vec<u8> {
    let mut builder = Builder::new(request.method, Class::Success, request.transaction);
    if request.method == stun::METHOD_ALLOCATE {
        builder = builder
            .xor_address(stun::ATTR_XOR_RELAYED_ADDRESS, RELAYED)
            .xor_address(stun::ATTR_XOR_MAPPED_ADDRESS, PEER)
            .attribute(stun::ATTR_LIFETIME, &600u32.to_be_bytes());
    }
    builder.finish_with_integrity(key)
}

fn next_request(client: &mut TurnClient) -> Message {
    let bytes = client.poll_transmit().expect("a request");
    Message::decode(&bytes).expect("valid STUN")
}

/// Runs the 401 → authenticated Allocate exchange; returns the key.
fn allocated_client() -> (TurnClient, [u8; 16]) {
    let mut client = TurnClient::new(credentials());
    client.allocate(0);
    let first = next_request(&mut client);
    assert_eq!((first.method, first.class), (stun::METHOD_ALLOCATE, Class::Request));
    assert!(first.attribute(stun::ATTR_MESSAGE_INTEGRITY).is_none(), "the first try goes without credentials");
    assert_eq!(client.handle_packet(&error(&first, 401, Some("n1")), 10), Incoming::Handled);
    let second = next_request(&mut client);
    let key = credentials().key("realm");
    second.verify_integrity(&key).expect("signed with the long-term key");
    assert_eq!(second.text(stun::ATTR_USERNAME).as_deref(), Some("user"));
    assert_eq!(second.text(stun::ATTR_NONCE).as_deref(), Some("n1"));
    assert_eq!(client.handle_packet(&success(&second, &key), 20), Incoming::Handled);
    assert_eq!(client.poll_event(), Some(TurnEvent::Allocated { relayed: RELAYED, mapped: Some(PEER) }));
    (client, key)
}

#[test]
fn long_term_key_and_rest_credentials_match_reference_values() {
    let key = credentials().key("realm");
    let hex: String = key.iter().map(|byte| format!("{byte:02x}")).collect();
    assert_eq!(hex, "8493fbc53ba582fb4c044c456bdc40eb");
    let rest = TurnCredentials::from_shared_secret("secret", "alice", 1_700_000_000);
    assert_eq!(rest.username(), "1700000000:alice");
    assert_eq!(rest.password(), "d8soP47RbdIKLDUOpnJPVQyq5Ts=");
    assert!(!format!("{rest:?}").contains("d8so"), "the password stays out of Debug");
}

#[test]
fn allocate_authenticates_then_channel_data_flows_both_ways() {
    let (mut client, key) = allocated_client();
    assert_eq!(client.relayed_address(), Some(RELAYED));
    // Before the channel is bound, data goes as a Send indication.
    let send = Message::decode(&client.wrap(PEER, b"hello").unwrap()).unwrap();
    assert_eq!((send.method, send.class), (stun::METHOD_SEND, Class::Indication));
    assert_eq!(send.xor_address(stun::ATTR_XOR_PEER_ADDRESS), Ok(Some(PEER)));
    assert_eq!(send.attribute(stun::ATTR_DATA), Some(&b"hello"[..]));
    client.bind_channel(PEER, 30);
    let bind = next_request(&mut client);
    bind.verify_integrity(&key).unwrap();
    assert_eq!(client.handle_packet(&success(&bind, &key), 40), Incoming::Handled);
    assert_eq!(client.poll_event(), Some(TurnEvent::ChannelBound(PEER)));
    let framed = client.wrap(PEER, b"abcde").unwrap();
    assert_eq!(&framed[..4], &[0x40, 0x00, 0, 5]);
    assert_eq!(framed.len(), 12, "padded to four bytes");
    // What comes back on the channel is the peer's.
    assert_eq!(client.handle_packet(&framed, 50), Incoming::Data { peer: PEER, data: b"abcde".to_vec() });
    // A Data indication too.
    let data = Builder::new(stun::METHOD_DATA, Class::Indication, [7; 12])
        .xor_address(stun::ATTR_XOR_PEER_ADDRESS, PEER)
        .attribute(stun::ATTR_DATA, b"xyz")
        .finish();
    assert_eq!(client.handle_packet(&data, 60), Incoming::Data { peer: PEER, data: b"xyz".to_vec() });
    // An unknown channel is dropped.
    assert_eq!(client.handle_packet(&[0x40, 0x07, 0, 1, 9, 0, 0, 0], 70), Incoming::Dropped);
}

#[test]
fn forged_or_unsolicited_responses_are_ignored() {
    let (mut client, key) = allocated_client();
    client.create_permission(PEER.ip(), 100);
    let request = next_request(&mut client);
    // Signed with the wrong key: ignored, the request stays pending.
    assert_eq!(client.handle_packet(&success(&request, b"wrong key"), 110), Incoming::Dropped);
    // Unsigned: ignored.
    let unsigned = Builder::new(request.method, Class::Success, request.transaction).finish();
    assert_eq!(client.handle_packet(&unsigned, 111), Incoming::Dropped);
    // Another transaction: ignored.
    let other = Builder::new(request.method, Class::Success, [1; 12]).finish_with_integrity(&key);
    assert_eq!(client.handle_packet(&other, 112), Incoming::Dropped);
    assert_eq!(client.poll_event(), None);
    assert_eq!(client.handle_packet(&success(&request, &key), 120), Incoming::Handled);
    assert_eq!(client.poll_event(), Some(TurnEvent::PermissionCreated(PEER.ip())));
}

#[test]
fn wrong_credentials_fail_after_one_retry() {
    let mut client = TurnClient::new(credentials());
    client.allocate(0);
    let first = next_request(&mut client);
    client.handle_packet(&error(&first, 401, Some("n1")), 1);
    let second = next_request(&mut client);
    client.handle_packet(&error(&second, 401, Some("n2")), 2);
    assert_eq!(client.poll_event(), Some(TurnEvent::Failed(TurnFailure::Unauthorized)));
    assert!(client.poll_transmit().is_none(), "no loop of retries");
}

#[test]
fn stale_nonce_on_refresh_is_retried_and_a_lost_allocation_reported() {
    let (mut client, key) = allocated_client();
    let refresh_at = client.poll_timeout().unwrap();
    assert!(refresh_at >= 500_000, "refreshed about a minute before 600 s end: {refresh_at}");
    client.handle_timeout(refresh_at);
    let refresh = next_request(&mut client);
    assert_eq!(refresh.method, stun::METHOD_REFRESH);
    client.handle_packet(&error(&refresh, 438, Some("n2")), refresh_at + 1);
    let again = next_request(&mut client);
    assert_eq!(again.text(stun::ATTR_NONCE).as_deref(), Some("n2"));
    let key2 = credentials().key("realm");
    assert_eq!(key, key2);
    client.handle_packet(&error(&again, 437, None), refresh_at + 2);
    assert_eq!(client.poll_event(), Some(TurnEvent::Failed(TurnFailure::Lost)));
    assert_eq!(client.relayed_address(), None);
}

#[test]
fn unanswered_requests_are_retransmitted_then_given_up() {
    let mut client = TurnClient::new(credentials());
    client.allocate(0);
    let mut transmissions = 0;
    let mut now = 0;
    while client.poll_event().is_none() {
        while client.poll_transmit().is_some() {
            transmissions += 1;
        }
        now = client.poll_timeout().expect("a retry is scheduled");
        client.handle_timeout(now);
        assert!(now < 60_000, "gives up within a minute");
    }
    assert_eq!(transmissions, 7);
    assert!(now > 5_000, "keeps trying for a few seconds: {now}");
}

#[test]
fn xor_addresses_round_trip_for_both_families() {
    for address in [PEER, "[2001:db8::1]:3478".parse().unwrap()] {
        let bytes = Builder::new(stun::METHOD_DATA, Class::Indication, [3; 12])
            .xor_address(stun::ATTR_XOR_PEER_ADDRESS, address)
            .finish();
        assert_eq!(Message::decode(&bytes).unwrap().xor_address(stun::ATTR_XOR_PEER_ADDRESS), Ok(Some(address)));
    }
}

#[test]
fn malformed_packets_are_refused_plainly() {
    assert_eq!(Message::decode(&[0; 5]), Err(StunError::Truncated));
    let good = Builder::new(stun::METHOD_ALLOCATE, Class::Request, [1; 12])
        .attribute(stun::ATTR_LIFETIME, &[0, 0, 0, 1])
        .finish();
    let mut bad_cookie = good.clone();
    bad_cookie[4] ^= 1;
    assert_eq!(Message::decode(&bad_cookie), Err(StunError::NotStun));
    let mut long = good.clone();
    long[3] = 200;
    assert_eq!(Message::decode(&long), Err(StunError::Truncated));
    let mut overrun = good.clone();
    overrun[23] = 40; // the attribute claims 40 bytes
    assert_eq!(Message::decode(&overrun), Err(StunError::BadAttribute));
    let mut family = Builder::new(stun::METHOD_DATA, Class::Indication, [3; 12])
        .xor_address(stun::ATTR_XOR_PEER_ADDRESS, PEER)
        .finish();
    family[25] = 9;
    assert_eq!(
        Message::decode(&family).unwrap().xor_address(stun::ATTR_XOR_PEER_ADDRESS),
        Err(StunError::Malformed(stun::ATTR_XOR_PEER_ADDRESS))
    );
    assert_eq!(stun::decode_channel_data(&[0x40, 0, 0, 9, 1]), Err(StunError::ChannelData));
    assert_eq!(stun::decode_channel_data(&[0x50, 0, 0, 0]), Err(StunError::ChannelData));
}

#[test]
fn turn_urls_parse_and_refuse_garbage() {
    assert_eq!(
        TurnUrl::parse("turn:relay.example.org:3479"),
        Ok(TurnUrl { host: "relay.example.org".into(), port: 3479 })
    );
    assert_eq!(TurnUrl::parse("turn:10.0.0.1").unwrap().port, DEFAULT_TURN_PORT);
    assert_eq!(TurnUrl::parse("turn:[::1]:5000").unwrap().host, "::1");
    assert_eq!(TurnUrl::parse("turn:h:1?transport=udp").unwrap().to_url(), "turn:h:1");
    assert_eq!(TurnUrl::parse("turn:[::1]:5000").unwrap().to_url(), "turn:[::1]:5000");
    assert_eq!(TurnUrl::parse("turns:h:1"), Err(TurnUrlError::Scheme));
    assert_eq!(TurnUrl::parse("turn:h:1?transport=tcp"), Err(TurnUrlError::Transport));
    assert_eq!(TurnUrl::parse("turn:h:0"), Err(TurnUrlError::Address));
    assert_eq!(TurnUrl::parse("turn:a b:1"), Err(TurnUrlError::Address));
    assert_eq!(TurnUrl::parse("turn:"), Err(TurnUrlError::Address));
}

proptest! {
    #[test]
    fn arbitrary_datagrams_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200), stunish in any::<bool>()) {
        let (mut client, _key) = allocated_client();
        client.bind_channel(PEER, 1);
        let mut bytes = bytes;
        if stunish && bytes.len() >= 20 {
            bytes[0] &= 0x3F;
            bytes[4..8].copy_from_slice(&stun::MAGIC_COOKIE.to_be_bytes());
        }
        let _ = client.handle_packet(&bytes, 5);
        if let Ok(message) = Message::decode(&bytes) {
            let _ = message.error_code();
            let _ = message.xor_address(stun::ATTR_XOR_PEER_ADDRESS);
            let _ = message.verify_integrity(b"k");
        }
    }
}

#[test]
fn rest_credentials_are_named_after_their_expiry_and_expire() {
    let now_s = 1_800_000_000;
    let credentials = RestCredentials::derive("north-wind", now_s + LINK_CREDENTIALS_LIFETIME_S);
    assert_eq!(credentials.username(), format!("{}:stepwise", now_s + LINK_CREDENTIALS_LIFETIME_S));
    assert!(!credentials.password().contains("north-wind"), "never the secret itself");
    assert_eq!(
        credentials.turn_credentials(),
        TurnCredentials::from_shared_secret("north-wind", "stepwise", now_s + LINK_CREDENTIALS_LIFETIME_S)
    );
    assert!((3600..=6 * 3600).contains(&LINK_CREDENTIALS_LIFETIME_S), "a few hours");
    assert!(!credentials.is_expired(now_s));
    assert!(!credentials.is_expired(now_s + LINK_CREDENTIALS_LIFETIME_S - 1));
    assert!(credentials.is_expired(now_s + LINK_CREDENTIALS_LIFETIME_S));
    assert_eq!(RestCredentials::parse(credentials.username(), credentials.password()), Some(credentials.clone()));
    assert!(!format!("{credentials:?}").contains(credentials.password()));
    // Long-term usernames are not time-limited credentials.
    assert_eq!(RestCredentials::parse("alice", "pw"), None);
    assert_eq!(RestCredentials::parse("soon:alice", "pw"), None);
    assert_eq!(RestCredentials::parse("1800000000:", "pw"), None);
    assert_eq!(RestCredentials::parse("1800000000:alice", ""), None);
    assert_eq!(RestCredentials::parse("1800000000:alice", "not base64!"), None);
}
