//! `bench codec`: runs the screen codec over a corpus of PNG frame sequences and compares it with
//! two baselines on the same frames, full-frame PNG and zstd (level 3) of the raw RGBA.
//!
//! Each scenario is a folder of numbered PNG frames; every frame is encoded as a delta against the
//! previous one (the first as a keyframe), on one thread, timing only encode and decode. The
//! Stepwise object is the lossless run; where the lossy mode changes anything (photographic
//! content) it also carries `lossy_*` figures from a second run with `allow_lossy`, and `still_*`
//! figures: some frames coded as guidance-only stills (the exact pass, checked bit-exact).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context as _, bail};
use serde_json::{Value, json};

use crate::codec::{Decoder, Encoder, EncoderConfig, Frame};

/// zstd level of the `zstd-raw` baseline.
const BASELINE_ZSTD_LEVEL: i32 = 3;

/// Runs the codec and both baselines on every scenario folder under `corpus` (sorted by name).
/// Returns one flat JSON object per scenario for Stepwise's codec (no `baseline` key) followed by
/// one per baseline (`"baseline": "png"` / `"zstd-raw"`). Fails if a lossless round trip is not
/// bit-exact.
pub fn run_codec_bench(corpus: &Path) -> anyhow::Result<Vec<Value>> {
    let mut scenarios: Vec<PathBuf> = std::fs::read_dir(corpus)
        .with_context(|| format!("reading {}", corpus.display()))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.is_dir())
        .collect();
    scenarios.sort();
    let mut rows = Vec::new();
    for dir in scenarios {
        let name = dir.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
        let frames = load_frames(&dir)?;
        if frames.is_empty() {
            continue;
        }
        let mut row = bench_stepwise(&name, &frames)?;
        add_lossy_figures(&name, &frames, &mut row)?;
        add_still_figures(&name, &frames, &mut row)?;
        rows.push(row);
        rows.push(bench_png(&name, &frames)?);
        rows.push(bench_zstd_raw(&name, &frames)?);
    }
    Ok(rows)
}

/// Loads every `*.png` of `dir`, sorted by file name, as RGBA8 frames.
pub(crate) fn load_frames(dir: &Path) -> anyhow::Result<Vec<Frame>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("png")))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let image = image::open(path).with_context(|| format!("decoding {}", path.display()))?.to_rgba8();
            let (width, height) = image.dimensions();
            Ok(Frame::new(width, height, image.into_raw())?)
        })
        .collect()
}

/// Sizes and times of one codec over one scenario.
#[derive(Default)]
struct Tally {
    bytes: Vec<usize>,
    encode_ms: Vec<f64>,
    decode_ms: Vec<f64>,
    unchanged_bytes: usize,
    unchanged_encode_ms: f64,
}

impl Tally {
    fn to_json(&self, scenario: &str, baseline: Option<&str>, psnr_db: Option<f64>) -> Value {
        let mean = |values: &[f64]| values.iter().sum::<f64>() / values.len().max(1) as f64;
        let bytes: Vec<f64> = self.bytes.iter().map(|&bytes| bytes as f64).collect();
        let mut row = json!({
            "scenario": scenario,
            "frames": self.bytes.len(),
            "bytes_per_frame_mean": mean(&bytes).round(),
            "bytes_per_frame_max": self.bytes.iter().max().copied().unwrap_or(0),
            "encode_ms_mean": round3(mean(&self.encode_ms)),
            "decode_ms_mean": round3(mean(&self.decode_ms)),
            "lossless": psnr_db.is_none(),
            "unchanged_bytes": self.unchanged_bytes,
            "unchanged_encode_ms": round3(self.unchanged_encode_ms),
        });
        if let Some(object) = row.as_object_mut() {
            if let Some(psnr_db) = psnr_db {
                object.insert("psnr_db".into(), json!((psnr_db * 100.0).round() / 100.0));
            }
            if let Some(baseline) = baseline {
                object.insert("baseline".into(), json!(baseline));
            }
        }
        row
    }
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

fn elapsed_ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}

