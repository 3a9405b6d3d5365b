//! The session workspace: while the user is connected, the ticket pane gives the remote screen all
//! the room the window has, with the session's tools above it and a right-hand column of tabs
//! (Steps, Chat, the live Transcript). It can move into its own window ("Pop out") and back.
//! Only draws and emits commands; what it asks of the desk comes back as a [`WorkspaceAction`].

use std::collections::HashMap;

use egui::{RichText, Ui};

use crate::model::{HistoryEntry, TicketId, TimelineEvent};
use crate::protocol::{ConsentState, SessionCommand};

use super::super::actor::{actor_label, user_claim};
use super::super::chat::chat_ui;
use super::super::command::UiCommand;
use super::super::i18n::Text;
use super::super::timeline::describe;
use super::super::{theme, widgets};
use super::attention::{Attention, SessionBadge, SideTab, Unseen};
use super::model::{LinkPhase, RemoteSessionView};
use super::panel::{PanelContext, consent_ui, end_session_ui, phrases_menu_ui, viewer_ui};
use super::steps::steps_ui;
use crate::ui::ViewContext;
use crate::ui::jargon::{jargon_hints_ui, record_hints_not_taken};

/// Width of the right-hand column when first shown, points.
const SIDE_COLUMN_WIDTH: f32 = 380.0;

/// What the workspace asks of the desk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkspaceAction {
    /// Show the ticket page (fields, notes, history) instead of the workspace.
    ShowTicketDetails,
    /// Move the workspace into its own window.
    PopOut,
    /// Put the workspace back into the main window.
    DockBack,
}

/// Where the workspace is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkspacePlace {
    /// In the main window's ticket pane.
    Docked,
    /// In its own window.
    PoppedOut,
}

/// How the workspace is shown this frame: where, which side tab, what is new on the tabs.
pub struct WorkspaceView<'a> {
    /// The right-hand column's tab (the engineer's choice, kept by the desk).
    pub tab: &'a mut SideTab,
    /// What is new in the session.
    pub unseen: Unseen,
    /// Docked or in its own window.
    pub place: WorkspacePlace,
}

/// Whether the session of a ticket is shown as a workspace: the user has joined and the session
/// is not over (before that the ticket page shows the code; after it, the wrap-up).
pub fn wants_workspace(session: &RemoteSessionView) -> bool {
    matches!(session.phase, LinkPhase::Connected | LinkPhase::Reconnecting)
}

/// Draws the workspace for the session of `context`'s ticket; `history` is the ticket's loaded
/// timeline (its tail since the session started is the Transcript tab).
pub fn workspace_ui(
    ui: &mut Ui,
    cx: &mut ViewContext<'_, UiCommand>,
    context: &PanelContext<'_>,
    history: &[HistoryEntry],
    session: &mut RemoteSessionView,
    view: WorkspaceView<'_>,
) -> Option<WorkspaceAction> {
    let WorkspaceView { tab, unseen, place } = view;
    let mut action = header_ui(ui, cx, context, session, place);
    ui.horizontal_wrapped(|ui| end_session_ui(ui, cx, context.ticket_id, session));
    consent_ui(ui, cx, context, session);
    if let Some(problem) = &session.problem {
        ui.colored_label(theme::ERROR, problem);
    }
    if session.held.is_some() {
        ui.colored_label(theme::WARNING, RichText::new(Text::HeldTranscript.get(cx.lang)).strong());
    }
    super::guidance_only::guidance_toolbar_ui(ui, cx, context.ticket_id, session);
    ui.separator();
    let side_id = ("workspace_side", context.ticket_id, place == WorkspacePlace::PoppedOut);
    egui::Panel::right(side_id)
        .resizable(true)
        .default_size(SIDE_COLUMN_WIDTH)
        .min_size(260.0)
        .show(ui, |ui| side_column_ui(ui, cx, context, history, session, tab, unseen));
    egui::CentralPanel::no_frame().show(ui, |ui| {
        // Before consent is asked for (or after a no) nothing waits for it: the consent line
        // above says where it stands.
        if matches!(session.consent, ConsentState::NotRequested | ConsentState::Denied) {
            ui.centered_and_justified(|ui| ui.weak(Text::WorkspaceNoPictureYet.get(cx.lang)));
        } else {
            session.viewer.fill = true;
            viewer_ui(ui, cx, context.ticket_id, session);
        }
    });
    if action.is_none() && place == WorkspacePlace::PoppedOut && ui.input(|input| input.viewport().close_requested()) {
        action = Some(WorkspaceAction::DockBack);
    }
    action
}

