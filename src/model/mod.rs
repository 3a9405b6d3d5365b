//! The domain, pure: tickets with their SLA clock and workflow rules, guides, the engineer's
//! profile, the typed timeline, the clock. No I/O, no egui, no SQLite, no tokio: `store/`
//! persists these types, `ui/` shows them, `app/` wires them.

pub mod clock;
pub mod desk;
pub mod glossary;
pub mod guide;
pub mod ids;
pub mod playback;
pub mod profile;
pub mod report;
pub mod session;
pub mod sla;
pub mod summary;
pub mod team;
pub mod ticket;
pub mod timeline;
pub mod video_export;
pub mod workflow;

pub use clock::now_ms;
pub use desk::{ExportFormat, ImportReport, Note, SlaFilter, TeamScope, TicketFilter, TicketSummary};
pub use glossary::{Glossary, GlossaryEntry, GlossaryError, JargonHit};
pub use guide::{
    Guide, GuideError, GuideStep, GuideSummary, MAX_GUIDE_STEPS, MAX_GUIDE_TITLE_CHARS, StepPointer, StepStats,
};
pub use ids::{EngineerId, GuideId, SessionId, TicketId};
pub use profile::{
    EngineerProfile, NetworkSettings, NetworkSettingsError, TeamDatabaseError, TeamDatabaseSettings,
    redact_database_url,
};
pub use session::{RecordingRecord, RecordingStatus, SessionRecord, SurveyOutcome, SurveyRecord};
pub use sla::{SlaClock, SlaLevel, SlaPolicy, SlaPolicyError, SlaReading, SlaTarget, SlaTargets, format_countdown};
pub use summary::{ConsentFact, SessionFacts, StepFact};
pub use team::{
    Changed, DeskListing, DeskNotice, DeskNoticeKind, DeskQuery, DeskTicket, Engineer, EngineerError, Escalation,
    FieldConflict, NewEngineer, Presence, RoutingSuggestion, TicketVersion,
};
pub use ticket::{
    Category, EARLIEST_REPORTED_AT_MS, FieldError, Grade, MAX_LINE_CHARS, MAX_TEXT_CHARS, NewTicket, Priority,
    REPORTED_AT_SLACK_MS, Status, Ticket, TicketFields,
};
pub use timeline::{
    ActorKind, ArrowRecord, ChatAuthor, HistoryEntry, HoldCause, ImportOrigin, PairingFailure, ScopesRecord,
    StepRecord, TimelineEvent,
};
pub use video_export::{
    MAX_REDACTIONS, Redaction, RedactionParseError, RedactionRect, VideoExportError, VideoExportRequest, VideoFormat,
};
pub use workflow::{MAX_NOTE_CHARS, MAX_TIER, RuleError, TicketChange, TicketRule};
