//! `stepwise bench team`: simulated engineers editing, commenting and searching one team
//! database at once, each on its own connection and, like a console, with its own listener
//! (which hears every colleague's notice and sends the engineer's own), while one more listener
//! measures how soon changes reach another console; every acknowledged write is checked
//! against the final rows.
//! `stepwise bench store --database URL`: the single-desk store benchmark on a team database.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde::Serialize;

use super::bench::{Lcg, elapsed_ms, percentile, synthetic};
use crate::model::{
    Category, DeskQuery, Engineer, EngineerId, NewEngineer, NewTicket, TicketChange, TicketFilter, TicketId, now_ms,
};
use crate::store::StoreError;
use crate::store::desk::TicketDesk;
use crate::store::team::{ListenerEvent, TeamConfig, TeamListener, TeamStore};

const SEED_BATCH: usize = 1_000;
const QUERIES: [&str; 10] =
    ["printer", "VPN", "password", "Outlook", "0x80070", "打印机", "网络", "密码", "打印", "邮箱已满"];
/// Tickets the engineers edit (a hot set, so edits meet and conflicts happen).
const HOT_TICKETS: usize = 200;

/// Results of `bench team`, one flat JSON object.
#[derive(Debug, Serialize)]
pub struct TeamBenchReport {
    /// Simulated engineers (one connection each).
    pub engineers: usize,
    /// Tickets in the database.
    pub tickets: usize,
    /// Seconds the engineers worked.
    pub seconds: u64,
    /// Each engineer's pause between two operations (0: back to back, the database saturated).
    pub think_ms: u64,
    /// Seeding rate, tickets per second (batches of 1 000).
    pub seed_per_s: f64,
    /// Operations (searches, edits, notes) per second, all engineers together.
    pub ops_per_s: f64,
    /// Searches (count + first page of 100), 99th percentile.
    pub search_ms_p99: f64,
    /// Searches, median.
    pub search_ms_p50: f64,
    /// Versioned edits (acknowledged or refused as a conflict), 99th percentile.
    pub update_ms_p99: f64,
    /// Versioned edits, median.
    pub update_ms_p50: f64,
    /// From starting a write until the listener of another connection had its notice, 99th percentile.
    pub notify_ms_p99: f64,
    /// Same, median.
    pub notify_ms_p50: f64,
    /// Acknowledged writes (edits and notes) missing from the final rows (must be 0).
    pub lost_updates: usize,
    /// Acknowledged writes checked.
    pub acknowledged_writes: usize,
    /// Edits refused as a field conflict.
    pub conflicts_reported: usize,
    /// Edits applied on top of another engineer's newer version (different fields).
    pub merged: usize,
    /// Notices the listener received.
    pub notices: usize,
}

/// One engineer's record.
#[derive(Default)]
struct Work {
    ops: usize,
    search_ms: Vec<f64>,
    update_ms: Vec<f64>,
    conflicts: usize,
    merged: usize,
    /// Acknowledged location edits: ticket, the value written, the version it produced.
    edits: Vec<(TicketId, String, i64)>,
    /// Acknowledged notes: ticket and text.
    notes: Vec<(TicketId, String)>,
}

/// When each write started, by (ticket, version it produced), and when its notice arrived.
type Clock = Arc<Mutex<HashMap<(i64, i64), Instant>>>;

/// What `bench team` runs.
#[derive(Debug, Clone)]
pub struct TeamBenchPlan {
    /// Simulated engineers, one connection (and one listener) each.
    pub engineers: usize,
    /// Tickets generated first.
    pub tickets: usize,
    /// How long the engineers work.
    pub seconds: u64,
    /// Mean pause between two operations of one engineer.
    pub think_ms: u64,
    /// Work on the tickets and engineers an earlier run seeded (a copy of its database) instead
    /// of seeding an empty one; the seeding rate is then reported as 0.
    pub reuse_seeded: bool,
}

