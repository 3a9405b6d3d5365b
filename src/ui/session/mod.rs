//! The engineer's remote-session panel in the ticket view: code and link with copy buttons, the
//! link and consent state live, the consent request, guided steps, chat and "End session". One
//! console can hold sessions for several tickets; each ticket has its own [`RemoteSessionView`].
//!
//! [`model`] holds the state and how notices change it, [`panel`] draws it, [`steps`] is the
//! guided-steps editor.

pub mod attention;
pub mod control;
pub mod guidance_only;
pub mod model;
pub mod monitors;
pub mod panel;
pub mod steps;
pub mod workspace;
pub mod wrap_up;

#[cfg(test)]
mod tests;

pub use attention::{Attention, Looking, SessionBadge, SideTab, Unseen};
pub use model::{Ending, LinkPhase, RemoteSessionView, SessionNotice, SourceAttempts, StepRow, StepState, scopes_text};
pub use panel::{PanelContext, session_panel_ui};
pub use workspace::{WorkspaceAction, WorkspacePlace, WorkspaceView, session_tabs_ui, wants_workspace, workspace_ui};
pub use wrap_up::{SummaryDraft, SurveyStatus};
