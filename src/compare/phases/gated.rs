//! Gated phases (`server-timing:<phase>` in `gate.metrics`): each joins the
//! suite's one Holm family, and a regressed phase fails the gate like a
//! regressed p50.

use super::view::{phase_comparison, phase_gate, views, PhaseView};
use crate::compare::holm::{Handle, HolmFamily, HolmLevels, Part};
use crate::compare::judging::Judging;
use crate::compare::latency::{estimates, metric_comparison, EndpointPair, Estimated};
use crate::compare::model::EndpointComparison;
use crate::config::PhaseMetric;
use crate::stats::Estimate;

/// A gated phase of one shared endpoint, estimated and registered in the
/// family.
#[derive(Debug)]
pub(crate) struct GatedPhase {
    view: PhaseView,
    phase: PhaseMetric,
    estimate: Option<Estimate>,
    handle: Handle,
}

/// Each gated phase metric of each shared endpoint that reports the phase on
/// both sides, estimated and registered in `family`; endpoints that do not
/// report it are left out.
pub(crate) fn gated(
    shared: &[EndpointPair<'_>],
    judging: &Judging<'_>,
    family: &mut HolmFamily,
) -> Vec<GatedPhase> {
    let gate = judging.gate;
    let mut wanted: Vec<PhaseMetric> = shared
        .iter()
        .flat_map(|p| gate.phase_metrics(&p.head.name).iter().cloned())
        .collect();
    wanted.sort();
    wanted.dedup();
    let mut found = Vec::new();
    for phase in wanted {
        let which = (0..shared.len())
            .filter(|&i| gate.phase_metrics(&shared[i].head.name).contains(&phase));
        let views = views(shared, which, &phase.phase);
        let per_phase = phase_gate(gate, phase.metric);
        let estimated = estimates(views, &per_phase, judging.alpha, judging.pairing);
        for Estimated { of, mut metrics } in estimated {
            let estimate = metrics.pop().and_then(|m| m.estimate);
            let p_value = estimate.as_ref().map_or(1.0, |e| e.p_value);
            found.push(GatedPhase {
                view: of,
                phase: phase.clone(),
                estimate,
                handle: family.register(Part::Phase, p_value),
            });
        }
    }
    found
}

/// Judges the gated phases at their Holm levels and adds them to their
/// endpoints' comparisons. When the runs cannot decide the gate, nothing
/// here decides either.
pub(crate) fn judge_gated(
    gated: Vec<GatedPhase>,
    levels: &HolmLevels,
    shared: &[EndpointPair<'_>],
    endpoints: &mut [EndpointComparison],
    judging: &Judging<'_>,
) {
    for found in gated {
        let level = levels.level(found.handle);
        let Some(pair) = shared.get(found.view.endpoint) else {
            continue;
        };
        let Some(endpoint) = endpoints.iter_mut().find(|e| e.name == pair.head.name) else {
            continue;
        };
        let view = &found.view;
        let mut comparison = metric_comparison(
            found.phase.metric,
            found.estimate.as_ref(),
            level,
            endpoint.threshold,
            judging.paired(),
            EndpointPair {
                base: &view.base,
                head: &view.head,
            },
        );
        judging.overrule(&mut comparison);
        endpoint
            .phases
            .push(phase_comparison(&view.name, true, comparison));
    }
}
