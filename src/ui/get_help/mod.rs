//! The user's "Get help" window: enter the code (or paste the link) → see who asks and why, tick
//! the scopes, Allow / Don't allow → while sharing, an always-on-top bar with what is granted,
//! "Pause sharing", "Stop sharing" and the chat. Large type, plain words, English and Chinese.
//!
//! This module holds the window's state and how notices change it; [`screens`] draws the
//! screens, [`sharing_bar`] the bar, [`private_areas`] the preview where private areas are
//! dragged out. What the window asks of the app and hears from it ([`AssistCommand`],
//! [`AssistNotice`]) lives with the other commands in [`super::command`].

pub mod private_areas;
pub mod screens;
pub mod sharing_bar;
pub mod wrap_up;

use crate::ui::ViewContext;
use egui::{RichText, Ui};

use crate::capture::{CaptureError, PixelRect, SourceLabel};
use crate::protocol::{ConsentRequest, JoinLink, Role, Scopes, SessionEvent, StepCard};

use super::annotations::{ArrowPlacement, ShownAnnotations};
use super::chat::ChatLine;
use super::command::{AssistCommand, AssistNotice, JoinFailure};
use super::i18n::{Lang, Text};
use super::reasons::end_reason_text;
use private_areas::PrivateAreasPreview;
use wrap_up::{SurveyForm, UserSummary};

#[derive(Clone, Debug, PartialEq)]
enum Screen {
    EnterCode,
    Connecting,
    Waiting,
    Consent(ConsentRequest),
    Sharing { request: ConsentRequest, scopes: Scopes, paused: bool },
    Finished(String),
}

/// State of the Get-help screens.
#[derive(Debug)]
pub struct AssistView {
    /// Language of these screens (the user can switch).
    pub lang: Lang,
    /// Now, unix ms, as the host's `logic()` last read the clock (the views read no clock).
    pub now_ms: i64,
    screen: Screen,
    code: String,
    address: String,
    link: String,
    error: Option<String>,
    /// The path the connection takes (direct or via the relay), once connected.
    pub path: Option<crate::protocol::LinkPath>,
    reconnecting: bool,
    engineer: Option<String>,
    scopes: Scopes,
    chat: Vec<ChatLine>,
    draft: String,
    receipts: Option<(String, Vec<String>)>,
    source: Option<Result<SourceLabel, CaptureError>>,
    preview: Option<PrivateAreasPreview>,
    /// Arrows to show, with the time (egui seconds) each was first drawn.
    annotations: ShownAnnotations,
    step: Option<StepCard>,
    step_comment: String,
    /// On hold by the engineer's side, and why.
    held: Option<crate::protocol::HoldReason>,
    /// Live screen or guidance-only (told plainly on the sharing screen).
    mode: crate::protocol::SessionMode,
    /// The "Don't ask again in this session" box on the consent screen.
    dont_ask_again: bool,
    /// When the engineer kept screenshots of this session, unix ms (engineer's clock).
    screenshots_kept: Vec<i64>,
    /// Where arrows appear, as the app reported.
    arrow_placement: ArrowPlacement,
    /// Where the shared monitor lies on the desktop, pixels (the live screen only).
    shared_area: Option<PixelRect>,
    /// Where the sharing bar was opened, desktop points (chosen once per sharing).
    bar_position: Option<egui::Pos2>,
    /// The engineer asked for control; the user has not answered yet.
    control_request: bool,
    /// Until when the user's own input holds the engineer's back, unix ms.
    control_held_until_ms: i64,
    /// Text the engineer sent from their clipboard, copied only on the user's click.
    clipboard_in: Option<String>,
    /// This computer's monitors as announced, and the engineer's request to switch.
    monitors: crate::ui::session::monitors::MonitorView,
    /// The exit survey, once offered.
    survey: Option<SurveyForm>,
    /// "What was done on your computer", once the session ended.
    summary: Option<UserSummary>,
    commands: Vec<AssistCommand>,
}

