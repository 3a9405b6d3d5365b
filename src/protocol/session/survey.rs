//! The exit survey after a normal end. The session ends as before (nothing more is shared,
//! drawn or asked), but the link stays open for one more message: the user's side always sends
//! one [`Message::Survey`] — the answers, "skipped", "closed", or "not asked" for a session too
//! short to rate — and the engineer's side waits for it until [`SurveyTiming::wait_ms`] has
//! passed or the link drops (then the survey is lost). Only the user's side can answer.

use super::{CommandError, NotNowReason, Session, SessionEvent};
use crate::protocol::message::{EndReason, Message, Role};
use crate::protocol::reasons::{Violation, ViolationCode};
use crate::protocol::survey::{SurveyReply, SurveyTiming};

/// Where the survey stands on one side.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum SurveyPhase {
    /// Not due (the session runs, or ended without a survey).
    #[default]
    NotDue,
    /// User: offered, waiting for the user. Engineer: waiting for the reply until `deadline_ms`.
    Awaiting {
        /// Engineer: when to give up, unix ms.
        deadline_ms: i64,
    },
    /// Replied, lost or not asked.
    Settled,
}

impl Session {
    /// The same session with other survey timing (tests and the demo offer it at once).
    #[must_use]
    pub fn with_survey_timing(mut self, timing: SurveyTiming) -> Self {
        self.survey_timing = timing;
        self
    }

    /// Whether the session ended and still waits for the survey: the user's side for the user's
    /// answer, the engineer's side for the reply. The link stays open meanwhile.
    pub fn survey_pending(&self) -> bool {
        matches!(self.survey, SurveyPhase::Awaiting { .. })
    }

    /// Whether the survey after the end was settled: replied, lost, or "not asked".
    pub fn survey_settled(&self) -> bool {
        self.survey == SurveyPhase::Settled
    }

    /// How long the peers were connected, as far as this side saw, ms.
    fn session_length_ms(&self) -> i64 {
        self.latest_ms.saturating_sub(self.started_at_ms)
    }

    /// At the end: offers the survey (user) or starts waiting for its reply (engineer) when the
    /// session ended normally while connected.
    pub(super) fn open_survey(&mut self, reason: &EndReason) {
        let normal = matches!(reason, EndReason::EngineerEnded | EndReason::UserStopped);
        if !normal || !self.connected || self.peer_name.is_none() {
            return;
        }
        match self.role {
            Role::User if self.session_length_ms() >= self.survey_timing.min_session_ms => {
                self.survey = SurveyPhase::Awaiting { deadline_ms: i64::MAX };
                self.emit(SessionEvent::SurveyOffered);
            }
            Role::User => {
                self.outbox.push_back(Message::Survey(SurveyReply::NotAsked));
                self.survey = SurveyPhase::Settled;
            }
            Role::Engineer => {
                let deadline_ms = self.latest_ms.saturating_add(self.survey_timing.wait_ms);
                self.survey = SurveyPhase::Awaiting { deadline_ms };
            }
        }
    }

    /// User: answer (or skip, or close) the offered survey; sent at once.
    pub(super) fn answer_survey(&mut self, reply: SurveyReply) -> Result<(), CommandError> {
        if self.role != Role::User {
            return Err(CommandError::WrongRole(Role::User));
        }
        if !self.survey_pending() || reply == SurveyReply::NotAsked {
            return Err(CommandError::NotNow(NotNowReason::NoSurvey));
        }
        reply.validate()?;
        self.outbox.push_back(Message::Survey(reply.clone()));
        self.survey = SurveyPhase::Settled;
        self.emit(SessionEvent::SurveyReplied(reply));
        Ok(())
    }

    /// Engineer: a survey message. Only one, only after the end, only from the user's side.
    pub(super) fn handle_survey(&mut self, reply: SurveyReply) {
        if self.role != Role::Engineer || self.ended.is_none() {
            return self.violation(Violation::new(ViolationCode::NotAllowed));
        }
        if !self.survey_pending() {
            return;
        }
        self.survey = SurveyPhase::Settled;
        if reply != SurveyReply::NotAsked {
            self.emit(SessionEvent::SurveyReplied(reply));
        }
    }

