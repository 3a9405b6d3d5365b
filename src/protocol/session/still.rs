//! Guidance-only mode: no live screen updates; the engineer asks for a still ("Show me your
//! screen now") and the user's side sends one exact picture of the shared monitor (progressively:
//! a coarse update first, then the exact one, on frame streams like live updates), closed by
//! [`Message::StillDone`]. Either side switches the mode; the other is told.
//!
//! The same gates as the live view: a still only while the view scope is in force (granted, not
//! paused, not held, connected); the engineer's side may keep one only under the record scope.

use super::{CommandError, NotNowReason, Session, SessionEvent};
use crate::protocol::message::{Message, Role, SessionMode};
use crate::protocol::reasons::{Violation, ViolationCode};

/// Where stills stand on one side.
#[derive(Debug, Default)]
pub(super) struct StillState {
    /// The session's mode.
    mode: SessionMode,
    /// The highest still id asked for (engineer) or received (user); 0 before the first.
    last_id: u64,
    /// The still asked for and not yet finished (user: being taken; engineer: awaited).
    open: Option<u64>,
    /// Engineer: the last update of the still the user finished (later ones are live: dropped).
    last_seq: Option<u64>,
    /// User: the sequence number of the last update queued.
    last_queued_seq: u64,
}

impl Session {
    /// The session's mode (live or guidance-only).
    pub fn mode(&self) -> SessionMode {
        self.still.mode
    }

    /// User: the still the engineer asked for and this side has not finished yet, if any (the
    /// capture takes it only while the screen may be shared).
    pub fn still_wanted(&self) -> Option<u64> {
        self.still.open.filter(|_| self.role == Role::User && self.screen_allowed())
    }

    /// Either side: switch the session to `mode`; the peer is told (nothing when unchanged).
    pub fn set_mode(&mut self, mode: SessionMode) -> Result<(), CommandError> {
        self.check_open()?;
        if self.still.mode != mode {
            self.outbox.push_back(Message::Mode(mode));
            self.apply_mode(mode, self.role);
        }
        Ok(())
    }

    fn apply_mode(&mut self, mode: SessionMode, by: Role) {
        self.still.mode = mode;
        self.still.open = None;
        self.still.last_seq = None;
        if mode == SessionMode::GuidanceOnly {
            // No live update leaves (or is shown) from now on.
            self.frames_out.clear();
            self.frames_in.clear();
        }
        self.emit(SessionEvent::ModeChanged { mode, by });
    }

    /// Engineer: ask for one still of the shared screen ("Show me your screen now"); returns its
    /// id. Only in guidance-only mode, while the view scope is in force.
    pub fn request_still(&mut self) -> Result<u64, CommandError> {
        self.require(Role::Engineer)?;
        self.check_not_held()?;
        if self.still.mode != SessionMode::GuidanceOnly {
            return Err(CommandError::NotNow(NotNowReason::NotGuidanceOnly));
        }
        if !self.screen_allowed() {
            return Err(CommandError::NotNow(NotNowReason::ViewNotInForce));
        }
        self.still.last_id += 1;
        let still_id = self.still.last_id;
        self.still.open = Some(still_id);
        self.still.last_seq = None;
        self.outbox.push_back(Message::StillRequest { still_id });
        self.emit(SessionEvent::StillRequested { still_id });
        Ok(still_id)
    }

    /// User: the still asked for is complete: its last update is the last one queued, captured
    /// at `captured_at_ms`.
    pub fn finish_still(&mut self, captured_at_ms: i64) -> Result<(), CommandError> {
        self.require(Role::User)?;
        let Some(still_id) = self.still.open.filter(|_| self.screen_allowed()) else {
            return Err(CommandError::NotNow(NotNowReason::NoStillAsked));
        };
        if self.still.last_queued_seq == 0 {
            return Err(CommandError::NotNow(NotNowReason::NoStillAsked));
        }
        self.still.open = None;
        let last_seq = self.still.last_queued_seq;
        self.outbox.push_back(Message::StillDone { still_id, last_seq, captured_at_ms });
        self.emit(SessionEvent::StillTaken { still_id, last_seq, captured_at_ms, keep: false });
        Ok(())
    }

    /// User: whether an update may be queued now: live mode, or the still asked for.
    pub(super) fn check_update_allowed(&mut self, seq: u64) -> Result<(), CommandError> {
        if self.still.mode == SessionMode::GuidanceOnly && self.still_wanted().is_none() {
            return Err(CommandError::NotNow(NotNowReason::NoStillAsked));
        }
        self.still.last_queued_seq = seq;
        Ok(())
    }

    /// Engineer: whether an update from the peer belongs to what may be shown: live mode, or
    /// the still awaited (up to its last update).
    pub(super) fn update_wanted(&self, seq: u64) -> bool {
        match self.still.mode {
            SessionMode::Live => true,
            SessionMode::GuidanceOnly => {
                self.still.open.is_some() && self.still.last_seq.is_none_or(|last_seq| seq <= last_seq)
            }
        }
    }

