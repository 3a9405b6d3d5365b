//! The new-ticket form: intake fields, classification, the priority that follows, and clear
//! messages for missing or invalid fields.

use egui::{RichText, Ui};

use crate::model::TicketId;
use crate::model::{Category, FieldError, Grade, NewTicket, Priority, TicketFields};
use crate::model::{EARLIEST_REPORTED_AT_MS, REPORTED_AT_SLACK_MS};

use super::command::UiCommand;
use super::i18n::{Text, category_text, grade_text, priority_text};
use super::ticket_view::{field_id, fields_form_ui};
use crate::ui::StoreCommand;
use crate::ui::ViewContext;

/// Id salt of the form's field grid (and of its fields' ids).
const NEW_TICKET_FIELDS: &str = "new_ticket_fields";
use super::{theme, widgets};

/// State of the form.
#[derive(Debug)]
pub struct NewTicketForm {
    fields: TicketFields,
    category: Category,
    urgency: Grade,
    impact: Grade,
    /// When the problem was reported, `YYYY-MM-DD HH:MM` local time; empty means now.
    reported_at: String,
    reported_at_error: bool,
    errors: Vec<FieldError>,
    /// The store's answer when it refused the ticket.
    pub rejection: Option<String>,
    /// Set once submitted, until the store answers.
    pub submitted: bool,
    /// Put the keyboard focus on Title at the next frame (the form was just opened, Ctrl+N).
    pub focus_title: bool,
    /// The ticket that was open before the form, shown again on Cancel.
    pub previous_ticket: Option<TicketId>,
}

impl Default for NewTicketForm {
    fn default() -> Self {
        Self {
            fields: TicketFields::default(),
            category: Category::Software,
            urgency: Grade::Medium,
            impact: Grade::Low,
            reported_at: String::new(),
            reported_at_error: false,
            errors: Vec::new(),
            rejection: None,
            submitted: false,
            focus_title: true,
            previous_ticket: None,
        }
    }
}

/// What the user did with the form this frame.
#[derive(Debug, PartialEq, Eq)]
pub enum FormOutcome {
    /// Still editing.
    Editing,
    /// Closed without creating.
    Cancelled,
}

impl NewTicketForm {
    /// A form opened while ticket `previous_ticket` was shown (Cancel goes back to it).
    pub fn after(previous_ticket: Option<TicketId>) -> Self {
        Self { previous_ticket, ..Self::default() }
    }

