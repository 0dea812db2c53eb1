//! An endpoint's latency by percentile as an inline SVG plot, for the HTML
//! report: base and head as two lines, percentile on the x axis and
//! milliseconds (from zero) on the y axis.
//!
//! The x axis is log₁₀ 1/(1 − q), the usual scale for latency percentiles
//! (as in HdrHistogram's plots): 50%, 90%, 99% and 99.9% fall one step
//! apart, so the tail gets as much room as the median. The maximum, whose
//! 1/(1 − q) is infinite, is drawn one step past 99.9%.

use std::fmt::Write as _;

use crate::baseline::HistoryEntry;
use crate::compare::{Curves, Point};

const WIDTH: f64 = 540.0;
const HEIGHT: f64 = 300.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 48.0;

/// The x-axis ticks: (log₁₀ 1/(1 − q), label).
const X_TICKS: [(f64, &str); 5] = [
    (std::f64::consts::LOG10_2, "50%"),
    (1.0, "90%"),
    (2.0, "99%"),
    (3.0, "99.9%"),
    (MAX_X, "max"),
];

/// Where the maximum (q = 1) is drawn.
const MAX_X: f64 = 4.0;

/// The plot of `curves`, titled for screen readers by `label` (already
/// HTML-escaped).
pub fn latency_plot(curves: &Curves, label: &str) -> String {
    let base = finite(&curves.base);
    let head = finite(&curves.head);
    let top = nice_max(base.iter().chain(&head).map(|p| p.ms).fold(0.0, f64::max));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg class=\"plot\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{label}\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    grid(&mut out, top);
    if base.is_empty() && head.is_empty() {
        let _ = writeln!(
            out,
            "<text class=\"empty\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">no latency data</text>",
            LEFT + plot_width() / 2.0,
            TOP + plot_height() / 2.0
        );
    }
    line(&mut out, &base, top, "base");
    line(&mut out, &head, top, "head");
    legend(&mut out, base.is_empty(), head.is_empty());
    out.push_str("</svg>\n");
    out
}

/// The points that can be drawn: finite, with q in [0, 1].
fn finite(points: &[Point]) -> Vec<Point> {
    points
        .iter()
        .copied()
        .filter(|p| p.ms.is_finite() && p.ms >= 0.0 && (0.0..=1.0).contains(&p.q))
        .collect()
}

fn plot_width() -> f64 {
    WIDTH - LEFT - RIGHT
}

fn plot_height() -> f64 {
    HEIGHT - TOP - BOTTOM
}

/// log₁₀ 1/(1 − q), capped at [`MAX_X`] (where q = 1 goes).
fn x_of_quantile(q: f64) -> f64 {
    if q >= 1.0 {
        return MAX_X;
    }
    (1.0 / (1.0 - q)).log10().clamp(0.0, MAX_X)
}

fn x_pixel(x: f64) -> f64 {
    let (lo, hi) = (X_TICKS[0].0, MAX_X);
    LEFT + (x.clamp(lo, hi) - lo) / (hi - lo) * plot_width()
}

fn y_pixel(ms: f64, top: f64) -> f64 {
    TOP + plot_height() * (1.0 - (ms / top).clamp(0.0, 1.0))
}

/// The y axis's top: the first 1, 2 or 5 × 10ⁿ step count of four to
/// eight at or above `max`.
fn nice_max(max: f64) -> f64 {
    step(max) * (max / step(max)).ceil().max(1.0)
}

/// The y-axis step: 1, 2 or 5 × 10ⁿ, for about five ticks.
fn step(max: f64) -> f64 {
    if !max.is_finite() || max <= 0.0 {
        return 1.0;
    }
    let raw = max / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude)
}

