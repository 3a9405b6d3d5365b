//! egui views and widgets of the console. Views draw state and queue [`UiCommand`]s; they never
//! block and never touch the store, the network or files. Events from below arrive as
//! [`UiEvent`]s through [`DeskState::apply`].

pub mod actor;
pub mod annotations;
pub mod chat;
pub mod command;
pub mod context;
pub mod coords;
pub mod desk;
pub mod get_help;
pub mod i18n;
pub mod jargon;
pub mod knowledge_base;
pub mod new_ticket;
pub mod path_prompt;
pub mod picture_viewer;
pub mod player;
pub mod reasons;
pub mod recording_export;
pub mod relay;
pub mod remote_input;
pub mod reports;
pub mod session;
pub mod session_history;
pub mod settings;
pub mod sidebar;
pub mod softpaint;
pub mod summary;
pub mod team;
pub mod theme;
pub mod thumbnails;
pub mod ticket_view;
pub mod timeline;
pub mod viewer;
pub mod widgets;

pub use command::{
    AssistCommand, AssistNotice, DialogCommand, GuideView, JoinFailure, NetworkCommand, SessionRequest, StoreCommand,
    StoreInfo, TeamTicketInfo, TicketDetail, UiCommand, UiEvent,
};
pub use context::ViewContext;
pub use desk::{DeskState, Notice};
pub use get_help::AssistView;
pub use i18n::{Lang, Text};
pub use session::{RemoteSessionView, SessionNotice};
