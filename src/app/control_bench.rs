//! `stepwise bench control`: remote control latency over loopback QUIC on a private X server
//! (Xvfb). The engineer's click goes out through the console's side of the link, the user's
//! side injects it with XTEST into a small X client that turns white or black on each press, and
//! the user's real capture thread sends the screen back to the console's viewer feed. Measured
//! from the engineer's send: until XTEST applied it (`input_to_apply_ms`), and until the change
//! is in the engineer's viewer (`input_to_photon_ms`).

use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde::Serialize;

use crate::capture::x11::X11Source;
use crate::capture::x11_input::X11Injector;
use crate::capture::x11_target::ClickTarget;
use crate::capture::{CaptureError, PixelRect, ScreenSource};
use crate::protocol::{ConsentRequest, InputEvent, Scopes, SessionCommand, SessionEvent};
use crate::transport::{
    EventSink, FrameSink, HostRequest, LinkCommand, TransportEvent, TransportSettings, host_session, join_session,
};
use crate::ui::viewer::FrameSlot;

use super::control_thread::ControlThread;
use super::sessions::{Observed, ViewerFeed};
use super::sharing::{CaptureWake, SharingExtras, SharingThread};

/// The private screen, pixels.
const SCREEN: PixelRect = PixelRect { x: 0, y: 0, width: 1280, height: 720 };
/// The X client's window that changes colour on each click.
const TARGET: PixelRect = PixelRect { x: 560, y: 300, width: 160, height: 120 };
/// Longest wait for one click's effect.
const CLICK_TIMEOUT: Duration = Duration::from_secs(3);

/// Results of `bench control`, one flat JSON object.
#[derive(Debug, Serialize)]
pub struct ControlBenchReport {
    /// Clicks measured.
    pub clicks: usize,
    /// Engineer's send → XTEST applied on the user's display, median, ms.
    pub input_to_apply_ms_p50: f64,
    /// Same, 99th percentile, ms.
    pub input_to_apply_ms_p99: f64,
    /// Engineer's send → the click's change visible in the engineer's viewer, median, ms.
    pub input_to_photon_ms_p50: f64,
    /// Same, 99th percentile, ms.
    pub input_to_photon_ms_p99: f64,
    /// Of the photon time, from the user's grab of the changed screen to the viewer (encode,
    /// QUIC, decode), median, ms; the rest is the X client's repaint and the wait for the next
    /// capture tick.
    pub capture_to_viewer_ms_p50: f64,
    /// Clicks whose change never reached the viewer in time.
    pub photons_missed: usize,
}

/// A private Xvfb, stopped when dropped.
struct PrivateDisplay {
    child: Child,
    name: String,
}

impl PrivateDisplay {
    fn start() -> anyhow::Result<Self> {
        let size = format!("{}x{}x24", SCREEN.width, SCREEN.height);
        for number in 500 + std::process::id() % 200..800 {
            if std::path::Path::new(&format!("/tmp/.X{number}-lock")).exists() {
                continue;
            }
            let name = format!(":{number}");
            let child = Command::new("Xvfb")
                .args([name.as_str(), "-screen", "0", size.as_str(), "-nolisten", "tcp", "-noreset"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .context("the control benchmark needs Xvfb")?;
            let mut display = Self { child, name };
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if x11rb::rust_connection::RustConnection::connect(Some(&display.name)).is_ok() {
                    return Ok(display);
                }
                if display.child.try_wait().ok().flatten().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = display.child.kill();
        }
        bail!("no private X display could be started")
    }
}

impl Drop for PrivateDisplay {
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // SAFETY: signalling our own child, so it removes its lock file.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
        }
        let _ = self.child.wait();
    }
}

fn percentile(sorted: &[f64], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * fraction).round() as usize]
}

fn wait_for(
    events: &Receiver<TransportEvent>,
    what: &str,
    wanted: impl Fn(&SessionEvent) -> bool,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = events.recv_timeout(left).map_err(|_| anyhow::anyhow!("timed out waiting for {what}"))?;
        if let TransportEvent::Session(event) = event {
            if let SessionEvent::Ended { reason, .. } = &event {
                bail!("the session ended while waiting for {what}: {reason:?}");
            }
            if wanted(&event) {
                return Ok(());
            }
        }
    }
}

/// The colour the engineer's viewer shows at the target's centre, if it shows a picture.
fn viewer_pixel(slot: &FrameSlot) -> Option<[u8; 3]> {
    let state = slot.lock();
    let (x, y) = (TARGET.x + TARGET.width / 2, TARGET.y + TARGET.height / 2);
    if x >= state.width || y >= state.height {
        return None;
    }
    let at = (y as usize * state.width as usize + x as usize) * 4;
    state.rgba.get(at..at + 3).map(|rgb| [rgb[0], rgb[1], rgb[2]])
}

