//! Guides of the knowledge base: ordered steps (instruction, expected result, an optional arrow)
//! with title, category, tags and language, and how often each step was answered.

use serde::{Deserialize, Serialize};

use super::ids::GuideId;
use super::ticket::Category;
use crate::protocol::Annotation;

/// Longest guide title, characters.
pub const MAX_GUIDE_TITLE_CHARS: usize = 200;
/// Most steps in one guide.
pub const MAX_GUIDE_STEPS: usize = 50;

/// One step of a guide.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuideStep {
    /// What to do, in plain language.
    pub instruction: String,
    /// "You should now see…" (may be empty).
    #[serde(default)]
    pub expected: String,
    /// Where the step points on the screen, if it carries an arrow or highlight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<StepPointer>,
}

/// An arrow or highlight kept with a guide step, in the pixels of the screen it was drawn on,
/// so it can be placed on the same relative spot of another screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepPointer {
    /// The arrow or highlight.
    pub annotation: Annotation,
    /// Width of the screen it was drawn on, pixels.
    pub screen_width: u32,
    /// Height of that screen, pixels.
    pub screen_height: u32,
}

impl StepPointer {
    /// The arrow placed on a screen of `width` × `height`, at the same relative spot.
    pub fn on_screen(&self, width: u32, height: u32) -> Annotation {
        let from = (self.screen_width, self.screen_height);
        Annotation { shape: self.annotation.shape.rescaled(from, (width, height)), ..self.annotation.clone() }
    }
}

/// A guide.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guide {
    /// Row id (0 for a guide not saved yet).
    #[serde(default)]
    pub id: GuideId,
    /// Title.
    pub title: String,
    /// Technical area.
    pub category: Category,
    /// Search tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Language code (`en`, `zh`).
    pub language: String,
    /// The steps, in order.
    pub steps: Vec<GuideStep>,
}

/// How a guide's step was answered in sessions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepStats {
    /// "Done".
    pub done: i64,
    /// "Didn't work".
    pub didnt_work: i64,
    /// "I'm stuck".
    pub stuck: i64,
}

/// A line of the guide list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuideSummary {
    /// Row id.
    pub id: GuideId,
    /// Title.
    pub title: String,
    /// Technical area.
    pub category: Category,
    /// Language code.
    pub language: String,
    /// Number of steps.
    pub step_count: usize,
}

/// Why a guide cannot be saved: a code the UI can translate (the English text is for logs).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GuideError {
    /// Blank or too long a title.
    #[error("a guide needs a title of 1 to {MAX_GUIDE_TITLE_CHARS} characters")]
    Title,
    /// No steps, or too many.
    #[error("a guide has 1 to {MAX_GUIDE_STEPS} steps")]
    StepCount,
    /// A step without an instruction.
    #[error("every step needs an instruction")]
    BlankInstruction,
    /// A step's arrow is out of bounds.
    #[error("{0}")]
    Pointer(String),
    /// A step's arrow without the size of the screen it was drawn on.
    #[error("a step's arrow needs the size of the screen it was drawn on")]
    PointerScreenSize,
}

impl Guide {
    /// Checks title, language and steps.
    pub fn validate(&self) -> Result<(), GuideError> {
        let title = self.title.trim();
        if title.is_empty() || title.chars().count() > MAX_GUIDE_TITLE_CHARS {
            return Err(GuideError::Title);
        }
        if self.steps.is_empty() || self.steps.len() > MAX_GUIDE_STEPS {
            return Err(GuideError::StepCount);
        }
        if self.steps.iter().any(|step| step.instruction.trim().is_empty()) {
            return Err(GuideError::BlankInstruction);
        }
        for pointer in self.steps.iter().filter_map(|step| step.pointer.as_ref()) {
            pointer.annotation.validate().map_err(|err| GuideError::Pointer(err.to_string()))?;
            if pointer.screen_width == 0 || pointer.screen_height == 0 {
                return Err(GuideError::PointerScreenSize);
            }
        }
        Ok(())
    }
}
