//! Screen sources: the frame folder (generated frames, so no corpus is needed) and, where an X11
//! display exists, the live screen through MIT-SHM and DAMAGE.

use stepwise::capture::{
    CaptureError, FrameFolderSource, PixelRect, ScreenSource, blank_regions, screen_capture_support, x11::X11Source,
};

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
    match screen_capture_support() {
        Err(CaptureError::Unavailable(why)) => {
            // No X11 here (CI): the reason must be one a user can read.
            assert!(!why.is_empty());
        }
        Err(other) => panic!("unexpected: {other}"),
        Ok(()) => {
            let mut source = X11Source::open(0).unwrap();
            let (width, height) = source.size();
            let image = source.capture().unwrap().expect("the first grab always delivers");
            assert_eq!((image.width, image.height), (width, height));
            assert_eq!(image.rgba.len(), width as usize * height as usize * 4);
            assert!(image.rgba.chunks_exact(4).all(|pixel| pixel[3] == 255));
        }
    }
}
