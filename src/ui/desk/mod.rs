//! The engineer's console: top bar, ticket sidebar, main pane (ticket, new-ticket form or empty
//! state), status line, dialogs. `ui()` only draws and queues [`UiCommand`]s; `apply()` takes
//! [`UiEvent`]s from below.
//!
//! This module holds the state and how events change it; `draw` draws it, [`notice`] is the
//! status line's message.

mod draw;
pub mod notice;
mod team;
mod workspace;

use crate::ui::DialogCommand;
use crate::ui::StoreCommand;
use crate::ui::ViewContext;
use notice::capitalized;
pub use notice::{NOTICE_SHOWN_MS, Notice};

use std::collections::HashMap;

use crate::model::EngineerProfile;
use crate::model::ExportFormat;
use crate::model::SlaPolicy;
use crate::model::TicketId;

use super::command::{GuideView, StoreInfo, UiCommand, UiEvent};
use super::get_help::AssistView;
use super::i18n::{Lang, Text};
use super::knowledge_base::KnowledgeBaseView;
use super::new_ticket::NewTicketForm;
use super::path_prompt::PathPrompt;
use super::player::PlayerCommand;
use super::session::RemoteSessionView;
use super::settings::ProfileForm;
use super::sidebar::Sidebar;
use super::ticket_view::TicketView;

/// Whether the database is usable.
#[derive(Debug, Default)]
enum StoreState {
    /// Opening.
    #[default]
    Opening,
    /// Open.
    Ready(Box<StoreInfo>),
    /// Cannot be used: the message says why.
    Failed(String),
}

/// What the main pane shows.
#[expect(clippy::large_enum_variant, reason = "one value per user action or frame; boxing buys nothing")]
#[derive(Debug, Default)]
enum MainPane {
    /// Nothing selected.
    #[default]
    Empty,
    /// A ticket.
    Ticket(Box<TicketView>),
    /// The new-ticket form.
    NewTicket(NewTicketForm),
}

/// All state of the console's views. Runtime handles live in the app, not here.
#[derive(Debug)]
pub struct DeskState {
    system_lang: Lang,
    store: StoreState,
    sidebar: Sidebar,
    pane: MainPane,
    profile: Option<EngineerProfile>,
    profile_form: ProfileForm,
    settings_open: bool,
    knowledge_base: KnowledgeBaseView,
    reports: super::reports::ReportsWindow,
    notice: Option<Notice>,
    commands: Vec<UiCommand>,
    sessions: HashMap<TicketId, RemoteSessionView>,
    assist: Option<AssistView>,
    /// Show the Get-help screens in their own window next to the desk (the demo).
    assist_in_window: bool,
    /// The canned-phrase box per language, as typed: switching the language shows (and saves)
    /// that language's phrases, and an unsaved edit of the other waits for its return.
    phrases_drafts: Vec<(Lang, String)>,
    /// The glossary box per language, as typed (like the phrases).
    glossary_drafts: Vec<(Lang, String)>,
    /// The screenshot window, when one is open.
    picture: Option<super::picture_viewer::PictureWindow>,
    /// The review player, when a recording is open in it.
    player: Option<super::player::PlayerWindow>,
    network_draft: Option<super::settings::NetworkDraft>,
    /// The team database, who is signed in, the directory and the team dialogs.
    team: super::team::TeamDeskView,
    /// Settings → "Team database" as typed.
    team_database_draft: Option<super::team::database::TeamDatabaseDraft>,
    /// No file dialog could be shown: the path is typed here.
    path_prompt: Option<PathPrompt>,
    /// The session workspace: folded list, session tabs, popped-out window, unseen news.
    workspace: workspace::WorkspaceDesk,
    /// The "Export video…" dialog of a recording, when open.
    video_export: Option<super::recording_export::RecordingExportDialog>,
    /// Wall-clock time of this frame, unix ms (injected so tests are deterministic).
    pub now_ms: i64,
    last_refresh_ms: i64,
}

