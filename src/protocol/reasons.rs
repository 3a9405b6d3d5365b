//! Reasons sent over the wire as codes, not prose: which rule a peer broke, and why arrows are not
//! drawn over the user's real screen. Each side translates the code into its own language; the
//! optional detail is technical data (a field name, a size, an error from the system), shown as it
//! is.

use serde::{Deserialize, Serialize};

/// Which rule the other side broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ViolationCode {
    /// Its bytes could not be decoded (unknown encoding, oversized, malformed).
    Undecodable,
    /// A text field or screen size is beyond the limits.
    OutOfBounds,
    /// A message arrived before its hello.
    BeforeHello,
    /// A second hello, or one from the same role.
    UnexpectedHello,
    /// It sent something too fast or too often for one session.
    OverLimit,
    /// Consent was asked again after "Don't ask again".
    AskedAfterDontAskAgain,
    /// Consent was asked again within the wait after "Don't allow".
    AskedTooSoon,
    /// Consent was asked while a request or consent was in force.
    AskedWhileInForce,
    /// A consent decision arrived without a request.
    DecisionWithoutRequest,
    /// Scopes changed without consent.
    ScopesWithoutConsent,
    /// Pause or resume without consent.
    PauseWithoutConsent,
    /// A new step arrived before the current one was answered.
    StepBeforeAnswer,
    /// A screenshot was kept without consent to record.
    ScreenshotWithoutRecord,
    /// A message this side's peer may not send.
    NotAllowed,
}

impl ViolationCode {
    /// Stable name for transcripts.
    pub fn as_str(self) -> &'static str {
        match self {
            ViolationCode::Undecodable => "undecodable",
            ViolationCode::OutOfBounds => "out_of_bounds",
            ViolationCode::BeforeHello => "before_hello",
            ViolationCode::UnexpectedHello => "unexpected_hello",
            ViolationCode::OverLimit => "over_limit",
            ViolationCode::AskedAfterDontAskAgain => "asked_after_dont_ask_again",
            ViolationCode::AskedTooSoon => "asked_too_soon",
            ViolationCode::AskedWhileInForce => "asked_while_in_force",
            ViolationCode::DecisionWithoutRequest => "decision_without_request",
            ViolationCode::ScopesWithoutConsent => "scopes_without_consent",
            ViolationCode::PauseWithoutConsent => "pause_without_consent",
            ViolationCode::StepBeforeAnswer => "step_before_answer",
            ViolationCode::ScreenshotWithoutRecord => "screenshot_without_record",
            ViolationCode::NotAllowed => "not_allowed",
        }
    }

    /// Parses [`ViolationCode::as_str`] (transcripts).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|code| code.as_str() == name)
    }

    /// Every code.
    pub const ALL: [ViolationCode; 14] = [
        ViolationCode::Undecodable,
        ViolationCode::OutOfBounds,
        ViolationCode::BeforeHello,
        ViolationCode::UnexpectedHello,
        ViolationCode::OverLimit,
        ViolationCode::AskedAfterDontAskAgain,
        ViolationCode::AskedTooSoon,
        ViolationCode::AskedWhileInForce,
        ViolationCode::DecisionWithoutRequest,
        ViolationCode::ScopesWithoutConsent,
        ViolationCode::PauseWithoutConsent,
        ViolationCode::StepBeforeAnswer,
        ViolationCode::ScreenshotWithoutRecord,
        ViolationCode::NotAllowed,
    ];

    /// The rule in English (logs; the UI translates the code).
    pub fn english(self) -> &'static str {
        match self {
            ViolationCode::Undecodable => "a message could not be decoded",
            ViolationCode::OutOfBounds => "a message was beyond the limits",
            ViolationCode::BeforeHello => "a message arrived before hello",
            ViolationCode::UnexpectedHello => "unexpected hello",
            ViolationCode::OverLimit => "the peer sent too much",
            ViolationCode::AskedAfterDontAskAgain => "consent was requested again after the user asked not to be asked",
            ViolationCode::AskedTooSoon => "consent was requested again too soon after the user said no",
            ViolationCode::AskedWhileInForce => "consent was requested while a request or consent is in force",
            ViolationCode::DecisionWithoutRequest => "a consent decision arrived without a request",
            ViolationCode::ScopesWithoutConsent => "scopes changed without consent",
            ViolationCode::PauseWithoutConsent => "pause or resume without consent",
            ViolationCode::StepBeforeAnswer => "a new step arrived before the current one was answered",
            ViolationCode::ScreenshotWithoutRecord => "a screenshot was kept without the user's consent to record",
            ViolationCode::NotAllowed => "a message arrived that this peer may not send",
        }
    }
}

