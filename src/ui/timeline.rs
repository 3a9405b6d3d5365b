//! Timeline entries in words: one line per entry of a ticket's history, in the language in force,
//! for the ticket's own changes and for the remote-session transcript alike. Every entry is read
//! here and nowhere else.

use crate::store::{HistoryEntry, Status, event_kind};

use super::i18n::{Lang, Text, field_text, status_text};
use super::reasons::stored_end_reason_text;
use super::session::scopes_text;
use crate::protocol::Scopes;

fn payload_str<'a>(entry: &'a HistoryEntry, key: &str) -> &'a str {
    entry.payload.get(key).and_then(|value| value.as_str()).unwrap_or("")
}

/// Longest field value quoted in a timeline line, characters.
const MAX_QUOTED_CHARS: usize = 60;

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

fn status_name(name: &str, lang: Lang) -> String {
    Status::parse(name).map_or_else(|| name.to_owned(), |status| status_text(status).get(lang).to_owned())
}

/// One line describing a timeline entry in the UI language.
pub fn describe(entry: &HistoryEntry, lang: Lang) -> String {
    let text = |t: Text| t.get(lang).to_owned();
    match entry.kind.as_str() {
        event_kind::CREATED => text(Text::EventCreated),
        event_kind::IMPORTED => text(Text::EventImported),
        event_kind::FIELD_CHANGED => {
            let field = payload_str(entry, "field");
            let label = field_text(field).map_or(field, |t| t.get(lang));
            match (entry.payload.get("old"), entry.payload.get("new")) {
                (Some(_), Some(_)) => {
                    let value = |key: &str| match short_value(payload_str(entry, key)) {
                        value if value.is_empty() => Text::Empty.get(lang).to_owned(),
                        value => value,
                    };
                    Text::EventFieldChangedFromTo.fill(lang, &[label, &value("old"), &value("new")])
                }
                // Entries written before values were kept (imports, old files).
                _ => Text::EventFieldChanged.fill(lang, &[label]),
            }
        }
        event_kind::CLASSIFICATION_CHANGED => text(Text::EventClassification),
        event_kind::STATUS_CHANGED => Text::EventStatus.fill(
            lang,
            &[&status_name(payload_str(entry, "from"), lang), &status_name(payload_str(entry, "to"), lang)],
        ),
        event_kind::ASSIGNEE_CHANGED => {
            let to = payload_str(entry, "to");
            Text::EventAssignee.fill(lang, &[if to.is_empty() { Text::Nobody.get(lang) } else { to }])
        }
        event_kind::ESCALATED => {
            let tier = entry.payload.get("to_tier").and_then(|v| v.as_i64()).unwrap_or(0).to_string();
            Text::EventEscalated.fill(lang, &[&tier, payload_str(entry, "reason")])
        }
        event_kind::NOTE_ADDED => format!("{}: {}", text(Text::EventNote), payload_str(entry, "text")),
        event_kind::RESOLUTION_SET => format!("{}: {}", text(Text::EventResolution), payload_str(entry, "text")),
        event_kind::SATISFACTION_RECORDED => {
            let rating = entry.payload.get("rating").and_then(|v| v.as_i64()).unwrap_or(0).to_string();
            Text::EventSatisfaction.fill(lang, &[&rating])
        }
        other => describe_session_event(other, entry, lang).unwrap_or_else(|| other.replace('_', " ")),
    }
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
    use serde_json::json;

    use super::*;
    use crate::store::ActorKind;

    fn entry(kind: &str, payload: serde_json::Value) -> HistoryEntry {
        HistoryEntry {
            seq: 1,
            at_ms: 0,
            actor: "Li Wei".into(),
            actor_kind: ActorKind::Engineer,
            kind: kind.into(),
            payload,
            imported: None,
        }
    }

    #[test]
    fn a_step_answer_carries_the_users_comment() {
        let answer = entry(
            event_kind::STEP_CONFIRMED,
            json!({ "outcome": "didnt_work", "seconds": 12, "comment": "the printer still says offline" }),
        );
        assert_eq!(
            describe(&answer, Lang::En),
            "answered: Didn't work (12 s), saying “the printer still says offline”"
        );
        assert!(describe(&answer, Lang::Zh).contains("the printer still says offline"));
        let silent = entry(event_kind::STEP_CONFIRMED, json!({ "outcome": "done", "seconds": 3, "comment": "" }));
        assert_eq!(describe(&silent, Lang::En), "answered: Done (3 s)");
    }

    #[test]
    fn consent_asked_without_a_reason_says_so() {
        let asked = entry(event_kind::CONSENT_REQUESTED, json!({ "purpose": "  " }));
        assert_eq!(describe(&asked, Lang::En), "Asked for consent (no reason given)");
        assert_eq!(describe(&asked, Lang::Zh), "请求授权（未说明原因）");
        let with = entry(event_kind::CONSENT_REQUESTED, json!({ "purpose": "check the printer queue" }));
        assert_eq!(describe(&with, Lang::En), "Asked for consent: check the printer queue");
    }

    #[test]
    fn arrow_labels_are_set_apart_from_the_sentence() {
        let labelled = entry(event_kind::ARROW_DRAWN, json!({ "label": "Click Print" }));
        assert_eq!(describe(&labelled, Lang::En), "Pointed at the user's screen: “Click Print”");
        assert_eq!(describe(&labelled, Lang::Zh), "在用户屏幕上指示：“Click Print”");
        let bare = entry(event_kind::ARROW_DRAWN, json!({ "label": "" }));
        assert_eq!(describe(&bare, Lang::En), "Pointed at the user's screen");
    }

    #[test]
    fn a_changed_field_shows_old_and_new() {
        let changed =
            entry(event_kind::FIELD_CHANGED, json!({ "field": "affected_version", "old": "1.2", "new": "1.3" }));
        assert_eq!(describe(&changed, Lang::En), "changed Version from “1.2” to “1.3”");
        assert!(describe(&changed, Lang::Zh).contains("“1.2”") && describe(&changed, Lang::Zh).contains("“1.3”"));
        let emptied = entry(event_kind::FIELD_CHANGED, json!({ "field": "affected_version", "old": "1.2", "new": "" }));
        assert_eq!(describe(&emptied, Lang::En), "changed Version from “1.2” to “(empty)”");
        let long = "x".repeat(500);
        let long_change = entry(event_kind::FIELD_CHANGED, json!({ "field": "description", "old": long, "new": "y" }));
        let line = describe(&long_change, Lang::En);
        assert!(line.contains(&format!("“{}…”", "x".repeat(MAX_QUOTED_CHARS - 1))), "long values are cut: {line}");
        let old_entry = entry(event_kind::FIELD_CHANGED, json!({ "field": "affected_version" }));
        assert_eq!(describe(&old_entry, Lang::En), "changed Version");
    }

    #[test]
    fn a_screenshot_is_named_not_given_as_a_path() {
        let shot = entry(
            event_kind::SCREENSHOT_ATTACHED,
            json!({ "file": "/home/li/.local/share/stepwise/attachments/3/screenshot-17.png" }),
        );
        assert_eq!(describe(&shot, Lang::En), "Screenshot attached: screenshot-17.png");
    }

    #[test]
    fn session_end_reasons_read_in_chinese() {
        let ended =
            entry(event_kind::SESSION_ENDED, json!({ "reason": "user_stopped", "detail": "", "by_user": true }));
        assert_eq!(describe(&ended, Lang::Zh), "会话结束：用户停止了会话");
        let broken = entry(
            event_kind::SESSION_ENDED,
            json!({ "reason": "protocol_violation", "code": "asked_too_soon", "detail": "", "by_user": false }),
        );
        assert_eq!(describe(&broken, Lang::Zh), "会话结束：对方违反了会话规则：用户拒绝后不久，对方又请求授权");
    }

    #[test]
    fn the_users_own_actions_do_not_name_the_user_again() {
        // The actor column already says "User (says: …)"; the sentence is what they did.
        for kind in [event_kind::PAIRING_SUCCEEDED, event_kind::SHARING_PAUSED, event_kind::CONSENT_REVOKED] {
            let line = describe(&entry(kind, json!({})), Lang::En);
            assert!(!line.to_lowercase().contains("user"), "{kind}: {line}");
            let line = describe(&entry(kind, json!({})), Lang::Zh);
            assert!(!line.contains("用户"), "{kind}: {line}");
        }
    }
}
