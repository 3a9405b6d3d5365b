//! Guided steps: one at a time (no step n+1 before n is answered); resend, edit and skip are
//! recorded; the user answers done / didn't work / stuck.

use super::{CommandError, NotNowReason, Session, SessionEvent};
use crate::protocol::guidance::{StepCard, StepOutcome, validate_comment};
use crate::protocol::message::{Message, Role};

impl Session {
    /// The step waiting for an answer, if any.
    pub fn pending_step(&self) -> Option<&StepCard> {
        self.pending_step.as_ref().map(|(card, _)| card)
    }

    /// Engineer: send the next step; refused while the current one is unanswered.
    pub fn send_step(&mut self, now_ms: i64, card: StepCard) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        self.check_not_held()?;
        card.validate().map_err(CommandError::Invalid)?;
        if self.pending_step.is_some() {
            return Err(CommandError::NotNow(NotNowReason::StepUnanswered));
        }
        if card.annotation.is_some() && !self.pointers_allowed() {
            return Err(CommandError::NotNow(NotNowReason::ArrowsNotAllowed));
        }
        self.outbox.push_back(Message::Step(card.clone()));
        self.pending_step = Some((card.clone(), now_ms));
        self.emit(SessionEvent::StepSent { card, resent: false });
        Ok(())
    }

    /// Engineer: send the current step again (the clock keeps running from the first send).
    pub fn resend_step(&mut self) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        let Some((card, _)) = &self.pending_step else { return Err(CommandError::NotNow(NotNowReason::NoStepWaiting)) };
        let card = card.clone();
        self.outbox.push_back(Message::Step(card.clone()));
        self.emit(SessionEvent::StepSent { card, resent: true });
        Ok(())
    }

    /// Engineer: change the waiting step's text and send it again.
    pub fn edit_step(&mut self, card: StepCard) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        card.validate().map_err(CommandError::Invalid)?;
        match &mut self.pending_step {
            Some((current, _)) if current.step_id == card.step_id => {
                *current = card.clone();
                self.outbox.push_back(Message::Step(card.clone()));
                self.emit(SessionEvent::StepEdited(card));
                Ok(())
            }
            _ => Err(CommandError::NotNow(NotNowReason::NotTheWaitingStep)),
        }
    }

    /// Engineer: skip the waiting step (recorded); the next one may go out.
    pub fn skip_step(&mut self) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        let Some((card, _)) = self.pending_step.take() else {
            return Err(CommandError::NotNow(NotNowReason::NoStepWaiting));
        };
        self.outbox.push_back(Message::StepWithdrawn { step_id: card.step_id });
        self.emit(SessionEvent::StepSkipped { step_id: card.step_id });
        Ok(())
    }

    /// User: answer the current step (Done / Didn't work / I'm stuck).
    pub fn answer_step(&mut self, step_id: u64, outcome: StepOutcome, comment: &str) -> Result<(), CommandError> {
        self.require(Role::User)?;
        validate_comment(comment).map_err(CommandError::Invalid)?;
        if self.pending_step.as_ref().is_none_or(|(card, _)| card.step_id != step_id) {
            return Err(CommandError::NotNow(NotNowReason::StepNotWaiting));
        }
        self.pending_step = None;
        let comment = comment.trim().to_owned();
        self.outbox.push_back(Message::StepAnswer { step_id, outcome, comment: comment.clone() });
        self.emit(SessionEvent::StepAnswered { step_id, outcome, comment, seconds: 0 });
        Ok(())
    }
}
