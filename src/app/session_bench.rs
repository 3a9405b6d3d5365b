//! `stepwise bench session`: one scenario folder streamed at 30 fps from a user-side capture
//! thread to a console-side viewer feed over real loopback QUIC, through the same code the app
//! uses, optionally over an impaired path (loss, one-way delay, rate) made by a wrapped socket.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde::Serialize;

use crate::capture::{CaptureError, FrameFolderSource, ScreenSource};
use crate::protocol::SessionCommand;
use crate::protocol::{ConsentRequest, Scopes, SessionEvent};
use crate::transport::impair::Impairment;
use crate::transport::{
    Congestion, EventSink, FrameSink, HostRequest, HostedSession, RelayConfig, RelayOutcome, SessionHandle,
    TransportEvent, TransportSettings, host_session, join_session,
};
use crate::ui::viewer::FrameSlot;

use super::picture_timing::{Received, arrivals, picture_times};
use super::sessions::{FeedOutcome, Observed, ViewerFeed};
use super::sharing::SharingThread;

/// Playback rate: the corpus was recorded at 10 fps and is played three times as fast.
pub const BENCH_FPS: u32 = 30;
/// Times the folder is played.
const PASSES: usize = 3;

/// How the path is impaired, and which congestion controller runs.
#[derive(Clone, Copy, Debug, Default)]
pub struct PathOptions {
    /// Packet loss, percent, each direction.
    pub loss_percent: f64,
    /// One-way delay, ms, each direction.
    pub delay_ms: u64,
    /// Bottleneck rate, kbit/s, each direction.
    pub rate_kbps: Option<u64>,
    /// Congestion controller.
    pub congestion: Congestion,
}

/// The benchmark's figures (one flat JSON object).
#[derive(Debug, Serialize)]
pub struct SessionBenchReport {
    /// Scenario folder name.
    pub scenario: String,
    /// Congestion controller.
    pub congestion: &'static str,
    /// Loss applied, percent.
    pub loss_percent: f64,
    /// One-way delay applied, ms.
    pub delay_ms: u64,
    /// Rate limit, kbit/s (0 = none).
    pub rate_kbps: u64,
    /// Frames offered by the source.
    pub frames_offered: usize,
    /// Updates decoded at the console.
    pub frames_decoded: u64,
    /// Frames the sender dropped because the link was busy.
    pub frames_skipped: u64,
    /// Capture → decoded latency percentiles, ms (the first update of each capture).
    pub latency_ms_p50: f64,
    /// 95th percentile.
    pub latency_ms_p95: f64,
    /// 99th percentile.
    pub latency_ms_p99: f64,
    /// Decoded updates per second while streaming.
    pub fps: f64,
    /// Screen data received, kbit/s.
    pub kbps: f64,
    /// Longest time the view froze beyond the content's own pacing: for consecutive decoded
    /// updates, the gap between their arrivals minus the gap between their captures, ms.
    pub max_stall_ms: u64,
    /// Capture → a complete, possibly approximate picture of it at the viewer, 95th percentile, ms.
    pub first_picture_ms_p95: f64,
    /// Capture → the viewer bit-exact on it (or on a later capture), median, ms.
    pub exact_ms_p50: f64,
    /// Capture → the viewer bit-exact on it (or on a later capture), 95th percentile, ms; a capture
    /// never exact counts until the end of the run.
    pub exact_ms_p95: f64,
    /// Captures the viewer never showed bit-exact before the run ended.
    pub never_exact: usize,
    /// Updates after which the decoder's "nothing approximate" disagreed with the pixels.
    pub exact_claim_mismatches: usize,
    /// Streaming time, ms.
    pub duration_ms: u64,
}

#[derive(Default)]
struct Samples {
    /// Every applied update, for the picture timings after the run.
    received: Vec<Received>,
    bytes: usize,
    skipped: u64,
}

pub(super) fn percentile(sorted: &[i64], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() - 1) as f64 * fraction).round() as usize;
    sorted[index.min(sorted.len() - 1)] as f64
}