impl AssistView {
    /// The code screen, optionally pre-filled from a link.
    pub fn new(lang: Lang, link: Option<&JoinLink>) -> Self {
        let mut view = Self {
            lang,
            now_ms: 0,
            screen: Screen::EnterCode,
            code: String::new(),
            address: String::new(),
            link: String::new(),
            error: None,
            path: None,
            reconnecting: false,
            engineer: None,
            scopes: Scopes::default(),
            chat: Vec::new(),
            draft: String::new(),
            receipts: None,
            source: None,
            preview: None,
            annotations: Default::default(),
            step: None,
            step_comment: String::new(),
            dont_ask_again: false,
            held: None,
            mode: crate::protocol::SessionMode::Live,
            screenshots_kept: Vec::new(),
            arrow_placement: ArrowPlacement::NotReported,
            shared_area: None,
            bar_position: None,
            control_request: false,
            control_held_until_ms: 0,
            clipboard_in: None,
            monitors: Default::default(),
            survey: None,
            summary: None,
            commands: Vec::new(),
        };
        if let Some(link) = link {
            view.link = link.to_link();
            view.screen = Screen::Connecting;
            view.commands.push(AssistCommand::Join(link.clone()));
        }
        view
    }

    /// Commands queued since the last call.
    pub fn take_commands(&mut self) -> Vec<AssistCommand> {
        std::mem::take(&mut self.commands)
    }

    /// How many arrows or highlights are on show.
    pub fn annotation_count(&self) -> usize {
        self.annotations.len()
    }

    /// Whether commands wait to be taken.
    pub fn has_pending_commands(&self) -> bool {
        !self.commands.is_empty()
    }

    /// Whether a session is on (closing the screens would end it).
    pub fn in_session(&self) -> bool {
        matches!(self.screen, Screen::Connecting | Screen::Waiting | Screen::Consent(_) | Screen::Sharing { .. })
    }

    /// The window is closing: an open survey counts as closed. Returns what to run before the
    /// window goes (commands still queued included).
    pub fn closing_commands(&mut self) -> Vec<AssistCommand> {
        if let Some(command) = self.close_survey() {
            self.commands.push(command);
        }
        self.take_commands()
    }

    /// Whether the screen is being shared (the sharing bar is up).
    pub fn is_sharing(&self) -> bool {
        matches!(self.screen, Screen::Sharing { .. })
    }

    /// Applies one notice from the app.
    pub fn apply(&mut self, notice: AssistNotice) {
        let lang = self.lang;
        match notice {
            AssistNotice::JoinFailed(failure) => {
                self.screen = Screen::EnterCode;
                self.error = Some(match failure {
                    JoinFailure::WrongCode { attempts_left } => {
                        Text::CodeNotRight.fill(lang, &[&attempts_left.to_string()])
                    }
                    JoinFailure::CodeBurned => Text::CodeBurnedUser.get(lang).to_owned(),
                    JoinFailure::CodeExpired => Text::CodeExpiredUser.get(lang).to_owned(),
                    JoinFailure::CodeUsed => Text::CodeUsedUser.get(lang).to_owned(),
                    JoinFailure::NotTheEngineer => Text::NotTheEngineer.get(lang).to_owned(),
                    JoinFailure::Unreachable(why) => Text::CannotReach.fill(lang, &[&why]),
                });
            }
            AssistNotice::Paired => {
                self.error = None;
                self.screen = Screen::Waiting;
            }
            AssistNotice::Path(path) => self.path = Some(path),
            AssistNotice::Event(event) => self.apply_event(event),
            AssistNotice::Refused(why) => self.error = Some(why),
            AssistNotice::Closed => {
                if self.in_session() {
                    self.screen = Screen::Finished(Text::LinkClosed.get(lang).to_owned());
                }
                if let Some(form) = self.survey.as_mut()
                    && form.sent.is_none()
                {
                    form.link_gone = true;
                }
            }
            AssistNotice::Summary(facts) => {
                let engineer = self.engineer.clone().unwrap_or_default();
                let summary = UserSummary { facts, engineer, saved_to: None };
                // Kept at once, in the language the user reads, with a receipt pointing to it.
                self.commands.push(AssistCommand::SaveSummary { text: summary.text(lang), choose_file: false });
                self.summary = Some(summary);
            }
            AssistNotice::SummarySaved(path) => {
                if let Some(summary) = self.summary.as_mut() {
                    summary.saved_to = Some(path);
                }
            }
            AssistNotice::Receipts { path, lines } => self.receipts = Some((path, lines)),
            AssistNotice::Source(source) => self.source = Some(source),
            AssistNotice::SharedArea(area) => self.shared_area = Some(area),
            AssistNotice::ArrowsShown(placement) => self.arrow_placement = placement,
            AssistNotice::Preview(slot) => {
                let regions = self.preview.take().map(PrivateAreasPreview::into_regions).unwrap_or_default();
                self.preview = Some(PrivateAreasPreview::new(slot, regions));
            }
        }
    }

