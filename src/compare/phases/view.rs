//! One phase of an endpoint seen as an endpoint of its own: its blocks form
//! a record of the endpoint's shape ([`EndpointRecord::phase`]), so a phase
//! metric goes through the latency metrics' engine unchanged.

use crate::compare::gate::GateSettings;
use crate::compare::latency::{EndpointPair, Paired};
use crate::compare::model::{MetricComparison, PhaseComparison, VerdictName};
use crate::config::Metric;
use crate::record::EndpointRecord;

/// Both sides' view of one phase of one shared endpoint.
#[derive(Debug)]
pub(crate) struct PhaseView {
    /// Index into the shared endpoints.
    pub endpoint: usize,
    /// The phase's name in the `Server-Timing` header.
    pub name: String,
    pub base: EndpointRecord,
    pub head: EndpointRecord,
}

impl Paired for PhaseView {
    fn pair(&self) -> EndpointPair<'_> {
        EndpointPair {
            base: &self.base,
            head: &self.head,
        }
    }
}

/// Both sides' view of phase `name` of each endpoint pair listed in `which`
/// that reports it on both sides.
pub(crate) fn views(
    shared: &[EndpointPair<'_>],
    which: impl Iterator<Item = usize>,
    name: &str,
) -> Vec<PhaseView> {
    which
        .filter_map(|i| {
            let EndpointPair { base: b, head: h } = shared.get(i)?;
            (reports(b, name) && reports(h, name)).then(|| PhaseView {
                endpoint: i,
                name: name.to_string(),
                base: b.phase(name),
                head: h.phase(name),
            })
        })
        .collect()
}

/// Whether a side's record of an endpoint reports phase `name` in any
/// block.
pub(crate) fn reports(endpoint: &EndpointRecord, name: &str) -> bool {
    endpoint.blocks.iter().any(|b| b.phases.contains_key(name))
}

/// The settings under which a phase metric is estimated: `metric` only, no
/// per-endpoint overrides, no accepted slowdowns.
pub(crate) fn phase_gate(gate: &GateSettings, metric: Metric) -> GateSettings {
    let mut plain = gate.clone();
    plain.suite.metrics = vec![metric];
    plain.suite.phases.clear();
    plain.endpoints.clear();
    plain.accepted.clear();
    plain
}

/// Phase `name`'s comparison; it moved when it regressed or improved.
pub(crate) fn phase_comparison(
    name: &str,
    gated: bool,
    comparison: MetricComparison,
) -> PhaseComparison {
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
