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
/// and `--advertise` take precedence), and the TURN relay for users who cannot reach it directly.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkSettings {
    /// UDP port for sessions (further concurrent sessions take the next ones); 0 = any free port.
    pub session_port: u16,
    /// Host name or address put in join links; empty = this computer's address.
    pub advertised_host: String,
    /// The TURN server, `turn:host:port`; empty = no relay.
    #[serde(default)]
    pub turn_url: String,
    /// Username for long-term credentials (unused with a shared secret).
    #[serde(default)]
    pub turn_username: String,
    /// The password, or the TURN REST shared secret (never logged).
    #[serde(default)]
    pub turn_secret: String,
    /// `turn_secret` is a TURN REST shared secret (temporary credentials are derived from it).
    #[serde(default)]
    pub turn_shared_secret: bool,
}

impl std::fmt::Debug for NetworkSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The TURN password or secret stays out of logs.
        f.debug_struct("NetworkSettings")
            .field("session_port", &self.session_port)
            .field("advertised_host", &self.advertised_host)
            .field("turn_url", &self.turn_url)
            .field("turn_username", &self.turn_username)
            .field("turn_shared_secret", &self.turn_shared_secret)
            .finish_non_exhaustive()
    }
}

/// Longest host name (DNS), characters.
pub const MAX_HOST_CHARS: usize = 253;

/// Why network settings were refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NetworkSettingsError {
    /// The advertised host is not a host name or address.
    #[error("\"{0}\" is not a host name or address")]
    NotAHost(String),
    /// The relay server is not `turn:host:port`.
    #[error("relay server: {0}")]
    Relay(crate::protocol::turn::TurnUrlError),
}

impl NetworkSettings {
    /// Checks the host: a name or address without spaces, at most 253 characters.
    pub fn validate(&self) -> Result<(), NetworkSettingsError> {
        let host = self.advertised_host.trim();
        if host.chars().count() > MAX_HOST_CHARS || host.chars().any(|ch| ch.is_whitespace() || ch == '/' || ch == '@')
        {
            return Err(NetworkSettingsError::NotAHost(host.to_owned()));
        }
        self.relay_server()?;
        Ok(())
    }

    /// The relay server, if one is set.
    pub fn relay_server(&self) -> Result<Option<crate::protocol::turn::TurnUrl>, NetworkSettingsError> {
        let url = self.turn_url.trim();
        if url.is_empty() {
            return Ok(None);
        }
        crate::protocol::turn::TurnUrl::parse(url).map(Some).map_err(NetworkSettingsError::Relay)
    }
}

impl EngineerProfile {
    /// Whether the profile can be used (a name is required).
    pub fn is_complete(&self) -> bool {
        !self.name.trim().is_empty()
    }
}

/// The team database this console shares its desk through (Settings → "Team database", or
/// `--database` on the command line); none means the local SQLite desk.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamDatabaseSettings {
    /// `postgres://user:password@host:port/database` (or `postgresql://…`).
    pub url: String,
    /// Whether the connection must be encrypted (TLS); off for a server on this machine.
    pub tls: bool,
}

/// Longest accepted team database URL, characters.
pub const MAX_DATABASE_URL_CHARS: usize = 2_000;

/// Why a team database URL was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TeamDatabaseError {
    /// Not a PostgreSQL URL.
    #[error("a team database is written postgres://user:password@host:5432/database")]
    NotPostgres,
    /// Too long, or with spaces or control characters.
    #[error("the team database URL has spaces, control characters or is over 2000 characters")]
    Malformed,
}

impl TeamDatabaseSettings {
    /// Checks the URL's form (the server itself is checked by "Test connection").
    pub fn validate(&self) -> Result<(), TeamDatabaseError> {
        let url = self.url.trim();
        if url.chars().count() > MAX_DATABASE_URL_CHARS || url.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
            return Err(TeamDatabaseError::Malformed);
        }
        let rest = url.strip_prefix("postgres://").or_else(|| url.strip_prefix("postgresql://"));
        match rest {
            Some(rest) if !rest.is_empty() => Ok(()),
            _ => Err(TeamDatabaseError::NotPostgres),
        }
    }

    /// The URL with its password replaced by `***`, for showing and logging.
    pub fn redacted_url(&self) -> String {
        redact_database_url(&self.url)
    }
}

/// `url` with the password of its user part replaced by `***`.
pub fn redact_database_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|at| at + 3) else { return url.to_owned() };
    let authority_end = url[scheme_end..].find(['/', '?']).map_or(url.len(), |at| scheme_end + at);
    let authority = &url[scheme_end..authority_end];
    let Some(at) = authority.rfind('@') else { return url.to_owned() };
    let user_part = &authority[..at];
    match user_part.find(':') {
        Some(colon) => {
            format!("{}{}:***{}", &url[..scheme_end], &user_part[..colon], &url[scheme_end + at..])
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod team_database_tests {
    use super::*;

    #[test]
    fn only_postgres_urls_without_spaces_are_accepted() {
        let settings = |url: &str| TeamDatabaseSettings { url: url.into(), tls: false };
        assert_eq!(settings("postgres://desk@db.example:5432/stepwise").validate(), Ok(()));
        assert_eq!(settings("postgresql://desk@db/stepwise?sslmode=require").validate(), Ok(()));
        assert_eq!(settings("mysql://desk@db/x").validate(), Err(TeamDatabaseError::NotPostgres));
        assert_eq!(settings("postgres://").validate(), Err(TeamDatabaseError::NotPostgres));
        assert_eq!(settings("postgres://a b@db/x").validate(), Err(TeamDatabaseError::Malformed));
        assert_eq!(
            settings(&format!("postgres://{}", "x".repeat(3_000))).validate(),
            Err(TeamDatabaseError::Malformed)
        );
    }

    #[test]
    fn the_password_never_shows() {
        assert_eq!(redact_database_url("postgres://desk:s3cr@t@db:5432/x"), "postgres://desk:***@db:5432/x");
        assert_eq!(redact_database_url("postgres://desk@db/x"), "postgres://desk@db/x");
        assert_eq!(redact_database_url("postgres://db/x?user=a"), "postgres://db/x?user=a");
        assert_eq!(redact_database_url("not a url"), "not a url");
    }
}
