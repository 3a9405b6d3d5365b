//! Drawing the console: top bar, sidebar, main pane (ticket, new-ticket form or empty state),
//! status line and dialogs. Only draws and queues commands.

use egui::{Key, KeyboardShortcut, Modifiers, RichText, Ui};

use super::super::command::{DialogCommand, SessionRequest, StoreCommand, StoreInfo, UiCommand};
use super::super::i18n::{Lang, Text};
use super::super::new_ticket::{FormOutcome, NewTicketForm};
use super::super::picture_viewer::PictureWindow;
use super::super::settings::{
    NetworkDraft, ProfileForm, SettingsView, first_run_modal, glossary_editor_ui, network_editor_ui, phrases_editor_ui,
};
use super::super::sidebar::SidebarAction;
use super::super::team::database::{TeamDatabaseDraft, team_database_ui};
use super::super::theme;
use super::super::ticket_view::PaneEnv;
use super::{DeskState, ExportFormat, LIST_REFRESH_MS, MainPane, NOTICE_SHOWN_MS, StoreState};
use crate::ui::ViewContext;

impl DeskState {
    /// Draws the whole console; what the views ask for is queued for [`DeskState::take_commands`].
    pub fn ui(&mut self, ui: &mut Ui) {
        let mut commands = std::mem::take(&mut self.commands);
        let mut cx = ViewContext::new(self.lang(), self.now_ms, &mut commands);
        self.draw(ui, &mut cx);
        commands.append(&mut self.commands);
        self.commands = commands;
    }

    fn draw(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>) {
        let lang = cx.lang;
        if let Some(assist) = &mut self.assist {
            assist.now_ms = self.now_ms;
        }
        if self.assist_in_window
            && let Some(assist) = &mut self.assist
        {
            let builder = egui::ViewportBuilder::default()
                .with_title(Text::GetHelpTitle.get(assist.lang))
                .with_inner_size([680.0, 720.0]);
            ui.ctx().show_viewport_immediate(
                egui::ViewportId::from_hash_of("stepwise_demo_get_help"),
                builder,
                |ui, _| {
                    egui::CentralPanel::default_margins().show(ui, |ui| assist.ui(ui));
                },
            );
        } else if let Some(assist) = &mut self.assist {
            let mut back = false;
            egui::CentralPanel::default_margins().show(ui, |ui| {
                assist.ui(ui);
                if !assist.in_session() {
                    ui.add_space(16.0);
                    back = ui.button(Text::BackToDesk.get(assist.lang)).clicked();
                }
            });
            if back {
                self.assist = None;
            }
            return;
        }
        let info = match &self.store {
            StoreState::Opening => {
                egui::CentralPanel::default_margins().show(ui, |ui| {
                    ui.centered_and_justified(|ui| ui.spinner());
                });
                return;
            }
            StoreState::Failed(message) => {
                let message = message.clone();
                egui::CentralPanel::default_margins().show(ui, |ui| self.store_failed_ui(ui, cx, &message));
                return;
            }
            StoreState::Ready(info) => info.clone(),
        };
        if self.now_ms - self.last_refresh_ms >= LIST_REFRESH_MS {
            self.last_refresh_ms = self.now_ms;
            self.sidebar.refresh(cx);
        }
        if let Some(player) = &mut self.player {
            player.keyboard(ui.ctx());
        }
        let search_id = egui::Id::unique("ticket_search_box");
        self.workspace_frame_start(ui);
        self.shortcuts_ui(ui, search_id);
        self.top_bar_ui(ui, cx);
        self.status_line_ui(ui, lang);
        if !self.workspace.sidebar_collapsed {
            self.sidebar_ui(ui, cx, &info, search_id);
        }
        egui::CentralPanel::default_margins().show(ui, |ui| {
            self.session_tabs_row_ui(ui, cx);
            self.main_pane_ui(ui, cx, &info);
        });
        self.popped_workspace_ui(ui, cx, &info);
        self.window_title_ui(ui, lang);
        self.dialogs_ui(ui.ctx(), cx, &info);
        if let Some(window) = &mut self.picture
            && !window.window(ui.ctx(), lang)
        {
            self.picture = None;
        }
        if let Some(player) = &mut self.player
            && !player.window(ui.ctx(), cx)
        {
            self.player = None;
        }
    }

