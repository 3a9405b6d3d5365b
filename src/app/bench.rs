//! `stepwise bench store`: fills a fresh store with synthetic tickets and measures insert rate,
//! search latency (Latin and CJK), the first sidebar page in SLA order, and the CPU time of one
//! console frame with that store.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context as _, bail};
use serde::Serialize;

use crate::model::TicketFilter;
use crate::model::{Category, EngineerProfile, Grade, NewTicket, TicketFields, now_ms};
use crate::model::{ChatAuthor, TimelineEvent};
use crate::store::Store;
use crate::ui::{DeskState, Lang, StoreInfo, UiEvent};

use super::store_worker::run_command;
use crate::ui::UiCommand;

const BATCH: usize = 1_000;
const LATIN_QUERIES: [&str; 5] = ["printer", "VPN", "password", "Outlook", "0x80070"];
const CJK_QUERIES: [&str; 5] = ["打印机", "网络", "密码", "无法登录", "邮箱已满"];
const SEARCH_ROUNDS: usize = 10;
const FRAMES: usize = 60;

/// Results of `bench store`, one flat JSON object.
#[derive(Debug, Serialize)]
pub struct StoreBenchReport {
    /// Tickets inserted.
    pub tickets: usize,
    /// Tickets created per second, in transactions of 1 000.
    pub insert_per_s: f64,
    /// Tickets created per second, one transaction (one fsync) each, over 200 tickets.
    pub insert_single_per_s: f64,
    /// Search (count + first page from one evaluation, as the sidebar does) median over all queries.
    pub search_ms_p50: f64,
    /// Search 99th percentile over all queries.
    pub search_ms_p99: f64,
    /// Median over the Latin queries.
    pub search_ms_p50_latin: f64,
    /// Median over the Chinese queries.
    pub search_ms_p50_cjk: f64,
    /// Peer in the same run: count and first page as two queries (the match evaluated twice), median.
    pub search_two_queries_ms_p50: f64,
    /// Same peer, 99th percentile.
    pub search_two_queries_ms_p99: f64,
    /// First sidebar page (count + 100 rows in SLA order), median.
    pub first_page_ms: f64,
    /// First sidebar page, worst of the runs.
    pub first_page_ms_max: f64,
    /// CPU time of one console frame (layout + tessellation of sidebar rows, filters, main pane), median.
    pub sidebar_frame_ms: f64,
    /// Same, worst frame after warm-up.
    pub sidebar_frame_ms_max: f64,
    /// Database size on disk.
    pub db_bytes: u64,
    /// Timeline entries of the long ticket opened below.
    pub long_timeline_entries: u64,
    /// Opening a ticket with that timeline as the console does (ticket, notes, newest page), median.
    pub ticket_open_ms: f64,
    /// Entries the console holds after opening it.
    pub ticket_open_entries_loaded: usize,
    /// Peer in the same run: the same ticket with its whole timeline read (as before paging), median.
    pub ticket_open_whole_timeline_ms: f64,
}

/// A small deterministic generator, so every run inserts the same tickets.
pub(crate) struct Lcg(pub(crate) u64);

impl Lcg {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() as usize) % items.len()]
    }
}

const TEMPLATES: [(&str, &str, Category); 12] = [
    (
        "Printer offline on floor {}",
        "The printer shows 'Offline' and jobs stay in the queue since this morning.",
        Category::Hardware,
    ),
    (
        "VPN fails to connect (site {})",
        "FortiClient says 'Unable to establish the VPN connection. (-14)' at 98%.",
        Category::Network,
    ),
    (
        "Password reset for ERP user {}",
        "Account locked after several wrong password attempts; ORA-28000.",
        Category::Account,
    ),
    (
        "Outlook will not start #{}",
        "Outlook hangs on 'Loading profile' then shows error 0x80070057.",
        Category::Software,
    ),
    (
        "Mailbox full, cannot send ({})",
        "Message 'Your mailbox is full' appears when sending attachments.",
        Category::Software,
    ),
    ("Slow PC in room {}", "Startup takes ten minutes and the disk is at 100% all day.", Category::Hardware),
    ("打印机脱机（{} 号）", "打印机显示“脱机”，打印任务一直在队列中，重启后仍然如此。", Category::Hardware),
    ("VPN 无法连接（分部 {}）", "提示“无法建立 VPN 连接（-14）”，在家办公的同事都受影响。", Category::Network),
    ("ERP 无法登录，用户 {}", "输入密码后提示“用户已锁定”，无法提交报销单。", Category::Account),
    ("邮箱已满无法发送邮件 {}", "发送带附件的邮件时提示“邮箱已满”，需要清理或扩容。", Category::Software),
    ("无线网络经常掉线（{} 会议室）", "会议中每隔十分钟断开一次，网络图标显示黄色感叹号。", Category::Network),
    ("数据库报表查询超时 {}", "月末财务报表查询超过 5 分钟后超时，提示“查询超时”。", Category::Database),
];
const NAMES: [&str; 8] = ["王丽", "Li Na", "张伟", "Maria Garcia", "刘洋", "John Smith", "陈静", "Priya Patel"];

