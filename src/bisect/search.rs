//! The search, on plain data: probes through a [`Prober`], halving the
//! candidates by where each probe's ratio lies against half the total
//! change.

use serde::Serialize;

use super::probe::{ProbeFigure, Prober};
use crate::compare::{Comparison, VerdictName};
use crate::exit::Failure;

/// The metric the search follows: an endpoint and a metric label as the
/// reports name them (`p50`, `server-timing:db`, `cpu/request` of `(app)`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Target {
    pub endpoint: String,
    pub metric: String,
}

/// What to search: GOOD, the first-parent line after it up to BAD (oldest
/// first), the metric (or the one BAD regressed most), commits to probe
/// first, and the most probes.
#[derive(Debug, Clone)]
pub struct Plan {
    pub good: String,
    pub line: Vec<String>,
    pub target: Option<Target>,
    pub suspects: Vec<String>,
    pub max_probes: usize,
}

impl Plan {
    /// The probes a line of `n` candidates needs at most: BAD against
    /// GOOD, ⌈log₂ n⌉ halvings, the step of the commit found, and one for a
    /// suspect that was not it.
    pub fn default_probes(n: usize) -> usize {
        let halvings = usize::BITS - n.saturating_sub(1).leading_zeros();
        halvings as usize + 3
    }
}

/// What the search found.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Bisected {
    pub target: Option<Target>,
    /// BAD against GOOD.
    pub total: Option<ProbeFigure>,
    /// The first commit whose ratio against GOOD is past half the change.
    pub culprit: Option<String>,
    /// The culprit against its own parent.
    pub step: Option<ProbeFigure>,
    /// The Server-Timing phases of the target's endpoint that moved in
    /// that step (`commit`: the culprit, `against`: its parent).
    pub phases: Vec<PhaseFigure>,
    /// The step holds less than half the change: it is spread over
    /// several commits.
    pub spread: bool,
    /// Every probe, in order (the total first).
    pub probes: Vec<ProbeFigure>,
}

/// Runs the search of `plan` with `prober`.
pub fn bisect(prober: &mut dyn Prober, plan: &Plan) -> Result<Bisected, Failure> {
    let Some(bad) = plan.line.last() else {
        return Err(Failure::usage(
            "GOOD and BAD are the same commit: nothing to search",
        ));
    };
    let mut probes = Vec::new();
    let total_comparison = prober.probe(&plan.good, bad)?;
    let Some(target) = plan.target.clone().or_else(|| worst(&total_comparison)) else {
        return Ok(Bisected {
            target: None,
            total: None,
            culprit: None,
            step: None,
            phases: Vec::new(),
            spread: false,
            probes,
        });
    };
    let total = figure(&total_comparison, &target, bad, &plan.good)?;
    probes.push(total.clone());
    let half = total.ratio.ln() / 2.0;
    let (mut before, mut after) = (-1_isize, plan.line.len() as isize - 1);
    while after - before > 1 {
        if probes.len() + 1 >= plan.max_probes {
            return Err(Failure::usage(format!(
                "bisect: {} probes used and the change lies between {} and {}; allow more with --max-probes",
                probes.len(),
                commit_at(plan, before),
                commit_at(plan, after)
            )));
        }
        let mid = choose(plan, before, after);
        let commit = &plan.line[mid as usize];
        let comparison = prober.probe(&plan.good, commit)?;
        let mut f = figure(&comparison, &target, commit, &plan.good)?;
        let is_after = f.ratio.ln() > half;
        f.after = Some(is_after);
        probes.push(f);
        if is_after {
            after = mid;
        } else {
            before = mid;
        }
    }
    let culprit = plan.line[after as usize].clone();
    let parent = commit_at(plan, after - 1);
    let (step, phases) = if plan.line.len() == 1 {
        (total.clone(), moved_phases(&total_comparison, &target))
    } else {
        let comparison = prober.probe(&parent, &culprit)?;
        let step = figure(&comparison, &target, &culprit, &parent)?;
        probes.push(step.clone());
        (step, moved_phases(&comparison, &target))
    };
    Ok(Bisected {
        spread: step.upper.ln() < half,
        target: Some(target),
        total: Some(total),
        culprit: Some(culprit),
        step: Some(step),
        phases,
        probes,
    })
}

/// The commit at `index` of the line; GOOD at -1.
fn commit_at(plan: &Plan, index: isize) -> String {
    usize::try_from(index)
        .ok()
        .and_then(|i| plan.line.get(i))
        .unwrap_or(&plan.good)
        .clone()
}

/// The next candidate strictly between `before` and `after`: a suspect's
/// parent or the suspect itself when one lies there, else the middle.
fn choose(plan: &Plan, before: isize, after: isize) -> isize {
    let inside = |i: isize| before < i && i < after;
    plan.suspects
        .iter()
        .filter_map(|s| plan.line.iter().position(|c| c.starts_with(s.as_str())))
        .flat_map(|i| [i as isize - 1, i as isize])
        .find(|&i| inside(i))
        .unwrap_or((before + after) / 2)
}

/// The gated metric BAD regressed the most surely: verdict regressed, the
/// largest lower bound (a tail's ratio may be larger and far less sure).
fn worst(c: &Comparison) -> Option<Target> {
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
fn figure(
    c: &Comparison,
    target: &Target,
    commit: &str,
    against: &str,
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
        ratio: m.ratio.ok_or_else(none)?,
        lower: m.lower.ok_or_else(none)?,
        upper: m.upper.ok_or_else(none)?,
        after: None,
    })
}

/// A Server-Timing phase that moved in the culprit's step.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PhaseFigure {
    pub phase: String,
    pub ratio: f64,
    pub lower: f64,
    pub upper: f64,
}

/// The phases of the target's endpoint that moved.
fn moved_phases(c: &Comparison, target: &Target) -> Vec<PhaseFigure> {
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

#[cfg(test)]
mod tests;
