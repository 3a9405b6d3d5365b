//! Report exports from the Reports window, on a short-lived thread: a save dialog (rfd) unless a
//! path was typed, then the file drawn and written there (a PDF takes a moment; the UI thread and
//! the store thread never wait for it). The outcome comes back as `UiEvent::ReportExported`.

use std::path::PathBuf;
use std::sync::mpsc::Sender;

use super::report_export::{chart_csv, chart_png, report_pdf, write_file};
use crate::ui::reports::{ReportExport, ReportFile};
use crate::ui::{Text, UiEvent};

/// Writes the export's file and says how it went.
fn write(export: &ReportExport, path: &std::path::Path) -> anyhow::Result<()> {
    let bytes = match export.file {
        ReportFile::Csv(kind) => chart_csv(&export.report, kind, export.lang)?,
        ReportFile::Png(kind) => chart_png(&export.report, kind, export.lang)?,
        ReportFile::Pdf => report_pdf(&export.report, export.lang)?,
    };
    write_file(path, &bytes)
}

/// Where the file goes: a typed folder gets the file's own name inside it.
fn target(export: &ReportExport) -> Option<PathBuf> {
    let typed = export.path.clone()?;
    Some(if typed.is_dir() { typed.join(export.file.file_name()) } else { typed })
}

/// Asks where to save (unless a path was typed), then writes the file, all on its own thread.
pub fn export_report(ctx: &egui::Context, file_dialogs: bool, events: Sender<UiEvent>, export: ReportExport) {
    let ctx = ctx.clone();
    let spawned = std::thread::Builder::new().name("stepwise-report-export".into()).spawn(move || {
        let path = match target(&export) {
            Some(path) => Some(path),
            None if file_dialogs => {
                let name = export.file.file_name();
                let ext = name.rsplit('.').next().unwrap_or("pdf").to_owned();
                rfd::FileDialog::new().add_filter(ext.to_uppercase(), &[ext.as_str()]).set_file_name(name).save_file()
            }
            None => {
                let reason = Text::FileDialogUnavailable.get(export.lang).to_owned();
                events.send(UiEvent::ReportExported(Err((PathBuf::from(export.file.file_name()), reason)))).ok();
                None
            }
        };
        if let Some(path) = path {
            let outcome = write(&export, &path).map(|()| path.clone()).map_err(|err| (path, format!("{err:#}")));
            events.send(UiEvent::ReportExported(outcome)).ok();
        }
        ctx.request_repaint();
    });
    if let Err(err) = spawned {
        tracing::error!("cannot start a report export: {err}");
    }
}
