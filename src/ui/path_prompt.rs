//! When no file dialog can be shown (no desktop portal, no zenity): say so and ask for the path of
//! the file to import or export as text.

use std::path::PathBuf;

use egui::Ui;

use crate::model::ExportFormat;

use super::command::UiCommand;
use super::i18n::Text;
use super::theme;
use crate::ui::StoreCommand;
use crate::ui::ViewContext;

/// A path typed by hand for an import (`export: None`) or an export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathPrompt {
    /// `None` imports; `Some` exports in that format.
    pub export: Option<ExportFormat>,
    /// The path as typed.
    pub path: String,
    missing_path: bool,
    /// Put the keyboard in the path field at the next frame.
    focus: bool,
    /// Sent; waiting for the store's answer.
    waiting: bool,
    /// Why the last attempt failed (the path stays for correcting).
    problem: Option<String>,
}

impl PathPrompt {
    /// An empty prompt for this import or export.
    pub fn new(export: Option<ExportFormat>) -> Self {
        Self { export, path: String::new(), missing_path: false, focus: true, waiting: false, problem: None }
    }

    /// The import or export failed: say why and let the path be corrected.
    pub fn failed(&mut self, why: String) {
        self.waiting = false;
        self.problem = Some(why);
    }

    /// The window; returns false once it should close (cancelled). It stays open while the store
    /// works, so a failure keeps the typed path; the desk closes it on success.
    pub fn window(&mut self, ctx: &egui::Context, cx: &mut ViewContext<'_, UiCommand>) -> bool {
        let lang = cx.lang;
        let title = match self.export {
            None => Text::ImportTitle,
            Some(ExportFormat::Json) => Text::ExportJsonTitle,
            Some(ExportFormat::Csv) => Text::ExportCsvTitle,
        };
        let mut open = true;
        let mut cancelled = false;
        egui::Window::new(title.get(lang))
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_TOP, [0.0, 120.0])
            .show(ctx, |ui| {
                cancelled = self.ui(ui, cx);
            });
        open && !cancelled
    }

    /// The message, the path field and the buttons; returns true when cancelled.
    fn ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>) -> bool {
        let lang = cx.lang;
        ui.set_max_width(460.0);
        ui.colored_label(theme::WARNING, Text::FileDialogUnavailable.get(lang));
        let label = ui.label(Text::FilePath.get(lang));
        let example = self.example();
        let response = ui
            .add(egui::TextEdit::singleline(&mut self.path).hint_text(example).desired_width(f32::INFINITY))
            .labelled_by(label.id);
        if std::mem::take(&mut self.focus) {
            response.request_focus();
        }
        let entered = response.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter));
        if self.missing_path {
            ui.colored_label(theme::ERROR, Text::PathRequired.get(lang));
        }
        if let Some(problem) = &self.problem {
            ui.colored_label(theme::ERROR, problem);
        }
        let mut cancelled = false;
        ui.horizontal(|ui| {
            let action = if self.export.is_some() { Text::ExportButton } else { Text::ImportButton };
            let go = ui.add_enabled(!self.waiting, egui::Button::new(action.get(lang))).clicked();
            if (go || entered) && !self.waiting {
                let path = self.path.trim();
                self.missing_path = path.is_empty();
                if !self.missing_path {
                    let path = PathBuf::from(path);
                    cx.emit(match self.export {
                        Some(format) => UiCommand::Store(StoreCommand::ExportToPath(format, path)),
                        None => UiCommand::Store(StoreCommand::ImportFromPath(path)),
                    });
                    self.waiting = true;
                    self.problem = None;
                }
            }
            if self.waiting {
                ui.spinner();
            }
            cancelled = ui.button(Text::Cancel.get(lang)).clicked();
        });
        cancelled
    }

    fn example(&self) -> &'static str {
        match self.export {
            Some(ExportFormat::Csv) => "/home/me/stepwise-tickets.csv",
            _ => "/home/me/stepwise-tickets.json",
        }
    }
}