    /// The screen stopped being shared (pause, stop, hold, drop, end): a still under way is
    /// forgotten on both sides; the engineer asks again once sharing is back.
    pub(super) fn forget_still(&mut self) {
        self.still.open = None;
        self.still.last_seq = None;
    }

    /// The peer switched the mode.
    pub(super) fn handle_mode(&mut self, mode: SessionMode) {
        if self.still.mode != mode {
            let by = match self.role {
                Role::Engineer => Role::User,
                Role::User => Role::Engineer,
            };
            self.apply_mode(mode, by);
        }
    }

    /// User: the engineer asks for a still.
    pub(super) fn handle_still_request(&mut self, still_id: u64) {
        if self.still.mode != SessionMode::GuidanceOnly {
            return self.violation(not_in_guidance_only("a still request"));
        }
        if still_id <= self.still.last_id {
            return self.violation(Violation::with_detail(
                ViolationCode::NotAllowed,
                format!("still {still_id} was asked for after still {}", self.still.last_id),
            ));
        }
        self.still.last_id = still_id;
        // Paused, stopped or held: no picture leaves; the engineer's side knows why.
        if self.screen_allowed() {
            self.still.open = Some(still_id);
            self.emit(SessionEvent::StillRequested { still_id });
        }
    }

    /// Engineer: the user finished the still.
    pub(super) fn handle_still_done(&mut self, still_id: u64, last_seq: u64, captured_at_ms: i64) {
        if self.still.mode != SessionMode::GuidanceOnly {
            return self.violation(not_in_guidance_only("a still"));
        }
        if self.still.open != Some(still_id) || self.still.last_seq.is_some() {
            return self.violation(Violation::with_detail(
                ViolationCode::NotAllowed,
                format!("still {still_id} was not asked for"),
            ));
        }
        if !self.screen_allowed() {
            return;
        }
        self.still.last_seq = Some(last_seq);
        let keep = self.keeping_allowed();
        self.emit(SessionEvent::StillTaken { still_id, last_seq, captured_at_ms, keep });
    }
}

