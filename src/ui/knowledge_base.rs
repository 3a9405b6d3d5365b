//! The knowledge-base window: find guides, read how each step was answered in sessions, write
//! new guides and edit existing ones (title, category, language, tags, steps with their expected
//! results, order), or remove them.

use egui::{RichText, Ui};

use crate::model::GuideId;
use crate::model::{Category, Guide, GuideStep, GuideSummary, MAX_GUIDE_STEPS, StepStats};

use super::command::{GuideView, UiCommand};
use super::i18n::{Lang, Text, category_text};
use super::{theme, widgets};
use crate::ui::StoreCommand;
use crate::ui::ViewContext;

/// A guide being read or edited.
#[derive(Clone, Debug, PartialEq)]
struct GuideEditor {
    guide: Guide,
    /// Answer counts per step, from the store (`None` for steps added since).
    stats: Vec<Option<StepStats>>,
    tags: String,
    changed: bool,
    confirm_delete: bool,
}

impl GuideEditor {
    fn new(guide: Guide, stats: &[StepStats]) -> Self {
        let stats = (0..guide.steps.len()).map(|index| stats.get(index).copied()).collect();
        Self { tags: guide.tags.join(" "), guide, stats, changed: false, confirm_delete: false }
    }

    fn blank(lang: Lang) -> Self {
        let guide = Guide {
            id: GuideId(0),
            title: String::new(),
            category: Category::Other,
            tags: Vec::new(),
            language: lang.code().to_owned(),
            steps: vec![GuideStep::default()],
        };
        Self { changed: true, ..Self::new(guide, &[]) }
    }
}

/// State of the knowledge-base window.
#[derive(Debug, Default)]
pub struct KnowledgeBaseView {
    /// Whether the window is shown.
    pub open: bool,
    query: String,
    results: Vec<GuideSummary>,
    editor: Option<GuideEditor>,
    /// What the last save or removal did, for the status line.
    notice: Option<String>,
}

impl KnowledgeBaseView {
    /// Opens the window and lists every guide.
    pub fn open(&mut self) -> UiCommand {
        self.open = true;
        self.search_command()
    }

    fn search_command(&self) -> UiCommand {
        UiCommand::Store(StoreCommand::SearchGuides { view: GuideView::KnowledgeBase, query: self.query.clone() })
    }

    /// Guides found by the last search.
    pub fn listed(&mut self, guides: Vec<GuideSummary>) {
        self.results = guides;
    }

    /// A guide opened for reading and editing.
    pub fn loaded(&mut self, guide: Guide, stats: &[StepStats]) {
        self.editor = Some(GuideEditor::new(guide, stats));
    }

    /// The guide was saved: list it again, and reload it if it is still the one open (answer
    /// counts may have moved with its steps; a new guide gets its id).
    pub fn saved(&mut self, guide_id: GuideId, cx: &mut ViewContext<'_, UiCommand>) {
        self.notice = Some(cx.text(Text::GuideSavedNotice).to_owned());
        let still_open = self
            .editor
            .as_ref()
            .is_some_and(|editor| (editor.guide.id == guide_id || editor.guide.id == GuideId(0)) && !editor.changed);
        cx.emit(self.search_command());
        if still_open {
            cx.emit(StoreCommand::LoadGuide { view: GuideView::KnowledgeBase, guide_id });
        }
    }

    /// A guide was removed.
    pub fn deleted(&mut self, guide_id: GuideId, cx: &mut ViewContext<'_, UiCommand>) {
        if self.editor.as_ref().is_some_and(|editor| editor.guide.id == guide_id) {
            self.editor = None;
        }
        self.notice = Some(cx.text(Text::GuideDeletedNotice).to_owned());
        cx.emit(self.search_command());
    }

    /// Draws the window (when open), queueing commands.
    pub fn window(
        &mut self,
        ctx: &egui::Context,
        cx: &mut ViewContext<'_, UiCommand>,
        glossary: &crate::model::Glossary,
    ) {
        let lang = cx.lang;
        if !self.open {
            return;
        }
        let mut open = true;
        egui::Window::new(Text::KnowledgeBase.get(lang))
            .open(&mut open)
            .default_size([860.0, 600.0])
            .min_width(760.0)
            .min_height(480.0)
            .resizable(true)
            .show(ctx, |ui| self.ui(ui, cx, glossary));
        self.open = open;
    }

