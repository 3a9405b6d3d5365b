//! Why a command was refused.

use crate::protocol::message::Role;
use crate::protocol::validation::ValidationError;

/// A command that the current state does not allow.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// Only the other role may do this.
    #[error("only the {0:?} side can do this")]
    WrongRole(Role),
    /// Not possible in the current state of the session.
    #[error("not possible now: {0}")]
    NotNow(NotNowReason),
    /// The session has ended.
    #[error("the session has ended")]
    Ended,
    /// Text too long or otherwise invalid.
    #[error("{0}")]
    Invalid(#[from] ValidationError),
}

/// Why a command is not possible in the current state (a code; the English text follows it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotNowReason {
    /// A consent request is pending or consent is in force.
    #[error("a request or consent is already in force")]
    AlreadyInForce,
    /// Consent is not in force.
    #[error("consent is not in force")]
    ConsentNotInForce,
    /// Consent with the view scope is not in force.
    #[error("consent to view the screen is not in force")]
    ViewNotInForce,
    /// No step waits for an answer.
    #[error("no step is waiting")]
    NoStepWaiting,
    /// The step to edit is not the waiting one.
    #[error("only the waiting step can be edited")]
    NotTheWaitingStep,
    /// The session is on hold.
    #[error("the session is on hold")]
    OnHold,
    /// The user chose "Don't ask again in this session".
    #[error("the user asked not to be asked again in this session")]
    DontAskAgain,
    /// The pointers scope is not in force.
    #[error("the user has not allowed arrows on their screen")]
    ArrowsNotAllowed,
    /// The record scope is not in force (or the screen is not shared).
    #[error("the user has not allowed recording")]
    RecordingNotAllowed,
    /// Stills are asked for only in guidance-only mode (live updates flow otherwise).
    #[error("the session is not in guidance-only mode")]
    NotGuidanceOnly,
    /// In guidance-only mode no screen update leaves except the still asked for.
    #[error("no still was asked for")]
    NoStillAsked,
    /// The current step has no answer yet.
    #[error("the user has not answered the current step yet")]
    StepUnanswered,
    /// The user refused less than [`crate::protocol::CONSENT_RETRY_WAIT_MS`] ago.
    #[error("the user said no less than 30 seconds ago")]
    AskedTooSoon,
    /// There is no consent request to answer.
    #[error("there is no request to answer")]
    NoRequest,
    /// The answered step is not the waiting one.
    #[error("this step is not waiting for an answer")]
    StepNotWaiting,
    /// The control scope is not in force, or the user's own input holds it back for a moment.
    #[error("the user has not allowed control now")]
    ControlNotInForce,
    /// No survey waits for an answer.
    #[error("there is no survey to answer")]
    NoSurvey,
}
