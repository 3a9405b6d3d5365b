//! `stepwise report --from DATE --to DATE --format json|csv|pdf FILE`: the report for a range,
//! read from the data folder (read-only when it cannot be written), written as a file.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use super::cli::ReportFormatArg;
use super::report_export::{ReportFormat, write_report};
use crate::model::report::{ReportQuery, parse_day_ms, parse_utc_offset};
use crate::model::{Category, Priority, now_ms};
use crate::store::Store;
use crate::ui::Lang;
use crate::ui::reports::local_offset_minutes;

/// What `stepwise report` was asked for.
#[derive(Debug)]
pub struct ReportArgs {
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Last day (included), `YYYY-MM-DD`.
    pub to: String,
    /// `local`, `utc` or an offset such as `+08:00`.
    pub time_zone: String,
    /// The file format.
    pub format: ReportFormatArg,
    /// Category filter, by stable name.
    pub category: Option<String>,
    /// Priority filter, by stable name.
    pub priority: Option<String>,
    /// Engineer filter.
    pub engineer: Option<String>,
    /// Language code (`en`, `zh`).
    pub lang: Option<String>,
    /// Where to write.
    pub file: PathBuf,
}

/// The query the arguments describe, or why they do not describe one.
pub fn query_from_args(args: &ReportArgs) -> anyhow::Result<ReportQuery> {
    let offset_minutes = match args.time_zone.trim() {
        "local" => local_offset_minutes(parse_day_ms(&args.from).unwrap_or_else(now_ms)),
        zone => parse_utc_offset(zone).with_context(|| {
            format!("unknown time zone {zone:?}; one of local, utc, or an offset such as +08:00 (at most ±14:00)")
        })?,
    };
    let Some(mut query) = ReportQuery::for_days(&args.from, &args.to, offset_minutes) else {
        bail!("dates are written YYYY-MM-DD and --from comes before --to (got {} and {})", args.from, args.to);
    };
    if let Some(name) = &args.category {
        let names: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
        query.category = Some(
            Category::parse(name).with_context(|| format!("unknown category {name:?}; one of {}", names.join(", ")))?,
        );
    }
    if let Some(name) = &args.priority {
        let names: Vec<&str> = Priority::ALL.iter().map(|p| p.as_str()).collect();
        query.priority = Some(
            Priority::parse(name).with_context(|| format!("unknown priority {name:?}; one of {}", names.join(", ")))?,
        );
    }
    query.engineer = args.engineer.clone().filter(|name| !name.trim().is_empty());
    Ok(query)
}

/// Runs `stepwise report`; returns the files written.
pub fn run_report(data_dir: &Path, args: &ReportArgs) -> anyhow::Result<Vec<PathBuf>> {
    let query = query_from_args(args)?;
    let lang = match &args.lang {
        Some(code) => Lang::from_code(code).with_context(|| format!("unknown language {code:?}; one of en, zh"))?,
        None => super::system_lang(),
    };
    let format = match args.format {
        ReportFormatArg::Json => ReportFormat::Json,
        ReportFormatArg::Csv => ReportFormat::Csv,
        ReportFormatArg::Pdf => ReportFormat::Pdf,
    };
    let store = Store::open_or_read_only(data_dir)?;
    let report = store.report(&query, now_ms())?;
    write_report(&report, format, &args.file, lang)
}
