//! What the local party asks its own session to do: one vocabulary for every layer above
//! (the views emit it, the app passes it on, the transport hands it to [`Session::handle_command`]).

use super::{CommandError, Session};
use crate::protocol::guidance::{Annotation, StepCard, StepOutcome};
use crate::protocol::input::InputEvent;
use crate::protocol::message::{ConsentRequest, HoldReason, Scopes, SessionMode};
use crate::protocol::monitors::MonitorList;
use crate::protocol::reasons::NoOverlay;
use crate::protocol::survey::SurveyReply;

/// One verb of the session, from either side. The session refuses what the role or the state
/// does not allow (as a [`CommandError`]); nothing here is trusted more than a peer's message.
#[derive(Clone, Debug, PartialEq)]
pub enum SessionCommand {
    /// Engineer: ask the user for consent.
    RequestConsent(ConsentRequest),
    /// User: allow with these scopes.
    Grant(Scopes),
    /// User: refuse; with `dont_ask_again`, for the rest of the session.
    Deny {
        /// "Don't ask again in this session".
        dont_ask_again: bool,
    },
    /// User: change the scopes while consent is in force.
    ChangeScopes(Scopes),
    /// User: pause sharing.
    Pause,
    /// User: resume sharing.
    Resume,
    /// User: withdraw consent ("Stop sharing").
    Revoke,
    /// Either: send a chat line.
    Chat(String),
    /// User: the shared screen has this size (before the first update and when it changes).
    AnnounceScreen {
        /// Width, pixels.
        width: u32,
        /// Height, pixels.
        height: u32,
    },
    /// User: the pointer is at this screen pixel (sent as a datagram while the screen is shared).
    Cursor {
        /// Column.
        x: u32,
        /// Row.
        y: u32,
    },
    /// User: tell the engineer whether arrows are drawn over the real screen.
    GuidanceMode {
        /// Over the real screen.
        overlay: bool,
        /// Why not, as a code (`None` when `overlay`).
        why_not: Option<NoOverlay>,
    },
    /// Engineer: put the session on hold (nothing shared, drawn or asked) until `Unhold`.
    Hold(HoldReason),
    /// Engineer: end the hold.
    Unhold,
    /// Engineer: keep a screenshot (refused unless the record scope is in force; the user is told).
    TakeScreenshot,
    /// Engineer: the viewer lost state; ask for a keyframe.
    RequestKeyframe,
    /// Engineer: draw an arrow or highlight on the user's screen.
    Annotate(Annotation),
    /// Engineer: take one annotation back.
    RemoveAnnotation(u64),
    /// Engineer: clear every annotation.
    ClearAnnotations,
    /// Engineer: send the next guided step.
    SendStep(StepCard),
    /// Engineer: send the waiting step again.
    ResendStep,
    /// Engineer: replace the waiting step's text and send it again.
    EditStep(StepCard),
    /// Engineer: skip the waiting step.
    SkipStep,
    /// User: answer the current step.
    AnswerStep {
        /// The step.
        step_id: u64,
        /// The answer.
        outcome: StepOutcome,
        /// Optional comment.
        comment: String,
    },
    /// Either: end the session.
    End,
    /// User, after a normal end: answer, skip or close the exit survey.
    AnswerSurvey(SurveyReply),
    /// Engineer: ask to use the user's mouse and keyboard.
    RequestControl,
    /// User: allow the engineer to use the mouse and keyboard.
    GrantControl,
    /// User: refuse the control request.
    DeclineControl,
    /// User: take the control scope back ("Take back control", the hotkey).
    RevokeControl,
    /// User: the user's own mouse or keyboard was used (control is held back for a moment).
    TakeBackControl,
    /// Engineer: one input event over the live view (dropped unless control is allowed).
    Input(InputEvent),
    /// Either, on an explicit click: send this clipboard text (only under the control scope).
    SendClipboard(String),
    /// User: these are my monitors, this one is shared (only while the screen is shared).
    AnnounceMonitors(MonitorList),
    /// Engineer: ask the user to share monitor `index` of their list instead.
    RequestMonitor(u32),
    /// User: answer the engineer's monitor request.
    AnswerMonitorSwitch {
        /// Switch the capture to the monitor asked for.
        accepted: bool,
    },
    /// Either: switch between live and guidance-only (the peer is told).
    SetMode(SessionMode),
    /// Engineer, in guidance-only mode: "Show me your screen now" (one still).
    RequestStill,
    /// User: the still asked for is complete (its updates were sent); captured then, unix ms.
    FinishStill {
        /// When the still was captured, unix ms.
        captured_at_ms: i64,
    },
    /// Either (the transport): tell the peer the path this side's connection takes now.
    TellPath(crate::protocol::LinkPath),
    /// Either (the transport): tell the peer where this side may be reached directly (hole
    /// punching while the session goes through a relay).
    TellCandidates(crate::protocol::PunchCandidates),
}

