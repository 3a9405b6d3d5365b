//! The engineer's sessions: one per ticket, each a transport task. Link events go to the store
//! thread, which writes the transcript entry before the panel is told (see `store_worker`).

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use crate::codec::Decoder;
use crate::model::NetworkSettings;
use crate::model::TicketId;
use crate::protocol::SessionCommand;
use crate::protocol::screen::unwrap_screen_update;
use crate::protocol::{JoinLink, ReceivedFrame, SessionEvent};
use crate::transport::{
    CodeControl, EventSink, FrameSink, HostRequest, SessionHandle, TransportEvent, TransportSettings, host_session,
};
use crate::ui::viewer::FrameSlot;
use crate::ui::{SessionNotice, SessionRequest};

use super::session_recording::{RecordingTarget, SessionRecording};
use super::store_worker::{StoreRequest, Waker};

/// Where the console listens for users.
#[derive(Clone, Debug)]
pub struct ListenConfig {
    /// UDP port for sessions; 0 picks any free port. With a fixed port, each further concurrent
    /// session takes the next free one.
    pub port: u16,
    /// Address to bind.
    pub bind_ip: IpAddr,
    /// Host to put in join links; `None` uses this machine's address.
    pub advertised_host: Option<String>,
}

impl Default for ListenConfig {
    fn default() -> Self {
        Self { port: 0, bind_ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED), advertised_host: None }
    }
}

/// How many ports after the configured one a concurrent session may take.
const PORT_SPAN: u16 = 16;

/// Decodes a session's screen updates into its viewer slot, on the session task, and keeps the
/// stream figures. Frames never pass through the store thread or a queue.
pub struct ViewerFeed {
    decoder: Decoder,
    slot: FrameSlot,
    waker: Waker,
    recent: VecDeque<(Instant, usize)>,
    skipped_total: u64,
    frames_total: u64,
    awaiting_keyframe: bool,
    /// The screen size the user side announced; nothing is decoded before it is known.
    announced: Option<(u32, u32)>,
}

impl ViewerFeed {
    /// A feed writing into `slot`, waking the UI with `waker`.
    pub fn new(slot: FrameSlot, waker: Waker) -> Self {
        Self {
            decoder: Decoder::new(),
            slot,
            waker,
            recent: VecDeque::new(),
            skipped_total: 0,
            frames_total: 0,
            awaiting_keyframe: false,
            announced: None,
        }
    }

    /// Looks at a session event on the session task: the pointer and the announced screen size
    /// are handled here; an event that ends the view wipes the picture (and is passed on).
    /// Screen updates do not come this way: they go to [`ViewerFeed::apply`].
    pub fn observe(&mut self, event: &SessionEvent) -> Observed {
        match event {
            SessionEvent::CursorMoved { x, y } => {
                self.cursor_moved(*x, *y);
                Observed::Handled(FeedOutcome::Ignored)
            }
            SessionEvent::ScreenAnnounced { width, height } => {
                let wants_keyframe = self.limit_screen(*width, *height);
                Observed::Handled(if wants_keyframe { FeedOutcome::NeedKeyframe } else { FeedOutcome::Ignored })
            }
            other => {
                if ends_view(other) {
                    self.clear();
                }
                Observed::PassOn
            }
        }
    }

