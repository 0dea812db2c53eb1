//! How a run measured until known stopped: the part of a [`Comparison`]
//! that says how long it measured and why it stopped (the rule that
//! decides it lives in `crate::stopping`, above this module).
//!
//! [`Comparison`]: super::Comparison

use serde::{Deserialize, Serialize};

/// Why a run stopped, for the report.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// Every gated metric was decided.
    Decided,
    /// A failure clear at an interim look's strict level (a large slowdown,
    /// a saturating head, errors).
    ClearFailure,
    /// The undecided metrics could not be decided within the budget.
    Blind,
    /// `load.max_duration` was spent.
    Budget,
    /// Nothing could be decided however long the run measured (the
    /// comparison's `undecidable` says why).
    Undecidable,
}

/// How a measured-until-known run went: what the report says about it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Stopping {
    pub reason: StopReason,
    pub rounds: u32,
    pub max_rounds: u32,
    /// Measured time per side, seconds.
    pub measured_s: f64,
    /// The budget, seconds per side.
    pub budget_s: f64,
    /// Gated metrics still undecided when the run stopped
    /// (`endpoint metric`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub open: Vec<String>,
    /// A stored check: only the head was measured, in whole runs (the
    /// rounds), against the baseline's runs.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub head_only: bool,
}

impl Stopping {
    /// One sentence: how long, and why it stopped.
    pub fn describe(&self) -> String {
        let (what, unit) = if self.head_only {
            (
                format!("measured the head for {:.0} s", self.measured_s),
                "run",
            )
        } else {
            (
                format!("measured {:.0} s per side", self.measured_s),
                "round",
            )
        };
        let took = match (self.rounds, self.max_rounds) {
            (1, _) if self.max_rounds <= 1 => format!("{what} in one {unit}"),
            (n, most) if n >= most => format!("{what} in {n} {unit}s"),
            (n, most) => format!("{what} in {n} of at most {most} {unit}s"),
        };
        match self.reason {
            StopReason::Decided => format!("{took}: stopped when every gated metric was decided"),
            StopReason::ClearFailure => {
                format!("{took}: stopped early on a failure clear at the strict early level")
            }
            StopReason::Blind => format!(
                "{took}: stopped when the rest could not be decided within the budget of {:.0} s; blind: {}",
                self.budget_s,
                self.open.join(", ")
            ),
            StopReason::Undecidable => {
                format!("{took}: stopped, since no metric could be decided however long it measured")
            }
            StopReason::Budget if self.open.is_empty() => {
                format!("{took}: the budget of {:.0} s was spent", self.budget_s)
            }
            StopReason::Budget => format!(
                "{took}: the budget of {:.0} s was spent with {} still undecided ({}); raise load.max_duration or load.rate to decide them",
                self.budget_s,
                plural(self.open.len()),
                self.open.join(", ")
            ),
        }
    }
}

fn plural(n: usize) -> String {
    if n == 1 {
        "1 metric".into()
    } else {
        format!("{n} metrics")
    }
}
