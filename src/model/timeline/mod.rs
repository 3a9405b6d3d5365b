//! The ticket's timeline: typed events with a per-ticket sequence number, a timestamp and the
//! actor (its kind — engineer, user or system — and a name). Ticket edits and session transcripts
//! share it. A user's name is whatever their machine claimed: the kind, not the name, says who
//! acted.

use serde::{Deserialize, Serialize};

mod stored_shape;

use super::ticket::{Category, Grade, Priority, Status};
use crate::protocol::{Annotation, LinkPath, Scopes, Shape, StepCard, StepOutcome, SurveyAnswers};

/// What kind of actor did something: the engineer at this console, the user at the other end of
/// a session (whose name is only their own claim), or the system (the link, the code gate).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// The engineer (the name is this console's profile).
    #[default]
    Engineer,
    /// The user in a session (the name is what their side sent, never proof of anything).
    User,
    /// The link or the code gate.
    System,
}

impl ActorKind {
    /// Stable name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Engineer => "engineer",
            Self::User => "user",
            Self::System => "system",
        }
    }

    /// Parses a stored name; anything unknown is taken for the system's (never the engineer's).
    pub fn parse(text: &str) -> Self {
        match text {
            "engineer" => Self::Engineer,
            "user" => Self::User,
            _ => Self::System,
        }
    }
}

/// Where imported history came from: kept with every imported timeline entry and note, so the
/// views can tell it apart from what happened in this store. Never read from an import file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOrigin {
    /// The file it was imported from, as the importer named it.
    pub file: String,
    /// Who imported it.
    pub importer: String,
    /// When it was imported, unix ms.
    pub imported_at_ms: i64,
}

/// One entry of a ticket's timeline. Exports keep the stored layout (`kind` and `payload` next to
/// `seq`, `at_ms`, `actor`, `actor_kind`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(into = "StoredEntry", from = "StoredEntry")]
pub struct HistoryEntry {
    /// Position in the ticket's timeline, from 1.
    pub seq: i64,
    /// When it happened, unix ms.
    pub at_ms: i64,
    /// Who did it: the engineer's name, the name the user's side claimed, or "system".
    pub actor: String,
    /// What kind of actor that is (exports from before kinds are inferred on import).
    pub actor_kind: ActorKind,
    /// What happened.
    pub event: TimelineEvent,
    /// Set when the entry came from an import file rather than happening here. Local to a
    /// store: not exported, and an import file cannot set it.
    pub imported: Option<ImportOrigin>,
}

/// The stored and exported layout of a [`HistoryEntry`].
#[derive(Serialize, Deserialize)]
struct StoredEntry {
    seq: i64,
    at_ms: i64,
    actor: String,
    #[serde(default)]
    actor_kind: Option<ActorKind>,
    kind: String,
    payload: serde_json::Value,
}

impl From<HistoryEntry> for StoredEntry {
    fn from(entry: HistoryEntry) -> Self {
        let (kind, payload) = entry.event.to_stored();
        Self {
            seq: entry.seq,
            at_ms: entry.at_ms,
            actor: entry.actor,
            actor_kind: Some(entry.actor_kind),
            kind,
            payload,
        }
    }
}

impl From<StoredEntry> for HistoryEntry {
    fn from(stored: StoredEntry) -> Self {
        let event = TimelineEvent::from_stored(&stored.kind, stored.payload);
        let actor_kind = stored.actor_kind.unwrap_or_else(|| event.default_actor_kind());
        Self { seq: stored.seq, at_ms: stored.at_ms, actor: stored.actor, actor_kind, event, imported: None }
    }
}

/// Why pairing failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PairingFailure {
    /// Somebody typed a wrong code.
    WrongCode,
    /// Too many wrong codes: the code can no longer be used.
    CodeBurned,
    /// The code's time ran out.
    CodeExpired,
}

/// Who wrote a chat line (a row that does not say is taken for the user's).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChatAuthor {
    /// The engineer.
    Engineer,
    /// The user.
    #[default]
    User,
}

/// Why a session was put on hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldCause {
    /// The transcript could not be written.
    TranscriptUnavailable,
}

/// The scopes in force, as recorded (a scope a row does not name was not granted).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScopesRecord {
    /// The user's screen is shared.
    pub view: bool,
    /// The engineer may draw arrows.
    pub pointers: bool,
    /// The session may be kept (screenshots, recording).
    pub record: bool,
    /// The engineer may use the user's mouse and keyboard (not written when not granted, so rows
    /// read back as earlier releases wrote them).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub control: bool,
}

