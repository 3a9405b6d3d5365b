//! Join links made from the relay: what they carry for each kind of credentials.

use super::*;
use crate::protocol::{JoinCode, JoinLink};

fn link_relay(auth: RelayAuth) -> LinkRelay {
    LinkRelay {
        server: TurnUrl { host: "turn.example.org".into(), port: 3478 },
        relayed: SocketAddr::from(([203, 0, 113, 5], 50_000)),
        mapped: Some(SocketAddr::from(([198, 51, 100, 7], 4433))),
        auth,
    }
}

fn link_text(relay: &LinkRelay, now_unix_s: i64) -> String {
    let code = JoinCode::parse("123456789").expect("nine digits");
    let candidate = relay.candidate(now_unix_s);
    JoinLink { host: "10.0.0.2".into(), port: 4433, code, relay: Some(candidate) }.to_link()
}

#[test]
fn a_long_term_config_never_puts_its_password_in_a_link() {
    let password = "hunter2 中/+=";
    let relay = link_relay(RelayAuth::LongTerm { username: "desk-7".into(), password: password.into() });
    assert_eq!(relay.candidate(1_800_000_000).user, UserRelay::NotOffered);
    let text = link_text(&relay, 1_800_000_000);
    let encoded: String = password.bytes().map(|byte| format!("%{byte:02X}")).collect();
    for secret in ["hunter2", encoded.as_str(), "desk-7", "pass=", "user="] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    // The link still tells the user where the engineer is, and that it cannot allocate.
    let parsed = JoinLink::parse(&text).expect("a valid link");
    assert_eq!(parsed.relay.map(|relay| relay.user), Some(UserRelay::NotOffered));
    assert!(!format!("{relay:?}").contains("hunter2"), "nor in Debug");
}

#[test]
fn a_shared_secret_gives_each_link_credentials_that_expire_within_hours() {
    let relay = link_relay(RelayAuth::SharedSecret { secret: "north-wind".into() });
    let now_s = 1_800_000_000;
    let text = link_text(&relay, now_s);
    assert!(!text.contains("north-wind"), "never the secret itself: {text}");
    let Some(UserRelay::Allocate(credentials)) =
        JoinLink::parse(&text).ok().and_then(|link| link.relay).map(|r| r.user)
    else {
        panic!("time-limited credentials expected in {text}");
    };
    assert_eq!(credentials.username(), format!("{}:stepwise", now_s + LINK_CREDENTIALS_LIFETIME_S));
    assert!(!credentials.is_expired(now_s + 3600), "good for a session");
    assert!(credentials.is_expired(now_s + 6 * 3600), "gone within hours");
    // A link made later (a new code) carries fresh credentials.
    let later = relay.candidate(now_s + 3 * 3600);
    assert!(
        matches!(later.user, UserRelay::Allocate(fresh) if fresh.expires_at_unix_s() > credentials.expires_at_unix_s())
    );
}
