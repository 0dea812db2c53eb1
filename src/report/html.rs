//! The comparison as one self-contained HTML page, for a CI artifact or a
//! local look: a headline that says pass or fail and the worst regression,
//! the warnings, one table row per endpoint × metric coloured by verdict,
//! the notes, per endpoint a plot of latency by percentile (inline SVG, see
//! [`super::svg`]), and where the numbers came from.
//!
//! No scripts, fonts, images or style sheets are fetched: the CSS is inline
//! and the page reads the same from a zip of artifacts as from a server.
//! Every piece of user text (suite and endpoint names, notes, warnings,
//! commits, CPU models) goes through [`escape`].

use std::fmt::Write as _;
use std::io::{self, Write};

use super::Report;
use super::{checks, percent, svg, CheckKind};
use crate::baseline::HistoryEntry;
use crate::compare::{Comparison, Outcome, SideInfo, VerdictName};
use crate::escape::html as escape;
use crate::escape::html_prose as prose;

const STYLE: &str = r#"
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0;
  --bad: #cf222e; --bad-bg: #ffebe9; --good: #1a7f37; --good-bg: #dafbe1;
  --unsure: #9a6700; --unsure-bg: #fff8c5; --base: #8c959f; --head: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fff; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.headline { border-left: 6px solid; padding: 12px 16px; border-radius: 6px; }