/// Runs `bench team` against the (empty, or with `reuse_seeded` earlier seeded) team database
/// at `url`.
pub fn run_team_bench(url: &str, plan: &TeamBenchPlan) -> anyhow::Result<TeamBenchReport> {
    let TeamBenchPlan { engineers, tickets, seconds, think_ms, reuse_seeded } = *plan;
    let config = TeamConfig::new(url);
    let mut setup = TeamStore::connect(&config).context("cannot open the team database")?;
    let (seed_per_s, ids, directory) = if reuse_seeded {
        let (ids, directory) = seeded(&mut setup, tickets, engineers)?;
        (0.0, ids, directory)
    } else {
        if setup.ticket_count()? > 0 {
            bail!("the team database already holds tickets; the benchmark needs an empty one");
        }
        let (seed_per_s, ids) = seed(&mut setup, tickets)?;
        let mut directory = Vec::new();
        for index in 0..engineers {
            let new = NewEngineer {
                name: bench_engineer_name(index),
                team: format!("team {}", index % 3),
                tier: 1,
                skills: vec![Category::ALL[index % Category::ALL.len()]],
            };
            directory.push(setup.add_engineer(&new, "bench password", now_ms())?);
        }
        (seed_per_s, ids, directory)
    };

    let written: Clock = Arc::default();
    let arrived: Clock = Arc::default();
    let notices = Arc::new(Mutex::new(0_usize));
    let listener = {
        let (arrived, notices) = (Arc::clone(&arrived), Arc::clone(&notices));
        TeamListener::spawn_with(config.clone(), move |event| {
            if let ListenerEvent::Notice(notice) = event {
                let at = Instant::now();
                if let Ok(mut count) = notices.lock() {
                    *count += 1;
                }
                if let (Some(version), Ok(mut arrived)) = (notice.version, arrived.lock()) {
                    arrived.entry((notice.ticket.0, version.0)).or_insert(at);
                }
            }
        })?
    };
    std::thread::sleep(Duration::from_millis(500));

    let hot: Vec<TicketId> = ids.iter().rev().take(HOT_TICKETS).copied().collect();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let threads: Vec<_> = directory
        .iter()
        .enumerate()
        .map(|(index, engineer)| {
            let (config, hot, written) = (config.clone(), hot.clone(), Arc::clone(&written));
            let (name, id) = (engineer.name.clone(), engineer.id);
            std::thread::Builder::new()
                .name(format!("bench-engineer-{index}"))
                .spawn(move || {
                    let pace = Pace { think: Duration::from_millis(think_ms), deadline };
                    engineer_loop(&config, index, &name, id, &hot, &written, pace)
                })
                .context("cannot start an engineer thread")
        })
        .collect::<anyhow::Result<_>>()?;
    let mut work = Vec::new();
    for thread in threads {
        work.push(thread.join().map_err(|_| anyhow::anyhow!("an engineer thread panicked"))??);
    }
    let worked_s = started.elapsed().as_secs_f64();
    std::thread::sleep(Duration::from_secs(2));
    listener.stop();

    let (lost_updates, acknowledged_writes) = verify(&mut setup, &work)?;
    let mut notify_ms: Vec<f64> = {
        let written = written.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
        let arrived = arrived.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
        written
            .iter()
            .map(|(key, start)| match arrived.get(key) {
                Some(at) => at.saturating_duration_since(*start).as_secs_f64() * 1_000.0,
                None => f64::INFINITY,
            })
            .collect()
    };
    let mut search: Vec<f64> = work.iter().flat_map(|work| work.search_ms.iter().copied()).collect();
    let mut update: Vec<f64> = work.iter().flat_map(|work| work.update_ms.iter().copied()).collect();
    let notices = *notices.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
    Ok(TeamBenchReport {
        engineers,
        tickets,
        seconds,
        think_ms,
        seed_per_s,
        ops_per_s: work.iter().map(|work| work.ops).sum::<usize>() as f64 / worked_s.max(1e-9),
        search_ms_p99: percentile(&mut search, 0.99),
        search_ms_p50: percentile(&mut search, 0.5),
        update_ms_p99: percentile(&mut update, 0.99),
        update_ms_p50: percentile(&mut update, 0.5),
        notify_ms_p99: percentile(&mut notify_ms, 0.99),
        notify_ms_p50: percentile(&mut notify_ms, 0.5),
        lost_updates,
        acknowledged_writes,
        conflicts_reported: work.iter().map(|work| work.conflicts).sum(),
        merged: work.iter().map(|work| work.merged).sum(),
        notices,
    })
}

/// Fills the database with `tickets` generated tickets over the last 30 days; returns the rate
/// and their ids (oldest first).
fn seed(store: &mut TeamStore, tickets: usize) -> anyhow::Result<(f64, Vec<TicketId>)> {
    let now = now_ms();
    let mut rng = Lcg(42);
    let span_ms = 30 * 24 * 3_600_000_i64;
    let forms: Vec<(NewTicket, i64)> = (0..tickets)
        .map(|index| (synthetic(&mut rng, index), now - span_ms + span_ms * index as i64 / tickets.max(1) as i64))
        .collect();
    let start = Instant::now();
    for batch in forms.chunks(SEED_BATCH) {
        store.create_tickets(batch, "bench")?;
    }
    let rate = tickets as f64 / start.elapsed().as_secs_f64().max(1e-9);
    store.refresh_statistics()?;
    let all = DeskQuery::default();
    let mut ids: Vec<TicketId> = store.desk_page(&all, 0, 10_000, now)?.into_iter().map(|row| row.id).collect();
    ids.sort();
    Ok((rate, ids))
}

