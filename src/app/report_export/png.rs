//! A chart's plot drawn to a PNG with plotters (bars stacked or side by side, or lines), its
//! text set in the CJK font found on the system.

use std::sync::OnceLock;

use anyhow::{Context as _, anyhow};
use plotters::prelude::*;

use super::font::CjkFont;
use crate::ui::reports::spec::{PlotSpec, PlotStyle, series_rgb};

/// The family name the font is registered under for plotters.
const FAMILY: &str = "sans-serif";
/// Width of one label character, pixels, to space the x labels.
const LABEL_CHAR_PX: usize = 9;

/// Registers the font with plotters once per process (plotters keeps `&'static` font bytes).
fn register(font: &CjkFont) -> anyhow::Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        // Plotters' ab_glyph backend reads face 0 of a collection; every face of the CJK
        // collections holds the Chinese glyphs. Leaked once: the bytes live as long as the process.
        let bytes: &'static [u8] = Box::leak(font.data.as_ref().clone().into_boxed_slice());
        plotters::style::register_font(FAMILY, FontStyle::Normal, bytes).is_ok()
    });
    if ok { Ok(()) } else { Err(anyhow!("{} cannot be used for chart text", font.path.display())) }
}

fn rgb(index: usize) -> RGBColor {
    let [r, g, b] = series_rgb(index);
    RGBColor(r, g, b)
}

/// The top of the y axis: the largest bar (stacks summed) or point, with headroom.
fn y_max(spec: &PlotSpec) -> f64 {
    let count = spec.x_labels.len();
    let largest = match spec.style {
        PlotStyle::StackedBars => (0..count)
            .map(|i| spec.series.iter().filter_map(|s| s.values.get(i).copied().flatten()).sum::<f64>())
            .fold(0.0, f64::max),
        PlotStyle::GroupedBars | PlotStyle::Lines => {
            spec.series.iter().flat_map(|s| s.values.iter().flatten().copied()).fold(0.0, f64::max)
        }
    };
    (largest * 1.15).max(1.0)
}

/// Draws `spec` titled `title` into a `width` × `height` PNG.
pub fn render_png(
    spec: &PlotSpec,
    title: &str,
    font: &CjkFont,
    (width, height): (u32, u32),
) -> anyhow::Result<Vec<u8>> {
    register(font)?;
    let mut pixels = vec![255_u8; width as usize * height as usize * 3];
    draw(spec, title, &mut pixels, (width, height)).map_err(|err| anyhow!("cannot draw the chart: {err}"))?;
    let image = image::RgbImage::from_raw(width, height, pixels).context("chart buffer has the wrong size")?;
    let mut png = Vec::new();
    image.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).context("cannot encode the PNG")?;
    Ok(png)
}

fn draw(
    spec: &PlotSpec,
    title: &str,
    pixels: &mut [u8],
    size: (u32, u32),
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let root = BitMapBackend::with_buffer(pixels, size).into_drawing_area();
    root.fill(&WHITE)?;
    let count = spec.x_labels.len().max(1);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FAMILY, 22))
        .margin(14)
        .x_label_area_size(34)
        .y_label_area_size(54)
        .build_cartesian_2d(0.0..count as f64, 0.0..y_max(spec))?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .disable_x_axis()
        .y_desc(spec.y_label.as_str())
        .label_style((FAMILY, 14))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;

    let groups = spec.series.len().max(1) as f64;
    let mut stacked_base = vec![0.0_f64; count];
    for (index, series) in spec.series.iter().enumerate() {
        let colour = rgb(index);
        match spec.style {
            PlotStyle::StackedBars | PlotStyle::GroupedBars => {
                let bars: Vec<Rectangle<(f64, f64)>> = series
                    .values
                    .iter()
                    .enumerate()
                    .filter_map(|(x, value)| value.map(|v| (x, v)))
                    .map(|(x, value)| {
                        let (left, right, bottom) = if spec.style == PlotStyle::StackedBars {
                            let bottom = stacked_base[x];
                            stacked_base[x] += value;
                            (x as f64 + 0.15, x as f64 + 0.85, bottom)
                        } else {
                            let width = 0.7 / groups;
                            let left = x as f64 + 0.15 + width * index as f64;
                            (left, left + width, 0.0)
                        };
                        Rectangle::new([(left, bottom), (right, bottom + value)], colour.filled())
                    })
                    .collect();
                chart
                    .draw_series(bars)?
                    .label(series.name.as_str())
                    .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], colour.filled()));
            }
            PlotStyle::Lines => {
                let points: Vec<(f64, f64)> = series
                    .values
                    .iter()
                    .enumerate()
                    .filter_map(|(x, value)| value.map(|v| (x as f64 + 0.5, v)))
                    .collect();
                chart.draw_series(points.iter().map(|point| Circle::new(*point, 3, colour.filled())))?;
                chart
                    .draw_series(LineSeries::new(points, colour.stroke_width(2)))?
                    .label(series.name.as_str())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], colour.stroke_width(2)));
            }
        }
    }
    chart
        .configure_series_labels()
        .label_font((FAMILY, 14))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .position(SeriesLabelPosition::UpperRight)
        .draw()?;

    // X labels, thinned so they do not overlap.
    let plot_width = chart.plotting_area().dim_in_pixel().0 as usize;
    let widest = spec.x_labels.iter().map(|l| l.chars().count()).max().unwrap_or(1) * LABEL_CHAR_PX + 8;
    let step = (count * widest).div_ceil(plot_width.max(1)).max(1);
    let style = TextStyle::from((FAMILY, 13).into_font()).pos(plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Center,
        plotters::style::text_anchor::VPos::Top,
    ));
    for (x, label) in spec.x_labels.iter().enumerate().step_by(step) {
        let (px, py) = chart.backend_coord(&(x as f64 + 0.5, 0.0));
        root.draw(&Text::new(label.as_str(), (px, py + 6), style.clone()))?;
    }
    root.present()?;
    Ok(())
}
