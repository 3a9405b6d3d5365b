//! Reading and writing timeline events in their stored layout.
use serde_json::json;

use super::*;
use crate::protocol::AnnotationColor;
use crate::protocol::RemotePixel;

fn arrow() -> Annotation {
    Annotation {
        id: 9,
        shape: Shape::Highlight { from: RemotePixel { x: 10, y: 20 }, to: RemotePixel { x: 300, y: 200 } },
        label: "Print".into(),
        color: AnnotationColor::Blue,
        fade_ms: 10_000,
    }
}

/// Rows exactly as the previous release wrote them (kind, payload).
fn rows_of_the_previous_release() -> Vec<(&'static str, serde_json::Value)> {
    vec![
        ("created", json!({ "number": "T-20261204-0001", "priority": "urgent", "category": "network" })),
        ("imported", json!({ "source": "desk.json", "importer": "李娜", "imported_at_ms": 5 })),
        ("field_changed", json!({ "field": "title", "old": "a", "new": "b" })),
        (
            "classification_changed",
            json!({ "category": ["hardware", "network"], "urgency": ["low", "high"], "impact": ["low", "high"], "priority": ["normal", "urgent"] }),
        ),
        ("status_changed", json!({ "from": "new", "to": "assigned" })),
        ("assignee_changed", json!({ "from": null, "to": "陈伟" })),
        ("escalated", json!({ "from_tier": 1, "to_tier": 2, "reason": "vendor" })),
        ("note_added", json!({ "text": "called" })),
        ("resolution_set", json!({ "text": "fixed" })),
        ("satisfaction_recorded", json!({ "rating": 5, "comment": "" })),
        ("session_started", json!({ "port": 4433 })),
        ("code_renewed", json!({ "port": 4433 })),
        ("pairing_succeeded", json!({})),
        (
            "pairing_failed",
            json!({ "reason": "wrong_code", "source": "10.0.0.7", "source_attempts": 2, "source_blocked": false, "attempts_left": 8 }),
        ),
        ("pairing_failed", json!({ "reason": "code_burned" })),
        (
            "consent_requested",
            json!({ "purpose": "printer", "suggested": { "view": true, "pointers": true, "record": false } }),
        ),
        ("consent_granted", json!({ "scopes": { "view": true, "pointers": false, "record": true } })),
        ("consent_denied", json!({ "dont_ask_again": true })),
        ("scopes_changed", json!({ "scopes": { "view": true, "pointers": true, "record": true } })),
        ("sharing_paused", json!({})),
        ("sharing_resumed", json!({})),
        ("consent_revoked", json!({})),
        ("chat", json!({ "from": "user", "id": 3, "sent_at_ms": 7, "text": "你好" })),
        ("disconnected", json!({})),
        ("reconnected", json!({ "gap_ms": 21_450 })),
        ("link_path", json!({ "path": "relayed" })),
        ("link_path", json!({ "path": "direct" })),
        ("session_held", json!({ "reason": "transcript_unavailable" })),
        ("session_unheld", json!({})),
        (
            "arrow_drawn",
            json!({ "shape": "highlight", "from": { "x": 10, "y": 20 }, "to": { "x": 300, "y": 200 }, "id": 9, "label": "Print", "color": "blue", "fade_ms": 10_000 }),
        ),
        ("arrow_removed", json!({ "id": 9 })),
        ("arrows_cleared", json!({})),
        (
            "step_sent",
            json!({ "step_id": 1, "index": 1, "total": 3, "instruction": "Open Settings", "expected": "", "annotation": null, "resent": false }),
        ),
        (
            "step_edited",
            json!({ "step_id": 1, "index": 1, "total": 3, "instruction": "Open Settings", "expected": "a window", "annotation": { "shape": "arrow", "tail": { "x": 1, "y": 2 }, "head": { "x": 3, "y": 4 }, "id": 2, "label": "", "color": "red", "fade_ms": 0 } }),
        ),
        ("step_skipped", json!({ "step_id": 1 })),
        ("step_confirmed", json!({ "step_id": 1, "outcome": "didnt_work", "comment": "no", "seconds": 12 })),
        ("screenshot_attached", json!({ "file": "/d/attachments/1/screenshot-1.png", "width": 64, "height": 48 })),
        (
            "recording_saved",
            json!({ "duration_ms": 61_000, "bytes": 4_096, "hash_head": "ab".repeat(32), "path": "/d/recordings/1.swrec" }),
        ),
        (
            "recording_recovered",
            json!({ "duration_ms": 9_000, "bytes": 512, "hash_head": "cd".repeat(32), "path": "/d/recordings/2.swrec" }),
        ),
        (
            "session_ended",
            json!({ "reason": "protocol_violation", "code": "over_limit", "detail": "", "by_user": true }),
        ),
    ]
}

