//! The user's side ("Get help"): joins an engineer's session, passes the consent screens' choices
//! to the session task, and keeps the user's own receipt of every consent decision. Also the
//! stand-alone `stepwise assist` window.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};

use crate::capture::{CaptureError, PixelRect, ScreenSource, SourceChoice, SourceLabel};
use crate::overlay::DesktopRect;
use crate::protocol::SessionCommand;
use crate::protocol::{ConsentRequest, JoinLink, NoOverlay, NoOverlayCode, SessionEvent};
use crate::transport::{
    EventSink, JoinError, LinkCommand, SessionHandle, TransportEvent, TransportSettings, join_session,
};
use crate::ui::annotations::ArrowPlacement;
use crate::ui::i18n::Lang;
use crate::ui::{AssistCommand, AssistNotice, AssistView, JoinFailure, UiEvent};

use super::assist_settings::AssistSettings;
use super::assist_wrap_up::{SessionLog, keep_summary, write_summary};
use super::control_thread::ControlThread;
use super::overlay_thread::ArrowOverlay;
use super::receipts::{
    ReceiptJob, ReceiptLog, receipt, receipt_for, receipt_line, spawn_receipt_writer, summary_receipt,
};
use super::sharing::{CaptureWake, MonitorSwitch, PrivateRegions, SharingExtras, SharingThread};
use super::store_worker::Waker;
use crate::capture::x11_input::X11Injector;

/// The Get-help window's size when it opens, points.
pub const ASSIST_WINDOW_SIZE: [f32; 2] = [760.0, 620.0];
/// The smallest the Get-help window may be made, points.
pub const ASSIST_WINDOW_MIN_SIZE: [f32; 2] = [520.0, 420.0];

/// The user's side of one session at a time.
pub struct AssistController {
    runtime: tokio::runtime::Handle,
    settings: TransportSettings,
    display_name: String,
    receipts: ReceiptLog,
    /// The Get-help window's own settings file (its language).
    preferences: AssistSettings,
    /// Receipts are written (and synced) on their own thread, never on a session task.
    receipt_writer: Sender<ReceiptJob>,
    /// The engineer's request being answered or in force (for receipts).
    request: Arc<Mutex<Option<ConsentRequest>>>,
    /// The engineer's address, for receipts.
    engineer_at: String,
    events: Sender<UiEvent>,
    waker: Waker,
    handle: Arc<Mutex<Option<SessionHandle>>>,
    source: SourceChoice,
    private: PrivateRegions,
    sharing: Arc<Mutex<Option<SharingThread>>>,
    /// The engineer's arrows over the real screen, while a session with a live screen runs.
    overlay: OverlaySlot,
    /// Where summaries are kept.
    data_dir: PathBuf,
    /// The engineer's input injected on the shared monitor, while a session with a live screen runs.
    control: ControlSlot,
}

type OverlaySlot = Arc<Mutex<Option<ArrowOverlay>>>;
type ControlSlot = Arc<Mutex<Option<ControlThread>>>;

impl AssistController {
    /// A controller reporting through `events` (waking the UI with `waker`); receipts go into
    /// `data_dir`.
    pub fn new(
        runtime: tokio::runtime::Handle,
        data_dir: &Path,
        events: Sender<UiEvent>,
        waker: Waker,
        settings: TransportSettings,
        source: SourceChoice,
    ) -> Self {
        Self {
            runtime,
            settings,
            display_name: user_display_name(),
            receipts: ReceiptLog::new(data_dir),
            preferences: AssistSettings::new(data_dir),
            receipt_writer: spawn_receipt_writer(ReceiptLog::new(data_dir), events.clone(), waker.clone()),
            request: Arc::new(Mutex::new(None)),
            engineer_at: String::new(),
            events,
            waker,
            handle: Arc::new(Mutex::new(None)),
            source,
            private: Arc::new(Mutex::new(Vec::new())),
            sharing: Arc::new(Mutex::new(None)),
            overlay: Arc::new(Mutex::new(None)),
            data_dir: data_dir.to_path_buf(),
            control: Arc::new(Mutex::new(None)),
        }
    }

