//! The two channels between the views and the rest of the app: commands go down (emitted by
//! `ui()`, run by the app at one known point of the frame), events come up (applied in `logic()`).

use std::path::PathBuf;

use crate::capture::{CaptureError, PixelRect, SourceLabel};
use crate::model::{
    EngineerProfile, Guide, GuideId, GuideSummary, HistoryEntry, NetworkSettings, NewTicket, StepStats, Ticket,
    TicketChange, TicketId,
};
use crate::model::{ExportFormat, ImportReport, Note, TicketFilter, TicketSummary};
use crate::model::{SlaPolicy, TicketVersion};
use crate::protocol::{JoinLink, SessionCommand, SessionEvent, StepOutcome};

use super::annotations::ArrowPlacement;
use super::i18n::Lang;
use super::session::SessionNotice;

/// Which view asked for guides (and gets the answer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuideView {
    /// The session panel of a ticket.
    Session(TicketId),
    /// The knowledge-base window.
    KnowledgeBase,
}

/// Something the views ask for, split by who carries it out. Every variant is handled by the
/// app, never by a view.
#[derive(Clone, Debug, PartialEq)]
pub enum UiCommand {
    /// Read or change the desk: runs on the store thread.
    Store(StoreCommand),
    /// Start or steer the remote session of a ticket.
    Session(TicketId, SessionRequest),
    /// The user's Get-help screens.
    Assist(AssistCommand),
    /// Something the console shows itself: a file dialog, the picture window.
    Dialog(DialogCommand),
    /// The review player: open a recording, seek, save a frame, close.
    Player(super::player::PlayerCommand),
    /// A check of the network settings, run on the network runtime.
    Network(NetworkCommand),
}

/// A check of the network settings; the app runs it on the network runtime, never in a frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetworkCommand {
    /// Settings' "Test relay": one allocation on the relay of these (unsaved) settings,
    /// answered with [`UiEvent::RelayTested`].
    TestRelay(NetworkSettings),
}

impl UiCommand {
    /// Change a ticket under the workflow rules.
    pub fn change_ticket(ticket_id: TicketId, change: TicketChange) -> Self {
        Self::Store(StoreCommand::ChangeTicket { ticket_id, change, base: None })
    }

    /// Change a ticket as it was read at `base` (the team desk refuses it, field by field, when
    /// a colleague changed the same fields meanwhile).
    pub fn change_ticket_at(ticket_id: TicketId, base: Option<TicketVersion>, change: TicketChange) -> Self {
        Self::Store(StoreCommand::ChangeTicket { ticket_id, change, base })
    }

    /// Send a verb of the session protocol to a ticket's session.
    pub fn session(ticket_id: TicketId, command: SessionCommand) -> Self {
        Self::Session(ticket_id, SessionRequest::Command(command))
    }
}

impl From<StoreCommand> for UiCommand {
    fn from(command: StoreCommand) -> Self {
        Self::Store(command)
    }
}

impl From<DialogCommand> for UiCommand {
    fn from(command: DialogCommand) -> Self {
        Self::Dialog(command)
    }
}

impl From<super::player::PlayerCommand> for UiCommand {
    fn from(command: super::player::PlayerCommand) -> Self {
        Self::Player(command)
    }
}

impl From<AssistCommand> for UiCommand {
    fn from(command: AssistCommand) -> Self {
        Self::Assist(command)
    }
}

/// What the engineer does with a ticket's remote session.
#[derive(Clone, Debug, PartialEq)]
pub enum SessionRequest {
    /// Start it (listen, issue a code).
    Start,
    /// Replace the join code of a session nobody has joined yet (the old code stops working).
    NewCode,
    /// A verb of the session protocol, passed through as it is.
    Command(SessionCommand),
    /// Read the console's clipboard and send its text to the user (control in force).
    SendClipboard,
}

