//! The user's "Get help" screens: enter the code (or paste the link) → see who asks and why, tick
//! the scopes, Allow / Don't allow → while sharing, an always-on-top bar with what is granted,
//! "Pause sharing", "Stop sharing" and the chat. Large type, plain words, English and Chinese.

use egui::{RichText, Ui};

use crate::capture::{CaptureError, PixelRect, SourceLabel};
use crate::protocol::{ConsentRequest, JoinCode, JoinLink, Role, Scopes, SessionEvent, StepCard, StepOutcome};

use super::chat::{ChatLine, chat_ui};
use super::i18n::{Lang, Text};
use super::reasons::end_reason_text;
use super::session::scopes_text;
use super::theme;

/// What the user's screens ask for.
#[derive(Clone, Debug, PartialEq)]
pub enum AssistCommand {
    /// Connect and pair.
    Join(JoinLink),
    /// Allow with these scopes.
    Grant(Scopes),
    /// Refuse; with `dont_ask_again`, for the rest of the session.
    Deny {
        /// "Don't ask again in this session".
        dont_ask_again: bool,
    },
    /// Change the scopes while sharing.
    ChangeScopes(Scopes),
    /// Pause sharing.
    Pause,
    /// Resume sharing.
    Resume,
    /// Withdraw consent.
    Stop,
    /// Send a chat line.
    Chat(String),
    /// Leave the session (ends it) and go back to the code screen.
    Leave,
    /// Answer the current guided step.
    AnswerStep {
        /// The step.
        step_id: u64,
        /// Done / didn't work / stuck.
        outcome: StepOutcome,
        /// Optional comment.
        comment: String,
    },
    /// The screen regions never to share (blanked before encoding), in screen pixels.
    SetPrivateRegions(Vec<crate::capture::PixelRect>),
    /// Load the consent receipts to show them, worded in this language.
    LoadReceipts(Lang),
    /// The user chose this language: remember it for the next launch.
    SetLanguage(Lang),
}

/// Why joining failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JoinFailure {
    /// Wrong code.
    WrongCode {
        /// Attempts left.
        attempts_left: u32,
    },
    /// Too many wrong attempts.
    CodeBurned,
    /// The code expired.
    CodeExpired,
    /// The code was used already.
    CodeUsed,
    /// The peer could not prove it is the engineer.
    NotTheEngineer,
    /// Could not connect; details.
    Unreachable(String),
}

/// What the app reports to the user's screens.
#[derive(Clone, Debug, PartialEq)]
pub enum AssistNotice {
    /// Joining failed.
    JoinFailed(JoinFailure),
    /// Paired with the engineer.
    Paired,
    /// A protocol event.
    Event(SessionEvent),
    /// A command was refused.
    Refused(String),
    /// The session task is over.
    Closed,
    /// What will be shared (`Ok(label)`), or why the screen cannot be shared here.
    Source(Result<SourceLabel, CaptureError>),
    /// Where the shared monitor lies on the desktop, pixels (the sharing bar opens over it).
    SharedArea(PixelRect),
    /// Where a small copy of what is shared appears (the user's own preview).
    Preview(super::viewer::FrameSlot),
    /// Whether the engineer's arrows are drawn over the real screen (`true`) or only over the
    /// picture in this window.
    ArrowsOnScreen(bool),
    /// The receipts log, for the receipts window.
    Receipts {
        /// Where the log lives.
        path: String,
        /// One line per decision, newest last.
        lines: Vec<String>,
    },
}

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
    screen: Screen,
    code: String,
    address: String,
    link: String,
    error: Option<String>,
    reconnecting: bool,
    engineer: Option<String>,
    scopes: Scopes,
    chat: Vec<ChatLine>,
    draft: String,
    receipts: Option<(String, Vec<String>)>,
    source: Option<Result<SourceLabel, CaptureError>>,
    preview: Option<PrivacyPreview>,
    /// Arrows to show, with the time (egui seconds) each was first drawn.
    annotations: super::annotations::ShownAnnotations,
    step: Option<StepCard>,
    step_comment: String,
    /// On hold by the engineer's side, and why.
    held: Option<crate::protocol::HoldReason>,
    /// The "Don't ask again in this session" box on the consent screen.
    dont_ask_again: bool,
    /// When the engineer kept screenshots of this session, unix ms (engineer's clock).
    screenshots_kept: Vec<i64>,
    /// Where arrows appear (`None`: not known yet).
    arrows_on_screen: Option<bool>,
    /// Where the shared monitor lies on the desktop, pixels (the live screen only).
    shared_area: Option<PixelRect>,
    /// Where the sharing bar was opened, desktop points (chosen once per sharing).
    bar_position: Option<egui::Pos2>,
    commands: Vec<AssistCommand>,
}

