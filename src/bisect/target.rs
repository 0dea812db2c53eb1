//! The metric the search follows, and what it reads of it from each
//! probe's comparison: its ratio with the interval, and the Server-Timing
//! phases of its endpoint that moved.

use serde::Serialize;

use super::probe::{ProbeFigure, ProbeKind};
use crate::compare::{Comparison, VerdictName};
use crate::exit::Failure;
use crate::stats::{Index, Step};

/// The metric the search follows: an endpoint and a metric label as the
/// reports name them (`p50`, `server-timing:db`, `cpu/request` of `(app)`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Target {
    pub endpoint: String,
    pub metric: String,
}

/// A Server-Timing phase that moved in a named commit's step: its ratio
/// at one metric (p50, mean…) with the interval.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PhaseFigure {
    pub phase: String,
    pub metric: String,
    pub ratio: f64,
    pub lower: f64,
    pub upper: f64,
}

/// Every phase figure of the target's endpoint in one probe, and whether
/// the probe's comparison found it moved.
pub(super) type ProbePhases = Vec<(PhaseFigure, bool)>;

/// The gated metric BAD regressed the most surely: verdict regressed, the
/// largest lower bound (a tail's ratio may be larger and far less sure).
pub(super) fn worst(c: &Comparison) -> Option<Target> {
    c.endpoints
        .iter()
        .flat_map(|e| {
            e.labelled_metrics()
                .filter(|(_, m)| m.verdict == VerdictName::Regressed)
                .filter_map(move |(label, m)| Some((e.name.clone(), label, m.lower?)))
        })
        .max_by(|a, b| a.2.total_cmp(&b.2))
        .map(|(endpoint, metric, _)| Target { endpoint, metric })
}

/// The target's figure in a probe of `commit` against `against`.
pub(super) fn figure(
    c: &Comparison,
    target: &Target,
    (against, commit): (&str, &str),
    kind: ProbeKind,
) -> Result<ProbeFigure, Failure> {
    let m = c
        .endpoints
        .iter()
        .filter(|e| e.name == target.endpoint)
        .flat_map(|e| e.labelled_metrics())
        .find(|(label, _)| *label == target.metric)
        .map(|(_, m)| m);
    let none = || {
        Failure::run(format!(
            "bisect: the probe of {commit} against {against} has no estimate of {} {}",
            target.endpoint, target.metric
        ))
    };
    let m = m.ok_or_else(none)?;
    Ok(ProbeFigure {
        commit: commit.to_owned(),
        against: against.to_owned(),
        kind,
        ratio: m.ratio.ok_or_else(none)?,
        lower: m.lower.ok_or_else(none)?,
        upper: m.upper.ok_or_else(none)?,
        after: None,
    })
}

/// The phases of the target's endpoint, each with whether it moved.
pub(super) fn probe_phases(c: &Comparison, target: &Target) -> ProbePhases {
    c.endpoints
        .iter()
        .filter(|e| e.name == target.endpoint)
        .flat_map(|e| &e.phases)
        .filter_map(|p| {
            let m = &p.comparison;
            let figure = PhaseFigure {
                phase: p.phase.clone(),
                metric: m.metric.name().to_owned(),
                ratio: m.ratio?,
                lower: m.lower?,
                upper: m.upper?,
            };
            Some((figure, p.moved))
        })
        .collect()
}

/// The phases that moved between two probes against the same start,
/// `before` (to a commit's parent) and `after` (to the commit): each
/// phase's ratio after / before, its interval from the two intervals'
/// variances added on the log scale, kept where that interval at
/// `confidence` excludes 1.
pub(super) fn step_phases(
    before: &ProbePhases,
    after: &ProbePhases,
    confidence: f64,
) -> Vec<PhaseFigure> {
    let step = |f: &PhaseFigure| Step::of_interval(f.ratio, f.lower, f.upper, confidence);
    after
        .iter()
        .filter_map(|(a, _)| {
            let (b, _) = before
                .iter()
                .find(|(b, _)| b.phase == a.phase && b.metric == a.metric)?;
            let (sa, sb) = (step(a)?, step(b)?);
            let inverse = Step {
                log_ratio: -sb.log_ratio,
                se: sb.se,
            };
            let index = Index::of(&[sa, inverse]);
            let (lower, upper) = index.interval(confidence);
            index.excludes_one(confidence).then(|| PhaseFigure {
                phase: a.phase.clone(),
                metric: a.metric.clone(),
                ratio: index.ratio(),
                lower,
                upper,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