    /// Applies one received update.
    pub fn apply(&mut self, data: &[u8], now_ms: i64) -> FeedOutcome {
        if self.announced.is_none() {
            tracing::debug!("screen update before the screen size was announced: refused");
            return self.lost_state();
        }
        let Ok((header, payload)) = unwrap_screen_update(data) else { return self.lost_state() };
        let update = match self.decoder.decode(payload) {
            Ok(update) => update,
            Err(err) => {
                tracing::debug!("screen update refused: {err}");
                return self.lost_state();
            }
        };
        self.awaiting_keyframe = false;
        let Some(frame) = self.decoder.frame() else { return self.lost_state() };
        let now = Instant::now();
        self.recent.push_back((now, data.len()));
        while self.recent.front().is_some_and(|(at, _)| now.duration_since(*at) > Duration::from_secs(1)) {
            self.recent.pop_front();
        }
        self.frames_total += 1;
        self.skipped_total += u64::from(header.skipped_frames);
        let mut slot = self.slot.lock();
        if slot.width != frame.width || slot.height != frame.height || update.keyframe {
            slot.width = frame.width;
            slot.height = frame.height;
            slot.rgba.clone_from(&frame.rgba);
            slot.all_dirty = true;
        } else {
            let stride = frame.width as usize * 4;
            for rect in &update.changed {
                for row in rect.y..rect.y + rect.height {
                    let start = row as usize * stride + rect.x as usize * 4;
                    let end = start + rect.width as usize * 4;
                    if let (Some(to), Some(from)) = (slot.rgba.get_mut(start..end), frame.rgba.get(start..end)) {
                        to.copy_from_slice(from);
                    }
                }
                slot.dirty.push([rect.x, rect.y, rect.width, rect.height]);
            }
        }
        slot.approximate.clear();
        slot.approximate.extend(update.approximate.iter().map(|rect| [rect.x, rect.y, rect.width, rect.height]));
        slot.stats.frames = self.frames_total;
        slot.stats.skipped_frames = self.skipped_total;
        slot.stats.latency_ms = (now_ms - header.captured_at_ms).max(0);
        slot.stats.fps = self.recent.len() as f32;
        slot.stats.kbps = self.recent.iter().map(|(_, bytes)| *bytes).sum::<usize>() as f32 * 8.0 / 1_000.0;
        let latency_ms = slot.stats.latency_ms;
        drop(slot);
        (self.waker)();
        FeedOutcome::Applied { latency_ms, bytes: data.len(), skipped_frames: header.skipped_frames }
    }

    /// The view scope ended (pause, stop, scope removed, drop, end): wipe the picture and keep
    /// nothing received before. The next update must be a keyframe, asked for when it is not.
    pub fn clear(&mut self) {
        self.decoder = Decoder::new();
        self.awaiting_keyframe = false;
        self.recent.clear();
        {
            let mut slot = self.slot.lock();
            slot.width = 0;
            slot.height = 0;
            slot.rgba = Vec::new();
            slot.dirty.clear();
            slot.all_dirty = true;
            slot.cursor = None;
            slot.approximate.clear();
        }
        (self.waker)();
    }

    /// The user side announced the size of its screen: larger updates are refused from now on.
    /// Returns whether a keyframe should be asked for (updates were refused meanwhile).
    pub fn limit_screen(&mut self, width: u32, height: u32) -> bool {
        self.announced = Some((width, height));
        self.decoder.set_max_dimensions(width, height);
        self.awaiting_keyframe
    }

    /// A copy of the picture on show, if any: (width, height, RGBA8).
    pub fn snapshot(&self) -> Option<(u32, u32, Vec<u8>)> {
        let slot = self.slot.lock();
        (slot.width > 0 && slot.height > 0).then(|| (slot.width, slot.height, slot.rgba.clone()))
    }

    /// The user's pointer moved: show it over the picture.
    pub fn cursor_moved(&mut self, x: u32, y: u32) {
        self.slot.lock().cursor = Some([x, y]);
        (self.waker)();
    }

    /// Asks for a keyframe once per loss of state, not for every update that follows.
    fn lost_state(&mut self) -> FeedOutcome {
        let first = !self.awaiting_keyframe;
        self.awaiting_keyframe = true;
        if first { FeedOutcome::NeedKeyframe } else { FeedOutcome::Ignored }
    }
}

/// What [`ViewerFeed::observe`] did with an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Observed {
    /// Not a screen event: pass it on to the transcript.
    PassOn,
    /// Handled by the feed; ask for a keyframe when [`FeedOutcome::NeedKeyframe`].
    Handled(FeedOutcome),
}

/// What one update did to the viewer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedOutcome {
    /// Shown.
    Applied {
        /// Capture → decoded, ms.
        latency_ms: i64,
        /// Size of the update, bytes.
        bytes: usize,
        /// Frames the sender skipped before it.
        skipped_frames: u32,
    },
    /// The viewer lost state: ask for a keyframe.
    NeedKeyframe,
    /// Dropped while waiting for a keyframe.
    Ignored,
}

/// Where one engineer session's output goes, on its session task: screen updates, the pointer
/// and the screen size to the viewer feed (asking for a keyframe when the feed lost track), a
/// screenshot notice becomes a copy of the picture for the store; every other event goes to the
/// store thread, which writes the transcript entry before the panel hears of it.
struct SessionOutput {
    ticket_id: TicketId,
    store: Sender<StoreRequest>,
    /// Set when a new session replaces this one: its late output is dropped.
    retired: Arc<AtomicBool>,
    feed: Mutex<ViewerFeed>,
    /// The session's handle, for keyframe requests (set once the session is hosted).
    handle: OnceLock<SessionHandle>,
    /// The recording, when the console records sessions (only under the record scope).
    recording: Option<Mutex<SessionRecording>>,
}

