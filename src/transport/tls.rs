//! TLS without a CA: a fresh self-signed certificate per session on the engineer's side, and on
//! the user's side a verifier that checks the handshake signature against whatever certificate the
//! engineer presents (pairing proves who it is) or, when reconnecting, only the pinned one.

use std::sync::Arc;
use std::time::Duration;

use quinn::crypto::rustls::{QuicClientConfig, QuicServerConfig};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};

use super::TransportError;

/// The name in every session certificate and the one the user side asks for.
pub const SERVER_NAME: &str = "stepwise.session";
/// ALPN protocol id of the session protocol.
pub const ALPN: &[u8] = b"stepwise/1";

/// SHA-256 of a certificate (DER).
pub type Fingerprint = [u8; 32];

/// Fingerprint of a DER certificate.
pub fn fingerprint(cert: &[u8]) -> Fingerprint {
    Sha256::digest(cert).into()
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// QUIC settings shared by both sides (CUBIC).
pub fn transport_config(
    keep_alive: Duration,
    idle_timeout: Duration,
) -> Result<quinn::TransportConfig, TransportError> {
    transport_config_with(keep_alive, idle_timeout, super::Congestion::Cubic)
}

/// QUIC settings with a chosen congestion controller.
pub fn transport_config_with(
    keep_alive: Duration,
    idle_timeout: Duration,
    congestion: super::Congestion,
) -> Result<quinn::TransportConfig, TransportError> {
    let mut config = quinn::TransportConfig::default();
    match congestion {
        super::Congestion::Screen => {
            config.congestion_controller_factory(Arc::new(super::congestion::ScreenControllerConfig));
        }
        super::Congestion::Bbr => {
            config.congestion_controller_factory(Arc::new(quinn::congestion::BbrConfig::default()));
        }
        super::Congestion::Cubic => {}
    }
    config.keep_alive_interval(Some(keep_alive));
    let idle = quinn::IdleTimeout::try_from(idle_timeout)
        .map_err(|err| TransportError::Setup(format!("idle timeout {idle_timeout:?}: {err}")))?;
    config.max_idle_timeout(Some(idle));
    Ok(config)
}

/// Server side: a fresh certificate and the QUIC server configuration using it. 0-RTT stays off
/// (rustls' default of no early data).
pub fn server_config(transport: quinn::TransportConfig) -> Result<(quinn::ServerConfig, Fingerprint), TransportError> {
    let certified = rcgen::generate_simple_self_signed(vec![SERVER_NAME.to_owned()])
        .map_err(|err| TransportError::Setup(format!("cannot make a certificate: {err}")))?;
    let cert_der: CertificateDer<'static> = certified.cert.der().clone();
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der()));
    let pin = fingerprint(&cert_der);
    let mut tls = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|err| TransportError::Setup(err.to_string()))?
        .with_no_client_auth()
        .with_single_cert(vec![cert_der], key_der)
        .map_err(|err| TransportError::Setup(format!("certificate refused: {err}")))?;
    tls.alpn_protocols = vec![ALPN.to_vec()];
    tls.max_early_data_size = 0;
    let crypto = QuicServerConfig::try_from(tls).map_err(|err| TransportError::Setup(err.to_string()))?;
    let mut config = quinn::ServerConfig::with_crypto(Arc::new(crypto));
    config.transport_config(Arc::new(transport));
    Ok((config, pin))
}

/// Client side: accepts any certificate whose handshake signature is valid (`pin: None`, first
/// contact) or only the pinned one (reconnect).
pub fn client_config(
    transport: quinn::TransportConfig,
    pin: Option<Fingerprint>,
) -> Result<quinn::ClientConfig, TransportError> {
    let provider = provider();
    let verifier = Arc::new(SessionCertVerifier { pin, algorithms: provider.signature_verification_algorithms });
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|err| TransportError::Setup(err.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    tls.alpn_protocols = vec![ALPN.to_vec()];
    tls.enable_early_data = false;
    let crypto = QuicClientConfig::try_from(tls).map_err(|err| TransportError::Setup(err.to_string()))?;
    let mut config = quinn::ClientConfig::new(Arc::new(crypto));
    config.transport_config(Arc::new(transport));
    Ok(config)
}

/// The certificate the peer presented on `connection`, as a fingerprint.
pub fn peer_fingerprint(connection: &quinn::Connection) -> Option<Fingerprint> {
    let identity = connection.peer_identity()?;
    let certs = identity.downcast::<Vec<CertificateDer<'static>>>().ok()?;
    certs.first().map(|cert| fingerprint(cert))
}

/// See the module docs: identity comes from pairing, not from a CA.
#[derive(Debug)]
struct SessionCertVerifier {
    pin: Option<Fingerprint>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for SessionCertVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.pin {
            Some(pin) if pin != fingerprint(end_entity) => {
                Err(rustls::Error::InvalidCertificate(rustls::CertificateError::ApplicationVerificationFailure))
            }
            _ => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
