//! The terminal report of a run: one row per endpoint, then the load figures
//! and any errors spelled out. Plain text, no colour, so it reads the same in
//! a CI log, a pipe and a terminal.

use std::io::{self, Write};

use comfy_table::presets::ASCII_BORDERS_ONLY_CONDENSED;
use comfy_table::{CellAlignment, Table};

use super::Report;
use super::{change, interval, ms};
pub use crate::compare::describe_errors;
use crate::compare::{Comparison, EndpointComparison, Outcome, StopReason, VerdictName};
use crate::record::RunRecord;

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
    if let Some(placement) = &record.provenance.placement {
        writeln!(out, "CPU placement: {}", placement.describe())?;
    }
    if let Some(mean) = record.others_cores() {
        writeln!(
            out,
            "other work on the machine: {mean:.2} of {} cores busy on average (benchgate and the app not counted)",
            record.provenance.host.cores
        )?;
    }
    if load.late_starts > 0 {
        writeln!(
            out,
            "warning: {} requests ({:.2}%) found all {} connections busy and started late; their wait counts in their latency",
            load.late_starts,
            100.0 * load.late_starts as f64 / load.requests.max(1) as f64,
            load.connections
        )?;
    }
    if load.fell_short() {
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

/// The comparison table: one row per endpoint × metric, then notes,
/// warnings and the gate's summary line.
pub fn print_comparison(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let c = &report.comparison;
    let context = report.context();
    writeln!(out, "{}", comparison_table(c))?;
    let placed = |p: &Option<crate::record::Placement>| {
        p.as_ref()
            .map_or_else(String::new, |p| format!(", {}", p.describe()))
    };
    writeln!(
        out,
        "base: {} ({} {}{}, {}{}) · head: {} ({}{})",
        short(&c.base.git_commit),
        c.base.runs,
        context.unit,
        if c.base.runs == 1 { "" } else { "s" },
        c.base.time_utc,
        placed(&context.base.placement),
        short(&c.head.git_commit),
        c.head.time_utc,
        placed(&context.head.placement)
    )?;
    for line in &context.lines {
        writeln!(out, "{line}")?;
    }
    for line in super::phases::lines(c, crate::escape::plain, usize::MAX) {
        writeln!(out, "where the time went: {line}")?;
    }
    write_inconclusive(c, out)?;
    for name in &c.added {
        writeln!(
            out,
            "note: endpoint {name} is new (not in the baseline): not compared"
        )?;
    }
    for name in &c.removed {
        writeln!(
            out,
            "note: endpoint {name} is in the baseline but was not measured"
        )?;
    }
    for warning in &c.warnings {
        writeln!(out, "warning: {warning}")?;
    }
    if let Some(capacity) = &c.capacity {
        writeln!(
            out,
            "throughput: base {:.1}/s, head {:.1}/s sustained of {}/s",
            capacity.base.sustained_rate, capacity.head.sustained_rate, capacity.head.target_rate
        )?;
    }
    for line in &c.failed {
        writeln!(out, "FAILED: {line}")?;
    }
    for line in &c.invalid {
        writeln!(out, "NO VERDICT: {line}")?;
    }
    writeln!(out, "{}", summary_line(c))
}

/// One row per endpoint × metric, and one for errors where there were any.
fn comparison_table(c: &Comparison) -> Table {
    let mut table = Table::new();
    table.load_preset(ASCII_BORDERS_ONLY_CONDENSED);
    table.set_header([
        "endpoint", "metric", "base ms", "head ms", "change", "interval", "verdict",
    ]);
    for endpoint in &c.endpoints {
        for (label, m) in endpoint.labelled_metrics() {
            table.add_row([
                endpoint.name.clone(),
                label,
                super::figure(m.metric, m.base_ms),
                super::figure(m.metric, m.head_ms),
                m.ratio.map_or("-".into(), change),
                interval(m.lower, m.upper),
                verdict_label(m.verdict).to_string(),
            ]);
        }
        if endpoint.errors.regressed
            || endpoint.errors.head_rate > 0.0
            || endpoint.errors.base_rate > 0.0
        {
            table.add_row(error_row(endpoint));
        }
    }
    for column in table.column_iter_mut().skip(2).take(4) {
        column.set_cell_alignment(CellAlignment::Right);
    }
    table
}

/// An endpoint's error rates as a row of the comparison table.
fn error_row(endpoint: &EndpointComparison) -> [String; 7] {
    let errors = &endpoint.errors;
    [
        endpoint.name.clone(),
        "errors".into(),
        format!("{:.2}%", errors.base_rate * 100.0),
        format!("{:.2}%", errors.head_rate * 100.0),
        format!("{:+.2} pt", (errors.head_rate - errors.base_rate) * 100.0),
        format!("max +{:.2} pt", errors.max_increase * 100.0),
        if errors.regressed {
            "REGRESSED"
        } else {
            "unchanged"
        }
        .into(),
    ]
}

/// Inconclusive metrics, one line per endpoint with the smallest change each
/// could have detected, then what would narrow them; other notes verbatim.
/// After a stop at a clear failure, one line names what was not judged.
fn write_inconclusive(c: &Comparison, out: &mut dyn Write) -> io::Result<()> {
    let mut any = false;
    // The note every metric carries when nothing could decide is said once,
    // for all of them.
    let every = c.undecidable.as_deref();
    if let Some(note) = every {
        writeln!(out, "note: every metric: {note}")?;
    }
    let stopped_early = c
        .stopping
        .as_ref()
        .is_some_and(|s| s.reason == StopReason::ClearFailure);
    let mut not_judged = Vec::new();
    for endpoint in &c.endpoints {
        let mut detectable = Vec::new();
        for (label, m) in endpoint.labelled_metrics() {
            if every.is_some() && m.note.as_deref() == every {
                continue;
            }
            match (m.verdict, m.detectable) {
                (VerdictName::Inconclusive, _) if stopped_early => {
                    not_judged.push(format!("{} {label}", endpoint.name))
                }
                (VerdictName::Inconclusive, Some(d)) => {
                    detectable.push(format!("{label} {}", super::detectable(d)))
                }
                (VerdictName::Inconclusive, None) if m.ratio.is_some() => {
                    detectable.push(format!("{label} none (too noisy)"))
                }
                _ => {
                    if let Some(note) = &m.note {
                        writeln!(out, "note: {} {label}: {note}", endpoint.name)?;
                    }
                }
            }
        }
        if !detectable.is_empty() {
            any = true;
            writeln!(
                out,
                "inconclusive: {}: smallest detectable change {}",
                endpoint.name,
                detectable.join(", ")
            )?;
        }
    }
    if !not_judged.is_empty() {
        writeln!(
            out,
            "not judged: {}: the run stopped at the first clear failure",
            not_judged.join(", ")
        )?;
    }
    if let Some(advice) = super::advice(c).filter(|_| any) {
        writeln!(out, "{advice}")?;
    }
    Ok(())
}

/// One line: the gate's outcome, the worst finding, and how much the run
/// could see.
pub fn summary_line(c: &Comparison) -> String {
    let sight = super::sight_line(c);
    match c.outcome {
        Outcome::Invalid => format!(
            "no verdict: {}",
            c.invalid
                .first()
                .map_or("the run cannot be judged", String::as_str)
        ),
        Outcome::Pass => format!(
            "gate passed: no regression over {}; {sight}",
            super::percent(c.threshold)
        ),
        Outcome::PossibleRegression => {
            format!(
                "{} {}; {sight}",
                super::NOT_JUDGED,
                super::headline(c).title
            )
        }
        // The headline says what the sight line would.
        Outcome::NotJudged => format!("{} {}", super::NOT_JUDGED, super::headline(c).title),
        Outcome::Fail => {
            let regressions = super::Regressions::of(c);
            let Some(worst) = regressions.worst() else {
                return format!(
                    "gate failed: {}; {sight}",
                    c.failed.first().map_or("see the report", String::as_str)
                );
            };
            // The app row is not an endpoint: its metrics are named.
            let endpoints: std::collections::BTreeSet<&str> = regressions
                .checks
                .iter()
                .filter(|r| !r.endpoint.is_app())
                .map(|r| r.endpoint.name.as_str())
                .collect();
            let app: Vec<String> = regressions
                .checks
                .iter()
                .filter(|r| r.endpoint.is_app())
                .map(|r| r.label())
                .collect();
            let which = match (endpoints.len(), app.join(" and ")) {
                (n, app) if app.is_empty() => format!("{n} endpoint(s)"),
                (0, app) => format!("the app's {app}"),
                (n, app) => format!("{n} endpoint(s) and the app's {app}"),
            };
            let what = match worst.kind {
                // What the gate tested: the estimate may be under the
                // threshold.
                super::CheckKind::Metric(_) => {
                    format!(
                        "{} {} {} ({})",
                        worst.endpoint.name,
                        worst.label(),
                        worst.change_text(),
                        super::regressed_means(worst.endpoint.threshold, c.confidence)
                    )
                }
                super::CheckKind::ErrorRate(_) => {
                    format!("{} {}", worst.endpoint.name, worst.label())
                }
            };
            let also = c.failed.first().map_or(String::new(), |f| format!("; {f}"));
            format!("gate failed: {which} regressed, worst {what}{also}; {sight}")
        }
    }
}

fn verdict_label(v: VerdictName) -> &'static str {
    match v {
        VerdictName::Regressed => "REGRESSED",
        VerdictName::Missing => "MISSING",
        other => other.as_str(),
    }
}

fn short(commit: &Option<String>) -> String {
    commit
        .as_deref()
        .map_or("(no commit)".into(), |c| c.chars().take(8).collect())
}
