//! Join codes (nine digits, shown as `123 456 789`) and join links (`stepwise://HOST:PORT/CODE`,
//! with the engineer's relay candidate as a query when a TURN server is configured:
//! `?relay=IP:PORT&mapped=IP:PORT&turn=HOST:PORT`, plus `&user=EXPIRY:stepwise&pass=…` when the
//! user may allocate: only ever time-limited credentials, never a long-term password).

use core::net::SocketAddr;
use std::fmt;

use super::turn::{RestCredentials, TurnUrl};

/// Digits in a join code.
pub const CODE_DIGITS: usize = 9;

/// A short secret the engineer reads to the user; the password of the pairing.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct JoinCode(String);

impl fmt::Debug for JoinCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A code is a secret: never print it in logs by accident.
        f.write_str("JoinCode(…)")
    }
}

impl JoinCode {
    /// A fresh random code from the operating system's generator.
    pub fn generate() -> Result<Self, getrandom::Error> {
        const LIMIT: u32 = 4_000_000_000; // a multiple of 10^9 below 2^32: no modulo bias
        loop {
            let mut bytes = [0u8; 4];
            getrandom::fill(&mut bytes)?;
            let value = u32::from_le_bytes(bytes);
            if value < LIMIT {
                return Ok(Self(format!("{:09}", value % 1_000_000_000)));
            }
        }
    }

    /// A fresh random code that differs from `previous` (a replaced code must stop working).
    pub fn generate_unlike(previous: &JoinCode) -> Result<Self, getrandom::Error> {
        loop {
            let code = Self::generate()?;
            if code != *previous {
                return Ok(code);
            }
        }
    }

    /// Parses what a person typed: digits with optional spaces or dashes.
    pub fn parse(text: &str) -> Option<Self> {
        let digits: String = text.chars().filter(|ch| !matches!(ch, ' ' | '-' | '\u{3000}')).collect();
        (digits.len() == CODE_DIGITS && digits.bytes().all(|b| b.is_ascii_digit())).then_some(Self(digits))
    }

    /// The digits, no spaces (the pairing password).
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// Grouped for reading aloud: `123 456 789`.
    pub fn grouped(&self) -> String {
        let mut out = String::with_capacity(11);
        for (index, ch) in self.0.chars().enumerate() {
            if index > 0 && index % 3 == 0 {
                out.push(' ');
            }
            out.push(ch);
        }
        out
    }
}

/// Where and how to join: host, UDP port and code; the relay candidate when the engineer has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinLink {
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// UDP port.
    pub port: u16,
    /// The join code.
    pub code: JoinCode,
    /// The engineer's relayed address and what the user needs to reach it through the same
    /// TURN server (typed by hand, a link has none: direct only).
    pub relay: Option<RelayCandidate>,
}

/// Whether the user may make its own allocation on the engineer's TURN server: a typed
/// decision, so a long-term password can never reach a link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserRelay {
    /// Yes, with these time-limited credentials (the engineer has a TURN REST shared secret).
    Allocate(RestCredentials),
    /// No: the engineer's credentials are long-term and stay on its console. The user tries the
    /// engineer's addresses directly; a user behind strict NAT cannot be reached.
    NotOffered,
}

/// The engineer's candidates on a TURN server: its relayed address, its address as the server
/// saw it, the server, and whether the user may allocate there too.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelayCandidate {
    /// The TURN server.
    pub server: TurnUrl,
    /// The engineer's relayed address.
    pub relayed: SocketAddr,
    /// The engineer's address as the TURN server saw it (reached through the user's own
    /// allocation when the engineer's allocation is gone, e.g. after a relay restart; tried
    /// directly when the user cannot allocate).
    pub mapped: Option<SocketAddr>,
    /// The user's own allocation: allowed with time-limited credentials, or not offered.
    pub user: UserRelay,
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = text.get(index + 1..index + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).ok()
}

