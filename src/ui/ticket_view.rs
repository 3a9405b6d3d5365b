//! The main pane for one ticket: fields edited in place, the workflow moves the current status
//! allows, assignment, escalation, resolution, rating, notes and the history timeline.

use egui::{RichText, Ui};

use crate::model::{Category, FieldError, Grade, ImportOrigin, TicketChange, TicketFields, TicketId, TimelineEvent};
use crate::model::{SlaPolicy, TicketVersion};

use std::collections::HashMap;

use super::command::{DialogCommand, StoreCommand, TicketDetail, UiCommand};
use super::i18n::{Lang, Text, category_text, field_text, grade_text, status_text};
use super::session::{PanelContext, RemoteSessionView, session_panel_ui};
use super::timeline::describe;
use super::{theme, widgets};
use crate::ui::ViewContext;

/// What the pane needs from around it besides the [`ViewContext`].
#[derive(Clone, Copy)]
pub struct PaneEnv<'a> {
    /// The SLA in force.
    pub policy: &'a SlaPolicy,
    /// The engineer's name.
    pub actor: &'a str,
    /// The engineer's team.
    pub team: &'a str,
    /// Canned chat phrases in the UI language.
    pub phrases: &'a [String],
    /// The jargon glossary in the UI language.
    pub glossary: &'a crate::model::Glossary,
    /// The team directory (empty on a single desk: the assignee is typed).
    pub engineers: &'a [crate::model::Engineer],
}

/// The open ticket and the edit buffers of its pane.
#[derive(Debug)]
pub struct TicketView {
    /// What the store last returned.
    pub detail: TicketDetail,
    fields: TicketFields,
    field_errors: Vec<FieldError>,
    assignee: String,
    escalation_reason: String,
    resolution: String,
    note: String,
    /// Stars picked; empty until the engineer picks (or the ticket has a rating).
    rating: Option<i64>,
    rating_comment: String,
    /// Thumbnails of the screenshots in the session history.
    thumbnails: super::thumbnails::Thumbnails,
    /// On a team desk: the version the unsaved edits were made from (a colleague's change
    /// since then is checked field by field when they are saved).
    edit_base: Option<TicketVersion>,
}

impl TicketView {
    /// A pane for a freshly loaded ticket.
    pub fn new(detail: TicketDetail) -> Self {
        let ticket = &detail.ticket;
        Self {
            fields: ticket.fields.clone(),
            field_errors: Vec::new(),
            assignee: ticket.assignee.clone().unwrap_or_default(),
            escalation_reason: String::new(),
            resolution: ticket.resolution.clone(),
            note: String::new(),
            rating: ticket.satisfaction,
            rating_comment: ticket.satisfaction_comment.clone(),
            thumbnails: Default::default(),
            edit_base: detail.team.as_ref().map(|team| team.version),
            detail,
        }
    }

    /// The version shown (team desk), the base of one-click changes.
    fn shown_version(&self) -> Option<TicketVersion> {
        self.detail.team.as_ref().map(|team| team.version)
    }

    /// Drops the unsaved edits (after the conflict dialog settled them in the store).
    pub fn discard_drafts(&mut self) {
        self.fields = self.detail.ticket.fields.clone();
        self.resolution = self.detail.ticket.resolution.clone();
        self.field_errors.clear();
        self.edit_base = self.shown_version();
    }

    /// Takes a newer copy of the same ticket, keeping edits the user has not saved yet.
    pub fn update(&mut self, detail: TicketDetail) {
        let old = &self.detail.ticket;
        let new = &detail.ticket;
        if self.fields == old.fields || self.fields == new.fields {
            self.fields = new.fields.clone();
            self.field_errors.clear();
        }
        if self.assignee == old.assignee.clone().unwrap_or_default() {
            self.assignee = new.assignee.clone().unwrap_or_default();
        }
        if self.resolution == old.resolution {
            self.resolution = new.resolution.clone();
        }
        if new.tier > old.tier {
            self.escalation_reason.clear();
        }
        // Unsaved edits stay based on the version they were typed over.
        if self.fields == new.fields && self.resolution == new.resolution {
            self.edit_base = detail.team.as_ref().map(|team| team.version);
        }
        if detail.notes.len() > self.detail.notes.len() {
            self.note.clear();
        }
        self.detail = detail;
    }

    /// A thumbnail of one of its screenshots arrived.
    pub fn thumbnail_loaded(&mut self, file: std::path::PathBuf, picture: Result<super::command::Picture, String>) {
        self.thumbnails.loaded(file, picture);
    }

