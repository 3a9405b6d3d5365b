//! STUN messages (RFC 8489) as TURN (RFC 8656) uses them, and TURN's ChannelData framing:
//! encoding, and decoding with strict validation (every length checked, nothing trusted,
//! never a panic on what a network sends).

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use hmac::{Hmac, Mac};
use sha1::Sha1;

/// The fixed value in every STUN header.
pub const MAGIC_COOKIE: u32 = 0x2112_A442;
/// Bytes of a STUN header.
pub const HEADER_BYTES: usize = 20;
/// Bytes of a MESSAGE-INTEGRITY attribute's value (HMAC-SHA1).
const INTEGRITY_BYTES: usize = 20;

/// Allocate (RFC 8656 §7).
pub const METHOD_ALLOCATE: u16 = 0x003;
/// Refresh (§8).
pub const METHOD_REFRESH: u16 = 0x004;
/// Send indication (§11).
pub const METHOD_SEND: u16 = 0x006;
/// Data indication (§11).
pub const METHOD_DATA: u16 = 0x007;
/// CreatePermission (§10).
pub const METHOD_CREATE_PERMISSION: u16 = 0x008;
/// ChannelBind (§12).
pub const METHOD_CHANNEL_BIND: u16 = 0x009;

/// USERNAME.
pub const ATTR_USERNAME: u16 = 0x0006;
/// MESSAGE-INTEGRITY.
pub const ATTR_MESSAGE_INTEGRITY: u16 = 0x0008;
/// ERROR-CODE.
pub const ATTR_ERROR_CODE: u16 = 0x0009;
/// CHANNEL-NUMBER.
pub const ATTR_CHANNEL_NUMBER: u16 = 0x000C;
/// LIFETIME.
pub const ATTR_LIFETIME: u16 = 0x000D;
/// XOR-PEER-ADDRESS.
pub const ATTR_XOR_PEER_ADDRESS: u16 = 0x0012;
/// DATA.
pub const ATTR_DATA: u16 = 0x0013;
/// REALM.
pub const ATTR_REALM: u16 = 0x0014;
/// NONCE.
pub const ATTR_NONCE: u16 = 0x0015;
/// XOR-RELAYED-ADDRESS.
pub const ATTR_XOR_RELAYED_ADDRESS: u16 = 0x0016;
/// REQUESTED-TRANSPORT.
pub const ATTR_REQUESTED_TRANSPORT: u16 = 0x0019;
/// XOR-MAPPED-ADDRESS.
pub const ATTR_XOR_MAPPED_ADDRESS: u16 = 0x0020;

/// Lowest TURN channel number.
pub const CHANNEL_MIN: u16 = 0x4000;
/// Highest TURN channel number (RFC 8656 §12).
pub const CHANNEL_MAX: u16 = 0x4FFF;

/// What kind of STUN message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// A request (wants a response).
    Request,
    /// An indication (no response).
    Indication,
    /// A success response.
    Success,
    /// An error response.
    Error,
}

impl Class {
    fn bits(self) -> u16 {
        match self {
            Self::Request => 0b00,
            Self::Indication => 0b01,
            Self::Success => 0b10,
            Self::Error => 0b11,
        }
    }

    fn from_bits(bits: u16) -> Self {
        match bits & 0b11 {
            0b00 => Self::Request,
            0b01 => Self::Indication,
            0b10 => Self::Success,
            _ => Self::Error,
        }
    }
}

/// Why bytes are not a valid STUN message or ChannelData frame.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StunError {
    /// Shorter than its header or its declared length.
    #[error("truncated STUN message")]
    Truncated,
    /// Not STUN: wrong leading bits or magic cookie, or a length not a multiple of four.
    #[error("not a STUN message")]
    NotStun,
    /// An attribute runs past the end of the message.
    #[error("a STUN attribute runs past the end")]
    BadAttribute,
    /// An attribute's value has the wrong size or an unknown address family.
    #[error("a STUN attribute {0:#06x} is malformed")]
    Malformed(u16),
    /// MESSAGE-INTEGRITY does not match.
    #[error("the message integrity check failed")]
    Integrity,
    /// A ChannelData frame with a channel number out of range or a bad length.
    #[error("malformed ChannelData")]
    ChannelData,
}

