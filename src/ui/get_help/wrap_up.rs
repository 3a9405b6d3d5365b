//! The Get-help window after a session: "What was done on your computer" in plain words (saved
//! as a file on request) and the short exit survey, which never blocks leaving: "Skip" is always
//! there, and leaving without answering counts as "closed".

use egui::{RichText, Ui};

use crate::model::SessionFacts;
use crate::protocol::{Answer, MAX_SURVEY_COMMENT_CHARS, SessionCommand, SurveyAnswers, SurveyReply};

use super::super::command::AssistCommand;
use super::super::i18n::{Lang, Text};
use super::super::summary::user_summary_text;
use super::super::timeline::answer_text;
use super::super::{ViewContext, theme};

/// The exit survey as the user fills it in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SurveyForm {
    /// "Was your problem solved?"
    pub solved: Option<Answer>,
    /// 1–5.
    pub rating: Option<u8>,
    /// "Were the explanations easy to understand?"
    pub explanations_clear: Option<Answer>,
    /// Optional comment.
    pub comment: String,
    /// What was sent, once sent.
    pub sent: Option<SurveyReply>,
    /// "Send" was pressed before the three questions were answered.
    pub incomplete: bool,
    /// The link ended before the answer could go.
    pub link_gone: bool,
}

impl SurveyForm {
    /// The answers, when the three questions are answered.
    pub fn answers(&self) -> Option<SurveyAnswers> {
        Some(SurveyAnswers {
            solved: self.solved?,
            rating: self.rating?,
            explanations_clear: self.explanations_clear?,
            comment: self.comment.trim().chars().take(MAX_SURVEY_COMMENT_CHARS).collect(),
        })
    }

    /// Whether it waits for the user (offered, not sent, link still there).
    pub fn open(&self) -> bool {
        self.sent.is_none() && !self.link_gone
    }
}

/// The user's summary of a finished session, worded in whatever language the window shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserSummary {
    /// What happened.
    pub facts: SessionFacts,
    /// The engineer's name, as their side gave it.
    pub engineer: String,
    /// Where it was saved, once saved.
    pub saved_to: Option<String>,
}

impl UserSummary {
    /// The text in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        user_summary_text(&self.facts, &self.engineer, lang)
    }
}

/// "What was done on your computer" with "Save as a file…".
pub fn user_summary_ui(ui: &mut Ui, cx: &mut ViewContext<'_, AssistCommand>, summary: &UserSummary) {
    let lang = cx.lang;
    ui.add_space(10.0);
    ui.label(RichText::new(Text::UserSummaryHeading.get(lang)).size(20.0).strong());
    let text = summary.text(lang);
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.label(RichText::new(&text).size(17.0));
    });
    ui.horizontal(|ui| {
        if ui.button(Text::UserSummarySave.get(lang)).clicked() {
            cx.emit(AssistCommand::SaveSummary { text: text.clone(), choose_file: true });
        }
        if let Some(path) = &summary.saved_to {
            ui.weak(Text::UserSummarySaved.fill(lang, &[path]));
        }
    });
}

fn answer_row(ui: &mut Ui, lang: Lang, id: &str, value: &mut Option<Answer>) {
    ui.horizontal(|ui| {
        ui.push_id(id, |ui| {
            for answer in Answer::ALL {
                if ui.selectable_label(*value == Some(answer), answer_text(answer).get(lang)).clicked() {
                    *value = Some(answer);
                }
            }
        });
    });
}

/// The survey: three questions, a comment, "Send answers" and "Skip"; then a thank-you line.
pub fn survey_ui(ui: &mut Ui, cx: &mut ViewContext<'_, AssistCommand>, form: &mut SurveyForm) {
    let lang = cx.lang;
    ui.add_space(10.0);
    match (&form.sent, form.link_gone) {
        (Some(SurveyReply::Answered(_)), false) => {
            ui.colored_label(theme::SUCCESS, RichText::new(Text::SurveyThanks.get(lang)).size(18.0));
            return;
        }
        (Some(_), false) => {
            ui.weak(Text::SurveySkippedNote.get(lang));
            return;
        }
        (_, true) => {
            ui.weak(Text::SurveyNotSent.get(lang));
            return;
        }
        (None, false) => {}
    }
    ui.label(RichText::new(Text::SurveyTitle.get(lang)).size(20.0).strong());
    ui.label(Text::SurveySolved.get(lang));
    answer_row(ui, lang, "survey_solved", &mut form.solved);
    ui.label(Text::SurveyRating.get(lang));
    ui.horizontal(|ui| {
        for rating in 1..=5u8 {
            if ui.selectable_label(form.rating == Some(rating), RichText::new(rating.to_string()).size(20.0)).clicked()
            {
                form.rating = Some(rating);
            }
        }
    });
    ui.label(Text::SurveyClear.get(lang));
    answer_row(ui, lang, "survey_clear", &mut form.explanations_clear);
    let label = ui.label(Text::SurveyComment.get(lang));
    ui.add(
        egui::TextEdit::multiline(&mut form.comment)
            .char_limit(MAX_SURVEY_COMMENT_CHARS)
            .desired_rows(2)
            .desired_width(f32::INFINITY),
    )
    .labelled_by(label.id);
    if form.incomplete {
        ui.colored_label(theme::WARNING, Text::SurveyIncomplete.get(lang));
    }
    ui.horizontal(|ui| {
        if ui.button(RichText::new(Text::SurveySend.get(lang)).size(18.0).strong()).clicked() {
            match form.answers() {
                Some(answers) => {
                    form.incomplete = false;
                    let reply = SurveyReply::Answered(answers);
                    form.sent = Some(reply.clone());
                    cx.emit(AssistCommand::Session(SessionCommand::AnswerSurvey(reply)));
                }
                None => form.incomplete = true,
            }
        }
        if ui.button(Text::SurveySkip.get(lang)).clicked() {
            form.sent = Some(SurveyReply::Skipped);
            cx.emit(AssistCommand::Session(SessionCommand::AnswerSurvey(SurveyReply::Skipped)));
        }
    });
}
