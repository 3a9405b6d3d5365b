//! The engineer's remote-session panel in the ticket view: code and link with copy buttons, the
//! link and consent state live, the consent request, chat and "End session". One console can
//! hold sessions for several tickets; each ticket has its own [`RemoteSessionView`].

use egui::{RichText, Ui};

use crate::protocol::{
    Annotation, ConsentRequest, ConsentState, EndReason, MAX_PURPOSE_CHARS, MAX_TICKET_TITLE_CHARS, NoOverlay, Role,
    Scopes, SessionEvent, StepCard, StepOutcome,
};
use crate::store::{Guide, GuideStep, GuideSummary, HistoryEntry, StepAnswer, StepPointer, StepStats, event_kind};

use super::actor::user_claim;
use super::command::{GuideView, UiCommand};
use super::i18n::{Lang, Text};
pub use super::reasons::end_reason_text;
use super::reasons::{no_overlay_text, stored_end_reason_text};
use super::viewer::{FrameSlot, ViewerAction, ViewerState, ViewerView};
use super::{theme, widgets};

/// What the engineer asks of a running session.
#[derive(Clone, Debug, PartialEq)]
pub enum SessionAction {
    /// Ask the user for consent.
    RequestConsent(ConsentRequest),
    /// Send a chat line.
    Chat(String),
    /// End the session.
    End,
    /// Attach the current remote screen to the ticket as a PNG.
    TakeScreenshot,
    /// Draw an arrow or highlight on the user's screen.
    Annotate(Annotation),
    /// Take one annotation back.
    RemoveAnnotation(u64),
    /// Remove every annotation.
    ClearAnnotations,
    /// Send the next step.
    SendStep(StepCard),
    /// Send the waiting step again.
    ResendStep,
    /// Replace the waiting step's text and send it again.
    EditStep(StepCard),
    /// Skip the waiting step.
    SkipStep,
    /// Replace the join code of a session nobody has joined yet (the old code stops working).
    NewCode,
}

/// Where one step of the session's guide stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepState {
    /// Written, not sent yet.
    Draft,
    /// Sent; no answer yet.
    Waiting,
    /// Answered.
    Answered {
        /// The answer.
        outcome: StepOutcome,
        /// The user's comment.
        comment: String,
        /// Seconds the user took.
        seconds: i64,
    },
    /// Skipped by the engineer.
    Skipped,
}

/// One step of the session's guide as the engineer sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepRow {
    /// Step id within the session.
    pub step_id: u64,
    /// Instruction.
    pub instruction: String,
    /// Expected result.
    pub expected: String,
    /// State.
    pub state: StepState,
    /// The knowledge-base guide and step index it came from, if any.
    pub from_guide: Option<(i64, usize)>,
    /// How that guide step was answered in earlier sessions.
    pub history: Option<StepStats>,
    /// The arrow the step carries (from the knowledge base, or attached when it was sent).
    pub pointer: Option<StepPointer>,
}

/// What the app reports about one engineer-side session.
#[derive(Clone, Debug, PartialEq)]
pub enum SessionNotice {
    /// Listening: what to tell the user.
    Started {
        /// `stepwise://HOST:PORT/CODE`.
        link: String,
        /// The code grouped for reading aloud.
        code: String,
        /// `HOST:PORT`.
        address: String,
        /// When the code stops working, unix ms.
        expires_at_ms: i64,
        /// Where decoded screen updates land.
        viewer: FrameSlot,
    },
    /// The session could not start; the text says why.
    StartFailed(String),
    /// A wrong code was tried.
    PairingFailed {
        /// Where from (IP address, as text: views do no networking).
        source: String,
        /// Wrong attempts from there under the current code.
        source_attempts: u32,
        /// Whether that source is now shut out.
        source_blocked: bool,
        /// Wrong attempts (from anywhere) before the code is burned.
        attempts_left: u32,
    },
    /// The engineer issued a new code for the waiting session.
    CodeRenewed {
        /// `stepwise://HOST:PORT/CODE` with the new code.
        link: String,
        /// The new code grouped for reading aloud.
        code: String,
        /// When it stops working, unix ms.
        expires_at_ms: i64,
    },
    /// The code was burned.
    CodeBurned,
    /// The code expired.
    CodeExpired,
    /// The user joined.
    Paired,
    /// A protocol event (never screen data).
    Event(SessionEvent),
    /// A command was refused.
    Refused(String),
    /// The session task is over.
    Closed,
}

/// Where the link stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkPhase {
    /// Binding the endpoint.
    Starting,
    /// Code issued, nobody joined yet.
    Waiting,
    /// Nobody joined and the code no longer works (burned or expired); a new code or a new
    /// session helps. The text says why.
    CodeUnusable(String),
    /// Paired and connected.
    Connected,
    /// Connection lost, waiting for it to come back.
    Reconnecting,
    /// Over; nothing more happens, for this reason.
    Over(Ending),
}

/// Why a session is over, kept as a code so it reads in the language in force when drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The session ended (either side, or the link).
    Reason(EndReason),
    /// The link closed without an end message.
    LinkClosed,
    /// The session could not start; the message (from the network layer) says why.
    StartFailed(String),
}

impl Ending {
    /// The reason in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            Ending::Reason(reason) => end_reason_text(reason, lang),
            Ending::LinkClosed => Text::LinkClosed.get(lang).to_owned(),
            Ending::StartFailed(why) => why.clone(),
        }
    }
}

/// One chat line as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatLine {
    /// Whether the other side wrote it.
    pub from_peer: bool,
    /// When it was written, unix ms.
    pub at_ms: i64,
    /// The text.
    pub text: String,
}

/// Wrong codes from one source address, under the current code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceAttempts {
    /// The IP address, as text.
    pub source: String,
    /// Wrong attempts from it.
    pub wrong: u32,
    /// Shut out.
    pub blocked: bool,
}

/// The panel's state for one ticket.
#[derive(Debug)]
pub struct RemoteSessionView {
    /// Link state.
    pub phase: LinkPhase,
    /// Join link.
    pub link: String,
    /// Join code, grouped.
    pub code: String,
    /// Listening address.
    pub address: String,
    /// Code expiry, unix ms.
    pub expires_at_ms: i64,
    /// The user's name once joined.
    pub peer_name: Option<String>,
    /// Consent as the engineer side knows it.
    pub consent: ConsentState,
    /// Chat so far.
    pub chat: Vec<ChatLine>,
    /// The last problem to show (wrong code, refused command…).
    pub problem: Option<String>,
    /// Where wrong codes came from, under the current code, in order of first attempt.
    pub attempts: Vec<SourceAttempts>,
    /// After a refusal: when consent may be asked again, unix ms (`None`: not in this session).
    pub ask_again_at_ms: Option<i64>,
    /// On hold, and why.
    pub held: Option<crate::protocol::HoldReason>,
    purpose: String,
    draft: String,
    viewer_slot: Option<FrameSlot>,
    viewer: ViewerView,
    /// Arrows and highlights now on the user's screen.
    annotations: super::annotations::ShownAnnotations,
    next_annotation_id: u64,
    /// The session's guide.
    pub steps: Vec<StepRow>,
    step_instruction: String,
    step_expected: String,
    guide_query: String,
    /// Guides found by the last search.
    pub guide_results: Vec<GuideSummary>,
    /// A search was answered since the last guide was loaded (an empty answer says "no match").
    guide_searched: bool,
    /// "End session" was clicked: ask before ending.
    confirm_end: bool,
    guide_title: String,
    /// The knowledge-base guide the steps were loaded from (saved back in place on request).
    loaded_guide: Option<Guide>,
    /// A guide was just saved (its id).
    pub saved_guide: Option<i64>,
    /// How the user's side shows arrows: over the real screen, or in its window (`None`: not told).
    pub overlay_mode: Option<bool>,
    /// Why the user's side cannot draw over the real screen, as it said (a code).
    overlay_why_not: Option<NoOverlay>,
    attach_arrow: bool,
}

