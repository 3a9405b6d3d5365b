//! The session transcript: which link events go into a ticket's timeline, under which names, with
//! which payload. The engineer side writes each one (durably) before the UI shows it.

use serde_json::{Value, json};

use crate::protocol::{Role, Scopes, SessionEvent};
use crate::store::ActorKind;
use crate::store::ActorKind::{Engineer, System, User};
use crate::store::event_kind as kind;
use crate::transport::TransportEvent;
use crate::ui::SessionNotice;

/// One timeline entry to write.
#[derive(Clone, Debug, PartialEq)]
pub struct TranscriptEntry {
    /// Event name (see [`crate::store::event_kind`]).
    pub kind: &'static str,
    /// JSON payload.
    pub payload: Value,
    /// Who did it: the engineer, the user (named by their own claim) or the link itself.
    pub actor: ActorKind,
}

fn entry(kind: &'static str, payload: Value, actor: ActorKind) -> Option<TranscriptEntry> {
    Some(TranscriptEntry { kind, payload, actor })
}

/// JSON for scopes, with stable names.
pub fn scopes_json(scopes: Scopes) -> Value {
    json!({ "view": scopes.view, "pointers": scopes.pointers, "record": scopes.record })
}

/// The timeline entry for a link event, if it belongs in the transcript. Screen data, hellos,
/// refused commands and the task's end do not.
pub fn transcript_entry(event: &TransportEvent) -> Option<TranscriptEntry> {
    match event {
        TransportEvent::Paired => entry(kind::PAIRING_SUCCEEDED, json!({}), User),
        // Whoever sent a wrong code is unknown (not necessarily the user): the gate reports it.
        TransportEvent::PairingFailed(wrong) => entry(
            kind::PAIRING_FAILED,
            json!({
                "reason": "wrong_code", "source": wrong.source.to_string(),
                "source_attempts": wrong.source_attempts, "source_blocked": wrong.source_blocked,
                "attempts_left": wrong.attempts_left,
            }),
            System,
        ),
        TransportEvent::CodeBurned => entry(kind::PAIRING_FAILED, json!({ "reason": "code_burned" }), System),
        TransportEvent::CodeExpired => entry(kind::PAIRING_FAILED, json!({ "reason": "code_expired" }), System),
        TransportEvent::CommandRefused(_) | TransportEvent::Closed => None,
        TransportEvent::Session(event) => session_entry(event),
    }
}

