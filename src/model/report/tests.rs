//! Hand-checked numbers on five tickets, four sessions and three surveys over two ISO weeks.

use super::*;
use crate::model::ids::SessionId;
use crate::model::session::SurveyOutcome;
use crate::protocol::{Answer, SurveyAnswers};

const HOUR: i64 = 60 * 60 * 1000;
/// 2026-01-05 00:00 UTC, a Monday (2026-W02).
const JAN_5: i64 = 1_767_571_200_000;
/// 2025-12-20 00:00 UTC.
const DEC_20: i64 = 1_766_188_800_000;

fn jan(day: i64, hour: i64) -> i64 {
    JAN_5 + (day - 5) * DAY_MS + hour * HOUR
}

#[allow(clippy::too_many_arguments)]
fn ticket(
    id: i64,
    category: Category,
    priority: Priority,
    status: Status,
    assignee: Option<&str>,
    created_at_ms: i64,
    targets_min: (i64, i64),
    responded_at_ms: Option<i64>,
    paused: (i64, Option<i64>),
    satisfaction: Option<i64>,
) -> ReportTicket {
    ReportTicket {
        id: TicketId(id),
        number: format!("T{id}"),
        title: format!("ticket {id}"),
        category,
        priority,
        status,
        assignee: assignee.map(str::to_owned),
        created_at_ms,
        sla: SlaClock {
            started_at_ms: created_at_ms,
            response_target_ms: targets_min.0 * 60_000,
            resolution_target_ms: targets_min.1 * 60_000,
            responded_at_ms,
            paused_total_ms: paused.0,
            paused_since_ms: paused.1,
        },
        satisfaction,
        moves: MoveFacts::default(),
    }
}

fn mv(ticket: i64, at_ms: i64, from: Status, to: Status) -> StatusMove {
    StatusMove { ticket_id: TicketId(ticket), at_ms, from, to }
}

fn session(
    id: i64,
    ticket: i64,
    engineer: &str,
    start: i64,
    joined_after_min: Option<i64>,
    length_min: i64,
) -> SessionRecord {
    SessionRecord {
        id: SessionId(id),
        ticket_id: TicketId(ticket),
        engineer: engineer.into(),
        started_at_ms: start,
        joined_at_ms: joined_after_min.map(|m| start + m * 60_000),
        ended_at_ms: Some(start + length_min * 60_000),
        end_reason: Some("engineer_ended".into()),
    }
}

fn survey(session: &SessionRecord, answers: Option<(u8, Answer)>) -> SurveyRecord {
    let asked = session.ended_at_ms.unwrap_or_default();
    SurveyRecord {
        session_id: session.id,
        ticket_id: session.ticket_id,
        asked_at_ms: asked,
        settled_at_ms: asked + 30_000,
        outcome: match answers {
            Some((rating, explanations_clear)) => SurveyOutcome::Answered(SurveyAnswers {
                solved: Answer::Yes,
                rating,
                explanations_clear,
                comment: String::new(),
            }),
            None => SurveyOutcome::NotAnswered { reason: "skipped".into() },
        },
    }
}

fn step(guide: i64, title: &str, index: i64, (done, didnt_work, stuck): (i64, i64, i64)) -> GuideStepCounts {
    GuideStepCounts {
        guide_id: GuideId(guide),
        guide_title: title.into(),
        step_index: index,
        instruction: format!("step {index}"),
        stats: StepStats { done, didnt_work, stuck },
    }
}

