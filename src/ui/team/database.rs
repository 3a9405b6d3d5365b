//! Settings → "Team database": the PostgreSQL URL, TLS, "Test connection", and switching the
//! console between its own desk and the team's.

use egui::Ui;

use crate::model::TeamDatabaseSettings;
use crate::ui::i18n::Text;
use crate::ui::theme;
use crate::ui::{StoreCommand, UiCommand, ViewContext};

/// What "Test connection" answered last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TestOutcome {
    /// The test is running on the store thread.
    Running,
    /// The server answered: what it said about itself.
    Reached(String),
    /// It could not be reached or refused: why.
    Failed(String),
}

/// The team database section as typed, before it is checked or saved.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TeamDatabaseDraft {
    url: String,
    tls: bool,
    problem: Option<String>,
    test: Option<TestOutcome>,
}

impl TeamDatabaseDraft {
    /// A draft showing the saved choice (empty for the local desk).
    pub fn from_saved(saved: Option<&TeamDatabaseSettings>) -> Self {
        saved.map_or_else(Self::default, |saved| Self { url: saved.url.clone(), tls: saved.tls, ..Self::default() })
    }

    /// Records what the store thread answered to "Test connection".
    pub fn tested(&mut self, outcome: Result<String, String>) {
        self.test = Some(match outcome {
            Ok(server) => TestOutcome::Reached(server),
            Err(reason) => TestOutcome::Failed(reason),
        });
    }

    fn checked(&mut self) -> Option<TeamDatabaseSettings> {
        let settings = TeamDatabaseSettings { url: self.url.trim().to_owned(), tls: self.tls };
        match settings.validate() {
            Ok(()) => {
                self.problem = None;
                Some(settings)
            }
            Err(err) => {
                self.problem = Some(err.to_string());
                None
            }
        }
    }
}

/// The section: where the desk lives now, the URL and TLS fields, and the buttons.
/// `in_use` is the team database the console works on now (`None`: its own desk).
pub fn team_database_ui(
    ui: &mut Ui,
    cx: &mut ViewContext<'_, UiCommand>,
    draft: &mut TeamDatabaseDraft,
    in_use: Option<&TeamDatabaseSettings>,
) {
    let lang = cx.lang;
    ui.separator();
    ui.label(Text::TeamDatabaseHeading.get(lang));
    match in_use {
        Some(settings) => ui.weak(Text::TeamDatabaseInUse.fill(lang, &[&settings.redacted_url()])),
        None => ui.weak(Text::TeamDatabaseLocal.get(lang)),
    };
    egui::Grid::new("settings_team_database").num_columns(2).show(ui, |ui| {
        let label = ui.label(Text::TeamDatabaseUrl.get(lang));
        ui.add(
            egui::TextEdit::singleline(&mut draft.url)
                .hint_text("postgres://user:password@host:5432/stepwise")
                .desired_width(320.0),
        )
        .labelled_by(label.id);
        ui.end_row();
        ui.label("");
        ui.checkbox(&mut draft.tls, Text::TeamDatabaseTls.get(lang));
        ui.end_row();
    });
    ui.horizontal(|ui| {
        let busy = draft.test == Some(TestOutcome::Running);
        if ui.add_enabled(!busy, egui::Button::new(Text::TestConnection.get(lang))).clicked()
            && let Some(settings) = draft.checked()
        {
            draft.test = Some(TestOutcome::Running);
            cx.emit(StoreCommand::TestTeamDatabase(settings));
        }
        if ui.button(Text::UseTeamDatabase.get(lang)).clicked()
            && let Some(settings) = draft.checked()
        {
            cx.emit(StoreCommand::SaveTeamDatabase(Some(settings)));
        }
        if in_use.is_some() && ui.button(Text::UseLocalDesk.get(lang)).clicked() {
            cx.emit(StoreCommand::SaveTeamDatabase(None));
        }
    });
    match &draft.test {
        Some(TestOutcome::Running) => {
            ui.weak(Text::TestingConnection.get(lang));
        }
        Some(TestOutcome::Reached(server)) => {
            ui.colored_label(theme::SUCCESS, Text::ConnectionWorks.fill(lang, &[server]));
        }
        Some(TestOutcome::Failed(reason)) => {
            ui.colored_label(theme::ERROR, Text::ConnectionFailed.fill(lang, &[reason]));
        }
        None => {}
    }
    if let Some(problem) = &draft.problem {
        ui.colored_label(theme::ERROR, problem);
    }
}
