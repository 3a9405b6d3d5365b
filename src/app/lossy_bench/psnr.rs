//! Peak signal-to-noise ratio of a decoded picture against its source, over RGB samples and over
//! luma (BT.601 Y computed from RGB), capped for identical pictures.

use anyhow::ensure;

/// The PSNR reported for identical pictures (an infinite ratio would not fit JSON).
pub const PSNR_CAP_DB: f64 = 100.0;

/// PSNR of one picture.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Psnr {
    /// Over every R, G and B sample.
    pub rgb_db: f64,
    /// Over BT.601 luma (0.299 R + 0.587 G + 0.114 B, not rounded).
    pub luma_db: f64,
}

/// PSNR of `got` against `want`, both packed pixels of `got_step` / `want_step` bytes (3 = RGB,
/// 4 = RGBA; alpha is ignored). Fails if the pixel counts differ or a step is below 3.
pub fn psnr_rgb(got: &[u8], got_step: usize, want: &[u8], want_step: usize) -> anyhow::Result<Psnr> {
    ensure!(got_step >= 3 && want_step >= 3, "pixels need at least 3 bytes");
    ensure!(
        got.len().is_multiple_of(got_step) && want.len().is_multiple_of(want_step),
        "a picture has a partial pixel"
    );
    let pixels = got.len() / got_step;
    ensure!(pixels == want.len() / want_step, "pictures of {} and {} pixels", pixels, want.len() / want_step);
    ensure!(pixels > 0, "empty pictures");
    let luma = |p: &[u8]| 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]);
    let (mut rgb_error, mut luma_error) = (0f64, 0f64);
    for (a, b) in got.chunks_exact(got_step).zip(want.chunks_exact(want_step)) {
        for channel in 0..3 {
            let error = f64::from(a[channel]) - f64::from(b[channel]);
            rgb_error += error * error;
        }
        let error = luma(a) - luma(b);
        luma_error += error * error;
    }
    Ok(Psnr { rgb_db: from_mse(rgb_error / (pixels * 3) as f64), luma_db: from_mse(luma_error / pixels as f64) })
}

/// PSNR of a mean squared error over 8-bit samples, capped at [`PSNR_CAP_DB`].
pub(super) fn from_mse(mse: f64) -> f64 {
    if mse <= 0.0 { PSNR_CAP_DB } else { (10.0 * (255.0 * 255.0 / mse).log10()).min(PSNR_CAP_DB) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_pictures_are_capped() {
        let picture: Vec<u8> = (0..64u8).collect();
        let psnr = psnr_rgb(&picture, 4, &picture, 4).unwrap();
        assert_eq!(psnr, Psnr { rgb_db: PSNR_CAP_DB, luma_db: PSNR_CAP_DB });
    }

    #[test]
    fn known_noise_gives_the_known_value() {
        // Every R, G and B off by ±5 (alternating), alpha ignored: MSE 25 → 10·log10(65025/25).
        let want: Vec<u8> = [100u8, 120, 140, 255].repeat(50);
        let got: Vec<u8> = want
            .chunks_exact(4)
            .enumerate()
            .flat_map(|(i, p)| {
                let d: i16 = if i % 2 == 0 { 5 } else { -5 };
                [(i16::from(p[0]) + d) as u8, (i16::from(p[1]) + d) as u8, (i16::from(p[2]) + d) as u8]
            })
            .collect();
        let psnr = psnr_rgb(&got, 3, &want, 4).unwrap();
        let expected = 10.0 * (65025.0f64 / 25.0).log10();
        assert!((psnr.rgb_db - expected).abs() < 1e-9, "{psnr:?}");
        // Luma moves by the same ±5 (the weights sum to 1).
        assert!((psnr.luma_db - expected).abs() < 1e-6, "{psnr:?}");
        assert!((expected - 34.15).abs() < 0.01);
    }

    #[test]
    fn mismatched_sizes_are_an_error() {
        assert!(psnr_rgb(&[0; 12], 3, &[0; 12], 4).is_err());
        assert!(psnr_rgb(&[0; 2], 2, &[0; 2], 2).is_err());
    }
}
