//! The store's own thread: it owns the [`Store`], runs the views' commands against it and sends
//! the results back as [`UiEvent`]s, waking egui after each. The UI thread never waits on SQLite.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

use crate::model::TicketFilter;
use crate::model::{ActorKind, EngineerProfile, HistoryEntry};
use crate::model::{SessionId, TicketChange, TicketId, TimelineEvent};
use crate::protocol::SessionEvent;
use crate::store::desk::TicketDesk;
use crate::store::{Store, StoreError, private_fs};
use crate::transport::TransportEvent;
use crate::ui::sidebar::PAGE_SIZE;
use crate::ui::{Lang, SessionNotice, StoreCommand, StoreInfo, TicketDetail, UiEvent};

use super::transcript::{session_notice, transcript_entry};

mod library;
mod recording_rows;
mod session_rows;
mod team;

/// Folder of the data directory that holds screenshots, one subfolder per ticket.
pub const ATTACHMENTS_DIR: &str = "attachments";

/// Wakes the UI after an event was sent (egui's `request_repaint`).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// Work for the store thread.
#[derive(Debug)]
pub enum StoreRequest {
    /// A command from the views.
    Command(StoreCommand),
    /// A remote session of a ticket started listening, or got a new code
    /// ([`SessionNotice::CodeRenewed`]): record it, then tell the views.
    SessionStarted {
        /// Ticket id.
        ticket_id: TicketId,
        /// The UDP port.
        port: u16,
        /// What the panel shows (code, link, expiry).
        notice: SessionNotice,
    },
    /// Attach a picture of the remote screen to a ticket (PNG in the data folder + timeline entry).
    AttachScreenshot {
        /// Ticket id.
        ticket_id: TicketId,
        /// Width, pixels.
        width: u32,
        /// Height, pixels.
        height: u32,
        /// RGBA8 pixels.
        rgba: Vec<u8>,
    },
    /// A ticket's session recording was sealed at the end of its session (`recording_saved`) or
    /// by recovery on the next start (`recording_recovered`): the entry (duration, size, chain
    /// head, file) goes into the timeline as the system's.
    Recording {
        /// Ticket id.
        ticket_id: TicketId,
        /// The session recorded, as its file's header says (`None` when it does not).
        session_id: Option<SessionId>,
        /// The `TimelineEvent::RecordingSaved` or `RecordingRecovered` entry.
        event: TimelineEvent,
    },
    /// A recording was exported as a video: its `recording_exported` entry goes into the
    /// ticket's timeline as the engineer's.
    VideoExported {
        /// Ticket id.
        ticket_id: TicketId,
        /// The `TimelineEvent::RecordingExported` entry.
        event: TimelineEvent,
    },
    /// Which session row the ticket's running session has (a recording puts it in its
    /// header); answered on `reply` (`None` when there is none).
    CurrentSession {
        /// Ticket id.
        ticket_id: TicketId,
        /// Where the answer goes.
        reply: Sender<Option<SessionId>>,
    },
    /// Something happened in a ticket's session: write the transcript entry (durably), then
    /// tell the views, so nothing shown can be lost.
    Session {
        /// Ticket id.
        ticket_id: TicketId,
        /// What happened.
        event: TransportEvent,
    },
}

/// Handle to the store thread; dropping it stops the thread after pending work.
pub struct StoreWorker {
    requests: Sender<StoreRequest>,
}

impl StoreWorker {
    /// Starts the thread, opens the store in `data_dir` and reports through `events`.
    /// `clock` gives the current time in unix ms (injected so tests are deterministic).
    pub fn spawn(data_dir: PathBuf, events: Sender<UiEvent>, waker: Waker, clock: fn() -> i64) -> Self {
        Self::spawn_with_database(data_dir, None, events, waker, clock)
    }

