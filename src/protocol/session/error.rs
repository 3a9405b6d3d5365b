//! Why a command was refused.

use crate::protocol::message::Role;
use crate::protocol::validation::ValidationError;

/// A command that the current state does not allow.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// Only the other role may do this.
    #[error("only the {0:?} side can do this")]
    WrongRole(Role),
    /// Not possible in the current consent state.
    #[error("not possible now: {0}")]
    NotNow(&'static str),
    /// The session has ended.
    #[error("the session has ended")]
    Ended,
    /// Text too long or otherwise invalid.
    #[error("{0}")]
    Invalid(#[from] ValidationError),
}
