//! A recording exported as a video through the system's `ffmpeg`, run as a separate process: the
//! recording's pictures at a fixed rate, redactions blacked out, as raw RGBA on its standard
//! input (`-f rawvideo -pix_fmt rgba -s WxH -r FPS -i -`). The video is written next to its
//! final name and renamed once ffmpeg succeeded; the recording itself is only read.

mod dialog;
mod frames;

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::model::{TimelineEvent, VideoExportError, VideoExportRequest, VideoFormat};
use crate::recording::{RecordingError, RecordingReader, Verification, verify};

pub use dialog::VideoExports;
pub use frames::{compose, output_size};

/// Pictures per second of an export.
pub const EXPORT_FPS: u32 = 10;
/// The most of ffmpeg's error output kept for the message, bytes (its last lines).
const STDERR_KEPT_BYTES: usize = 4_096;
/// What to install when ffmpeg is missing.
pub const INSTALL_FFMPEG_HINT: &str =
    "install it with `sudo apt install ffmpeg` (Debian, Ubuntu) or your system's package manager";

/// One export: which recording, where to, what to black out.
#[derive(Clone, Debug, PartialEq)]
pub struct VideoExportJob {
    /// The recording.
    pub source: PathBuf,
    /// The video to write (replaced if it exists).
    pub out: PathBuf,
    /// Format and redactions.
    pub request: VideoExportRequest,
    /// Pictures per second.
    pub fps: u32,
    /// The ffmpeg program (`ffmpeg`, found on `PATH`).
    pub ffmpeg: OsString,
}

impl VideoExportJob {
    /// An export of `source` to `out` at [`EXPORT_FPS`] with the system's `ffmpeg`.
    pub fn new(source: PathBuf, out: PathBuf, request: VideoExportRequest) -> Self {
        Self { source, out, request, fps: EXPORT_FPS, ffmpeg: OsString::from("ffmpeg") }
    }
}

/// A finished export.
#[derive(Clone, Debug, PartialEq)]
pub struct VideoExported {
    /// Where the video is.
    pub path: PathBuf,
    /// Pictures written.
    pub frames: u64,
    /// Its size, pixels.
    pub width: u32,
    /// Its size, pixels.
    pub height: u32,
    /// Its length, ms.
    pub duration_ms: u64,
    /// The source's chain head when it verified (empty when it was never sealed).
    pub hash_head: String,
    /// The timeline entry that records it on the ticket.
    pub event: TimelineEvent,
}

