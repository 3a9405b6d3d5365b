//! Ticket domain types: categories, grades, the status workflow and the ticket record itself.

use serde::{Deserialize, Serialize};

use super::ids::TicketId;

/// Technical area a ticket belongs to (硬件 / 软件 / 网络 / 数据库 / 账号 / 其他).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Computers, printers, monitors, phones.
    Hardware,
    /// Applications and the operating system.
    Software,
    /// Wi-Fi, VPN, cabling, DNS.
    Network,
    /// Database servers, reports, queries.
    Database,
    /// Accounts, passwords and access rights.
    Account,
    /// Anything else.
    Other,
}

/// How urgent the requester's need is, or how wide the impact: three grades.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// Can wait, or affects one person lightly.
    Low,
    /// Should be handled today, or affects a team.
    Medium,
    /// Work is stopped, or many people are affected.
    High,
}

/// Priority derived from urgency and impact (一般 / 重要 / 紧急).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// 紧急: handle first.
    Urgent,
    /// 重要.
    Important,
    /// 一般.
    Normal,
}

/// Where a ticket is in its workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Just reported, nobody has it yet.
    New,
    /// Routed to an engineer who has not started.
    Assigned,
    /// An engineer is working on it.
    InProgress,
    /// Waiting for the requester: the SLA clock is paused.
    WaitingOnUser,
    /// Fixed, waiting for the requester to confirm.
    Resolved,
    /// Done.
    Closed,
}

/// Declares `ALL`, `as_str` and `parse` for a unit enum whose serde names are snake_case.
macro_rules! string_enum {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in display order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The stable name used in the database, exports and the CLI.
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }

            /// Parses a stable name; `None` for anything else.
            pub fn parse(text: &str) -> Option<Self> {
                match text.trim() { $($name => Some($ty::$variant),)+ _ => None }
            }
        }
    };
}

string_enum!(Category { Hardware => "hardware", Software => "software", Network => "network", Database => "database", Account => "account", Other => "other" });
string_enum!(Grade { High => "high", Medium => "medium", Low => "low" });
string_enum!(Priority { Urgent => "urgent", Important => "important", Normal => "normal" });
string_enum!(Status { New => "new", Assigned => "assigned", InProgress => "in_progress", WaitingOnUser => "waiting_on_user", Resolved => "resolved", Closed => "closed" });

impl Priority {
    /// The priority matrix: high = 2, medium = 1, low = 0; a sum of 3 or more is urgent,
    /// 2 is important, less is normal.
    pub fn from_grades(urgency: Grade, impact: Grade) -> Self {
        let score = |grade: Grade| match grade {
            Grade::High => 2,
            Grade::Medium => 1,
            Grade::Low => 0,
        };
        match score(urgency) + score(impact) {
            3.. => Priority::Urgent,
            2 => Priority::Important,
            _ => Priority::Normal,
        }
    }
}

impl Status {
    /// The statuses a ticket may move to from this one.
    pub fn next_allowed(self) -> &'static [Status] {
        use Status::*;
        match self {
            New => &[Assigned, InProgress],
            Assigned => &[InProgress, New],
            InProgress => &[WaitingOnUser, Resolved, Assigned],
            WaitingOnUser => &[InProgress, Resolved],
            Resolved => &[Closed, InProgress],
            Closed => &[InProgress],
        }
    }

    /// Whether `self → to` is a valid move.
    pub fn can_move_to(self, to: Status) -> bool {
        self.next_allowed().contains(&to)
    }

    /// Whether the SLA clock runs in this status (it is paused while waiting on the user and
    /// stopped once resolved).
    pub fn sla_clock_runs(self) -> bool {
        matches!(self, Status::New | Status::Assigned | Status::InProgress)
    }

    /// Whether the ticket still needs work.
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Resolved | Status::Closed)
    }

    /// Whether a first response has been given once the ticket reaches this status.
    pub fn counts_as_response(self) -> bool {
        !matches!(self, Status::New | Status::Assigned)
    }
}

/// The intake fields an engineer fills in when a request arrives (受理).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TicketFields {
    /// One-line summary.
    pub title: String,
    /// Who asked for help.
    pub requester_name: String,
    /// The requester's department.
    pub department: String,
    /// Phone extension, e-mail or chat handle.
    pub contact: String,
    /// Where the problem happens (building, floor, desk).
    pub location: String,
    /// Affected product or system.
    pub affected_system: String,
    /// Its version.
    pub affected_version: String,
    /// The symptom: what, when, how often, trigger, exact error text.
    pub description: String,
    /// What the requester expects.
    pub expectation: String,
    /// What the problem stops people from doing.
    pub business_impact: String,
}

/// Why a ticket form or an edit was refused; each variant names the field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// A required field is blank.
    #[error("{0} is required")]
    Required(&'static str),
    /// A field is longer than the store accepts.
    #[error("{field} is too long ({len_chars} characters, at most {max_chars})")]
    TooLong {
        /// The field's name.
        field: &'static str,
        /// Its length.
        len_chars: usize,
        /// The limit.
        max_chars: usize,
    },
    /// The reported time lies before [`EARLIEST_REPORTED_AT_MS`] or after now.
    #[error("the reported time must lie between 2000-01-01 and now")]
    ReportedAtOutOfRange,
}

