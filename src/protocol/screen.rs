//! The envelope of one screen update on its stream: when it was captured and how many frames the
//! sender skipped before it, then the codec's bytes. Fixed layout, checked on the way in.

/// Version of the envelope.
pub const SCREEN_ENVELOPE_VERSION: u8 = 1;
/// Bytes before the codec payload.
pub const SCREEN_HEADER_BYTES: usize = 1 + 8 + 4;

/// What travels with each screen update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScreenHeader {
    /// When the frame was captured, unix ms (sender's clock).
    pub captured_at_ms: i64,
    /// Frames the sender skipped since the previous update (link busy).
    pub skipped_frames: u32,
}

/// Why an envelope was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScreenEnvelopeError {
    /// Shorter than the header.
    #[error("screen update of {0} bytes is too short")]
    TooShort(usize),
    /// Unknown envelope version.
    #[error("unknown screen update version {0}")]
    UnknownVersion(u8),
}

/// Header followed by the codec payload.
pub fn wrap_screen_update(header: ScreenHeader, payload: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(SCREEN_HEADER_BYTES + payload.len());
    bytes.push(SCREEN_ENVELOPE_VERSION);
    bytes.extend_from_slice(&header.captured_at_ms.to_be_bytes());
    bytes.extend_from_slice(&header.skipped_frames.to_be_bytes());
    bytes.extend_from_slice(payload);
    bytes
}

/// Splits an update into its header and codec payload.
pub fn unwrap_screen_update(bytes: &[u8]) -> Result<(ScreenHeader, &[u8]), ScreenEnvelopeError> {
    let Some((head, payload)) = bytes.split_at_checked(SCREEN_HEADER_BYTES) else {
        return Err(ScreenEnvelopeError::TooShort(bytes.len()));
    };
    let [version, at @ .., s0, s1, s2, s3] = head else { return Err(ScreenEnvelopeError::TooShort(bytes.len())) };
    if *version != SCREEN_ENVELOPE_VERSION {
        return Err(ScreenEnvelopeError::UnknownVersion(*version));
    }
    let captured_at_ms =
        i64::from_be_bytes(<[u8; 8]>::try_from(at).map_err(|_| ScreenEnvelopeError::TooShort(bytes.len()))?);
    Ok((ScreenHeader { captured_at_ms, skipped_frames: u32::from_be_bytes([*s0, *s1, *s2, *s3]) }, payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let header = ScreenHeader { captured_at_ms: 1_795_000_000_123, skipped_frames: 7 };
        let bytes = wrap_screen_update(header, b"tiles");
        assert_eq!(unwrap_screen_update(&bytes), Ok((header, &b"tiles"[..])));
        assert_eq!(unwrap_screen_update(&bytes[..5]), Err(ScreenEnvelopeError::TooShort(5)));
        let mut wrong = bytes.clone();
        wrong[0] = 9;
        assert_eq!(unwrap_screen_update(&wrong), Err(ScreenEnvelopeError::UnknownVersion(9)));
    }
}