/// A parsed STUN message: its attributes stay raw until asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The method (e.g. [`METHOD_ALLOCATE`]).
    pub method: u16,
    /// Request, indication or response.
    pub class: Class,
    /// The transaction id.
    pub transaction: [u8; 12],
    /// Attributes in order: type and value (without padding).
    pub attributes: Vec<(u16, Vec<u8>)>,
    /// Where MESSAGE-INTEGRITY starts (bytes from the start), if present.
    integrity_at: Option<usize>,
    /// The whole message as received (for the integrity check).
    raw: Vec<u8>,
}

/// Whether `bytes` look like STUN (first two bits zero and the magic cookie).
pub fn is_stun(bytes: &[u8]) -> bool {
    bytes.len() >= HEADER_BYTES
        && bytes[0] & 0xC0 == 0
        && bytes.get(4..8).is_some_and(|cookie| cookie == MAGIC_COOKIE.to_be_bytes())
}

fn read_u16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

impl Message {
    /// Decodes and validates one STUN message (header, lengths, attribute layout).
    pub fn decode(bytes: &[u8]) -> Result<Self, StunError> {
        if bytes.len() < HEADER_BYTES {
            return Err(StunError::Truncated);
        }
        if !is_stun(bytes) {
            return Err(StunError::NotStun);
        }
        let kind = read_u16(bytes, 0).ok_or(StunError::Truncated)?;
        let length = usize::from(read_u16(bytes, 2).ok_or(StunError::Truncated)?);
        if length % 4 != 0 {
            return Err(StunError::NotStun);
        }
        let end = HEADER_BYTES + length;
        let body = bytes.get(HEADER_BYTES..end).ok_or(StunError::Truncated)?;
        let method = (kind & 0x000F) | ((kind >> 1) & 0x0070) | ((kind >> 2) & 0x0F80);
        let class = Class::from_bits(((kind >> 4) & 1) | ((kind >> 7) & 2));
        let mut transaction = [0u8; 12];
        transaction.copy_from_slice(&bytes[8..HEADER_BYTES]);
        let mut attributes = Vec::new();
        let mut integrity_at = None;
        let mut at = 0usize;
        while at < body.len() {
            let kind = read_u16(body, at).ok_or(StunError::BadAttribute)?;
            let size = usize::from(read_u16(body, at + 2).ok_or(StunError::BadAttribute)?);
            let value = body.get(at + 4..at + 4 + size).ok_or(StunError::BadAttribute)?;
            let padded = size.div_ceil(4) * 4;
            if at + 4 + padded > body.len() {
                return Err(StunError::BadAttribute);
            }
            if integrity_at.is_some() && kind != 0x8028 {
                // Only FINGERPRINT may follow MESSAGE-INTEGRITY; anything else is ignored (§14.5).
                at += 4 + padded;
                continue;
            }
            if kind == ATTR_MESSAGE_INTEGRITY {
                if size != INTEGRITY_BYTES {
                    return Err(StunError::Malformed(kind));
                }
                integrity_at = Some(HEADER_BYTES + at);
            }
            attributes.push((kind, value.to_vec()));
            at += 4 + padded;
        }
        Ok(Self { method, class, transaction, attributes, integrity_at, raw: bytes[..end].to_vec() })
    }

    /// The first value of attribute `kind`.
    pub fn attribute(&self, kind: u16) -> Option<&[u8]> {
        self.attributes.iter().find(|(k, _)| *k == kind).map(|(_, value)| value.as_slice())
    }

    /// An XOR-…-ADDRESS attribute, decoded.
    pub fn xor_address(&self, kind: u16) -> Result<Option<SocketAddr>, StunError> {
        self.attribute(kind).map(|value| decode_xor_address(value, &self.transaction, kind)).transpose()
    }

