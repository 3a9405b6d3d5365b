//! Signing in to the team desk as an engineer of its directory, or adding oneself to it (the
//! first engineer of an empty directory, or a newcomer), and the directory window.

use crate::model::{Category, Engineer, NewEngineer};
use crate::ui::i18n::{Text, category_text};
use crate::ui::theme;
use crate::ui::{StoreCommand, UiCommand, ViewContext};

/// The sign-in modal's fields.
#[derive(Clone, Debug, Default)]
pub struct SignInForm {
    name: String,
    password: String,
    /// Adding a new engineer rather than signing in.
    adding: bool,
    team: String,
    tier: i64,
    skills: Vec<Category>,
    /// Why the last attempt was refused.
    pub problem: Option<String>,
}

impl SignInForm {
    /// Starts on "add yourself" when the directory is empty.
    pub fn new(directory_empty: bool) -> Self {
        Self { adding: directory_empty, tier: 1, ..Self::default() }
    }

    /// The new engineer's entry fields (team, tier, skills).
    fn entry_ui(&mut self, ui: &mut egui::Ui, lang: crate::ui::i18n::Lang) {
        let label = ui.label(Text::EngineerTeam.get(lang));
        ui.add(egui::TextEdit::singleline(&mut self.team).desired_width(220.0)).labelled_by(label.id);
        ui.end_row();
        let label = ui.label(Text::EngineerTier.get(lang));
        ui.add(egui::DragValue::new(&mut self.tier).range(1..=crate::model::workflow::MAX_TIER)).labelled_by(label.id);
        ui.end_row();
        ui.label(Text::EngineerSkills.get(lang));
        ui.horizontal_wrapped(|ui| {
            for category in Category::ALL {
                let mut has = self.skills.contains(category);
                if ui.checkbox(&mut has, category_text(*category).get(lang)).changed() {
                    if has {
                        self.skills.push(*category);
                    } else {
                        self.skills.retain(|skill| skill != category);
                    }
                }
            }
        });
        ui.end_row();
    }

    fn new_engineer(&self) -> NewEngineer {
        NewEngineer {
            name: self.name.trim().to_owned(),
            team: self.team.trim().to_owned(),
            tier: self.tier,
            skills: self.skills.clone(),
        }
    }
}

/// The modal shown until an engineer is signed in on a team desk. `database` names the team
/// database (password hidden).
pub fn sign_in_modal(ctx: &egui::Context, cx: &mut ViewContext<'_, UiCommand>, form: &mut SignInForm, database: &str) {
    let lang = cx.lang;
    egui::Modal::new(egui::Id::unique("team_sign_in")).show(ctx, |ui| {
        ui.set_max_width(460.0);
        ui.heading(Text::SignInHeading.get(lang));
        ui.weak(Text::SignInBody.fill(lang, &[database]));
        ui.add_space(6.0);
        let mut submit = false;
        egui::Grid::new("team_sign_in_form").num_columns(2).spacing([12.0, 6.0]).show(ui, |ui| {
            let label = ui.label(Text::ProfileName.get(lang));
            let name = ui.add(egui::TextEdit::singleline(&mut form.name).desired_width(220.0)).labelled_by(label.id);
            if ui.memory(|memory| memory.focused().is_none()) {
                name.request_focus();
            }
            ui.end_row();
            let label = ui.label(Text::Password.get(lang));
            let password = ui
                .add(egui::TextEdit::singleline(&mut form.password).password(true).desired_width(220.0))
                .labelled_by(label.id);
            submit |= password.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter));
            ui.end_row();
            if form.adding {
                form.entry_ui(ui, lang);
            }
        });
        ui.horizontal(|ui| {
            let label = if form.adding { Text::AddMeToDirectory } else { Text::SignIn };
            submit |= ui.button(label.get(lang)).clicked();
            let other = if form.adding { Text::HaveAnAccount } else { Text::NewEngineer };
            if ui.link(other.get(lang)).clicked() {
                form.adding = !form.adding;
                form.problem = None;
            }
        });
        if submit {
            if form.name.trim().is_empty() {
                form.problem = Some(Text::NameRequired.get(lang).to_owned());
            } else if form.adding {
                let engineer = form.new_engineer();
                cx.emit(StoreCommand::AddEngineer { engineer, password: form.password.clone(), sign_in: true });
            } else {
                cx.emit(StoreCommand::SignIn { name: form.name.trim().to_owned(), password: form.password.clone() });
            }
        }
        if let Some(problem) = &form.problem {
            ui.colored_label(theme::ERROR, problem);
        }
        ui.separator();
        if ui.button(Text::UseLocalDesk.get(lang)).clicked() {
            cx.emit(StoreCommand::SaveTeamDatabase(None));
        }
    });
}

/// The directory window: everyone, and a form to add a colleague. Returns false once closed.
pub fn directory_window(
    ctx: &egui::Context,
    cx: &mut ViewContext<'_, UiCommand>,
    engineers: &[Engineer],
    form: &mut SignInForm,
) -> bool {
    let lang = cx.lang;
    let mut open = true;
    egui::Window::new(Text::Directory.get(lang)).open(&mut open).collapsible(false).vscroll(true).show(ctx, |ui| {
        egui::Grid::new("team_directory").striped(true).num_columns(4).show(ui, |ui| {
            ui.strong(Text::ProfileName.get(lang));
            ui.strong(Text::EngineerTeam.get(lang));
            ui.strong(Text::EngineerTier.get(lang));
            ui.strong(Text::EngineerSkills.get(lang));
            ui.end_row();
            for engineer in engineers {
                ui.label(&engineer.name);
                ui.label(&engineer.team);
                ui.label(engineer.tier.to_string());
                let skills: Vec<&str> = engineer.skills.iter().map(|skill| category_text(*skill).get(lang)).collect();
                ui.label(skills.join(", "));
                ui.end_row();
            }
        });
        ui.separator();
        ui.strong(Text::AddColleague.get(lang));
        egui::Grid::new("team_directory_add").num_columns(2).spacing([12.0, 6.0]).show(ui, |ui| {
            let label = ui.label(Text::ProfileName.get(lang));
            ui.add(egui::TextEdit::singleline(&mut form.name).desired_width(220.0)).labelled_by(label.id);
            ui.end_row();
            let label = ui.label(Text::Password.get(lang));
            ui.add(egui::TextEdit::singleline(&mut form.password).password(true).desired_width(220.0))
                .labelled_by(label.id);
            ui.end_row();
            form.entry_ui(ui, lang);
        });
        if ui.button(Text::AddToDirectory.get(lang)).clicked() {
            let engineer = form.new_engineer();
            cx.emit(StoreCommand::AddEngineer { engineer, password: form.password.clone(), sign_in: false });
        }
        if let Some(problem) = &form.problem {
            ui.colored_label(theme::ERROR, problem);
        }
    });
    open
}
