//! A recording's video export, pure: the file format, redactions (black rectangles over a time
//! range, in the remote screen's pixels) and the checks a request passes before any frame is
//! written. The export itself runs the system's `ffmpeg` (in `app/`).

use serde::{Deserialize, Serialize};

/// Most redactions one export may carry.
pub const MAX_REDACTIONS: usize = 64;

/// The container and codec of an exported video.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VideoFormat {
    /// MP4 with H.264 (`libx264`): plays everywhere.
    #[default]
    Mp4H264,
    /// WebM with VP9 (`libvpx-vp9`): free of patent questions.
    WebmVp9,
}

impl VideoFormat {
    /// Every format, in the order the dialog offers them.
    pub const ALL: [Self; 2] = [Self::Mp4H264, Self::WebmVp9];

    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Mp4H264 => "mp4",
            Self::WebmVp9 => "webm",
        }
    }

    /// The format a file name asks for by its extension (case-insensitive), if any.
    pub fn from_path(path: &std::path::Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Self::ALL.into_iter().find(|format| format.extension() == ext)
    }

    /// The name shown to people (the same in every language).
    pub fn label(self) -> &'static str {
        match self {
            Self::Mp4H264 => "MP4 (H.264)",
            Self::WebmVp9 => "WebM (VP9)",
        }
    }
}

/// A rectangle in the remote screen's pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RedactionRect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub w: u32,
    /// Height.
    pub h: u32,
}

impl RedactionRect {
    /// Whether the pixel `(px, py)` lies inside.
    pub fn contains(&self, px: u32, py: u32) -> bool {
        px >= self.x && py >= self.y && px - self.x < self.w && py - self.y < self.h
    }
}

/// A black rectangle over part of the picture for a time range `[from_ms, to_ms)` of the
/// recording (ms since its start). Only the export is blacked out; the recording stays as it was.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Redaction {
    /// Where, in the remote screen's pixels.
    pub rect: RedactionRect,
    /// From, ms since the start (inclusive).
    pub from_ms: u64,
    /// To, ms since the start (exclusive).
    pub to_ms: u64,
}

impl Redaction {
    /// Whether it covers the picture at `t_ms`.
    pub fn active_at(&self, t_ms: u64) -> bool {
        (self.from_ms..self.to_ms).contains(&t_ms)
    }

    /// Parses the command line's `X,Y,W,H@FROM_S-TO_S` (seconds may have decimals).
    pub fn parse(text: &str) -> Result<Self, RedactionParseError> {
        let bad = || RedactionParseError { text: text.to_owned() };
        let (rect, range) = text.split_once('@').ok_or_else(bad)?;
        let numbers: Vec<u32> =
            rect.split(',').map(|part| part.trim().parse::<u32>()).collect::<Result<_, _>>().map_err(|_| bad())?;
        let [x, y, w, h] = numbers[..] else { return Err(bad()) };
        let (from, to) = range.split_once('-').ok_or_else(bad)?;
        let ms = |seconds: &str| -> Result<u64, RedactionParseError> {
            let seconds: f64 = seconds.trim().parse().map_err(|_| bad())?;
            if !(0.0..=1e9).contains(&seconds) {
                return Err(bad());
            }
            Ok((seconds * 1_000.0).round() as u64)
        };
        Ok(Self { rect: RedactionRect { x, y, w, h }, from_ms: ms(from)?, to_ms: ms(to)? })
    }
}

/// A redaction written in a form that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot read the redaction {text:?}: write it as X,Y,W,H@FROM_S-TO_S, e.g. 100,50,300,40@12.5-30")]
pub struct RedactionParseError {
    /// What was given.
    pub text: String,
}

/// What an export is asked to do (the source and the output file are the app's business).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoExportRequest {
    /// The output format.
    pub format: VideoFormat,
    /// The rectangles to black out, each over its time range.
    pub redactions: Vec<Redaction>,
}

/// Why an export request was refused before anything was written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VideoExportError {
    /// A redaction with no area.
    #[error("redaction {index}: the rectangle is empty")]
    EmptyRect {
        /// Its position, from 1.
        index: usize,
    },
    /// A redaction reaching outside the picture.
    #[error("redaction {index}: the rectangle reaches outside the {width}×{height} picture")]
    OutsidePicture {
        /// Its position, from 1.
        index: usize,
        /// The picture's width.
        width: u32,
        /// The picture's height.
        height: u32,
    },
    /// A redaction that ends before it starts.
    #[error("redaction {index}: it must start before it ends")]
    EmptyRange {
        /// Its position, from 1.
        index: usize,
    },
    /// A redaction starting after the recording ends.
    #[error("redaction {index}: it starts after the recording's end ({duration_ms} ms)")]
    AfterEnd {
        /// Its position, from 1.
        index: usize,
        /// The recording's length, ms.
        duration_ms: u64,
    },
    /// More redactions than [`MAX_REDACTIONS`].
    #[error("at most {MAX_REDACTIONS} redactions per export")]
    TooManyRedactions,
    /// The recording has no picture to export.
    #[error("the recording holds no picture")]
    NoPicture,
}

impl VideoExportError {
    /// The redaction it is about (from 1), if any.
    pub fn redaction(&self) -> Option<usize> {
        match self {
            Self::EmptyRect { index }
            | Self::OutsidePicture { index, .. }
            | Self::EmptyRange { index }
            | Self::AfterEnd { index, .. } => Some(*index),
            Self::TooManyRedactions | Self::NoPicture => None,
        }
    }
}

