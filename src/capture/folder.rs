//! Replays a folder of numbered PNG frames (`001.png`, `002.png`, …) as if it were a screen.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{CaptureError, ScreenImage, ScreenSource};
use crate::codec::{MAX_DIMENSION, MAX_PIXELS};

/// A folder of frames played at a fixed rate, optionally looping.
pub struct FrameFolderSource {
    dir: PathBuf,
    files: Vec<PathBuf>,
    preloaded: Arc<Vec<ScreenImage>>,
    next: usize,
    looped: bool,
    frame_interval: Duration,
    last_frame_at: Option<Instant>,
    size: (u32, u32),
}

/// The PNG files of `dir`, in name order.
pub fn frame_files(dir: &Path) -> Result<Vec<PathBuf>, CaptureError> {
    let entries = std::fs::read_dir(dir).map_err(|err| CaptureError::Failed(format!("{}: {err}", dir.display())))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("png")))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(CaptureError::Failed(format!("no PNG frames in {}", dir.display())));
    }
    Ok(files)
}

/// Refuses a frame the screen codec cannot carry (a side over 8192 pixels, or more pixels than
/// 8K UHD), naming the size and the limit: such a frame could never reach the engineer.
pub fn check_frame_size(path: &Path, width: u32, height: u32) -> Result<(), CaptureError> {
    let too_large = |limit: String| {
        Err(CaptureError::Failed(format!(
            "{} is {width}×{height} pixels, larger than the screen codec accepts ({limit}); use smaller frames",
            path.display()
        )))
    };
    if width > MAX_DIMENSION || height > MAX_DIMENSION {
        return too_large(format!("at most {MAX_DIMENSION} pixels per side"));
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return too_large(format!("at most {MAX_PIXELS} pixels, 7680×4320"));
    }
    if width == 0 || height == 0 {
        return Err(CaptureError::Failed(format!("{} is an empty image ({width}×{height})", path.display())));
    }
    Ok(())
}

/// Decodes one PNG frame to RGBA; a frame larger than the codec accepts is refused before it
/// is decoded (from the PNG header).
pub fn load_frame(path: &Path) -> Result<ScreenImage, CaptureError> {
    let failed = |err: image::ImageError| CaptureError::Failed(format!("{}: {err}", path.display()));
    let reader = image::ImageReader::open(path)
        .map_err(|err| CaptureError::Failed(format!("{}: {err}", path.display())))?
        .with_guessed_format()
        .map_err(|err| CaptureError::Failed(format!("{}: {err}", path.display())))?;
    let (width, height) = reader.into_dimensions().map_err(failed)?;
    check_frame_size(path, width, height)?;
    let decoded = image::open(path).map_err(failed)?;
    let rgba = decoded.to_rgba8();
    Ok(ScreenImage { width: rgba.width(), height: rgba.height(), rgba: rgba.into_raw() })
}

impl FrameFolderSource {
    /// Opens `dir`, playing `fps` frames per second; `looped` starts over at the end.
    pub fn open(dir: &Path, fps: u32, looped: bool) -> Result<Self, CaptureError> {
        let files = frame_files(dir)?;
        let first = load_frame(&files[0])?;
        Ok(Self {
            dir: dir.to_path_buf(),
            files,
            preloaded: Arc::new(Vec::new()),
            next: 0,
            looped,
            frame_interval: Duration::from_secs(1) / fps.max(1),
            last_frame_at: None,
            size: (first.width, first.height),
        })
    }

    /// Decodes every frame up front (benchmarks: no PNG decoding while streaming).
    pub fn preload(&mut self) -> Result<(), CaptureError> {
        let frames: Vec<ScreenImage> = self.files.iter().map(|path| load_frame(path)).collect::<Result<_, _>>()?;
        if frames.iter().any(|image| (image.width, image.height) != self.size) {
            return Err(CaptureError::Failed("frames of different sizes".into()));
        }
        self.preloaded = Arc::new(frames);
        Ok(())
    }

    /// The decoded frames, once preloaded (shared, not copied).
    pub fn preloaded(&self) -> Arc<Vec<ScreenImage>> {
        self.preloaded.clone()
    }

    /// Another player over the same preloaded frames, from the first one.
    pub fn replay(&self, fps: u32, looped: bool) -> Self {
        Self {
            dir: self.dir.clone(),
            files: self.files.clone(),
            preloaded: self.preloaded.clone(),
            next: 0,
            looped,
            frame_interval: Duration::from_secs(1) / fps.max(1),
            last_frame_at: None,
            size: self.size,
        }
    }

    /// Number of frames in the folder.
    pub fn frame_count(&self) -> usize {
        self.files.len()
    }

    /// The interval between frames.
    pub fn frame_interval(&self) -> Duration {
        self.frame_interval
    }

    /// The next frame regardless of the clock; `None` at the end of a non-looping folder.
    pub fn next_frame(&mut self) -> Result<Option<ScreenImage>, CaptureError> {
        if self.next >= self.files.len() {
            if !self.looped {
                return Ok(None);
            }
            self.next = 0;
        }
        let index = self.next;
        self.next += 1;
        let image = match self.preloaded.get(index) {
            Some(image) => image.clone(),
            None => load_frame(&self.files[index])?,
        };
        if (image.width, image.height) != self.size {
            return Err(CaptureError::Failed(format!("{} has a different size", self.files[index].display())));
        }
        Ok(Some(image))
    }
}

impl ScreenSource for FrameFolderSource {
    fn label(&self) -> super::SourceLabel {
        super::SourceLabel::RecordedFrames { dir: self.dir.clone() }
    }

    fn size(&self) -> (u32, u32) {
        self.size
    }

    /// A new frame once per frame interval; `None` in between.
    fn capture(&mut self) -> Result<Option<ScreenImage>, CaptureError> {
        let now = Instant::now();
        if self.last_frame_at.is_some_and(|at| now.duration_since(at) < self.frame_interval) {
            return Ok(None);
        }
        self.last_frame_at = Some(now);
        self.next_frame()
    }
}
