//! The comparison as a whole: each endpoint's row, each side's provenance,
//! what the gate decided and why.

use serde::{Deserialize, Serialize};

use super::cpu_endpoint::EndpointCpu;
use super::memory::Memory;
use super::metric::{MetricComparison, VerdictName};
use super::phase::PhaseComparison;
use super::sustained::Capacity;
use crate::compare::gate::{Accepted, RunNoise};
use crate::compare::Stopping;
use crate::config::names::APP_ROW;
use crate::config::Metric;
use crate::record::{Pairing, Placement};

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
    /// In A/B mode, what the pull request changed that the verdict depends
    /// on besides the measurements (its noise file, its suite's gate
    /// section), a sentence each: the base's version was used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub proposed: Vec<String>,
    /// In A/B mode, the run-to-run floor added to every interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_noise: Option<RunNoise>,
    /// What each side sustained, and whether the head kept up; absent in
    /// files written before it was judged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Capacity>,
    /// How many checks could see a change of their threshold.
    #[serde(default)]
    pub sight: Sight,
    /// Failures outside the metric table (a head that could not keep up, an
    /// endpoint the head never answered), a sentence each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<String>,
    /// Why the run cannot be judged at all (outcome `invalid`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invalid: Vec<String>,
    /// Each side's resident memory (peak, growth), when both measured it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Memory>,
    /// Each endpoint's CPU cost per request, head vs base, when `cpu` is
    /// gated and the endpoints' costs could be told apart: informational.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpu_by_endpoint: Vec<EndpointCpu>,
    /// A/B mode measured until the verdict was known: how long, and why it
    /// stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopping: Option<Stopping>,
    /// Why no metric could decide whatever was measured (a stored baseline
    /// from another machine, a machine shared with other work): every
    /// metric carries this note, and measuring longer would not help.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undecidable: Option<String>,
    /// Gated metrics left undecided whose point estimate is over their
    /// threshold, worst first: while any is, the outcome is never a pass.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub possible_regressions: Vec<PossibleRegression>,
}

/// The gate's outcome: exit 0, 1 and 3.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Pass,
    Fail,
    /// The run measured nothing that can be judged: both sides saturated,
    /// or an endpoint never answered on either side.
    Invalid,
    /// Nothing failed, but a gated metric left undecided has its point
    /// estimate over the threshold ([`Comparison::possible_regressions`]):
    /// not judged, so never shown as a pass. Exits as an inconclusive
    /// metric does under `gate.inconclusive` (0 by default; with `fail`
    /// the outcome is [`Outcome::Fail`] already).
    PossibleRegression,
    /// Nothing failed, but no gated metric of the suite could see a change
    /// of its threshold ([`Sight::saw_nothing`]): a run that could not look
    /// is not judged, so never shown as a pass. Exits as
    /// [`Outcome::PossibleRegression`] does. The rule is the suite's: an
    /// endpoint none of whose metrics could see, beside others that did, is
    /// counted in the sight line and its inconclusive lines instead (the
    /// app's `cpu/request` sees across endpoints, and a thin endpoint such
    /// as a health check would otherwise put ⚠ on every run).
    NotJudged,
}

impl Outcome {
    /// Whether the gate failed or gave no verdict (exit 1 or 3): a pass and
    /// a run not judged do neither.
    pub fn failed(self) -> bool {
        matches!(self, Outcome::Fail | Outcome::Invalid)
    }

    /// Whether the run was not judged (a possible regression, or a run that
    /// saw nothing): every format leads with the ⚠ headline, never a pass.
    pub fn not_judged(self) -> bool {
        matches!(self, Outcome::PossibleRegression | Outcome::NotJudged)
    }

    /// The name in JSON and in the Action's `verdict` output.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Invalid => "invalid",
            Outcome::PossibleRegression => "possible-regression",
            Outcome::NotJudged => "not-judged",
        }
    }
}

/// A gated metric left undecided (inconclusive) whose point estimate is
/// over its endpoint's threshold: the run could not rule the slowdown out.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PossibleRegression {
    pub endpoint: String,
    /// The metric's name in reports: `p50`, `server-timing:db`.
    pub metric: String,
    /// head / base (relative to an accepted slowdown, if any).
    pub ratio: f64,
    /// The ratio's Holm-adjusted interval (`null`: unbounded).
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub threshold: f64,
}

