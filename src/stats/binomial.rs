//! Binomial statistics: the error-rate gate and Clopper–Pearson bounds.
//!
//! **Error rate.** The question is whether the head's error rate exceeds
//! the base's by more than an allowed absolute margin Δ
//! (`max_increase`): H0: p_head − p_base ≤ Δ against H1: > Δ. The test is
//! the Farrington–Manning score test (Farrington & Manning 1990, *Statistics
//! in Medicine* 9:1447–1454): z = (p̂ₕ − p̂ᵦ − Δ) / √(p̃ₕ(1−p̃ₕ)/nₕ +
//! p̃ᵦ(1−p̃ᵦ)/nᵦ), where p̃ are the maximum-likelihood rates *restricted* to
//! p̃ₕ − p̃ᵦ = Δ, in the closed form of Miettinen & Nurminen (1985, *Stat.
//! Med.* 4:213–226) without their n/(n−1) factor. It behaves well at rates
//! near 0, where the Wald test does not, and is what statsmodels'
//! `test_proportions_2indep(..., method='score', correction=False)` computes.
//! The one-sided lower confidence bound for the increase is found by
//! inverting the same test (bisection on Δ).
//!
//! **Clopper–Pearson** (1934, *Biometrika* 26:404–413): the exact interval
//! for a binomial proportion from Beta quantiles, used by the detection
//! quality harness to bound detection and false-alarm rates.

#[cfg(test)]
use statrs::distribution::Beta;
use statrs::distribution::ContinuousCDF;

use super::dist::standard_normal;

/// The outcome of [`error_rate_test`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErrorRateResult {
    /// base_errors / base_total.
    pub base_rate: f64,
    /// head_errors / head_total.
    pub head_rate: f64,
    /// head_rate − base_rate.
    pub increase: f64,
    /// The allowed absolute increase Δ the test was run against.
    pub max_increase: f64,
    /// One-sided p-value of H0: increase ≤ Δ (feed it to Holm with the
    /// latency tests).
    pub p_value: f64,
    /// One-sided 1 − alpha lower confidence bound on the increase.
    pub lower: f64,
    /// `p_value ≤ alpha` (unadjusted): the increase exceeds Δ with
    /// confidence 1 − alpha.
    pub exceeded: bool,
}

/// Is the head's error rate higher than the base's by more than
/// `max_increase` (absolute, e.g. 0.01 for one percentage point)?
///
/// `None` when a side has no requests, errors exceed the total,
/// `max_increase` is outside [0, 1) or `alpha` outside (0, 0.5).
pub fn error_rate_test(
    base_errors: u64,
    base_total: u64,
    head_errors: u64,
    head_total: u64,
    max_increase: f64,
    alpha: f64,
) -> Option<ErrorRateResult> {
    if base_total == 0
        || head_total == 0
        || base_errors > base_total
        || head_errors > head_total
        || !(0.0..1.0).contains(&max_increase)
        || !(alpha > 0.0 && alpha < 0.5)
    {
        return None;
    }
    let counts = Counts {
        x1: head_errors as f64,
        n1: head_total as f64,
        x0: base_errors as f64,
        n0: base_total as f64,
    };
    let p_value = counts.p_value(max_increase);
    Some(ErrorRateResult {
        base_rate: counts.x0 / counts.n0,
        head_rate: counts.x1 / counts.n1,
        increase: counts.diff(),
        max_increase,
        p_value,
        lower: counts.lower_bound(alpha),
        exceeded: p_value <= alpha,
    })
}

/// Errors and totals: group 1 is the head, group 0 the base.
#[derive(Debug, Clone, Copy)]
struct Counts {
    x1: f64,
    n1: f64,
    x0: f64,
    n0: f64,
}

impl Counts {
    fn diff(&self) -> f64 {
        self.x1 / self.n1 - self.x0 / self.n0
    }

