//! Two run records in, one [`Comparison`] out: per endpoint × metric the
//! ratio head / base with its interval and verdict, per endpoint the error
//! rate test, and the gate's outcome. Pure: no I/O, no clock.
//!
//! The statistics come from [`crate::stats`]. Two choices are made here:
//!
//! * **One family.** Every test of the suite (all endpoint × metric ratios
//!   and all error-rate tests) goes into one Holm procedure at
//!   1 − `gate.confidence`, so the suite's false-fail rate stays below it.
//! * **Between-run noise borrows strength across endpoints.** With k
//!   recorded baseline runs one endpoint's run-to-run variance has only
//!   k − 1 degrees of freedom — far too few for an interval at a
//!   Holm-adjusted level. The machine's speed phases move every endpoint
//!   together, so each endpoint's log-scale variance is moderated towards
//!   the suite's for that metric, as in the moderated t of Smyth (2004,
//!   *Stat. Appl. Genet. Mol. Biol.* 3(1), art. 3): a prior variance s₀² on
//!   d₀ degrees of freedom, both fitted to the endpoints' variances, combined
//!   with the endpoint's own. Endpoints whose noise differs widely lend
//!   little.

mod app_row;
mod capacity;
mod context;
mod cpu_mix;
mod estimates;
mod gate;
mod judgeable;
mod memory;
mod model;
mod peak_rss;
mod phases;
mod resources;
mod stopped;
mod suite_diff;
mod verdicts;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_phases;
#[cfg(test)]
mod tests_rounds;

pub use context::shared_while_recorded;
use context::{incomparable, side_info, warnings};
use verdicts::metric_comparison;

pub use capacity::{describe_errors, unanswered_endpoints, SUSTAINED_SHARE};

/// What each side of an A/B run carried, and whether the head kept up.
pub fn capacity_of(base: &RunRecord, head: &RunRecord) -> Capacity {
    capacity::capacity(base, head, false)
}
pub use gate::{Accepted, GateSettings, MetricNoise, RunNoise};
pub use judgeable::{unjudgeable, Span};
pub use memory::Memory;
pub use model::{
    Capacity, CapacityVerdict, Comparison, Curves, EndpointComparison, ErrorComparison,
    MetricComparison, Outcome, Point, SideInfo, Sight, VerdictName, CURVE_QUANTILES,
};
pub use phases::PhaseComparison;
pub use resources::APP_ROW;
pub use stopped::{StopReason, Stopping};
pub use suite_diff::{check_comparable, measured};

use crate::config::{Inconclusive, Metric};
use crate::record::{EndpointRecord, Pairing, RunRecord};
use crate::stats::{self, Estimate, NoiseModel};
use estimates::{estimates, paired, shared_endpoints, too_few};

/// Head / base of every gated endpoint × metric of two records of one
/// suite, as [`compare`] estimates them (unmoderated by any accepted
/// slowdown); `None` where there is too little data.
pub fn ratio_estimates(
    base: &RunRecord,
    head: &RunRecord,
    gate: &GateSettings,
) -> Vec<(String, Metric, Option<Estimate>)> {
    let shared = shared_endpoints(base, head);
    let mut plain = gate.clone();
    plain.accepted.clear();
    plain.run_noise.metrics.clear();
    let found = estimates(
        &shared,
        &plain,
        1.0 - gate.suite.confidence,
        paired(base, head),
    );
    shared
        .iter()
        .zip(found)
        .flat_map(|((_, h), per_endpoint)| {
            per_endpoint
                .into_iter()
                .map(move |(metric, estimate)| (h.name.clone(), metric, estimate))
        })
        .collect()
}

/// The pooled latency curve of one endpoint, in milliseconds.
fn curve(endpoint: &EndpointRecord) -> Vec<Point> {
    let pooled = endpoint.pooled();
    if pooled.is_empty() {
        return Vec::new();
    }
    CURVE_QUANTILES
        .iter()
        .map(|&q| Point {
            q,
            ms: pooled.value_at_quantile(q) as f64 / 1000.0,
        })
        .collect()
}