/// A broken rule: its code and, where there is one, the technical detail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// Which rule.
    pub code: ViolationCode,
    /// Technical detail (e.g. "display name is 5000 characters (at most 120)"), shown as it is.
    pub detail: Option<String>,
}

impl Violation {
    /// A violation without detail.
    pub fn new(code: ViolationCode) -> Self {
        Self { code, detail: None }
    }

    /// A violation with a technical detail.
    pub fn with_detail(code: ViolationCode, detail: impl Into<String>) -> Self {
        Self { code, detail: Some(detail.into()) }
    }
}

impl std::fmt::Display for Violation {
    /// English, for logs and tests: the rule, then the detail.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.detail {
            Some(detail) if !detail.is_empty() => write!(f, "{}: {detail}", self.code.english()),
            _ => f.write_str(self.code.english()),
        }
    }
}

/// Why arrows are not drawn over the user's real screen (shown in the Get-help window instead).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoOverlayCode {
    /// The screen cannot be captured here.
    ScreenNotCaptured,
    /// The user shares recorded frames or the built-in picture, not the live screen.
    NotLiveScreen,
    /// The shared monitor lies outside the desktop's coordinates.
    OutsideDesktop,
    /// This display cannot show an overlay (no X11 display, no SHAPE extension…).
    Unavailable,
    /// Drawing over the screen failed.
    Failed,
}

impl NoOverlayCode {
    /// The reason in English (logs; the UI translates the code).
    pub fn english(self) -> &'static str {
        match self {
            NoOverlayCode::ScreenNotCaptured => "the screen cannot be captured here",
            NoOverlayCode::NotLiveScreen => {
                "the user shares recorded frames or the built-in picture, not the live screen"
            }
            NoOverlayCode::OutsideDesktop => "the shared monitor lies outside the desktop's coordinates",
            NoOverlayCode::Unavailable => "arrows cannot be drawn over this screen",
            NoOverlayCode::Failed => "drawing over the screen failed",
        }
    }
}

/// Why arrows are not over the real screen: the code and, where there is one, the technical detail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoOverlay {
    /// Why.
    pub code: NoOverlayCode,
    /// Technical detail (an error from the display), shown as it is.
    pub detail: Option<String>,
}

impl NoOverlay {
    /// A reason without detail.
    pub fn new(code: NoOverlayCode) -> Self {
        Self { code, detail: None }
    }

    /// A reason with a technical detail.
    pub fn with_detail(code: NoOverlayCode, detail: impl Into<String>) -> Self {
        Self { code, detail: Some(detail.into()) }
    }

    /// The user's desktop is Wayland: no window may be put over other windows. Sent as
    /// `Unavailable` with [`WAYLAND_DESKTOP_DETAIL`], so a peer built before this reason
    /// existed decodes it and shows "arrows cannot be drawn over this screen (Wayland desktop)".
    pub fn wayland_desktop() -> Self {
        Self::with_detail(NoOverlayCode::Unavailable, WAYLAND_DESKTOP_DETAIL)
    }

