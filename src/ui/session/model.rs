//! The state of one engineer-side remote session as the panel shows it: the link, consent, chat,
//! the guided steps, and how each notice from the app changes it. Nothing here draws.

use crate::model::GuideId;
use crate::model::{Guide, GuideStep, GuideSummary, StepPointer, StepStats};
use crate::protocol::{ConsentState, EndReason, NoOverlay, Role, Scopes, SessionEvent, StepCard, StepOutcome};

use super::super::annotations::{ArrowPlacement, ShownAnnotations};
use super::super::chat::ChatLine;
use super::super::i18n::{Lang, Text};
use super::super::reasons::end_reason_text;
use super::super::viewer::{FrameSlot, ViewerView};
use super::wrap_up::SurveyStatus;

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
    pub from_guide: Option<(GuideId, usize)>,
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
        /// A relay address is being made for the session: the link gains it when ready
        /// ([`SessionNotice::RelayReady`]).
        relay: bool,
    },
    /// The session's relay address is ready: the join link that carries it.
    RelayReady {
        /// The join link with the relay candidate.
        link: String,
        /// The link offers the user time-limited credentials (users behind strict NAT can join).
        users_can_allocate: bool,
    },
    /// The relay cannot be used for this session, which goes on without it: why.
    RelayUnavailable(crate::ui::relay::RelayProblem),
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
    /// The path the connection takes (when the session begins and at each switch).
    Path(crate::protocol::LinkPath),
    /// The live connection's round trip (every few seconds).
    RoundTrip {
        /// Round trip, ms.
        rtt_ms: f64,
    },
    /// A protocol event (never screen data).
    Event(SessionEvent),
    /// A command was refused.
    Refused(String),
    /// The session task is over.
    Closed,
    /// The session's summary, drafted from its transcript when it ended.
    SummaryDrafted(crate::model::SessionFacts),
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
    /// The ticket's number, for the session's tab.
    pub ticket_number: String,
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
    /// The path the connection takes (direct or via the relay), once connected.
    pub path: Option<crate::protocol::LinkPath>,
    /// The session's relay, when one is configured.
    pub relay: Option<crate::ui::relay::SessionRelay>,
    /// The live connection's round trip, ms, as last told.
    pub rtt_ms: Option<f64>,
    /// The link with the relay, when it came before the session's start was recorded (the
    /// allocation raced the start notice): shown once the start is.
    pub(super) early_relay_link: Option<String>,
    /// Where wrong codes came from, under the current code, in order of first attempt.
    pub attempts: Vec<SourceAttempts>,
    /// After a refusal: when consent may be asked again, unix ms (`None`: not in this session).
    pub ask_again_at_ms: Option<i64>,
    /// On hold, and why.
    pub held: Option<crate::protocol::HoldReason>,
    /// Live screen or guidance-only, and the stills asked for.
    pub guidance: super::guidance_only::GuidanceOnlyView,
    pub(super) purpose: String,
    pub(super) draft: String,
    pub(super) viewer_slot: Option<FrameSlot>,
    pub(super) viewer: ViewerView,
    /// Arrows and highlights now on the user's screen.
    pub(super) annotations: ShownAnnotations,
    pub(super) next_annotation_id: u64,
    /// The session's guide.
    pub steps: Vec<StepRow>,
    pub(super) step_instruction: String,
    pub(super) step_expected: String,
    pub(super) guide_query: String,
    /// Guides found by the last search.
    pub guide_results: Vec<GuideSummary>,
    /// A search was answered since the last guide was loaded (an empty answer says "no match").
    pub(super) guide_searched: bool,
    /// "End session" was clicked: ask before ending.
    pub(super) confirm_end: bool,
    pub(super) guide_title: String,
    /// The knowledge-base guide the steps were loaded from (saved back in place on request).
    pub(super) loaded_guide: Option<Guide>,
    /// A guide was just saved (its id).
    pub saved_guide: Option<GuideId>,
    /// How the user's side shows arrows: over the real screen, or in its window (or not told yet).
    pub arrow_placement: ArrowPlacement,
    /// Why the user's side cannot draw over the real screen, as it said (a code).
    pub(super) overlay_why_not: Option<NoOverlay>,
    pub(super) attach_arrow: bool,
    /// The user's exit survey after the end.
    pub survey: super::wrap_up::SurveyStatus,
    /// The summary drafted at the end, being edited.
    pub summary: Option<super::wrap_up::SummaryDraft>,
    /// Remote control: the toggle, the request, the user's take-backs.
    pub control: super::control::ControlView,
    /// The user's monitors and a pending request to switch.
    pub monitors: super::monitors::MonitorView,
}