fn not_in_guidance_only(what: &str) -> Violation {
    Violation::with_detail(ViolationCode::NotAllowed, format!("{what} outside guidance-only mode"))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{drain, pump, request};
    use super::*;
    use crate::protocol::message::{EndReason, Scopes};

    /// Two peers with consent granted under `scopes`.
    fn pair(scopes: Scopes) -> (Session, Session) {
        let mut engineer = Session::new(Role::Engineer, "Li Wei", 0);
        let mut user = Session::new(Role::User, "Zhang Min", 0);
        pump(&mut engineer, &mut user, 1);
        engineer.request_consent(2, request()).unwrap();
        pump(&mut engineer, &mut user, 2);
        user.grant(3, scopes).unwrap();
        pump(&mut engineer, &mut user, 3);
        drain(&mut engineer);
        drain(&mut user);
        (engineer, user)
    }

    fn guidance_only(scopes: Scopes) -> (Session, Session) {
        let (mut engineer, mut user) = pair(scopes);
        engineer.set_mode(SessionMode::GuidanceOnly).unwrap();
        pump(&mut engineer, &mut user, 4);
        (engineer, user)
    }

    #[test]
    fn either_side_switches_and_the_other_is_told() {
        let (mut engineer, mut user) = pair(Scopes::default());
        user.set_mode(SessionMode::GuidanceOnly).unwrap();
        pump(&mut engineer, &mut user, 4);
        let told = SessionEvent::ModeChanged { mode: SessionMode::GuidanceOnly, by: Role::User };
        assert_eq!(drain(&mut engineer), vec![told.clone()]);
        assert_eq!(drain(&mut user), vec![told]);
        engineer.set_mode(SessionMode::Live).unwrap();
        engineer.set_mode(SessionMode::Live).unwrap();
        pump(&mut engineer, &mut user, 5);
        let back = SessionEvent::ModeChanged { mode: SessionMode::Live, by: Role::Engineer };
        assert_eq!(drain(&mut user), vec![back.clone()], "a repeat is not told twice");
        assert_eq!(drain(&mut engineer), vec![back]);
    }

    #[test]
    fn no_live_updates_only_the_still_asked_for() {
        let (mut engineer, mut user) = guidance_only(Scopes::default());
        drain(&mut engineer);
        drain(&mut user);
        assert_eq!(user.send_frame(1, vec![1]), Err(CommandError::NotNow(NotNowReason::NoStillAsked)));
        // A live update still in flight from before the switch is dropped on arrival.
        engineer.handle_frame(5, 1, vec![1]);
        assert_eq!(engineer.poll_received_frame(), None);
        assert_eq!(engineer.frames_dropped(), 1);

        assert_eq!(engineer.request_still(), Ok(1));
        pump(&mut engineer, &mut user, 6);
        assert_eq!(drain(&mut user), vec![SessionEvent::StillRequested { still_id: 1 }]);
        assert_eq!(user.still_wanted(), Some(1));
        // Coarse pass, then exact.
        user.send_frame(2, vec![2]).unwrap();
        user.send_frame(3, vec![3]).unwrap();
        user.finish_still(5).unwrap();
        assert_eq!(user.still_wanted(), None);
        assert_eq!(user.send_frame(4, vec![4]), Err(CommandError::NotNow(NotNowReason::NoStillAsked)));
        assert_eq!(user.poll_frame(), Some((2, vec![2])));
        assert_eq!(user.poll_frame(), Some((3, vec![3])));
        assert_eq!(user.poll_frame(), None);
        // The notice may overtake the updates (they travel on streams of their own).
        pump(&mut engineer, &mut user, 7);
        engineer.handle_frame(8, 2, vec![2]);
        engineer.handle_frame(8, 3, vec![3]);
        engineer.handle_frame(8, 4, vec![4]);
        assert_eq!(engineer.poll_received_frame().map(|f| f.seq), Some(2));
        assert_eq!(engineer.poll_received_frame().map(|f| f.seq), Some(3));
        assert_eq!(engineer.poll_received_frame(), None, "nothing after the still's last update");
        assert!(drain(&mut engineer).contains(&SessionEvent::StillTaken {
            still_id: 1,
            last_seq: 3,
            captured_at_ms: 5,
            keep: false
        }));
    }

    #[test]
    fn no_still_without_the_view_scope_or_while_paused() {
        let (mut engineer, mut user) = guidance_only(Scopes { view: false, ..Scopes::default() });
        assert_eq!(engineer.request_still(), Err(CommandError::NotNow(NotNowReason::ViewNotInForce)));

        let (mut engineer, mut user2) = guidance_only(Scopes::default());
        user2.pause().unwrap();
        pump(&mut engineer, &mut user2, 5);
        assert_eq!(engineer.request_still(), Err(CommandError::NotNow(NotNowReason::ViewNotInForce)));

        // Asked just before the pause reached the engineer: the user's side sends nothing.
        let (mut engineer, mut user3) = guidance_only(Scopes::default());
        engineer.request_still().unwrap();
        user3.pause().unwrap();
        pump(&mut engineer, &mut user3, 5);
        assert_eq!(user3.still_wanted(), None);
        assert!(user3.send_frame(1, vec![1]).is_err());
        assert!(user3.finish_still(5).is_err());
        // A still under way when the user pauses is forgotten on both sides.
        user3.resume().unwrap();
        pump(&mut engineer, &mut user3, 6);
        engineer.request_still().unwrap();
        pump(&mut engineer, &mut user3, 7);
        user3.send_frame(1, vec![1]).unwrap();
        user3.pause().unwrap();
        assert_eq!(user3.poll_frame(), None);
        assert!(user3.finish_still(8).is_err());
        // Live mode asks for no still.
        user.set_mode(SessionMode::Live).unwrap();
        pump(&mut engineer, &mut user, 9);
        assert!(user.ended().is_none());
    }

    #[test]
    fn a_still_is_kept_only_under_the_record_scope() {
        for record in [false, true] {
            let (mut engineer, mut user) = guidance_only(Scopes { record, ..Scopes::default() });
            engineer.request_still().unwrap();
            pump(&mut engineer, &mut user, 5);
            user.send_frame(1, vec![1]).unwrap();
            user.finish_still(5).unwrap();
            pump(&mut engineer, &mut user, 6);
            let taken = drain(&mut engineer).into_iter().find_map(|event| match event {
                SessionEvent::StillTaken { keep, .. } => Some(keep),
                _ => None,
            });
            assert_eq!(taken, Some(record));
        }
    }

    #[test]
    fn strict_about_still_messages() {
        let violated = |session: &Session| matches!(session.ended(), Some(EndReason::ProtocolViolation(_)));
        // A still request in live mode.
        let (_, mut user) = pair(Scopes::default());
        user.handle_message(5, Message::StillRequest { still_id: 1 });
        assert!(violated(&user));
        // Ids must grow.
        let (_, mut user) = guidance_only(Scopes::default());
        user.handle_message(5, Message::StillRequest { still_id: 2 });
        user.handle_message(6, Message::StillRequest { still_id: 2 });
        assert!(violated(&user));
        // Zero is out of bounds.
        let (_, mut user) = guidance_only(Scopes::default());
        user.handle_message(5, Message::StillRequest { still_id: 0 });
        assert!(violated(&user));
        // A still nobody asked for, or from the wrong side.
        let (mut engineer, _) = guidance_only(Scopes::default());
        engineer.handle_message(5, Message::StillDone { still_id: 1, last_seq: 3, captured_at_ms: 5 });
        assert!(violated(&engineer));
        let (mut engineer, _) = guidance_only(Scopes::default());
        engineer.handle_message(5, Message::StillRequest { still_id: 1 });
        assert!(violated(&engineer));
        let (_, mut user) = guidance_only(Scopes::default());
        user.handle_message(5, Message::StillDone { still_id: 1, last_seq: 3, captured_at_ms: 5 });
        assert!(violated(&user));
        // Only the engineer asks for a still.
        let (_, mut user) = guidance_only(Scopes::default());
        assert_eq!(user.request_still(), Err(CommandError::WrongRole(Role::Engineer)));
    }
}