/// Stepwise's codec, lossless, deltas against the previous frame; checks every decoded frame.
fn bench_stepwise(scenario: &str, frames: &[Frame]) -> anyhow::Result<Value> {
    let mut encoder = Encoder::new(EncoderConfig::default());
    let mut decoder = Decoder::new();
    let mut tally = Tally::default();
    for (number, frame) in frames.iter().enumerate() {
        let start = Instant::now();
        let update = encoder.encode(frame, number == 0);
        tally.encode_ms.push(elapsed_ms(start));
        tally.bytes.push(update.len());
        let start = Instant::now();
        decoder.decode(&update).with_context(|| format!("{scenario}: decoding frame {}", number + 1))?;
        tally.decode_ms.push(elapsed_ms(start));
        if decoder.frame() != Some(frame) {
            bail!("{scenario}: frame {} is not bit-exact after decoding", number + 1);
        }
    }
    if let Some(last) = frames.last() {
        let start = Instant::now();
        let update = encoder.encode(last, false);
        tally.unchanged_encode_ms = elapsed_ms(start);
        tally.unchanged_bytes = update.len();
        decoder.decode(&update).with_context(|| format!("{scenario}: decoding the unchanged frame"))?;
    }
    Ok(tally.to_json(scenario, None, None))
}

/// Runs the codec again with lossy coding allowed (no bandwidth hint) and, if any update was
/// lossy, adds `lossy_bytes_per_frame_mean`, `lossy_encode_ms_mean` and `lossy_psnr_db` (over all
/// RGB samples of the sequence) to `row`.
fn add_lossy_figures(scenario: &str, frames: &[Frame], row: &mut Value) -> anyhow::Result<()> {
    let mut encoder = Encoder::new(EncoderConfig { allow_lossy: true, bandwidth_hint_kbps: None });
    let mut decoder = Decoder::new();
    let (mut bytes, mut encode_ms, mut any_lossy) = (0usize, 0f64, false);
    let (mut squared_error, mut samples) = (0f64, 0u64);
    for (number, frame) in frames.iter().enumerate() {
        let start = Instant::now();
        let update = encoder.encode(frame, number == 0);
        encode_ms += elapsed_ms(start);
        bytes += update.len();
        let decoded = decoder.decode(&update).with_context(|| format!("{scenario}: lossy frame {}", number + 1))?;
        any_lossy |= decoded.lossy;
        let Some(output) = decoder.frame() else { bail!("{scenario}: no frame after decoding") };
        for (got, want) in output.rgba.chunks_exact(4).zip(frame.rgba.chunks_exact(4)) {
            for channel in 0..3 {
                let error = f64::from(got[channel]) - f64::from(want[channel]);
                squared_error += error * error;
            }
            samples += 3;
        }
    }
    if !any_lossy {
        return Ok(());
    }
    let mse = squared_error / samples.max(1) as f64;
    let psnr_db = if mse > 0.0 { 10.0 * (255.0 * 255.0 / mse).log10() } else { f64::INFINITY };
    if let Some(object) = row.as_object_mut() {
        let count = frames.len().max(1) as f64;
        object.insert("lossy_bytes_per_frame_mean".into(), json!((bytes as f64 / count).round()));
        object.insert("lossy_encode_ms_mean".into(), json!(round3(encode_ms / count)));
        object.insert("lossy_psnr_db".into(), json!((psnr_db * 100.0).round() / 100.0));
    }
    Ok(())
}

/// Frames of a scenario coded as stills, at most (spread over the sequence).
const STILL_SAMPLES: usize = 8;