    fn ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>, glossary: &crate::model::Glossary) {
        let lang = cx.lang;
        ui.horizontal(|ui| {
            let label = ui.label(Text::FindGuide.get(lang));
            let response =
                ui.add(egui::TextEdit::singleline(&mut self.query).desired_width(240.0)).labelled_by(label.id);
            let entered = response.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter));
            if ui.button(Text::FindButton.get(lang)).clicked() || entered || response.changed() {
                cx.emit(self.search_command());
            }
            if ui.button(format!("＋ {}", Text::NewGuide.get(lang))).clicked() {
                self.editor = Some(GuideEditor::blank(lang));
                self.notice = None;
            }
            if let Some(notice) = &self.notice {
                ui.colored_label(theme::SUCCESS, notice);
            }
        });
        ui.separator();
        ui.columns(2, |columns| {
            self.list_ui(&mut columns[0], cx);
            if let Some(editor) = &mut self.editor {
                egui::ScrollArea::vertical().id_salt("guide_editor").show(&mut columns[1], |ui| {
                    editor_ui(ui, cx, editor, glossary);
                });
            } else {
                columns[1].weak(Text::PickAGuide.get(lang));
            }
        });
    }

    fn list_ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>) {
        let lang = cx.lang;
        if self.results.is_empty() {
            ui.weak(Text::NoGuidesFound.get(lang));
            return;
        }
        let selected = self.editor.as_ref().map(|editor| editor.guide.id);
        egui::ScrollArea::vertical().id_salt("guide_list").show(ui, |ui| {
            for guide in &self.results {
                let text = format!(
                    "{} · {} · {} · {}",
                    guide.title,
                    category_text(guide.category).get(lang),
                    guide.language,
                    Text::StepCount.fill(lang, &[&guide.step_count.to_string()])
                );
                if ui.selectable_label(selected == Some(guide.id), text).clicked() {
                    self.notice = None;
                    cx.emit(StoreCommand::LoadGuide { view: GuideView::KnowledgeBase, guide_id: guide.id });
                }
            }
        });
    }
}