fn grid(out: &mut String, top: f64) {
    let bottom = TOP + plot_height();
    let right = LEFT + plot_width();
    out.push_str("<g class=\"grid\">\n");
    let step = step(top);
    let ticks = (top / step).round() as usize;
    for i in 0..=ticks {
        let ms = step * i as f64;
        let y = y_pixel(ms, top);
        let _ = writeln!(
            out,
            "<line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{right}\" y2=\"{y:.1}\"/><text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            LEFT - 6.0,
            y + 4.0,
            tick_label(ms, step)
        );
    }
    for (x, label) in X_TICKS {
        let x = x_pixel(x);
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{TOP}\" x2=\"{x:.1}\" y2=\"{bottom}\"/><text class=\"tick\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{label}</text>",
            bottom + 16.0
        );
    }
    out.push_str("</g>\n");
    let _ = writeln!(
        out,
        "<text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">percentile</text>",
        LEFT + plot_width() / 2.0,
        HEIGHT - 6.0
    );
    let _ = writeln!(
        out,
        "<text class=\"axis\" x=\"14\" y=\"{:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {:.1})\">latency (ms)</text>",
        TOP + plot_height() / 2.0,
        TOP + plot_height() / 2.0
    );
}

/// `0.5`, `2`, `10`: as many decimals as the step needs.
fn tick_label(ms: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    format!("{ms:.decimals$}")
}

/// One side's line, with a dot per point.
fn line(out: &mut String, points: &[Point], top: f64, class: &str) {
    if points.is_empty() {
        return;
    }
    let coords: Vec<(f64, f64)> = points
        .iter()
        .map(|p| (x_pixel(x_of_quantile(p.q)), y_pixel(p.ms, top)))
        .collect();
    let text: Vec<String> = coords
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect();
    let _ = writeln!(
        out,
        "<polyline class=\"{class}\" points=\"{}\"/>",
        text.join(" ")
    );
    for (p, (x, y)) in points.iter().zip(&coords) {
        let _ = writeln!(
            out,
            "<circle class=\"{class}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2.5\"><title>{class} {}: {} ms</title></circle>",
            quantile_label(p.q),
            super::ms(Some(p.ms))
        );
    }
}

/// `p99.9`, or `max`.
fn quantile_label(q: f64) -> String {
    if q >= 1.0 {
        return "max".into();
    }
    let percent = format!("{:.1}", q * 100.0);
    format!("p{}", percent.trim_end_matches(".0"))
}

/// The key, top left inside the plot.
fn legend(out: &mut String, base_empty: bool, head_empty: bool) {
    let x = LEFT + 12.0;
    for (i, (class, empty)) in [("base", base_empty), ("head", head_empty)]
        .into_iter()
        .enumerate()
    {
        let y = TOP + 14.0 + 18.0 * i as f64;
        let label = if empty {
            format!("{class} (no data)")
        } else {
            class.to_string()
        };
        let _ = writeln!(
            out,
            "<line class=\"{class}\" x1=\"{x}\" y1=\"{y}\" x2=\"{:.1}\" y2=\"{y}\"/><text class=\"key\" x=\"{:.1}\" y=\"{:.1}\">{label}</text>",
            x + 22.0,
            x + 28.0,
            y + 4.0
        );
    }
}

/// Most endpoints drawn in the history chart (one line each).
const HISTORY_SERIES: usize = 6;

/// The main branch's p95 per endpoint over its recorded baselines, oldest
/// first: one line per endpoint (at most [`HISTORY_SERIES`]), commits evenly
/// spaced on the x axis, milliseconds from zero on the y axis. Endpoint
/// names in the legend are HTML-escaped with `escape`.
pub fn history_plot(entries: &[HistoryEntry], escape: fn(&str) -> String) -> String {
    let mut names: Vec<&str> = Vec::new();
    for entry in entries {
        for name in entry.endpoints.keys() {
            if !names.contains(&name.as_str()) && names.len() < HISTORY_SERIES {
                names.push(name);
            }
        }
    }
    let max = entries
        .iter()
        .flat_map(|e| names.iter().filter_map(|n| history_p95(e, n)))
        .fold(0.0, f64::max);
    let top = nice_max(max);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg class=\"plot history\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"p95 per endpoint over the main branch's baselines\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    history_grid(&mut out, entries, top, escape);
    for (s, name) in names.iter().enumerate() {
        history_series(&mut out, entries, (s, name), top, escape);
    }
    out.push_str("</svg>\n");
    out
}

