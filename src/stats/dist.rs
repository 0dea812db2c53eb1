//! The Student-t pivot every interval and p-value in the engine comes from.
//!
//! An estimate is summarised as (d, se, ν): d = ln R̂, se its standard error,
//! ν degrees of freedom. The interval at level a is exp(d ± t₁₋ₐ/₂,ν · se) and
//! the two-sided p-value is 2·P(T_ν > |d|/se) — the same pivot, so "the
//! interval at level a excludes 1" and "p < a" always agree, which is what
//! lets Holm's decision be read off an interval (see `holm_levels`).
//! Distributions come from `statrs`; ν beyond 10⁷ (or infinite) uses the
//! normal distribution.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// Above this many degrees of freedom the t and normal quantiles agree to
/// better than 1e-6 at the levels used here.
const NORMAL_DF: f64 = 1e7;

/// The `p`-quantile of Student's t with `df` degrees of freedom (normal when
/// `df` is huge or infinite). ±∞ at p = 0 or 1; NaN for p outside [0, 1].
pub(super) fn t_quantile(p: f64, df: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    if df >= NORMAL_DF {
        return standard_normal().inverse_cdf(p);
    }
    match StudentsT::new(0.0, 1.0, df) {
        Ok(t) => t.inverse_cdf(p),
        Err(_) => f64::NAN,
    }
}

/// Upper tail P(T_df > x) of Student's t (normal when `df` is huge).
pub(super) fn t_sf(x: f64, df: f64) -> f64 {
    if x.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if df >= NORMAL_DF {
        return standard_normal().sf(x);
    }
    match StudentsT::new(0.0, 1.0, df) {
        Ok(t) => t.sf(x),
        Err(_) => f64::NAN,
    }
}

/// The standard normal distribution.
pub(super) fn standard_normal() -> Normal {
    Normal::standard()
}

/// An estimate on the log scale: ln R̂, its standard error and the t
/// pivot's degrees of freedom.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Pivot {
    pub(super) log_ratio: f64,
    pub(super) se: f64,
    pub(super) df: f64,
}

impl Pivot {
    /// Two-sided p-value of H0: R = 1. With se = 0 (all blocks identical)
    /// it is 1 when d = 0 and 0 otherwise.
    pub(super) fn p_value(&self) -> f64 {
        if self.se == 0.0 {
            return if self.log_ratio == 0.0 { 1.0 } else { 0.0 };
        }
        (2.0 * t_sf(self.log_ratio.abs() / self.se, self.df)).min(1.0)
    }

    /// Bounds (lower, upper) on R of the two-sided interval with coverage
    /// 1 − `level`.
    pub(super) fn interval(&self, level: f64) -> (f64, f64) {
        let half = self.half_width(level);
        ((self.log_ratio - half).exp(), (self.log_ratio + half).exp())
    }

    /// t₁₋ₗₑᵥₑₗ/₂,ν · se on the log scale.
    pub(super) fn half_width(&self, level: f64) -> f64 {
        if self.se == 0.0 {
            return 0.0;
        }
        self.se * t_quantile(1.0 - level / 2.0, self.df)
    }

    /// Smallest relative change |R − 1| that a two-sided test at `level`
    /// detects with probability `power`: exp(se·(t₁₋ₗₑᵥₑₗ/₂ + t_power)) − 1,
    /// the usual normal-approximation sample-size relation (e.g. Chow, Shao
    /// & Wang 2008, *Sample Size Calculations in Clinical Research*, §3.2)
    /// with t quantiles in place of z. Infinite when the data cannot detect
    /// any change at that level.
    pub(super) fn detectable(&self, level: f64, power: f64) -> f64 {
        if self.se == 0.0 {
            return 0.0;
        }
        let z = t_quantile(1.0 - level / 2.0, self.df) + t_quantile(power, self.df);
        (self.se * z).exp_m1()
    }
}
