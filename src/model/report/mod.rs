//! The monthly report, pure: a query (date range and filters), the plain inputs the store loads
//! for it, and every chart's data as typed rows, computed by [`Report::compute`]. Days and weeks
//! (ISO weeks) follow the query's UTC offset (UTC, or the machine's local time as the app reads
//! it); "closed" means a ticket's first move to resolved or closed.

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
/// The widest UTC offset a report accepts (UTC−14:00 … UTC+14:00), minutes.
pub const MAX_UTC_OFFSET_MINUTES: i32 = 14 * 60;
/// One minute, ms.
const MINUTE_MS: i64 = 60_000;

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
    /// The clock its days and weeks follow, as minutes east of UTC (0: UTC; the machine's local
    /// offset when the user chose local time).
    #[serde(default)]
    pub utc_offset_minutes: i32,
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

    /// The ISO week `at_ms` falls in on the query's clock.
    pub fn week_of(&self, at_ms: i64) -> IsoWeek {
        IsoWeek::of(at_ms + self.offset_ms())
    }

    /// The query's UTC offset, ms.
    pub fn offset_ms(&self) -> i64 {
        i64::from(self.utc_offset_minutes) * MINUTE_MS
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
    /// What its workflow moves tell (the store keeps it as moves are written).
    pub moves: MoveFacts,
}

/// What a ticket's workflow moves tell a report, folded move by move in timeline order: the
/// store keeps it up to date as each move is written, so a report need not read the moves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoveFacts {
    /// Its first move to resolved or closed, unix ms.
    pub first_resolved_at_ms: Option<i64>,
    /// A later move took it from resolved or closed back to open within [`REOPEN_WINDOW_MS`]
    /// of that first resolution.
    pub reopened_soon: bool,
    /// The latest time of any of its moves, unix ms.
    pub last_move_at_ms: Option<i64>,
    /// Where its last move (in timeline order) led.
    pub last_move_to: Option<Status>,
}

impl MoveFacts {
    /// Takes the next move of the timeline into account.
    pub fn apply(&mut self, at_ms: i64, from: Status, to: Status) {
        match self.first_resolved_at_ms {
            None if !to.is_open() => self.first_resolved_at_ms = Some(at_ms),
            Some(resolved)
                if !from.is_open() && to.is_open() && at_ms > resolved && at_ms - resolved <= REOPEN_WINDOW_MS =>
            {
                self.reopened_soon = true;
            }
            _ => {}
        }
        self.last_move_at_ms = Some(self.last_move_at_ms.map_or(at_ms, |last| last.max(at_ms)));
        self.last_move_to = Some(to);
    }

    /// The facts of one ticket's moves, in timeline order.
    pub fn of(moves: &[StatusMove]) -> Self {
        let mut facts = MoveFacts::default();
        for m in moves {
            facts.apply(m.at_ms, m.from, m.to);
        }
        facts
    }
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

/// A guide step with the answers it got in the report's range.
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
    /// Every workflow move of the tickets that moved after the backlog time, in timeline order
    /// per ticket (the backlog replays them; for the other tickets [`ReportTicket::moves`] says
    /// enough). More tickets' moves, up to all of them, give the same report.
    pub moves: Vec<StatusMove>,
    /// The sessions of those tickets (at least those started in the range, those of the surveys
    /// in it, and those before the resolutions in it), in any order.
    pub sessions: Vec<SessionRecord>,
    /// Surveys offered in the range.
    pub surveys: Vec<SurveyRecord>,
    /// Guide steps with their answers in the range.
    pub guide_steps: Vec<GuideStepCounts>,
    /// Step answers recorded before answers were dated (counted in no range).
    pub undated_step_answers: u32,
    /// Jargon hints offered and taken in the range (by the chosen engineer, if one is).
    pub jargon_hints: HintTally,
}

