//! The arrows overlay on a real X server (a private Xvfb started by the test): an arrow sent
//! through the session events appears on the screen's pixels exactly over the spot, clicks go
//! through it to the window below, and clearing takes it away. Skipped only where Xvfb is not
//! installed (CI installs it and sets `STEPWISE_REQUIRE_XVFB`, so there it cannot be skipped).

use crate::xvfb;

use std::process::{Command, Stdio};

use stepwise::app::overlay_thread::ArrowOverlay;
use stepwise::overlay::x11::X11Overlay;
use stepwise::overlay::{DesktopRect, OverlayKind, ScreenOverlay};
use stepwise::protocol::{Annotation, AnnotationColor, RemotePixel, SessionEvent, Shape};
use x11rb::connection::Connection;
use x11rb::protocol::Event;
use x11rb::protocol::xproto::{ConnectionExt as _, CreateWindowAux, EventMask, WindowClass};
use x11rb::protocol::xtest::ConnectionExt as _;
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;
use xvfb::{PrivateX, pixel, wait_for};

fn is_red(rgb: [u8; 3]) -> bool {
    rgb[0] > 180 && rgb[1] < 100 && rgb[2] < 100
}

#[test]
fn an_arrow_lands_on_the_real_screen_over_the_spot_and_lets_clicks_through() {
    let Some(server) = PrivateX::start() else { return };
    let (connection, screen_number) = RustConnection::connect(Some(&server.display)).expect("connect");
    let screen = connection.setup().roots[screen_number].clone();
    let root = screen.root;

    // The user's application under the overlay: green, listening for clicks.
    let below = connection.generate_id().expect("id");
    let attributes = CreateWindowAux::new().background_pixel(0x00_c8_00).event_mask(EventMask::BUTTON_PRESS);
    connection
        .create_window(24, below, root, 0, 0, 640, 480, 0, WindowClass::INPUT_OUTPUT, screen.root_visual, &attributes)
        .expect("create");
    connection.map_window(below).expect("map");
    connection.flush().expect("flush");

    // The desktop is scaled to 200 %: arrows are drawn twice as thick, like everything else.
    connection
        .change_property8(
            x11rb::protocol::xproto::PropMode::REPLACE,
            root,
            x11rb::protocol::xproto::AtomEnum::RESOURCE_MANAGER,
            x11rb::protocol::xproto::AtomEnum::STRING,
            b"Xft.antialias:\t1\nXft.dpi:\t192\n",
        )
        .expect("resources");
    connection.flush().expect("flush");

    // The shared monitor is the part of the desktop at (100, 50), 400 × 300.
    let area = DesktopRect { x: 100, y: 50, width: 400, height: 300 };
    let overlay = X11Overlay::open_on(Some(&server.display), area).expect("overlay opens");
    assert_eq!(overlay.kind(), OverlayKind::Shaped, "no compositor runs on a bare Xvfb");
    assert_eq!(overlay.scale(), 2.0);
    let failures = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let recorded = failures.clone();
    let arrows = ArrowOverlay::start(
        Box::new(overlay),
        Box::new(move |err| recorded.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(err)),
    )
    .expect("overlay thread");

    let arrow = Annotation {
        id: 7,
        shape: Shape::Arrow { tail: RemotePixel { x: 40, y: 200 }, head: RemotePixel { x: 240, y: 100 } },
        label: "Click here 点这里".into(),
        color: AnnotationColor::Red,
        fade_ms: 0,
    };
    arrows.follow(&SessionEvent::Annotation(arrow));
    // Remote pixel (140, 150), the middle of the arrow, is desktop pixel (240, 200).
    wait_for("the arrow on the screen", || is_red(pixel(&connection, root, 240, 200)));
    // Two pixels either side of the line's middle are still on it (6 pixels wide at 200 %).
    assert!(is_red(pixel(&connection, root, 241, 202)) && is_red(pixel(&connection, root, 239, 198)));
    // Its head is at remote (240, 100) → desktop (340, 150), just behind the tip.
    assert!(is_red(pixel(&connection, root, 336, 152)), "{:?}", pixel(&connection, root, 336, 152));
    // Away from the arrow the user's window shows through, inside and outside the overlay.
    assert_eq!(pixel(&connection, root, 450, 300), [0, 0xc8, 0]);
    assert_eq!(pixel(&connection, root, 20, 20), [0, 0xc8, 0]);
    // The label is drawn next to the tail (remote 44..,204.. → desktop 144.., 254..).
    let label_pixels = (254..274)
        .flat_map(|y| (144..230).map(move |x| (x, y)))
        .filter(|(x, y)| is_red(pixel(&connection, root, *x, *y)))
        .count();
    assert!(label_pixels > 100, "the label's box is missing ({label_pixels} red pixels)");

    // A click right on the arrow reaches the window below.
    connection.xtest_fake_input(6, 0, 0, root, 240, 200, 0).expect("motion");
    connection.xtest_fake_input(4, 1, 0, root, 0, 0, 0).expect("press");
    connection.xtest_fake_input(5, 1, 0, root, 0, 0, 0).expect("release");
    connection.flush().expect("flush");
    let mut clicked_at = None;
    wait_for("the click below the arrow", || {
        while let Ok(Some(event)) = connection.poll_for_event() {
            if let Event::ButtonPress(press) = event {
                clicked_at = Some((press.event, press.event_x, press.event_y));
            }
        }
        clicked_at.is_some()
    });
    assert_eq!(clicked_at, Some((below, 240, 200)), "the overlay caught the click");

    // Clearing takes the arrow off the screen.
    arrows.follow(&SessionEvent::AnnotationsCleared);
    wait_for("the arrow to go", || pixel(&connection, root, 240, 200) == [0, 0xc8, 0]);
    assert!(failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner).is_empty());
}

