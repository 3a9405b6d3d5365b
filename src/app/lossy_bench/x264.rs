//! x264 through the system's `ffmpeg`, run as separate processes (never a library binding): the
//! frames go as raw RGBA on stdin to libx264 (`-b:v` from the budget, `-preset veryfast -tune
//! zerolatency`, one pass) writing an H.264 elementary stream to a temporary file; a second ffmpeg
//! decodes that file to raw RGB24 on stdout, compared in Rust with the source frames.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use anyhow::{Context as _, bail};

use super::{Series, psnr::psnr_rgb};
use crate::codec::Frame;

/// What to say when ffmpeg cannot be started at all.
const MISSING: &str = "ffmpeg (with libx264) is needed for `bench lossy`: install it with \
                       `sudo apt install ffmpeg` (Debian, Ubuntu) or pass --ffmpeg PATH";

/// Codes `frames` with x264 at `budget` bytes per frame at `fps`, decodes them back and returns
/// the bytes (the whole stream spread evenly over the frames: H.264 frame sizes are not split
/// out) and the PSNR of each decoded frame.
pub(super) fn run(ffmpeg: &Path, frames: &[Frame], budget: usize, fps: u32) -> anyhow::Result<Series> {
    let Some(first) = frames.first() else { bail!("no frames") };
    let (width, height) = (first.width, first.height);
    if frames.iter().any(|frame| frame.width != width || frame.height != height) {
        bail!("frames of different sizes");
    }
    let dir = tempfile_dir()?;
    let stream = dir.join("x264.h264");
    let result = encode(ffmpeg, frames, budget, fps, &stream).and_then(|bytes| {
        let decoded = decode(ffmpeg, &stream)?;
        let frame_len = width as usize * height as usize * 3;
        if decoded.len() != frame_len * frames.len() {
            bail!("ffmpeg decoded {} bytes, expected {} frames of {width}x{height}", decoded.len(), frames.len());
        }
        let mut series = Series::default();
        let count = frames.len();
        for (number, (picture, frame)) in decoded.chunks_exact(frame_len).zip(frames).enumerate() {
            // Spread the stream's bytes over the frames, the remainder on the first ones.
            series.bytes.push(bytes / count + usize::from(number < bytes % count));
            series.psnr.push(psnr_rgb(picture, 3, &frame.rgba, 4)?);
        }
        Ok(series)
    });
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// A fresh private folder under the system's temporary folder.
fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = format!("stepwise-x264-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let dir = std::env::temp_dir().join(name);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

fn spawn(ffmpeg: &Path, args: &[String], stdin: Stdio) -> anyhow::Result<std::process::Child> {
    Command::new(ffmpeg)
        .args(["-hide_banner", "-nostats", "-loglevel", "error"])
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => anyhow::anyhow!("{MISSING} ({} not found)", ffmpeg.display()),
            _ => anyhow::anyhow!("cannot run {}: {err}", ffmpeg.display()),
        })
}

fn check(output: &Output, what: &str) -> anyhow::Result<()> {
    if output.status.success() {
        return Ok(());
    }
    let words = String::from_utf8_lossy(&output.stderr);
    bail!("ffmpeg failed to {what} ({}): {}", output.status, words.trim())
}

/// Encodes to `stream`; returns its size in bytes.
fn encode(ffmpeg: &Path, frames: &[Frame], budget: usize, fps: u32, stream: &Path) -> anyhow::Result<usize> {
    let (width, height) = frames.first().map(|f| (f.width, f.height)).unwrap_or((0, 0));
    let bits_per_s = budget as u64 * 8 * u64::from(fps);
    let args: Vec<String> = [
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgba",
        "-s",
        &format!("{width}x{height}"),
        "-r",
        &fps.to_string(),
        "-i",
        "-",
        "-an",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-tune",
        "zerolatency",
        "-pix_fmt",
        "yuv420p",
        "-b:v",
        &bits_per_s.to_string(),
        "-f",
        "h264",
        "-y",
    ]
    .iter()
    .map(|arg| (*arg).to_owned())
    .chain([stream.to_string_lossy().into_owned()])
    .collect();
    let mut child = spawn(ffmpeg, &args, Stdio::piped())?;
    let mut stdin = child.stdin.take().context("ffmpeg's stdin")?;
    // Feed stdin on its own thread while this one drains stdout and stderr (no pipe deadlock).
    let output = std::thread::scope(|scope| {
        let writer = scope.spawn(move || -> std::io::Result<()> {
            for frame in frames {
                stdin.write_all(&frame.rgba)?;
            }
            Ok(())
        });
        let output = child.wait_with_output();
        let written = writer.join();
        (output, written)
    });
    let (output, written) = output;
    let output = output.context("waiting for ffmpeg (encode)")?;
    // Checked first: a write error after ffmpeg failed would hide its own words.
    check(&output, "encode with libx264")?;
    match written {
        Ok(Ok(())) => {}
        Ok(Err(err)) => bail!("writing frames to ffmpeg: {err}"),
        Err(_) => bail!("the thread writing frames to ffmpeg panicked"),
    }
    let bytes = std::fs::metadata(stream).with_context(|| format!("reading {}", stream.display()))?.len();
    Ok(usize::try_from(bytes).unwrap_or(usize::MAX))
}

/// Decodes `stream` to packed RGB24 frames.
fn decode(ffmpeg: &Path, stream: &Path) -> anyhow::Result<Vec<u8>> {
    let args: Vec<String> = ["-f", "h264", "-i"]
        .iter()
        .map(|arg| (*arg).to_owned())
        .chain([stream.to_string_lossy().into_owned()])
        .chain(["-f", "rawvideo", "-pix_fmt", "rgb24", "-"].iter().map(|arg| (*arg).to_owned()))
        .collect();
    let child = spawn(ffmpeg, &args, Stdio::null())?;
    let output = child.wait_with_output().context("waiting for ffmpeg (decode)")?;
    check(&output, "decode the H.264 stream")?;
    Ok(output.stdout)
}
