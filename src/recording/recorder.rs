//! The recorder: what the engineer's side received, written as it arrived, plus keyframes made
//! from its own decoded picture (so recording costs the user no bandwidth), cursor positions,
//! transcript events and gaps, on one clock.
//!
//! It decodes every update it is shown, recording or not, so that when recording resumes after
//! a gap it can write the picture at that moment as a keyframe and the sender's next delta
//! applies on it. Only while recording is anything written.

use std::path::Path;

use super::format::{GapReason, RecordKind, RecordingHeader};
use super::writer::{RecordingWriter, SealedRecording};
use super::{RecordedEvent, RecordingError};
use crate::codec::{Decoder, Encoder, EncoderConfig};

/// When the recorder makes a keyframe of its own: once the bytes since the last keyframe reach
/// that keyframe's size, but not sooner than `min_interval_ms` after it; and whatever the bytes,
/// once `max_interval_ms` have passed with something changed, so a seek never replays more than
/// that. A resize needs nothing here: the sender's update after a resize is itself a keyframe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyframePolicy {
    /// Fewest ms between two keyframes made for size.
    pub min_interval_ms: u64,
    /// Most ms between keyframes while the picture changes.
    pub max_interval_ms: u64,
}

impl Default for KeyframePolicy {
    fn default() -> Self {
        Self { min_interval_ms: 5_000, max_interval_ms: 60_000 }
    }
}

impl KeyframePolicy {
    /// Whether a keyframe is due at `t_ms`, given the last keyframe's time and size and the
    /// update bytes written since.
    pub fn due(&self, t_ms: u64, last_keyframe: Option<(u64, u64)>, bytes_since: u64) -> bool {
        let Some((keyframe_t_ms, keyframe_bytes)) = last_keyframe else { return true };
        if bytes_since == 0 {
            return false;
        }
        let elapsed_ms = t_ms.saturating_sub(keyframe_t_ms);
        (elapsed_ms >= self.min_interval_ms && bytes_since >= keyframe_bytes) || elapsed_ms >= self.max_interval_ms
    }
}

/// Records one session into one file.
pub struct Recorder {
    writer: Option<RecordingWriter>,
    started_at_ms: i64,
    policy: KeyframePolicy,
    decoder: Decoder,
    encoder: Encoder,
    /// Whether records are written now (the record scope is in force and sharing runs).
    recording: bool,
    /// The file has no picture the next delta could apply on.
    needs_keyframe: bool,
    /// The last keyframe written: time and size.
    last_keyframe: Option<(u64, u64)>,
    /// Update bytes written since the last keyframe.
    bytes_since_keyframe: u64,
    /// Update bytes received while recording (what the stream cost).
    streamed_bytes: u64,
    /// The sequence number of the decoder's picture.
    picture_seq: u64,
    /// The file as sealed after a write failed, for [`Recorder::finish`].
    sealed_early: Option<SealedRecording>,
}

impl Recorder {
    /// Creates the file and starts recording at `now_ms` (unix ms; the header's start time).
    /// Refuses to start when the disk has less than `floor_bytes` free.
    pub fn start(
        path: &Path,
        header: RecordingHeader,
        floor_bytes: u64,
        policy: KeyframePolicy,
    ) -> Result<Self, RecordingError> {
        let writer = RecordingWriter::create(path, &header, floor_bytes)?;
        Ok(Self {
            writer: Some(writer),
            started_at_ms: header.started_at_ms,
            policy,
            decoder: Decoder::new(),
            encoder: Encoder::new(EncoderConfig::default()),
            recording: true,
            needs_keyframe: true,
            last_keyframe: None,
            bytes_since_keyframe: 0,
            streamed_bytes: 0,
            picture_seq: 0,
            sealed_early: None,
        })
    }

    /// Whether records are being written.
    pub fn is_recording(&self) -> bool {
        self.recording && self.writer.is_some()
    }

    /// The file's size so far.
    pub fn bytes(&self) -> u64 {
        self.writer.as_ref().map_or(0, RecordingWriter::bytes)
    }

    /// Update bytes received while recording.
    pub fn streamed_bytes(&self) -> u64 {
        self.streamed_bytes
    }