/// How often the list is re-queried so SLA filters and order follow the clock.
const LIST_REFRESH_MS: i64 = 60_000;

impl DeskState {
    /// A console waiting for its store; `system_lang` applies until a choice is saved.
    pub fn new(system_lang: Lang, now_ms: i64) -> Self {
        Self {
            system_lang,
            store: StoreState::Opening,
            sidebar: Sidebar::default(),
            pane: MainPane::Empty,
            profile: None,
            profile_form: ProfileForm::default(),
            settings_open: false,
            knowledge_base: KnowledgeBaseView::default(),
            reports: super::reports::ReportsWindow::default(),
            notice: None,
            commands: Vec::new(),
            sessions: HashMap::new(),
            assist: None,
            assist_in_window: false,
            phrases_drafts: Vec::new(),
            glossary_drafts: Vec::new(),
            picture: None,
            player: None,
            network_draft: None,
            team_database_draft: None,
            team: Default::default(),
            path_prompt: None,
            workspace: workspace::WorkspaceDesk::default(),
            video_export: None,
            now_ms,
            last_refresh_ms: now_ms,
        }
    }

    /// The language in force.
    pub fn lang(&self) -> Lang {
        match &self.store {
            StoreState::Ready(info) => info.language.unwrap_or(self.system_lang),
            _ => self.system_lang,
        }
    }

    /// The commands queued by the views since the last call.
    pub fn take_commands(&mut self) -> Vec<UiCommand> {
        // A screenshot asked for opens its window at once, waiting for the loader's pixels.
        if let Some(file) = self.commands.iter().rev().find_map(|command| match command {
            UiCommand::Dialog(DialogCommand::ShowScreenshot { file }) => Some(file.clone()),
            _ => None,
        }) {
            self.picture = Some(super::picture_viewer::PictureWindow::loading(file));
        }
        // A recording asked for opens the player at once, waiting for its worker.
        if let Some(recording) = self.commands.iter().rev().find_map(|command| match command {
            UiCommand::Player(PlayerCommand::Open(recording)) => Some(recording.clone()),
            _ => None,
        }) {
            self.player = Some(super::player::PlayerWindow::opening(recording));
        }
        // So does "Export video…" (waiting for its preview), unless an export is running.
        if let Some(source) = self.commands.iter().rev().find_map(|command| match command {
            UiCommand::Dialog(DialogCommand::OpenVideoExport(source)) => Some(source.clone()),
            _ => None,
        }) && !self.video_export.as_ref().is_some_and(|dialog| dialog.is_running())
        {
            self.video_export = Some(super::recording_export::RecordingExportDialog::new(source));
        }
        if let Some(assist) = &mut self.assist {
            self.commands.extend(assist.take_commands().into_iter().map(UiCommand::Assist));
        }
        std::mem::take(&mut self.commands)
    }

    /// Whether views queued commands that have not been taken yet.
    pub fn has_pending_commands(&self) -> bool {
        !self.commands.is_empty() || self.assist.as_ref().is_some_and(AssistView::has_pending_commands)
    }

    /// The remote session of a ticket, if one was started.
    pub fn session(&self, ticket_id: TicketId) -> Option<&RemoteSessionView> {
        self.sessions.get(&ticket_id)
    }

    /// Whether any remote session is starting, waiting or live (its panel has clocks to move).
    pub fn has_running_session(&self) -> bool {
        self.sessions.values().any(RemoteSessionView::is_running)
    }

    /// Whether the Get-help screens are showing.
    pub fn is_assisting(&self) -> bool {
        self.assist.is_some()
    }

    /// Shows the Get-help screens in a window of their own beside the desk (the demo: one
    /// machine plays both sides).
    pub fn open_get_help_window(&mut self) {
        self.open_get_help();
        self.assist_in_window = true;
    }

    /// Puts the Get-help screens on `link` and joins at once (the demo pairs both sides).
    pub fn get_help_join(&mut self, link: &crate::protocol::JoinLink) {
        self.assist = Some(AssistView::new(self.lang(), Some(link)));
    }

