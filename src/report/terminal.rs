//! The terminal report of a run: one row per endpoint, then the load figures
//! and any errors spelled out. Plain text, no colour, so it reads the same in
//! a CI log, a pipe and a terminal.

use std::io::{self, Write};

use comfy_table::presets::ASCII_BORDERS_ONLY_CONDENSED;
use comfy_table::{CellAlignment, Table};

use crate::record::{Outcomes, RunRecord};

pub fn print_run(record: &RunRecord, out: &mut dyn Write) -> io::Result<()> {
    let mut table = Table::new();
    table.load_preset(ASCII_BORDERS_ONLY_CONDENSED);
    table.set_header([
        "endpoint", "requests", "rate/s", "p50 ms", "p90 ms", "p95 ms", "p99 ms", "max ms",
        "errors",
    ]);
    for named in &record.summary {
        let s = &named.summary;
        table.add_row([
            named.endpoint.clone(),
            s.requests.to_string(),
            format!("{:.1}", s.rate),
            ms(s.p50_ms),
            ms(s.p90_ms),
            ms(s.p95_ms),
            ms(s.p99_ms),
            ms(s.max_ms),
            format!("{:.2}%", s.error_rate * 100.0),
        ]);
    }
    for column in table.column_iter_mut().skip(1) {
        column.set_cell_alignment(CellAlignment::Right);
    }
    writeln!(out, "{table}")?;

    let load = &record.load;
    writeln!(
        out,
        "suite {}: {} requests in {:.1} s, target {}/s, achieved {:.1}/s",
        record.suite,
        load.requests,
        load.duration_ms as f64 / 1000.0,
        load.target_rate,
        load.achieved_rate
    )?;
    if load.late_starts > 0 {
        writeln!(
            out,
            "warning: {} requests ({:.2}%) found all {} connections busy and started late; their wait counts in their latency",
            load.late_starts,
            100.0 * load.late_starts as f64 / load.requests.max(1) as f64,
            load.connections
        )?;
    }
    if load.achieved_rate > 0.0 && load.achieved_rate < 0.98 * load.target_rate {
        writeln!(out, "warning: the achieved rate fell short of the target: the app or the generator is saturated")?;
    }
    for endpoint in &record.endpoints {
        let outcomes = endpoint.outcomes();
        if outcomes.errors() > 0 {
            writeln!(
                out,
                "errors on {}: {}",
                endpoint.name,
                describe_errors(&outcomes)
            )?;
        }
    }
    Ok(())
}

fn ms(value: Option<f64>) -> String {
    match value {
        Some(v) if v >= 100.0 => format!("{v:.0}"),
        Some(v) if v >= 10.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.2}"),
        None => "-".into(),
    }
}

/// "12 × HTTP 500, 3 timeouts" — every error kind with its count.
pub fn describe_errors(o: &Outcomes) -> String {
    let mut parts: Vec<String> = o
        .status
        .iter()
        .map(|(code, n)| format!("{n} × HTTP {code}"))
        .collect();
    let mut add = |n: u64, what: &str| {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    };
    add(o.timeout, "timed out");
    add(o.connect, "could not connect");
    add(o.other, "failed (connection reset or malformed response)");
    parts.join(", ")
}