pub(super) fn wait_for(
    events: &Receiver<TransportEvent>,
    what: &str,
    wanted: impl Fn(&TransportEvent) -> bool,
) -> anyhow::Result<TransportEvent> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = events.recv_timeout(left).map_err(|_| anyhow::anyhow!("timed out waiting for {what}"))?;
        if let TransportEvent::Session(SessionEvent::Ended { reason, .. }) = &event {
            bail!("the session ended while waiting for {what}: {reason:?}");
        }
        if wanted(&event) {
            return Ok(event);
        }
    }
}

/// The console's side of a benchmark pair: its sinks and where its events arrive.
pub(super) struct BenchConsole<'a> {
    /// Session events (the viewer feed's own stay there).
    pub sink: EventSink,
    /// Screen updates.
    pub frames: FrameSink,
    /// The events the sink passes on.
    pub events: &'a Receiver<TransportEvent>,
    /// Pair through this TURN server only (the link's direct address answers nothing).
    pub relay: Option<&'a RelayConfig>,
}

/// Hosts a loopback session for `console`, joins it as the bench's user (`settings(1)` for the
/// console, `settings(2)` for the user) and has the user allow the default scopes; returns the
/// hosted session, the user's handle and the user's events.
pub(super) fn pair_with_consent(
    runtime: &tokio::runtime::Handle,
    settings: &dyn Fn(u64) -> TransportSettings,
    console: BenchConsole<'_>,
    purpose: &str,
) -> anyhow::Result<(HostedSession, SessionHandle, Receiver<TransportEvent>)> {
    let bind = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let request = HostRequest {
        bind,
        advertised_host: Some("127.0.0.1".into()),
        display_name: "Bench engineer".into(),
        relay: console.relay.cloned(),
    };
    let hosted = host_session(runtime, request, settings(1), console.sink, console.frames)?;
    let mut link = hosted.link.clone();
    if console.relay.is_some() {
        // The allocation is made on the session's task; the link with its candidate follows.
        match wait_for(console.events, "the engineer's relay allocation", |e| matches!(e, TransportEvent::Relay(_)))? {
            TransportEvent::Relay(RelayOutcome::Ready(with_relay)) => link = with_relay,
            other => bail!("the engineer's relay allocation failed: {other:?}"),
        }
    }
    let (user_tx, user_events) = channel();
    let user_sink: EventSink = Arc::new(move |event| drop(user_tx.send(event)));
    // Through the relay: the direct address is a port that answers nothing (kept bound until
    // the pair is made), so only the relay path can work.
    let hole = std::net::UdpSocket::bind(bind).context("no UDP port")?;
    if console.relay.is_some() {
        link.port = hole.local_addr()?.port();
    }
    let user_settings = TransportSettings { direct_timeout: Duration::from_millis(300), ..settings(2) };
    let user = runtime
        .block_on(join_session(&link, "Bench user", user_settings, user_sink))
        .context("joining the bench session")?;
    hosted.handle.send(SessionCommand::RequestConsent(ConsentRequest {
        engineer_name: "Bench engineer".into(),
        team: "Bench".into(),
        ticket_number: "T-BENCH".into(),
        ticket_title: "Session benchmark".into(),
        purpose: purpose.into(),
        suggested: Scopes::default(),
    }));
    wait_for(&user_events, "the consent request", |e| {
        matches!(e, TransportEvent::Session(SessionEvent::ConsentRequested(_)))
    })?;
    user.send(SessionCommand::Grant(Scopes::default()));
    wait_for(console.events, "the grant", |e| matches!(e, TransportEvent::Session(SessionEvent::ConsentGranted(_))))?;
    if console.relay.is_some() && user.status().path() != crate::protocol::LinkPath::Relayed {
        bail!("the bench pair did not go through the relay");
    }
    Ok((hosted, user, user_events))
}