    /// The capture thread's figures, while one runs.
    pub fn sharing_stats(&self) -> Option<Arc<super::sharing::SharingStats>> {
        self.sharing.lock().unwrap_or_else(PoisonError::into_inner).as_ref().map(|thread| thread.stats.clone())
    }

    /// Closes the screen gate at once, before the session task hears of the pause or stop.
    fn close_gate(&self) {
        if let Some(handle) = self.session() {
            handle.status().close_screen_gate();
        }
    }

    fn emit(&self, notice: AssistNotice) {
        let _ = self.events.send(UiEvent::Assist(notice));
        (self.waker)();
    }

    fn session(&self) -> Option<SessionHandle> {
        self.handle.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn send(&self, command: SessionCommand) {
        if !self.session().is_some_and(|handle| handle.send(command)) {
            self.emit(AssistNotice::Refused("There is no session right now.".into()));
        }
    }

    /// Sends screen data (refused by the session unless the view scope is in force).
    pub fn send_frame(&self, data: Vec<u8>) {
        if let Some(handle) = self.session() {
            handle.send(LinkCommand::SendFrame(data));
        }
    }

    /// Runs one command of the Get-help screens.
    pub fn run(&mut self, command: AssistCommand) {
        match command {
            AssistCommand::Join(link) => self.join(link),
            AssistCommand::Session(command) => self.session_command(command),
            AssistCommand::SendClipboard => match self.session() {
                Some(handle) => {
                    let (events, waker) = (self.events.clone(), self.waker.clone());
                    super::control_thread::send_clipboard(handle, move |why| {
                        let _ = events.send(UiEvent::Assist(AssistNotice::Refused(why)));
                        waker();
                    });
                }
                None => self.emit(AssistNotice::Refused("There is no session right now.".into())),
            },
            AssistCommand::SetPrivateRegions(regions) => {
                *self.private.lock().unwrap_or_else(PoisonError::into_inner) = regions;
            }
            AssistCommand::Leave => {
                self.close_gate();
                if let Some(handle) = self.handle.lock().unwrap_or_else(PoisonError::into_inner).take() {
                    handle.send(SessionCommand::End);
                }
                self.sharing.lock().unwrap_or_else(PoisonError::into_inner).take();
                self.overlay.lock().unwrap_or_else(PoisonError::into_inner).take();
                self.control.lock().unwrap_or_else(PoisonError::into_inner).take();
            }
            AssistCommand::LoadReceipts(lang) => self.load_receipts(lang),
            AssistCommand::SetLanguage(lang) => self.save_language(lang),
            AssistCommand::SaveSummary { text, choose_file } => self.save_summary(text, choose_file),
        }
    }

    /// Passes a verb of the session on. A decision is written to the receipts first; what
    /// narrows the sharing (pause, stop, taking the view away) closes the screen gate at once,
    /// before the session hears of it.
    fn session_command(&mut self, command: SessionCommand) {
        match command {
            SessionCommand::Grant(scopes) => self.decide_after_receipt("granted", Some(scopes), command),
            // Letting the engineer use the mouse and keyboard takes effect once its receipt is on disk.
            SessionCommand::GrantControl => self.decide_after_receipt("control_granted", None, command),
            SessionCommand::ChangeScopes(scopes) => {
                if !scopes.view {
                    // Taking the view away is immediate, like Pause: the receipt follows.
                    self.close_gate();
                }
                self.decide_after_receipt("scopes_changed", Some(scopes), command);
            }
            SessionCommand::Pause | SessionCommand::Revoke | SessionCommand::End => {
                self.close_gate();
                self.send(command);
            }
            command => self.send(command),
        }
    }

    /// Writes and syncs the receipt of a decision, and only then sends it to the session: the
    /// engineer hears of it, and the window says it is sharing, once the user's record is on disk.
    fn decide_after_receipt(&self, decision: &str, scopes: Option<crate::protocol::Scopes>, command: SessionCommand) {
        let Some(handle) = self.session() else {
            return self.emit(AssistNotice::Refused("There is no session right now.".into()));
        };
        let request = self.request.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let receipt = receipt(decision, scopes, request.as_ref(), &self.engineer_at);
        if self.receipt_writer.send(ReceiptJob { receipt, then: Some((handle, command)) }).is_err() {
            self.emit(AssistNotice::Refused("Your consent receipt cannot be written; nothing was sent.".into()));
        }
    }

    /// Saves the chosen language off the UI thread; a failure is said in the window.
    /// Keeps the summary in the data folder (with a receipt pointing to it), or saves it where
    /// the user picks; never on the UI thread.
    fn save_summary(&self, text: String, choose_file: bool) {
        let (events, waker, receipts) = (self.events.clone(), self.waker.clone(), self.receipt_writer.clone());
        let data_dir = self.data_dir.clone();
        let spawned = std::thread::Builder::new().name("stepwise-summary".into()).spawn(move || {
            let saved = if choose_file {
                let Some(path) = rfd::FileDialog::new().set_file_name("stepwise-summary.txt").save_file() else {
                    return;
                };
                write_summary(&path, &text).map(|()| path)
            } else {
                keep_summary(&data_dir, &text, crate::model::now_ms()).inspect(|path| {
                    let _ = receipts.send(ReceiptJob { receipt: summary_receipt(path), then: None });
                })
            };
            let notice = match saved {
                Ok(path) => AssistNotice::SummarySaved(path.display().to_string()),
                Err(err) => AssistNotice::Refused(format!("The summary could not be saved: {err}.")),
            };
            let _ = events.send(UiEvent::Assist(notice));
            waker();
        });
        if let Err(err) = spawned {
            tracing::error!("cannot start the summary writer: {err}");
        }
    }

    fn save_language(&self, lang: Lang) {
        let preferences = self.preferences.clone();
        let (events, waker) = (self.events.clone(), self.waker.clone());
        self.runtime.spawn_blocking(move || {
            if let Err(err) = preferences.save_lang(lang) {
                tracing::warn!("{err}");
                let _ = events.send(UiEvent::Assist(AssistNotice::Refused(format!("{err}"))));
                waker();
            }
        });
    }

    fn load_receipts(&self, lang: Lang) {
        let receipts = self.receipts.clone();
        let (events, waker) = (self.events.clone(), self.waker.clone());
        self.runtime.spawn_blocking(move || {
            let lines = match receipts.read() {
                Ok(entries) => entries
                    .into_iter()
                    .map(|entry| entry.map_or_else(|damaged| damaged, |receipt| receipt_line(&receipt, lang)))
                    .collect(),
                Err(err) => vec![format!("cannot read the receipts: {err}")],
            };
            let path = receipts.path().display().to_string();
            let _ = events.send(UiEvent::Assist(AssistNotice::Receipts { path, lines }));
            waker();
        });
    }

    fn join(&mut self, link: JoinLink) {
        if let Some(old) = self.handle.lock().unwrap_or_else(PoisonError::into_inner).take() {
            old.send(SessionCommand::End);
        }
        self.overlay.lock().unwrap_or_else(PoisonError::into_inner).take();
        self.control.lock().unwrap_or_else(PoisonError::into_inner).take();
        let request = self.request.clone();
        *request.lock().unwrap_or_else(PoisonError::into_inner) = None;
        let (events, waker, receipts) = (self.events.clone(), self.waker.clone(), self.receipt_writer.clone());
        let engineer_at = format!("{}:{}", link.host, link.port);
        self.engineer_at.clone_from(&engineer_at);
        let overlay = self.overlay.clone();
        let control = self.control.clone();
        let log = Arc::new(Mutex::new(SessionLog::default()));
        // The monitor shared: switched only when the user agrees to the engineer's request.
        let monitor = MonitorSwitch::new(match self.source {
            SourceChoice::Screen { monitor } => monitor,
            SourceChoice::Synthetic { .. } | SourceChoice::FrameFolder { .. } => 0,
        });
        let switching = MonitorFollower {
            switch: monitor.clone(),
            handle: self.handle.clone(),
            overlay: self.overlay.clone(),
            control: self.control.clone(),
            events: self.events.clone(),
            waker: self.waker.clone(),
        };
        let sink: EventSink = Arc::new(move |event| {
            if let TransportEvent::Session(SessionEvent::MonitorSwitchAnswered { index, accepted: true }) = &event {
                switching.follow(*index);
            }
            let summary = {
                let mut log = log.lock().unwrap_or_else(PoisonError::into_inner);
                log.observe(crate::model::now_ms(), &event);
                let ended = matches!(event, TransportEvent::Session(SessionEvent::Ended { .. }));
                ended.then(|| log.facts())
            };
            {
                // The screen overlay and the input injector follow the session, and go with it.
                let mut overlay = overlay.lock().unwrap_or_else(PoisonError::into_inner);
                let mut control = control.lock().unwrap_or_else(PoisonError::into_inner);
                match &event {
                    TransportEvent::Session(session_event) => {
                        if let Some(overlay) = overlay.as_ref() {
                            overlay.follow(session_event);
                        }
                        if let Some(control) = control.as_ref() {
                            control.follow(session_event);
                        }
                    }
                    TransportEvent::Closed => {
                        overlay.take();
                        control.take();
                    }
                    _ => {}
                }
            }
            if let TransportEvent::Session(session_event) = &event {
                let mut pending = request.lock().unwrap_or_else(PoisonError::into_inner);
                if let SessionEvent::ConsentRequested(asked) = session_event {
                    *pending = Some(asked.clone());
                }
                if let Some(receipt) = receipt_for(session_event, pending.as_ref(), &engineer_at) {
                    let _ = receipts.send(ReceiptJob { receipt, then: None });
                }
            }
            let notice = match event {
                TransportEvent::Paired => AssistNotice::Paired,
                TransportEvent::Path(path) => AssistNotice::Path(path),
                TransportEvent::Session(event) => AssistNotice::Event(event),
                TransportEvent::CommandRefused(why) => AssistNotice::Refused(why),
                TransportEvent::Closed => AssistNotice::Closed,
                // Engineer-only events.
                TransportEvent::PairingFailed { .. }
                | TransportEvent::CodeBurned
                | TransportEvent::CodeExpired
                | TransportEvent::RoundTrip { .. }
                | TransportEvent::Relay(_) => {
                    return;
                }
            };
            let _ = events.send(UiEvent::Assist(notice));
            if let Some(facts) = summary {
                let _ = events.send(UiEvent::Assist(AssistNotice::Summary(facts)));
            }
            waker();
        });
        let (events, waker, slot) = (self.events.clone(), self.waker.clone(), self.handle.clone());
        let (settings, name) = (self.settings.clone(), self.display_name.clone());
        let (source, private, sharing) = (self.source.clone(), self.private.clone(), self.sharing.clone());
        let overlay = self.overlay.clone();
        let control = self.control.clone();
        self.runtime.spawn(async move {
            match join_session(&link, &name, settings, sink).await {
                Ok(handle) => {
                    *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(handle.clone());
                    // On Wayland the live screen comes through the system's dialog (the portal).
                    let through_portal = matches!(source, SourceChoice::Screen { .. })
                        && super::portal::wanted()
                        && super::portal::probe().await.is_ok();
                    let described = if through_portal {
                        Ok((SourceLabel::SystemPicker, None))
                    } else {
                        tokio::task::spawn_blocking({
                            let source = source.clone();
                            move || describe_source(&source)
                        })
                        .await
                        .unwrap_or_else(|err| Err(CaptureError::Failed(err.to_string())))
                    };
                    let desktop_area = described.as_ref().ok().and_then(|(_, area)| *area);
                    if let Some(area) = desktop_area {
                        let _ = events.send(UiEvent::Assist(AssistNotice::SharedArea(area)));
                    }
                    let _ = events.send(UiEvent::Assist(AssistNotice::Source(described.map(|(label, _)| label))));
                    waker();
                    // Arrows go over the real screen where it can be done, else only over the
                    // preview in the Get-help window; the engineer and the user are told which.
                    let on_screen = match desktop_area {
                        Some(area) => {
                            let (handle, events, waker) = (handle.clone(), events.clone(), waker.clone());
                            tokio::task::spawn_blocking(move || open_arrow_overlay(area, handle, events, waker))
                                .await
                                .unwrap_or_else(|err| {
                                    Err(NoOverlay::with_detail(NoOverlayCode::Failed, err.to_string()))
                                })
                        }
                        None if through_portal => Err(NoOverlay::wayland_desktop()),
                        None => Err(source_not_live_screen(&source)),
                    };
                    // The capture grabs at once when the engineer's input was applied.
                    let wake = CaptureWake::default();
                    if let Some(area) = desktop_area {
                        // The engineer's input lands on the shared monitor only, and only while
                        // the control scope is in force (the session drops it otherwise).
                        let (handle, wake) = (handle.clone(), wake.clone());
                        let started = tokio::task::spawn_blocking(move || start_control(area, handle, wake)).await;
                        if let Ok(Some(thread)) = started {
                            *control.lock().unwrap_or_else(PoisonError::into_inner) = Some(thread);
                        }
                    }
                    let why_not = on_screen.as_ref().err().cloned();
                    let overlay_active = on_screen.is_ok();
                    *overlay.lock().unwrap_or_else(PoisonError::into_inner) = on_screen.ok();
                    handle.send(SessionCommand::GuidanceMode { overlay: overlay_active, why_not });
                    let _ = events
                        .send(UiEvent::Assist(AssistNotice::ArrowsShown(ArrowPlacement::reported(overlay_active))));
                    waker();
                    let (error_events, error_waker) = (events.clone(), waker.clone());
                    let on_error = Box::new(move |err: crate::capture::CaptureError| {
                        let _ = error_events.send(UiEvent::Assist(AssistNotice::Source(Err(err))));
                        error_waker();
                    });
                    let preview = crate::ui::viewer::FrameSlot::default();
                    let opener: super::sharing::SourceOpener = if through_portal {
                        // Each (re)start asks the system's dialog again: what is shared is that
                        // dialog's choice again (an earlier cancel no longer stands).
                        let mut open = super::portal::opener(tokio::runtime::Handle::current());
                        let (events, waker) = (events.clone(), waker.clone());
                        Box::new(move || {
                            let _ = events.send(UiEvent::Assist(AssistNotice::Source(Ok(SourceLabel::SystemPicker))));
                            waker();
                            open()
                        })
                    } else {
                        super::sharing::switchable_opener(source, monitor.clone())
                    };
                    let extras =
                        SharingExtras { preview: Some(preview.clone()), wake: Some(wake), monitor: Some(monitor) };
                    match SharingThread::spawn_with(handle, opener, private, on_error, extras) {
                        Ok(thread) => {
                            *sharing.lock().unwrap_or_else(PoisonError::into_inner) = Some(thread);
                            let _ = events.send(UiEvent::Assist(AssistNotice::Preview(preview)));
                            waker();
                        }
                        Err(err) => tracing::error!("cannot start the capture thread: {err}"),
                    }
                }
                Err(err) => {
                    let failure = match err {
                        JoinError::WrongCode { attempts_left } => JoinFailure::WrongCode { attempts_left },
                        JoinError::CodeBurned => JoinFailure::CodeBurned,
                        JoinError::CodeExpired => JoinFailure::CodeExpired,
                        JoinError::CodeUsed => JoinFailure::CodeUsed,
                        JoinError::NotTheEngineer => JoinFailure::NotTheEngineer,
                        JoinError::Unreachable(why) | JoinError::Failed(why) => JoinFailure::Unreachable(why),
                    };
                    let _ = events.send(UiEvent::Assist(AssistNotice::JoinFailed(failure)));
                    waker();
                }
            }
        });
    }
}

/// What follows the user's yes to another monitor: the capture, the arrows over the screen
/// and the engineer's input move to it.
#[derive(Clone)]
struct MonitorFollower {
    switch: MonitorSwitch,
    handle: Arc<Mutex<Option<SessionHandle>>>,
    overlay: OverlaySlot,
    control: ControlSlot,
    events: Sender<UiEvent>,
    waker: Waker,
}

impl MonitorFollower {
    /// Switches to monitor `index`: the capture reopens at once; where the monitor lies is
    /// asked of the display off the session task, then the overlay and the injector follow.
    fn follow(&self, index: u32) {
        let Ok(index) = usize::try_from(index) else { return };
        self.switch.switch_to(index);
        let this = self.clone();
        let spawned = std::thread::Builder::new().name("stepwise-monitor".into()).spawn(move || this.move_to(index));
        if let Err(err) = spawned {
            tracing::error!("cannot follow the monitor switch: {err}");
        }
    }

