//! Join codes (nine digits, shown as `123 456 789`) and join links (`stepwise://HOST:PORT/CODE`).

use std::fmt;

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

/// Where and how to join: host, UDP port and code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinLink {
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// UDP port.
    pub port: u16,
    /// The join code.
    pub code: JoinCode,
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
}

impl JoinLink {
    /// Parses `stepwise://HOST:PORT/CODE` (IPv6 hosts in brackets).
    pub fn parse(text: &str) -> Result<Self, JoinLinkError> {
        let rest = text.trim().strip_prefix("stepwise://").ok_or(JoinLinkError::Scheme)?;
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
        Ok(Self { host: host.to_owned(), port, code })
    }

    /// The link as text.
    pub fn to_link(&self) -> String {
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        format!("stepwise://{host}:{}/{}", self.port, self.code.digits())
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
}
