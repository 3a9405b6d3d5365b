//! Timeline entries in words: one line per entry of a ticket's history, in the language in force,
//! for the ticket's own changes and for the remote-session transcript alike. Every entry is read
//! here and nowhere else.

use crate::model::{HistoryEntry, PairingFailure, ScopesRecord, Status, TimelineEvent};
use crate::protocol::{Answer, Scopes, StepOutcome};

use super::i18n::{Lang, Text, field_text, status_text};
use super::reasons::stored_end_reason_text;
use super::session::scopes_text;

/// Longest field value quoted in a timeline line, characters.
const MAX_QUOTED_CHARS: usize = 60;
/// Hex digits of a recording's chain head shown in the timeline (the whole head is stored).
const RECORDING_HEAD_SHOWN_CHARS: usize = 12;

/// A field value for one timeline line: on one line, at most [`MAX_QUOTED_CHARS`].
fn short_value(value: &str) -> String {
    let flat = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > MAX_QUOTED_CHARS {
        let mut cut: String = flat.chars().take(MAX_QUOTED_CHARS - 1).collect();
        cut.push('…');
        cut
    } else {
        flat
    }
}

fn status_name(status: Status, lang: Lang) -> String {
    status_text(status).get(lang).to_owned()
}

fn scopes(record: ScopesRecord) -> Scopes {
    record.into()
}

/// One line describing a timeline entry in the UI language.
pub fn describe(entry: &HistoryEntry, lang: Lang) -> String {
    describe_event(&entry.event, lang)
}