pub(crate) fn synthetic(rng: &mut Lcg, index: usize) -> NewTicket {
    let (title, description, category) = *rng.pick(&TEMPLATES);
    let grades = [Grade::Low, Grade::Medium, Grade::High];
    NewTicket {
        fields: TicketFields {
            title: title.replace("{}", &index.to_string()),
            requester_name: (*rng.pick(&NAMES)).to_owned(),
            department: "Finance".into(),
            description: description.to_owned(),
            ..TicketFields::default()
        },
        category,
        urgency: *rng.pick(&grades),
        impact: *rng.pick(&grades),
        reported_at_ms: None,
    }
}

/// The `share` quantile (0..=1) of `samples` (sorted in place); 0 for none.
pub(crate) fn percentile(samples: &mut [f64], share: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    samples.sort_by(f64::total_cmp);
    let rank = ((samples.len() - 1) as f64 * share).round() as usize;
    samples[rank.min(samples.len() - 1)]
}

pub(crate) fn elapsed_ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1_000.0
}

/// CPU time of this thread, ms (wall time where the platform has no per-thread clock).
fn thread_cpu_ms() -> f64 {
    #[cfg(unix)]
    {
        let mut spec = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `spec` is a valid, writable timespec for the duration of the call.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut spec) } == 0 {
            return spec.tv_sec as f64 * 1_000.0 + spec.tv_nsec as f64 / 1_000_000.0;
        }
    }
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    elapsed_ms(*START.get_or_init(Instant::now))
}

/// Runs the benchmark in `data_dir`, which must not hold tickets yet.
pub fn run_store_bench(data_dir: &Path, tickets: usize) -> anyhow::Result<StoreBenchReport> {
    let mut store = Store::open(data_dir).with_context(|| format!("cannot open a store in {}", data_dir.display()))?;
    if store.ticket_count()? > 0 {
        bail!("{} already holds tickets; the benchmark needs a fresh data folder", data_dir.display());
    }
    let now = now_ms();
    let mut rng = Lcg(42);
    // Creation times spread over the last 30 days, oldest first, so SLA states vary.
    let span_ms = 30 * 24 * 3_600_000_i64;
    let forms: Vec<(NewTicket, i64)> = (0..tickets)
        .map(|index| {
            let created = now - span_ms + span_ms * index as i64 / tickets.max(1) as i64;
            (synthetic(&mut rng, index), created)
        })
        .collect();
    let start = Instant::now();
    for batch in forms.chunks(BATCH) {
        store.create_tickets(batch, "bench")?;
    }
    let insert_per_s = tickets as f64 / start.elapsed().as_secs_f64().max(1e-9);

    let single = 200;
    let start = Instant::now();
    for index in 0..single {
        store.create_ticket(&synthetic(&mut rng, tickets + index), "bench", now)?;
    }
    let insert_single_per_s = single as f64 / start.elapsed().as_secs_f64().max(1e-9);

    let sidebar_query = |store: &Store, filter: &TicketFilter| -> anyhow::Result<f64> {
        let start = Instant::now();
        let (total, rows) = store.first_page(filter, crate::ui::sidebar::PAGE_SIZE, now)?;
        std::hint::black_box((total, rows));
        Ok(elapsed_ms(start))
    };
    let two_queries = |store: &Store, filter: &TicketFilter| -> anyhow::Result<f64> {
        let start = Instant::now();
        let total = store.count_tickets(filter, now)?;
        let rows = store.list_tickets(filter, 0, crate::ui::sidebar::PAGE_SIZE, now)?;
        std::hint::black_box((total, rows));
        Ok(elapsed_ms(start))
    };
    let mut latin = Vec::new();
    let mut cjk = Vec::new();
    let mut peer = Vec::new();
    for _ in 0..SEARCH_ROUNDS {
        for (queries, samples) in [(&LATIN_QUERIES, &mut latin), (&CJK_QUERIES, &mut cjk)] {
            for query in queries {
                let filter = TicketFilter { text: (*query).to_owned(), ..TicketFilter::default() };
                let ms = sidebar_query(&store, &filter)?;
                tracing::debug!(query, ms, "search");
                samples.push(ms);
                peer.push(two_queries(&store, &filter)?);
            }
        }
    }
    let mut all: Vec<f64> = latin.iter().chain(&cjk).copied().collect();
    let mut first_page: Vec<f64> =
        (0..20).map(|_| sidebar_query(&store, &TicketFilter::default())).collect::<anyhow::Result<_>>()?;

    let (sidebar_frame_ms, sidebar_frame_ms_max) = measure_frames(&mut store, data_dir, now)?;
    let long = measure_long_timeline(&mut store, now)?;
    let db_bytes = std::fs::metadata(store.path()).map(|meta| meta.len()).unwrap_or(0)
        + std::fs::metadata(store.path().with_extension("db-wal")).map(|meta| meta.len()).unwrap_or(0);
    Ok(StoreBenchReport {
        tickets,
        insert_per_s,
        insert_single_per_s,
        search_ms_p50: percentile(&mut all, 0.5),
        search_ms_p99: percentile(&mut all, 0.99),
        search_ms_p50_latin: percentile(&mut latin, 0.5),
        search_ms_p50_cjk: percentile(&mut cjk, 0.5),
        search_two_queries_ms_p50: percentile(&mut peer, 0.5),
        search_two_queries_ms_p99: percentile(&mut peer, 0.99),
        first_page_ms: percentile(&mut first_page, 0.5),
        first_page_ms_max: percentile(&mut first_page, 1.0),
        sidebar_frame_ms,
        sidebar_frame_ms_max,
        db_bytes,
        long_timeline_entries: long.entries,
        ticket_open_ms: long.open_ms,
        ticket_open_entries_loaded: long.loaded,
        ticket_open_whole_timeline_ms: long.whole_ms,
    })
}

