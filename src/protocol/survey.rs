//! The user's exit survey: what they answer at the end of a session, sent to the engineer's side
//! before the link closes. Only the user's side can send it.

use serde::{Deserialize, Serialize};

use super::validation::{TextField, ValidationError, check_length};

/// The longest survey comment, in characters.
pub const MAX_SURVEY_COMMENT_CHARS: usize = 500;

/// Sessions shorter than this (ms) end without a survey: there was nothing to rate.
pub const SURVEY_MIN_SESSION_MS: i64 = 60_000;

/// A three-way answer ("yes / partly / no").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// Yes.
    Yes,
    /// Partly.
    Partly,
    /// No.
    No,
}

impl Answer {
    /// Every answer, in the order the survey offers them.
    pub const ALL: [Answer; 3] = [Answer::Yes, Answer::Partly, Answer::No];

    /// The stable name (`yes`, `partly`, `no`).
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::Partly => "partly",
            Answer::No => "no",
        }
    }
}

/// What the user answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyAnswers {
    /// "Was your problem solved?"
    pub solved: Answer,
    /// "How satisfied are you?", 1–5.
    pub rating: u8,
    /// "Were the explanations easy to understand?"
    pub explanations_clear: Answer,
    /// Optional comment (≤ [`MAX_SURVEY_COMMENT_CHARS`]).
    #[serde(default)]
    pub comment: String,
}

impl SurveyAnswers {
    /// Checks the rating's range and the comment's length (answers come from the peer).
    pub fn validate(&self) -> Result<(), ValidationError> {
        if !(1..=5).contains(&self.rating) {
            return Err(ValidationError::RatingOutOfRange { rating: self.rating });
        }
        check_length(TextField::SurveyComment, &self.comment, MAX_SURVEY_COMMENT_CHARS)
    }
}

/// How long the engineer's side keeps the link open after the end for the user's reply (ms):
/// the user may take a few minutes over the questions.
pub const SURVEY_WAIT_MS: i64 = 10 * 60_000;

/// The user's side of the survey, sent once after a normal end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SurveyReply {
    /// The answers.
    Answered(SurveyAnswers),
    /// The user chose "Skip".
    Skipped,
    /// The user closed the window without answering.
    Closed,
    /// No survey was offered (the session was too short to rate).
    NotAsked,
}

impl SurveyReply {
    /// Why there are no answers, as the timeline's stable code (`skipped`, `closed`), or `None`
    /// for answers and for a survey that was never offered.
    pub fn not_answered_reason(&self) -> Option<&'static str> {
        match self {
            SurveyReply::Skipped => Some("skipped"),
            SurveyReply::Closed => Some("closed"),
            SurveyReply::Answered(_) | SurveyReply::NotAsked => None,
        }
    }

    /// Checks the answers (a reply comes from the peer).
    pub fn validate(&self) -> Result<(), ValidationError> {
        match self {
            SurveyReply::Answered(answers) => answers.validate(),
            _ => Ok(()),
        }
    }
}

/// When a survey is offered and how long the engineer waits for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SurveyTiming {
    /// Sessions shorter than this (from joining to the end, ms) get no survey.
    pub min_session_ms: i64,
    /// How long the engineer's side waits for the reply after the end (ms).
    pub wait_ms: i64,
}

impl Default for SurveyTiming {
    fn default() -> Self {
        Self { min_session_ms: SURVEY_MIN_SESSION_MS, wait_ms: SURVEY_WAIT_MS }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(rating: u8, comment: &str) -> SurveyAnswers {
        SurveyAnswers { solved: Answer::Yes, rating, explanations_clear: Answer::Partly, comment: comment.into() }
    }

    #[test]
    fn a_rating_outside_one_to_five_and_a_long_comment_are_refused() {
        assert_eq!(answers(5, "谢谢").validate(), Ok(()));
        assert!(answers(0, "").validate().is_err());
        assert!(answers(6, "").validate().is_err());
        assert_eq!(answers(1, &"字".repeat(MAX_SURVEY_COMMENT_CHARS)).validate(), Ok(()));
        assert!(answers(1, &"字".repeat(MAX_SURVEY_COMMENT_CHARS + 1)).validate().is_err());
    }
}