/// Why an export did not happen.
#[derive(Debug, thiserror::Error)]
pub enum VideoExportFailure {
    /// No ffmpeg to run.
    #[error("ffmpeg was not found on PATH: {INSTALL_FFMPEG_HINT}")]
    FfmpegMissing,
    /// The request does not fit the recording.
    #[error("{0}")]
    Refused(#[from] VideoExportError),
    /// The recording cannot be read.
    #[error("{0}")]
    Recording(#[from] RecordingError),
    /// The recording does not match its hash chain: it is not exported.
    #[error("the recording was modified at record {record}: it is not exported (run `stepwise recordings verify`)")]
    SourceModified {
        /// The first record that does not match.
        record: u64,
    },
    /// The output would overwrite the recording.
    #[error("the video cannot replace the recording itself: choose another file")]
    SameFile,
    /// The output's name asks for a format this build does not write.
    #[error("{path}: the file name must end in .mp4 or .webm")]
    UnknownExtension {
        /// The output.
        path: String,
    },
    /// ffmpeg failed.
    #[error("ffmpeg failed ({status}): {stderr}")]
    Ffmpeg {
        /// Its exit status.
        status: String,
        /// The end of its error output.
        stderr: String,
    },
    /// A file or process operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: String,
        /// The system's error.
        source: std::io::Error,
    },
    /// Cancelled: nothing was left behind.
    #[error("the export was cancelled")]
    Cancelled,
}

impl VideoExportFailure {
    fn io(action: &'static str, path: &Path, source: std::io::Error) -> Self {
        Self::Io { action, path: path.display().to_string(), source }
    }
}

/// Runs the export: checks the source against its chain and the request against the picture,
/// then streams every picture to ffmpeg. `progress` gets the fraction done (0..=1) now and then;
/// setting `cancel` stops it (ffmpeg is killed and the partial file removed).
pub fn export_video(
    job: &VideoExportJob,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(f32),
) -> Result<VideoExported, VideoExportFailure> {
    if same_file(&job.source, &job.out) {
        return Err(VideoExportFailure::SameFile);
    }
    let hash_head = match verify(&job.source)? {
        Verification::Verified { hash_head, .. } => hash_head.to_string(),
        Verification::Truncated { .. } => String::new(),
        Verification::Modified { record } => return Err(VideoExportFailure::SourceModified { record }),
    };
    let mut reader = RecordingReader::open(&job.source)?;
    let duration_ms = reader.duration_ms();
    let first_t_ms = reader.index().keyframes.first().map(|entry| entry.t_ms).ok_or(VideoExportError::NoPicture)?;
    let (first_width, first_height) = match reader.frame_at(first_t_ms)? {
        Some(frame) => (frame.width, frame.height),
        None => return Err(VideoExportError::NoPicture.into()),
    };
    job.request.validate(first_width, first_height, duration_ms)?;
    let (width, height) = output_size(first_width, first_height);
    let fps = job.fps.clamp(1, 60);
    let frame_count = duration_ms * u64::from(fps) / 1_000 + 1;
    let partial = partial_path(&job.out);
    // Dropped before `finish` succeeded (cancel, an unreadable record), it is killed and its
    // partial file removed.
    let mut ffmpeg = Ffmpeg::spawn(job, partial.clone(), width, height, fps)?;
    let gaps = reader.index().gaps.clone();
    let mut rgba = Vec::new();
    progress(0.0);
    for n in 0..frame_count {
        if cancel.load(Ordering::Relaxed) {
            return Err(VideoExportFailure::Cancelled);
        }
        let t_ms = n * 1_000 / u64::from(fps);
        let paused = gaps.iter().any(|gap| t_ms >= gap.from_ms && gap.to_ms.is_none_or(|to_ms| t_ms < to_ms));
        let frame = if paused { None } else { reader.frame_at(t_ms)? };
        compose(frame, &job.request.redactions, t_ms, width, height, &mut rgba);
        if ffmpeg.write(&rgba).is_err() {
            // ffmpeg stopped reading: its own words say why.
            return Err(match ffmpeg.finish() {
                Err(failure) => failure,
                Ok(()) => {
                    std::fs::remove_file(&partial).ok();
                    VideoExportFailure::Ffmpeg { status: "stopped reading early".into(), stderr: String::new() }
                }
            });
        }
        if n % 10 == 0 {
            progress(n as f32 / frame_count as f32);
        }
    }
    ffmpeg.finish()?;
    std::fs::rename(&partial, &job.out).map_err(|err| {
        std::fs::remove_file(&partial).ok();
        VideoExportFailure::io("cannot write", &job.out, err)
    })?;
    progress(1.0);
    let file_name = job.out.file_name().map_or_else(String::new, |name| name.to_string_lossy().into_owned());
    let event = TimelineEvent::RecordingExported {
        format: job.request.format,
        redactions: job.request.redactions.clone(),
        file_name,
        hash_head: hash_head.clone(),
        duration_ms,
    };
    Ok(VideoExported { path: job.out.clone(), frames: frame_count, width, height, duration_ms, hash_head, event })
}

/// The format an output file asks for by its extension.
pub fn format_for(out: &Path) -> Result<VideoFormat, VideoExportFailure> {
    VideoFormat::from_path(out).ok_or_else(|| VideoExportFailure::UnknownExtension { path: out.display().to_string() })
}

/// Whether `out` names the recording itself (as is, or through links).
fn same_file(source: &Path, out: &Path) -> bool {
    if source == out {
        return true;
    }
    match (source.canonicalize(), out.canonicalize()) {
        (Ok(source), Ok(out)) => source == out,
        _ => false,
    }
}

/// Where the video is written until ffmpeg succeeded: `.NAME.partial` beside it.
fn partial_path(out: &Path) -> PathBuf {
    let name = out.file_name().map_or_else(|| OsString::from("video"), ToOwned::to_owned);
    let mut partial = OsString::from(".");
    partial.push(name);
    partial.push(".partial");
    out.with_file_name(partial)
}

/// The encoder's arguments for a format.
fn codec_args(format: VideoFormat) -> &'static [&'static str] {
    match format {
        VideoFormat::Mp4H264 => {
            &["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-movflags", "+faststart", "-f", "mp4"]
        }
        VideoFormat::WebmVp9 => &[
            "-c:v",
            "libvpx-vp9",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-row-mt",
            "1",
            "-b:v",
            "0",
            "-crf",
            "32",
            "-f",
            "webm",
        ],
    }
}

