//! One Server-Timing phase of one endpoint, compared at one metric: gated,
//! or named because it explains a change of the endpoint's latency.

use serde::{Deserialize, Serialize};

use super::metric::MetricComparison;
use crate::config::PhaseMetric;

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
