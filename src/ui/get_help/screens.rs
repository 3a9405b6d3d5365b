//! Drawing the Get-help screens: the code entry, the consent question with the scopes, the step
//! card, the chat, what is shared with the private areas, and the receipts window.

use egui::{RichText, Ui};

use crate::capture::x11_input::TAKE_BACK_HOTKEY;
use crate::protocol::{ConsentRequest, JoinCode, JoinLink, Scopes, SessionMode, StepOutcome};

use super::super::annotations::ArrowPlacement;
use super::super::chat::chat_ui;
use super::super::command::AssistCommand;
use super::super::i18n::{Lang, Text};
use super::super::session::monitors::monitor_label;
use super::super::session::scopes_text;
use super::super::theme;
use super::{AssistView, Screen, wrap_up};
use crate::protocol::SessionCommand;
use crate::ui::ViewContext;

impl AssistView {
    /// The current screen, inside the window's scroll area. While sharing, what the user acts
    /// on comes first: the step card and the chat, then what is shared and the private areas.
    pub(super) fn screens_ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, AssistCommand>) {
        let lang = self.lang;
        if self.reconnecting {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.colored_label(theme::WARNING, Text::LinkReconnecting.get(lang));
            });
        }
        if !matches!(self.screen, Screen::EnterCode)
            && let Some(error) = &self.error
        {
            // A refused choice (e.g. the receipt could not be saved) is said on every screen.
            ui.colored_label(theme::ERROR, RichText::new(error).size(18.0));
        }
        if self.held.is_some() {
            ui.colored_label(theme::WARNING, RichText::new(Text::UserHeldTranscript.get(lang)).size(18.0).strong());
        }
        match self.screen.clone() {
            Screen::EnterCode => self.code_ui(ui, cx),
            Screen::Connecting => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(Text::Connecting.get(lang));
                });
            }
            Screen::Waiting => {
                let name = self.engineer.clone().unwrap_or_default();
                self.step_card_ui(ui, cx);
                ui.label(Text::ConnectedWaiting.fill(lang, &[&name]));
                self.chat_body_ui(ui, cx);
            }
            Screen::Consent(request) => self.consent_ui(ui, cx, &request),
            Screen::Sharing { request, scopes, paused } => {
                self.step_card_ui(ui, cx);
                self.chat_body_ui(ui, cx);
                ui.separator();
                self.sharing_summary_ui(ui, cx, &request, scopes, paused);
                self.privacy_ui(ui, cx);
            }
            Screen::Finished(message) => {
                ui.label(RichText::new(message).size(20.0));
                if let Some(summary) = &self.summary {
                    wrap_up::user_summary_ui(ui, cx, summary);
                }
                if let Some(form) = self.survey.as_mut() {
                    wrap_up::survey_ui(ui, cx, form);
                }
                ui.add_space(10.0);
                if ui.button(Text::Leave.get(lang)).clicked() {
                    if let Some(command) = self.close_survey() {
                        cx.emit(command);
                    }
                    self.reset();
                }
            }
        }
    }

    fn reset(&mut self) {
        self.screen = Screen::EnterCode;
        self.chat.clear();
        self.engineer = None;
        self.error = None;
        self.reconnecting = false;
        self.annotations.clear();
        self.step = None;
        self.dont_ask_again = false;
        self.screenshots_kept.clear();
        self.survey = None;
        self.summary = None;
    }

    /// Leaving (or closing the window) with the survey still open answers it as "closed".
    pub(super) fn close_survey(&mut self) -> Option<AssistCommand> {
        let form = self.survey.as_mut().filter(|form| form.open())?;
        form.sent = Some(crate::protocol::SurveyReply::Closed);
        Some(AssistCommand::Session(SessionCommand::AnswerSurvey(crate::protocol::SurveyReply::Closed)))
    }

    fn code_ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, AssistCommand>) {
        let lang = self.lang;
        ui.label(Text::GetHelpIntro.get(lang));
        ui.add_space(12.0);
        egui::Grid::new("assist_code_grid").num_columns(2).spacing([12.0, 10.0]).show(ui, |ui| {
            let label = ui.label(Text::EnterCode.get(lang));
            ui.add(egui::TextEdit::singleline(&mut self.code).hint_text("123 456 789").desired_width(220.0))
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label(Text::EnterAddress.get(lang));
            ui.add(egui::TextEdit::singleline(&mut self.address).hint_text("192.168.1.20:47000").desired_width(220.0))
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label(Text::OrPasteLink.get(lang));
            ui.add(
                egui::TextEdit::singleline(&mut self.link)
                    .hint_text("stepwise://192.168.1.20:47000/123456789")
                    .desired_width(420.0),
            )
            .labelled_by(label.id);
            ui.end_row();
        });
        ui.add_space(8.0);
        if let Some(error) = &self.error {
            ui.colored_label(theme::ERROR, RichText::new(error).size(18.0));
        }
        if ui.button(RichText::new(Text::Connect.get(lang)).size(20.0).strong()).clicked() {
            match self.parse_target() {
                Some(link) => {
                    self.error = None;
                    self.screen = Screen::Connecting;
                    cx.emit(AssistCommand::Join(link));
                }
                None => self.error = Some(Text::InvalidCodeOrAddress.get(lang).to_owned()),
            }
        }
    }

    /// The link typed or pasted, else the code plus the address.
    fn parse_target(&self) -> Option<JoinLink> {
        if !self.link.trim().is_empty() {
            return JoinLink::parse(self.link.trim()).ok();
        }
        let code = JoinCode::parse(self.code.trim())?;
        JoinLink::parse(&format!("stepwise://{}/{}", self.address.trim(), code.digits())).ok()
    }

    fn consent_ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, AssistCommand>, request: &ConsentRequest) {
        let lang = self.lang;
        ui.add_space(8.0);
        ui.label(
            RichText::new(Text::ConsentQuestion.fill(lang, &[&request.engineer_name, &request.team]))
                .size(24.0)
                .strong(),
        );
        ui.label(
            RichText::new(Text::ConsentForTicket.fill(lang, &[&request.ticket_number, &request.ticket_title]))
                .size(18.0),
        );
        if !request.purpose.is_empty() {
            ui.label(RichText::new(Text::ConsentPurpose.fill(lang, &[&request.purpose])).size(18.0));
        }
        self.source_ui(ui);
        ui.add_space(12.0);
        ui.label(Text::ConsentChoose.get(lang));
        scope_checkboxes(ui, lang, &mut self.scopes);
        ui.add_space(12.0);
        ui.horizontal(|ui| {
            if ui.button(RichText::new(Text::Allow.get(lang)).size(22.0).strong()).clicked() {
                cx.emit(AssistCommand::Session(SessionCommand::Grant(self.scopes)));
            }
            ui.add_space(24.0);
            if ui.button(RichText::new(Text::DontAllow.get(lang)).size(22.0)).clicked() {
                cx.emit(AssistCommand::Session(SessionCommand::Deny { dont_ask_again: self.dont_ask_again }));
            }
        });
        ui.checkbox(&mut self.dont_ask_again, Text::DontAskAgain.get(lang));
    }

    /// The current guided step, large, with the three answers.
    fn step_card_ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, AssistCommand>) {
        let lang = self.lang;
        let Some(card) = self.step.clone() else { return };
        egui::Frame::group(ui.style()).fill(ui.visuals().faint_bg_color).inner_margin(12.0).show(ui, |ui| {
            ui.label(
                RichText::new(Text::StepOf.fill(lang, &[&card.index.to_string(), &card.total.to_string()]))
                    .strong()
                    .color(theme::WARNING),
            );
            ui.label(RichText::new(&card.instruction).size(22.0).strong());
            if !card.expected.is_empty() {
                ui.label(RichText::new(Text::StepExpected.fill(lang, &[&card.expected])).size(17.0));
            }
            let label = ui.label(Text::StepComment.get(lang));
            ui.add(egui::TextEdit::singleline(&mut self.step_comment).desired_width(f32::INFINITY))
                .labelled_by(label.id);
            ui.horizontal(|ui| {
                for (text, outcome) in [
                    (Text::StepDone, StepOutcome::Done),
                    (Text::StepDidntWork, StepOutcome::DidntWork),
                    (Text::StepStuck, StepOutcome::Stuck),
                ] {
                    if ui.button(RichText::new(text.get(lang)).size(20.0)).clicked() {
                        cx.emit(AssistCommand::Session(SessionCommand::AnswerStep {
                            step_id: card.step_id,
                            outcome,
                            comment: self.step_comment.trim().to_owned(),
                        }));
                    }
                }
            });
        });
        ui.add_space(8.0);
    }

    /// The preview with private areas: drag a rectangle to hide that part of the screen.
    fn privacy_ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, AssistCommand>) {
        let Some(preview) = &mut self.preview else { return };
        if let Some(regions) = preview.ui(ui, self.lang, &mut self.annotations) {
            cx.emit(AssistCommand::SetPrivateRegions(regions));
        }
    }

    /// What will be shared, or why the screen cannot be.
    fn source_ui(&self, ui: &mut Ui) {
        let lang = self.lang;
        match &self.source {
            Some(Ok(label)) => {
                let label = super::super::i18n::source_label_text(label, lang);
                ui.label(RichText::new(Text::WhatIsShared.fill(lang, &[&label])).size(17.0));
            }
            Some(Err(why)) => {
                let why = super::super::i18n::capture_error_text(why, lang);
                ui.colored_label(theme::WARNING, RichText::new(Text::NoScreenShare.fill(lang, &[&why])).size(17.0));
            }
            None => {}
        }
    }

    fn sharing_summary_ui(
        &mut self,
        ui: &mut Ui,
        cx: &mut ViewContext<'_, AssistCommand>,
        request: &ConsentRequest,
        scopes: Scopes,
        paused: bool,
    ) {
        let lang = self.lang;
        let status = if paused {
            Text::SharingPausedNow.get(lang).to_owned()
        } else {
            Text::SharingNow.fill(lang, &[&request.engineer_name, &scopes_text(scopes, lang)])
        };
        ui.label(RichText::new(status).size(20.0).strong());
        self.mode_ui(ui, cx);
        if scopes.control && !paused {
            ui.label(RichText::new(Text::ControlActiveBar.get(lang)).size(18.0).strong().color(theme::ERROR));
            ui.horizontal_wrapped(|ui| {
                if ui.button(Text::TakeBackControl.fill(lang, &[TAKE_BACK_HOTKEY])).clicked() {
                    cx.emit(AssistCommand::Session(SessionCommand::RevokeControl));
                }
                if ui.button(Text::SendMyClipboard.get(lang)).clicked() {
                    cx.emit(AssistCommand::SendClipboard);
                }
            });
            if let Some(text) = &self.clipboard_in {
                let chars = text.chars().count().to_string();
                ui.horizontal_wrapped(|ui| {
                    ui.label(Text::ClipboardFromEngineer.fill(lang, &[&chars]));
                    if ui.button(Text::CopyToMyClipboard.get(lang)).clicked() {
                        ui.ctx().copy_text(text.clone());
                    }
                });
            }
        }
        self.control_request_ui(ui, cx);
        self.monitor_request_ui(ui, cx);
        self.source_ui(ui);
        ui.add_space(6.0);
        ui.label(RichText::new(Text::ChangeWhatIAllow.get(lang)).strong());
        let mut edited = scopes;
        scope_checkboxes(ui, lang, &mut edited);
        if edited != scopes {
            cx.emit(AssistCommand::Session(SessionCommand::ChangeScopes(edited)));
        }
        let placement = match self.arrow_placement {
            ArrowPlacement::NotReported => None,
            ArrowPlacement::OverScreen => Some(Text::ArrowsOnYourScreen),
            ArrowPlacement::InWindow => Some(Text::ArrowsInThisWindow),
        };
        if scopes.pointers
            && let Some(placement) = placement
        {
            ui.weak(placement.get(lang));
        }
        for at_ms in &self.screenshots_kept {
            let when = super::super::widgets::format_time(*at_ms);
            ui.colored_label(theme::WARNING, Text::EngineerKeptScreenshot.fill(lang, &[&when]));
        }
    }

    fn chat_body_ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, AssistCommand>) {
        let lang = self.lang;
        ui.add_space(8.0);
        let peer = self.engineer.clone().unwrap_or_else(|| Text::EngineerLabel.get(lang).to_owned());
        if let Some(text) = chat_ui(ui, lang, "assist_chat", &peer, &self.chat, Some(&mut self.draft)) {
            cx.emit(AssistCommand::Session(SessionCommand::Chat(text)));
        }
        ui.add_space(8.0);
    }

    pub(super) fn receipts_ui(&mut self, ctx: &egui::Context) {
        let lang = self.lang;
        let Some((path, lines)) = &self.receipts else { return };
        let mut open = true;
        egui::Window::new(Text::MyReceipts.get(lang)).open(&mut open).default_width(560.0).show(ctx, |ui| {
            ui.weak(Text::ReceiptsFile.fill(lang, &[path]));
            if lines.is_empty() {
                ui.label(Text::ReceiptsEmpty.get(lang));
            }
            egui::ScrollArea::vertical().max_height(320.0).show(ui, |ui| {
                for line in lines.iter().rev() {
                    ui.label(line);
                }
            });
        });
        if !open {
            self.receipts = None;
        }
    }
}

