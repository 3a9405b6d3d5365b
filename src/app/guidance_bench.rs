//! `stepwise bench session --guidance-only`: the same loopback QUIC pair as `bench session`
//! (optionally over an impaired path), switched to guidance-only, measuring what the mode is
//! for: "Show me your screen now" → the still complete and exact in the console's viewer, and a
//! step sent → the user's side has it → its answer back.

use std::path::Path;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::bail;
use serde::Serialize;

use crate::capture::{CaptureError, FrameFolderSource, ScreenSource};
use crate::protocol::{SessionCommand, SessionEvent, SessionMode, StepCard, StepOutcome};
use crate::transport::{FrameSink, TransportEvent, TransportSettings};
use crate::ui::viewer::FrameSlot;

use super::session_bench::{
    BENCH_FPS, BenchConsole, PathOptions, feed_event_sink, pair_with_consent, percentile, wait_for,
};
use super::sessions::{FeedOutcome, ViewerFeed};
use super::sharing::SharingThread;

/// Stills asked for per scenario.
const STILLS: usize = 3;
/// Steps sent (each answered at once by the bench's user side).
const STEPS: u64 = 20;
/// Longest wait for one still, before the bench gives up.
const STILL_TIMEOUT: Duration = Duration::from_secs(120);

/// The guidance-only benchmark's figures (one flat JSON object).
#[derive(Debug, Serialize)]
pub struct GuidanceBenchReport {
    /// Scenario folder name.
    pub scenario: String,
    /// Loss applied, percent.
    pub loss_percent: f64,
    /// One-way delay applied, ms.
    pub delay_ms: u64,
    /// Rate limit, kbit/s (0 = none).
    pub rate_kbps: u64,
    /// Stills asked for.
    pub stills: usize,
    /// Stills whose picture in the viewer equals a frame of the scenario bit for bit.
    pub stills_exact: usize,
    /// Request → the first (coarse) picture of the still in the viewer, ms, 95th percentile.
    pub still_first_picture_ms_p95: f64,
    /// Request → the still complete and exact in the viewer, ms, median.
    pub still_ms_p50: f64,
    /// 95th percentile.
    pub still_ms_p95: f64,
    /// Screen data per still, bytes (coarse and exact passes).
    pub still_bytes_mean: f64,
    /// Steps sent.
    pub steps: u64,
    /// Step sent → the user's side has it → its answer back, ms, median.
    pub step_round_trip_ms_p50: f64,
    /// 95th percentile.
    pub step_round_trip_ms_p95: f64,
}

/// What the viewer feed saw of screen updates: the highest sequence number applied, when the
/// first update after a mark arrived, bytes.
#[derive(Default)]
struct Applied {
    max_seq: u64,
    first_at: Option<Instant>,
    bytes: usize,
}

fn sorted(mut values: Vec<i64>) -> Vec<i64> {
    values.sort_unstable();
    values
}

