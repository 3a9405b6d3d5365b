//! The engineer profile (asked on first run) and the settings window (profile, language, data
//! folder, SLA targets).

use egui::Ui;

use crate::model::SlaPolicy;
use crate::model::{EngineerProfile, NetworkSettings, Priority};

use super::command::UiCommand;
use super::i18n::{Lang, Text, priority_text};
use crate::ui::StoreCommand;
use crate::ui::ViewContext;

/// Edit buffers of the profile form.
#[derive(Clone, Debug, Default)]
pub struct ProfileForm {
    /// Name being typed.
    pub name: String,
    /// Team being typed.
    pub team: String,
}

impl ProfileForm {
    /// A form pre-filled with `profile`.
    pub fn from_profile(profile: Option<&EngineerProfile>) -> Self {
        profile.map_or_else(Self::default, |profile| Self { name: profile.name.clone(), team: profile.team.clone() })
    }

    /// Name and team fields; returns the profile when Save is pressed (or Enter in a field) with a
    /// name. `focus_name` puts the keyboard in the name field.
    pub fn ui(&mut self, ui: &mut Ui, lang: Lang, focus_name: bool) -> Option<EngineerProfile> {
        let entered = egui::Grid::new("profile_form")
            .num_columns(2)
            .spacing([12.0, 6.0])
            .show(ui, |ui| {
                let label = ui.label(Text::ProfileName.get(lang));
                let name =
                    ui.add(egui::TextEdit::singleline(&mut self.name).desired_width(240.0)).labelled_by(label.id);
                if focus_name {
                    name.request_focus();
                }
                ui.end_row();
                let label = ui.label(Text::ProfileTeam.get(lang));
                let team =
                    ui.add(egui::TextEdit::singleline(&mut self.team).desired_width(240.0)).labelled_by(label.id);
                ui.end_row();
                (name.lost_focus() || team.lost_focus()) && ui.input(|input| input.key_pressed(egui::Key::Enter))
            })
            .inner;
        let profile = EngineerProfile { name: self.name.trim().to_owned(), team: self.team.trim().to_owned() };
        let save = ui.add_enabled(profile.is_complete(), egui::Button::new(Text::Save.get(lang))).clicked();
        (save || (entered && profile.is_complete())).then_some(profile)
    }
}

/// The first-run question: who is using this console. Cannot be dismissed without a name.
/// Returns true when the person chose "Get help" instead (a user, not an engineer).
pub fn first_run_modal(ctx: &egui::Context, cx: &mut ViewContext<'_, UiCommand>, form: &mut ProfileForm) -> bool {
    let lang = cx.lang;
    let mut get_help = false;
    egui::Modal::new(egui::Id::unique("first_run_profile")).show(ctx, |ui| {
        ui.set_max_width(420.0);
        ui.heading(Text::ProfileHeading.get(lang));
        ui.label(Text::ProfileBody.get(lang));
        ui.add_space(8.0);
        // The keyboard starts in the name field (and goes back there when nothing has it).
        let focus_name = ui.memory(|memory| memory.focused().is_none());
        if let Some(profile) = form.ui(ui, lang, focus_name) {
            cx.emit(StoreCommand::SaveProfile(profile));
        }
        ui.separator();
        ui.label(Text::GetHelpIntroShort.get(lang));
        get_help = ui.button(Text::GetHelp.get(lang)).clicked();
    });
    get_help
}

/// Settings window content; returns true when it should close.
pub struct SettingsView<'a> {
    /// Current language.
    pub lang: Lang,
    /// The saved language choice (`None` follows the system).
    pub language_choice: Option<Lang>,
    /// Where the data lives.
    pub data_dir: &'a str,
    /// The SLA in force.
    pub policy: &'a SlaPolicy,
    /// Whether "Load sample tickets" is offered (not on a team desk: samples would go to
    /// everyone's desk).
    pub samples: bool,
}

