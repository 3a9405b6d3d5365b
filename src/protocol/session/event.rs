//! What a session reports to the app: [`SessionEvent`]s for the UI and the transcript, and,
//! apart from them, the screen updates it accepted ([`ReceivedFrame`]).

use crate::protocol::guidance::{Annotation, StepCard, StepOutcome};
use crate::protocol::message::{ConsentRequest, EndReason, HoldReason, Role, Scopes, SessionMode};
use crate::protocol::monitors::MonitorList;
use crate::protocol::reasons::NoOverlay;
use crate::protocol::survey::SurveyReply;

/// Something that happened, for the UI and the transcript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionEvent {
    /// The peer said hello.
    PeerHello {
        /// Its display name.
        display_name: String,
    },
    /// The engineer asked for consent (both sides see this).
    ConsentRequested(ConsentRequest),
    /// Consent granted with these scopes.
    ConsentGranted(Scopes),
    /// Consent refused.
    ConsentDenied {
        /// The user chose "Don't ask again in this session".
        dont_ask_again: bool,
        /// When the engineer may ask again, unix ms (this side's clock); `None`: not in this
        /// session.
        ask_again_at_ms: Option<i64>,
    },
    /// The user changed the scopes.
    ScopesChanged(Scopes),
    /// The user paused sharing.
    SharingPaused,
    /// The user resumed sharing.
    SharingResumed,
    /// The user withdrew consent.
    ConsentRevoked,
    /// A chat line.
    Chat {
        /// Who wrote it.
        from: Role,
        /// Sender-local id.
        id: u64,
        /// When it was written (sender's clock), unix ms.
        at_ms: i64,
        /// The text.
        text: String,
    },
    /// The viewer lost track of the screen: the next update must be a keyframe (user side).
    KeyframeRequested,
    /// An arrow or highlight: drawn by the engineer (engineer side) or to show (user side).
    Annotation(Annotation),
    /// One annotation removed (undo).
    AnnotationRemoved {
        /// Its id.
        id: u64,
    },
    /// Every annotation removed (cleared, or the pointers scope stopped).
    AnnotationsCleared,
    /// A step went out (engineer) or arrived (user); `resent` when it is the same step again.
    StepSent {
        /// The card.
        card: StepCard,
        /// Sent again unchanged.
        resent: bool,
    },
    /// The current step was edited and sent again.
    StepEdited(StepCard),
    /// The current step was skipped (no answer expected).
    StepSkipped {
        /// The step.
        step_id: u64,
    },
    /// The user answered the current step.
    StepAnswered {
        /// The step.
        step_id: u64,
        /// The answer.
        outcome: StepOutcome,
        /// The user's comment.
        comment: String,
        /// Seconds from sending to the answer (engineer side; 0 on the user side).
        seconds: i64,
    },
    /// How the user's side shows arrows (engineer side).
    GuidanceMode {
        /// Over the real screen; otherwise in the Get-help window over a picture.
        overlay: bool,
        /// Why not over the real screen, as a code (`None` when `overlay`).
        why_not: Option<NoOverlay>,
    },
    /// The session is on hold (both sides): nothing is shared, drawn or asked meanwhile.
    Held(HoldReason),
    /// The hold is over.
    Unheld,
    /// The user side announced the size of the shared screen (engineer side).
    ScreenAnnounced {
        /// Width, pixels.
        width: u32,
        /// Height, pixels.
        height: u32,
    },
    /// The engineer kept a screenshot under the record scope (both sides; the engineer's side
    /// copies the picture when it sees this event, the user's side tells the user).
    ScreenshotTaken {
        /// When, unix ms (engineer's clock).
        at_ms: i64,
    },
    /// The user's pointer moved (engineer side, only while the screen is shared).
    CursorMoved {
        /// Column, screen pixels.
        x: u32,
        /// Row, screen pixels.
        y: u32,
    },
    /// The connection dropped; the session may resume.
    Disconnected,
    /// The connection is back.
    Reconnected {
        /// How long it was gone, ms.
        gap_ms: i64,
    },
    /// The session is over.
    Ended {
        /// Why.
        reason: EndReason,
        /// Whether the other side ended it.
        by_peer: bool,
    },
    /// User side, after a normal end: show the exit survey (never blocking Close).
    SurveyOffered,
    /// The user's survey reply: sent (user side) or received (engineer side). A session too short
    /// to rate gives none.
    SurveyReplied(SurveyReply),
    /// Engineer side: the link ended before the survey's reply came.
    SurveyLost,
    /// The engineer asked to use the user's mouse and keyboard (both sides).
    ControlRequested,
    /// The user refused the control request.
    ControlDeclined,
    /// The user granted the control scope.
    ControlGranted,
    /// The user revoked the control scope (the bar's button or the hotkey).
    ControlRevoked,
    /// The user's own input took control back for a moment (local input wins).
    ControlTakenBack,
    /// Clipboard text was sent (by this side or the peer): who and how long, never the text.
    ClipboardShared {
        /// Who sent it.
        from: Role,
        /// Its length, characters.
        chars: u32,
    },
    /// Engineer: the user's monitors and which one is shared.
    MonitorsAnnounced(MonitorList),
    /// The engineer asked to share another monitor (both sides; the user's side asks its user).
    MonitorSwitchRequested {
        /// The monitor asked for, in the user's list.
        index: u32,
    },
    /// The user answered a monitor request (both sides).
    MonitorSwitchAnswered {
        /// The monitor asked for, in the user's list.
        index: u32,
        /// Whether the user agreed.
        accepted: bool,
    },
    /// The peer's clipboard text, for this side's user to copy on a click (never recorded).
    ClipboardReceived {
        /// The text.
        text: String,
    },
    /// The session switched between live and guidance-only (both sides).
    ModeChanged {
        /// The new mode.
        mode: SessionMode,
        /// Who switched.
        by: Role,
    },
    /// The engineer asked for a still (both sides; the user's side takes it).
    StillRequested {
        /// The still.
        still_id: u64,
    },
    /// A still is complete: sent (user side) or announced (engineer side; shown once update
    /// `last_seq` is applied).
    StillTaken {
        /// The still.
        still_id: u64,
        /// Sequence number of its last (exact) update.
        last_seq: u64,
        /// When it was captured, unix ms (user's clock).
        captured_at_ms: i64,
        /// Engineer side: the record scope is in force, so the still may be kept (false on the
        /// user's side).
        keep: bool,
    },
    /// How many input events went through in one minute (never the events themselves).
    ControlInputCounted {
        /// Start of the minute, unix ms (this side's clock).
        minute_start_ms: i64,
        /// Events sent (engineer) or applied (user).
        count: u32,
    },
    /// The peer told the path its side of the connection takes (the transport combines it with
    /// this side's: relayed when either side is).
    PeerPath(crate::protocol::LinkPath),
    /// The peer told where it may be reached directly (the transport checks those addresses and
    /// moves the connection to a direct path when one works both ways).
    PeerCandidates(crate::protocol::PunchCandidates),
}

/// A screen update the engineer's side accepted (the view scope was in force), polled with
/// [`super::Session::poll_received_frame`]. It never rides the [`SessionEvent`] queue: it may be
/// megabytes, and only the viewer wants it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedFrame {
    /// Sequence number (the sender's order of updates).
    pub seq: u64,
    /// The encoded update (a screen envelope around a codec update).
    pub data: Vec<u8>,
}
