//! The engineer's recording end to end over loopback QUIC, through the console's own
//! `EngineerSessions`: nothing is recorded while the record scope is missing; once the user
//! allows it the file grows; a pause is a gap; the end seals the file and sends its
//! `recording_saved` entry, whose chain head `verify` confirms.

use crate::loopback;

use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use stepwise::app::session_recording::{RECORDINGS_DIR, RecordingTarget};
use stepwise::app::sharing::SharingThread;
use stepwise::app::store_worker::StoreRequest;
use stepwise::capture::synthetic::SyntheticSource;
use stepwise::capture::{CaptureError, ScreenSource};
use stepwise::model::{TicketId, TimelineEvent};
use stepwise::protocol::{ConsentRequest, Scopes, SessionCommand, SessionEvent};
use stepwise::recording::{GapReason, RecordingReader, Verification, verify};
use stepwise::transport::{EventSink, TransportEvent, TransportSettings, join_session};

const TICKET: TicketId = TicketId(3);

/// Waits (30 s at most) for a store request `wanted` accepts.
use loopback::{loopback_sessions, runtime};

fn wait_store<T>(store: &Receiver<StoreRequest>, what: &str, wanted: impl Fn(StoreRequest) -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let request = store.recv_timeout(left).unwrap_or_else(|_| panic!("timed out waiting for {what}"));
        if let Some(found) = wanted(request) {
            return found;
        }
    }
}

fn session_event(store: &Receiver<StoreRequest>, what: &str, wanted: fn(&SessionEvent) -> bool) {
    wait_store(store, what, |request| match request {
        StoreRequest::Session { event: TransportEvent::Session(event), .. } if wanted(&event) => Some(()),
        _ => None,
    });
}

fn recordings(dir: &std::path::Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir.join(RECORDINGS_DIR))
        .map(|entries| entries.flatten().map(|entry| entry.path()).collect())
        .unwrap_or_default()
}

fn until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_engineer_records_only_under_the_record_scope_and_seals_at_the_end() {
    let runtime = runtime();
    let data_dir = tempfile::tempdir().unwrap();
    let (mut sessions, engineer) = loopback_sessions(&runtime);
    sessions.record_into(RecordingTarget { dir: data_dir.path().join(RECORDINGS_DIR), floor_bytes: 0 });
    let link = sessions.start(TICKET, "Li Wei").expect("listens on loopback");
    let slot = sessions.viewer(TICKET).unwrap().clone();
    // The user's side answers only a request it has received: its events come through here.
    let (user_events, user_inbox) = std::sync::mpsc::channel::<TransportEvent>();
    let user_events = Mutex::new(user_events);
    let user_sink: EventSink = Arc::new(move |event| {
        let _ = user_events.lock().unwrap().send(event);
    });
    let user = runtime.block_on(join_session(&link, "Zhang Min", TransportSettings::default(), user_sink)).unwrap();
    let opener = Box::new(|| -> Result<Box<dyn ScreenSource>, CaptureError> {
        Ok(Box::new(SyntheticSource::new(320, 200, 30)))
    });
    let private = Arc::new(Mutex::new(Vec::new()));
    let sharing = SharingThread::spawn(user.clone(), opener, private, Box::new(|err| panic!("{err}"))).unwrap();

    // A request before the user's hello is refused ("not now"): wait for it, as the panel does.
    session_event(&engineer, "the user's hello", |event| matches!(event, SessionEvent::PeerHello { .. }));

    // View only: the engineer sees the screen, nothing is recorded.
    let request = ConsentRequest {
        engineer_name: "Li Wei".into(),
        team: "Desk".into(),
        ticket_number: "T-3".into(),
        ticket_title: "Printer".into(),
        purpose: "Look".into(),
        suggested: Scopes { record: true, ..Scopes::default() },
    };
    assert!(sessions.command(TICKET, SessionCommand::RequestConsent(request)));
    session_event(&engineer, "request", |event| matches!(event, SessionEvent::ConsentRequested(_)));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = user_inbox.recv_timeout(left).expect("the request reaches the user");
        if matches!(event, TransportEvent::Session(SessionEvent::ConsentRequested(_))) {
            break;
        }
    }
    user.send(SessionCommand::Grant(Scopes::default()));
    session_event(&engineer, "grant", |event| matches!(event, SessionEvent::ConsentGranted(_)));
    until("frames without the record scope", || slot.lock().stats.frames >= 5);
    assert!(recordings(data_dir.path()).is_empty(), "nothing recorded before the record scope");

    // The user adds "record": the file appears and grows.
    user.send(SessionCommand::ChangeScopes(Scopes { record: true, ..Scopes::default() }));
    session_event(
        &engineer,
        "record scope",
        |event| matches!(event, SessionEvent::ScopesChanged(scopes) if scopes.record),
    );
    let from = slot.lock().stats.frames;
    until("frames under the record scope", || slot.lock().stats.frames >= from + 10);
    let [path] = recordings(data_dir.path()).try_into().expect("one recording");
    let size_recording = std::fs::metadata(&path).unwrap().len();
    assert!(size_recording > 100, "the recording holds the screen");

    // Pause: a gap; resume: recorded again; then the user removes "record" and the session ends.
    user.status().close_screen_gate();
    user.send(SessionCommand::Pause);
    session_event(&engineer, "pause", |event| *event == SessionEvent::SharingPaused);
    user.send(SessionCommand::Resume);
    session_event(&engineer, "resume", |event| *event == SessionEvent::SharingResumed);
    let from = slot.lock().stats.frames;
    until("frames after the resume", || slot.lock().stats.frames >= from + 5);
    user.send(SessionCommand::ChangeScopes(Scopes::default()));
    session_event(
        &engineer,
        "record removed",
        |event| matches!(event, SessionEvent::ScopesChanged(scopes) if !scopes.record),
    );
    let size_without_record = std::fs::metadata(&path).unwrap().len();
    let from = slot.lock().stats.frames;
    until("frames without the record scope again", || slot.lock().stats.frames >= from + 5);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), size_without_record, "nothing recorded once removed");

    drop(sharing);
    assert!(sessions.command(TICKET, SessionCommand::End));
    let saved = wait_store(&engineer, "recording_saved", |request| match request {
        StoreRequest::Recording { ticket_id: TICKET, event, .. } => Some(event),
        _ => None,
    });
    let TimelineEvent::RecordingSaved { bytes, hash_head, path: saved_path, duration_ms } = saved else {
        panic!("not a recording_saved entry: {saved:?}");
    };
    assert_eq!(PathBuf::from(saved_path), path);
    assert_eq!(bytes, std::fs::metadata(&path).unwrap().len());
    match verify(&path).unwrap() {
        Verification::Verified { hash_head: head, recovered: false, .. } => assert_eq!(head.to_string(), hash_head),
        other => panic!("expected verified, got {other:?}"),
    }
    let mut reader = RecordingReader::open(&path).unwrap();
    let reasons: Vec<GapReason> = reader.index().gaps.iter().map(|gap| gap.reason).collect();
    assert_eq!(reasons, [GapReason::PausedByUser, GapReason::ScopeWithdrawn]);
    assert!(reader.frame_at(duration_ms).unwrap().is_some(), "the last picture plays");
    let kinds: Vec<String> = reader.events().unwrap().into_iter().map(|(_, recorded)| recorded.event.kind()).collect();
    assert!(kinds.contains(&"sharing_paused".to_owned()), "{kinds:?}");
}
