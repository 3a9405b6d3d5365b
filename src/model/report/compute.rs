//! How each chart's rows are computed from the inputs.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{
    AgeBucket, BacklogRow, BreachRow, CATEGORY_COUNT, CsatSummary, CsatWeekRow, DAY_MS, EngineerRow, FailingStepRow,
    FirstContactSummary, IsoWeek, MAX_BREACHES, MAX_FAILING_STEPS, MoveFacts, Report, ReportInputs, ReportQuery,
    ReportTicket, ResolveTimeRow, SlaRow, StatusMove, WeekRow, category_index, percent,
};
use crate::model::ids::TicketId;
use crate::model::session::{SessionRecord, SurveyRecord};
use crate::model::sla::SlaTarget;
use crate::model::ticket::{Category, Priority, Status};

/// What the report derives from one ticket's timeline.
struct TicketFacts<'a> {
    ticket: &'a ReportTicket,
    /// Its moves when it moved after the backlog time (else none are needed).
    moves: &'a [StatusMove],
    /// The first move to resolved or closed.
    first_resolved_at_ms: Option<i64>,
    /// Reopened within [`REOPEN_WINDOW_MS`] of that first resolution.
    reopened_soon: bool,
}

impl<'a> TicketFacts<'a> {
    fn new(ticket: &'a ReportTicket, moves: &'a [StatusMove]) -> Self {
        let MoveFacts { first_resolved_at_ms, reopened_soon, .. } = ticket.moves;
        TicketFacts { ticket, moves, first_resolved_at_ms, reopened_soon }
    }

    /// The ticket's status at `at_ms`: where its last move until then led, the status before
    /// its first move when all came later, its current status when it never moved.
    fn status_at(&self, at_ms: i64) -> Option<Status> {
        if self.ticket.created_at_ms > at_ms {
            return None;
        }
        let Some(first) = self.moves.first() else {
            // No move after `at_ms` (or none at all): where the last one led.
            return Some(self.ticket.moves.last_move_to.unwrap_or(self.ticket.status));
        };
        match self.moves.iter().rev().find(|m| m.at_ms <= at_ms) {
            Some(last) => Some(last.to),
            None => Some(first.from),
        }
    }
}

impl Report {
    /// Computes every chart for `query` from `inputs` (filters applied here too), with the backlog
    /// taken at the end of the range or `now_ms`, whichever is earlier.
    pub fn compute(query: &ReportQuery, inputs: &ReportInputs, now_ms: i64) -> Report {
        let moves_by_ticket = group_moves(&inputs.moves);
        let facts: Vec<TicketFacts<'_>> = inputs
            .tickets
            .iter()
            .filter(|ticket| query.admits(ticket))
            .map(|ticket| TicketFacts::new(ticket, moves_by_ticket.get(&ticket.id).copied().unwrap_or(&[])))
            .collect();
        let kind_admitted = IdSet::new(inputs.tickets.iter().filter(|t| admits_kind(query, t)).map(|t| t.id));
        let sessions: Vec<&SessionRecord> = inputs
            .sessions
            .iter()
            .filter(|s| kind_admitted.contains(s.ticket_id))
            .filter(|s| query.engineer.as_deref().is_none_or(|name| s.engineer == name))
            .collect();
        let backlog_at_ms = query.to_ms.min(now_ms);
        let weeks_in_range = Weeks::new(query);
        let (sla, breaches) = sla_rows(query, &facts, now_ms);
        let surveys = admitted_surveys(query, inputs, &kind_admitted);
        Report {
            query: query.clone(),
            backlog_at_ms,
            weeks: week_rows(query, &weeks_in_range, &facts),
            backlog: backlog_rows(&facts, backlog_at_ms),
            sla,
            breaches,
            resolve_times: resolve_time_rows(query, &facts),
            first_contact: first_contact(query, &facts, &sessions),
            csat: csat(query, &facts, &surveys, inputs.jargon_hints),
            csat_weeks: csat_week_rows(&weeks_in_range, &surveys),
            engineers: engineer_rows(query, &facts, &sessions, now_ms),
            failing_steps: failing_steps(inputs),
            failing_steps_undated: inputs.undated_step_answers,
        }
    }
}