    /// Whether this is [`NoOverlay::wayland_desktop`].
    pub fn is_wayland_desktop(&self) -> bool {
        self.code == NoOverlayCode::Unavailable && self.detail.as_deref() == Some(WAYLAND_DESKTOP_DETAIL)
    }
}

/// The detail that marks [`NoOverlay::wayland_desktop`] (English, shown as it is by older peers).
pub const WAYLAND_DESKTOP_DETAIL: &str = "Wayland desktop";

impl std::fmt::Display for NoOverlay {
    /// English, for logs: the reason, then the detail.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.detail {
            Some(detail) if !detail.is_empty() => write!(f, "{}: {detail}", self.code.english()),
            _ => f.write_str(self.code.english()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violation_codes_have_unique_stable_names() {
        for code in ViolationCode::ALL {
            assert_eq!(ViolationCode::parse(code.as_str()), Some(code));
        }
        let names: std::collections::HashSet<_> = ViolationCode::ALL.iter().map(|code| code.as_str()).collect();
        assert_eq!(names.len(), ViolationCode::ALL.len());
    }

    #[test]
    fn a_broken_rule_reaches_the_peer_as_a_code() {
        use crate::protocol::{
            EndReason, FrameDecoder, MAX_CONTROL_MESSAGE_BYTES, Message, Role, Session, encode_frame,
        };
        let mut user = Session::new(Role::User, "u", 0);
        user.handle_message(0, Message::Heartbeat);
        user.handle_message(0, Message::Pause);
        let expected = EndReason::ProtocolViolation(Violation::new(ViolationCode::BeforeHello));
        assert_eq!(user.ended(), Some(&expected));
        let told = std::iter::from_fn(|| user.poll_transmit(0)).find(|message| matches!(message, Message::End(_)));
        let Some(told) = told else { panic!("the peer is told why") };
        // Through the wire encoding and back: the code, not a sentence.
        let mut decoder = FrameDecoder::new(MAX_CONTROL_MESSAGE_BYTES);
        decoder.push(&encode_frame(&told).unwrap());
        assert_eq!(decoder.next_message::<Message>().unwrap(), Some(Message::End(expected)));
    }

    #[test]
    fn the_overlay_reason_travels_as_a_code_and_its_detail_is_bounded() {
        use crate::protocol::message::MAX_PURPOSE_CHARS;
        use crate::protocol::{Message, Role, Session};
        let mut user = Session::new(Role::User, "u", 0);
        let why = NoOverlay::with_detail(NoOverlayCode::Unavailable, "x".repeat(MAX_PURPOSE_CHARS + 50));
        user.announce_guidance_mode(false, Some(why)).unwrap();
        let sent = std::iter::from_fn(|| user.poll_transmit(0))
            .find_map(|message| match message {
                Message::GuidanceMode { overlay, why_not } => Some((overlay, why_not)),
                _ => None,
            })
            .expect("the mode is announced");
        let (overlay, Some(why_not)) = sent else { panic!("a reason goes with it") };
        assert!(!overlay);
        assert_eq!(why_not.code, NoOverlayCode::Unavailable);
        assert_eq!(why_not.detail.as_deref().map(|detail| detail.chars().count()), Some(MAX_PURPOSE_CHARS));
        let too_long = Message::GuidanceMode {
            overlay: false,
            why_not: Some(NoOverlay::with_detail(NoOverlayCode::Failed, "x".repeat(MAX_PURPOSE_CHARS + 1))),
        };
        assert!(too_long.validate().is_err(), "a peer's oversized detail is refused");
    }

    #[test]
    fn english_text_keeps_the_detail() {
        let violation = Violation::with_detail(ViolationCode::OutOfBounds, "display name is 5000 characters");
        assert_eq!(violation.to_string(), "a message was beyond the limits: display name is 5000 characters");
        assert_eq!(Violation::new(ViolationCode::UnexpectedHello).to_string(), "unexpected hello");
    }
}
