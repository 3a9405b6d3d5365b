//! Playing back a session recording, pure: the playhead (play / pause, speed 0.5×–8×, seeks,
//! frame steps, gaps skipped while playing), the chapters drawn from the recorded events, what
//! the transcript, the arrows and the step card show at the playhead, and the transcript's
//! matching moments for a search. No pictures and no I/O: the app decodes the frame at the
//! playhead; the player view draws this state.

use crate::protocol::StepOutcome;

use super::{ActorKind, ArrowRecord, StepRecord, TimelineEvent};

/// The speeds offered, slowest first.
pub const SPEEDS: [f32; 5] = [0.5, 1.0, 2.0, 4.0, 8.0];
/// How far ← and → move the playhead, ms.
pub const JUMP_MS: u64 = 5_000;
/// One frame step (`,` and `.`), ms: a picture at 25 frames per second.
pub const FRAME_STEP_MS: u64 = 40;
/// Most arrows on show at once (as on the user's side).
pub const MAX_SHOWN_ARROWS: usize = 50;

/// A transcript event of a recording, at its time.
#[derive(Clone, Debug, PartialEq)]
pub struct PlaybackEvent {
    /// When, ms since the recording started.
    pub t_ms: u64,
    /// What kind of actor did it.
    pub actor_kind: ActorKind,
    /// The actor's name (a user's is only their claim).
    pub actor: String,
    /// What happened.
    pub event: TimelineEvent,
}

/// Why nothing was recorded for a while.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GapCause {
    /// The user paused sharing.
    PausedByUser,
    /// The user stopped sharing.
    StoppedByUser,
    /// The user removed the record (or view) scope.
    ScopeWithdrawn,
    /// The link was down.
    Disconnected,
    /// The session was on hold.
    OnHold,
}

/// A stretch of the recording with no picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlaybackGap {
    /// When it began, ms since the start.
    pub from_ms: u64,
    /// When recording resumed (`None`: it never did).
    pub to_ms: Option<u64>,
    /// Why.
    pub cause: GapCause,
}

impl PlaybackGap {
    /// Whether `t_ms` falls inside it.
    pub fn contains(&self, t_ms: u64) -> bool {
        t_ms >= self.from_ms && self.to_ms.is_none_or(|to_ms| t_ms < to_ms)
    }
}

/// What a recording holds besides its pictures: length, events, gaps.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlaybackContent {
    /// Length, ms.
    pub duration_ms: u64,
    /// Transcript events in time order.
    pub events: Vec<PlaybackEvent>,
    /// Gaps in time order.
    pub gaps: Vec<PlaybackGap>,
    /// When the first picture arrived (the playhead starts there), ms since the start.
    pub first_picture_ms: Option<u64>,
}

/// What a chapter mark on the scrubber stands for.
#[derive(Clone, Debug, PartialEq)]
pub enum ChapterKind {
    /// Step `index` of `total` went out.
    StepSent {
        /// Its position, from 1.
        index: u32,
        /// Steps in the guide.
        total: u32,
    },
    /// The user answered a step.
    StepAnswered(StepOutcome),
    /// The user allowed, refused, changed scopes, paused, resumed or withdrew consent.
    Consent,
    /// A chat line.
    Chat,
    /// Recording stopped for a while.
    Gap(GapCause),
}

/// A mark on the scrubber: a moment worth jumping to.
#[derive(Clone, Debug, PartialEq)]
pub struct Chapter {
    /// When, ms since the start.
    pub t_ms: u64,
    /// What happened.
    pub kind: ChapterKind,
    /// The transcript event it stands for (`None` for a gap).
    pub event_index: Option<usize>,
}

/// The step card at the playhead: the step as sent, and its answer once given.
#[derive(Clone, Debug, PartialEq)]
pub struct StepCardAt<'a> {
    /// The step.
    pub step: &'a StepRecord,
    /// The user's answer and comment, once given (before the playhead).
    pub answer: Option<(StepOutcome, &'a str)>,
    /// The engineer skipped it.
    pub skipped: bool,
}

/// A recording being played: its content and the playhead.
#[derive(Clone, Debug, PartialEq)]
pub struct Playback {
    content: PlaybackContent,
    chapters: Vec<Chapter>,
    playhead_ms: u64,
    playing: bool,
    speed: f32,
    /// Playing time not yet applied to the playhead (below a millisecond).
    carry_ms: f64,
}

impl Playback {
    /// A recording at its first picture (else its start), paused, at 1×.
    pub fn new(content: PlaybackContent) -> Self {
        let chapters = chapters(&content);
        let playhead_ms = content.first_picture_ms.unwrap_or(0).min(content.duration_ms);
        Self { content, chapters, playhead_ms, playing: false, speed: 1.0, carry_ms: 0.0 }
    }

    /// Length, ms.
    pub fn duration_ms(&self) -> u64 {
        self.content.duration_ms
    }