#[test]
fn no_display_means_a_plain_reason_not_a_crash() {
    let area = DesktopRect { x: 0, y: 0, width: 100, height: 100 };
    let err = X11Overlay::open_on(Some(":98765"), area).err().expect("no such display");
    assert!(err.to_string().starts_with("arrows cannot be drawn over this screen"), "{err}");
    let empty = DesktopRect { x: 0, y: 0, width: 0, height: 10 };
    assert!(X11Overlay::open_on(Some(":98765"), empty).is_err());
}

#[test]
fn with_a_compositor_the_overlay_is_blended() {
    let Some(server) = PrivateX::start() else { return };
    let compositor =
        Command::new("xcompmgr").args(["-d", &server.display]).stdout(Stdio::null()).stderr(Stdio::null()).spawn();
    let Ok(mut compositor) = compositor else {
        assert!(std::env::var_os("STEPWISE_REQUIRE_XVFB").is_none(), "xcompmgr is required here but missing");
        eprintln!("xcompmgr is not installed: compositor test skipped");
        return;
    };
    let (connection, screen_number) = RustConnection::connect(Some(&server.display)).expect("connect");
    let root = connection.setup().roots[screen_number].root;
    let selection = connection.intern_atom(false, b"_NET_WM_CM_S0").expect("atom").reply().expect("atom").atom;
    wait_for("the compositor", || {
        connection.get_selection_owner(selection).ok().and_then(|c| c.reply().ok()).is_some_and(|r| r.owner != 0)
    });
    let area = DesktopRect { x: 0, y: 0, width: 640, height: 480 };
    let overlay = X11Overlay::open_on(Some(&server.display), area).expect("overlay opens");
    assert_eq!(overlay.kind(), OverlayKind::Composited);
    let arrows =
        ArrowOverlay::start(Box::new(overlay), Box::new(|err| panic!("overlay failed: {err}"))).expect("thread");
    let highlight = Annotation {
        id: 1,
        shape: Shape::Highlight { from: RemotePixel { x: 100, y: 100 }, to: RemotePixel { x: 300, y: 200 } },
        label: String::new(),
        color: AnnotationColor::Red,
        fade_ms: 0,
    };
    arrows.follow(&SessionEvent::Annotation(highlight));
    wait_for("the highlight's edge", || is_red(pixel(&connection, root, 200, 99)));
    // Inside the frame the desktop shows through, untouched.
    assert_eq!(pixel(&connection, root, 200, 150), pixel(&connection, root, 600, 400));
    drop(arrows);
    wait_for("the overlay to go", || !is_red(pixel(&connection, root, 200, 99)));
    let _ = compositor.kill();
    let _ = compositor.wait();
}
