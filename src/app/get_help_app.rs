//! The user's side ("Get help"): joins an engineer's session, passes the consent screens' choices
//! to the session task, and keeps the user's own receipt of every consent decision. Also the
//! stand-alone `stepwise assist` window.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{Value, json};

use crate::capture::{CaptureError, PixelRect, ScreenSource, SourceChoice, SourceLabel};
use crate::overlay::DesktopRect;
use crate::protocol::SessionCommand;
use crate::protocol::{ConsentRequest, JoinLink, NoOverlay, NoOverlayCode, SessionEvent};
use crate::store::private_fs;
use crate::transport::{
    EventSink, JoinError, LinkCommand, SessionHandle, TransportEvent, TransportSettings, join_session,
};
use crate::ui::annotations::ArrowPlacement;
use crate::ui::i18n::{Lang, Text};
use crate::ui::session::scopes_text;
use crate::ui::{AssistCommand, AssistNotice, AssistView, JoinFailure, UiEvent};

use super::assist_settings::AssistSettings;
use super::overlay_thread::ArrowOverlay;
use super::sharing::{PrivateRegions, SharingThread};
use super::store_worker::Waker;

/// The Get-help window's size when it opens, points.
pub const ASSIST_WINDOW_SIZE: [f32; 2] = [760.0, 620.0];
/// The smallest the Get-help window may be made, points.
pub const ASSIST_WINDOW_MIN_SIZE: [f32; 2] = [520.0, 420.0];

/// File name of the user's consent receipts in the data directory.
pub const RECEIPTS_FILE: &str = "consent-receipts.jsonl";

/// The user's own log of consent decisions: one JSON object per line, appended and synced.
#[derive(Clone, Debug)]
pub struct ReceiptLog {
    path: PathBuf,
}

impl ReceiptLog {
    /// The log in `data_dir`. A log (and folder) left readable by every account by an older
    /// version is made private here.
    pub fn new(data_dir: &Path) -> Self {
        let path = data_dir.join(RECEIPTS_FILE);
        if data_dir.is_dir()
            && let Err(err) = private_fs::ensure_private_dir(data_dir).and_then(|()| private_fs::tighten_file(&path))
        {
            tracing::warn!(file = %path.display(), "cannot make the consent receipts private: {err}");
        }
        Self { path }
    }

    /// Where it lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one decision and syncs it to disk.
    pub fn append(&self, receipt: &Value) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            private_fs::ensure_private_dir(dir)?;
        }
        let mut file = private_fs::append_private_file(&self.path)?;
        let mut line = receipt.to_string();
        line.push('\n');
        file.write_all(line.as_bytes())?;
        file.sync_all()
    }

    /// Every receipt, oldest first; unreadable lines are reported in place, never fatal.
    pub fn read(&self) -> std::io::Result<Vec<Result<Value, String>>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(err),
        };
        Ok(text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .enumerate()
            .map(|(index, line)| {
                serde_json::from_str(line).map_err(|err| format!("line {}: damaged ({err})", index + 1))
            })
            .collect())
    }
}

/// One receipt to write, and what to do once it is on disk.
struct ReceiptJob {
    receipt: Value,
    /// A decision that takes effect only after its receipt is synced (Allow, a scope change):
    /// sent to the session then, and never if the receipt could not be written.
    then: Option<(SessionHandle, SessionCommand)>,
}

/// A thread appending receipts in order; a failure is logged and shown to the user, and the
/// decision waiting on that receipt is not sent.
fn spawn_receipt_writer(log: ReceiptLog, events: Sender<UiEvent>, waker: Waker) -> Sender<ReceiptJob> {
    let (sender, receipts) = channel::<ReceiptJob>();
    let spawned = std::thread::Builder::new().name("stepwise-receipts".into()).spawn(move || {
        while let Ok(job) = receipts.recv() {
            match log.append(&job.receipt) {
                Ok(()) => {
                    if let Some((handle, command)) = job.then {
                        handle.send(command);
                    }
                }
                Err(err) => {
                    tracing::error!("cannot write the consent receipt: {err}");
                    let mut why =
                        format!("Your consent receipt could not be saved in {}: {err}.", log.path().display());
                    if job.then.is_some() {
                        why.push_str(" Nothing was changed: your choice was not sent.");
                    }
                    let _ = events.send(UiEvent::Assist(AssistNotice::Refused(why)));
                    waker();
                }
            }
        }
    });
    if let Err(err) = spawned {
        tracing::error!("cannot start the receipt writer: {err}");
    }
    sender
}

