//! A built-in moving picture for the demo when no frame folder is given: a desktop-like
//! background, a window with "text" lines, and a box that moves each frame. Deterministic.

use std::time::{Duration, Instant};

use super::{CaptureError, ScreenImage, ScreenSource};

/// Generated frames at a fixed rate.
pub struct SyntheticSource {
    width: u32,
    height: u32,
    frame_index: u32,
    frame_interval: Duration,
    last_frame_at: Option<Instant>,
}

impl SyntheticSource {
    /// Frames of `width`×`height` at `fps`.
    pub fn new(width: u32, height: u32, fps: u32) -> Self {
        Self {
            width: width.max(64),
            height: height.max(64),
            frame_index: 0,
            frame_interval: Duration::from_secs(1) / fps.max(1),
            last_frame_at: None,
        }
    }

    /// The next frame regardless of the clock.
    pub fn next_frame(&mut self) -> ScreenImage {
        let (width, height) = (self.width as usize, self.height as usize);
        let mut rgba = vec![0u8; width * height * 4];
        let box_x = (self.frame_index as usize * 7) % (width.saturating_sub(48).max(1));
        for y in 0..height {
            for x in 0..width {
                let at = (y * width + x) * 4;
                let in_window = x > width / 8 && x < width * 7 / 8 && y > height / 8 && y < height * 3 / 4;
                let text_line = in_window && (y / 6) % 3 == 0 && (x / 5) % 7 != 0;
                let in_box = x >= box_x && x < box_x + 48 && y >= height * 4 / 5 && y < height * 4 / 5 + 32;
                let pixel = if in_box {
                    [230, 80, 60]
                } else if text_line {
                    [40, 40, 48]
                } else if in_window {
                    [245, 245, 240]
                } else {
                    [30, (60 + y * 80 / height) as u8, 110]
                };
                rgba[at..at + 4].copy_from_slice(&[pixel[0], pixel[1], pixel[2], 255]);
            }
        }
        self.frame_index = self.frame_index.wrapping_add(1);
        ScreenImage { width: self.width, height: self.height, rgba }
    }
}

impl ScreenSource for SyntheticSource {
    fn label(&self) -> super::SourceLabel {
        super::SourceLabel::DemoPicture
    }

    fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    fn cursor(&mut self) -> Option<(u32, u32)> {
        let angle = f64::from(self.frame_index) / 10.0;
        let x = f64::from(self.width) * (0.5 + 0.3 * angle.cos());
        let y = f64::from(self.height) * (0.5 + 0.3 * angle.sin());
        Some((x as u32, y as u32))
    }

    fn capture(&mut self) -> Result<Option<ScreenImage>, CaptureError> {
        let now = Instant::now();
        if self.last_frame_at.is_some_and(|at| now.duration_since(at) < self.frame_interval) {
            return Ok(None);
        }
        self.last_frame_at = Some(now);
        Ok(Some(self.next_frame()))
    }
}
