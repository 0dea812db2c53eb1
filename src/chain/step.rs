//! One line of the chain file: a commit, its parent, the machine, and each
//! metric's paired ratio with its interval.

use serde::{Deserialize, Serialize};

/// One step of the chain: a commit measured against its parent.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ChainStep {
    pub suite: String,
    pub commit: String,
    pub parent: String,
    pub time_utc: String,
    pub machine: Machine,
    /// The confidence of the step's intervals.
    pub confidence: f64,
    pub metrics: Vec<StepMetric>,
}

/// The runner a step was measured on.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Machine {
    pub cpu_model: String,
    pub cores: usize,
}

/// One metric of a step: head / parent with its interval, and the verdict
/// the gate gave it (a step the gate could not decide still records its
/// estimate).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StepMetric {
    pub endpoint: String,
    pub metric: String,
    pub ratio: f64,
    pub lower: f64,
    pub upper: f64,
    pub verdict: String,
}