impl RemoteSessionView {
    /// A session being started.
    pub fn starting() -> Self {
        Self {
            phase: LinkPhase::Starting,
            link: String::new(),
            code: String::new(),
            address: String::new(),
            expires_at_ms: 0,
            peer_name: None,
            consent: ConsentState::NotRequested,
            chat: Vec::new(),
            problem: None,
            attempts: Vec::new(),
            ask_again_at_ms: Some(0),
            held: None,
            purpose: String::new(),
            draft: String::new(),
            viewer_slot: None,
            viewer: ViewerView::default(),
            annotations: Default::default(),
            next_annotation_id: 1,
            steps: Vec::new(),
            step_instruction: String::new(),
            step_expected: String::new(),
            guide_query: String::new(),
            guide_results: Vec::new(),
            guide_searched: false,
            confirm_end: false,
            guide_title: String::new(),
            loaded_guide: None,
            saved_guide: None,
            overlay_mode: None,
            overlay_why_not: None,
            attach_arrow: true,
        }
    }

    /// Whether the session still runs (or is starting) and can still be joined or used.
    pub fn is_running(&self) -> bool {
        !matches!(self.phase, LinkPhase::Over(_) | LinkPhase::CodeUnusable(_))
    }

    /// The answer to a guide search.
    pub fn guides_listed(&mut self, guides: Vec<GuideSummary>) {
        self.guide_results = guides;
        self.guide_searched = true;
    }

    /// Puts a knowledge-base guide's steps in place of the unsent ones.
    pub fn load_guide(&mut self, guide: &Guide, stats: &[StepStats]) {
        self.steps.retain(|row| row.state != StepState::Draft);
        let first_id = self.steps.iter().map(|row| row.step_id).max().unwrap_or(0) + 1;
        for (step_id, (index, step)) in (first_id..).zip(guide.steps.iter().enumerate()) {
            self.steps.push(StepRow {
                step_id,
                instruction: step.instruction.clone(),
                expected: step.expected.clone(),
                state: StepState::Draft,
                from_guide: Some((guide.id, index)),
                history: stats.get(index).copied(),
                pointer: step.pointer.clone(),
            });
        }
        self.guide_title = guide.title.clone();
        self.loaded_guide = Some(guide.clone());
        self.saved_guide = None;
        self.guide_results.clear();
        self.guide_searched = false;
    }

    /// The steps worth keeping as a guide: all but the skipped ones, in order.
    fn guide_steps(&self) -> Vec<GuideStep> {
        self.steps
            .iter()
            .filter(|row| row.state != StepState::Skipped)
            .map(|row| GuideStep {
                instruction: row.instruction.trim().to_owned(),
                expected: row.expected.clone(),
                pointer: row.pointer.clone(),
            })
            .collect()
    }

    /// After saving the steps over guide `guide_id`, each kept step is that guide's step at
    /// its new position (answers from now on are counted there).
    fn point_steps_at_guide(&mut self, guide_id: i64) {
        let kept = self.steps.iter_mut().filter(|row| row.state != StepState::Skipped);
        for (index, row) in kept.enumerate() {
            row.from_guide = Some((guide_id, index));
        }
    }

    /// Applies one notice from the app; returns a guide step answer to count, if any.
    pub fn apply_and_count(&mut self, notice: SessionNotice, lang: Lang) -> Option<(i64, usize, StepAnswer)> {
        let counted = match &notice {
            SessionNotice::Event(SessionEvent::StepAnswered { step_id, outcome, .. }) => {
                self.steps.iter().find(|row| row.step_id == *step_id).and_then(|row| row.from_guide).map(
                    |(guide, index)| {
                        let answer = match outcome {
                            StepOutcome::Done => StepAnswer::Done,
                            StepOutcome::DidntWork => StepAnswer::DidntWork,
                            StepOutcome::Stuck => StepAnswer::Stuck,
                        };
                        (guide, index, answer)
                    },
                )
            }
            _ => None,
        };
        self.apply(notice, lang);
        counted
    }

    /// Applies one notice from the app.
    pub fn apply(&mut self, notice: SessionNotice, lang: Lang) {
        match notice {
            SessionNotice::Started { link, code, address, expires_at_ms, viewer } => {
                self.phase = LinkPhase::Waiting;
                self.viewer_slot = Some(viewer);
                (self.link, self.code, self.address, self.expires_at_ms) = (link, code, address, expires_at_ms);
            }
            SessionNotice::StartFailed(why) => self.phase = LinkPhase::Over(Ending::StartFailed(why)),
            SessionNotice::PairingFailed { source, source_attempts, source_blocked, attempts_left } => {
                let template = if attempts_left == 1 { Text::WrongCodeLastAttempt } else { Text::WrongCodeAttempt };
                self.problem = Some(template.fill(lang, &[&source, &attempts_left.to_string()]));
                match self.attempts.iter_mut().find(|row| row.source == source) {
                    Some(row) => (row.wrong, row.blocked) = (source_attempts, source_blocked),
                    None => {
                        self.attempts.push(SourceAttempts { source, wrong: source_attempts, blocked: source_blocked })
                    }
                }
            }
            SessionNotice::CodeRenewed { link, code, expires_at_ms } => {
                self.phase = LinkPhase::Waiting;
                (self.link, self.code, self.expires_at_ms) = (link, code, expires_at_ms);
                self.attempts.clear();
                self.problem = None;
            }
            // The code is gone: a count of attempts left under it would contradict that.
            SessionNotice::CodeBurned => {
                self.phase = LinkPhase::CodeUnusable(Text::CodeBurnedNotice.get(lang).to_owned());
                self.problem = None;
            }
            SessionNotice::CodeExpired => {
                self.phase = LinkPhase::CodeUnusable(Text::CodeExpiredNotice.get(lang).to_owned());
                self.problem = None;
            }
            SessionNotice::Paired => {
                self.phase = LinkPhase::Connected;
                self.problem = None;
            }
            SessionNotice::Event(event) => self.apply_event(event),
            SessionNotice::Refused(why) => self.problem = Some(why),
            SessionNotice::Closed => {
                if !matches!(self.phase, LinkPhase::Over(_)) {
                    self.phase = LinkPhase::Over(Ending::LinkClosed);
                }
            }
        }
    }

