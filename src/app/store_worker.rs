//! The store's own thread: it owns the [`Store`], runs the views' commands against it and sends
//! the results back as [`UiEvent`]s, waking egui after each. The UI thread never waits on SQLite.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

use crate::protocol::SessionEvent;
use crate::store::{
    ActorKind, EngineerProfile, ExportFormat, HistoryEntry, Store, StoreError, TicketFilter, event_kind,
};
use crate::transport::TransportEvent;
use crate::ui::sidebar::PAGE_SIZE;
use crate::ui::{Lang, SessionNotice, StoreInfo, TicketDetail, UiCommand, UiEvent};

use super::transcript::{session_notice, transcript_entry};

/// Wakes the UI after an event was sent (egui's `request_repaint`).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// Work for the store thread.
#[derive(Debug)]
pub enum StoreRequest {
    /// A command from the views.
    Command(UiCommand),
    /// Export to a file the user picked.
    ExportTo(ExportFormat, PathBuf),
    /// Import a file the user picked.
    ImportFrom(PathBuf),
    /// A remote session of a ticket started listening, or got a new code
    /// ([`SessionNotice::CodeRenewed`]): record it, then tell the views.
    SessionStarted {
        /// Ticket id.
        ticket_id: i64,
        /// The UDP port.
        port: u16,
        /// What the panel shows (code, link, expiry).
        notice: SessionNotice,
    },
    /// Attach a picture of the remote screen to a ticket (PNG in the data folder + timeline entry).
    AttachScreenshot {
        /// Ticket id.
        ticket_id: i64,
        /// Width, pixels.
        width: u32,
        /// Height, pixels.
        height: u32,
        /// RGBA8 pixels.
        rgba: Vec<u8>,
    },
    /// Something happened in a ticket's session: write the transcript entry (durably), then
    /// tell the views, so nothing shown can be lost.
    Session {
        /// Ticket id.
        ticket_id: i64,
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
        let (requests, inbox) = channel();
        let spawned = std::thread::Builder::new().name("stepwise-store".into()).spawn({
            let events = events.clone();
            let waker = waker.clone();
            move || run(data_dir, inbox, events, waker, clock)
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
    peer_names: HashMap<i64, String>,
}

fn run(data_dir: PathBuf, inbox: Receiver<StoreRequest>, events: Sender<UiEvent>, waker: Waker, clock: fn() -> i64) {
    let mut worker =
        Worker { data_dir, store: None, actor: String::new(), events, waker, clock, peer_names: HashMap::new() };
    worker.open();
    while let Ok(request) = inbox.recv() {
        worker.handle(request);
    }
}

fn opened_info(store: &Store, data_dir: &Path) -> Result<StoreInfo, StoreError> {
    Ok(StoreInfo {
        profile: store.engineer_profile()?,
        language: store.ui_language()?.as_deref().and_then(Lang::from_code),
        ticket_count: store.ticket_count()?,
        data_dir: data_dir.to_path_buf(),
        policy: *store.policy(),
        warnings: store.warnings().to_vec(),
        network: store.network_settings()?,
        canned_phrases: Lang::ALL
            .iter()
            .map(|lang| {
                let phrases =
                    store.canned_phrases(lang.code())?.unwrap_or_else(|| crate::ui::i18n::default_phrases(*lang));
                Ok((*lang, phrases))
            })
            .collect::<Result<_, StoreError>>()?,
    })
}

impl Worker {
    fn emit(&self, event: UiEvent) {
        let _ = self.events.send(event);
        (self.waker)();
    }

    fn open(&mut self) {
        let opened = Store::open(&self.data_dir).and_then(|store| Ok((opened_info(&store, &self.data_dir)?, store)));
        match opened {
            Ok((info, store)) => {
                tracing::info!(path = %store.path().display(), tickets = info.ticket_count, "store opened");
                self.actor = info.profile.as_ref().map(|profile| profile.name.clone()).unwrap_or_default();
                self.store = Some(store);
                self.emit(UiEvent::StoreOpened(info));
            }
            Err(err) => {
                tracing::error!("cannot open the store: {err}");
                self.emit(UiEvent::StoreFailed(err.to_string()));
            }
        }
    }

    /// Appends one transcript entry; reports a failure in the status line but never drops the
    /// notice that follows.
    fn record(
        &mut self,
        ticket_id: i64,
        (actor_kind, actor): (ActorKind, String),
        kind: &str,
        payload: serde_json::Value,
    ) {
        let Some(store) = self.store.as_mut() else { return };
        let at_ms = (self.clock)();
        match store.append_event(ticket_id, (actor_kind, &actor), kind, &payload, at_ms) {
            Ok(seq) => {
                let entry = HistoryEntry { seq, at_ms, actor, actor_kind, kind: kind.to_owned(), payload };
                self.emit(UiEvent::HistoryAppended { ticket_id, entry });
            }
            Err(err) => {
                tracing::error!("cannot save a session transcript entry: {err}");
                self.emit(UiEvent::ActionFailed(format!("The session transcript could not be saved: {err}")));
            }
        }
    }

    fn attach_screenshot(&mut self, ticket_id: i64, width: u32, height: u32, rgba: Vec<u8>) {
        let at_ms = (self.clock)();
        let dir = self.data_dir.join("attachments").join(ticket_id.to_string());
        let file_name = format!("screenshot-{at_ms}.png");
        let path = dir.join(&file_name);
        let saved = std::fs::create_dir_all(&dir)
            .map_err(|err| err.to_string())
            .and_then(|()| image::RgbaImage::from_raw(width, height, rgba).ok_or_else(|| "bad image size".to_owned()))
            .and_then(|image| image.save(&path).map_err(|err| err.to_string()));
        match saved {
            Ok(()) => {
                let actor = (ActorKind::Engineer, self.actor.clone());
                let payload = serde_json::json!({
                    "file": path.display().to_string(), "width": width, "height": height,
                });
                self.record(ticket_id, actor, event_kind::SCREENSHOT_ATTACHED, payload);
            }
            Err(err) => self.emit(UiEvent::ActionFailed(format!("The screenshot could not be saved: {err}"))),
        }
    }

    fn session_event(&mut self, ticket_id: i64, event: TransportEvent) {
        if let TransportEvent::Session(SessionEvent::PeerHello { display_name }) = &event {
            self.peer_names.insert(ticket_id, display_name.clone());
        }
        if let Some(entry) = transcript_entry(&event) {
            // The user's name is only what their side claimed; the kind says who acted.
            let name = match entry.actor {
                ActorKind::User => self.peer_names.get(&ticket_id).cloned().unwrap_or_default(),
                ActorKind::Engineer => self.actor.clone(),
                ActorKind::System => ActorKind::System.as_str().to_owned(),
            };
            self.record(ticket_id, (entry.actor, name), entry.kind, entry.payload);
        }
        self.emit(UiEvent::Session { ticket_id, notice: session_notice(event) });
    }

    fn handle(&mut self, request: StoreRequest) {
        let request = match request {
            StoreRequest::Command(UiCommand::RetryOpenStore) => {
                self.store = None;
                self.open();
                return;
            }
            StoreRequest::SessionStarted { ticket_id, port, notice } => {
                let kind = if matches!(notice, SessionNotice::CodeRenewed { .. }) {
                    event_kind::CODE_RENEWED
                } else {
                    self.peer_names.remove(&ticket_id);
                    event_kind::SESSION_STARTED
                };
                let actor = (ActorKind::Engineer, self.actor.clone());
                self.record(ticket_id, actor, kind, serde_json::json!({ "port": port }));
                self.emit(UiEvent::Session { ticket_id, notice });
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
            other => other,
        };
        let Some(store) = self.store.as_mut() else { return };
        let actor = self.actor.clone();
        let now = (self.clock)();
        let result = match request {
            StoreRequest::Command(command) => run_command(store, &actor, now, command),
            StoreRequest::ExportTo(format, path) => store
                .export_to_path(format, &path, now)
                .map(|count| vec![UiEvent::Exported { path, count }])
                .map_err(Failure::Other),
            StoreRequest::ImportFrom(path) => store
                .import_from_path(&path, &actor, now)
                .map(|report| vec![UiEvent::Imported(report)])
                .map_err(Failure::Other),
            StoreRequest::SessionStarted { .. }
            | StoreRequest::Session { .. }
            | StoreRequest::AttachScreenshot { .. } => Ok(Vec::new()),
        };
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
            Err(Failure::Other(err)) => {
                tracing::warn!("store command failed: {err}");
                self.emit(UiEvent::ActionFailed(err.to_string()));
            }
        }
    }
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

fn detail(store: &Store, id: i64) -> Result<TicketDetail, StoreError> {
    Ok(TicketDetail { ticket: store.ticket(id)?, notes: store.notes(id)?, history: store.history(id)? })
}

fn changed(store: &Store, id: i64) -> Result<Vec<UiEvent>, Failure> {
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
    command: UiCommand,
) -> Result<Vec<UiEvent>, Failure> {
    match command {
        UiCommand::QueryTickets { filter, generation } => Ok(count_and_first_page(store, &filter, generation, now)?),
        UiCommand::LoadPage { filter, generation, page } => {
            let rows = store.list_tickets(&filter, page.saturating_mul(PAGE_SIZE), PAGE_SIZE, now)?;
            Ok(vec![UiEvent::PageLoaded { generation, page, rows }])
        }
        UiCommand::OpenTicket(id) => {
            Ok(vec![UiEvent::TicketLoaded { detail: detail(store, id)?, created: false, changed: false }])
        }
        UiCommand::CreateTicket(new) => {
            let ticket = store.create_ticket(&new, actor, now).map_err(Failure::Create)?;
            let detail = detail(store, ticket.id)?;
            Ok(vec![UiEvent::TicketLoaded { detail, created: true, changed: true }])
        }
        UiCommand::UpdateFields { id, fields } => {
            store.update_fields(id, &fields, actor, now)?;
            changed(store, id)
        }
        UiCommand::SetClassification { id, category, urgency, impact } => {
            store.set_classification(id, category, urgency, impact, actor, now)?;
            changed(store, id)
        }
        UiCommand::ChangeStatus { id, to } => {
            store.change_status(id, to, actor, now)?;
            changed(store, id)
        }
        UiCommand::Assign { id, assignee } => {
            store.assign(id, assignee.as_deref(), actor, now)?;
            changed(store, id)
        }
        UiCommand::Escalate { id, reason } => {
            store.escalate(id, &reason, actor, now)?;
            changed(store, id)
        }
        UiCommand::AddNote { id, text } => {
            store.add_note(id, &text, actor, now)?;
            changed(store, id)
        }
        UiCommand::SetResolution { id, text } => {
            store.set_resolution(id, &text, actor, now)?;
            changed(store, id)
        }
        UiCommand::SetSatisfaction { id, rating, comment } => {
            store.set_satisfaction(id, rating, &comment, actor, now)?;
            changed(store, id)
        }
        UiCommand::LoadSamples => Ok(vec![UiEvent::SamplesLoaded(store.load_sample_tickets(now)?)]),
        UiCommand::SaveProfile(profile) => {
            let profile =
                EngineerProfile { name: profile.name.trim().to_owned(), team: profile.team.trim().to_owned() };
            store.set_engineer_profile(&profile)?;
            Ok(vec![UiEvent::ProfileSaved(profile)])
        }
        UiCommand::SetLanguage(choice) => {
            store.set_ui_language(choice.map(Lang::code))?;
            Ok(Vec::new())
        }
        // File dialogs and sessions are the app's business; retry is handled before a store exists.
        UiCommand::Export(_)
        | UiCommand::Import
        | UiCommand::ExportToPath(..)
        | UiCommand::ImportFromPath(_)
        | UiCommand::RetryOpenStore
        | UiCommand::StartSession { .. }
        | UiCommand::Session { .. }
        | UiCommand::Assist(_) => Ok(Vec::new()),
        UiCommand::SearchGuides { view, query } => {
            Ok(vec![UiEvent::GuidesListed { view, guides: store.list_guides(&query)? }])
        }
        UiCommand::LoadGuide { view, guide_id } => {
            let (guide, stats) = store.guide(guide_id)?;
            Ok(vec![UiEvent::GuideLoaded { view, guide, stats }])
        }
        UiCommand::SaveGuide { view, guide } => {
            let guide_id = store.save_guide(&guide, now)?;
            Ok(vec![UiEvent::GuideSaved { view, guide_id }])
        }
        UiCommand::DeleteGuide { guide_id } => {
            store.delete_guide(guide_id)?;
            Ok(vec![UiEvent::GuideDeleted { guide_id }])
        }
        UiCommand::SaveNetworkSettings(settings) => {
            Ok(vec![UiEvent::NetworkSettingsSaved(store.set_network_settings(&settings)?)])
        }
        UiCommand::SaveCannedPhrases { lang, phrases } => {
            let phrases = store.set_canned_phrases(lang.code(), &phrases)?;
            Ok(vec![UiEvent::CannedPhrasesSaved { lang, phrases }])
        }
        UiCommand::RecordStepAnswer { guide_id, step_index, answer } => {
            store.record_step_answer(guide_id, step_index, answer)?;
            Ok(Vec::new())
        }
    }
}