/// One line describing a timeline event in the UI language: one arm per kind of event.
pub fn describe_event(event: &TimelineEvent, lang: Lang) -> String {
    let text = |t: Text| t.get(lang).to_owned();
    match event {
        TimelineEvent::Created { .. } => text(Text::EventCreated),
        TimelineEvent::Imported { .. } => text(Text::EventImported),
        TimelineEvent::FieldChanged { field, old, new } => {
            let label = field_text(field).map_or(field.as_str(), |t| t.get(lang));
            match (old, new) {
                (Some(old), Some(new)) => {
                    let value = |value: &str| match short_value(value) {
                        value if value.is_empty() => Text::Empty.get(lang).to_owned(),
                        value => value,
                    };
                    Text::EventFieldChangedFromTo.fill(lang, &[label, &value(old), &value(new)])
                }
                // Entries written before values were kept (imports, old files).
                _ => Text::EventFieldChanged.fill(lang, &[label]),
            }
        }
        TimelineEvent::ClassificationChanged { .. } => text(Text::EventClassification),
        TimelineEvent::StatusChanged { from, to } => {
            Text::EventStatus.fill(lang, &[&status_name(*from, lang), &status_name(*to, lang)])
        }
        TimelineEvent::AssigneeChanged { to, .. } => {
            let to = to.as_deref().unwrap_or("");
            Text::EventAssignee.fill(lang, &[if to.is_empty() { Text::Nobody.get(lang) } else { to }])
        }
        TimelineEvent::Escalated { to_tier, reason, .. } => {
            Text::EventEscalated.fill(lang, &[&to_tier.to_string(), reason])
        }
        TimelineEvent::NoteAdded { text: note } => format!("{}: {}", text(Text::EventNote), note),
        TimelineEvent::ResolutionSet { text: resolution } => format!("{}: {}", text(Text::EventResolution), resolution),
        TimelineEvent::SatisfactionRecorded { rating, .. } => {
            Text::EventSatisfaction.fill(lang, &[&rating.to_string()])
        }
        TimelineEvent::SessionStarted { .. } => text(Text::EvSessionStarted),
        TimelineEvent::PairingSucceeded {} => text(Text::EvPairingSucceeded),
        TimelineEvent::PairingFailed { reason, source, source_attempts, source_blocked, attempts_left } => {
            let attempts_left = attempts_left.unwrap_or(0).to_string();
            match (reason, source.as_deref().filter(|source| !source.is_empty())) {
                (PairingFailure::CodeBurned, _) => text(Text::EvCodeBurned),
                (PairingFailure::CodeExpired, _) => text(Text::EvCodeExpired),
                (PairingFailure::WrongCode, Some(source)) => {
                    let template =
                        if source_blocked.unwrap_or(false) { Text::EvWrongCodeBlocked } else { Text::EvWrongCodeFrom };
                    template.fill(lang, &[source, &source_attempts.unwrap_or(0).to_string(), &attempts_left])
                }
                (PairingFailure::WrongCode, None) => Text::EvWrongCode.fill(lang, &[&attempts_left]),
            }
        }
        TimelineEvent::CodeRenewed { .. } => text(Text::EvCodeRenewed),
        TimelineEvent::ConsentRequested { purpose, .. } => match purpose.trim() {
            "" => text(Text::EvConsentRequestedNoReason),
            purpose => Text::EvConsentRequested.fill(lang, &[purpose]),
        },
        TimelineEvent::ConsentGranted { scopes: granted } => {
            Text::EvConsentGranted.fill(lang, &[&scopes_text(scopes(*granted), lang)])
        }
        TimelineEvent::ConsentDenied { .. } => text(Text::EvConsentDenied),
        TimelineEvent::ScopesChanged { scopes: changed } => {
            Text::EvScopesChanged.fill(lang, &[&scopes_text(scopes(*changed), lang)])
        }
        TimelineEvent::SharingPaused {} => text(Text::EvSharingPaused),
        TimelineEvent::SharingResumed {} => text(Text::EvSharingResumed),
        TimelineEvent::ConsentRevoked {} => text(Text::EvConsentRevoked),
        TimelineEvent::ControlRequested {} => text(Text::EvControlRequested),
        TimelineEvent::ControlDeclined {} => text(Text::EvControlDeclined),
        TimelineEvent::ControlGranted {} => text(Text::EvControlGranted),
        TimelineEvent::ControlRevoked {} => text(Text::EvControlRevoked),
        TimelineEvent::ControlTakenBack {} => text(Text::EvControlTakenBack),
        TimelineEvent::GuidanceOnlyOn { .. } => text(Text::EvGuidanceOnlyOn),
        TimelineEvent::GuidanceOnlyOff { .. } => text(Text::EvGuidanceOnlyOff),
        TimelineEvent::MonitorRequested { index } => {
            Text::EvMonitorRequested.fill(lang, &[&(u64::from(*index) + 1).to_string()])
        }
        TimelineEvent::MonitorAnswered { index, accepted } => {
            let key = if *accepted { Text::EvMonitorAccepted } else { Text::EvMonitorDeclined };
            key.fill(lang, &[&(u64::from(*index) + 1).to_string()])
        }
        TimelineEvent::ClipboardShared { chars, .. } => Text::EvClipboardShared.fill(lang, &[&chars.to_string()]),
        TimelineEvent::ControlInputCounted { count, .. } => {
            Text::EvControlInputCounted.fill(lang, &[&count.to_string()])
        }
        TimelineEvent::Chat { text: line, .. } => Text::EvChat.fill(lang, &[line]),
        TimelineEvent::Disconnected {} => text(Text::EvDisconnected),
        TimelineEvent::LinkPath { path: crate::protocol::LinkPath::Direct } => text(Text::EvLinkDirect),
        TimelineEvent::LinkPath { path: crate::protocol::LinkPath::Relayed } => text(Text::EvLinkRelayed),
        TimelineEvent::SessionHeld { .. } => text(Text::EvSessionHeld),
        TimelineEvent::SessionUnheld {} => text(Text::EvSessionUnheld),
        TimelineEvent::Reconnected { gap_ms } => {
            let seconds = format!("{:.1}", *gap_ms as f64 / 1_000.0);
            Text::EvReconnected.fill(lang, &[&seconds])
        }
        TimelineEvent::ArrowDrawn(arrow) => match arrow.label.trim() {
            "" => text(Text::EvArrowDrawn),
            label => Text::EvArrowDrawnLabel.fill(lang, &[label]),
        },
        TimelineEvent::ArrowRemoved { .. } => text(Text::EvArrowRemoved),
        TimelineEvent::ArrowsCleared {} => text(Text::EvArrowsCleared),
        TimelineEvent::StepSent { step, .. } => {
            Text::EvStepSent.fill(lang, &[&step.index.to_string(), &step.total.to_string(), &step.instruction])
        }
        TimelineEvent::StepEdited(step) => Text::EvStepEdited.fill(lang, &[&step.index.to_string(), &step.instruction]),
        TimelineEvent::StepSkipped { .. } => text(Text::EvStepSkipped),
        TimelineEvent::StepConfirmed { outcome, comment, seconds, .. } => {
            let outcome = step_outcome_text(*outcome);
            let seconds = seconds.to_string();
            match comment.trim() {
                "" => Text::EvStepConfirmed.fill(lang, &[outcome.get(lang), &seconds]),
                comment => Text::EvStepConfirmedComment.fill(lang, &[outcome.get(lang), &seconds, comment]),
            }
        }
        TimelineEvent::ScreenshotAttached { file, .. } => Text::EvScreenshot.fill(lang, &[&screenshot_name(file)]),
        TimelineEvent::RecordingSaved { duration_ms, bytes, hash_head, .. } => {
            recording_text(Text::EvRecordingSaved, *duration_ms, *bytes, hash_head, lang)
        }
        TimelineEvent::RecordingRecovered { duration_ms, bytes, hash_head, .. } => {
            recording_text(Text::EvRecordingRecovered, *duration_ms, *bytes, hash_head, lang)
        }
        TimelineEvent::RecordingDeleted { reason, hash_head, .. } => {
            let head: String = hash_head.chars().take(RECORDING_HEAD_SHOWN_CHARS).collect();
            let why = if reason == "retention" { Text::EvRecordingExpired } else { Text::EvRecordingDeleted };
            why.fill(lang, &[&head])
        }
        TimelineEvent::RecordingExported { format, redactions, file_name, hash_head, .. } => {
            let head: String = hash_head.chars().take(RECORDING_HEAD_SHOWN_CHARS).collect();
            let count = redactions.len().to_string();
            Text::EvRecordingExported.fill(lang, &[format.label(), file_name, &count, &head])
        }
        TimelineEvent::SessionEnded { reason, code, detail, .. } => {
            Text::EvSessionEnded.fill(lang, &[&stored_end_reason_text(reason, code, detail, lang)])
        }
        TimelineEvent::SurveyAnswered(answers) => {
            let answer = |answer: Answer| answer_text(answer).get(lang);
            let rating = answers.rating.to_string();
            let (solved, clear) = (answer(answers.solved), answer(answers.explanations_clear));
            match answers.comment.trim() {
                "" => Text::EvSurveyAnswered.fill(lang, &[&rating, solved, clear]),
                comment => Text::EvSurveyAnsweredComment.fill(lang, &[&rating, solved, clear, comment]),
            }
        }
        TimelineEvent::SurveyNotAnswered { reason } => match reason.as_str() {
            "skipped" => text(Text::EvSurveySkipped),
            "closed" => text(Text::EvSurveyClosed),
            _ => text(Text::EvSurveyLost),
        },
        // Written by a newer release, or damaged: its name, as stored.
        TimelineEvent::Unreadable { kind, .. } => kind.replace('_', " "),
    }
}

