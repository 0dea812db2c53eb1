//! Where the time went: for each endpoint metric that regressed (or
//! improved), the `Server-Timing` phases that moved with it, in one line
//! every format prints —
//! `orders p50 ×3.09: db +4.03 ms (×5.03); steady: render`.
//!
//! The comparison decided which phases moved ([`crate::compare`]: the same
//! estimate and verdict rule as latency); this module only phrases it.

use super::text::change;
use crate::compare::{
    Comparison, EndpointComparison, MetricComparison, PhaseComparison, VerdictName,
};

/// One endpoint metric that changed, and its phases at the same metric.
#[derive(Debug)]
pub struct Attribution<'a> {
    pub endpoint: &'a str,
    pub metric: &'a MetricComparison,
    /// Phases whose verdict is regressed or improved.
    pub moved: Vec<&'a PhaseComparison>,
    /// Phases compared that did not move (unchanged or inconclusive).
    pub steady: Vec<&'a PhaseComparison>,
}

/// Every endpoint metric that regressed or improved and has phases to
/// explain it, in report order.
pub fn attributions(c: &Comparison) -> Vec<Attribution<'_>> {
    let mut found = Vec::new();
    for endpoint in &c.endpoints {
        for metric in &endpoint.metrics {
            if !matches!(
                metric.verdict,
                VerdictName::Regressed | VerdictName::Improved
            ) {
                continue;
            }
            let (moved, steady): (Vec<&PhaseComparison>, Vec<&PhaseComparison>) = endpoint
                .phases
                .iter()
                .filter(|p| p.comparison.metric == metric.metric)
                .partition(|p| p.moved);
            if moved.is_empty() && steady.is_empty() {
                continue;
            }
            found.push(Attribution {
                endpoint: &endpoint.name,
                metric,
                moved,
                steady,
            });
        }
    }
    found
}

impl Attribution<'_> {
    /// The line, with the endpoint's and phases' names passed through the
    /// writer's `escape`.
    pub fn line(&self, escape: fn(&str) -> String) -> String {
        let total = self.metric.ratio.map_or("-".into(), change);
        let head = format!(
            "{} {} {total}",
            escape(self.endpoint),
            self.metric.metric.name()
        );
        let names = |phases: &[&PhaseComparison]| -> String {
            let mut named: Vec<String> = phases
                .iter()
                .take(MAX_NAMED)
                .map(|p| escape(&p.phase))
                .collect();
            more(&mut named, phases.len());
            named.join(", ")
        };
        if self.moved.is_empty() {
            return format!(
                "{head}: no Server-Timing phase moved ({}); the time went elsewhere",
                names(&self.steady)
            );
        }
        let mut moved: Vec<String> = self
            .moved
            .iter()
            .take(MAX_NAMED)
            .map(|p| {
                let ratio = p
                    .comparison
                    .ratio
                    .map_or(String::new(), |r| format!(" ({})", change(r)));
                format!("{} {}{ratio}", escape(&p.phase), delta(p.delta_ms()))
            })
            .collect();
        more(&mut moved, self.moved.len());
        let steady = if self.steady.is_empty() {
            String::new()
        } else {
            format!("; steady: {}", names(&self.steady))
        };
        format!("{head}: {}{steady}", moved.join(", "))
    }
}

/// Most phases a line names in each of its lists (moved, steady): a line
/// stays short however many phases an endpoint reports.
pub const MAX_NAMED: usize = 6;

/// Ends a list cut to [`MAX_NAMED`] of `all` with how many it left out.
fn more(named: &mut Vec<String>, all: usize) {
    if all > named.len() {
        named.push(format!("and {} more", all - named.len()));
    }
}

/// A signed difference in milliseconds: `+2.10 ms`, `-14.2 ms`.
fn delta(ms: Option<f64>) -> String {
    match ms {
        Some(d) if d.abs() >= 100.0 => format!("{d:+.0} ms"),
        Some(d) if d.abs() >= 10.0 => format!("{d:+.1} ms"),
        Some(d) => format!("{d:+.2} ms"),
        None => "(no figures)".into(),
    }
}

/// The attribution line of one endpoint's metric, if it has one.
pub fn line_for(endpoint: &EndpointComparison, metric: &MetricComparison) -> Option<String> {
    let (moved, steady) = endpoint
        .phases
        .iter()
        .filter(|p| p.comparison.metric == metric.metric)
        .partition::<Vec<&PhaseComparison>, _>(|p| p.moved);
    (!moved.is_empty() || !steady.is_empty()).then(|| {
        Attribution {
            endpoint: &endpoint.name,
            metric,
            moved,
            steady,
        }
        .line(crate::escape::plain)
    })
}

/// Every attribution line, at most `max` (then how many more there are).
pub fn lines(c: &Comparison, escape: fn(&str) -> String, max: usize) -> Vec<String> {
    let all = attributions(c);
    let more = all.len().saturating_sub(max);
    let mut lines: Vec<String> = all.iter().take(max).map(|a| a.line(escape)).collect();
    if more > 0 {
        lines.push(format!("… and {more} more (see the JSON report)"));
    }
    lines
}

/// Most lines a pull-request comment spends on attribution.
const MAX_MARKDOWN_LINES: usize = 10;

/// The Markdown section, empty when nothing is attributed.
pub fn markdown(c: &Comparison) -> String {
    let lines = lines(c, crate::escape::markdown, MAX_MARKDOWN_LINES);
    if lines.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n**Where the time went** (Server-Timing phases)\n\n");
    for line in lines {
        out.push_str("- ");
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The HTML section, empty when nothing is attributed.
pub fn html(c: &Comparison) -> String {
    let lines = lines(c, crate::escape::html, usize::MAX);
    if lines.is_empty() {
        return String::new();
    }
    let mut out = String::from("<h2>Where the time went</h2>\n<ul class=\"phases\">\n");
    for line in lines {
        out.push_str("<li>");
        out.push_str(&line);
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n");
    out
}
