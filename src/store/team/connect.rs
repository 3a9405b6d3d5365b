//! Connecting to the team database: the URL, TLS on or off, timeouts.

use std::str::FromStr;
use std::sync::Arc;

use super::{CONNECT_TIMEOUT, classify};
use crate::store::{StoreError, StoreResult};

/// Whether the link to the team database is encrypted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain TCP or a Unix socket (a server on the same machine or a trusted network).
    #[default]
    Off,
    /// TLS required, the server's certificate checked against the system's trusted roots.
    Required,
}

/// Where the team database is and how to reach it.
#[derive(Clone, PartialEq, Eq)]
pub struct TeamConfig {
    /// `postgres://user:password@host:5432/database` (or `host=… dbname=…` key/value form).
    pub url: String,
    /// TLS on or off.
    pub tls: TlsMode,
}

impl std::fmt::Debug for TeamConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TeamConfig").field("url", &self.redacted()).field("tls", &self.tls).finish()
    }
}

impl TeamConfig {
    /// A configuration for `url`; TLS follows the URL's `sslmode` (`require`, `verify-ca` and
    /// `verify-full` turn it on).
    pub fn new(url: &str) -> Self {
        let wants_tls =
            ["sslmode=require", "sslmode=verify-ca", "sslmode=verify-full"].iter().any(|mode| url.contains(mode));
        TeamConfig { url: url.trim().to_owned(), tls: if wants_tls { TlsMode::Required } else { TlsMode::Off } }
    }

    /// The URL with its password hidden, for logs and messages.
    pub fn redacted(&self) -> String {
        // A password given as a parameter (key/value form or `?password=`) hides the whole text.
        if self.url.contains("password=") {
            return "(settings with a password)".to_owned();
        }
        crate::model::redact_database_url(&self.url)
    }

    /// The parsed client settings (application name and connect timeout set).
    pub(crate) fn client_config(&self) -> StoreResult<postgres::Config> {
        let mut config = postgres::Config::from_str(&self.url)
            .map_err(|err| StoreError::TeamConnect(format!("the database URL is not usable: {err}")))?;
        config.application_name("stepwise");
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.keepalives(true);
        Ok(config)
    }

    /// Opens one connection. An unreachable server is [`StoreError::ConnectionLost`]; a refused
    /// sign-in or TLS setting is [`StoreError::TeamConnect`].
    pub(crate) fn connect(&self) -> StoreResult<postgres::Client> {
        let mut config = self.client_config()?;
        let connected = match self.tls {
            TlsMode::Off => {
                config.ssl_mode(postgres::config::SslMode::Disable);
                config.connect(postgres::NoTls)
            }
            TlsMode::Required => {
                config.ssl_mode(postgres::config::SslMode::Require);
                config.connect(tls_connector()?)
            }
        };
        connected.map_err(|err| match classify(err) {
            StoreError::Postgres(message) => StoreError::TeamConnect(message),
            other => other,
        })
    }
}

/// A rustls connector trusting the system's root certificates.
fn tls_connector() -> StoreResult<tokio_postgres_rustls::MakeRustlsConnect> {
    let mut roots = rustls::RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    for cert in found.certs {
        // A certificate the system lists but rustls cannot parse is skipped, as browsers do.
        let _ = roots.add(cert);
    }
    if roots.is_empty() {
        return Err(StoreError::TeamConnect("no trusted root certificates were found on this system".into()));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| StoreError::TeamConnect(format!("TLS setup failed: {err}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}