    fn apply_event(&mut self, event: SessionEvent) {
        let lang = self.lang;
        self.monitors.apply(&event);
        match event {
            SessionEvent::PeerHello { display_name } => self.engineer = Some(display_name),
            SessionEvent::ConsentRequested(request) => {
                // Control is never pre-ticked, whatever the engineer suggests.
                self.scopes = Scopes { control: false, ..request.suggested };
                self.dont_ask_again = false;
                self.screen = Screen::Consent(request);
            }
            SessionEvent::ConsentGranted(scopes) => {
                self.error = None;
                if let Screen::Consent(request) = &self.screen {
                    self.screen = Screen::Sharing { request: request.clone(), scopes, paused: false };
                }
            }
            SessionEvent::ConsentDenied { dont_ask_again, .. } => {
                let words = if dont_ask_again { Text::YouRefusedForGood } else { Text::YouRefused };
                self.screen = Screen::Finished(words.get(lang).to_owned());
            }
            SessionEvent::ScreenshotTaken { at_ms } => self.screenshots_kept.push(at_ms),
            SessionEvent::Held(reason) => self.held = Some(reason),
            SessionEvent::Unheld => self.held = None,
            SessionEvent::ScopesChanged(new) => {
                if let Screen::Sharing { scopes, .. } = &mut self.screen {
                    *scopes = new;
                }
            }
            SessionEvent::SharingPaused | SessionEvent::SharingResumed => {
                if let Screen::Sharing { paused, .. } = &mut self.screen {
                    *paused = matches!(event, SessionEvent::SharingPaused);
                }
            }
            SessionEvent::ConsentRevoked => {
                self.control_request = false;
                self.screen = Screen::Waiting;
            }
            SessionEvent::Chat { from, at_ms, text, .. } => {
                self.chat.push(ChatLine { from_peer: from == Role::Engineer, at_ms, text });
            }
            SessionEvent::KeyframeRequested
            | SessionEvent::CursorMoved { .. }
            | SessionEvent::ScreenAnnounced { .. }
            | SessionEvent::GuidanceMode { .. } => {}
            SessionEvent::Annotation(_) | SessionEvent::AnnotationRemoved { .. } | SessionEvent::AnnotationsCleared => {
                self.annotations.apply(&event);
            }
            SessionEvent::StepSent { card, .. } | SessionEvent::StepEdited(card) => {
                if self.step.as_ref().is_none_or(|current| current.step_id != card.step_id) {
                    self.step_comment.clear();
                }
                self.step = Some(card);
            }
            SessionEvent::StepSkipped { .. } | SessionEvent::StepAnswered { .. } => self.step = None,
            SessionEvent::Disconnected => {
                self.reconnecting = true;
                self.control_request = false;
            }
            SessionEvent::SurveyOffered => self.survey = Some(SurveyForm::default()),
            SessionEvent::SurveyReplied(reply) => {
                if let Some(form) = self.survey.as_mut() {
                    form.sent = Some(reply);
                }
            }
            SessionEvent::SurveyLost
            | SessionEvent::PeerPath(_)
            | SessionEvent::PeerCandidates(_)
            | SessionEvent::ControlInputCounted { .. }
            | SessionEvent::ClipboardShared { .. }
            | SessionEvent::MonitorsAnnounced(_)
            | SessionEvent::MonitorSwitchRequested { .. }
            | SessionEvent::MonitorSwitchAnswered { .. }
            | SessionEvent::StillRequested { .. }
            | SessionEvent::StillTaken { .. } => {}
            SessionEvent::ModeChanged { mode, .. } => self.mode = mode,
            SessionEvent::ClipboardReceived { text } => self.clipboard_in = Some(text),
            SessionEvent::ControlRequested => self.control_request = true,
            SessionEvent::ControlDeclined => self.control_request = false,
            SessionEvent::ControlGranted | SessionEvent::ControlRevoked => {
                self.control_request = false;
                self.clipboard_in = None;
                if let Screen::Sharing { scopes, .. } = &mut self.screen {
                    scopes.control = event == SessionEvent::ControlGranted;
                }
            }
            SessionEvent::ControlTakenBack => {
                self.control_held_until_ms = self.now_ms.saturating_add(crate::protocol::CONTROL_TAKE_BACK_MS);
            }
            SessionEvent::Reconnected { .. } => {
                self.reconnecting = false;
                if let Screen::Consent(_) = self.screen {
                    // A pending request is dropped on reconnect; the engineer asks again.
                    self.screen = Screen::Waiting;
                }
            }
            SessionEvent::Ended { reason, .. } => {
                self.reconnecting = false;
                self.screen = Screen::Finished(Text::SessionOver.fill(lang, &[&end_reason_text(&reason, lang)]));
            }
        }
    }