    fn apply_event(&mut self, event: SessionEvent) {
        match event {
            SessionEvent::PeerHello { display_name } => self.peer_name = Some(display_name),
            SessionEvent::ConsentRequested(request) => self.consent = ConsentState::Requested(request),
            SessionEvent::ConsentGranted(scopes) => self.consent = ConsentState::Granted { scopes, paused: false },
            SessionEvent::ConsentDenied { ask_again_at_ms, .. } => {
                self.consent = ConsentState::Denied;
                self.ask_again_at_ms = ask_again_at_ms;
            }
            SessionEvent::ScopesChanged(new) => {
                if let ConsentState::Granted { scopes, .. } = &mut self.consent {
                    *scopes = new;
                }
            }
            SessionEvent::SharingPaused | SessionEvent::SharingResumed => {
                if let ConsentState::Granted { paused, .. } = &mut self.consent {
                    *paused = matches!(event, SessionEvent::SharingPaused);
                }
            }
            SessionEvent::ConsentRevoked => self.consent = ConsentState::Revoked,
            SessionEvent::Chat { from, at_ms, text, .. } => {
                self.chat.push(ChatLine { from_peer: from == Role::User, at_ms, text });
            }
            SessionEvent::Held(reason) => self.held = Some(reason),
            SessionEvent::Unheld => self.held = None,
            SessionEvent::KeyframeRequested
            | SessionEvent::CursorMoved { .. }
            | SessionEvent::ScreenAnnounced { .. }
            | SessionEvent::ScreenshotTaken { .. } => {}
            SessionEvent::GuidanceMode { overlay, why_not } => {
                self.overlay_mode = Some(overlay);
                self.overlay_why_not = why_not;
            }
            SessionEvent::Annotation(annotation) => {
                self.annotations.apply(&SessionEvent::Annotation(annotation));
            }
            SessionEvent::AnnotationRemoved { id } => {
                self.annotations.apply(&SessionEvent::AnnotationRemoved { id });
            }
            SessionEvent::AnnotationsCleared => {
                self.annotations.clear();
            }
            SessionEvent::StepSent { card, .. } => self.set_step_state(card.step_id, StepState::Waiting),
            SessionEvent::StepEdited(card) => {
                if let Some(row) = self.steps.iter_mut().find(|row| row.step_id == card.step_id) {
                    row.instruction = card.instruction;
                    row.expected = card.expected;
                }
            }
            SessionEvent::StepSkipped { step_id } => self.set_step_state(step_id, StepState::Skipped),
            SessionEvent::StepAnswered { step_id, outcome, comment, seconds } => {
                self.set_step_state(step_id, StepState::Answered { outcome, comment, seconds });
            }
            SessionEvent::Disconnected => self.phase = LinkPhase::Reconnecting,
            SessionEvent::Reconnected { .. } => {
                self.phase = LinkPhase::Connected;
                if matches!(self.consent, ConsentState::Requested(_)) {
                    self.consent = ConsentState::NotRequested;
                }
            }
            SessionEvent::Ended { reason, .. } => {
                if matches!(self.consent, ConsentState::Granted { .. } | ConsentState::Requested(_)) {
                    self.consent = ConsentState::Revoked;
                }
                self.phase = LinkPhase::Over(Ending::Reason(reason));
            }
        }
    }
}

impl RemoteSessionView {
    /// Consent as the engineer may rely on it. While the link is down the user may pause or
    /// stop at any moment without this side hearing of it, so it is unknown, never "live".
    pub fn consent_text(&self, lang: Lang) -> String {
        if self.phase == LinkPhase::Reconnecting {
            return Text::ConsentUnknownReconnecting.get(lang).to_owned();
        }
        match &self.consent {
            ConsentState::NotRequested => Text::ConsentNotRequested.get(lang).to_owned(),
            ConsentState::Requested(_) => Text::ConsentWaiting.get(lang).to_owned(),
            ConsentState::Granted { scopes, paused: false } => {
                Text::ConsentGrantedLive.fill(lang, &[&scopes_text(*scopes, lang)])
            }
            ConsentState::Granted { scopes, paused: true } => {
                Text::ConsentGrantedPaused.fill(lang, &[&scopes_text(*scopes, lang)])
            }
            ConsentState::Denied => Text::ConsentDeniedState.get(lang).to_owned(),
            ConsentState::Revoked => Text::ConsentRevokedState.get(lang).to_owned(),
        }
    }

    fn set_step_state(&mut self, step_id: u64, state: StepState) {
        if let Some(row) = self.steps.iter_mut().find(|row| row.step_id == step_id) {
            row.state = state;
        }
    }

    /// The step waiting for an answer, if any.
    pub fn waiting_step(&self) -> Option<&StepRow> {
        self.steps.iter().find(|row| row.state == StepState::Waiting)
    }

    /// The size of the user's screen as last received, pixels.
    fn remote_screen_size(&self) -> Option<(u32, u32)> {
        let slot = self.viewer_slot.as_ref()?.lock();
        (slot.width > 0 && slot.height > 0).then_some((slot.width, slot.height))
    }

    fn card_for(&self, row: &StepRow) -> StepCard {
        let index = self.steps.iter().position(|other| other.step_id == row.step_id).unwrap_or(0);
        StepCard {
            step_id: row.step_id,
            index: u32::try_from(index + 1).unwrap_or(u32::MAX),
            total: u32::try_from(self.steps.len()).unwrap_or(u32::MAX),
            instruction: row.instruction.trim().to_owned(),
            expected: row.expected.trim().to_owned(),
            annotation: None,
        }
    }
}

/// The scopes as words: "See my screen, Show pointers…".
pub fn scopes_text(scopes: Scopes, lang: Lang) -> String {
    let mut parts = Vec::new();
    if scopes.view {
        parts.push(Text::ScopeView.get(lang));
    }
    if scopes.pointers {
        parts.push(Text::ScopePointers.get(lang));
    }
    if scopes.record {
        parts.push(Text::ScopeRecord.get(lang));
    }
    if parts.is_empty() { Text::ScopesNone.get(lang).to_owned() } else { parts.join(" · ") }
}

/// What the panel needs to know about the ticket and the engineer.
pub struct PanelContext<'a> {
    /// Ticket id.
    pub ticket_id: i64,
    /// Ticket number.
    pub ticket_number: &'a str,
    /// Ticket title.
    pub ticket_title: &'a str,
    /// Engineer's name.
    pub engineer_name: &'a str,
    /// Engineer's team.
    pub team: &'a str,
    /// The ticket's category (guides saved from the session get it).
    pub category: crate::store::Category,
    /// Canned chat phrases (`{name}` = the engineer's name).
    pub phrases: &'a [String],
    /// Now, unix ms.
    pub now_ms: i64,
}

/// Draws the panel for the ticket in `context`; `session` is its state, if a session was started.
pub fn session_panel_ui(
    ui: &mut Ui,
    lang: Lang,
    context: &PanelContext<'_>,
    session: Option<&mut RemoteSessionView>,
    commands: &mut Vec<UiCommand>,
) {
    let ticket_id = context.ticket_id;
    let Some(session) = session else {
        ui.weak(Text::StartSessionHint.get(lang));
        if ui.button(RichText::new(Text::StartRemoteSession.get(lang)).strong()).clicked() {
            commands.push(UiCommand::StartSession { ticket_id });
        }
        return;
    };
    // The way out stays at the top, whatever the panel below grows to; it asks first.
    if session.is_running() {
        end_session_ui(ui, lang, ticket_id, session, commands);
    } else if ui.button(Text::StartNewSession.get(lang)).clicked() {
        commands.push(UiCommand::StartSession { ticket_id });
    }
    match session.phase.clone() {
        LinkPhase::Starting => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(Text::Connecting.get(lang));
            });
        }
        LinkPhase::Waiting => {
            code_ui(ui, lang, session, context.now_ms);
            ui.label(Text::LinkWaiting.get(lang));
            attempts_ui(ui, lang, ticket_id, session, commands);
        }
        LinkPhase::CodeUnusable(why) => {
            ui.colored_label(theme::ERROR, why);
            attempts_ui(ui, lang, ticket_id, session, commands);
        }
        LinkPhase::Connected => {
            let peer = user_claim(session.peer_name.as_deref().unwrap_or(""), lang);
            ui.colored_label(theme::SUCCESS, Text::LinkConnected.fill(lang, &[&peer]));
        }
        LinkPhase::Reconnecting => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.colored_label(theme::WARNING, Text::LinkReconnecting.get(lang));
            });
        }
        LinkPhase::Over(why) => {
            ui.label(Text::LinkEnded.fill(lang, &[&why.text(lang)]));
        }
    }
    if let Some(problem) = &session.problem {
        ui.colored_label(theme::ERROR, problem);
    }
    if session.held.is_some() && session.is_running() {
        ui.colored_label(theme::WARNING, RichText::new(Text::HeldTranscript.get(lang)).strong());
    }
    if matches!(session.phase, LinkPhase::Connected | LinkPhase::Reconnecting) {
        ui.add_space(4.0);
        consent_ui(ui, lang, context, session, commands);
        ui.add_space(4.0);
        // Before consent is asked for (or after a no) nothing waits for it: the consent line says
        // where it stands and the viewer stays out of the way.
        if !matches!(session.consent, ConsentState::NotRequested | ConsentState::Denied) {
            viewer_ui(ui, lang, ticket_id, session, commands);
        }
        ui.add_space(4.0);
        steps_ui(ui, lang, context, session, commands);
        ui.add_space(4.0);
        let peer = user_claim(session.peer_name.as_deref().unwrap_or(""), lang);
        phrases_menu_ui(ui, lang, context, &mut session.draft);
        chat_ui(
            ui,
            lang,
            "engineer_chat",
            &peer,
            &session.chat,
            Some((&mut session.draft, &mut |text| {
                commands.push(UiCommand::Session { ticket_id, action: SessionAction::Chat(text) });
            })),
        );
    } else if !session.chat.is_empty() {
        let peer = user_claim(session.peer_name.as_deref().unwrap_or(""), lang);
        chat_ui(ui, lang, "engineer_chat", &peer, &session.chat, None);
    }
}