/// Runs the guidance-only benchmark on `scenario_dir` over `path`.
pub fn run_guidance_bench(
    runtime: &tokio::runtime::Handle,
    scenario_dir: &Path,
    path: PathOptions,
) -> anyhow::Result<GuidanceBenchReport> {
    let mut folder = FrameFolderSource::open(scenario_dir, BENCH_FPS, true)?;
    folder.preload()?;
    let frames = folder.preloaded();
    let impaired = path.loss_percent > 0.0 || path.delay_ms > 0 || path.rate_kbps.is_some();
    let settings = |seed| TransportSettings {
        congestion: path.congestion,
        impairment: impaired.then_some(crate::transport::impair::Impairment {
            loss_percent: path.loss_percent,
            delay_ms: path.delay_ms,
            rate_kbps: path.rate_kbps,
            seed,
        }),
        ..TransportSettings::default()
    };

    let slot = FrameSlot::default();
    let feed = Arc::new(Mutex::new(ViewerFeed::new(slot.clone(), Arc::new(|| {}))));
    let applied = Arc::new(Mutex::new(Applied::default()));
    let (engineer_sink, engineer_events) = feed_event_sink(feed.clone());
    let engineer_frames: FrameSink = {
        let applied = applied.clone();
        Arc::new(move |frame| {
            let outcome =
                feed.lock().unwrap_or_else(PoisonError::into_inner).apply(&frame.data, crate::model::now_ms());
            if let FeedOutcome::Applied { bytes, .. } = outcome {
                let mut applied = applied.lock().unwrap_or_else(PoisonError::into_inner);
                applied.max_seq = applied.max_seq.max(frame.seq);
                applied.first_at.get_or_insert_with(Instant::now);
                applied.bytes += bytes;
            }
        })
    };
    let console = BenchConsole { sink: engineer_sink, frames: engineer_frames, events: &engineer_events, relay: None };
    let (hosted, user, user_events) = pair_with_consent(runtime, &settings, console, "Measure stills and steps")?;
    hosted.handle.send(SessionCommand::SetMode(SessionMode::GuidanceOnly));
    wait_for(&user_events, "guidance-only mode", |e| {
        matches!(e, TransportEvent::Session(SessionEvent::ModeChanged { mode: SessionMode::GuidanceOnly, .. }))
    })?;

    let template = folder.replay(BENCH_FPS, true);
    let opener = Box::new(move || -> Result<Box<dyn ScreenSource>, CaptureError> {
        Ok(Box::new(template.replay(BENCH_FPS, true)))
    });
    let sharing = SharingThread::spawn(
        user.clone(),
        opener,
        Arc::new(Mutex::new(Vec::new())),
        Box::new(|err| tracing::error!("capture failed: {err}")),
    )?;

    let (mut still_ms, mut first_ms, mut exact) = (Vec::new(), Vec::new(), 0);
    let mut still_bytes = 0usize;
    for _ in 0..STILLS {
        {
            let mut applied = applied.lock().unwrap_or_else(PoisonError::into_inner);
            applied.first_at = None;
        }
        let asked = Instant::now();
        hosted.handle.send(SessionCommand::RequestStill);
        let last_seq = wait_for_still(&engineer_events)?;
        loop {
            let applied = applied.lock().unwrap_or_else(PoisonError::into_inner);
            if applied.max_seq >= last_seq {
                tracing::debug!(still_ms = asked.elapsed().as_millis(), bytes = applied.bytes, "still complete");
                still_ms.push(i64::try_from(asked.elapsed().as_millis()).unwrap_or(i64::MAX));
                let first = applied.first_at.map_or(asked.elapsed(), |at| at.duration_since(asked));
                first_ms.push(i64::try_from(first.as_millis()).unwrap_or(i64::MAX));
                break;
            }
            drop(applied);
            if asked.elapsed() > STILL_TIMEOUT {
                bail!("the still's last update never arrived");
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let shown = slot.lock();
        if frames.iter().any(|frame| frame.width == shown.width && frame.rgba == shown.rgba) {
            exact += 1;
        }
    }
    still_bytes += applied.lock().unwrap_or_else(PoisonError::into_inner).bytes;
    drop(sharing);

    let mut round_trips = Vec::new();
    for step_id in 1..=STEPS {
        let card = StepCard {
            step_id,
            index: 1,
            total: 1,
            instruction: "Click the printer icon".into(),
            expected: "The queue opens".into(),
            annotation: None,
        };
        let sent = Instant::now();
        hosted.handle.send(SessionCommand::SendStep(card));
        wait_for(&user_events, "the step", |e| matches!(e, TransportEvent::Session(SessionEvent::StepSent { .. })))?;
        user.send(SessionCommand::AnswerStep { step_id, outcome: StepOutcome::Done, comment: String::new() });
        wait_for(&engineer_events, "the step's answer", |e| {
            matches!(e, TransportEvent::Session(SessionEvent::StepAnswered { .. }))
        })?;
        round_trips.push(i64::try_from(sent.elapsed().as_millis()).unwrap_or(i64::MAX));
    }
    hosted.handle.send(SessionCommand::End);
    let _ = wait_for(&engineer_events, "the end", |e| matches!(e, TransportEvent::Closed));

    let (still_ms, first_ms, round_trips) = (sorted(still_ms), sorted(first_ms), sorted(round_trips));
    Ok(GuidanceBenchReport {
        scenario: scenario_dir.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default(),
        loss_percent: path.loss_percent,
        delay_ms: path.delay_ms,
        rate_kbps: path.rate_kbps.unwrap_or(0),
        stills: STILLS,
        stills_exact: exact,
        still_first_picture_ms_p95: percentile(&first_ms, 0.95),
        still_ms_p50: percentile(&still_ms, 0.50),
        still_ms_p95: percentile(&still_ms, 0.95),
        still_bytes_mean: still_bytes as f64 / STILLS as f64,
        steps: STEPS,
        step_round_trip_ms_p50: percentile(&round_trips, 0.50),
        step_round_trip_ms_p95: percentile(&round_trips, 0.95),
    })
}

/// Waits for the engineer's side to hear that the still is complete; returns its last update.
fn wait_for_still(events: &Receiver<TransportEvent>) -> anyhow::Result<u64> {
    let deadline = Instant::now() + STILL_TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = events.recv_timeout(left).map_err(|_| anyhow::anyhow!("timed out waiting for a still"))?;
        match event {
            TransportEvent::Session(SessionEvent::StillTaken { last_seq, .. }) => return Ok(last_seq),
            TransportEvent::Session(SessionEvent::Ended { reason, .. }) => {
                bail!("the session ended while waiting for a still: {reason:?}")
            }
            TransportEvent::CommandRefused(why) => bail!("the still was refused: {why}"),
            _ => {}
        }
    }
}
