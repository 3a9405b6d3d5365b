//! The session transcript: which link events go into a ticket's timeline, under which names, with
//! which payload. The engineer side writes each one (durably) before the UI shows it.

use serde_json::{Value, json};

use crate::protocol::{Role, Scopes, SessionEvent};
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
    /// Whether the user (not the engineer) did it.
    pub by_user: bool,
}

fn entry(kind: &'static str, payload: Value, by_user: bool) -> Option<TranscriptEntry> {
    Some(TranscriptEntry { kind, payload, by_user })
}

/// JSON for scopes, with stable names.
pub fn scopes_json(scopes: Scopes) -> Value {
    json!({ "view": scopes.view, "pointers": scopes.pointers, "record": scopes.record })
}

/// The timeline entry for a link event, if it belongs in the transcript. Screen data, hellos,
/// refused commands and the task's end do not.
pub fn transcript_entry(event: &TransportEvent) -> Option<TranscriptEntry> {
    match event {
        TransportEvent::Paired => entry(kind::PAIRING_SUCCEEDED, json!({}), true),
        TransportEvent::PairingFailed { attempts_left } => {
            entry(kind::PAIRING_FAILED, json!({ "reason": "wrong_code", "attempts_left": attempts_left }), true)
        }
        TransportEvent::CodeBurned => entry(kind::PAIRING_FAILED, json!({ "reason": "code_burned" }), true),
        TransportEvent::CodeExpired => entry(kind::PAIRING_FAILED, json!({ "reason": "code_expired" }), false),
        TransportEvent::CommandRefused(_) | TransportEvent::Closed => None,
        TransportEvent::Session(event) => session_entry(event),
    }
}

fn session_entry(event: &SessionEvent) -> Option<TranscriptEntry> {
    match event {
        SessionEvent::PeerHello { .. }
        | SessionEvent::FrameReceived { .. }
        | SessionEvent::KeyframeRequested
        | SessionEvent::CursorMoved { .. }
        | SessionEvent::GuidanceMode { .. } => None,
        SessionEvent::Annotation(annotation) => entry(kind::ARROW_DRAWN, annotation_json(annotation), false),
        SessionEvent::AnnotationRemoved { id } => entry(kind::ARROW_REMOVED, json!({ "id": id }), false),
        SessionEvent::AnnotationsCleared => entry(kind::ARROWS_CLEARED, json!({}), false),
        SessionEvent::StepSent { card, resent } => {
            let mut payload = step_json(card);
            payload["resent"] = json!(resent);
            entry(kind::STEP_SENT, payload, false)
        }
        SessionEvent::StepEdited(card) => entry(kind::STEP_EDITED, step_json(card), false),
        SessionEvent::StepSkipped { step_id } => entry(kind::STEP_SKIPPED, json!({ "step_id": step_id }), false),
        SessionEvent::StepAnswered { step_id, outcome, comment, seconds } => entry(
            kind::STEP_CONFIRMED,
            json!({ "step_id": step_id, "outcome": outcome.as_str(), "comment": comment, "seconds": seconds }),
            true,
        ),
        SessionEvent::ConsentRequested(request) => entry(
            kind::CONSENT_REQUESTED,
            json!({ "purpose": request.purpose, "suggested": scopes_json(request.suggested) }),
            false,
        ),
        SessionEvent::ConsentGranted(scopes) => {
            entry(kind::CONSENT_GRANTED, json!({ "scopes": scopes_json(*scopes) }), true)
        }
        SessionEvent::ConsentDenied => entry(kind::CONSENT_DENIED, json!({}), true),
        SessionEvent::ScopesChanged(scopes) => {
            entry(kind::SCOPES_CHANGED, json!({ "scopes": scopes_json(*scopes) }), true)
        }
        SessionEvent::SharingPaused => entry(kind::SHARING_PAUSED, json!({}), true),
        SessionEvent::SharingResumed => entry(kind::SHARING_RESUMED, json!({}), true),
        SessionEvent::ConsentRevoked => entry(kind::CONSENT_REVOKED, json!({}), true),
        SessionEvent::Chat { from, id, at_ms, text } => entry(
            kind::CHAT,
            json!({ "from": role_name(*from), "id": id, "sent_at_ms": at_ms, "text": text }),
            *from == Role::User,
        ),
        SessionEvent::Disconnected => entry(kind::DISCONNECTED, json!({}), false),
        SessionEvent::Reconnected { gap_ms } => entry(kind::RECONNECTED, json!({ "gap_ms": gap_ms }), false),
        SessionEvent::Ended { reason, by_peer } => {
            let detail = match reason {
                crate::protocol::EndReason::ProtocolViolation(why) => why.clone(),
                crate::protocol::EndReason::IncompatibleVersion { peer } => format!("peer version {peer}"),
                _ => String::new(),
            };
            entry(
                kind::SESSION_ENDED,
                json!({ "reason": reason.as_str(), "detail": detail, "by_user": by_peer }),
                *by_peer,
            )
        }
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
        TransportEvent::PairingFailed { attempts_left } => SessionNotice::PairingFailed { attempts_left },
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
        assert!(granted.by_user);
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
    fn a_cut_is_a_gap_from_disconnected_to_reconnected() {
        let lost = transcript_entry(&TransportEvent::Session(SessionEvent::Disconnected)).unwrap();
        assert_eq!((lost.kind, lost.by_user), ("disconnected", false));
        let back = transcript_entry(&TransportEvent::Session(SessionEvent::Reconnected { gap_ms: 21_450 })).unwrap();
        assert_eq!((back.kind, back.payload["gap_ms"].as_i64()), ("reconnected", Some(21_450)));
    }

    #[test]
    fn frames_and_hellos_are_not_transcript() {
        let frame = TransportEvent::Session(SessionEvent::FrameReceived { seq: 1, data: vec![1] });
        assert_eq!(transcript_entry(&frame), None);
        assert_eq!(transcript_entry(&TransportEvent::Closed), None);
    }
}
