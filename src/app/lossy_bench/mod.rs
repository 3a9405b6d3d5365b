//! `bench lossy`: what Stepwise's approximate path reaches on a narrow link against x264 at the
//! same bytes.
//!
//! For each scenario folder and byte budget per update, the same consecutive frames go through:
//! - Stepwise: every frame encoded with `encode_within(frame, first, Some(budget))` as the live
//!   stream does on a narrow link (lossless config, one update per frame), applied by a decoder;
//!   PSNR of the decoder's picture against the source frame, bytes of each update. Unlike the
//!   live sharing loop, no frame is held back for refinements (it may hold new frames up to 3 s
//!   while tiles are approximate): both coders get every frame at the same rate.
//! - x264: the system `ffmpeg` as a separate process (`x264.rs`), libx264 at the bit rate the
//!   budget gives at the frame rate (`-preset veryfast -tune zerolatency`, one pass), decoded back
//!   by ffmpeg to raw RGB; the same PSNR per frame, the bytes of the elementary stream.

mod psnr;
mod x264;

use std::path::PathBuf;

use anyhow::Context as _;
use serde_json::{Value, json};

use crate::app::codec_bench::load_frames;
use crate::codec::{Decoder, Encoder, EncoderConfig, Frame};

pub use psnr::{PSNR_CAP_DB, Psnr, psnr_rgb};

/// What to run.
#[derive(Clone, Debug)]
pub struct LossyBenchOptions {
    /// Folder of scenario folders with numbered PNG frames.
    pub corpus: PathBuf,
    /// Only these scenarios (folder names); empty = all.
    pub scenarios: Vec<String>,
    /// Byte budgets per update (one row per scenario and budget).
    pub budgets_bytes: Vec<usize>,
    /// Frames per scenario, at most (the first ones).
    pub frames: usize,
    /// Frame rate the budgets are spent at (x264's bit rate = budget × 8 × fps).
    pub fps: u32,
    /// The ffmpeg program to run.
    pub ffmpeg: PathBuf,
}

/// Per-frame figures of one coder over one scenario.
#[derive(Default)]
struct Series {
    bytes: Vec<usize>,
    psnr: Vec<Psnr>,
}

impl Series {
    fn bytes_mean(&self) -> f64 {
        self.bytes.iter().sum::<usize>() as f64 / self.bytes.len().max(1) as f64
    }

    fn insert(&self, prefix: &str, row: &mut serde_json::Map<String, Value>) {
        let count = self.psnr.len().max(1) as f64;
        let mean_rgb = self.psnr.iter().map(|p| p.rgb_db).sum::<f64>() / count;
        let mean_y = self.psnr.iter().map(|p| p.luma_db).sum::<f64>() / count;
        let min_rgb = self.psnr.iter().map(|p| p.rgb_db).fold(f64::INFINITY, f64::min);
        let min_y = self.psnr.iter().map(|p| p.luma_db).fold(f64::INFINITY, f64::min);
        row.insert(format!("{prefix}_bytes_total"), json!(self.bytes.iter().sum::<usize>()));
        row.insert(format!("{prefix}_bytes_per_frame_mean"), json!(self.bytes_mean().round()));
        row.insert(format!("{prefix}_bytes_per_frame_max"), json!(self.bytes.iter().max().copied().unwrap_or(0)));
        row.insert(format!("{prefix}_psnr_rgb_mean_db"), json!(round2(mean_rgb)));
        row.insert(format!("{prefix}_psnr_rgb_min_db"), json!(round2(min_rgb)));
        row.insert(format!("{prefix}_psnr_y_mean_db"), json!(round2(mean_y)));
        row.insert(format!("{prefix}_psnr_y_min_db"), json!(round2(min_y)));
        // Over the whole sequence (mean squared error of all frames): a few exact frames at the
        // cap do not lift it the way they lift the mean of per-frame figures.
        let pooled = |db: fn(&Psnr) -> f64| {
            let mse = self.psnr.iter().map(|p| 255.0 * 255.0 / 10f64.powf(db(p) / 10.0)).sum::<f64>() / count;
            round2(psnr::from_mse(mse))
        };
        row.insert(format!("{prefix}_psnr_rgb_pooled_db"), json!(pooled(|p| p.rgb_db)));
        row.insert(format!("{prefix}_psnr_y_pooled_db"), json!(pooled(|p| p.luma_db)));
    }
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// Runs the comparison; one JSON object per scenario and budget. Fails with a clear message when
/// ffmpeg is missing or fails.
pub fn run_lossy_bench(options: &LossyBenchOptions) -> anyhow::Result<Vec<Value>> {
    anyhow::ensure!(options.fps > 0, "the frame rate must be at least 1");
    anyhow::ensure!(options.frames > 0, "at least one frame is needed");
    anyhow::ensure!(!options.budgets_bytes.is_empty(), "give at least one byte budget");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&options.corpus)
        .with_context(|| format!("reading {}", options.corpus.display()))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.is_dir())
        .filter(|path| {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            options.scenarios.is_empty() || options.scenarios.contains(&name)
        })
        .collect();
    dirs.sort();
    anyhow::ensure!(!dirs.is_empty(), "no scenario folder matched in {}", options.corpus.display());
    let mut rows = Vec::new();
    for dir in dirs {
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut frames = load_frames(&dir)?;
        frames.truncate(options.frames);
        if frames.is_empty() {
            continue;
        }
        for &budget in &options.budgets_bytes {
            let stepwise = run_stepwise(&name, &frames, budget)?;
            let x264 = x264::run(&options.ffmpeg, &frames, budget, options.fps)
                .with_context(|| format!("{name}: x264 at {budget} bytes per frame"))?;
            rows.push(row(&name, budget, options.fps, frames.len(), &stepwise, &x264));
        }
    }
    Ok(rows)
}