impl SessionOutput {
    /// A link event.
    fn event(&self, event: TransportEvent) {
        if self.retired.load(Ordering::Acquire) {
            return;
        }
        self.record_event(&event);
        if let TransportEvent::Session(SessionEvent::ScreenshotTaken { .. }) = &event {
            // The protocol allowed it (record scope in force) and told the user: copy the
            // picture now, in order with the frames, and attach it.
            if let Some((width, height, rgba)) = self.feed().snapshot() {
                let _ =
                    self.store.send(StoreRequest::AttachScreenshot { ticket_id: self.ticket_id, width, height, rgba });
            }
            return;
        }
        if let TransportEvent::Session(session_event) = &event
            && let Observed::Handled(outcome) = self.feed().observe(session_event)
        {
            self.keyframe_if_needed(outcome);
            return;
        }
        let _ = self.store.send(StoreRequest::Session { ticket_id: self.ticket_id, event });
    }

    /// A screen update the protocol accepted: decoded straight into the viewer's slot.
    fn frame(&self, frame: ReceivedFrame) {
        if self.retired.load(Ordering::Acquire) {
            return;
        }
        let now_ms = crate::model::now_ms();
        let outcome = self.feed().apply(&frame.data, now_ms);
        self.keyframe_if_needed(outcome);
        if let Some(recording) = &self.recording {
            let mut recording = recording.lock().unwrap_or_else(PoisonError::into_inner);
            if recording.follow_gate(now_ms, self.keeping_allowed(), None) {
                self.keyframe_if_needed(FeedOutcome::NeedKeyframe);
            }
            recording.frame(now_ms, &frame.data);
        }
    }

    /// Whether the protocol lets the engineer keep the screen now (record scope in force).
    fn keeping_allowed(&self) -> bool {
        self.handle.get().is_some_and(|handle| handle.status().keeping_allowed())
    }

    /// The recording follows the record gate around each event: opened before an event that
    /// opened it (so the grant is in the file), closed after one that closed it (so the pause
    /// is), and sealed when the session is over.
    fn record_event(&self, event: &TransportEvent) {
        let Some(recording) = &self.recording else { return };
        let mut recording = recording.lock().unwrap_or_else(PoisonError::into_inner);
        let now_ms = crate::model::now_ms();
        let keeping = self.keeping_allowed();
        if keeping && recording.follow_gate(now_ms, true, None) {
            self.keyframe_if_needed(FeedOutcome::NeedKeyframe);
        }
        recording.event(now_ms, event);
        let session_event = match event {
            TransportEvent::Session(session_event) => Some(session_event),
            _ => None,
        };
        if !keeping {
            recording.follow_gate(now_ms, false, session_event);
        }
        if matches!(event, TransportEvent::Closed | TransportEvent::Session(SessionEvent::Ended { .. })) {
            recording.finish();
        }
    }

    fn keyframe_if_needed(&self, outcome: FeedOutcome) {
        if outcome == FeedOutcome::NeedKeyframe
            && let Some(handle) = self.handle.get()
        {
            handle.send(SessionCommand::RequestKeyframe);
        }
    }

    fn feed(&self) -> std::sync::MutexGuard<'_, ViewerFeed> {
        self.feed.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One ticket's session as the console holds it.
struct RunningSession {
    handle: SessionHandle,
    /// New codes while nobody has joined.
    code: CodeControl,
    /// The UDP port (recorded with a new code).
    port: u16,
    /// Set when a new session replaces this one: its late events are dropped, so they cannot
    /// land on the new session's panel.
    retired: Arc<AtomicBool>,
}

/// The console's running sessions.
pub struct EngineerSessions {
    runtime: tokio::runtime::Handle,
    store: Sender<StoreRequest>,
    waker: Waker,
    /// Where new sessions listen: the command line's choices over the saved settings.
    listen: ListenConfig,
    /// What the command line said (port 0 and no host: nothing).
    command_line: ListenConfig,
    settings: TransportSettings,
    /// The TURN relay from the saved settings (sessions also get a relayed address).
    relay: Option<crate::transport::RelayConfig>,
    sessions: HashMap<TicketId, RunningSession>,
    viewers: HashMap<TicketId, FrameSlot>,
    /// Where sessions are recorded (under the record scope); `None`: not recorded.
    recording: Option<RecordingTarget>,
}

impl EngineerSessions {
    /// Sessions run on `runtime`; their events go to the store thread through `store`.
    pub fn new(
        runtime: tokio::runtime::Handle,
        store: Sender<StoreRequest>,
        waker: Waker,
        listen: ListenConfig,
        settings: TransportSettings,
    ) -> Self {
        let command_line = listen.clone();
        Self {
            runtime,
            store,
            waker,
            listen,
            command_line,
            settings,
            relay: None,
            sessions: HashMap::new(),
            viewers: HashMap::new(),
            recording: None,
        }
    }

