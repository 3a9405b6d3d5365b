//! Screen sources: the frame folder (generated frames, so no corpus is needed) and the live
//! screen through MIT-SHM and DAMAGE, on a private Xvfb started by the test.

use crate::xvfb;

use stepwise::capture::{
    CaptureError, FrameFolderSource, PixelRect, ScreenSource, SourceLabel, blank_regions, screen_capture_support,
    x11::X11Source,
};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt as _, CreateWindowAux, WindowClass};
use x11rb::rust_connection::RustConnection;
use xvfb::{PrivateX, wait_for};

fn write_frames(dir: &std::path::Path, count: u8) {
    for index in 0..count {
        let image = image::RgbaImage::from_fn(64, 48, |x, y| image::Rgba([index, x as u8, y as u8, 255]));
        image.save(dir.join(format!("{:03}.png", index + 1))).unwrap();
    }
}

#[test]
fn a_frame_folder_replays_in_order_and_loops() {
    let dir = tempfile::tempdir().unwrap();
    write_frames(dir.path(), 3);
    let mut source = FrameFolderSource::open(dir.path(), 30, true).unwrap();
    assert_eq!(source.size(), (64, 48));
    assert_eq!(source.label(), stepwise::capture::SourceLabel::RecordedFrames { dir: dir.path().to_path_buf() });
    assert!(source.label().to_string().contains("not your live screen"));
    let firsts: Vec<u8> = (0..4).map(|_| source.next_frame().unwrap().unwrap().rgba[0]).collect();
    assert_eq!(firsts, [0, 1, 2, 0]);
    let mut once = FrameFolderSource::open(dir.path(), 30, false).unwrap();
    once.preload().unwrap();
    assert_eq!((0..4).filter_map(|_| once.next_frame().unwrap()).count(), 3);
}

#[test]
fn a_folder_without_frames_or_with_a_corrupt_frame_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        matches!(FrameFolderSource::open(dir.path(), 10, true), Err(CaptureError::Failed(why)) if why.contains("no PNG frames"))
    );
    std::fs::write(dir.path().join("001.png"), b"not a png").unwrap();
    assert!(FrameFolderSource::open(dir.path(), 10, true).is_err());
}

#[test]
fn private_regions_never_reach_the_encoder() {
    let dir = tempfile::tempdir().unwrap();
    write_frames(dir.path(), 1);
    let mut source = FrameFolderSource::open(dir.path(), 30, false).unwrap();
    let mut image = source.next_frame().unwrap().unwrap();
    blank_regions(&mut image, &[PixelRect { x: 10, y: 10, width: 20, height: 5 }]);
    let pixel = |x: usize, y: usize| &image.rgba[(y * 64 + x) * 4..(y * 64 + x) * 4 + 4];
    assert_eq!(pixel(15, 12), [0, 0, 0, 255]);
    assert_eq!(pixel(5, 5), [0, 5, 5, 255]);
}

