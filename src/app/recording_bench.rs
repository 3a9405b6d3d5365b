//! `bench recording`: builds a long recording per scenario by looping its PNG frames through the
//! real encoder (as the user's side streams them) and the real recorder (as the engineer's side
//! records them), then measures its size against the stream, random seeks to a decoded picture,
//! opening and verifying.
//!
//! Every seek's picture is compared with the source frame shown at that time (the codec is
//! lossless): a wrong picture fails the benchmark.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context as _, bail};
use serde::Serialize;

use super::bench::percentile;
use super::codec_bench::load_frames;
use crate::codec::{Encoder, EncoderConfig, Frame};
use crate::model::{ActorKind, ChatAuthor, SessionId, TicketId, TimelineEvent};
use crate::recording::{
    KeyframePolicy, RecordedEvent, Recorder, RecordingHeader, RecordingReader, Verification, verify,
};

/// Unix ms the benchmark's recordings start at (any fixed time).
const START_MS: i64 = 1_767_225_600_000;
/// A transcript event this often, ms.
const EVENT_EVERY_MS: u64 = 30_000;
/// How often the recording is opened to time it.
const OPEN_RUNS: usize = 5;

/// What to build and measure.
#[derive(Clone, Debug)]
pub struct RecordingBenchOptions {
    /// Length of each recording, minutes.
    pub minutes: u32,
    /// Frames streamed per second.
    pub fps: u32,
    /// Random seeks per recording.
    pub seeks: usize,
    /// Only these scenarios (folder names); all when empty.
    pub scenarios: Vec<String>,
}

/// One scenario's figures.
#[derive(Clone, Debug, Serialize)]
pub struct RecordingBenchRow {
    /// The scenario folder's name.
    pub scenario: String,
    /// Length, minutes.
    pub minutes: u32,
    /// Frames streamed per second.
    pub fps: u32,
    /// Recording file size per minute, bytes.
    pub bytes_per_minute: u64,
    /// Stream size per minute (the updates as sent), bytes.
    pub streamed_bytes_per_minute: u64,
    /// Recording bytes ÷ streamed bytes.
    pub overhead_ratio: f64,
    /// Keyframes in the recording (the sender's and the recorder's).
    pub keyframes: usize,
    /// Median time to the decoded picture at a random time, ms.
    pub seek_ms_p50: f64,
    /// 99th percentile of the same, ms.
    pub seek_ms_p99: f64,
    /// Seeks measured.
    pub seeks: usize,
    /// Median time to open the recording (header, trailer, footer index), ms.
    pub open_ms: f64,
    /// Verifying the whole chain, MB (10⁶ bytes) per second.
    pub verify_mb_per_s: f64,
    /// Time to build the recording (encode + record), s.
    pub build_s: f64,
}

/// Runs the benchmark on `corpus`: a folder of scenario folders, or one scenario folder.
pub fn run_recording_bench(corpus: &Path, options: &RecordingBenchOptions) -> anyhow::Result<Vec<RecordingBenchRow>> {
    if options.minutes == 0 || options.fps == 0 || options.seeks == 0 {
        bail!("--minutes, --fps and --seeks must be at least 1");
    }
    let work_dir = std::env::temp_dir().join(format!("stepwise-bench-recording-{}", std::process::id()));
    std::fs::create_dir_all(&work_dir).with_context(|| format!("creating {}", work_dir.display()))?;
    let result = scenario_dirs(corpus, &options.scenarios).and_then(|dirs| {
        dirs.iter().map(|dir| bench_scenario(dir, &work_dir, options)).collect::<anyhow::Result<Vec<_>>>()
    });
    std::fs::remove_dir_all(&work_dir).ok();
    result
}

/// The scenario folders: `corpus` itself when it holds PNG frames, else its sub-folders (sorted).
fn scenario_dirs(corpus: &Path, only: &[String]) -> anyhow::Result<Vec<PathBuf>> {
    let entries: Vec<PathBuf> = std::fs::read_dir(corpus)
        .with_context(|| format!("reading {}", corpus.display()))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .collect();
    if entries.iter().any(|path| path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("png"))) {
        return Ok(vec![corpus.to_path_buf()]);
    }
    let mut dirs: Vec<PathBuf> = entries
        .into_iter()
        .filter(|path| path.is_dir())
        .filter(|path| {
            only.is_empty() || only.iter().any(|name| path.file_name().is_some_and(|file| file == name.as_str()))
        })
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        bail!("no scenario folders with PNG frames in {}", corpus.display());
    }
    Ok(dirs)
}

