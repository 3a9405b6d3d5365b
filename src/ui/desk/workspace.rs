//! The desk's part of the session workspace: the sidebar that folds away (Ctrl+B, and by itself
//! while a workspace is shown), the row of session tabs, the workspace in the ticket pane or in
//! its own window, and the window title counting what the engineer has not seen.

use std::collections::HashSet;

use egui::{RichText, Ui};

use crate::model::TicketId;

use super::super::command::{StoreCommand, StoreInfo, UiCommand};
use super::super::i18n::Text;
use super::super::session::{
    Attention, Looking, PanelContext, RemoteSessionView, SideTab, WorkspaceAction, WorkspacePlace, WorkspaceView,
    session_tabs_ui, wants_workspace, workspace_ui,
};
use super::super::ticket_view::TicketView;
use super::{DeskState, MainPane};
use crate::ui::ViewContext;

/// The popped-out window's first size, points.
const POPPED_OUT_SIZE: [f32; 2] = [1280.0, 800.0];

/// The workspace's state on the desk.
#[derive(Debug, Default)]
pub struct WorkspaceDesk {
    /// The ticket list is folded away.
    pub sidebar_collapsed: bool,
    /// Whether the list was folded before the workspace folded it: put back when it goes.
    collapsed_before: Option<bool>,
    /// The right-hand column's tab.
    pub tab: SideTab,
    /// The ticket whose workspace is in its own window, with its own copy of the ticket (kept
    /// current like the open one), so another ticket can be open in the main window meanwhile.
    pub popped: Option<Box<TicketView>>,
    /// Tickets whose page the engineer asked to see during their session.
    details_shown: HashSet<TicketId>,
    /// What the engineer has not seen yet.
    pub attention: Attention,
    /// The count last put in the window title.
    title_unseen: u32,
}

impl WorkspaceDesk {
    /// The id of the popped-out window, if any.
    pub fn popped_ticket(&self) -> Option<TicketId> {
        self.popped.as_ref().map(|view| view.id())
    }
}

impl DeskState {
    /// Whether the ticket list is folded away.
    pub fn sidebar_collapsed(&self) -> bool {
        self.workspace.sidebar_collapsed
    }

    /// The ticket whose workspace is in its own window, if any.
    pub fn popped_out_ticket(&self) -> Option<TicketId> {
        self.workspace.popped_ticket()
    }

    /// How many things happened in sessions that the engineer has not seen (the window title's
    /// count).
    pub fn unseen_total(&self) -> u32 {
        self.workspace.attention.total()
    }

    /// The ticket whose workspace the main window shows now, if any.
    fn docked_workspace(&self) -> Option<TicketId> {
        let MainPane::Ticket(view) = &self.pane else { return None };
        let id = view.id();
        let session = self.sessions.get(&id)?;
        let docked = wants_workspace(session)
            && !self.workspace.details_shown.contains(&id)
            && self.workspace.popped_ticket() != Some(id);
        docked.then_some(id)
    }

    /// Starts a frame: focus for the unseen counts, and the list folded away while a workspace
    /// is shown (as it was before, after it).
    pub(super) fn workspace_frame_start(&mut self, ui: &Ui) {
        let main_focused = ui.input(|input| input.viewport().focused.unwrap_or(true));
        let popped_focused = self.workspace.popped.as_ref().is_some_and(|view| {
            ui.ctx().input_for(popped_viewport_id(view.id()), |input| input.viewport().focused.unwrap_or(false))
        });
        self.workspace.attention.begin_frame(main_focused || popped_focused);
        let docked = self.docked_workspace().is_some();
        let workspace = &mut self.workspace;
        match (docked, workspace.collapsed_before) {
            (true, None) => {
                workspace.collapsed_before = Some(workspace.sidebar_collapsed);
                workspace.sidebar_collapsed = true;
            }
            (false, Some(before)) => {
                workspace.sidebar_collapsed = before;
                workspace.collapsed_before = None;
            }
            _ => {}
        }
        // A session that is over goes back to the ticket page, where its wrap-up is.
        let over = |id: &TicketId| self.sessions.get(id).is_none_or(|session| !wants_workspace(session));
        self.workspace.details_shown.retain(|id| !over(id));
        if self.workspace.popped_ticket().is_some_and(|id| over(&id)) {
            self.workspace.popped = None;
        }
    }