impl ReportInputs {
    /// Sets every ticket's [`ReportTicket::moves`] from [`ReportInputs::moves`] (each ticket's
    /// moves in timeline order), for inputs made without the store's running facts.
    pub fn fold_moves(&mut self) {
        let mut facts: std::collections::HashMap<TicketId, MoveFacts> = std::collections::HashMap::new();
        for m in &self.moves {
            facts.entry(m.ticket_id).or_default().apply(m.at_ms, m.from, m.to);
        }
        for ticket in &mut self.tickets {
            ticket.moves = facts.get(&ticket.id).copied().unwrap_or_default();
        }
    }
}

/// Jargon hints: offered (shown for text that was sent, or taken) and taken.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HintTally {
    /// Hints offered.
    pub offered: u32,
    /// Hints whose plain phrase the engineer took.
    pub accepted: u32,
}

/// An ISO week.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct IsoWeek {
    /// ISO week-numbering year.
    pub year: i32,
    /// Week 1–53.
    pub week: u32,
}

impl IsoWeek {
    /// The week `at_ms` falls in, in UTC (add a UTC offset first for another clock; see
    /// [`ReportQuery::week_of`]).
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
    /// Guide steps that most often fail in the range, worst first.
    pub failing_steps: Vec<FailingStepRow>,
    /// Step answers left out of [`Report::failing_steps`]: recorded before answers were dated.
    #[serde(default)]
    pub failing_steps_undated: u32,
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

/// `YYYY-MM-DD` of the day `at_ms` falls in, `utc_offset_minutes` east of UTC.
pub fn day_label(at_ms: i64, utc_offset_minutes: i32) -> String {
    chrono::DateTime::from_timestamp_millis(at_ms + i64::from(utc_offset_minutes) * MINUTE_MS)
        .map(|at| at.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// A UTC offset as `UTC`, `UTC+08:00` or `UTC-05:30`.
pub fn offset_label(utc_offset_minutes: i32) -> String {
    if utc_offset_minutes == 0 {
        return "UTC".to_owned();
    }
    let sign = if utc_offset_minutes < 0 { '-' } else { '+' };
    let minutes = utc_offset_minutes.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Reads a UTC offset written `+08:00`, `-05:30`, `+8`, `UTC+08:00` or `UTC`/`Z` (0), minutes;
/// none when it is not one or is wider than [`MAX_UTC_OFFSET_MINUTES`].
pub fn parse_utc_offset(text: &str) -> Option<i32> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let rest = text.strip_prefix("UTC").or_else(|| text.strip_prefix("utc")).unwrap_or(text);
    if rest.is_empty() || rest == "Z" || rest == "z" {
        return Some(0);
    }
    let (sign, digits) = match rest.as_bytes().first()? {
        b'+' => (1, &rest[1..]),
        b'-' => (-1, &rest[1..]),
        _ => return None,
    };
    let (hours, minutes) = digits.split_once(':').unwrap_or((digits, "0"));
    let all_digits = |part: &str| !part.is_empty() && part.len() <= 2 && part.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(hours) || !all_digits(minutes) {
        return None;
    }
    let (hours, minutes): (i32, i32) = (hours.parse().ok()?, minutes.parse().ok()?);
    let total = sign * (hours * 60 + minutes);
    (minutes < 60 && total.abs() <= MAX_UTC_OFFSET_MINUTES).then_some(total)
}

impl ReportQuery {
    /// A query for whole days on a clock `utc_offset_minutes` east of UTC: `from` and `to`
    /// (`YYYY-MM-DD`, `to` included) from their midnights on that clock; none when a date does
    /// not parse, `to` comes before `from` or the offset is wider than
    /// [`MAX_UTC_OFFSET_MINUTES`].
    pub fn for_days(from: &str, to: &str, utc_offset_minutes: i32) -> Option<Self> {
        if utc_offset_minutes.abs() > MAX_UTC_OFFSET_MINUTES {
            return None;
        }
        let offset_ms = i64::from(utc_offset_minutes) * MINUTE_MS;
        let from_ms = parse_day_ms(from)? - offset_ms;
        let to_ms = parse_day_ms(to)? + DAY_MS - offset_ms;
        (to_ms > from_ms).then(|| ReportQuery { from_ms, to_ms, utc_offset_minutes, ..Default::default() })
    }
}
