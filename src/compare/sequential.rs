//! Measuring until the verdict is known: when an A/B run may stop, and at
//! which level each look at the data may fail the build.
//!
//! An A/B run measures in rounds (`ab::measure`), a stored check in whole
//! runs of the head (`runner::runs`): both are "rounds" here. From the
//! suite's `load.duration` on, every round ends with a look; the run stops at the
//! first look where every gated metric is decided, and at the latest when
//! `load.max_duration` is spent. Stopping when the data look decided gives a
//! run more chances to be wrong than one look would, so the looks are not
//! alike:
//!
//! * **Interim looks** (every look before the budget's last round) may fail
//!   the build only at a strict level: together they share
//!   [`INTERIM_SHARE`] of the suite's α, split evenly over the looks the
//!   budget allows (Bonferroni over looks). A head that saturates or slows
//!   down by far more than the threshold fails early; a 10% slowdown usually
//!   waits for the last look.
//! * **Stopping as unchanged** needs every gated metric's interval at the
//!   suite's own confidence inside ±T (the `unchanged` verdict). Such a
//!   stop rejects nothing, so it cannot add a false failure; its only cost
//!   is power (a real slowdown of T whose interval excludes T), at most
//!   α/2 per metric and look, and in practice far less, since looks at
//!   growing data are strongly correlated.
//! * **Stopping with blind metrics**: a metric whose interval is too wide
//!   now, and would still be too wide at the budget's end (its smallest
//!   detectable change scaled by √(rounds now / rounds at the budget),
//!   above [`HOPELESS`] × T), is not worth waiting for. From half the
//!   budget or [`SETTLED_ROUNDS`] rounds on (before, the few rounds'
//!   degrees of freedom make the projection too pessimistic), a run whose
//!   undecided metrics are all such stops too, and reports them blind. This
//!   stop also rejects nothing: it needs no metric regressed or improved
//!   at the suite's confidence short of the strict level.
//! * **The last look** (the budget spent) decides at the rest of α,
//!   (1 − [`INTERIM_SHARE`]) · α.
//!
//! So the suite's false-fail rate is at most α whatever the data do: a false
//! failure needs a rejection at some interim look (≤ [`INTERIM_SHARE`] · α
//! in all, by the union bound) or at the last one (≤ the rest). This is a
//! group-sequential design with a non-binding futility (here: equivalence)
//! boundary, the rejection boundary fixed in advance by a flat α-spending
//! over the interim looks (Lan & DeMets 1983; Jennison & Turnbull 2000,
//! *Group Sequential Methods*, ch. 7 and 10). The union bound needs no
//! assumption about the joint law of the looks, which with a between-round
//! variance re-estimated at every look would be hard to justify. A run with
//! no room for interim looks (`max_duration` = `duration`) is a fixed-length
//! run at the full α.

use serde::{Deserialize, Serialize};

use super::{compare, Comparison, GateSettings, Outcome, VerdictName};
use crate::config::Inconclusive;
use crate::record::RunRecord;

/// The share of the suite's α that the interim looks may spend together.
pub const INTERIM_SHARE: f64 = 0.1;

/// Most looks a run measured until known may take (rounds of an A/B run,
/// runs of a stored check): each interim look spends a share of the
/// suite's error budget, so the looks are bounded. 60 lets the default
/// budget of 120 s be measured in A/B rounds of 2 s.
pub const MAX_LOOKS: u32 = 60;

/// How far beyond the threshold a metric's smallest detectable change,
/// projected to the budget's end, must be for the run not to wait for it:
/// the projection assumes the interval narrows as 1/√time, which noisy
/// tails and between-round offsets only roughly follow.
pub const HOPELESS: f64 = 1.5;

/// Rounds from which a metric's smallest detectable change is projected
/// to the budget's end as it is: with 19 degrees of freedom or more, the t
/// quantiles at the gate's levels are within a sixth of their limit, so
/// the interval narrows much as √time from there on.
pub const SETTLED_ROUNDS: u32 = 20;

/// Where a run stands after a round: rounds measured so far, the rounds of
/// `load.duration` (the first look) and of `load.max_duration` (the last).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Look {
    pub round: u32,
    pub min_rounds: u32,
    pub max_rounds: u32,
}

impl Look {
    /// Whether this look ends the run whatever the data: the budget's last
    /// round.
    pub fn is_last(&self) -> bool {
        self.round >= self.max_rounds
    }

    /// Whether the run looks at the data after this round at all.
    pub fn is_look(&self) -> bool {
        self.round >= self.min_rounds
    }

    /// How many interim looks the budget allows.
    fn interim_looks(&self) -> u32 {
        self.max_rounds.saturating_sub(self.min_rounds)
    }

    /// The suite's family level (1 − confidence) at this look for a suite
    /// level `alpha`.
    pub fn level(&self, alpha: f64) -> f64 {
        match self.interim_looks() {
            0 => alpha,
            n if !self.is_last() => alpha * INTERIM_SHARE / f64::from(n),
            _ => alpha * (1.0 - INTERIM_SHARE),
        }
    }
}

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

/// What a look decided.
#[derive(Debug)]
pub enum Judgement {
    /// Measure another round; these gated metrics are undecided.
    Continue { open: Vec<String> },
    /// Stop: the comparison to report and why.
    Stop(Box<Comparison>, StopReason),
}

/// One gated metric at an interim look: its verdict at the suite's
/// confidence and at the look's strict level, its smallest detectable
/// change at the suite's confidence and its threshold (fractions).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricLook {
    pub label: String,
    pub nominal: VerdictName,
    pub strict: VerdictName,
    pub detectable: Option<f64>,
    pub threshold: f64,
}