/// A dialog or window the console opens for the views.
#[derive(Clone, Debug, PartialEq)]
pub enum DialogCommand {
    /// Ask where to export, then export.
    Export(ExportFormat),
    /// Ask for a file, then import it.
    Import,
    /// Show a screenshot kept in a ticket's timeline in the picture window (loaded on a thread).
    ShowScreenshot {
        /// The file, as the timeline entry names it.
        file: PathBuf,
    },
    /// Read a screenshot as a small picture for the session history of a ticket.
    LoadThumbnail {
        /// The ticket whose history shows it.
        ticket_id: crate::model::TicketId,
        /// The file, as the timeline entry names it.
        file: PathBuf,
    },
    /// Write a chart or the whole report to a file (asked with a dialog unless a path is typed).
    ExportReport(super::reports::ReportExport),
    /// Open the "Export video…" dialog of a recording (its preview picture is loaded on a
    /// thread and comes back as [`UiEvent::VideoExportPreview`]).
    OpenVideoExport(super::recording_export::VideoExportSource),
    /// Ask where to write a video in a save dialog; answered by [`UiEvent::VideoExportPathChosen`].
    ChooseVideoExportPath {
        /// The format (its extension filters the dialog).
        format: crate::model::VideoFormat,
        /// The file name suggested.
        suggested: String,
    },
    /// Export a recording as a video on a thread; progress and outcome come back as events and
    /// the export is recorded in the ticket's timeline.
    ExportVideo(super::recording_export::VideoExportOrder),
    /// Stop the running video export (nothing is left behind).
    CancelVideoExport,
}

/// A read or a change of the desk, run on the store thread; the answer comes back as a
/// [`UiEvent`].
#[derive(Clone, Debug, PartialEq)]
pub enum StoreCommand {
    /// Count the tickets matching a filter, load its first page and list assignees, for a new
    /// sidebar generation.
    QueryTickets {
        /// The filter.
        filter: TicketFilter,
        /// Sidebar generation the answer belongs to.
        generation: u64,
    },
    /// Load one page of the sidebar.
    LoadPage {
        /// The filter.
        filter: TicketFilter,
        /// Sidebar generation the answer belongs to.
        generation: u64,
        /// Page index (rows `page * PAGE_SIZE ..`).
        page: i64,
    },
    /// Load a ticket with its notes and history into the main pane.
    OpenTicket(TicketId),
    /// Load the page of the ticket's timeline before `before_seq`.
    LoadOlderHistory {
        /// Ticket id.
        ticket_id: TicketId,
        /// The oldest entry shown now.
        before_seq: i64,
    },
    /// Delete a recording by hand (its file and row; a tombstone stays in the timeline).
    DeleteRecording {
        /// The recording's row id.
        recording_id: i64,
    },
    /// Keep recordings this many days (1 to 3650) from now on.
    SetRecordingRetention {
        /// Days.
        days: u32,
    },
    /// Open a new ticket from the form.
    CreateTicket(NewTicket),
    /// Change a ticket under the workflow rules of [`crate::model`] (refusals come back as
    /// [`UiEvent::RuleRefused`]).
    ChangeTicket {
        /// Ticket id.
        ticket_id: TicketId,
        /// The change.
        change: TicketChange,
        /// The version the edit was made from (team desk); `None`: the row as it is now.
        base: Option<TicketVersion>,
    },
    /// Load the shipped sample tickets.
    LoadSamples,
    /// Save the engineer profile.
    SaveProfile(EngineerProfile),
    /// Switch the UI language; `None` follows the system.
    SetLanguage(Option<Lang>),
    /// Export to a path (chosen in the file dialog, or typed when there is none).
    ExportToPath(ExportFormat, PathBuf),
    /// Import a path (chosen in the file dialog, or typed when there is none).
    ImportFromPath(PathBuf),
    /// Try to open the database again.
    RetryOpenStore,
    /// Find guides whose title or tags contain the text.
    SearchGuides {
        /// The view that asked.
        view: GuideView,
        /// Search text (empty = all).
        query: String,
    },
    /// Load a guide with its answer counts.
    LoadGuide {
        /// The view that asked.
        view: GuideView,
        /// Guide.
        guide_id: GuideId,
    },
    /// Save a guide (new when its id is 0, else in place).
    SaveGuide {
        /// The view that asked.
        view: GuideView,
        /// The guide.
        guide: Guide,
    },
    /// Remove a guide from the knowledge base.
    DeleteGuide {
        /// Guide.
        guide_id: GuideId,
    },
    /// Save where sessions listen.
    SaveNetworkSettings(NetworkSettings),
    /// Sign in to the team desk as an engineer of its directory.
    SignIn {
        /// Directory name.
        name: String,
        /// Password (checked against the stored hash, never kept).
        password: String,
    },
    /// Add an engineer to the team directory (and sign in as them when `sign_in`).
    AddEngineer {
        /// The entry.
        engineer: crate::model::NewEngineer,
        /// Their password (only a hash is stored).
        password: String,
        /// Sign in as the new engineer (first use of a console).
        sign_in: bool,
    },
    /// Take an unassigned ticket (atomic: when a colleague was first, the view is told who).
    ClaimTicket(TicketId),
    /// Settle the last edit refused with [`UiEvent::EditConflict`]: the fields named in
    /// `keep_mine` take this engineer's value, every other conflicting field keeps the
    /// colleague's; `None` drops the edit.
    ResolveConflict {
        /// Ticket id.
        ticket_id: TicketId,
        /// Fields to keep as this engineer typed them, or `None` to drop the edit.
        keep_mine: Option<Vec<String>>,
    },
    /// Try to reach a team database and answer with [`UiEvent::TeamDatabaseTested`].
    TestTeamDatabase(crate::model::TeamDatabaseSettings),
    /// Work on this team database from now on (`None`: the console's own desk); the desk is
    /// reopened on it ([`UiEvent::StoreOpened`] again).
    SaveTeamDatabase(Option<crate::model::TeamDatabaseSettings>),
    /// Save a language's glossary from the Settings text (`term = plain phrase` per line).
    SaveGlossary {
        /// The language.
        lang: Lang,
        /// The text as typed.
        text: String,
    },
    /// Count jargon hints: each term, and whether its plain phrase was taken.
    RecordJargonHints {
        /// `(term, taken)`.
        hints: Vec<(String, bool)>,
    },
    /// Save the canned chat phrases of a language.
    SaveCannedPhrases {
        /// The language.
        lang: Lang,
        /// The phrases, in order.
        phrases: Vec<String>,
    },
    /// Count a user's answer to a guide's step.
    RecordStepAnswer {
        /// Guide.
        guide_id: GuideId,
        /// Step, from 0.
        step_index: i64,
        /// The answer.
        answer: StepOutcome,
    },
    /// Compute a report (every chart) for a range and filters; answered by `UiEvent::ReportReady`.
    ComputeReport(crate::model::report::ReportQuery),
}