/// "End session", then "Yes, end the session" / "Cancel".
fn end_session_ui(
    ui: &mut Ui,
    lang: Lang,
    ticket_id: i64,
    session: &mut RemoteSessionView,
    commands: &mut Vec<UiCommand>,
) {
    if !session.confirm_end {
        session.confirm_end = ui.button(Text::EndSession.get(lang)).clicked();
        return;
    }
    ui.colored_label(theme::WARNING, Text::EndSessionConfirm.get(lang));
    ui.horizontal(|ui| {
        if ui.button(RichText::new(Text::EndSessionYes.get(lang)).color(theme::ERROR)).clicked() {
            session.confirm_end = false;
            commands.push(UiCommand::Session { ticket_id, action: SessionAction::End });
        }
        if ui.button(Text::Cancel.get(lang)).clicked() {
            session.confirm_end = false;
        }
    });
}

/// The canned phrases (with the engineer's name filled in); a click puts one in the chat line.
fn phrases_menu_ui(ui: &mut Ui, lang: Lang, context: &PanelContext<'_>, draft: &mut String) {
    if context.phrases.is_empty() {
        return;
    }
    ui.menu_button(Text::Phrases.get(lang), |ui| {
        for phrase in context.phrases {
            let text = phrase.replace("{name}", context.engineer_name);
            if ui.button(&text).clicked() {
                if !draft.is_empty() {
                    draft.push(' ');
                }
                draft.push_str(&text);
                ui.close();
            }
        }
    });
}

fn viewer_ui(ui: &mut Ui, lang: Lang, ticket_id: i64, session: &mut RemoteSessionView, commands: &mut Vec<UiCommand>) {
    let Some(slot) = session.viewer_slot.clone() else { return };
    let state = match (&session.phase, &session.consent) {
        (LinkPhase::Over(_), _) => ViewerState::Ended,
        (LinkPhase::Reconnecting, _) => ViewerState::Reconnecting,
        _ if session.held.is_some() => ViewerState::Held,
        (_, ConsentState::Granted { scopes, paused: false }) if scopes.view => ViewerState::Live,
        (_, ConsentState::Granted { scopes, paused: true }) if scopes.view => ViewerState::Paused,
        (_, ConsentState::Granted { .. }) => ViewerState::ViewNotAllowed,
        (_, ConsentState::Revoked) => ViewerState::Stopped,
        _ => ViewerState::WaitingForConsent,
    };
    let can_draw = matches!(&session.consent, ConsentState::Granted { scopes, paused: false } if scopes.pointers);
    let can_keep =
        state == ViewerState::Live && matches!(&session.consent, ConsentState::Granted { scopes, .. } if scopes.record);
    // The engineer's picture shows what the user's side shows: arrows fade on both at once.
    let now = ui.input(|input| input.time);
    let annotations: Vec<Annotation> =
        session.annotations.visible(now).into_iter().map(|(annotation, _)| annotation).collect();
    if session.annotations.fading() {
        ui.ctx().request_repaint_after(std::time::Duration::from_millis(500));
    }
    let action = session.viewer.ui(ui, lang, &slot, state, &annotations, can_draw, can_keep);
    let session_action = match action {
        Some(ViewerAction::TakeScreenshot) => Some(SessionAction::TakeScreenshot),
        Some(ViewerAction::Draw { shape, label, color, fade_ms }) => {
            let id = session.next_annotation_id;
            session.next_annotation_id += 1;
            Some(SessionAction::Annotate(Annotation { id, shape, label, color, fade_ms }))
        }
        Some(ViewerAction::Undo) => annotations.last().map(|last| SessionAction::RemoveAnnotation(last.id)),
        Some(ViewerAction::Clear) => Some(SessionAction::ClearAnnotations),
        None => None,
    };
    if let Some(action) = session_action {
        commands.push(UiCommand::Session { ticket_id, action });
    }
    if state == ViewerState::Live {
        let because = session.overlay_why_not.as_ref().map(|why| no_overlay_text(why, lang));
        let mode = match (can_draw, session.overlay_mode, because) {
            (false, _, _) => Text::ArrowsNotAllowed.get(lang).to_owned(),
            (true, Some(true), _) => Text::ArrowsOverlayMode.get(lang).to_owned(),
            (true, Some(false), Some(because)) => Text::ArrowsModeBecause.fill(lang, &[&because]),
            (true, _, _) => Text::ArrowsMode.get(lang).to_owned(),
        };
        ui.weak(mode);
    }
}

