//! The live screen end to end over loopback QUIC: nothing is captured before consent, capture
//! stops on pause, nothing arrives after the revoke is acknowledged, private regions never reach
//! the viewer, and the codec round-trips real screen recordings bit-exactly. The engineer's side
//! is the console's own (`EngineerSessions`: its event and frame sinks, its `ViewerFeed`), so a
//! fault in the production sink fails these tests.

use crate::loopback;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use stepwise::app::sharing::SharingThread;
use stepwise::app::store_worker::StoreRequest;
use stepwise::capture::synthetic::SyntheticSource;
use stepwise::capture::{CaptureError, PixelRect, ScreenSource};
use stepwise::codec::{Decoder, Encoder, EncoderConfig, Frame};
use stepwise::protocol::SessionCommand;
use stepwise::protocol::{ConsentRequest, Scopes, SessionEvent, SessionMode};
use stepwise::transport::{EventSink, TransportEvent, TransportSettings, join_session};

use loopback::{loopback_sessions, runtime};

fn wait(events: &Receiver<TransportEvent>, what: &str, wanted: impl Fn(&TransportEvent) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = events.recv_timeout(left).unwrap_or_else(|_| panic!("timed out waiting for {what}"));
        if wanted(&event) {
            return;
        }
    }
}

/// Waits for a session event the console's sink passed on to the store thread (the way the
/// transcript and the panel hear of it).
fn wait_engineer(store: &Receiver<StoreRequest>, what: &str, wanted: impl Fn(&TransportEvent) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let request = store.recv_timeout(left).unwrap_or_else(|_| panic!("timed out waiting for {what}"));
        if let StoreRequest::Session { event, .. } = request
            && wanted(&event)
        {
            return;
        }
    }
}

fn until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn session_event(wanted: fn(&SessionEvent) -> bool) -> impl Fn(&TransportEvent) -> bool {
    move |event| matches!(event, TransportEvent::Session(inner) if wanted(inner))
}