/// A ticket with everything the main pane shows.
#[derive(Clone, Debug, PartialEq)]
pub struct TicketDetail {
    /// The ticket.
    pub ticket: Ticket,
    /// Notes, oldest first.
    pub notes: Vec<Note>,
    /// The newest page of the timeline, oldest first.
    pub history: Vec<HistoryEntry>,
    /// How many older entries are not loaded (the view offers to load them a page at a time).
    pub older_entries: u64,
    /// The user's exit surveys, oldest first.
    pub surveys: Vec<crate::model::SurveyRecord>,
    /// The ticket's remote sessions, oldest first.
    pub sessions: Vec<crate::model::SessionRecord>,
    /// The ticket's session recordings, oldest first.
    pub recordings: Vec<crate::model::RecordingRecord>,
    /// On a team desk: the row's version, who else is looking at it; `None` on a single desk.
    pub team: Option<TeamTicketInfo>,
}

/// What a team desk adds to an open ticket.
#[derive(Clone, Debug, PartialEq)]
pub struct TeamTicketInfo {
    /// The version this copy was read at (edits are checked against it).
    pub version: TicketVersion,
    /// Colleagues viewing the ticket now (this engineer left out).
    pub viewers: Vec<String>,
    /// Who should take it, best first (name, has the category as a skill, open tickets).
    pub suggestions: Vec<crate::model::RoutingSuggestion>,
}

/// What the views need to know once the store is open.
#[derive(Clone, Debug, PartialEq)]
pub struct StoreInfo {
    /// The saved engineer profile, if any.
    pub profile: Option<EngineerProfile>,
    /// The saved language choice; `None` follows the system.
    pub language: Option<Lang>,
    /// Number of tickets.
    pub ticket_count: i64,
    /// Where the database lives.
    pub data_dir: PathBuf,
    /// The SLA in force.
    pub policy: SlaPolicy,
    /// Non-fatal problems found while opening.
    pub warnings: Vec<String>,
    /// Canned chat phrases per language (edited ones, else the defaults).
    pub canned_phrases: Vec<(Lang, Vec<String>)>,
    /// The jargon glossary per language (edited ones, else the shipped ones).
    pub glossaries: Vec<(Lang, crate::model::Glossary)>,
    /// Where sessions listen, as saved.
    pub network: NetworkSettings,
    /// How many days session recordings are kept.
    pub recording_retention_days: u32,
    /// The team database the desk is on (`None`: this console's own SQLite desk).
    pub team_database: Option<crate::model::TeamDatabaseSettings>,
    /// The team directory (empty on a single desk).
    pub engineers: Vec<crate::model::Engineer>,
}

