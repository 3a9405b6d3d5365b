//! `stepwise bench overlay`: how long the user's side takes to paint the engineer's arrows for
//! the screen overlay (in software, no GPU), and — where an X display is reachable — to put them
//! on the screen. Each frame is a different set of one to four arrows and highlights with Latin
//! and Chinese labels, as the overlay thread paints them.

use std::time::Instant;

use anyhow::{Context as _, ensure};
use serde::Serialize;

use crate::overlay::x11::X11Overlay;
use crate::overlay::{DesktopRect, OverlayImage, ScreenOverlay};
use crate::protocol::{Annotation, AnnotationColor, RemotePixel, Shape};
use crate::ui::softpaint::SoftwarePainter;

use super::overlay_thread::paint_annotations;

/// The figures of one run.
#[derive(Clone, Debug, Serialize)]
pub struct OverlayBenchReport {
    /// Overlay width, pixels.
    pub width: u32,
    /// Overlay height, pixels.
    pub height: u32,
    /// Arrow sets painted.
    pub frames: usize,
    /// Painting one set, median, ms.
    pub paint_ms_p50: f64,
    /// Painting one set, 95th percentile, ms.
    pub paint_ms_p95: f64,
    /// Slowest paint, ms (the first one lays out the fonts).
    pub paint_ms_max: f64,
    /// Mean area of the painted rectangle, pixels.
    pub painted_pixels_mean: f64,
    /// Putting one set on the screen (changed rectangle + shape, server round trip), median, ms.
    pub show_ms_p50: Option<f64>,
    /// … 95th percentile, ms.
    pub show_ms_p95: Option<f64>,
    /// `Composited` or `Shaped`, when a display was used.
    pub overlay_kind: Option<String>,
    /// Why the screen part was not measured, if it was not.
    pub screen_note: Option<String>,
}

/// The `index`-th arrow set: one to four shapes spread over the screen.
fn arrow_set(index: usize, width: u32, height: u32) -> Vec<(Annotation, f32)> {
    let labels = ["Click here", "点这里保存", "", "Settings → Printers"];
    let count = index % 4 + 1;
    (0..count)
        .map(|k| {
            let seed = (index * 7 + k * 13) as u32;
            let x = width / 8 + (seed * 97) % (width * 3 / 4).max(1);
            let y = height / 8 + (seed * 61) % (height * 3 / 4).max(1);
            let shape = if k % 3 == 2 {
                Shape::Highlight { from: RemotePixel { x, y }, to: RemotePixel { x: x + 220, y: y + 90 } }
            } else {
                Shape::Arrow { tail: RemotePixel { x: x.saturating_sub(180), y: y + 120 }, head: RemotePixel { x, y } }
            };
            let annotation = Annotation {
                id: k as u64,
                shape,
                label: labels[(index + k) % labels.len()].to_owned(),
                color: AnnotationColor::ALL[(index + k) % AnnotationColor::ALL.len()],
                fade_ms: 0,
            };
            (annotation, 1.0)
        })
        .collect()
}

fn percentile(sorted: &[f64], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() - 1) as f64 * fraction).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// Runs the benchmark.
pub fn run_overlay_bench(width: u32, height: u32, frames: usize) -> anyhow::Result<OverlayBenchReport> {
    ensure!((64..=7680).contains(&width) && (64..=4320).contains(&height), "the overlay must be 64×64 to 7680×4320");
    ensure!(frames > 0, "at least one frame");
    let mut painter = SoftwarePainter::new();
    let mut images = Vec::with_capacity(frames.min(16));
    let mut paint_ms = Vec::with_capacity(frames);
    let mut painted_pixels = 0.0;
    for index in 0..frames {
        let set = arrow_set(index, width, height);
        let started = Instant::now();
        let image = paint_annotations(&mut painter, width, height, 1.0, &set);
        paint_ms.push(started.elapsed().as_secs_f64() * 1_000.0);
        painted_pixels += image.painted.map_or(0.0, |[_, _, w, h]| f64::from(w) * f64::from(h));
        if images.len() < 16 {
            images.push(image);
        }
    }
    let paint_max = paint_ms.iter().copied().fold(0.0, f64::max);
    paint_ms.sort_by(f64::total_cmp);
    let mut report = OverlayBenchReport {
        width,
        height,
        frames,
        paint_ms_p50: percentile(&paint_ms, 0.5),
        paint_ms_p95: percentile(&paint_ms, 0.95),
        paint_ms_max: paint_max,
        painted_pixels_mean: painted_pixels / frames as f64,
        show_ms_p50: None,
        show_ms_p95: None,
        overlay_kind: None,
        screen_note: None,
    };
    let area = DesktopRect { x: 0, y: 0, width, height };
    match X11Overlay::open(area) {
        Ok(mut overlay) => {
            let mut show_ms = Vec::with_capacity(frames);
            for index in 0..frames {
                let image = &images[index % images.len()];
                let started = Instant::now();
                overlay
                    .show(&OverlayImage {
                        width,
                        height,
                        rgba_premultiplied: &image.rgba_premultiplied,
                        painted: image.painted,
                    })
                    .context("showing the overlay")?;
                overlay.sync().context("waiting for the X server")?;
                show_ms.push(started.elapsed().as_secs_f64() * 1_000.0);
            }
            show_ms.sort_by(f64::total_cmp);
            report.show_ms_p50 = Some(percentile(&show_ms, 0.5));
            report.show_ms_p95 = Some(percentile(&show_ms, 0.95));
            report.overlay_kind = Some(format!("{:?}", overlay.kind()));
        }
        Err(err) => report.screen_note = Some(err.to_string()),
    }
    Ok(report)
}
