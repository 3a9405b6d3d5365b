//! Each chart of a report in words: its table (headers and cells) and its plot (bars or lines
//! over labelled x positions), in the chosen language. The Reports window, the CSV and PNG
//! exports and the PDF all draw from these, so every output shows the same numbers.

use crate::model::report::{AgeBucket, CATEGORY_COUNT, Report};
use crate::model::{Category, Priority, SlaTarget};
use crate::ui::i18n::{category_text, priority_text};
use crate::ui::{Lang, Text};

const HOUR_MS: f64 = 3_600_000.0;

/// The charts of a report, in the order the window and the PDF show them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChartKind {
    /// Tickets opened per week, stacked by category.
    Opened,
    /// Tickets closed per week, stacked by category.
    Closed,
    /// Open tickets by age, stacked by category.
    Backlog,
    /// SLA attainment per priority.
    Sla,
    /// The breaches list (a table only).
    Breaches,
    /// Mean and p90 time to resolve per category.
    ResolveTime,
    /// First-contact resolution and satisfaction figures (a table only).
    Summary,
    /// Satisfaction per week.
    CsatTrend,
    /// Per engineer.
    Engineers,
    /// Guide steps that most often fail.
    FailingSteps,
}

impl ChartKind {
    /// Every chart, in order.
    pub const ALL: [ChartKind; 10] = [
        ChartKind::Opened,
        ChartKind::Closed,
        ChartKind::Backlog,
        ChartKind::Sla,
        ChartKind::Breaches,
        ChartKind::ResolveTime,
        ChartKind::Summary,
        ChartKind::CsatTrend,
        ChartKind::Engineers,
        ChartKind::FailingSteps,
    ];

    /// Its title.
    pub fn title(self) -> Text {
        match self {
            ChartKind::Opened => Text::ChartOpened,
            ChartKind::Closed => Text::ChartClosed,
            ChartKind::Backlog => Text::ChartBacklog,
            ChartKind::Sla => Text::ChartSla,
            ChartKind::Breaches => Text::ChartBreaches,
            ChartKind::ResolveTime => Text::ChartResolveTime,
            ChartKind::Summary => Text::ChartSummary,
            ChartKind::CsatTrend => Text::ChartCsatTrend,
            ChartKind::Engineers => Text::ChartEngineers,
            ChartKind::FailingSteps => Text::ChartFailingSteps,
        }
    }

    /// A file name for its exports (`opened`, `sla`, …), without extension.
    pub fn file_stem(self) -> &'static str {
        match self {
            ChartKind::Opened => "opened",
            ChartKind::Closed => "closed",
            ChartKind::Backlog => "backlog",
            ChartKind::Sla => "sla",
            ChartKind::Breaches => "breaches",
            ChartKind::ResolveTime => "resolve_time",
            ChartKind::Summary => "first_contact_and_satisfaction",
            ChartKind::CsatTrend => "satisfaction_trend",
            ChartKind::Engineers => "engineers",
            ChartKind::FailingSteps => "failing_steps",
        }
    }
}

/// A chart's table.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportTable {
    /// Column headings.
    pub headers: Vec<String>,
    /// Rows of cells, as shown.
    pub rows: Vec<Vec<String>>,
}

/// How a plot draws its series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlotStyle {
    /// Bars stacked on each other.
    StackedBars,
    /// Bars side by side.
    GroupedBars,
    /// Lines through the points.
    Lines,
}

/// One named series of values, one per x label.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend name.
    pub name: String,
    /// Values (none: no point).
    pub values: Vec<Option<f64>>,
}

/// A chart's plot.
#[derive(Clone, Debug, PartialEq)]
pub struct PlotSpec {
    /// Labels of the x positions.
    pub x_labels: Vec<String>,
    /// The series.
    pub series: Vec<Series>,
    /// How to draw them.
    pub style: PlotStyle,
    /// What the y axis counts.
    pub y_label: String,
}

/// The colour of series `index` (a fixed palette: the same in the window and in files).
pub fn series_rgb(index: usize) -> [u8; 3] {
    const PALETTE: [[u8; 3]; 8] = [
        [0x3b, 0x6e, 0xc7],
        [0xe0, 0x8a, 0x2c],
        [0x3f, 0xa3, 0x6b],
        [0xc8, 0x4a, 0x4a],
        [0x8a, 0x63, 0xc2],
        [0x7f, 0x7f, 0x7f],
        [0x2b, 0xa6, 0xb8],
        [0xb8, 0x9b, 0x2b],
    ];
    PALETTE[index % PALETTE.len()]
}

