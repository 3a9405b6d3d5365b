//! What peers say to each other: the pairing handshake and the session messages.

use serde::{Deserialize, Serialize};

use super::guidance::{Annotation, StepCard, StepOutcome, validate_comment};
use super::input::InputEvent;
use super::monitors::{MonitorList, check_monitor_index};
use super::reasons::{NoOverlay, Violation};
use super::survey::SurveyReply;
use super::validation::{TextField, ValidationError, check_length, check_screen_size};

/// Version of the session protocol; peers with a different major version refuse each other.
pub const PROTOCOL_VERSION: u16 = 1;

/// Longest display name, team, ticket number, in characters.
pub const MAX_NAME_CHARS: usize = 120;
/// Longest ticket title in a consent request, in characters.
pub const MAX_TICKET_TITLE_CHARS: usize = 2 * MAX_NAME_CHARS;
/// Longest purpose text, in characters.
pub const MAX_PURPOSE_CHARS: usize = 1_000;
/// Longest chat line, in characters.
pub const MAX_CHAT_CHARS: usize = 4_000;
/// Longest clipboard text sent under the control scope, in characters.
pub const MAX_CLIPBOARD_CHARS: usize = 10_000;

/// Which side a peer is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// The support engineer's console.
    Engineer,
    /// The user's "Get help" app.
    User,
}

/// What the user allows; each scope is granted separately.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scopes {
    /// See my screen.
    pub view: bool,
    /// Show pointers and arrows on my screen.
    pub pointers: bool,
    /// Record this session.
    pub record: bool,
    /// Let the engineer use my mouse and keyboard (never pre-ticked; only with `view`).
    #[serde(default)]
    pub control: bool,
}

impl Default for Scopes {
    /// View and arrows on, recording and control off.
    fn default() -> Self {
        Self { view: true, pointers: true, record: false, control: false }
    }
}

/// The engineer's request, shown to the user before anything is shared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRequest {
    /// Engineer's name.
    pub engineer_name: String,
    /// Engineer's team.
    pub team: String,
    /// Ticket number.
    pub ticket_number: String,
    /// Ticket title.
    pub ticket_title: String,
    /// Why the engineer wants to see the screen.
    pub purpose: String,
    /// The scopes the engineer suggests (the user decides).
    pub suggested: Scopes,
}

/// The user's answer to a consent request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    /// Allowed, with these scopes.
    Granted(Scopes),
    /// Not allowed; the engineer may ask again after [`CONSENT_RETRY_WAIT_MS`], unless the user
    /// chose "Don't ask again in this session".
    Denied {
        /// No further request in this session.
        dont_ask_again: bool,
    },
}

/// How the shared screen travels: a live stream, or only stills the engineer asks for
/// (guidance-only, for very slow or metered links). Either side may switch; the other is told.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionMode {
    /// Live screen updates while the view scope is in force.
    #[default]
    Live,
    /// No live updates: one exact still of the shared monitor per request of the engineer.
    GuidanceOnly,
}

impl SessionMode {
    /// Stable name for transcripts.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionMode::Live => "live",
            SessionMode::GuidanceOnly => "guidance_only",
        }
    }
}

/// Why the engineer's side put the session on hold (a code, translated by each side).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HoldReason {
    /// The engineer's console cannot write the session's transcript (its database is locked,
    /// full or read-only): nothing may happen unrecorded.
    TranscriptUnavailable,
}

/// How long the engineer must wait before asking again after "Don't allow", ms.
pub const CONSENT_RETRY_WAIT_MS: i64 = 30_000;

/// Widest or tallest screen a user side may announce, pixels.
pub const MAX_SCREEN_SIDE: u32 = 16_384;
/// Largest screen area a user side may announce (8K UHD), pixels.
pub const MAX_SCREEN_PIXELS: u64 = 7_680 * 4_320;

/// Why a session ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EndReason {
    /// The engineer ended it.
    EngineerEnded,
    /// The user stopped it.
    UserStopped,
    /// No message for too long.
    Timeout,
    /// The connection was gone for longer than the reconnect window.
    ReconnectWindowExpired,
    /// The other side broke the protocol (unknown, oversized, malformed or out-of-place message):
    /// a code each side translates, with the technical detail.
    ProtocolViolation(Violation),
    /// The peers speak different protocol versions.
    IncompatibleVersion {
        /// The peer's version.
        peer: u16,
    },
}

impl EndReason {
    /// Stable name for transcripts.
    pub fn as_str(&self) -> &'static str {
        match self {
            EndReason::EngineerEnded => "engineer_ended",
            EndReason::UserStopped => "user_stopped",
            EndReason::Timeout => "timeout",
            EndReason::ReconnectWindowExpired => "reconnect_window_expired",
            EndReason::ProtocolViolation(_) => "protocol_violation",
            EndReason::IncompatibleVersion { .. } => "incompatible_version",
        }
    }
}

