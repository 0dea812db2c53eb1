//! The report's checks: every endpoint × metric, every gated Server-Timing
//! phase and every endpoint's error-rate test, with their verdicts and their
//! numbers formatted once, so that every format says the same.

use super::text::{change, figure, interval, points, rate, regressed_means};
use crate::compare::{
    Comparison, EndpointComparison, ErrorComparison, MetricComparison, PhaseComparison, VerdictName,
};

/// One test of the gate: an endpoint's metric (of its latency, or of a
/// gated phase), or its error rate.
#[derive(Debug, Clone, Copy)]
pub struct Check<'a> {
    pub endpoint: &'a EndpointComparison,
    pub kind: CheckKind<'a>,
    /// The gated phase a metric belongs to, if it is a phase's.
    pub phase: Option<&'a PhaseComparison>,
}

#[derive(Debug, Clone, Copy)]
pub enum CheckKind<'a> {
    Metric(&'a MetricComparison),
    ErrorRate(&'a ErrorComparison),
}

/// Every check of the comparison, endpoint by endpoint: its metrics, its
/// gated phases, then its error rate (the app row, `cpu/request` and
/// `peak_rss`, has none).
pub fn checks(c: &Comparison) -> impl Iterator<Item = Check<'_>> {
    c.endpoints.iter().flat_map(|endpoint| {
        let metrics = endpoint.metrics.iter().map(move |m| Check {
            endpoint,
            kind: CheckKind::Metric(m),
            phase: None,
        });
        let phases = endpoint
            .phases
            .iter()
            .filter(|p| p.gated)
            .map(move |p| Check {
                endpoint,
                kind: CheckKind::Metric(&p.comparison),
                phase: Some(p),
            });
        let errors = (!endpoint.is_app()).then_some(Check {
            endpoint,
            kind: CheckKind::ErrorRate(&endpoint.errors),
            phase: None,
        });
        metrics.chain(phases).chain(errors)
    })
}

impl Check<'_> {
    /// `p95`, `server-timing:db`, or `error rate`. A phase name is the
    /// app's text: writers escape it.
    pub fn label(&self) -> String {
        match (self.kind, self.phase) {
            (_, Some(phase)) => phase.metric_name(),
            (CheckKind::Metric(m), None) => m.metric.name().to_string(),
            (CheckKind::ErrorRate(_), None) => "error rate".to_string(),
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

    /// The base and head values: milliseconds (MiB for `peak_rss`), or
    /// error percentages.
    pub fn base_text(&self) -> String {
        match self.kind {
            CheckKind::Metric(m) => figure(m.metric, m.base_ms),
            CheckKind::ErrorRate(e) => rate(e.base_rate),
        }
    }

    pub fn head_text(&self) -> String {
        match self.kind {
            CheckKind::Metric(m) => figure(m.metric, m.head_ms),
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

    /// One line for a failure message, saying what the gate tested: `p95
    /// +6.0% [+2.1%, +10.1%]: worse at 99% confidence, by an estimated 5% or
    /// more, half the 10% threshold`, or the error rate's rise over the
    /// allowed one.
    pub fn failure_message(&self, confidence: f64) -> String {
        match self.kind {
            CheckKind::Metric(_) => format!(
                "{} {} {}: {}",
                self.label(),
                self.change_text(),
                self.interval_text(),
                regressed_means(self.endpoint.threshold, confidence)
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
/// unchanged, inconclusive, missing.
pub fn verdict_counts(c: &Comparison) -> [(VerdictName, usize); 5] {
    let mut counts = [
        (VerdictName::Regressed, 0),
        (VerdictName::Improved, 0),
        (VerdictName::Unchanged, 0),
        (VerdictName::Inconclusive, 0),
        (VerdictName::Missing, 0),
    ];
    for check in checks(c) {
        if let Some(slot) = counts.iter_mut().find(|(v, _)| *v == check.verdict()) {
            slot.1 += 1;
        }
    }
    counts
}
