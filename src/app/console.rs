//! The engineer's console as an eframe app: `logic()` drains store events and runs the views'
//! commands; `ui()` only draws.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use crate::model::ExportFormat;
use crate::model::TicketId;
use crate::model::now_ms;
use crate::protocol::HoldReason;
use crate::protocol::SessionCommand;
use crate::transport::TransportSettings;
use crate::ui::{DeskState, DialogCommand, Lang, NetworkCommand, SessionRequest, StoreCommand, UiCommand, UiEvent};

use super::get_help_app::AssistController;
use super::session_recording::{RECORDINGS_DIR, RecordingTarget};
use super::sessions::{EngineerSessions, ListenConfig};
use super::store_worker::{StoreRequest, StoreWorker};

/// A dialog that "returns" sooner than this was never shown.
pub(crate) const NO_DIALOG_SHOWN: Duration = Duration::from_millis(300);

/// Whether a native file dialog can be shown. On Linux and the BSDs rfd needs the desktop portal
/// (on the D-Bus session bus) or, failing that, `zenity`; with neither it returns at once.
fn file_dialog_service_available() -> bool {
    if cfg!(any(target_os = "windows", target_os = "macos")) {
        return true;
    }
    let env_bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|address| !address.is_empty());
    let runtime_bus =
        std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|dir| std::path::Path::new(&dir).join("bus").exists());
    let zenity = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join("zenity").is_file()));
    env_bus || runtime_bus || zenity
}

/// How often an idle console wakes up so SLA countdowns move.
const IDLE_REPAINT: Duration = Duration::from_secs(20);

/// The console: view state plus the handles that feed it.
pub struct ConsoleApp {
    desk: DeskState,
    worker: StoreWorker,
    events: Receiver<UiEvent>,
    /// For the file-dialog thread: "no dialog could be shown".
    ui_events: Sender<UiEvent>,
    /// Whether native file dialogs may be tried (tests turn them off).
    file_dialogs: bool,
    clock: fn() -> i64,
    sessions: EngineerSessions,
    assist: AssistController,
    demo: Option<(TicketId, DemoStage)>,
    pictures: super::pictures::PictureLoader,
    player: super::player::PlayerHost,
    video_exports: super::video_export::VideoExports,
    /// The network runtime (created in `main`): relay tests run on it.
    runtime: tokio::runtime::Handle,
}

/// What the console needs besides its data directory.
#[derive(Clone, Debug)]
pub struct ConsoleOptions {
    /// The language until one is saved.
    pub system_lang: Lang,
    /// The async runtime sessions run on (created in `main`).
    pub runtime: tokio::runtime::Handle,
    /// Where sessions listen.
    pub listen: ListenConfig,
    /// Link timing.
    pub transport: TransportSettings,
    /// What "Get help" shares from this machine.
    pub share_source: crate::capture::SourceChoice,
    /// The demo: this ticket's session starts by itself and a Get-help window joins it.
    pub demo_ticket: Option<TicketId>,
    /// The command line's `--database`: work on this team database whatever Settings chose.
    pub database: Option<crate::model::TeamDatabaseSettings>,
}

/// Progress of the one-machine demo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DemoStage {
    WaitingForStore,
    WaitingForCode,
    Joined,
}

impl ConsoleApp {
    /// Starts the store thread on `data_dir`; the views speak `system_lang` until a choice is saved.
    pub fn new(ctx: &egui::Context, data_dir: PathBuf, options: ConsoleOptions) -> Self {
        Self::with_clock(ctx, data_dir, options, now_ms)
    }