    /// [`StoreWorker::spawn`] on the team database `database` (the command line's
    /// `--database`), whatever Settings chose.
    pub fn spawn_with_database(
        data_dir: PathBuf,
        database: Option<crate::model::TeamDatabaseSettings>,
        events: Sender<UiEvent>,
        waker: Waker,
        clock: fn() -> i64,
    ) -> Self {
        let (requests, inbox) = channel();
        let spawned = std::thread::Builder::new().name("stepwise-store".into()).spawn({
            let events = events.clone();
            let waker = waker.clone();
            move || run(data_dir, database, inbox, events, waker, clock)
        });
        if let Err(err) = spawned {
            let _ = events.send(UiEvent::StoreFailed(format!("cannot start the store thread: {err}")));
            waker();
        }
        Self { requests }
    }

    /// Queues work; silently dropped if the thread is gone (it reported why already).
    pub fn send(&self, request: StoreRequest) {
        let _ = self.requests.send(request);
    }

    /// A sender other threads (file dialogs) can queue work with.
    pub fn sender(&self) -> Sender<StoreRequest> {
        self.requests.clone()
    }
}

struct Worker {
    data_dir: PathBuf,
    store: Option<Store>,
    actor: String,
    events: Sender<UiEvent>,
    waker: Waker,
    clock: fn() -> i64,
    /// The user's display name per ticket with a session, the "who" of their transcript lines.
    peer_names: HashMap<TicketId, String>,
    /// Per ticket, transcript entries that could not be written yet, oldest first; later
    /// entries of the same ticket queue behind them so the order stays true.
    backlog: HashMap<TicketId, VecDeque<HeldEntry>>,
    /// Per ticket, the row of its current session and when it ended (the survey is asked then).
    sessions: HashMap<TicketId, (SessionId, Option<i64>)>,
    /// The command line's team database, taking precedence over the saved choice.
    database_override: Option<crate::model::TeamDatabaseSettings>,
    /// The team desk, when the console works on one.
    team: Option<team::TeamDesk>,
    /// The revision each guide opened in an editor was read at (its save is checked against it).
    guide_revisions: HashMap<crate::model::GuideId, i64>,
}

/// A transcript entry waiting to be written, with its original time and the notice it holds
/// back from the panel.
struct HeldEntry {
    actor: (ActorKind, String),
    event: TimelineEvent,
    at_ms: i64,
    notice: Option<SessionNotice>,
}

/// Timeline entries per page in the ticket view: a ticket with 100 000 entries opens as fast
/// as one with ten.
pub const HISTORY_PAGE: u32 = 200;

/// How often the team desk's listener and presence are looked after.
const TEAM_TICK: Duration = Duration::from_millis(100);
/// How often held-back transcript entries are tried again.
const BACKLOG_RETRY: Duration = Duration::from_secs(1);
/// How long one retry waits for another program's lock.
const BACKLOG_RETRY_WAIT: Duration = Duration::from_millis(250);

fn run(
    data_dir: PathBuf,
    database_override: Option<crate::model::TeamDatabaseSettings>,
    inbox: Receiver<StoreRequest>,
    events: Sender<UiEvent>,
    waker: Waker,
    clock: fn() -> i64,
) {
    let mut worker = Worker {
        data_dir,
        store: None,
        actor: String::new(),
        events,
        waker,
        clock,
        peer_names: HashMap::new(),
        backlog: HashMap::new(),
        sessions: HashMap::new(),
        database_override,
        team: None,
        guide_revisions: HashMap::new(),
    };
    worker.open();
    loop {
        let request = if worker.team.is_some() {
            inbox.recv_timeout(TEAM_TICK)
        } else if worker.backlog.is_empty() {
            inbox.recv().map_err(|_| RecvTimeoutError::Disconnected)
        } else {
            inbox.recv_timeout(BACKLOG_RETRY)
        };
        match request {
            Ok(request) => worker.handle(request),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                if let Some(team) = worker.team.take() {
                    team.stop();
                }
                return;
            }
        }
        worker.look_after_team();
        worker.flush_backlog();
    }
}