/// The four scopes as large checkboxes; control (never pre-ticked) only together with the view.
pub(super) fn scope_checkboxes(ui: &mut Ui, lang: Lang, scopes: &mut Scopes) {
    let big = |text: Text| RichText::new(text.get(lang)).size(19.0);
    ui.checkbox(&mut scopes.view, big(Text::ScopeView));
    ui.checkbox(&mut scopes.pointers, big(Text::ScopePointers));
    ui.checkbox(&mut scopes.record, big(Text::ScopeRecord));
    if !scopes.view {
        scopes.control = false;
    }
    ui.add_enabled(scopes.view, egui::Checkbox::new(&mut scopes.control, big(Text::ScopeControl)));
    ui.weak(Text::ControlScopeHint.fill(lang, &[TAKE_BACK_HOTKEY]));
}

impl AssistView {
    /// The engineer's control request, answered here or on the bar.
    pub(super) fn control_request_ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, AssistCommand>) {
        if !self.control_request {
            return;
        }
        let lang = self.lang;
        ui.add_space(8.0);
        ui.label(RichText::new(Text::ControlRequestTitle.get(lang)).size(20.0).strong().color(theme::WARNING));
        ui.label(Text::ControlRequestHint.fill(lang, &[TAKE_BACK_HOTKEY]));
        ui.horizontal(|ui| {
            if ui.button(RichText::new(Text::AllowControl.get(lang)).size(19.0).strong()).clicked() {
                cx.emit(AssistCommand::Session(SessionCommand::GrantControl));
            }
            if ui.button(RichText::new(Text::DeclineControl.get(lang)).size(19.0)).clicked() {
                cx.emit(AssistCommand::Session(SessionCommand::DeclineControl));
            }
        });
    }

    /// The monitor the engineer asks for, named for the user (number, name, size).
    pub(super) fn requested_monitor(&self) -> Option<String> {
        let index = self.monitors.requested?;
        let lang = self.lang;
        Some(self.monitors.list.as_ref().and_then(|list| list.get(index)).map_or_else(
            || Text::MonitorEntry.fill(lang, &[&(u64::from(index) + 1).to_string(), "?"]),
            |monitor| monitor_label(lang, index as usize, monitor),
        ))
    }

    /// The engineer's request to share another monitor: switched only on the user's yes.
    pub(super) fn monitor_request_ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, AssistCommand>) {
        let Some(asked) = self.requested_monitor() else { return };
        let lang = self.lang;
        ui.add_space(8.0);
        ui.label(
            RichText::new(Text::MonitorRequestTitle.fill(lang, &[&asked])).size(20.0).strong().color(theme::WARNING),
        );
        ui.label(Text::MonitorRequestHint.get(lang));
        ui.horizontal(|ui| {
            if ui.button(RichText::new(Text::SwitchMonitor.get(lang)).size(19.0).strong()).clicked() {
                cx.emit(AssistCommand::Session(SessionCommand::AnswerMonitorSwitch { accepted: true }));
            }
            if ui.button(RichText::new(Text::KeepMonitor.get(lang)).size(19.0)).clicked() {
                cx.emit(AssistCommand::Session(SessionCommand::AnswerMonitorSwitch { accepted: false }));
            }
        });
    }
}

impl AssistView {
    /// The session's mode in plain words, and the user's own switch between live and
    /// guidance-only (the engineer is told).
    fn mode_ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, AssistCommand>) {
        let lang = self.lang;
        let (words, switch, to) = match self.mode {
            SessionMode::Live => (Text::AssistModeLive, Text::AssistUseGuidanceOnly, SessionMode::GuidanceOnly),
            SessionMode::GuidanceOnly => (Text::AssistModeGuidanceOnly, Text::AssistBackToLive, SessionMode::Live),
        };
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(words.get(lang)).strong());
            if ui.button(switch.get(lang)).clicked() {
                cx.emit(AssistCommand::Session(SessionCommand::SetMode(to)));
            }
        });
    }
}