    /// One-sided Farrington–Manning p-value of H0: p₁ − p₀ ≤ δ.
    fn p_value(&self, delta: f64) -> f64 {
        let (p1, p0) = self.restricted(delta);
        let var = p1 * (1.0 - p1) / self.n1 + p0 * (1.0 - p0) / self.n0;
        let excess = self.diff() - delta;
        if var.is_nan() || var <= 0.0 {
            return if excess > 0.0 { 0.0 } else { 1.0 };
        }
        standard_normal().sf(excess / var.sqrt())
    }

    /// Restricted MLE (p̃₁, p̃₀) under p₁ − p₀ = δ: the root of the
    /// likelihood cubic in Miettinen & Nurminen's (1985) trigonometric form
    /// (variable names as in statsmodels' `score_test_proportions_2indep`).
    fn restricted(&self, delta: f64) -> (f64, f64) {
        let Counts { x1, n1, x0, n0 } = *self;
        let (nobs, count) = (n1 + n0, x1 + x0);
        if delta == 0.0 {
            let pooled = count / nobs;
            return (pooled, pooled);
        }
        let tmp3 = nobs;
        let tmp2 = (n1 + 2.0 * n0) * delta - nobs - count;
        let tmp1 = (x0 * delta - nobs - 2.0 * x0) * delta + count;
        let tmp0 = x0 * delta * (1.0 - delta);
        let shift = tmp2 / (3.0 * tmp3);
        let q = shift.powi(3) - tmp1 * tmp2 / (6.0 * tmp3 * tmp3) + tmp0 / (2.0 * tmp3);
        let p = q.signum() * (shift * shift - tmp1 / (3.0 * tmp3)).max(0.0).sqrt();
        let cosine = q / p.powi(3);
        let p0 = if p == 0.0 || !cosine.is_finite() {
            // Triple root of the cubic.
            -shift
        } else {
            let a = (std::f64::consts::PI + cosine.clamp(-1.0, 1.0).acos()) / 3.0;
            2.0 * p * a.cos() - shift
        };
        // The root lies in [max(0, −δ), min(1, 1 − δ)]; clamp rounding.
        let p0 = p0.clamp((-delta).max(0.0), (1.0 - delta).min(1.0));
        (p0 + delta, p0)
    }

    /// One-sided 1 − alpha lower bound on p₁ − p₀: the smallest δ the test
    /// at level alpha does not reject (bisection; the p-value grows with δ).
    fn lower_bound(&self, alpha: f64) -> f64 {
        let (mut lo, mut hi) = (-1.0 + 1e-12, self.diff());
        if self.p_value(lo) > alpha {
            return -1.0;
        }
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if self.p_value(mid) <= alpha {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    }
}

#[cfg(test)]
/// Exact (Clopper–Pearson) two-sided interval for a binomial proportion
/// with `successes` out of `n` at `confidence` (e.g. 0.95):
/// (Beta(k, n−k+1).ppf(a/2), Beta(k+1, n−k).ppf(1−a/2)), a = 1 − confidence,
/// with 0 and 1 at the ends. `n = 0` gives (0, 1); `successes > n` or a
/// confidence outside (0, 1) gives NaNs.
pub fn clopper_pearson(successes: u64, n: u64, confidence: f64) -> (f64, f64) {
    if successes > n || !(confidence > 0.0 && confidence < 1.0) {
        return (f64::NAN, f64::NAN);
    }
    let a = 1.0 - confidence;
    let (k, n) = (successes as f64, n as f64);
    let lower = if successes == 0 {
        0.0
    } else {
        beta_quantile(k, n - k + 1.0, a / 2.0)
    };
    let upper = if k == n {
        1.0
    } else {
        beta_quantile(k + 1.0, n - k, 1.0 - a / 2.0)
    };
    (lower, upper)
}

#[cfg(test)]
fn beta_quantile(a: f64, b: f64, p: f64) -> f64 {
    Beta::new(a, b).map_or(f64::NAN, |beta| beta.inverse_cdf(p))
}