fn number(value: f64) -> String {
    format!("{value:.1}")
}

fn share(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{v:.1}"))
}

fn hours(ms: i64) -> f64 {
    ms as f64 / HOUR_MS
}

fn category_names(lang: Lang) -> Vec<String> {
    Category::ALL.iter().map(|c| category_text(*c).get(lang).to_owned()).collect()
}

fn age_text(bucket: AgeBucket) -> Text {
    match bucket {
        AgeBucket::UnderOneDay => Text::AgeUnderOneDay,
        AgeBucket::OneToThreeDays => Text::AgeOneToThree,
        AgeBucket::ThreeToSevenDays => Text::AgeThreeToSeven,
        AgeBucket::OverSevenDays => Text::AgeOverSeven,
    }
}

fn deadline_text(target: SlaTarget) -> Text {
    match target {
        SlaTarget::Response => Text::DeadlineResponse,
        SlaTarget::Resolution => Text::DeadlineResolution,
    }
}

fn texts(lang: Lang, texts: &[Text]) -> Vec<String> {
    texts.iter().map(|t| t.get(lang).to_owned()).collect()
}

/// Rows of per-category counts: label, one cell per category, the total.
fn category_table(lang: Lang, first: Text, rows: Vec<(String, [u32; CATEGORY_COUNT])>) -> ReportTable {
    let mut headers = vec![first.get(lang).to_owned()];
    headers.extend(category_names(lang));
    headers.push(Text::ColTotal.get(lang).to_owned());
    let rows = rows
        .into_iter()
        .map(|(label, counts)| {
            let mut cells = vec![label];
            cells.extend(counts.iter().map(u32::to_string));
            cells.push(counts.iter().sum::<u32>().to_string());
            cells
        })
        .collect();
    ReportTable { headers, rows }
}

fn stacked_by_category(lang: Lang, rows: &[(String, [u32; CATEGORY_COUNT])]) -> PlotSpec {
    PlotSpec {
        x_labels: rows.iter().map(|(label, _)| label.clone()).collect(),
        series: category_names(lang)
            .into_iter()
            .enumerate()
            .map(|(index, name)| Series { name, values: rows.iter().map(|(_, c)| Some(f64::from(c[index]))).collect() })
            .collect(),
        style: PlotStyle::StackedBars,
        y_label: Text::ColTicket.get(lang).to_owned(),
    }
}

fn week_counts(report: &Report, closed: bool) -> Vec<(String, [u32; CATEGORY_COUNT])> {
    report.weeks.iter().map(|w| (w.week.label(), if closed { w.closed } else { w.opened })).collect()
}

fn backlog_counts(report: &Report, lang: Lang) -> Vec<(String, [u32; CATEGORY_COUNT])> {
    report.backlog.iter().map(|row| (age_text(row.bucket).get(lang).to_owned(), row.open)).collect()
}

/// A line shown under a chart's title, if it has one: the failing steps count the answers dated
/// in the range, and say how many older answers (recorded before answers were dated) are left out.
pub fn note(report: &Report, kind: ChartKind, lang: Lang) -> Option<String> {
    (kind == ChartKind::FailingSteps && report.failing_steps_undated > 0)
        .then(|| Text::ReportStepsUndated.fill(lang, &[&report.failing_steps_undated.to_string()]))
}