/// The user's preview of what is shared, where private areas are dragged out.
#[derive(Default)]
struct PrivacyPreview {
    slot: super::viewer::FrameSlot,
    texture: Option<egui::TextureHandle>,
    /// Size of the shared screen, pixels (the preview is smaller).
    screen_size: [u32; 2],
    regions: Vec<PixelRect>,
    drag_from: Option<egui::Pos2>,
    drag_to: Option<egui::Pos2>,
}

impl std::fmt::Debug for PrivacyPreview {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivacyPreview").field("regions", &self.regions).finish()
    }
}

impl AssistView {
    /// The code screen, optionally pre-filled from a link.
    pub fn new(lang: Lang, link: Option<&JoinLink>) -> Self {
        let mut view = Self {
            lang,
            screen: Screen::EnterCode,
            code: String::new(),
            address: String::new(),
            link: String::new(),
            error: None,
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
            screenshots_kept: Vec::new(),
            arrows_on_screen: None,
            shared_area: None,
            bar_position: None,
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
            AssistNotice::Event(event) => self.apply_event(event),
            AssistNotice::Refused(why) => self.error = Some(why),
            AssistNotice::Closed => {
                if self.in_session() {
                    self.screen = Screen::Finished(Text::LinkClosed.get(lang).to_owned());
                }
            }
            AssistNotice::Receipts { path, lines } => self.receipts = Some((path, lines)),
            AssistNotice::Source(source) => self.source = Some(source),
            AssistNotice::SharedArea(area) => self.shared_area = Some(area),
            AssistNotice::ArrowsOnScreen(on_screen) => self.arrows_on_screen = Some(on_screen),
            AssistNotice::Preview(slot) => {
                let regions = self.preview.take().map(|old| old.regions).unwrap_or_default();
                self.preview = Some(PrivacyPreview { slot, regions, ..PrivacyPreview::default() });
            }
        }
    }

    fn apply_event(&mut self, event: SessionEvent) {
        let lang = self.lang;
        match event {
            SessionEvent::PeerHello { display_name } => self.engineer = Some(display_name),
            SessionEvent::ConsentRequested(request) => {
                self.scopes = request.suggested;
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
            SessionEvent::ConsentRevoked => self.screen = Screen::Waiting,
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
            SessionEvent::Disconnected => self.reconnecting = true,
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
        ui.style_mut().text_styles.iter_mut().for_each(|(_, font)| font.size *= 1.25);
        let lang = self.lang;
        ui.horizontal(|ui| {
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                for choice in Lang::ALL {
                    if ui.selectable_label(self.lang == choice, choice.native_name()).clicked() && self.lang != choice {
                        self.lang = choice;
                        self.commands.push(AssistCommand::SetLanguage(choice));
                    }
                }
                if ui.button(Text::MyReceipts.get(lang)).clicked() {
                    self.commands.push(AssistCommand::LoadReceipts(lang));
                }
            });
        });
        ui.heading(RichText::new(Text::GetHelpTitle.get(lang)).strong());
        ui.separator();
        if matches!(self.screen, Screen::Waiting | Screen::Sharing { .. }) {
            egui::Panel::bottom("assist_footer").show(ui, |ui| {
                ui.add_space(6.0);
                if ui.button(Text::Leave.get(lang)).clicked() {
                    self.commands.push(AssistCommand::Leave);
                }
            });
        }
        // Shrinks to short screens, so what a host draws below (the console's "Back") stays near.
        egui::ScrollArea::vertical()
            .id_salt("assist_screens")
            .auto_shrink([false, true])
            .show(ui, |ui| self.screens_ui(ui));
        if let Screen::Sharing { request, scopes, paused } = self.screen.clone() {
            self.sharing_bar(ui.ctx(), &request, scopes, paused);
        } else {
            self.bar_position = None;
        }
        self.receipts_ui(ui.ctx());
    }

