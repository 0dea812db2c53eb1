//! `benchgate history show`: the chained change since a commit, per
//! endpoint and metric, the steps that moved it, the gaps, and the
//! machines that measured it — as a table, Markdown or JSON.

use std::io::{self, Write};

use comfy_table::presets::ASCII_BORDERS_ONLY_CONDENSED;
use comfy_table::{CellAlignment, Table};
use serde::Serialize;

use super::text::{change, interval};

mod chart;
use crate::chain::{ChainStep, Gap, Series};
use crate::escape;

/// What `history show` prints: plain data from the chain file.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryView {
    pub suite: String,
    /// Steps in the stretch shown.
    pub steps: usize,
    /// Each runner that measured a step of the stretch, with its count.
    pub machines: Vec<(String, usize)>,
    pub series: Vec<Series>,
    pub gaps: Vec<Gap>,
}

impl HistoryView {
    /// The view of `stretch` (the steps after the anchor) with its series.
    pub fn of(stretch: &[ChainStep], series: Vec<Series>, gaps: Vec<Gap>) -> HistoryView {
        let mut machines: Vec<(String, usize)> = Vec::new();
        for s in stretch {
            let name = format!("{} ({} cores)", s.machine.cpu_model, s.machine.cores);
            match machines.iter_mut().find(|(m, _)| *m == name) {
                Some((_, n)) => *n += 1,
                None => machines.push((name, 1)),
            }
        }
        HistoryView {
            suite: stretch
                .first()
                .map_or_else(String::new, |s| s.suite.clone()),
            steps: stretch.len(),
            machines,
            series,
            gaps,
        }
    }
}

/// How `history show` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryFormat {
    Text,
    Markdown,
    Json,
    /// A page with a chart of each series' index and band.
    Html,
}

pub fn write(view: &HistoryView, format: HistoryFormat, out: &mut dyn Write) -> io::Result<()> {
    match format {
        HistoryFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, view)?;
            writeln!(out)
        }
        HistoryFormat::Text => text(view, out),
        HistoryFormat::Markdown => markdown(view, out),
        HistoryFormat::Html => {
            let notes: Vec<String> = flagged_lines(view).into_iter().chain(notes(view)).collect();
            out.write_all(chart::page(&view.suite, &view.series, &notes).as_bytes())
        }
    }
}

fn short(commit: &str) -> String {
    escape::inert(&commit.chars().take(10).collect::<String>())
}

/// "orders p50: step at abc1234: +6.2% [+3.1%, +9.4%]", one per flagged
/// step.
fn flagged_lines(view: &HistoryView) -> Vec<String> {
    view.series
        .iter()
        .flat_map(|s| {
            s.flagged.iter().map(move |f| {
                format!(
                    "{} {}: step at {}: {} {}",
                    escape::inert(&s.endpoint),
                    escape::inert(&s.metric),
                    short(&f.commit),
                    change(f.ratio),
                    interval(Some(f.lower), Some(f.upper))
                )
            })
        })
        .collect()
}

/// The sentences under the table: machines, gaps, what the figures are.
fn notes(view: &HistoryView) -> Vec<String> {
    let mut notes = Vec::new();
    let machines: Vec<String> = view
        .machines
        .iter()
        .map(|(m, n)| format!("{} ×{n}", escape::inert(m)))
        .collect();
    notes.push(format!(
        "{} step(s), each a commit measured side by side with its first parent on one machine; measured on {}",
        view.steps,
        machines.join(", ")
    ));
    for gap in &view.gaps {
        notes.push(format!(
            "gap: the step of {} was measured against {}, which has no step (a run that failed, was cancelled or gave no verdict): the change across it is not in the index",
            short(&gap.commit),
            short(&gap.parent)
        ));
    }
    notes
}

fn text(view: &HistoryView, out: &mut dyn Write) -> io::Result<()> {
    if view.series.is_empty() {
        return writeln!(out, "the history holds no step in this stretch");
    }
    let mut table = Table::new();
    table.load_preset(ASCII_BORDERS_ONLY_CONDENSED);
    table.set_header([
        "endpoint", "metric", "since", "change", "interval", "steps", "flagged",
    ]);
    for s in &view.series {
        table.add_row([
            escape::inert(&s.endpoint),
            escape::inert(&s.metric),
            short(&s.anchor),
            change(s.ratio),
            interval(Some(s.lower), Some(s.upper)),
            s.steps.to_string(),
            s.flagged.len().to_string(),
        ]);
    }
    for column in table.column_iter_mut().skip(3) {
        column.set_cell_alignment(CellAlignment::Right);
    }
    writeln!(out, "{table}")?;
    for line in flagged_lines(view).iter().chain(&notes(view)) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

fn markdown(view: &HistoryView, out: &mut dyn Write) -> io::Result<()> {
    let md = |t: &str| escape::markdown(t);
    writeln!(out, "### benchgate history: {}\n", md(&view.suite))?;
    if view.series.is_empty() {
        return writeln!(out, "The history holds no step in this stretch.");
    }
    writeln!(
        out,
        "| endpoint | metric | since | change | interval | steps | flagged |"
    )?;
    writeln!(out, "|---|---|---|---:|---:|---:|---:|")?;
    for s in &view.series {
        writeln!(
            out,
            "| {} | {} | `{}` | {} | {} | {} | {} |",
            md(&s.endpoint),
            md(&s.metric),
            short(&s.anchor),
            change(s.ratio),
            interval(Some(s.lower), Some(s.upper)),
            s.steps,
            s.flagged.len()
        )?;
    }
    writeln!(out)?;
    for line in flagged_lines(view).iter().chain(&notes(view)) {
        writeln!(out, "- {}", md(line))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
