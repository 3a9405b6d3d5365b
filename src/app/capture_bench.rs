//! `stepwise bench capture`: what grabbing the screen costs, per source available here. For each
//! source: grab times while the screen changes (`grab_ms_p50/p99`) and the CPU the capture costs
//! while nothing changes for `idle_seconds`, polled at the sharing thread's own interval
//! (`idle_cpu_percent` of one core, from `getrusage`: every thread of the process counts, the
//! PipeWire thread included). Sources: X11 (MIT-SHM + DAMAGE, the screen changed by drawing on
//! the root window from a second connection), the PipeWire frame path (1080p buffers converted,
//! whole and damaged), and the Wayland portal where it offers a stream without a dialog.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::Serialize;
use x11rb::connection::Connection as _;
use x11rb::protocol::xproto::{ChangeGCAux, ConnectionExt as _, CreateGCAux, Rectangle};
use x11rb::rust_connection::RustConnection;

use crate::capture::pipewire::{PipeWireStream, StreamTarget};
use crate::capture::pipewire_frame::{BufferLayout, FrameAssembler, ShmFormat};
use crate::capture::x11::X11Source;
use crate::capture::{PixelRect, ScreenSource};

use super::sharing::MIN_FRAME_INTERVAL;

/// The figures of one source.
#[derive(Clone, Debug, Serialize)]
pub struct CaptureSourceReport {
    /// `x11`, `pipewire-frame-path` or `wayland-portal`.
    pub source: String,
    /// Width of the images, pixels.
    pub width: u32,
    /// Height of the images, pixels.
    pub height: u32,
    /// Grabs timed.
    pub grabs: usize,
    /// One grab of a changed screen, median, ms.
    pub grab_ms_p50: Option<f64>,
    /// … 99th percentile, ms.
    pub grab_ms_p99: Option<f64>,
    /// A damaged 256×256 rectangle brought into the image (PipeWire frame path), median, ms.
    pub damage_ms_p50: Option<f64>,
    /// X11: one grab after the whole screen changed, median, ms (`grab_ms_*`: a 120×80 change).
    pub full_grab_ms_p50: Option<f64>,
    /// … 99th percentile, ms.
    pub full_grab_ms_p99: Option<f64>,
    /// How long nothing changed, s.
    pub idle_seconds: Option<f64>,
    /// CPU while nothing changed, percent of one core.
    pub idle_cpu_percent: Option<f64>,
    /// Images the source returned while nothing changed (0 for a source driven by damage).
    pub idle_images: Option<usize>,
    /// From opening the source to its first image, ms (PipeWire sources).
    pub first_image_ms: Option<f64>,
    /// The first image's centre pixel, RGBA (PipeWire sources: checks the conversion end to end).
    pub centre_rgba: Option<[u8; 4]>,
}

/// Every source measured, and why the others were not.
#[derive(Clone, Debug, Serialize)]
pub struct CaptureBenchReport {
    /// One entry per source measured.
    pub sources: Vec<CaptureSourceReport>,
    /// Sources not measured, and why.
    pub skipped: Vec<String>,
}

/// Runs the benchmark: `grabs` timed grabs per source, `idle_seconds` of quiet screen.
pub fn run_capture_bench(
    runtime: &tokio::runtime::Handle,
    grabs: usize,
    idle_seconds: f64,
    pipewire_target: Option<&str>,
) -> anyhow::Result<CaptureBenchReport> {
    anyhow::ensure!(grabs > 0, "at least one grab");
    let idle = Duration::from_secs_f64(idle_seconds.max(0.1));
    let mut report = CaptureBenchReport { sources: Vec::new(), skipped: Vec::new() };
    match crate::capture::x11::probe() {
        Ok(()) => report.sources.push(x11_figures(grabs, idle).context("the X11 capture")?),
        Err(err) => report.skipped.push(format!("x11: {err}")),
    }
    report.sources.push(frame_path_figures(grabs));
    if let Some(target) = pipewire_target {
        report.sources.push(pipewire_stream_figures(target, idle).context("the PipeWire stream")?);
    }
    if super::portal::wanted() {
        match runtime.block_on(super::portal::probe()) {
            Ok(()) => match portal_figures(runtime, idle) {
                Ok(figures) => report.sources.push(figures),
                Err(err) => report.skipped.push(format!("wayland-portal: {err:#}")),
            },
            Err(err) => report.skipped.push(format!("wayland-portal: {err}")),
        }
    } else {
        report.skipped.push("wayland-portal: not a Wayland session".into());
    }
    Ok(report)
}

fn percentile(sorted: &[f64], fraction: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    sorted.get(((last as f64) * fraction).round() as usize).copied()
}

fn milliseconds(elapsed: Duration) -> f64 {
    elapsed.as_secs_f64() * 1_000.0
}