fn opened_info(store: &mut Store, data_dir: &Path) -> Result<StoreInfo, StoreError> {
    let (glossaries, canned_phrases) = library::shared_words(store)?;
    Ok(StoreInfo {
        profile: store.engineer_profile()?,
        language: store.ui_language()?.as_deref().and_then(Lang::from_code),
        ticket_count: store.ticket_count()?,
        data_dir: data_dir.to_path_buf(),
        policy: *store.policy(),
        warnings: store.warnings().to_vec(),
        network: store.network_settings()?,
        recording_retention_days: store.recording_retention_days()?,
        team_database: None,
        engineers: Vec::new(),
        glossaries,
        canned_phrases,
    })
}

impl Worker {
    fn emit(&self, event: UiEvent) {
        let _ = self.events.send(event);
        (self.waker)();
    }

    fn open(&mut self) {
        let opened = Store::open_or_read_only(&self.data_dir)
            .and_then(|mut store| Ok((opened_info(&mut store, &self.data_dir)?, store)));
        // Attachments written by older versions were readable by every account.
        private_fs::tighten_tree(&self.data_dir.join(ATTACHMENTS_DIR));
        match opened {
            Ok((mut info, store)) => {
                tracing::info!(path = %store.path().display(), tickets = info.ticket_count, "store opened");
                self.actor = info.profile.as_ref().map(|profile| profile.name.clone()).unwrap_or_default();
                let chosen = match self.database_override.clone() {
                    Some(database) => Some(database),
                    None => store.team_database().unwrap_or_default(),
                };
                self.store = Some(store);
                self.guide_revisions.clear();
                if let Some(old) = self.team.take() {
                    old.stop();
                }
                if let Some(settings) = chosen {
                    match team::TeamDesk::connect(&settings) {
                        Ok(mut desk) => {
                            tracing::info!(url = %settings.redacted_url(), "team desk opened");
                            info.engineers = desk.store.engineers().unwrap_or_default();
                            info.ticket_count = team::desk_ticket_count(&mut desk, (self.clock)());
                            info.team_database = Some(settings);
                            // The team's words, not this console's own.
                            match library::shared_words(&mut desk.store) {
                                Ok((glossaries, phrases)) => {
                                    (info.glossaries, info.canned_phrases) = (glossaries, phrases)
                                }
                                Err(err) => tracing::warn!("cannot read the team's glossaries and phrases: {err}"),
                            }
                            let directory_empty = info.engineers.is_empty();
                            self.team = Some(desk);
                            self.emit(UiEvent::StoreOpened(info));
                            self.emit(UiEvent::SignInNeeded { directory_empty });
                        }
                        Err(err) => {
                            tracing::error!(url = %settings.redacted_url(), "cannot open the team desk: {err}");
                            self.emit(UiEvent::StoreFailed(format!("{} ({err})", settings.redacted_url())));
                        }
                    }
                    // Retention runs whichever desk opened (on a team desk: the recordings whose
                    // files are on this computer).
                    self.purge_expired_recordings();
                    return;
                }
                self.emit(UiEvent::StoreOpened(info));
                self.purge_expired_recordings();
            }
            Err(err) => {
                tracing::error!("cannot open the store: {err}");
                self.emit(UiEvent::StoreFailed(err.to_string()));
            }
        }
    }

    /// Appends one transcript entry (waiting out another program's lock up to the store's busy
    /// timeout). Only a written entry is announced as [`UiEvent::HistoryAppended`]; when it cannot
    /// be written the views get [`UiEvent::TranscriptWriteFailed`] instead, so the session can be
    /// held rather than go on unrecorded. Returns whether the entry was written.
    fn record(&mut self, ticket_id: TicketId, (actor_kind, actor): (ActorKind, String), event: TimelineEvent) -> bool {
        let at_ms = (self.clock)();
        let written = match (self.team.as_mut(), self.store.as_mut()) {
            (Some(team), _) => team
                .store
                .desk_append_event(ticket_id, (actor_kind, &actor), &event, at_ms)
                .map_err(|err| err.to_string()),
            (None, Some(store)) => {
                store.append_event(ticket_id, (actor_kind, &actor), &event, at_ms).map_err(|err| err.to_string())
            }
            (None, None) => Err("the database is not open".to_owned()),
        };
        match written {
            Ok(seq) => {
                let entry = HistoryEntry { seq, at_ms, actor, actor_kind, event, imported: None };
                self.emit(UiEvent::HistoryAppended { ticket_id, entry });
                true
            }
            Err(reason) => {
                let kind = event.kind();
                tracing::error!(kind, "cannot save a session transcript entry: {reason}");
                self.emit(UiEvent::TranscriptWriteFailed { ticket_id, kind, reason });
                false
            }
        }
    }