    fn move_to(&self, index: usize) {
        let notify = |notice| {
            let _ = self.events.send(UiEvent::Assist(notice));
            (self.waker)();
        };
        let (label, area) = match describe_source(&SourceChoice::Screen { monitor: index }) {
            Ok(described) => described,
            Err(err) => return notify(AssistNotice::Source(Err(err))),
        };
        notify(AssistNotice::Source(Ok(label)));
        let Some(area) = area else { return };
        notify(AssistNotice::SharedArea(area));
        if let Some(control) = self.control.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
            control.retarget(area);
        }
        let Some(handle) = self.handle.lock().unwrap_or_else(PoisonError::into_inner).clone() else { return };
        let on_screen = open_arrow_overlay(area, handle.clone(), self.events.clone(), self.waker.clone());
        let why_not = on_screen.as_ref().err().cloned();
        let overlay_active = on_screen.is_ok();
        *self.overlay.lock().unwrap_or_else(PoisonError::into_inner) = on_screen.ok();
        handle.send(SessionCommand::GuidanceMode { overlay: overlay_active, why_not });
        notify(AssistNotice::ArrowsShown(ArrowPlacement::reported(overlay_active)));
    }
}

/// Opens XTEST injection into the shared monitor `area` and starts its thread, handing the
/// session task its input sink; `None` (logged) where the display does not allow it.
fn start_control(area: PixelRect, handle: SessionHandle, wake: CaptureWake) -> Option<ControlThread> {
    let injector = match X11Injector::open(None, area) {
        Ok(injector) => injector,
        Err(err) => {
            tracing::warn!("{err}");
            return None;
        }
    };
    match ControlThread::spawn(injector, handle.clone(), None, wake) {
        Ok(thread) => {
            handle.send(LinkCommand::SetInputSink(thread.sink()));
            Some(thread)
        }
        Err(err) => {
            tracing::error!("cannot start the remote control thread: {err}");
            None
        }
    }
}

