//! The reliable control stream: one bidirectional QUIC stream opened by the user side, carrying
//! length-prefixed protocol messages (see `protocol::framing`).

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::protocol::{DecodeError, FrameDecoder, MAX_CONTROL_MESSAGE_BYTES, encode_frame};

use super::TransportError;

/// Bytes asked of QUIC per read.
const READ_CHUNK_BYTES: usize = 16 * 1024;

/// One side of the control stream.
#[derive(Debug)]
pub struct ControlStream {
    send: quinn::SendStream,
    recv: quinn::RecvStream,
    decoder: FrameDecoder,
}

/// What one read brought.
#[derive(Debug)]
pub enum Inbound<T> {
    /// A whole message.
    Message(T),
    /// The peer's bytes are not a valid message: the session ends with this reason.
    Invalid(DecodeError),
    /// The stream or connection is gone.
    Closed(String),
}

impl ControlStream {
    /// Wraps an opened or accepted stream pair.
    pub fn new(send: quinn::SendStream, recv: quinn::RecvStream) -> Self {
        Self { send, recv, decoder: FrameDecoder::new(MAX_CONTROL_MESSAGE_BYTES) }
    }

    /// Sends one message.
    pub async fn write<T: Serialize>(&mut self, message: &T) -> Result<(), TransportError> {
        let frame = encode_frame(message).map_err(|err| TransportError::Protocol(err.to_string()))?;
        self.send.write_all(&frame).await.map_err(|err| TransportError::ConnectionLost(err.to_string()))
    }

    /// Sends raw bytes (tests use this to send garbage).
    pub async fn write_raw(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        self.send.write_all(bytes).await.map_err(|err| TransportError::ConnectionLost(err.to_string()))
    }

    /// The next message. Cancel-safe: bytes already read stay in the decoder.
    pub async fn read<T: DeserializeOwned>(&mut self) -> Inbound<T> {
        loop {
            match self.decoder.next_message::<T>() {
                Ok(Some(message)) => return Inbound::Message(message),
                Ok(None) => {}
                Err(err) => return Inbound::Invalid(err),
            }
            match self.recv.read_chunk(READ_CHUNK_BYTES, true).await {
                Ok(Some(chunk)) => self.decoder.push(&chunk.bytes),
                Ok(None) => return Inbound::Closed("the peer closed the control stream".into()),
                Err(err) => return Inbound::Closed(err.to_string()),
            }
        }
    }

    /// Sets the send priority (higher goes first; screen streams use 0).
    pub fn set_priority(&self, priority: i32) -> Result<(), TransportError> {
        self.send.set_priority(priority).map_err(|err| TransportError::ConnectionLost(err.to_string()))
    }

    /// Finishes the sending side (the peer sees the end of the stream).
    pub fn finish(&mut self) {
        let _ = self.send.finish();
    }
}