    /// The transcript events, in time order.
    pub fn events(&self) -> &[PlaybackEvent] {
        &self.content.events
    }

    /// The gaps, in time order.
    pub fn gaps(&self) -> &[PlaybackGap] {
        &self.content.gaps
    }

    /// The chapter marks, in time order.
    pub fn chapters(&self) -> &[Chapter] {
        &self.chapters
    }

    /// Where the playhead is, ms since the start.
    pub fn playhead_ms(&self) -> u64 {
        self.playhead_ms
    }

    /// Whether it is playing.
    pub fn is_playing(&self) -> bool {
        self.playing
    }

    /// The speed, one of [`SPEEDS`].
    pub fn speed(&self) -> f32 {
        self.speed
    }

    /// Plays from the playhead (from the start when it stands at the end).
    pub fn play(&mut self) {
        if self.playhead_ms >= self.content.duration_ms {
            self.playhead_ms = 0;
        }
        self.playing = true;
        self.carry_ms = 0.0;
    }

    /// Pauses.
    pub fn pause(&mut self) {
        self.playing = false;
    }

    /// Play if paused, pause if playing.
    pub fn toggle(&mut self) {
        if self.playing { self.pause() } else { self.play() }
    }

    /// Sets the speed to the offered one nearest `speed`.
    pub fn set_speed(&mut self, speed: f32) {
        let nearest = SPEEDS.iter().copied().min_by(|a, b| (a - speed).abs().total_cmp(&(b - speed).abs()));
        self.speed = nearest.unwrap_or(1.0);
    }

    /// Moves the playhead to `t_ms` (kept within the recording).
    pub fn seek(&mut self, t_ms: u64) {
        self.playhead_ms = t_ms.min(self.content.duration_ms);
        self.carry_ms = 0.0;
    }

    /// Moves the playhead by `delta_ms` (back when negative), within the recording.
    pub fn seek_by(&mut self, delta_ms: i64) {
        let target = if delta_ms < 0 {
            self.playhead_ms.saturating_sub(delta_ms.unsigned_abs())
        } else {
            self.playhead_ms.saturating_add(delta_ms.unsigned_abs())
        };
        self.seek(target);
    }

    /// One frame forward or back; pauses (a frame step is for looking closely).
    pub fn step_frame(&mut self, forward: bool) {
        self.pause();
        let step = FRAME_STEP_MS as i64;
        self.seek_by(if forward { step } else { -step });
    }

    /// Moves a playing playhead on by `elapsed_ms` of real time at the speed; a gap the user
    /// closed is skipped (nothing was recorded in it), and playing stops at the end. Returns
    /// whether the playhead moved.
    pub fn advance(&mut self, elapsed_ms: f64) -> bool {
        if !self.playing || !elapsed_ms.is_finite() || elapsed_ms <= 0.0 {
            return false;
        }
        let before = self.playhead_ms;
        let total = self.carry_ms + elapsed_ms * f64::from(self.speed);
        let whole = total.floor();
        self.carry_ms = total - whole;
        let mut next = self.playhead_ms.saturating_add(whole as u64);
        if let Some(to_ms) = self.content.gaps.iter().find(|gap| gap.contains(next)).and_then(|gap| gap.to_ms) {
            next = to_ms;
        }
        if next >= self.content.duration_ms {
            next = self.content.duration_ms;
            self.playing = false;
        }
        self.playhead_ms = next;
        self.playhead_ms != before
    }

    /// The gap the playhead is in, if any.
    pub fn gap_at(&self, t_ms: u64) -> Option<GapCause> {
        self.content.gaps.iter().find(|gap| gap.contains(t_ms)).map(|gap| gap.cause)
    }

    /// The transcript entry at `t_ms`: the last event at or before it.
    pub fn current_event(&self, t_ms: u64) -> Option<usize> {
        self.content.events.partition_point(|event| event.t_ms <= t_ms).checked_sub(1)
    }

    /// The arrows on show at `t_ms`, each with its opacity (0..1): drawn before it, not yet
    /// removed, cleared or faded (the last second of a fade is a fade-out, as on the user's
    /// side); the current step's arrow goes with its card.
    pub fn arrows_at(&self, t_ms: u64) -> Vec<(&ArrowRecord, f32)> {
        let mut shown: Vec<(&ArrowRecord, u64)> = Vec::new();
        for event in self.content.events.iter().take_while(|event| event.t_ms <= t_ms) {
            match &event.event {
                TimelineEvent::ArrowDrawn(arrow) => {
                    shown.retain(|(other, _)| other.id != arrow.id);
                    if shown.len() >= MAX_SHOWN_ARROWS {
                        shown.remove(0);
                    }
                    shown.push((arrow, event.t_ms));
                }
                TimelineEvent::ArrowRemoved { id } => shown.retain(|(other, _)| other.id != *id),
                TimelineEvent::ArrowsCleared {}
                | TimelineEvent::ConsentRevoked {}
                | TimelineEvent::SessionEnded { .. } => shown.clear(),
                _ => {}
            }
        }
        let mut visible: Vec<(&ArrowRecord, f32)> = shown
            .into_iter()
            .filter_map(|(arrow, drawn_ms)| arrow_opacity(arrow, t_ms - drawn_ms).map(|opacity| (arrow, opacity)))
            .collect();
        if let Some(arrow) = self.step_card_at(t_ms).and_then(|card| card.step.annotation.as_ref()) {
            visible.push((arrow, 1.0));
        }
        visible
    }

