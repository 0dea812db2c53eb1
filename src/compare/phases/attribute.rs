//! Attribution: a regressed (or improved) latency metric of an endpoint,
//! explained by the phases that moved. Each phase the endpoint reports is
//! compared at the same metric, in its own Holm family per endpoint ×
//! metric at the suite's confidence. It never decides the gate; a phase
//! "moved" when its verdict is regressed or improved, by the same rule
//! (beyond the interval, and at least half the threshold), so noise in a
//! steady phase is not named.

use super::view::{phase_comparison, phase_gate, views, PhaseView};
use crate::compare::holm::{Handle, HolmFamily, Part};
use crate::compare::judging::Judging;
use crate::compare::latency::{estimates, metric_comparison, EndpointPair, Estimated, Paired};
use crate::compare::model::{EndpointComparison, VerdictName};
use crate::config::Metric;
use crate::record::phases::MAX_PHASES;
use crate::stats::Estimate;

/// One phase of the endpoint, estimated at the changed metric.
struct PhaseTest<'v> {
    view: &'v PhaseView,
    estimate: Option<Estimate>,
    handle: Handle,
}

/// A phase's view lent to the engine: built once per endpoint, estimated
/// at each changed metric.
struct Lent<'v>(&'v PhaseView);

impl Paired for Lent<'_> {
    fn pair(&self) -> EndpointPair<'_> {
        self.0.pair()
    }
}

/// For each endpoint whose latency regressed or improved at some metric,
/// every phase it reports on both sides compared at that metric (unless a
/// gated entry already covers it), in its own Holm family at the suite's
/// α.
pub(crate) fn attribute(
    shared: &[EndpointPair<'_>],
    endpoints: &mut [EndpointComparison],
    judging: &Judging<'_>,
) {
    for (i, pair) in shared.iter().enumerate() {
        let Some(endpoint) = endpoints.iter_mut().find(|e| e.name == pair.head.name) else {
            continue;
        };
        let changed: Vec<Metric> = endpoint
            .metrics
            .iter()
            .filter(|m| matches!(m.verdict, VerdictName::Regressed | VerdictName::Improved))
            .map(|m| m.metric)
            .collect();
        if changed.is_empty() {
            continue;
        }
        let views = phase_views(shared, i);
        for metric in changed {
            attribute_metric(&views, endpoint, metric, judging);
        }
    }
}

/// The phases shared endpoint `i` reports on both sides, each seen once, at
/// most [`MAX_PHASES`] of them: a decoded record holds no more per
/// endpoint, and one built otherwise costs no more than one that was.
fn phase_views(shared: &[EndpointPair<'_>], i: usize) -> Vec<PhaseView> {
    let Some(pair) = shared.get(i) else {
        return Vec::new();
    };
    pair.head
        .phase_names()
        .into_iter()
        .filter_map(|n| views(shared, std::iter::once(i), n).pop())
        .take(MAX_PHASES)
        .collect()
}

/// The endpoint's phases (`views`) compared at `metric`, added to its row
/// (`endpoint`).
fn attribute_metric(
    views: &[PhaseView],
    endpoint: &mut EndpointComparison,
    metric: Metric,
    judging: &Judging<'_>,
) {
    let covered = |name: &str| {
        endpoint
            .phases
            .iter()
            .any(|p| p.phase == name && p.comparison.metric == metric)
    };
    let named: Vec<&PhaseView> = views.iter().filter(|v| !covered(&v.name)).collect();
    // Each phase alone: phases differ too much in noise to lend each other
    // their between-run variance.
    let per_phase = phase_gate(judging.gate, metric);
    let mut family = HolmFamily::default();
    let tested: Vec<PhaseTest<'_>> = named
        .into_iter()
        .filter_map(|view| {
            let Estimated { of, mut metrics } =
                estimates(vec![Lent(view)], &per_phase, judging.alpha, judging.pairing).pop()?;
            let estimate = metrics.pop().and_then(|m| m.estimate);
            let p_value = estimate.as_ref().map_or(1.0, |e| e.p_value);
            Some(PhaseTest {
                view: of.0,
                estimate,
                handle: family.register(Part::Phase, p_value),
            })
        })
        .collect();
    let levels = family.complete(judging.alpha);
    for PhaseTest {
        view,
        estimate,
        handle,
    } in tested
    {
        let comparison = metric_comparison(
            metric,
            estimate.as_ref(),
            levels.level(handle),
            endpoint.threshold,
            judging.paired(),
            view.pair(),
        );
        endpoint
            .phases
            .push(phase_comparison(&view.name, false, comparison));
    }
}