/// Ticket number and title, who is connected, and the buttons that move the workspace.
fn header_ui(
    ui: &mut Ui,
    cx: &mut ViewContext<'_, UiCommand>,
    context: &PanelContext<'_>,
    session: &RemoteSessionView,
    place: WorkspacePlace,
) -> Option<WorkspaceAction> {
    let lang = cx.lang;
    let mut action = None;
    ui.horizontal(|ui| {
        ui.label(RichText::new(context.ticket_number).monospace().strong());
        let peer = user_claim(session.peer_name.as_deref().unwrap_or(""), lang);
        let link = match session.phase {
            LinkPhase::Reconnecting => RichText::new(Text::LinkReconnecting.get(lang)).color(theme::WARNING),
            _ => RichText::new(Text::LinkConnected.fill(lang, &[&peer])).color(theme::SUCCESS),
        };
        ui.label(link);
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            match place {
                WorkspacePlace::Docked => {
                    if ui.button(Text::WorkspacePopOut.get(lang)).clicked() {
                        action = Some(WorkspaceAction::PopOut);
                    }
                    if ui.button(Text::WorkspaceTicketDetails.get(lang)).clicked() {
                        action = Some(WorkspaceAction::ShowTicketDetails);
                    }
                }
                WorkspacePlace::PoppedOut => {
                    if ui.button(Text::WorkspaceDockBack.get(lang)).clicked() {
                        action = Some(WorkspaceAction::DockBack);
                    }
                    let full = ui.input(|input| input.viewport().fullscreen.unwrap_or(false));
                    let word = if full { Text::WorkspaceLeaveFullScreen } else { Text::WorkspaceFullScreen };
                    if ui.button(word.get(lang)).on_hover_text("F11").clicked()
                        || ui.input(|input| input.key_pressed(egui::Key::F11))
                    {
                        ui.ctx().send_viewport_cmd(egui::ViewportCommand::Fullscreen(!full));
                    }
                }
            }
            ui.add(egui::Label::new(RichText::new(context.ticket_title).strong()).truncate());
        });
    });
    action
}

/// The right-hand column: Steps, Chat and Transcript tabs, each with what is new on it.
fn side_column_ui(
    ui: &mut Ui,
    cx: &mut ViewContext<'_, UiCommand>,
    context: &PanelContext<'_>,
    history: &[HistoryEntry],
    session: &mut RemoteSessionView,
    tab: &mut SideTab,
    unseen: Unseen,
) {
    let lang = cx.lang;
    ui.horizontal(|ui| {
        for (choice, word, news) in [
            (SideTab::Steps, Text::WorkspaceTabSteps, unseen.answers),
            (SideTab::Chat, Text::WorkspaceTabChat, unseen.chat),
            (SideTab::Transcript, Text::WorkspaceTabTranscript, 0),
        ] {
            let label = if news > 0 { format!("{} ● {news}", word.get(lang)) } else { word.get(lang).to_owned() };
            ui.selectable_value(tab, choice, label);
        }
    });
    ui.separator();
    match tab {
        SideTab::Steps => {
            egui::ScrollArea::vertical()
                .id_salt(("workspace_steps", context.ticket_id))
                .auto_shrink([false, false])
                .show(ui, |ui| steps_ui(ui, cx, context, session));
        }
        SideTab::Chat => {
            let peer = user_claim(session.peer_name.as_deref().unwrap_or(""), lang);
            phrases_menu_ui(ui, lang, context, &mut session.draft);
            if let Some(text) = chat_ui(ui, lang, "engineer_chat", &peer, &session.chat, Some(&mut session.draft)) {
                record_hints_not_taken(cx, context.glossary, &text);
                cx.emit(UiCommand::session(context.ticket_id, SessionCommand::Chat(text)));
            }
            let _ = jargon_hints_ui(ui, cx, context.glossary, &mut session.draft, "chat_jargon");
        }
        SideTab::Transcript => transcript_ui(ui, cx, context, history),
    }
}