/// A set of ticket ids: sorted, searched by halves (cheaper to build than a hash set for the
/// hundred thousand tickets of a year).
struct IdSet(Vec<TicketId>);

impl IdSet {
    fn new(ids: impl Iterator<Item = TicketId>) -> Self {
        let mut ids: Vec<TicketId> = ids.collect();
        ids.sort_unstable();
        IdSet(ids)
    }

    fn contains(&self, id: TicketId) -> bool {
        self.0.binary_search(&id).is_ok()
    }
}

fn admits_kind(query: &ReportQuery, ticket: &ReportTicket) -> bool {
    query.category.is_none_or(|category| category == ticket.category)
        && query.priority.is_none_or(|priority| priority == ticket.priority)
}

fn group_moves(moves: &[StatusMove]) -> HashMap<TicketId, &[StatusMove]> {
    let mut groups = HashMap::new();
    let mut start = 0;
    for end in 1..=moves.len() {
        if end == moves.len() || moves[end].ticket_id != moves[start].ticket_id {
            groups.insert(moves[start].ticket_id, &moves[start..end]);
            start = end;
        }
    }
    groups
}

/// The range's weeks, one after the other, and where a time falls among them by arithmetic
/// (a calendar lookup per ticket and survey costs more than the rest of a row).
struct Weeks {
    weeks: Vec<IsoWeek>,
    /// Monday 00:00 of the first week on the query's clock (shifted by its offset), ms.
    first_monday_ms: i64,
    offset_ms: i64,
}

impl Weeks {
    fn new(query: &ReportQuery) -> Self {
        use chrono::Datelike as _;
        let offset_ms = query.offset_ms();
        let local_day_ms = (query.from_ms + offset_ms).div_euclid(DAY_MS) * DAY_MS;
        let weekday = chrono::DateTime::from_timestamp_millis(local_day_ms)
            .map_or(0, |day| i64::from(day.weekday().num_days_from_monday()));
        Weeks { weeks: weeks(query), first_monday_ms: local_day_ms - weekday * DAY_MS, offset_ms }
    }

    /// The position of the week `at_ms` falls in; none outside the range's weeks.
    fn index(&self, at_ms: i64) -> Option<usize> {
        let index = (at_ms + self.offset_ms - self.first_monday_ms).div_euclid(7 * DAY_MS);
        usize::try_from(index).ok().filter(|index| *index < self.weeks.len())
    }
}

/// Every ISO week that overlaps the range (on the query's clock), in order.
fn weeks(query: &ReportQuery) -> Vec<IsoWeek> {
    let mut weeks = Vec::new();
    let mut day_ms = query.from_ms;
    while day_ms < query.to_ms {
        let week = query.week_of(day_ms);
        if weeks.last() != Some(&week) {
            weeks.push(week);
        }
        day_ms += DAY_MS;
    }
    if query.to_ms > query.from_ms {
        let last = query.week_of(query.to_ms - 1);
        if weeks.last() != Some(&last) {
            weeks.push(last);
        }
    }
    weeks
}