impl StoreInfo {
    /// The glossary of `lang` (empty when none).
    pub fn glossary(&self, lang: Lang) -> &crate::model::Glossary {
        static EMPTY: crate::model::Glossary = crate::model::Glossary { entries: Vec::new() };
        self.glossaries.iter().find(|(of, _)| *of == lang).map_or(&EMPTY, |(_, glossary)| glossary)
    }

    /// The canned phrases of `lang`.
    pub fn phrases(&self, lang: Lang) -> &[String] {
        self.canned_phrases.iter().find(|(of, _)| *of == lang).map_or(&[], |(_, phrases)| phrases.as_slice())
    }
}

/// A decoded picture: straight (not premultiplied) RGBA rows.
#[derive(Clone, PartialEq, Eq)]
pub struct Picture {
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// `width × height × 4` bytes.
    pub rgba: std::sync::Arc<Vec<u8>>,
}

impl std::fmt::Debug for Picture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Picture({}×{})", self.width, self.height)
    }
}

/// Something that happened below the views; applied by [`super::DeskState::apply`].
#[expect(clippy::large_enum_variant, reason = "one value per user action or frame; boxing buys nothing")]
#[derive(Clone, Debug, PartialEq)]
pub enum UiEvent {
    /// The store is open.
    StoreOpened(StoreInfo),
    /// The store cannot be used; the message says why.
    StoreFailed(String),
    /// Count of matching tickets for a sidebar generation.
    TicketsCounted {
        /// Sidebar generation.
        generation: u64,
        /// Matching tickets.
        total: i64,
        /// Whether more tickets than `total` match (a common word on a large team desk: only
        /// the most urgent are listed).
        more_than_total: bool,
        /// Everyone tickets are assigned to.
        assignees: Vec<String>,
        /// Tickets in the store.
        store_total: i64,
    },
    /// One sidebar page.
    PageLoaded {
        /// Sidebar generation.
        generation: u64,
        /// Page index.
        page: i64,
        /// Its rows.
        rows: Vec<TicketSummary>,
    },
    /// A ticket was loaded or changed: show it, refresh the list.
    TicketLoaded {
        /// The ticket and its timeline.
        detail: TicketDetail,
        /// Whether it was just created.
        created: bool,
        /// Whether it changed (the list must refresh).
        changed: bool,
    },
    /// A write was refused; the message says why.
    ActionFailed(String),
    /// A screenshot asked for by [`UiCommand::Dialog(DialogCommand::ShowScreenshot)`] was read, or why it could not be.
    ScreenshotLoaded {
        /// The file asked for.
        file: std::path::PathBuf,
        /// The picture, or why it cannot be shown.
        picture: Result<Picture, String>,
    },
    /// A thumbnail asked for by [`DialogCommand::LoadThumbnail`] was made, or why it could not be.
    ThumbnailLoaded {
        /// The ticket whose history shows it.
        ticket_id: crate::model::TicketId,
        /// The file asked for.
        file: std::path::PathBuf,
        /// The small picture, or why there is none.
        picture: Result<Picture, String>,
    },
    /// A screenshot could not be kept; the system's words say why.
    ScreenshotNotSaved(String),
    /// The player's worker opened a recording: what it holds, and the slot its pictures arrive in.
    PlayerOpened {
        /// The recording's row id.
        recording_id: i64,
        /// Length, events, gaps.
        content: crate::model::playback::PlaybackContent,
        /// Where the worker puts the picture at the playhead.
        slot: super::player::PlayerSlot,
    },
    /// The player's worker cannot open a recording; the words say why.
    PlayerFailed {
        /// The recording's row id.
        recording_id: i64,
        /// Why.
        reason: String,
    },
    /// A recording open in the player was verified (on its own thread).
    PlayerIntegrity {
        /// The recording's row id.
        recording_id: i64,
        /// What verification found.
        integrity: crate::model::playback::Integrity,
    },
    /// A ticket workflow rule refused a write (translated by the view).
    RuleRefused(crate::model::TicketRule),
    /// The new-ticket form was refused.
    CreateFailed(String),
    /// Samples were loaded.
    SamplesLoaded(usize),
    /// The profile was saved.
    ProfileSaved(EngineerProfile),
    /// An export finished.
    Exported {
        /// Where.
        path: PathBuf,
        /// How many tickets.
        count: usize,
    },
    /// An import finished.
    Imported(ImportReport),
    /// No file dialog can be shown on this system: ask for a typed path instead. `None` imports,
    /// `Some` exports in that format.
    FileDialogUnavailable(Option<ExportFormat>),
    /// Something happened in a ticket's remote session.
    Session {
        /// Ticket id.
        ticket_id: TicketId,
        /// What.
        notice: SessionNotice,
    },
    /// An entry was appended to a ticket's timeline (session transcript).
    HistoryAppended {
        /// Ticket id.
        ticket_id: TicketId,
        /// The entry, as stored.
        entry: HistoryEntry,
    },
    /// An older page of a ticket's timeline, oldest first.
    OlderHistoryLoaded {
        /// Ticket id.
        ticket_id: TicketId,
        /// The entries.
        entries: Vec<HistoryEntry>,
        /// How many older entries are still not loaded.
        older_entries: u64,
    },
    /// A session transcript entry could not be written (the database stayed locked past the
    /// busy timeout, or failed): it was not recorded and must not be shown as recorded; the
    /// session should be held.
    TranscriptWriteFailed {
        /// Ticket id of the session.
        ticket_id: TicketId,
        /// The event name that was not written (see [`crate::store::event_kind`]).
        kind: String,
        /// Why, in words.
        reason: String,
    },
    /// Every transcript entry held back by a write failure is written now (in order, with its
    /// original time); the session may go on.
    TranscriptRecovered {
        /// Ticket id of the session.
        ticket_id: TicketId,
    },
    /// Something happened in the user's Get-help session.
    Assist(AssistNotice),
    /// Guides found.
    GuidesListed {
        /// The view that asked.
        view: GuideView,
        /// The guides.
        guides: Vec<GuideSummary>,
    },
    /// A guide, for the view that asked.
    GuideLoaded {
        /// The view that asked.
        view: GuideView,
        /// The guide.
        guide: Guide,
        /// Answer counts per step.
        stats: Vec<StepStats>,
    },
    /// A glossary was saved (as stored).
    GlossarySaved {
        /// The language.
        lang: Lang,
        /// The glossary.
        glossary: crate::model::Glossary,
    },
    /// Canned phrases were saved.
    CannedPhrasesSaved {
        /// The language.
        lang: Lang,
        /// The phrases as stored.
        phrases: Vec<String>,
    },
    /// A colleague changed the team's words (team desk): every language's glossary and canned
    /// phrases as the team database now holds them.
    SharedWordsChanged {
        /// Glossaries by language.
        glossaries: Vec<(Lang, crate::model::Glossary)>,
        /// Canned phrases by language.
        canned_phrases: Vec<(Lang, Vec<String>)>,
    },
    /// The network settings were saved (as stored).
    NetworkSettingsSaved(NetworkSettings),
    /// The team desk wants to know who is at this console (no engineer signed in yet).
    SignInNeeded {
        /// Whether the directory is empty (the first engineer adds themself).
        directory_empty: bool,
    },
    /// Signed in to the team desk.
    SignedIn(crate::model::Engineer),
    /// The team directory as it is now.
    DirectoryLoaded(Vec<crate::model::Engineer>),
    /// The sign-in or directory entry was refused: why.
    SignInFailed(String),
    /// A colleague changed the same fields first; nothing was saved. The view shows each
    /// field (before, theirs, mine) and answers with [`StoreCommand::ResolveConflict`].
    EditConflict {
        /// Ticket id.
        ticket_id: TicketId,
        /// Each field both changed.
        fields: Vec<crate::model::FieldConflict>,
    },
    /// A colleague took the ticket first.
    AlreadyClaimed {
        /// Ticket id.
        ticket_id: TicketId,
        /// Who has it.
        by: String,
    },
    /// The team desk's link came back: changes may have been missed, query the list again.
    DeskReloadNeeded,
    /// Another console changed these tickets: their sidebar rows, as they are now.
    RowsChanged(Vec<TicketSummary>),
    /// The link to the team database was lost (`Some(why)`, edits are refused, nothing is lost)
    /// or is back (`None`).
    TeamLink(Option<String>),
    /// What "Test connection" found: the server's description, or why it cannot be used.
    TeamDatabaseTested(Result<String, String>),
    /// What "Test relay" found: the relayed address and round trip, or why the relay cannot be
    /// used.
    RelayTested(Result<super::relay::RelayTestReport, super::relay::RelayProblem>),
    /// A guide was saved.
    GuideSaved {
        /// The view that asked.
        view: GuideView,
        /// Its id.
        guide_id: GuideId,
    },
    /// A guide was removed.
    GuideDeleted {
        /// Its id.
        guide_id: GuideId,
    },
    /// A report computed for the Reports window, or why it could not be.
    ReportReady(Result<Box<crate::model::report::Report>, String>),
    /// A report file was written, or which file could not be and why.
    ReportExported(Result<PathBuf, (PathBuf, String)>),
    /// The preview picture of the recording at `path` for the video export dialog.
    VideoExportPreview {
        /// The recording.
        path: PathBuf,
        /// Its first picture, or why there is none.
        picture: Result<Picture, String>,
    },
    /// Where to write the video, from the save dialog (`None`: no dialog could be shown).
    VideoExportPathChosen(Option<PathBuf>),
    /// How far the running video export is, 0..=1.
    VideoExportProgress(f32),
    /// The video export ended: the video's path, or why there is none.
    VideoExportFinished(Result<PathBuf, super::recording_export::VideoExportProblem>),
}