    /// Whether the thumbnail of `file` is shown (tests).
    pub fn has_thumbnail(&self, file: &str) -> bool {
        self.thumbnails.is_ready(file)
    }

    /// Ticket id.
    pub fn id(&self) -> TicketId {
        self.detail.ticket.id
    }

    /// Draws the pane.
    pub fn ui(
        &mut self,
        ui: &mut Ui,
        env: &PaneEnv<'_>,
        sessions: &mut HashMap<TicketId, RemoteSessionView>,
        cx: &mut ViewContext<'_, UiCommand>,
    ) {
        let PaneEnv { policy, actor, team, phrases, glossary, engineers } = *env;
        let (lang, now_ms) = (cx.lang, cx.now_ms);
        self.header_ui(ui, lang, now_ms, policy);
        ui.separator();
        egui::ScrollArea::vertical().id_salt(("ticket_pane", self.id())).auto_shrink([false, false]).show(ui, |ui| {
            self.workflow_ui(ui, cx, actor, engineers);
            ui.add_space(8.0);
            egui::CollapsingHeader::new(Text::RemoteSession.get(lang)).default_open(true).show(ui, |ui| {
                let ticket = &self.detail.ticket;
                let context = PanelContext {
                    ticket_id: ticket.id,
                    ticket_number: &ticket.number,
                    ticket_title: &ticket.fields.title,
                    engineer_name: actor,
                    team,
                    category: ticket.category,
                    phrases,
                    glossary,
                };
                session_panel_ui(ui, cx, &context, sessions.get_mut(&ticket.id));
            });
            egui::CollapsingHeader::new(Text::Details.get(lang)).default_open(true).show(ui, |ui| {
                self.fields_ui(ui, cx);
            });
            egui::CollapsingHeader::new(Text::Resolution.get(lang)).default_open(true).show(ui, |ui| {
                self.resolution_ui(ui, cx);
            });
            egui::CollapsingHeader::new(Text::Notes.get(lang)).default_open(true).show(ui, |ui| {
                self.notes_ui(ui, cx);
            });
            egui::CollapsingHeader::new(Text::SessionHistory.get(lang)).default_open(true).show(ui, |ui| {
                super::session_history::session_history_ui(ui, cx, &self.detail, &mut self.thumbnails);
            });
            egui::CollapsingHeader::new(Text::Timeline.get(lang)).default_open(true).show(ui, |ui| {
                timeline_ui(ui, cx, &self.detail);
            });
        });
    }

    fn header_ui(&self, ui: &mut Ui, lang: Lang, now_ms: i64, policy: &SlaPolicy) {
        let ticket = &self.detail.ticket;
        ui.horizontal(|ui| {
            ui.label(RichText::new(&ticket.number).monospace().strong());
            widgets::priority_badge(ui, lang, ticket.priority);
            ui.label(RichText::new(status_text(ticket.status).get(lang)).strong());
            ui.label(Text::Tier.fill(lang, &[&ticket.tier.to_string()]));
            let (sla_text, color) = widgets::sla_summary(lang, &ticket.sla, ticket.status, now_ms, policy);
            let mut text = RichText::new(sla_text);
            if let Some(color) = color {
                text = text.color(color).strong();
            }
            ui.label(text);
        });
        ui.heading(&ticket.fields.title);
        ui.horizontal_wrapped(|ui| {
            ui.weak(format!("{}: {}", Text::FieldCreatedAt.get(lang), widgets::format_time(ticket.created_at_ms)));
            ui.weak(format!("{}: {}", Text::FieldReportedAt.get(lang), widgets::format_time(ticket.reported_at_ms)));
            if let Some(assignee) = &ticket.assignee {
                ui.weak(format!("{}: {assignee}", Text::AssigneeLabel.get(lang)));
            }
            if let Some(team) = &self.detail.team
                && !team.viewers.is_empty()
            {
                ui.colored_label(theme::WARNING, Text::AlsoViewing.fill(lang, &[&team.viewers.join(", ")]));
            }
        });
    }