    fn attach_screenshot(&mut self, ticket_id: TicketId, width: u32, height: u32, rgba: Vec<u8>) {
        let at_ms = (self.clock)();
        let dir = self.data_dir.join(ATTACHMENTS_DIR).join(ticket_id.to_string());
        let file_name = format!("screenshot-{at_ms}.png");
        let path = dir.join(&file_name);
        let saved = private_fs::ensure_private_dir(&dir)
            .map_err(|err| err.to_string())
            .and_then(|()| image::RgbaImage::from_raw(width, height, rgba).ok_or_else(|| "bad image size".to_owned()))
            .and_then(|image| save_private_png(&image, &path));
        match saved {
            Ok(()) => {
                let actor = (ActorKind::Engineer, self.actor.clone());
                let attached = TimelineEvent::ScreenshotAttached { file: path.display().to_string(), width, height };
                self.record(ticket_id, actor, attached);
            }
            Err(err) => self.emit(UiEvent::ScreenshotNotSaved(err)),
        }
    }

    /// Tries to write every held-back transcript entry, in order; announces each written entry
    /// and the notice it held back, and [`UiEvent::TranscriptRecovered`] once a ticket's backlog
    /// is empty.
    fn flush_backlog(&mut self) {
        if self.backlog.is_empty() {
            return;
        }
        // A retry must not block the store thread for the whole busy timeout each time.
        if let Some(store) = self.store.as_mut() {
            let _ = store.set_busy_timeout(BACKLOG_RETRY_WAIT);
        }
        self.flush_backlog_now();
        if let Some(store) = self.store.as_mut() {
            let _ = store.set_busy_timeout(crate::store::BUSY_TIMEOUT);
        }
    }

    fn flush_backlog_now(&mut self) {
        let tickets: Vec<TicketId> = self.backlog.keys().copied().collect();
        for ticket_id in tickets {
            while let Some(held) = self.backlog.get_mut(&ticket_id).and_then(VecDeque::pop_front) {
                let written = match (self.team.as_mut(), self.store.as_mut()) {
                    (Some(team), _) => team
                        .store
                        .desk_append_event(ticket_id, (held.actor.0, &held.actor.1), &held.event, held.at_ms)
                        .map_err(|err| err.to_string()),
                    (None, Some(store)) => store
                        .append_event(ticket_id, (held.actor.0, &held.actor.1), &held.event, held.at_ms)
                        .map_err(|err| err.to_string()),
                    (None, None) => Err("the database is not open".to_owned()),
                };
                match written {
                    Ok(seq) => {
                        let (actor_kind, actor) = held.actor;
                        let entry = HistoryEntry {
                            seq,
                            at_ms: held.at_ms,
                            actor,
                            actor_kind,
                            event: held.event,
                            imported: None,
                        };
                        self.emit(UiEvent::HistoryAppended { ticket_id, entry });
                        if let Some(notice) = held.notice {
                            self.emit(UiEvent::Session { ticket_id, notice });
                        }
                    }
                    Err(_) => {
                        // Still failing: keep it first in line and try again later.
                        if let Some(queue) = self.backlog.get_mut(&ticket_id) {
                            queue.push_front(held);
                        }
                        break;
                    }
                }
            }
            if self.backlog.get(&ticket_id).is_some_and(VecDeque::is_empty) {
                self.backlog.remove(&ticket_id);
                tracing::info!(ticket_id = ticket_id.0, "the held-back session transcript is written");
                self.emit(UiEvent::TranscriptRecovered { ticket_id });
            }
        }
    }