/// The session's guide: steps written on the fly, sent one at a time, each answered before the
/// next; resend, edit or skip the waiting one.
fn steps_ui(
    ui: &mut Ui,
    lang: Lang,
    context: &PanelContext<'_>,
    session: &mut RemoteSessionView,
    commands: &mut Vec<UiCommand>,
) {
    let ticket_id = context.ticket_id;
    ui.label(RichText::new(Text::GuidedSteps.get(lang)).strong());
    let waiting = session.waiting_step().map(|row| row.step_id);
    let mut edit: Option<StepCard> = None;
    let mut reorder: Option<(usize, bool)> = None;
    let mut remove: Option<u64> = None;
    guide_search_ui(ui, lang, ticket_id, session, commands);
    let rows = session.steps.clone();
    for (index, row) in rows.iter().enumerate() {
        let mut number_id = egui::Id::NULL;
        ui.horizontal_wrapped(|ui| {
            let position = Text::StepOf.fill(lang, &[&(index + 1).to_string(), &rows.len().to_string()]);
            number_id = ui.label(RichText::new(position).strong()).id;
            let state = match &row.state {
                StepState::Draft => Text::StepDraft.get(lang).to_owned(),
                StepState::Waiting => Text::StepWaiting.get(lang).to_owned(),
                StepState::Skipped => Text::StepSkippedState.get(lang).to_owned(),
                StepState::Answered { outcome, comment, seconds } => {
                    let word = match outcome {
                        StepOutcome::Done => Text::StepDone,
                        StepOutcome::DidntWork => Text::StepDidntWork,
                        StepOutcome::Stuck => Text::StepStuck,
                    };
                    let mut text = Text::StepAnsweredState.fill(lang, &[word.get(lang), &seconds.to_string()]);
                    if !comment.is_empty() {
                        text.push_str(&format!(" — “{comment}”"));
                    }
                    text
                }
            };
            if let Some(pointer) = &row.pointer {
                ui.label("➚").on_hover_text(Text::StepPointsAt.fill(lang, &[&pointer.annotation.label]));
            }
            if let Some(history) = row.history.filter(|h| h.didnt_work + h.stuck > 0) {
                ui.colored_label(
                    theme::WARNING,
                    Text::StepHistory.fill(lang, &[&history.didnt_work.to_string(), &history.stuck.to_string()]),
                );
            }
            if row.state == StepState::Draft {
                if ui.small_button("↑").on_hover_text(Text::MoveUp.get(lang)).clicked() {
                    reorder = Some((index, true));
                }
                if ui.small_button("↓").on_hover_text(Text::MoveDown.get(lang)).clicked() {
                    reorder = Some((index, false));
                }
                if ui.small_button("✕").on_hover_text(Text::RemoveStep.get(lang)).clicked() {
                    remove = Some(row.step_id);
                }
            }
            let color = match &row.state {
                StepState::Answered { outcome: StepOutcome::Done, .. } => theme::SUCCESS,
                StepState::Answered { .. } => theme::ERROR,
                _ => ui.visuals().weak_text_color(),
            };
            ui.colored_label(color, state);
            if Some(row.step_id) == waiting {
                if ui.small_button(Text::ResendStep.get(lang)).clicked() {
                    commands.push(UiCommand::Session { ticket_id, action: SessionAction::ResendStep });
                }
                if ui.small_button(Text::EditStep.get(lang)).clicked()
                    && let Some(current) = session.steps.iter().find(|r| r.step_id == row.step_id)
                {
                    edit = Some(session.card_for(current));
                }
                if ui.small_button(Text::SkipStep.get(lang)).clicked() {
                    commands.push(UiCommand::Session { ticket_id, action: SessionAction::SkipStep });
                }
            }
        });
        // The instruction on a row of its own, the panel's full width, wrapped: never cut off.
        let editable = Some(row.step_id) == waiting || row.state == StepState::Draft;
        ui.indent(("step_text", row.step_id), |ui| {
            if let (true, Some(editable)) = (editable, session.steps.iter_mut().find(|r| r.step_id == row.step_id)) {
                let edit = egui::TextEdit::multiline(&mut editable.instruction)
                    .id_salt(("step_instruction", row.step_id))
                    .desired_rows(1)
                    .desired_width(f32::INFINITY);
                ui.add(edit).labelled_by(number_id);
            } else {
                ui.add(egui::Label::new(&row.instruction).wrap());
            }
        });
    }
    if let Some(card) = edit {
        commands.push(UiCommand::Session { ticket_id, action: SessionAction::EditStep(card) });
    }
    if let Some((index, up)) = reorder {
        let other = if up { index.checked_sub(1) } else { Some(index + 1) };
        if let Some(other) =
            other.filter(|other| session.steps.get(*other).is_some_and(|r| r.state == StepState::Draft))
        {
            session.steps.swap(index, other);
        }
    }
    if let Some(step_id) = remove {
        session.steps.retain(|row| row.step_id != step_id);
    }
    let next_draft = session.steps.iter().find(|row| row.state == StepState::Draft).cloned();
    if let Some(row) = next_draft
        && waiting.is_none()
        && session.phase == LinkPhase::Connected
    {
        ui.horizontal(|ui| {
            let screen = session.remote_screen_size();
            // The step's own arrow (from the knowledge base), placed on this screen; else the
            // arrow drawn last.
            let own_arrow = row.pointer.as_ref().zip(screen).map(|(pointer, (width, height))| Annotation {
                id: session.next_annotation_id,
                ..pointer.on_screen(width, height)
            });
            let last_arrow = session.annotations.newest().cloned();
            if own_arrow.is_some() {
                ui.checkbox(&mut session.attach_arrow, Text::AttachStepArrow.get(lang));
            } else if last_arrow.is_some() {
                ui.checkbox(&mut session.attach_arrow, Text::AttachArrow.get(lang));
            }
            if ui.button(Text::SendNextStep.get(lang)).clicked() {
                let mut card = session.card_for(&row);
                // The step carries the arrow, so the user sees where to act with the instruction.
                let attached = own_arrow.clone().or(last_arrow).filter(|_| session.attach_arrow);
                if own_arrow.is_some() && attached.is_some() {
                    session.next_annotation_id += 1;
                }
                // Kept with the step, so a guide saved from this session points at the spot.
                if let (Some(arrow), Some((width, height)), None) = (&attached, screen, &own_arrow)
                    && let Some(sent) = session.steps.iter_mut().find(|other| other.step_id == row.step_id)
                {
                    sent.pointer =
                        Some(StepPointer { annotation: arrow.clone(), screen_width: width, screen_height: height });
                }
                card.annotation = attached;
                commands.push(UiCommand::Session { ticket_id, action: SessionAction::SendStep(card) });
            }
        });
    }
    ui.horizontal_wrapped(|ui| {
        let label = ui.label(Text::StepInstruction.get(lang));
        ui.add(egui::TextEdit::singleline(&mut session.step_instruction).desired_width(260.0)).labelled_by(label.id);
        let label = ui.label(Text::StepExpectedInput.get(lang));
        ui.add(egui::TextEdit::singleline(&mut session.step_expected).desired_width(200.0)).labelled_by(label.id);
        if ui.button(Text::AddStep.get(lang)).clicked() && !session.step_instruction.trim().is_empty() {
            let step_id = session.steps.iter().map(|row| row.step_id).max().unwrap_or(0) + 1;
            session.steps.push(StepRow {
                step_id,
                instruction: std::mem::take(&mut session.step_instruction).trim().to_owned(),
                expected: std::mem::take(&mut session.step_expected).trim().to_owned(),
                state: StepState::Draft,
                from_guide: None,
                history: None,
                pointer: None,
            });
        }
    });
    if !session.steps.is_empty() {
        ui.horizontal_wrapped(|ui| {
            let label = ui.label(Text::GuideTitle.get(lang));
            ui.add(egui::TextEdit::singleline(&mut session.guide_title).desired_width(260.0)).labelled_by(label.id);
            let titled = !session.guide_title.trim().is_empty();
            if let Some(loaded) = session.loaded_guide.clone()
                && ui
                    .button(Text::SaveGuideChanges.get(lang))
                    .on_hover_text(Text::SaveGuideChangesHint.fill(lang, &[&loaded.title]))
                    .clicked()
                && titled
            {
                // The same guide, edited: keeps its id, category, tags and language.
                let guide =
                    Guide { title: session.guide_title.trim().to_owned(), steps: session.guide_steps(), ..loaded };
                session.point_steps_at_guide(guide.id);
                session.loaded_guide = Some(guide.clone());
                commands.push(UiCommand::SaveGuide { view: GuideView::Session(ticket_id), guide });
            }
            if ui.button(Text::SaveAsGuide.get(lang)).clicked() && titled {
                let guide = Guide {
                    id: 0,
                    title: session.guide_title.trim().to_owned(),
                    category: context.category,
                    tags: Vec::new(),
                    language: lang.code().to_owned(),
                    steps: session.guide_steps(),
                };
                commands.push(UiCommand::SaveGuide { view: GuideView::Session(ticket_id), guide });
            }
            if session.saved_guide.is_some() {
                ui.colored_label(theme::SUCCESS, Text::GuideSavedNotice.get(lang));
            }
        });
    }
}