impl From<Scopes> for ScopesRecord {
    fn from(scopes: Scopes) -> Self {
        Self { view: scopes.view, pointers: scopes.pointers, record: scopes.record, control: scopes.control }
    }
}

impl From<ScopesRecord> for Scopes {
    fn from(record: ScopesRecord) -> Self {
        Self { view: record.view, pointers: record.pointers, record: record.record, control: record.control }
    }
}

/// An arrow or highlight drawn on the user's screen, as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArrowRecord {
    /// Sender-local id (undo removes by id).
    pub id: u64,
    /// Shape and position, in the remote screen's pixels (stored flat: `"shape": "arrow"`
    /// beside its points).
    #[serde(flatten, with = "stored_shape")]
    pub shape: Shape,
    /// Text next to it (may be empty).
    #[serde(default)]
    pub label: String,
    /// Colour name (`red`, `yellow`, `green`, `blue`).
    #[serde(default)]
    pub color: String,
    /// How long it stays, ms (0 = until removed).
    #[serde(default)]
    pub fade_ms: u32,
}

impl From<&Annotation> for ArrowRecord {
    fn from(annotation: &Annotation) -> Self {
        Self {
            id: annotation.id,
            shape: annotation.shape,
            label: annotation.label.clone(),
            color: annotation.color.as_str().to_owned(),
            fade_ms: annotation.fade_ms,
        }
    }
}

/// A guided step as it went out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    /// The step's id in the session.
    pub step_id: u64,
    /// Its position, from 1.
    pub index: u32,
    /// How many steps the guide has.
    pub total: u32,
    /// What to do.
    pub instruction: String,
    /// What the user should see afterwards.
    #[serde(default)]
    pub expected: String,
    /// The arrow that goes with it.
    #[serde(default)]
    pub annotation: Option<ArrowRecord>,
}

impl From<&StepCard> for StepRecord {
    fn from(card: &StepCard) -> Self {
        Self {
            step_id: card.step_id,
            index: card.index,
            total: card.total,
            instruction: card.instruction.clone(),
            expected: card.expected.clone(),
            annotation: card.annotation.as_ref().map(ArrowRecord::from),
        }
    }
}

/// An old and a new value, stored as `[old, new]`.
pub type Change<T> = [T; 2];

