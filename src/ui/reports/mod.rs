//! The Reports window: a date range and filters, every chart with its table underneath, and
//! exports (CSV and PNG per chart, the whole report as PDF). The report is computed on the store
//! thread (`StoreCommand::ComputeReport` → `UiEvent::ReportReady`); a spinner shows meanwhile.

pub mod plot;
pub mod spec;

use std::path::PathBuf;

use egui::Ui;

use crate::model::report::{DAY_MS, Report, ReportQuery, day_label, offset_label, parse_day_ms};
use crate::model::{Category, Priority};
use crate::ui::i18n::{category_text, priority_text};
use crate::ui::{DialogCommand, StoreCommand, Text, UiCommand, ViewContext, theme};
use spec::{ChartKind, plot as plot_spec, table};

/// Most table rows the window shows for one chart (the exports hold all of them).
const MAX_SHOWN_ROWS: usize = 50;

/// Which file an export writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFile {
    /// One chart's table as CSV.
    Csv(ChartKind),
    /// One chart as PNG.
    Png(ChartKind),
    /// The whole report as PDF.
    Pdf,
}

impl ReportFile {
    /// The file name offered in the dialog (or used in a typed folder).
    pub fn file_name(self) -> String {
        match self {
            ReportFile::Csv(kind) => format!("{}.csv", kind.file_stem()),
            ReportFile::Png(kind) => format!("{}.png", kind.file_stem()),
            ReportFile::Pdf => "stepwise-report.pdf".to_owned(),
        }
    }
}

/// An export the window asks the console for.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportExport {
    /// The report as shown.
    pub report: Box<Report>,
    /// What to write.
    pub file: ReportFile,
    /// In which language.
    pub lang: crate::ui::Lang,
    /// A typed path (a file, or a folder to write [`ReportFile::file_name`] into); none: ask
    /// with a file dialog.
    pub path: Option<PathBuf>,
}

/// State of the Reports window.
#[derive(Debug, Default)]
pub struct ReportsWindow {
    /// Whether the window is shown.
    pub open: bool,
    from: String,
    to: String,
    category: Option<Category>,
    priority: Option<Priority>,
    engineer: String,
    /// Days and weeks in UTC rather than the machine's local time.
    utc: bool,
    path: String,
    computing: bool,
    report: Option<Box<Report>>,
    message: Option<(bool, String)>,
}

/// The machine's UTC offset in effect at `at_ms`, minutes east of UTC (what "local time" means
/// for a report starting then).
pub fn local_offset_minutes(at_ms: i64) -> i32 {
    use chrono::Offset as _;
    chrono::DateTime::from_timestamp_millis(at_ms)
        .map(|at| at.with_timezone(&chrono::Local).offset().fix().local_minus_utc() / 60)
        .unwrap_or(0)
}

impl ReportsWindow {
    /// Opens the window on the last 30 days and asks for that report.
    pub fn open(&mut self, cx: &mut ViewContext<'_, UiCommand>) {
        self.open = true;
        if self.from.is_empty() {
            let offset = self.offset_minutes(cx.now_ms);
            self.from = day_label(cx.now_ms - 29 * DAY_MS, offset);
            self.to = day_label(cx.now_ms, offset);
        }
        self.compute(cx);
    }

    /// The report arrived from the store thread (or why it could not be computed).
    pub fn ready(&mut self, result: Result<Box<Report>, String>, lang: crate::ui::Lang) {
        self.computing = false;
        match result {
            Ok(report) => {
                self.report = Some(report);
                self.message = None;
            }
            Err(err) => self.message = Some((false, Text::ReportFailed.fill(lang, &[&err]))),
        }
    }

    /// An export finished (the file written) or failed (why).
    pub fn exported(&mut self, result: Result<PathBuf, (PathBuf, String)>, lang: crate::ui::Lang) {
        self.message = Some(match result {
            Ok(path) => (true, Text::ReportExported.fill(lang, &[&path.display().to_string()])),
            Err((path, err)) => (false, Text::ReportExportFailed.fill(lang, &[&path.display().to_string(), &err])),
        });
    }

    /// The chosen clock's offset for a report starting at `at_ms`.
    fn offset_minutes(&self, at_ms: i64) -> i32 {
        if self.utc { 0 } else { local_offset_minutes(at_ms) }
    }

    fn query(&self) -> Option<ReportQuery> {
        let offset = self.offset_minutes(parse_day_ms(&self.from)?);
        let mut query = ReportQuery::for_days(&self.from, &self.to, offset)?;
        query.category = self.category;
        query.priority = self.priority;
        query.engineer = Some(self.engineer.trim().to_owned()).filter(|name| !name.is_empty());
        Some(query)
    }

    fn compute(&mut self, cx: &mut ViewContext<'_, UiCommand>) {
        match self.query() {
            Some(query) => {
                self.computing = true;
                self.message = None;
                cx.emit(StoreCommand::ComputeReport(query));
            }
            None => self.message = Some((false, Text::ReportBadDate.get(cx.lang).to_owned())),
        }
    }

    fn export(&mut self, file: ReportFile, cx: &mut ViewContext<'_, UiCommand>) {
        let Some(report) = self.report.clone() else { return };
        let path = Some(PathBuf::from(self.path.trim())).filter(|path| !path.as_os_str().is_empty());
        cx.emit(DialogCommand::ExportReport(ReportExport { report, file, lang: cx.lang, path }));
    }

