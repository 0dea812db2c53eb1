//! The comparison's data: what [`super::compare`] returns and every report
//! prints. Plain data, serialised as the JSON report (see
//! `schemas/comparison.schema.json`), read back by `benchgate report`.

use serde::{Deserialize, Deserializer, Serialize};

use super::gate::{Accepted, RunNoise};
use crate::config::Metric;
use crate::record::{Pairing, Placement};
use crate::stats::Verdict;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Comparison {
    pub suite: String,
    pub outcome: Outcome,
    pub threshold: f64,
    pub confidence: f64,
    pub base: SideInfo,
    pub head: SideInfo,
    pub endpoints: Vec<EndpointComparison>,
    /// Endpoints measured in head only, and in base only.
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub warnings: Vec<String>,
    /// Set in A/B mode: base and head were measured side by side and
    /// compared block pair by block pair.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pairing: Option<Pairing>,
    /// Slowdowns accepted in this pull request, each tested against
    /// base × ratio.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted: Vec<Accepted>,
    /// In A/B mode, the run-to-run floor added to every interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_noise: Option<RunNoise>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
}

/// Where a side's numbers came from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SideInfo {
    pub git_commit: Option<String>,
    pub time_utc: String,
    pub runs: usize,
    pub cpu_model: String,
    pub cores: usize,
    /// The (latest) run's CPU placement; absent when it pinned nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EndpointComparison {
    pub name: String,
    pub threshold: f64,
    pub metrics: Vec<MetricComparison>,
    pub errors: ErrorComparison,
    /// Latency at [`CURVE_QUANTILES`], for a plot; absent in older files.
    #[serde(default)]
    pub curves: Curves,
}

/// Each side's pooled latency at fixed quantiles: empty for a side without
/// successful requests.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Curves {
    pub base: Vec<Point>,
    pub head: Vec<Point>,
}

/// The latency `ms` at quantile `q`; `q = 1` is the maximum.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Point {
    pub q: f64,
    pub ms: f64,
}

/// The quantiles of [`Curves`], up to the maximum.
pub const CURVE_QUANTILES: [f64; 8] = [0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 1.0];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MetricComparison {
    #[serde(deserialize_with = "metric_by_name")]
    pub metric: Metric,
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
}

/// Reads a metric back by the name it was written with.
pub(super) fn metric_by_name<'de, D: Deserializer<'de>>(d: D) -> Result<Metric, D::Error> {
    let name = String::deserialize(d)?;
    Metric::ALL
        .into_iter()
        .find(|m| m.name() == name)
        .ok_or_else(|| {
            serde::de::Error::unknown_variant(&name, &["p50", "p90", "p95", "p99", "mean"])
        })
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
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ErrorComparison {
    pub base_rate: f64,
    pub head_rate: f64,
    pub max_increase: f64,
    pub p_value: Option<f64>,
    pub regressed: bool,
}
