//! Wire framing of protocol messages: each message is
//! `[encoding version: u8][length: u32 big-endian][postcard body]`.
//! The decoder takes bytes as they arrive, enforces a hard size limit before allocating, and
//! never panics on any input.

use serde::{Serialize, de::DeserializeOwned};

/// Version of the framing and body encoding.
pub const ENCODING_VERSION: u8 = 1;
/// Hard limit of one control-stream message body.
pub const MAX_CONTROL_MESSAGE_BYTES: usize = 64 * 1024;
const HEADER_BYTES: usize = 5;

/// Why bytes could not be decoded. Any of these closes the session.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The frame announces an encoding this build does not know.
    #[error("unknown message encoding version {0}")]
    UnknownVersion(u8),
    /// The frame is larger than allowed.
    #[error("message of {size_bytes} bytes exceeds the limit of {max_bytes}")]
    Oversized {
        /// Announced size.
        size_bytes: usize,
        /// The limit.
        max_bytes: usize,
    },
    /// The body is not a valid message.
    #[error("malformed message: {0}")]
    Malformed(String),
}

/// Why a message could not be encoded. Nothing from the peer causes this: it is a message this
/// side built that the wire encoding cannot carry.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// The message could not be serialised.
    #[error("cannot encode the message: {0}")]
    Unserializable(String),
    /// The encoded body does not fit the frame's length field.
    #[error("encoded message of {size_bytes} bytes does not fit a frame")]
    TooLarge {
        /// Size of the encoded body.
        size_bytes: usize,
    },
}

/// Encodes one message as a frame.
pub fn encode_frame<T: Serialize>(message: &T) -> Result<Vec<u8>, EncodeError> {
    let body = postcard::to_stdvec(message).map_err(|err| EncodeError::Unserializable(err.to_string()))?;
    let length = u32::try_from(body.len()).map_err(|_| EncodeError::TooLarge { size_bytes: body.len() })?;
    let mut frame = Vec::with_capacity(HEADER_BYTES + body.len());
    frame.push(ENCODING_VERSION);
    frame.extend_from_slice(&length.to_be_bytes());
    frame.extend_from_slice(&body);
    Ok(frame)
}

/// Collects bytes from a stream and yields whole messages.
#[derive(Debug)]
pub struct FrameDecoder {
    buffer: Vec<u8>,
    max_bytes: usize,
    failed: bool,
}

impl FrameDecoder {
    /// A decoder refusing bodies over `max_bytes`.
    pub fn new(max_bytes: usize) -> Self {
        Self { buffer: Vec::new(), max_bytes, failed: false }
    }

    /// Adds received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        if !self.failed {
            self.buffer.extend_from_slice(bytes);
        }
    }

    /// The next complete message, `Ok(None)` if more bytes are needed. After an error the decoder
    /// stays failed: the stream is no longer trusted.
    pub fn next_message<T: DeserializeOwned>(&mut self) -> Result<Option<T>, DecodeError> {
        if self.failed {
            return Err(DecodeError::Malformed("the stream already failed".into()));
        }
        let result = self.try_next();
        if result.is_err() {
            self.failed = true;
            self.buffer = Vec::new();
        }
        result
    }

    fn try_next<T: DeserializeOwned>(&mut self) -> Result<Option<T>, DecodeError> {
        let Some(header) = self.buffer.get(..HEADER_BYTES) else { return Ok(None) };
        if header[0] != ENCODING_VERSION {
            return Err(DecodeError::UnknownVersion(header[0]));
        }
        let size_bytes = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
        if size_bytes > self.max_bytes {
            return Err(DecodeError::Oversized { size_bytes, max_bytes: self.max_bytes });
        }
        let Some(body) = self.buffer.get(HEADER_BYTES..HEADER_BYTES + size_bytes) else { return Ok(None) };
        let (message, rest) =
            postcard::take_from_bytes::<T>(body).map_err(|err| DecodeError::Malformed(err.to_string()))?;
        if !rest.is_empty() {
            return Err(DecodeError::Malformed(format!("{} trailing bytes", rest.len())));
        }
        self.buffer.drain(..HEADER_BYTES + size_bytes);
        Ok(Some(message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::message::{ConsentRequest, Message, Scopes};
    use proptest::prelude::*;

    fn sample() -> Message {
        Message::ConsentRequest(ConsentRequest {
            engineer_name: "陈伟".into(),
            team: "IT".into(),
            ticket_number: "T-20261125-0001".into(),
            ticket_title: "打印机脱机".into(),
            purpose: "Check the printer queue".into(),
            suggested: Scopes::default(),
        })
    }

    #[test]
    fn round_trip_byte_by_byte() {
        let frame = encode_frame(&sample()).unwrap();
        let mut decoder = FrameDecoder::new(MAX_CONTROL_MESSAGE_BYTES);
        for (index, byte) in frame.iter().enumerate() {
            decoder.push(&[*byte]);
            let next: Option<Message> = decoder.next_message().unwrap();
            assert_eq!(next.is_some(), index == frame.len() - 1);
            if let Some(message) = next {
                assert_eq!(message, sample());
            }
        }
    }

    /// A value whose serialisation fails, as a message the encoding cannot carry would.
    struct Unencodable;

    impl Serialize for Unencodable {
        fn serialize<S: serde::Serializer>(&self, _serializer: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("cannot be written"))
        }
    }

    #[test]
    fn an_encoding_failure_is_an_encode_error_not_a_decode_error() {
        let error = encode_frame(&Unencodable).unwrap_err();
        assert!(matches!(error, EncodeError::Unserializable(_)), "{error:?}");
        assert!(error.to_string().starts_with("cannot encode"), "{error}");
    }

    #[test]
    fn oversized_unknown_and_malformed_are_errors() {
        let mut decoder = FrameDecoder::new(16);
        decoder.push(&[ENCODING_VERSION, 0, 1, 0, 0]);
        assert!(matches!(decoder.next_message::<Message>(), Err(DecodeError::Oversized { size_bytes: 65_536, .. })));
        let mut decoder = FrameDecoder::new(16);
        decoder.push(&[9, 0, 0, 0, 0]);
        assert_eq!(decoder.next_message::<Message>(), Err(DecodeError::UnknownVersion(9)));
        let mut decoder = FrameDecoder::new(16);
        decoder.push(&[ENCODING_VERSION, 0, 0, 0, 2, 0xff, 0xff]);
        assert!(matches!(decoder.next_message::<Message>(), Err(DecodeError::Malformed(_))));
        assert!(decoder.next_message::<Message>().is_err(), "a failed stream stays failed");
    }

    proptest! {
        #[test]
        fn decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut decoder = FrameDecoder::new(MAX_CONTROL_MESSAGE_BYTES);
            decoder.push(&bytes);
            for _ in 0..8 {
                if !matches!(decoder.next_message::<Message>(), Ok(Some(_))) {
                    break;
                }
            }
        }

        #[test]
        fn decoder_never_panics_on_valid_headers(kind in 0u8..16, body in proptest::collection::vec(any::<u8>(), 0..256)) {
            let mut frame = vec![ENCODING_VERSION];
            frame.extend_from_slice(&((body.len() + 1) as u32).to_be_bytes());
            frame.push(kind);
            frame.extend_from_slice(&body);
            let mut decoder = FrameDecoder::new(MAX_CONTROL_MESSAGE_BYTES);
            decoder.push(&frame);
            let _ = decoder.next_message::<Message>();
        }
    }
}