#[test]
fn consent_gates_capture_and_private_regions_stay_private() {
    let runtime = runtime();
    // The console's sessions, as the console runs them; the store thread is this channel.
    let (mut sessions, engineer) = loopback_sessions(&runtime);
    const TICKET: stepwise::model::TicketId = stepwise::model::TicketId(1);
    let link = sessions.start(TICKET, "Li Wei").expect("listens on loopback");
    let slot = sessions.viewer(TICKET).expect("the session has a viewer").clone();
    // The viewer asks the user's side for a keyframe whenever an update does not decode: none
    // may be asked for while the screen streams.
    let keyframe_requests = Arc::new(AtomicUsize::new(0));
    let counted_requests = keyframe_requests.clone();
    let (user_tx, user_events) = channel();
    let user_sink: EventSink = Arc::new(move |event| {
        if event == TransportEvent::Session(SessionEvent::KeyframeRequested) {
            counted_requests.fetch_add(1, Ordering::Relaxed);
        }
        drop(user_tx.send(event));
    });
    let user = runtime.block_on(join_session(&link, "Zhang Min", TransportSettings::default(), user_sink)).unwrap();

    // Sharing runs from the start, with a private region; the gate is still closed.
    let private_region = PixelRect { x: 100, y: 60, width: 120, height: 80 };
    let private = Arc::new(Mutex::new(vec![private_region]));
    let opens = Arc::new(Mutex::new(0u32));
    let counted = opens.clone();
    let opener = Box::new(move || -> Result<Box<dyn ScreenSource>, CaptureError> {
        *counted.lock().unwrap() += 1;
        Ok(Box::new(SyntheticSource::new(640, 360, 30)))
    });
    let sharing = SharingThread::spawn(user.clone(), opener, private, Box::new(|err| panic!("{err}"))).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sharing.stats.captured.load(Ordering::Relaxed), 0, "nothing is captured before consent");
    assert_eq!(*opens.lock().unwrap(), 0, "the source is not even opened before consent");

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
    wait(&user_events, "request", session_event(|e| matches!(e, SessionEvent::ConsentRequested(_))));
    user.send(SessionCommand::Grant(Scopes::default()));
    wait_engineer(&engineer, "grant", session_event(|e| matches!(e, SessionEvent::ConsentGranted(_))));
    until("a few frames", || slot.lock().stats.frames >= 5);
    until("the pointer, by datagram", || slot.lock().cursor.is_some());
    assert_eq!(keyframe_requests.load(Ordering::Relaxed), 0, "every update decodes");

    {
        let state = slot.lock();
        let stride = state.width as usize * 4;
        let pixel = |x: u32, y: u32| &state.rgba[y as usize * stride + x as usize * 4..][..4];
        for y in private_region.y..private_region.y + private_region.height {
            for x in private_region.x..private_region.x + private_region.width {
                assert_eq!(pixel(x, y), [0, 0, 0, 255], "private pixel {x},{y} reached the viewer");
            }
        }
        assert_ne!(pixel(10, 10), [0, 0, 0, 255], "the rest of the screen is shown");
    }

    // Pause: the capture stops (the gate closes at once, as the Pause button does).
    user.status().close_screen_gate();
    user.send(SessionCommand::Pause);
    wait_engineer(&engineer, "pause", session_event(|e| *e == SessionEvent::SharingPaused));
    {
        // Nothing received before the pause is kept: the picture is wiped the moment it ends.
        let state = slot.lock();
        assert_eq!((state.width, state.height), (0, 0), "the paused picture is wiped");
        assert!(state.rgba.is_empty(), "no pixel of the paused screen stays in memory");
    }
    let captured_at_pause = sharing.stats.captured.load(Ordering::Relaxed);
    let decoded_at_pause = slot.lock().stats.frames;
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sharing.stats.captured.load(Ordering::Relaxed), captured_at_pause, "capture stopped on pause");
    assert!(slot.lock().stats.frames <= decoded_at_pause + 2, "at most what was in flight arrives");
    assert!(sharing.stats.discarded_at_close.load(Ordering::Relaxed) <= 1, "only a grab under way at the click");

    user.send(SessionCommand::Resume);
    wait_engineer(&engineer, "resume", session_event(|e| *e == SessionEvent::SharingResumed));
    let resumed_from = slot.lock().stats.frames;
    until("frames after resume", || slot.lock().stats.frames > resumed_from + 2);
    assert_eq!(keyframe_requests.load(Ordering::Relaxed), 0, "every update decodes, also after the pause");

    // Guidance-only: no live updates; a still on request, reduced first, then exact, private
    // regions blanked as ever.
    assert!(sessions.command(TICKET, SessionCommand::SetMode(SessionMode::GuidanceOnly)));
    wait(&user_events, "guidance-only", session_event(|e| matches!(e, SessionEvent::ModeChanged { .. })));
    std::thread::sleep(Duration::from_millis(300)); // Live updates still in flight arrive.
    let before_still = slot.lock().stats.frames;
    assert!(sessions.command(TICKET, SessionCommand::RequestStill));
    wait_engineer(&engineer, "the still", session_event(|e| matches!(e, SessionEvent::StillTaken { .. })));
    until("the still's two passes are shown, the last exact", || {
        let state = slot.lock();
        state.stats.frames >= before_still + 2 && state.approximate.is_empty() && state.width == 640
    });
    {
        let state = slot.lock();
        let stride = state.width as usize * 4;
        let pixel = |x: u32, y: u32| &state.rgba[y as usize * stride + x as usize * 4..][..4];
        assert_eq!(pixel(private_region.x + 7, private_region.y + 5), [0, 0, 0, 255], "private in the still too");
        assert_ne!(pixel(10, 10), [0, 0, 0, 255]);
    }
    assert_eq!(keyframe_requests.load(Ordering::Relaxed), 0, "the still's updates decode");

    // Revoke: once acknowledged, nothing more arrives.
    user.status().close_screen_gate();
    user.send(SessionCommand::Revoke);
    wait_engineer(&engineer, "revoke", session_event(|e| *e == SessionEvent::ConsentRevoked));
    assert!(slot.lock().rgba.is_empty(), "the picture is wiped when the user stops sharing");
    let decoded_at_revoke = slot.lock().stats.frames;
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(slot.lock().stats.frames, decoded_at_revoke, "nothing is received after the revoke");
    drop(sharing);
    assert!(sessions.command(TICKET, SessionCommand::End));
    wait_engineer(&engineer, "closed", |e| *e == TransportEvent::Closed);
}

/// Frames of a scrolling "document" (text-like rows), the case copy-rect detection is for.
fn scrolling_frames(count: usize) -> Vec<Frame> {
    let (width, height) = (320u32, 240u32);
    (0..count)
        .map(|index| {
            let offset = index * 7;
            let mut rgba = Vec::with_capacity((width * height * 4) as usize);
            for y in 0..height as usize {
                for x in 0..width as usize {
                    let line = (y + offset) / 12;
                    let ink = (y + offset) % 12 < 8 && (x / 6 + line) % 5 != 0 && x > 20 && x < 300;
                    let value = if ink { 30 } else { 250 };
                    rgba.extend_from_slice(&[value, value, (line % 7 * 30) as u8, 255]);
                }
            }
            Frame::new(width, height, rgba).unwrap()
        })
        .collect()
}

fn round_trip(frames: &[Frame]) {
    let mut encoder = Encoder::new(EncoderConfig::default());
    let mut decoder = Decoder::new();
    for (index, frame) in frames.iter().enumerate() {
        let update = encoder.encode(frame, index == 0);
        decoder.decode(&update).unwrap();
        assert_eq!(decoder.frame(), Some(frame), "frame {index} differs after decoding");
    }
}

#[test]
fn lossless_round_trip_is_bit_exact_on_generated_and_recorded_screens() {
    round_trip(&scrolling_frames(12));
    // The recorded corpus, where this machine has it.
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/screens");
    let Ok(scenarios) = std::fs::read_dir(&corpus) else { return };
    for scenario in scenarios.flatten() {
        let files = stepwise::capture::folder::frame_files(&scenario.path()).unwrap();
        let frames: Vec<Frame> = files
            .iter()
            .take(6)
            .map(|path| {
                let image = stepwise::capture::folder::load_frame(path).unwrap();
                Frame::new(image.width, image.height, image.rgba).unwrap()
            })
            .collect();
        round_trip(&frames);
    }
}