    /// ERROR-CODE: the number (e.g. 401) and the reason phrase.
    pub fn error_code(&self) -> Option<(u16, String)> {
        let value = self.attribute(ATTR_ERROR_CODE)?;
        let class = u16::from(*value.get(2)? & 0x07);
        let number = u16::from(*value.get(3)?);
        if !(3..=6).contains(&class) || number > 99 {
            return None;
        }
        let reason = String::from_utf8_lossy(value.get(4..).unwrap_or_default()).chars().take(128).collect();
        Some((class * 100 + number, reason))
    }

    /// LIFETIME, seconds.
    pub fn lifetime_s(&self) -> Option<u32> {
        Some(u32::from_be_bytes(self.attribute(ATTR_LIFETIME)?.try_into().ok()?))
    }

    /// A text attribute (REALM, NONCE), at most 763 bytes as the RFC allows.
    pub fn text(&self, kind: u16) -> Option<String> {
        let value = self.attribute(kind)?;
        (value.len() <= 763).then(|| String::from_utf8(value.to_vec()).ok()).flatten()
    }

    /// Checks MESSAGE-INTEGRITY with `key`; a message without it fails.
    pub fn verify_integrity(&self, key: &[u8]) -> Result<(), StunError> {
        let at = self.integrity_at.ok_or(StunError::Integrity)?;
        let expected = self.raw.get(at + 4..at + 4 + INTEGRITY_BYTES).ok_or(StunError::Integrity)?;
        let mut covered = self.raw.get(..at).ok_or(StunError::Integrity)?.to_vec();
        let length = u16::try_from(at + 4 + INTEGRITY_BYTES - HEADER_BYTES).map_err(|_| StunError::Integrity)?;
        covered[2..4].copy_from_slice(&length.to_be_bytes());
        let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(key).map_err(|_| StunError::Integrity)?;
        mac.update(&covered);
        mac.verify_slice(expected).map_err(|_| StunError::Integrity)
    }
}

/// Builds one STUN message.
#[derive(Clone, Debug)]
pub struct Builder {
    bytes: Vec<u8>,
    transaction: [u8; 12],
}

impl Builder {
    /// Starts a message of `method` and `class` with `transaction`.
    pub fn new(method: u16, class: Class, transaction: [u8; 12]) -> Self {
        let bits = class.bits();
        let kind = (method & 0x000F)
            | ((method & 0x0070) << 1)
            | ((method & 0x0F80) << 2)
            | ((bits & 1) << 4)
            | ((bits & 2) << 7);
        let mut bytes = Vec::with_capacity(128);
        bytes.extend_from_slice(&kind.to_be_bytes());
        bytes.extend_from_slice(&0u16.to_be_bytes());
        bytes.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
        bytes.extend_from_slice(&transaction);
        Self { bytes, transaction }
    }

    /// Adds an attribute (padded to four bytes). Values longer than 65 535 bytes are cut.
    pub fn attribute(mut self, kind: u16, value: &[u8]) -> Self {
        let value = &value[..value.len().min(usize::from(u16::MAX))];
        self.bytes.extend_from_slice(&kind.to_be_bytes());
        self.bytes.extend_from_slice(&(value.len() as u16).to_be_bytes());
        self.bytes.extend_from_slice(value);
        self.bytes.resize(self.bytes.len().div_ceil(4) * 4, 0);
        self.set_length(self.bytes.len() - HEADER_BYTES);
        self
    }

    /// Adds an XOR-…-ADDRESS attribute.
    pub fn xor_address(self, kind: u16, address: SocketAddr) -> Self {
        let value = encode_xor_address(address, &self.transaction);
        self.attribute(kind, &value)
    }

    fn set_length(&mut self, length: usize) {
        let length = u16::try_from(length).unwrap_or(u16::MAX);
        self.bytes[2..4].copy_from_slice(&length.to_be_bytes());
    }