.headline.pass { border-color: var(--good); background: var(--good-bg); }
.headline.fail { border-color: var(--bad); background: var(--bad-bg); }
.headline.possible { border-color: var(--unsure); background: var(--unsure-bg); }
.headline p { margin: 0; }
.status { display: inline-block; color: #fff; border-radius: 4px; padding: 1px 8px; font-size: 15px; letter-spacing: 0.05em; vertical-align: 3px; }
.pass .status { background: var(--good); }
.fail .status { background: var(--bad); }
.possible .status { background: var(--unsure); }
.warnings li { color: var(--unsure); }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th { background: #f6f8fa; font-weight: 600; }
th:nth-child(-n+2), td:nth-child(-n+2), td.verdict, th.verdict { text-align: left; }
td.endpoint { white-space: normal; overflow-wrap: anywhere; }
tr.regressed td { background: var(--bad-bg); }
tr.regressed td.verdict, tr.regressed td.change { color: var(--bad); font-weight: 600; }
tr.improved td.verdict, tr.improved td.change { color: var(--good); font-weight: 600; }
tr.inconclusive td.verdict { color: var(--unsure); }
tr.unchanged td.verdict { color: var(--muted); }
.badge { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 6px; background: var(--muted); }
.regressed .badge { background: var(--bad); }
.improved .badge { background: var(--good); }
.inconclusive .badge { background: #d4a72c; }
.unchanged .badge { background: var(--line); }
.plots { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 16px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
figcaption { font-weight: 600; margin: 0 0 4px 8px; overflow-wrap: anywhere; }
svg.plot { width: 100%; height: auto; display: block; font-size: 13px; }
svg .grid line { stroke: #eaeef2; stroke-width: 1; }
svg text { fill: var(--muted); }
svg text.axis { fill: var(--fg); font-size: 14px; }
svg text.key { fill: var(--fg); }
svg polyline { fill: none; stroke-width: 2.5; stroke-linejoin: round; }
svg line.base, svg line.head { stroke-width: 2.5; }
svg .base { stroke: var(--base); }
svg polyline.base, svg line.base { stroke-dasharray: 6 4; }
svg circle.base { fill: var(--base); stroke: none; }
svg .head { stroke: var(--head); }
svg circle.head { fill: var(--head); stroke: none; }
svg .series { stroke-width: 2.5; fill: none; }
svg.history { max-width: 640px; }
svg circle.dot { stroke: none; } svg circle.s0 { fill: #0969da; } svg circle.s1 { fill: #d1242f; }
svg circle.s2 { fill: #1a7f37; } svg circle.s3 { fill: #8250df; } svg circle.s4 { fill: #bf8700; } svg circle.s5 { fill: #57606a; }
svg .s0 { stroke: #0969da; } svg .s1 { stroke: #d1242f; } svg .s2 { stroke: #1a7f37; }
svg .s3 { stroke: #8250df; } svg .s4 { stroke: #bf8700; } svg .s5 { stroke: #57606a; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dt { font-weight: 600; }
dd { margin: 0; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; background: #f6f8fa; padding: 1px 4px; border-radius: 4px; }
footer { margin-top: 32px; color: var(--muted); font-size: 13px; }
"#;

pub fn write_comparison(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(render(report).as_bytes())
}

fn render(report: &Report) -> String {
    let c = &report.comparison;
    let mut out =
        String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let verdict = match c.outcome {
        crate::compare::Outcome::Pass => "passed",
        crate::compare::Outcome::Fail => "failed",
        crate::compare::Outcome::Invalid => "gave no verdict",
        crate::compare::Outcome::PossibleRegression | crate::compare::Outcome::NotJudged => {
            "not judged"
        }
    };
    let _ = writeln!(
        out,
        "<title>benchgate: suite {} {verdict}</title>",
        escape(&c.suite)
    );
    let _ = write!(out, "<style>{STYLE}</style>\n</head>\n<body>\n<main>\n");
    headline(&mut out, c);
    warnings(&mut out, c);
    table(&mut out, c);
    out.push_str(&super::phases::html(c));
    notes(&mut out, c);
    plots(&mut out, c);
    history(&mut out, &report.history);
    provenance(&mut out, report);
    not_compared(&mut out, c);
    out.push_str(
        "<footer>Ratios are head ÷ base; intervals are Holm-adjusted over every check of the suite. Generated by benchgate.</footer>\n",
    );
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn headline(out: &mut String, c: &Comparison) {
    let headline = super::headline(c);
    let (class, title) = match headline.outcome {
        Outcome::Pass => (
            "pass",
            format!(
                "<span class=\"status\">PASS</span> No regressions — suite {}",
                escape(&c.suite)
            ),
        ),
        Outcome::Fail => (
            "fail",
            format!(
                "<span class=\"status\">FAIL</span> {}",
                escape(&headline.title)
            ),
        ),
        Outcome::Invalid => (
            "fail",
            format!(
                "<span class=\"status\">NO VERDICT</span> {}",
                escape(&headline.title)
            ),
        ),
        Outcome::PossibleRegression => (
            "possible",
            format!(
                "<span class=\"status\">{}</span> {}",
                super::NOT_JUDGED,
                escape(&headline.title)
            ),
        ),
        // Its advice names settings: code spans.
        Outcome::NotJudged => (
            "possible",
            format!(
                "<span class=\"status\">{}</span> {}",
                super::NOT_JUDGED,
                prose(&headline.title)
            ),
        ),
    };
    let problems: String = c
        .failed
        .iter()
        .chain(&c.invalid)
        .map(|line| format!("<p>{}</p>\n", prose(line)))
        .collect();
    let counts: Vec<String> = super::verdict_counts(c)
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(v, n)| format!("{n} {}", v.as_str()))
        .collect();
    let _ = write!(
        out,
        "<header class=\"headline {class}\">\n<h1>{title}</h1>\n{problems}<p>{}.</p>\n<p>Suite <strong>{}</strong>, {} endpoint{}, threshold {} at {} confidence. {} checks: {}.</p>\n</header>\n",
        escape(&headline.sight),
        escape(&c.suite),
        c.endpoint_count(),
        if c.endpoint_count() == 1 { "" } else { "s" },
        percent(c.threshold),
        percent(c.confidence),
        checks(c).count(),
        counts.join(" · ")
    );
}

fn warnings(out: &mut String, c: &Comparison) {
    if c.warnings.is_empty() {
        return;
    }
    out.push_str("<h2>Warnings</h2>\n<ul class=\"warnings\">\n");
    for warning in &c.warnings {
        let _ = writeln!(out, "<li>⚠ {}</li>", prose(warning));
    }
    out.push_str("</ul>\n");
}

fn table(out: &mut String, c: &Comparison) {
    out.push_str("<h2>Results</h2>\n<table>\n<thead><tr><th>endpoint</th><th>metric</th><th>base ms</th><th>head ms</th><th>change</th><th>interval</th><th>p-value</th><th class=\"verdict\">verdict</th></tr></thead>\n<tbody>\n");
    for check in checks(c).filter(|check| check.worth_a_row()) {
        let verdict = check.verdict();
        let p = match check.kind {
            CheckKind::Metric(m) => m.p_value,
            CheckKind::ErrorRate(e) => e.p_value,
        };
        let _ = writeln!(
            out,
            "<tr class=\"{v}\"><td class=\"endpoint\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"change\">{}</td><td>{}</td><td>{}</td><td class=\"verdict\"><span class=\"badge\"></span>{v}</td></tr>",
            escape(&check.endpoint.name),
            escape(&check.label()),
            check.base_text(),
            check.head_text(),
            check.change_text(),
            check.interval_text(),
            super::p_value(p),
            v = verdict.as_str(),
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

fn notes(out: &mut String, c: &Comparison) {
    let notes: Vec<String> = checks(c)
        .filter_map(|check| match check.kind {
            CheckKind::Metric(m) => m.note.as_deref().map(|note| {
                format!(
                    "<li class=\"{}\"><strong>{} {}</strong>: {}</li>\n",
                    check.verdict().as_str(),
                    escape(&check.endpoint.name),
                    escape(&check.label()),
                    prose(note)
                )
            }),
            CheckKind::ErrorRate(_) => None,
        })
        .collect();
    if notes.is_empty() {
        return;
    }
    out.push_str("<h2>Notes</h2>\n<ul>\n");
    notes.iter().for_each(|n| out.push_str(n));
    out.push_str("</ul>\n");
}

/// The main branch's p95 per endpoint over its recorded baselines.
fn history(out: &mut String, history: &[HistoryEntry]) {
    if history.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<h2>Main-branch history</h2>\n<figure>\n<figcaption>p95 per endpoint over the last {} recorded baseline{}, oldest first</figcaption>\n{}</figure>\n",
        history.len(),
        if history.len() == 1 { "" } else { "s" },
        svg::history_plot(history, escape)
    );
}

/// One latency-by-percentile plot per endpoint.
fn plots(out: &mut String, c: &Comparison) {
    if c.endpoints.is_empty() {
        return;
    }
    out.push_str("<h2>Latency by percentile</h2>\n<div class=\"plots\">\n");
    for endpoint in &c.endpoints {
        let name = escape(&endpoint.name);
        let regressed = endpoint
            .metrics
            .iter()
            .any(|m| m.verdict == VerdictName::Regressed);
        let _ = write!(
            out,
            "<figure>\n<figcaption>{name}{}</figcaption>\n{}</figure>\n",
            if regressed { " — regressed" } else { "" },
            svg::latency_plot(
                &endpoint.curves,
                &format!("Latency of {name} by percentile, base and head")
            )
        );
    }
    out.push_str("</div>\n");
}

fn provenance(out: &mut String, report: &Report) {
    let context = report.context();
    let side = |s: &SideInfo| {
        super::side_line(s, context.unit, escape, |commit| {
            format!("<code>{commit}</code>")
        })
    };
    let _ = write!(
        out,
        "<h2>Provenance</h2>\n<dl>\n<dt>Base</dt><dd>{}</dd>\n<dt>Head</dt><dd>{}</dd>\n</dl>\n",
        side(context.base),
        side(context.head)
    );
    for line in &context.lines {
        let _ = writeln!(out, "<p>{}</p>", prose(line));
    }
    let c = &report.comparison;
    if crate::compare::Sight::of(&c.endpoints).blind > 0 {
        if let Some(advice) = super::advice(c) {
            let _ = writeln!(out, "<p>{}</p>", prose(&advice));
        }
    }
}

fn not_compared(out: &mut String, c: &Comparison) {
    if c.added.is_empty() && c.removed.is_empty() {
        return;
    }
    let names = |names: &[String]| {
        names
            .iter()
            .map(|n| format!("<code>{}</code>", escape(n)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    out.push_str("<h2>Endpoints not compared</h2>\n<ul>\n");
    if !c.added.is_empty() {
        let _ = writeln!(
            out,
            "<li>New, not in the baseline: {}</li>",
            names(&c.added)
        );
    }
    if !c.removed.is_empty() {
        let _ = writeln!(
            out,
            "<li>In the baseline, not measured: {}</li>",
            names(&c.removed)
        );
    }
    out.push_str("</ul>\n");
}