    /// Records sessions started from now on into `target`, while the user allows it (the
    /// record scope in force, sharing not paused).
    pub fn record_into(&mut self, target: RecordingTarget) {
        self.recording = Some(target);
    }

    /// Uses the saved network settings for sessions started from now on, except where the
    /// command line chose (`--session-port`, `--advertise`).
    pub fn use_saved_network(&mut self, saved: &NetworkSettings) {
        self.listen.port = if self.command_line.port != 0 { self.command_line.port } else { saved.session_port };
        let saved_host = Some(saved.advertised_host.trim().to_owned()).filter(|host| !host.is_empty());
        self.listen.advertised_host = self.command_line.advertised_host.clone().or(saved_host);
        self.relay = super::relay_test::relay_config(saved);
    }

    fn notify(&self, ticket_id: TicketId, event: TransportEvent) {
        let _ = self.store.send(StoreRequest::Session { ticket_id, event });
    }

    /// Starts listening for a ticket's user; the code arrives as [`SessionNotice::Started`]. A
    /// session of the ticket that nobody joined (its code burned, expired or unused) is ended
    /// and replaced; one the user joined is not.
    pub fn start(&mut self, ticket_id: TicketId, engineer_name: &str) -> Option<JoinLink> {
        if let Some(running) = self.sessions.get(&ticket_id).filter(|running| running.handle.is_running()) {
            if !running.code.is_waiting() {
                self.notify(
                    ticket_id,
                    TransportEvent::CommandRefused("a session for this ticket is already running".into()),
                );
                return None;
            }
            running.retired.store(true, Ordering::Release);
            running.handle.send(SessionCommand::End);
        }
        let retired = Arc::new(AtomicBool::new(false));
        let slot = FrameSlot::default();
        let output = Arc::new(SessionOutput {
            ticket_id,
            store: self.store.clone(),
            retired: retired.clone(),
            feed: Mutex::new(ViewerFeed::new(slot.clone(), self.waker.clone())),
            handle: OnceLock::new(),
            recording: self
                .recording
                .clone()
                .map(|target| Mutex::new(SessionRecording::new(ticket_id, target, self.store.clone()))),
        });
        let sink: EventSink = {
            let output = output.clone();
            Arc::new(move |event| output.event(event))
        };
        let frame_sink: FrameSink = {
            let output = output.clone();
            Arc::new(move |frame| output.frame(frame))
        };
        let ports: Vec<u16> = if self.listen.port == 0 {
            vec![0]
        } else {
            (0..PORT_SPAN).filter_map(|offset| self.listen.port.checked_add(offset)).collect()
        };
        let mut last_error = String::new();
        for port in ports {
            let bind = SocketAddr::new(self.listen.bind_ip, port);
            let request = HostRequest {
                bind,
                advertised_host: self.listen.advertised_host.clone(),
                display_name: engineer_name.to_owned(),
                // Allocated on the session's task: the session starts at once, its link gains
                // the relay candidate when the allocation is ready.
                relay: self.relay.clone(),
            };
            match host_session(&self.runtime, request, self.settings.clone(), sink.clone(), frame_sink.clone()) {
                Ok(hosted) => {
                    let notice = SessionNotice::Started {
                        link: hosted.link.to_link(),
                        code: hosted.link.code.grouped(),
                        address: format!("{}:{}", bracket(&hosted.link.host), hosted.link.port),
                        expires_at_ms: hosted.code_expires_at_ms,
                        viewer: slot.clone(),
                        relay: self.relay.is_some(),
                    };
                    let _ = self.store.send(StoreRequest::SessionStarted {
                        ticket_id,
                        port: hosted.local_addr.port(),
                        notice,
                    });
                    let _ = output.handle.set(hosted.handle.clone());
                    let port = hosted.local_addr.port();
                    let running = RunningSession { handle: hosted.handle, code: hosted.code_control, port, retired };
                    self.sessions.insert(ticket_id, running);
                    self.viewers.insert(ticket_id, slot);
                    return Some(hosted.link);
                }
                Err(err) => last_error = err.to_string(),
            }
        }
        let _ = self.store.send(StoreRequest::SessionStarted {
            ticket_id,
            port: 0,
            notice: SessionNotice::StartFailed(last_error),
        });
        None
    }