// The Get-help window's bus: what it asks of the app and what the app tells it.

/// What the user's screens ask for.
#[derive(Clone, Debug, PartialEq)]
pub enum AssistCommand {
    /// Connect and pair.
    Join(JoinLink),
    /// Read this computer's clipboard and send its text to the engineer (control in force).
    SendClipboard,
    /// A verb of the session protocol (grant, deny, change scopes, pause, resume, revoke, chat,
    /// answer a step), passed through as it is; the app closes the screen gate first where the
    /// verb narrows what is shared.
    Session(SessionCommand),
    /// Leave the session (ends it) and go back to the code screen.
    Leave,
    /// The screen regions never to share (blanked before encoding), in screen pixels.
    SetPrivateRegions(Vec<PixelRect>),
    /// Load the consent receipts to show them, worded in this language.
    LoadReceipts(Lang),
    /// The user chose this language: remember it for the next launch.
    SetLanguage(Lang),
    /// Save the session's summary ("What was done on your computer"): into the receipts folder,
    /// and, with `choose_file`, also where the user picks.
    SaveSummary {
        /// The text, in the language the window shows.
        text: String,
        /// Ask where to save it.
        choose_file: bool,
    },
}

/// Why joining failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JoinFailure {
    /// Wrong code.
    WrongCode {
        /// Attempts left.
        attempts_left: u32,
    },
    /// Too many wrong attempts.
    CodeBurned,
    /// The code expired.
    CodeExpired,
    /// The code was used already.
    CodeUsed,
    /// The peer could not prove it is the engineer.
    NotTheEngineer,
    /// Could not connect; details.
    Unreachable(String),
}

