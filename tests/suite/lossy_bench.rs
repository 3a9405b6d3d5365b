//! `bench lossy` on three small frames: Stepwise's budgeted updates and x264 through the system
//! ffmpeg (`.ci/run` installs it), and the message when ffmpeg is missing.

use std::path::Path;

use stepwise::app::lossy_bench::{LossyBenchOptions, PSNR_CAP_DB, run_lossy_bench};

/// Three 64×48 frames of a moving noisy gradient (photographic-like) in `corpus/tiny`.
fn tiny_corpus(root: &Path) {
    let dir = root.join("tiny");
    std::fs::create_dir_all(&dir).unwrap();
    for number in 0..3u32 {
        let image = image::RgbaImage::from_fn(64, 48, |x, y| {
            let noise = (x.wrapping_mul(7919) ^ y.wrapping_mul(104_729) ^ number.wrapping_mul(31)) % 23;
            let r = (x * 4 + number * 9 + noise) as u8;
            let g = (y * 5 + noise * 2) as u8;
            image::Rgba([r, g, ((x + y) * 2) as u8, 255])
        });
        image.save(dir.join(format!("{:03}.png", number + 1))).unwrap();
    }
}

fn options(corpus: &Path, budget: usize, ffmpeg: &str) -> LossyBenchOptions {
    LossyBenchOptions {
        corpus: corpus.to_path_buf(),
        scenarios: Vec::new(),
        budgets_bytes: vec![budget],
        frames: 30,
        fps: 10,
        ffmpeg: ffmpeg.into(),
    }
}

#[test]
fn both_coders_are_measured_on_the_same_frames() {
    let dir = tempfile::tempdir().unwrap();
    tiny_corpus(dir.path());
    // A tight budget: Stepwise approximates, x264 codes at 300 × 8 × 10 bit/s.
    let rows = run_lossy_bench(&options(dir.path(), 300, "ffmpeg")).unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    let number = |key: &str| row.get(key).and_then(serde_json::Value::as_f64).unwrap_or_else(|| panic!("{key}: {row}"));
    assert_eq!(number("frames"), 3.0);
    assert!(number("x264_bytes_total") > 0.0, "{row}");
    assert!(number("stepwise_bytes_total") > 0.0, "{row}");
    for coder in ["stepwise", "x264"] {
        let min = number(&format!("{coder}_psnr_rgb_min_db"));
        let mean = number(&format!("{coder}_psnr_rgb_mean_db"));
        assert!(min > 10.0 && min <= mean && mean < PSNR_CAP_DB, "{coder}: {row}");
    }
    // A budget far above the exact size: every Stepwise frame arrives bit-exact (capped PSNR).
    let rows = run_lossy_bench(&options(dir.path(), 1_000_000, "ffmpeg")).unwrap();
    let exact = rows[0].get("stepwise_psnr_rgb_min_db").and_then(serde_json::Value::as_f64);
    assert_eq!(exact, Some(PSNR_CAP_DB), "{}", rows[0]);
}

#[test]
fn a_missing_ffmpeg_says_what_to_install() {
    let dir = tempfile::tempdir().unwrap();
    tiny_corpus(dir.path());
    let err = run_lossy_bench(&options(dir.path(), 300, "stepwise-test-no-such-ffmpeg")).unwrap_err();
    let text = format!("{err:#}");
    assert!(text.contains("apt install ffmpeg"), "{text}");
}
