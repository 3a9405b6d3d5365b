//! A session's summary in words, from its typed facts ([`SessionFacts`]): the engineer's draft
//! (factual, with times, to edit and save on the ticket) and the user's plain-language "What was
//! done on your computer" (no jargon, in the user's language).

use crate::model::{ConsentFact, SessionFacts, StepFact};
use crate::protocol::{Scopes, StepOutcome};

use super::i18n::{Lang, Text};
use super::session::scopes_text;
use super::timeline::step_outcome_text;
use super::widgets::{format_clock, format_duration_ms};

/// The words for a stored set of scopes.
pub(super) fn scopes_words(scopes: crate::model::ScopesRecord, lang: Lang) -> String {
    scopes_text(Scopes::from(scopes), lang)
}

/// The engineer's draft: duration, consent changes with times, steps with the user's answers
/// and comments, arrows, screenshots, recording, reconnects. `user` is the name the user gave.
pub fn engineer_summary_text(facts: &SessionFacts, user: &str, lang: Lang) -> String {
    let mut lines = vec![Text::SummaryDuration.fill(
        lang,
        &[
            &format_duration_ms(facts.duration_ms()),
            &format_clock(facts.started_at_ms),
            &format_clock(facts.ended_at_ms),
            user,
        ],
    )];
    for (at_ms, fact) in &facts.consent {
        let at = format_clock(*at_ms);
        lines.push(match fact {
            ConsentFact::Granted(scopes) => Text::SummaryGranted.fill(lang, &[&at, &scopes_words(*scopes, lang)]),
            ConsentFact::Changed(scopes) => Text::SummaryChanged.fill(lang, &[&at, &scopes_words(*scopes, lang)]),
            ConsentFact::Denied => Text::SummaryDenied.fill(lang, &[&at]),
            ConsentFact::Paused => Text::SummaryPaused.fill(lang, &[&at]),
            ConsentFact::Resumed => Text::SummaryResumed.fill(lang, &[&at]),
            ConsentFact::Revoked => Text::SummaryRevoked.fill(lang, &[&at]),
        });
    }
    if !facts.steps.is_empty() {
        let (sent, done, failed) = facts.step_counts();
        lines.push(Text::SummarySteps.fill(lang, &[&sent.to_string(), &done.to_string(), &failed.to_string()]));
        for (index, step) in facts.steps.iter().enumerate() {
            lines.push(format!("  {}. {} — {}", index + 1, step.instruction, step_state(step, lang)));
        }
    }
    let counts = [
        (facts.arrows, Text::SummaryArrows),
        (facts.screenshots, Text::SummaryScreenshots),
        (facts.reconnects, Text::SummaryReconnects),
    ];
    for (count, words) in counts {
        if count > 0 {
            lines.push(words.fill(lang, &[&count.to_string()]));
        }
    }
    if let Some(recording_ms) = facts.recording_ms {
        lines.push(Text::SummaryRecording.fill(lang, &[&format_duration_ms(recording_ms)]));
    }
    lines.join("\n")
}

/// A duration as people say it: "1 min 10 s", "45 s" (or "1分10秒").
fn plain_duration(duration_ms: i64, lang: Lang) -> String {
    let seconds = duration_ms.max(0) / 1_000;
    match (seconds / 60, seconds % 60) {
        (0, seconds) => Text::DurationSeconds.fill(lang, &[&seconds.to_string()]),
        (minutes, seconds) => Text::DurationMinutes.fill(lang, &[&minutes.to_string(), &seconds.to_string()]),
    }
}

fn step_state(step: &StepFact, lang: Lang) -> String {
    match (step.outcome, step.comment.trim()) {
        (Some(outcome), "") => step_outcome_text(outcome).get(lang).to_owned(),
        (Some(outcome), comment) => {
            Text::SummaryStepComment.fill(lang, &[step_outcome_text(outcome).get(lang), comment])
        }
        (None, _) if step.skipped => Text::SummaryStepSkipped.get(lang).to_owned(),
        (None, _) => Text::SummaryStepUnanswered.get(lang).to_owned(),
    }
}