/// The receipt for a consent event on the user's side, if it is one written after the fact:
/// refusals, pauses, stops and screenshots the engineer kept. Grants and scope changes are
/// written before they take effect (see [`AssistController::run`]).
fn receipt_for(event: &SessionEvent, request: Option<&ConsentRequest>, engineer_at: &str) -> Option<Value> {
    let decision = match event {
        SessionEvent::ConsentDenied { dont_ask_again: false, .. } => "denied",
        SessionEvent::ConsentDenied { dont_ask_again: true, .. } => "denied_for_session",
        SessionEvent::SharingPaused => "paused",
        SessionEvent::SharingResumed => "resumed",
        SessionEvent::ConsentRevoked => "revoked",
        SessionEvent::ScreenshotTaken { .. } => "screenshot_kept",
        _ => return None,
    };
    Some(receipt(decision, None, request, engineer_at))
}

/// A receipt line: what was decided, with which scopes, for whom.
fn receipt(
    decision: &str,
    scopes: Option<crate::protocol::Scopes>,
    request: Option<&ConsentRequest>,
    engineer_at: &str,
) -> Value {
    let at_ms = crate::model::now_ms();
    json!({
        "at": chrono::DateTime::from_timestamp_millis(at_ms).map(|at| at.to_rfc3339()).unwrap_or_default(),
        "at_ms": at_ms,
        "decision": decision,
        "scopes": scopes.map(crate::model::ScopesRecord::from),
        "engineer": request.map(|r| r.engineer_name.clone()),
        "team": request.map(|r| r.team.clone()),
        "ticket": request.map(|r| r.ticket_number.clone()),
        "purpose": request.map(|r| r.purpose.clone()),
        "engineer_address": engineer_at,
    })
}

/// One receipt as a line for the receipts window.
pub fn receipt_line(receipt: &Value, lang: Lang) -> String {
    let text = |key: &str| receipt.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
    let at = receipt.get("at_ms").and_then(Value::as_i64).map(crate::ui::widgets::format_time).unwrap_or_default();
    let decision = match text("decision").as_str() {
        "granted" => Text::Allow.get(lang).to_owned(),
        "denied" => Text::DontAllow.get(lang).to_owned(),
        "denied_for_session" => format!("{} · {}", Text::DontAllow.get(lang), Text::DontAskAgain.get(lang)),
        "screenshot_kept" => Text::ReceiptScreenshot.get(lang).to_owned(),
        "paused" => Text::PauseSharing.get(lang).to_owned(),
        "resumed" => Text::ResumeSharing.get(lang).to_owned(),
        "revoked" => Text::StopSharing.get(lang).to_owned(),
        "scopes_changed" => Text::ChangeWhatIAllow.get(lang).to_owned(),
        other => other.to_owned(),
    };
    let scopes = receipt.get("scopes").filter(|value| !value.is_null()).map(|value| {
        let flag = |name: &str| value.get(name).and_then(Value::as_bool).unwrap_or(false);
        let scopes = crate::protocol::Scopes { view: flag("view"), pointers: flag("pointers"), record: flag("record") };
        format!(" · {}", scopes_text(scopes, lang))
    });
    format!(
        "{at} · {decision}{} · {} ({}) · {}",
        scopes.unwrap_or_default(),
        text("engineer"),
        text("team"),
        text("ticket")
    )
}

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
}