    fn workflow_ui(
        &mut self,
        ui: &mut Ui,
        cx: &mut ViewContext<'_, UiCommand>,
        actor: &str,
        engineers: &[crate::model::Engineer],
    ) {
        let lang = cx.lang;
        let shown = self.shown_version();
        let ticket = &self.detail.ticket;
        let id = ticket.id;
        if let Some(team) = &self.detail.team
            && ticket.assignee.is_none()
            && ticket.status.is_open()
        {
            ui.horizontal_wrapped(|ui| {
                if ui.button(Text::TakeTicket.get(lang)).clicked() {
                    cx.emit(StoreCommand::ClaimTicket(id));
                }
                if !team.suggestions.is_empty() {
                    ui.weak(Text::SuggestedAssignees.get(lang));
                    for suggestion in team.suggestions.iter().take(3) {
                        let skill = if suggestion.has_skill { " ★" } else { "" };
                        let label = Text::SuggestionEntry
                            .fill(lang, &[&suggestion.engineer.name, skill, &suggestion.open_tickets.to_string()]);
                        if ui.small_button(label).clicked() {
                            let name = Some(suggestion.engineer.name.clone());
                            cx.emit(UiCommand::change_ticket_at(id, shown, TicketChange::Assign(name)));
                        }
                    }
                }
            });
        }
        ui.horizontal_wrapped(|ui| {
            ui.label(Text::MoveTo.get(lang));
            for &to in ticket.status.next_allowed() {
                if ui.button(format!("→ {}", status_text(to).get(lang))).clicked() {
                    cx.emit(UiCommand::change_ticket_at(id, shown, TicketChange::Status(to)));
                }
            }
        });
        ui.horizontal_wrapped(|ui| {
            let mut category = ticket.category;
            let mut urgency = ticket.urgency;
            let mut impact = ticket.impact;
            let mut changed = false;
            let label = ui.label(Text::CategoryLabel.get(lang));
            changed |= widgets::enum_combo(ui, &label, "detail_category", &mut category, Category::ALL, |c| {
                category_text(c).get(lang).to_owned()
            });
            let label = ui.label(Text::FieldUrgency.get(lang));
            changed |= widgets::enum_combo(ui, &label, "detail_urgency", &mut urgency, Grade::ALL, |g| {
                grade_text(g).get(lang).to_owned()
            });
            let label = ui.label(Text::FieldImpactGrade.get(lang));
            changed |= widgets::enum_combo(ui, &label, "detail_impact", &mut impact, Grade::ALL, |g| {
                grade_text(g).get(lang).to_owned()
            });
            if changed {
                cx.emit(UiCommand::change_ticket_at(
                    id,
                    shown,
                    TicketChange::Classification { category, urgency, impact },
                ));
            }
        });
        ui.horizontal_wrapped(|ui| {
            let label = ui.label(Text::AssignTo.get(lang));
            if engineers.is_empty() {
                ui.add(egui::TextEdit::singleline(&mut self.assignee).desired_width(160.0)).labelled_by(label.id);
            } else {
                egui::ComboBox::from_id_salt("detail_assignee")
                    .selected_text(if self.assignee.is_empty() { Text::Unassigned.get(lang) } else { &self.assignee })
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut self.assignee, String::new(), Text::Unassigned.get(lang));
                        for engineer in engineers {
                            let label = format!("{} · {} · T{}", engineer.name, engineer.team, engineer.tier);
                            ui.selectable_value(&mut self.assignee, engineer.name.clone(), label);
                        }
                    })
                    .response
                    .labelled_by(label.id);
            }
            let current = self.detail.ticket.assignee.clone().unwrap_or_default();
            if ui.add_enabled(self.assignee.trim() != current, egui::Button::new(Text::Assign.get(lang))).clicked() {
                let assignee = Some(self.assignee.trim().to_owned()).filter(|name| !name.is_empty());
                cx.emit(UiCommand::change_ticket_at(id, shown, TicketChange::Assign(assignee)));
            }
            if current != actor && ui.button(Text::AssignToMe.get(lang)).clicked() {
                cx.emit(UiCommand::change_ticket_at(id, shown, TicketChange::Assign(Some(actor.to_owned()))));
            }
        });
        if self.detail.ticket.status.is_open() && self.detail.ticket.tier < 3 {
            ui.horizontal_wrapped(|ui| {
                let label = ui.label(Text::EscalationReason.get(lang));
                ui.add(egui::TextEdit::singleline(&mut self.escalation_reason).desired_width(260.0))
                    .labelled_by(label.id);
                let next = Text::Tier.fill(lang, &[&(self.detail.ticket.tier + 1).to_string()]);
                let button = egui::Button::new(format!("{} → {next}", Text::Escalate.get(lang)));
                if ui.add_enabled(!self.escalation_reason.trim().is_empty(), button).clicked() {
                    cx.emit(UiCommand::change_ticket_at(
                        id,
                        shown,
                        TicketChange::Escalate(self.escalation_reason.trim().to_owned()),
                    ));
                }
            });
        }
    }

    fn fields_ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>) {
        let lang = cx.lang;
        fields_form_ui(ui, lang, "detail_fields", &mut self.fields, &self.field_errors);
        let dirty = self.fields != self.detail.ticket.fields;
        ui.horizontal(|ui| {
            if ui.add_enabled(dirty, egui::Button::new(Text::SaveChanges.get(lang))).clicked() {
                self.field_errors = self.fields.validate();
                if self.field_errors.is_empty() {
                    cx.emit(UiCommand::change_ticket_at(
                        self.id(),
                        self.edit_base,
                        TicketChange::Fields(Box::new(self.fields.clone())),
                    ));
                }
            }
            if ui.add_enabled(dirty, egui::Button::new(Text::Revert.get(lang))).clicked() {
                self.fields = self.detail.ticket.fields.clone();
                self.field_errors.clear();
            }
        });
    }

    fn resolution_ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>) {
        let lang = cx.lang;
        let id = self.id();
        let label = ui.label(Text::Resolution.get(lang));
        ui.add(egui::TextEdit::multiline(&mut self.resolution).desired_rows(2).desired_width(f32::INFINITY))
            .labelled_by(label.id);
        if ui
            .add_enabled(
                self.resolution.trim() != self.detail.ticket.resolution,
                egui::Button::new(Text::SaveResolution.get(lang)),
            )
            .clicked()
        {
            cx.emit(UiCommand::change_ticket_at(
                id,
                self.edit_base,
                TicketChange::Resolution(self.resolution.trim().to_owned()),
            ));
        }
        let answered: Vec<_> = self.detail.surveys.iter().filter_map(|survey| survey.answers()).collect();
        if !answered.is_empty() {
            ui.separator();
            ui.label(egui::RichText::new(Text::RatingByUser.get(lang)).strong());
            for answers in answered {
                let answer = |answer| super::timeline::answer_text(answer).get(lang);
                let words = Text::EvSurveyAnswered.fill(
                    lang,
                    &[&answers.rating.to_string(), answer(answers.solved), answer(answers.explanations_clear)],
                );
                ui.label(format!("{} {words}", "★".repeat(usize::from(answers.rating))));
                if !answers.comment.trim().is_empty() {
                    ui.weak(format!("“{}”", answers.comment.trim()));
                }
            }
        }
        if !self.detail.ticket.status.is_open() {
            ui.separator();
            ui.horizontal(|ui| {
                ui.label(format!("{} ({})", Text::Satisfaction.get(lang), Text::RatingByEngineer.get(lang)));
                for stars in 1..=5 {
                    ui.selectable_value(&mut self.rating, Some(stars), "★".repeat(stars as usize));
                }
            });
            let label = ui.label(Text::SatisfactionComment.get(lang));
            ui.add(egui::TextEdit::singleline(&mut self.rating_comment).desired_width(f32::INFINITY))
                .labelled_by(label.id);
            let record = ui.add_enabled(self.rating.is_some(), egui::Button::new(Text::RecordRating.get(lang)));
            if let (true, Some(rating)) = (record.clicked(), self.rating) {
                let comment = self.rating_comment.trim().to_owned();
                cx.emit(UiCommand::change_ticket(id, TicketChange::Satisfaction { rating, comment }));
            }
        }
    }

    fn notes_ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>) {
        let lang = cx.lang;
        for note in &self.detail.notes {
            ui.group(|ui| {
                ui.weak(format!("{} · {}", widgets::format_time(note.at_ms), note.author));
                if let Some(origin) = &note.imported {
                    imported_ui(ui, lang, origin);
                }
                ui.label(&note.text);
            });
        }
        let label = ui.label(Text::AddNote.get(lang));
        ui.add(
            egui::TextEdit::multiline(&mut self.note)
                .hint_text(Text::NoteHint.get(lang))
                .desired_rows(2)
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
        if ui.add_enabled(!self.note.trim().is_empty(), egui::Button::new(Text::AddNote.get(lang))).clicked() {
            cx.emit(UiCommand::change_ticket(self.id(), TicketChange::Note(self.note.trim().to_owned())));
        }
    }
}

