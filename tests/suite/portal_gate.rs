//! The Wayland source under the consent gate, over loopback QUIC, with the portal's answers
//! played by the test (a `WaylandSource` waiting on a channel, as `app/portal.rs` feeds it): the
//! system's dialog is asked for only after the grant; a cancelled dialog is not asked for again
//! until the user pauses and resumes; the portal session closes the moment sharing pauses.

use crate::loopback;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use stepwise::app::sharing::SharingThread;
use stepwise::app::store_worker::StoreRequest;
use stepwise::capture::wayland::{PortalGrant, PortalSession, WaylandSource};
use stepwise::capture::{CaptureError, ScreenSource};
use stepwise::protocol::{ConsentRequest, Scopes, SessionCommand, SessionEvent};
use stepwise::transport::{EventSink, TransportEvent, TransportSettings, join_session};

use loopback::{loopback_sessions, runtime};

/// Counts the portal sessions closed.
struct CountedSession(Arc<AtomicUsize>);

impl PortalSession for CountedSession {}

impl Drop for CountedSession {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// The dialogs asked for so far: each one's answer channel.
#[derive(Default)]
struct Dialogs {
    answers: Mutex<Vec<Sender<Result<PortalGrant, CaptureError>>>>,
}

fn until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_engineer(store: &Receiver<StoreRequest>, what: &str, wanted: impl Fn(&SessionEvent) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let request = store.recv_timeout(left).unwrap_or_else(|_| panic!("timed out waiting for {what}"));
        if let StoreRequest::Session { event: TransportEvent::Session(event), .. } = request
            && wanted(&event)
        {
            return;
        }
    }
}

#[test]
fn the_dialog_opens_only_under_consent_and_a_cancel_waits_for_resume() {
    let runtime = runtime();
    let (mut sessions, engineer) = loopback_sessions(&runtime);
    const TICKET: stepwise::model::TicketId = stepwise::model::TicketId(1);
    let link = sessions.start(TICKET, "Li Wei").expect("listens on loopback");
    let (user_tx, user_events) = channel();
    let user_sink: EventSink = Arc::new(move |event| drop(user_tx.send(event)));
    let user = runtime.block_on(join_session(&link, "Zhang Min", TransportSettings::default(), user_sink)).unwrap();

    // Each open is one "dialog": the test answers it through the channel it keeps.
    let dialogs: Arc<Dialogs> = Arc::default();
    let closed = Arc::new(AtomicUsize::new(0));
    let opener = {
        let (dialogs, closed) = (dialogs.clone(), closed.clone());
        Box::new(move || -> Result<Box<dyn ScreenSource>, CaptureError> {
            let (answer, grant) = channel();
            dialogs.answers.lock().unwrap().push(answer);
            Ok(Box::new(WaylandSource::new(grant, Box::new(CountedSession(closed.clone())))))
        })
    };
    let errors = Arc::new(Mutex::new(Vec::new()));
    let told = errors.clone();
    let on_error = Box::new(move |err: CaptureError| told.lock().unwrap().push(err));
    let sharing = SharingThread::spawn(user.clone(), opener, Arc::default(), on_error).unwrap();
    let opened = || dialogs.answers.lock().unwrap().len();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(opened(), 0, "no dialog before consent");

    assert!(sessions.command(
        TICKET,
        SessionCommand::RequestConsent(ConsentRequest {
            engineer_name: "Li Wei".into(),
            team: "Desk".into(),
            ticket_number: "T-1".into(),
            ticket_title: "Printer".into(),
            purpose: "Look".into(),
            suggested: Scopes::default(),
        })
    ));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !matches!(
        user_events.recv_timeout(deadline.saturating_duration_since(Instant::now())),
        Ok(TransportEvent::Session(SessionEvent::ConsentRequested(_)))
    ) {
        assert!(Instant::now() < deadline, "timed out waiting for the request");
    }
    user.send(SessionCommand::Grant(Scopes::default()));
    until("the dialog after the grant", || opened() == 1);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(opened(), 1, "one dialog while the user has not answered it");

    // The user cancels the dialog: told once, and no new dialog pops up by itself.
    drop(dialogs.answers.lock().unwrap()[0].send(Err(CaptureError::PickerCancelled)));
    until("the cancel is told", || errors.lock().unwrap().contains(&CaptureError::PickerCancelled));
    until("the cancelled session is closed", || closed.load(Ordering::SeqCst) == 1);
    std::thread::sleep(Duration::from_millis(1_500));
    assert_eq!(opened(), 1, "a cancelled dialog is not asked for again until sharing resumes");

    // Pause and resume: the dialog is asked for again.
    user.status().close_screen_gate();
    user.send(SessionCommand::Pause);
    wait_engineer(&engineer, "pause", |event| *event == SessionEvent::SharingPaused);
    user.send(SessionCommand::Resume);
    wait_engineer(&engineer, "resume", |event| *event == SessionEvent::SharingResumed);
    until("a new dialog after resume", || opened() == 2);

    // Pausing while that dialog is open closes its portal session at once.
    user.status().close_screen_gate();
    user.send(SessionCommand::Pause);
    until("the open dialog's session closed on pause", || closed.load(Ordering::SeqCst) == 2);
    assert_eq!(errors.lock().unwrap().len(), 1, "only the cancel was an error");
    drop(sharing);
    assert!(sessions.command(TICKET, SessionCommand::End));
}