/// CPU time this process used so far (user + system, every thread).
fn process_cpu() -> Duration {
    // SAFETY: getrusage fills the struct it is given; an all-zero rusage is a valid value.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let time = |value: libc::timeval| {
        Duration::from_secs(u64::try_from(value.tv_sec).unwrap_or(0))
            + Duration::from_micros(u64::try_from(value.tv_usec).unwrap_or(0))
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// Polls `source` at the sharing thread's interval for `idle`: CPU percent of one core and how
/// many images came back.
fn idle_figures(source: &mut dyn ScreenSource, idle: Duration) -> (f64, usize) {
    idle_figures_of(&mut || matches!(source.capture(), Ok(Some(_))), idle)
}

/// As [`idle_figures`], for anything that says whether it returned an image.
fn idle_figures_of(poll: &mut dyn FnMut() -> bool, idle: Duration) -> (f64, usize) {
    let (started, cpu_before) = (Instant::now(), process_cpu());
    let mut images = 0;
    while started.elapsed() < idle {
        if poll() {
            images += 1;
        }
        std::thread::sleep(MIN_FRAME_INTERVAL);
    }
    let cpu = process_cpu().saturating_sub(cpu_before);
    (100.0 * cpu.as_secs_f64() / started.elapsed().as_secs_f64(), images)
}

/// X11: the first monitor, changed by a filled rectangle of a new colour before each grab.
fn x11_figures(grabs: usize, idle: Duration) -> anyhow::Result<CaptureSourceReport> {
    let mut source = X11Source::open(0)?;
    let (width, height) = source.size();
    let (painter, screen_number) = RustConnection::connect(None).context("a second X connection")?;
    let root = painter.setup().roots.get(screen_number).context("no X screen")?.root;
    let gc = painter.generate_id()?;
    painter.create_gc(
        gc,
        root,
        &CreateGCAux::new().subwindow_mode(x11rb::protocol::xproto::SubwindowMode::INCLUDE_INFERIORS),
    )?;
    // Settle: take whatever was pending.
    source.capture()?;
    // A small change (a 120×80 rectangle here and there), then the whole screen changing.
    let small = |index: usize| {
        let spot = (index % 16) as i16 * 40;
        Rectangle { x: spot, y: spot, width: 120, height: 80 }
    };
    let full = |_| Rectangle {
        x: 0,
        y: 0,
        width: u16::try_from(width).unwrap_or(u16::MAX),
        height: u16::try_from(height).unwrap_or(u16::MAX),
    };
    let mut timed = |count: usize, change: &dyn Fn(usize) -> Rectangle| -> anyhow::Result<Vec<f64>> {
        let mut grab_ms = Vec::with_capacity(count);
        for index in 0..count {
            let colour = (index as u32).wrapping_mul(0x0004_0813) & 0x00FF_FFFF;
            painter.change_gc(gc, &ChangeGCAux::new().foreground(colour))?;
            painter.poly_fill_rectangle(root, gc, &[change(index)])?;
            painter.get_input_focus()?.reply()?;
            let started = Instant::now();
            let deadline = started + Duration::from_secs(2);
            loop {
                if source.capture()?.is_some() {
                    break;
                }
                anyhow::ensure!(Instant::now() < deadline, "the X server reported no change within 2 s");
                std::thread::yield_now();
            }
            grab_ms.push(milliseconds(started.elapsed()));
        }
        grab_ms.sort_by(f64::total_cmp);
        Ok(grab_ms)
    };
    let grab_ms = timed(grabs, &small)?;
    let full_ms = timed(grabs, &full)?;
    painter.free_gc(gc)?;
    painter.flush()?;
    // Anything still pending from the last drawing.
    std::thread::sleep(Duration::from_millis(50));
    source.capture()?;
    let (idle_cpu_percent, idle_images) = idle_figures(&mut source, idle);
    Ok(CaptureSourceReport {
        source: "x11".into(),
        width,
        height,
        grabs,
        grab_ms_p50: percentile(&grab_ms, 0.5),
        grab_ms_p99: percentile(&grab_ms, 0.99),
        damage_ms_p50: None,
        full_grab_ms_p50: percentile(&full_ms, 0.5),
        full_grab_ms_p99: percentile(&full_ms, 0.99),
        idle_seconds: Some(idle.as_secs_f64()),
        idle_cpu_percent: Some(idle_cpu_percent),
        idle_images: Some(idle_images),
        first_image_ms: None,
        centre_rgba: None,
    })
}

/// The PipeWire frame path on generated 1080p BGRx buffers (padded rows): a whole buffer, and
/// a 256×256 damaged rectangle, each followed by the copy handed to the capture thread.
fn frame_path_figures(grabs: usize) -> CaptureSourceReport {
    let (width, height) = (1920u32, 1080u32);
    let stride = width as usize * 4 + 64;
    let buffers: Vec<Vec<u8>> = (0..2u8).map(|fill| vec![fill.wrapping_mul(77); stride * height as usize]).collect();
    let layout = BufferLayout {
        format: Some(ShmFormat::Bgrx),
        raw_format: 0,
        width,
        height,
        stride_bytes: i32::try_from(stride).unwrap_or(i32::MAX),
        offset_bytes: 0,
        size_bytes: u32::try_from(stride * height as usize).unwrap_or(u32::MAX),
    };
    let mut assembler = FrameAssembler::new();
    let mut whole_ms = Vec::with_capacity(grabs);
    let mut damage_ms = Vec::with_capacity(grabs);
    for index in 0..grabs {
        let buffer = &buffers[index % 2];
        let started = Instant::now();
        let whole = assembler.apply(&layout, buffer, None).map(|_| assembler.image().cloned());
        whole_ms.push(milliseconds(started.elapsed()));
        std::hint::black_box(whole.ok());
        let rect = PixelRect {
            x: (index as u32 * 97) % (width - 256),
            y: (index as u32 * 53) % (height - 256),
            width: 256,
            height: 256,
        };
        let started = Instant::now();
        let damaged = assembler.apply(&layout, buffer, Some(&[rect])).map(|_| assembler.image().cloned());
        damage_ms.push(milliseconds(started.elapsed()));
        std::hint::black_box(damaged.ok());
    }
    whole_ms.sort_by(f64::total_cmp);
    damage_ms.sort_by(f64::total_cmp);
    CaptureSourceReport {
        source: "pipewire-frame-path".into(),
        width,
        height,
        grabs,
        grab_ms_p50: percentile(&whole_ms, 0.5),
        grab_ms_p99: percentile(&whole_ms, 0.99),
        damage_ms_p50: percentile(&damage_ms, 0.5),
        full_grab_ms_p50: None,
        full_grab_ms_p99: None,
        idle_seconds: None,
        idle_cpu_percent: None,
        idle_images: None,
        first_image_ms: None,
        centre_rgba: None,
    }
}

/// A video node of the user's own PipeWire daemon, by name (e.g. a GStreamer `pipewiresink`
/// in scripts/wayland-e2e.sh): the real negotiation and buffers without the portal. Grab times
/// are the stream thread's per-buffer conversion; idle counts the images it handed over.
fn pipewire_stream_figures(target: &str, idle: Duration) -> anyhow::Result<CaptureSourceReport> {
    let opened = Instant::now();
    let stream = PipeWireStream::start_on(None, StreamTarget::Named(target.to_owned()))?;
    let first = loop {
        if let Some(image) = stream.take_frame()? {
            break image;
        }
        anyhow::ensure!(opened.elapsed() < Duration::from_secs(10), "no picture from node {target} within 10 s");
        std::thread::sleep(Duration::from_millis(2));
    };
    let first_image_ms = milliseconds(opened.elapsed());
    let (idle_cpu_percent, idle_images) = idle_figures_of(&mut || matches!(stream.take_frame(), Ok(Some(_))), idle);
    let mut convert_ms = stream.take_convert_ms();
    convert_ms.sort_by(f64::total_cmp);
    Ok(CaptureSourceReport {
        source: "pipewire-stream".into(),
        width: first.width,
        height: first.height,
        grabs: convert_ms.len(),
        grab_ms_p50: percentile(&convert_ms, 0.5),
        grab_ms_p99: percentile(&convert_ms, 0.99),
        damage_ms_p50: None,
        full_grab_ms_p50: None,
        full_grab_ms_p99: None,
        idle_seconds: Some(idle.as_secs_f64()),
        idle_cpu_percent: Some(idle_cpu_percent),
        idle_images: Some(idle_images),
        first_image_ms: Some(first_image_ms),
        centre_rgba: centre_pixel(&first),
    })
}

/// The pixel in the middle of `image`.
fn centre_pixel(image: &crate::capture::ScreenImage) -> Option<[u8; 4]> {
    let at = ((image.height / 2) as usize * image.width as usize + (image.width / 2) as usize) * 4;
    image.rgba.get(at..at + 4).and_then(|pixel| pixel.try_into().ok())
}

/// The portal's stream (only where its dialog answers by itself, e.g. xdg-desktop-portal-wlr
/// with `chooser_type=none`): the first image, then idle.
fn portal_figures(runtime: &tokio::runtime::Handle, idle: Duration) -> anyhow::Result<CaptureSourceReport> {
    let mut open = super::portal::opener(runtime.clone());
    let mut source = open()?;
    let deadline = Instant::now() + Duration::from_secs(20);
    let first = loop {
        if let Some(image) = source.capture()? {
            break image;
        }
        anyhow::ensure!(Instant::now() < deadline, "no picture from the portal within 20 s (a dialog waiting?)");
        std::thread::sleep(Duration::from_millis(10));
    };
    // Let the first frames settle (the compositor may send a few), then measure quiet.
    std::thread::sleep(Duration::from_millis(500));
    while source.capture()?.is_some() {}
    let (idle_cpu_percent, idle_images) = idle_figures(source.as_mut(), idle);
    Ok(CaptureSourceReport {
        source: "wayland-portal".into(),
        width: first.width,
        height: first.height,
        grabs: 1,
        grab_ms_p50: None,
        grab_ms_p99: None,
        damage_ms_p50: None,
        full_grab_ms_p50: None,
        full_grab_ms_p99: None,
        idle_seconds: Some(idle.as_secs_f64()),
        idle_cpu_percent: Some(idle_cpu_percent),
        idle_images: Some(idle_images),
        first_image_ms: None,
        centre_rgba: centre_pixel(&first),
    })
}