/// The intake fields as a labelled grid, with each field's validation message under it.
pub fn fields_form_ui(ui: &mut Ui, lang: Lang, id_salt: &str, fields: &mut TicketFields, errors: &[FieldError]) {
    const MULTILINE: [&str; 3] = ["description", "expectation", "business_impact"];
    let names: Vec<&'static str> = fields.named_values().iter().map(|(name, _, _)| *name).collect();
    egui::Grid::new(id_salt).num_columns(2).spacing([12.0, 6.0]).striped(false).show(ui, |ui| {
        for name in names {
            let Some(label_text) = field_text(name) else { continue };
            let required = matches!(name, "title" | "requester_name" | "description");
            let label = ui.label(format!("{}{}", label_text.get(lang), if required { " *" } else { "" }));
            ui.vertical(|ui| {
                let Some(value) = fields.field_mut(name) else { return };
                let edit = if MULTILINE.contains(&name) {
                    egui::TextEdit::multiline(value).desired_rows(3)
                } else {
                    egui::TextEdit::singleline(value)
                };
                let edit = edit.id(field_id(id_salt, name)).desired_width(f32::INFINITY);
                ui.add(edit).labelled_by(label.id);
                if name == "contact" && looks_like_broken_email(value) {
                    ui.colored_label(theme::WARNING, Text::ContactEmailHint.get(lang));
                }
                for error in errors {
                    if let Some(message) = field_error_text(error, name, lang) {
                        ui.colored_label(theme::ERROR, message);
                    }
                }
            });
            ui.end_row();
        }
    });
}

