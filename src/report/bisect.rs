//! What `benchgate bisect` found, for people and for programs: the total
//! change, every commit named with its own step and interval and the
//! phases that moved, the part of the change the named steps leave
//! unexplained, why the search stopped, and every probe — as text,
//! Markdown or JSON.

use std::io::{self, Write};
use std::time::Duration;

use super::text::{change, interval};
use crate::bisect::{Bisected, ProbeFigure, ProbeKind, Stop};
use crate::escape;

/// How `bisect` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BisectFormat {
    Text,
    Markdown,
    Json,
}

/// Writes `found` (the search took `took`) in `format`.
pub fn write(
    found: &Bisected,
    took: Duration,
    format: BisectFormat,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        BisectFormat::Text => text(found, took, out),
        BisectFormat::Markdown => markdown(found, took, out),
        BisectFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, found).map_err(io::Error::other)?;
            writeln!(out)
        }
    }
}

/// A commit as the reports show it: its first 10 characters.
fn short(commit: &str) -> String {
    escape::inert(&commit.chars().take(10).collect::<String>())
}

fn figure(ratio: f64, lower: f64, upper: f64) -> String {
    format!("{} {}", change(ratio), interval(Some(lower), Some(upper)))
}

/// The sentences of the report, commits in backticks: the total, the
/// commits named, the spread, the leftover and why the search stopped.
fn sentences(found: &Bisected) -> Vec<String> {
    let (Some(target), Some(total)) = (&found.target, &found.total) else {
        return vec![format!(
            "no gated metric regressed between GOOD and BAD: nothing to search ({} probe)",
            found.probes.len().max(1)
        )];
    };
    let mut lines = vec![format!(
        "{} {}: {} from `{}` to `{}`",
        target.endpoint,
        target.metric,
        figure(total.ratio, total.lower, total.upper),
        short(&total.against),
        short(&total.commit)
    )];
    if found.stop == Stop::NoRegression {
        lines.push("not a sure slowdown: nothing to search".to_owned());
        return lines;
    }
    lines.extend(spread(found));
    if let Some(l) = &found.leftover {
        lines.push(format!(
            "not explained by the named steps: {}",
            figure(l.ratio, l.lower, l.upper)
        ));
    }
    lines.push(stopped(found));
    lines
}

/// The spread line, when the change is spread.
fn spread(found: &Bisected) -> Option<String> {
    let total = found.total.as_ref()?;
    if !found.spread {
        return None;
    }
    if let [one] = found.culprits.as_slice() {
        return Some(format!(
            "spread: no single commit made it; the first past half the change is `{}`, whose own step is {} of the {} — read every probe below",
            short(&one.commit),
            change(one.step.ratio),
            change(total.ratio)
        ));
    }
    let ratios = found.culprits.iter().map(|c| c.step.ratio);
    let least = ratios.clone().fold(f64::INFINITY, f64::min);
    let most = ratios.fold(f64::NEG_INFINITY, f64::max);
    Some(format!(
        "spread over {} commits, steps of {} to {} each",
        found.culprits.len(),
        change(least),
        change(most)
    ))
}

/// Why the search stopped, and where change may be left.
fn stopped(found: &Bisected) -> String {
    let open = found
        .open
        .iter()
        .map(|s| {
            let figure = s
                .change
                .map(|c| format!(" {}", figure(c.ratio, c.lower, c.upper)))
                .unwrap_or_default();
            format!("`{}`..`{}`{figure}", short(&s.from), short(&s.to))
        })
        .collect::<Vec<_>>()
        .join(", ");
    match found.stop {
        Stop::NoRegression => "not a sure slowdown: nothing to search".to_owned(),
        Stop::Explained => {
            "stopped: the named steps explain the change within its interval".to_owned()
        }
        Stop::Unplaced => format!(
            "stopped: part of the change is left, but no stretch between the named commits shows a sure change of its own (leaning: {})",
            if open.is_empty() { "none" } else { &open }
        ),
        Stop::Budget => format!(
            "stopped: the {} probes are spent; change may be left in {}; allow more with --max-probes",
            found.probes.len(),
            if open.is_empty() { "no stretch known" } else { &open }
        ),
    }
}

