//! The sticky pull-request comment's body: the Markdown report, and below
//! it the pull request's own history — one the pull request's own history — one
//! row per pushed commit, newest first, at most `github::comment::MAX_ROWS`, a re-run
//! replacing its commit's row — as a table and a Mermaid `xychart-beta`
//! line of each commit's worst head ÷ base ratio (red, y axis from 0, one
//! series named in the title), then the main branch's recent baselines.
//! The rows travel in the comment itself as hidden base64 JSON, so nothing
//! else needs storing ([`HISTORY_OPEN`]; `github::comment` reads the rows
//! back and finds the comment by its marker). The body stays within
//! GitHub's 65,536 characters: history rows go first, then the report
//! shrinks.

use std::fmt::Write as _;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::markdown::{self, MarkdownOptions};
use super::{change, ms, Report};
use crate::baseline::HistoryEntry;
use crate::compare::Comparison;
use crate::config::Metric;
use crate::escape::markdown as escape;

/// GitHub's limit on a comment body, in characters (we count bytes, which
/// is never fewer).
pub const MAX_BODY: usize = 65_536;

/// Endpoints whose figures a history row keeps, at most.
const MAX_FIGURES: usize = 8;

/// Characters of an endpoint's name a history row keeps.
const MAX_NAME: usize = 40;

/// Main-branch baselines shown.
const MAIN_ROWS: usize = 10;

/// Endpoint columns of the main-branch table, at most.
const MAIN_COLUMNS: usize = 8;

pub const HISTORY_OPEN: &str = "<!-- benchgate:history:";
pub const HIDDEN_CLOSE: &str = " -->";

/// What the comment is made of.
#[derive(Debug)]
pub struct Page<'a> {
    pub report: &'a Report,
    /// The hidden line that finds the comment again, first in the body.
    pub marker: &'a str,
    pub sha: &'a str,
    pub run_url: Option<&'a str>,
}

/// One pushed commit's gate run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryRow {
    pub sha: String,
    pub time_utc: String,
    /// `pass` or `fail`.
    pub outcome: String,
    /// The largest head ÷ base ratio of any endpoint's metric, and where.
    pub worst_ratio: Option<f64>,
    pub worst: Option<String>,
    /// The metric of `figures`, usually `p95`.
    pub metric: String,
    /// Per endpoint, the head's value of `metric` in ms.
    pub figures: Vec<(String, Option<f64>)>,
}

impl HistoryRow {
    pub fn of(c: &Comparison, sha: &str, time_utc: &str) -> HistoryRow {
        let metric = main_metric(c);
        let mut worst: Option<(f64, String)> = None;
        for endpoint in &c.endpoints {
            for m in &endpoint.metrics {
                let Some(ratio) = m.ratio.filter(|r| r.is_finite()) else {
                    continue;
                };
                if worst.as_ref().is_none_or(|(w, _)| ratio > *w) {
                    let what = format!(
                        "{} {} {}",
                        clip(&endpoint.name),
                        m.metric.name(),
                        change(ratio)
                    );
                    worst = Some((ratio, what));
                }
            }
        }
        let figures = c
            .endpoints
            .iter()
            .filter(|e| !e.is_app())
            .take(MAX_FIGURES)
            .map(|e| {
                let m = e.metrics.iter().find(|m| m.metric.name() == metric);
                (clip(&e.name), m.and_then(|m| m.head_ms))
            })
            .collect();
        HistoryRow {
            sha: sha.to_string(),
            time_utc: time_utc.to_string(),
            outcome: c.outcome.as_str().into(),
            worst_ratio: worst.as_ref().map(|(r, _)| *r),
            worst: worst.map(|(_, w)| w),
            metric: metric.to_string(),
            figures,
        }
    }
}

/// A name cut to [`MAX_NAME`] characters, so that a row stays small.
fn clip(name: &str) -> String {
    if name.chars().count() <= MAX_NAME {
        return name.to_string();
    }
    let mut cut: String = name.chars().take(MAX_NAME - 1).collect();
    cut.push('…');
    cut
}

/// `p95` when any endpoint gates on it, else the first endpoint's first
/// metric.
fn main_metric(c: &Comparison) -> &'static str {
    let all = || {
        c.endpoints
            .iter()
            .flat_map(|e| &e.metrics)
            .filter(|m| m.metric.is_latency())
    };
    if all().any(|m| m.metric == Metric::P95) {
        return Metric::P95.name();
    }
    all().next().map_or(Metric::P95.name(), |m| m.metric.name())
}

/// The whole comment body, within [`MAX_BODY`]: the report as the
/// Markdown writer caps it, then as many history rows as fit (newest
/// first); only when none fit does the report shrink further.
pub fn render(page: &Page<'_>, rows: &[HistoryRow]) -> String {
    let marker = page.marker;
    let report = |max_bytes: usize| {
        let mut out = Vec::new();
        // Writing into a Vec cannot fail.
        let _ = markdown::write_comparison(page.report, &MarkdownOptions { max_bytes }, &mut out);
        String::from_utf8_lossy(&out).into_owned()
    };
    let full = report(markdown::DEFAULT_MAX_BYTES);
    for kept in (0..=rows.len()).rev() {
        let body = format!("{marker}\n{full}{}", tail(page, &rows[..kept]));
        if body.len() <= MAX_BODY {
            return body;
        }
    }
    let tail = tail(page, &[]);
    let budget = MAX_BODY.saturating_sub(marker.len() + 1 + tail.len());
    format!("{marker}\n{}{tail}", report(budget))
}