impl RelayCandidate {
    fn parse_query(query: &str) -> Result<Self, JoinLinkError> {
        let (mut relayed, mut mapped, mut server, mut username, mut password) = (None, None, None, None, None);
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair.split_once('=').ok_or(JoinLinkError::Relay)?;
            let value = percent_decode(value).filter(|value| value.len() <= 512).ok_or(JoinLinkError::Relay)?;
            match key {
                "relay" => relayed = Some(value.parse::<SocketAddr>().map_err(|_| JoinLinkError::Relay)?),
                "mapped" => mapped = Some(value.parse::<SocketAddr>().map_err(|_| JoinLinkError::Relay)?),
                "turn" => server = Some(TurnUrl::parse(&format!("turn:{value}")).map_err(|_| JoinLinkError::Relay)?),
                "user" => username = Some(value),
                "pass" => password = Some(value),
                _ => {} // room for later candidates
            }
        }
        let user = match (username, password) {
            (None, None) => UserRelay::NotOffered,
            // Only time-limited credentials: anything else in a link is refused.
            (Some(username), Some(password)) => {
                UserRelay::Allocate(RestCredentials::parse(&username, &password).ok_or(JoinLinkError::Relay)?)
            }
            _ => return Err(JoinLinkError::Relay),
        };
        match (relayed, server) {
            (Some(relayed), Some(server)) => Ok(Self { server, relayed, mapped, user }),
            _ => Err(JoinLinkError::Relay),
        }
    }

    fn to_query(&self) -> String {
        let server = self.server.to_url();
        let mut query = format!(
            "relay={}&turn={}",
            percent_encode(&self.relayed.to_string()),
            percent_encode(server.trim_start_matches("turn:")),
        );
        if let UserRelay::Allocate(credentials) = &self.user {
            query.push_str(&format!(
                "&user={}&pass={}",
                percent_encode(credentials.username()),
                percent_encode(credentials.password())
            ));
        }
        if let Some(mapped) = self.mapped {
            query.push_str(&format!("&mapped={}", percent_encode(&mapped.to_string())));
        }
        query
    }
}

/// Why a join link was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JoinLinkError {
    /// Not `stepwise://…`.
    #[error("a join link starts with stepwise://")]
    Scheme,
    /// Host or port missing or invalid.
    #[error("the link has no valid address (host:port)")]
    Address,
    /// The code part is not nine digits.
    #[error("the link has no valid nine-digit code")]
    Code,
    /// The relay part is malformed.
    #[error("the link's relay part is not valid")]
    Relay,
}

