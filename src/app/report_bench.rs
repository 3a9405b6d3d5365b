//! `stepwise bench report`: one year of generated tickets (worked, resolved, some reopened and
//! rated) with sessions and exit surveys in an in-memory store; measures computing every chart
//! of the Reports window (`report_ms`, the store thread's work) and writing the PDF (`pdf_ms`).

use std::time::Instant;

use anyhow::Context as _;
use serde::Serialize;

use super::bench::{Lcg, elapsed_ms, percentile, synthetic};
use super::report_export::{font::find_cjk_font, heading, pdf};
use crate::model::report::{DAY_MS, ReportQuery};
use crate::model::{SurveyOutcome, SurveyRecord, TicketChange, TicketId};
use crate::protocol::{Answer, StepOutcome, SurveyAnswers};
use crate::store::{Store, StoreResult};
use crate::ui::Lang;

const MINUTE_MS: i64 = 60_000;
const ENGINEERS: [&str; 6] = ["Li Wei", "王芳", "Maria Garcia", "张强", "John Smith", "陈静"];
const BATCH: usize = 1_000;
const REPORT_ROUNDS: usize = 7;
const PDF_ROUNDS: usize = 3;

/// Results of `bench report`, one flat JSON object.
#[derive(Debug, Serialize)]
pub struct ReportBenchResult {
    /// Tickets generated.
    pub tickets: usize,
    /// Sessions generated.
    pub sessions: usize,
    /// Surveys generated (answered or not).
    pub surveys: usize,
    /// Time to generate them (not a target).
    pub generate_s: f64,
    /// Loading the inputs and computing every chart of the Reports window for the whole year, median.
    pub report_ms: f64,
    /// Same, worst run.
    pub report_ms_max: f64,
    /// Of `report_ms`: loading the inputs (SQL), median.
    pub load_ms: f64,
    /// Writing the whole report as a PDF (charts drawn, tables laid out, font subset), median.
    pub pdf_ms: f64,
    /// Size of that PDF.
    pub pdf_bytes: usize,
    /// Breaches listed in the report (a sanity figure).
    pub breaches: usize,
}

/// What [`fill_report_store`] made.
#[derive(Clone, Copy, Debug, Default)]
pub struct Generated {
    /// Tickets.
    pub tickets: usize,
    /// Sessions.
    pub sessions: usize,
    /// Surveys.
    pub surveys: usize,
}

/// Fills `store` with `tickets` tickets created over the year before `now_ms`, worked through
/// the real workflow (assigned, in progress, resolved, some reopened, some rated), with sessions
/// and surveys, and guide step answers. Deterministic.
pub fn fill_report_store(store: &mut Store, tickets: usize, now_ms: i64) -> StoreResult<Generated> {
    let mut rng = Lcg(13);
    let span_ms = 365 * DAY_MS;
    let start_ms = now_ms - span_ms;
    let forms: Vec<_> = (0..tickets)
        .map(|index| (synthetic(&mut rng, index), start_ms + span_ms * index as i64 / tickets.max(1) as i64))
        .collect();
    let first_id = store.ticket_count()? + 1;
    for batch in forms.chunks(BATCH) {
        store.create_tickets(batch, "intake")?;
    }
    let mut made = Generated { tickets, ..Generated::default() };
    for (offset, (_, created_ms)) in forms.iter().enumerate() {
        let id = TicketId(first_id + offset as i64);
        let engineer = *rng.pick(&ENGINEERS);
        let mut at = created_ms + (5 + (rng.next() % 240) as i64) * MINUTE_MS;
        store.change_ticket(id, &TicketChange::Assign(Some(engineer.to_owned())), engineer, at)?;
        if rng.next().is_multiple_of(10) {
            continue; // still waiting for someone to start
        }
        at += (rng.next() % 120) as i64 * MINUTE_MS;
        store.change_ticket(id, &TicketChange::Status(crate::model::Status::InProgress), engineer, at)?;
        let sessions = rng.next() % 3;
        for _ in 0..sessions {
            at += (10 + (rng.next() % 600) as i64) * MINUTE_MS;
            if at >= now_ms {
                break;
            }
            add_session(store, &mut rng, id, engineer, at, &mut made)?;
            at += 90 * MINUTE_MS;
        }
        let work_ms = (30 + (rng.next() % (5 * 24 * 60)) as i64) * MINUTE_MS;
        if at + work_ms >= now_ms || rng.next().is_multiple_of(8) {
            continue; // still open
        }
        at += work_ms;
        store.change_ticket(id, &TicketChange::Resolution("fixed".into()), engineer, at)?;
        store.change_ticket(id, &TicketChange::Status(crate::model::Status::Resolved), engineer, at)?;
        let roll = rng.next() % 20;
        if roll == 0 && at + 2 * DAY_MS < now_ms {
            let back = at + DAY_MS + (rng.next() % 1_000) as i64 * MINUTE_MS;
            store.change_ticket(id, &TicketChange::Status(crate::model::Status::InProgress), engineer, back)?;
            store.change_ticket(id, &TicketChange::Status(crate::model::Status::Resolved), engineer, back + DAY_MS)?;
        } else if roll < 4 {
            let rating = 1 + (rng.next() % 5) as i64;
            store.change_ticket(id, &TicketChange::Satisfaction { rating, comment: String::new() }, engineer, at)?;
        }
    }
    answer_guide_steps(store, &mut rng, start_ms, span_ms)?;
    Ok(made)
}

