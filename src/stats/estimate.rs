//! The comparison of one statistic between base and head, as both modes
//! build it: the ratio R̂ = head / base, the standard error of ln R̂ on its
//! degrees of freedom, and what follows from that pivot (interval, p-value,
//! smallest detectable change). How the noise is measured is the mode's:
//! `unpaired.rs` for stored mode, `paired.rs` for A/B mode.
//!
//! The interval is exp(d ± t₁₋α/₂,ν·se), d = ln R̂, and the p-value the
//! matching two-sided t test (see `dist.rs`): a studentized pivot rather
//! than percentile/BCa bounds, because Holm needs p-values and levels near
//! α/m ≈ 10⁻⁴ that a few hundred resamples cannot resolve in the tails.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::dist::Pivot;
use super::verdict::AdjustedInterval;
use super::Statistic;

/// Power used for [`Estimate::detectable`].
pub const DETECTION_POWER: f64 = 0.95;

/// Which sources of noise the interval accounts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoiseModel {
    /// One run per side: block-to-block noise only. Run-to-run offsets
    /// (machine speed drifting in phases) are *not* covered; record more
    /// baseline runs, or use A/B mode.
    WithinRunOnly,
    /// Run-to-run variation estimated from the spread of per-run values,
    /// with `base_runs + head_runs − 2` degrees of freedom.
    BetweenRuns {
        /// Runs on the base side.
        base_runs: usize,
        /// Runs on the head side.
        head_runs: usize,
    },
    /// Paired blocks (A/B mode): drift common to a pair cancels.
    Paired {
        /// Number of usable pairs.
        pairs: usize,
    },
}

/// The comparison of one statistic between base and head.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// What was compared.
    pub stat: Statistic,
    /// The statistic of the pooled base side (µs).
    pub base: f64,
    /// The statistic of the pooled head side (µs).
    pub head: f64,
    /// R̂ = head / base.
    pub ratio: f64,
    /// Lower bound on R of the two-sided 1 − `alpha` interval (unadjusted).
    pub lower: f64,
    /// Upper bound on R of the two-sided 1 − `alpha` interval (unadjusted).
    pub upper: f64,
    /// The level the bounds and `detectable` were computed at.
    pub alpha: f64,
    /// Two-sided p-value of H0: R = 1 (unadjusted; feed it to Holm).
    pub p_value: f64,
    /// Smallest relative change |R − 1| a two-sided test at `alpha` would
    /// detect with 95% power given this data's noise; may be infinite.
    pub detectable: f64,
    /// Standard error of ln R̂.
    pub log_se: f64,
    /// Degrees of freedom of the t pivot.
    pub df: f64,
    /// Which noise the interval covers.
    pub noise: NoiseModel,
    /// Non-empty blocks on the base side.
    pub base_blocks: usize,
    /// Non-empty blocks on the head side.
    pub head_blocks: usize,
}

impl Estimate {
    /// Builds an estimate from its log-scale pivot.
    pub(super) fn from_pivot(parts: Parts, pivot: Pivot, alpha: f64) -> Estimate {
        let (lower, upper) = pivot.interval(alpha);
        Estimate {
            stat: parts.stat,
            base: parts.base,
            head: parts.head,
            ratio: pivot.log_ratio.exp(),
            lower,
            upper,
            alpha,
            p_value: pivot.p_value(),
            detectable: pivot.detectable(alpha, DETECTION_POWER),
            log_se: pivot.se,
            df: pivot.df,
            noise: parts.noise,
            base_blocks: parts.base_blocks,
            head_blocks: parts.head_blocks,
        }
    }

    /// The same estimate with another noise figure: standard error `se` of
    /// ln R̂ on `df` degrees of freedom (e.g. a between-run variance pooled
    /// over the suite's endpoints). Bounds, p-value and detectable change
    /// follow from the new pivot.
    pub fn with_noise(&self, se: f64, df: f64) -> Estimate {
        let parts = Parts {
            stat: self.stat,
            base: self.base,
            head: self.head,
            noise: self.noise,
            base_blocks: self.base_blocks,
            head_blocks: self.head_blocks,
        };
        let pivot = Pivot {
            log_ratio: self.ratio.ln(),
            se,
            df,
        };
        Estimate::from_pivot(parts, pivot, self.alpha)
    }

    /// The same estimate with its ratio moved by `log_shift` on the log
    /// scale (the head's figure with it), its noise unchanged: e.g. an A/B
    /// ratio balanced over the order in which the rounds started the apps.
    pub fn shifted(&self, log_shift: f64) -> Estimate {
        let factor = log_shift.exp();
        let parts = Parts {
            stat: self.stat,
            base: self.base,
            head: self.head * factor,
            noise: self.noise,
            base_blocks: self.base_blocks,
            head_blocks: self.head_blocks,
        };
        let pivot = Pivot {
            log_ratio: self.ratio.ln() + log_shift,
            se: self.log_se,
            df: self.df,
        };
        Estimate::from_pivot(parts, pivot, self.alpha)
    }