    /// The ticket list with its search and filters.
    fn sidebar_ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>, info: &StoreInfo, search_id: egui::Id) {
        egui::Panel::left("ticket_sidebar").resizable(true).default_size(theme::SIDEBAR_WIDTH).min_size(280.0).show(
            ui,
            |ui| {
                self.sidebar.filters_ui(ui, cx, search_id);
                ui.separator();
                let action = self.sidebar.list_ui(ui, cx, &info.policy);
                let keyboard = self.sidebar.keyboard(ui);
                if let SidebarAction::Open(id) = action {
                    cx.emit(StoreCommand::OpenTicket(id));
                } else if let Some(id) = keyboard {
                    cx.emit(StoreCommand::OpenTicket(id));
                }
            },
        );
    }

    /// The open review player, if any (tests read it).
    pub fn player(&self) -> Option<&super::super::player::PlayerWindow> {
        self.player.as_ref()
    }

    /// The open screenshot window, if any (tests read it).
    pub fn picture(&self) -> Option<&PictureWindow> {
        self.picture.as_ref()
    }

    fn shortcuts_ui(&mut self, ui: &mut Ui, search_id: egui::Id) {
        let (find, new, fold) = ui.input_mut(|input| {
            (
                input.consume_shortcut(&KeyboardShortcut::new(Modifiers::COMMAND, Key::F)),
                input.consume_shortcut(&KeyboardShortcut::new(Modifiers::COMMAND, Key::N)),
                input.consume_shortcut(&KeyboardShortcut::new(Modifiers::COMMAND, Key::B)),
            )
        });
        if fold {
            self.toggle_sidebar();
        }
        if find {
            ui.ctx().memory_mut(|memory| memory.request_focus(search_id));
        }
        if new {
            self.open_new_ticket_form();
        }
    }

    /// Shows the new-ticket form with the keyboard in Title; the list selects nothing while it
    /// is open (Cancel goes back to the ticket that was open).
    fn open_new_ticket_form(&mut self) {
        match &mut self.pane {
            MainPane::NewTicket(form) => form.focus_title = true,
            MainPane::Ticket(view) => {
                let previous = Some(view.id());
                self.pane = MainPane::NewTicket(NewTicketForm::after(previous));
            }
            MainPane::Empty => self.pane = MainPane::NewTicket(NewTicketForm::default()),
        }
        self.sidebar.clear_selection();
    }

    fn top_bar_ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>) {
        let lang = cx.lang;
        egui::Panel::top("top_bar").show(ui, |ui| {
            ui.horizontal(|ui| {
                self.sidebar_toggle_ui(ui, cx);
                ui.label(RichText::new(Text::AppTitle.get(lang)).strong().size(16.0));
                ui.separator();
                if ui.button(format!("＋ {}", Text::NewTicket.get(lang))).on_hover_text("Ctrl+N").clicked() {
                    self.open_new_ticket_form();
                }
                // A file is imported into this console's own desk only (the store refuses it on a
                // team desk): the button says so rather than failing after the file dialog.
                let on_team = self.team.is_team();
                let import = ui
                    .add_enabled(!on_team, egui::Button::new(Text::Import.get(lang)))
                    .on_disabled_hover_text(Text::ImportNotOnTeamDesk.get(lang));
                if import.clicked() {
                    cx.emit(DialogCommand::Import);
                }
                if ui.button(Text::ExportJson.get(lang)).clicked() {
                    cx.emit(DialogCommand::Export(ExportFormat::Json));
                }
                if ui.button(Text::ExportCsv.get(lang)).clicked() {
                    cx.emit(DialogCommand::Export(ExportFormat::Csv));
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if ui.button(Text::GetHelp.get(lang)).clicked() {
                        self.open_get_help();
                    }
                    if ui.button(Text::Reports.get(lang)).clicked() {
                        if self.reports.open {
                            self.reports.open = false;
                        } else {
                            self.reports.open(cx);
                        }
                    }
                    if ui.button(Text::KnowledgeBase.get(lang)).clicked() {
                        if self.knowledge_base.open {
                            self.knowledge_base.open = false;
                        } else {
                            let list = self.knowledge_base.open();
                            cx.emit(list);
                        }
                    }
                    if ui.button(Text::Settings.get(lang)).clicked() {
                        self.settings_open = !self.settings_open;
                        self.profile_form = ProfileForm::from_profile(self.profile.as_ref());
                    }
                    self.team_bar_ui(ui, lang);
                    if let Some(profile) = &self.profile {
                        let who = if profile.team.is_empty() {
                            profile.name.clone()
                        } else {
                            format!("{} · {}", profile.name, profile.team)
                        };
                        ui.weak(who);
                    }
                });
            });
        });
    }

    fn status_line_ui(&mut self, ui: &mut Ui, lang: Lang) {
        let Some(notice) = self.notice().cloned() else { return };
        if !notice.is_error {
            let left_ms = NOTICE_SHOWN_MS - (self.now_ms - notice.at_ms);
            ui.ctx().request_repaint_after(std::time::Duration::from_millis(u64::try_from(left_ms).unwrap_or(0)));
        }
        egui::Panel::bottom("status_line").show(ui, |ui| {
            ui.horizontal(|ui| {
                let color = if notice.is_error { theme::ERROR } else { theme::SUCCESS };
                ui.colored_label(color, notice.text(lang));
                if ui.small_button(Text::Dismiss.get(lang)).clicked() {
                    self.notice = None;
                }
            });
        });
    }

    fn main_pane_ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>, info: &StoreInfo) {
        let lang = cx.lang;
        let actor = self.actor().to_owned();
        if self.docked_workspace_ui(ui, cx, info) {
            return;
        }
        let mut started = Vec::new();
        match &mut self.pane {
            MainPane::NewTicket(form) => {
                if form.ui(ui, cx) == FormOutcome::Cancelled {
                    let previous = form.previous_ticket;
                    self.pane = MainPane::Empty;
                    if let Some(id) = previous {
                        self.open_ticket(id);
                    }
                }
            }
            MainPane::Ticket(view) => {
                let team = self.profile.as_ref().map_or("", |profile| profile.team.as_str());
                let queued = cx.queued();
                let env = PaneEnv {
                    policy: &info.policy,
                    actor: &actor,
                    team,
                    phrases: info.phrases(lang),
                    glossary: info.glossary(lang),
                    engineers: &self.team.directory,
                };
                view.ui(ui, &env, &mut self.sessions, cx);
                for command in cx.emitted_since(queued) {
                    if let UiCommand::Session(ticket_id, SessionRequest::Start) = command {
                        started.push((*ticket_id, view.detail.ticket.number.clone()));
                    }
                }
            }
            MainPane::Empty if info.ticket_count == 0 => {
                if empty_store_ui(ui, cx, self.team.database.is_none()) {
                    self.open_new_ticket_form();
                }
            }
            MainPane::Empty => {
                ui.centered_and_justified(|ui| ui.weak(Text::SelectTicket.get(lang)));
            }
        }
        for (ticket_id, number) in started {
            self.session_started(ticket_id, &number);
        }
    }

    fn dialogs_ui(&mut self, ctx: &egui::Context, cx: &mut ViewContext<'_, UiCommand>, info: &StoreInfo) {
        let lang = cx.lang;
        if self.team_dialogs_ui(ctx, cx) {
            return;
        }
        if self.profile.as_ref().is_none_or(|profile| !profile.is_complete()) {
            if first_run_modal(ctx, cx, &mut self.profile_form) {
                self.open_get_help();
            }
            return;
        }
        self.knowledge_base.window(ctx, cx, info.glossary(lang));
        self.reports.window(ctx, cx);
        if let Some(prompt) = &mut self.path_prompt
            && !prompt.window(ctx, cx)
        {
            self.path_prompt = None;
        }
        if let Some(dialog) = &mut self.video_export
            && !dialog.window(ctx, cx)
        {
            self.video_export = None;
        }
        if self.settings_open {
            let data_dir = info.data_dir.display().to_string();
            let view = SettingsView {
                lang,
                language_choice: info.language,
                data_dir: &data_dir,
                policy: &info.policy,
                samples: self.team.database.is_none(),
            };
            let mut open = true;
            let mut close = false;
            // On a small screen the window scrolls inside rather than running off the bottom (the
            // relay and team database sections are last).
            let max_height = (ctx.content_rect().height() - 56.0).max(240.0);
            egui::Window::new(Text::Settings.get(lang))
                .open(&mut open)
                .collapsible(false)
                .resizable(false)
                .vscroll(true)
                .default_height(max_height)
                .max_height(max_height)
                .show(ctx, |ui| {
                    view.ui(ui, &mut self.profile_form, cx);
                    if !self.phrases_drafts.iter().any(|(of, _)| *of == lang) {
                        self.phrases_drafts.push((lang, info.phrases(lang).join("\n")));
                    }
                    if let Some((_, draft)) = self.phrases_drafts.iter_mut().find(|(of, _)| *of == lang) {
                        phrases_editor_ui(ui, cx, draft);
                    }
                    if !self.glossary_drafts.iter().any(|(of, _)| *of == lang) {
                        self.glossary_drafts.push((lang, info.glossary(lang).to_lines()));
                    }
                    if let Some((_, draft)) = self.glossary_drafts.iter_mut().find(|(of, _)| *of == lang) {
                        glossary_editor_ui(ui, cx, draft);
                    }
                    let network = self.network_draft.get_or_insert_with(|| NetworkDraft::from(&info.network));
                    network_editor_ui(ui, cx, network);
                    super::super::settings::retention_editor_ui(ui, cx, info.recording_retention_days);
                    let team = self
                        .team_database_draft
                        .get_or_insert_with(|| TeamDatabaseDraft::from_saved(info.team_database.as_ref()));
                    team_database_ui(ui, cx, team, info.team_database.as_ref());
                    ui.separator();
                    close = ui.button(Text::Close.get(lang)).clicked();
                });
            self.settings_open = open && !close;
            if !self.settings_open {
                self.phrases_drafts.clear();
                self.glossary_drafts.clear();
                self.network_draft = None;
                self.team_database_draft = None;
            }
        }
    }

    fn store_failed_ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>, message: &str) {
        let lang = cx.lang;
        ui.vertical_centered(|ui| {
            ui.add_space(80.0);
            ui.heading(Text::StoreFailedTitle.get(lang));
            ui.add_space(8.0);
            ui.colored_label(theme::ERROR, message);
            ui.add_space(8.0);
            if ui.button(Text::Retry.get(lang)).clicked() {
                self.store = StoreState::Opening;
                cx.emit(StoreCommand::RetryOpenStore);
            }
            if self.team.is_team() || message.starts_with("postgres") {
                ui.add_space(8.0);
                ui.label(Text::TeamDatabaseUnreachable.get(lang));
                if ui.button(Text::UseLocalDesk.get(lang)).clicked() {
                    self.store = StoreState::Opening;
                    cx.emit(StoreCommand::SaveTeamDatabase(None));
                }
            }
        });
    }
}

/// The first-run pane (with "Load sample tickets" when `samples`); returns true when "New
/// ticket" was clicked.
fn empty_store_ui(ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>, samples: bool) -> bool {
    let lang = cx.lang;
    ui.vertical_centered(|ui| {
        ui.add_space(80.0);
        ui.heading(Text::EmptyStoreTitle.get(lang));
        ui.label(Text::EmptyStoreBody.get(lang));
        ui.add_space(12.0);
        if samples && ui.button(Text::LoadSamples.get(lang)).clicked() {
            cx.emit(StoreCommand::LoadSamples);
        }
        ui.button(Text::NewTicket.get(lang)).clicked()
    })
    .inner
}