/// The id of the text field `name` in the field grid `id_salt` (focus, tests).
pub fn field_id(id_salt: &str, name: &str) -> egui::Id {
    egui::Id::unique((id_salt, name))
}

/// Whether a contact meant as an e-mail address (it has an `@` after some text; `@handle` is a chat
/// handle) is obviously malformed: not one `@`, a space, or a domain without a dot.
pub fn looks_like_broken_email(contact: &str) -> bool {
    let contact = contact.trim();
    let Some((local, domain)) = contact.split_once('@') else { return false };
    if local.is_empty() {
        return false;
    }
    let labels_ok = domain.split('.').count() >= 2 && domain.split('.').all(|label| !label.is_empty());
    domain.contains('@') || contact.contains(char::is_whitespace) || !labels_ok
}

/// The translated message of `error` if it concerns field `name`; limits are named.
pub fn field_error_text(error: &FieldError, name: &str, lang: Lang) -> Option<String> {
    let (field, template, limit) = match error {
        FieldError::Required(field) => (*field, Text::Required, String::new()),
        FieldError::TooLong { field, max_chars, .. } => (*field, Text::TooLong, max_chars.to_string()),
        FieldError::ReportedAtOutOfRange => ("reported_at", Text::ReportedAtInvalid, String::new()),
    };
    if field != name {
        return None;
    }
    let label = field_text(field).map_or(field, |text| text.get(lang));
    Some(template.fill(lang, &[label, &limit]))
}

/// The timeline, newest first; entries that came from an import file say so, with the file,
/// who imported it and when.
/// Only the newest page is loaded; "Show older entries" loads the page before it, so a ticket
/// with 100 000 entries opens as fast as a new one.
fn timeline_ui(ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>, detail: &TicketDetail) {
    let lang = cx.lang;
    for entry in detail.history.iter().rev() {
        ui.horizontal_wrapped(|ui| {
            ui.weak(format!("#{} {}", entry.seq, widgets::format_time(entry.at_ms)));
            ui.label(super::actor::actor_label(entry.actor_kind, &entry.actor, lang));
            ui.label(describe(entry, lang));
            if let TimelineEvent::ScreenshotAttached { file, .. } = &entry.event
                && ui.small_button(Text::ShowScreenshot.get(lang)).clicked()
            {
                cx.emit(DialogCommand::ShowScreenshot { file: file.as_str().into() });
            }
            if let Some(origin) = &entry.imported {
                imported_ui(ui, lang, origin);
            }
        });
    }
    if detail.older_entries > 0
        && let Some(oldest) = detail.history.first()
        && ui.button(Text::ShowOlderEntries.fill(lang, &[&detail.older_entries.to_string()])).clicked()
    {
        cx.emit(StoreCommand::LoadOlderHistory { ticket_id: detail.ticket.id, before_seq: oldest.seq });
    }
}

/// The mark on imported history: from which file, by whom, when.
fn imported_ui(ui: &mut Ui, lang: Lang, origin: &ImportOrigin) {
    let text = imported_text(lang, origin);
    ui.label(RichText::new(text).italics().color(theme::WARNING));
}

/// The words of the imported mark.
pub fn imported_text(lang: Lang, origin: &ImportOrigin) -> String {
    let at = widgets::format_time(origin.imported_at_ms);
    Text::ImportedFrom.fill(lang, &[&origin.file, &origin.importer, &at])
}
