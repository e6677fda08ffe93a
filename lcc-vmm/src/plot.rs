//! The per-PM load plot of a report as SVG (the load-balancing paper's Figure 3).

use crate::error::{Error, Result};
use crate::report::Report;
use plotters::prelude::*;

/// An SVG plot of every PM's load over time, with the band (dashed).
pub fn load_svg(report: &Report, title: &str) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 540)).into_drawing_area();
        draw(&root, report, title).map_err(|e| Error::Config(format!("plot: {e}")))?;
    }
    Ok(svg)
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    report: &Report,
    title: &str,
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let minutes = |t: u64| (t - report.times.first().copied().unwrap_or(0)) as f64 / 60_000.0;
    let x_max = report.times.last().map_or(1.0, |&t| minutes(t).max(1e-3));
    let y_max = report.loads.iter().flatten().copied().fold(100.0_f64, f64::max) * 1.05;
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)?;
    chart
        .configure_mesh()
        .x_desc("time (min)")
        .y_desc("load (% of PM CPU)")
        .draw()?;
    for p in 0..report.pms.len() {
        let colour = Palette99::pick(p).to_rgba();
        let points = report.times.iter().zip(&report.loads).map(|(&t, l)| (minutes(t), l[p]));
        chart.draw_series(LineSeries::new(points, colour.stroke_width(2)))?;
    }
    for band in [|b: &(f64, f64)| b.0, |b: &(f64, f64)| b.1] {
        let points: Vec<(f64, f64)> = report
            .times
            .iter()
            .zip(&report.bands)
            .map(|(&t, b)| (minutes(t), band(b)))
            .collect();
        chart.draw_series(DashedLineSeries::new(points, 6, 4, BLACK.stroke_width(1)))?;
    }
    root.present()?;
    Ok(())
}
