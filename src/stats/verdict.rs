//! The four-way verdict of one endpoint × metric, from its adjusted interval.
//!
//! With threshold T (0.10 for "10% slower must fail") and the interval
//! [L, U] around R̂ at the test's Holm level:
//!
//! * **Regressed** — L > 1 and R̂ ≥ 1 + T/2: a significant slowdown of at
//!   least half the threshold. Nothing below T/2 ever fails.
//! * **Improved** — the mirror on the log scale: U < 1 and R̂ ≤ 1/(1 + T/2)
//!   (a speed-up that is the inverse of a T/2 slowdown).
//! * **Unchanged** — the interval excludes a change of T either way:
//!   1/(1 + T) < L and U < 1 + T.
//! * **Inconclusive** — otherwise: the interval reaches a change of T, so
//!   the data cannot tell T from no change (or from a small real change).
//!   `AdjustedInterval::detectable` says what this run could have resolved.
//!
//! In the spirit of criterion.rs's "change within noise threshold" and of
//! equivalence testing by interval inclusion (Schuirmann 1987, two one-sided
//! tests: "Unchanged" is the interval lying inside ±T).

/// An interval for R at a multiplicity-adjusted level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdjustedInterval {
    /// R̂ = head / base.
    pub ratio: f64,
    /// Lower bound on R.
    pub lower: f64,
    /// Upper bound on R.
    pub upper: f64,
    /// Two-sided level (1 − coverage) the bounds were computed at.
    pub level: f64,
    /// Smallest relative change |R − 1| detectable at `level` with 95%
    /// power; may be infinite.
    pub detectable: f64,
}

/// The gate's verdict on one endpoint × metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Significantly slower by at least half the threshold: fails the gate.
    Regressed,
    /// Significantly faster by at least half the threshold.
    Improved,
    /// Any change is confidently smaller than the threshold.
    Unchanged,
    /// Too noisy to tell a change of the threshold from none.
    Inconclusive,
}

/// The verdict for `iv` with relative `threshold` T > 0 (0.10 = 10%).
/// A NaN in the interval, or a threshold that is not a positive number,
/// gives `Inconclusive`.
pub fn verdict(iv: &AdjustedInterval, threshold: f64) -> Verdict {
    let defined = [iv.ratio, iv.lower, iv.upper].iter().all(|v| !v.is_nan());
    if !(defined && threshold > 0.0 && threshold.is_finite()) {
        return Verdict::Inconclusive;
    }
    let half = 1.0 + threshold / 2.0;
    let full = 1.0 + threshold;
    if iv.lower > 1.0 && iv.ratio >= half {
        Verdict::Regressed
    } else if iv.upper < 1.0 && iv.ratio <= 1.0 / half {
        Verdict::Improved
    } else if iv.lower > 1.0 / full && iv.upper < full {
        Verdict::Unchanged
    } else {
        Verdict::Inconclusive
    }
}