/// The ticket's timeline since the current session started, newest at the bottom, following
/// along as entries arrive.
fn transcript_ui(ui: &mut Ui, cx: &ViewContext<'_, UiCommand>, context: &PanelContext<'_>, history: &[HistoryEntry]) {
    let lang = cx.lang;
    let start =
        history.iter().rposition(|entry| matches!(entry.event, TimelineEvent::SessionStarted { .. })).unwrap_or(0);
    let entries = &history[start..];
    if entries.is_empty() {
        ui.weak(Text::WorkspaceTranscriptEmpty.get(lang));
        return;
    }
    egui::ScrollArea::vertical()
        .id_salt(("workspace_transcript", context.ticket_id))
        .auto_shrink([false, false])
        .stick_to_bottom(true)
        .show(ui, |ui| {
            for entry in entries {
                ui.horizontal_wrapped(|ui| {
                    ui.weak(widgets::format_clock(entry.at_ms));
                    ui.label(actor_label(entry.actor_kind, &entry.actor, lang));
                    ui.label(describe(entry, lang));
                });
            }
        });
}

/// One tab per running session (its ticket, its state badge, a dot with what is new there);
/// returns the ticket whose tab was clicked. Draws nothing while no session runs.
pub fn session_tabs_ui(
    ui: &mut Ui,
    cx: &ViewContext<'_, UiCommand>,
    sessions: &HashMap<TicketId, RemoteSessionView>,
    open: Option<TicketId>,
    attention: &Attention,
) -> Option<TicketId> {
    let lang = cx.lang;
    let mut running: Vec<(&TicketId, &RemoteSessionView)> =
        sessions.iter().filter(|(_, session)| session.is_running()).collect();
    if running.is_empty() {
        return None;
    }
    running.sort_by_key(|(ticket_id, _)| **ticket_id);
    let mut clicked = None;
    ui.horizontal_wrapped(|ui| {
        ui.weak(Text::SessionTabs.get(lang));
        for (ticket_id, session) in running {
            let badge = SessionBadge::of(session, attention.reconnecting_for_ms(*ticket_id, cx.now_ms));
            let unseen = attention.unseen(*ticket_id);
            let number =
                if session.ticket_number.is_empty() { format!("#{ticket_id}") } else { session.ticket_number.clone() };
            let mut text = RichText::new(format!("{number} · {}", badge.text().get(lang)));
            if badge.is_warning() {
                text = text.color(theme::WARNING);
            }
            if unseen.total() > 0 {
                text = RichText::new(format!("{} ● {}", text.text(), unseen.total())).strong().color(theme::WARNING);
            }
            let response = ui.selectable_label(open == Some(*ticket_id), text);
            let response = if unseen.total() > 0 {
                let mut hint = Text::TabUnseenHint.fill(lang, &[&unseen.chat.to_string(), &unseen.answers.to_string()]);
                if unseen.joined {
                    hint = format!("{}. {hint}", Text::TabUnseenJoined.get(lang));
                }
                response.on_hover_text(hint)
            } else {
                response
            };
            if response.clicked() {
                clicked = Some(*ticket_id);
            }
        }
    });
    ui.separator();
    clicked
}