/// The console's event sink for a benchmark: what the viewer `feed` handles stays there, every
/// other event goes to the returned channel.
pub(super) fn feed_event_sink(feed: Arc<Mutex<ViewerFeed>>) -> (EventSink, Receiver<TransportEvent>) {
    let (engineer_tx, engineer_events) = channel();
    let sink: EventSink = Arc::new(move |event| {
        if let TransportEvent::Session(session_event) = &event
            && let Observed::Handled(_) = feed.lock().unwrap_or_else(PoisonError::into_inner).observe(session_event)
        {
            return;
        }
        let _ = engineer_tx.send(event);
    });
    (sink, engineer_events)
}

/// Streams `scenario_dir` over loopback QUIC with `path` impairments and measures.
pub fn run_session_bench(
    runtime: &tokio::runtime::Handle,
    scenario_dir: &Path,
    path: PathOptions,
) -> anyhow::Result<SessionBenchReport> {
    run_session_bench_over(runtime, scenario_dir, path, None)
}

/// Like [`run_session_bench`], through the TURN server `relay` when given (the direct address
/// answers nothing).
pub fn run_session_bench_over(
    runtime: &tokio::runtime::Handle,
    scenario_dir: &Path,
    path: PathOptions,
    relay: Option<&RelayConfig>,
) -> anyhow::Result<SessionBenchReport> {
    let mut folder = FrameFolderSource::open(scenario_dir, BENCH_FPS, true)?;
    folder.preload()?;
    let sources = folder.preloaded();
    let frames_offered = folder.frame_count() * PASSES;
    let impairment =
        |seed| Impairment { loss_percent: path.loss_percent, delay_ms: path.delay_ms, rate_kbps: path.rate_kbps, seed };
    let impaired = path.loss_percent > 0.0 || path.delay_ms > 0 || path.rate_kbps.is_some();
    let settings = |seed| TransportSettings {
        congestion: path.congestion,
        impairment: impaired.then(|| impairment(seed)),
        // `--via-relay` measures the relay path: on loopback hole punching would leave it.
        hole_punching: false,
        ..TransportSettings::default()
    };

    // Console side: a viewer feed measuring every decoded update.
    let samples = Arc::new(Mutex::new(Samples::default()));
    let feed = Arc::new(Mutex::new(ViewerFeed::new(FrameSlot::default(), Arc::new(|| {}))));
    let (engineer_tx, engineer_events) = channel();
    let engineer_samples = samples.clone();
    let keyframe_handle: Arc<std::sync::OnceLock<crate::transport::SessionHandle>> = Arc::default();
    let ask_for_keyframe = {
        let keyframe_handle = keyframe_handle.clone();
        move |outcome: FeedOutcome| {
            if outcome == FeedOutcome::NeedKeyframe
                && let Some(handle) = keyframe_handle.get()
            {
                handle.send(SessionCommand::RequestKeyframe);
            }
        }
    };
    let engineer_sink: EventSink = {
        let (feed, ask_for_keyframe) = (feed.clone(), ask_for_keyframe.clone());
        Arc::new(move |event| {
            if let TransportEvent::Session(session_event) = &event
                && let Observed::Handled(outcome) =
                    feed.lock().unwrap_or_else(PoisonError::into_inner).observe(session_event)
            {
                ask_for_keyframe(outcome);
                return;
            }
            let _ = engineer_tx.send(event);
        })
    };
    let engineer_frames: FrameSink = Arc::new(move |frame| {
        let now_ms = crate::model::now_ms();
        let outcome = feed.lock().unwrap_or_else(PoisonError::into_inner).apply(&frame.data, now_ms);
        ask_for_keyframe(outcome);
        if let FeedOutcome::Applied { bytes, skipped_frames, .. } = outcome {
            let mut samples = engineer_samples.lock().unwrap_or_else(PoisonError::into_inner);
            samples.received.push(Received { decoded_at_ms: now_ms, data: frame.data });
            samples.bytes += bytes;
            samples.skipped += u64::from(skipped_frames);
        }
    });
    let console = BenchConsole { sink: engineer_sink, frames: engineer_frames, events: &engineer_events, relay };
    let (hosted, user, _user_events) = pair_with_consent(runtime, &settings, console, "Measure streaming")?;
    let _ = keyframe_handle.set(hosted.handle.clone());

    // User side: the real capture thread over the preloaded frames.

    let template = folder.replay(BENCH_FPS, true);
    let opener = Box::new(move || -> Result<Box<dyn ScreenSource>, CaptureError> {
        Ok(Box::new(template.replay(BENCH_FPS, true)))
    });
    let started = Instant::now();
    let sharing = SharingThread::spawn(
        user.clone(),
        opener,
        Arc::new(Mutex::new(Vec::new())),
        Box::new(|err| {
            tracing::error!("capture failed: {err}");
        }),
    )?;
    let play_time = Duration::from_secs_f64(frames_offered as f64 / f64::from(BENCH_FPS));
    while started.elapsed() < play_time {
        std::thread::sleep(Duration::from_millis(250));
        let status = user.status();
        tracing::debug!(
            in_flight = status.frames_in_flight(),
            sent = status.frames_sent(),
            rtt_ms = status.rtt_ms(),
            cwnd = status.congestion_window_bytes(),
            lost = status.lost_packets(),
            captured = sharing.stats.captured.load(std::sync::atomic::Ordering::Relaxed),
            "streaming"
        );
    }
    let streamed = started.elapsed();
    drop(sharing);
    // Let what is in flight arrive.
    std::thread::sleep(Duration::from_millis(300 + 4 * path.delay_ms));
    hosted.handle.send(SessionCommand::End);
    let _ = wait_for(&engineer_events, "the end", |e| matches!(e, TransportEvent::Closed));

    let end_ms = crate::model::now_ms();
    let samples = std::mem::take(&mut *samples.lock().unwrap_or_else(PoisonError::into_inner));
    let arrived = arrivals(&samples.received, &sources);
    if std::env::var_os("STEPWISE_BENCH_TRACE").is_some() {
        let start = arrived.first().map_or(0, |a| a.captured_at_ms);
        for (arrival, received) in arrived.iter().zip(&samples.received) {
            eprintln!(
                "captured {:6} decoded {:6} bytes {:7} exact {}",
                arrival.captured_at_ms - start,
                arrival.decoded_at_ms - start,
                received.data.len(),
                arrival.exact
            );
        }
    }
    let times = picture_times(&arrived, end_ms);
    let mut latencies = times.latency_ms.clone();
    latencies.sort_unstable();
    let stall_ms = times
        .timeline_ms
        .windows(2)
        .map(|pair| (pair[1].1 - pair[0].1) - (pair[1].0 - pair[0].0))
        .max()
        .unwrap_or(0)
        .max(times.latency_ms.first().copied().unwrap_or(0));
    let sorted = |values: &[i64]| {
        let mut values = values.to_vec();
        values.sort_unstable();
        values
    };
    let (first_picture, exact) = (sorted(&times.first_picture_ms), sorted(&times.exact_ms));
    let seconds = streamed.as_secs_f64();
    Ok(SessionBenchReport {
        scenario: scenario_dir.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default(),
        congestion: match path.congestion {
            Congestion::Screen => "screen",
            Congestion::Cubic => "cubic",
            Congestion::Bbr => "bbr",
        },
        loss_percent: path.loss_percent,
        delay_ms: path.delay_ms,
        rate_kbps: path.rate_kbps.unwrap_or(0),
        frames_offered,
        frames_decoded: samples.received.len() as u64,
        frames_skipped: samples.skipped,
        latency_ms_p50: percentile(&latencies, 0.50),
        latency_ms_p95: percentile(&latencies, 0.95),
        latency_ms_p99: percentile(&latencies, 0.99),
        fps: samples.received.len() as f64 / seconds,
        kbps: samples.bytes as f64 * 8.0 / 1_000.0 / seconds,
        max_stall_ms: u64::try_from(stall_ms).unwrap_or(0),
        first_picture_ms_p95: percentile(&first_picture, 0.95),
        exact_ms_p50: percentile(&exact, 0.50),
        exact_ms_p95: percentile(&exact, 0.95),
        never_exact: times.never_exact,
        exact_claim_mismatches: times.claim_mismatches,
        duration_ms: u64::try_from(streamed.as_millis()).unwrap_or(u64::MAX),
    })
}