/// Search the knowledge base and load a guide's steps.
fn guide_search_ui(
    ui: &mut Ui,
    lang: Lang,
    ticket_id: i64,
    session: &mut RemoteSessionView,
    commands: &mut Vec<UiCommand>,
) {
    ui.horizontal_wrapped(|ui| {
        let label = ui.label(Text::FindGuide.get(lang));
        let response =
            ui.add(egui::TextEdit::singleline(&mut session.guide_query).desired_width(220.0)).labelled_by(label.id);
        let entered = response.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter));
        if ui.button(Text::FindButton.get(lang)).clicked() || entered {
            commands.push(UiCommand::SearchGuides {
                view: GuideView::Session(ticket_id),
                query: session.guide_query.clone(),
            });
        }
    });
    if session.guide_searched && session.guide_results.is_empty() {
        ui.weak(Text::NoGuideMatches.get(lang));
    }
    let results = session.guide_results.clone();
    for guide in results {
        ui.horizontal(|ui| {
            let text = format!("{} ({}, {})", guide.title, guide.language, guide.step_count);
            if ui.button(Text::LoadGuide.fill(lang, &[&text])).clicked() {
                commands.push(UiCommand::LoadGuide { view: GuideView::Session(ticket_id), guide_id: guide.id });
            }
        });
    }
}

/// Where wrong codes came from (address and count, shut-out sources marked), and the button that
/// replaces the code of the waiting session.
fn attempts_ui(ui: &mut Ui, lang: Lang, ticket_id: i64, session: &RemoteSessionView, commands: &mut Vec<UiCommand>) {
    if !session.attempts.is_empty() {
        ui.label(RichText::new(Text::AttemptsHeading.get(lang)).strong());
        for row in &session.attempts {
            let (template, color) = if row.blocked {
                (Text::SourceBlocked, theme::ERROR)
            } else {
                (Text::AttemptsFromSource, theme::WARNING)
            };
            ui.colored_label(color, template.fill(lang, &[&row.source, &row.wrong.to_string()]));
        }
    }
    if ui.button(Text::NewCode.get(lang)).on_hover_text(Text::NewCodeHint.get(lang)).clicked() {
        commands.push(UiCommand::Session { ticket_id, action: SessionAction::NewCode });
    }
}

fn code_ui(ui: &mut Ui, lang: Lang, session: &RemoteSessionView, now_ms: i64) {
    egui::Grid::new("join_code_grid").num_columns(3).spacing([8.0, 6.0]).show(ui, |ui| {
        ui.label(Text::JoinCodeLabel.get(lang));
        ui.label(RichText::new(&session.code).monospace().size(26.0).strong());
        if ui.button(Text::Copy.get(lang)).on_hover_text(Text::JoinCodeLabel.get(lang)).clicked() {
            ui.ctx().copy_text(session.code.replace(' ', ""));
        }
        ui.end_row();
        ui.label(Text::AddressLabel.get(lang));
        ui.label(RichText::new(&session.address).monospace());
        ui.label("");
        ui.end_row();
        ui.label(Text::JoinLinkLabel.get(lang));
        ui.label(RichText::new(&session.link).monospace());
        if ui.button(Text::Copy.get(lang)).on_hover_text(Text::JoinLinkLabel.get(lang)).clicked() {
            ui.ctx().copy_text(session.link.clone());
        }
        ui.end_row();
    });
    let left_ms = (session.expires_at_ms - now_ms).max(0);
    ui.weak(Text::CodeExpiresIn.fill(lang, &[&widgets::format_duration_ms(left_ms)]));
    ui.weak(Text::TellUserCode.get(lang));
}

fn consent_ui(
    ui: &mut Ui,
    lang: Lang,
    context: &PanelContext<'_>,
    session: &mut RemoteSessionView,
    commands: &mut Vec<UiCommand>,
) {
    let state = session.consent_text(lang);
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(Text::ConsentLabel.get(lang)).strong());
        ui.label(state);
    });
    let may_ask = session.phase == LinkPhase::Connected
        && matches!(session.consent, ConsentState::NotRequested | ConsentState::Denied | ConsentState::Revoked);
    let now_ms = context.now_ms;
    let wait_ms = session.ask_again_at_ms.map(|at_ms| at_ms - now_ms);
    if may_ask {
        match wait_ms {
            None => {
                ui.colored_label(theme::WARNING, Text::NotAskAgain.get(lang));
                return;
            }
            Some(wait_ms) if wait_ms > 0 => {
                let seconds = (wait_ms + 999) / 1_000;
                ui.colored_label(theme::WARNING, Text::AskAgainIn.fill(lang, &[&seconds.to_string()]));
                ui.ctx().request_repaint_after(std::time::Duration::from_millis(250));
                return;
            }
            Some(_) => {}
        }
    }
    if may_ask {
        let label = ui.label(Text::PurposeLabel.get(lang));
        ui.add(
            egui::TextEdit::singleline(&mut session.purpose)
                .hint_text(Text::PurposeHint.get(lang))
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
        if ui.button(Text::AskConsent.get(lang)).clicked() {
            commands.push(UiCommand::Session {
                ticket_id: context.ticket_id,
                action: SessionAction::RequestConsent(consent_request(context, &session.purpose)),
            });
        }
    }
}

/// The consent request for the ticket in `context` with the engineer's `purpose`, the ticket
/// title and the purpose cut to what the protocol carries.
fn consent_request(context: &PanelContext<'_>, purpose: &str) -> ConsentRequest {
    ConsentRequest {
        engineer_name: context.engineer_name.to_owned(),
        team: context.team.to_owned(),
        ticket_number: context.ticket_number.to_owned(),
        ticket_title: context.ticket_title.chars().take(MAX_TICKET_TITLE_CHARS).collect(),
        purpose: purpose.trim().chars().take(MAX_PURPOSE_CHARS).collect(),
        suggested: Scopes::default(),
    }
}

/// A chat transcript with, when `input` is given, a line to type and a Send button.
pub fn chat_ui(
    ui: &mut Ui,
    lang: Lang,
    id_salt: &str,
    peer_name: &str,
    lines: &[ChatLine],
    input: Option<(&mut String, &mut dyn FnMut(String))>,
) {
    let heading = ui.label(RichText::new(Text::ChatLabel.get(lang)).strong());
    egui::ScrollArea::vertical().id_salt(id_salt).max_height(160.0).stick_to_bottom(true).show(ui, |ui| {
        for line in lines {
            ui.horizontal_wrapped(|ui| {
                ui.weak(widgets::format_clock(line.at_ms));
                // The peer's name is only their claim: never styled like this side's own lines.
                let who = if line.from_peer {
                    RichText::new(peer_name).italics().color(theme::USER_CLAIM)
                } else {
                    RichText::new(Text::YouSaid.get(lang)).strong()
                };
                ui.label(who);
                ui.label(&line.text);
            });
        }
    });
    let Some((draft, send)) = input else { return };
    ui.horizontal(|ui| {
        let response = ui
            .add(
                egui::TextEdit::singleline(draft)
                    .hint_text(Text::ChatHint.get(lang))
                    .desired_width(ui.available_width() - 80.0),
            )
            .labelled_by(heading.id);
        let entered = response.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter));
        if (ui.button(Text::Send.get(lang)).clicked() || entered) && !draft.trim().is_empty() {
            send(draft.trim().to_owned());
            draft.clear();
        }
    });
}

fn payload_scopes(entry: &HistoryEntry, key: &str) -> Scopes {
    let scopes = entry.payload.get(key);
    let flag = |name: &str| scopes.and_then(|s| s.get(name)).and_then(|v| v.as_bool()).unwrap_or(false);
    Scopes { view: flag("view"), pointers: flag("pointers"), record: flag("record") }
}