impl JoinLink {
    /// Parses `stepwise://HOST:PORT/CODE` (IPv6 hosts in brackets), with an optional relay query.
    pub fn parse(text: &str) -> Result<Self, JoinLinkError> {
        let rest = text.trim().strip_prefix("stepwise://").ok_or(JoinLinkError::Scheme)?;
        let (rest, query) = match rest.split_once('?') {
            Some((rest, query)) => (rest, Some(query)),
            None => (rest, None),
        };
        let relay = query.map(RelayCandidate::parse_query).transpose()?;
        let (address, code) = rest.split_once('/').ok_or(JoinLinkError::Code)?;
        let code = JoinCode::parse(code.trim_end_matches('/')).ok_or(JoinLinkError::Code)?;
        let (host, port) = if let Some(bracketed) = address.strip_prefix('[') {
            let (host, port) = bracketed.split_once("]:").ok_or(JoinLinkError::Address)?;
            (host, port)
        } else {
            address.rsplit_once(':').ok_or(JoinLinkError::Address)?
        };
        let port: u16 = port.parse().map_err(|_| JoinLinkError::Address)?;
        let host_ok = !host.is_empty()
            && host.len() <= 253
            && host.chars().all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '-' | ':'));
        if !host_ok || port == 0 {
            return Err(JoinLinkError::Address);
        }
        Ok(Self { host: host.to_owned(), port, code, relay })
    }

    /// The link as text.
    pub fn to_link(&self) -> String {
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        let mut link = format!("stepwise://{host}:{}/{}", self.port, self.code.digits());
        if let Some(relay) = &self.relay {
            link.push('?');
            link.push_str(&relay.to_query());
        }
        link
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_nine_digits_grouped_in_threes() {
        let code = JoinCode::generate().unwrap();
        assert_eq!(code.digits().len(), 9);
        assert_eq!(code.grouped().len(), 11);
        assert_eq!(JoinCode::parse(&code.grouped()), Some(code.clone()));
        assert_eq!(JoinCode::parse("123-456-789").unwrap().grouped(), "123 456 789");
        assert!(JoinCode::parse("12345678").is_none());
        assert!(JoinCode::parse("12345678x").is_none());
        assert_eq!(format!("{code:?}"), "JoinCode(…)");
        assert_ne!(JoinCode::generate_unlike(&code).unwrap(), code);
    }

    #[test]
    fn links_round_trip_and_reject_garbage() {
        let link = JoinLink::parse("stepwise://192.168.1.20:4433/123456789").unwrap();
        assert_eq!((link.host.as_str(), link.port, link.code.digits()), ("192.168.1.20", 4433, "123456789"));
        assert_eq!(JoinLink::parse(&link.to_link()), Ok(link));
        let v6 = JoinLink::parse("stepwise://[::1]:9000/111 222 333").unwrap();
        assert_eq!(v6.host, "::1");
        assert_eq!(JoinLink::parse(&v6.to_link()), Ok(v6));
        assert_eq!(JoinLink::parse("http://x:1/123456789"), Err(JoinLinkError::Scheme));
        assert_eq!(JoinLink::parse("stepwise://x/123456789"), Err(JoinLinkError::Address));
        assert_eq!(JoinLink::parse("stepwise://x:0/123456789"), Err(JoinLinkError::Address));
        assert_eq!(JoinLink::parse("stepwise://x:99999/123456789"), Err(JoinLinkError::Address));
        assert_eq!(JoinLink::parse("stepwise://x:1/12"), Err(JoinLinkError::Code));
        assert_eq!(JoinLink::parse("stepwise://a b:1/123456789"), Err(JoinLinkError::Address));
    }

    #[test]
    fn links_carry_the_relay_candidate() {
        let credentials = RestCredentials::derive("north-wind", 1_700_000_000);
        let relay = RelayCandidate {
            server: TurnUrl { host: "turn.example.org".into(), port: 3478 },
            relayed: "203.0.113.5:50000".parse().unwrap(),
            mapped: Some("[2001:db8::2]:4433".parse().unwrap()),
            user: UserRelay::Allocate(credentials.clone()),
        };
        let link = JoinLink { relay: Some(relay), ..JoinLink::parse("stepwise://10.0.0.2:4433/123456789").unwrap() };
        let text = link.to_link();
        assert!(text.starts_with("stepwise://10.0.0.2:4433/123456789?relay="), "{text}");
        assert!(text.contains("user=1700000000%3Astepwise&"), "{text}");
        assert_eq!(JoinLink::parse(&text), Ok(link.clone()));
        assert!(!format!("{link:?}").contains(credentials.password()), "the password stays out of Debug");
        let base = "stepwise://10.0.0.2:4433/123456789";
        assert_eq!(JoinLink::parse(&format!("{base}?relay=nonsense&turn=h:1")), Err(JoinLinkError::Relay));
        assert_eq!(JoinLink::parse(&format!("{base}?turn=h:1")), Err(JoinLinkError::Relay));
        assert_eq!(JoinLink::parse(&format!("{base}?relay=1.2.3.4:5&turn=h:1&pass=%zz")), Err(JoinLinkError::Relay));
        assert_eq!(JoinLink::parse(&format!("{base}?relay=1.2.3.4:5&turn=h:0")), Err(JoinLinkError::Relay));
    }

    #[test]
    fn a_link_carries_only_time_limited_credentials_or_none() {
        let base = "stepwise://10.0.0.2:4433/123456789?relay=1.2.3.4:5&turn=h:3478";
        // No credentials: the user cannot allocate, and the link says so.
        let link = JoinLink::parse(base).unwrap();
        assert_eq!(link.relay.as_ref().map(|relay| &relay.user), Some(&UserRelay::NotOffered));
        assert!(!link.to_link().contains("user="), "{}", link.to_link());
        assert!(!link.to_link().contains("pass="), "{}", link.to_link());
        // A long-term username and password are refused, as is half a pair.
        assert_eq!(JoinLink::parse(&format!("{base}&user=alice&pass=hunter2")), Err(JoinLinkError::Relay));
        assert_eq!(JoinLink::parse(&format!("{base}&user=x%3Aalice&pass=abc")), Err(JoinLinkError::Relay));
        assert_eq!(JoinLink::parse(&format!("{base}&user=1700000000%3Astepwise")), Err(JoinLinkError::Relay));
        assert_eq!(JoinLink::parse(&format!("{base}&pass=abc")), Err(JoinLinkError::Relay));
        let rest = JoinLink::parse(&format!("{base}&user=1700000000%3Astepwise&pass=abc%2B%3D")).unwrap();
        match rest.relay.map(|relay| relay.user) {
            Some(UserRelay::Allocate(credentials)) => {
                assert_eq!(credentials.expires_at_unix_s(), 1_700_000_000);
                assert!(!credentials.is_expired(1_699_999_999));
                assert!(credentials.is_expired(1_700_000_000));
            }
            other => panic!("expected time-limited credentials, got {other:?}"),
        }
    }
}