fn bench_engineer_name(index: usize) -> String {
    format!("bench engineer {index:02}")
}

/// The tickets (oldest first) and engineers of a database an earlier run seeded; refused unless
/// it holds exactly `tickets` tickets and at least `engineers` bench engineers.
fn seeded(store: &mut TeamStore, tickets: usize, engineers: usize) -> anyhow::Result<(Vec<TicketId>, Vec<Engineer>)> {
    let held = store.ticket_count()?;
    if usize::try_from(held).ok() != Some(tickets) {
        bail!(
            "the team database holds {held} tickets, not the {tickets} asked for; seed it with a run without --reuse-seeded"
        );
    }
    let mut by_name: HashMap<String, Engineer> =
        store.engineers()?.into_iter().map(|engineer| (engineer.name.clone(), engineer)).collect();
    let directory = (0..engineers)
        .map(|index| {
            by_name.remove(&bench_engineer_name(index)).with_context(|| {
                format!(
                    "the database has no \"{}\"; seed it with at least {engineers} engineers",
                    bench_engineer_name(index)
                )
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let all = DeskQuery::default();
    let mut ids: Vec<TicketId> = store.desk_page(&all, 0, 10_000, now_ms())?.into_iter().map(|row| row.id).collect();
    ids.sort();
    Ok((ids, directory))
}

/// How an engineer works: the pause between operations (reading the screen) and until when.
struct Pace {
    think: Duration,
    deadline: Instant,
}

fn engineer_loop(
    config: &TeamConfig,
    index: usize,
    name: &str,
    id: EngineerId,
    hot: &[TicketId],
    written: &Clock,
    pace: Pace,
) -> anyhow::Result<Work> {
    let mut store = TeamStore::connect(config)?;
    // Like a console: its own listener hears the others and sends this engineer's notices.
    let own_listener = TeamListener::spawn_with(config.clone(), |_| {})?;
    store.notify_through(own_listener.outbox());
    let mut rng = Lcg(1_000 + index as u64);
    let mut work = Work::default();
    let mut counter = 0_usize;
    while Instant::now() < pace.deadline {
        if !pace.think.is_zero() {
            // Spread around the mean so the engineers do not move in step.
            std::thread::sleep(pace.think.mul_f64(0.5 + (rng.next() % 1_000) as f64 / 1_000.0));
        }
        let now = now_ms();
        let ticket = *rng.pick(hot);
        match rng.next() % 4 {
            0 => {
                let filter = TicketFilter { text: (*rng.pick(&QUERIES)).to_owned(), ..TicketFilter::default() };
                let start = Instant::now();
                std::hint::black_box(store.desk_first_page(&DeskQuery::from(filter), 100, now)?);
                work.search_ms.push(elapsed_ms(start));
            }
            1 => {
                counter += 1;
                let text = format!("{name} note {counter}");
                store.desk_add_note(ticket, &text, name, now)?;
                work.notes.push((ticket, text));
            }
            _ => {
                // Read, look something up (the engineer thinks), then save one field.
                let read = store.ticket_at(ticket)?;
                let filter = DeskQuery { assigned_to: Some(id), ..DeskQuery::default() };
                std::hint::black_box(store.desk_first_page(&filter, 20, now)?);
                counter += 1;
                let value = format!("{name} desk {counter}");
                let mut fields = read.ticket.fields.clone();
                fields.location.clone_from(&value);
                let change = TicketChange::Fields(Box::new(fields));
                let start = Instant::now();
                let outcome = store.change_ticket_at(ticket, read.version, &change, name, now);
                work.update_ms.push(elapsed_ms(start));
                match outcome {
                    Ok(changed) => {
                        let version = changed.ticket.version.0;
                        if let Ok(mut written) = written.lock() {
                            written.insert((ticket.0, version), start);
                        }
                        if changed.merged_over.is_some() {
                            work.merged += 1;
                        }
                        work.edits.push((ticket, value, version));
                    }
                    Err(StoreError::Conflict { .. }) => work.conflicts += 1,
                    Err(other) => return Err(other.into()),
                }
            }
        }
        work.ops += 1;
    }
    own_listener.stop();
    Ok(work)
}

/// Compares every acknowledged write with the final rows: each ticket's location must be the
/// one of its newest acknowledged edit, and every acknowledged note must be there. Returns
/// (lost, checked).
fn verify(store: &mut TeamStore, work: &[Work]) -> anyhow::Result<(usize, usize)> {
    let mut newest: HashMap<TicketId, (i64, &str)> = HashMap::new();
    for (ticket, value, version) in work.iter().flat_map(|work| &work.edits) {
        let entry = newest.entry(*ticket).or_insert((*version, value));
        if *version > entry.0 {
            *entry = (*version, value);
        }
    }
    let mut lost = 0;
    for (ticket, (_, value)) in &newest {
        if store.ticket_at(*ticket)?.ticket.fields.location != *value {
            lost += 1;
        }
    }
    let mut notes_by_ticket: HashMap<TicketId, Vec<&str>> = HashMap::new();
    for (ticket, text) in work.iter().flat_map(|work| &work.notes) {
        notes_by_ticket.entry(*ticket).or_default().push(text);
    }
    for (ticket, texts) in &notes_by_ticket {
        let stored: std::collections::HashSet<String> =
            store.desk_notes(*ticket)?.into_iter().map(|note| note.text).collect();
        lost += texts.iter().filter(|text| !stored.contains(**text)).count();
    }
    let checked = work.iter().map(|work| work.edits.len() + work.notes.len()).sum();
    Ok((lost, checked))
}

/// Results of `bench store --database URL`: the keys of `bench store` that a team database has.
#[derive(Debug, Serialize)]
pub struct TeamStoreBenchReport {
    /// Tickets inserted.
    pub tickets: usize,
    /// Tickets created per second, in transactions of 1 000.
    pub insert_per_s: f64,
    /// Tickets created per second, one transaction each, over 200 tickets.
    pub insert_single_per_s: f64,
    /// Search (count + first page) median over all queries.
    pub search_ms_p50: f64,
    /// Search 99th percentile.
    pub search_ms_p99: f64,
    /// Median over the Latin queries.
    pub search_ms_p50_latin: f64,
    /// Median over the Chinese queries.
    pub search_ms_p50_cjk: f64,
    /// First sidebar page (count + 100 rows in SLA order), median.
    pub first_page_ms: f64,
    /// First sidebar page, worst of the runs.
    pub first_page_ms_max: f64,
    /// Database size on the server.
    pub db_bytes: i64,
}

/// Runs `bench store` on the (empty) team database at `url`.
pub fn run_team_store_bench(url: &str, tickets: usize) -> anyhow::Result<TeamStoreBenchReport> {
    let mut store = TeamStore::connect(&TeamConfig::new(url)).context("cannot open the team database")?;
    if store.ticket_count()? > 0 {
        bail!("the team database already holds tickets; the benchmark needs an empty one");
    }
    let (insert_per_s, _) = seed(&mut store, tickets)?;
    let mut rng = Lcg(7);
    let now = now_ms();
    let single = 200;
    let start = Instant::now();
    for index in 0..single {
        store.desk_create(&synthetic(&mut rng, tickets + index), "bench", now)?;
    }
    let insert_single_per_s = single as f64 / start.elapsed().as_secs_f64().max(1e-9);
    let timed = |store: &mut TeamStore, text: &str| -> anyhow::Result<f64> {
        let query = DeskQuery::from(TicketFilter { text: text.to_owned(), ..TicketFilter::default() });
        let start = Instant::now();
        std::hint::black_box(store.desk_first_page(&query, 100, now)?);
        Ok(elapsed_ms(start))
    };
    let (mut latin, mut cjk) = (Vec::new(), Vec::new());
    for _ in 0..10 {
        for query in QUERIES {
            let ms = timed(&mut store, query)?;
            if query.is_ascii() { latin.push(ms) } else { cjk.push(ms) }
        }
    }
    let mut all: Vec<f64> = latin.iter().chain(&cjk).copied().collect();
    let mut first_page: Vec<f64> = (0..20).map(|_| timed(&mut store, "")).collect::<anyhow::Result<_>>()?;
    Ok(TeamStoreBenchReport {
        tickets,
        insert_per_s,
        insert_single_per_s,
        search_ms_p50: percentile(&mut all, 0.5),
        search_ms_p99: percentile(&mut all, 0.99),
        search_ms_p50_latin: percentile(&mut latin, 0.5),
        search_ms_p50_cjk: percentile(&mut cjk, 0.5),
        first_page_ms: percentile(&mut first_page, 0.5),
        first_page_ms_max: percentile(&mut first_page, 1.0),
        db_bytes: store.database_bytes()?,
    })
}
