//! Guidance on the wire: annotation shapes in remote screen pixels, and guided steps that the
//! user answers one at a time. Pure data; the rules live in [`super::session::Session`].

use serde::{Deserialize, Serialize};

use super::validation::{TextField, ValidationError, check_length};

/// Longest annotation label, characters.
pub const MAX_LABEL_CHARS: usize = 60;
/// Longest step instruction or expected result, characters.
pub const MAX_STEP_CHARS: usize = 1_000;
/// Longest answer comment, characters.
pub const MAX_COMMENT_CHARS: usize = 500;

/// A point in the shared screen's pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemotePixel {
    /// Column.
    pub x: u32,
    /// Row.
    pub y: u32,
}

/// What is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Shape {
    /// An arrow from tail to head (the head points at the place).
    Arrow {
        /// Tail.
        tail: RemotePixel,
        /// Head.
        head: RemotePixel,
    },
    /// A rectangle drawn around something.
    Highlight {
        /// One corner.
        from: RemotePixel,
        /// The opposite corner.
        to: RemotePixel,
    },
}

/// The few colours an engineer can pick.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum AnnotationColor {
    /// Red (default).
    #[default]
    Red,
    /// Yellow.
    Yellow,
    /// Green.
    Green,
    /// Blue.
    Blue,
}

impl AnnotationColor {
    /// Every colour, in picker order.
    pub const ALL: [AnnotationColor; 4] =
        [AnnotationColor::Red, AnnotationColor::Yellow, AnnotationColor::Green, AnnotationColor::Blue];

    /// Stable name for transcripts.
    pub fn as_str(self) -> &'static str {
        match self {
            AnnotationColor::Red => "red",
            AnnotationColor::Yellow => "yellow",
            AnnotationColor::Green => "green",
            AnnotationColor::Blue => "blue",
        }
    }
}

/// One arrow or highlight on the user's screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annotation {
    /// Sender-local id (undo removes by id).
    pub id: u64,
    /// The shape.
    pub shape: Shape,
    /// Optional short label.
    pub label: String,
    /// Colour.
    pub color: AnnotationColor,
    /// Fades after this long, ms (0 = stays until cleared).
    pub fade_ms: u32,
}

/// One guided step as the user sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepCard {
    /// Id of the step within the session.
    pub step_id: u64,
    /// Position, from 1.
    pub index: u32,
    /// Steps in the guide.
    pub total: u32,
    /// The instruction, in plain language.
    pub instruction: String,
    /// "You should now see…", if any.
    pub expected: String,
    /// An arrow or highlight that belongs to the step.
    pub annotation: Option<Annotation>,
}

/// The user's answer to a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StepOutcome {
    /// Done.
    Done,
    /// Didn't work.
    DidntWork,
    /// I'm stuck.
    Stuck,
}

impl StepOutcome {
    /// Stable name for transcripts and statistics.
    pub fn as_str(self) -> &'static str {
        match self {
            StepOutcome::Done => "done",
            StepOutcome::DidntWork => "didnt_work",
            StepOutcome::Stuck => "stuck",
        }
    }
}

impl RemotePixel {
    /// The same relative spot on a screen of size `to` (this pixel lies on one of size `from`).
    pub fn rescaled(self, from: (u32, u32), to: (u32, u32)) -> Self {
        let scale = |value: u32, from: u32, to: u32| {
            if from == 0 {
                return value.min(to.saturating_sub(1));
            }
            let scaled = (u64::from(value) * u64::from(to) + u64::from(from) / 2) / u64::from(from);
            u32::try_from(scaled).unwrap_or(u32::MAX).min(to.saturating_sub(1))
        };
        Self { x: scale(self.x, from.0, to.0), y: scale(self.y, from.1, to.1) }
    }
}

impl Shape {
    /// The same shape on a screen of size `to` (it was drawn on one of size `from`).
    pub fn rescaled(self, from: (u32, u32), to: (u32, u32)) -> Self {
        match self {
            Shape::Arrow { tail, head } => {
                Shape::Arrow { tail: tail.rescaled(from, to), head: head.rescaled(from, to) }
            }
            Shape::Highlight { from: start, to: end } => {
                Shape::Highlight { from: start.rescaled(from, to), to: end.rescaled(from, to) }
            }
        }
    }
}

impl Annotation {
    /// Checks the label length.
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_length(TextField::AnnotationLabel, &self.label, MAX_LABEL_CHARS)
    }
}

impl StepCard {
    /// Checks text lengths and position.
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_length(TextField::StepInstruction, &self.instruction, MAX_STEP_CHARS)?;
        check_length(TextField::ExpectedResult, &self.expected, MAX_STEP_CHARS)?;
        if self.index == 0 || self.index > self.total {
            return Err(ValidationError::StepOutOfRange { index: self.index, total: self.total });
        }
        if self.instruction.trim().is_empty() {
            return Err(ValidationError::NoInstruction);
        }
        self.annotation.as_ref().map_or(Ok(()), Annotation::validate)
    }
}

/// Checks an answer comment.
pub fn validate_comment(comment: &str) -> Result<(), ValidationError> {
    check_length(TextField::Comment, comment, MAX_COMMENT_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spot_keeps_its_relative_place_on_another_screen_size() {
        let pixel = RemotePixel { x: 960, y: 540 };
        assert_eq!(pixel.rescaled((1920, 1080), (1280, 720)), RemotePixel { x: 640, y: 360 });
        assert_eq!(pixel.rescaled((1920, 1080), (1920, 1080)), pixel);
        // Never past the last pixel, and a zero-sized origin cannot divide by zero.
        let corner = RemotePixel { x: 1919, y: 1079 };
        assert_eq!(corner.rescaled((1920, 1080), (3840, 2160)), RemotePixel { x: 3838, y: 2158 });
        assert_eq!(RemotePixel { x: 5000, y: 5 }.rescaled((0, 0), (100, 100)), RemotePixel { x: 99, y: 5 });
        let arrow = Shape::Arrow { tail: RemotePixel { x: 0, y: 0 }, head: pixel };
        assert_eq!(
            arrow.rescaled((1920, 1080), (960, 540)),
            Shape::Arrow { tail: RemotePixel { x: 0, y: 0 }, head: RemotePixel { x: 480, y: 270 } }
        );
    }
}
