//! The rule of one look: stop, and why, or measure on (see [`super`] for
//! why the looks are not alike and how the suite's α is spent).

use crate::compare::{compare, Comparison, GateSettings, StopReason, VerdictName};
use crate::config::Inconclusive;
use crate::record::RunRecord;
use crate::stats::Interim;

use super::look::Look;

/// The chance of a decision by the budget's end below which a metric is
/// not worth waiting for (see [`futile`]). Waiting costs time only; giving
/// up on a metric the budget would have decided costs a verdict, so the
/// bar is low: a tenth, a common futility bound in group-sequential trials
/// (Jennison & Turnbull 2000, §10.2). In the simulation of
/// `a_live_estimate_is_measured_to_the_budget_and_caught_more_often`, a
/// bar of 0.05 / 0.1 / 0.2 caught +12% in 385 / 387 / 374 of 400 runs and
/// stopped A/A runs after a median of 44 / 33 / 23 of 60 rounds. With
/// the detection apps' mix of quiet and noisy metrics (per-round sd 2–30%
/// over nine metrics, +10% on two of them) the bar hardly matters: bars
/// from 0.1 to 0.3 all caught 400 of 400 and stopped A/A runs after a
/// median of 31–32 of 60 rounds (28–30 of 45). What keeps an A/A run
/// going there is the noisy metrics' chance under T, which falls steeply
/// only near the budget's end.
pub const FUTILE: f64 = 0.1;

/// Rounds from which a metric's noise is projected to the budget's end as
/// it is: with 19 degrees of freedom or more, the t quantiles at the
/// gate's levels are within a sixth of their limit, so the interval
/// narrows much as √time from there on.
pub const SETTLED_ROUNDS: u32 = 20;

/// What a look decided.
#[derive(Debug)]
pub enum Judgement {
    /// Measure another round; these gated metrics are undecided.
    Continue { open: Vec<String> },
    /// Stop: the comparison to report and why.
    Stop(Box<Comparison>, StopReason),
}

/// One gated metric at an interim look: its verdict at the suite's
/// confidence and at the look's strict level; at the suite's confidence
/// its ratio, interval (lower, upper) and smallest detectable change; its
/// threshold (fractions).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricLook {
    pub label: String,
    pub nominal: VerdictName,
    pub strict: VerdictName,
    pub ratio: Option<f64>,
    pub interval: Option<(f64, f64)>,
    pub detectable: Option<f64>,
    pub threshold: f64,
}

/// Whether `metric`, undecided after `fraction` of the budget, is not worth
/// waiting for: the budget's end is unlikely to decide it, whether the
/// truth is its current estimate or a slowdown of its threshold T.
///
/// The chance is conditional power (Lan & Wittes 1988; Jennison & Turnbull
/// 2000, §10.2; see [`Interim`]): given the estimate and its noise now,
/// the law of the estimate at the budget, and from it the chance of each
/// verdict there. Two truths are asked about, and the larger chance
/// counts:
///
/// * the current estimate (the "current trend"): the chance that the
///   budget gives any decided verdict — a slowdown shown, or an interval
///   inside ±T. It is what the run would most likely see, but an
///   estimate low by chance makes it small for a real slowdown;
/// * a slowdown of exactly T, the one the gate promises to catch: the
///   chance that the budget's interval lies above 1. Under this truth a
///   metric whose estimate is low now keeps the run going as long as the
///   rest of the budget could still show T.
///
/// A metric whose estimate is over T (a possible regression) is never
/// given up: its chance under the current trend is at least that under T,
/// and the run owes it every round of the budget. A metric whose noise is
/// unknown (no finite interval) cannot be projected, and is not waited
/// for. The information is taken to grow with the rounds (`fraction` =
/// rounds now / rounds at the budget); against a stored baseline, whose
/// runs stay as they are, it grows more slowly, which makes the chance
/// err high: such a run waits rather than gives up.
pub fn futile(metric: &MetricLook, fraction: f64) -> bool {
    let now = match (metric.ratio, metric.interval, metric.detectable) {
        (Some(ratio), Some(interval), Some(detectable)) => {
            Interim::from_interval(ratio, interval, detectable, fraction)
        }
        _ => None,
    };
    let Some(now) = now else {
        return true;
    };
    let slowdown = metric.threshold.ln_1p();
    if now.estimate >= slowdown {
        return false;
    }
    let chance = now
        .chance_decided(now.estimate, metric.threshold)
        .max(now.conditional_power(slowdown));
    chance < FUTILE
}

/// The rule of an interim look, on plain data: `Ok(reason)` to stop (the
/// suite's comparison at its own confidence is then the one to report),
/// `Err(open)` to measure on. `strict_fails`: the comparison at the look's
/// strict level fails the gate (a regression, errors, a saturated head).
pub fn decide(
    look: Look,
    metrics: &[MetricLook],
    strict_fails: bool,
) -> Result<StopReason, Vec<String>> {
    decide_with(look, metrics, strict_fails, futile)
}

