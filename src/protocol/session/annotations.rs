//! Arrows and highlights: drawn by the engineer only under the pointers scope, cleared on the
//! user's side the moment that scope stops; how the user's side shows them.

use super::{CommandError, NotNowReason, Session, SessionEvent};
use crate::protocol::guidance::Annotation;
use crate::protocol::message::{MAX_PURPOSE_CHARS, Message, Role};
use crate::protocol::reasons::NoOverlay;

impl Session {
    /// Engineer: draw an arrow or highlight on the user's screen (needs the pointers scope).
    pub fn annotate(&mut self, annotation: Annotation) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        annotation.validate().map_err(CommandError::Invalid)?;
        if !self.pointers_allowed() {
            return Err(CommandError::NotNow(NotNowReason::ArrowsNotAllowed));
        }
        self.annotations_visible = true;
        self.outbox.push_back(Message::Annotate(annotation.clone()));
        self.emit(SessionEvent::Annotation(annotation));
        Ok(())
    }

    /// Engineer: remove one annotation (undo).
    pub fn remove_annotation(&mut self, id: u64) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        self.outbox.push_back(Message::RemoveAnnotation { id });
        self.emit(SessionEvent::AnnotationRemoved { id });
        Ok(())
    }

    /// Engineer: remove every annotation.
    pub fn clear_annotations(&mut self) -> Result<(), CommandError> {
        self.require(Role::Engineer)?;
        self.outbox.push_back(Message::ClearAnnotations);
        self.annotations_visible = true;
        self.clear_annotations_locally();
        Ok(())
    }

    pub(super) fn clear_annotations_locally(&mut self) {
        if self.annotations_visible {
            self.annotations_visible = false;
            self.emit(SessionEvent::AnnotationsCleared);
        }
    }

    /// User side: arrows disappear the moment they are no longer allowed.
    pub(super) fn drop_annotations_if_not_allowed(&mut self) {
        if self.role == Role::User && !self.pointers_allowed() {
            self.clear_annotations_locally();
        }
    }

    /// User: tell the engineer how arrows will be shown, and why not over the real screen.
    pub fn announce_guidance_mode(&mut self, overlay: bool, why_not: Option<NoOverlay>) -> Result<(), CommandError> {
        self.require(Role::User)?;
        let why_not = why_not.map(|mut why| {
            why.detail = why.detail.map(|detail| detail.chars().take(MAX_PURPOSE_CHARS).collect());
            why
        });
        self.outbox.push_back(Message::GuidanceMode { overlay, why_not });
        Ok(())
    }
}