    /// Draws the form; emits [`UiCommand::Store(StoreCommand::CreateTicket)`] when it validates. Esc cancels.
    pub fn ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>) -> FormOutcome {
        let lang = cx.lang;
        let now_ms = cx.now_ms;
        let mut outcome = FormOutcome::Editing;
        // Esc closes an open picker first; with none open it cancels the form.
        if !egui::Popup::is_any_open(ui.ctx()) && ui.input(|input| input.key_pressed(egui::Key::Escape)) {
            return FormOutcome::Cancelled;
        }

        ui.heading(Text::NewTicketHeading.get(lang));
        ui.separator();
        egui::ScrollArea::vertical().id_salt("new_ticket_form").auto_shrink([false, false]).show(ui, |ui| {
            fields_form_ui(ui, lang, NEW_TICKET_FIELDS, &mut self.fields, &self.errors);
            // Once Title exists this frame: a focus request for a widget not yet seen is dropped.
            if std::mem::take(&mut self.focus_title) {
                ui.memory_mut(|memory| memory.request_focus(field_id(NEW_TICKET_FIELDS, "title")));
            }
            ui.add_space(6.0);
            ui.horizontal_wrapped(|ui| {
                let label = ui.label(Text::CategoryLabel.get(lang));
                widgets::enum_combo(ui, &label, "new_category", &mut self.category, Category::ALL, |c| {
                    category_text(c).get(lang).to_owned()
                });
                let label = ui.label(Text::FieldUrgency.get(lang));
                widgets::enum_combo(ui, &label, "new_urgency", &mut self.urgency, Grade::ALL, |g| {
                    grade_text(g).get(lang).to_owned()
                });
                let label = ui.label(Text::FieldImpactGrade.get(lang));
                widgets::enum_combo(ui, &label, "new_impact", &mut self.impact, Grade::ALL, |g| {
                    grade_text(g).get(lang).to_owned()
                });
            });
            ui.horizontal_wrapped(|ui| {
                let label = ui.label(Text::FieldReportedAt.get(lang));
                let hint = Text::ReportedAtHint.get(lang);
                // Wide enough for the whole placeholder in either language.
                let hint_width = ui.fonts_mut(|fonts| {
                    let font = egui::TextStyle::Body.resolve(ui.style());
                    fonts.layout_no_wrap(hint.to_owned(), font, egui::Color32::PLACEHOLDER).size().x
                });
                let margin = ui.spacing().button_padding.x * 2.0 + 8.0;
                ui.add(
                    egui::TextEdit::singleline(&mut self.reported_at)
                        .hint_text(hint)
                        .desired_width((hint_width + margin).max(180.0)),
                )
                .labelled_by(label.id);
                if self.reported_at_error {
                    ui.colored_label(theme::ERROR, Text::ReportedAtInvalid.get(lang));
                }
            });
            let priority = Priority::from_grades(self.urgency, self.impact);
            ui.horizontal(|ui| {
                ui.label(Text::PriorityFollows.fill(lang, &[""]));
                widgets::priority_badge(ui, lang, priority);
                ui.weak(priority_text(priority).get(lang));
            });
            if let Some(rejection) = &self.rejection {
                ui.colored_label(theme::ERROR, RichText::new(rejection).strong());
            }
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                if ui.add_enabled(!self.submitted, egui::Button::new(Text::CreateTicket.get(lang))).clicked() {
                    self.errors = self.fields.validate();
                    self.rejection = None;
                    let reported_at_ms = parse_reported_at(&self.reported_at, now_ms);
                    self.reported_at_error = reported_at_ms.is_err();
                    if let (true, Ok(reported_at_ms)) = (self.errors.is_empty(), reported_at_ms) {
                        self.submitted = true;
                        cx.emit(StoreCommand::CreateTicket(NewTicket {
                            fields: self.fields.clone(),
                            category: self.category,
                            urgency: self.urgency,
                            impact: self.impact,
                            reported_at_ms,
                        }));
                    }
                }
                if ui.button(Text::Cancel.get(lang)).clicked() {
                    outcome = FormOutcome::Cancelled;
                }
            });
        });
        outcome
    }
}

/// The "reported" field is not a local time in `YYYY-MM-DD HH:MM` between 2000-01-01 and now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidReportedAt;

/// Parses the "reported" field: empty is `None` (now); otherwise local `YYYY-MM-DD HH:MM`, within
/// the store's plausible range: not before [`EARLIEST_REPORTED_AT_MS`], not in the future.
pub fn parse_reported_at(text: &str, now_ms: i64) -> Result<Option<i64>, InvalidReportedAt> {
    use chrono::TimeZone;
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let naive = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").map_err(|_| InvalidReportedAt)?;
    let at_ms = chrono::Local.from_local_datetime(&naive).earliest().ok_or(InvalidReportedAt)?.timestamp_millis();
    let latest_ms = now_ms.saturating_add(REPORTED_AT_SLACK_MS);
    if (EARLIEST_REPORTED_AT_MS..=latest_ms).contains(&at_ms) { Ok(Some(at_ms)) } else { Err(InvalidReportedAt) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reported_at_parsing() {
        let now = chrono::Local::now().timestamp_millis();
        assert_eq!(parse_reported_at("  ", now), Ok(None));
        assert!(parse_reported_at("2026-01-02 09:30", now).unwrap().is_some());
        assert!(parse_reported_at("yesterday", now).is_err());
        assert!(parse_reported_at("2999-01-01 00:00", now).is_err(), "the future is refused");
        assert!(parse_reported_at("1900-01-01 00:00", now).is_err(), "before the plausible range");
        assert!(parse_reported_at("1999-12-30 12:00", now).is_err(), "before 2000-01-01");
    }
}