    /// Ctrl+B: folds the ticket list away or back (for as long as the workspace is shown, if
    /// one is: after it the list is as it was before).
    pub(super) fn toggle_sidebar(&mut self) {
        self.workspace.sidebar_collapsed = !self.workspace.sidebar_collapsed;
    }

    /// The button that folds the list (the top bar's first).
    pub(super) fn sidebar_toggle_ui(&mut self, ui: &mut Ui, cx: &ViewContext<'_, UiCommand>) {
        let (icon, hint) = if self.workspace.sidebar_collapsed {
            ("☰ »", Text::ShowTickets)
        } else {
            ("☰ «", Text::HideTickets)
        };
        if ui.button(icon).on_hover_text(hint.get(cx.lang)).clicked() {
            self.toggle_sidebar();
        }
    }

    /// The row of session tabs; a click opens that session's ticket.
    pub(super) fn session_tabs_row_ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>) {
        let open = match &self.pane {
            MainPane::Ticket(view) => Some(view.id()),
            _ => None,
        };
        if let Some(id) = session_tabs_ui(ui, cx, &self.sessions, open, &self.workspace.attention)
            && open != Some(id)
        {
            self.sidebar.select(id);
            cx.emit(StoreCommand::OpenTicket(id));
        }
    }

    /// Draws the open ticket's workspace in the main pane if it has one; returns false when the
    /// ticket page is to be drawn instead.
    pub(super) fn docked_workspace_ui(
        &mut self,
        ui: &mut Ui,
        cx: &mut ViewContext<'_, UiCommand>,
        info: &StoreInfo,
    ) -> bool {
        let lang = cx.lang;
        let MainPane::Ticket(view) = &mut self.pane else { return false };
        let id = view.id();
        let Some(session) = self.sessions.get_mut(&id) else { return false };
        if !wants_workspace(session) {
            self.workspace.attention.looking_at(id, Looking::Everything);
            return false;
        }
        if self.workspace.details_shown.contains(&id) {
            if ui.button(RichText::new(Text::WorkspaceBackToSession.get(lang)).strong()).clicked() {
                self.workspace.details_shown.remove(&id);
            }
            self.workspace.attention.looking_at(id, Looking::Everything);
            return false;
        }
        if self.workspace.popped_ticket() == Some(id) {
            ui.vertical_centered(|ui| {
                ui.add_space(80.0);
                ui.label(Text::WorkspacePoppedOut.get(lang));
                if ui.button(Text::WorkspaceDockBack.get(lang)).clicked() {
                    self.workspace.popped = None;
                }
            });
            return true;
        }
        let actor = self.profile.as_ref().map_or("", |profile| profile.name.as_str());
        let team = self.profile.as_ref().map_or("", |profile| profile.team.as_str());
        let ticket = &view.detail.ticket;
        let context = PanelContext {
            ticket_id: id,
            ticket_number: &ticket.number,
            ticket_title: &ticket.fields.title,
            engineer_name: actor,
            team,
            category: ticket.category,
            phrases: info.phrases(lang),
            glossary: info.glossary(lang),
        };
        let unseen = self.workspace.attention.unseen(id);
        let action = workspace_ui(
            ui,
            cx,
            &context,
            &view.detail.history,
            session,
            WorkspaceView { tab: &mut self.workspace.tab, unseen, place: WorkspacePlace::Docked },
        );
        self.workspace.attention.looking_at(id, Looking::Tab(self.workspace.tab));
        match action {
            Some(WorkspaceAction::ShowTicketDetails) => {
                self.workspace.details_shown.insert(id);
            }
            Some(WorkspaceAction::PopOut) => {
                self.workspace.popped = Some(Box::new(TicketView::new(view.detail.clone())));
            }
            Some(WorkspaceAction::DockBack) | None => {}
        }
        true
    }

    /// The popped-out workspace's own window, if one is out; closing it docks it back.
    pub(super) fn popped_workspace_ui(&mut self, ui: &Ui, cx: &mut ViewContext<'_, UiCommand>, info: &StoreInfo) {
        let lang = cx.lang;
        let Some(view) = &mut self.workspace.popped else { return };
        let id = view.id();
        let Some(session) = self.sessions.get_mut(&id) else { return };
        let actor = self.profile.as_ref().map_or("", |profile| profile.name.as_str());
        let team = self.profile.as_ref().map_or("", |profile| profile.team.as_str());
        let ticket = &view.detail.ticket;
        let builder = egui::ViewportBuilder::default()
            .with_title(Text::WorkspaceWindowTitle.fill(lang, &[&ticket.number]))
            .with_inner_size(POPPED_OUT_SIZE);
        let tab = &mut self.workspace.tab;
        let unseen = self.workspace.attention.unseen(id);
        let action = ui.ctx().show_viewport_immediate(popped_viewport_id(id), builder, |ui, _| {
            let context = PanelContext {
                ticket_id: id,
                ticket_number: &ticket.number,
                ticket_title: &ticket.fields.title,
                engineer_name: actor,
                team,
                category: ticket.category,
                phrases: info.phrases(lang),
                glossary: info.glossary(lang),
            };
            egui::CentralPanel::default_margins()
                .show(ui, |ui| {
                    let look = WorkspaceView { tab: &mut *tab, unseen, place: WorkspacePlace::PoppedOut };
                    workspace_ui(ui, cx, &context, &view.detail.history, session, look)
                })
                .inner
        });
        self.workspace.attention.looking_at(id, Looking::Tab(self.workspace.tab));
        if action == Some(WorkspaceAction::DockBack) {
            self.workspace.popped = None;
        }
    }

    /// Puts the number of unseen things in the window title ("(3) Stepwise"), and takes it out
    /// again once all is seen.
    pub(super) fn window_title_ui(&mut self, ui: &Ui, lang: super::super::i18n::Lang) {
        let total = self.workspace.attention.total();
        if total == self.workspace.title_unseen {
            return;
        }
        self.workspace.title_unseen = total;
        let title = if total == 0 {
            Text::AppTitle.get(lang).to_owned()
        } else {
            Text::WindowTitleUnseen.fill(lang, &[&total.to_string()])
        };
        ui.ctx().send_viewport_cmd_to(egui::ViewportId::ROOT, egui::ViewportCommand::Title(title));
    }

    /// Keeps the popped-out copy of a ticket current (the main pane's copy is updated apart).
    pub(super) fn popped_ticket_loaded(&mut self, detail: &super::super::command::TicketDetail) {
        if let Some(view) = &mut self.workspace.popped
            && view.id() == detail.ticket.id
        {
            view.update(detail.clone());
        }
    }

    /// Adds a new timeline entry to the popped-out copy of its ticket.
    pub(super) fn popped_history_appended(&mut self, ticket_id: TicketId, entry: &crate::model::HistoryEntry) {
        if let Some(view) = &mut self.workspace.popped
            && view.id() == ticket_id
            && view.detail.history.last().is_none_or(|last| last.seq < entry.seq)
        {
            view.detail.history.push(entry.clone());
        }
    }

    /// The session view of `ticket_id` with the ticket's number on its tab.
    pub(super) fn session_started(&mut self, ticket_id: TicketId, number: &str) {
        let mut session = RemoteSessionView::starting();
        session.ticket_number = number.to_owned();
        self.sessions.insert(ticket_id, session);
        self.workspace.attention.forget(ticket_id);
    }
}

/// The id of the window a popped-out workspace lives in.
fn popped_viewport_id(ticket_id: TicketId) -> egui::ViewportId {
    egui::ViewportId::from_hash_of(("session_workspace", ticket_id))
}