fn week_rows(query: &ReportQuery, weeks: &Weeks, facts: &[TicketFacts<'_>]) -> Vec<WeekRow> {
    let mut rows: Vec<WeekRow> = weeks
        .weeks
        .iter()
        .map(|week| WeekRow { week: *week, opened: [0; CATEGORY_COUNT], closed: [0; CATEGORY_COUNT] })
        .collect();
    for fact in facts {
        let index = category_index(fact.ticket.category);
        if query.contains(fact.ticket.created_at_ms)
            && let Some(row) = weeks.index(fact.ticket.created_at_ms).and_then(|week| rows.get_mut(week))
        {
            row.opened[index] += 1;
        }
        if let Some(resolved) = fact.first_resolved_at_ms.filter(|at| query.contains(*at))
            && let Some(row) = weeks.index(resolved).and_then(|week| rows.get_mut(week))
        {
            row.closed[index] += 1;
        }
    }
    rows
}

fn backlog_rows(facts: &[TicketFacts<'_>], at_ms: i64) -> Vec<BacklogRow> {
    let mut rows: Vec<BacklogRow> =
        AgeBucket::ALL.iter().map(|bucket| BacklogRow { bucket: *bucket, open: [0; CATEGORY_COUNT] }).collect();
    for fact in facts {
        if fact.status_at(at_ms).is_some_and(Status::is_open) {
            let bucket = AgeBucket::of(at_ms - fact.ticket.created_at_ms);
            let row_index = AgeBucket::ALL.iter().position(|b| *b == bucket).unwrap_or(0);
            rows[row_index].open[category_index(fact.ticket.category)] += 1;
        }
    }
    rows
}

/// Met (`Some(None)`), missed by so much (`Some(Some(overdue_ms))`), or not decided yet (`None`).
type Outcome = Option<Option<i64>>;

fn response_outcome(ticket: &ReportTicket, now_ms: i64) -> Outcome {
    let clock = &ticket.sla;
    let taken_ms = match clock.responded_at_ms {
        Some(responded) => responded - clock.started_at_ms,
        None => clock.elapsed_ms(now_ms),
    };
    let overdue_ms = taken_ms - clock.response_target_ms;
    match (clock.responded_at_ms, overdue_ms > 0) {
        (_, true) => Some(Some(overdue_ms)),
        (Some(_), false) => Some(None),
        (None, false) => None,
    }
}

fn resolution_outcome(ticket: &ReportTicket, now_ms: i64) -> Outcome {
    let clock = &ticket.sla;
    let overdue_ms = clock.elapsed_ms(now_ms) - clock.resolution_target_ms;
    match (ticket.status.is_open(), overdue_ms > 0) {
        (_, true) => Some(Some(overdue_ms)),
        (false, false) => Some(None),
        (true, false) => None,
    }
}

fn sla_rows(query: &ReportQuery, facts: &[TicketFacts<'_>], now_ms: i64) -> (Vec<SlaRow>, Vec<BreachRow>) {
    let mut counts: [[u32; 4]; 3] = [[0; 4]; 3];
    // (overdue, ticket, deadline): rows are made only for the most overdue.
    let mut breaches: Vec<(i64, &ReportTicket, SlaTarget)> = Vec::new();
    for fact in facts.iter().filter(|f| query.contains(f.ticket.created_at_ms)) {
        let ticket = fact.ticket;
        let priority_index = Priority::ALL.iter().position(|p| *p == ticket.priority).unwrap_or(0);
        let outcomes = [
            (SlaTarget::Response, response_outcome(ticket, now_ms)),
            (SlaTarget::Resolution, resolution_outcome(ticket, now_ms)),
        ];
        for (slot, (target, outcome)) in outcomes.into_iter().enumerate() {
            match outcome {
                Some(None) => counts[priority_index][slot * 2] += 1,
                Some(Some(overdue_ms)) => {
                    counts[priority_index][slot * 2 + 1] += 1;
                    breaches.push((overdue_ms, ticket, target));
                }
                None => {}
            }
        }
    }
    let worst_first = |a: &(i64, &ReportTicket, SlaTarget), b: &(i64, &ReportTicket, SlaTarget)| {
        b.0.cmp(&a.0).then_with(|| a.1.number.cmp(&b.1.number))
    };
    if breaches.len() > MAX_BREACHES {
        breaches.select_nth_unstable_by(MAX_BREACHES, worst_first);
        breaches.truncate(MAX_BREACHES);
    }
    breaches.sort_by(worst_first);
    let breaches = breaches
        .into_iter()
        .map(|(overdue_ms, ticket, target)| BreachRow {
            ticket_id: ticket.id,
            number: ticket.number.clone(),
            title: ticket.title.clone(),
            priority: ticket.priority,
            target,
            overdue_ms,
            open: ticket.status.is_open(),
        })
        .collect();
    let rows = Priority::ALL
        .iter()
        .zip(counts)
        .map(|(priority, [response_met, response_missed, resolution_met, resolution_missed])| SlaRow {
            priority: *priority,
            response_met,
            response_missed,
            response_percent: percent(response_met, response_met + response_missed),
            resolution_met,
            resolution_missed,
            resolution_percent: percent(resolution_met, resolution_met + resolution_missed),
        })
        .collect();
    (rows, breaches)
}

fn resolve_time_rows(query: &ReportQuery, facts: &[TicketFacts<'_>]) -> Vec<ResolveTimeRow> {
    let mut durations: [Vec<i64>; CATEGORY_COUNT] = Default::default();
    for fact in facts {
        if let Some(resolved) = fact.first_resolved_at_ms.filter(|at| query.contains(*at)) {
            durations[category_index(fact.ticket.category)].push((resolved - fact.ticket.created_at_ms).max(0));
        }
    }
    Category::ALL
        .iter()
        .zip(durations.iter_mut())
        .filter(|(_, list)| !list.is_empty())
        .map(|(category, list)| {
            list.sort_unstable();
            let count = list.len();
            let total: i128 = list.iter().map(|d| i128::from(*d)).sum();
            let rank = (count * 9).div_ceil(10).max(1);
            ResolveTimeRow {
                category: *category,
                resolved: u32::try_from(count).unwrap_or(u32::MAX),
                mean_ms: i64::try_from(total / count as i128).unwrap_or(i64::MAX),
                p90_ms: list[rank - 1],
            }
        })
        .collect()
}

fn first_contact(query: &ReportQuery, facts: &[TicketFacts<'_>], sessions: &[&SessionRecord]) -> FirstContactSummary {
    // (ticket, start) of the sessions the user joined, sorted: a ticket's are one run.
    let mut joined_starts: Vec<(TicketId, i64)> =
        sessions.iter().filter(|s| s.joined_at_ms.is_some()).map(|s| (s.ticket_id, s.started_at_ms)).collect();
    joined_starts.sort_unstable();
    let mut summary = FirstContactSummary::default();
    for fact in facts {
        let Some(resolved) = fact.first_resolved_at_ms.filter(|at| query.contains(*at)) else {
            continue;
        };
        summary.resolved += 1;
        let id = fact.ticket.id;
        let sessions_before = joined_starts.partition_point(|&joined| joined < (id, resolved))
            - joined_starts.partition_point(|&(ticket, _)| ticket < id);
        if fact.reopened_soon {
            summary.reopened += 1;
        } else if sessions_before <= 1 {
            summary.first_contact += 1;
        }
    }
    summary.percent = percent(summary.first_contact, summary.resolved);
    summary
}

fn admitted_surveys<'a>(query: &ReportQuery, inputs: &'a ReportInputs, kind_admitted: &IdSet) -> Vec<&'a SurveyRecord> {
    let in_scope =
        inputs.surveys.iter().filter(|s| query.contains(s.asked_at_ms) && kind_admitted.contains(s.ticket_id));
    let Some(name) = query.engineer.as_deref() else {
        return in_scope.collect();
    };
    let theirs: HashSet<_> = inputs.sessions.iter().filter(|s| s.engineer == name).map(|s| s.id).collect();
    in_scope.filter(|s| theirs.contains(&s.session_id)).collect()
}

fn csat(
    query: &ReportQuery,
    facts: &[TicketFacts<'_>],
    surveys: &[&SurveyRecord],
    jargon_hints: super::HintTally,
) -> CsatSummary {
    let mut summary = CsatSummary { offered: u32::try_from(surveys.len()).unwrap_or(u32::MAX), ..Default::default() };
    let mut answered = Vec::new();
    for answers in surveys.iter().filter_map(|s| s.answers().map(|a| (s.ticket_id, a))) {
        answered.push(answers.0);
        summary.answered += 1;
        summary.survey_ratings += 1;
        summary.rated_4_or_5 += u32::from(answers.1.rating >= 4);
        summary.explanations_clear += u32::from(answers.1.explanations_clear == crate::protocol::Answer::Yes);
    }
    let answered_tickets = IdSet::new(answered.into_iter());
    for fact in facts {
        let resolved_in_range = fact.first_resolved_at_ms.is_some_and(|at| query.contains(at));
        if let Some(rating) = fact.ticket.satisfaction
            && resolved_in_range
            && !answered_tickets.contains(fact.ticket.id)
        {
            summary.manual_ratings += 1;
            summary.rated_4_or_5 += u32::from(rating >= 4);
        }
    }
    summary.response_percent = percent(summary.answered, summary.offered);
    summary.satisfied_percent = percent(summary.rated_4_or_5, summary.survey_ratings + summary.manual_ratings);
    summary.explanations_clear_percent = percent(summary.explanations_clear, summary.answered);
    summary.jargon_hints = jargon_hints;
    summary.jargon_hints_accepted_percent = percent(jargon_hints.accepted, jargon_hints.offered);
    summary
}

fn csat_week_rows(weeks: &Weeks, surveys: &[&SurveyRecord]) -> Vec<CsatWeekRow> {
    // offered, answered, rating sum, rated 4–5, clear
    let mut tallies: Vec<(IsoWeek, [u32; 5])> = weeks.weeks.iter().map(|w| (*w, [0; 5])).collect();
    for survey in surveys {
        let Some((_, tally)) = weeks.index(survey.asked_at_ms).and_then(|week| tallies.get_mut(week)) else {
            continue;
        };
        tally[0] += 1;
        if let Some(answers) = survey.answers() {
            tally[1] += 1;
            tally[2] += u32::from(answers.rating);
            tally[3] += u32::from(answers.rating >= 4);
            tally[4] += u32::from(answers.explanations_clear == crate::protocol::Answer::Yes);
        }
    }
    tallies
        .into_iter()
        .map(|(week, [offered, answered, rating_sum, satisfied, clear])| CsatWeekRow {
            week,
            offered,
            answered,
            mean_rating: (answered > 0).then(|| f64::from(rating_sum) / f64::from(answered)),
            satisfied_percent: percent(satisfied, answered),
            explanations_clear_percent: percent(clear, answered),
        })
        .collect()
}

fn engineer_rows(
    query: &ReportQuery,
    facts: &[TicketFacts<'_>],
    sessions: &[&SessionRecord],
    now_ms: i64,
) -> Vec<EngineerRow> {
    let mut rows: BTreeMap<&str, EngineerRow> = BTreeMap::new();
    let new_row = |name: &str| EngineerRow { engineer: name.to_owned(), open_tickets: 0, sessions: 0, session_ms: 0 };
    for fact in facts.iter().filter(|f| f.ticket.status.is_open()) {
        if let Some(name) = fact.ticket.assignee.as_deref() {
            rows.entry(name).or_insert_with(|| new_row(name)).open_tickets += 1;
        }
    }
    for session in sessions.iter().filter(|s| query.contains(s.started_at_ms)) {
        let row = rows.entry(session.engineer.as_str()).or_insert_with(|| new_row(&session.engineer));
        row.sessions += 1;
        row.session_ms += session.connected_ms(now_ms);
    }
    rows.into_values().collect()
}

fn failing_steps(inputs: &ReportInputs) -> Vec<FailingStepRow> {
    let mut rows: Vec<FailingStepRow> = inputs
        .guide_steps
        .iter()
        .filter(|step| step.stats.didnt_work + step.stats.stuck > 0)
        .map(|step| {
            let answers = step.stats.done + step.stats.didnt_work + step.stats.stuck;
            let failed = step.stats.didnt_work + step.stats.stuck;
            FailingStepRow {
                guide_title: step.guide_title.clone(),
                step_number: step.step_index + 1,
                instruction: step.instruction.clone(),
                didnt_work: step.stats.didnt_work,
                stuck: step.stats.stuck,
                answers,
                failed_percent: failed as f64 * 100.0 / answers as f64,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        (b.didnt_work + b.stuck)
            .cmp(&(a.didnt_work + a.stuck))
            .then_with(|| b.failed_percent.total_cmp(&a.failed_percent))
            .then_with(|| a.guide_title.cmp(&b.guide_title))
            .then_with(|| a.step_number.cmp(&b.step_number))
    });
    rows.truncate(MAX_FAILING_STEPS);
    rows
}
