//! What the desk lists: the sidebar's filters and rows, internal notes, and what an export or
//! import did.

use serde::{Deserialize, Serialize};

use super::ids::TicketId;
use super::sla::SlaClock;
use super::ticket::{Category, Priority, Status};
use super::timeline::ImportOrigin;

/// The "SLA" filter of the sidebar.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SlaFilter {
    /// No SLA filter.
    #[default]
    Any,
    /// At risk or already breached.
    AtRiskOrBreached,
    /// Breached only.
    Breached,
}

/// What the sidebar shows: all set filters must match.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketFilter {
    /// Free text over number, title, requester, description and notes.
    pub text: String,
    /// Only this status.
    pub status: Option<Status>,
    /// Only open tickets (not resolved or closed), when no status is chosen.
    pub open_only: bool,
    /// Only this priority.
    pub priority: Option<Priority>,
    /// Only this category.
    pub category: Option<Category>,
    /// Only this assignee; `Some("")` means unassigned.
    pub assignee: Option<String>,
    /// SLA state.
    pub sla: SlaFilter,
    /// On a team desk: everything, only mine, or only my team's.
    #[serde(default)]
    pub scope: TeamScope,
}

/// Which part of a team desk the list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TeamScope {
    /// Every ticket.
    #[default]
    All,
    /// Tickets assigned to the signed-in engineer.
    AssignedToMe,
    /// Tickets of the signed-in engineer's team.
    MyTeam,
}

/// One sidebar row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TicketSummary {
    /// Database id.
    pub id: TicketId,
    /// Ticket number.
    pub number: String,
    /// Title.
    pub title: String,
    /// Requester.
    pub requester_name: String,
    /// Priority.
    pub priority: Priority,
    /// Status.
    pub status: Status,
    /// Assignee.
    pub assignee: Option<String>,
    /// The SLA clock, read at draw time so the countdown ticks.
    pub sla: SlaClock,
}

/// One internal note of a ticket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// When it was written, unix ms.
    pub at_ms: i64,
    /// Who wrote it (as recorded; for imported notes, as the file said).
    pub author: String,
    /// The note.
    pub text: String,
    /// Set when the note came from an import file.
    pub imported: Option<ImportOrigin>,
}

/// File formats for export and import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// Every ticket with its notes and full timeline.
    Json,
    /// One row per ticket, intake and workflow fields only.
    Csv,
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Tickets added.
    pub imported: usize,
    /// Numbers already in the store, left as they were.
    pub skipped_existing: Vec<String>,
}
