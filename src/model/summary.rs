//! What a session did, as typed facts drawn from its transcript: the draft of the engineer's
//! summary and the user's plain-language "What was done on your computer" are both worded from
//! these (in `ui/`, in either language). Pure: the same entries give the same facts.

use serde::{Deserialize, Serialize};

use super::timeline::{ScopesRecord, TimelineEvent};
use crate::protocol::StepOutcome;

/// A change of what the user allowed, with its time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConsentFact {
    /// The user allowed these scopes.
    Granted(ScopesRecord),
    /// The user changed the scopes to these.
    Changed(ScopesRecord),
    /// The user refused.
    Denied,
    /// The user paused sharing.
    Paused,
    /// The user resumed sharing.
    Resumed,
    /// The user withdrew consent.
    Revoked,
}

/// One guided step and what became of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepFact {
    /// The step's id in the session.
    pub step_id: u64,
    /// What the user was asked to do (the latest wording).
    pub instruction: String,
    /// The user's answer, if any.
    pub outcome: Option<StepOutcome>,
    /// The user's comment on it.
    pub comment: String,
    /// The engineer skipped it.
    pub skipped: bool,
}

/// Everything a summary says about one session.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionFacts {
    /// When the user joined (or the session started, if they never did), unix ms.
    pub started_at_ms: i64,
    /// When it ended, unix ms (the last entry's time if no end was recorded).
    pub ended_at_ms: i64,
    /// Consent decisions and scope changes, oldest first, with their times.
    pub consent: Vec<(i64, ConsentFact)>,
    /// Guided steps in the order they were first sent.
    pub steps: Vec<StepFact>,
    /// Arrows and highlights drawn.
    pub arrows: u32,
    /// Screenshots kept (each needed the record scope).
    pub screenshots: u32,
    /// Times the connection came back after a drop.
    pub reconnects: u32,
    /// Chat lines written (both sides).
    pub chat_lines: u32,
    /// The recording's length, ms, when one was kept.
    pub recording_ms: Option<i64>,
    /// The end reason's stable code (`engineer_ended`, `user_ended`, …), if recorded.
    pub end_reason: Option<String>,
}

