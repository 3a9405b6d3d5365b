//! The monthly report, pure: a query (date range and filters), the plain inputs the store loads
//! for it, and every chart's data as typed rows, computed by [`Report::compute`]. Weeks are ISO
//! weeks in UTC; "closed" means a ticket's first move to resolved or closed.

mod compute;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use super::guide::StepStats;
use super::ids::{GuideId, TicketId};
use super::session::{SessionRecord, SurveyRecord};
use super::sla::{SlaClock, SlaTarget};
use super::ticket::{Category, Priority, Status};

/// One day, ms.
pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// A resolution reopened within this time does not count as a first-contact resolution.
pub const REOPEN_WINDOW_MS: i64 = 7 * DAY_MS;
/// How many breaches the report lists (the most overdue; the SLA rows count all of them).
pub const MAX_BREACHES: usize = 1_000;
/// How many failing guide steps the report lists.
pub const MAX_FAILING_STEPS: usize = 10;
/// Number of categories, the length of the per-category arrays ([`Category::ALL`] order).
pub const CATEGORY_COUNT: usize = 6;

/// What a report covers: `[from_ms, to_ms)` and optional filters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportQuery {
    /// Start of the range, unix ms (inclusive).
    pub from_ms: i64,
    /// End of the range, unix ms (exclusive).
    pub to_ms: i64,
    /// Only tickets of this category.
    pub category: Option<Category>,
    /// Only tickets of this priority.
    pub priority: Option<Priority>,
    /// Only tickets assigned to, and sessions run by, this engineer.
    pub engineer: Option<String>,
}

impl ReportQuery {
    /// Whether a ticket passes the category, priority and engineer filters.
    pub fn admits(&self, ticket: &ReportTicket) -> bool {
        self.category.is_none_or(|category| category == ticket.category)
            && self.priority.is_none_or(|priority| priority == ticket.priority)
            && self.engineer.as_deref().is_none_or(|name| ticket.assignee.as_deref() == Some(name))
    }

    /// Whether `at_ms` lies in the range.
    pub fn contains(&self, at_ms: i64) -> bool {
        (self.from_ms..self.to_ms).contains(&at_ms)
    }
}

/// What the report needs of a ticket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportTicket {
    /// Row id.
    pub id: TicketId,
    /// Ticket number shown to people.
    pub number: String,
    /// Title (customer text: shown in the breaches list, never logged).
    pub title: String,
    /// Technical area.
    pub category: Category,
    /// Priority.
    pub priority: Priority,
    /// Current status.
    pub status: Status,
    /// Current assignee.
    pub assignee: Option<String>,
    /// When it was created, unix ms.
    pub created_at_ms: i64,
    /// Its SLA clock as it stands.
    pub sla: SlaClock,
    /// A rating the engineer entered by hand (1–5).
    pub satisfaction: Option<i64>,
}

/// A workflow move from the ticket's timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusMove {
    /// The ticket.
    pub ticket_id: TicketId,
    /// When, unix ms.
    pub at_ms: i64,
    /// Status before.
    pub from: Status,
    /// Status after.
    pub to: Status,
}

/// A guide step with its answer counts (all time: answers are counted, not dated).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuideStepCounts {
    /// The guide.
    pub guide_id: GuideId,
    /// Its title.
    pub guide_title: String,
    /// The step's position, 0-based.
    pub step_index: i64,
    /// The step's instruction.
    pub instruction: String,
    /// How it was answered.
    pub stats: StepStats,
}

/// Everything a report is computed from, as the store loads it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportInputs {
    /// Tickets created in the range, touched in it, open, or with sessions or surveys in it.
    pub tickets: Vec<ReportTicket>,
    /// Their workflow moves, in time order per ticket.
    pub moves: Vec<StatusMove>,
    /// Sessions started in the range, and earlier sessions of the tickets.
    pub sessions: Vec<SessionRecord>,
    /// Surveys offered in the range.
    pub surveys: Vec<SurveyRecord>,
    /// Guide steps with their answer counts.
    pub guide_steps: Vec<GuideStepCounts>,
    /// Jargon hints offered and taken in the range (by the chosen engineer, if one is).
    pub jargon_hints: HintTally,
}

/// Jargon hints: offered (shown for text that was sent, or taken) and taken.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HintTally {
    /// Hints offered.
    pub offered: u32,
    /// Hints whose plain phrase the engineer took.
    pub accepted: u32,
}