/// What will be shared, in words for the consent screen, and where it lies on the user's
/// desktop when it is the live screen; or why nothing can be shared.
pub fn describe_source(choice: &SourceChoice) -> Result<(SourceLabel, Option<PixelRect>), CaptureError> {
    match choice {
        SourceChoice::FrameFolder { dir, fps } => {
            crate::capture::FrameFolderSource::open(dir, *fps, true).map(|source| (source.label(), None))
        }
        SourceChoice::Synthetic { fps } => {
            Ok((crate::capture::synthetic::SyntheticSource::new(640, 360, *fps).label(), None))
        }
        SourceChoice::Screen { monitor } => {
            crate::capture::x11::X11Source::open(*monitor).map(|source| (source.label(), source.desktop_area()))
        }
    }
}

/// Why arrows cannot go over the real screen when `source` has no place on the desktop.
fn source_not_live_screen(source: &SourceChoice) -> NoOverlay {
    NoOverlay::new(match source {
        SourceChoice::Screen { .. } => NoOverlayCode::ScreenNotCaptured,
        SourceChoice::FrameFolder { .. } | SourceChoice::Synthetic { .. } => NoOverlayCode::NotLiveScreen,
    })
}

/// The code (and the display's own words as detail) for an overlay that cannot be shown.
fn no_overlay(err: &crate::overlay::OverlayError) -> NoOverlay {
    use crate::overlay::OverlayError;
    match err {
        OverlayError::Unavailable(detail) => NoOverlay::with_detail(NoOverlayCode::Unavailable, detail.clone()),
        OverlayError::Failed(detail) => NoOverlay::with_detail(NoOverlayCode::Failed, detail.clone()),
    }
}