impl RemoteSessionView {
    /// A session being started.
    pub fn starting() -> Self {
        Self {
            ticket_number: String::new(),
            phase: LinkPhase::Starting,
            link: String::new(),
            code: String::new(),
            address: String::new(),
            expires_at_ms: 0,
            peer_name: None,
            consent: ConsentState::NotRequested,
            chat: Vec::new(),
            problem: None,
            path: None,
            relay: None,
            rtt_ms: None,
            early_relay_link: None,
            attempts: Vec::new(),
            ask_again_at_ms: Some(0),
            held: None,
            guidance: super::guidance_only::GuidanceOnlyView::default(),
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
            arrow_placement: ArrowPlacement::NotReported,
            overlay_why_not: None,
            attach_arrow: true,
            survey: Default::default(),
            summary: None,
            control: Default::default(),
            monitors: Default::default(),
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
    pub(super) fn guide_steps(&self) -> Vec<GuideStep> {
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
    pub(super) fn point_steps_at_guide(&mut self, guide_id: GuideId) {
        let kept = self.steps.iter_mut().filter(|row| row.state != StepState::Skipped);
        for (index, row) in kept.enumerate() {
            row.from_guide = Some((guide_id, index));
        }
    }

    /// Applies one notice from the app; returns a guide step answer to count, if any.
    pub fn apply_and_count(&mut self, notice: SessionNotice, lang: Lang) -> Option<(GuideId, usize, StepOutcome)> {
        let counted = match &notice {
            SessionNotice::Event(SessionEvent::StepAnswered { step_id, outcome, .. }) => self
                .steps
                .iter()
                .find(|row| row.step_id == *step_id)
                .and_then(|row| row.from_guide)
                .map(|(guide, index)| (guide, index, *outcome)),
            _ => None,
        };
        self.apply(notice, lang);
        counted
    }

    /// Applies one notice from the app.
    pub fn apply(&mut self, notice: SessionNotice, lang: Lang) {
        match notice {
            SessionNotice::Started { link, code, address, expires_at_ms, viewer, relay } => {
                self.phase = LinkPhase::Waiting;
                self.viewer_slot = Some(viewer);
                (self.link, self.code, self.address, self.expires_at_ms) = (link, code, address, expires_at_ms);
                if let Some(with_relay) = self.early_relay_link.take() {
                    self.link = with_relay;
                }
                // The relay's outcome may have overtaken the start notice: it stands.
                if self.relay.is_none() {
                    self.relay = relay.then_some(crate::ui::relay::SessionRelay::Allocating);
                }
            }
            SessionNotice::RelayReady { link, users_can_allocate } => {
                match self.phase {
                    // Not shown before the start is recorded (an unrecorded session shows no code).
                    LinkPhase::Starting => self.early_relay_link = Some(link),
                    _ if self.is_running() => self.link = link,
                    _ => {}
                }
                self.relay = Some(crate::ui::relay::SessionRelay::Ready { users_can_allocate });
            }
            SessionNotice::RelayUnavailable(problem) => {
                self.relay = Some(crate::ui::relay::SessionRelay::Unavailable(problem));
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
            SessionNotice::Path(path) => self.path = Some(path),
            SessionNotice::RoundTrip { rtt_ms } => self.rtt_ms = Some(rtt_ms),
            SessionNotice::Event(event) => self.apply_event(event),
            SessionNotice::Refused(why) => self.problem = Some(why),
            SessionNotice::Closed => {
                if !matches!(self.phase, LinkPhase::Over(_)) {
                    self.phase = LinkPhase::Over(Ending::LinkClosed);
                }
                // A session too short to rate closes without a reply.
                if self.survey == SurveyStatus::Awaiting {
                    self.survey = SurveyStatus::NotDue;
                }
            }
            SessionNotice::SummaryDrafted(facts) => {
                let user = self.peer_name.clone().unwrap_or_default();
                self.summary = Some(super::wrap_up::SummaryDraft::new(facts, &user, lang));
            }
        }
    }

    fn apply_event(&mut self, event: SessionEvent) {
        self.control.apply(&event);
        self.guidance.apply(&event);
        self.monitors.apply(&event);
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
            SessionEvent::ControlGranted | SessionEvent::ControlRevoked => {
                if let ConsentState::Granted { scopes, .. } = &mut self.consent {
                    scopes.control = event == SessionEvent::ControlGranted;
                }
            }
            SessionEvent::ControlRequested
            | SessionEvent::ControlDeclined
            | SessionEvent::ControlTakenBack
            | SessionEvent::ControlInputCounted { .. }
            | SessionEvent::PeerPath(_)
            | SessionEvent::PeerCandidates(_)
            | SessionEvent::ClipboardShared { .. }
            | SessionEvent::ClipboardReceived { .. }
            | SessionEvent::MonitorsAnnounced(_)
            | SessionEvent::MonitorSwitchRequested { .. }
            | SessionEvent::MonitorSwitchAnswered { .. }
            | SessionEvent::ModeChanged { .. }
            | SessionEvent::StillRequested { .. }
            | SessionEvent::StillTaken { .. } => {}
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
                self.arrow_placement = ArrowPlacement::reported(overlay);
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
            SessionEvent::SurveyOffered => {}
            SessionEvent::SurveyReplied(reply) => self.survey = SurveyStatus::Replied(reply),
            SessionEvent::SurveyLost => self.survey = SurveyStatus::Lost,
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
                let normal = matches!(reason, EndReason::EngineerEnded | EndReason::UserStopped);
                if normal && self.phase == LinkPhase::Connected {
                    self.survey = SurveyStatus::Awaiting;
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
    pub(super) fn remote_screen_size(&self) -> Option<(u32, u32)> {
        let slot = self.viewer_slot.as_ref()?.lock();
        (slot.width > 0 && slot.height > 0).then_some((slot.width, slot.height))
    }

    pub(super) fn card_for(&self, row: &StepRow) -> StepCard {
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
    if scopes.control {
        parts.push(Text::ScopeControl.get(lang));
    }
    if parts.is_empty() { Text::ScopesNone.get(lang).to_owned() } else { parts.join(" · ") }
}