fn inputs() -> ReportInputs {
    use Status::*;
    let tickets = vec![
        ticket(
            1,
            Category::Hardware,
            Priority::Urgent,
            Resolved,
            None,
            jan(5, 1),
            (60, 480),
            Some(jan(5, 1) + HOUR / 2),
            (0, Some(jan(6, 1))),
            Some(4),
        ),
        ticket(
            2,
            Category::Network,
            Priority::Normal,
            Resolved,
            None,
            jan(6, 0),
            (480, 7200),
            Some(jan(6, 1)),
            (2 * DAY_MS, Some(jan(12, 0))),
            None,
        ),
        ticket(
            3,
            Category::Network,
            Priority::Normal,
            Resolved,
            Some("Wang"),
            jan(12, 0),
            (480, 7200),
            Some(jan(12, 1)),
            (0, Some(jan(13, 0))),
            Some(2),
        ),
        ticket(
            4,
            Category::Software,
            Priority::Important,
            New,
            Some("Li"),
            jan(18, 12),
            (240, 2880),
            None,
            (0, None),
            None,
        ),
        ticket(
            5,
            Category::Hardware,
            Priority::Normal,
            WaitingOnUser,
            Some("Li"),
            DEC_20,
            (240, 4320),
            Some(DEC_20 + HOUR),
            (0, Some(DEC_20 + DAY_MS)),
            None,
        ),
    ];
    let moves = vec![
        mv(1, jan(5, 1) + HOUR / 2, New, InProgress),
        mv(1, jan(6, 1), InProgress, Resolved),
        mv(2, jan(6, 1), New, InProgress),
        mv(2, jan(8, 0), InProgress, Resolved),
        mv(2, jan(10, 0), Resolved, InProgress),
        mv(2, jan(12, 0), InProgress, Resolved),
        mv(3, jan(12, 1), New, InProgress),
        mv(3, jan(13, 0), InProgress, Resolved),
        mv(5, DEC_20 + HOUR, New, InProgress),
        mv(5, DEC_20 + DAY_MS, InProgress, WaitingOnUser),
    ];
    let sessions = vec![
        session(1, 2, "Li", jan(7, 10), Some(1), 31),
        session(2, 3, "Wang", jan(12, 10), Some(0), 60),
        session(3, 3, "Wang", jan(12, 14), Some(0), 15),
        session(4, 4, "Li", jan(18, 13), None, 10),
    ];
    let surveys = vec![
        survey(&sessions[0], Some((5, Answer::Yes))),
        survey(&sessions[1], Some((3, Answer::Partly))),
        survey(&sessions[2], None),
    ];
    let guide_steps =
        vec![step(1, "Printer", 0, (5, 1, 0)), step(1, "Printer", 1, (1, 2, 2)), step(2, "VPN", 0, (3, 0, 0))];
    let mut inputs = ReportInputs {
        tickets,
        moves,
        sessions,
        surveys,
        guide_steps,
        undated_step_answers: 7,
        jargon_hints: HintTally { offered: 4, accepted: 3 },
    };
    inputs.fold_moves();
    inputs
}

fn query() -> ReportQuery {
    ReportQuery { from_ms: JAN_5, to_ms: jan(19, 0), ..Default::default() }
}

fn report(query: &ReportQuery) -> Report {
    Report::compute(query, &inputs(), jan(20, 0))
}

fn close(actual: Option<f64>, expected: f64) {
    let actual = actual.expect("a percentage");
    assert!((actual - expected).abs() < 0.01, "{actual} != {expected}");
}

#[test]
fn weeks_are_stacked_by_category() {
    let report = report(&query());
    let labels: Vec<String> = report.weeks.iter().map(|w| w.week.label()).collect();
    assert_eq!(labels, ["2026-W02", "2026-W03"]);
    // [hardware, software, network, database, account, other]
    assert_eq!(report.weeks[0].opened, [1, 0, 1, 0, 0, 0]);
    assert_eq!(report.weeks[0].closed, [1, 0, 1, 0, 0, 0]);
    assert_eq!(report.weeks[1].opened, [0, 1, 1, 0, 0, 0]);
    assert_eq!(report.weeks[1].closed, [0, 0, 1, 0, 0, 0]);
}

#[test]
fn backlog_by_age_at_the_end_of_the_range() {
    let report = report(&query());
    assert_eq!(report.backlog_at_ms, jan(19, 0));
    let open: Vec<[u32; CATEGORY_COUNT]> = report.backlog.iter().map(|row| row.open).collect();
    assert_eq!(open, [[0, 1, 0, 0, 0, 0], [0; 6], [0; 6], [1, 0, 0, 0, 0, 0]]);
    // Ticket 2 was reopened on the 10th: open in a backlog taken on the 11th (age 5 days).
    let earlier_query = ReportQuery { to_ms: jan(11, 0), ..query() };
    let earlier = Report::compute(&earlier_query, &inputs(), jan(20, 0));
    assert_eq!(earlier.backlog[2].open, [0, 0, 1, 0, 0, 0]);
    // Only the moves of tickets that moved after the backlog time are needed (the store reads
    // no others); the rest is told by each ticket's running facts.
    for at_ms in [jan(11, 0), jan(19, 0)] {
        let mut fewer = inputs();
        let moved_later: Vec<TicketId> =
            fewer.tickets.iter().filter(|t| t.moves.last_move_at_ms.is_some_and(|m| m > at_ms)).map(|t| t.id).collect();
        fewer.moves.retain(|m| moved_later.contains(&m.ticket_id));
        let query = ReportQuery { to_ms: at_ms, ..query() };
        assert_eq!(Report::compute(&query, &fewer, jan(20, 0)), Report::compute(&query, &inputs(), jan(20, 0)));
    }
    assert_eq!(AgeBucket::of(DAY_MS - 1), AgeBucket::UnderOneDay);
    assert_eq!(AgeBucket::of(DAY_MS), AgeBucket::OneToThreeDays);
    assert_eq!(AgeBucket::of(3 * DAY_MS), AgeBucket::ThreeToSevenDays);
    assert_eq!(AgeBucket::of(7 * DAY_MS), AgeBucket::ThreeToSevenDays);
    assert_eq!(AgeBucket::of(7 * DAY_MS + 1), AgeBucket::OverSevenDays);
}

