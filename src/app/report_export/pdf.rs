//! The whole report as an A4 PDF with krilla: a title, then each chart as an image with its
//! table underneath, tables continued on the next page with their headings repeated. Text is
//! set in the system's CJK font, embedded (subset), so Chinese shows on any reader.

use anyhow::{Context as _, anyhow};
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};

use super::font::CjkFont;
use super::png::render_png;
use crate::model::report::Report;
use crate::ui::reports::spec::{ChartKind, ReportTable, note, plot, table};
use crate::ui::{Lang, Text};

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 40.0;
const BODY_SIZE: f32 = 8.5;
const ROW_H: f32 = 13.0;
const CHART_H: f32 = 230.0;
/// Chart images are drawn at this many pixels per point (sharp when printed).
const CHART_SCALE: f32 = 2.0;
/// Longest table printed in full; the rest is counted in a last line.
const MAX_PDF_ROWS: usize = 200;

/// The text of the report's heading: title, period and filters.
pub struct Heading {
    /// "Monthly report".
    pub title: String,
    /// "2026-01-01 to 2026-01-31".
    pub period: String,
    /// "Filters: …", if any.
    pub filters: Option<String>,
}

/// Estimated width of `text` at `size` points (CJK glyphs are square, Latin ones about half).
fn text_width(text: &str, size: f32) -> f32 {
    text.chars().map(|c| if c.is_ascii() { 0.55 } else { 1.0 }).sum::<f32>() * size
}

