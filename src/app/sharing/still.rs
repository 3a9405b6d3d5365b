//! Guidance-only mode on the user's side: the still the engineer asked for.

use std::sync::PoisonError;
use std::sync::atomic::Ordering;
use std::time::Instant;

use crate::capture::{ScreenImage, blank_regions};
use crate::codec::{EncoderConfig, Frame};
use crate::model::now_ms;
use crate::protocol::SessionCommand;
use crate::protocol::screen::{ScreenHeader, wrap_screen_update};
use crate::transport::LinkCommand;

use super::CaptureLoop;

/// A still's first pass averages blocks of this many pixels a side (a few KB; shown first).
const STILL_COARSE_BLOCK: u32 = 16;

impl CaptureLoop {
    /// Guidance-only: one exact still of the shared monitor (private regions blanked), sent as a
    /// small reduced still first (the layout shows early), then the exact still, then the notice
    /// that the still is complete.
    pub(super) fn take_still(&mut self, still_id: u64) {
        let Some(source) = self.source.as_mut() else { return };
        let grabbed = source.capture();
        if !self.session.status().screen_allowed() {
            return; // Paused or stopped meanwhile: nothing leaves.
        }
        let mut image = match grabbed {
            Ok(Some(image)) => image,
            // Unchanged since the last grab: that picture is the screen.
            Ok(None) => match self.last_sent.clone() {
                Some(frame) => ScreenImage { width: frame.width, height: frame.height, rgba: frame.rgba },
                None => return,
            },
            Err(err) => {
                self.source_failed(err);
                return;
            }
        };
        self.stats.captured.fetch_add(1, Ordering::Relaxed);
        let captured_at_ms = now_ms();
        let regions = self.private.lock().unwrap_or_else(PoisonError::into_inner).clone();
        blank_regions(&mut image, &regions);
        let Ok(frame) = Frame::new(image.width, image.height, image.rgba) else { return };
        if self.announced != Some((frame.width, frame.height)) {
            self.session.send(SessionCommand::AnnounceScreen { width: frame.width, height: frame.height });
            self.announced = Some((frame.width, frame.height));
        }
        self.encoder.set_config(EncoderConfig::default());
        let header = ScreenHeader { captured_at_ms, skipped_frames: 0 };
        // The reduced pass leaves while the exact one is being coded.
        let coarse = self.encoder.encode_still(&frame, STILL_COARSE_BLOCK);
        let mut sent = self.session.send(LinkCommand::SendFrame(wrap_screen_update(header, &coarse)));
        let encode_started = Instant::now();
        let exact = self.encoder.encode_still(&frame, 1);
        tracing::debug!(
            coarse_bytes = coarse.len(),
            exact_bytes = exact.len(),
            encode_ms = encode_started.elapsed().as_millis(),
            "still"
        );
        sent = sent && self.session.send(LinkCommand::SendFrame(wrap_screen_update(header, &exact)));
        if sent && self.session.send(SessionCommand::FinishStill { captured_at_ms }) {
            self.stats.sent.fetch_add(2, Ordering::Relaxed);
            self.still_sent = Some(still_id);
        }
        self.last_sent = Some(frame);
        // Back in live mode the viewer starts afresh.
        self.keyframe_owed = true;
    }
}