/// One line for a session-transcript timeline entry; `None` for kinds that are not the session's.
pub fn describe_session_event(kind: &str, entry: &HistoryEntry, lang: Lang) -> Option<String> {
    let text = |key: &str| entry.payload.get(key).and_then(|v| v.as_str()).unwrap_or("").to_owned();
    let number = |key: &str| entry.payload.get(key).and_then(|v| v.as_i64()).unwrap_or(0);
    Some(match kind {
        event_kind::SESSION_STARTED => Text::EvSessionStarted.get(lang).to_owned(),
        event_kind::PAIRING_SUCCEEDED => Text::EvPairingSucceeded.get(lang).to_owned(),
        event_kind::PAIRING_FAILED => match text("reason").as_str() {
            "code_burned" => Text::EvCodeBurned.get(lang).to_owned(),
            "code_expired" => Text::EvCodeExpired.get(lang).to_owned(),
            _ if !text("source").is_empty() => {
                let blocked = entry.payload.get("source_blocked").and_then(|v| v.as_bool()).unwrap_or(false);
                let template = if blocked { Text::EvWrongCodeBlocked } else { Text::EvWrongCodeFrom };
                let counts = [number("source_attempts").to_string(), number("attempts_left").to_string()];
                template.fill(lang, &[&text("source"), &counts[0], &counts[1]])
            }
            _ => Text::EvWrongCode.fill(lang, &[&number("attempts_left").to_string()]),
        },
        event_kind::CODE_RENEWED => Text::EvCodeRenewed.get(lang).to_owned(),
        event_kind::CONSENT_REQUESTED => match text("purpose").trim() {
            "" => Text::EvConsentRequestedNoReason.get(lang).to_owned(),
            purpose => Text::EvConsentRequested.fill(lang, &[purpose]),
        },
        event_kind::CONSENT_GRANTED => {
            Text::EvConsentGranted.fill(lang, &[&scopes_text(payload_scopes(entry, "scopes"), lang)])
        }
        event_kind::CONSENT_DENIED => Text::EvConsentDenied.get(lang).to_owned(),
        event_kind::SCOPES_CHANGED => {
            Text::EvScopesChanged.fill(lang, &[&scopes_text(payload_scopes(entry, "scopes"), lang)])
        }
        event_kind::SHARING_PAUSED => Text::EvSharingPaused.get(lang).to_owned(),
        event_kind::SHARING_RESUMED => Text::EvSharingResumed.get(lang).to_owned(),
        event_kind::CONSENT_REVOKED => Text::EvConsentRevoked.get(lang).to_owned(),
        event_kind::CHAT => Text::EvChat.fill(lang, &[&text("text")]),
        event_kind::DISCONNECTED => Text::EvDisconnected.get(lang).to_owned(),
        event_kind::SESSION_HELD => Text::EvSessionHeld.get(lang).to_owned(),
        event_kind::SESSION_UNHELD => Text::EvSessionUnheld.get(lang).to_owned(),
        event_kind::RECONNECTED => {
            let seconds = format!("{:.1}", number("gap_ms") as f64 / 1_000.0);
            Text::EvReconnected.fill(lang, &[&seconds])
        }
        event_kind::ARROW_DRAWN => match text("label").trim() {
            "" => Text::EvArrowDrawn.get(lang).to_owned(),
            label => Text::EvArrowDrawnLabel.fill(lang, &[label]),
        },
        event_kind::ARROW_REMOVED => Text::EvArrowRemoved.get(lang).to_owned(),
        event_kind::ARROWS_CLEARED => Text::EvArrowsCleared.get(lang).to_owned(),
        event_kind::STEP_SENT => Text::EvStepSent
            .fill(lang, &[&number("index").to_string(), &number("total").to_string(), &text("instruction")]),
        event_kind::STEP_EDITED => Text::EvStepEdited.fill(lang, &[&number("index").to_string(), &text("instruction")]),
        event_kind::STEP_SKIPPED => Text::EvStepSkipped.get(lang).to_owned(),
        event_kind::STEP_CONFIRMED => {
            let outcome = match text("outcome").as_str() {
                "done" => Text::StepDone,
                "didnt_work" => Text::StepDidntWork,
                _ => Text::StepStuck,
            };
            let seconds = number("seconds").to_string();
            match text("comment").trim() {
                "" => Text::EvStepConfirmed.fill(lang, &[outcome.get(lang), &seconds]),
                comment => Text::EvStepConfirmedComment.fill(lang, &[outcome.get(lang), &seconds, comment]),
            }
        }
        event_kind::SCREENSHOT_ATTACHED => Text::EvScreenshot.fill(lang, &[&screenshot_name(&text("file"))]),
        event_kind::SESSION_ENDED => {
            let why = stored_end_reason_text(&text("reason"), &text("code"), &text("detail"), lang);
            Text::EvSessionEnded.fill(lang, &[&why])
        }
        _ => return None,
    })
}