fn add_session(
    store: &mut Store,
    rng: &mut Lcg,
    ticket: TicketId,
    engineer: &str,
    at_ms: i64,
    made: &mut Generated,
) -> StoreResult<()> {
    let session = store.begin_session(ticket, engineer, at_ms)?;
    made.sessions += 1;
    let end_ms = at_ms + (3 + (rng.next() % 60) as i64) * MINUTE_MS;
    if !rng.next().is_multiple_of(6) {
        store.mark_session_joined(session, at_ms + MINUTE_MS)?;
        store.end_session(session, "engineer_ended", end_ms)?;
        let outcome = if rng.next().is_multiple_of(3) {
            SurveyOutcome::NotAnswered { reason: "skipped".into() }
        } else {
            let answer =
                |rng: &mut Lcg| *rng.pick(&[Answer::Yes, Answer::Yes, Answer::Yes, Answer::Partly, Answer::No]);
            SurveyOutcome::Answered(SurveyAnswers {
                solved: answer(rng),
                rating: *rng.pick(&[5, 5, 4, 4, 4, 3, 2, 1]),
                explanations_clear: answer(rng),
                comment: String::new(),
            })
        };
        let survey = SurveyRecord {
            session_id: session,
            ticket_id: ticket,
            asked_at_ms: end_ms,
            settled_at_ms: end_ms + 20_000,
            outcome,
        };
        store.record_survey(&survey, "user")?;
        made.surveys += 1;
    } else {
        store.end_session(session, "code_expired", end_ms)?;
    }
    Ok(())
}

fn answer_guide_steps(store: &mut Store, rng: &mut Lcg, start_ms: i64, span_ms: i64) -> StoreResult<()> {
    for guide in store.list_guides("")? {
        for step in 0..guide.step_count as i64 {
            for _ in 0..(rng.next() % 40) {
                let outcome = *rng.pick(&[
                    StepOutcome::Done,
                    StepOutcome::Done,
                    StepOutcome::Done,
                    StepOutcome::DidntWork,
                    StepOutcome::Stuck,
                ]);
                let at_ms = start_ms + (rng.next() % span_ms.unsigned_abs().max(1)) as i64;
                store.record_step_answer(guide.id, step, outcome, at_ms)?;
            }
        }
    }
    Ok(())
}

/// Runs the benchmark on `tickets` generated tickets.
pub fn run_report_bench(tickets: usize) -> anyhow::Result<ReportBenchResult> {
    let now = crate::model::now_ms();
    let mut store = Store::open_in_memory()?;
    let start = Instant::now();
    let made = fill_report_store(&mut store, tickets, now)?;
    let generate_s = start.elapsed().as_secs_f64();
    let query = ReportQuery { from_ms: now - 365 * DAY_MS, to_ms: now, ..ReportQuery::default() };

    let mut report_ms = Vec::new();
    let mut load_ms = Vec::new();
    let mut report = None;
    for _ in 0..REPORT_ROUNDS {
        let start = Instant::now();
        let inputs = store.report_inputs(&query, now)?;
        load_ms.push(elapsed_ms(start));
        report = Some(crate::model::report::Report::compute(&query, &inputs, now));
        report_ms.push(elapsed_ms(start));
    }
    let report = report.context("no report computed")?;

    let font = find_cjk_font()?;
    let heading = heading(&report, Lang::Zh);
    let mut pdf_ms = Vec::new();
    let mut pdf_bytes = 0;
    for _ in 0..PDF_ROUNDS {
        let start = Instant::now();
        pdf_bytes = pdf::report_pdf(&report, &heading, Lang::Zh, &font)?.len();
        pdf_ms.push(elapsed_ms(start));
    }
    Ok(ReportBenchResult {
        tickets: made.tickets,
        sessions: made.sessions,
        surveys: made.surveys,
        generate_s,
        report_ms: percentile(&mut report_ms.clone(), 0.5),
        report_ms_max: percentile(&mut report_ms, 1.0),
        load_ms: percentile(&mut load_ms, 0.5),
        pdf_ms: percentile(&mut pdf_ms, 0.5),
        pdf_bytes,
        breaches: report.breaches.len(),
    })
}
