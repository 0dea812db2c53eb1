//! Reports: the same results and comparisons rendered for different readers.
//!
//! Each output format is one writer over `impl Write`. The comparison
//! writers for other tools and for pull requests (Markdown, JUnit) read the
//! comparison through the small model below: the list of [`Check`]s — every
//! endpoint × metric and every endpoint's error-rate test — with their
//! verdicts and their numbers formatted once, so that the formats agree.

use crate::compare::VerdictName;
use crate::compare::{Comparison, EndpointComparison, ErrorComparison, MetricComparison};

pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
mod svg;
pub mod terminal;

#[cfg(test)]
mod tests;

/// One test of the gate: an endpoint's metric, or its error rate.
#[derive(Debug, Clone, Copy)]
pub struct Check<'a> {
    pub endpoint: &'a EndpointComparison,
    pub kind: CheckKind<'a>,
}

#[derive(Debug, Clone, Copy)]
pub enum CheckKind<'a> {
    Metric(&'a MetricComparison),
    ErrorRate(&'a ErrorComparison),
}

/// Every check of the comparison, endpoint by endpoint: its metrics, then
/// its error rate.
pub fn checks(c: &Comparison) -> impl Iterator<Item = Check<'_>> {
    c.endpoints.iter().flat_map(|endpoint| {
        endpoint
            .metrics
            .iter()
            .map(CheckKind::Metric)
            .chain(std::iter::once(CheckKind::ErrorRate(&endpoint.errors)))
            .map(move |kind| Check { endpoint, kind })
    })
}

impl Check<'_> {
    /// `p95`, or `error rate`.
    pub fn label(&self) -> &'static str {
        match self.kind {
            CheckKind::Metric(m) => m.metric.name(),
            CheckKind::ErrorRate(_) => "error rate",
        }
    }

    /// An error-rate test is either regressed or unchanged.
    pub fn verdict(&self) -> VerdictName {
        match self.kind {
            CheckKind::Metric(m) => m.verdict,
            CheckKind::ErrorRate(e) if e.regressed => VerdictName::Regressed,
            CheckKind::ErrorRate(_) => VerdictName::Unchanged,
        }
    }

    pub fn regressed(&self) -> bool {
        self.verdict() == VerdictName::Regressed
    }

    /// Whether a table for people shows it: every metric, and an error
    /// rate only when there were errors or it regressed.
    pub fn worth_a_row(&self) -> bool {
        match self.kind {
            CheckKind::Metric(_) => true,
            CheckKind::ErrorRate(e) => e.regressed || e.base_rate > 0.0 || e.head_rate > 0.0,
        }
    }

    /// The base and head values: milliseconds, or error percentages.
    pub fn base_text(&self) -> String {
        match self.kind {
            CheckKind::Metric(m) => ms(m.base_ms),
            CheckKind::ErrorRate(e) => rate(e.base_rate),
        }
    }

    pub fn head_text(&self) -> String {
        match self.kind {
            CheckKind::Metric(m) => ms(m.head_ms),
            CheckKind::ErrorRate(e) => rate(e.head_rate),
        }
    }

    /// `+23.1%` for a metric, `+4.88 pt` for an error rate.
    pub fn change_text(&self) -> String {
        match self.kind {
            CheckKind::Metric(m) => m.ratio.map_or("-".into(), change),
            CheckKind::ErrorRate(e) => points(e.head_rate - e.base_rate),
        }
    }

    /// `[+12.0%, +35.2%]` for a metric, the allowed rise for an error rate.
    pub fn interval_text(&self) -> String {
        match self.kind {
            CheckKind::Metric(m) => interval(m.lower, m.upper),
            CheckKind::ErrorRate(e) => format!("max {}", points(e.max_increase)),
        }
    }

    /// The worst-first sort key of a regression: its ratio, or infinity for
    /// an error rate, which has none (and so never outranks a ratio, see
    /// [`Regressions::worst`]).
    fn ratio(&self) -> f64 {
        match self.kind {
            CheckKind::Metric(m) => m.ratio.unwrap_or(1.0),
            CheckKind::ErrorRate(_) => f64::INFINITY,
        }
    }

    /// One line for a failure message: `p95 +23.1% [+12.0%, +35.2%] over
    /// threshold 10%`, or the error rate's rise over the allowed one.
    pub fn failure_message(&self) -> String {
        match self.kind {
            CheckKind::Metric(_) => format!(
                "{} {} {} over threshold {}",
                self.label(),
                self.change_text(),
                self.interval_text(),
                percent(self.endpoint.threshold)
            ),
            CheckKind::ErrorRate(e) => format!(
                "error rate {} → {} ({}) over the allowed {}",
                rate(e.base_rate),
                rate(e.head_rate),
                self.change_text(),
                points(e.max_increase)
            ),
        }
    }
}