    fn session_event(&mut self, ticket_id: TicketId, event: TransportEvent) {
        if let TransportEvent::Session(SessionEvent::PeerHello { display_name }) = &event {
            self.peer_names.insert(ticket_id, display_name.clone());
        }
        if self.session_row_event(ticket_id, &event) {
            return;
        }
        let ended = matches!(event, TransportEvent::Session(SessionEvent::Ended { .. }));
        if let Some(entry) = transcript_entry(&event) {
            // The user's name is only what their side claimed; the kind says who acted.
            let name = match entry.actor {
                ActorKind::User => self.peer_names.get(&ticket_id).cloned().unwrap_or_default(),
                ActorKind::Engineer => self.actor.clone(),
                ActorKind::System => ActorKind::System.as_str().to_owned(),
            };
            // Earlier entries still waiting: this one queues behind them, in order. Otherwise it
            // is written now, or, when it cannot be, starts the backlog (the session is held
            // meanwhile).
            let queued = self.backlog.contains_key(&ticket_id);
            let narrows = narrows_session(&event);
            if queued || !self.record(ticket_id, (entry.actor, name.clone()), entry.event.clone()) {
                let at_ms = (self.clock)();
                // The panel must not show an unwritten entry as if it were written, unless it
                // only ends or narrows the session (hiding that would show more than is true).
                let notice = session_notice(event);
                let (shown, held) = if narrows { (Some(notice), None) } else { (None, Some(notice)) };
                self.backlog.entry(ticket_id).or_default().push_back(HeldEntry {
                    actor: (entry.actor, name),
                    event: entry.event,
                    at_ms,
                    notice: held,
                });
                if let Some(notice) = shown {
                    self.emit(UiEvent::Session { ticket_id, notice });
                }
                return;
            }
        }
        self.emit(UiEvent::Session { ticket_id, notice: session_notice(event) });
        if ended {
            self.draft_summary(ticket_id);
        }
    }

