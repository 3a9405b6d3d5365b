//! The store thread: transcript ordering under locks, recovery, commands.
use std::time::Duration;

use super::*;
use crate::model::{Category, Grade, NewTicket, TicketFields};
use crate::ui::SessionNotice;

/// Events until (and including) the first one `last` accepts; fails after 20 s of silence.
#[test]
fn entries_held_back_by_a_lock_are_written_in_order_once_it_is_released() {
    let dir = tempfile::tempdir().unwrap();
    let (worker, events, ticket_id) = worker_with_ticket(dir.path(), crate::model::now_ms);

    // Another program holds the write lock past the busy timeout.
    let competitor = rusqlite::Connection::open(dir.path().join(crate::store::DATABASE_FILE)).unwrap();
    competitor.execute_batch("BEGIN IMMEDIATE").unwrap();
    worker.send(StoreRequest::Session { ticket_id, event: TransportEvent::Paired });
    let failed = events_until(&events, |event| matches!(event, UiEvent::TranscriptWriteFailed { .. }));
    assert!(!failed.iter().any(|event| matches!(event, UiEvent::HistoryAppended { .. })));
    // Later entries queue behind the unwritten one, unshown.
    let chat = SessionEvent::Chat { from: crate::protocol::Role::User, id: 1, at_ms: 0, text: "hello".into() };
    worker.send(StoreRequest::Session { ticket_id, event: TransportEvent::Session(chat) });
    worker.send(listed(7));
    let queued = events_until(&events, |event| matches!(event, UiEvent::PageLoaded { generation: 7, .. }));
    assert!(!queued.iter().any(|event| matches!(event, UiEvent::HistoryAppended { .. } | UiEvent::Session { .. })));
    competitor.execute_batch("ROLLBACK").unwrap();

    let recovered = events_until(&events, |event| matches!(event, UiEvent::TranscriptRecovered { .. }));
    let order: Vec<String> = recovered
        .iter()
        .filter_map(|event| match event {
            UiEvent::HistoryAppended { entry, .. } => Some(entry.event.kind()),
            UiEvent::Session { notice: SessionNotice::Paired, .. } => Some("notice:paired".into()),
            UiEvent::Session { notice: SessionNotice::Event(SessionEvent::Chat { .. }), .. } => {
                Some("notice:chat".into())
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        order,
        ["pairing_succeeded", "notice:paired", "chat", "notice:chat"],
        "written in order, each shown only once it is written"
    );
}

/// A store thread on `dir` with one ticket created: (worker, its events, the ticket id).
fn worker_with_ticket(dir: &Path, clock: fn() -> i64) -> (StoreWorker, Receiver<UiEvent>, TicketId) {
    let (sender, events) = channel();
    let worker = StoreWorker::spawn(dir.to_path_buf(), sender, Arc::new(|| {}), clock);
    events_until(&events, |event| matches!(event, UiEvent::StoreOpened(_)));
    let new = NewTicket {
        fields: TicketFields {
            title: "VPN".into(),
            requester_name: "王丽".into(),
            description: "fails".into(),
            ..TicketFields::default()
        },
        category: Category::Network,
        urgency: Grade::High,
        impact: Grade::High,
        reported_at_ms: None,
    };
    worker.send(StoreRequest::Command(StoreCommand::CreateTicket(new)));
    let created = events_until(&events, |event| matches!(event, UiEvent::TicketLoaded { .. }));
    let Some(UiEvent::TicketLoaded { detail, .. }) = created.last() else { unreachable!() };
    let ticket_id = detail.ticket.id;
    (worker, events, ticket_id)
}

fn events_until(events: &Receiver<UiEvent>, last: impl Fn(&UiEvent) -> bool) -> Vec<UiEvent> {
    let mut seen = Vec::new();
    loop {
        let event = events.recv_timeout(Duration::from_secs(20)).expect("the store thread went quiet");
        let done = last(&event);
        seen.push(event);
        if done {
            return seen;
        }
    }
}

fn listed(generation: u64) -> StoreRequest {
    StoreRequest::Command(StoreCommand::QueryTickets { filter: TicketFilter::default(), generation })
}

#[cfg(unix)]
#[test]
fn screenshots_are_private_and_old_attachments_are_tightened() {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let old_dir = dir.path().join(ATTACHMENTS_DIR).join("1");
    std::fs::create_dir_all(&old_dir).unwrap();
    std::fs::write(old_dir.join("old.png"), b"png").unwrap();
    for folder in [dir.path().join(ATTACHMENTS_DIR), old_dir.clone()] {
        std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::set_permissions(old_dir.join("old.png"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let (sender, events) = channel();
    let worker = StoreWorker::spawn(dir.path().to_path_buf(), sender, Arc::new(|| {}), || 1_795_000_000_000);
    events_until(&events, |event| matches!(event, UiEvent::StoreOpened(_)));
    assert_eq!((mode(&dir.path().join(ATTACHMENTS_DIR)), mode(&old_dir)), (0o700, 0o700));
    assert_eq!(mode(&old_dir.join("old.png")), 0o600);

    worker.send(StoreRequest::AttachScreenshot { ticket_id: TicketId(7), width: 2, height: 2, rgba: vec![255; 16] });
    events_until(&events, |event| matches!(event, UiEvent::TranscriptWriteFailed { .. }));
    let new_dir = dir.path().join(ATTACHMENTS_DIR).join("7");
    let shot = new_dir.join("screenshot-1795000000000.png");
    assert_eq!((mode(&new_dir), mode(&shot)), (0o700, 0o600));
    assert_eq!(image::open(&shot).unwrap().width(), 2, "a readable PNG");
}

#[test]
fn an_unwritten_transcript_entry_is_reported_and_never_shown_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let (worker, events, ticket_id) = worker_with_ticket(dir.path(), || 1_795_000_000_000);

    // Written: first the timeline entry, then the panel's notice.
    worker.send(StoreRequest::Session { ticket_id, event: TransportEvent::Paired });
    worker.send(listed(1));
    let written = events_until(&events, |event| matches!(event, UiEvent::PageLoaded { generation: 1, .. }));
    assert!(matches!(
        &written[..2],
        [UiEvent::HistoryAppended { entry, .. }, UiEvent::Session { notice: SessionNotice::Paired, .. }]
            if entry.event == TimelineEvent::PairingSucceeded {}
    ));

    // Cannot be written (no such ticket): a distinct event, no timeline entry, and the panel
    // does not hear of the pairing; a revocation still reaches it (it only narrows).
    worker.send(StoreRequest::Session { ticket_id: TicketId(ticket_id.0 + 1000), event: TransportEvent::Paired });
    let revoked = TransportEvent::Session(SessionEvent::ConsentRevoked);
    worker.send(StoreRequest::Session { ticket_id: TicketId(ticket_id.0 + 1000), event: revoked });
    worker.send(listed(2));
    let failed = events_until(&events, |event| matches!(event, UiEvent::PageLoaded { generation: 2, .. }));
    let kinds: Vec<&str> = failed
        .iter()
        .filter_map(|event| match event {
            UiEvent::TranscriptWriteFailed { ticket_id: failed_id, kind, reason } => {
                assert_eq!(*failed_id, TicketId(ticket_id.0 + 1000));
                assert!(reason.contains("does not exist"), "{reason}");
                Some(kind.as_str())
            }
            _ => None,
        })
        .collect();
    // The revocation queues behind the unwritten pairing (order stays true) and is not
    // reported as a second failure.
    assert_eq!(kinds, ["pairing_succeeded"]);
    assert!(!failed.iter().any(|event| matches!(event, UiEvent::HistoryAppended { .. })));
    let notices: Vec<&SessionNotice> = failed
        .iter()
        .filter_map(|event| match event {
            UiEvent::Session { notice, .. } => Some(notice),
            _ => None,
        })
        .collect();
    assert!(
        matches!(notices[..], [SessionNotice::Event(SessionEvent::ConsentRevoked)]),
        "only the revocation is shown: {notices:?}"
    );
}

#[test]
fn a_recording_row_names_its_session_and_deleting_it_leaves_a_tombstone() {
    let dir = tempfile::tempdir().unwrap();
    let (worker, events, ticket_id) = worker_with_ticket(dir.path(), || 1_795_000_000_000);
    let notice = SessionNotice::Started {
        link: "stepwise://127.0.0.1:4000/123456789".into(),
        code: "123 456 789".into(),
        address: "127.0.0.1:4000".into(),
        expires_at_ms: 1_795_000_600_000,
        viewer: crate::ui::viewer::FrameSlot::default(),
        relay: false,
    };
    worker.send(StoreRequest::SessionStarted { ticket_id, port: 4000, notice });
    let (reply, answer) = channel();
    worker.send(StoreRequest::CurrentSession { ticket_id, reply });
    let session_id = answer.recv_timeout(Duration::from_secs(20)).unwrap().expect("the session's row");

    let file = dir.path().join("ticket-1.swrec");
    std::fs::write(&file, b"recorded").unwrap();
    let event = TimelineEvent::RecordingSaved {
        duration_ms: 1_000,
        bytes: 8,
        hash_head: "ab".repeat(32),
        path: file.display().to_string(),
    };
    worker.send(StoreRequest::Recording { ticket_id, session_id: None, event });
    let loaded = events_until(&events, |event| matches!(event, UiEvent::TicketLoaded { .. }));
    let Some(UiEvent::TicketLoaded { detail, .. }) = loaded.last() else { unreachable!() };
    assert_eq!(detail.sessions.iter().map(|session| session.id).collect::<Vec<_>>(), [session_id]);
    let [recording] = detail.recordings.as_slice() else { panic!("{:?}", detail.recordings) };
    assert_eq!(recording.session_id, Some(session_id));

    worker.send(StoreRequest::Command(StoreCommand::DeleteRecording { recording_id: recording.id }));
    let loaded = events_until(&events, |event| matches!(event, UiEvent::TicketLoaded { changed: true, .. }));
    let Some(UiEvent::TicketLoaded { detail, .. }) = loaded.last() else { unreachable!() };
    assert!(detail.recordings.is_empty());
    assert!(!file.exists(), "the file is deleted");
    let tombstone = detail.history.last().unwrap();
    assert_eq!(tombstone.actor_kind, ActorKind::Engineer);
    assert!(matches!(&tombstone.event, TimelineEvent::RecordingDeleted { reason, .. } if reason == "by_hand"));
}
