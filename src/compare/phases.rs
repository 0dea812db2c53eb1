//! Server-Timing phases, compared: gated ones (`server-timing:<phase>` in
//! `gate.metrics`) and the attribution of an endpoint's regression to the
//! phases that moved.
//!
//! A phase's blocks form a record of the endpoint's shape
//! ([`EndpointRecord::phase`]), so every phase metric goes through the same
//! engine as a latency metric: [`estimates`] (pooled ratio, block or pair
//! bootstrap, between-run moderation across endpoints, A/B mode's run-to-run
//! floor), [`metric_comparison`] (interval at its Holm level, the verdict
//! rule of `stats::verdict`). Only accepted slowdowns are left out: they
//! were accepted for an endpoint's latency, not for its phases.
//!
//! * **Gated** phases join the suite's one Holm family: a regressed phase
//!   fails the gate like a regressed p50.
//! * **Attribution** explains a regressed (or improved) latency metric: each
//!   phase the endpoint reports is compared at the same metric, its own Holm
//!   family per endpoint × metric at the suite's confidence. It never
//!   decides the gate; a phase "moved" when its verdict is regressed or
//!   improved, by the same rule (beyond the interval, and at least half the
//!   threshold), so noise in a steady phase is not named.

use serde::{Deserialize, Serialize};

use super::estimates::estimates;
use super::model::{EndpointComparison, MetricComparison, VerdictName};
use super::verdicts::metric_comparison;
use super::GateSettings;
use crate::config::{Metric, PhaseMetric};
use crate::record::{EndpointRecord, Pairing};
use crate::stats::{self, Estimate};

/// One phase of one endpoint at one metric, compared.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PhaseComparison {
    /// The phase's name in the `Server-Timing` header.
    pub phase: String,
    /// Whether `gate.metrics` gates it (else it only explains a change of
    /// the endpoint's latency).
    pub gated: bool,
    /// Whether it moved: verdict regressed or improved.
    pub moved: bool,
    /// The metric, figures (ms), interval and verdict, as for latency.
    #[serde(flatten)]
    pub comparison: MetricComparison,
}

impl PhaseComparison {
    /// head − base of the metric, ms, when both are known.
    pub fn delta_ms(&self) -> Option<f64> {
        Some(self.comparison.head_ms? - self.comparison.base_ms?)
    }

    /// `server-timing:db` or `server-timing:db:p95`, as `gate.metrics` says.
    pub fn metric_name(&self) -> String {
        PhaseMetric {
            phase: self.phase.clone(),
            metric: self.comparison.metric,
        }
        .name()
    }
}

/// A gated phase of one shared endpoint, estimated, awaiting its Holm level.
#[derive(Debug)]
pub(super) struct GatedPhase {
    /// Index into the shared endpoints.
    endpoint: usize,
    phase: PhaseMetric,
    estimate: Option<Estimate>,
}

impl GatedPhase {
    pub(super) fn p_value(&self) -> f64 {
        self.estimate.as_ref().map_or(1.0, |e| e.p_value)
    }
}

/// The settings under which a phase metric is estimated: `metric` only, no
/// per-endpoint overrides, no accepted slowdowns.
fn phase_gate(gate: &GateSettings, metric: Metric) -> GateSettings {
    let mut plain = gate.clone();
    plain.suite.metrics = vec![metric];
    plain.suite.phases.clear();
    plain.endpoints.clear();
    plain.accepted.clear();
    plain
}

/// Both sides' view of phase `name` of each endpoint pair listed in `which`
/// that reports it on both sides.
fn views(
    shared: &[(&EndpointRecord, &EndpointRecord)],
    which: impl Iterator<Item = usize>,
    name: &str,
) -> Vec<(usize, EndpointRecord, EndpointRecord)> {
    which
        .filter_map(|i| {
            let (b, h) = shared.get(i)?;
            let reports = |e: &EndpointRecord| e.blocks.iter().any(|b| b.phases.contains_key(name));
            (reports(b) && reports(h)).then(|| (i, b.phase(name), h.phase(name)))
        })
        .collect()
}

/// Each gated phase metric of each shared endpoint that reports the phase on
/// both sides, estimated; endpoints that do not report it are left out.
pub(super) fn gated(
    shared: &[(&EndpointRecord, &EndpointRecord)],
    gate: &GateSettings,
    alpha: f64,
    pairing: Option<Pairing>,
) -> Vec<GatedPhase> {
    let mut wanted: Vec<PhaseMetric> = shared
        .iter()
        .flat_map(|(_, h)| gate.phase_metrics(&h.name).iter().cloned())
        .collect();
    wanted.sort();
    wanted.dedup();
    let mut found = Vec::new();
    for phase in wanted {
        let which =
            (0..shared.len()).filter(|&i| gate.phase_metrics(&shared[i].1.name).contains(&phase));
        let views = views(shared, which, &phase.phase);
        let pairs: Vec<_> = views.iter().map(|(_, b, h)| (b, h)).collect();
        let estimated = estimates(&pairs, &phase_gate(gate, phase.metric), alpha, pairing);
        for ((endpoint, _, _), mut per_endpoint) in views.iter().zip(estimated) {
            found.push(GatedPhase {
                endpoint: *endpoint,
                phase: phase.clone(),
                estimate: per_endpoint.pop().and_then(|(_, e)| e),
            });
        }
    }
    found
}

