//! Guidance-only mode as the engineer's console knows it: the mode and who switched, the still
//! asked for and the last one shown, and the automatic proposal: when the measured delivery
//! rate stays below [`PROPOSE_BELOW_KBPS`] for [`PROPOSE_AFTER_MS`] while the link is busy, the
//! console proposes guidance-only (a banner: Switch / Keep live); it never switches by itself.

use egui::{RichText, Ui};

use super::model::RemoteSessionView;
use crate::model::TicketId;
use crate::protocol::{ConsentState, Role, SessionCommand, SessionEvent, SessionMode};
use crate::ui::command::UiCommand;
use crate::ui::i18n::Text;
use crate::ui::{ViewContext, theme};

/// Below this delivery rate, kbit/s, live video is not usable.
pub const PROPOSE_BELOW_KBPS: f32 = 150.0;
/// How long the rate must stay below the threshold before guidance-only is proposed, ms.
pub const PROPOSE_AFTER_MS: i64 = 10_000;

/// Readings of the live view closer together than this are ignored, ms.
const SAMPLE_INTERVAL_MS: i64 = 1_000;

/// A still that arrived complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StillShown {
    /// The still.
    pub still_id: u64,
    /// When it was captured, unix ms (the user's clock).
    pub captured_at_ms: i64,
    /// Sequence number of its last (exact) update.
    pub last_seq: u64,
}

/// One reading of the live view's figures, fed about once a second.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateSample {
    /// When, unix ms.
    pub at_ms: i64,
    /// Screen data received over the last second, kbit/s.
    pub kbps: f32,
    /// Frames the sender skipped so far because the link was busy (grows while it is saturated).
    pub skipped_frames: u64,
}

/// The engineer's view of guidance-only mode.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GuidanceOnlyView {
    /// Live or guidance-only.
    pub mode: SessionMode,
    /// Who switched last (`None` before any switch).
    pub switched_by: Option<Role>,
    /// The still asked for and not yet complete.
    pub awaited: Option<u64>,
    /// The last complete still.
    pub still: Option<StillShown>,
    /// Since when the link has been slow and busy, unix ms.
    slow_since_ms: Option<i64>,
    /// The previous sample: when, and the skipped-frames count then.
    last_sample: Option<(i64, u64)>,
    /// "Keep live" was chosen: no new proposal until the rate recovers.
    dismissed: bool,
}

impl GuidanceOnlyView {
    /// Follows a session event.
    pub fn apply(&mut self, event: &SessionEvent) {
        match event {
            SessionEvent::ModeChanged { mode, by } => {
                self.mode = *mode;
                self.switched_by = Some(*by);
                self.awaited = None;
                self.slow_since_ms = None;
                if *mode == SessionMode::Live {
                    self.still = None;
                }
            }
            SessionEvent::StillRequested { still_id } => self.awaited = Some(*still_id),
            SessionEvent::StillTaken { still_id, last_seq, captured_at_ms, .. } => {
                if self.awaited == Some(*still_id) {
                    self.awaited = None;
                }
                self.still =
                    Some(StillShown { still_id: *still_id, captured_at_ms: *captured_at_ms, last_seq: *last_seq });
            }
            // The picture is wiped when the view ends; so is the still.
            SessionEvent::SharingPaused
            | SessionEvent::ConsentRevoked
            | SessionEvent::Held(_)
            | SessionEvent::Disconnected
            | SessionEvent::Ended { .. } => {
                self.awaited = None;
                self.still = None;
            }
            _ => {}
        }
    }

    /// Takes one reading of the live view: slow while below the threshold and the sender keeps
    /// skipping frames (it has more to send than the link delivers; a still screen is not slow).
    pub fn observe_rate(&mut self, sample: RateSample) {
        if self.last_sample.is_some_and(|(at_ms, _)| sample.at_ms - at_ms < SAMPLE_INTERVAL_MS) {
            return; // The view draws often; one reading a second is enough.
        }
        let busy = self.last_sample.is_some_and(|(_, before)| sample.skipped_frames > before);
        self.last_sample = Some((sample.at_ms, sample.skipped_frames));
        if self.mode != SessionMode::Live {
            self.slow_since_ms = None;
            return;
        }
        if sample.kbps >= PROPOSE_BELOW_KBPS {
            self.slow_since_ms = None;
            self.dismissed = false;
        } else if busy {
            self.slow_since_ms.get_or_insert(sample.at_ms);
        }
    }

    /// Whether the console proposes guidance-only now (at `now_ms`).
    pub fn proposal_due(&self, now_ms: i64) -> bool {
        self.mode == SessionMode::Live
            && !self.dismissed
            && self.slow_since_ms.is_some_and(|since| now_ms - since >= PROPOSE_AFTER_MS)
    }

    /// "Keep live": the banner goes away until the rate has recovered and fallen again.
    pub fn keep_live(&mut self) {
        self.dismissed = true;
        self.slow_since_ms = None;
    }

    /// How old the shown still is at `now_ms`, whole seconds.
    pub fn still_age_s(&self, now_ms: i64) -> Option<i64> {
        self.still.map(|still| (now_ms - still.captured_at_ms).max(0) / 1_000)
    }
}