fn editor_ui(
    ui: &mut Ui,
    cx: &mut ViewContext<'_, UiCommand>,
    editor: &mut GuideEditor,
    glossary: &crate::model::Glossary,
) {
    let lang = cx.lang;
    let mut changed = false;
    egui::Grid::new("guide_fields").num_columns(2).spacing([8.0, 6.0]).show(ui, |ui| {
        let label = ui.label(Text::GuideTitle.get(lang));
        changed |= ui
            .add(egui::TextEdit::singleline(&mut editor.guide.title).desired_width(300.0))
            .labelled_by(label.id)
            .changed();
        ui.end_row();
        let label = ui.label(Text::CategoryLabel.get(lang));
        changed |= widgets::enum_combo(ui, &label, "guide_category", &mut editor.guide.category, Category::ALL, |c| {
            category_text(c).get(lang).to_owned()
        });
        ui.end_row();
        let label = ui.label(Text::GuideLanguage.get(lang));
        let mut language = Lang::from_code(&editor.guide.language).unwrap_or(lang);
        if widgets::enum_combo(ui, &label, "guide_language", &mut language, &Lang::ALL, |l| l.native_name().to_owned())
        {
            editor.guide.language = language.code().to_owned();
            changed = true;
        }
        ui.end_row();
        let label = ui.label(Text::GuideTags.get(lang));
        changed |=
            ui.add(egui::TextEdit::singleline(&mut editor.tags).desired_width(300.0)).labelled_by(label.id).changed();
        ui.end_row();
    });
    ui.add_space(6.0);
    ui.label(RichText::new(Text::GuideSteps.get(lang)).strong());
    let count = editor.guide.steps.len();
    let mut action: Option<(usize, StepEdit)> = None;
    for index in 0..count {
        ui.group(|ui| {
            ui.horizontal_wrapped(|ui| {
                let position = Text::StepOf.fill(lang, &[&(index + 1).to_string(), &count.to_string()]);
                ui.label(RichText::new(position).strong());
                if let Some(Some(stats)) = editor.stats.get(index) {
                    let text = Text::StepAnswers.fill(
                        lang,
                        &[&stats.done.to_string(), &stats.didnt_work.to_string(), &stats.stuck.to_string()],
                    );
                    let color = if stats.didnt_work + stats.stuck > 0 {
                        theme::WARNING
                    } else {
                        ui.visuals().weak_text_color()
                    };
                    ui.colored_label(color, text);
                }
                if index > 0 && ui.small_button("↑").on_hover_text(Text::MoveUp.get(lang)).clicked() {
                    action = Some((index, StepEdit::Up));
                }
                if index + 1 < count && ui.small_button("↓").on_hover_text(Text::MoveDown.get(lang)).clicked() {
                    action = Some((index, StepEdit::Down));
                }
                if count > 1 && ui.small_button("✕").on_hover_text(Text::RemoveStep.get(lang)).clicked() {
                    action = Some((index, StepEdit::Remove));
                }
            });
            let step = &mut editor.guide.steps[index];
            let label = ui.label(Text::StepInstruction.get(lang));
            changed |= ui
                .add(egui::TextEdit::multiline(&mut step.instruction).desired_rows(2).desired_width(f32::INFINITY))
                .labelled_by(label.id)
                .changed();
            changed |=
                crate::ui::jargon::jargon_hints_ui(ui, cx, glossary, &mut step.instruction, ("kb_jargon", index));
            let label = ui.label(Text::StepExpectedInput.get(lang));
            changed |= ui
                .add(egui::TextEdit::singleline(&mut step.expected).desired_width(f32::INFINITY))
                .labelled_by(label.id)
                .changed();
            if let Some(pointer) = &step.pointer {
                let mut remove = false;
                ui.horizontal(|ui| {
                    let label = if pointer.annotation.label.is_empty() {
                        String::new()
                    } else {
                        format!("“{}”", pointer.annotation.label)
                    };
                    ui.label(format!("➚ {}", Text::StepArrowKept.fill(lang, &[&label])));
                    remove = ui.small_button(Text::RemoveStepArrow.get(lang)).clicked();
                });
                if remove {
                    step.pointer = None;
                    changed = true;
                }
            }
        });
    }
    if let Some((index, edit)) = action {
        changed = true;
        match edit {
            StepEdit::Up => {
                editor.guide.steps.swap(index, index - 1);
                editor.stats.swap(index, index - 1);
            }
            StepEdit::Down => {
                editor.guide.steps.swap(index, index + 1);
                editor.stats.swap(index, index + 1);
            }
            StepEdit::Remove => {
                editor.guide.steps.remove(index);
                editor.stats.remove(index);
            }
        }
    }
    if count < MAX_GUIDE_STEPS && ui.button(Text::AddStep.get(lang)).clicked() {
        editor.guide.steps.push(GuideStep::default());
        editor.stats.push(None);
        changed = true;
    }
    editor.changed |= changed;
    ui.add_space(8.0);
    let problem = guide_problem(&editor.guide, lang);
    ui.horizontal(|ui| {
        let can_save = editor.changed && problem.is_none();
        if ui.add_enabled(can_save, egui::Button::new(Text::SaveGuide.get(lang))).clicked() {
            let mut guide = editor.guide.clone();
            guide.title = guide.title.trim().to_owned();
            guide.tags = editor.tags.split_whitespace().map(str::to_owned).collect();
            for step in &mut guide.steps {
                step.instruction = step.instruction.trim().to_owned();
                step.expected = step.expected.trim().to_owned();
            }
            editor.changed = false;
            cx.emit(StoreCommand::SaveGuide { view: GuideView::KnowledgeBase, guide });
        }
        if editor.guide.id != GuideId(0) {
            if editor.confirm_delete {
                ui.colored_label(theme::ERROR, Text::ConfirmDeleteGuide.get(lang));
                if ui.button(Text::DeleteGuide.get(lang)).clicked() {
                    cx.emit(StoreCommand::DeleteGuide { guide_id: editor.guide.id });
                    editor.confirm_delete = false;
                }
                if ui.button(Text::Cancel.get(lang)).clicked() {
                    editor.confirm_delete = false;
                }
            } else if ui.button(Text::DeleteGuide.get(lang)).clicked() {
                editor.confirm_delete = true;
            }
        }
    });
    if let Some(problem) = problem.filter(|_| editor.changed) {
        ui.colored_label(theme::ERROR, problem);
    }
}

enum StepEdit {
    Up,
    Down,
    Remove,
}

/// Why the guide cannot be saved yet, in words for the editor.
fn guide_problem(guide: &Guide, lang: Lang) -> Option<String> {
    if guide.title.trim().is_empty() {
        return Some(Text::GuideNeedsTitle.get(lang).to_owned());
    }
    if guide.steps.iter().any(|step| step.instruction.trim().is_empty()) {
        return Some(Text::GuideStepNeedsInstruction.get(lang).to_owned());
    }
    guide.validate().err().map(|err| err.to_string())
}