#[test]
fn every_row_of_the_previous_release_reads_typed_and_writes_back_identically() {
    for (kind, payload) in rows_of_the_previous_release() {
        let event = TimelineEvent::from_stored(kind, payload.clone());
        assert!(!matches!(event, TimelineEvent::Unreadable { .. }), "{kind} {payload} did not read");
        assert_eq!(event.to_stored(), (kind.to_owned(), payload), "{kind}");
    }
}

#[test]
fn the_transcript_writes_what_the_previous_release_wrote() {
    let drawn = TimelineEvent::ArrowDrawn(ArrowRecord::from(&arrow()));
    let expected = rows_of_the_previous_release().into_iter().find(|(kind, _)| *kind == "arrow_drawn").unwrap();
    assert_eq!(drawn.to_stored(), (expected.0.to_owned(), expected.1));
}

#[test]
fn rows_this_build_cannot_read_are_kept_as_they_are() {
    for (kind, payload) in [
        ("recording_saved", json!({ "bytes": 12 })),
        ("status_changed", json!({ "from": "new", "to": "on_the_moon" })),
        ("chat", json!("not json")),
    ] {
        let event = TimelineEvent::from_stored(kind, payload.clone());
        assert!(matches!(event, TimelineEvent::Unreadable { .. }), "{kind}");
        assert_eq!(event.to_stored(), (kind.to_owned(), payload), "written back untouched");
    }
}

#[test]
fn entries_export_in_the_stored_layout() {
    let entry = HistoryEntry {
        seq: 4,
        at_ms: 9,
        actor: "王丽".into(),
        actor_kind: ActorKind::User,
        event: TimelineEvent::SharingPaused {},
        imported: None,
    };
    let exported = serde_json::to_value(&entry).unwrap();
    assert_eq!(
        exported,
        json!({ "seq": 4, "at_ms": 9, "actor": "王丽", "actor_kind": "user", "kind": "sharing_paused", "payload": {} })
    );
    assert_eq!(serde_json::from_value::<HistoryEntry>(exported).unwrap(), entry);
    // Exports from before actor kinds: the event says whose it was.
    let old = json!({ "seq": 1, "at_ms": 0, "actor": "x", "kind": "consent_revoked", "payload": {} });
    assert_eq!(serde_json::from_value::<HistoryEntry>(old).unwrap().actor_kind, ActorKind::User);
}

#[test]
fn a_video_export_is_stored_with_its_redactions_and_source_head() {
    let payload = json!({
        "format": "webm_vp9",
        "redactions": [{ "rect": { "x": 10, "y": 20, "w": 30, "h": 40 }, "from_ms": 1_000, "to_ms": 2_500 }],
        "file_name": "T-1-session-3.webm",
        "hash_head": "ef".repeat(32),
        "duration_ms": 61_000,
    });
    let event = TimelineEvent::from_stored("recording_exported", payload.clone());
    let TimelineEvent::RecordingExported { format, redactions, .. } = &event else {
        panic!("did not read: {event:?}");
    };
    assert_eq!(*format, crate::model::VideoFormat::WebmVp9);
    assert_eq!(redactions[0].rect.w, 30);
    assert_eq!(event.to_stored(), ("recording_exported".to_owned(), payload));
    assert_eq!(event.default_actor_kind(), ActorKind::Engineer);
}