/// Messages on the control stream before the session: pairing or resuming.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Handshake {
    /// A SPAKE2 message (the user sends first, the engineer answers).
    Pake(Vec<u8>),
    /// Key confirmation: HMAC over the role, proving both sides derived the same key.
    Confirm(Vec<u8>),
    /// Reconnect to an existing session without a new code.
    Resume {
        /// The session being resumed.
        session_id: [u8; 16],
        /// HMAC of the session id under the pairing key.
        token: Vec<u8>,
    },
    /// The engineer's verdict.
    Result(PairingVerdict),
}

/// Outcome of pairing, as told by the engineer's side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PairingVerdict {
    /// Paired: this is the session id for resuming.
    Paired {
        /// Session id.
        session_id: [u8; 16],
    },
    /// Resumed the session.
    Resumed,
    /// The code did not match.
    WrongCode {
        /// Attempts left before the code is burned.
        attempts_left: u32,
    },
    /// Too many wrong attempts: the code no longer works.
    CodeBurned,
    /// The code expired.
    CodeExpired,
    /// Someone already joined with this code.
    CodeUsed,
    /// The session to resume is gone.
    UnknownSession,
}

/// Session messages, after pairing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Message {
    /// First message of each side: protocol version and display name.
    Hello {
        /// Protocol version.
        protocol_version: u16,
        /// The sender's role.
        role: Role,
        /// Name shown to the other side.
        display_name: String,
    },
    /// Engineer → user: please allow.
    ConsentRequest(ConsentRequest),
    /// User → engineer: the answer.
    ConsentDecision(Decision),
    /// User → engineer: scopes changed during the session.
    ScopeChange(Scopes),
    /// User → engineer: sharing paused.
    Pause,
    /// User → engineer: sharing resumed.
    Resume,
    /// User → engineer: consent withdrawn.
    Revoke,
    /// A chat line, either way.
    Chat {
        /// Sender-local id.
        id: u64,
        /// When it was written, unix ms (sender's clock).
        at_ms: i64,
        /// The text.
        text: String,
    },
    /// The sender ends the session.
    End(EndReason),
    /// Liveness.
    Heartbeat,
    /// Engineer → user: send a full screen update next (the viewer lost state).
    KeyframeRequest,
    /// Engineer → user: draw this arrow or highlight (only while the pointers scope is granted).
    Annotate(Annotation),
    /// Engineer → user: remove one annotation (undo).
    RemoveAnnotation {
        /// Its id.
        id: u64,
    },
    /// Engineer → user: remove every annotation.
    ClearAnnotations,
    /// Engineer → user: the current step (sent, resent or edited).
    Step(StepCard),
    /// Engineer → user: the current step was skipped; no answer is expected.
    StepWithdrawn {
        /// The step.
        step_id: u64,
    },
    /// User → engineer: the answer to the current step.
    StepAnswer {
        /// The step.
        step_id: u64,
        /// Done / didn't work / stuck.
        outcome: StepOutcome,
        /// Optional comment.
        comment: String,
    },
    /// User → engineer: how arrows are shown: over the real screen (`overlay`) or in the
    /// Get-help window over a picture of it.
    GuidanceMode {
        /// Drawn over the user's real screen.
        overlay: bool,
        /// Why not, as a code each side translates (`None` when `overlay`).
        why_not: Option<NoOverlay>,
    },
    /// User → engineer: where the pointer is, in screen pixels (sent as a datagram, often).
    Cursor {
        /// Column.
        x: u32,
        /// Row.
        y: u32,
    },
    /// Engineer → user: the session is on hold; nothing is shared, drawn or asked until
    /// [`Message::Unhold`].
    Hold(HoldReason),
    /// Engineer → user: the hold is over.
    Unhold,
    /// User → engineer: the size of the shared screen; screen updates larger than this are refused.
    ScreenSize {
        /// Width, pixels.
        width: u32,
        /// Height, pixels.
        height: u32,
    },
    /// Engineer → user: the engineer kept a screenshot of the shared screen (only allowed while
    /// the record scope is in force; the user is told each time).
    ScreenshotTaken {
        /// When, unix ms (engineer's clock).
        at_ms: i64,
    },
    /// User → engineer: screen data (encoded by the codec layer). Sent on its own stream.
    Frame {
        /// Sequence number.
        seq: u64,
        /// Encoded update.
        data: Vec<u8>,
    },
    /// Engineer → user: please let me use your mouse and keyboard (the control scope), asked
    /// apart from the first consent, while it is in force.
    ControlRequest,
    /// User → engineer: the control request was refused.
    ControlDeclined,
    /// User → engineer: the user used their own mouse or keyboard; the engineer's input is
    /// dropped for [`crate::protocol::input::CONTROL_TAKE_BACK_MS`] after the user's last input.
    ControlTakenBack,
    /// Engineer → user: one input event, applied only while the control scope is in force
    /// (on the control stream: reliable and ordered; `seq` grows by at least one each time).
    Input {
        /// Sequence number on the control stream.
        seq: u64,
        /// The event.
        event: InputEvent,
    },
    /// Either way, only while the control scope is in force and on an explicit click: the
    /// sender's clipboard text (the receiver copies it only when its user asks).
    Clipboard {
        /// The text.
        text: String,
    },
    /// User → engineer, once, after a normal end: the exit survey's reply (or that none was
    /// offered). The engineer keeps the link open for it.
    Survey(SurveyReply),
    /// User → engineer, only while the screen is shared: the user's monitors and which one is
    /// shared (when sharing starts and whenever that changes).
    Monitors(MonitorList),
    /// Engineer → user: please share monitor `index` of the list instead (the user confirms).
    MonitorSwitchRequest {
        /// The monitor asked for.
        index: u32,
    },
    /// User → engineer: the answer to a monitor switch request.
    MonitorSwitchAnswer {
        /// The monitor asked for.
        index: u32,
        /// Whether the user agreed (the capture follows, then a new list is announced).
        accepted: bool,
    },
    /// Either way: the session switches to this mode (live or guidance-only).
    Mode(SessionMode),
    /// Engineer → user, only in guidance-only mode while the view scope is in force: send one
    /// exact still of the shared monitor now ("Show me your screen now"). Ids grow.
    StillRequest {
        /// The still asked for (greater than every earlier one).
        still_id: u64,
    },
    /// User → engineer: the still asked for is complete with screen update `last_seq` (its
    /// updates, coarse then exact, travel on frame streams like live updates).
    StillDone {
        /// The still.
        still_id: u64,
        /// Sequence number of its last (exact) update.
        last_seq: u64,
        /// When it was captured, unix ms (user's clock).
        captured_at_ms: i64,
    },
    /// Either way: the path this side's connection takes (told after each connection and
    /// whenever it changes), so both sides name the same path: relayed when either side's
    /// packets go through a relay.
    PathInUse(super::LinkPath),
    /// Either way, while the session goes through a relay: where this side may be reached
    /// directly and the token the other side's checks must carry (hole punching, see
    /// [`super::punch`]). The user tells first; the engineer answers with its own.
    Candidates(super::PunchCandidates),
}