/// `text` cut with "…" to fit `width` points.
fn fit(text: &str, size: f32, width: f32) -> String {
    if text_width(text, size) <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    for c in text.chars() {
        if text_width(&out, size) + 2.0 * size > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// Column widths filling `width`: narrow columns keep their natural width, the widest ones
/// share what is left (a cap found by bisection); all grow alike when there is room to spare.
fn column_widths(natural: &[f32], width: f32) -> Vec<f32> {
    let total: f32 = natural.iter().sum();
    if total <= width {
        let scale = width / total.max(1.0);
        return natural.iter().map(|w| w * scale).collect();
    }
    let (mut low, mut high) = (0.0_f32, natural.iter().copied().fold(0.0, f32::max));
    for _ in 0..30 {
        let cap = (low + high) / 2.0;
        if natural.iter().map(|w| w.min(cap)).sum::<f32>() > width {
            high = cap;
        } else {
            low = cap;
        }
    }
    natural.iter().map(|w| w.min(low)).collect()
}

/// Lays out pages top to bottom.
struct Writer {
    document: Document,
    font: Font,
    /// Draw calls of the current page (a page's surface borrows the document, so a page is
    /// collected first and drawn when it is full).
    ops: Vec<Op>,
    y: f32,
}

enum Op {
    Text { x: f32, y: f32, size: f32, rgb: [u8; 3], text: String },
    Rect { x: f32, y: f32, w: f32, h: f32, rgb: [u8; 3] },
    Image { x: f32, y: f32, w: f32, h: f32, image: Image },
}

impl Writer {
    fn flush_page(&mut self) {
        if self.ops.is_empty() {
            return;
        }
        let Some(settings) = PageSettings::from_wh(PAGE_W, PAGE_H) else {
            return;
        };
        let mut page = self.document.start_page_with(settings);
        let mut surface = page.surface();
        for op in self.ops.drain(..) {
            draw_op(&mut surface, &self.font, op);
        }
        surface.finish();
        page.finish();
        self.y = MARGIN;
    }

    fn room(&mut self, height: f32) {
        if self.y + height > PAGE_H - MARGIN {
            self.flush_page();
        }
    }

    fn text(&mut self, x: f32, size: f32, rgb: [u8; 3], text: &str) {
        self.ops.push(Op::Text { x, y: self.y + size, size, rgb, text: text.to_owned() });
    }

    fn line(&mut self, size: f32, rgb: [u8; 3], text: &str) {
        self.room(size * 1.6);
        self.text(MARGIN, size, rgb, text);
        self.y += size * 1.6;
    }

    fn table(&mut self, table: &ReportTable, empty: &str) {
        let width = PAGE_W - 2.0 * MARGIN;
        if table.rows.is_empty() {
            self.line(BODY_SIZE, [110, 110, 110], empty);
            return;
        }
        let natural: Vec<f32> = (0..table.headers.len())
            .map(|col| {
                let cells = table.rows.iter().take(MAX_PDF_ROWS).filter_map(|row| row.get(col));
                cells
                    .chain(std::iter::once(&table.headers[col]))
                    .map(|text| text_width(text, BODY_SIZE).min(220.0))
                    .fold(20.0, f32::max)
                    + 8.0
            })
            .collect();
        let widths = column_widths(&natural, width);
        self.row(&table.headers, &widths, Some([232, 236, 244]));
        for row in table.rows.iter().take(MAX_PDF_ROWS) {
            if self.y + ROW_H > PAGE_H - MARGIN {
                self.flush_page();
                self.row(&table.headers, &widths, Some([232, 236, 244]));
            }
            self.row(row, &widths, None);
        }
        if table.rows.len() > MAX_PDF_ROWS {
            self.line(BODY_SIZE, [110, 110, 110], &format!("… +{}", table.rows.len() - MAX_PDF_ROWS));
        }
    }

    fn row(&mut self, cells: &[String], widths: &[f32], background: Option<[u8; 3]>) {
        self.room(ROW_H);
        let full: f32 = widths.iter().sum();
        let rgb = background.unwrap_or([255, 255, 255]);
        self.ops.push(Op::Rect { x: MARGIN, y: self.y, w: full, h: ROW_H, rgb });
        self.ops.push(Op::Rect { x: MARGIN, y: self.y + ROW_H - 0.5, w: full, h: 0.5, rgb: [210, 210, 210] });
        let mut x = MARGIN;
        for (cell, width) in cells.iter().zip(widths) {
            let text = fit(cell, BODY_SIZE, width - 6.0);
            self.ops.push(Op::Text { x: x + 3.0, y: self.y + ROW_H - 3.5, size: BODY_SIZE, rgb: [30, 30, 30], text });
            x += width;
        }
        self.y += ROW_H;
    }
}

fn draw_op(surface: &mut Surface<'_>, font: &Font, op: Op) {
    let fill = |[r, g, b]: [u8; 3]| Some(Fill { paint: rgb::Color::new(r, g, b).into(), ..Fill::default() });
    match op {
        Op::Text { x, y, size, rgb, text } => {
            surface.set_fill(fill(rgb));
            surface.draw_text(Point::from_xy(x, y), font.clone(), size, &text, false, TextDirection::Auto);
        }
        Op::Rect { x, y, w, h, rgb } => {
            let mut builder = PathBuilder::new();
            if let Some(rect) = Rect::from_xywh(x, y, w, h) {
                builder.push_rect(rect);
            }
            if let Some(path) = builder.finish() {
                surface.set_fill(fill(rgb));
                surface.draw_path(&path);
            }
        }
        Op::Image { x, y, w, h, image } => {
            if let Some(size) = Size::from_wh(w, h) {
                surface.push_transform(&Transform::from_translate(x, y));
                surface.draw_image(image, size);
                surface.pop();
            }
        }
    }
}

/// Writes the whole report as a PDF in `lang`.
pub fn report_pdf(report: &Report, heading: &Heading, lang: Lang, cjk: &CjkFont) -> anyhow::Result<Vec<u8>> {
    let font = Font::new(cjk.data.clone().into(), cjk.index)
        .with_context(|| format!("{} cannot be embedded in a PDF", cjk.path.display()))?;
    let mut document = Document::new();
    document.set_metadata(Metadata::new().title(heading.title.clone()).creator("Stepwise".to_owned()));
    let mut writer = Writer { document, font, ops: Vec::new(), y: MARGIN };
    writer.line(20.0, [20, 40, 90], &heading.title);
    writer.line(11.0, [60, 60, 60], &heading.period);
    if let Some(filters) = &heading.filters {
        writer.line(10.0, [60, 60, 60], filters);
    }
    writer.y += 6.0;
    let chart_w = PAGE_W - 2.0 * MARGIN;
    for kind in ChartKind::ALL {
        let title = kind.title().get(lang);
        let spec = plot(report, kind, lang);
        // Keep a chart's heading with its image (or with the first rows of a table-only chart).
        writer.room(if spec.is_some() { 14.0 * 1.6 + CHART_H } else { 14.0 * 1.6 + 4.0 * ROW_H });
        writer.line(13.0, [20, 40, 90], title);
        if let Some(note) = note(report, kind, lang) {
            writer.line(BODY_SIZE, [110, 110, 110], &note);
        }
        if let Some(spec) = spec {
            let pixels = ((chart_w * CHART_SCALE) as u32, (CHART_H * CHART_SCALE) as u32);
            let png = render_png(&spec, "", cjk, pixels)?;
            let image = Image::from_png(png.into(), true).map_err(|err| anyhow!("cannot embed a chart: {err}"))?;
            writer.ops.push(Op::Image { x: MARGIN, y: writer.y, w: chart_w, h: CHART_H, image });
            writer.y += CHART_H + 6.0;
        }
        writer.table(&table(report, kind, lang), Text::ReportNoRows.get(lang));
        writer.y += 14.0;
    }
    writer.flush_page();
    writer.document.finish().map_err(|err| anyhow!("cannot write the PDF: {err}"))
}