    fn handle(&mut self, request: StoreRequest) {
        let request = match request {
            StoreRequest::Command(StoreCommand::RetryOpenStore) => {
                self.store = None;
                self.open();
                return;
            }
            StoreRequest::Command(StoreCommand::TestTeamDatabase(settings)) => {
                let outcome = crate::store::team::TeamStore::test_connection(&team::team_config(&settings))
                    .map(|version| format!("PostgreSQL {version}"))
                    .map_err(|err| err.to_string());
                self.emit(UiEvent::TeamDatabaseTested(outcome));
                return;
            }
            StoreRequest::Command(StoreCommand::SaveTeamDatabase(settings)) => {
                self.switch_desk(settings);
                return;
            }
            StoreRequest::Command(StoreCommand::SignIn { name, password }) => {
                self.sign_in(|desk| desk.sign_in(&name, &password));
                return;
            }
            StoreRequest::Command(StoreCommand::AddEngineer { engineer, password, sign_in }) => {
                let now = (self.clock)();
                let added = match self.team.as_mut() {
                    Some(team) => team.store.add_engineer(&engineer, &password, now),
                    None => Err(StoreError::Rule("there is no team desk to add engineers to".into())),
                };
                match added {
                    Ok(added) if sign_in => self.sign_in(|_| Ok(added)),
                    Ok(_) => self.emit_directory(),
                    Err(err) => self.emit(UiEvent::SignInFailed(err.to_string())),
                }
                return;
            }
            StoreRequest::Command(StoreCommand::LoadSamples | StoreCommand::ImportFromPath(_))
                if self.team.is_some() =>
            {
                // These read or write this console's own file: on a team desk they would act on
                // tickets nobody sees. Refused plainly rather than done to the wrong desk.
                self.emit(UiEvent::ActionFailed(
                    "not available on a team database yet: sample tickets and import work on this \
                     console's own desk (bring a desk to the team with `stepwise store migrate --to URL`)"
                        .to_owned(),
                ));
                return;
            }
            StoreRequest::Command(StoreCommand::ComputeReport(query)) if self.team.is_some() => {
                let report = self.team_report(&query).map(Box::new).map_err(|err| format!("{err:#}"));
                self.emit(UiEvent::ReportReady(report));
                return;
            }
            StoreRequest::Command(StoreCommand::ExportToPath(format, path)) if self.team.is_some() => {
                let now = (self.clock)();
                let Some(team) = self.team.as_mut() else { return };
                let exported = crate::store::export_desk_to_path(&mut team.store, format, &path, now)
                    .map(|count| vec![UiEvent::Exported { path, count }])
                    .map_err(Failure::Other);
                self.emit_result(exported);
                return;
            }
            StoreRequest::Command(StoreCommand::DeleteRecording { recording_id }) => {
                let result = self.delete_by_hand(recording_id);
                self.emit_result(result);
                return;
            }
            StoreRequest::Command(command) if library::takes(&command) => {
                let now = (self.clock)();
                let library: &mut dyn library::Library = match (self.team.as_mut(), self.store.as_mut()) {
                    (Some(team), _) => &mut team.store,
                    (None, Some(store)) => store,
                    (None, None) => return,
                };
                let result = library::run(library, &mut self.guide_revisions, now, command);
                self.emit_result(result);
                return;
            }
            StoreRequest::Command(command) if self.team.is_some() && team::TeamDesk::takes(&command) => {
                let now = (self.clock)();
                let Some(team) = self.team.as_mut() else { return };
                let result = team.run(command, now);
                self.emit_result(result);
                return;
            }
            StoreRequest::SessionStarted { ticket_id, port, notice } => {
                let event = if matches!(notice, SessionNotice::CodeRenewed { .. }) {
                    TimelineEvent::CodeRenewed { port }
                } else {
                    self.peer_names.remove(&ticket_id);
                    self.begin_session(ticket_id);
                    TimelineEvent::SessionStarted { port }
                };
                let actor = (ActorKind::Engineer, self.actor.clone());
                // An unrecorded session never shows its code: nobody can join it.
                if self.record(ticket_id, actor, event) {
                    self.emit(UiEvent::Session { ticket_id, notice });
                }
                return;
            }
            StoreRequest::Session { ticket_id, event } => {
                self.session_event(ticket_id, event);
                return;
            }
            StoreRequest::AttachScreenshot { ticket_id, width, height, rgba } => {
                self.attach_screenshot(ticket_id, width, height, rgba);
                return;
            }
            StoreRequest::Recording { ticket_id, session_id, event } => {
                self.save_recording(ticket_id, session_id, event);
                return;
            }
            StoreRequest::VideoExported { ticket_id, event } => {
                self.save_video_export(ticket_id, event);
                return;
            }
            StoreRequest::CurrentSession { ticket_id, reply } => {
                let _ = reply.send(self.sessions.get(&ticket_id).map(|(id, _)| *id));
                return;
            }
            other => other,
        };
        let Some(store) = self.store.as_mut() else { return };
        let actor = self.actor.clone();
        let now = (self.clock)();
        let result = match request {
            StoreRequest::Command(command) => run_command(store, &actor, now, command),
            StoreRequest::SessionStarted { .. }
            | StoreRequest::Session { .. }
            | StoreRequest::AttachScreenshot { .. }
            | StoreRequest::Recording { .. }
            | StoreRequest::VideoExported { .. }
            | StoreRequest::CurrentSession { .. } => Ok(Vec::new()),
        };
        self.emit_result(result);
    }

    fn emit_result(&mut self, result: Result<Vec<UiEvent>, Failure>) {
        match result {
            Ok(events) => {
                for event in events {
                    if let UiEvent::ProfileSaved(profile) = &event {
                        self.actor = profile.name.clone();
                    }
                    self.emit(event);
                }
            }
            Err(Failure::Create(err)) => self.emit(UiEvent::CreateFailed(err.to_string())),
            Err(Failure::Other(StoreError::TicketRule(rule))) => {
                tracing::info!("a ticket rule refused the change: {rule}");
                self.emit(UiEvent::RuleRefused(rule));
            }
            Err(Failure::Other(StoreError::ConnectionLost(why))) => {
                tracing::warn!("the team database cannot be reached: {why}");
                self.emit(UiEvent::TeamLink(Some(why.clone())));
                self.emit(UiEvent::ActionFailed(StoreError::ConnectionLost(why).to_string()));
            }
            Err(Failure::Other(err)) => {
                tracing::warn!("store command failed: {err}");
                self.emit(UiEvent::ActionFailed(err.to_string()));
            }
        }
    }
}