    /// Draws the window when open.
    pub fn window(&mut self, ctx: &egui::Context, cx: &mut ViewContext<'_, UiCommand>) {
        if !self.open {
            return;
        }
        let mut open = true;
        egui::Window::new(Text::ReportsTitle.get(cx.lang))
            .open(&mut open)
            .default_size([920.0, 680.0])
            .min_width(720.0)
            .resizable(true)
            .show(ctx, |ui| self.ui(ui, cx));
        self.open = open;
    }

    fn ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>) {
        self.filters_ui(ui, cx);
        ui.separator();
        if self.computing {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(Text::ReportComputing.get(cx.lang));
            });
            return;
        }
        let Some(report) = self.report.clone() else { return };
        egui::ScrollArea::vertical().id_salt("report_charts").show(ui, |ui| {
            for kind in ChartKind::ALL {
                self.chart_ui(ui, cx, &report, kind);
            }
        });
    }

    fn filters_ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>) {
        let lang = cx.lang;
        let mut entered = false;
        ui.horizontal_wrapped(|ui| {
            for (label, text) in [(Text::ReportFrom, &mut self.from), (Text::ReportTo, &mut self.to)] {
                let label = ui.label(label.get(lang));
                let edit = ui.add(egui::TextEdit::singleline(text).desired_width(96.0)).labelled_by(label.id);
                entered |= edit.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter));
            }
            let all = Text::ReportAll.get(lang);
            egui::ComboBox::from_label(Text::ColCategory.get(lang))
                .selected_text(self.category.map_or(all, |c| category_text(c).get(lang)))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.category, None, all);
                    for category in Category::ALL {
                        ui.selectable_value(&mut self.category, Some(*category), category_text(*category).get(lang));
                    }
                });
            egui::ComboBox::from_label(Text::ColPriority.get(lang))
                .selected_text(self.priority.map_or(all, |p| priority_text(p).get(lang)))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.priority, None, all);
                    for priority in Priority::ALL {
                        ui.selectable_value(&mut self.priority, Some(*priority), priority_text(*priority).get(lang));
                    }
                });
            let local = Text::ReportLocalTime.fill(lang, &[&offset_label(local_offset_minutes(cx.now_ms))]);
            let utc = Text::ReportUtc.get(lang);
            egui::ComboBox::from_label(Text::ReportTimeZone.get(lang))
                .selected_text(if self.utc { utc.to_owned() } else { local.clone() })
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.utc, false, local);
                    ui.selectable_value(&mut self.utc, true, utc);
                });
            let label = ui.label(Text::ReportEngineerFilter.get(lang));
            ui.add(egui::TextEdit::singleline(&mut self.engineer).desired_width(110.0)).labelled_by(label.id);
            if ui.add_enabled(!self.computing, egui::Button::new(Text::ReportCompute.get(lang))).clicked() || entered {
                self.compute(cx);
            }
        });
        ui.horizontal_wrapped(|ui| {
            let ready = self.report.is_some() && !self.computing;
            if ui.add_enabled(ready, egui::Button::new(Text::ReportExportPdf.get(lang))).clicked() {
                self.export(ReportFile::Pdf, cx);
            }
            let label = ui.label(Text::FilePath.get(lang));
            ui.add(egui::TextEdit::singleline(&mut self.path).desired_width(260.0)).labelled_by(label.id);
            if let Some((ok, message)) = &self.message {
                let colour = if *ok { theme::SUCCESS } else { ui.visuals().error_fg_color };
                ui.colored_label(colour, message);
            }
        });
    }

    fn chart_ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>, report: &Report, kind: ChartKind) {
        let lang = cx.lang;
        let spec = plot_spec(report, kind, lang);
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            ui.heading(kind.title().get(lang));
            if ui.button(Text::ReportExportCsv.get(lang)).clicked() {
                self.export(ReportFile::Csv(kind), cx);
            }
            if spec.is_some() && ui.button(Text::ReportExportPng.get(lang)).clicked() {
                self.export(ReportFile::Png(kind), cx);
            }
        });
        if let Some(note) = spec::note(report, kind, lang) {
            ui.weak(note);
        }
        if let Some(spec) = &spec {
            plot::plot_ui(ui, kind.file_stem(), spec);
        }
        table_ui(ui, kind, &table(report, kind, lang), Text::ReportNoRows.get(lang));
    }
}

fn table_ui(ui: &mut Ui, kind: ChartKind, table: &spec::ReportTable, empty: &str) {
    if table.rows.is_empty() {
        ui.weak(empty);
        return;
    }
    egui::Grid::new(("report_table", kind.file_stem())).striped(true).spacing([14.0, 3.0]).show(ui, |ui| {
        for header in &table.headers {
            ui.strong(header);
        }
        ui.end_row();
        for row in table.rows.iter().take(MAX_SHOWN_ROWS) {
            for cell in row {
                ui.label(cell);
            }
            ui.end_row();
        }
    });
    if table.rows.len() > MAX_SHOWN_ROWS {
        ui.weak(format!("… +{}", table.rows.len() - MAX_SHOWN_ROWS));
    }
}