    /// Draws the screens into `ui` (the whole window) and, while sharing, the sharing bar.
    /// Whatever the window's size, everything is reachable: the screens scroll, and while a
    /// session is on "Close" stays at the bottom edge.
    pub fn ui(&mut self, ui: &mut Ui) {
        let mut commands = std::mem::take(&mut self.commands);
        let mut cx = ViewContext::new(self.lang, self.now_ms, &mut commands);
        self.draw(ui, &mut cx);
        commands.append(&mut self.commands);
        self.commands = commands;
    }

    fn draw(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, AssistCommand>) {
        ui.style_mut().text_styles.iter_mut().for_each(|(_, font)| font.size *= 1.25);
        let lang = self.lang;
        ui.horizontal(|ui| {
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                for choice in Lang::ALL {
                    if ui.selectable_label(self.lang == choice, choice.native_name()).clicked() && self.lang != choice {
                        self.lang = choice;
                        cx.emit(AssistCommand::SetLanguage(choice));
                    }
                }
                if ui.button(Text::MyReceipts.get(lang)).clicked() {
                    cx.emit(AssistCommand::LoadReceipts(lang));
                }
            });
        });
        ui.heading(RichText::new(Text::GetHelpTitle.get(lang)).strong());
        ui.separator();
        if matches!(self.screen, Screen::Waiting | Screen::Sharing { .. }) {
            egui::Panel::bottom("assist_footer").show(ui, |ui| {
                ui.add_space(6.0);
                if ui.button(Text::Leave.get(lang)).clicked() {
                    cx.emit(AssistCommand::Leave);
                }
            });
        }
        // Shrinks to short screens, so what a host draws below (the console's "Back") stays near.
        egui::ScrollArea::vertical()
            .id_salt("assist_screens")
            .auto_shrink([false, true])
            .show(ui, |ui| self.screens_ui(ui, cx));
        if let Screen::Sharing { request, scopes, paused } = self.screen.clone() {
            self.sharing_bar(ui.ctx(), cx, &request, scopes, paused);
        } else {
            self.bar_position = None;
        }
        self.receipts_ui(ui.ctx());
    }
}