/// The regressions of a comparison, for a headline.
#[derive(Debug)]
pub struct Regressions<'a> {
    pub checks: Vec<Check<'a>>,
}

impl<'a> Regressions<'a> {
    pub fn of(c: &'a Comparison) -> Self {
        Regressions {
            checks: checks(c).filter(Check::regressed).collect(),
        }
    }

    /// The largest slowdown by ratio; an error-rate regression only when
    /// no metric regressed.
    pub fn worst(&self) -> Option<&Check<'a>> {
        // The first of equals: `max_by` would keep the last.
        self.checks
            .iter()
            .filter(|r| r.ratio().is_finite())
            .reduce(|worst, r| if r.ratio() > worst.ratio() { r } else { worst })
            .or(self.checks.first())
    }
}

/// How many checks got each verdict, in the order regressed, improved,
/// unchanged, inconclusive.
pub fn verdict_counts(c: &Comparison) -> [(VerdictName, usize); 4] {
    let mut counts = [
        (VerdictName::Regressed, 0),
        (VerdictName::Improved, 0),
        (VerdictName::Unchanged, 0),
        (VerdictName::Inconclusive, 0),
    ];
    for check in checks(c) {
        if let Some(slot) = counts.iter_mut().find(|(v, _)| *v == check.verdict()) {
            slot.1 += 1;
        }
    }
    counts
}

/// Milliseconds with three significant figures or so.
pub fn ms(value: Option<f64>) -> String {
    match value {
        Some(v) if v >= 100.0 => format!("{v:.0}"),
        Some(v) if v >= 10.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.2}"),
        None => "-".into(),
    }
}

/// A ratio as a signed relative change: 1.231 → `+23.1%`.
pub fn change(ratio: f64) -> String {
    format!("{:+.1}%", (ratio - 1.0) * 100.0)
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

/// How the two sides were measured, in A/B mode; `None` in stored mode.
pub fn mode_line(c: &Comparison) -> Option<String> {
    let split = match c.pairing? {
        crate::record::Pairing::Random => {
            "both under load at once, each request sent to one at random"
        }
        crate::record::Pairing::Alternate => "taking turns in alternating blocks",
    };
    let used: Vec<crate::config::Metric> = c
        .endpoints
        .iter()
        .flat_map(|e| e.metrics.iter().map(|m| m.metric))
        .collect();
    let floor = c.run_noise.as_ref().map_or(String::new(), |noise| {
        let figures: Vec<String> = noise
            .metrics
            .iter()
            .filter(|m| used.contains(&m.metric))
            .map(|m| format!("{} {:.1}%", m.metric.name(), m.tau * 100.0))
            .collect();
        format!(
            "; intervals include a run-to-run floor of {} from {}",
            figures.join(", "),
            noise.source
        )
    });
    Some(format!(
        "A/B mode: base and head measured side by side on the same machine ({split}) and compared block pair by block pair{floor}"
    ))
}

/// The slowdowns this pull request accepted by updating the stored
/// baseline: "accepted in this pull request: create-order p95 +15%, …".
pub fn accepted_line(c: &Comparison) -> Option<String> {
    (!c.accepted.is_empty()).then(|| {
        format!(
            "accepted in this pull request (recorded in the stored baseline): {}",
            crate::ab::describe(&c.accepted).join(", ")
        )
    })
}

/// The first eight characters of a commit.
/// "commit, time, N runs on CPU (C cores)", each user-supplied part passed
/// through the writer's `escape`, the commit also through `code`.
pub fn side_line(
    s: &crate::compare::SideInfo,
    escape: fn(&str) -> String,
    code: fn(String) -> String,
) -> String {
    format!(
        "{}, {}, {} run{} on {} ({} cores)",
        code(escape(&short_commit(s.git_commit.as_deref()))),
        escape(&s.time_utc),
        s.runs,
        if s.runs == 1 { "" } else { "s" },
        escape(&s.cpu_model),
        s.cores
    )
}

pub fn short_commit(commit: Option<&str>) -> String {
    commit.map_or("(no commit)".into(), |c| c.chars().take(8).collect())
}