#[test]
fn sla_attainment_and_breaches() {
    let report = report(&query());
    let urgent = &report.sla[0];
    assert_eq!((urgent.priority, urgent.response_met, urgent.response_missed), (Priority::Urgent, 1, 0));
    assert_eq!((urgent.resolution_met, urgent.resolution_missed), (0, 1));
    close(urgent.response_percent, 100.0);
    close(urgent.resolution_percent, 0.0);
    let important = &report.sla[1];
    assert_eq!((important.response_met, important.response_missed), (0, 1));
    assert_eq!((important.resolution_met, important.resolution_missed, important.resolution_percent), (0, 0, None));
    let normal = &report.sla[2];
    assert_eq!((normal.response_met, normal.resolution_met, normal.resolution_missed), (2, 2, 0));
    let breaches: Vec<(&str, SlaTarget, i64, bool)> =
        report.breaches.iter().map(|b| (b.number.as_str(), b.target, b.overdue_ms, b.open)).collect();
    assert_eq!(
        breaches,
        [("T4", SlaTarget::Response, 32 * HOUR, true), ("T1", SlaTarget::Resolution, 16 * HOUR, false)]
    );
}

#[test]
fn time_to_resolve_and_first_contact() {
    let report = report(&query());
    let rows: Vec<(Category, u32, i64, i64)> =
        report.resolve_times.iter().map(|r| (r.category, r.resolved, r.mean_ms, r.p90_ms)).collect();
    assert_eq!(rows, [(Category::Hardware, 1, DAY_MS, DAY_MS), (Category::Network, 2, 3 * DAY_MS / 2, 2 * DAY_MS)]);
    let fcr = &report.first_contact;
    assert_eq!((fcr.resolved, fcr.first_contact, fcr.reopened), (3, 1, 1));
    close(fcr.percent, 100.0 / 3.0);
}

#[test]
fn satisfaction_counts_surveys_and_manual_ratings() {
    let report = report(&query());
    let csat = &report.csat;
    assert_eq!((csat.offered, csat.answered, csat.survey_ratings, csat.manual_ratings), (3, 2, 2, 1));
    assert_eq!((csat.rated_4_or_5, csat.explanations_clear), (2, 1));
    close(csat.response_percent, 200.0 / 3.0);
    close(csat.satisfied_percent, 200.0 / 3.0);
    close(csat.explanations_clear_percent, 50.0);
    assert_eq!(csat.jargon_hints, HintTally { offered: 4, accepted: 3 });
    close(csat.jargon_hints_accepted_percent, 75.0);
    let weeks: Vec<(u32, u32)> = report.csat_weeks.iter().map(|w| (w.offered, w.answered)).collect();
    assert_eq!(weeks, [(1, 1), (2, 1)]);
    close(report.csat_weeks[0].mean_rating, 5.0);
    close(report.csat_weeks[1].mean_rating, 3.0);
    close(report.csat_weeks[1].satisfied_percent, 0.0);
}

#[test]
fn engineers_and_failing_steps() {
    let report = report(&query());
    let rows: Vec<(&str, u32, u32, i64)> =
        report.engineers.iter().map(|r| (r.engineer.as_str(), r.open_tickets, r.sessions, r.session_ms)).collect();
    assert_eq!(rows, [("Li", 2, 2, 30 * 60_000), ("Wang", 0, 2, 75 * 60_000)]);
    let steps: Vec<(&str, i64, i64, i64)> = report
        .failing_steps
        .iter()
        .map(|s| (s.guide_title.as_str(), s.step_number, s.didnt_work + s.stuck, s.answers))
        .collect();
    assert_eq!(steps, [("Printer", 2, 4, 5), ("Printer", 1, 1, 6)]);
    assert!((report.failing_steps[0].failed_percent - 80.0).abs() < 1e-9);
    assert_eq!(report.failing_steps_undated, 7, "answers from before dates were kept are reported apart");
}