/// Judges the gated phases at their Holm levels (taken from `levels` in
/// order) and adds them to their endpoints' comparisons. `foreign`: why a
/// stored baseline cannot be compared, when it cannot; nothing then decides.
pub(super) fn judge_gated(
    gated: Vec<GatedPhase>,
    levels: &mut impl Iterator<Item = f64>,
    shared: &[(&EndpointRecord, &EndpointRecord)],
    endpoints: &mut [EndpointComparison],
    (alpha, paired, foreign): (f64, bool, Option<&super::context::Incomparable>),
) {
    for found in gated {
        let level = levels.next().unwrap_or(alpha);
        let Some((b, h)) = shared.get(found.endpoint) else {
            continue;
        };
        let Some(endpoint) = endpoints.iter_mut().find(|e| e.name == h.name) else {
            continue;
        };
        let name = &found.phase.phase;
        let mut comparison = metric_comparison(
            found.phase.metric,
            found.estimate.as_ref(),
            level,
            endpoint.threshold,
            paired,
            &b.phase(name),
            &h.phase(name),
        );
        if let Some(why) = foreign {
            comparison.verdict = VerdictName::Inconclusive;
            comparison.detectable = None;
            comparison.note = Some(why.note());
        }
        endpoint
            .phases
            .push(phase_comparison(name, true, comparison));
    }
}

fn phase_comparison(name: &str, gated: bool, comparison: MetricComparison) -> PhaseComparison {
    PhaseComparison {
        phase: name.to_string(),
        gated,
        moved: matches!(
            comparison.verdict,
            VerdictName::Regressed | VerdictName::Improved
        ),
        comparison,
    }
}

/// For each endpoint whose latency regressed or improved at some metric,
/// every phase it reports on both sides compared at that metric (unless a
/// gated entry already covers it), in its own Holm family at `alpha`.
pub(super) fn attribute(
    shared: &[(&EndpointRecord, &EndpointRecord)],
    endpoints: &mut [EndpointComparison],
    gate: &GateSettings,
    alpha: f64,
    pairing: Option<Pairing>,
) {
    for (i, (_, h)) in shared.iter().enumerate() {
        let Some(endpoint) = endpoints.iter_mut().find(|e| e.name == h.name) else {
            continue;
        };
        let changed: Vec<Metric> = endpoint
            .metrics
            .iter()
            .filter(|m| matches!(m.verdict, VerdictName::Regressed | VerdictName::Improved))
            .map(|m| m.metric)
            .collect();
        let names = h.phase_names();
        for metric in changed {
            let covered = |name: &str| {
                endpoint
                    .phases
                    .iter()
                    .any(|p| p.phase == name && p.comparison.metric == metric)
            };
            let named: Vec<(&str, EndpointRecord, EndpointRecord)> = names
                .iter()
                .copied()
                .filter(|n| !covered(n))
                .filter_map(|n| {
                    let (_, pb, ph) = views(shared, std::iter::once(i), n).pop()?;
                    Some((n, pb, ph))
                })
                .collect();
            // Each phase alone: phases differ too much in noise to lend
            // each other their between-run variance.
            let per_phase = phase_gate(gate, metric);
            let found: Vec<Option<Estimate>> = named
                .iter()
                .map(|(_, pb, ph)| {
                    estimates(&[(pb, ph)], &per_phase, alpha, pairing)
                        .pop()
                        .and_then(|mut e| e.pop())
                        .and_then(|(_, e)| e)
                })
                .collect();
            let p_values: Vec<f64> = found
                .iter()
                .map(|e| e.as_ref().map_or(1.0, |e| e.p_value))
                .collect();
            let levels = stats::holm_levels(&p_values, alpha);
            for (((name, pb, ph), estimate), level) in named.iter().zip(&found).zip(levels) {
                let comparison = metric_comparison(
                    metric,
                    estimate.as_ref(),
                    level,
                    endpoint.threshold,
                    pairing.is_some(),
                    pb,
                    ph,
                );
                endpoint
                    .phases
                    .push(phase_comparison(name, false, comparison));
            }
        }
    }
}
