//! Remote control end to end on a private X server: the engineer's click, sent over loopback QUIC
//! from the console's side of the link, presses a real button of an X client on the user's
//! display (injected with XTEST by the user's side); the user's own input (XTEST from another
//! connection, as the user's mouse would) takes control back for two seconds; the hotkey
//! Ctrl+Alt+Esc revokes it.

use crate::xvfb;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use stepwise::app::control_thread::ControlThread;
use stepwise::app::sharing::CaptureWake;
use stepwise::capture::PixelRect;
use stepwise::capture::x11_input::X11Injector;
use stepwise::capture::x11_target::ClickTarget;
use stepwise::protocol::{ConsentRequest, InputEvent, Scopes, SessionCommand, SessionEvent};
use stepwise::transport::{
    EventSink, FrameSink, HostRequest, LinkCommand, TransportEvent, TransportSettings, host_session, join_session,
};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use x11rb::connection::Connection as _;
use x11rb::protocol::xproto::{self, ConnectionExt as _};
use x11rb::protocol::xtest::ConnectionExt as _;
use x11rb::rust_connection::RustConnection;

const WAIT: Duration = Duration::from_secs(10);
const SCREEN: PixelRect = PixelRect { x: 0, y: 0, width: 640, height: 480 };

async fn next_session_event(
    events: &mut UnboundedReceiver<TransportEvent>,
    what: &str,
    wanted: impl Fn(&SessionEvent) -> bool,
) -> SessionEvent {
    let found = tokio::time::timeout(WAIT, async {
        while let Some(event) = events.recv().await {
            if let TransportEvent::Session(event) = event
                && wanted(&event)
            {
                return Some(event);
            }
        }
        None
    })
    .await;
    found.ok().flatten().unwrap_or_else(|| panic!("no {what} in time"))
}