/// Codes up to [`STILL_SAMPLES`] frames as exact stills and adds `still_frames`,
/// `still_bytes_mean`, `still_bytes_max`, `still_encode_ms_mean` and `still_decode_ms_mean` to
/// `row`; fails if a still is not bit-exact.
fn add_still_figures(scenario: &str, frames: &[Frame], row: &mut Value) -> anyhow::Result<()> {
    let step = frames.len().div_ceil(STILL_SAMPLES).max(1);
    let (mut bytes, mut encode_ms, mut decode_ms) = (Vec::new(), 0f64, 0f64);
    for (number, frame) in frames.iter().enumerate().step_by(step) {
        let mut encoder = Encoder::new(EncoderConfig::default());
        let start = Instant::now();
        let update = encoder.encode_still(frame, 1);
        encode_ms += elapsed_ms(start);
        bytes.push(update.len());
        let mut decoder = Decoder::new();
        let start = Instant::now();
        decoder.decode(&update).with_context(|| format!("{scenario}: decoding still {}", number + 1))?;
        decode_ms += elapsed_ms(start);
        if decoder.frame() != Some(frame) {
            bail!("{scenario}: still {} is not bit-exact", number + 1);
        }
    }
    let count = bytes.len().max(1) as f64;
    if let Some(object) = row.as_object_mut() {
        object.insert("still_frames".into(), json!(bytes.len()));
        object.insert("still_bytes_mean".into(), json!((bytes.iter().sum::<usize>() as f64 / count).round()));
        object.insert("still_bytes_max".into(), json!(bytes.iter().max().copied().unwrap_or(0)));
        object.insert("still_encode_ms_mean".into(), json!(round3(encode_ms / count)));
        object.insert("still_decode_ms_mean".into(), json!(round3(decode_ms / count)));
    }
    Ok(())
}

fn encode_png(frame: &Frame) -> anyhow::Result<Vec<u8>> {
    use image::ImageEncoder as _;
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png).write_image(
        &frame.rgba,
        frame.width,
        frame.height,
        image::ExtendedColorType::Rgba8,
    )?;
    Ok(png)
}

/// Baseline: every frame as a full PNG (default settings), decoded with `image`.
fn bench_png(scenario: &str, frames: &[Frame]) -> anyhow::Result<Value> {
    let mut tally = Tally::default();
    for frame in frames {
        let start = Instant::now();
        let png = encode_png(frame)?;
        tally.encode_ms.push(elapsed_ms(start));
        tally.bytes.push(png.len());
        let start = Instant::now();
        let decoded = image::load_from_memory_with_format(&png, image::ImageFormat::Png)?.to_rgba8();
        tally.decode_ms.push(elapsed_ms(start));
        if decoded.as_raw() != &frame.rgba {
            bail!("{scenario}: PNG baseline is not bit-exact");
        }
    }
    if let Some(last) = frames.last() {
        let start = Instant::now();
        tally.unchanged_bytes = encode_png(last)?.len();
        tally.unchanged_encode_ms = elapsed_ms(start);
    }
    Ok(tally.to_json(scenario, Some("png"), None))
}

/// Baseline: every frame's raw RGBA compressed with zstd level 3.
fn bench_zstd_raw(scenario: &str, frames: &[Frame]) -> anyhow::Result<Value> {
    let mut tally = Tally::default();
    let mut compressor = zstd::bulk::Compressor::new(BASELINE_ZSTD_LEVEL)?;
    let mut decompressor = zstd::bulk::Decompressor::new()?;
    for frame in frames {
        let start = Instant::now();
        let compressed = compressor.compress(&frame.rgba)?;
        tally.encode_ms.push(elapsed_ms(start));
        tally.bytes.push(compressed.len());
        let start = Instant::now();
        let raw = decompressor.decompress(&compressed, frame.rgba.len())?;
        tally.decode_ms.push(elapsed_ms(start));
        if raw != frame.rgba {
            bail!("{scenario}: zstd baseline is not bit-exact");
        }
    }
    if let Some(last) = frames.last() {
        let start = Instant::now();
        tally.unchanged_bytes = compressor.compress(&last.rgba)?.len();
        tally.unchanged_encode_ms = elapsed_ms(start);
    }
    Ok(tally.to_json(scenario, Some("zstd-raw"), None))
}
