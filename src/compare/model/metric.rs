//! One metric of one endpoint, compared: each side's figure, the ratio's
//! Holm-adjusted interval and the verdict read from it.

use serde::{Deserialize, Serialize};

use super::metric_name::metric_by_name;
use crate::config::Metric;
use crate::stats::Verdict;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MetricComparison {
    #[serde(deserialize_with = "metric_by_name")]
    pub metric: Metric,
    /// Each side's figure in the metric's unit ([`Metric::unit`]): ms, or
    /// MiB for `peak_rss` (the names predate the app's memory).
    pub base_ms: Option<f64>,
    pub head_ms: Option<f64>,
    pub ratio: Option<f64>,
    /// Holm-adjusted interval for the ratio (may be unbounded: `null`).
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub p_value: Option<f64>,
    /// Smallest relative change this comparison could detect, if finite.
    pub detectable: Option<f64>,
    pub verdict: VerdictName,
    /// Why the verdict is what it is, in a sentence, when that needs saying.
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum VerdictName {
    Regressed,
    Improved,
    Unchanged,
    Inconclusive,
    /// Gated, and measured by one side only (a Server-Timing phase the
    /// head stopped sending, resources one side did not read, an endpoint
    /// one side sent no request): no ratio, and it fails the gate, with a
    /// line in [`crate::compare::Comparison::failed`].
    Missing,
}

impl From<Verdict> for VerdictName {
    fn from(v: Verdict) -> Self {
        match v {
            Verdict::Regressed => VerdictName::Regressed,
            Verdict::Improved => VerdictName::Improved,
            Verdict::Unchanged => VerdictName::Unchanged,
            Verdict::Inconclusive => VerdictName::Inconclusive,
        }
    }
}

impl VerdictName {
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictName::Regressed => "regressed",
            VerdictName::Improved => "improved",
            VerdictName::Unchanged => "unchanged",
            VerdictName::Inconclusive => "inconclusive",
            VerdictName::Missing => "missing",
        }
    }
}

impl MetricComparison {
    /// A metric that could not be estimated: inconclusive, with each side's
    /// figure where known and the reason.
    pub fn without_estimate(
        metric: Metric,
        (base_ms, head_ms): (Option<f64>, Option<f64>),
        note: String,
    ) -> MetricComparison {
        MetricComparison {
            metric,
            base_ms,
            head_ms,
            ratio: None,
            lower: None,
            upper: None,
            p_value: None,
            detectable: None,
            verdict: VerdictName::Inconclusive,
            note: Some(note),
        }
    }
}
