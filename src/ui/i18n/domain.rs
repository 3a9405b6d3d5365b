//! Words for the domain's values: ticket status, priority, category, grade, field names, SLA
//! targets, default chat phrases, and what the screen capture shares or why it cannot.

use super::{Category, Grade, Lang, Priority, SlaTarget, Status, Text};

/// Translated status name.
pub fn status_text(status: Status) -> Text {
    match status {
        Status::New => Text::StatusNew,
        Status::Assigned => Text::StatusAssigned,
        Status::InProgress => Text::StatusInProgress,
        Status::WaitingOnUser => Text::StatusWaiting,
        Status::Resolved => Text::StatusResolved,
        Status::Closed => Text::StatusClosed,
    }
}

/// Translated priority name.
pub fn priority_text(priority: Priority) -> Text {
    match priority {
        Priority::Urgent => Text::PriorityUrgent,
        Priority::Important => Text::PriorityImportant,
        Priority::Normal => Text::PriorityNormal,
    }
}

/// Translated category name.
pub fn category_text(category: Category) -> Text {
    match category {
        Category::Hardware => Text::CategoryHardware,
        Category::Software => Text::CategorySoftware,
        Category::Network => Text::CategoryNetwork,
        Category::Database => Text::CategoryDatabase,
        Category::Account => Text::CategoryAccount,
        Category::Other => Text::CategoryOther,
    }
}

/// Translated grade name.
pub fn grade_text(grade: Grade) -> Text {
    match grade {
        Grade::High => Text::GradeHigh,
        Grade::Medium => Text::GradeMedium,
        Grade::Low => Text::GradeLow,
    }
}

/// The shipped canned chat phrases of `lang` (`{name}` stands for the engineer's name).
pub fn default_phrases(lang: Lang) -> Vec<String> {
    [Text::PhraseGreeting, Text::PhraseUpdate, Text::PhraseSaveWork, Text::PhraseClosing]
        .iter()
        .map(|text| text.get(lang).to_owned())
        .collect()
}

/// Translated label of an intake field by its stable name.
pub fn field_text(name: &str) -> Option<Text> {
    Some(match name {
        "title" => Text::FieldTitle,
        "requester_name" => Text::FieldRequester,
        "department" => Text::FieldDepartment,
        "contact" => Text::FieldContact,
        "location" => Text::FieldLocation,
        "affected_system" => Text::FieldSystem,
        "affected_version" => Text::FieldVersion,
        "description" => Text::FieldDescription,
        "expectation" => Text::FieldExpectation,
        "business_impact" => Text::FieldImpact,
        _ => return None,
    })
}

/// The countdown template for a deadline: (left, overdue).
pub fn sla_texts(target: SlaTarget) -> (Text, Text) {
    match target {
        SlaTarget::Response => (Text::SlaResponseLeft, Text::SlaResponseOverdue),
        SlaTarget::Resolution => (Text::SlaResolutionLeft, Text::SlaResolutionOverdue),
    }
}

/// Why the screen cannot be shared, in the user's language (technical details stay as they are).
pub fn capture_error_text(error: &crate::capture::CaptureError, lang: Lang) -> String {
    use crate::capture::CaptureError;
    match error {
        CaptureError::WaylandOnly => Text::CaptureWaylandOnly.get(lang).to_owned(),
        CaptureError::NoDisplay => Text::CaptureNoDisplay.get(lang).to_owned(),
        CaptureError::PickerCancelled => Text::CapturePickerCancelled.get(lang).to_owned(),
        CaptureError::PortalFailed(detail) => Text::CapturePortalFailed.fill(lang, &[detail]),
        other => other.to_string(),
    }
}

/// What a screen source shares, in the user's language.
pub fn source_label_text(label: &crate::capture::SourceLabel, lang: Lang) -> String {
    use crate::capture::SourceLabel;
    match label {
        SourceLabel::Monitor { number, width, height } => {
            Text::SourceMonitor.fill(lang, &[&number.to_string(), &width.to_string(), &height.to_string()])
        }
        SourceLabel::WholeScreen { width, height } => {
            Text::SourceWholeScreen.fill(lang, &[&width.to_string(), &height.to_string()])
        }
        SourceLabel::RecordedFrames { dir } => Text::SourceRecordedFrames.fill(lang, &[&dir.display().to_string()]),
        SourceLabel::DemoPicture => Text::SourceDemoPicture.get(lang).to_owned(),
        SourceLabel::SystemPicker => Text::SourceSystemPicker.get(lang).to_owned(),
    }
}