    /// Ends the message with MESSAGE-INTEGRITY computed with `key`.
    pub fn finish_with_integrity(mut self, key: &[u8]) -> Vec<u8> {
        self.set_length(self.bytes.len() + 4 + INTEGRITY_BYTES - HEADER_BYTES);
        let digest = match <Hmac<Sha1> as Mac>::new_from_slice(key) {
            Ok(mut mac) => {
                mac.update(&self.bytes);
                mac.finalize().into_bytes().to_vec()
            }
            Err(_) => vec![0; INTEGRITY_BYTES],
        };
        self.bytes.extend_from_slice(&ATTR_MESSAGE_INTEGRITY.to_be_bytes());
        self.bytes.extend_from_slice(&(INTEGRITY_BYTES as u16).to_be_bytes());
        self.bytes.extend_from_slice(&digest);
        self.bytes
    }

    /// Ends the message without integrity.
    pub fn finish(self) -> Vec<u8> {
        self.bytes
    }
}

fn encode_xor_address(address: SocketAddr, transaction: &[u8; 12]) -> Vec<u8> {
    let port = address.port() ^ (MAGIC_COOKIE >> 16) as u16;
    let mut out = vec![0u8];
    match address.ip() {
        IpAddr::V4(ip) => {
            out.push(0x01);
            out.extend_from_slice(&port.to_be_bytes());
            out.extend_from_slice(&(u32::from(ip) ^ MAGIC_COOKIE).to_be_bytes());
        }
        IpAddr::V6(ip) => {
            out.push(0x02);
            out.extend_from_slice(&port.to_be_bytes());
            let mut mask = [0u8; 16];
            mask[..4].copy_from_slice(&MAGIC_COOKIE.to_be_bytes());
            mask[4..].copy_from_slice(transaction);
            out.extend(ip.octets().iter().zip(mask).map(|(a, b)| a ^ b));
        }
    }
    out
}

fn decode_xor_address(value: &[u8], transaction: &[u8; 12], kind: u16) -> Result<SocketAddr, StunError> {
    let bad = StunError::Malformed(kind);
    let family = *value.get(1).ok_or(bad.clone())?;
    let port = read_u16(value, 2).ok_or(bad.clone())? ^ (MAGIC_COOKIE >> 16) as u16;
    match (family, value.len()) {
        (0x01, 8) => {
            let raw = u32::from_be_bytes(value[4..8].try_into().map_err(|_| bad.clone())?);
            Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::from(raw ^ MAGIC_COOKIE)), port))
        }
        (0x02, 20) => {
            let mut mask = [0u8; 16];
            mask[..4].copy_from_slice(&MAGIC_COOKIE.to_be_bytes());
            mask[4..].copy_from_slice(transaction);
            let mut octets = [0u8; 16];
            for (index, octet) in octets.iter_mut().enumerate() {
                *octet = value[4 + index] ^ mask[index];
            }
            Ok(SocketAddr::new(IpAddr::V6(Ipv6Addr::from(octets)), port))
        }
        _ => Err(bad),
    }
}

/// Frames `data` as ChannelData on `channel` (padded to four bytes, as over UDP is allowed).
pub fn encode_channel_data(channel: u16, data: &[u8]) -> Option<Vec<u8>> {
    let length = u16::try_from(data.len()).ok()?;
    let mut out = Vec::with_capacity(4 + data.len().div_ceil(4) * 4);
    out.extend_from_slice(&channel.to_be_bytes());
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(data);
    out.resize(out.capacity(), 0);
    Some(out)
}

/// Reads a ChannelData frame: its channel and payload.
pub fn decode_channel_data(bytes: &[u8]) -> Result<(u16, &[u8]), StunError> {
    let channel = read_u16(bytes, 0).ok_or(StunError::ChannelData)?;
    let length = usize::from(read_u16(bytes, 2).ok_or(StunError::ChannelData)?);
    if !(CHANNEL_MIN..=CHANNEL_MAX).contains(&channel) {
        return Err(StunError::ChannelData);
    }
    bytes.get(4..4 + length).map(|data| (channel, data)).ok_or(StunError::ChannelData)
}