fn session_entry(event: &SessionEvent) -> Option<TranscriptEntry> {
    match event {
        SessionEvent::PeerHello { .. }
        | SessionEvent::KeyframeRequested
        | SessionEvent::CursorMoved { .. }
        | SessionEvent::ScreenAnnounced { .. }
        // The engineer's side records the screenshot once the file is saved (`screenshot_attached`).
        | SessionEvent::ScreenshotTaken { .. }
        | SessionEvent::GuidanceMode { .. } => None,
        SessionEvent::Annotation(annotation) => entry(kind::ARROW_DRAWN, annotation_json(annotation), Engineer),
        SessionEvent::AnnotationRemoved { id } => entry(kind::ARROW_REMOVED, json!({ "id": id }), Engineer),
        SessionEvent::AnnotationsCleared => entry(kind::ARROWS_CLEARED, json!({}), Engineer),
        SessionEvent::StepSent { card, resent } => {
            let mut payload = step_json(card);
            payload["resent"] = json!(resent);
            entry(kind::STEP_SENT, payload, Engineer)
        }
        SessionEvent::StepEdited(card) => entry(kind::STEP_EDITED, step_json(card), Engineer),
        SessionEvent::StepSkipped { step_id } => entry(kind::STEP_SKIPPED, json!({ "step_id": step_id }), Engineer),
        SessionEvent::StepAnswered { step_id, outcome, comment, seconds } => entry(
            kind::STEP_CONFIRMED,
            json!({ "step_id": step_id, "outcome": outcome.as_str(), "comment": comment, "seconds": seconds }),
            User,
        ),
        SessionEvent::ConsentRequested(request) => entry(
            kind::CONSENT_REQUESTED,
            json!({ "purpose": request.purpose, "suggested": scopes_json(request.suggested) }),
            Engineer,
        ),
        SessionEvent::ConsentGranted(scopes) => {
            entry(kind::CONSENT_GRANTED, json!({ "scopes": scopes_json(*scopes) }), User)
        }
        SessionEvent::ConsentDenied { dont_ask_again, .. } => {
            entry(kind::CONSENT_DENIED, json!({ "dont_ask_again": dont_ask_again }), User)
        }
        SessionEvent::ScopesChanged(scopes) => {
            entry(kind::SCOPES_CHANGED, json!({ "scopes": scopes_json(*scopes) }), User)
        }
        SessionEvent::SharingPaused => entry(kind::SHARING_PAUSED, json!({}), User),
        SessionEvent::SharingResumed => entry(kind::SHARING_RESUMED, json!({}), User),
        SessionEvent::ConsentRevoked => entry(kind::CONSENT_REVOKED, json!({}), User),
        SessionEvent::Chat { from, id, at_ms, text } => entry(
            kind::CHAT,
            json!({ "from": role_name(*from), "id": id, "sent_at_ms": at_ms, "text": text }),
            if *from == Role::User { User } else { Engineer },
        ),
        SessionEvent::Disconnected => entry(kind::DISCONNECTED, json!({}), System),
        SessionEvent::Held(reason) => entry(kind::SESSION_HELD, json!({ "reason": hold_reason_code(*reason) }), System),
        SessionEvent::Unheld => entry(kind::SESSION_UNHELD, json!({}), System),
        SessionEvent::Reconnected { gap_ms } => entry(kind::RECONNECTED, json!({ "gap_ms": gap_ms }), System),
        SessionEvent::Ended { reason, by_peer } => {
            // A broken rule is stored as its code (translated when shown) and the technical detail.
            let (code, detail) = match reason {
                crate::protocol::EndReason::ProtocolViolation(why) => {
                    (why.code.as_str(), why.detail.clone().unwrap_or_default())
                }
                crate::protocol::EndReason::IncompatibleVersion { peer } => ("", format!("peer version {peer}")),
                _ => ("", String::new()),
            };
            let actor = match reason {
                _ if *by_peer => User,
                crate::protocol::EndReason::EngineerEnded => Engineer,
                _ => System,
            };
            entry(
                kind::SESSION_ENDED,
                json!({ "reason": reason.as_str(), "code": code, "detail": detail, "by_user": by_peer }),
                actor,
            )
        }
    }
}

/// The stable code of a hold reason, for transcripts.
fn hold_reason_code(reason: crate::protocol::HoldReason) -> &'static str {
    match reason {
        crate::protocol::HoldReason::TranscriptUnavailable => "transcript_unavailable",
    }
}

/// JSON for an annotation: shape and remote-pixel coordinates, label, colour.
pub fn annotation_json(annotation: &crate::protocol::Annotation) -> Value {
    use crate::protocol::Shape;
    let mut value = match annotation.shape {
        Shape::Arrow { tail, head } => json!({
            "shape": "arrow", "tail": { "x": tail.x, "y": tail.y }, "head": { "x": head.x, "y": head.y },
        }),
        Shape::Highlight { from, to } => json!({
            "shape": "highlight", "from": { "x": from.x, "y": from.y }, "to": { "x": to.x, "y": to.y },
        }),
    };
    value["id"] = json!(annotation.id);
    value["label"] = json!(annotation.label);
    value["color"] = json!(annotation.color.as_str());
    value["fade_ms"] = json!(annotation.fade_ms);
    value
}

/// JSON for a step card.
pub fn step_json(card: &crate::protocol::StepCard) -> Value {
    json!({
        "step_id": card.step_id, "index": card.index, "total": card.total,
        "instruction": card.instruction, "expected": card.expected,
        "annotation": card.annotation.as_ref().map(annotation_json),
    })
}

/// What the engineer's panel is told about a link event.
pub fn session_notice(event: TransportEvent) -> SessionNotice {
    match event {
        TransportEvent::PairingFailed(wrong) => SessionNotice::PairingFailed {
            source: wrong.source.to_string(),
            source_attempts: wrong.source_attempts,
            source_blocked: wrong.source_blocked,
            attempts_left: wrong.attempts_left,
        },
        TransportEvent::CodeBurned => SessionNotice::CodeBurned,
        TransportEvent::CodeExpired => SessionNotice::CodeExpired,
        TransportEvent::Paired => SessionNotice::Paired,
        TransportEvent::Session(event) => SessionNotice::Event(event),
        TransportEvent::CommandRefused(why) => SessionNotice::Refused(why),
        TransportEvent::Closed => SessionNotice::Closed,
    }
}

