//! The metric the search follows, and what it reads of it from each
//! probe's comparison: its ratio with the interval, and the Server-Timing
//! phases of its endpoint that moved.

use serde::Serialize;

use super::probe::{ProbeFigure, ProbeKind};
use crate::compare::{Comparison, VerdictName};
use crate::exit::Failure;

/// The metric the search follows: an endpoint and a metric label as the
/// reports name them (`p50`, `server-timing:db`, `cpu/request` of `(app)`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Target {
    pub endpoint: String,
    pub metric: String,
}

/// A Server-Timing phase that moved in a named commit's step.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PhaseFigure {
    pub phase: String,
    pub ratio: f64,
    pub lower: f64,
    pub upper: f64,
}

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

/// The phases of the target's endpoint that moved.
pub(super) fn moved_phases(c: &Comparison, target: &Target) -> Vec<PhaseFigure> {
    c.endpoints
        .iter()
        .filter(|e| e.name == target.endpoint)
        .flat_map(|e| &e.phases)
        .filter(|p| p.moved)
        .filter_map(|p| {
            let m = &p.comparison;
            Some(PhaseFigure {
                phase: p.phase.clone(),
                ratio: m.ratio?,
                lower: m.lower?,
                upper: m.upper?,
            })
        })
        .collect()
}