/// The words of a step answer ("Done", "Didn't work", "I'm stuck").
pub fn step_outcome_text(outcome: StepOutcome) -> Text {
    match outcome {
        StepOutcome::Done => Text::StepDone,
        StepOutcome::DidntWork => Text::StepDidntWork,
        StepOutcome::Stuck => Text::StepStuck,
    }
}

/// The file name of a screenshot's stored path (the timeline shows the name; "Show" opens it).
pub fn screenshot_name(path: &str) -> String {
    std::path::Path::new(path).file_name().map_or_else(|| path.to_owned(), |name| name.to_string_lossy().into_owned())
}

/// The words for a survey answer.
pub fn answer_text(answer: Answer) -> Text {
    match answer {
        Answer::Yes => Text::AnswerYes,
        Answer::Partly => Text::AnswerPartly,
        Answer::No => Text::AnswerNo,
    }
}

/// A recording's entry: length in seconds, size in MB, the start of its chain head.
fn recording_text(text: Text, duration_ms: u64, bytes: u64, hash_head: &str, lang: Lang) -> String {
    let seconds = duration_ms.div_ceil(1_000).to_string();
    let megabytes = format!("{:.1}", bytes as f64 / 1e6);
    let head: String = hash_head.chars().take(RECORDING_HEAD_SHOWN_CHARS).collect();
    text.fill(lang, &[&seconds, &megabytes, &head])
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::{ActorKind, ArrowRecord};
    use crate::protocol::{RemotePixel, Shape};

    /// An entry as the store reads it back: from its stored kind and payload.
    fn entry(kind: &str, payload: serde_json::Value) -> HistoryEntry {
        HistoryEntry {
            seq: 1,
            at_ms: 0,
            actor: "Li Wei".into(),
            actor_kind: ActorKind::Engineer,
            event: TimelineEvent::from_stored(kind, payload),
            imported: None,
        }
    }

    fn arrow(label: &str) -> serde_json::Value {
        let record = ArrowRecord {
            id: 1,
            shape: Shape::Arrow { tail: RemotePixel { x: 1, y: 2 }, head: RemotePixel { x: 30, y: 40 } },
            label: label.into(),
            color: "red".into(),
            fade_ms: 0,
        };
        serde_json::to_value(record).unwrap()
    }

    #[test]
    fn a_step_answer_carries_the_users_comment() {
        let answer = entry(
            "step_confirmed",
            json!({ "step_id": 4, "outcome": "didnt_work", "seconds": 12, "comment": "the printer still says offline" }),
        );
        assert_eq!(
            describe(&answer, Lang::En),
            "answered: Didn't work (12 s), saying “the printer still says offline”"
        );
        assert!(describe(&answer, Lang::Zh).contains("the printer still says offline"));
        let silent = entry("step_confirmed", json!({ "step_id": 4, "outcome": "done", "seconds": 3, "comment": "" }));
        assert_eq!(describe(&silent, Lang::En), "answered: Done (3 s)");
    }

    #[test]
    fn consent_asked_without_a_reason_says_so() {
        let asked = entry("consent_requested", json!({ "purpose": "  " }));
        assert_eq!(describe(&asked, Lang::En), "Asked for consent (no reason given)");
        assert_eq!(describe(&asked, Lang::Zh), "请求授权（未说明原因）");
        let with = entry("consent_requested", json!({ "purpose": "check the printer queue" }));
        assert_eq!(describe(&with, Lang::En), "Asked for consent: check the printer queue");
    }

    #[test]
    fn arrow_labels_are_set_apart_from_the_sentence() {
        let labelled = entry("arrow_drawn", arrow("Click Print"));
        assert_eq!(describe(&labelled, Lang::En), "Pointed at the user's screen: “Click Print”");
        assert_eq!(describe(&labelled, Lang::Zh), "在用户屏幕上指示：“Click Print”");
        let bare = entry("arrow_drawn", arrow(""));
        assert_eq!(describe(&bare, Lang::En), "Pointed at the user's screen");
    }

    #[test]
    fn a_changed_field_shows_old_and_new() {
        let changed = entry("field_changed", json!({ "field": "affected_version", "old": "1.2", "new": "1.3" }));
        assert_eq!(describe(&changed, Lang::En), "changed Version from “1.2” to “1.3”");
        assert!(describe(&changed, Lang::Zh).contains("“1.2”") && describe(&changed, Lang::Zh).contains("“1.3”"));
        let emptied = entry("field_changed", json!({ "field": "affected_version", "old": "1.2", "new": "" }));
        assert_eq!(describe(&emptied, Lang::En), "changed Version from “1.2” to “(empty)”");
        let long = "x".repeat(500);
        let long_change = entry("field_changed", json!({ "field": "description", "old": long, "new": "y" }));
        let line = describe(&long_change, Lang::En);
        assert!(line.contains(&format!("“{}…”", "x".repeat(MAX_QUOTED_CHARS - 1))), "long values are cut: {line}");
        let old_entry = entry("field_changed", json!({ "field": "affected_version" }));
        assert_eq!(describe(&old_entry, Lang::En), "changed Version");
    }

    #[test]
    fn a_screenshot_is_named_not_given_as_a_path() {
        let shot = entry(
            "screenshot_attached",
            json!({ "file": "/home/li/.local/share/stepwise/attachments/3/screenshot-17.png", "width": 8, "height": 6 }),
        );
        assert_eq!(describe(&shot, Lang::En), "Screenshot attached: screenshot-17.png");
    }

    #[test]
    fn a_saved_recording_says_how_long_how_big_and_its_chain_head() {
        let saved = entry(
            "recording_saved",
            json!({ "duration_ms": 61_500, "bytes": 2_500_000, "hash_head": "0123456789abcdef".repeat(4), "path": "/d/r.swrec" }),
        );
        assert_eq!(describe(&saved, Lang::En), "Session recorded: 62 s, 2.5 MB (chain head 0123456789ab…)");
        assert_eq!(describe(&saved, Lang::Zh), "已录制会话：62 秒，2.5 MB（校验链头 0123456789ab…）");
        let recovered = entry(
            "recording_recovered",
            json!({ "duration_ms": 1_000, "bytes": 100_000, "hash_head": "ff".repeat(32), "path": "/d/r.swrec" }),
        );
        assert_eq!(
            describe(&recovered, Lang::En),
            "Recording recovered after the console stopped: 1 s, 0.1 MB (chain head ffffffffffff…)"
        );
        assert_eq!(
            describe(&recovered, Lang::Zh),
            "控制台意外停止后已恢复录像：1 秒，0.1 MB（校验链头 ffffffffffff…）"
        );
    }

    #[test]
    fn a_video_export_says_its_format_file_redactions_and_source() {
        let rect = json!({ "rect": { "x": 1, "y": 2, "w": 3, "h": 4 }, "from_ms": 0, "to_ms": 10 });
        let exported = |redactions: Vec<serde_json::Value>| {
            entry(
                "recording_exported",
                json!({ "format": "mp4_h264", "redactions": redactions, "file_name": "review.mp4", "hash_head": "ab".repeat(32), "duration_ms": 3_000 }),
            )
        };
        assert_eq!(
            describe(&exported(vec![]), Lang::En),
            "Recording exported as MP4 (H.264): review.mp4 (nothing blacked out, source chain head abababababab…)"
        );
        assert_eq!(
            describe(&exported(vec![rect.clone()]), Lang::En),
            "Recording exported as MP4 (H.264): review.mp4 (1 rectangle blacked out, source chain head abababababab…)"
        );
        assert_eq!(
            describe(&exported(vec![rect.clone(), rect]), Lang::Zh),
            "录像已导出为 MP4 (H.264)：review.mp4（遮盖了 2 个矩形，源录像校验链头 abababababab…）"
        );
    }

    #[test]
    fn session_end_reasons_read_in_chinese() {
        let ended = entry("session_ended", json!({ "reason": "user_stopped", "detail": "", "by_user": true }));
        assert_eq!(describe(&ended, Lang::Zh), "会话结束：用户停止了会话");
        let broken = entry(
            "session_ended",
            json!({ "reason": "protocol_violation", "code": "asked_too_soon", "detail": "", "by_user": false }),
        );
        assert_eq!(describe(&broken, Lang::Zh), "会话结束：对方违反了会话规则：用户拒绝后不久，对方又请求授权");
    }

    #[test]
    fn the_users_own_actions_do_not_name_the_user_again() {
        // The actor column already says "User (says: …)"; the sentence is what they did.
        for kind in ["pairing_succeeded", "sharing_paused", "consent_revoked"] {
            let line = describe(&entry(kind, json!({})), Lang::En);
            assert!(!line.to_lowercase().contains("user"), "{kind}: {line}");
            let line = describe(&entry(kind, json!({})), Lang::Zh);
            assert!(!line.contains("用户"), "{kind}: {line}");
        }
    }

    #[test]
    fn a_row_this_build_cannot_read_is_shown_by_its_name() {
        let newer = entry("recording_exported", json!({ "bytes": 12 }));
        assert!(matches!(newer.event, TimelineEvent::Unreadable { .. }));
        assert_eq!(describe(&newer, Lang::En), "recording exported");
        let damaged = entry("status_changed", json!({ "from": "new", "to": "somewhere" }));
        assert_eq!(describe(&damaged, Lang::En), "status changed");
    }
}
