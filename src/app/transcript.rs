//! The session transcript: which link events go into a ticket's timeline, under which names, with
//! which payload. The engineer side writes each one (durably) before the UI shows it.

use crate::model::ActorKind::{self, Engineer, System, User};
use crate::model::{ChatAuthor, HoldCause, PairingFailure, StepRecord, TimelineEvent};
use crate::protocol::{EndReason, HoldReason, Role, SessionEvent, SessionMode};
use crate::transport::TransportEvent;
use crate::ui::SessionNotice;

/// One timeline entry to write.
#[derive(Clone, Debug, PartialEq)]
pub struct TranscriptEntry {
    /// What happened.
    pub event: TimelineEvent,
    /// Who did it: the engineer, the user (named by their own claim) or the link itself.
    pub actor: ActorKind,
}

fn entry(event: TimelineEvent, actor: ActorKind) -> Option<TranscriptEntry> {
    Some(TranscriptEntry { event, actor })
}

fn pairing_failed(reason: PairingFailure) -> TimelineEvent {
    TimelineEvent::PairingFailed {
        reason,
        source: None,
        source_attempts: None,
        source_blocked: None,
        attempts_left: None,
    }
}

/// The timeline entry for a link event, if it belongs in the transcript. Screen data, hellos,
/// refused commands and the task's end do not.
pub fn transcript_entry(event: &TransportEvent) -> Option<TranscriptEntry> {
    match event {
        TransportEvent::Paired => entry(TimelineEvent::PairingSucceeded {}, User),
        // Whoever sent a wrong code is unknown (not necessarily the user): the gate reports it.
        TransportEvent::PairingFailed(wrong) => entry(
            TimelineEvent::PairingFailed {
                reason: PairingFailure::WrongCode,
                source: Some(wrong.source.to_string()),
                source_attempts: Some(wrong.source_attempts),
                source_blocked: Some(wrong.source_blocked),
                attempts_left: Some(wrong.attempts_left),
            },
            System,
        ),
        TransportEvent::CodeBurned => entry(pairing_failed(PairingFailure::CodeBurned), System),
        TransportEvent::CodeExpired => entry(pairing_failed(PairingFailure::CodeExpired), System),
        TransportEvent::CommandRefused(_)
        | TransportEvent::RoundTrip { .. }
        | TransportEvent::Relay(_)
        | TransportEvent::Closed => None,
        TransportEvent::Path(path) => entry(TimelineEvent::LinkPath { path: *path }, System),
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
        | SessionEvent::GuidanceMode { .. }
        // The survey is stored as its own row with its timeline entry (`Store::record_survey`).
        | SessionEvent::SurveyOffered
        | SessionEvent::SurveyReplied(_)
        | SessionEvent::SurveyLost => None,
        SessionEvent::Annotation(annotation) => entry(TimelineEvent::ArrowDrawn(annotation.into()), Engineer),
        SessionEvent::AnnotationRemoved { id } => entry(TimelineEvent::ArrowRemoved { id: *id }, Engineer),
        SessionEvent::AnnotationsCleared => entry(TimelineEvent::ArrowsCleared {}, Engineer),
        SessionEvent::StepSent { card, resent } => {
            entry(TimelineEvent::StepSent { step: StepRecord::from(card), resent: *resent }, Engineer)
        }
        SessionEvent::StepEdited(card) => entry(TimelineEvent::StepEdited(card.into()), Engineer),
        SessionEvent::StepSkipped { step_id } => entry(TimelineEvent::StepSkipped { step_id: *step_id }, Engineer),
        SessionEvent::StepAnswered { step_id, outcome, comment, seconds } => entry(
            TimelineEvent::StepConfirmed {
                step_id: *step_id,
                outcome: *outcome,
                comment: comment.clone(),
                seconds: *seconds,
            },
            User,
        ),
        SessionEvent::ConsentRequested(request) => entry(
            TimelineEvent::ConsentRequested { purpose: request.purpose.clone(), suggested: request.suggested.into() },
            Engineer,
        ),
        SessionEvent::ConsentGranted(scopes) => {
            entry(TimelineEvent::ConsentGranted { scopes: (*scopes).into() }, User)
        }
        SessionEvent::ConsentDenied { dont_ask_again, .. } => {
            entry(TimelineEvent::ConsentDenied { dont_ask_again: Some(*dont_ask_again) }, User)
        }
        SessionEvent::ScopesChanged(scopes) => entry(TimelineEvent::ScopesChanged { scopes: (*scopes).into() }, User),
        SessionEvent::SharingPaused => entry(TimelineEvent::SharingPaused {}, User),
        SessionEvent::SharingResumed => entry(TimelineEvent::SharingResumed {}, User),
        SessionEvent::ConsentRevoked => entry(TimelineEvent::ConsentRevoked {}, User),
        SessionEvent::ControlRequested => entry(TimelineEvent::ControlRequested {}, Engineer),
        SessionEvent::ControlDeclined => entry(TimelineEvent::ControlDeclined {}, User),
        SessionEvent::ControlGranted => entry(TimelineEvent::ControlGranted {}, User),
        SessionEvent::ControlRevoked => entry(TimelineEvent::ControlRevoked {}, User),
        SessionEvent::ControlTakenBack => entry(TimelineEvent::ControlTakenBack {}, User),
        // The list itself is the user's machine's layout: not recorded.
        SessionEvent::MonitorsAnnounced(_) => None,
        // Stills are pictures of the screen: kept (under the record scope) by the recording.
        SessionEvent::StillRequested { .. } | SessionEvent::StillTaken { .. } => None,
        SessionEvent::ModeChanged { mode, by } => {
            let author = chat_author(*by);
            let actor = if *by == Role::User { User } else { Engineer };
            match mode {
                SessionMode::GuidanceOnly => entry(TimelineEvent::GuidanceOnlyOn { by: author }, actor),
                SessionMode::Live => entry(TimelineEvent::GuidanceOnlyOff { by: author }, actor),
            }
        }
        SessionEvent::MonitorSwitchRequested { index } => {
            entry(TimelineEvent::MonitorRequested { index: *index }, Engineer)
        }
        SessionEvent::MonitorSwitchAnswered { index, accepted } => {
            entry(TimelineEvent::MonitorAnswered { index: *index, accepted: *accepted }, User)
        }
        SessionEvent::ClipboardShared { from, chars } => entry(
            TimelineEvent::ClipboardShared { from: chat_author(*from), chars: *chars },
            if *from == Role::User { User } else { Engineer },
        ),
        // The text itself is never recorded.
        SessionEvent::ClipboardReceived { .. } => None,
        // The transport consumes it (the combined path is recorded as `LinkPath`).
        SessionEvent::PeerPath(_) | SessionEvent::PeerCandidates(_) => None,
        SessionEvent::ControlInputCounted { minute_start_ms, count } => entry(
            TimelineEvent::ControlInputCounted { minute_start_ms: *minute_start_ms, count: *count },
            Engineer,
        ),
        SessionEvent::Chat { from, id, at_ms, text } => entry(
            TimelineEvent::Chat {
                from: chat_author(*from),
                id: Some(*id),
                sent_at_ms: Some(*at_ms),
                text: text.clone(),
            },
            if *from == Role::User { User } else { Engineer },
        ),
        SessionEvent::Disconnected => entry(TimelineEvent::Disconnected {}, System),
        SessionEvent::Held(reason) => entry(TimelineEvent::SessionHeld { reason: hold_cause(*reason) }, System),
        SessionEvent::Unheld => entry(TimelineEvent::SessionUnheld {}, System),
        SessionEvent::Reconnected { gap_ms } => entry(TimelineEvent::Reconnected { gap_ms: *gap_ms }, System),
        SessionEvent::Ended { reason, by_peer } => {
            // A broken rule is stored as its code (translated when shown) and the technical detail.
            let (code, detail) = match reason {
                EndReason::ProtocolViolation(why) => (why.code.as_str(), why.detail.clone().unwrap_or_default()),
                EndReason::IncompatibleVersion { peer } => ("", format!("peer version {peer}")),
                _ => ("", String::new()),
            };
            let actor = match reason {
                _ if *by_peer => User,
                EndReason::EngineerEnded => Engineer,
                _ => System,
            };
            let ended = TimelineEvent::SessionEnded {
                reason: reason.as_str().to_owned(),
                code: code.to_owned(),
                detail,
                by_user: *by_peer,
            };
            entry(ended, actor)
        }
    }
}

