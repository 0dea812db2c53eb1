//! The chained index of a branch's history: the change since any commit as
//! the product of the paired step ratios between, each measured side by
//! side on one machine (commit against its first parent).
//!
//! Absolute figures recorded on different runners move with the runner. A
//! step ratio does not: both commits of a step met the same machine at the
//! same moments, so a chain of them is a history whose steps owe nothing to
//! which runner measured which step (a chain index, as in price indices).
//!
//! On the log scale the chain is a sum. The steps are separate runs, so
//! their errors are independent and their variances add:
//! ln I = Σ ln Rᵢ, se(ln I)² = Σ seᵢ². Each step's se is read back from its
//! stored interval with the normal quantile; the interval came from a t
//! pivot with finite degrees of freedom, whose quantile is larger, so the
//! se read back is at least the true one and the chained interval errs
//! wide.
//!
//! A step is *flagged* where the series shifts. Every step is measured
//! directly, so no change-point search over a noisy absolute series is
//! needed to locate a shift (what E-divisive means or a CUSUM do for
//! absolute series): the shift is a step that stands out. Two ways to
//! stand out ([`flags`]):
//!
//! - **Its own interval** at the suite's confidence excludes 1. At 99% a
//!   neutral chain of 30 steps flags 0.3 steps on average.
//! - **Against the chain.** A step's interval is honest but loose: it
//!   carries the gate's run-to-run floor, and a step that answered the
//!   gate early stops wide. The chain shows how loose: its neutral steps,
//!   in units of their own standard errors (uᵢ = ln Rᵢ / seᵢ), spread far
//!   less than 1 (measured: 0.2–0.4 for `cpu/request`). With at least
//!   [`CHAIN_MIN_STEPS`] steps, a step is flagged whose uᵢ lies more than
//!   [`CHAIN_OUTLIER_Z`] robust standard deviations from the chain's median
//!   step (the Hampel identifier: median and 1.4826 × the median absolute
//!   deviation, which up to half the steps being real shifts cannot move;
//!   Hampel, JASA 69 (1974) 383–393; Davies and Gather, JASA 88 (1993)
//!   782–792 for the outlier rule), in the direction of its own change, and
//!   whose own interval at [`CHAIN_SUPPORT`] excludes 1: a step the chain
//!   finds unusual must also be a change by its own measurement, which
//!   keeps a chain of tied or quantized steps (a MAD of nearly 0) from
//!   flagging noise.
//!
//! A step smaller than both is not flagged, and shows only in the chained
//! index over a stretch of steps.

use super::dist::{standard_normal, Pivot};
use super::robust::robust_sd;
use statrs::distribution::ContinuousCDF as _;

/// One step of the chain: ln of its ratio head / parent, with the standard
/// error of that log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    pub log_ratio: f64,
    pub se: f64,
}

impl Step {
    /// The step whose interval at `confidence` is [`lower`, `upper`]
    /// around `ratio`; `None` when the figures are not positive and finite
    /// or the interval is empty.
    pub fn of_interval(ratio: f64, lower: f64, upper: f64, confidence: f64) -> Option<Step> {
        let usable = |x: f64| x.is_finite() && x > 0.0;
        if !(usable(ratio) && usable(lower) && usable(upper)) || upper < lower {
            return None;
        }
        let z = normal_quantile(confidence)?;
        Some(Step {
            log_ratio: ratio.ln(),
            se: (upper.ln() - lower.ln()) / (2.0 * z),
        })
    }

    /// Whether the step's interval at `confidence` excludes 1.
    pub fn shifts(&self, confidence: f64) -> bool {
        Index::of(std::slice::from_ref(self)).excludes_one(confidence)
    }
}

/// The chained change over a run of steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Index {
    pub log_ratio: f64,
    pub se: f64,
    pub steps: usize,
}

impl Index {
    /// The product of `steps`' ratios, with their variances added.
    pub fn of(steps: &[Step]) -> Index {
        Index {
            log_ratio: steps.iter().map(|s| s.log_ratio).sum(),
            se: steps.iter().map(|s| s.se.powi(2)).sum::<f64>().sqrt(),
            steps: steps.len(),
        }
    }

    /// The ratio.
    pub fn ratio(&self) -> f64 {
        self.log_ratio.exp()
    }

    /// The interval of the ratio at `confidence`; (1, 1) for no steps.
    pub fn interval(&self, confidence: f64) -> (f64, f64) {
        let z = normal_quantile(confidence).unwrap_or(f64::INFINITY);
        let half = if self.se == 0.0 { 0.0 } else { z * self.se };
        ((self.log_ratio - half).exp(), (self.log_ratio + half).exp())
    }

    /// Whether the interval at `confidence` excludes 1.
    pub fn excludes_one(&self, confidence: f64) -> bool {
        let (lower, upper) = self.interval(confidence);
        lower > 1.0 || upper < 1.0
    }

    /// Two-sided p-value of "no change".
    pub fn p_value(&self) -> f64 {
        Pivot {
            log_ratio: self.log_ratio,
            se: self.se,
            df: f64::INFINITY,
        }
        .p_value()
    }
}

/// The fewest steps from which the chain's own spread is read.
pub const CHAIN_MIN_STEPS: usize = 8;
/// How many robust standard deviations from the median step a step must lie
/// to stand out against the chain. Simulated neutral chains of 30 steps
/// flag 0.0 a chain with normal noise and under 0.3 with t₃ noise
/// (`tests`).
pub const CHAIN_OUTLIER_Z: f64 = 4.0;
/// The confidence at which a step standing out against the chain must also
/// differ from 1 by its own interval.
pub const CHAIN_SUPPORT: f64 = 0.90;

/// Which of `steps` (in chain order) are flagged: see the module notes.
pub fn flags(steps: &[Step], confidence: f64) -> Vec<bool> {
    let against = against_the_chain(steps);
    steps
        .iter()
        .zip(against)
        .map(|(step, against)| step.shifts(confidence) || against)
        .collect()
}

/// Whether each step stands out against the chain's own spread.
fn against_the_chain(steps: &[Step]) -> Vec<bool> {
    let none = vec![false; steps.len()];
    if steps.len() < CHAIN_MIN_STEPS || steps.iter().any(|s| s.se.is_nan() || s.se <= 0.0) {
        return none;
    }
    let u: Vec<f64> = steps.iter().map(|s| s.log_ratio / s.se).collect();
    let Some((centre, scale)) = robust_sd(&u).filter(|&(_, scale)| scale > 0.0) else {
        return none;
    };
    let support = normal_quantile(CHAIN_SUPPORT).unwrap_or(f64::INFINITY);
    u.iter()
        .map(|&x| {
            let z = (x - centre) / scale;
            z.abs() >= CHAIN_OUTLIER_Z && x.abs() >= support && z.signum() == x.signum()
        })
        .collect()
}

/// The two-sided normal quantile for `confidence`, e.g. 2.576 at 0.99.
fn normal_quantile(confidence: f64) -> Option<f64> {
    (confidence > 0.0 && confidence < 1.0)
        .then(|| standard_normal().inverse_cdf(0.5 + confidence / 2.0))
}

#[cfg(test)]
mod tests;