    /// Carries out what the panel asked of a ticket's session.
    pub fn request(&mut self, engineer: &str, ticket_id: TicketId, request: SessionRequest) {
        match request {
            SessionRequest::Start => {
                self.start(ticket_id, engineer);
            }
            SessionRequest::NewCode => self.new_code(ticket_id),
            SessionRequest::SendClipboard => {
                let Some(running) = self.sessions.get(&ticket_id) else {
                    return self.notify(ticket_id, TransportEvent::CommandRefused("the session is over".into()));
                };
                let store = self.store.clone();
                super::control_thread::send_clipboard(running.handle.clone(), move |why| {
                    let event = TransportEvent::CommandRefused(why);
                    let _ = store.send(StoreRequest::Session { ticket_id, event });
                });
            }
            SessionRequest::Command(command) => self.act(ticket_id, command),
        }
    }

    /// Passes a verb of the session protocol to the ticket's session.
    pub fn act(&mut self, ticket_id: TicketId, command: SessionCommand) {
        let sent = self.sessions.get(&ticket_id).is_some_and(|running| running.handle.send(command));
        if !sent {
            self.notify(ticket_id, TransportEvent::CommandRefused("the session is over".into()));
        }
    }

    /// Replaces the code of the ticket's waiting session; the panel hears of it as
    /// [`SessionNotice::CodeRenewed`] once the timeline has it.
    fn new_code(&self, ticket_id: TicketId) {
        let Some(running) = self.sessions.get(&ticket_id).filter(|running| running.handle.is_running()) else {
            return self.notify(ticket_id, TransportEvent::CommandRefused("the session is over".into()));
        };
        match running.code.new_code() {
            Ok(new) => {
                let notice = SessionNotice::CodeRenewed {
                    link: new.link.to_link(),
                    code: new.link.code.grouped(),
                    expires_at_ms: new.expires_at_ms,
                };
                let _ = self.store.send(StoreRequest::SessionStarted { ticket_id, port: running.port, notice });
            }
            Err(err) => self.notify(ticket_id, TransportEvent::CommandRefused(err.to_string())),
        }
    }

    /// The viewer slot of a ticket's session (the demo and benchmarks read it).
    pub fn viewer(&self, ticket_id: TicketId) -> Option<&FrameSlot> {
        self.viewers.get(&ticket_id)
    }

    /// Sends a raw command to a ticket's session (the demo uses it); `false` if none runs.
    pub fn command(&self, ticket_id: TicketId, command: SessionCommand) -> bool {
        self.sessions.get(&ticket_id).is_some_and(|running| running.handle.send(command))
    }