    /// Like [`ConsoleApp::new`] with an injected clock (tests).
    pub fn with_clock(ctx: &egui::Context, data_dir: PathBuf, options: ConsoleOptions, clock: fn() -> i64) -> Self {
        let (sender, events) = channel();
        let repaint_ctx = ctx.clone();
        let waker: super::store_worker::Waker = Arc::new(move || repaint_ctx.request_repaint());
        let assist = AssistController::new(
            options.runtime.clone(),
            &data_dir,
            sender.clone(),
            waker.clone(),
            options.transport.clone(),
            options.share_source.clone(),
        );
        let ui_events = sender.clone();
        let pictures = super::pictures::PictureLoader::new(&data_dir, sender.clone(), waker.clone());
        let recordings = RecordingTarget {
            dir: data_dir.join(RECORDINGS_DIR),
            floor_bytes: crate::recording::DEFAULT_FREE_SPACE_FLOOR_BYTES,
        };
        let worker =
            StoreWorker::spawn_with_database(data_dir, options.database.clone(), sender.clone(), waker.clone(), clock);
        let player = super::player::PlayerHost::new(sender, waker.clone(), worker.sender());
        let runtime = options.runtime.clone();
        let mut sessions =
            EngineerSessions::new(options.runtime, worker.sender(), waker, options.listen, options.transport);
        let unfinished = (recordings.dir.clone(), worker.sender());
        let spawned = std::thread::Builder::new()
            .name("stepwise-recovery".into())
            .spawn(move || super::session_recording::recover_unfinished(&unfinished.0, &unfinished.1));
        if let Err(err) = spawned {
            tracing::warn!("cannot look for unfinished recordings: {err}");
        }
        sessions.record_into(recordings);
        let mut desk = DeskState::new(options.system_lang, clock());
        if let Some(ticket_id) = options.demo_ticket {
            desk.open_get_help_window();
            desk.open_ticket(ticket_id);
        }
        let demo = options.demo_ticket.map(|ticket_id| (ticket_id, DemoStage::WaitingForStore));
        let file_dialogs = file_dialog_service_available();
        let video_exports = super::video_export::VideoExports::default();
        Self {
            desk,
            worker,
            events,
            ui_events,
            file_dialogs,
            clock,
            sessions,
            assist,
            demo,
            pictures,
            player,
            video_exports,
            runtime,
        }
    }

    /// Never tries a native file dialog: Import and Export ask for a typed path (tests; systems
    /// where the dialog hangs).
    #[must_use]
    pub fn without_file_dialogs(mut self) -> Self {
        self.file_dialogs = false;
        self
    }

    /// The view state (tests read it).
    pub fn desk(&self) -> &DeskState {
        &self.desk
    }

    /// The demo: start the ticket's session once the store is open, then join it from the
    /// Get-help window with the code it shows.
    fn advance_demo(&mut self, ctx: &egui::Context) {
        let Some((ticket_id, stage)) = self.demo else { return };
        match stage {
            DemoStage::WaitingForStore if self.desk.policy().is_some() && !self.desk.actor().is_empty() => {
                self.run(ctx, UiCommand::Session(ticket_id, SessionRequest::Start));
                self.demo = Some((ticket_id, DemoStage::WaitingForCode));
            }
            DemoStage::WaitingForCode => {
                let link =
                    self.desk.session(ticket_id).map(|session| session.link.clone()).filter(|link| !link.is_empty());
                if let Some(link) = link.and_then(|text| crate::protocol::JoinLink::parse(&text).ok()) {
                    self.desk.get_help_join(&link);
                    self.demo = Some((ticket_id, DemoStage::Joined));
                }
            }
            _ => {}
        }
    }

    /// Runs one command from the views.
    fn run(&mut self, ctx: &egui::Context, command: UiCommand) {
        match command {
            UiCommand::Store(command) => {
                if let StoreCommand::SetLanguage(choice) = command {
                    self.desk.set_language(choice);
                }
                self.worker.send(StoreRequest::Command(command));
            }
            UiCommand::Session(ticket_id, request) => {
                let engineer = self.desk.actor().to_owned();
                self.sessions.request(&engineer, ticket_id, request);
            }
            UiCommand::Assist(command) => self.assist.run(command),
            UiCommand::Dialog(DialogCommand::Export(format)) => self.pick_file(ctx, Some(format)),
            UiCommand::Dialog(DialogCommand::Import) => self.pick_file(ctx, None),
            UiCommand::Dialog(DialogCommand::ShowScreenshot { file }) => self.pictures.open(file),
            UiCommand::Dialog(DialogCommand::LoadThumbnail { ticket_id, file }) => {
                self.pictures.thumbnail(ticket_id, file);
            }
            UiCommand::Player(command) => self.player.run(command),
            UiCommand::Dialog(DialogCommand::ExportReport(export)) => {
                super::report_dialog::export_report(ctx, self.file_dialogs, self.ui_events.clone(), export);
            }
            UiCommand::Dialog(DialogCommand::OpenVideoExport(source)) => {
                self.video_exports.load_preview(ctx, self.ui_events.clone(), source.path);
            }
            UiCommand::Dialog(DialogCommand::ChooseVideoExportPath { format, suggested }) => {
                self.video_exports.choose_path(ctx, self.file_dialogs, self.ui_events.clone(), format, suggested);
            }
            UiCommand::Dialog(DialogCommand::ExportVideo(order)) => {
                self.video_exports.start(ctx, self.ui_events.clone(), self.worker.sender(), order);
            }
            UiCommand::Dialog(DialogCommand::CancelVideoExport) => self.video_exports.cancel(),
            UiCommand::Network(NetworkCommand::TestRelay(settings)) => {
                let ctx = ctx.clone();
                let waker: super::store_worker::Waker = Arc::new(move || ctx.request_repaint());
                super::relay_test::test_relay(&self.runtime, &settings, self.ui_events.clone(), waker);
            }
        }
    }