/// An entry's p95 for `name`, when it is a drawable number.
fn history_p95(entry: &HistoryEntry, name: &str) -> Option<f64> {
    entry
        .endpoints
        .get(name)
        .and_then(|f| f.p95_ms)
        .filter(|v| v.is_finite() && *v >= 0.0)
}

/// The x pixel of entry `i` of `count`, evenly spaced (one in the middle).
fn history_x(i: usize, count: usize) -> f64 {
    LEFT + plot_width()
        * if count > 1 {
            i as f64 / (count - 1) as f64
        } else {
            0.5
        }
}

/// The grid up to `top` ms, the commits on the x axis and the y axis title.
fn history_grid(out: &mut String, entries: &[HistoryEntry], top: f64, escape: fn(&str) -> String) {
    let bottom = TOP + plot_height();
    out.push_str("<g class=\"grid\">\n");
    let step = step(top);
    for i in 0..=(top / step).round() as usize {
        let ms = step * i as f64;
        let y = y_pixel(ms, top);
        let _ = writeln!(
            out,
            "<line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\"/><text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            LEFT + plot_width(),
            LEFT - 6.0,
            y + 4.0,
            tick_label(ms, step)
        );
    }
    let every = entries.len().div_ceil(8).max(1);
    for (i, entry) in entries.iter().enumerate().filter(|(i, _)| i % every == 0) {
        let label = entry.git_commit.as_deref().map_or_else(
            || entry.time_utc.chars().take(10).collect(),
            |c| c.chars().take(7).collect::<String>(),
        );
        let _ = writeln!(
            out,
            "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            history_x(i, entries.len()),
            bottom + 16.0,
            escape(&label)
        );
    }
    out.push_str("</g>\n");
    let _ = writeln!(
        out,
        "<text class=\"axis\" x=\"14\" y=\"{:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {:.1})\">p95 (ms)</text>",
        TOP + plot_height() / 2.0,
        TOP + plot_height() / 2.0
    );
}

/// Series `s`: one endpoint's line, its dots and its legend entry.
fn history_series(
    out: &mut String,
    entries: &[HistoryEntry],
    (s, name): (usize, &str),
    top: f64,
    escape: fn(&str) -> String,
) {
    let points: Vec<String> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            history_p95(e, name)
                .map(|v| format!("{:.1},{:.1}", history_x(i, entries.len()), y_pixel(v, top)))
        })
        .collect();
    if !points.is_empty() {
        let _ = writeln!(
            out,
            "<polyline class=\"series s{s}\" points=\"{}\"/>",
            points.join(" ")
        );
    }
    // Dots, so that a single baseline still shows.
    for (x, y) in points.iter().filter_map(|p| p.split_once(',')) {
        let _ = writeln!(
            out,
            "<circle class=\"dot s{s}\" cx=\"{x}\" cy=\"{y}\" r=\"3\"/>"
        );
    }
    let y = TOP + 12.0 + 14.0 * s as f64;
    let _ = writeln!(
        out,
        "<line class=\"series s{s}\" x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\"/><text class=\"legend\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
        LEFT + 10.0,
        LEFT + 28.0,
        LEFT + 34.0,
        y + 4.0,
        escape(name)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_y_axis_ends_on_a_round_number_above_the_data() {
        assert_eq!(nice_max(27.5), 30.0);
        assert_eq!(nice_max(9.87), 10.0);
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(0.37), 0.4);
        assert_eq!(tick_label(0.2, 0.1), "0.2");
        assert_eq!(tick_label(20.0, 5.0), "20");
    }

    #[test]
    fn percentiles_are_one_step_apart_per_nine() {
        assert!((x_of_quantile(0.99) - 2.0).abs() < 1e-9);
        assert!((x_of_quantile(0.999) - 3.0).abs() < 1e-9);
        assert_eq!(x_of_quantile(1.0), MAX_X);
        assert_eq!(quantile_label(0.999), "p99.9");
        assert_eq!(quantile_label(0.5), "p50");
    }
}
