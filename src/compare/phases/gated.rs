//! Gated phases (`server-timing:<phase>` in `gate.metrics`): each joins the
//! suite's one Holm family, and a regressed phase fails the gate like a
//! regressed p50. A gated phase one side reported and the other did not is
//! missing on that side, which fails the gate too; one that neither side
//! reported is warned about.

use super::view::{phase_comparison, phase_gate, reports, views, PhaseView};
use crate::compare::gate::GateSettings;
use crate::compare::holm::{Handle, HolmFamily, HolmLevels, Part};
use crate::compare::judging::Judging;
use crate::compare::latency::{estimates, metric_comparison, EndpointPair, Estimated};
use crate::compare::model::{EndpointComparison, MetricComparison, MissingOn};
use crate::compare::validity::endpoint_missing;
use crate::config::PhaseMetric;
use crate::stats::Estimate;

/// A gated phase of one shared endpoint: estimated and registered in the
/// family, or missing on one side.
#[derive(Debug)]
pub(crate) struct GatedPhase {
    /// Index into the shared endpoints.
    endpoint: usize,
    phase: PhaseMetric,
    found: Found,
}

#[derive(Debug)]
enum Found {
    /// Reported by both sides.
    Tested {
        view: Box<PhaseView>,
        estimate: Option<Estimate>,
        handle: Handle,
    },
    /// Reported by one side only.
    Missing(MissingOn),
}

/// Each phase metric gated for some shared endpoint, in order.
fn wanted(shared: &[EndpointPair<'_>], gate: &GateSettings) -> Vec<PhaseMetric> {
    let mut wanted: Vec<PhaseMetric> = shared
        .iter()
        .flat_map(|p| gate.phase_metrics(&p.head.name).iter().cloned())
        .collect();
    wanted.sort();
    wanted.dedup();
    wanted
}

/// The shared endpoints that gate `phase` and that both sides sent
/// requests (an endpoint one side never sent is missing as a whole).
fn gating<'s>(
    shared: &'s [EndpointPair<'s>],
    gate: &'s GateSettings,
    phase: &'s PhaseMetric,
) -> impl Iterator<Item = usize> + 's {
    (0..shared.len()).filter(move |&i| {
        gate.phase_metrics(&shared[i].head.name).contains(phase)
            && endpoint_missing(shared[i]).is_none()
    })
}

/// Each gated phase metric of each shared endpoint: estimated and
/// registered in `family` where both sides report the phase, missing where
/// one side alone does; endpoints where neither does are left out (see
/// [`unreported`]).
pub(crate) fn gated(
    shared: &[EndpointPair<'_>],
    judging: &Judging<'_>,
    family: &mut HolmFamily,
) -> Vec<GatedPhase> {
    let gate = judging.gate;
    let mut found = Vec::new();
    for phase in wanted(shared, gate) {
        let mut both = Vec::new();
        for i in gating(shared, gate, &phase) {
            let EndpointPair { base, head } = shared[i];
            let name = &phase.phase;
            match MissingOn::of(reports(base, name), reports(head, name)) {
                Some(on) => found.push(GatedPhase {
                    endpoint: i,
                    phase: phase.clone(),
                    found: Found::Missing(on),
                }),
                None => both.push(i),
            }
        }
        let views = views(shared, both.into_iter(), &phase.phase);
        let per_phase = phase_gate(gate, phase.metric);
        let estimated = estimates(views, &per_phase, judging.alpha, judging.pairing);
        for Estimated { of, mut metrics } in estimated {
            let estimate = metrics.pop().and_then(|m| m.estimate);
            let p_value = estimate.as_ref().map_or(1.0, |e| e.p_value);
            found.push(GatedPhase {
                endpoint: of.endpoint,
                phase: phase.clone(),
                found: Found::Tested {
                    view: Box::new(of),
                    estimate,
                    handle: family.register(Part::Phase, p_value),
                },
            });
        }
    }
    found
}

/// One warning per gated phase metric that neither side reported for some
/// endpoints that gate it: nothing was compared for them.
pub(crate) fn unreported(shared: &[EndpointPair<'_>], gate: &GateSettings) -> Vec<String> {
    wanted(shared, gate)
        .iter()
        .filter_map(|phase| {
            let names: Vec<&str> = gating(shared, gate, phase)
                .map(|i| shared[i])
                .filter(|p| !reports(p.base, &phase.phase) && !reports(p.head, &phase.phase))
                .map(|p| p.head.name.as_str())
                .collect();
            (!names.is_empty()).then(|| {
                format!(
                    "{} is gated, but neither side reported that Server-Timing phase for {}: not compared there",
                    phase.name(),
                    names.join(", ")
                )
            })
        })
        .collect()
}

/// Judges the gated phases at their Holm levels and adds them to their
/// endpoints' comparisons, with those missing on one side. When the runs
/// cannot decide the gate, nothing here decides either; a missing phase
/// fails it all the same.
pub(crate) fn judge_gated(
    gated: Vec<GatedPhase>,
    levels: &HolmLevels,
    shared: &[EndpointPair<'_>],
    endpoints: &mut [EndpointComparison],
    judging: &Judging<'_>,
) {
    for GatedPhase {
        endpoint,
        phase,
        found,
    } in gated
    {
        let Some(pair) = shared.get(endpoint) else {
            continue;
        };
        let Some(endpoint) = endpoints.iter_mut().find(|e| e.name == pair.head.name) else {
            continue;
        };
        let comparison = match found {
            Found::Missing(on) => {
                let why = format!("the {} sent no such Server-Timing phase", on.side());
                MetricComparison::missing(phase.metric, on, &why)
            }
            Found::Tested {
                view,
                estimate,
                handle,
            } => {
                let mut comparison = metric_comparison(
                    phase.metric,
                    estimate.as_ref(),
                    levels.level(handle),
                    endpoint.threshold,
                    judging.paired(),
                    EndpointPair {
                        base: &view.base,
                        head: &view.head,
                    },
                );
                judging.overrule(&mut comparison);
                comparison
            }
        };
        endpoint
            .phases
            .push(phase_comparison(&phase.phase, true, comparison));
    }
}
