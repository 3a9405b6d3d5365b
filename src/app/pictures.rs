//! Screenshots opened from a ticket's timeline: read and decoded on a short-lived thread (never
//! in `ui()`), only from the console's own attachments folder, then handed to the picture window
//! as [`UiEvent::ScreenshotLoaded`].

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::Sender;

use crate::protocol::message::MAX_SCREEN_PIXELS;
use crate::ui::UiEvent;
use crate::ui::command::Picture;

use super::store_worker::{ATTACHMENTS_DIR, Waker};

/// Starts a loading thread per picture asked for.
pub struct PictureLoader {
    attachments_dir: PathBuf,
    events: Sender<UiEvent>,
    waker: Waker,
}

impl PictureLoader {
    /// A loader for the attachments under `data_dir`.
    pub fn new(data_dir: &Path, events: Sender<UiEvent>, waker: Waker) -> Self {
        Self { attachments_dir: data_dir.join(ATTACHMENTS_DIR), events, waker }
    }

    /// Reads and decodes `file` on its own thread; the answer arrives as an event.
    pub fn open(&self, file: PathBuf) {
        let (dir, events, waker) = (self.attachments_dir.clone(), self.events.clone(), self.waker.clone());
        let asked = file.clone();
        let spawned = std::thread::Builder::new().name("stepwise-picture".into()).spawn(move || {
            let picture = load_picture(&dir, &file);
            if let Err(why) = &picture {
                tracing::info!("a screenshot cannot be shown: {why}");
            }
            events.send(UiEvent::ScreenshotLoaded { file, picture }).ok();
            waker();
        });
        if let Err(err) = spawned {
            let picture = Err(format!("cannot start a thread to read the picture: {err}"));
            self.events.send(UiEvent::ScreenshotLoaded { file: asked, picture }).ok();
            (self.waker)();
        }
    }
}

impl PictureLoader {
    /// Reads `file` and shrinks it to at most [`THUMBNAIL_SIDE`] on its own thread; the answer
    /// arrives as [`UiEvent::ThumbnailLoaded`].
    pub fn thumbnail(&self, ticket_id: crate::model::TicketId, file: PathBuf) {
        let (dir, events, waker) = (self.attachments_dir.clone(), self.events.clone(), self.waker.clone());
        let asked = file.clone();
        let spawned = std::thread::Builder::new().name("stepwise-thumbnail".into()).spawn(move || {
            let picture = load_picture(&dir, &file).map(|picture| shrink(&picture, THUMBNAIL_SIDE));
            events.send(UiEvent::ThumbnailLoaded { ticket_id, file, picture }).ok();
            waker();
        });
        if let Err(err) = spawned {
            let picture = Err(format!("cannot start a thread to read the picture: {err}"));
            self.events.send(UiEvent::ThumbnailLoaded { ticket_id, file: asked, picture }).ok();
            (self.waker)();
        }
    }
}

/// The longest side of a thumbnail in the session history, pixels.
pub const THUMBNAIL_SIDE: u32 = 200;

/// `picture` scaled down (never up) so its longer side is at most `side`.
pub fn shrink(picture: &Picture, side: u32) -> Picture {
    let longer = picture.width.max(picture.height).max(1);
    if longer <= side {
        return picture.clone();
    }
    let width = (u64::from(picture.width) * u64::from(side) / u64::from(longer)).max(1) as u32;
    let height = (u64::from(picture.height) * u64::from(side) / u64::from(longer)).max(1) as u32;
    let Some(full) = image::RgbaImage::from_raw(picture.width, picture.height, picture.rgba.to_vec()) else {
        return picture.clone();
    };
    let small = image::imageops::thumbnail(&full, width, height);
    Picture { width, height, rgba: Arc::new(small.into_raw()) }
}

/// Reads `file` if it lies in `attachments_dir` (a timeline entry, perhaps imported, must not
/// make the console open other files) and decodes it, refusing pictures larger than a screen.
pub fn load_picture(attachments_dir: &Path, file: &Path) -> Result<Picture, String> {
    let dir = attachments_dir.canonicalize().map_err(|err| format!("{}: {err}", attachments_dir.display()))?;
    let path = file.canonicalize().map_err(|err| format!("{}: {err}", file.display()))?;
    if !path.starts_with(&dir) {
        return Err(format!("{} is not in the attachments folder {}", file.display(), dir.display()));
    }
    let mut reader = image::ImageReader::open(&path)
        .and_then(|reader| reader.with_guessed_format())
        .map_err(|err| format!("{}: {err}", path.display()))?;
    let side = crate::protocol::message::MAX_SCREEN_SIDE;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(side);
    limits.max_image_height = Some(side);
    limits.max_alloc = Some(MAX_SCREEN_PIXELS * 4 * 2);
    reader.limits(limits);
    let image = reader.decode().map_err(|err| format!("{}: {err}", path.display()))?.into_rgba8();
    let (width, height) = image.dimensions();
    Ok(Picture { width, height, rgba: Arc::new(image.into_raw()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_png(path: &Path, width: u32, height: u32) {
        image::RgbaImage::from_pixel(width, height, image::Rgba([10, 20, 30, 255])).save(path).unwrap();
    }

    #[test]
    fn thumbnails_keep_the_shape_and_never_grow() {
        let big = Picture { width: 1920, height: 1080, rgba: Arc::new(vec![7; 1920 * 1080 * 4]) };
        let small = shrink(&big, THUMBNAIL_SIDE);
        assert_eq!((small.width, small.height), (200, 112));
        assert_eq!(small.rgba.len(), 200 * 112 * 4);
        assert_eq!(small.rgba[0], 7);
        let tiny = Picture { width: 40, height: 30, rgba: Arc::new(vec![1; 40 * 30 * 4]) };
        assert_eq!((shrink(&tiny, THUMBNAIL_SIDE).width, shrink(&tiny, THUMBNAIL_SIDE).height), (40, 30));
    }

    #[test]
    fn reads_a_screenshot_from_the_attachments_folder() {
        let dir = tempfile::tempdir().unwrap();
        let attachments = dir.path().join(ATTACHMENTS_DIR).join("1");
        std::fs::create_dir_all(&attachments).unwrap();
        let file = attachments.join("screenshot-1.png");
        write_png(&file, 4, 3);
        let picture = load_picture(&dir.path().join(ATTACHMENTS_DIR), &file).unwrap();
        assert_eq!((picture.width, picture.height, picture.rgba.len()), (4, 3, 48));
        assert_eq!(&picture.rgba[..4], &[10, 20, 30, 255]);
    }

    #[test]
    fn refuses_files_outside_the_attachments_folder_and_damaged_ones() {
        let dir = tempfile::tempdir().unwrap();
        let attachments = dir.path().join(ATTACHMENTS_DIR);
        std::fs::create_dir_all(attachments.join("1")).unwrap();
        let outside = dir.path().join("elsewhere.png");
        write_png(&outside, 2, 2);
        let why = load_picture(&attachments, &outside).unwrap_err();
        assert!(why.contains("not in the attachments folder"), "{why}");
        let sneaky = attachments.join("1").join("..").join("..").join("elsewhere.png");
        assert!(load_picture(&attachments, &sneaky).is_err(), "no way out through ..");
        let damaged = attachments.join("1").join("damaged.png");
        std::fs::write(&damaged, b"not a png").unwrap();
        assert!(load_picture(&attachments, &damaged).is_err());
        assert!(load_picture(&attachments, &attachments.join("1").join("missing.png")).is_err());
    }
}