    /// Opens a ticket in the main pane (as a click in the list would).
    pub fn open_ticket(&mut self, id: TicketId) {
        self.sidebar.select(id);
        self.commands.push(UiCommand::Store(StoreCommand::OpenTicket(id)));
    }

    /// Shows the Get-help screens instead of the desk.
    pub fn open_get_help(&mut self) {
        if self.assist.is_none() {
            self.assist = Some(AssistView::new(self.lang(), None));
        }
    }

    /// Number of the ticket shown in the main pane, if any.
    pub fn open_ticket_number(&self) -> Option<&str> {
        match &self.pane {
            MainPane::Ticket(view) => Some(view.detail.ticket.number.as_str()),
            _ => None,
        }
    }

    /// Matching tickets in the sidebar, once counted.
    pub fn listed_count(&self) -> Option<i64> {
        self.sidebar.total()
    }

    /// Whether the sidebar's first row is loaded (its count can arrive a frame before it).
    pub fn first_row_loaded(&self) -> bool {
        self.sidebar.first_row_loaded()
    }

    /// The status-line message shown now, if any.
    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref().filter(|notice| notice.is_shown(self.now_ms))
    }

    /// The engineer's name, the "who" of history entries.
    pub fn actor(&self) -> &str {
        self.profile.as_ref().map_or("", |profile| profile.name.as_str())
    }

    /// Says words from below that have no translation (the same in every language).
    fn say(&mut self, text: String, is_error: bool) {
        self.say_in(|_| text.clone(), is_error);
    }

    /// Says something in every language (each starting with a capital); the status line shows
    /// the one in force.
    fn say_in(&mut self, words: impl Fn(Lang) -> String, is_error: bool) {
        self.notice = Some(Notice::in_every_language(words, is_error, self.now_ms));
    }

    /// A change went through: an error about an earlier attempt (a rule, a refusal) is stale.
    fn clear_error(&mut self) {
        if self.notice.as_ref().is_some_and(|notice| notice.is_error) {
            self.notice = None;
        }
    }

    /// Applies one event from below.
    pub fn apply(&mut self, event: UiEvent) {
        let lang = self.lang();
        let Some(event) = self.apply_team(event) else { return };
        match event {
            UiEvent::StoreOpened(info) => {
                self.profile = info.profile.clone();
                self.profile_form = ProfileForm::from_profile(info.profile.as_ref());
                if let Some(warning) = info.warnings.first() {
                    self.say(warning.clone(), true);
                }
                self.store = StoreState::Ready(Box::new(info));
                self.sidebar.refresh(&mut ViewContext::new(lang, self.now_ms, &mut self.commands));
            }
            UiEvent::StoreFailed(message) => self.store = StoreState::Failed(message),
            UiEvent::TicketsCounted { generation, total, more_than_total, assignees, store_total } => {
                if let StoreState::Ready(info) = &mut self.store {
                    info.ticket_count = store_total;
                }
                self.sidebar.counted(generation, total, more_than_total, assignees);
            }
            UiEvent::PageLoaded { generation, page, rows } => self.sidebar.page_loaded(generation, page, rows),
            UiEvent::TicketLoaded { detail, created, changed } => {
                let id = detail.ticket.id;
                self.popped_ticket_loaded(&detail);
                if changed || created {
                    self.clear_error();
                }
                if created {
                    self.say_in(|lang| Text::Created.fill(lang, &[&detail.ticket.number]), false);
                    self.sidebar.select(id);
                }
                match &mut self.pane {
                    MainPane::Ticket(view) if view.id() == id => view.update(detail),
                    // A reload in the background leaves the form alone; a ticket picked in the list
                    // (selected while the form is open) replaces it.
                    MainPane::NewTicket(_) if !created && self.sidebar.selected_id != Some(id) => {}
                    _ if created || self.sidebar.selected_id == Some(id) => {
                        self.pane = MainPane::Ticket(Box::new(TicketView::new(detail)));
                    }
                    _ => {}
                }
                if changed {
                    self.sidebar.refresh(&mut ViewContext::new(lang, self.now_ms, &mut self.commands));
                }
            }
            UiEvent::ActionFailed(message) => {
                if let Some(prompt) = &mut self.path_prompt {
                    prompt.failed(capitalized(&message));
                }
                self.say(message, true);
            }
            UiEvent::ThumbnailLoaded { ticket_id, file, picture } => {
                if let MainPane::Ticket(view) = &mut self.pane
                    && view.id() == ticket_id
                {
                    view.thumbnail_loaded(file, picture);
                }
            }
            UiEvent::ScreenshotLoaded { file, picture } => {
                if let Some(window) = &mut self.picture {
                    window.loaded(&file, picture);
                }
            }
            UiEvent::PlayerOpened { recording_id, content, slot } => {
                if let Some(player) = self.player.as_mut().filter(|player| player.recording_id() == recording_id) {
                    player.opened(content, slot);
                }
            }
            UiEvent::PlayerFailed { recording_id, reason } => {
                if let Some(player) = self.player.as_mut().filter(|player| player.recording_id() == recording_id) {
                    player.failed(reason);
                }
            }
            UiEvent::PlayerIntegrity { recording_id, integrity } => {
                if let Some(player) = self.player.as_mut().filter(|player| player.recording_id() == recording_id) {
                    player.verified(integrity);
                }
            }
            UiEvent::ScreenshotNotSaved(why) => {
                self.say_in(|lang| Text::ScreenshotNotSaved.fill(lang, &[&why]), true);
            }
            UiEvent::RuleRefused(rule) => self.say_in(|lang| super::reasons::ticket_rule_text(rule, lang), true),
            UiEvent::CreateFailed(message) => {
                if let MainPane::NewTicket(form) = &mut self.pane {
                    form.submitted = false;
                    form.rejection = Some(message.clone());
                }
                self.say(message, true);
            }
            UiEvent::SamplesLoaded(count) => {
                self.say_in(|lang| Text::SamplesLoaded.fill(lang, &[&count.to_string()]), false);
                self.sidebar.refresh(&mut ViewContext::new(lang, self.now_ms, &mut self.commands));
            }
            UiEvent::ProfileSaved(profile) => {
                if let StoreState::Ready(info) = &mut self.store {
                    info.profile = Some(profile.clone());
                }
                self.profile = Some(profile);
                self.say_in(|lang| Text::Saved.get(lang).to_owned(), false);
            }
            UiEvent::ReportReady(result) => self.reports.ready(result, lang),
            UiEvent::ReportExported(result) => self.reports.exported(result, lang),
            UiEvent::VideoExportPreview { path, picture } => {
                if let Some(dialog) = &mut self.video_export {
                    dialog.preview_loaded(&path, picture);
                }
            }
            UiEvent::VideoExportPathChosen(path) => {
                if let Some(dialog) = &mut self.video_export {
                    dialog.path_chosen(path);
                }
            }
            UiEvent::VideoExportProgress(fraction) => {
                if let Some(dialog) = &mut self.video_export {
                    dialog.progress(fraction);
                }
            }
            UiEvent::VideoExportFinished(outcome) => {
                if let Some(dialog) = &mut self.video_export {
                    dialog.finished(outcome);
                }
            }
            UiEvent::Exported { path, count } => {
                self.path_prompt = None;
                self.say_in(
                    |lang| Text::Exported.fill(lang, &[&count.to_string(), &path.display().to_string()]),
                    false,
                );
            }
            UiEvent::FileDialogUnavailable(export) => self.path_prompt = Some(PathPrompt::new(export)),
            UiEvent::Imported(report) => {
                self.path_prompt = None;
                let counts = [report.imported.to_string(), report.skipped_existing.len().to_string()];
                self.say_in(|lang| Text::ImportedNotice.fill(lang, &[&counts[0], &counts[1]]), false);
                self.sidebar.refresh(&mut ViewContext::new(lang, self.now_ms, &mut self.commands));
            }
            UiEvent::Session { ticket_id, notice } => {
                self.workspace.attention.notice(ticket_id, &notice, self.now_ms);
                let session = self.sessions.entry(ticket_id).or_insert_with(RemoteSessionView::starting);
                // A session started elsewhere (the demo) learns its ticket's number for its tab.
                if session.ticket_number.is_empty()
                    && let MainPane::Ticket(view) = &self.pane
                    && view.id() == ticket_id
                {
                    session.ticket_number = view.detail.ticket.number.clone();
                }
                if let Some((guide_id, step_index, answer)) = session.apply_and_count(notice, lang) {
                    let step_index = i64::try_from(step_index).unwrap_or(i64::MAX);
                    self.commands.push(UiCommand::Store(StoreCommand::RecordStepAnswer {
                        guide_id,
                        step_index,
                        answer,
                    }));
                }
            }
            // Taken by `apply_team` before this match.
            UiEvent::SignInNeeded { .. }
            | UiEvent::SignedIn(_)
            | UiEvent::DirectoryLoaded(_)
            | UiEvent::SignInFailed(_)
            | UiEvent::EditConflict { .. }
            | UiEvent::AlreadyClaimed { .. }
            | UiEvent::RowsChanged(_)
            | UiEvent::DeskReloadNeeded
            | UiEvent::TeamLink(_) => {}
            UiEvent::TeamDatabaseTested(outcome) => {
                if let Some(draft) = &mut self.team_database_draft {
                    draft.tested(outcome);
                }
            }
            UiEvent::RelayTested(outcome) => {
                if let Some(draft) = &mut self.network_draft {
                    draft.relay_tested(outcome);
                }
            }
            UiEvent::NetworkSettingsSaved(network) => {
                if let StoreState::Ready(info) = &mut self.store {
                    info.network = network;
                }
                self.network_draft = None;
                self.say_in(|lang| Text::NetworkSaved.get(lang).to_owned(), false);
            }
            UiEvent::GlossarySaved { lang: of, glossary } => {
                if let StoreState::Ready(info) = &mut self.store {
                    info.glossaries.retain(|(existing, _)| *existing != of);
                    info.glossaries.push((of, glossary));
                }
                self.glossary_drafts.retain(|(existing, _)| *existing != of);
                self.say_in(|lang| Text::Saved.get(lang).to_owned(), false);
            }
            UiEvent::SharedWordsChanged { glossaries, canned_phrases } => {
                // Drafts being edited stay; only what changed is announced (a console hears
                // its own saves too, already applied).
                if let StoreState::Ready(info) = &mut self.store {
                    let mut changed = false;
                    for (of, glossary) in glossaries {
                        if info.glossary(of) != &glossary {
                            info.glossaries.retain(|(existing, _)| *existing != of);
                            info.glossaries.push((of, glossary));
                            changed = true;
                        }
                    }
                    for (of, phrases) in canned_phrases {
                        if info.phrases(of) != phrases.as_slice() {
                            info.canned_phrases.retain(|(existing, _)| *existing != of);
                            info.canned_phrases.push((of, phrases));
                            changed = true;
                        }
                    }
                    if changed {
                        self.say_in(|lang| Text::TeamWordsChanged.get(lang).to_owned(), false);
                    }
                }
            }
            UiEvent::CannedPhrasesSaved { lang: of, phrases } => {
                if let StoreState::Ready(info) = &mut self.store {
                    info.canned_phrases.retain(|(existing, _)| *existing != of);
                    info.canned_phrases.push((of, phrases));
                }
                self.say_in(|lang| Text::Saved.get(lang).to_owned(), false);
            }
            UiEvent::GuidesListed { view: GuideView::Session(ticket_id), guides } => {
                if let Some(session) = self.sessions.get_mut(&ticket_id) {
                    session.guides_listed(guides);
                }
            }
            UiEvent::GuidesListed { view: GuideView::KnowledgeBase, guides } => self.knowledge_base.listed(guides),
            UiEvent::GuideLoaded { view: GuideView::Session(ticket_id), guide, stats } => {
                if let Some(session) = self.sessions.get_mut(&ticket_id) {
                    session.load_guide(&guide, &stats);
                }
            }
            UiEvent::GuideLoaded { view: GuideView::KnowledgeBase, guide, stats } => {
                self.knowledge_base.loaded(guide, &stats);
            }
            UiEvent::GuideSaved { view: GuideView::Session(ticket_id), guide_id } => {
                if let Some(session) = self.sessions.get_mut(&ticket_id) {
                    session.saved_guide = Some(guide_id);
                }
            }
            UiEvent::GuideSaved { view: GuideView::KnowledgeBase, guide_id } => {
                self.knowledge_base.saved(guide_id, &mut ViewContext::new(lang, self.now_ms, &mut self.commands));
            }
            UiEvent::GuideDeleted { guide_id } => {
                self.knowledge_base.deleted(guide_id, &mut ViewContext::new(lang, self.now_ms, &mut self.commands));
            }
            UiEvent::HistoryAppended { ticket_id, entry } => {
                self.popped_history_appended(ticket_id, &entry);
                if let MainPane::Ticket(view) = &mut self.pane
                    && view.id() == ticket_id
                    && view.detail.history.last().is_none_or(|last| last.seq < entry.seq)
                {
                    view.detail.history.push(entry);
                }
            }
            UiEvent::TranscriptWriteFailed { ticket_id: _, kind, reason } => {
                self.say_in(|lang| Text::TranscriptNotSaved.fill(lang, &[&kind, &reason]), true);
            }
            UiEvent::OlderHistoryLoaded { ticket_id, entries, older_entries } => {
                if let MainPane::Ticket(view) = &mut self.pane
                    && view.id() == ticket_id
                    && entries
                        .last()
                        .is_some_and(|last| view.detail.history.first().is_none_or(|first| last.seq < first.seq))
                {
                    let mut history = entries;
                    history.append(&mut view.detail.history);
                    view.detail.history = history;
                    view.detail.older_entries = older_entries;
                }
            }
            UiEvent::TranscriptRecovered { .. } => {
                self.say_in(|lang| Text::TranscriptSavedAgain.get(lang).to_owned(), false)
            }
            UiEvent::Assist(notice) => {
                if let Some(assist) = &mut self.assist {
                    assist.apply(notice);
                }
            }
        }
    }

    /// Applies a saved language choice locally (the app persists it).
    pub fn set_language(&mut self, choice: Option<Lang>) {
        if let StoreState::Ready(info) = &mut self.store {
            info.language = choice;
        }
    }
}

impl DeskState {
    /// The SLA in force once the store is open.
    pub fn policy(&self) -> Option<&SlaPolicy> {
        match &self.store {
            StoreState::Ready(info) => Some(&info.policy),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_795_424_400_000;

    #[test]
    fn success_messages_leave_the_status_line_errors_stay_and_all_start_with_a_capital() {
        let mut desk = DeskState::new(Lang::En, T0);
        let profile = EngineerProfile { name: "Li Wei".into(), team: String::new() };
        desk.apply(UiEvent::ProfileSaved(profile));
        assert_eq!(desk.notice().map(|notice| notice.text(Lang::En)), Some("Saved"));
        desk.now_ms = T0 + NOTICE_SHOWN_MS - 1;
        assert!(desk.notice().is_some(), "still there a moment later");
        desk.now_ms = T0 + NOTICE_SHOWN_MS;
        assert_eq!(desk.notice(), None, "not minutes later");

        desk.apply(UiEvent::ActionFailed("write the resolution before resolving the ticket".into()));
        desk.now_ms += 10 * 60_000;
        let notice = desk.notice().expect("an error stays until dismissed or resolved");
        assert_eq!(notice.text(Lang::En), "Write the resolution before resolving the ticket");
        assert!(notice.is_error);
    }
}