impl SessionFacts {
    /// The facts of the last session in `entries` (a ticket's timeline, oldest first, as
    /// `(at_ms, event)`): everything from its last `session_started`.
    pub fn of_last_session<'a>(entries: impl IntoIterator<Item = (i64, &'a TimelineEvent)>) -> Option<Self> {
        let entries: Vec<(i64, &TimelineEvent)> = entries.into_iter().collect();
        let start = entries.iter().rposition(|(_, event)| matches!(event, TimelineEvent::SessionStarted { .. }))?;
        Some(Self::from_entries(entries[start..].iter().copied()))
    }

    /// The facts of one session's entries, oldest first.
    pub fn from_entries<'a>(entries: impl IntoIterator<Item = (i64, &'a TimelineEvent)>) -> Self {
        let mut facts = Self::default();
        let mut first_ms = None;
        let mut joined_ms = None;
        for (at_ms, event) in entries {
            first_ms.get_or_insert(at_ms);
            facts.ended_at_ms = facts.ended_at_ms.max(at_ms);
            facts.observe(at_ms, event, &mut joined_ms);
        }
        facts.started_at_ms = joined_ms.or(first_ms).unwrap_or_default();
        facts
    }

    fn observe(&mut self, at_ms: i64, event: &TimelineEvent, joined_ms: &mut Option<i64>) {
        match event {
            TimelineEvent::PairingSucceeded {} => {
                joined_ms.get_or_insert(at_ms);
            }
            TimelineEvent::ConsentGranted { scopes } => self.consent.push((at_ms, ConsentFact::Granted(*scopes))),
            TimelineEvent::ScopesChanged { scopes } => self.consent.push((at_ms, ConsentFact::Changed(*scopes))),
            TimelineEvent::ConsentDenied { .. } => self.consent.push((at_ms, ConsentFact::Denied)),
            TimelineEvent::SharingPaused {} => self.consent.push((at_ms, ConsentFact::Paused)),
            TimelineEvent::SharingResumed {} => self.consent.push((at_ms, ConsentFact::Resumed)),
            TimelineEvent::ConsentRevoked {} => self.consent.push((at_ms, ConsentFact::Revoked)),
            TimelineEvent::Chat { .. } => self.chat_lines += 1,
            TimelineEvent::Reconnected { .. } => self.reconnects += 1,
            TimelineEvent::ArrowDrawn(_) => self.arrows += 1,
            TimelineEvent::ScreenshotAttached { .. } => self.screenshots += 1,
            TimelineEvent::StepSent { step, .. } => match self.step_mut(step.step_id) {
                Some(known) => known.instruction = step.instruction.clone(),
                None => self.steps.push(StepFact {
                    step_id: step.step_id,
                    instruction: step.instruction.clone(),
                    outcome: None,
                    comment: String::new(),
                    skipped: false,
                }),
            },
            TimelineEvent::StepEdited(step) => {
                if let Some(known) = self.step_mut(step.step_id) {
                    known.instruction = step.instruction.clone();
                }
            }
            TimelineEvent::StepSkipped { step_id } => {
                if let Some(known) = self.step_mut(*step_id) {
                    known.skipped = true;
                }
            }
            TimelineEvent::StepConfirmed { step_id, outcome, comment, .. } => {
                if let Some(known) = self.step_mut(*step_id) {
                    known.outcome = Some(*outcome);
                    known.comment = comment.clone();
                }
            }
            TimelineEvent::SessionEnded { reason, .. } => {
                self.end_reason.get_or_insert_with(|| reason.clone());
            }
            _ => {}
        }
    }

    fn step_mut(&mut self, step_id: u64) -> Option<&mut StepFact> {
        self.steps.iter_mut().find(|step| step.step_id == step_id)
    }

    /// How long the session lasted, ms.
    pub fn duration_ms(&self) -> i64 {
        self.ended_at_ms.saturating_sub(self.started_at_ms).max(0)
    }

    /// Steps sent, confirmed ("Done"), and failed ("Didn't work" or "I'm stuck").
    pub fn step_counts(&self) -> (usize, usize, usize) {
        let done = self.steps.iter().filter(|step| step.outcome == Some(StepOutcome::Done)).count();
        let failed = self
            .steps
            .iter()
            .filter(|step| matches!(step.outcome, Some(StepOutcome::DidntWork | StepOutcome::Stuck)))
            .count();
        (self.steps.len(), done, failed)
    }

    /// Whether the user ever let the screen be seen.
    pub fn screen_was_seen(&self) -> bool {
        self.consent
            .iter()
            .any(|(_, fact)| matches!(fact, ConsentFact::Granted(scopes) | ConsentFact::Changed(scopes) if scopes.view))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::timeline::{ArrowRecord, StepRecord};
    use crate::protocol::{RemotePixel, Shape};

    fn step(step_id: u64, instruction: &str) -> StepRecord {
        StepRecord {
            step_id,
            index: 1,
            total: 2,
            instruction: instruction.into(),
            expected: String::new(),
            annotation: None,
        }
    }

    fn timeline() -> Vec<(i64, TimelineEvent)> {
        let scopes = ScopesRecord { view: true, pointers: true, record: false, control: false };
        vec![
            (1_000, TimelineEvent::SessionStarted { port: 4000 }),
            (
                2_000,
                TimelineEvent::SessionEnded {
                    reason: "engineer_ended".into(),
                    code: String::new(),
                    detail: String::new(),
                    by_user: false,
                },
            ),
            (10_000, TimelineEvent::SessionStarted { port: 4000 }),
            (12_000, TimelineEvent::PairingSucceeded {}),
            (15_000, TimelineEvent::ConsentGranted { scopes }),
            (20_000, TimelineEvent::StepSent { step: step(1, "Open Settings"), resent: false }),
            (21_000, TimelineEvent::StepEdited(step(1, "Open the Settings app"))),
            (
                22_000,
                TimelineEvent::ArrowDrawn(ArrowRecord {
                    id: 1,
                    shape: Shape::Arrow { tail: RemotePixel { x: 1, y: 2 }, head: RemotePixel { x: 30, y: 40 } },
                    label: String::new(),
                    color: "red".into(),
                    fade_ms: 0,
                }),
            ),
            (
                30_000,
                TimelineEvent::StepConfirmed {
                    step_id: 1,
                    outcome: StepOutcome::Done,
                    comment: String::new(),
                    seconds: 10,
                },
            ),
            (31_000, TimelineEvent::StepSent { step: step(2, "Print a test page"), resent: false }),
            (
                40_000,
                TimelineEvent::StepConfirmed {
                    step_id: 2,
                    outcome: StepOutcome::Stuck,
                    comment: "没有按钮".into(),
                    seconds: 9,
                },
            ),
            (41_000, TimelineEvent::SharingPaused {}),
            (45_000, TimelineEvent::Disconnected {}),
            (47_000, TimelineEvent::Reconnected { gap_ms: 2_000 }),
            (
                72_000,
                TimelineEvent::SessionEnded {
                    reason: "user_ended".into(),
                    code: String::new(),
                    detail: String::new(),
                    by_user: true,
                },
            ),
        ]
    }

    #[test]
    fn facts_come_from_the_last_session_only() {
        let entries = timeline();
        let facts = SessionFacts::of_last_session(entries.iter().map(|(at, event)| (*at, event))).unwrap();
        assert_eq!((facts.started_at_ms, facts.ended_at_ms, facts.duration_ms()), (12_000, 72_000, 60_000));
        assert_eq!(facts.step_counts(), (2, 1, 1));
        assert_eq!(facts.steps[0].instruction, "Open the Settings app", "the latest wording");
        assert_eq!(facts.steps[1].comment, "没有按钮");
        assert_eq!((facts.arrows, facts.reconnects, facts.screenshots), (1, 1, 0));
        assert_eq!(facts.consent.len(), 2);
        assert_eq!(facts.consent[1], (41_000, ConsentFact::Paused));
        assert!(facts.screen_was_seen());
        assert_eq!(facts.end_reason.as_deref(), Some("user_ended"));
    }

    #[test]
    fn no_session_gives_no_facts() {
        let entries = [(1, TimelineEvent::NoteAdded { text: "x".into() })];
        assert_eq!(SessionFacts::of_last_session(entries.iter().map(|(at, event)| (*at, event))), None);
    }
}
