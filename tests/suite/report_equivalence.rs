//! The optimised report loading (covering index, move facts kept as moves are written, only the
//! moves the backlog replays, sessions in one pass, guide answers grouped in SQL) gives the same
//! report as the straightforward computation: every ticket, its whole timeline, every session
//! and every dated step answer, read one by one through the public API, on a seeded desk with
//! varied data (worked, waiting, reopened and rated tickets, sessions, surveys, the samples).

use std::collections::BTreeMap;

use stepwise::app::report_bench::fill_report_store;
use stepwise::model::report::{
    GuideStepCounts, HintTally, Report, ReportInputs, ReportQuery, ReportTicket, StatusMove,
};
use stepwise::model::{Category, GuideId, Priority, StepStats, TicketId, TimelineEvent, now_ms};
use stepwise::store::Store;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The inputs of `query` the plain way: nothing narrowed, nothing kept in advance.
fn straightforward_inputs(store: &Store, db: &rusqlite::Connection, query: &ReportQuery) -> ReportInputs {
    let mut inputs = ReportInputs::default();
    for id in 1..=store.ticket_count().unwrap() {
        let ticket = store.ticket(TicketId(id)).unwrap();
        if ticket.created_at_ms >= query.to_ms {
            continue; // not there yet at the end of the range
        }
        for entry in store.history(ticket.id).unwrap() {
            if let TimelineEvent::StatusChanged { from, to } = entry.event {
                inputs.moves.push(StatusMove { ticket_id: ticket.id, at_ms: entry.at_ms, from, to });
            }
        }
        inputs.tickets.push(ReportTicket {
            id: ticket.id,
            number: ticket.number,
            title: ticket.fields.title,
            category: ticket.category,
            priority: ticket.priority,
            status: ticket.status,
            assignee: ticket.assignee,
            created_at_ms: ticket.created_at_ms,
            sla: ticket.sla,
            satisfaction: ticket.satisfaction,
            moves: Default::default(),
        });
    }
    inputs.fold_moves();
    inputs.sessions = store.sessions_between(i64::MIN, i64::MAX).unwrap();
    inputs.surveys = store.surveys_between(query.from_ms, query.to_ms).unwrap();
    let hints = store.jargon_hint_counts(query.from_ms, query.to_ms, query.engineer.as_deref()).unwrap();
    inputs.jargon_hints = HintTally { offered: hints.offered as u32, accepted: hints.accepted as u32 };

    // Every dated answer, counted here.
    let mut answers: BTreeMap<(i64, i64), StepStats> = BTreeMap::new();
    let mut dated = 0;
    let mut statement = db.prepare("SELECT guide_id, step_index, outcome, at_ms FROM guide_step_answers").unwrap();
    let mut rows = statement.query([]).unwrap();
    while let Some(row) = rows.next().unwrap() {
        dated += 1;
        let at_ms: i64 = row.get(3).unwrap();
        if !query.contains(at_ms) {
            continue;
        }
        let stats = answers.entry((row.get(0).unwrap(), row.get(1).unwrap())).or_default();
        match row.get::<_, String>(2).unwrap().as_str() {
            "done" => stats.done += 1,
            "didnt_work" => stats.didnt_work += 1,
            _ => stats.stuck += 1,
        }
    }
    let mut totals = 0;
    for summary in store.list_guides("").unwrap() {
        let (guide, stats) = store.guide(summary.id).unwrap();
        totals += stats.iter().map(|s| s.done + s.didnt_work + s.stuck).sum::<i64>();
        for (index, step) in guide.steps.iter().enumerate() {
            if let Some(stats) = answers.get(&(guide.id.0, index as i64)) {
                inputs.guide_steps.push(GuideStepCounts {
                    guide_id: GuideId(guide.id.0),
                    guide_title: guide.title.clone(),
                    step_index: index as i64,
                    instruction: step.instruction.clone(),
                    stats: *stats,
                });
            }
        }
    }
    inputs.undated_step_answers = u32::try_from(totals - dated).unwrap();
    inputs
}

#[test]
fn optimised_loading_gives_the_straightforward_report() {
    let dir = tempfile::tempdir().unwrap();
    let now = now_ms();
    let mut store = Store::open(dir.path()).unwrap();
    store.load_sample_tickets(now).unwrap();
    fill_report_store(&mut store, 1_500, now).unwrap();
    store.record_jargon_hint(now - 3 * DAY_MS, "Li Wei", "DNS", true).unwrap();
    let db = rusqlite::Connection::open(dir.path().join(stepwise::store::DATABASE_FILE)).unwrap();
    // Answers from before answers were dated: in the totals only.
    db.execute("UPDATE guide_step_outcomes SET stuck = stuck + 3 WHERE step_index = 0", []).unwrap();

    let year = ReportQuery { from_ms: now - 365 * DAY_MS, to_ms: now, ..ReportQuery::default() };
    let month = ReportQuery { from_ms: now - 100 * DAY_MS, to_ms: now - 70 * DAY_MS, ..ReportQuery::default() };
    let queries = [
        year.clone(),
        ReportQuery { to_ms: now + DAY_MS, ..year.clone() },
        month.clone(),
        ReportQuery { category: Some(Category::Network), ..month.clone() },
        ReportQuery { priority: Some(Priority::Urgent), ..year.clone() },
        ReportQuery { engineer: Some("王芳".into()), ..month.clone() },
        ReportQuery { engineer: Some("Li Wei".into()), category: Some(Category::Software), ..year.clone() },
        // Weeks on a clock eight hours ahead.
        ReportQuery {
            from_ms: month.from_ms - 8 * 3_600_000,
            to_ms: month.to_ms - 8 * 3_600_000,
            utc_offset_minutes: 480,
            ..month.clone()
        },
        ReportQuery { from_ms: now - 3 * DAY_MS, to_ms: now - DAY_MS, ..ReportQuery::default() },
    ];
    let mut compared = 0;
    for query in &queries {
        let optimised = store.report(query, now).unwrap();
        let straightforward = Report::compute(query, &straightforward_inputs(&store, &db, query), now);
        assert_eq!(optimised, straightforward, "{query:?}");
        compared += 1;
        // Something to compare: the ranges hold tickets, resolutions, sessions and a backlog.
        if query.engineer.is_none() && query.category.is_none() {
            assert!(optimised.weeks.iter().any(|w| w.opened.iter().sum::<u32>() > 0), "{query:?}");
            assert!(optimised.backlog.iter().any(|row| row.open.iter().sum::<u32>() > 0), "{query:?}");
        }
    }
    assert_eq!(compared, queries.len());
    let full = store.report(&year, now).unwrap();
    assert!(full.first_contact.resolved > 500 && full.first_contact.reopened > 0, "{:?}", full.first_contact);
    assert!(full.csat.answered > 0 && full.csat.manual_ratings > 0);
    assert!(!full.failing_steps.is_empty() && full.failing_steps_undated > 0);
}