/// Whether showing `event` although its transcript entry could not be written can only make
/// the session look smaller than it is: it ends, refuses, pauses or withdraws something.
fn narrows_session(event: &TransportEvent) -> bool {
    match event {
        TransportEvent::PairingFailed { .. }
        | TransportEvent::CodeBurned
        | TransportEvent::CodeExpired
        | TransportEvent::CommandRefused(_)
        | TransportEvent::Relay(_)
        | TransportEvent::Closed => true,
        TransportEvent::Paired | TransportEvent::Path(_) | TransportEvent::RoundTrip { .. } => false,
        TransportEvent::Session(event) => matches!(
            event,
            SessionEvent::ConsentDenied { .. }
                | SessionEvent::SharingPaused
                | SessionEvent::Held(_)
                | SessionEvent::ConsentRevoked
                | SessionEvent::Disconnected
                | SessionEvent::Ended { .. }
                | SessionEvent::AnnotationRemoved { .. }
                | SessionEvent::AnnotationsCleared
                | SessionEvent::ControlDeclined
                | SessionEvent::ControlRevoked
                | SessionEvent::ControlTakenBack
        ),
    }
}

/// Writes `image` as a PNG only its owner can read.
fn save_private_png(image: &image::RgbaImage, path: &Path) -> Result<(), String> {
    let file = private_fs::create_private_file(path).map_err(|err| err.to_string())?;
    let mut out = std::io::BufWriter::new(file);
    image.write_to(&mut out, image::ImageFormat::Png).map_err(|err| err.to_string())?;
    out.into_inner().map_err(|err| err.to_string())?.sync_all().map_err(|err| err.to_string())
}

/// A failed command, split by where the message belongs.
pub(super) enum Failure {
    /// The new-ticket form was refused.
    Create(StoreError),
    /// Anything else.
    Other(StoreError),
}

impl From<StoreError> for Failure {
    fn from(err: StoreError) -> Self {
        Failure::Other(err)
    }
}

/// A ticket as the main pane shows it: the ticket, its notes and the newest page of its timeline.
pub(super) fn detail(store: &Store, id: TicketId) -> Result<TicketDetail, StoreError> {
    let history = store.history_page(id, None, HISTORY_PAGE)?;
    let older_entries = store.history_len(id)?.saturating_sub(history.len() as u64);
    let surveys = store.surveys_for_ticket(id)?;
    let sessions = store.sessions_for_ticket(id)?;
    let recordings = store.recordings_for_ticket(id)?;
    Ok(TicketDetail {
        ticket: store.ticket(id)?,
        notes: store.notes(id)?,
        history,
        older_entries,
        surveys,
        sessions,
        recordings,
        team: None,
    })
}

fn changed(store: &Store, id: TicketId) -> Result<Vec<UiEvent>, Failure> {
    Ok(vec![UiEvent::TicketLoaded { detail: detail(store, id)?, created: false, changed: true }])
}

/// The count and the first page of a new listing, from one evaluation of the search.
fn count_and_first_page(
    store: &Store,
    filter: &TicketFilter,
    generation: u64,
    now: i64,
) -> Result<Vec<UiEvent>, StoreError> {
    let (total, rows) = store.first_page(filter, PAGE_SIZE, now)?;
    Ok(vec![
        UiEvent::TicketsCounted {
            generation,
            total,
            more_than_total: false,
            assignees: store.assignees()?,
            store_total: store.ticket_count()?,
        },
        UiEvent::PageLoaded { generation, page: 0, rows },
    ])
}