/// Clicks the target `clicks` times from the console's side and measures each.
pub fn run_control_bench(runtime: &tokio::runtime::Handle, clicks: usize) -> anyhow::Result<ControlBenchReport> {
    let display = PrivateDisplay::start()?;
    let target = ClickTarget::open(Some(&display.name), TARGET)?;

    // Console side: events to a channel, screen updates decoded into a viewer slot.
    let slot = FrameSlot::default();
    let feed = Arc::new(Mutex::new(ViewerFeed::new(slot.clone(), Arc::new(|| {}))));
    let (engineer_tx, engineer_events) = channel();
    let engineer_sink: EventSink = {
        let feed = feed.clone();
        Arc::new(move |event| {
            if let TransportEvent::Session(session_event) = &event
                && let Observed::Handled(_) = feed.lock().unwrap_or_else(PoisonError::into_inner).observe(session_event)
            {
                return;
            }
            let _ = engineer_tx.send(event);
        })
    };
    let frames: FrameSink = Arc::new(move |frame| {
        feed.lock().unwrap_or_else(PoisonError::into_inner).apply(&frame.data, crate::model::now_ms());
    });
    let request = HostRequest {
        bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        advertised_host: Some("127.0.0.1".into()),
        display_name: "Bench engineer".into(),
        relay: None,
    };
    let hosted = host_session(runtime, request, TransportSettings::default(), engineer_sink, frames)?;

    // User side: the real capture thread on the private display, the real injector.
    let (user_tx, user_events) = channel();
    let user_sink: EventSink = Arc::new(move |event| drop(user_tx.send(event)));
    let user = runtime
        .block_on(join_session(&hosted.link, "Bench user", TransportSettings::default(), user_sink))
        .context("joining the bench session")?;
    let injector = X11Injector::open(Some(&display.name), SCREEN)?;
    let applied = Arc::new(Mutex::new(None::<Instant>));
    let observer = {
        let applied = applied.clone();
        Box::new(move |event: &InputEvent| {
            if matches!(event, InputEvent::Button { pressed: true, .. }) {
                *applied.lock().unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
            }
        })
    };
    let wake = CaptureWake::default();
    let control = ControlThread::spawn(injector, user.clone(), Some(observer), wake.clone())?;
    user.send(LinkCommand::SetInputSink(control.sink()));

    wait_for(&engineer_events, "the user's hello", |e| matches!(e, SessionEvent::PeerHello { .. }))?;
    hosted.handle.send(SessionCommand::RequestConsent(ConsentRequest {
        engineer_name: "Bench engineer".into(),
        team: "Bench".into(),
        ticket_number: "T-BENCH".into(),
        ticket_title: "Control benchmark".into(),
        purpose: "Measure remote control".into(),
        suggested: Scopes::default(),
    }));
    wait_for(&user_events, "the consent request", |e| matches!(e, SessionEvent::ConsentRequested(_)))?;
    user.send(SessionCommand::Grant(Scopes { control: true, ..Scopes::default() }));
    wait_for(&engineer_events, "control", |e| *e == SessionEvent::ControlGranted)?;
    control.follow(&SessionEvent::ControlGranted);
    let name = display.name.clone();
    let opener = Box::new(move || -> Result<Box<dyn ScreenSource>, CaptureError> {
        Ok(Box::new(X11Source::open_on(Some(&name), 0)?))
    });
    let sharing = SharingThread::spawn_with(
        user.clone(),
        opener,
        Arc::new(Mutex::new(Vec::new())),
        Box::new(|err| tracing::error!("capture failed: {err}")),
        SharingExtras { preview: None, wake: Some(wake), monitor: None },
    )?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while viewer_pixel(&slot).is_none() {
        if Instant::now() > deadline {
            bail!("the shared screen never reached the viewer");
        }
        std::thread::sleep(Duration::from_millis(10));
    }

    let centre = (TARGET.x + TARGET.width / 2, TARGET.y + TARGET.height / 2);
    let (mut apply_ms, mut photon_ms, mut missed) = (Vec::new(), Vec::new(), 0);
    let mut transport_ms = Vec::new();
    for _ in 0..clicks {
        std::thread::sleep(Duration::from_millis(120));
        let before = viewer_pixel(&slot);
        *applied.lock().unwrap_or_else(PoisonError::into_inner) = None;
        let sent = Instant::now();
        for pressed in [true, false] {
            let event = InputEvent::Button { button: 1, pressed, x: centre.0, y: centre.1 };
            hosted.handle.send(SessionCommand::Input(event));
        }
        let (mut photon, mut applied_at) = (None, None);
        while sent.elapsed() < CLICK_TIMEOUT && (photon.is_none() || applied_at.is_none()) {
            if photon.is_none() && viewer_pixel(&slot) != before {
                photon = Some(sent.elapsed());
                transport_ms.push(slot.lock().stats.latency_ms as f64);
            }
            applied_at = applied_at.or(*applied.lock().unwrap_or_else(PoisonError::into_inner));
            std::thread::sleep(Duration::from_micros(200));
        }
        if let Some(applied_at) = applied_at {
            apply_ms.push(applied_at.duration_since(sent).as_secs_f64() * 1_000.0);
        }
        match photon {
            Some(elapsed) => photon_ms.push(elapsed.as_secs_f64() * 1_000.0),
            None => missed += 1,
        }
    }
    let presses = target.presses();
    drop(sharing);
    hosted.handle.send(SessionCommand::End);
    let _ = wait_for(&engineer_events, "the end", |e| matches!(e, SessionEvent::Ended { .. }));
    drop(control);
    if presses as usize != clicks {
        bail!("{clicks} clicks sent, the X client saw {presses}");
    }
    apply_ms.sort_by(f64::total_cmp);
    photon_ms.sort_by(f64::total_cmp);
    transport_ms.sort_by(f64::total_cmp);
    Ok(ControlBenchReport {
        clicks,
        input_to_apply_ms_p50: percentile(&apply_ms, 0.5),
        input_to_apply_ms_p99: percentile(&apply_ms, 0.99),
        input_to_photon_ms_p50: percentile(&photon_ms, 0.5),
        input_to_photon_ms_p99: percentile(&photon_ms, 0.99),
        capture_to_viewer_ms_p50: percentile(&transport_ms, 0.5),
        photons_missed: missed,
    })
}