impl VideoExportRequest {
    /// Checks the request against the recording: every rectangle inside the `width`×`height`
    /// picture (the export's size, its first picture's), every range non-empty and starting
    /// within the `duration_ms` (a range may run past the end).
    pub fn validate(&self, width: u32, height: u32, duration_ms: u64) -> Result<(), VideoExportError> {
        if width == 0 || height == 0 {
            return Err(VideoExportError::NoPicture);
        }
        if self.redactions.len() > MAX_REDACTIONS {
            return Err(VideoExportError::TooManyRedactions);
        }
        for (at, redaction) in self.redactions.iter().enumerate() {
            let index = at + 1;
            let rect = redaction.rect;
            if rect.w == 0 || rect.h == 0 {
                return Err(VideoExportError::EmptyRect { index });
            }
            let right = u64::from(rect.x) + u64::from(rect.w);
            let bottom = u64::from(rect.y) + u64::from(rect.h);
            if right > u64::from(width) || bottom > u64::from(height) {
                return Err(VideoExportError::OutsidePicture { index, width, height });
            }
            if redaction.from_ms >= redaction.to_ms {
                return Err(VideoExportError::EmptyRange { index });
            }
            if redaction.from_ms > duration_ms {
                return Err(VideoExportError::AfterEnd { index, duration_ms });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redaction(x: u32, y: u32, w: u32, h: u32, from_ms: u64, to_ms: u64) -> Redaction {
        Redaction { rect: RedactionRect { x, y, w, h }, from_ms, to_ms }
    }

    fn request(redactions: Vec<Redaction>) -> VideoExportRequest {
        VideoExportRequest { format: VideoFormat::Mp4H264, redactions }
    }

    #[test]
    fn parses_the_command_line_form() {
        assert_eq!(Redaction::parse("10,20,30,40@1.5-3").unwrap(), redaction(10, 20, 30, 40, 1_500, 3_000));
        assert_eq!(Redaction::parse(" 0, 0, 5, 5 @ 0 - 0.25").unwrap(), redaction(0, 0, 5, 5, 0, 250));
        for bad in [
            "10,20,30@1-2",
            "10,20,30,40",
            "10,20,30,40@1",
            "a,b,c,d@1-2",
            "1,2,3,4@-1-2",
            "1,2,3,4@x-2",
            "1,2,3,4,5@1-2",
        ] {
            let err = Redaction::parse(bad).unwrap_err();
            assert!(err.to_string().contains("X,Y,W,H@FROM_S-TO_S"), "{bad}: {err}");
        }
    }

    #[test]
    fn rectangles_must_lie_inside_the_picture() {
        assert_eq!(request(vec![redaction(0, 0, 160, 120, 0, 1)]).validate(160, 120, 10_000), Ok(()));
        assert_eq!(
            request(vec![redaction(0, 0, 10, 10, 0, 1), redaction(100, 0, 61, 10, 0, 1)]).validate(160, 120, 10_000),
            Err(VideoExportError::OutsidePicture { index: 2, width: 160, height: 120 })
        );
        assert_eq!(
            request(vec![redaction(0, 119, 1, 2, 0, 1)]).validate(160, 120, 10_000),
            Err(VideoExportError::OutsidePicture { index: 1, width: 160, height: 120 })
        );
        assert_eq!(
            request(vec![redaction(u32::MAX, 0, 2, 1, 0, 1)]).validate(160, 120, 10_000).unwrap_err().redaction(),
            Some(1)
        );
        assert_eq!(
            request(vec![redaction(5, 5, 0, 10, 0, 1)]).validate(160, 120, 10_000),
            Err(VideoExportError::EmptyRect { index: 1 })
        );
    }

    #[test]
    fn ranges_must_be_ordered_and_start_within_the_recording() {
        assert_eq!(
            request(vec![redaction(0, 0, 1, 1, 2_000, 2_000)]).validate(10, 10, 10_000),
            Err(VideoExportError::EmptyRange { index: 1 })
        );
        assert_eq!(
            request(vec![redaction(0, 0, 1, 1, 3_000, 1_000)]).validate(10, 10, 10_000),
            Err(VideoExportError::EmptyRange { index: 1 })
        );
        assert_eq!(
            request(vec![redaction(0, 0, 1, 1, 10_001, 20_000)]).validate(10, 10, 10_000),
            Err(VideoExportError::AfterEnd { index: 1, duration_ms: 10_000 })
        );
        assert_eq!(request(vec![redaction(0, 0, 1, 1, 9_000, 20_000)]).validate(10, 10, 10_000), Ok(()));
        assert_eq!(request(vec![]).validate(0, 10, 10_000), Err(VideoExportError::NoPicture));
        assert_eq!(
            request(vec![redaction(0, 0, 1, 1, 0, 1); MAX_REDACTIONS + 1]).validate(10, 10, 10_000),
            Err(VideoExportError::TooManyRedactions)
        );
    }

    #[test]
    fn active_only_within_its_range_and_formats_follow_extensions() {
        let r = redaction(0, 0, 1, 1, 1_000, 2_000);
        assert!(!r.active_at(999) && r.active_at(1_000) && r.active_at(1_999) && !r.active_at(2_000));
        assert!(r.rect.contains(0, 0) && !r.rect.contains(1, 0) && !r.rect.contains(0, 1));
        assert_eq!(VideoFormat::from_path("a/b.MP4".as_ref()), Some(VideoFormat::Mp4H264));
        assert_eq!(VideoFormat::from_path("b.webm".as_ref()), Some(VideoFormat::WebmVp9));
        assert_eq!(VideoFormat::from_path("b.avi".as_ref()), None);
        assert_eq!(VideoFormat::from_path("b".as_ref()), None);
    }
}