    /// Ends every session (the console is closing).
    pub fn end_all(&mut self) {
        for running in self.sessions.values() {
            running.handle.send(SessionCommand::End);
        }
    }
}

/// Whether an event ends the engineer's right to see the picture (or suspends it): the picture
/// is wiped at once.
fn ends_view(event: &SessionEvent) -> bool {
    match event {
        SessionEvent::SharingPaused
        | SessionEvent::Held(_)
        | SessionEvent::ConsentRevoked
        | SessionEvent::Disconnected
        | SessionEvent::Ended { .. } => true,
        SessionEvent::ScopesChanged(scopes) => !scopes.view,
        _ => false,
    }
}

fn bracket(host: &str) -> String {
    if host.contains(':') { format!("[{host}]") } else { host.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{Encoder, EncoderConfig, Frame};
    use crate::protocol::screen::{ScreenHeader, wrap_screen_update};

    fn keyframe(width: u32, height: u32) -> Vec<u8> {
        let frame = Frame::new(width, height, vec![200; (width * height * 4) as usize]).unwrap();
        let update = Encoder::new(EncoderConfig::default()).encode(&frame, true);
        wrap_screen_update(ScreenHeader { captured_at_ms: 0, skipped_frames: 0 }, &update)
    }

    fn feed() -> (ViewerFeed, FrameSlot) {
        let slot = FrameSlot::default();
        (ViewerFeed::new(slot.clone(), Arc::new(|| {})), slot)
    }

    #[test]
    fn nothing_is_decoded_before_the_screen_size_is_announced() {
        let (mut feed, slot) = feed();
        assert_eq!(feed.apply(&keyframe(64, 64), 0), FeedOutcome::NeedKeyframe);
        assert_eq!(slot.lock().width, 0);
        assert!(feed.limit_screen(64, 64), "refused meanwhile: a keyframe is wanted");
        assert!(matches!(feed.apply(&keyframe(64, 64), 0), FeedOutcome::Applied { .. }));
    }

    #[test]
    fn frames_larger_than_the_announced_screen_are_refused_unallocated() {
        let (mut feed, slot) = feed();
        feed.limit_screen(320, 200);
        assert_eq!(feed.apply(&keyframe(640, 200), 0), FeedOutcome::NeedKeyframe);
        assert_eq!(feed.apply(&keyframe(320, 400), 0), FeedOutcome::Ignored);
        assert_eq!(slot.lock().rgba.len(), 0, "nothing of the oversized frames was kept");
        assert!(feed.decoder.frame().is_none());
        assert!(matches!(feed.apply(&keyframe(320, 200), 0), FeedOutcome::Applied { .. }));
    }

    #[test]
    fn the_end_of_the_view_wipes_the_picture_and_the_decoder() {
        let (mut feed, slot) = feed();
        feed.limit_screen(64, 64);
        assert!(matches!(feed.apply(&keyframe(64, 64), 0), FeedOutcome::Applied { .. }));
        for event in [
            SessionEvent::SharingPaused,
            SessionEvent::ConsentRevoked,
            SessionEvent::ScopesChanged(crate::protocol::Scopes {
                view: false,
                pointers: true,
                record: false,
                control: false,
            }),
            SessionEvent::Disconnected,
        ] {
            assert!(matches!(feed.apply(&keyframe(64, 64), 0), FeedOutcome::Applied { .. }));
            assert!(!slot.lock().rgba.is_empty());
            assert_eq!(feed.observe(&event), Observed::PassOn);
            assert!(slot.lock().rgba.is_empty(), "{event:?} wipes the picture");
            assert!(feed.decoder.frame().is_none(), "{event:?} drops the decoder's frame");
            assert_eq!(feed.snapshot(), None, "nothing to keep after {event:?}");
        }
        // A scope change that keeps the view keeps the picture.
        assert!(matches!(feed.apply(&keyframe(64, 64), 0), FeedOutcome::Applied { .. }));
        let keeps_view = SessionEvent::ScopesChanged(crate::protocol::Scopes {
            view: true,
            pointers: false,
            record: true,
            control: false,
        });
        feed.observe(&keeps_view);
        assert!(!slot.lock().rgba.is_empty());
    }

    #[test]
    fn the_slot_says_what_is_still_approximate_until_refined() {
        let (mut feed, slot) = feed();
        feed.limit_screen(256, 128);
        let noisy: Vec<u8> =
            (0..256 * 128u32).flat_map(|i| [(i * 7) as u8, (i * 13) as u8, (i / 5) as u8, 255]).collect();
        let frame = Frame::new(256, 128, noisy).unwrap();
        let mut encoder = Encoder::new(EncoderConfig::default());
        let wrap = |update: &[u8]| wrap_screen_update(ScreenHeader { captured_at_ms: 0, skipped_frames: 0 }, update);
        assert!(matches!(
            feed.apply(&wrap(&encoder.encode_within(&frame, true, Some(3_000))), 0),
            FeedOutcome::Applied { .. }
        ));
        assert!(!slot.lock().approximate.is_empty(), "a first pass within 3 000 bytes is approximate");
        let mut passes = 0;
        while let Some(refinement) = encoder.refine(Some(20_000)) {
            passes += 1;
            assert!(passes < 50);
            feed.apply(&wrap(&refinement), 0);
        }
        assert!(slot.lock().approximate.is_empty(), "exact again: nothing hatched");
        assert_eq!(feed.decoder.frame(), Some(&frame));
        feed.clear();
        assert!(slot.lock().approximate.is_empty());
    }
}