fn row(scenario: &str, budget: usize, fps: u32, frames: usize, stepwise: &Series, x264: &Series) -> Value {
    let mut row = serde_json::Map::new();
    row.insert("scenario".into(), json!(scenario));
    row.insert("budget_bytes".into(), json!(budget));
    row.insert("fps".into(), json!(fps));
    row.insert("frames".into(), json!(frames));
    stepwise.insert("stepwise", &mut row);
    x264.insert("x264", &mut row);
    let ratio = stepwise.bytes_mean() / x264.bytes_mean().max(1.0);
    row.insert("bytes_ratio_stepwise_over_x264".into(), json!(round2(ratio)));
    let gap = |key: &str| {
        let get = |prefix: &str| row.get(&format!("{prefix}_{key}")).and_then(Value::as_f64).unwrap_or(f64::NAN);
        round2(get("stepwise") - get("x264"))
    };
    let gaps = [gap("psnr_rgb_mean_db"), gap("psnr_y_mean_db"), gap("psnr_y_pooled_db")];
    for (key, value) in ["psnr_rgb_gap_db", "psnr_y_gap_db", "psnr_y_pooled_gap_db"].into_iter().zip(gaps) {
        row.insert(key.into(), json!(value));
    }
    Value::Object(row)
}

/// Stepwise as the live stream runs it on a narrow link: one budgeted update per frame.
fn run_stepwise(scenario: &str, frames: &[Frame], budget: usize) -> anyhow::Result<Series> {
    let mut encoder = Encoder::new(EncoderConfig::default());
    let mut decoder = Decoder::new();
    let mut series = Series::default();
    for (number, frame) in frames.iter().enumerate() {
        let update = encoder.encode_within(frame, number == 0, Some(budget));
        series.bytes.push(update.len());
        decoder.decode(&update).with_context(|| format!("{scenario}: decoding update {}", number + 1))?;
        let picture = decoder.frame().with_context(|| format!("{scenario}: no picture after update {}", number + 1))?;
        series.psnr.push(psnr_rgb(&picture.rgba, 4, &frame.rgba, 4)?);
    }
    Ok(series)
}

/// Prints the rows as a table (or JSON lines).
pub fn print_rows(rows: &[Value], json: bool) {
    if !json {
        println!(
            "{:>16} {:>7}  {:>30}  {:>30}  {:>7}  {:>8}",
            "scenario",
            "budget",
            "stepwise B / Y dB mean min pool",
            "x264 B / Y dB mean min pool",
            "B ratio",
            "pool gap"
        );
    }
    for row in rows {
        if json {
            println!("{row}");
            continue;
        }
        let text = |key: &str| row.get(key).and_then(Value::as_str).unwrap_or("?").to_owned();
        let number = |key: &str| row.get(key).and_then(Value::as_f64).unwrap_or(f64::NAN);
        println!(
            "{:>16} {:>7}  {:>8.0} / {:>6.2} {:>5.2} {:>5.2}  {:>8.0} / {:>6.2} {:>5.2} {:>5.2}  {:>7.2}  {:>8.2}",
            text("scenario"),
            number("budget_bytes"),
            number("stepwise_bytes_per_frame_mean"),
            number("stepwise_psnr_y_mean_db"),
            number("stepwise_psnr_y_min_db"),
            number("stepwise_psnr_y_pooled_db"),
            number("x264_bytes_per_frame_mean"),
            number("x264_psnr_y_mean_db"),
            number("x264_psnr_y_min_db"),
            number("x264_psnr_y_pooled_db"),
            number("bytes_ratio_stepwise_over_x264"),
            number("psnr_y_pooled_gap_db"),
        );
    }
}