/// Builds, seeks, opens and verifies one scenario's recording.
fn bench_scenario(dir: &Path, work_dir: &Path, options: &RecordingBenchOptions) -> anyhow::Result<RecordingBenchRow> {
    let scenario = dir.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let frames = load_frames(dir)?;
    if frames.is_empty() {
        bail!("{scenario}: no PNG frames");
    }
    let path = work_dir.join(format!("{scenario}.swrec"));
    let start = Instant::now();
    let built = build_recording(&path, &frames, options).with_context(|| format!("{scenario}: recording"))?;
    let build_s = start.elapsed().as_secs_f64();

    let mut open_ms = Vec::with_capacity(OPEN_RUNS);
    for _ in 0..OPEN_RUNS {
        let start = Instant::now();
        let reader = RecordingReader::open(&path)?;
        open_ms.push(elapsed_ms(start));
        drop(reader);
    }
    let mut reader = RecordingReader::open(&path)?;
    let keyframes = reader.index().keyframes.len();
    let mut seek_ms = Vec::with_capacity(options.seeks);
    let mut random = Xorshift(0x9e37_79b9_7f4a_7c15);
    for _ in 0..options.seeks {
        let t_ms = random.next() % (built.duration_ms + 1);
        let start = Instant::now();
        let picture = reader.frame_at(t_ms)?.cloned();
        seek_ms.push(elapsed_ms(start));
        let expected = &frames[frame_number_at(t_ms, options.fps) % frames.len()];
        if picture.as_ref() != Some(expected) {
            bail!("{scenario}: the picture at {t_ms} ms is not the frame streamed then");
        }
    }
    drop(reader);

    let start = Instant::now();
    let verdict = verify(&path)?;
    let verify_s = start.elapsed().as_secs_f64();
    if !matches!(verdict, Verification::Verified { .. }) {
        bail!("{scenario}: the recording does not verify: {verdict}");
    }
    std::fs::remove_file(&path).ok();
    let minutes = f64::from(options.minutes);
    Ok(RecordingBenchRow {
        scenario,
        minutes: options.minutes,
        fps: options.fps,
        bytes_per_minute: (built.bytes as f64 / minutes).round() as u64,
        streamed_bytes_per_minute: (built.streamed_bytes as f64 / minutes).round() as u64,
        overhead_ratio: round3(built.bytes as f64 / built.streamed_bytes.max(1) as f64),
        keyframes,
        seek_ms_p50: round3(percentile(&mut seek_ms, 0.5)),
        seek_ms_p99: round3(percentile(&mut seek_ms, 0.99)),
        seeks: options.seeks,
        open_ms: round3(percentile(&mut open_ms, 0.5)),
        verify_mb_per_s: (built.bytes as f64 / 1e6 / verify_s.max(1e-9)).round(),
        build_s: round3(build_s),
    })
}

/// What building a recording produced.
struct Built {
    bytes: u64,
    streamed_bytes: u64,
    duration_ms: u64,
}

/// Streams `frames` in a loop for `options.minutes` at `options.fps` through the encoder and
/// the recorder, with a chat line every 30 s, and seals the file.
fn build_recording(path: &Path, frames: &[Frame], options: &RecordingBenchOptions) -> anyhow::Result<Built> {
    let header = RecordingHeader {
        ticket_id: TicketId(1),
        session_id: SessionId(1),
        started_at_ms: START_MS,
        codec_version: crate::codec::FORMAT_VERSION,
    };
    let mut recorder = Recorder::start(path, header, 0, KeyframePolicy::default())?;
    let mut encoder = Encoder::new(EncoderConfig::default());
    let total = u64::from(options.minutes) * 60 * u64::from(options.fps);
    let mut streamed_bytes = 0u64;
    let mut next_event_ms = 0;
    let mut duration_ms = 0;
    for number in 0..total {
        let t_ms = number * 1000 / u64::from(options.fps);
        let now_ms = START_MS + i64::try_from(t_ms).unwrap_or(i64::MAX);
        let update = encoder.encode(&frames[(number as usize) % frames.len()], number == 0);
        streamed_bytes += update.len() as u64;
        recorder.update(now_ms, &update)?;
        if t_ms >= next_event_ms {
            next_event_ms += EVENT_EVERY_MS;
            let event = TimelineEvent::Chat {
                from: ChatAuthor::Engineer,
                id: Some(number),
                sent_at_ms: Some(now_ms),
                text: "Please click Settings, then Printers.".into(),
            };
            recorder.event(now_ms, &RecordedEvent { actor_kind: ActorKind::Engineer, actor: "Bench".into(), event })?;
        }
        duration_ms = t_ms;
    }
    let sealed = recorder.finish()?;
    Ok(Built { bytes: sealed.bytes, streamed_bytes, duration_ms })
}

/// Which streamed frame (counting from 0) is on screen at `t_ms`.
fn frame_number_at(t_ms: u64, fps: u32) -> usize {
    // Frame n is streamed at floor(n * 1000 / fps): the last n with that ≤ t_ms.
    let fps = u64::from(fps);
    let mut number = (t_ms * fps) / 1000;
    while (number + 1) * 1000 / fps <= t_ms {
        number += 1;
    }
    while number > 0 && number * 1000 / fps > t_ms {
        number -= 1;
    }
    usize::try_from(number).unwrap_or(usize::MAX)
}

/// A small deterministic generator for seek times.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

fn elapsed_ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frame_on_screen_is_the_last_one_streamed() {
        assert_eq!(frame_number_at(0, 10), 0);
        assert_eq!(frame_number_at(99, 10), 0);
        assert_eq!(frame_number_at(100, 10), 1);
        assert_eq!(frame_number_at(332, 3), 0);
        assert_eq!(frame_number_at(333, 3), 1);
        assert_eq!(frame_number_at(665, 3), 1);
        assert_eq!(frame_number_at(666, 3), 2);
    }

    #[test]
    fn a_short_recording_of_generated_frames_is_measured() {
        let dir = tempfile::tempdir().unwrap();
        let scenario = dir.path().join("moving");
        std::fs::create_dir(&scenario).unwrap();
        for n in 0..4u8 {
            let image = image::RgbaImage::from_fn(96, 64, |x, y| image::Rgba([x as u8 ^ n, y as u8, n * 40, 255]));
            image.save(scenario.join(format!("{n:03}.png"))).unwrap();
        }
        let options = RecordingBenchOptions { minutes: 1, fps: 5, seeks: 50, scenarios: Vec::new() };
        let rows = run_recording_bench(dir.path(), &options).unwrap();
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(row.scenario, "moving");
        assert!(row.bytes_per_minute > 0 && row.streamed_bytes_per_minute > 0);
        assert!(row.overhead_ratio >= 1.0, "the recording holds at least the stream: {row:?}");
        assert!(row.keyframes >= 1);
        assert!(row.verify_mb_per_s > 0.0);
    }
}