    /// The estimate against a shifted reference: head tested against
    /// base × `accepted`, where `accepted` is itself an estimate (a slowdown
    /// recorded beforehand) with standard error `accepted_se` of its log on
    /// `accepted_df` degrees of freedom. The two are independent, so their
    /// log-scale variances add; the degrees of freedom follow
    /// Welch–Satterthwaite.
    pub fn relative_to(&self, accepted: f64, accepted_se: f64, accepted_df: f64) -> Estimate {
        let (se, df) = combined_noise((self.log_se, self.df), (accepted_se, accepted_df));
        let parts = Parts {
            stat: self.stat,
            base: self.base * accepted,
            head: self.head,
            noise: self.noise,
            base_blocks: self.base_blocks,
            head_blocks: self.head_blocks,
        };
        let pivot = Pivot {
            log_ratio: self.ratio.ln() - accepted.ln(),
            se,
            df,
        };
        Estimate::from_pivot(parts, pivot, self.alpha)
    }

    fn pivot(&self) -> Pivot {
        Pivot {
            log_ratio: self.ratio.ln(),
            se: self.log_se,
            df: self.df,
        }
    }

    /// The interval at a multiplicity-adjusted `level` (two-sided coverage
    /// 1 − level), e.g. the level [`super::holm_levels`] gives this test.
    pub fn adjusted(&self, level: f64) -> AdjustedInterval {
        let pivot = self.pivot();
        let (lower, upper) = pivot.interval(level);
        AdjustedInterval {
            ratio: self.ratio,
            lower,
            upper,
            level,
            detectable: pivot.detectable(level, DETECTION_POWER),
        }
    }
}

/// Everything about an estimate except its pivot.
#[derive(Debug, Clone, Copy)]
pub(super) struct Parts {
    pub(super) stat: Statistic,
    pub(super) base: f64,
    pub(super) head: f64,
    pub(super) noise: NoiseModel,
    pub(super) base_blocks: usize,
    pub(super) head_blocks: usize,
}

/// Two independent standard errors `(se, df)` on one log scale, added:
/// variances sum, degrees of freedom by [`welch_satterthwaite`]. A zero
/// second term leaves the first as it is.
pub fn combined_noise((se1, df1): (f64, f64), (se2, df2): (f64, f64)) -> (f64, f64) {
    let (v1, v2) = (se1.powi(2), se2.max(0.0).powi(2));
    if !(v2 > 0.0 && df2 > 0.0) {
        return (se1, df1);
    }
    ((v1 + v2).sqrt(), welch_satterthwaite((v1, df1), (v2, df2)))
}

/// Welch–Satterthwaite degrees of freedom of a sum of two independent
/// variance estimates `(variance, df)` (Satterthwaite 1946, Welch 1947):
/// (v₁ + v₂)² / (v₁²/df₁ + v₂²/df₂), each df at least 1; `df₁ + df₂` when
/// both variances are zero.
pub(super) fn welch_satterthwaite((v1, df1): (f64, f64), (v2, df2): (f64, f64)) -> f64 {
    let denominator = v1 * v1 / df1.max(1.0) + v2 * v2 / df2.max(1.0);
    if denominator > 0.0 {
        (v1 + v2).powi(2) / denominator
    } else {
        (df1 + df2).max(1.0)
    }
}

/// n / (n − 1) for n resampled units (1 when n ≤ 1): the bootstrap variance
/// of a mean is the plug-in σ̂²/n, (n − 1)/n times the unbiased s²/n
/// (Davison & Hinkley 1997, *Bootstrap Methods and their Application*,
/// §2.2); with 15–30 blocks that bias would cost ~2–3% of coverage.
pub(super) fn small_sample_factor(n: f64) -> f64 {
    if n > 1.0 {
        n / (n - 1.0)
    } else {
        1.0
    }
}

/// Fills `w` with the multiplicities of a with-replacement resample of
/// `w.len()` items.
pub(super) fn draw_multiplicities(w: &mut [u64], rng: &mut ChaCha8Rng) {
    w.fill(0);
    let n = w.len();
    for _ in 0..n {
        w[rng.random_range(0..n)] += 1;
    }
}

/// Running mean and variance (Welford 1962).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Welford {
    n: u64,
    mean: f64,
    m2: f64,
}

impl Welford {
    pub(super) fn push(&mut self, x: f64) {
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// Sample variance (n − 1 denominator); `None` below two values.
    pub(super) fn variance(&self) -> Option<f64> {
        (self.n >= 2).then(|| self.m2 / (self.n - 1) as f64)
    }
}