/// The rule of an interim look, on plain data: `Ok(reason)` to stop (the
/// suite's comparison at its own confidence is then the one to report),
/// `Err(open)` to measure on. `strict_fails`: the comparison at the look's
/// strict level fails the gate (a regression, errors, a saturated head).
pub fn decide(
    look: Look,
    metrics: &[MetricLook],
    strict_fails: bool,
) -> Result<StopReason, Vec<String>> {
    if strict_fails {
        return Ok(StopReason::ClearFailure);
    }
    let shrink = (f64::from(look.round) / f64::from(look.max_rounds.max(1))).sqrt();
    let mut open = Vec::new();
    let mut worth_waiting = false;
    for m in metrics {
        let decided = m.nominal == VerdictName::Unchanged
            || matches!(m.strict, VerdictName::Regressed | VerdictName::Improved);
        if decided {
            continue;
        }
        let reachable = m
            .detectable
            .is_some_and(|d| d * shrink <= HOPELESS * m.threshold);
        worth_waiting |= m.nominal != VerdictName::Inconclusive || reachable;
        open.push(m.label.clone());
    }
    // Early on, few rounds give few degrees of freedom, and the interval
    // narrows faster than √time: judge a metric blind from half the budget,
    // or once the rounds are enough for the projection to hold.
    let settled = 2 * look.round >= look.max_rounds || look.round >= SETTLED_ROUNDS;
    match (open.is_empty(), worth_waiting || !settled) {
        (true, _) => Ok(StopReason::Decided),
        (false, false) => Ok(StopReason::Blind),
        (false, true) => Err(open),
    }
}

/// The look at `base` and `head` after `look.round` rounds, with the
/// suite's `gate`. See the module documentation for the rule.
pub fn judge(base: &RunRecord, head: &RunRecord, gate: &GateSettings, look: Look) -> Judgement {
    let alpha = 1.0 - gate.suite.confidence;
    let at = |level: f64, inconclusive: Inconclusive| {
        let mut settings = gate.clone();
        settings.suite.confidence = 1.0 - level;
        settings.suite.inconclusive = inconclusive;
        compare(base, head, &settings)
    };
    if look.is_last() {
        let last = at(look.level(alpha), gate.suite.inconclusive);
        let reason = if last.undecidable.is_some() {
            StopReason::Undecidable
        } else if open_metrics(&last, StopReason::Budget).is_empty() {
            StopReason::Decided
        } else {
            StopReason::Budget
        };
        return Judgement::Stop(Box::new(last), reason);
    }
    // Only a failure may end an interim look at its strict level, so a
    // blind metric does not count as one here whatever the suite says.
    let strict = at(look.level(alpha), Inconclusive::Pass);
    if strict.outcome != Outcome::Pass {
        return Judgement::Stop(Box::new(strict), StopReason::ClearFailure);
    }
    let nominal = at(alpha, gate.suite.inconclusive);
    // Nothing can be decided however long the run measures (a stored
    // baseline that cannot be compared with this run): stop now.
    if nominal.undecidable.is_some() {
        return Judgement::Stop(Box::new(nominal), StopReason::Undecidable);
    }
    let metrics = metric_looks(&nominal, &strict);
    match decide(look, &metrics, false) {
        Ok(reason) => Judgement::Stop(Box::new(nominal), reason),
        Err(open) => Judgement::Continue { open },
    }
}

/// Each gated metric of `nominal` beside its verdict in `strict`.
fn metric_looks(nominal: &Comparison, strict: &Comparison) -> Vec<MetricLook> {
    let mut looks = Vec::new();
    for endpoint in &nominal.endpoints {
        let strict_endpoint = strict.endpoints.iter().find(|e| e.name == endpoint.name);
        for metric in &endpoint.metrics {
            let strict_verdict = strict_endpoint
                .and_then(|e| e.metrics.iter().find(|m| m.metric == metric.metric))
                .map_or(VerdictName::Inconclusive, |m| m.verdict);
            looks.push(MetricLook {
                label: label(&endpoint.name, metric),
                nominal: metric.verdict,
                strict: strict_verdict,
                detectable: metric.detectable,
                threshold: endpoint.threshold,
            });
        }
        // An error rate that rose at the suite's confidence but not at the
        // strict level is worth waiting for: stopping now would fail the
        // build at a level the look may not spend.
        let regressed = |errors: &super::ErrorComparison| {
            if errors.regressed {
                VerdictName::Regressed
            } else {
                VerdictName::Unchanged
            }
        };
        looks.push(MetricLook {
            label: format!("{} errors", endpoint.name),
            nominal: regressed(&endpoint.errors),
            strict: strict_endpoint.map_or(VerdictName::Unchanged, |e| regressed(&e.errors)),
            detectable: None,
            threshold: endpoint.threshold,
        });
    }
    looks
}

fn label(endpoint: &str, metric: &super::MetricComparison) -> String {
    format!("{endpoint} {}", metric.metric.name())
}

/// The gated metrics a run that stopped for want of data left undecided
/// (`endpoint metric`); none for a run that stopped for another reason.
pub fn open_metrics(comparison: &Comparison, reason: StopReason) -> Vec<String> {
    match reason {
        StopReason::Budget | StopReason::Blind => comparison
            .endpoints
            .iter()
            .flat_map(|e| {
                e.metrics
                    .iter()
                    .filter(|m| m.verdict == VerdictName::Inconclusive)
                    .map(|m| label(&e.name, m))
            })
            .collect(),
        StopReason::Decided | StopReason::ClearFailure | StopReason::Undecidable => Vec::new(),
    }
}

#[cfg(test)]
#[path = "tests_sequential.rs"]
mod tests;
