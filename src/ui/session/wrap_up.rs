//! After a session ends on the engineer's side: the user's survey as it arrives (the engineer
//! cannot fill it in) and the summary drafted from the transcript, to edit and save on the ticket
//! as a note or as the resolution.

use egui::{RichText, Ui};

use crate::model::{SessionFacts, TicketChange, TicketId};
use crate::protocol::SurveyReply;

use super::super::command::UiCommand;
use super::super::i18n::{Lang, Text};
use super::super::summary::engineer_summary_text;
use super::super::timeline::answer_text;
use super::super::{ViewContext, theme};

/// The user's exit survey as the engineer's side knows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum SurveyStatus {
    /// No survey (yet): the session runs, or ended without one.
    #[default]
    NotDue,
    /// The session ended normally: the user's side is asked; the link waits for the reply.
    Awaiting,
    /// The user's reply.
    Replied(SurveyReply),
    /// The link ended before a reply came.
    Lost,
}

/// The summary drafted when the session ended, as the engineer edits it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SummaryDraft {
    /// What it was drafted from.
    pub facts: SessionFacts,
    /// The text being edited.
    pub text: String,
    /// It was saved to the ticket (as a note or the resolution).
    pub saved: bool,
}

impl SummaryDraft {
    /// A draft worded in `lang`; `user` is the name the user gave.
    pub fn new(facts: SessionFacts, user: &str, lang: Lang) -> Self {
        let text = engineer_summary_text(&facts, user, lang);
        Self { facts, text, saved: false }
    }
}

/// The survey's line: waiting, the answers, or why there are none.
pub fn survey_status_ui(ui: &mut Ui, lang: Lang, status: &SurveyStatus) {
    match status {
        SurveyStatus::NotDue => {}
        SurveyStatus::Awaiting => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(Text::SurveyWaiting.get(lang));
            });
        }
        SurveyStatus::Replied(SurveyReply::Answered(answers)) => {
            let answer = |answer| answer_text(answer).get(lang);
            let rating = answers.rating.to_string();
            let (solved, clear) = (answer(answers.solved), answer(answers.explanations_clear));
            let words = match answers.comment.trim() {
                "" => Text::EvSurveyAnswered.fill(lang, &[&rating, solved, clear]),
                comment => Text::EvSurveyAnsweredComment.fill(lang, &[&rating, solved, clear, comment]),
            };
            ui.colored_label(theme::SUCCESS, words);
        }
        SurveyStatus::Replied(SurveyReply::Skipped) => {
            ui.weak(Text::EvSurveySkipped.get(lang));
        }
        SurveyStatus::Replied(SurveyReply::Closed) => {
            ui.weak(Text::EvSurveyClosed.get(lang));
        }
        SurveyStatus::Replied(SurveyReply::NotAsked) => {
            ui.weak(Text::SurveyNoneShort.get(lang));
        }
        SurveyStatus::Lost => {
            ui.weak(Text::EvSurveyLost.get(lang));
        }
    }
}

/// The drafted summary: an editable text and "Save as note" / "Save as resolution".
pub fn summary_ui(ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>, ticket_id: TicketId, draft: &mut SummaryDraft) {
    let lang = cx.lang;
    ui.add_space(6.0);
    let label = ui.label(RichText::new(Text::SummaryHeading.get(lang)).strong());
    ui.weak(Text::SummaryHint.get(lang));
    ui.add(egui::TextEdit::multiline(&mut draft.text).desired_rows(8).desired_width(f32::INFINITY))
        .labelled_by(label.id);
    ui.horizontal(|ui| {
        let text = draft.text.trim().to_owned();
        let enabled = !text.is_empty();
        if ui.add_enabled(enabled, egui::Button::new(Text::SummarySaveNote.get(lang))).clicked() {
            cx.emit(UiCommand::change_ticket(ticket_id, TicketChange::Note(text.clone())));
            draft.saved = true;
        }
        if ui.add_enabled(enabled, egui::Button::new(Text::SummarySaveResolution.get(lang))).clicked() {
            cx.emit(UiCommand::change_ticket(ticket_id, TicketChange::Resolution(text)));
            draft.saved = true;
        }
        if draft.saved {
            ui.colored_label(theme::SUCCESS, Text::SummarySaved.get(lang));
        }
    });
}
