//! Pairing without a CA: SPAKE2 (symmetric) keyed by the join code, with the TLS exporter of
//! this very connection as the identity, then key confirmation by HMAC. A wrong code or a man in
//! the middle (whose two TLS sessions have different exporters) yields different keys, and the
//! confirmation fails. Pure computation: the transport moves the bytes.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use spake2::{Ed25519Group, Identity, Password, Spake2};

use super::code::JoinCode;
use super::message::Role;

/// Label for `export_keying_material`.
pub const EXPORTER_LABEL: &[u8] = b"EXPORTER-stepwise-pairing-v1";
/// Length of the exporter value and of derived keys.
pub const KEY_BYTES: usize = 32;

type HmacSha256 = Hmac<Sha256>;

/// Why pairing failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PairingError {
    /// The peer's SPAKE2 message is malformed.
    #[error("the pairing message is malformed")]
    BadMessage,
    /// The confirmation did not match: wrong code, or someone in the middle.
    #[error("the code is not right")]
    Mismatch,
}

/// One side's pairing in progress.
pub struct Pairing {
    state: Spake2<Ed25519Group>,
}

impl std::fmt::Debug for Pairing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pairing(…)")
    }
}

/// The key both sides share after pairing.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionKey([u8; KEY_BYTES]);

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey(…)")
    }
}

impl Pairing {
    /// Starts pairing with `code` on a connection whose TLS exporter is `exporter`; returns the
    /// message to send.
    pub fn start(code: &JoinCode, exporter: &[u8]) -> (Self, Vec<u8>) {
        let (state, outbound) =
            Spake2::<Ed25519Group>::start_symmetric(&Password::new(code.digits().as_bytes()), &Identity::new(exporter));
        (Self { state }, outbound)
    }

    /// Finishes with the peer's message; the key still has to be confirmed.
    pub fn finish(self, inbound: &[u8]) -> Result<SessionKey, PairingError> {
        let key = self.state.finish(inbound).map_err(|_| PairingError::BadMessage)?;
        let mut mac = HmacSha256::new_from_slice(&key).map_err(|_| PairingError::BadMessage)?;
        mac.update(b"stepwise session key");
        Ok(SessionKey(mac.finalize().into_bytes().into()))
    }
}

impl SessionKey {
    fn mac(&self, parts: &[&[u8]]) -> HmacSha256 {
        // HMAC accepts keys of any length: this cannot fail for 32 bytes.
        let mut mac = HmacSha256::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        for part in parts {
            mac.update(part);
        }
        mac
    }

    /// The confirmation `role` sends.
    pub fn confirmation(&self, role: Role) -> Vec<u8> {
        let label: &[u8] = match role {
            Role::Engineer => b"confirm engineer",
            Role::User => b"confirm user",
        };
        self.mac(&[label]).finalize().into_bytes().to_vec()
    }

    /// Checks the confirmation the peer (of `peer_role`) sent, in constant time.
    pub fn verify_confirmation(&self, peer_role: Role, confirmation: &[u8]) -> Result<(), PairingError> {
        let label: &[u8] = match peer_role {
            Role::Engineer => b"confirm engineer",
            Role::User => b"confirm user",
        };
        self.mac(&[label]).verify_slice(confirmation).map_err(|_| PairingError::Mismatch)
    }

    /// Token proving knowledge of the key when resuming `session_id`.
    pub fn resume_token(&self, session_id: &[u8; 16]) -> Vec<u8> {
        self.mac(&[b"resume", session_id]).finalize().into_bytes().to_vec()
    }

    /// Checks a resume token in constant time.
    pub fn verify_resume_token(&self, session_id: &[u8; 16], token: &[u8]) -> bool {
        self.mac(&[b"resume", session_id]).verify_slice(token).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(code_a: &str, code_b: &str, exporter_a: &[u8], exporter_b: &[u8]) -> Result<(), PairingError> {
        let (a, msg_a) = Pairing::start(&JoinCode::parse(code_a).unwrap(), exporter_a);
        let (b, msg_b) = Pairing::start(&JoinCode::parse(code_b).unwrap(), exporter_b);
        let key_a = a.finish(&msg_b)?;
        let key_b = b.finish(&msg_a)?;
        key_b.verify_confirmation(Role::User, &key_a.confirmation(Role::User))?;
        key_a.verify_confirmation(Role::Engineer, &key_b.confirmation(Role::Engineer))
    }

    #[test]
    fn same_code_and_exporter_pair() {
        pair("123456789", "123456789", &[7; 32], &[7; 32]).unwrap();
    }

    #[test]
    fn wrong_code_fails() {
        assert_eq!(pair("123456789", "123456780", &[7; 32], &[7; 32]), Err(PairingError::Mismatch));
    }

    #[test]
    fn different_exporters_fail_like_a_man_in_the_middle() {
        assert_eq!(pair("123456789", "123456789", &[7; 32], &[8; 32]), Err(PairingError::Mismatch));
    }

    #[test]
    fn garbage_pake_message_is_an_error_not_a_panic() {
        let (a, _) = Pairing::start(&JoinCode::parse("123456789").unwrap(), &[0; 32]);
        assert_eq!(a.finish(&[1, 2, 3]).unwrap_err(), PairingError::BadMessage);
    }

    #[test]
    fn resume_tokens() {
        let (a, msg_a) = Pairing::start(&JoinCode::parse("111222333").unwrap(), &[1; 32]);
        let (b, msg_b) = Pairing::start(&JoinCode::parse("111222333").unwrap(), &[1; 32]);
        let (key_a, key_b) = (a.finish(&msg_b).unwrap(), b.finish(&msg_a).unwrap());
        let id = [5u8; 16];
        assert!(key_b.verify_resume_token(&id, &key_a.resume_token(&id)));
        assert!(!key_b.verify_resume_token(&[6u8; 16], &key_a.resume_token(&id)));
    }
}