impl SettingsView<'_> {
    /// Draws the profile, language, data folder (with "Load sample tickets", also once tickets
    /// exist) and SLA settings; emits profile, language and sample commands.
    pub fn ui(&self, ui: &mut Ui, form: &mut ProfileForm, cx: &mut ViewContext<'_, UiCommand>) {
        let lang = self.lang;
        ui.heading(Text::Engineer.get(lang));
        if let Some(profile) = form.ui(ui, lang, false) {
            cx.emit(StoreCommand::SaveProfile(profile));
        }
        ui.separator();
        ui.horizontal(|ui| {
            let label = ui.label(Text::Language.get(lang));
            let mut choice = self.language_choice;
            let name = |choice: Option<Lang>| choice.map_or(Text::FollowSystem.get(lang), Lang::native_name);
            egui::ComboBox::from_id_salt("settings_language")
                .selected_text(name(choice))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut choice, None, name(None));
                    for option in Lang::ALL {
                        ui.selectable_value(&mut choice, Some(option), option.native_name());
                    }
                })
                .response
                .labelled_by(label.id);
            if choice != self.language_choice {
                cx.emit(StoreCommand::SetLanguage(choice));
            }
        });
        ui.separator();
        ui.label(format!("{}: {}", Text::DataFolder.get(lang), self.data_dir));
        if self.samples {
            ui.horizontal(|ui| {
                ui.label(Text::SampleData.get(lang));
                if ui.button(Text::LoadSamples.get(lang)).clicked() {
                    cx.emit(StoreCommand::LoadSamples);
                }
            });
        }
        ui.label(Text::SlaPolicy.get(lang));
        egui::Grid::new("settings_sla").num_columns(2).show(ui, |ui| {
            for priority in Priority::ALL {
                let targets = self.policy.targets(*priority);
                ui.label(priority_text(*priority).get(lang));
                let minutes = [targets.response_minutes.to_string(), targets.resolution_minutes.to_string()];
                ui.label(Text::SlaMinutes.fill(lang, &[&minutes[0], &minutes[1]]));
                ui.end_row();
            }
        });
    }
}

/// The jargon glossary of the current language, `term = plain phrase` per line, with a Save
/// button (a line that is not an entry is refused by name).
pub fn glossary_editor_ui(ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>, draft: &mut String) {
    let lang = cx.lang;
    ui.separator();
    let label = ui.label(Text::GlossarySetting.fill(lang, &[lang.native_name()]));
    egui::ScrollArea::vertical().id_salt("glossary_editor").max_height(140.0).show(ui, |ui| {
        ui.add(egui::TextEdit::multiline(draft).desired_rows(5).desired_width(f32::INFINITY)).labelled_by(label.id);
    });
    if ui.button(Text::SaveGlossary.get(lang)).clicked() {
        cx.emit(StoreCommand::SaveGlossary { lang, text: draft.clone() });
    }
}

/// The canned chat phrases of the current language, one per line, with a Save button.
pub fn phrases_editor_ui(ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>, draft: &mut String) {
    let lang = cx.lang;
    ui.separator();
    let label = ui.label(Text::ChatPhrasesSetting.fill(lang, &[lang.native_name()]));
    ui.add(egui::TextEdit::multiline(draft).desired_rows(4).desired_width(f32::INFINITY)).labelled_by(label.id);
    if ui.button(Text::SavePhrases.get(lang)).clicked() {
        let phrases = draft.lines().map(str::to_owned).collect();
        cx.emit(StoreCommand::SaveCannedPhrases { lang, phrases });
    }
}

/// The network settings as typed, before they are checked.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NetworkDraft {
    port: String,
    host: String,
    turn_url: String,
    turn_username: String,
    turn_secret: String,
    turn_shared_secret: bool,
    problem: Option<String>,
    /// Where "Test relay" stands.
    relay_test: Option<super::relay::RelayTest>,
}

impl NetworkDraft {
    /// Records what "Test relay" found.
    pub fn relay_tested(&mut self, outcome: Result<super::relay::RelayTestReport, super::relay::RelayProblem>) {
        self.relay_test = Some(super::relay::RelayTest::Done(outcome));
    }

    /// The settings as typed, checked; the problem is kept for display when they are not valid.
    fn checked(&mut self, lang: Lang) -> Option<NetworkSettings> {
        let port = self.port.trim();
        let session_port = if port.is_empty() { Ok(0) } else { port.parse::<u16>() };
        let settings = session_port
            .map_err(|_| Text::PortInvalid.fill(lang, &[port]))
            .map(|session_port| NetworkSettings {
                session_port,
                advertised_host: self.host.trim().to_owned(),
                turn_url: self.turn_url.trim().to_owned(),
                turn_username: self.turn_username.trim().to_owned(),
                turn_secret: self.turn_secret.clone(),
                turn_shared_secret: self.turn_shared_secret,
            })
            .and_then(|settings| settings.validate().map(|()| settings).map_err(|err| err.to_string()));
        match settings {
            Ok(settings) => {
                self.problem = None;
                Some(settings)
            }
            Err(problem) => {
                self.problem = Some(problem);
                None
            }
        }
    }
}