/// The table of one chart.
pub fn table(report: &Report, kind: ChartKind, lang: Lang) -> ReportTable {
    match kind {
        ChartKind::Opened => category_table(lang, Text::ColWeek, week_counts(report, false)),
        ChartKind::Closed => category_table(lang, Text::ColWeek, week_counts(report, true)),
        ChartKind::Backlog => category_table(lang, Text::ColAge, backlog_counts(report, lang)),
        ChartKind::Sla => ReportTable {
            headers: texts(
                lang,
                &[
                    Text::ColPriority,
                    Text::ColResponseMet,
                    Text::ColResponseMissed,
                    Text::ColResponsePercent,
                    Text::ColResolutionMet,
                    Text::ColResolutionMissed,
                    Text::ColResolutionPercent,
                ],
            ),
            rows: report
                .sla
                .iter()
                .map(|row| {
                    vec![
                        priority_text(row.priority).get(lang).to_owned(),
                        row.response_met.to_string(),
                        row.response_missed.to_string(),
                        share(row.response_percent),
                        row.resolution_met.to_string(),
                        row.resolution_missed.to_string(),
                        share(row.resolution_percent),
                    ]
                })
                .collect(),
        },
        ChartKind::Breaches => ReportTable {
            headers: texts(
                lang,
                &[
                    Text::ColTicket,
                    Text::ColTitle,
                    Text::ColPriority,
                    Text::ColDeadline,
                    Text::ColOverdue,
                    Text::ColStillOpen,
                ],
            ),
            rows: report
                .breaches
                .iter()
                .map(|row| {
                    vec![
                        row.number.clone(),
                        row.title.clone(),
                        priority_text(row.priority).get(lang).to_owned(),
                        deadline_text(row.target).get(lang).to_owned(),
                        crate::model::format_countdown(row.overdue_ms),
                        if row.open { Text::AnswerYes.get(lang).to_owned() } else { String::new() },
                    ]
                })
                .collect(),
        },
        ChartKind::ResolveTime => ReportTable {
            headers: texts(lang, &[Text::ColCategory, Text::ColResolved, Text::ColMeanHours, Text::ColP90Hours]),
            rows: report
                .resolve_times
                .iter()
                .map(|row| {
                    vec![
                        category_text(row.category).get(lang).to_owned(),
                        row.resolved.to_string(),
                        number(hours(row.mean_ms)),
                        number(hours(row.p90_ms)),
                    ]
                })
                .collect(),
        },
        ChartKind::Summary => summary_table(report, lang),
        ChartKind::CsatTrend => ReportTable {
            headers: texts(
                lang,
                &[
                    Text::ColWeek,
                    Text::CsatOffered,
                    Text::CsatAnswered,
                    Text::ColMeanRating,
                    Text::CsatSatisfiedPercent,
                    Text::CsatClearPercent,
                ],
            ),
            rows: report
                .csat_weeks
                .iter()
                .map(|row| {
                    vec![
                        row.week.label(),
                        row.offered.to_string(),
                        row.answered.to_string(),
                        row.mean_rating.map_or_else(|| "–".to_owned(), |v| format!("{v:.2}")),
                        share(row.satisfied_percent),
                        share(row.explanations_clear_percent),
                    ]
                })
                .collect(),
        },
        ChartKind::Engineers => ReportTable {
            headers: texts(lang, &[Text::ColEngineer, Text::ColOpenTickets, Text::ColSessions, Text::ColSessionHours]),
            rows: report
                .engineers
                .iter()
                .map(|row| {
                    vec![
                        row.engineer.clone(),
                        row.open_tickets.to_string(),
                        row.sessions.to_string(),
                        number(hours(row.session_ms)),
                    ]
                })
                .collect(),
        },
        ChartKind::FailingSteps => ReportTable {
            headers: texts(
                lang,
                &[
                    Text::ColGuide,
                    Text::ColStep,
                    Text::ColInstruction,
                    Text::ColDidntWork,
                    Text::ColStuck,
                    Text::ColAnswers,
                    Text::ColFailedPercent,
                ],
            ),
            rows: report
                .failing_steps
                .iter()
                .map(|row| {
                    vec![
                        row.guide_title.clone(),
                        row.step_number.to_string(),
                        row.instruction.clone(),
                        row.didnt_work.to_string(),
                        row.stuck.to_string(),
                        row.answers.to_string(),
                        number(row.failed_percent),
                    ]
                })
                .collect(),
        },
    }
}

fn summary_table(report: &Report, lang: Lang) -> ReportTable {
    let fcr = &report.first_contact;
    let csat = &report.csat;
    let rows = [
        (Text::FcrResolved, fcr.resolved.to_string()),
        (Text::FcrFirstContact, fcr.first_contact.to_string()),
        (Text::FcrReopened, fcr.reopened.to_string()),
        (Text::FcrPercent, share(fcr.percent)),
        (Text::CsatOffered, csat.offered.to_string()),
        (Text::CsatAnswered, csat.answered.to_string()),
        (Text::CsatResponsePercent, share(csat.response_percent)),
        (Text::CsatSurveyRatings, csat.survey_ratings.to_string()),
        (Text::CsatManualRatings, csat.manual_ratings.to_string()),
        (Text::CsatSatisfiedPercent, share(csat.satisfied_percent)),
        (Text::CsatClearPercent, share(csat.explanations_clear_percent)),
        (
            Text::CsatHintsAccepted,
            format!(
                "{} / {} ({})",
                csat.jargon_hints.accepted,
                csat.jargon_hints.offered,
                share(csat.jargon_hints_accepted_percent)
            ),
        ),
    ];
    ReportTable {
        headers: texts(lang, &[Text::ColMeasure, Text::ColValue]),
        rows: rows.into_iter().map(|(text, value)| vec![text.get(lang).to_owned(), value]).collect(),
    }
}

