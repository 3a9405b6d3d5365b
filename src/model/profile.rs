//! Who uses this console and where it listens: the engineer's profile and network settings.

use serde::{Deserialize, Serialize};

/// Who is using this console: the "who" of history entries and the name users see when asked
/// for consent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineerProfile {
    /// Display name, e.g. "陈伟".
    pub name: String,
    /// Team, e.g. "IT Service Desk".
    pub team: String,
}

/// Where the console listens for users' Get-help windows (the command line's `--session-port`
/// and `--advertise` take precedence).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkSettings {
    /// UDP port for sessions (further concurrent sessions take the next ones); 0 = any free port.
    pub session_port: u16,
    /// Host name or address put in join links; empty = this computer's address.
    pub advertised_host: String,
}

/// Longest host name (DNS), characters.
pub const MAX_HOST_CHARS: usize = 253;

/// Why network settings were refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NetworkSettingsError {
    /// The advertised host is not a host name or address.
    #[error("\"{0}\" is not a host name or address")]
    NotAHost(String),
}

impl NetworkSettings {
    /// Checks the host: a name or address without spaces, at most 253 characters.
    pub fn validate(&self) -> Result<(), NetworkSettingsError> {
        let host = self.advertised_host.trim();
        if host.chars().count() > MAX_HOST_CHARS || host.chars().any(|ch| ch.is_whitespace() || ch == '/' || ch == '@')
        {
            return Err(NetworkSettingsError::NotAHost(host.to_owned()));
        }
        Ok(())
    }
}

impl EngineerProfile {
    /// Whether the profile can be used (a name is required).
    pub fn is_complete(&self) -> bool {
        !self.name.trim().is_empty()
    }
}