impl PossibleRegression {
    /// Every gated metric of `endpoints` that is inconclusive with its
    /// point estimate over its threshold, worst first.
    pub fn of(endpoints: &[EndpointComparison]) -> Vec<PossibleRegression> {
        let mut found: Vec<PossibleRegression> = endpoints
            .iter()
            .flat_map(|e| {
                e.labelled_metrics().filter_map(|(label, m)| {
                    let ratio = m.ratio.filter(|r| *r > 1.0 + e.threshold)?;
                    (m.verdict == VerdictName::Inconclusive).then(|| PossibleRegression {
                        endpoint: e.name.clone(),
                        metric: label,
                        ratio,
                        lower: m.lower,
                        upper: m.upper,
                        threshold: e.threshold,
                    })
                })
            })
            .collect();
        found.sort_by(|a, b| b.ratio.total_cmp(&a.ratio));
        found
    }
}

/// How many checks (endpoint × metric) could see a change of their
/// threshold, and the smallest detectable changes of those that could not.
/// A metric that could not (verdict inconclusive) is *blind*; one that a
/// side did not produce (verdict missing) is counted apart.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Sight {
    pub seeing: usize,
    pub blind: usize,
    /// Gated metrics measured by one side only.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub missing: usize,
    /// The range of the blind metrics' smallest detectable changes, where
    /// known.
    pub blind_detectable: Option<(f64, f64)>,
    /// Whether any p50 or mean could see its threshold.
    pub central_seeing: bool,
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
    /// `Server-Timing` phases compared: gated ones, and those that explain
    /// a regressed or improved metric; absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<PhaseComparison>,
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
pub struct ErrorComparison {
    pub base_rate: f64,
    pub head_rate: f64,
    pub max_increase: f64,
    pub p_value: Option<f64>,
    pub regressed: bool,
}

impl Comparison {
    /// The endpoints compared, without the app row.
    pub fn endpoint_count(&self) -> usize {
        self.endpoints.iter().filter(|e| !e.is_app()).count()
    }
}

impl EndpointComparison {
    /// Whether this is the row of the app-level metrics (`cpu/request`,
    /// `peak_rss`), which has no error rate.
    pub fn is_app(&self) -> bool {
        self.name == APP_ROW
    }

    /// [`Self::gated_metrics`] with each one's name in reports: `p50`,
    /// `server-timing:db` (a phase name is the app's text: escape it).
    pub fn labelled_metrics(&self) -> impl Iterator<Item = (String, &MetricComparison)> {
        self.metrics
            .iter()
            .map(|m| (m.metric.name().to_string(), m))
            .chain(
                self.phases
                    .iter()
                    .filter(|p| p.gated)
                    .map(|p| (p.metric_name(), &p.comparison)),
            )
    }

    /// Every comparison that decides the gate: the metrics, and the gated
    /// phases.
    pub fn gated_metrics(&self) -> impl Iterator<Item = &MetricComparison> {
        self.metrics.iter().chain(
            self.phases
                .iter()
                .filter(|p| p.gated)
                .map(|p| &p.comparison),
        )
    }
}

impl Sight {
    /// Whether no gated metric could see a change of its threshold while
    /// some were measured on both sides: the run was blind.
    pub fn saw_nothing(&self) -> bool {
        self.seeing == 0 && self.blind > 0
    }

    /// How many metrics could see a change of their threshold: every metric
    /// not inconclusive could; an inconclusive one is blind; a missing one
    /// is counted apart.
    pub fn of(endpoints: &[EndpointComparison]) -> Sight {
        let mut sight = Sight::default();
        for m in endpoints.iter().flat_map(|e| e.gated_metrics()) {
            if m.verdict == VerdictName::Missing {
                sight.missing += 1;
            } else if m.verdict == VerdictName::Inconclusive {
                sight.blind += 1;
                if let Some(d) = m.detectable {
                    let (lo, hi) = sight.blind_detectable.unwrap_or((d, d));
                    sight.blind_detectable = Some((lo.min(d), hi.max(d)));
                }
            } else {
                sight.seeing += 1;
                sight.central_seeing |= matches!(m.metric, Metric::P50 | Metric::Mean);
            }
        }
        sight
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
