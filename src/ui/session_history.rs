//! A ticket's session history: every past session with when, who, how long, what the user
//! allowed, steps confirmed, their survey answer and the recording (size, status, play, export
//! as a video, delete).

use std::path::PathBuf;

use egui::{RichText, Ui};

use super::command::{DialogCommand, StoreCommand, TicketDetail, UiCommand};
use super::context::ViewContext;
use super::i18n::{Lang, Text};
use super::player::PlayerCommand;
use super::recording_export::VideoExportSource;
use super::summary::scopes_words;
use super::thumbnails::Thumbnails;
use super::widgets;
use crate::model::{
    ConsentFact, RecordingRecord, RecordingStatus, SessionFacts, SessionRecord, SurveyOutcome, TimelineEvent,
};

/// One past session as the history shows it, drawn from its row and the loaded timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionLine {
    /// First line: when, who, minutes connected.
    pub heading: String,
    /// The scopes the user granted (last grant or change), if any.
    pub scopes: Option<String>,
    /// "Steps: n of m confirmed".
    pub steps: String,
    /// The survey's answer, or that none was given.
    pub survey: String,
}

/// The words of one session's history line, from the ticket's loaded timeline entries that fall
/// within it.
pub fn session_line(detail: &TicketDetail, session: &SessionRecord, now_ms: i64, lang: Lang) -> SessionLine {
    let end_ms = session.ended_at_ms.unwrap_or(i64::MAX);
    let entries = detail
        .history
        .iter()
        .filter(|entry| entry.at_ms >= session.started_at_ms && entry.at_ms <= end_ms)
        .map(|entry| (entry.at_ms, &entry.event));
    let facts = SessionFacts::from_entries(entries);
    let minutes = (session.connected_ms(now_ms) / 60_000).to_string();
    let heading = Text::SessionHistoryLine
        .fill(lang, &[&widgets::format_time(session.started_at_ms), &session.engineer, &minutes]);
    let scopes = facts.consent.iter().rev().find_map(|(_, fact)| match fact {
        ConsentFact::Granted(scopes) | ConsentFact::Changed(scopes) => Some(scopes_words(*scopes, lang)),
        _ => None,
    });
    let (sent, done, _) = facts.step_counts();
    let steps = Text::SessionHistorySteps.fill(lang, &[&done.to_string(), &sent.to_string()]);
    let survey = match detail.surveys.iter().find(|survey| survey.session_id == session.id).map(|s| &s.outcome) {
        Some(SurveyOutcome::Answered(answers)) => Text::SessionHistorySurvey.fill(lang, &[&answers.rating.to_string()]),
        _ => Text::SessionHistoryNoSurvey.get(lang).to_owned(),
    };
    SessionLine { heading, scopes: scopes.map(|words| Text::SessionHistoryScopes.fill(lang, &[&words])), steps, survey }
}

/// The words of a recording's line: size, length, status.
pub fn recording_line(recording: &RecordingRecord, lang: Lang) -> String {
    let megabytes = format!("{:.1}", recording.bytes as f64 / 1e6);
    let seconds = recording.duration_ms.div_ceil(1_000).to_string();
    let status = match recording.status {
        RecordingStatus::Sealed => Text::RecordingSealed,
        RecordingStatus::Recovered => Text::RecordingRecoveredStatus,
    };
    Text::SessionHistoryRecording.fill(lang, &[&megabytes, &seconds, status.get(lang)])
}

/// Draws the session history, newest session first; recordings whose session is not known
/// (recovered from an older build) follow.
pub fn session_history_ui(
    ui: &mut Ui,
    cx: &mut ViewContext<'_, UiCommand>,
    detail: &TicketDetail,
    thumbnails: &mut Thumbnails,
) {
    let lang = cx.lang;
    if detail.sessions.is_empty() && detail.recordings.is_empty() {
        ui.weak(Text::SessionHistoryNone.get(lang));
        return;
    }
    for session in detail.sessions.iter().rev() {
        let line = session_line(detail, session, cx.now_ms, lang);
        ui.group(|ui| {
            ui.label(RichText::new(&line.heading).strong());
            if let Some(scopes) = &line.scopes {
                ui.label(scopes);
            }
            ui.label(&line.steps);
            ui.label(&line.survey);
            for recording in detail.recordings.iter().filter(|recording| recording.session_id == Some(session.id)) {
                recording_ui(ui, cx, recording);
            }
            screenshots_ui(ui, cx, detail, session, thumbnails);
        });
    }
    for recording in detail.recordings.iter().filter(|recording| recording.session_id.is_none()) {
        recording_ui(ui, cx, recording);
    }
}

/// The screenshots kept during `session` (of the loaded timeline), as thumbnails.
fn screenshots_ui(
    ui: &mut Ui,
    cx: &mut ViewContext<'_, UiCommand>,
    detail: &TicketDetail,
    session: &SessionRecord,
    thumbnails: &mut Thumbnails,
) {
    let until_ms = session.ended_at_ms.unwrap_or(i64::MAX);
    let files: Vec<&str> = detail
        .history
        .iter()
        .filter(|entry| (session.started_at_ms..=until_ms).contains(&entry.at_ms))
        .filter_map(|entry| match &entry.event {
            TimelineEvent::ScreenshotAttached { file, .. } => Some(file.as_str()),
            _ => None,
        })
        .collect();
    if files.is_empty() {
        return;
    }
    ui.label(Text::SessionScreenshots.get(cx.lang));
    ui.horizontal_wrapped(|ui| {
        for file in files {
            thumbnails.ui(ui, cx, detail.ticket.id, file);
        }
    });
}

fn recording_ui(ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>, recording: &RecordingRecord) {
    let lang = cx.lang;
    ui.horizontal_wrapped(|ui| {
        ui.label(recording_line(recording, lang));
        if ui.small_button(Text::PlayRecording.get(lang)).clicked() {
            cx.emit(PlayerCommand::Open(recording.clone()));
        }
        if ui.small_button(Text::ExportVideo.get(lang)).clicked() {
            cx.emit(DialogCommand::OpenVideoExport(VideoExportSource {
                ticket_id: recording.ticket_id,
                path: PathBuf::from(&recording.path),
                duration_ms: recording.duration_ms,
            }));
        }
        if ui.small_button(Text::DeleteRecording.get(lang)).clicked() {
            cx.emit(StoreCommand::DeleteRecording { recording_id: recording.id });
        }
    });
}

#[cfg(test)]
mod tests;
