//! The team desk's views: the team database setting, signing in as an engineer of the
//! directory, the directory itself, and the conflict dialog shown when a colleague changed a
//! ticket first.

pub mod conflict;
pub mod database;
pub mod sign_in;

use crate::model::{Engineer, TeamDatabaseSettings};

/// What the desk knows of its team database.
#[derive(Debug, Default)]
pub struct TeamDeskView {
    /// The database (`None`: the console's own desk).
    pub database: Option<TeamDatabaseSettings>,
    /// Who is signed in.
    pub engineer: Option<Engineer>,
    /// The directory.
    pub directory: Vec<Engineer>,
    /// The sign-in modal, while nobody is signed in.
    pub sign_in: Option<sign_in::SignInForm>,
    /// The directory window's add form, while it is open.
    pub directory_form: Option<sign_in::SignInForm>,
    /// A refused edit waiting for a choice.
    pub conflict: Option<conflict::ConflictDialog>,
    /// Why the team database cannot be reached, while it cannot.
    pub link_lost: Option<String>,
}

impl TeamDeskView {
    /// Whether the desk is a team's.
    pub fn is_team(&self) -> bool {
        self.database.is_some()
    }
}
