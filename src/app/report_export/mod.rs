//! Report files: JSON (the typed rows), CSV (UTF-8 with BOM, one file per chart or one file
//! of sections), PNG per chart and the whole report as PDF. Used by `stepwise report` and by
//! the Reports window's export buttons.

pub mod font;
pub mod pdf;
pub mod png;

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::model::report::{DAY_MS, Report, day_label, offset_label};
use crate::store::csv_cell;
use crate::ui::i18n::{category_text, priority_text};
use crate::ui::reports::spec::{ChartKind, ReportTable, plot, table};
use crate::ui::{Lang, Text};

/// Byte order mark: spreadsheet programs read the CSV as UTF-8 (Chinese shows) only with it.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
/// Size of a chart exported as PNG, pixels.
pub const PNG_SIZE: (u32, u32) = (1200, 600);

/// The file formats of a whole report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    /// The typed rows as JSON.
    Json,
    /// Tables as CSV.
    Csv,
    /// Charts and tables as PDF.
    Pdf,
}

fn csv_rows(writer: &mut csv::Writer<&mut Vec<u8>>, table: &ReportTable) -> csv::Result<()> {
    writer.write_record(table.headers.iter().cloned().map(csv_cell))?;
    for row in &table.rows {
        writer.write_record(row.iter().cloned().map(csv_cell))?;
    }
    Ok(())
}

/// One chart's table as a CSV file (with BOM).
pub fn chart_csv(report: &Report, kind: ChartKind, lang: Lang) -> anyhow::Result<Vec<u8>> {
    let mut out = UTF8_BOM.to_vec();
    let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(&mut out);
    csv_rows(&mut writer, &table(report, kind, lang))?;
    writer.flush()?;
    drop(writer);
    Ok(out)
}

/// Every chart's table in one CSV file, each section under its title and a blank row apart.
pub fn sections_csv(report: &Report, lang: Lang) -> anyhow::Result<Vec<u8>> {
    let mut out = UTF8_BOM.to_vec();
    let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(&mut out);
    for kind in ChartKind::ALL {
        writer.write_record([csv_cell(kind.title().get(lang).to_owned())])?;
        csv_rows(&mut writer, &table(report, kind, lang))?;
        writer.write_record([""])?;
    }
    writer.flush()?;
    drop(writer);
    Ok(out)
}

/// One chart as a PNG (an error for the table-only charts).
pub fn chart_png(report: &Report, kind: ChartKind, lang: Lang) -> anyhow::Result<Vec<u8>> {
    let spec = plot(report, kind, lang).context("this chart is a table only")?;
    let font = font::find_cjk_font()?;
    png::render_png(&spec, kind.title().get(lang), &font, PNG_SIZE)
}

/// The PDF's heading in `lang`.
pub fn heading(report: &Report, lang: Lang) -> pdf::Heading {
    let query = &report.query;
    let mut filters = Vec::new();
    if let Some(category) = query.category {
        filters.push(category_text(category).get(lang).to_owned());
    }
    if let Some(priority) = query.priority {
        filters.push(priority_text(priority).get(lang).to_owned());
    }
    if let Some(engineer) = &query.engineer {
        filters.push(engineer.clone());
    }
    pdf::Heading {
        title: Text::ReportGenerated.get(lang).to_owned(),
        period: format!(
            "{} ({})",
            Text::ReportPeriod.fill(
                lang,
                &[
                    &day_label(query.from_ms, query.utc_offset_minutes),
                    &day_label(query.to_ms - DAY_MS, query.utc_offset_minutes)
                ]
            ),
            offset_label(query.utc_offset_minutes)
        ),
        filters: (!filters.is_empty()).then(|| Text::ReportFilters.fill(lang, &[&filters.join(", ")])),
    }
}

/// The whole report as a PDF.
pub fn report_pdf(report: &Report, lang: Lang) -> anyhow::Result<Vec<u8>> {
    let font = font::find_cjk_font()?;
    pdf::report_pdf(report, &heading(report, lang), lang, &font)
}

/// Writes `bytes` to `path` through a temporary file, so an existing file is never left half-written.
pub fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("stepwise-partial");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

/// Writes the report to `path` in `format`; CSV into an existing folder writes one file per
/// chart. Returns the files written.
pub fn write_report(report: &Report, format: ReportFormat, path: &Path, lang: Lang) -> anyhow::Result<Vec<PathBuf>> {
    match format {
        ReportFormat::Json => {
            write_file(path, &serde_json::to_vec_pretty(report)?)?;
            Ok(vec![path.to_owned()])
        }
        ReportFormat::Csv if path.is_dir() => ChartKind::ALL
            .iter()
            .map(|kind| {
                let file = path.join(format!("{}.csv", kind.file_stem()));
                write_file(&file, &chart_csv(report, *kind, lang)?)?;
                Ok(file)
            })
            .collect(),
        ReportFormat::Csv => {
            write_file(path, &sections_csv(report, lang)?)?;
            Ok(vec![path.to_owned()])
        }
        ReportFormat::Pdf => {
            write_file(path, &report_pdf(report, lang)?)?;
            Ok(vec![path.to_owned()])
        }
    }
}