impl SessionCommand {
    /// Whether the command needs the peer's answer, so it cannot be queued while the link is
    /// down (a consent decision must reach the other side while both are there).
    pub fn needs_live_link(&self) -> bool {
        matches!(
            self,
            Self::RequestConsent(_)
                | Self::Grant(_)
                | Self::Deny { .. }
                | Self::RequestControl
                | Self::GrantControl
                | Self::DeclineControl
                | Self::RequestMonitor(_)
                | Self::AnswerMonitorSwitch { .. }
        )
    }
}

impl Session {
    /// Carries out one command at `now_ms`.
    pub fn handle_command(&mut self, now_ms: i64, command: SessionCommand) -> Result<(), CommandError> {
        self.latest_ms = self.latest_ms.max(now_ms);
        match command {
            SessionCommand::RequestConsent(request) => self.request_consent(now_ms, request),
            SessionCommand::Grant(scopes) => self.grant(now_ms, scopes),
            SessionCommand::Deny { dont_ask_again } => self.deny(now_ms, dont_ask_again),
            SessionCommand::ChangeScopes(scopes) => self.change_scopes(scopes),
            SessionCommand::Pause => self.pause(),
            SessionCommand::Resume => self.resume(),
            SessionCommand::Revoke => self.revoke(),
            SessionCommand::Chat(text) => self.send_chat(now_ms, &text).map(|_| ()),
            SessionCommand::AnnounceScreen { width, height } => self.announce_screen(width, height),
            SessionCommand::Cursor { x, y } => self.send_cursor(x, y),
            SessionCommand::GuidanceMode { overlay, why_not } => self.announce_guidance_mode(overlay, why_not),
            SessionCommand::Hold(reason) => self.hold(reason),
            SessionCommand::Unhold => self.unhold(),
            SessionCommand::TakeScreenshot => self.take_screenshot(now_ms),
            SessionCommand::RequestKeyframe => self.request_keyframe(),
            SessionCommand::Annotate(annotation) => self.annotate(annotation),
            SessionCommand::RemoveAnnotation(id) => self.remove_annotation(id),
            SessionCommand::ClearAnnotations => self.clear_annotations(),
            SessionCommand::SendStep(card) => self.send_step(now_ms, card),
            SessionCommand::ResendStep => self.resend_step(),
            SessionCommand::EditStep(card) => self.edit_step(card),
            SessionCommand::SkipStep => self.skip_step(),
            SessionCommand::AnswerStep { step_id, outcome, comment } => self.answer_step(step_id, outcome, &comment),
            SessionCommand::End => self.end(),
            SessionCommand::AnswerSurvey(reply) => self.answer_survey(reply),
            SessionCommand::RequestControl => self.request_control(),
            SessionCommand::GrantControl => self.grant_control(),
            SessionCommand::DeclineControl => self.decline_control(),
            SessionCommand::RevokeControl => self.revoke_control(),
            SessionCommand::TakeBackControl => self.take_back_control(now_ms),
            SessionCommand::Input(event) => self.send_input(now_ms, event),
            SessionCommand::SendClipboard(text) => self.send_clipboard(text),
            SessionCommand::AnnounceMonitors(list) => self.announce_monitors(list),
            SessionCommand::RequestMonitor(index) => self.request_monitor(index),
            SessionCommand::AnswerMonitorSwitch { accepted } => self.answer_monitor_switch(accepted),
            SessionCommand::SetMode(mode) => self.set_mode(mode),
            SessionCommand::RequestStill => self.request_still().map(|_| ()),
            SessionCommand::FinishStill { captured_at_ms } => self.finish_still(captured_at_ms),
            SessionCommand::TellPath(path) => {
                if self.ended().is_none() {
                    self.outbox.push_back(crate::protocol::Message::PathInUse(path));
                }
                Ok(())
            }
            SessionCommand::TellCandidates(candidates) => {
                if self.ended().is_none() {
                    let message = crate::protocol::Message::Candidates(candidates);
                    message.validate().map_err(CommandError::Invalid)?;
                    self.outbox.push_back(message);
                }
                Ok(())
            }
        }
    }
}
