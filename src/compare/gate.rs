//! The gate's settings for one comparison: the suite's thresholds and
//! metrics with their per-endpoint overrides, A/B mode's run-to-run floor,
//! and the slowdowns a pull request accepted.

use serde::{Deserialize, Serialize};

use super::model::metric_by_name;
use crate::config::{Config, GateConfig, Metric, PhaseMetric};

/// One endpoint's overrides of the suite's gate; `None` keeps the suite's.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointGate {
    pub name: String,
    pub threshold: Option<f64>,
    pub metrics: Option<Vec<Metric>>,
    /// The endpoint's own `server-timing:…` entries, with `metrics`.
    pub phases: Option<Vec<PhaseMetric>>,
}

/// The gate's settings for one comparison, resolved from the suite file.
#[derive(Debug, Clone, PartialEq)]
pub struct GateSettings {
    pub suite: GateConfig,
    /// Per-endpoint overrides of the suite's gate.
    pub endpoints: Vec<EndpointGate>,
    /// Slowdowns accepted beforehand (a pull request that updates the
    /// stored baseline): head is tested against base × ratio.
    pub accepted: Vec<Accepted>,
    /// A/B mode's run-to-run floor: the offset between two copies of the
    /// app that persists for a whole run, which no block pair can see.
    pub run_noise: RunNoise,
    /// What the pull request changed that the verdict depends on besides
    /// the measurements (its noise file, its suite's gate section), and that
    /// A/B mode did not use (the base's were), a sentence each.
    pub proposed: Vec<String>,
}

/// Per metric, the standard deviation τ of ln(head / base) between whole
/// A/A runs beyond what each run's own interval explains: two copies of one
/// build land on different cores and caches and keep that for the run. Added
/// to every A/B interval (log-scale variances add).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunNoise {
    /// Where the figures come from: a calibration file, or the defaults.
    pub source: String,
    pub metrics: Vec<MetricNoise>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MetricNoise {
    #[serde(deserialize_with = "metric_by_name")]
    pub metric: Metric,
    /// τ, on the log scale.
    pub tau: f64,
    /// Degrees of freedom of τ's estimate.
    pub df: f64,
}

impl RunNoise {
    /// The floor used without a calibration file, from A/A runs of the demo
    /// suite on a shared 2-core machine (see fixtures/bench/detection): 2%
    /// for central statistics, 5% for tails, each as if from 20 degrees of
    /// freedom. Peak RSS gets 2% too: four fresh instances of the demo,
    /// each after 300 requests, held 6.11–6.22 MiB (1.8% apart).
    pub fn defaults() -> RunNoise {
        let tau = |metric: Metric| match metric {
            Metric::P50 | Metric::Mean | Metric::Cpu | Metric::PeakRss => 0.02,
            Metric::P90 | Metric::P95 | Metric::P99 => 0.05,
        };
        RunNoise {
            source: "defaults (run `benchgate calibrate --runs 10` on this runner to measure it)"
                .into(),
            metrics: Metric::ALL
                .iter()
                .map(|&metric| MetricNoise {
                    metric,
                    tau: tau(metric),
                    df: 20.0,
                })
                .collect(),
        }
    }

    pub(super) fn of(&self, metric: Metric) -> Option<&MetricNoise> {
        self.metrics.iter().find(|m| m.metric == metric)
    }
}

/// A slowdown accepted for one endpoint × metric, as estimated from the
/// old and the new stored baseline.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Accepted {
    pub endpoint: String,
    #[serde(deserialize_with = "metric_by_name")]
    pub metric: Metric,
    /// head / base that counts as no change (above 1).
    pub ratio: f64,
    /// Standard error of ln `ratio`: the two baselines' own noise, added
    /// to the comparison's.
    pub log_se: f64,
    /// Degrees of freedom of `log_se`.
    pub df: f64,
}

impl Accepted {
    /// "create-order p95 +15%".
    pub fn describe(&self) -> String {
        format!(
            "{} {} {:+.0}%",
            self.endpoint,
            self.metric.name(),
            (self.ratio - 1.0) * 100.0
        )
    }
}

impl GateSettings {
    /// The gate of a suite file, with its per-endpoint overrides.
    pub fn from_config(config: &Config) -> GateSettings {
        GateSettings {
            suite: config.gate.clone(),
            endpoints: config
                .endpoints
                .iter()
                .map(|e| EndpointGate {
                    name: e.name.clone(),
                    threshold: e.gate.threshold,
                    metrics: e.gate.metrics.clone(),
                    phases: e.gate.phases.clone(),
                })
                .collect(),
            accepted: Vec::new(),
            run_noise: RunNoise::defaults(),
            proposed: Vec::new(),
        }
    }

    /// These settings for A/B mode: with the run-to-run floor and the
    /// slowdowns accepted beforehand.
    pub fn for_ab(self, run_noise: RunNoise, accepted: Vec<Accepted>) -> GateSettings {
        GateSettings {
            run_noise,
            accepted,
            ..self
        }
    }

    /// The defaults, for comparing files without a suite file.
    pub fn defaults() -> GateSettings {
        GateSettings {
            suite: GateConfig {
                metrics: vec![Metric::P50, Metric::P95, Metric::P99],
                phases: Vec::new(),
                threshold: 0.10,
                confidence: 0.99,
                max_error_rate_increase: 0.01,
                inconclusive: Default::default(),
            },
            endpoints: Vec::new(),
            accepted: Vec::new(),
            run_noise: RunNoise::defaults(),
            proposed: Vec::new(),
        }
    }

    pub(super) fn accepted(&self, endpoint: &str, metric: Metric) -> Option<&Accepted> {
        self.accepted
            .iter()
            .find(|a| a.endpoint == endpoint && a.metric == metric)
    }

    pub(super) fn threshold(&self, endpoint: &str) -> f64 {
        self.endpoints
            .iter()
            .find(|e| e.name == endpoint)
            .and_then(|e| e.threshold)
            .unwrap_or(self.suite.threshold)
    }

    pub(super) fn metrics(&self, endpoint: &str) -> &[Metric] {
        self.endpoints
            .iter()
            .find(|e| e.name == endpoint)
            .and_then(|e| e.metrics.as_deref())
            .unwrap_or(&self.suite.metrics)
    }

    /// The phase metrics gated for `endpoint` (the suite's, or its own).
    pub(super) fn phase_metrics(&self, endpoint: &str) -> &[PhaseMetric] {
        self.endpoints
            .iter()
            .find(|e| e.name == endpoint)
            .and_then(|e| e.phases.as_deref())
            .unwrap_or(&self.suite.phases)
    }
}
