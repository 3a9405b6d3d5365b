//! Why a message (or a command's text) is out of bounds: one typed reason each, so a caller can
//! tell them apart; the English text (`Display`) is what logs and violation details show.

use super::message::{MAX_SCREEN_PIXELS, MAX_SCREEN_SIDE};

/// A text field with a length limit (its name in the English text).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextField {
    /// The display name in a hello.
    DisplayName,
    /// The engineer's name in a consent request.
    EngineerName,
    /// The team in a consent request.
    Team,
    /// The ticket number in a consent request.
    TicketNumber,
    /// The ticket title in a consent request.
    TicketTitle,
    /// The purpose in a consent request.
    Purpose,
    /// A chat line.
    ChatLine,
    /// The detail of why arrows are not over the real screen.
    GuidanceNote,
    /// The detail of a protocol violation in an end reason.
    EndReason,
    /// An annotation's label.
    AnnotationLabel,
    /// A step's instruction.
    StepInstruction,
    /// A step's expected result.
    ExpectedResult,
    /// The comment of a step answer.
    Comment,
    /// The comment of the exit survey.
    SurveyComment,
    /// Clipboard text sent under the control scope.
    Clipboard,
    /// A monitor's name in the user's list of monitors.
    MonitorName,
}

impl TextField {
    /// The field's name in English text.
    pub fn english(self) -> &'static str {
        match self {
            TextField::DisplayName => "display name",
            TextField::EngineerName => "engineer name",
            TextField::Team => "team",
            TextField::TicketNumber => "ticket number",
            TextField::TicketTitle => "ticket title",
            TextField::Purpose => "purpose",
            TextField::ChatLine => "chat line",
            TextField::GuidanceNote => "guidance note",
            TextField::EndReason => "end reason",
            TextField::AnnotationLabel => "annotation label",
            TextField::StepInstruction => "step instruction",
            TextField::ExpectedResult => "expected result",
            TextField::Comment => "comment",
            TextField::SurveyComment => "survey comment",
            TextField::Clipboard => "clipboard text",
            TextField::MonitorName => "monitor name",
        }
    }
}

impl std::fmt::Display for TextField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.english())
    }
}

/// Why a message or a command's input was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// A text is longer than its limit.
    #[error("{field} is {chars} characters (at most {max_chars})")]
    TooLong {
        /// Which text.
        field: TextField,
        /// Its length, characters.
        chars: usize,
        /// The limit, characters.
        max_chars: usize,
    },
    /// A step's position is not within its guide (1 ≤ index ≤ total).
    #[error("step {index} of {total} is out of range")]
    StepOutOfRange {
        /// The step's number.
        index: u32,
        /// The number of steps.
        total: u32,
    },
    /// A step without an instruction.
    #[error("the step has no instruction")]
    NoInstruction,
    /// A chat line with nothing but blanks.
    #[error("the message is empty")]
    EmptyChatLine,
    /// An announced screen size no screen has.
    #[error(
        "a screen of {width}×{height} pixels is not plausible (at most {MAX_SCREEN_SIDE} per side and 7680×4320 in area)"
    )]
    ImplausibleScreen {
        /// Width, pixels.
        width: u32,
        /// Height, pixels.
        height: u32,
    },
    /// A still's id, last update number or capture time is zero or negative.
    #[error("the still's id, update number or capture time is out of range")]
    StillOutOfRange,
    /// More direct-path candidates than a side may tell.
    #[error("{count} direct-path candidates (at most {max})", max = super::punch::MAX_PUNCH_CANDIDATES)]
    TooManyCandidates {
        /// How many were told.
        count: usize,
    },
    /// A remote control input no screen or keyboard produces.
    #[error("the input's {what} is out of range")]
    ImplausibleInput {
        /// Which part.
        what: &'static str,
    },
    /// A list of monitors that is empty or longer than [`crate::protocol::monitors::MAX_MONITORS`].
    #[error("a list of {count} monitors is not plausible")]
    MonitorCount {
        /// How many were sent.
        count: usize,
    },
    /// A monitor index that is not in the list.
    #[error("monitor {index} is not among the {count}")]
    MonitorOutOfRange {
        /// The index.
        index: u32,
        /// How many monitors the list has (or may have).
        count: usize,
    },
    /// A monitor placed implausibly far from the desktop's origin.
    #[error("a monitor at {x},{y} is not plausible")]
    ImplausibleMonitorPosition {
        /// Left edge, pixels.
        x: i32,
        /// Top edge, pixels.
        y: i32,
    },
    /// The survey's rating is not 1–5.
    #[error("the rating {rating} is not between 1 and 5")]
    RatingOutOfRange {
        /// What was sent.
        rating: u8,
    },
}

/// Refuses `text` when it is longer than `max_chars` characters.
pub(crate) fn check_length(field: TextField, text: &str, max_chars: usize) -> Result<(), ValidationError> {
    let chars = text.chars().count();
    if chars > max_chars { Err(ValidationError::TooLong { field, chars, max_chars }) } else { Ok(()) }
}

/// Checks an announced screen size: both sides at least one pixel, at most [`MAX_SCREEN_SIDE`],
/// and the area at most [`MAX_SCREEN_PIXELS`].
pub fn check_screen_size(width: u32, height: u32) -> Result<(), ValidationError> {
    let area = u64::from(width) * u64::from(height);
    if width == 0 || height == 0 || width > MAX_SCREEN_SIDE || height > MAX_SCREEN_SIDE || area > MAX_SCREEN_PIXELS {
        return Err(ValidationError::ImplausibleScreen { width, height });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_english_text_stays_as_it_was() {
        let too_long = check_length(TextField::DisplayName, &"x".repeat(121), 120).unwrap_err();
        assert_eq!(too_long, ValidationError::TooLong { field: TextField::DisplayName, chars: 121, max_chars: 120 });
        assert_eq!(too_long.to_string(), "display name is 121 characters (at most 120)");
        assert_eq!(check_length(TextField::Comment, "好的", 2), Ok(()), "characters, not bytes");
        assert_eq!(ValidationError::StepOutOfRange { index: 0, total: 3 }.to_string(), "step 0 of 3 is out of range");
        assert_eq!(
            check_screen_size(0, 10).unwrap_err().to_string(),
            "a screen of 0×10 pixels is not plausible (at most 16384 per side and 7680×4320 in area)"
        );
        assert_eq!(check_screen_size(16_385, 1), Err(ValidationError::ImplausibleScreen { width: 16_385, height: 1 }));
        assert_eq!(
            check_screen_size(7_681, 4_320),
            Err(ValidationError::ImplausibleScreen { width: 7_681, height: 4_320 })
        );
        assert_eq!(check_screen_size(7_680, 4_320), Ok(()));
    }
}