/// The workspace's guidance-only row: the slow-link proposal (Switch / Keep live), the
/// "Guidance only" toggle, "Show me your screen now" and the still's age.
pub fn guidance_toolbar_ui(
    ui: &mut Ui,
    cx: &mut ViewContext<'_, UiCommand>,
    ticket_id: TicketId,
    session: &mut RemoteSessionView,
) {
    let lang = cx.lang;
    let viewing = matches!(&session.consent, ConsentState::Granted { scopes, paused: false } if scopes.view)
        && session.held.is_none();
    if let Some(slot) = &session.viewer_slot {
        let stats = slot.lock().stats;
        session.guidance.observe_rate(RateSample {
            at_ms: cx.now_ms,
            kbps: stats.kbps,
            skipped_frames: stats.skipped_frames,
        });
    }
    if viewing && session.guidance.proposal_due(cx.now_ms) {
        egui::Frame::group(ui.style()).fill(theme::WARNING.gamma_multiply(0.15)).show(ui, |ui| {
            ui.label(RichText::new(Text::GuidanceProposal.get(lang)).strong());
            ui.horizontal(|ui| {
                if ui.button(Text::GuidanceSwitch.get(lang)).clicked() {
                    cx.emit(UiCommand::session(ticket_id, SessionCommand::SetMode(SessionMode::GuidanceOnly)));
                }
                if ui.button(Text::GuidanceKeepLive.get(lang)).clicked() {
                    session.guidance.keep_live();
                }
            });
        });
        ui.ctx().request_repaint_after(std::time::Duration::from_secs(1));
    }
    let guidance_only = session.guidance.mode == SessionMode::GuidanceOnly;
    ui.horizontal_wrapped(|ui| {
        let mut on = guidance_only;
        let toggle = ui.toggle_value(&mut on, Text::GuidanceOnlyToggle.get(lang));
        if toggle.on_hover_text(Text::GuidanceOnlyToggleHint.get(lang)).changed() {
            let mode = if on { SessionMode::GuidanceOnly } else { SessionMode::Live };
            cx.emit(UiCommand::session(ticket_id, SessionCommand::SetMode(mode)));
        }
        if !guidance_only {
            return;
        }
        let waiting = session.guidance.awaited.is_some();
        let ask = ui.add_enabled(viewing && !waiting, egui::Button::new(Text::GuidanceShowScreenNow.get(lang)));
        if ask.clicked() {
            cx.emit(UiCommand::session(ticket_id, SessionCommand::RequestStill));
        }
        if waiting {
            ui.spinner();
            ui.label(Text::GuidanceStillWaiting.get(lang));
        } else if let Some(age_s) = session.guidance.still_age_s(cx.now_ms) {
            ui.label(Text::GuidanceStillAge.fill(lang, &[&age_s.to_string()]));
            ui.ctx().request_repaint_after(std::time::Duration::from_secs(1));
        } else {
            ui.weak(Text::GuidanceNoStillYet.get(lang));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(at_ms: i64, kbps: f32, skipped_frames: u64) -> RateSample {
        RateSample { at_ms, kbps, skipped_frames }
    }

    #[test]
    fn proposed_after_ten_slow_busy_seconds_and_never_switched() {
        let mut view = GuidanceOnlyView::default();
        for second in 0..=10 {
            view.observe_rate(sample(second * 1_000, 60.0, second as u64 * 5));
        }
        assert!(!view.proposal_due(10_000), "slow for 9 s only");
        view.observe_rate(sample(11_000, 60.0, 60));
        assert!(view.proposal_due(11_000));
        assert_eq!(view.mode, SessionMode::Live, "only proposed");
        view.keep_live();
        view.observe_rate(sample(30_000, 60.0, 70));
        assert!(!view.proposal_due(45_000), "Keep live holds until the rate recovers");
        view.observe_rate(sample(46_000, 900.0, 70));
        view.observe_rate(sample(47_000, 60.0, 80));
        assert!(view.proposal_due(57_000));
    }

    #[test]
    fn a_quiet_screen_or_a_fast_link_is_not_slow() {
        let mut view = GuidanceOnlyView::default();
        for second in 0..30 {
            view.observe_rate(sample(second * 1_000, 0.0, 3));
        }
        assert!(!view.proposal_due(30_000), "nothing to send is not a slow link");
        let mut view = GuidanceOnlyView::default();
        for second in 0..30 {
            view.observe_rate(sample(second * 1_000, 5_000.0, second as u64));
        }
        assert!(!view.proposal_due(30_000));
        view.observe_rate(sample(31_000, 100.0, 40));
        view.observe_rate(sample(35_000, 2_000.0, 50));
        view.observe_rate(sample(40_000, 100.0, 60));
        assert!(!view.proposal_due(45_000), "a short dip restarts the count");
    }

    #[test]
    fn stills_follow_the_events() {
        let mut view = GuidanceOnlyView::default();
        view.apply(&SessionEvent::ModeChanged { mode: SessionMode::GuidanceOnly, by: Role::User });
        assert_eq!((view.mode, view.switched_by), (SessionMode::GuidanceOnly, Some(Role::User)));
        assert!(!view.proposal_due(1_000_000));
        view.apply(&SessionEvent::StillRequested { still_id: 1 });
        assert_eq!(view.awaited, Some(1));
        view.apply(&SessionEvent::StillTaken { still_id: 1, last_seq: 9, captured_at_ms: 1_000, keep: false });
        assert_eq!(view.awaited, None);
        assert_eq!(view.still_age_s(13_500), Some(12));
        view.apply(&SessionEvent::SharingPaused);
        assert_eq!(view.still, None, "a paused view shows no picture");
    }
}