/// Compares `head` with `base`. The caller has checked that they measured
/// the same suite ([`check_comparable`]). Two sides of one A/B run are
/// compared pair by pair; anything else as separate runs.
pub fn compare(base: &RunRecord, head: &RunRecord, gate: &GateSettings) -> Comparison {
    let alpha = 1.0 - gate.suite.confidence;
    let pairing = paired(base, head);
    let shared = shared_endpoints(base, head);
    // Separate runs on different machines, or on one machine under
    // different loads: the offset is invisible to every interval, so no
    // metric may decide the gate.
    let foreign = incomparable(base, head, pairing);

    // 1. Estimates, per endpoint × metric.
    let estimates = estimates(&shared, gate, alpha, pairing);

    // 2. Error-rate tests.
    let error_tests: Vec<(f64, f64, Option<stats::ErrorRateResult>)> = shared
        .iter()
        .map(|(b, h)| {
            let (bo, ho) = (b.outcomes(), h.outcomes());
            let rate = |o: &crate::record::Outcomes| {
                if o.total() > 0 {
                    o.errors() as f64 / o.total() as f64
                } else {
                    0.0
                }
            };
            let test = stats::error_rate_test(
                bo.errors(),
                bo.total(),
                ho.errors(),
                ho.total(),
                gate.suite.max_error_rate_increase,
                alpha,
            );
            (rate(&bo), rate(&ho), test)
        })
        .collect();

    // 3. One Holm family over every p-value of the suite.
    let mut p_values = Vec::new();
    for per_endpoint in &estimates {
        for (_, estimate) in per_endpoint {
            p_values.push(estimate.as_ref().map_or(1.0, |e| e.p_value));
        }
    }
    for (_, _, test) in &error_tests {
        p_values.push(test.as_ref().map_or(1.0, |t| t.p_value));
    }
    // The app's own metrics (cpu/request, peak_rss), when gated: the
    // family's last tests.
    let app = app_row::measure(base, head, gate, alpha, pairing);
    p_values.extend(app_row::p_values(&app));
    // Gated Server-Timing phases: the family's last tests.
    let gated_phases = phases::gated(&shared, gate, alpha, pairing);
    p_values.extend(gated_phases.iter().map(phases::GatedPhase::p_value));
    let levels = stats::holm_levels(&p_values, alpha);
    let mut level = levels.iter().copied();

    let mut endpoints = Vec::new();
    for ((b, h), per_endpoint) in shared.iter().zip(&estimates) {
        let threshold = gate.threshold(&h.name);
        let metrics = per_endpoint
            .iter()
            .map(|(metric, estimate)| {
                let mut compared = metric_comparison(
                    *metric,
                    estimate.as_ref(),
                    level.next().unwrap_or(alpha),
                    threshold,
                    pairing.is_some(),
                    b,
                    h,
                );
                if let Some(why) = &foreign {
                    compared.verdict = VerdictName::Inconclusive;
                    compared.detectable = None;
                    compared.note = Some(why.note());
                }
                if let Some(ratio) = gate.accepted(&h.name, *metric).map(|a| a.ratio) {
                    let accepted = format!(
                        "tested against the base × {ratio:.3}: a slowdown of {:+.1}% was accepted in this pull request",
                        (ratio - 1.0) * 100.0
                    );
                    compared.note = Some(match compared.note {
                        Some(note) => format!("{accepted}; {note}"),
                        None => accepted,
                    });
                }
                compared
            })
            .collect();
        endpoints.push(EndpointComparison {
            name: h.name.clone(),
            threshold,
            metrics,
            errors: ErrorComparison {
                base_rate: 0.0,
                head_rate: 0.0,
                max_increase: 0.0,
                p_value: None,
                regressed: false,
            },
            curves: Curves {
                base: curve(b),
                head: curve(h),
            },
            phases: Vec::new(),
        });
    }
    for (endpoint, (base_rate, head_rate, test)) in endpoints.iter_mut().zip(error_tests) {
        let level = level.next().unwrap_or(alpha);
        let p_value = test.as_ref().map(|t| t.p_value);
        endpoint.errors = ErrorComparison {
            base_rate,
            head_rate,
            max_increase: gate.suite.max_error_rate_increase,
            p_value,
            regressed: p_value.is_some_and(|p| p <= level),
        };
    }

    let app = app_row::row(
        app,
        &mut level,
        alpha,
        gate,
        pairing.is_some(),
        foreign.as_ref(),
    );
    endpoints.extend(app.row);
    phases::judge_gated(
        gated_phases,
        &mut level,
        &shared,
        &mut endpoints,
        (alpha, pairing.is_some(), foreign.as_ref()),
    );
    phases::attribute(&shared, &mut endpoints, gate, alpha, pairing);
    let capacity = capacity::capacity(base, head, pairing.is_none());
    let (mut failed, mut invalid) = (Vec::new(), Vec::new());
    // Another machine's capacity says nothing about this one's.
    let comparable_capacity = foreign.is_none();
    match capacity.verdict {
        CapacityVerdict::Regressed if comparable_capacity => {
            failed.extend(capacity.message.clone())
        }
        CapacityVerdict::Invalid if comparable_capacity => invalid.extend(capacity.message.clone()),
        _ => {}
    }
    for (b, h) in &shared {
        match capacity::unanswered(b, h) {
            Some((true, why)) => failed.push(why),
            Some((false, why)) => invalid.push(why),
            None => {}
        }
    }
    let sight = Sight::of(&endpoints);
    if gate.suite.inconclusive == Inconclusive::Fail && sight.blind > 0 {
        failed.push(format!(
            "{} check(s) could not see a change of their threshold, and gate.inconclusive is fail",
            sight.blind
        ));
    }
    let regressed = endpoints.iter().any(|e| {
        e.errors.regressed
            || e.gated_metrics()
                .any(|m| m.verdict == VerdictName::Regressed)
    });
    Comparison {
        suite: head.suite.clone(),
        outcome: if !invalid.is_empty() {
            Outcome::Invalid
        } else if regressed || !failed.is_empty() {
            Outcome::Fail
        } else {
            Outcome::Pass
        },
        threshold: gate.suite.threshold,
        confidence: gate.suite.confidence,
        base: side_info(base),
        head: side_info(head),
        added: head
            .endpoints
            .iter()
            .filter(|h| base.endpoint(&h.name).is_none())
            .map(|h| h.name.clone())
            .collect(),
        removed: base
            .endpoints
            .iter()
            .filter(|b| head.endpoint(&b.name).is_none())
            .map(|b| b.name.clone())
            .collect(),
        warnings: warnings(base, head, &estimates, pairing.is_some())
            .into_iter()
            .chain(app.warnings)
            .chain(memory::memory(base, head).and_then(|m| m.warning()))
            .collect(),
        memory: memory::memory(base, head),
        stopping: None,
        undecidable: foreign.as_ref().map(|f| f.note()),
        pairing,
        accepted: gate.accepted.clone(),
        run_noise: pairing.map(|_| gate.run_noise.clone()),
        endpoints,
        capacity: Some(capacity),
        sight,
        failed,
        invalid,
    }
}