#[test]
fn days_and_weeks_follow_the_chosen_offset() {
    // 2026-01-04 … 2026-01-18 in New York winter time (UTC−05:00): 05:00 UTC to 05:00 UTC.
    let query = ReportQuery::for_days("2026-01-04", "2026-01-18", -300).unwrap();
    assert_eq!((query.from_ms, query.to_ms), (jan(4, 5), jan(19, 5)));
    let report = report(&query);
    let labels: Vec<String> = report.weeks.iter().map(|w| w.week.label()).collect();
    // Sunday the 4th is the last day of 2026-W01 there.
    assert_eq!(labels, ["2026-W01", "2026-W02", "2026-W03"]);
    // Ticket 1 (01:00 UTC on Monday the 5th) was opened on Sunday evening; ticket 3 (00:00 UTC
    // on Monday the 12th) also on a Sunday, so in W02; the resolutions move the same way.
    let opened: Vec<[u32; CATEGORY_COUNT]> = report.weeks.iter().map(|w| w.opened).collect();
    assert_eq!(opened, [[1, 0, 0, 0, 0, 0], [0, 0, 2, 0, 0, 0], [0, 1, 0, 0, 0, 0]]);
    let closed: Vec<[u32; CATEGORY_COUNT]> = report.weeks.iter().map(|w| w.closed).collect();
    assert_eq!(closed, [[0; CATEGORY_COUNT], [1, 0, 1, 0, 0, 0], [0, 0, 1, 0, 0, 0]]);
    // The same days in UTC.
    let utc = ReportQuery::for_days("2026-01-05", "2026-01-18", 0).unwrap();
    assert_eq!((utc.from_ms, utc.to_ms), (JAN_5, jan(19, 0)));
    assert_eq!(ReportQuery::for_days("2026-01-05", "2026-01-18", 15 * 60), None, "wider than ±14:00");
}

#[test]
fn offsets_are_read_and_written() {
    for (text, minutes) in [("+08:00", 480), ("-05:30", -330), ("UTC+8", 480), ("utc", 0), ("Z", 0), ("+14:00", 840)] {
        assert_eq!(parse_utc_offset(text), Some(minutes), "{text}");
    }
    for bad in ["", "8", "+8:75", "+15:00", "+08:00:00", "local", "+0x8"] {
        assert_eq!(parse_utc_offset(bad), None, "{bad}");
    }
    assert_eq!(offset_label(480), "UTC+08:00");
    assert_eq!(offset_label(-330), "UTC-05:30");
    assert_eq!(offset_label(0), "UTC");
    assert_eq!(day_label(jan(5, 1), -300), "2026-01-04");
    assert_eq!(day_label(jan(5, 1), 0), "2026-01-05");
}

#[test]
fn filters_narrow_every_chart() {
    let network = report(&ReportQuery { category: Some(Category::Network), ..query() });
    assert_eq!(network.weeks[1].opened, [0, 0, 1, 0, 0, 0]);
    assert_eq!((network.first_contact.resolved, network.first_contact.first_contact), (2, 0));
    let rows: Vec<(&str, u32, u32)> =
        network.engineers.iter().map(|r| (r.engineer.as_str(), r.open_tickets, r.sessions)).collect();
    assert_eq!(rows, [("Li", 0, 1), ("Wang", 0, 2)]);
    assert_eq!((network.csat.offered, network.csat.manual_ratings), (3, 0));

    let wang = report(&ReportQuery { engineer: Some("Wang".into()), ..query() });
    assert_eq!(wang.weeks.iter().map(|w| w.opened.iter().sum::<u32>()).sum::<u32>(), 1);
    assert_eq!((wang.csat.offered, wang.csat.answered), (2, 1));
    assert_eq!(wang.engineers.len(), 1);

    let urgent = report(&ReportQuery { priority: Some(Priority::Urgent), ..query() });
    assert_eq!(urgent.breaches.len(), 1);
    assert_eq!((urgent.csat.offered, urgent.csat.manual_ratings), (0, 1));
}

#[test]
fn an_empty_range_has_no_rows_to_divide_by() {
    let empty = Report::compute(&query(), &ReportInputs::default(), jan(20, 0));
    assert_eq!(empty.weeks.len(), 2);
    assert!(empty.breaches.is_empty() && empty.resolve_times.is_empty() && empty.engineers.is_empty());
    assert_eq!((empty.first_contact.percent, empty.csat.satisfied_percent), (None, None));
}