fn wait_until(what: &str, check: impl Fn() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// "The user": XTEST from a connection of its own, as a real mouse and keyboard would.
fn user_moves_the_mouse(display: &str, x: i16, y: i16) {
    let (connection, screen) = RustConnection::connect(Some(display)).expect("connect as the user");
    let root = connection.setup().roots[screen].root;
    connection.xtest_fake_input(xproto::MOTION_NOTIFY_EVENT, 0, 0, root, x, y, 0).expect("move");
    connection.sync_all();
}

fn user_presses_ctrl_alt_esc(display: &str) {
    let (connection, screen) = RustConnection::connect(Some(display)).expect("connect as the user");
    let root = connection.setup().roots[screen].root;
    let setup = connection.setup();
    let (min, count) = (setup.min_keycode, setup.max_keycode - setup.min_keycode + 1);
    let map = connection.get_keyboard_mapping(min, count).unwrap().reply().unwrap();
    let per = usize::from(map.keysyms_per_keycode);
    let keycode = |keysym: u32| {
        let index = map.keysyms.chunks(per).position(|syms| syms.first() == Some(&keysym)).expect("keysym on the map");
        min + u8::try_from(index).unwrap()
    };
    let keys = [keycode(0xffe3), keycode(0xffe9), keycode(0xff1b)];
    for key in keys {
        connection.xtest_fake_input(xproto::KEY_PRESS_EVENT, key, 0, root, 0, 0, 0).unwrap();
    }
    for key in keys.iter().rev() {
        connection.xtest_fake_input(xproto::KEY_RELEASE_EVENT, *key, 0, root, 0, 0, 0).unwrap();
    }
    connection.sync_all();
}

trait SyncAll {
    fn sync_all(&self);
}

impl SyncAll for RustConnection {
    fn sync_all(&self) {
        self.get_input_focus().expect("request").reply().expect("round trip");
    }
}

fn click(x: u32, y: u32) -> [SessionCommand; 2] {
    [
        SessionCommand::Input(InputEvent::Button { button: 1, pressed: true, x, y }),
        SessionCommand::Input(InputEvent::Button { button: 1, pressed: false, x, y }),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_from_the_console_presses_a_real_button_and_the_users_own_input_takes_control_back() {
    let Some(server) = xvfb::PrivateX::start() else { return };
    let display = server.display.clone();
    let target = ClickTarget::open(Some(&display), PixelRect { x: 200, y: 150, width: 200, height: 100 })
        .expect("the X client's window");

    let (engineer_tx, mut engineer) = unbounded_channel();
    let engineer_sink: EventSink = Arc::new(move |event| drop(engineer_tx.send(event)));
    let frames: FrameSink = Arc::new(|_| {});
    let request = HostRequest {
        bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        advertised_host: Some("127.0.0.1".into()),
        display_name: "Li Wei".into(),
        relay: None,
    };
    let settings = TransportSettings::default();
    let hosted = host_session(&tokio::runtime::Handle::current(), request, settings.clone(), engineer_sink, frames)
        .expect("listen on loopback");
    let (user_tx, mut user_events) = unbounded_channel();
    let user_sink: EventSink = Arc::new(move |event| drop(user_tx.send(event)));
    let user = join_session(&hosted.link, "Zhang Min", settings, user_sink).await.expect("pairs");
    user.send(SessionCommand::AnnounceScreen { width: SCREEN.width, height: SCREEN.height });
    let injector = X11Injector::open(Some(&display), SCREEN).expect("XTEST on the private display");
    let control = ControlThread::spawn(injector, user.clone(), None, CaptureWake::default()).expect("control thread");
    user.send(LinkCommand::SetInputSink(control.sink()));

    // Consent to see the screen first; control is asked for separately.
    let consent = ConsentRequest {
        engineer_name: "Li Wei".into(),
        team: "Service desk".into(),
        ticket_number: "T-1".into(),
        ticket_title: "Printer".into(),
        purpose: "Fix the printer".into(),
        suggested: Scopes::default(),
    };
    next_session_event(&mut engineer, "the user's hello", |e| matches!(e, SessionEvent::PeerHello { .. })).await;
    hosted.handle.send(SessionCommand::RequestConsent(consent));
    next_session_event(&mut user_events, "consent request", |e| matches!(e, SessionEvent::ConsentRequested(_))).await;
    user.send(SessionCommand::Grant(Scopes::default()));
    next_session_event(&mut engineer, "grant", |e| matches!(e, SessionEvent::ConsentGranted(_))).await;
    for command in click(300, 200) {
        hosted.handle.send(command);
    }
    hosted.handle.send(SessionCommand::RequestControl);
    next_session_event(&mut user_events, "control request", |e| *e == SessionEvent::ControlRequested).await;
    assert_eq!(target.presses(), 0, "a click before control is granted is dropped");

    user.send(SessionCommand::GrantControl);
    let granted = next_session_event(&mut user_events, "control granted", |e| *e == SessionEvent::ControlGranted).await;
    control.follow(&granted);
    next_session_event(&mut engineer, "control granted", |e| *e == SessionEvent::ControlGranted).await;
    for command in click(300, 200) {
        hosted.handle.send(command);
    }
    wait_until("the X client's button press", || target.presses() == 1);

    // The user moves their own mouse: control is taken back, and a click right away is dropped.
    user_moves_the_mouse(&display, 20, 20);
    next_session_event(&mut engineer, "taken back", |e| *e == SessionEvent::ControlTakenBack).await;
    for command in click(300, 200) {
        hosted.handle.send(command);
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(target.presses(), 1, "local input wins: the engineer's click is not applied");

    // Two quiet seconds later the engineer has control again.
    std::thread::sleep(Duration::from_millis(2_000));
    for command in click(300, 200) {
        hosted.handle.send(command);
    }
    wait_until("the click after the take-back", || target.presses() == 2);

    // Ctrl+Alt+Esc on the user's machine revokes control.
    user_presses_ctrl_alt_esc(&display);
    let revoked = next_session_event(&mut user_events, "control revoked", |e| *e == SessionEvent::ControlRevoked).await;
    control.follow(&revoked);
    next_session_event(&mut engineer, "control revoked", |e| *e == SessionEvent::ControlRevoked).await;
    hosted.handle.send(SessionCommand::End);
    drop(control);
    drop(target);
}