/// The user's version, in plain words: who helped and how long, whether the screen was seen,
/// what was pointed at, the steps they did, and what was kept of their screen.
pub fn user_summary_text(facts: &SessionFacts, engineer: &str, lang: Lang) -> String {
    let mut lines = vec![Text::UserSummaryIntro.fill(lang, &[engineer, &plain_duration(facts.duration_ms(), lang)])];
    lines.push(if facts.screen_was_seen() {
        Text::UserSummarySeen.fill(lang, &[engineer])
    } else {
        Text::UserSummaryNotSeen.get(lang).to_owned()
    });
    if facts.arrows > 0 {
        lines.push(Text::UserSummaryArrows.fill(lang, &[engineer, &facts.arrows.to_string()]));
    }
    let pauses = facts.consent.iter().filter(|(_, fact)| *fact == ConsentFact::Paused).count();
    if pauses > 0 {
        lines.push(Text::UserSummaryPaused.fill(lang, &[&pauses.to_string()]));
    }
    if !facts.steps.is_empty() {
        lines.push(Text::UserSummaryStepsHeading.get(lang).to_owned());
        for step in &facts.steps {
            let mark = match step.outcome {
                Some(StepOutcome::Done) => "✓",
                Some(StepOutcome::DidntWork | StepOutcome::Stuck) => "✗",
                None => "–",
            };
            lines.push(format!("  {mark} {} ({})", step.instruction, step_state(step, lang)));
        }
    }
    if facts.screenshots > 0 {
        lines.push(Text::UserSummaryScreenshots.fill(lang, &[engineer, &facts.screenshots.to_string()]));
    }
    if facts.recording_ms.is_some() {
        lines.push(Text::UserSummaryRecorded.get(lang).to_owned());
    }
    if facts.screenshots == 0 && facts.recording_ms.is_none() {
        lines.push(Text::UserSummaryNothingKept.get(lang).to_owned());
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ScopesRecord;

    fn facts() -> SessionFacts {
        SessionFacts {
            started_at_ms: 0,
            ended_at_ms: 754_000,
            consent: vec![(
                5_000,
                ConsentFact::Granted(ScopesRecord { view: true, pointers: true, record: false, control: false }),
            )],
            steps: vec![
                StepFact {
                    step_id: 1,
                    instruction: "Open Settings".into(),
                    outcome: Some(StepOutcome::Done),
                    comment: String::new(),
                    skipped: false,
                },
                StepFact {
                    step_id: 2,
                    instruction: "Print a test page".into(),
                    outcome: Some(StepOutcome::Stuck),
                    comment: "no button".into(),
                    skipped: false,
                },
            ],
            arrows: 3,
            screenshots: 0,
            reconnects: 1,
            chat_lines: 4,
            recording_ms: None,
            end_reason: Some("engineer_ended".into()),
        }
    }

    #[test]
    fn the_engineers_draft_lists_what_happened() {
        let text = engineer_summary_text(&facts(), "Zhang Min", Lang::En);
        assert!(text.contains("12:34"), "{text}");
        assert!(text.contains("See my screen"), "{text}");
        assert!(text.contains("2 sent, 1 done, 1"), "{text}");
        assert!(text.contains("Print a test page — I'm stuck (\"no button\")"), "{text}");
        assert!(text.contains('3') && text.contains("Zhang Min"), "{text}");
    }

    #[test]
    fn the_users_version_is_plain_and_in_their_language() {
        let english = user_summary_text(&facts(), "Li Wei", Lang::En);
        assert!(english.contains("Li Wei"), "{english}");
        assert!(english.contains("✓ Open Settings"), "{english}");
        assert!(english.contains("Nothing of your screen was kept"), "{english}");
        let chinese = user_summary_text(&facts(), "李伟", Lang::Zh);
        assert!(chinese.contains("没有保存"), "{chinese}");
        assert_ne!(english, chinese);
    }
}