/// Who wrote a chat line, as recorded.
fn chat_author(role: Role) -> ChatAuthor {
    match role {
        Role::Engineer => ChatAuthor::Engineer,
        Role::User => ChatAuthor::User,
    }
}

/// Why a session was held, as recorded.
fn hold_cause(reason: HoldReason) -> HoldCause {
    match reason {
        HoldReason::TranscriptUnavailable => HoldCause::TranscriptUnavailable,
    }
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
        TransportEvent::Path(path) => SessionNotice::Path(path),
        TransportEvent::RoundTrip { rtt_ms } => SessionNotice::RoundTrip { rtt_ms },
        TransportEvent::Session(event) => SessionNotice::Event(event),
        TransportEvent::CommandRefused(why) => SessionNotice::Refused(why),
        TransportEvent::Relay(crate::transport::RelayOutcome::Ready(link)) => SessionNotice::RelayReady {
            users_can_allocate: link
                .relay
                .as_ref()
                .is_some_and(|relay| matches!(relay.user, crate::protocol::UserRelay::Allocate(_))),
            link: link.to_link(),
        },
        TransportEvent::Relay(crate::transport::RelayOutcome::Unavailable(err)) => {
            SessionNotice::RelayUnavailable(super::relay_test::relay_problem(&err))
        }
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
    use crate::protocol::Scopes;

    /// The stored form of an entry: its kind and payload, as written to the database.
    fn stored(entry: &TranscriptEntry) -> (String, serde_json::Value) {
        entry.event.to_stored()
    }

    #[test]
    fn names_follow_the_transcript_vocabulary() {
        let scopes = Scopes { view: true, pointers: false, record: false, control: false };
        let granted = transcript_entry(&TransportEvent::Session(SessionEvent::ConsentGranted(scopes))).unwrap();
        let (kind, payload) = stored(&granted);
        assert_eq!(kind, "consent_granted");
        assert_eq!(payload["scopes"]["pointers"], false);
        assert_eq!(granted.actor, ActorKind::User);
        let ended = transcript_entry(&TransportEvent::Session(SessionEvent::Ended {
            reason: EndReason::ReconnectWindowExpired,
            by_peer: false,
        }))
        .unwrap();
        let (kind, payload) = stored(&ended);
        assert_eq!((kind.as_str(), payload["reason"].as_str()), ("session_ended", Some("reconnect_window_expired")));
        let burned = transcript_entry(&TransportEvent::CodeBurned).unwrap();
        let (kind, payload) = stored(&burned);
        assert_eq!((kind.as_str(), payload["reason"].as_str()), ("pairing_failed", Some("code_burned")));
    }

    #[test]
    fn control_is_recorded_by_name_and_input_only_as_a_count() {
        let kind = |event: SessionEvent| stored(&transcript_entry(&TransportEvent::Session(event)).unwrap());
        assert_eq!(kind(SessionEvent::ControlGranted).0, "control_granted");
        assert_eq!(kind(SessionEvent::ControlRevoked).0, "control_revoked");
        assert_eq!(kind(SessionEvent::ControlTakenBack).0, "control_taken_back");
        let (name, payload) = kind(SessionEvent::ControlInputCounted { minute_start_ms: 60_000, count: 42 });
        assert_eq!(name, "control_input_counted");
        assert_eq!(payload, serde_json::json!({ "minute_start_ms": 60_000, "count": 42 }), "a count, never keys");
    }

    #[test]
    fn a_monitor_switch_is_recorded_with_its_answer_and_the_list_is_not() {
        let entry = |event: SessionEvent| transcript_entry(&TransportEvent::Session(event));
        let asked = entry(SessionEvent::MonitorSwitchRequested { index: 1 }).unwrap();
        assert_eq!(stored(&asked), ("monitor_requested".into(), serde_json::json!({ "index": 1 })));
        assert_eq!(asked.actor, ActorKind::Engineer);
        let answered = entry(SessionEvent::MonitorSwitchAnswered { index: 1, accepted: true }).unwrap();
        assert_eq!(stored(&answered), ("monitor_answered".into(), serde_json::json!({ "index": 1, "accepted": true })));
        assert_eq!(answered.actor, ActorKind::User);
        assert_eq!(answered.event.default_actor_kind(), ActorKind::User);
        let list = crate::protocol::MonitorList {
            monitors: vec![crate::protocol::MonitorInfo { name: "HDMI-1".into(), x: 0, y: 0, width: 800, height: 600 }],
            shared: 0,
        };
        assert!(entry(SessionEvent::MonitorsAnnounced(list)).is_none());
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
            (TransportEvent::Session(SessionEvent::ControlGranted), User),
            (TransportEvent::Session(SessionEvent::ControlRevoked), User),
            (TransportEvent::Session(SessionEvent::ControlTakenBack), User),
            (TransportEvent::Session(SessionEvent::ControlRequested), Engineer),
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
            // What a row written without an actor kind is given when read back.
            let (kind, payload) = stored(&entry);
            assert_eq!(TimelineEvent::from_stored(&kind, payload).default_actor_kind(), actor, "{event:?}");
        }
    }

    #[test]
    fn a_cut_is_a_gap_from_disconnected_to_reconnected() {
        let lost = transcript_entry(&TransportEvent::Session(SessionEvent::Disconnected)).unwrap();
        assert_eq!((stored(&lost).0.as_str(), lost.actor), ("disconnected", System));
        let back = transcript_entry(&TransportEvent::Session(SessionEvent::Reconnected { gap_ms: 21_450 })).unwrap();
        let (kind, payload) = stored(&back);
        assert_eq!((kind.as_str(), payload["gap_ms"].as_i64()), ("reconnected", Some(21_450)));
    }

    #[test]
    fn a_broken_rule_is_stored_as_its_code_and_reads_in_chinese() {
        use crate::protocol::{Violation, ViolationCode};
        let why = Violation::with_detail(ViolationCode::OverLimit, "the peer kept sending chat lines too fast");
        let ended = SessionEvent::Ended { reason: EndReason::ProtocolViolation(why), by_peer: true };
        let entry = session_entry(&ended).expect("an end is transcript");
        let (_, payload) = stored(&entry);
        assert_eq!(payload["reason"], "protocol_violation");
        assert_eq!(payload["code"], "over_limit");
        assert_eq!(payload["detail"], "the peer kept sending chat lines too fast");
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