    /// The current screen, inside the window's scroll area. While sharing, what the user acts
    /// on comes first: the step card and the chat, then what is shared and the private areas.
    fn screens_ui(&mut self, ui: &mut Ui) {
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
            Screen::EnterCode => self.code_ui(ui),
            Screen::Connecting => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(Text::Connecting.get(lang));
                });
            }
            Screen::Waiting => {
                let name = self.engineer.clone().unwrap_or_default();
                self.step_card_ui(ui);
                ui.label(Text::ConnectedWaiting.fill(lang, &[&name]));
                self.chat_body_ui(ui);
            }
            Screen::Consent(request) => self.consent_ui(ui, &request),
            Screen::Sharing { request, scopes, paused } => {
                self.step_card_ui(ui);
                self.chat_body_ui(ui);
                ui.separator();
                self.sharing_summary_ui(ui, &request, scopes, paused);
                self.privacy_ui(ui);
            }
            Screen::Finished(message) => {
                ui.label(RichText::new(message).size(20.0));
                if ui.button(Text::Leave.get(lang)).clicked() {
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
    }

    fn code_ui(&mut self, ui: &mut Ui) {
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
                    self.commands.push(AssistCommand::Join(link));
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

    fn consent_ui(&mut self, ui: &mut Ui, request: &ConsentRequest) {
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
                self.commands.push(AssistCommand::Grant(self.scopes));
            }
            ui.add_space(24.0);
            if ui.button(RichText::new(Text::DontAllow.get(lang)).size(22.0)).clicked() {
                self.commands.push(AssistCommand::Deny { dont_ask_again: self.dont_ask_again });
            }
        });
        ui.checkbox(&mut self.dont_ask_again, Text::DontAskAgain.get(lang));
    }

    /// The current guided step, large, with the three answers.
    fn step_card_ui(&mut self, ui: &mut Ui) {
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
                        self.commands.push(AssistCommand::AnswerStep {
                            step_id: card.step_id,
                            outcome,
                            comment: self.step_comment.trim().to_owned(),
                        });
                    }
                }
            });
        });
        ui.add_space(8.0);
    }

    /// The preview with private areas: drag a rectangle to hide that part of the screen.
    fn privacy_ui(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        let Some(preview) = &mut self.preview else { return };
        {
            let mut state = preview.slot.lock();
            if state.all_dirty && state.width > 0 {
                let image = egui::ColorImage::from_rgba_unmultiplied(
                    [state.width as usize, state.height as usize],
                    &state.rgba,
                );
                match &mut preview.texture {
                    Some(texture) => texture.set(image, egui::TextureOptions::LINEAR),
                    None => {
                        preview.texture =
                            Some(ui.ctx().load_texture("shared_preview", image, egui::TextureOptions::LINEAR));
                    }
                }
                preview.screen_size = [state.width * 4, state.height * 4];
                state.all_dirty = false;
            }
        }
        let Some(texture) = &preview.texture else { return };
        ui.add_space(6.0);
        ui.label(RichText::new(Text::PrivateAreas.get(lang)).strong());
        ui.weak(Text::PrivateAreasHint.get(lang));
        let [texture_width, texture_height] = texture.size();
        let size = egui::vec2(texture_width as f32, texture_height as f32);
        let scale = (ui.available_width() / size.x).min(1.0);
        let (rect, response) = ui.allocate_exact_size(size * scale, egui::Sense::drag());
        let painter = ui.painter_at(rect);
        painter.image(
            texture.id(),
            rect,
            egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)),
            egui::Color32::WHITE,
        );
        // Points in the preview → pixels of the shared screen.
        let to_screen = |point: egui::Pos2| {
            let x = ((point.x - rect.left()) / rect.width()).clamp(0.0, 1.0) * preview.screen_size[0] as f32;
            let y = ((point.y - rect.top()) / rect.height()).clamp(0.0, 1.0) * preview.screen_size[1] as f32;
            (x as u32, y as u32)
        };
        let to_preview = |region: &PixelRect| {
            let sx = rect.width() / preview.screen_size[0].max(1) as f32;
            let sy = rect.height() / preview.screen_size[1].max(1) as f32;
            egui::Rect::from_min_size(
                rect.min + egui::vec2(region.x as f32 * sx, region.y as f32 * sy),
                egui::vec2(region.width as f32 * sx, region.height as f32 * sy),
            )
        };
        for region in &preview.regions {
            painter.rect_filled(to_preview(region), 0.0, egui::Color32::from_black_alpha(230));
        }
        // The engineer's arrows, over the picture of the shared screen (no screen overlay here).
        let now = ui.input(|input| input.time);
        let [screen_width, screen_height] = preview.screen_size;
        let place = |pixel: crate::protocol::RemotePixel| {
            let at = super::coords::remote_to_normalized(pixel, screen_width, screen_height);
            rect.min + egui::vec2(at.x * rect.width(), at.y * rect.height())
        };
        for (annotation, opacity) in self.annotations.visible(now) {
            super::annotations::draw(&painter, &annotation, place, opacity);
        }
        if self.annotations.fading() {
            ui.ctx().request_repaint_after(std::time::Duration::from_millis(100));
        }
        if response.drag_started() {
            preview.drag_from = response.interact_pointer_pos();
        }
        if response.dragged()
            && let Some(at) = response.interact_pointer_pos()
        {
            preview.drag_to = Some(at);
        }
        if let (Some(from), Some(to)) = (preview.drag_from, preview.drag_to) {
            let marked = egui::Rect::from_two_pos(from, to);
            painter.rect_stroke(marked, 0.0, egui::Stroke::new(2.0, theme::ERROR), egui::StrokeKind::Inside);
            if response.drag_stopped() {
                let ((x0, y0), (x1, y1)) = (to_screen(from), to_screen(to));
                let region =
                    PixelRect { x: x0.min(x1), y: y0.min(y1), width: x0.abs_diff(x1), height: y0.abs_diff(y1) };
                if region.width > 2 && region.height > 2 {
                    preview.regions.push(region);
                    self.commands.push(AssistCommand::SetPrivateRegions(preview.regions.clone()));
                }
            }
        }
        if response.drag_stopped() || !response.is_pointer_button_down_on() && !response.dragged() {
            preview.drag_from = None;
            preview.drag_to = None;
        }
        if !preview.regions.is_empty() && ui.button(Text::ClearPrivateAreas.get(lang)).clicked() {
            preview.regions.clear();
            self.commands.push(AssistCommand::SetPrivateRegions(Vec::new()));
        }
    }

    /// What will be shared, or why the screen cannot be.
    fn source_ui(&self, ui: &mut Ui) {
        let lang = self.lang;
        match &self.source {
            Some(Ok(label)) => {
                let label = super::i18n::source_label_text(label, lang);
                ui.label(RichText::new(Text::WhatIsShared.fill(lang, &[&label])).size(17.0));
            }
            Some(Err(why)) => {
                let why = super::i18n::capture_error_text(why, lang);
                ui.colored_label(theme::WARNING, RichText::new(Text::NoScreenShare.fill(lang, &[&why])).size(17.0));
            }
            None => {}
        }
    }

    fn sharing_summary_ui(&mut self, ui: &mut Ui, request: &ConsentRequest, scopes: Scopes, paused: bool) {
        let lang = self.lang;
        let status = if paused {
            Text::SharingPausedNow.get(lang).to_owned()
        } else {
            Text::SharingNow.fill(lang, &[&request.engineer_name, &scopes_text(scopes, lang)])
        };
        ui.label(RichText::new(status).size(20.0).strong());
        self.source_ui(ui);
        ui.add_space(6.0);
        ui.label(RichText::new(Text::ChangeWhatIAllow.get(lang)).strong());
        let mut edited = scopes;
        scope_checkboxes(ui, lang, &mut edited);
        if edited != scopes {
            self.commands.push(AssistCommand::ChangeScopes(edited));
        }
        if scopes.pointers
            && let Some(on_screen) = self.arrows_on_screen
        {
            ui.weak(if on_screen { Text::ArrowsOnYourScreen } else { Text::ArrowsInThisWindow }.get(lang));
        }
        for at_ms in &self.screenshots_kept {
            let when = super::widgets::format_time(*at_ms);
            ui.colored_label(theme::WARNING, Text::EngineerKeptScreenshot.fill(lang, &[&when]));
        }
    }

    fn chat_body_ui(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        ui.add_space(8.0);
        let peer = self.engineer.clone().unwrap_or_else(|| Text::EngineerLabel.get(lang).to_owned());
        let commands = &mut self.commands;
        chat_ui(
            ui,
            lang,
            "assist_chat",
            &peer,
            &self.chat,
            Some((&mut self.draft, &mut |text| {
                commands.push(AssistCommand::Chat(text));
            })),
        );
        ui.add_space(8.0);
    }

    /// The always-visible bar: one compact row (what is shared, Pause, Stop, a red dot while
    /// recording) in its own undecorated always-on-top window at the top centre of the shared
    /// monitor, moved by dragging it; an embedded window where the platform has no viewports.
    fn sharing_bar(&mut self, ctx: &egui::Context, request: &ConsentRequest, scopes: Scopes, paused: bool) {
        let lang = self.lang;
        let status = if paused {
            Text::SharingPausedNow.get(lang).to_owned()
        } else {
            let what = match &self.source {
                Some(Ok(label)) if scopes.view => super::i18n::source_label_text(label, lang),
                _ => scopes_text(scopes, lang),
            };
            Text::BarCanSee.fill(lang, &[&request.engineer_name, &what])
        };
        // Placed once; afterwards the bar stays where the user drags it.
        let position = *self.bar_position.get_or_insert_with(|| {
            ctx.input(|input| {
                let viewport = input.viewport();
                sharing_bar_position(
                    self.shared_area,
                    viewport.monitor_size,
                    viewport.native_pixels_per_point.unwrap_or(1.0),
                )
            })
        });
        let builder = sharing_bar_builder(lang, position);
        let recording = scopes.record && !paused;
        let commands = &mut self.commands;
        ctx.show_viewport_immediate(egui::ViewportId::from_hash_of("stepwise_sharing_bar"), builder, |ui, _class| {
            if ui.input(|input| input.viewport().close_requested()) {
                // The bar stays while sharing: closing it is what "Stop sharing" is for.
                ui.ctx().send_viewport_cmd(egui::ViewportCommand::CancelClose);
            }
            let mut row = |ui: &mut Ui| sharing_bar_row_ui(ui, lang, &status, paused, recording, commands);
            if ui.ctx().embed_viewports() {
                row(ui);
            } else {
                // A red edge while the screen is shared, amber while paused: the bar stands out.
                let edge = if paused { theme::WARNING } else { theme::ERROR };
                let frame = egui::Frame::central_panel(ui.style())
                    .inner_margin(egui::Margin::symmetric(8, 6))
                    .stroke(egui::Stroke::new(2.0, edge));
                egui::CentralPanel::default_margins().frame(frame).show(ui, |ui| {
                    // The bar has no title bar: dragging its background moves it.
                    let background = ui.interact(ui.max_rect(), ui.scope_id().with("drag_bar"), egui::Sense::drag());
                    if background.drag_started() {
                        ui.ctx().send_viewport_cmd(egui::ViewportCommand::StartDrag);
                    }
                    background.on_hover_text(Text::BarDragHint.get(lang));
                    row(ui);
                });
            }
        });
    }

    fn receipts_ui(&mut self, ctx: &egui::Context) {
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

/// Size of the sharing bar's window, points: one row.
pub const SHARING_BAR_SIZE: egui::Vec2 = egui::vec2(600.0, 44.0);
/// Gap between the top of the shared monitor and the sharing bar, points.
const SHARING_BAR_TOP_GAP: f32 = 6.0;

/// The sharing bar's window: compact, undecorated (dragged by its background), always on top,
/// opened at `position` (desktop points).
pub fn sharing_bar_builder(lang: Lang, position: egui::Pos2) -> egui::ViewportBuilder {
    egui::ViewportBuilder::default()
        .with_title(Text::SharingBarTitle.get(lang))
        .with_always_on_top()
        .with_decorations(false)
        .with_inner_size(SHARING_BAR_SIZE)
        .with_position(position)
        .with_resizable(false)
        .with_taskbar(false)
}

/// Where the sharing bar opens, desktop points: the top centre of the shared monitor
/// (`shared_area`, desktop pixels, `pixels_per_point` of the desktop) or, when the live screen is
/// not shared, of the monitor the window is on (`monitor_size`, points).
pub fn sharing_bar_position(
    shared_area: Option<PixelRect>,
    monitor_size: Option<egui::Vec2>,
    pixels_per_point: f32,
) -> egui::Pos2 {
    let points_from_pixels = |pixels: u32| pixels as f32 / pixels_per_point.max(0.25);
    let (left, top, width) = match (shared_area, monitor_size) {
        (Some(area), _) => (points_from_pixels(area.x), points_from_pixels(area.y), points_from_pixels(area.width)),
        (None, Some(size)) => (0.0, 0.0, size.x),
        (None, None) => (0.0, 0.0, SHARING_BAR_SIZE.x),
    };
    egui::pos2(left + ((width - SHARING_BAR_SIZE.x) / 2.0).max(0.0), top + SHARING_BAR_TOP_GAP)
}

/// The sharing bar's one row: a red dot while recording, what is shared, Pause / Resume, Stop.
fn sharing_bar_row_ui(
    ui: &mut Ui,
    lang: Lang,
    status: &str,
    paused: bool,
    recording: bool,
    commands: &mut Vec<AssistCommand>,
) {
    ui.horizontal_centered(|ui| {
        // Right to left, so the buttons always fit and the words give way.
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.button(RichText::new(Text::StopSharing.get(lang)).strong()).clicked() {
                commands.push(AssistCommand::Stop);
            }
            let (label, command) = if paused {
                (Text::ResumeSharing, AssistCommand::Resume)
            } else {
                (Text::PauseSharing, AssistCommand::Pause)
            };
            if ui.button(label.get(lang)).clicked() {
                commands.push(command);
            }
            ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
                if recording {
                    recording_dot_ui(ui, lang);
                }
                let color = if paused { theme::WARNING } else { theme::ERROR };
                ui.add(egui::Label::new(RichText::new(status).strong().color(color)).truncate().selectable(false));
            });
        });
    });
}