/// The file name of a screenshot's stored path (the timeline shows the name; "Show" opens it).
pub fn screenshot_name(path: &str) -> String {
    std::path::Path::new(path).file_name().map_or_else(|| path.to_owned(), |name| name.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    use super::*;

    const NOW_MS: i64 = 1_795_424_400_000;

    #[test]
    fn a_consent_request_is_cut_to_the_protocol_limits_and_passes_validation() {
        let title = "标".repeat(MAX_TICKET_TITLE_CHARS + 30);
        let context = PanelContext {
            ticket_id: 7,
            ticket_number: "T-20261123-0007",
            ticket_title: &title,
            engineer_name: "Li Wei",
            team: "Service desk",
            category: crate::store::Category::Hardware,
            phrases: &[],
            now_ms: NOW_MS,
        };
        let purpose = format!("  {}  ", "p".repeat(MAX_PURPOSE_CHARS + 1));
        let request = consent_request(&context, &purpose);
        assert_eq!(request.ticket_title.chars().count(), MAX_TICKET_TITLE_CHARS);
        assert_eq!(request.purpose.chars().count(), MAX_PURPOSE_CHARS);
        assert!(!request.purpose.starts_with(' '), "the purpose is trimmed before it is cut");
        assert_eq!(crate::protocol::Message::ConsentRequest(request).validate(), Ok(()), "the peer accepts it");
        let short = consent_request(&context, " check the queue ");
        assert_eq!(short.purpose, "check the queue");
    }

    /// The panel of ticket 7 with `session`, in English, collecting the commands it queues.
    fn panel(session: RemoteSessionView) -> Harness<'static, (RemoteSessionView, Vec<UiCommand>)> {
        let system_fonts = |ctx: &egui::Context| {
            ctx.add_font_provider(std::sync::Arc::new(egui_system_font_provider::SystemFontProvider::new()));
        };
        Harness::builder().with_size(egui::vec2(520.0, 900.0)).with_context_setup(system_fonts).build_ui_state(
            |ui, (session, commands): &mut (RemoteSessionView, Vec<UiCommand>)| {
                let context = PanelContext {
                    ticket_id: 7,
                    ticket_number: "T-20261123-0007",
                    ticket_title: "Printer offline",
                    engineer_name: "Li Wei",
                    team: "Service desk",
                    category: crate::store::Category::Hardware,
                    phrases: &[],
                    now_ms: NOW_MS,
                };
                egui::ScrollArea::vertical().show(ui, |ui| {
                    session_panel_ui(ui, Lang::En, &context, Some(session), commands);
                });
            },
            (session, Vec::new()),
        )
    }

    fn waiting() -> RemoteSessionView {
        let mut session = RemoteSessionView::starting();
        session.apply(
            SessionNotice::Started {
                link: "stepwise://127.0.0.1:4000/123456789".into(),
                code: "123 456 789".into(),
                address: "127.0.0.1:4000".into(),
                expires_at_ms: NOW_MS + 600_000,
                viewer: FrameSlot::default(),
            },
            Lang::En,
        );
        session
    }

    fn connected() -> RemoteSessionView {
        let mut session = waiting();
        session.apply(SessionNotice::Paired, Lang::En);
        session.apply(SessionNotice::Event(SessionEvent::PeerHello { display_name: "Wang Li".into() }), Lang::En);
        session
    }

    fn ended(commands: &[UiCommand]) -> bool {
        commands.iter().any(|command| matches!(command, UiCommand::Session { action: SessionAction::End, .. }))
    }

    #[test]
    fn end_session_asks_first() {
        let mut harness = panel(connected());
        harness.get_by_label("End session").click();
        harness.run();
        assert!(!ended(&harness.state().1), "one click does not end the session");
        harness.get_by_label_contains("End the session?");
        harness.get_by_label("Cancel").click();
        harness.run();
        assert!(!ended(&harness.state().1));
        harness.get_by_label("End session").click();
        harness.run();
        harness.get_by_label("Yes, end the session").click();
        harness.run();
        assert!(ended(&harness.state().1), "confirmed: ended");
    }

    #[test]
    fn before_consent_is_asked_for_nothing_says_it_waits_for_it() {
        let mut harness = panel(connected());
        harness.run();
        harness.get_by_label("Not requested yet");
        assert!(harness.query_by_label("Waiting for the user's consent to see the screen").is_none());
        harness.state_mut().0.apply(
            SessionNotice::Event(SessionEvent::ConsentRequested(ConsentRequest {
                engineer_name: "Li Wei".into(),
                team: "Service desk".into(),
                ticket_number: "T-20261123-0007".into(),
                ticket_title: "Printer offline".into(),
                purpose: "Check the queue".into(),
                suggested: Scopes::default(),
            })),
            Lang::En,
        );
        harness.run();
        harness.get_by_label("Waiting for the user's consent to see the screen");
    }

    #[test]
    fn a_burned_code_leaves_no_count_of_attempts_left() {
        let mut session = waiting();
        let wrong = |attempts_left| SessionNotice::PairingFailed {
            source: "127.0.0.2".into(),
            source_attempts: 1,
            source_blocked: false,
            attempts_left,
        };
        session.apply(wrong(1), Lang::En);
        assert_eq!(
            session.problem.as_deref(),
            Some("A wrong code came from 127.0.0.2 (one more wrong attempt burns the code)")
        );
        session.apply(wrong(0), Lang::En);
        session.apply(SessionNotice::CodeBurned, Lang::En);
        let mut harness = panel(session);
        harness.run();
        harness.get_by_label_contains("The code was burned");
        assert!(harness.query_by_label_contains("A wrong code came from").is_none(), "stale line removed");
        harness.get_by_label("127.0.0.2: 1 wrong");
    }

    #[test]
    fn a_guide_search_without_a_match_says_so() {
        let mut harness = panel(connected());
        harness.run();
        assert!(harness.query_by_label("No guide matches").is_none(), "nothing searched yet");
        harness.state_mut().0.guides_listed(Vec::new());
        harness.run();
        harness.get_by_label("No guide matches");
    }

    #[test]
    fn step_texts_are_shown_whole() {
        let long = "Open Settings, then Devices, then Printers and scanners, choose the printer on the \
                    third floor and press Open queue; tell me every document it lists and its status";
        let mut session = connected();
        for (step_id, state) in [(1, StepState::Skipped), (2, StepState::Draft)] {
            session.steps.push(StepRow {
                step_id,
                instruction: long.into(),
                expected: String::new(),
                state,
                from_guide: None,
                history: None,
                pointer: None,
            });
        }
        let mut harness = panel(session);
        harness.run();
        let label = harness.get_by_label(long);
        // The waiting or draft step's text field (labelled by its number), whatever kind it is.
        let edit = harness.query_all_by_label("Step 2 of 2").find(|node| node.value().is_some()).expect("step field");
        assert_eq!(edit.value().as_deref(), Some(long));
        // A text field has a margin of 4 points each side; a label none.
        for (rect, margin) in [(label.rect(), 0.0), (edit.rect(), 8.0)] {
            assert!(rect.right() <= 520.0, "inside the panel: {rect:?}");
            let font = egui::TextStyle::Body.resolve(&harness.ctx.global_style());
            let needed = harness.ctx.fonts_mut(|fonts| {
                fonts.layout(long.to_owned(), font, egui::Color32::WHITE, rect.width() - margin).size().y
            });
            assert!(rect.height() + 1.0 >= needed, "{rect:?} is shorter than the text ({needed})");
        }
    }
}

#[cfg(test)]
mod reconnect_tests {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    use super::*;

    fn granted_view() -> RemoteSessionView {
        let mut view = RemoteSessionView::starting();
        let viewer = FrameSlot::default();
        let started = SessionNotice::Started {
            link: "stepwise://127.0.0.1:4433/123456789".into(),
            code: "123 456 789".into(),
            address: "127.0.0.1:4433".into(),
            expires_at_ms: 0,
            viewer,
        };
        view.apply(started, Lang::En);
        view.apply(SessionNotice::Paired, Lang::En);
        view.apply(SessionNotice::Event(SessionEvent::PeerHello { display_name: "Zhang Min".into() }), Lang::En);
        let scopes = Scopes { view: true, pointers: false, record: false };
        view.apply(SessionNotice::Event(SessionEvent::ConsentGranted(scopes)), Lang::En);
        view
    }

    fn panel(view: RemoteSessionView) -> Harness<'static, RemoteSessionView> {
        let mut harness = Harness::builder().with_size(egui::vec2(760.0, 900.0)).build_ui_state(
            move |ui, view: &mut RemoteSessionView| {
                let context = PanelContext {
                    ticket_id: 1,
                    ticket_number: "T-20261204-0001",
                    ticket_title: "Printer offline",
                    engineer_name: "Li Wei",
                    team: "Service desk",
                    category: crate::store::Category::Hardware,
                    phrases: &[],
                    now_ms: 0,
                };
                session_panel_ui(ui, Lang::En, &context, Some(view), &mut Vec::new());
            },
            view,
        );
        harness.run_steps(4);
        harness
    }

    #[test]
    fn consent_is_unknown_not_live_while_reconnecting() {
        let scopes = Scopes { view: true, pointers: false, record: false };
        let live = Text::ConsentGrantedLive.fill(Lang::En, &[&scopes_text(scopes, Lang::En)]);
        let harness = panel(granted_view());
        assert!(harness.query_by_label(&live).is_some(), "granted and connected reads as live");

        let mut view = granted_view();
        view.apply(SessionNotice::Event(SessionEvent::Disconnected), Lang::En);
        let harness = panel(view);
        assert!(harness.query_all_by_label("Reconnecting…").next().is_some());
        harness.get_by_label(Text::ConsentUnknownReconnecting.get(Lang::En));
        assert!(harness.query_by_label(&live).is_none(), "never 'live' next to 'Reconnecting…'");

        let mut view = granted_view();
        view.apply(SessionNotice::Event(SessionEvent::Disconnected), Lang::En);
        assert_eq!(view.consent_text(Lang::Zh), "连接恢复前未知（期间不共享任何内容）");

        // Back: consent reads as it stands again.
        let mut view = granted_view();
        view.apply(SessionNotice::Event(SessionEvent::Disconnected), Lang::En);
        view.apply(SessionNotice::Event(SessionEvent::Reconnected { gap_ms: 12_000 }), Lang::En);
        let harness = panel(view);
        assert!(harness.query_by_label(&live).is_some());
    }
}
