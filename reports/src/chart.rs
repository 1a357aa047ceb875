//! Line charts drawn at build time as inline SVG (plotters' SVG backend): no script, no CDN, the
//! same picture on screen and on paper. Every chart is drawn from a [`Table`] that the HTML prints
//! right below it, so the chart is never the only way to the numbers.

use plotters::prelude::*;

use crate::report::{Chart, Table};
use crate::ReportError;

/// Colours with at least 3:1 contrast on white, distinct for the common colour-vision deficiencies
/// (the Okabe–Ito set, darkened); lines also get different markers.
const PALETTE: [RGBColor; 6] = [
    RGBColor(0, 94, 160),
    RGBColor(192, 82, 0),
    RGBColor(0, 122, 90),
    RGBColor(160, 60, 130),
    RGBColor(90, 90, 90),
    RGBColor(150, 120, 0),
];

const WIDTH: u32 = 860;
const HEIGHT: u32 = 320;

/// Draws `chart` from `table` and returns the `<svg>` element, labelled for assistive technology.
pub fn svg(chart: &Chart, table: &Table) -> Result<String, ReportError> {
    let labels: Vec<String> = table.rows.iter().map(|r| r.label.clone()).collect();
    let series: Vec<(String, Vec<f64>)> = chart
        .series
        .iter()
        .map(|&column| {
            let name = table.columns.get(column + 1).cloned().unwrap_or_default();
            let values = table.rows.iter().map(|r| r.cells.get(column).and_then(|c| c.number()).unwrap_or(0.0));
            (name, values.collect())
        })
        .collect();
    let y_max = series.iter().flat_map(|(_, v)| v.iter().copied()).fold(0.0_f64, f64::max);
    let y_max = if y_max <= 0.0 { 1.0 } else { y_max * 1.15 };
    let mut svg = String::new();
    draw(&mut svg, &labels, &series, y_max, &chart.unit).map_err(|e| ReportError::Chart(e.to_string()))?;
    let label = format!(r#"<svg role="img" aria-label="{}" focusable="false" "#, crate::html::escape(&chart.title));
    Ok(svg.replacen("<svg ", &label, 1))
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

fn draw(out: &mut String, labels: &[String], series: &[(String, Vec<f64>)], y_max: f64, unit: &str) -> DrawResult {
    let root = SVGBackend::with_string(out, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let last = labels.len().saturating_sub(1).max(1);
    let mut chart = ChartBuilder::on(&root)
        .margin(14)
        .margin_right(48)
        .x_label_area_size(34)
        .y_label_area_size(56)
        .build_cartesian_2d(0usize..last, 0f64..y_max)?;
    let formatter = |i: &usize| labels.get(*i).cloned().unwrap_or_default();
    let whole = |v: &f64| format!("{v:.0}");
    chart
        .configure_mesh()
        .x_labels(labels.len().clamp(1, 12))
        .x_label_formatter(&formatter)
        .y_label_formatter(&whole)
        .y_desc(unit)
        .label_style(("sans-serif", 12).into_font().color(&BLACK))
        .axis_desc_style(("sans-serif", 13).into_font().color(&BLACK))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    for (index, (name, values)) in series.iter().enumerate() {
        let color = PALETTE[index % PALETTE.len()];
        let points: Vec<(usize, f64)> = values.iter().copied().enumerate().collect();
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?
            .label(name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
        if index % 2 == 0 {
            chart.draw_series(points.iter().map(|p| Circle::new(*p, 3, color.filled())))?;
        } else {
            chart.draw_series(points.iter().map(|&(x, y)| TriangleMarker::new((x, y), 4, color.filled())))?;
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", 12).into_font().color(&BLACK))
        .draw()?;
    root.present()?;
    Ok(())
}