impl Message {
    /// Checks lengths of text fields and the announced screen size; `Err` names the problem.
    pub fn validate(&self) -> Result<(), ValidationError> {
        match self {
            Message::Hello { display_name, .. } => check_length(TextField::DisplayName, display_name, MAX_NAME_CHARS),
            Message::ConsentRequest(request) => {
                check_length(TextField::EngineerName, &request.engineer_name, MAX_NAME_CHARS)?;
                check_length(TextField::Team, &request.team, MAX_NAME_CHARS)?;
                check_length(TextField::TicketNumber, &request.ticket_number, MAX_NAME_CHARS)?;
                check_length(TextField::TicketTitle, &request.ticket_title, MAX_TICKET_TITLE_CHARS)?;
                check_length(TextField::Purpose, &request.purpose, MAX_PURPOSE_CHARS)
            }
            Message::Chat { text, .. } => check_length(TextField::ChatLine, text, MAX_CHAT_CHARS),
            Message::Annotate(annotation) => annotation.validate(),
            Message::Step(card) => card.validate(),
            Message::StepAnswer { comment, .. } => validate_comment(comment),
            Message::GuidanceMode { why_not: Some(NoOverlay { detail: Some(detail), .. }), .. } => {
                check_length(TextField::GuidanceNote, detail, MAX_PURPOSE_CHARS)
            }
            Message::End(EndReason::ProtocolViolation(Violation { detail: Some(detail), .. })) => {
                check_length(TextField::EndReason, detail, MAX_PURPOSE_CHARS)
            }
            Message::ScreenSize { width, height } => check_screen_size(*width, *height),
            Message::Survey(reply) => reply.validate(),
            Message::Input { event, .. } => event.validate(),
            Message::Clipboard { text } => check_length(TextField::Clipboard, text, MAX_CLIPBOARD_CHARS),
            Message::Monitors(list) => list.validate(),
            Message::MonitorSwitchRequest { index } | Message::MonitorSwitchAnswer { index, .. } => {
                check_monitor_index(*index)
            }
            Message::StillRequest { still_id } => check_still_id(*still_id),
            Message::Candidates(candidates) => {
                if candidates.addresses.len() > super::punch::MAX_PUNCH_CANDIDATES {
                    return Err(ValidationError::TooManyCandidates { count: candidates.addresses.len() });
                }
                Ok(())
            }
            Message::StillDone { still_id, last_seq, captured_at_ms } => {
                check_still_id(*still_id)?;
                if *last_seq == 0 || *captured_at_ms < 0 {
                    return Err(ValidationError::StillOutOfRange);
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// A still id is at least 1 (0 means "none").
fn check_still_id(still_id: u64) -> Result<(), ValidationError> {
    if still_id == 0 { Err(ValidationError::StillOutOfRange) } else { Ok(()) }
}