/// The plot of one chart; none for the table-only ones (breaches, summary).
pub fn plot(report: &Report, kind: ChartKind, lang: Lang) -> Option<PlotSpec> {
    let series = |name: Text, values: Vec<Option<f64>>| Series { name: name.get(lang).to_owned(), values };
    let spec = match kind {
        ChartKind::Opened => stacked_by_category(lang, &week_counts(report, false)),
        ChartKind::Closed => stacked_by_category(lang, &week_counts(report, true)),
        ChartKind::Backlog => stacked_by_category(lang, &backlog_counts(report, lang)),
        ChartKind::Sla => PlotSpec {
            x_labels: Priority::ALL.iter().map(|p| priority_text(*p).get(lang).to_owned()).collect(),
            series: vec![
                series(deadline_text(SlaTarget::Response), report.sla.iter().map(|r| r.response_percent).collect()),
                series(deadline_text(SlaTarget::Resolution), report.sla.iter().map(|r| r.resolution_percent).collect()),
            ],
            style: PlotStyle::GroupedBars,
            y_label: "%".to_owned(),
        },
        ChartKind::ResolveTime => PlotSpec {
            x_labels: report.resolve_times.iter().map(|r| category_text(r.category).get(lang).to_owned()).collect(),
            series: vec![
                series(Text::ColMeanHours, report.resolve_times.iter().map(|r| Some(hours(r.mean_ms))).collect()),
                series(Text::ColP90Hours, report.resolve_times.iter().map(|r| Some(hours(r.p90_ms))).collect()),
            ],
            style: PlotStyle::GroupedBars,
            y_label: Text::ColMeanHours.get(lang).to_owned(),
        },
        ChartKind::CsatTrend => PlotSpec {
            x_labels: report.csat_weeks.iter().map(|w| w.week.label()).collect(),
            series: vec![
                series(Text::CsatSatisfiedPercent, report.csat_weeks.iter().map(|w| w.satisfied_percent).collect()),
                series(
                    Text::CsatClearPercent,
                    report.csat_weeks.iter().map(|w| w.explanations_clear_percent).collect(),
                ),
                series(
                    Text::CsatResponsePercent,
                    report.csat_weeks.iter().map(|w| crate::model::report::percent(w.answered, w.offered)).collect(),
                ),
            ],
            style: PlotStyle::Lines,
            y_label: "%".to_owned(),
        },
        ChartKind::Engineers => PlotSpec {
            x_labels: report.engineers.iter().map(|r| r.engineer.clone()).collect(),
            series: vec![
                series(
                    Text::ColOpenTickets,
                    report.engineers.iter().map(|r| Some(f64::from(r.open_tickets))).collect(),
                ),
                series(Text::ColSessions, report.engineers.iter().map(|r| Some(f64::from(r.sessions))).collect()),
                series(Text::ColSessionHours, report.engineers.iter().map(|r| Some(hours(r.session_ms))).collect()),
            ],
            style: PlotStyle::GroupedBars,
            y_label: String::new(),
        },
        ChartKind::FailingSteps => PlotSpec {
            x_labels: report.failing_steps.iter().map(|r| format!("{} #{}", r.guide_title, r.step_number)).collect(),
            series: vec![
                series(Text::ColDidntWork, report.failing_steps.iter().map(|r| Some(r.didnt_work as f64)).collect()),
                series(Text::ColStuck, report.failing_steps.iter().map(|r| Some(r.stuck as f64)).collect()),
            ],
            style: PlotStyle::StackedBars,
            y_label: Text::ColAnswers.get(lang).to_owned(),
        },
        ChartKind::Breaches | ChartKind::Summary => return None,
    };
    Some(spec)
}
