//! The `stepwise` binary: parses the command line, sets up logging, then runs the console or a
//! command-line task.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser;
use tracing_subscriber::EnvFilter;

use stepwise::app::bench::run_store_bench;
use stepwise::app::cli::{
    BenchCommand, Cli, Command, RecordingsCommand, StoreCommand, TicketsCommand, default_data_dir, with_link_as_command,
};
use stepwise::app::console::ConsoleOptions;
use stepwise::app::demo::run_headless_demo;
use stepwise::app::get_help_app::AssistApp;
use stepwise::app::report_bench::run_report_bench;
use stepwise::app::report_cli::{ReportArgs, run_report};
use stepwise::app::session_bench::{PathOptions, run_session_bench};
use stepwise::app::sessions::ListenConfig;
use stepwise::app::{ConsoleApp, system_lang};
use stepwise::capture::SourceChoice;
use stepwise::model::now_ms;
use stepwise::protocol::JoinLink;
use stepwise::store::Store;
use stepwise::transport::TransportSettings;

fn main() -> ExitCode {
    let cli = Cli::parse_from(with_link_as_command(std::env::args_os()));
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn,stepwise=info")))
        .with_writer(std::io::stderr)
        .init();
    let data_dir = cli.data_dir.clone().unwrap_or_else(default_data_dir);
    let listen =
        ListenConfig { port: cli.session_port, advertised_host: cli.advertise.clone(), ..ListenConfig::default() };
    let result = match cli.command {
        None => match team_database_arg(cli.database.as_deref()) {
            Ok(database) => with_runtime(|runtime| run_console(&data_dir, runtime, listen, database)),
            Err(err) => Err(err),
        },
        Some(Command::Assist { link, link_stdin, link_file, frames, monitor }) => {
            let source = share_source(frames, monitor);
            match assist_link(link, link_stdin, link_file.as_deref()) {
                Ok(link) => with_runtime(|runtime| run_assist(&data_dir, runtime, link.as_deref(), source)),
                Err(err) => Err(err),
            }
        }
        Some(Command::OpenLink { link }) => open_link(&link, cli.data_dir.as_deref(), &data_dir),
        Some(Command::Demo { headless: true, json, frames, .. }) => with_runtime(|runtime| {
            let report = run_headless_demo(&data_dir, runtime, frames)?;
            if json {
                println!("{}", serde_json::to_string(&report).context("cannot print the report")?);
            } else {
                print!("{}", report.summary());
            }
            Ok(())
        }),
        Some(Command::Demo { headless: false, frames, live_screen, .. }) => {
            with_runtime(|runtime| run_windowed_demo(&data_dir, runtime, listen, frames, live_screen))
        }
        Some(Command::Tickets { action }) => run_tickets(&data_dir, action),
        Some(Command::Report { from, to, time_zone, format, category, priority, engineer, lang, file }) => {
            let args = ReportArgs { from, to, time_zone, format, category, priority, engineer, lang, file };
            run_report(&data_dir, &args).map(|files| {
                for file in files {
                    println!("wrote {}", file.display());
                }
            })
        }
        Some(Command::Bench { target: BenchCommand::Report { tickets, json } }) => {
            run_report_bench(tickets).and_then(|report| print_report(&report, json))
        }
        Some(Command::Recordings { action: RecordingsCommand::Verify { file } }) => return verify_recording(&file),
        Some(Command::Recordings { action: RecordingsCommand::Recover { file } }) => recover_recording(&file),
        Some(Command::Recordings { action: RecordingsCommand::Export { file, out, redactions } }) => {
            export_recording(&data_dir, file, out, redactions)
        }
        Some(Command::PackagingFiles { dir }) => write_packaging_files(&dir),
        Some(Command::Bench { target: BenchCommand::Store { tickets, database: None, json } }) => {
            run_bench(&data_dir, tickets, json)
        }
        Some(Command::Bench { target: BenchCommand::Store { tickets, database: Some(url), json } }) => {
            stepwise::app::team_bench::run_team_store_bench(&url, tickets)
                .and_then(|report| print_report(&report, json))
        }
        Some(Command::Bench {
            target: BenchCommand::Team { database, engineers, tickets, seconds, think_ms, reuse_seeded, json },
        }) => {
            let plan = stepwise::app::team_bench::TeamBenchPlan { engineers, tickets, seconds, think_ms, reuse_seeded };
            stepwise::app::team_bench::run_team_bench(&database, &plan).and_then(|report| print_report(&report, json))
        }
        Some(Command::Store { action: StoreCommand::Migrate { to, tls } }) => migrate_to_team(&data_dir, &to, tls),
        Some(Command::Bench { target: BenchCommand::Codec { corpus, json } }) => run_codec_bench_cli(&corpus, json),
        Some(Command::Bench {
            target: BenchCommand::Lossy { corpus, scenario, budget_bytes, frames, fps, ffmpeg, json },
        }) => {
            let options = stepwise::app::lossy_bench::LossyBenchOptions {
                corpus,
                scenarios: scenario,
                budgets_bytes: budget_bytes,
                frames,
                fps,
                ffmpeg,
            };
            stepwise::app::lossy_bench::run_lossy_bench(&options)
                .map(|rows| stepwise::app::lossy_bench::print_rows(&rows, json))
        }
        Some(Command::Bench { target: BenchCommand::Recording { corpus, minutes, fps, seeks, scenario, json } }) => {
            let options =
                stepwise::app::recording_bench::RecordingBenchOptions { minutes, fps, seeks, scenarios: scenario };
            stepwise::app::recording_bench::run_recording_bench(&corpus, &options)
                .and_then(|rows| rows.iter().try_for_each(|row| print_report(row, json)))
        }
        Some(Command::Bench { target: BenchCommand::Control { clicks, json } }) => with_runtime(|runtime| {
            let report = stepwise::app::control_bench::run_control_bench(&runtime, clicks)?;
            print_report(&report, json)
        }),
        Some(Command::Bench { target: BenchCommand::Capture { grabs, idle_seconds, pipewire_target, json } }) => {
            with_runtime(|runtime| {
                let report = stepwise::app::capture_bench::run_capture_bench(
                    &runtime,
                    grabs,
                    idle_seconds,
                    pipewire_target.as_deref(),
                )?;
                print_report(&report, json)
            })
        }
        Some(Command::Bench { target: BenchCommand::Overlay { width, height, frames, json } }) => {
            stepwise::app::overlay_bench::run_overlay_bench(width, height, frames)
                .and_then(|report| print_report(&report, json))
        }
        Some(Command::Bench {
            target:
                BenchCommand::Session { corpus, loss, delay_ms, rate_kbps, congestion, guidance_only, via_relay, json },
        }) => with_runtime(|runtime| {
            let path = PathOptions { loss_percent: loss, delay_ms, rate_kbps, congestion: congestion.into() };
            if via_relay {
                let report = stepwise::app::relay_bench::run_relay_bench(&runtime, &corpus, path)?;
                return print_report(&report, json);
            }
            if guidance_only {
                let report = stepwise::app::guidance_bench::run_guidance_bench(&runtime, &corpus, path)?;
                return print_report(&report, json);
            }
            let report = run_session_bench(&runtime, &corpus, path)?;
            print_report(&report, json)
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("stepwise: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The one tokio runtime of the process; sessions and their I/O run on it.
fn with_runtime(run: impl FnOnce(tokio::runtime::Handle) -> anyhow::Result<()>) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("stepwise-net")
        .enable_all()
        .build()
        .context("cannot start the network runtime")?;
    let result = run(runtime.handle().clone());
    runtime.shutdown_timeout(std::time::Duration::from_secs(3));
    result
}

/// A wgpu window; `app_id` matches the `.desktop` file.
fn window_options(title: &str, app_id: &str, size: [f32; 2], min_size: [f32; 2]) -> eframe::NativeOptions {
    eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(title)
            .with_app_id(app_id)
            .with_inner_size(size)
            .with_min_inner_size(min_size),
        renderer: eframe::Renderer::Wgpu,
        ..eframe::NativeOptions::default()
    }
}

/// The join link for `stepwise assist`: the argument, standard input or a private file.
fn assist_link(link: Option<String>, from_stdin: bool, from_file: Option<&Path>) -> anyhow::Result<Option<String>> {
    use stepwise::app::link_handoff::{read_link, take_link_file};
    if from_stdin {
        return Ok(Some(read_link(std::io::stdin().lock())?));
    }
    if let Some(path) = from_file {
        return Ok(Some(take_link_file(path)?));
    }
    if link.is_some() {
        tracing::warn!("a join link given as an argument is visible in the process list; prefer --link-stdin");
    }
    Ok(link)
}

/// The `stepwise://` handler: checks the link, writes it to a private file and replaces this
/// process with `stepwise assist --link-file FILE`, so the code leaves the process list at once.
fn open_link(link: &str, chosen_data_dir: Option<&Path>, data_dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::process::CommandExt as _;
    JoinLink::parse(link.trim()).map_err(|err| anyhow::anyhow!("{err}"))?;
    let file = stepwise::app::link_handoff::write_link_file(&stepwise::app::link_handoff::handoff_dir(data_dir), link)?;
    let exe = std::env::current_exe().context("cannot find this program")?;
    let mut command = std::process::Command::new(exe);
    if let Some(dir) = chosen_data_dir {
        command.arg("--data-dir").arg(dir);
    }
    command.arg("assist").arg("--link-file").arg(&file);
    let err = command.exec();
    let _ = std::fs::remove_file(&file);
    Err(anyhow::anyhow!("cannot open the Get help window: {err}"))
}

/// What "Get help" shares: a frame folder if given, else the chosen monitor.
fn share_source(frames: Option<std::path::PathBuf>, monitor: usize) -> SourceChoice {
    match frames {
        Some(dir) => SourceChoice::FrameFolder { dir, fps: 10 },
        None => SourceChoice::Screen { monitor: monitor.saturating_sub(1) },
    }
}

fn run_assist(
    data_dir: &Path,
    runtime: tokio::runtime::Handle,
    link: Option<&str>,
    source: SourceChoice,
) -> anyhow::Result<()> {
    let link = match link {
        Some(text) => Some(JoinLink::parse(text).map_err(|err| anyhow::anyhow!("{err}: {text}"))?),
        None => None,
    };
    let options = window_options(
        "Stepwise – Get help",
        "stepwise-assist",
        stepwise::app::get_help_app::ASSIST_WINDOW_SIZE,
        stepwise::app::get_help_app::ASSIST_WINDOW_MIN_SIZE,
    );
    let data_dir = data_dir.to_path_buf();
    eframe::run_native(
        "stepwise-assist",
        options,
        Box::new(move |cc| {
            let app = AssistApp::new(
                &cc.egui_ctx,
                runtime,
                &data_dir,
                system_lang(),
                link,
                TransportSettings::default(),
                source,
            );
            Ok(Box::new(app))
        }),
    )
    .map_err(|err| anyhow::anyhow!("cannot open the Get help window: {err}"))
}

/// One machine, both sides: the console with a demo ticket, and a Get-help window already
/// joining its session. Shares the built-in picture, the frames, or (when asked) the real screen.
fn run_windowed_demo(
    data_dir: &Path,
    runtime: tokio::runtime::Handle,
    listen: ListenConfig,
    frames: Option<std::path::PathBuf>,
    live_screen: bool,
) -> anyhow::Result<()> {
    let share_source = stepwise::app::demo::windowed_demo_source(frames, live_screen)?;
    let ticket_id = stepwise::app::demo::prepare_demo_ticket(data_dir)?;
    let listen = ListenConfig { advertised_host: Some("127.0.0.1".into()), ..listen };
    run_console_with(data_dir, runtime, listen, share_source, Some(ticket_id), None)
}

/// The command line's `--database`, checked (TLS follows the URL's `sslmode`).
fn team_database_arg(url: Option<&str>) -> anyhow::Result<Option<stepwise::model::TeamDatabaseSettings>> {
    let Some(url) = url else { return Ok(None) };
    let tls = ["sslmode=require", "sslmode=verify-ca", "sslmode=verify-full"].iter().any(|mode| url.contains(mode));
    let settings = stepwise::model::TeamDatabaseSettings { url: url.trim().to_owned(), tls };
    settings.validate().with_context(|| format!("--database {}", settings.redacted_url()))?;
    Ok(Some(settings))
}

fn run_console(
    data_dir: &Path,
    runtime: tokio::runtime::Handle,
    listen: ListenConfig,
    database: Option<stepwise::model::TeamDatabaseSettings>,
) -> anyhow::Result<()> {
    run_console_with(data_dir, runtime, listen, SourceChoice::Screen { monitor: 0 }, None, database)
}

fn run_console_with(
    data_dir: &Path,
    runtime: tokio::runtime::Handle,
    listen: ListenConfig,
    share_source: SourceChoice,
    demo_ticket: Option<stepwise::model::TicketId>,
    database: Option<stepwise::model::TeamDatabaseSettings>,
) -> anyhow::Result<()> {
    let options = window_options("Stepwise", "stepwise", [1280.0, 800.0], [900.0, 560.0]);
    let data_dir = data_dir.to_path_buf();
    eframe::run_native(
        "stepwise",
        options,
        Box::new(move |cc| {
            let options = ConsoleOptions {
                system_lang: system_lang(),
                runtime,
                listen,
                transport: TransportSettings::default(),
                share_source,
                demo_ticket,
                database,
            };
            Ok(Box::new(ConsoleApp::new(&cc.egui_ctx, data_dir, options)))
        }),
    )
    .map_err(|err| anyhow::anyhow!("cannot open the console window: {err}"))
}

fn run_tickets(data_dir: &Path, action: TicketsCommand) -> anyhow::Result<()> {
    // Exporting only reads: a data folder that cannot be written is opened read-only.
    let mut store = match action {
        TicketsCommand::Export { .. } => Store::open_or_read_only(data_dir)?,
        TicketsCommand::Import { .. } => Store::open(data_dir)?,
    };
    for warning in store.warnings() {
        eprintln!("warning: {warning}");
    }
    let actor = store.engineer_profile()?.map_or_else(|| "command line".to_owned(), |profile| profile.name);
    match action {
        TicketsCommand::Export { format, file } => {
            let count = store.export_to_path(format.into(), &file, now_ms())?;
            println!("exported {count} tickets to {}", file.display());
        }
        TicketsCommand::Import { file } => {
            let report = store.import_from_path(&file, &actor, now_ms())?;
            println!(
                "imported {} tickets from {} ({} already present, skipped)",
                report.imported,
                file.display(),
                report.skipped_existing.len()
            );
        }
    }
    Ok(())
}

/// `stepwise recordings verify FILE`: the verdict on standard output; success only if verified.
fn verify_recording(file: &Path) -> ExitCode {
    match stepwise::recording::verify(file) {
        Ok(verdict) => {
            println!("{verdict}");
            if matches!(verdict, stepwise::recording::Verification::Verified { .. }) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(err) => {
            eprintln!("stepwise: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// `stepwise recordings recover FILE`.
fn recover_recording(file: &Path) -> anyhow::Result<()> {
    let sealed = stepwise::recording::recover(file)?;
    let how = if sealed.recovered { "sealed as recovered" } else { "already sealed" };
    println!("{how}: {:.1} s, {} bytes, head {}", sealed.duration_ms as f64 / 1000.0, sealed.bytes, sealed.hash_head);
    Ok(())
}

/// `stepwise recordings export FILE --out OUT [--redact …]`: progress on standard error, then
/// the video and where its export was recorded.
fn export_recording(
    data_dir: &Path,
    file: std::path::PathBuf,
    out: std::path::PathBuf,
    redactions: Vec<stepwise::model::Redaction>,
) -> anyhow::Result<()> {
    use stepwise::app::video_export::{VideoExportJob, export_video, format_for};
    let format = format_for(&out)?;
    let header = *stepwise::recording::RecordingReader::open(&file)?.header();
    let job = VideoExportJob::new(file, out, stepwise::model::VideoExportRequest { format, redactions });
    let mut shown = -1;
    let exported = export_video(&job, &std::sync::atomic::AtomicBool::new(false), &mut |fraction| {
        let percent = (fraction * 100.0) as i32;
        if percent / 10 != shown / 10 {
            shown = percent;
            eprint!("\r{percent:>3} %");
        }
    });
    eprintln!();
    let exported = exported?;
    println!(
        "wrote {} ({}x{}, {} frames, {:.1} s)",
        exported.path.display(),
        exported.width,
        exported.height,
        exported.frames,
        exported.duration_ms as f64 / 1000.0
    );
    // Recorded on the ticket only where its database already is (an export never creates one).
    if !data_dir.join(stepwise::store::DATABASE_FILE).exists() {
        println!("not recorded in a timeline: no database in {}", data_dir.display());
        return Ok(());
    }
    let mut store = Store::open(data_dir)?;
    let actor = store.engineer_profile()?.map_or_else(|| "command line".to_owned(), |profile| profile.name);
    let actor = (stepwise::model::ActorKind::Engineer, actor.as_str());
    match store.append_event(header.ticket_id, actor, &exported.event, now_ms()) {
        Ok(_) => println!("recorded in the timeline of ticket {}", header.ticket_id),
        Err(err) => println!("not recorded in a timeline: {err}"),
    }
    Ok(())
}

fn write_packaging_files(dir: &Path) -> anyhow::Result<()> {
    let written = stepwise::app::packaging_files::write_packaging_files(dir)?;
    for path in written.man_pages.iter().chain(&written.completions) {
        println!("{}", path.display());
    }
    Ok(())
}

/// `stepwise store migrate --to URL`: copies the local desk into an empty team database.
fn migrate_to_team(data_dir: &Path, url: &str, tls: bool) -> anyhow::Result<()> {
    let local = Store::open_or_read_only(data_dir)
        .with_context(|| format!("cannot open the local desk in {}", data_dir.display()))?;
    let mut config = stepwise::store::team::TeamConfig::new(url);
    if tls {
        config.tls = stepwise::store::team::TlsMode::Required;
    }
    let mut team = stepwise::store::team::TeamStore::connect(&config)
        .with_context(|| format!("cannot open the team database {}", config.redacted()))?;
    let report = team.migrate_from(&local)?;
    println!(
        "copied into {}: {} tickets, {} notes, {} timeline entries, {} sessions, {} surveys, {} recording rows \
         (the files stay on this computer), {} guides, {} settings (counts verified)",
        config.redacted(),
        report.tickets,
        report.notes,
        report.timeline_entries,
        report.sessions,
        report.surveys,
        report.recordings,
        report.guides,
        report.settings
    );
    Ok(())
}

fn print_report(report: &impl serde::Serialize, json: bool) -> anyhow::Result<()> {
    let value = serde_json::to_value(report).context("cannot format the report")?;
    if json {
        println!("{value}");
    } else if let Some(fields) = value.as_object() {
        for (name, value) in fields {
            println!("{name:>24}  {value}");
        }
    }
    Ok(())
}

fn run_codec_bench_cli(corpus: &Path, json: bool) -> anyhow::Result<()> {
    let rows = stepwise::app::codec_bench::run_codec_bench(corpus)?;
    for row in rows {
        if json {
            println!("{row}");
        } else {
            let name = row.get("scenario").and_then(|v| v.as_str()).unwrap_or("?");
            let who = row.get("baseline").and_then(|v| v.as_str()).unwrap_or("stepwise");
            let number = |key: &str| row.get(key).and_then(serde_json::Value::as_f64).unwrap_or(f64::NAN);
            println!(
                "{name:>16} {who:>9}  {:>10.0} B/frame (max {:>8.0})  encode {:>6.2} ms  decode {:>6.2} ms",
                number("bytes_per_frame_mean"),
                number("bytes_per_frame_max"),
                number("encode_ms_mean"),
                number("decode_ms_mean"),
            );
        }
    }
    Ok(())
}

fn run_bench(data_dir: &Path, tickets: usize, json: bool) -> anyhow::Result<()> {
    let report = run_store_bench(data_dir, tickets)?;
    if json {
        println!("{}", serde_json::to_string(&report).context("cannot print the report")?);
    } else {
        let value = serde_json::to_value(&report).context("cannot format the report")?;
        if let Some(fields) = value.as_object() {
            for (name, value) in fields {
                println!("{name:>24}  {value}");
            }
        }
    }
    Ok(())
}