#[test]
fn the_live_screen_is_captured_only_when_it_changed() {
    let Some(server) = PrivateX::start() else { return };
    let mut source = X11Source::open_on(Some(&server.display), 0).expect("the private screen opens");
    assert_eq!(source.size(), (640, 480));
    assert_eq!(source.label(), SourceLabel::Monitor { number: 1, width: 640, height: 480 });
    // RandR names the monitors; the first is the one shared (the engineer's list comes from here).
    let (monitors, shared) = source.monitors().expect("a monitor of the live screen lists its monitors");
    assert_eq!(shared, 0);
    assert_eq!((monitors[0].x, monitors[0].y, monitors[0].width, monitors[0].height), (0, 0, 640, 480));
    let list = stepwise::app::sharing::monitor_list(&monitors, shared).expect("a valid list for the protocol");
    assert_eq!(list.validate(), Ok(()));
    let first = source.capture().unwrap().expect("the first grab always delivers");
    assert_eq!(first.rgba.len(), 640 * 480 * 4);
    assert!(first.rgba.chunks_exact(4).all(|pixel| pixel[3] == 255));
    // Nothing changes on the screen: once the damage of the start is drained, nothing is grabbed.
    wait_for("the screen to settle", || source.capture().unwrap().is_none());
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert!(source.capture().unwrap().is_none(), "grabbed although nothing changed");

    // A window appears: the next grab shows it, at its place.
    let (connection, screen_number) = RustConnection::connect(Some(&server.display)).unwrap();
    let screen = connection.setup().roots[screen_number].clone();
    let window = connection.generate_id().unwrap();
    let attributes = CreateWindowAux::new().background_pixel(0x00_30_60_90);
    connection
        .create_window(
            24,
            window,
            screen.root,
            100,
            50,
            200,
            100,
            0,
            WindowClass::INPUT_OUTPUT,
            screen.root_visual,
            &attributes,
        )
        .unwrap();
    connection.map_window(window).unwrap();
    connection.flush().unwrap();
    let mut changed = None;
    wait_for("the grab after the change", || {
        changed = source.capture().unwrap();
        changed.is_some()
    });
    let image = changed.unwrap();
    let at = |x: usize, y: usize| image.rgba[(y * 640 + x) * 4..(y * 640 + x) * 4 + 4].to_vec();
    assert_eq!(at(150, 80), [0x30, 0x60, 0x90, 255], "RGBA, at the window's place");
    assert_ne!(at(20, 20), [0x30, 0x60, 0x90, 255]);

    // The window moves: only the damaged part is grabbed, and the picture is the same as a
    // whole grab of the screen (the uncovered part is background again).
    connection.configure_window(window, &x11rb::protocol::xproto::ConfigureWindowAux::new().x(400).y(300)).unwrap();
    connection.flush().unwrap();
    let mut moved = None;
    wait_for("the grab after the move", || {
        if let Some(image) = source.capture().unwrap() {
            let at = |x: usize, y: usize| image.rgba[(y * 640 + x) * 4..(y * 640 + x) * 4 + 4].to_vec();
            if at(450, 350) == [0x30, 0x60, 0x90, 255] && at(150, 80) != [0x30, 0x60, 0x90, 255] {
                moved = Some(image);
            }
        }
        moved.is_some()
    });
    let mut fresh = X11Source::open_on(Some(&server.display), 0).unwrap();
    let whole = fresh.capture().unwrap().expect("a first grab is whole");
    assert!(moved.unwrap().rgba == whole.rgba, "the partly updated picture differs from a whole grab");
}

#[test]
fn a_missing_display_is_a_plain_reason() {
    match X11Source::open_on(Some(":98765"), 0) {
        Err(CaptureError::Unavailable(why)) => assert!(!why.is_empty()),
        Err(other) => panic!("unexpected: {other}"),
        Ok(_) => panic!("display :98765 should not exist"),
    }
    // Without any display the reason is one a user can read, in their language.
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        assert_eq!(screen_capture_support(), Err(CaptureError::NoDisplay));
    }
}

#[test]
fn frames_larger_than_the_codec_accepts_are_named_when_the_folder_opens() {
    for (width, height, limit) in [(9000, 300, "8192 pixels per side"), (8192, 4320, "7680×4320")] {
        let dir = tempfile::tempdir().unwrap();
        image::RgbaImage::new(width, height).save(dir.path().join("001.png")).unwrap();
        let Err(CaptureError::Failed(why)) = FrameFolderSource::open(dir.path(), 10, true) else {
            panic!("a {width}×{height} frame was accepted");
        };
        assert!(why.contains(&format!("{width}×{height}")) && why.contains(limit), "{why}");
        assert!(why.contains("larger than the screen codec accepts"), "{why}");
    }
    // A later frame that is too large is refused when it comes up, with the same reason.
    let dir = tempfile::tempdir().unwrap();
    write_frames(dir.path(), 1);
    image::RgbaImage::new(9000, 48).save(dir.path().join("002.png")).unwrap();
    let mut source = FrameFolderSource::open(dir.path(), 30, false).unwrap();
    source.next_frame().unwrap();
    assert!(matches!(source.next_frame(), Err(CaptureError::Failed(why)) if why.contains("9000×48")));
}
