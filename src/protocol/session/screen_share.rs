//! The shared screen: updates out (user side, only while the view scope is in force), the
//! pointer, the announced screen size, keyframe requests and the engineer's screenshots.

use super::receive::{message_name, not_allowed_from_peer};
use super::{CommandError, NotNowReason, ReceivedFrame, Session, SessionEvent};
use crate::protocol::message::{Message, Role};
use crate::protocol::reasons::{Violation, ViolationCode};
use crate::protocol::validation::check_screen_size;

impl Session {
    /// Screen messages the engineer side dropped because consent was not in force.
    pub fn frames_dropped(&self) -> u64 {
        self.frames_dropped
    }

    /// User: queue screen data; refused unless [`Session::screen_allowed`].
    pub fn send_frame(&mut self, seq: u64, data: Vec<u8>) -> Result<(), CommandError> {
        self.require(Role::User)?;
        if !self.screen_allowed() {
            return Err(CommandError::NotNow(NotNowReason::ViewNotInForce));
        }
        self.check_update_allowed(seq)?;
        self.frames_out.push_back((seq, data));
        Ok(())
    }

    /// The next screen update to send (user side), on its own stream. Updates queued while
    /// consent was in force are discarded the moment it stops (pause, revoke, drop, end).
    pub fn poll_frame(&mut self) -> Option<(u64, Vec<u8>)> {
        if !self.screen_allowed() {
            self.frames_out.clear();
            return None;
        }
        self.frames_out.pop_front()
    }

    /// User: the pointer is here now (dropped unless the screen is shared).
    pub fn send_cursor(&mut self, x: u32, y: u32) -> Result<(), CommandError> {
        self.require(Role::User)?;
        if self.screen_allowed() {
            self.cursor_out = Some((x, y));
        }
        Ok(())
    }

    /// The latest pointer position to send as a datagram (user side), only while screen data may
    /// flow; older positions are superseded, never queued.
    pub fn poll_cursor(&mut self) -> Option<Message> {
        let (x, y) = self.cursor_out.take()?;
        self.screen_allowed().then_some(Message::Cursor { x, y })
    }

    /// User: announce the size of the shared screen (before its first update, and when it
    /// changes); larger updates are refused by the engineer's side.
    pub fn announce_screen(&mut self, width: u32, height: u32) -> Result<(), CommandError> {
        self.require(Role::User)?;
        check_screen_size(width, height).map_err(CommandError::Invalid)?;
        self.note_screen_size(width, height);
        self.outbox.push_back(Message::ScreenSize { width, height });
        Ok(())
    }

    /// Engineer: ask for a full screen update (the viewer lost state). Ignored outside consent.
    pub fn request_keyframe(&mut self) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        if self.screen_allowed() {
            self.outbox.push_back(Message::KeyframeRequest);
        }
        Ok(())
    }

    /// Engineer: keep a screenshot of the shared screen. Allowed only while the screen is shared
    /// and the record scope is in force; the user is told.
    pub fn take_screenshot(&mut self, now_ms: i64) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        if !self.keeping_allowed() {
            return Err(CommandError::NotNow(NotNowReason::RecordingNotAllowed));
        }
        self.outbox.push_back(Message::ScreenshotTaken { at_ms: now_ms });
        self.emit(SessionEvent::ScreenshotTaken { at_ms: now_ms });
        Ok(())
    }

    /// A screen update from the peer's frame stream, at `now_ms` (engineer side). Kept for
    /// [`Session::poll_received_frame`] only while the view scope is in force, dropped (and
    /// counted) otherwise. The same checks as any message from the peer: nothing before its
    /// hello, nothing the user's side may not receive.
    pub fn handle_frame(&mut self, now_ms: i64, seq: u64, data: Vec<u8>) {
        if self.ended.is_some() {
            return;
        }
        self.last_received_ms = now_ms;
        if self.peer_name.is_none() {
            return self.violation(Violation::new(ViolationCode::BeforeHello));
        }
        if self.role != Role::Engineer {
            return self.violation(not_allowed_from_peer(message_name(&Message::Frame { seq, data: Vec::new() })));
        }
        self.accept_frame(seq, data);
    }

    /// Engineer: keeps an update while the view scope is in force (in guidance-only mode: only the
    /// still asked for), else drops and counts it.
    pub(super) fn accept_frame(&mut self, seq: u64, data: Vec<u8>) {
        if self.screen_allowed() && self.update_wanted(seq) {
            self.frames_in.push_back(ReceivedFrame { seq, data });
        } else {
            self.frames_dropped += 1;
        }
    }

    /// The next screen update accepted from the peer (engineer side), apart from
    /// [`Session::poll_event`]. Updates still waiting are discarded the moment the view scope
    /// stops being in force (pause, revoke, hold, drop, end).
    pub fn poll_received_frame(&mut self) -> Option<ReceivedFrame> {
        if !self.screen_allowed() {
            self.frames_in.clear();
            return None;
        }
        self.frames_in.pop_front()
    }
}