/// Opens the overlay for the engineer's arrows over `area`, or says why the screen cannot show
/// one. If it fails later, both sides are told arrows moved into the Get-help window.
fn open_arrow_overlay(
    area: PixelRect,
    handle: SessionHandle,
    events: Sender<UiEvent>,
    waker: Waker,
) -> Result<ArrowOverlay, NoOverlay> {
    let too_far = |_| NoOverlay::new(NoOverlayCode::OutsideDesktop);
    let desktop = DesktopRect {
        x: i32::try_from(area.x).map_err(too_far)?,
        y: i32::try_from(area.y).map_err(too_far)?,
        width: area.width,
        height: area.height,
    };
    let on_failure = Box::new(move |err: crate::overlay::OverlayError| {
        handle.send(SessionCommand::GuidanceMode { overlay: false, why_not: Some(no_overlay(&err)) });
        let _ = events.send(UiEvent::Assist(AssistNotice::ArrowsShown(ArrowPlacement::InWindow)));
        waker();
    });
    ArrowOverlay::open(desktop, on_failure).map_err(|err| {
        tracing::info!("arrows stay in the Get-help window: {err}");
        no_overlay(&err)
    })
}

/// The name the engineer sees: the login's full name if known, else the login name.
pub fn user_display_name() -> String {
    ["STEPWISE_USER_NAME", "USER", "USERNAME"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|value| !value.trim().is_empty())
        .unwrap_or_else(|| "User".to_owned())
}