impl From<&NetworkSettings> for NetworkDraft {
    fn from(saved: &NetworkSettings) -> Self {
        let port = if saved.session_port == 0 { String::new() } else { saved.session_port.to_string() };
        Self {
            port,
            host: saved.advertised_host.clone(),
            turn_url: saved.turn_url.clone(),
            turn_username: saved.turn_username.clone(),
            turn_secret: saved.turn_secret.clone(),
            turn_shared_secret: saved.turn_shared_secret,
            problem: None,
            relay_test: None,
        }
    }
}

/// Where sessions listen: port and the address put in join links, with a Save button.
pub fn network_editor_ui(ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>, draft: &mut NetworkDraft) {
    let lang = cx.lang;
    ui.separator();
    ui.label(Text::NetworkHeading.get(lang));
    egui::Grid::new("settings_network").num_columns(2).show(ui, |ui| {
        let label = ui.label(Text::SessionPort.get(lang));
        ui.add(egui::TextEdit::singleline(&mut draft.port).hint_text(Text::AnyFreePort.get(lang)).desired_width(120.0))
            .labelled_by(label.id);
        ui.end_row();
        let label = ui.label(Text::AdvertisedHost.get(lang));
        ui.add(
            egui::TextEdit::singleline(&mut draft.host).hint_text(Text::ThisComputer.get(lang)).desired_width(220.0),
        )
        .labelled_by(label.id);
        ui.end_row();
        let label = ui.label(Text::RelayServer.get(lang));
        ui.add(egui::TextEdit::singleline(&mut draft.turn_url).hint_text("turn:host:3478").desired_width(220.0))
            .labelled_by(label.id);
        ui.end_row();
        ui.label("");
        ui.checkbox(&mut draft.turn_shared_secret, Text::RelaySharedSecret.get(lang));
        ui.end_row();
        if !draft.turn_shared_secret {
            let label = ui.label(Text::RelayUsername.get(lang));
            ui.add(egui::TextEdit::singleline(&mut draft.turn_username).desired_width(220.0)).labelled_by(label.id);
            ui.end_row();
        }
        let secret_label =
            if draft.turn_shared_secret { Text::RelaySecret.get(lang) } else { Text::RelayPassword.get(lang) };
        let label = ui.label(secret_label);
        ui.add(egui::TextEdit::singleline(&mut draft.turn_secret).password(true).desired_width(220.0))
            .labelled_by(label.id);
        ui.end_row();
    });
    ui.weak(Text::RelayHint.get(lang));
    if !draft.turn_shared_secret && !draft.turn_url.trim().is_empty() {
        ui.colored_label(super::theme::WARNING, Text::RelayLongTermNote.get(lang));
    }
    ui.weak(Text::NetworkHint.get(lang));
    ui.horizontal(|ui| {
        if ui.button(Text::SaveNetwork.get(lang)).clicked()
            && let Some(settings) = draft.checked(lang)
        {
            cx.emit(StoreCommand::SaveNetworkSettings(settings));
        }
        let testing = draft.relay_test == Some(super::relay::RelayTest::Running);
        if ui.add_enabled(!testing, egui::Button::new(Text::RelayTest.get(lang))).clicked()
            && let Some(settings) = draft.checked(lang)
        {
            draft.relay_test = Some(if settings.turn_url.is_empty() {
                super::relay::RelayTest::Done(Err(super::relay::RelayProblem::NotConfigured))
            } else {
                cx.emit(UiCommand::Network(super::NetworkCommand::TestRelay(settings)));
                super::relay::RelayTest::Running
            });
        }
    });
    if let Some(test) = &draft.relay_test {
        super::relay::relay_test_ui(ui, lang, test);
    }
    if let Some(problem) = &draft.problem {
        ui.colored_label(super::theme::ERROR, problem);
    }
}

/// How many days session recordings are kept (1 to 3650; applies to recordings saved from
/// now on), with a Save button. The value being edited lives in egui's memory.
pub fn retention_editor_ui(ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>, saved_days: u32) {
    let lang = cx.lang;
    let id = ui.scope_id().with("stepwise_recording_retention_days");
    let mut days = ui.data(|data| data.get_temp::<u32>(id)).unwrap_or(saved_days);
    ui.separator();
    ui.horizontal(|ui| {
        let label = ui.label(Text::RecordingRetentionDays.get(lang));
        ui.add(egui::DragValue::new(&mut days).range(1..=3650)).labelled_by(label.id);
        if ui.button(Text::SaveRetention.get(lang)).clicked() {
            cx.emit(StoreCommand::SetRecordingRetention { days });
        }
    });
    ui.data_mut(|data| data.insert_temp(id, days));
}