/// Stable role name.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Engineer => "engineer",
        Role::User => "user",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::EndReason;

    #[test]
    fn names_follow_the_transcript_vocabulary() {
        let scopes = Scopes { view: true, pointers: false, record: false };
        let granted = transcript_entry(&TransportEvent::Session(SessionEvent::ConsentGranted(scopes))).unwrap();
        assert_eq!(granted.kind, "consent_granted");
        assert_eq!(granted.payload["scopes"]["pointers"], false);
        assert_eq!(granted.actor, ActorKind::User);
        let ended = transcript_entry(&TransportEvent::Session(SessionEvent::Ended {
            reason: EndReason::ReconnectWindowExpired,
            by_peer: false,
        }))
        .unwrap();
        assert_eq!((ended.kind, ended.payload["reason"].as_str()), ("session_ended", Some("reconnect_window_expired")));
        let burned = transcript_entry(&TransportEvent::CodeBurned).unwrap();
        assert_eq!((burned.kind, burned.payload["reason"].as_str()), ("pairing_failed", Some("code_burned")));
    }

    #[test]
    fn actors_are_typed_and_match_what_old_rows_are_given() {
        let chat = |from| SessionEvent::Chat { from, id: 1, at_ms: 0, text: "I (engineer) confirm".into() };
        let cases = [
            (TransportEvent::Session(chat(Role::User)), User),
            (TransportEvent::Session(chat(Role::Engineer)), Engineer),
            (TransportEvent::Paired, User),
            (TransportEvent::CodeBurned, System),
            (
                TransportEvent::PairingFailed(crate::transport::WrongAttempt {
                    source: "127.0.0.2".parse().unwrap(),
                    source_attempts: 1,
                    source_blocked: false,
                    attempts_left: 9,
                }),
                System,
            ),
            (TransportEvent::Session(SessionEvent::ConsentRevoked), User),
            (TransportEvent::Session(SessionEvent::Disconnected), System),
            (TransportEvent::Session(SessionEvent::Ended { reason: EndReason::UserStopped, by_peer: true }), User),
            (
                TransportEvent::Session(SessionEvent::Ended { reason: EndReason::EngineerEnded, by_peer: false }),
                Engineer,
            ),
            (TransportEvent::Session(SessionEvent::Ended { reason: EndReason::Timeout, by_peer: false }), System),
        ];
        for (event, actor) in cases {
            let entry = transcript_entry(&event).unwrap();
            assert_eq!(entry.actor, actor, "{event:?}");
            assert_eq!(ActorKind::infer(entry.kind, &entry.payload), actor, "{event:?}");
        }
    }

    #[test]
    fn a_cut_is_a_gap_from_disconnected_to_reconnected() {
        let lost = transcript_entry(&TransportEvent::Session(SessionEvent::Disconnected)).unwrap();
        assert_eq!((lost.kind, lost.actor), ("disconnected", System));
        let back = transcript_entry(&TransportEvent::Session(SessionEvent::Reconnected { gap_ms: 21_450 })).unwrap();
        assert_eq!((back.kind, back.payload["gap_ms"].as_i64()), ("reconnected", Some(21_450)));
    }

    #[test]
    fn a_broken_rule_is_stored_as_its_code_and_reads_in_chinese() {
        use crate::protocol::{EndReason, Violation, ViolationCode};
        let why = Violation::with_detail(ViolationCode::OverLimit, "the peer kept sending chat lines too fast");
        let ended = SessionEvent::Ended { reason: EndReason::ProtocolViolation(why), by_peer: true };
        let entry = session_entry(&ended).expect("an end is transcript");
        assert_eq!(entry.payload["reason"], "protocol_violation");
        assert_eq!(entry.payload["code"], "over_limit");
        assert_eq!(entry.payload["detail"], "the peer kept sending chat lines too fast");
        let text =
            crate::ui::reasons::stored_end_reason_text("protocol_violation", "over_limit", "", crate::ui::Lang::Zh);
        assert_eq!(text, "对方违反了会话规则：对方发送的内容过多或过快");
    }

    #[test]
    fn screen_traffic_and_hellos_are_not_transcript() {
        // Screen updates never reach this point: they travel apart from the events (`FrameSink`).
        let pointer = TransportEvent::Session(SessionEvent::CursorMoved { x: 1, y: 2 });
        assert_eq!(transcript_entry(&pointer), None);
        let hello = TransportEvent::Session(SessionEvent::PeerHello { display_name: "Zhang Min".into() });
        assert_eq!(transcript_entry(&hello), None);
        assert_eq!(transcript_entry(&TransportEvent::Closed), None);
    }
}