type OverlaySlot = Arc<Mutex<Option<ArrowOverlay>>>;

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
            }
            AssistCommand::LoadReceipts(lang) => self.load_receipts(lang),
            AssistCommand::SetLanguage(lang) => self.save_language(lang),
        }
    }

    /// Passes a verb of the session on. A decision is written to the receipts first; what
    /// narrows the sharing (pause, stop, taking the view away) closes the screen gate at once,
    /// before the session hears of it.
    fn session_command(&mut self, command: SessionCommand) {
        match command {
            SessionCommand::Grant(scopes) => self.decide_after_receipt("granted", scopes, command),
            SessionCommand::ChangeScopes(scopes) => {
                if !scopes.view {
                    // Taking the view away is immediate, like Pause: the receipt follows.
                    self.close_gate();
                }
                self.decide_after_receipt("scopes_changed", scopes, command);
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
    fn decide_after_receipt(&self, decision: &str, scopes: crate::protocol::Scopes, command: SessionCommand) {
        let Some(handle) = self.session() else {
            return self.emit(AssistNotice::Refused("There is no session right now.".into()));
        };
        let request = self.request.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let receipt = receipt(decision, Some(scopes), request.as_ref(), &self.engineer_at);
        if self.receipt_writer.send(ReceiptJob { receipt, then: Some((handle, command)) }).is_err() {
            self.emit(AssistNotice::Refused("Your consent receipt cannot be written; nothing was sent.".into()));
        }
    }

    /// Saves the chosen language off the UI thread; a failure is said in the window.
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
        let request = self.request.clone();
        *request.lock().unwrap_or_else(PoisonError::into_inner) = None;
        let (events, waker, receipts) = (self.events.clone(), self.waker.clone(), self.receipt_writer.clone());
        let engineer_at = format!("{}:{}", link.host, link.port);
        self.engineer_at.clone_from(&engineer_at);
        let overlay = self.overlay.clone();
        let sink: EventSink = Arc::new(move |event| {
            {
                let mut overlay = overlay.lock().unwrap_or_else(PoisonError::into_inner);
                match &event {
                    TransportEvent::Session(session_event) => {
                        if let Some(overlay) = overlay.as_ref() {
                            overlay.follow(session_event);
                        }
                    }
                    TransportEvent::Closed => drop(overlay.take()),
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
                TransportEvent::Session(event) => AssistNotice::Event(event),
                TransportEvent::CommandRefused(why) => AssistNotice::Refused(why),
                TransportEvent::Closed => AssistNotice::Closed,
                // Engineer-only events.
                TransportEvent::PairingFailed { .. } | TransportEvent::CodeBurned | TransportEvent::CodeExpired => {
                    return;
                }
            };
            let _ = events.send(UiEvent::Assist(notice));
            waker();
        });
        let (events, waker, slot) = (self.events.clone(), self.waker.clone(), self.handle.clone());
        let (settings, name) = (self.settings.clone(), self.display_name.clone());
        let (source, private, sharing) = (self.source.clone(), self.private.clone(), self.sharing.clone());
        let overlay = self.overlay.clone();
        self.runtime.spawn(async move {
            match join_session(&link, &name, settings, sink).await {
                Ok(handle) => {
                    *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(handle.clone());
                    let described = tokio::task::spawn_blocking({
                        let source = source.clone();
                        move || describe_source(&source)
                    })
                    .await
                    .unwrap_or_else(|err| Err(CaptureError::Failed(err.to_string())));
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
                        None => Err(source_not_live_screen(&source)),
                    };
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
                    let opener = super::sharing::opener_for(source);
                    match SharingThread::spawn_with_preview(handle, opener, private, on_error, Some(preview.clone())) {
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
        self.controller.run(AssistCommand::Leave);
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn consent_receipts_are_private_new_or_old() {
        let root = tempfile::tempdir().unwrap();
        let fresh = root.path().join("fresh");
        let log = ReceiptLog::new(&fresh);
        log.append(&json!({ "decision": "granted" })).unwrap();
        assert_eq!((mode(&fresh), mode(log.path())), (0o700, 0o600));

        // Receipts an older version left readable by every account are tightened on start.
        let old = root.path().join("old");
        std::fs::create_dir_all(&old).unwrap();
        std::fs::write(old.join(RECEIPTS_FILE), "{\"decision\":\"denied\"}\n").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(old.join(RECEIPTS_FILE), std::fs::Permissions::from_mode(0o644)).unwrap();
        let log = ReceiptLog::new(&old);
        assert_eq!((mode(&old), mode(log.path())), (0o700, 0o600));
        assert_eq!(log.read().unwrap().len(), 1, "nothing lost");
    }
}