/// What happened on a ticket: the desk's own events, then the session transcript's. Stored as
/// its `kind` (the snake_case name) and a JSON `payload` (the fields), as written by earlier
/// releases; a row this build cannot read is kept as [`TimelineEvent::Unreadable`] and shown as
/// it is, never dropped.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum TimelineEvent {
    /// The ticket was opened.
    Created {
        /// Its number.
        number: String,
        /// Its priority then.
        priority: Priority,
        /// Its category then.
        category: Category,
    },
    /// The ticket came from an import file.
    Imported {
        /// The file's source label.
        #[serde(default)]
        source: String,
        /// Who imported it.
        #[serde(default)]
        importer: String,
        /// When, unix ms.
        #[serde(default)]
        imported_at_ms: i64,
    },
    /// One intake field changed (rows of early releases carry no values).
    FieldChanged {
        /// The field's stable name.
        field: String,
        /// The value before.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        old: Option<String>,
        /// The value after.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        new: Option<String>,
    },
    /// Category, urgency or impact changed.
    ClassificationChanged {
        /// Category before and after.
        category: Change<Category>,
        /// Urgency before and after.
        urgency: Change<Grade>,
        /// Impact before and after.
        impact: Change<Grade>,
        /// Priority before and after.
        priority: Change<Priority>,
    },
    /// A workflow move.
    StatusChanged {
        /// Status before.
        from: Status,
        /// Status after.
        to: Status,
    },
    /// The assignee changed.
    AssigneeChanged {
        /// Before (none = unassigned).
        from: Option<String>,
        /// After.
        to: Option<String>,
    },
    /// Escalated to another tier.
    Escalated {
        /// Tier before.
        from_tier: i64,
        /// Tier after.
        to_tier: i64,
        /// Why.
        reason: String,
    },
    /// An internal note.
    NoteAdded {
        /// The note.
        text: String,
    },
    /// The resolution was set.
    ResolutionSet {
        /// What fixed it.
        text: String,
    },
    /// The requester's rating.
    SatisfactionRecorded {
        /// 1–5.
        rating: i64,
        /// Their comment.
        #[serde(default)]
        comment: String,
    },

    // ---- session transcript ----
    /// A remote session was started from the ticket (a code was issued).
    SessionStarted {
        /// The UDP port it listens on.
        port: u16,
    },
    /// The engineer replaced the join code of a waiting session.
    CodeRenewed {
        /// The UDP port it listens on.
        port: u16,
    },
    /// The user proved the code.
    PairingSucceeded {},
    /// Pairing failed; for a wrong code, where it came from and how many tries remain.
    PairingFailed {
        /// Why.
        reason: PairingFailure,
        /// The sender's address (wrong code).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source: Option<String>,
        /// Wrong codes from that address so far.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source_attempts: Option<u32>,
        /// Whether that address is now blocked.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source_blocked: Option<bool>,
        /// Wrong codes the session still accepts.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        attempts_left: Option<u32>,
    },
    /// The engineer asked for consent.
    ConsentRequested {
        /// Why, in the engineer's words.
        purpose: String,
        /// The scopes the engineer suggested.
        #[serde(default)]
        suggested: ScopesRecord,
    },
    /// The user allowed.
    ConsentGranted {
        /// What they allowed.
        scopes: ScopesRecord,
    },
    /// The user refused.
    ConsentDenied {
        /// "Don't ask again in this session" (rows of early releases do not say).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dont_ask_again: Option<bool>,
    },
    /// The user changed the scopes.
    ScopesChanged {
        /// What is allowed now.
        scopes: ScopesRecord,
    },
    /// The user paused sharing.
    SharingPaused {},
    /// The user resumed sharing.
    SharingResumed {},
    /// The user withdrew consent.
    ConsentRevoked {},
    /// The engineer asked to use the user's mouse and keyboard.
    ControlRequested {},
    /// The user refused the control request.
    ControlDeclined {},
    /// The user let the engineer use their mouse and keyboard.
    ControlGranted {},
    /// The user took the control scope back (the bar's button or the hotkey).
    ControlRevoked {},
    /// The user's own mouse or keyboard held the engineer's input back for a moment.
    ControlTakenBack {},
    /// The session switched to guidance-only (no live screen; stills on request).
    GuidanceOnlyOn {
        /// Who switched.
        by: ChatAuthor,
    },
    /// The session switched back to the live screen.
    GuidanceOnlyOff {
        /// Who switched.
        by: ChatAuthor,
    },
    /// The engineer asked the user to share another of their monitors.
    MonitorRequested {
        /// The monitor asked for, in the user's list (0-based).
        index: u32,
    },
    /// The user answered a monitor request (with yes, the capture moved to that monitor).
    MonitorAnswered {
        /// The monitor asked for, in the user's list (0-based).
        index: u32,
        /// Whether the user agreed.
        accepted: bool,
    },
    /// Clipboard text was sent under the control scope: who and how long, never the text.
    ClipboardShared {
        /// Who sent it.
        from: ChatAuthor,
        /// Its length, characters.
        chars: u32,
    },
    /// How many input events the engineer sent in one minute (never the events: key presses may
    /// be passwords).
    ControlInputCounted {
        /// Start of the minute, unix ms.
        minute_start_ms: i64,
        /// Events.
        count: u32,
    },
    /// A chat line.
    Chat {
        /// Who wrote it.
        #[serde(default)]
        from: ChatAuthor,
        /// Its id in the session (rows of early releases do not say).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
        /// When it was sent, unix ms, the sender's clock (rows of early releases do not say).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sent_at_ms: Option<i64>,
        /// The line.
        text: String,
    },
    /// The connection dropped.
    Disconnected {},
    /// The connection came back.
    Reconnected {
        /// How long it was away, ms.
        gap_ms: i64,
    },
    /// The path the session's connection takes: when it began, and each switch.
    LinkPath {
        /// Direct or through the TURN relay.
        path: LinkPath,
    },
    /// The session was put on hold.
    SessionHeld {
        /// Why.
        reason: HoldCause,
    },
    /// The hold ended.
    SessionUnheld {},
    /// An arrow or highlight was drawn on the user's screen.
    ArrowDrawn(ArrowRecord),
    /// One arrow was taken back (undo).
    ArrowRemoved {
        /// Its id.
        id: u64,
    },
    /// Every arrow was cleared.
    ArrowsCleared {},
    /// A guided step went out.
    StepSent {
        /// The step.
        #[serde(flatten)]
        step: StepRecord,
        /// Whether it was sent again.
        #[serde(default)]
        resent: bool,
    },
    /// A step was edited and sent again.
    StepEdited(StepRecord),
    /// A step was skipped.
    StepSkipped {
        /// Its id.
        step_id: u64,
    },
    /// The user answered a step.
    StepConfirmed {
        /// The step's id.
        step_id: u64,
        /// Done, didn't work, or stuck.
        #[serde(with = "outcome_name")]
        outcome: StepOutcome,
        /// The user's comment.
        #[serde(default)]
        comment: String,
        /// How long they took, s (0 when not measured).
        #[serde(default)]
        seconds: i64,
    },
    /// A screenshot of the remote screen was attached.
    ScreenshotAttached {
        /// Where the picture is kept.
        file: String,
        /// Width, pixels (0 when the row does not say).
        #[serde(default)]
        width: u32,
        /// Height, pixels (0 when the row does not say).
        #[serde(default)]
        height: u32,
    },
    /// The session's recording was sealed (made on the engineer's side while the record scope
    /// was in force). Its chain head lets a changed or cut file be told apart later.
    RecordingSaved {
        /// Length, ms.
        duration_ms: u64,
        /// File size, bytes.
        bytes: u64,
        /// The hash chain's head, 64 hex digits (`stepwise recordings verify` prints it).
        hash_head: String,
        /// Where the file is.
        path: String,
    },
    /// A recording the console did not finish (it stopped mid-session) was found on the next
    /// start and sealed as recovered; it plays up to its last whole record.
    RecordingRecovered {
        /// Length, ms.
        duration_ms: u64,
        /// File size, bytes.
        bytes: u64,
        /// The hash chain's head, 64 hex digits.
        hash_head: String,
        /// Where the file is.
        path: String,
    },
    /// A recording was deleted (by hand, or its retention ran out): the tombstone keeps who
    /// (the entry's actor), why and the chain head it had.
    RecordingDeleted {
        /// `by_hand` or `retention`.
        reason: String,
        /// The deleted file's chain head, 64 hex digits.
        hash_head: String,
        /// Where the file was.
        path: String,
    },
    /// A recording was exported as a video (the recording itself is untouched); with the
    /// redactions blacked out, the source's chain head says which recording it came from.
    RecordingExported {
        /// The video's format.
        format: super::video_export::VideoFormat,
        /// The rectangles blacked out, each over its time range.
        #[serde(default)]
        redactions: Vec<super::video_export::Redaction>,
        /// The video's file name (where it was written is the exporter's business).
        file_name: String,
        /// The source recording's chain head, 64 hex digits.
        hash_head: String,
        /// The video's length, ms.
        duration_ms: u64,
    },
    /// The session ended.
    SessionEnded {
        /// The end reason's stable code.
        reason: String,
        /// For a broken rule, the rule's code.
        #[serde(default)]
        code: String,
        /// Technical detail (may be empty).
        #[serde(default)]
        detail: String,
        /// Whether the user's side ended it.
        #[serde(default)]
        by_user: bool,
    },
    /// The user answered the exit survey (sent from their side; an engineer cannot write it).
    SurveyAnswered(SurveyAnswers),
    /// The survey was offered and not answered.
    SurveyNotAnswered {
        /// Why: `skipped` (the user chose Skip), `closed` (the window was closed), `lost` (the
        /// link ended before an answer came).
        reason: String,
    },
    /// A row this build cannot read (written by a newer release, or damaged): kept and shown as
    /// stored.
    #[serde(skip)]
    Unreadable {
        /// The stored kind.
        kind: String,
        /// The stored payload.
        payload: serde_json::Value,
    },
}