/// What opening a ticket with a long timeline costs.
struct LongTimeline {
    entries: u64,
    open_ms: f64,
    loaded: usize,
    whole_ms: f64,
}

/// A ticket with 100 000 timeline entries (a flood of chat lines): opened as the console does,
/// and, as the peer, with its whole timeline read.
fn measure_long_timeline(store: &mut Store, now: i64) -> anyhow::Result<LongTimeline> {
    const ENTRIES: i64 = 100_000;
    let mut rng = Lcg(7);
    let ticket = store.create_ticket(&synthetic(&mut rng, 0), "bench", now)?;
    let actor = (crate::model::ActorKind::User, "flood");
    for chunk in (0..ENTRIES).collect::<Vec<_>>().chunks(10_000) {
        let events: Vec<(TimelineEvent, i64)> = chunk
            .iter()
            .map(|n| {
                let line = TimelineEvent::Chat {
                    from: ChatAuthor::User,
                    id: None,
                    sent_at_ms: None,
                    text: format!("line {n}"),
                };
                (line, now + n)
            })
            .collect();
        store.append_events(ticket.id, actor, &events)?;
    }
    let mut open = Vec::new();
    let mut whole = Vec::new();
    let mut loaded = 0;
    for _ in 0..5 {
        let start = Instant::now();
        let detail = super::store_worker::detail(store, ticket.id)?;
        open.push(elapsed_ms(start));
        loaded = detail.history.len();
        let start = Instant::now();
        std::hint::black_box((store.ticket(ticket.id)?, store.notes(ticket.id)?, store.history(ticket.id)?));
        whole.push(elapsed_ms(start));
    }
    Ok(LongTimeline {
        entries: store.history_len(ticket.id)?,
        open_ms: percentile(&mut open, 0.5),
        loaded,
        whole_ms: percentile(&mut whole, 0.5),
    })
}

/// Drives the real console views headless against the store (commands run synchronously) and
/// returns the median and worst CPU time per frame after warm-up.
fn measure_frames(store: &mut Store, data_dir: &Path, now: i64) -> anyhow::Result<(f64, f64)> {
    let ctx = egui::Context::default();
    let mut desk = DeskState::new(Lang::En, now);
    desk.apply(UiEvent::StoreOpened(StoreInfo {
        canned_phrases: Vec::new(),
        glossaries: Vec::new(),
        profile: Some(EngineerProfile { name: "bench".into(), team: "bench".into() }),
        language: None,
        ticket_count: store.ticket_count()?,
        data_dir: data_dir.to_path_buf(),
        policy: *store.policy(),
        warnings: Vec::new(),
        network: Default::default(),
        recording_retention_days: crate::store::recordings::DEFAULT_RETENTION_DAYS,
        team_database: None,
        engineers: Vec::new(),
    }));
    let input = || egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1440.0, 900.0))),
        ..egui::RawInput::default()
    };
    let mut samples = Vec::with_capacity(FRAMES);
    let mut shapes = 0;
    for frame in 0..FRAMES + 5 {
        for command in desk.take_commands() {
            let UiCommand::Store(command) = command else { continue };
            if let Ok(events) = run_command(store, "bench", now, command) {
                events.into_iter().for_each(|event| desk.apply(event));
            }
        }
        let start = thread_cpu_ms();
        let output = ctx.run_ui(input(), |ui| desk.ui(ui));
        let shape_count = output.shapes.len();
        // Tessellation is part of a frame's CPU cost too (the GPU upload is not measured).
        let meshes = ctx.tessellate(output.shapes, output.pixels_per_point);
        std::hint::black_box(&meshes);
        if frame >= 5 {
            samples.push(thread_cpu_ms() - start);
            shapes = shape_count;
        }
    }
    if desk.listed_count().is_none() || shapes < 50 {
        bail!("the sidebar did not fill ({shapes} shapes drawn); the frame time would be meaningless");
    }
    tracing::debug!(shapes, "sidebar frame");
    let max = samples.iter().copied().fold(0.0, f64::max);
    Ok((percentile(&mut samples, 0.5), max))
}
