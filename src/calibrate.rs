//! `benchgate calibrate`: what an A/A run (the same build on both sides)
//! says about this machine's noise, per endpoint × metric — the spread of
//! the per-pair log-ratios, the smallest slowdown the current settings
//! detect with 95% power, and how long a run would have to be to detect the
//! configured threshold.

use std::io::{self, Write};
use std::time::Duration;

use crate::compare::{Comparison, VerdictName};
use crate::config::Config;
use crate::record::RunRecord;

/// Longest run worth suggesting; beyond it a metric is called out of reach.
const LONGEST_SUGGESTION: Duration = Duration::from_secs(600);

/// The noise of one endpoint × metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub endpoint: String,
    pub metric: &'static str,
    /// Pairs with requests on both sides.
    pub pairs: usize,
    /// Standard deviation of ln(head block / base block) over the pairs.
    pub pair_sd: Option<f64>,
    /// Smallest relative slowdown this run detects (95% power, at the
    /// suite's multiplicity-adjusted level).
    pub detectable: Option<f64>,
    /// The gate's threshold for this endpoint.
    pub threshold: f64,
    /// Measured time per side needed to detect the threshold.
    pub needed: Option<Duration>,
    /// The A/A verdict (anything but unchanged or inconclusive is a false
    /// alarm).
    pub verdict: VerdictName,
}

/// One row per compared endpoint × metric of an A/A comparison.
pub fn rows(base: &RunRecord, head: &RunRecord, comparison: &Comparison) -> Vec<Row> {
    let duration = Duration::from_millis(head.load.duration_ms);
    let mut rows = Vec::new();
    for endpoint in &comparison.endpoints {
        let (Some(b), Some(h)) = (base.endpoint(&endpoint.name), head.endpoint(&endpoint.name))
        else {
            continue;
        };
        for metric in &endpoint.metrics {
            let logs: Vec<f64> = b
                .blocks
                .iter()
                .zip(&h.blocks)
                .filter(|(b, h)| !b.latency_us.is_empty() && !h.latency_us.is_empty())
                .filter_map(|(b, h)| {
                    let stat = |hist: &hdrhistogram::Histogram<u64>| match metric.metric.quantile()
                    {
                        Some(q) => hist.value_at_quantile(q) as f64,
                        None => hist.mean(),
                    };
                    let ratio = stat(&h.latency_us) / stat(&b.latency_us);
                    (ratio.is_finite() && ratio > 0.0).then(|| ratio.ln())
                })
                .collect();
            let detectable = metric.detectable;
            rows.push(Row {
                endpoint: endpoint.name.clone(),
                metric: metric.metric.name(),
                pairs: logs.len(),
                pair_sd: sd(&logs),
                detectable,
                threshold: endpoint.threshold,
                needed: detectable.and_then(|d| needed(duration, d, endpoint.threshold)),
                verdict: metric.verdict,
            });
        }
    }
    rows
}

/// The run length at which the detectable change shrinks to `threshold`:
/// on the log scale it falls with the square root of the number of pairs.
pub fn needed(duration: Duration, detectable: f64, threshold: f64) -> Option<Duration> {
    if !(detectable > 0.0 && threshold > 0.0) {
        return None;
    }
    let scale = ((1.0 + detectable).ln() / (1.0 + threshold).ln()).powi(2);
    let secs = duration.as_secs_f64() * scale;
    secs.is_finite()
        .then(|| Duration::from_secs(secs.ceil() as u64))
}

fn sd(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    Some(var.sqrt())
}

/// The table and what to change.
pub fn print(rows: &[Row], config: &Config, out: &mut dyn Write) -> io::Result<()> {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_BORDERS_ONLY);
    table.set_header([
        "endpoint",
        "metric",
        "pairs",
        "pair sd",
        "detects",
        "threshold",
        "needs",
    ]);
    let pct = |x: f64| format!("{:.1}%", x * 100.0);
    for row in rows {
        table.add_row([
            row.endpoint.clone(),
            row.metric.to_string(),
            row.pairs.to_string(),
            row.pair_sd.map_or("-".into(), |s| format!("{s:.3}")),
            row.detectable.map_or("-".into(), pct),
            pct(row.threshold),
            row.needed
                .map_or("-".into(), |d| format!("{}s", d.as_secs())),
        ]);
    }
    writeln!(
        out,
        "A/A calibration of suite {}: the same build on both sides, {} s at {}/s per side, {} ms blocks",
        config.suite,
        config.load.duration.as_secs_f64(),
        config.load.rate,
        config.load.block.as_millis()
    )?;
    writeln!(out, "{table}")?;
    writeln!(
        out,
        "pair sd: spread of ln(head/base) between paired blocks; detects: the smallest slowdown this run finds with 95% power; needs: measured time per side to detect the threshold"
    )?;
    let false_alarms: Vec<String> = rows
        .iter()
        .filter(|r| matches!(r.verdict, VerdictName::Regressed | VerdictName::Improved))
        .map(|r| format!("{} {}", r.endpoint, r.metric))
        .collect();
    if !false_alarms.is_empty() {
        writeln!(
            out,
            "warning: the A/A run flagged {} although both sides ran the same build: the machine was unusually noisy, or the app's two copies differ (caches, files, ports)",
            false_alarms.join(", ")
        )?;
    }
    let current = config.load.duration;
    let worst = rows.iter().filter_map(|r| r.needed).max();
    let out_of_reach: Vec<String> = rows
        .iter()
        .filter(|r| r.needed.is_none_or(|d| d > LONGEST_SUGGESTION))
        .map(|r| format!("{} {}", r.endpoint, r.metric))
        .collect();
    match worst {
        Some(worst) if worst <= current => writeln!(
            out,
            "suggestion: the current duration ({} s) detects the threshold on every metric",
            current.as_secs_f64()
        )?,
        Some(_) => {
            let reachable = rows
                .iter()
                .filter_map(|r| r.needed)
                .filter(|d| *d <= LONGEST_SUGGESTION)
                .max();
            if let Some(d) = reachable {
                writeln!(
                    out,
                    "suggestion: load.duration: {}s (or --duration {}s) detects the threshold on every metric that can reach it within {} s",
                    d.as_secs(),
                    d.as_secs(),
                    LONGEST_SUGGESTION.as_secs()
                )?;
            }
        }
        None => {}
    }
    if !out_of_reach.is_empty() {
        writeln!(
            out,
            "out of reach within {} s: {}; gate these on other metrics, give them a higher per-endpoint threshold, or raise their weight",
            LONGEST_SUGGESTION.as_secs(),
            out_of_reach.join(", ")
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needed_duration_grows_with_the_square_of_the_noise_ratio() {
        let d = Duration::from_secs(20);
        // Detecting 20% in 20 s: detecting 10% needs about (ln 1.2 / ln 1.1)² ≈ 3.65× as long.
        let n = needed(d, 0.20, 0.10).expect("finite");
        assert_eq!(n, Duration::from_secs(74));
        assert_eq!(needed(d, 0.10, 0.10), Some(d));
        assert!(needed(d, 0.05, 0.10).is_some_and(|n| n < d));
        assert_eq!(needed(d, f64::INFINITY, 0.10), None);
    }

    #[test]
    fn sd_is_the_sample_standard_deviation() {
        assert_eq!(sd(&[1.0]), None);
        let s = sd(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).expect("sd");
        assert!((s - 2.138_089_935).abs() < 1e-9, "{s}");
    }
}
