//! The session protocol as a pure, sans-IO state machine: messages and their encoding, join codes,
//! pairing (SPAKE2 bound to the TLS exporter), consent, chat, heartbeats. Time is passed in; no
//! sockets, no async runtime, no UI. The transport drives it; tests drive two peers in memory.

pub mod code;
pub mod framing;
pub mod guidance;
pub mod input;
pub mod limits;
pub mod message;
pub mod monitors;
pub mod pairing;
pub mod punch;
pub mod reasons;
pub mod screen;
pub mod session;
pub mod survey;
pub mod turn;
pub mod validation;

pub use code::{JoinCode, JoinLink, JoinLinkError, RelayCandidate, UserRelay};
pub use framing::{DecodeError, EncodeError, FrameDecoder, MAX_CONTROL_MESSAGE_BYTES, encode_frame};
pub use guidance::{Annotation, AnnotationColor, RemotePixel, Shape, StepCard, StepOutcome};
pub use input::{CONTROL_TAKE_BACK_MS, HeldInput, InputEvent, InputTally};
pub use message::{
    CONSENT_RETRY_WAIT_MS, ConsentRequest, Decision, EndReason, Handshake, HoldReason, MAX_CHAT_CHARS,
    MAX_CLIPBOARD_CHARS, MAX_NAME_CHARS, MAX_PURPOSE_CHARS, MAX_TICKET_TITLE_CHARS, Message, PROTOCOL_VERSION,
    PairingVerdict, Role, Scopes, SessionMode,
};
pub use monitors::{MAX_MONITORS, MonitorInfo, MonitorList};
pub use punch::PunchCandidates;
pub use reasons::{NoOverlay, NoOverlayCode, Violation, ViolationCode};
pub use session::{CommandError, ConsentState, NotNowReason, ReceivedFrame, Session, SessionCommand, SessionEvent};
pub use survey::{
    Answer, MAX_SURVEY_COMMENT_CHARS, SURVEY_MIN_SESSION_MS, SURVEY_WAIT_MS, SurveyAnswers, SurveyReply, SurveyTiming,
};
pub use turn::LinkPath;
pub use validation::{TextField, ValidationError};
