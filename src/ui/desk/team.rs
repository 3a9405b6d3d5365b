//! The desk's side of a team database: signing in, the directory, colleagues' changes, the
//! conflict dialog, a ticket someone else took first, and a lost link.

use super::super::i18n::Text;
use super::super::team::conflict::ConflictDialog;
use super::super::team::sign_in::{SignInForm, directory_window, sign_in_modal};
use super::super::theme;
use super::DeskState;
use crate::model::EngineerProfile;
use crate::ui::{UiCommand, UiEvent, ViewContext};

impl DeskState {
    /// Applies the events of a team desk; gives back every other event.
    pub(super) fn apply_team(&mut self, event: UiEvent) -> Option<UiEvent> {
        let lang = self.lang();
        match event {
            UiEvent::StoreOpened(info) => {
                self.team.database = info.team_database.clone();
                self.team.directory = info.engineers.clone();
                self.team.engineer = None;
                self.team.sign_in = None;
                self.team.link_lost = None;
                self.sidebar.team_desk = info.team_database.is_some();
                if info.team_database.is_none() {
                    self.sidebar.filter.scope = crate::model::TeamScope::All;
                }
                return Some(UiEvent::StoreOpened(info));
            }
            UiEvent::SignInNeeded { directory_empty } => self.team.sign_in = Some(SignInForm::new(directory_empty)),
            UiEvent::SignedIn(engineer) => {
                let profile = EngineerProfile { name: engineer.name.clone(), team: engineer.team.clone() };
                self.profile = Some(profile);
                self.team.engineer = Some(engineer);
                self.team.sign_in = None;
                self.sidebar.refresh(&mut ViewContext::new(lang, self.now_ms, &mut self.commands));
            }
            UiEvent::SignInFailed(why) => {
                let form = self.team.sign_in.as_mut().or(self.team.directory_form.as_mut());
                match form {
                    Some(form) => form.problem = Some(why),
                    None => self.say(why, true),
                }
            }
            UiEvent::DirectoryLoaded(engineers) => {
                self.team.directory = engineers;
                if let Some(form) = &mut self.team.directory_form {
                    *form = SignInForm::new(false);
                }
            }
            UiEvent::EditConflict { ticket_id, fields } => {
                self.team.conflict = Some(ConflictDialog::new(ticket_id, fields));
            }
            UiEvent::AlreadyClaimed { by, .. } => self.say_in(|lang| Text::AlreadyTaken.fill(lang, &[&by]), true),
            UiEvent::RowsChanged(rows) => {
                self.sidebar.replace_rows(&rows);
                self.sidebar.refresh(&mut ViewContext::new(lang, self.now_ms, &mut self.commands));
            }
            UiEvent::DeskReloadNeeded => {
                self.sidebar.refresh(&mut ViewContext::new(lang, self.now_ms, &mut self.commands));
            }
            UiEvent::TeamLink(lost) => self.team.link_lost = lost,
            other => return Some(other),
        }
        None
    }

    /// The team desk's modal and windows; returns true while the sign-in modal blocks the desk.
    pub(super) fn team_dialogs_ui(&mut self, ctx: &egui::Context, cx: &mut ViewContext<'_, UiCommand>) -> bool {
        let Some(database) = &self.team.database else { return false };
        if let Some(form) = &mut self.team.sign_in {
            sign_in_modal(ctx, cx, form, &database.redacted_url());
            return true;
        }
        if let Some(dialog) = &mut self.team.conflict
            && !dialog.window(ctx, cx)
        {
            if let super::MainPane::Ticket(view) = &mut self.pane
                && view.id() == dialog.ticket_id
            {
                view.discard_drafts();
            }
            self.team.conflict = None;
        }
        if let Some(form) = &mut self.team.directory_form
            && !directory_window(ctx, cx, &self.team.directory, form)
        {
            self.team.directory_form = None;
        }
        false
    }

    /// The top bar's team part: the database link's state and the directory button.
    pub(super) fn team_bar_ui(&mut self, ui: &mut egui::Ui, lang: crate::ui::Lang) {
        if !self.team.is_team() {
            return;
        }
        if ui.button(Text::Directory.get(lang)).clicked() {
            self.team.directory_form = match self.team.directory_form {
                Some(_) => None,
                None => Some(SignInForm::new(false)),
            };
        }
        match &self.team.link_lost {
            Some(why) => {
                ui.colored_label(theme::ERROR, Text::TeamLinkLost.get(lang)).on_hover_text(why);
            }
            None => {
                ui.weak(Text::TeamDeskBadge.get(lang));
            }
        }
    }
}
