//! The calibration table: per endpoint × metric of the last A/A run, the
//! spread of paired blocks, the smallest slowdown one A/B run detects, and
//! how long a run would have to be to detect the threshold.

use std::io::{self, Write};
use std::time::Duration;

use crate::calibrate::{Calibration, Row as CalibrationRow};
use crate::compare::VerdictName;
use crate::config::Config;

/// Longest run worth suggesting; beyond it a metric is called out of reach.
const LONGEST_SUGGESTION: Duration = Duration::from_secs(600);

/// The table and what to change.
pub fn print(calibration: &Calibration, out: &mut dyn Write) -> io::Result<()> {
    let Calibration {
        config,
        rows,
        noise,
    } = calibration;
    writeln!(
        out,
        "A/A calibration of suite {}: the same build on both sides, {} s at {}/s per side, {} ms blocks",
        config.suite,
        config.load.duration.as_secs_f64(),
        config.load.rate,
        config.load.block.as_millis()
    )?;
    writeln!(out, "{}", table(rows))?;
    let floor: Vec<String> = noise
        .metrics
        .iter()
        .filter(|m| rows.iter().any(|r| r.metric == m.metric.name()))
        .map(|m| format!("{} {:.1}%", m.metric.name(), m.tau * 100.0))
        .collect();
    writeln!(
        out,
        "run-to-run floor τ: {} — {}",
        floor.join(", "),
        noise.source
    )?;
    writeln!(
        out,
        "pair sd: spread of ln(head/base) between paired blocks; detects: the smallest slowdown one A/B run finds with 95% power; needs: measured time per side to detect the threshold"
    )?;
    false_alarms(rows, out)?;
    suggestion(config, rows, out)
}

/// One row per endpoint × metric.
fn table(rows: &[CalibrationRow]) -> comfy_table::Table {
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
    table
}

/// A metric the A/A run flagged: the machine or the app's copies differ.
fn false_alarms(rows: &[CalibrationRow], out: &mut dyn Write) -> io::Result<()> {
    let false_alarms: Vec<String> = rows
        .iter()
        .filter(|r| matches!(r.verdict, VerdictName::Regressed | VerdictName::Improved))
        .map(|r| format!("{} {}", r.endpoint, r.metric))
        .collect();
    if !false_alarms.is_empty() {
        writeln!(
            out,
            "warning: the last A/A run flagged {} although both sides ran the same build: the machine was unusually noisy, or the app's two copies differ (caches, files, ports)",
            false_alarms.join(", ")
        )?;
    }
    Ok(())
}

/// What to change so that every metric reaches the threshold.
fn suggestion(config: &Config, rows: &[CalibrationRow], out: &mut dyn Write) -> io::Result<()> {
    let current = config.load.duration;
    let reachable = rows
        .iter()
        .filter_map(|r| r.needed)
        .filter(|d| *d <= LONGEST_SUGGESTION)
        .max();
    let out_of_reach: Vec<String> = rows
        .iter()
        .filter(|r| r.needed.is_none_or(|d| d > LONGEST_SUGGESTION))
        .map(|r| format!("{} {}", r.endpoint, r.metric))
        .collect();
    match reachable {
        Some(d) if d <= current && out_of_reach.is_empty() => writeln!(
            out,
            "suggestion: the current duration ({} s) detects the threshold on every metric",
            current.as_secs_f64()
        )?,
        // A/B runs measure until known: the budget is what must reach.
        Some(d) if d <= config.load.max_duration => writeln!(
            out,
            "suggestion: the budget (load.max_duration, {} s) reaches the threshold on every metric that can; A/B runs stop as soon as their metrics are decided",
            config.load.max_duration.as_secs()
        )?,
        Some(d) => writeln!(
            out,
            "suggestion: load.max_duration: {}s (or --max-duration {}s) lets A/B runs reach the threshold on every metric that can",
            d.as_secs(),
            d.as_secs()
        )?,
        None => {}
    }
    if !out_of_reach.is_empty() {
        writeln!(
            out,
            "out of reach within {} s: {}",
            LONGEST_SUGGESTION.as_secs(),
            out_of_reach.join(", ")
        )?;
        writeln!(
            out,
            "  gate these on other metrics, give them a higher per-endpoint threshold, or raise their weight"
        )?;
    }
    Ok(())
}