    /// Shows a native file dialog on its own thread (it blocks), then queues the export or import.
    /// Without a dialog service the views ask for a typed path instead.
    fn pick_file(&mut self, ctx: &egui::Context, export: Option<ExportFormat>) {
        if !self.file_dialogs {
            self.desk.apply(UiEvent::FileDialogUnavailable(export));
            return;
        }
        let requests = self.worker.sender();
        let ui_events = self.ui_events.clone();
        let ctx = ctx.clone();
        let spawned = std::thread::Builder::new().name("stepwise-file-dialog".into()).spawn(move || {
            let started = Instant::now();
            let dialog = rfd::FileDialog::new();
            let request = match export {
                Some(format) => {
                    let ext = match format {
                        ExportFormat::Json => "json",
                        ExportFormat::Csv => "csv",
                    };
                    let name = format!("stepwise-tickets-{}.{ext}", chrono::Local::now().format("%Y%m%d"));
                    dialog
                        .add_filter(ext.to_uppercase(), &[ext])
                        .set_file_name(name)
                        .save_file()
                        .map(|path| StoreRequest::Command(StoreCommand::ExportToPath(format, path)))
                }
                None => dialog
                    .add_filter("Stepwise export", &["json", "csv"])
                    .pick_file()
                    .map(|path| StoreRequest::Command(StoreCommand::ImportFromPath(path))),
            };
            match request {
                Some(request) => requests.send(request).ok(),
                // No person answers a dialog this fast: none was shown (the portal and zenity
                // both failed; rfd only logs why).
                None if started.elapsed() < NO_DIALOG_SHOWN => {
                    tracing::warn!("no file dialog could be shown; asking for a typed path");
                    ui_events.send(UiEvent::FileDialogUnavailable(export)).ok()
                }
                None => None,
            };
            ctx.request_repaint();
        });
        if let Err(err) = spawned {
            tracing::error!("cannot open a file dialog: {err}");
            self.desk.apply(UiEvent::FileDialogUnavailable(export));
        }
    }
}

impl eframe::App for ConsoleApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.desk.now_ms = (self.clock)();
        while let Ok(event) = self.events.try_recv() {
            match &event {
                UiEvent::StoreOpened(info) => self.sessions.use_saved_network(&info.network),
                UiEvent::NetworkSettingsSaved(network) => self.sessions.use_saved_network(network),
                // Nothing may happen unrecorded: hold the session until the transcript is written.
                UiEvent::TranscriptWriteFailed { ticket_id, .. } => {
                    self.sessions.command(*ticket_id, SessionCommand::Hold(HoldReason::TranscriptUnavailable));
                }
                UiEvent::TranscriptRecovered { ticket_id } => {
                    self.sessions.command(*ticket_id, SessionCommand::Unhold);
                }
                _ => {}
            }
            self.desk.apply(event);
        }
        self.advance_demo(ctx);
        for command in self.desk.take_commands() {
            self.run(ctx, command);
        }
        // A waiting code counts down by the second; otherwise SLA clocks move by the minute.
        let wake = if self.desk.has_running_session() { Duration::from_secs(1) } else { IDLE_REPAINT };
        ctx.request_repaint_after(wake);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.desk.ui(ui);
        // Commands queued while drawing run at the start of the next frame: ask for it now.
        if self.desk.has_pending_commands() {
            ui.ctx().request_repaint();
        }
    }
}

impl Drop for ConsoleApp {
    fn drop(&mut self) {
        self.sessions.end_all();
    }
}