    /// The step card at `t_ms`: the last step sent (or edited) before it, with its answer.
    pub fn step_card_at(&self, t_ms: u64) -> Option<StepCardAt<'_>> {
        let mut card: Option<StepCardAt<'_>> = None;
        for event in self.content.events.iter().take_while(|event| event.t_ms <= t_ms) {
            match &event.event {
                TimelineEvent::StepSent { step, .. } | TimelineEvent::StepEdited(step) => {
                    card = Some(StepCardAt { step, answer: None, skipped: false });
                }
                TimelineEvent::StepConfirmed { step_id, outcome, comment, .. } => {
                    if let Some(card) = card.as_mut().filter(|card| card.step.step_id == *step_id) {
                        card.answer = Some((*outcome, comment.as_str()));
                    }
                }
                TimelineEvent::StepSkipped { step_id } => {
                    if let Some(card) = card.as_mut().filter(|card| card.step.step_id == *step_id) {
                        card.skipped = true;
                    }
                }
                TimelineEvent::ConsentRevoked {} | TimelineEvent::SessionEnded { .. } => card = None,
                _ => {}
            }
        }
        card
    }
}

/// The opacity of an arrow `since_ms` after it was drawn, `None` once it has faded.
fn arrow_opacity(arrow: &ArrowRecord, since_ms: u64) -> Option<f32> {
    if arrow.fade_ms == 0 {
        return Some(1.0);
    }
    let fade_ms = u64::from(arrow.fade_ms);
    if since_ms > fade_ms {
        return None;
    }
    Some(((fade_ms - since_ms) as f32 / 1_000.0).min(1.0))
}

/// The chapter marks of a recording: steps sent and answered, consent and scope changes, chat,
/// gaps; in time order.
pub fn chapters(content: &PlaybackContent) -> Vec<Chapter> {
    let mut chapters: Vec<Chapter> = content
        .events
        .iter()
        .enumerate()
        .filter_map(|(index, event)| {
            let kind = match &event.event {
                TimelineEvent::StepSent { step, .. } => ChapterKind::StepSent { index: step.index, total: step.total },
                TimelineEvent::StepConfirmed { outcome, .. } => ChapterKind::StepAnswered(*outcome),
                TimelineEvent::ConsentGranted { .. }
                | TimelineEvent::ConsentDenied { .. }
                | TimelineEvent::ScopesChanged { .. }
                | TimelineEvent::SharingPaused {}
                | TimelineEvent::SharingResumed {}
                | TimelineEvent::ConsentRevoked {} => ChapterKind::Consent,
                TimelineEvent::Chat { .. } => ChapterKind::Chat,
                _ => return None,
            };
            Some(Chapter { t_ms: event.t_ms, kind, event_index: Some(index) })
        })
        .collect();
    chapters.extend(content.gaps.iter().map(|gap| Chapter {
        t_ms: gap.from_ms,
        kind: ChapterKind::Gap(gap.cause),
        event_index: None,
    }));
    chapters.sort_by_key(|chapter| chapter.t_ms);
    chapters
}

/// The transcript entries whose text contains `query` (ignoring case; surrounding blanks
/// ignored): their indexes, in order. An empty query matches nothing.
pub fn matching_moments<'a>(texts: impl IntoIterator<Item = &'a str>, query: &str) -> Vec<usize> {
    let query = query.trim().to_lowercase();
    if query.is_empty() {
        return Vec::new();
    }
    texts.into_iter().enumerate().filter(|(_, text)| text.to_lowercase().contains(&query)).map(|(i, _)| i).collect()
}

/// How far a recording can be trusted, as the player's badge says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Integrity {
    /// The verification runs (off the UI thread).
    Checking,
    /// Every record matches its chain, the file is sealed and its head is the ticket's.
    Verified,
    /// Intact, but sealed by recovery after the console stopped mid-recording.
    Recovered,
    /// Changed or cut since it was sealed.
    Modified(Tampering),
    /// It could not be checked (the file cannot be read); the system's words say why.
    Unknown(String),
}

/// What verification found wrong with a recording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tampering {
    /// Record N (0 = the header) does not match the chain.
    ChangedAtRecord(u64),
    /// The file ends early, at record N.
    CutAtRecord(u64),
    /// The file is intact in itself but its chain head is not the one the ticket recorded.
    NotTheTicketsHead,
}

#[cfg(test)]
mod tests;