/// The heading of the commits placed past half a change whose own step
/// is not sure.
const UNSURE: &str = "placed past half a change, but not a sure slowdown of their own (not named)";

fn probe_line(p: &ProbeFigure) -> String {
    let why = match (p.kind, p.after) {
        (ProbeKind::Total, _) => "total",
        (ProbeKind::Halving, Some(true)) => "after",
        (ProbeKind::Halving, _) => "before",
        (ProbeKind::Step | ProbeKind::Chained, _) => "step",
        (ProbeKind::Stretch, _) => "stretch",
    };
    format!(
        "`{}` against `{}`: {} {why}",
        short(&p.commit),
        short(&p.against),
        figure(p.ratio, p.lower, p.upper)
    )
}

/// The line of one named commit: its step against its parent.
fn culprit_line(c: &crate::bisect::Culprit) -> String {
    format!(
        "`{}`: {} against its parent `{}`",
        short(&c.commit),
        figure(c.step.ratio, c.step.lower, c.step.upper),
        short(&c.step.against)
    )
}

fn phase_line(p: &crate::bisect::PhaseFigure) -> String {
    format!(
        "phase {} {} {}",
        escape::inert(&p.phase),
        p.metric,
        figure(p.ratio, p.lower, p.upper)
    )
}

/// For a terminal: backticks dropped, user text made inert.
pub fn text(found: &Bisected, took: Duration, out: &mut dyn Write) -> io::Result<()> {
    let plain = |s: &str| escape::inert(&s.replace('`', ""));
    let lines = sentences(found);
    let Some((head, rest)) = lines.split_first() else {
        return Ok(());
    };
    writeln!(out, "bisect: {}", plain(head))?;
    if found.total.is_none() {
        return Ok(());
    }
    if !found.culprits.is_empty() {
        writeln!(out, "the commit(s):")?;
    }
    for c in &found.culprits {
        writeln!(out, "  {}", plain(&culprit_line(c)))?;
        for p in &c.phases {
            writeln!(out, "    {}", plain(&phase_line(p)))?;
        }
    }
    if !found.unsure.is_empty() {
        writeln!(out, "{UNSURE}:")?;
    }
    for c in &found.unsure {
        writeln!(out, "  {}", plain(&culprit_line(c)))?;
    }
    for line in rest {
        writeln!(out, "{}", plain(line))?;
    }
    writeln!(
        out,
        "probes ({} in {:.0} s):",
        found.probes.len(),
        took.as_secs_f64()
    )?;
    for p in &found.probes {
        writeln!(out, "  {}", plain(&probe_line(p)))?;
    }
    Ok(())
}

/// For a pull request or an issue: a heading, a list of the commits, the
/// sentences, and the probes in a folded list.
pub fn markdown(found: &Bisected, took: Duration, out: &mut dyn Write) -> io::Result<()> {
    let md = escape::markdown_prose;
    let lines = sentences(found);
    let Some((head, rest)) = lines.split_first() else {
        return Ok(());
    };
    writeln!(out, "### benchgate bisect\n\n{}\n", md(head))?;
    if found.total.is_none() {
        return Ok(());
    }
    if !found.culprits.is_empty() {
        writeln!(out, "**The commit(s):**\n")?;
    }
    for c in &found.culprits {
        writeln!(out, "- {}", md(&culprit_line(c)))?;
        for p in &c.phases {
            writeln!(out, "  - {}", md(&phase_line(p)))?;
        }
    }
    if !found.unsure.is_empty() {
        writeln!(out, "\n**{UNSURE}:**\n")?;
    }
    for c in &found.unsure {
        writeln!(out, "- {}", md(&culprit_line(c)))?;
    }
    writeln!(out)?;
    for line in rest {
        writeln!(out, "- {}", md(line))?;
    }
    writeln!(
        out,
        "\n<details><summary>{} probes in {:.0} s</summary>\n",
        found.probes.len(),
        took.as_secs_f64()
    )?;
    for p in &found.probes {
        writeln!(out, "- {}", md(&probe_line(p)))?;
    }
    writeln!(out, "\n</details>")
}

#[cfg(test)]
mod tests;