    /// An update as it arrived at `now_ms`. Decoded always; written (with a keyframe of the
    /// recorder's own when one is due) only while recording. An update the decoder refuses is
    /// not written: the live view could not show it either.
    pub fn update(&mut self, now_ms: i64, update: &[u8]) -> Result<(), RecordingError> {
        let Ok(decoded) = self.decoder.decode(update) else { return Ok(()) };
        self.picture_seq = decoded.seq;
        if !self.is_recording() {
            return Ok(());
        }
        let t_ms = self.t_ms(now_ms);
        if self.needs_keyframe && !decoded.keyframe {
            // The file holds nothing this delta applies on: the picture after it, whole.
            return self.write_keyframe(t_ms, decoded.seq);
        }
        self.streamed_bytes += update.len() as u64;
        let kind = if decoded.keyframe { RecordKind::SenderKeyframe } else { RecordKind::Update };
        self.append(kind, t_ms, update)?;
        if decoded.keyframe {
            self.needs_keyframe = false;
            self.last_keyframe = Some((t_ms, update.len() as u64));
            self.bytes_since_keyframe = 0;
            return Ok(());
        }
        self.bytes_since_keyframe += update.len() as u64;
        if self.policy.due(t_ms, self.last_keyframe, self.bytes_since_keyframe) {
            self.write_keyframe(t_ms, decoded.seq)?;
        }
        Ok(())
    }

    /// The remote cursor at `now_ms`, in remote pixels (written only while recording).
    pub fn cursor(&mut self, now_ms: i64, x: i32, y: i32) -> Result<(), RecordingError> {
        if !self.is_recording() {
            return Ok(());
        }
        let mut payload = [0u8; 8];
        payload[..4].copy_from_slice(&x.to_le_bytes());
        payload[4..].copy_from_slice(&y.to_le_bytes());
        let t_ms = self.t_ms(now_ms);
        self.append(RecordKind::Cursor, t_ms, &payload)
    }

    /// A transcript event at `now_ms` (written only while recording).
    pub fn event(&mut self, now_ms: i64, event: &RecordedEvent) -> Result<(), RecordingError> {
        if !self.is_recording() {
            return Ok(());
        }
        let payload = serde_json::to_vec(event).map_err(|err| RecordingError::Damaged {
            offset: self.bytes(),
            detail: format!("cannot encode an event: {err}"),
        })?;
        let t_ms = self.t_ms(now_ms);
        self.append(RecordKind::Event, t_ms, &payload)
    }

    /// Stops writing at `now_ms` (a gap with its reason) until [`Recorder::resume`].
    pub fn pause(&mut self, now_ms: i64, reason: GapReason) -> Result<(), RecordingError> {
        if !self.is_recording() {
            return Ok(());
        }
        let t_ms = self.t_ms(now_ms);
        self.append(RecordKind::Gap, t_ms, &[reason.to_byte()])?;
        self.recording = false;
        Ok(())
    }

    /// Writes again from `now_ms`: ends the gap and writes the picture at this moment as a
    /// keyframe (or, without one yet, the next update whole).
    pub fn resume(&mut self, now_ms: i64) -> Result<(), RecordingError> {
        if self.recording || self.writer.is_none() {
            return Ok(());
        }
        self.recording = true;
        let t_ms = self.t_ms(now_ms);
        self.append(RecordKind::Resume, t_ms, &[])?;
        self.needs_keyframe = true;
        if self.decoder.frame().is_some() {
            self.write_keyframe(t_ms, self.picture_seq)?;
        }
        Ok(())
    }

    /// Seals the file (an open gap stays open). After a write failed the file was sealed then,
    /// and that is returned.
    pub fn finish(mut self) -> Result<SealedRecording, RecordingError> {
        match self.writer.take() {
            Some(writer) => writer.seal(),
            None => self.sealed_early.take().ok_or(RecordingError::Closed),
        }
    }

    /// Ms since the start.
    fn t_ms(&self, now_ms: i64) -> u64 {
        u64::try_from(now_ms.saturating_sub(self.started_at_ms)).unwrap_or(0)
    }

    /// Writes the decoder's picture as a keyframe numbered `seq`.
    fn write_keyframe(&mut self, t_ms: u64, seq: u64) -> Result<(), RecordingError> {
        let Some(frame) = self.decoder.frame() else { return Ok(()) };
        self.encoder.continue_after(seq.saturating_sub(1));
        let keyframe = self.encoder.encode(frame, true);
        self.append(RecordKind::Keyframe, t_ms, &keyframe)?;
        self.needs_keyframe = false;
        self.last_keyframe = Some((t_ms, keyframe.len() as u64));
        self.bytes_since_keyframe = 0;
        Ok(())
    }

    /// Appends a record; after a failure (disk full, free space below the floor) the recorder
    /// stops writing and tries to seal what it has.
    fn append(&mut self, kind: RecordKind, t_ms: u64, payload: &[u8]) -> Result<(), RecordingError> {
        let Some(writer) = self.writer.as_mut() else { return Err(RecordingError::Closed) };
        match writer.append(kind, t_ms, payload) {
            Ok(_) => Ok(()),
            Err(err) => {
                self.recording = false;
                if let Some(writer) = self.writer.take() {
                    // Sealing may fail too (a full disk); recovery seals the file on the next start.
                    self.sealed_early = writer.seal().ok();
                }
                Err(err)
            }
        }
    }
}
