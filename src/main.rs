//! The `stepwise` binary: parses the command line, sets up logging, then runs the console or a
//! command-line task.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser;
use tracing_subscriber::EnvFilter;

use stepwise::app::bench::run_store_bench;
use stepwise::app::cli::{BenchCommand, Cli, Command, TicketsCommand, default_data_dir};
use stepwise::app::{ConsoleApp, system_lang};
use stepwise::store::{Store, now_ms};

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn,stepwise=info")))
        .with_writer(std::io::stderr)
        .init();
    let data_dir = cli.data_dir.clone().unwrap_or_else(default_data_dir);
    let result = match cli.command {
        None => run_console(&data_dir),
        Some(Command::Tickets { action }) => run_tickets(&data_dir, action),
        Some(Command::Bench { target: BenchCommand::Store { tickets, json } }) => run_bench(&data_dir, tickets, json),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("stepwise: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run_console(data_dir: &Path) -> anyhow::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Stepwise")
            .with_app_id("stepwise")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([900.0, 560.0]),
        renderer: eframe::Renderer::Wgpu,
        ..eframe::NativeOptions::default()
    };
    let data_dir = data_dir.to_path_buf();
    eframe::run_native(
        "stepwise",
        options,
        Box::new(move |cc| Ok(Box::new(ConsoleApp::new(&cc.egui_ctx, data_dir, system_lang())))),
    )
    .map_err(|err| anyhow::anyhow!("cannot open the console window: {err}"))
}

fn run_tickets(data_dir: &Path, action: TicketsCommand) -> anyhow::Result<()> {
    let mut store = Store::open(data_dir)?;
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