/// A painted red dot (no glyph needed), read out as "Recording".
fn recording_dot_ui(ui: &mut Ui, lang: Lang) {
    let size = ui.text_style_height(&egui::TextStyle::Body);
    let (rect, response) = ui.allocate_exact_size(egui::vec2(size, size), egui::Sense::hover());
    ui.painter().circle_filled(rect.center(), size * 0.35, theme::ERROR);
    let label = Text::BarRecording.get(lang);
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, label));
    response.on_hover_text(label);
}

/// The three scopes as large checkboxes.
fn scope_checkboxes(ui: &mut Ui, lang: Lang, scopes: &mut Scopes) {
    let big = |text: Text| RichText::new(text.get(lang)).size(19.0);
    ui.checkbox(&mut scopes.view, big(Text::ScopeView));
    ui.checkbox(&mut scopes.pointers, big(Text::ScopePointers));
    ui.checkbox(&mut scopes.record, big(Text::ScopeRecord));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sharing_bar_opens_at_the_top_centre_of_the_shared_monitor() {
        // The second of two monitors, at 100 %.
        let second = PixelRect { x: 1920, y: 0, width: 2560, height: 1440 };
        let at = sharing_bar_position(Some(second), Some(egui::vec2(1920.0, 1080.0)), 1.0);
        assert_eq!(at, egui::pos2(1920.0 + (2560.0 - SHARING_BAR_SIZE.x) / 2.0, SHARING_BAR_TOP_GAP));
        // A 200 % desktop: pixels become points.
        let only = PixelRect { x: 0, y: 0, width: 3840, height: 2160 };
        let at = sharing_bar_position(Some(only), None, 2.0);
        assert_eq!(at, egui::pos2((1920.0 - SHARING_BAR_SIZE.x) / 2.0, SHARING_BAR_TOP_GAP));
        // Not the live screen: the top centre of the window's monitor.
        let at = sharing_bar_position(None, Some(egui::vec2(1280.0, 800.0)), 1.0);
        assert_eq!(at, egui::pos2((1280.0 - SHARING_BAR_SIZE.x) / 2.0, SHARING_BAR_TOP_GAP));
    }

    #[test]
    fn the_sharing_bar_is_a_compact_undecorated_window_on_top() {
        let builder = sharing_bar_builder(Lang::En, egui::pos2(660.0, 6.0));
        assert_eq!(builder.position, Some(egui::pos2(660.0, 6.0)));
        assert_eq!(builder.decorations, Some(false), "no title bar: it is dragged by its background");
        assert_eq!(builder.window_level, Some(egui::WindowLevel::AlwaysOnTop));
        let size = builder.inner_size.unwrap();
        assert!(size.y <= 48.0 && size.x <= 640.0, "one compact row: {size:?}");
    }
}