/// An ISO week (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct IsoWeek {
    /// ISO week-numbering year.
    pub year: i32,
    /// Week 1–53.
    pub week: u32,
}

impl IsoWeek {
    /// The week `at_ms` falls in.
    pub fn of(at_ms: i64) -> Self {
        use chrono::Datelike;
        let date = chrono::DateTime::from_timestamp_millis(at_ms).unwrap_or_default().date_naive();
        let iso = date.iso_week();
        IsoWeek { year: iso.year(), week: iso.week() }
    }

    /// `2026-W05`.
    pub fn label(self) -> String {
        format!("{}-W{:02}", self.year, self.week)
    }
}

/// Tickets opened and closed in one week, per category ([`Category::ALL`] order).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekRow {
    /// The week.
    pub week: IsoWeek,
    /// Opened per category.
    pub opened: [u32; CATEGORY_COUNT],
    /// Closed (first resolved or closed) per category.
    pub closed: [u32; CATEGORY_COUNT],
}

/// How long a ticket of the backlog has been open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeBucket {
    /// Less than a day.
    UnderOneDay,
    /// One to three days.
    OneToThreeDays,
    /// Three to seven days.
    ThreeToSevenDays,
    /// More than seven days.
    OverSevenDays,
}

impl AgeBucket {
    /// Every bucket, youngest first.
    pub const ALL: [AgeBucket; 4] =
        [AgeBucket::UnderOneDay, AgeBucket::OneToThreeDays, AgeBucket::ThreeToSevenDays, AgeBucket::OverSevenDays];

    /// The bucket of an age.
    pub fn of(age_ms: i64) -> Self {
        if age_ms < DAY_MS {
            AgeBucket::UnderOneDay
        } else if age_ms < 3 * DAY_MS {
            AgeBucket::OneToThreeDays
        } else if age_ms <= 7 * DAY_MS {
            AgeBucket::ThreeToSevenDays
        } else {
            AgeBucket::OverSevenDays
        }
    }

    /// Stable name (`under_one_day`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            AgeBucket::UnderOneDay => "under_one_day",
            AgeBucket::OneToThreeDays => "one_to_three_days",
            AgeBucket::ThreeToSevenDays => "three_to_seven_days",
            AgeBucket::OverSevenDays => "over_seven_days",
        }
    }
}

/// Open tickets of one age bucket at the end of the range (or now, if earlier).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BacklogRow {
    /// The bucket.
    pub bucket: AgeBucket,
    /// Open tickets per category.
    pub open: [u32; CATEGORY_COUNT],
}

/// SLA attainment of one priority: decided deadlines met and missed (still running ones are not
/// counted until they are met or missed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SlaRow {
    /// The priority.
    pub priority: Priority,
    /// First responses in time.
    pub response_met: u32,
    /// First responses late, or overdue and still missing.
    pub response_missed: u32,
    /// Share of responses in time, percent (none when nothing was decided).
    pub response_percent: Option<f64>,
    /// Resolutions in time.
    pub resolution_met: u32,
    /// Resolutions late, or overdue and still open.
    pub resolution_missed: u32,
    /// Share of resolutions in time, percent.
    pub resolution_percent: Option<f64>,
}

/// A missed deadline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreachRow {
    /// The ticket.
    pub ticket_id: TicketId,
    /// Its number.
    pub number: String,
    /// Its title.
    pub title: String,
    /// Its priority.
    pub priority: Priority,
    /// Which deadline was missed.
    pub target: SlaTarget,
    /// By how much (SLA time, pauses excluded), ms.
    pub overdue_ms: i64,
    /// Whether the ticket is still open.
    pub open: bool,
}

/// Time to resolve of one category (creation to first resolution, wall time).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolveTimeRow {
    /// The category.
    pub category: Category,
    /// Tickets resolved in the range.
    pub resolved: u32,
    /// Mean time to resolve, ms.
    pub mean_ms: i64,
    /// 90th percentile (nearest rank), ms.
    pub p90_ms: i64,
}

/// First-contact resolution: resolved after at most one session the user joined, and not reopened
/// within [`REOPEN_WINDOW_MS`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FirstContactSummary {
    /// Tickets first resolved in the range.
    pub resolved: u32,
    /// Of those, resolved at first contact.
    pub first_contact: u32,
    /// Of those, reopened within seven days.
    pub reopened: u32,
    /// `first_contact / resolved`, percent.
    pub percent: Option<f64>,
}