/// The stand-alone Get-help window (`stepwise assist [LINK]`): no ticket store, no profile.
pub struct AssistApp {
    view: AssistView,
    controller: AssistController,
    events: Receiver<UiEvent>,
}

impl AssistApp {
    /// Opens the Get-help screens in the language chosen last time (else `lang`); with a link,
    /// joins at once.
    pub fn new(
        ctx: &egui::Context,
        runtime: tokio::runtime::Handle,
        data_dir: &Path,
        lang: Lang,
        link: Option<JoinLink>,
        settings: TransportSettings,
        source: SourceChoice,
    ) -> Self {
        let (sender, events) = channel();
        let repaint = ctx.clone();
        let waker: Waker = Arc::new(move || repaint.request_repaint());
        let controller = AssistController::new(runtime, data_dir, sender, waker, settings, source);
        let (lang, damaged) = match AssistSettings::new(data_dir).load_lang() {
            Ok(saved) => (saved.unwrap_or(lang), None),
            Err(err) => {
                tracing::warn!("{err}");
                (lang, Some(format!("{err}")))
            }
        };
        let mut view = AssistView::new(lang, link.as_ref());
        if let Some(why) = damaged {
            view.apply(AssistNotice::Refused(why));
        }
        Self { view, controller, events }
    }

    /// The view (tests read it).
    pub fn view(&self) -> &AssistView {
        &self.view
    }
}

impl eframe::App for AssistApp {
    fn logic(&mut self, _ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.view.now_ms = crate::model::now_ms();
        while let Ok(event) = self.events.try_recv() {
            if let UiEvent::Assist(notice) = event {
                self.view.apply(notice);
            }
        }
        for command in self.view.take_commands() {
            self.controller.run(command);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default_margins().show(ui, |ui| self.view.ui(ui));
        if self.view.has_pending_commands() {
            ui.ctx().request_repaint();
        }
    }
}

impl Drop for AssistApp {
    fn drop(&mut self) {
        for command in self.view.closing_commands() {
            self.controller.run(command);
        }
        self.controller.run(AssistCommand::Leave);
    }
}