/// Everything after the report: history, chart, main branch, hidden data.
fn tail(page: &Page<'_>, rows: &[HistoryRow]) -> String {
    let mut out = String::new();
    if !rows.is_empty() {
        out.push_str(&history_table(rows));
        out.push_str(&chart(rows));
    }
    out.push_str(&main_trend(&page.report.history));
    if let Some(url) = page.run_url {
        let _ = write!(out, "\n[Workflow run]({})\n", url.replace([')', ' '], ""));
    }
    let json = serde_json::to_vec(rows).unwrap_or_default();
    let _ = write!(
        out,
        "\n{HISTORY_OPEN}{}{HIDDEN_CLOSE}\n",
        base64::engine::general_purpose::STANDARD.encode(json)
    );
    out
}

/// The first eight characters of a commit, made inert.
fn short_sha(sha: &str) -> String {
    sha.chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect()
}

/// `2026-11-22T05:30:12Z` → `2026-11-22 05:30`.
fn short_time(time: &str) -> String {
    escape(&time.replace('T', " ").chars().take(16).collect::<String>())
}

fn history_table(rows: &[HistoryRow]) -> String {
    let metric = rows.first().map_or("p95", |r| r.metric.as_str());
    let mut out = format!(
        "\n### History of this pull request\n\n\
         | commit | time (UTC) | gate | worst change | {metric} ms (head) |\n\
         | :--- | :--- | :--- | :--- | :--- |\n"
    );
    for row in rows {
        let gate = match row.outcome.as_str() {
            "fail" => "❌ fail",
            "invalid" => "⛔ no verdict",
            "possible-regression" | "not-judged" => "⚠ not judged",
            _ => "✅ pass",
        };
        let figures: Vec<String> = row
            .figures
            .iter()
            .map(|(name, value)| format!("{} {}", escape(name), ms(*value)))
            .collect();
        let _ = writeln!(
            out,
            "| `{}` | {} | {gate} | {} | {} |",
            short_sha(&row.sha),
            short_time(&row.time_utc),
            row.worst.as_deref().map_or("-".into(), escape),
            figures.join(" · ")
        );
    }
    out
}

/// A red line of each commit's worst ratio, oldest first, on an axis from
/// 0; nothing for fewer than two points.
fn chart(rows: &[HistoryRow]) -> String {
    let points: Vec<(&str, f64)> = rows
        .iter()
        .rev()
        .filter_map(|r| r.worst_ratio.map(|x| (r.sha.as_str(), x)))
        .collect();
    if points.len() < 2 {
        return String::new();
    }
    // Rendered at 900 px, 20 labels of 7 characters would run together.
    let width = if points.len() <= 10 { 7 } else { 4 };
    let top = points.iter().map(|(_, x)| *x).fold(1.5_f64, f64::max) * 1.1;
    let top = (top * 10.0).ceil() / 10.0;
    let labels: Vec<String> = points
        .iter()
        .map(|(sha, _)| {
            format!(
                "\"{}\"",
                short_sha(sha).chars().take(width).collect::<String>()
            )
        })
        .collect();
    let values: Vec<String> = points.iter().map(|(_, x)| format!("{x:.3}")).collect();
    format!(
        "\n```mermaid\n\
         %%{{init: {{\"xyChart\": {{\"width\": 900}}, \"themeVariables\": {{\"xyChart\": {{\"plotColorPalette\": \"#d62728\"}}}}}}}}%%\n\
         xychart-beta\n    \
         title \"Worst head / base ratio per commit (1.0 = unchanged), oldest first\"\n    \
         x-axis [{}]\n    \
         y-axis \"head / base\" 0 --> {top:.1}\n    \
         line [{}]\n```\n",
        labels.join(", "),
        values.join(", ")
    )
}

/// The main branch's last baselines, newest first.
fn main_trend(history: &[HistoryEntry]) -> String {
    let Some(latest) = history.last() else {
        return String::new();
    };
    let names: Vec<&String> = latest.endpoints.keys().take(MAIN_COLUMNS).collect();
    let mut out = String::from("\n### Main branch baselines\n\n| time (UTC) | commit |");
    for name in &names {
        let _ = write!(out, " {} p95 ms |", escape(&clip(name)));
    }
    out.push_str("\n| :--- | :--- |");
    out.push_str(&" ---: |".repeat(names.len()));
    out.push('\n');
    for entry in history.iter().rev().take(MAIN_ROWS) {
        let commit = entry
            .git_commit
            .as_deref()
            .map_or("-".into(), |c| format!("`{}`", short_sha(c)));
        let _ = write!(out, "| {} | {commit} |", short_time(&entry.time_utc));
        for name in &names {
            let value = entry.endpoints.get(*name).and_then(|f| f.p95_ms);
            let _ = write!(out, " {} |", ms(value));
        }
        out.push('\n');
    }
    out
}