/// What the app reports to the user's screens.
#[derive(Clone, Debug, PartialEq)]
pub enum AssistNotice {
    /// Joining failed.
    JoinFailed(JoinFailure),
    /// Paired with the engineer.
    Paired,
    /// The path the connection takes (when the session begins and at each switch).
    Path(crate::protocol::LinkPath),
    /// A protocol event.
    Event(SessionEvent),
    /// A command was refused.
    Refused(String),
    /// The session task is over.
    Closed,
    /// What will be shared (`Ok(label)`), or why the screen cannot be shared here.
    Source(Result<SourceLabel, CaptureError>),
    /// Where the shared monitor lies on the desktop, pixels (the sharing bar opens over it).
    SharedArea(PixelRect),
    /// Where a small copy of what is shared appears (the user's own preview).
    Preview(super::viewer::FrameSlot),
    /// Where the engineer's arrows are drawn: over the real screen, or only over the picture in
    /// this window.
    ArrowsShown(ArrowPlacement),
    /// The receipts log, for the receipts window.
    Receipts {
        /// Where the log lives.
        path: String,
        /// One line per decision, newest last.
        lines: Vec<String>,
    },
    /// The finished session's facts, for "What was done on your computer".
    Summary(crate::model::SessionFacts),
    /// The summary was saved there.
    SummarySaved(String),
}
