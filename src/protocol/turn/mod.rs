//! A TURN client (RFC 8656 over UDP), sans-IO: STUN encoding and strict decoding
//! ([`stun`]), the client's state machine ([`client`]), the credentials (long-term, or derived
//! from a TURN REST shared secret) and the server's URL (`turn:host:port`). The transport moves
//! the datagrams and passes the time in.

pub mod client;
pub mod stun;
#[cfg(test)]
mod tests;

use std::fmt;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use md5::Digest as _;
use sha1::Sha1;

pub use client::{Incoming, TurnClient, TurnEvent, TurnFailure};

/// Which way a session's packets go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkPath {
    /// Straight between the two sides.
    Direct,
    /// Through an allocation on a TURN server.
    Relayed,
}

/// The default TURN port.
pub const DEFAULT_TURN_PORT: u16 = 3478;

/// How this side authenticates to the TURN server (the long-term credential mechanism).
#[derive(Clone, PartialEq, Eq)]
pub struct TurnCredentials {
    username: String,
    password: String,
}

impl fmt::Debug for TurnCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The password is a secret: never in a log.
        f.debug_struct("TurnCredentials").field("username", &self.username).finish_non_exhaustive()
    }
}

impl TurnCredentials {
    /// A username and password (long-term credentials).
    pub fn long_term(username: &str, password: &str) -> Self {
        Self { username: username.to_owned(), password: password.to_owned() }
    }

    /// Temporary credentials from a TURN REST shared secret (coturn's `use-auth-secret`):
    /// username `EXPIRY:USER` (unix seconds), password base64(HMAC-SHA1(secret, username)).
    pub fn from_shared_secret(secret: &str, user: &str, expires_at_unix_s: i64) -> Self {
        let username =
            if user.is_empty() { expires_at_unix_s.to_string() } else { format!("{expires_at_unix_s}:{user}") };
        let password = match <Hmac<Sha1> as Mac>::new_from_slice(secret.as_bytes()) {
            Ok(mut mac) => {
                mac.update(username.as_bytes());
                base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
            }
            Err(_) => String::new(),
        };
        Self { username, password }
    }

    /// The username sent to the server.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The password (to hand to the peer in a join link; never logged).
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The long-term key: MD5(username ":" realm ":" password).
    pub fn key(&self, realm: &str) -> [u8; 16] {
        let digest = md5::Md5::digest(format!("{}:{realm}:{}", self.username, self.password).as_bytes());
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest);
        key
    }
}

/// The name in the usernames of time-limited credentials: `EXPIRY:stepwise`.
pub const REST_USER: &str = "stepwise";

/// How long the time-limited credentials a join link hands to the user stay valid (a session
/// and its reconnects fit; a forwarded link stops working soon after).
pub const LINK_CREDENTIALS_LIFETIME_S: i64 = 4 * 3600;

/// Longest username or password accepted from a join link, characters.
const MAX_CREDENTIAL_CHARS: usize = 256;

/// Time-limited TURN credentials (the TURN REST API, coturn's `use-auth-secret`): username
/// `EXPIRY:stepwise` (unix seconds), password base64(HMAC-SHA1(secret, username)). The only
/// credentials a join link may carry: the server refuses them after the expiry.
#[derive(Clone, PartialEq, Eq)]
pub struct RestCredentials {
    expires_at_unix_s: i64,
    username: String,
    password: String,
}

impl fmt::Debug for RestCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The password opens the relay until the expiry: never in a log.
        f.debug_struct("RestCredentials").field("username", &self.username).finish_non_exhaustive()
    }
}

impl RestCredentials {
    /// Derives credentials from the shared secret, valid until `expires_at_unix_s`.
    pub fn derive(secret: &str, expires_at_unix_s: i64) -> Self {
        let derived = TurnCredentials::from_shared_secret(secret, REST_USER, expires_at_unix_s);
        Self { expires_at_unix_s, username: derived.username, password: derived.password }
    }

    /// Reads credentials from a join link: the username must be `EXPIRY:NAME` (EXPIRY in unix
    /// seconds), the password non-empty; `None` otherwise (a long-term password is refused).
    pub fn parse(username: &str, password: &str) -> Option<Self> {
        let (expiry, name) = username.split_once(':')?;
        let name_ok = !name.is_empty()
            && name.len() <= MAX_CREDENTIAL_CHARS
            && name.chars().all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.'));
        let expiry_ok = (1..=12).contains(&expiry.len()) && expiry.bytes().all(|b| b.is_ascii_digit());
        let password_ok = !password.is_empty()
            && password.len() <= MAX_CREDENTIAL_CHARS
            && password.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
        if !(name_ok && expiry_ok && password_ok) {
            return None;
        }
        let expires_at_unix_s = expiry.parse::<i64>().ok()?;
        Some(Self { expires_at_unix_s, username: username.to_owned(), password: password.to_owned() })
    }

    /// When the server stops accepting them, unix seconds.
    pub fn expires_at_unix_s(&self) -> i64 {
        self.expires_at_unix_s
    }

    /// Whether they no longer work at `now_unix_s`.
    pub fn is_expired(&self, now_unix_s: i64) -> bool {
        now_unix_s >= self.expires_at_unix_s
    }

    /// The username (`EXPIRY:NAME`).
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The password (never logged).
    pub fn password(&self) -> &str {
        &self.password
    }

    /// As credentials for a [`TurnClient`].
    pub fn turn_credentials(&self) -> TurnCredentials {
        TurnCredentials::long_term(&self.username, &self.password)
    }
}

/// A TURN server's address as configured: `turn:host[:port][?transport=udp]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TurnUrl {
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// UDP port.
    pub port: u16,
}

/// Why a TURN URL was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TurnUrlError {
    /// Not `turn:…` (`turns:` over TLS is not supported).
    #[error("a relay server is written turn:host:port")]
    Scheme,
    /// Host or port missing or invalid.
    #[error("the relay server's host or port is not valid")]
    Address,
    /// Only UDP is supported.
    #[error("only transport=udp is supported")]
    Transport,
}

impl TurnUrl {
    /// Parses `turn:host`, `turn:host:port`, `turn:[v6]:port`, with an optional `?transport=udp`.
    pub fn parse(text: &str) -> Result<Self, TurnUrlError> {
        let rest = text.trim().strip_prefix("turn:").ok_or(TurnUrlError::Scheme)?;
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let (address, query) = rest.split_once('?').unwrap_or((rest, ""));
        if !query.is_empty() && query != "transport=udp" {
            return Err(TurnUrlError::Transport);
        }
        let (host, port) = if let Some(bracketed) = address.strip_prefix('[') {
            match bracketed.split_once(']') {
                Some((host, "")) => (host, None),
                Some((host, port)) => (host, Some(port.strip_prefix(':').ok_or(TurnUrlError::Address)?)),
                None => return Err(TurnUrlError::Address),
            }
        } else {
            match address.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (address, None),
            }
        };
        let port = match port {
            Some(port) => port.parse::<u16>().map_err(|_| TurnUrlError::Address)?,
            None => DEFAULT_TURN_PORT,
        };
        let host_ok = !host.is_empty()
            && host.len() <= 253
            && host.chars().all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '-' | ':'));
        if !host_ok || port == 0 {
            return Err(TurnUrlError::Address);
        }
        Ok(Self { host: host.to_owned(), port })
    }

    /// As text: `turn:host:port`.
    pub fn to_url(&self) -> String {
        if self.host.contains(':') {
            format!("turn:[{}]:{}", self.host, self.port)
        } else {
            format!("turn:{}:{}", self.host, self.port)
        }
    }
}