/// Earliest plausible "reported" time, 2000-01-01 00:00 UTC (unix ms): older dates are typos.
pub const EARLIEST_REPORTED_AT_MS: i64 = 946_684_800_000;
/// How far after the store's clock a reported time may lie (two machines' clocks differ), ms.
pub const REPORTED_AT_SLACK_MS: i64 = 60_000;

/// Longest accepted single-line field, in characters.
pub const MAX_LINE_CHARS: usize = 200;
/// Longest accepted multi-line field, in characters.
pub const MAX_TEXT_CHARS: usize = 20_000;

impl TicketFields {
    /// Checks required fields and lengths; returns every problem, in form order.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for (name, value) in [("title", &self.title), ("requester_name", &self.requester_name)] {
            if value.trim().is_empty() {
                errors.push(FieldError::Required(name));
            }
        }
        if self.description.trim().is_empty() {
            errors.push(FieldError::Required("description"));
        }
        for (name, value, max_chars) in self.named_values() {
            let len_chars = value.chars().count();
            if len_chars > max_chars {
                errors.push(FieldError::TooLong { field: name, len_chars, max_chars });
            }
        }
        errors
    }

    /// Every field with its stable name and length limit.
    pub fn named_values(&self) -> [(&'static str, &String, usize); 10] {
        [
            ("title", &self.title, MAX_LINE_CHARS),
            ("requester_name", &self.requester_name, MAX_LINE_CHARS),
            ("department", &self.department, MAX_LINE_CHARS),
            ("contact", &self.contact, MAX_LINE_CHARS),
            ("location", &self.location, MAX_LINE_CHARS),
            ("affected_system", &self.affected_system, MAX_LINE_CHARS),
            ("affected_version", &self.affected_version, MAX_LINE_CHARS),
            ("description", &self.description, MAX_TEXT_CHARS),
            ("expectation", &self.expectation, MAX_TEXT_CHARS),
            ("business_impact", &self.business_impact, MAX_TEXT_CHARS),
        ]
    }

    /// Mutable access to a field by its stable name.
    pub fn field_mut(&mut self, name: &str) -> Option<&mut String> {
        Some(match name {
            "title" => &mut self.title,
            "requester_name" => &mut self.requester_name,
            "department" => &mut self.department,
            "contact" => &mut self.contact,
            "location" => &mut self.location,
            "affected_system" => &mut self.affected_system,
            "affected_version" => &mut self.affected_version,
            "description" => &mut self.description,
            "expectation" => &mut self.expectation,
            "business_impact" => &mut self.business_impact,
            _ => return None,
        })
    }
}

/// Everything needed to open a ticket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewTicket {
    /// Intake fields.
    pub fields: TicketFields,
    /// Technical area.
    pub category: Category,
    /// How urgent.
    pub urgency: Grade,
    /// How wide the impact.
    pub impact: Grade,
    /// When the problem was reported (unix ms); defaults to now.
    pub reported_at_ms: Option<i64>,
}

impl NewTicket {
    /// Checks the fields and that the reported time (if given) lies between
    /// [`EARLIEST_REPORTED_AT_MS`] and `now_ms`; returns every problem, in form order.
    pub fn validate(&self, now_ms: i64) -> Vec<FieldError> {
        let mut errors = self.fields.validate();
        let latest_ms = now_ms.saturating_add(REPORTED_AT_SLACK_MS);
        if self.reported_at_ms.is_some_and(|at_ms| !(EARLIEST_REPORTED_AT_MS..=latest_ms).contains(&at_ms)) {
            errors.push(FieldError::ReportedAtOutOfRange);
        }
        errors
    }
}

/// A ticket as stored, with its SLA bookkeeping.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    /// Database id.
    pub id: TicketId,
    /// Human-readable unique number, e.g. `T-20261123-0042`.
    pub number: String,
    /// Intake fields.
    pub fields: TicketFields,
    /// Technical area.
    pub category: Category,
    /// How urgent.
    pub urgency: Grade,
    /// How wide the impact.
    pub impact: Grade,
    /// Derived from urgency and impact.
    pub priority: Priority,
    /// Workflow state.
    pub status: Status,
    /// Engineer handling it, if any.
    pub assignee: Option<String>,
    /// Support tier (1, 2, 3).
    pub tier: i64,
    /// What fixed it.
    pub resolution: String,
    /// Requester's rating, 1–5.
    pub satisfaction: Option<i64>,
    /// Requester's comment on the rating.
    pub satisfaction_comment: String,
    /// When the problem was reported (unix ms).
    pub reported_at_ms: i64,
    /// When the ticket was opened; the SLA clock starts here (unix ms).
    pub created_at_ms: i64,
    /// Last change (unix ms).
    pub updated_at_ms: i64,
    /// Timing data for the SLA clock.
    pub sla: super::sla::SlaClock,
}