/// Serialises a [`StepOutcome`] under its stable transcript name.
mod outcome_name {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::protocol::StepOutcome;

    pub fn serialize<S: Serializer>(outcome: &StepOutcome, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(outcome.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<StepOutcome, D::Error> {
        let name = String::deserialize(deserializer)?;
        [StepOutcome::Done, StepOutcome::DidntWork, StepOutcome::Stuck]
            .into_iter()
            .find(|outcome| outcome.as_str() == name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown step outcome {name:?}")))
    }
}

impl TimelineEvent {
    /// Reads a stored row; one this build cannot read becomes [`TimelineEvent::Unreadable`].
    pub fn from_stored(kind: &str, payload: serde_json::Value) -> Self {
        let tagged = serde_json::json!({ "kind": kind, "payload": payload });
        serde_json::from_value(tagged).unwrap_or_else(|_| Self::Unreadable { kind: kind.to_owned(), payload })
    }

    /// The stored form: kind and payload.
    pub fn to_stored(&self) -> (String, serde_json::Value) {
        if let Self::Unreadable { kind, payload } = self {
            return (kind.clone(), payload.clone());
        }
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(mut map)) => {
                let kind = map.remove("kind").and_then(|kind| kind.as_str().map(str::to_owned)).unwrap_or_default();
                let payload = map.remove("payload").unwrap_or_else(|| serde_json::json!({}));
                (kind, payload)
            }
            // Every variant serialises to an object with a kind; nothing else can come out.
            _ => (String::new(), serde_json::Value::Null),
        }
    }

    /// The stored kind name, e.g. `status_changed`.
    pub fn kind(&self) -> String {
        self.to_stored().0
    }

    /// The kind of actor of an entry written without one (rows from before actor kinds, imports):
    /// the user's transcript events are the user's, the link's are the system's, the rest the
    /// engineer's.
    pub fn default_actor_kind(&self) -> ActorKind {
        match self {
            Self::PairingSucceeded {}
            | Self::ConsentGranted { .. }
            | Self::ConsentDenied { .. }
            | Self::ScopesChanged { .. }
            | Self::SharingPaused {}
            | Self::SharingResumed {}
            | Self::ConsentRevoked {}
            | Self::ControlDeclined {}
            | Self::ControlGranted {}
            | Self::ControlRevoked {}
            | Self::ControlTakenBack {}
            | Self::MonitorAnswered { .. }
            | Self::StepConfirmed { .. }
            | Self::SurveyAnswered(_) => ActorKind::User,
            Self::SurveyNotAnswered { reason } if reason == "lost" => ActorKind::System,
            Self::SurveyNotAnswered { .. } => ActorKind::User,
            Self::Chat { from: ChatAuthor::Engineer, .. } => ActorKind::Engineer,
            Self::ClipboardShared { from: ChatAuthor::User, .. } => ActorKind::User,
            Self::GuidanceOnlyOn { by: ChatAuthor::User } | Self::GuidanceOnlyOff { by: ChatAuthor::User } => {
                ActorKind::User
            }
            Self::Chat { from: ChatAuthor::User, .. } => ActorKind::User,
            Self::SessionEnded { by_user: true, .. } => ActorKind::User,
            Self::SessionEnded { reason, .. } if reason == "engineer_ended" => ActorKind::Engineer,
            Self::SessionEnded { .. } | Self::PairingFailed { .. } => ActorKind::System,
            Self::Disconnected {} | Self::Reconnected { .. } | Self::LinkPath { .. } => ActorKind::System,
            Self::RecordingSaved { .. } | Self::RecordingRecovered { .. } => ActorKind::System,
            Self::RecordingDeleted { reason, .. } if reason == "retention" => ActorKind::System,
            Self::Unreadable { kind, payload } => unreadable_actor_kind(kind, payload),
            _ => ActorKind::Engineer,
        }
    }
}

/// The kind of actor of a row this build cannot read, from its stored name and whatever its
/// payload still says: the user's transcript events are the user's, the link's the system's,
/// the rest the engineer's (as [`TimelineEvent::default_actor_kind`] says of readable rows).
fn unreadable_actor_kind(kind: &str, payload: &serde_json::Value) -> ActorKind {
    let flag = |key: &str| payload.get(key).and_then(serde_json::Value::as_bool).unwrap_or(false);
    let text = |key: &str| payload.get(key).and_then(serde_json::Value::as_str).unwrap_or("");
    match kind {
        "pairing_succeeded" | "consent_granted" | "consent_denied" | "scopes_changed" | "sharing_paused"
        | "sharing_resumed" | "consent_revoked" | "step_confirmed" | "control_declined" | "control_granted"
        | "control_revoked" | "control_taken_back" => ActorKind::User,
        "chat" if text("from") == "engineer" => ActorKind::Engineer,
        "chat" => ActorKind::User,
        "session_ended" if flag("by_user") => ActorKind::User,
        "session_ended" if text("reason") == "engineer_ended" => ActorKind::Engineer,
        "session_ended" | "pairing_failed" | "disconnected" | "reconnected" | "link_path" => ActorKind::System,
        "recording_saved" | "recording_recovered" => ActorKind::System,
        "recording_deleted" if text("reason") == "retention" => ActorKind::System,
        _ => ActorKind::Engineer,
    }
}

#[cfg(test)]
mod tests;
