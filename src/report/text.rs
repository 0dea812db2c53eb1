//! Numbers as every report writes them.

use crate::config::Metric;

/// Milliseconds with three significant figures or so.
pub fn ms(value: Option<f64>) -> String {
    match value {
        Some(v) if v >= 100.0 => format!("{v:.0}"),
        Some(v) if v >= 10.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.2}"),
        None => "-".into(),
    }
}

/// A metric's base or head figure: milliseconds as [`ms`], or with its
/// unit where that is not ms (`61.2 MiB` for `peak_rss`).
pub fn figure(metric: Metric, value: Option<f64>) -> String {
    in_unit(metric, ms(value), value.is_some())
}

/// `text`, a figure of `metric`, followed by its unit where the tables'
/// "ms" columns would misname it; `known` is false for "-".
pub fn in_unit(metric: Metric, text: String, known: bool) -> String {
    match metric.unit() {
        "ms" => text,
        _ if !known => text,
        unit => format!("{text} {unit}"),
    }
}

/// A ratio as a signed relative change, `1.231` → `+23.1%`; from 2 up as
/// a factor, `22448.6` → `×22,449` (JSON keeps the exact ratio).
pub fn change(ratio: f64) -> String {
    if ratio >= 2.0 && ratio.is_finite() {
        return format!("×{}", factor(ratio));
    }
    format!("{:+.1}%", (ratio - 1.0) * 100.0)
}

/// `2.35`, `23.5`, `22,449`.
fn factor(ratio: f64) -> String {
    if ratio < 10.0 {
        return format!("{ratio:.2}");
    }
    if ratio < 100.0 {
        return format!("{ratio:.1}");
    }
    let digits = format!("{ratio:.0}");
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A smallest detectable relative change, in the unit of [`change`]:
/// 0.49 → `49%`, 23.85 → `×24.9`.
pub fn detectable(d: f64) -> String {
    if d >= 1.0 {
        change(1.0 + d)
    } else {
        format!("{:.0}%", d * 100.0)
    }
}

/// An interval of ratios as changes; a missing bound is unbounded.
pub fn interval(lower: Option<f64>, upper: Option<f64>) -> String {
    if lower.is_none() && upper.is_none() {
        return "-".into();
    }
    let bound = |b: Option<f64>, inf: &str| b.map_or(inf.to_string(), change);
    format!("[{}, {}]", bound(lower, "-inf"), bound(upper, "+inf"))
}

/// A fraction as a whole percentage: 0.1 → `10%`.
pub fn percent(fraction: f64) -> String {
    format!("{:.0}%", fraction * 100.0)
}

/// An error rate: 0.0488 → `4.88%`.
pub fn rate(fraction: f64) -> String {
    format!("{:.2}%", fraction * 100.0)
}

/// A difference of rates in percentage points: `+4.88 pt`.
pub fn points(difference: f64) -> String {
    format!("{:+.2} pt", difference * 100.0)
}

/// A p-value: `0.084`, or `1.0e-12` when small.
pub fn p_value(p: Option<f64>) -> String {
    match p {
        Some(p) if p < 0.001 => format!("{p:.1e}"),
        Some(p) => format!("{p:.3}"),
        None => "-".into(),
    }
}

/// What `regressed` tested, in one phrase: the head is worse than the base
/// at the suite's `confidence` (the Holm-adjusted interval lies above 1,
/// rejecting "no worse"), and the estimate is at least half the
/// `threshold` (`stats::verdict`): "worse at 99% confidence, by an
/// estimated 5% or more, half the 10% threshold". The estimate may be
/// under the threshold.
pub fn regressed_means(threshold: f64, confidence: f64) -> String {
    format!(
        "worse at {} confidence, by an estimated {} or more, half the {} threshold",
        percent(confidence),
        half_percent(threshold),
        percent(threshold)
    )
}

/// Half the threshold as a percentage: 0.1 → `5%`, 0.15 → `7.5%`.
fn half_percent(threshold: f64) -> String {
    let half = threshold * 50.0;
    if (half - half.round()).abs() < 1e-9 {
        format!("{half:.0}%")
    } else {
        format!("{half:.1}%")
    }
}

#[cfg(test)]
mod tests {
    use super::{change, figure};
    use crate::config::Metric;

    #[test]
    fn figures_name_their_unit_where_it_is_not_ms() {
        assert_eq!(figure(Metric::P50, Some(12.345)), "12.3");
        assert_eq!(figure(Metric::Cpu, Some(0.5)), "0.50");
        assert_eq!(figure(Metric::PeakRss, Some(61.23)), "61.2 MiB");
        assert_eq!(figure(Metric::PeakRss, None), "-");
    }

    #[test]
    fn large_changes_read_as_factors() {
        assert_eq!(change(1.231), "+23.1%");
        assert_eq!(change(0.5), "-50.0%");
        assert_eq!(change(1.999), "+99.9%");
        assert_eq!(change(2.0), "×2.00");
        assert_eq!(change(23.46), "×23.5");
        assert_eq!(change(22448.6), "×22,449");
        assert_eq!(change(1_234_567.0), "×1,234,567");
    }
}