/// [`decide`] with `futile` as the rule for a metric not worth waiting for
/// (the tests compare it with the rule it replaced).
fn decide_with(
    look: Look,
    metrics: &[MetricLook],
    strict_fails: bool,
    futile: impl Fn(&MetricLook, f64) -> bool,
) -> Result<StopReason, Vec<String>> {
    if strict_fails {
        return Ok(StopReason::ClearFailure);
    }
    let fraction = f64::from(look.round) / f64::from(look.max_rounds.max(1));
    let mut open = Vec::new();
    let mut worth_waiting = false;
    for m in metrics {
        let decided = m.nominal == VerdictName::Unchanged
            || matches!(m.strict, VerdictName::Regressed | VerdictName::Improved);
        if decided {
            continue;
        }
        worth_waiting |= m.nominal != VerdictName::Inconclusive || !futile(m, fraction);
        open.push(m.label.clone());
    }
    // Early on, few rounds give few degrees of freedom, and the interval
    // narrows faster than √time: judge a metric futile from half the
    // budget, or once the rounds are enough for the projection to hold.
    let settled = 2 * look.round >= look.max_rounds || look.round >= SETTLED_ROUNDS;
    match (open.is_empty(), worth_waiting || !settled) {
        (true, _) => Ok(StopReason::Decided),
        (false, false) => Ok(StopReason::Blind),
        (false, true) => Err(open),
    }
}

/// The look at `base` and `head` after `look.round` rounds, with the
/// suite's `gate`. See the module documentation for the rule.
pub fn judge(base: &RunRecord, head: &RunRecord, gate: &GateSettings, look: Look) -> Judgement {
    let alpha = 1.0 - gate.suite.confidence;
    let at = |level: f64, inconclusive: Inconclusive| {
        let mut settings = gate.clone();
        settings.suite.confidence = 1.0 - level;
        settings.suite.inconclusive = inconclusive;
        compare(base, head, &settings)
    };
    if look.is_last() {
        let last = at(look.level(alpha), gate.suite.inconclusive);
        let reason = if last.undecidable.is_some() {
            StopReason::Undecidable
        } else if open_metrics(&last, StopReason::Budget).is_empty() {
            StopReason::Decided
        } else {
            StopReason::Budget
        };
        return Judgement::Stop(Box::new(last), reason);
    }
    // Only a failure may end an interim look at its strict level, so a
    // blind metric does not count as one here whatever the suite says.
    let strict = at(look.level(alpha), Inconclusive::Pass);
    if strict.outcome.failed() {
        return Judgement::Stop(Box::new(strict), StopReason::ClearFailure);
    }
    let nominal = at(alpha, gate.suite.inconclusive);
    // Nothing can be decided however long the run measures (a stored
    // baseline that cannot be compared with this run): stop now.
    if nominal.undecidable.is_some() {
        return Judgement::Stop(Box::new(nominal), StopReason::Undecidable);
    }
    let metrics = metric_looks(&nominal, &strict);
    match decide(look, &metrics, false) {
        Ok(reason) => Judgement::Stop(Box::new(nominal), reason),
        Err(open) => Judgement::Continue { open },
    }
}

/// Each gated metric of `nominal` beside its verdict in `strict`.
fn metric_looks(nominal: &Comparison, strict: &Comparison) -> Vec<MetricLook> {
    let mut looks = Vec::new();
    for endpoint in &nominal.endpoints {
        let strict_endpoint = strict.endpoints.iter().find(|e| e.name == endpoint.name);
        for metric in &endpoint.metrics {
            let strict_verdict = strict_endpoint
                .and_then(|e| e.metrics.iter().find(|m| m.metric == metric.metric))
                .map_or(VerdictName::Inconclusive, |m| m.verdict);
            looks.push(MetricLook {
                label: label(&endpoint.name, metric),
                nominal: metric.verdict,
                strict: strict_verdict,
                ratio: metric.ratio,
                interval: metric.lower.zip(metric.upper),
                detectable: metric.detectable,
                threshold: endpoint.threshold,
            });
        }
        // An error rate that rose at the suite's confidence but not at the
        // strict level is worth waiting for: stopping now would fail the
        // build at a level the look may not spend.
        let regressed = |errors: &crate::compare::ErrorComparison| {
            if errors.regressed {
                VerdictName::Regressed
            } else {
                VerdictName::Unchanged
            }
        };
        looks.push(MetricLook {
            label: format!("{} errors", endpoint.name),
            nominal: regressed(&endpoint.errors),
            strict: strict_endpoint.map_or(VerdictName::Unchanged, |e| regressed(&e.errors)),
            ratio: None,
            interval: None,
            detectable: None,
            threshold: endpoint.threshold,
        });
    }
    looks
}

fn label(endpoint: &str, metric: &crate::compare::MetricComparison) -> String {
    format!("{endpoint} {}", metric.metric.name())
}

/// The gated metrics a run that stopped for want of data left undecided
/// (`endpoint metric`); none for a run that stopped for another reason.
pub fn open_metrics(comparison: &Comparison, reason: StopReason) -> Vec<String> {
    match reason {
        StopReason::Budget | StopReason::Blind => comparison
            .endpoints
            .iter()
            .flat_map(|e| {
                e.metrics
                    .iter()
                    .filter(|m| m.verdict == VerdictName::Inconclusive)
                    .map(|m| label(&e.name, m))
            })
            .collect(),
        StopReason::Decided | StopReason::ClearFailure | StopReason::Undecidable => Vec::new(),
    }
}

#[cfg(test)]
mod tests;