/// Runs one view command against the store.
pub(super) fn run_command(
    store: &mut Store,
    actor: &str,
    now: i64,
    command: StoreCommand,
) -> Result<Vec<UiEvent>, Failure> {
    match command {
        StoreCommand::QueryTickets { filter, generation } => Ok(count_and_first_page(store, &filter, generation, now)?),
        StoreCommand::LoadPage { filter, generation, page } => {
            let rows = store.list_tickets(&filter, page.saturating_mul(PAGE_SIZE), PAGE_SIZE, now)?;
            Ok(vec![UiEvent::PageLoaded { generation, page, rows }])
        }
        StoreCommand::OpenTicket(id) => {
            Ok(vec![UiEvent::TicketLoaded { detail: detail(store, id)?, created: false, changed: false }])
        }
        StoreCommand::LoadOlderHistory { ticket_id, before_seq } => {
            let entries = store.history_page(ticket_id, Some(before_seq), HISTORY_PAGE)?;
            let older_entries = match entries.first() {
                Some(oldest) => store.history_page_count_before(ticket_id, oldest.seq)?,
                None => 0,
            };
            Ok(vec![UiEvent::OlderHistoryLoaded { ticket_id, entries, older_entries }])
        }
        StoreCommand::CreateTicket(new) => {
            let ticket = store.create_ticket(&new, actor, now).map_err(Failure::Create)?;
            let detail = detail(store, ticket.id)?;
            Ok(vec![UiEvent::TicketLoaded { detail, created: true, changed: true }])
        }
        StoreCommand::ChangeTicket { ticket_id, change, base: _ } => {
            store.change_ticket(ticket_id, &change, actor, now)?;
            changed(store, ticket_id)
        }
        StoreCommand::LoadSamples => Ok(vec![UiEvent::SamplesLoaded(store.load_sample_tickets(now)?)]),
        StoreCommand::SaveProfile(profile) => {
            let profile =
                EngineerProfile { name: profile.name.trim().to_owned(), team: profile.team.trim().to_owned() };
            store.set_engineer_profile(&profile)?;
            Ok(vec![UiEvent::ProfileSaved(profile)])
        }
        StoreCommand::SetLanguage(choice) => {
            store.set_ui_language(choice.map(Lang::code))?;
            Ok(Vec::new())
        }
        StoreCommand::ExportToPath(format, path) => {
            let count = store.export_to_path(format, &path, now)?;
            Ok(vec![UiEvent::Exported { path, count }])
        }
        StoreCommand::ComputeReport(query) => {
            let result = store.report(&query, now).map(Box::new).map_err(|err| format!("{err:#}"));
            Ok(vec![UiEvent::ReportReady(result)])
        }
        StoreCommand::ImportFromPath(path) => Ok(vec![UiEvent::Imported(store.import_from_path(&path, actor, now)?)]),
        // Handled before a store exists, only on a team desk, or on the desk's library.
        StoreCommand::SearchGuides { .. }
        | StoreCommand::LoadGuide { .. }
        | StoreCommand::SaveGuide { .. }
        | StoreCommand::DeleteGuide { .. }
        | StoreCommand::RecordStepAnswer { .. }
        | StoreCommand::SaveGlossary { .. }
        | StoreCommand::SaveCannedPhrases { .. }
        | StoreCommand::RetryOpenStore
        | StoreCommand::TestTeamDatabase(_)
        | StoreCommand::SaveTeamDatabase(_)
        | StoreCommand::SignIn { .. }
        | StoreCommand::AddEngineer { .. }
        | StoreCommand::ResolveConflict { .. } => Ok(Vec::new()),
        StoreCommand::ClaimTicket(ticket_id) => {
            store.change_ticket(ticket_id, &TicketChange::Assign(Some(actor.to_owned())), actor, now)?;
            changed(store, ticket_id)
        }
        // Through the desk that holds the ticket (see `Worker::delete_by_hand`).
        StoreCommand::DeleteRecording { .. } => Ok(Vec::new()),
        StoreCommand::SetRecordingRetention { days } => {
            store.set_recording_retention_days(days)?;
            Ok(Vec::new())
        }
        StoreCommand::SaveNetworkSettings(settings) => {
            Ok(vec![UiEvent::NetworkSettingsSaved(store.set_network_settings(&settings)?)])
        }
        StoreCommand::RecordJargonHints { hints } => {
            for (term, taken) in hints {
                store.record_jargon_hint(now, actor, &term, taken)?;
            }
            Ok(Vec::new())
        }
    }
}

#[cfg(test)]
mod tests;