    /// Engineer: the wait is over or the link dropped before a reply: the survey is lost (when
    /// the session was long enough to have one).
    pub(super) fn lose_survey(&mut self) {
        if self.role != Role::Engineer || !self.survey_pending() {
            return;
        }
        self.survey = SurveyPhase::Settled;
        if self.session_length_ms() >= self.survey_timing.min_session_ms {
            self.emit(SessionEvent::SurveyLost);
        }
    }

    /// Engineer: when the wait for the reply ends, if it is waiting.
    pub(super) fn survey_deadline_ms(&self) -> Option<i64> {
        match self.survey {
            SurveyPhase::Awaiting { deadline_ms } if self.role == Role::Engineer => Some(deadline_ms),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::message::PROTOCOL_VERSION;
    use crate::protocol::session::SessionCommand;
    use crate::protocol::session::tests::{drain, pump};
    use crate::protocol::survey::{Answer, SurveyAnswers};

    const MINUTE_MS: i64 = 60_000;

    /// Two paired peers that said hello at time 0.
    fn pair() -> (Session, Session) {
        let mut engineer = Session::new(Role::Engineer, "Li Wei", 0);
        let mut user = Session::new(Role::User, "Zhang Min", 0);
        pump(&mut engineer, &mut user, 0);
        drain(&mut engineer);
        drain(&mut user);
        (engineer, user)
    }

    fn answers() -> SurveyAnswers {
        SurveyAnswers {
            solved: Answer::Yes, rating: 5, explanations_clear: Answer::Partly, comment: "很清楚".into()
        }
    }

    #[test]
    fn after_a_long_session_the_user_is_asked_and_the_engineer_gets_the_answers() {
        let (mut engineer, mut user) = pair();
        engineer.handle_command(2 * MINUTE_MS, SessionCommand::End).unwrap();
        pump(&mut engineer, &mut user, 2 * MINUTE_MS);
        assert!(drain(&mut user).contains(&SessionEvent::SurveyOffered));
        assert!(user.survey_pending() && engineer.survey_pending(), "the link stays open for the survey");
        assert_eq!(engineer.poll_timeout(), Some(2 * MINUTE_MS + SURVEY_WAIT_MS_FOR_TESTS));

        // Nothing else is accepted after the end: only the survey.
        assert_eq!(user.handle_command(2 * MINUTE_MS, SessionCommand::Chat("hi".into())), Err(CommandError::Ended));
        let reply = SurveyReply::Answered(answers());
        user.handle_command(3 * MINUTE_MS, SessionCommand::AnswerSurvey(reply.clone())).unwrap();
        assert!(drain(&mut user).contains(&SessionEvent::SurveyReplied(reply.clone())));
        drain(&mut engineer);
        pump(&mut engineer, &mut user, 3 * MINUTE_MS);
        assert_eq!(drain(&mut engineer), vec![SessionEvent::SurveyReplied(reply)]);
        assert!(!engineer.survey_pending() && !user.survey_pending());
        assert_eq!(engineer.poll_timeout(), None);
        // Once is all: a second answer is refused.
        let again = user.handle_command(3 * MINUTE_MS, SessionCommand::AnswerSurvey(SurveyReply::Skipped));
        assert_eq!(again, Err(CommandError::NotNow(NotNowReason::NoSurvey)));
    }

    #[test]
    fn a_user_who_stops_can_skip_and_the_engineer_hears_it() {
        let (mut engineer, mut user) = pair();
        user.handle_command(MINUTE_MS, SessionCommand::End).unwrap();
        assert!(drain(&mut user).contains(&SessionEvent::SurveyOffered));
        pump(&mut engineer, &mut user, MINUTE_MS);
        assert!(engineer.survey_pending());
        user.handle_command(MINUTE_MS + 5, SessionCommand::AnswerSurvey(SurveyReply::Skipped)).unwrap();
        pump(&mut engineer, &mut user, MINUTE_MS + 5);
        assert!(drain(&mut engineer).contains(&SessionEvent::SurveyReplied(SurveyReply::Skipped)));
    }

    #[test]
    fn a_short_session_asks_nothing_and_frees_the_engineer_at_once() {
        let (mut engineer, mut user) = pair();
        engineer.handle_command(MINUTE_MS - 1, SessionCommand::End).unwrap();
        pump(&mut engineer, &mut user, MINUTE_MS - 1);
        assert!(!drain(&mut user).contains(&SessionEvent::SurveyOffered));
        assert!(!user.survey_pending() && !engineer.survey_pending());
        assert!(!drain(&mut engineer).iter().any(|event| matches!(event, SessionEvent::SurveyReplied(_))));
        let refused = user.handle_command(MINUTE_MS, SessionCommand::AnswerSurvey(SurveyReply::Skipped));
        assert_eq!(refused, Err(CommandError::NotNow(NotNowReason::NoSurvey)));
    }

    #[test]
    fn no_reply_in_time_or_a_dropped_link_loses_the_survey() {
        let (mut engineer, mut user) = pair();
        engineer.handle_command(2 * MINUTE_MS, SessionCommand::End).unwrap();
        pump(&mut engineer, &mut user, 2 * MINUTE_MS);
        drain(&mut engineer);
        let deadline = engineer.poll_timeout().unwrap();
        engineer.handle_timeout(deadline - 1);
        assert!(engineer.survey_pending());
        engineer.handle_timeout(deadline);
        assert_eq!(drain(&mut engineer), vec![SessionEvent::SurveyLost]);
        // A reply after that changes nothing.
        user.handle_command(deadline + 1, SessionCommand::AnswerSurvey(SurveyReply::Skipped)).unwrap();
        pump(&mut engineer, &mut user, deadline + 1);
        assert_eq!(drain(&mut engineer), vec![]);

        let (mut engineer, mut user) = pair();
        user.handle_command(2 * MINUTE_MS, SessionCommand::End).unwrap();
        pump(&mut engineer, &mut user, 2 * MINUTE_MS);
        drain(&mut engineer);
        engineer.handle_disconnect(2 * MINUTE_MS + 10);
        assert_eq!(drain(&mut engineer), vec![SessionEvent::SurveyLost]);
    }

    #[test]
    fn survey_replies_out_of_place_are_refused() {
        // Before the end a survey message breaks the rules.
        let (mut engineer, _user) = pair();
        engineer.handle_message(5, Message::Survey(SurveyReply::Skipped));
        assert!(matches!(engineer.ended(), Some(EndReason::ProtocolViolation(_))));
        // An engineer cannot fill in the user's survey, and a user never receives one.
        let (mut engineer, mut user) = pair();
        engineer.handle_command(2 * MINUTE_MS, SessionCommand::End).unwrap();
        pump(&mut engineer, &mut user, 2 * MINUTE_MS);
        let refused = engineer.handle_command(2 * MINUTE_MS, SessionCommand::AnswerSurvey(SurveyReply::Skipped));
        assert_eq!(refused, Err(CommandError::WrongRole(Role::User)));
        // Out-of-range answers from the peer are ignored, and the wait goes on.
        let bad = SurveyAnswers { rating: 9, ..answers() };
        engineer.handle_message(2 * MINUTE_MS + 1, Message::Survey(SurveyReply::Answered(bad)));
        assert!(engineer.survey_pending());
        // "Not asked" may come only from the session's own rule.
        let refused = user.handle_command(2 * MINUTE_MS, SessionCommand::AnswerSurvey(SurveyReply::NotAsked));
        assert_eq!(refused, Err(CommandError::NotNow(NotNowReason::NoSurvey)));
        // A broken session offers no survey.
        let (mut engineer, mut user) = pair();
        user.handle_message(
            MINUTE_MS * 2,
            Message::Hello { protocol_version: PROTOCOL_VERSION, role: Role::Engineer, display_name: "x".into() },
        );
        assert!(matches!(user.ended(), Some(EndReason::ProtocolViolation(_))));
        assert!(!user.survey_pending());
        pump(&mut engineer, &mut user, MINUTE_MS * 2);
        assert!(!engineer.survey_pending());
    }

    const SURVEY_WAIT_MS_FOR_TESTS: i64 = crate::protocol::survey::SURVEY_WAIT_MS;
}