/// Satisfaction over the range.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CsatSummary {
    /// Surveys offered.
    pub offered: u32,
    /// Surveys answered.
    pub answered: u32,
    /// `answered / offered`, percent.
    pub response_percent: Option<f64>,
    /// Ratings from the user's survey.
    pub survey_ratings: u32,
    /// Ratings the engineer entered by hand (tickets resolved in the range without a survey answer).
    pub manual_ratings: u32,
    /// Ratings of 4 or 5, of both kinds.
    pub rated_4_or_5: u32,
    /// `rated_4_or_5 / (survey_ratings + manual_ratings)`, percent.
    pub satisfied_percent: Option<f64>,
    /// Answers "yes" to "Were the explanations easy to understand?".
    pub explanations_clear: u32,
    /// `explanations_clear / answered`, percent.
    pub explanations_clear_percent: Option<f64>,
    /// Plain-language hints offered to the engineers and taken, beside the share above.
    pub jargon_hints: HintTally,
    /// `jargon_hints.accepted / jargon_hints.offered`, percent.
    pub jargon_hints_accepted_percent: Option<f64>,
}

/// Satisfaction in one week (by when the survey was offered).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CsatWeekRow {
    /// The week.
    pub week: IsoWeek,
    /// Surveys offered.
    pub offered: u32,
    /// Surveys answered.
    pub answered: u32,
    /// Mean rating of the answers.
    pub mean_rating: Option<f64>,
    /// Share of ratings 4–5, percent.
    pub satisfied_percent: Option<f64>,
    /// Share of "explanations easy to understand", percent.
    pub explanations_clear_percent: Option<f64>,
}

/// One engineer's load.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineerRow {
    /// Profile name.
    pub engineer: String,
    /// Tickets assigned and open now.
    pub open_tickets: u32,
    /// Sessions started in the range.
    pub sessions: u32,
    /// Time users were connected in those sessions, ms.
    pub session_ms: i64,
}

/// A guide step that often does not work.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FailingStepRow {
    /// The guide's title.
    pub guide_title: String,
    /// The step's number, 1-based.
    pub step_number: i64,
    /// Its instruction.
    pub instruction: String,
    /// Answers "didn't work".
    pub didnt_work: i64,
    /// Answers "I'm stuck".
    pub stuck: i64,
    /// All answers.
    pub answers: i64,
    /// `(didnt_work + stuck) / answers`, percent.
    pub failed_percent: f64,
}

/// Every chart of the report as typed rows.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// What it covers.
    pub query: ReportQuery,
    /// When the backlog was taken: the end of the range, or the computation time if earlier.
    pub backlog_at_ms: i64,
    /// Opened and closed per week, stacked by category.
    pub weeks: Vec<WeekRow>,
    /// The backlog by age.
    pub backlog: Vec<BacklogRow>,
    /// SLA attainment per priority.
    pub sla: Vec<SlaRow>,
    /// Missed deadlines of tickets opened in the range, most overdue first (at most
    /// [`MAX_BREACHES`]).
    pub breaches: Vec<BreachRow>,
    /// Time to resolve per category (categories with resolutions only).
    pub resolve_times: Vec<ResolveTimeRow>,
    /// First-contact resolution.
    pub first_contact: FirstContactSummary,
    /// Satisfaction.
    pub csat: CsatSummary,
    /// Satisfaction per week.
    pub csat_weeks: Vec<CsatWeekRow>,
    /// Per engineer, by name.
    pub engineers: Vec<EngineerRow>,
    /// Guide steps that most often fail, worst first.
    pub failing_steps: Vec<FailingStepRow>,
}

/// `part / whole` as a percentage, none when `whole` is 0.
pub fn percent(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| f64::from(part) * 100.0 / f64::from(whole))
}

/// The index of a category in the per-category arrays.
pub fn category_index(category: Category) -> usize {
    Category::ALL.iter().position(|c| *c == category).unwrap_or(CATEGORY_COUNT - 1)
}

/// The start (00:00 UTC) of a day written `YYYY-MM-DD`, unix ms.
pub fn parse_day_ms(text: &str) -> Option<i64> {
    let date = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
}

impl ReportQuery {
    /// A query for whole days: `from` and `to` (`YYYY-MM-DD`, `to` included); none when a date
    /// does not parse or `to` comes before `from`.
    pub fn for_days(from: &str, to: &str) -> Option<Self> {
        let from_ms = parse_day_ms(from)?;
        let to_ms = parse_day_ms(to)? + DAY_MS;
        (to_ms > from_ms).then(|| ReportQuery { from_ms, to_ms, ..Default::default() })
    }
}
