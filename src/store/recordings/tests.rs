use super::*;

fn store_with_ticket() -> (Store, TicketId) {
    let mut store = Store::open_in_memory().unwrap();
    let ticket = store.create_ticket(&crate::store::samples::tests_new_ticket("Printer offline"), "Li", 1_000).unwrap();
    (store, ticket.id)
}

fn saved(path: &str) -> TimelineEvent {
    TimelineEvent::RecordingSaved { duration_ms: 61_000, bytes: 4_096, hash_head: "ab".repeat(32), path: path.into() }
}

#[test]
fn a_recording_is_stored_with_its_session_and_retention_date() {
    let (mut store, ticket) = store_with_ticket();
    let session = store.begin_session(ticket, "Li", 2_000).unwrap();
    store.set_recording_retention_days(2).unwrap();
    let (seq, row) = store.save_recording(ticket, Some(session), &saved("/d/r/1.swrec"), 5_000).unwrap();
    assert_eq!(row.session_id, Some(session));
    assert_eq!(row.status, RecordingStatus::Sealed);
    assert_eq!(row.retention_until_ms, 5_000 + 2 * DAY_MS);
    assert_eq!(store.recordings_for_ticket(ticket).unwrap(), vec![row]);
    let history = store.history(ticket).unwrap();
    let entry = history.iter().find(|entry| entry.seq == seq).unwrap();
    assert!(matches!(entry.event, TimelineEvent::RecordingSaved { .. }));
    assert_eq!(entry.actor_kind, ActorKind::System);
}

#[test]
fn a_session_of_another_ticket_is_not_linked_and_non_recordings_are_refused() {
    let (mut store, ticket) = store_with_ticket();
    let (seq_missing, row) = store.save_recording(ticket, Some(SessionId(99)), &saved("/d/r/2.swrec"), 5_000).unwrap();
    assert!(seq_missing > 0);
    assert_eq!(row.session_id, None);
    let not_a_recording = TimelineEvent::ArrowsCleared {};
    assert!(store.save_recording(ticket, None, &not_a_recording, 5_000).is_err());
    assert_eq!(store.recordings_for_ticket(ticket).unwrap().len(), 1);
}

#[test]
fn retention_setting_defaults_and_refuses_nonsense() {
    let (mut store, _) = store_with_ticket();
    assert_eq!(store.recording_retention_days().unwrap(), DEFAULT_RETENTION_DAYS);
    assert!(store.set_recording_retention_days(0).is_err());
    store.set_recording_retention_days(7).unwrap();
    assert_eq!(store.recording_retention_days().unwrap(), 7);
}

#[test]
fn deleting_leaves_a_tombstone_with_who_why_and_head() {
    let (mut store, ticket) = store_with_ticket();
    store.set_recording_retention_days(1).unwrap();
    let (_, first) = store.save_recording(ticket, None, &saved("/d/r/a.swrec"), 0).unwrap();
    let (_, second) = store.save_recording(ticket, None, &saved("/d/r/b.swrec"), DAY_MS).unwrap();
    let expired = store.expired_recordings(DAY_MS + 1).unwrap();
    assert_eq!(expired, vec![first.clone()]);
    let (of_ticket, seq, event) =
        store.delete_recording(first.id, (ActorKind::System, "system"), DeleteReason::Retention, DAY_MS + 1).unwrap();
    assert_eq!(of_ticket, ticket);
    assert_eq!(
        event,
        TimelineEvent::RecordingDeleted { reason: "retention".into(), hash_head: "ab".repeat(32), path: first.path }
    );
    let history = store.history(ticket).unwrap();
    assert_eq!(history.iter().find(|entry| entry.seq == seq).unwrap().actor_kind, ActorKind::System);
    store.delete_recording(second.id, (ActorKind::Engineer, "Li"), DeleteReason::ByHand, DAY_MS + 2).unwrap();
    assert!(store.recordings_for_ticket(ticket).unwrap().is_empty());
    assert!(store.delete_recording(second.id, (ActorKind::Engineer, "Li"), DeleteReason::ByHand, 0).is_err());
}

#[test]
fn team_recording_files_are_remembered_until_forgotten() {
    let (mut store, _) = store_with_ticket();
    store.keep_team_recording_file("/d/r/team-a.swrec", DAY_MS).unwrap();
    store.keep_team_recording_file("/d/r/team-b.swrec", 3 * DAY_MS).unwrap();
    store.keep_team_recording_file("/d/r/team-b.swrec", 2 * DAY_MS).unwrap();
    assert!(store.expired_team_recording_files(DAY_MS).unwrap().is_empty(), "not before its date");
    assert_eq!(store.expired_team_recording_files(DAY_MS + 1).unwrap(), ["/d/r/team-a.swrec"]);
    assert_eq!(store.expired_team_recording_files(2 * DAY_MS + 1).unwrap().len(), 2, "the later date was replaced");
    store.forget_team_recording_file("/d/r/team-a.swrec").unwrap();
    assert_eq!(store.expired_team_recording_files(i64::MAX).unwrap(), ["/d/r/team-b.swrec"]);
}