/// A running ffmpeg: raw pictures in, its error output kept by a thread. Dropped before
/// [`Ffmpeg::finish`] succeeded, it is killed and its partial file removed.
struct Ffmpeg {
    child: Child,
    stdin: Option<ChildStdin>,
    stderr: Option<std::thread::JoinHandle<String>>,
    partial: PathBuf,
    succeeded: bool,
}

impl Ffmpeg {
    fn spawn(
        job: &VideoExportJob,
        partial: PathBuf,
        width: u32,
        height: u32,
        fps: u32,
    ) -> Result<Self, VideoExportFailure> {
        let mut command = Command::new(&job.ffmpeg);
        command
            .args(["-hide_banner", "-loglevel", "error", "-nostats", "-y"])
            .args(["-f", "rawvideo", "-pix_fmt", "rgba", "-s", &format!("{width}x{height}"), "-r", &fps.to_string()])
            .args(["-i", "-", "-an"])
            .args(codec_args(job.request.format))
            .args(["-pix_fmt", "yuv420p"])
            .arg(&partial)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command.spawn().map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => VideoExportFailure::FfmpegMissing,
            _ => VideoExportFailure::io("cannot run", Path::new(&job.ffmpeg), err),
        })?;
        let stdin = child.stdin.take();
        let stderr = child.stderr.take().and_then(|pipe| {
            std::thread::Builder::new().name("stepwise-ffmpeg-stderr".into()).spawn(move || keep_tail(pipe)).ok()
        });
        Ok(Self { child, stdin, stderr, partial, succeeded: false })
    }

    fn write(&mut self, rgba: &[u8]) -> std::io::Result<()> {
        match &mut self.stdin {
            Some(stdin) => stdin.write_all(rgba),
            None => Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe)),
        }
    }

    /// Closes its input and waits for it; its error output says why it failed.
    fn finish(&mut self) -> Result<(), VideoExportFailure> {
        drop(self.stdin.take());
        let status =
            self.child.wait().map_err(|err| VideoExportFailure::io("cannot wait for", Path::new("ffmpeg"), err))?;
        let stderr = self.stderr.take().and_then(|thread| thread.join().ok()).unwrap_or_default();
        if status.success() {
            self.succeeded = true;
            Ok(())
        } else {
            Err(VideoExportFailure::Ffmpeg { status: status.to_string(), stderr })
        }
    }
}

impl Drop for Ffmpeg {
    fn drop(&mut self) {
        if self.succeeded {
            return;
        }
        drop(self.stdin.take());
        self.child.kill().ok();
        self.child.wait().ok();
        if let Some(thread) = self.stderr.take() {
            thread.join().ok();
        }
        std::fs::remove_file(&self.partial).ok();
    }
}

/// Reads a pipe to its end, keeping the last [`STDERR_KEPT_BYTES`] as text.
fn keep_tail(mut pipe: impl Read) -> String {
    let mut kept = Vec::new();
    let mut buffer = [0u8; 4_096];
    while let Ok(read) = pipe.read(&mut buffer) {
        if read == 0 {
            break;
        }
        kept.extend_from_slice(&buffer[..read]);
        if kept.len() > 2 * STDERR_KEPT_BYTES {
            kept.drain(..kept.len() - STDERR_KEPT_BYTES);
        }
    }
    let start = kept.len().saturating_sub(STDERR_KEPT_BYTES);
    String::from_utf8_lossy(&kept[start..]).trim().to_owned()
}

#[cfg(test)]
mod tests;
