//! A chart's [`PlotSpec`] drawn with egui_plot: stacked or grouped bars, or lines, over
//! labelled x positions, in the palette the exported files use.

use egui_plot::{Bar, BarChart, Legend, Line, Plot, PlotPoints};

use super::spec::{PlotSpec, PlotStyle, series_rgb};

/// Height of a chart in the window, points.
const PLOT_HEIGHT: f32 = 220.0;

fn colour(index: usize) -> egui::Color32 {
    let [r, g, b] = series_rgb(index);
    egui::Color32::from_rgb(r, g, b)
}

/// Draws `spec`; `id` keeps each chart's zoom apart.
pub fn plot_ui(ui: &mut egui::Ui, id: &str, spec: &PlotSpec) {
    let labels = spec.x_labels.clone();
    let plot = Plot::new(id)
        .height(PLOT_HEIGHT)
        .legend(Legend::default())
        .allow_scroll(false)
        .allow_drag(false)
        .allow_zoom(false)
        .include_y(0.0)
        .x_axis_formatter(move |mark, _range| {
            let index = mark.value.round();
            if (mark.value - index).abs() < 1e-6 && index >= 0.0 {
                labels.get(index as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_axis_label(spec.y_label.clone());
    plot.show(ui, |plot_ui| {
        let groups = spec.series.len().max(1) as f64;
        let mut below: Vec<BarChart> = Vec::new();
        for (index, series) in spec.series.iter().enumerate() {
            match spec.style {
                PlotStyle::Lines => {
                    let points: Vec<[f64; 2]> = series
                        .values
                        .iter()
                        .enumerate()
                        .filter_map(|(x, value)| value.map(|v| [x as f64, v]))
                        .collect();
                    plot_ui
                        .line(Line::new(series.name.clone(), PlotPoints::from(points)).color(colour(index)).width(2.0));
                }
                PlotStyle::StackedBars | PlotStyle::GroupedBars => {
                    let grouped = spec.style == PlotStyle::GroupedBars;
                    let width = if grouped { 0.7 / groups } else { 0.7 };
                    let bars: Vec<Bar> = series
                        .values
                        .iter()
                        .enumerate()
                        .map(|(x, value)| {
                            let offset = if grouped { -0.35 + width * (index as f64 + 0.5) } else { 0.0 };
                            Bar::new(x as f64 + offset, value.unwrap_or(0.0)).width(width)
                        })
                        .collect();
                    let mut chart = BarChart::new(series.name.clone(), bars).color(colour(index));
                    if !grouped {
                        let refs: Vec<&BarChart> = below.iter().collect();
                        chart = chart.stack_on(&refs);
                    }
                    below.push(chart);
                }
            }
        }
        for chart in below {
            plot_ui.bar_chart(chart);
        }
    });
}
