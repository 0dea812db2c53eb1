//! Stored-mode estimate: the ratio head / base and an interval that includes
//! run-to-run variation whenever the data can measure it.
//!
//! Method (per endpoint × statistic, all on the log scale, d = ln R̂):
//!
//! * **Point estimate.** R̂ = stat(pooled head) / stat(pooled base), the
//!   statistic of all blocks of all runs of a side merged.
//! * **Within-run noise** `w`: the variance of ln stat(pooled side) under a
//!   block bootstrap that resamples blocks with replacement *within each run*
//!   (a stratified, non-overlapping block bootstrap: Carlstein 1986, Künsch
//!   1989; Efron & Tibshirani 1993 §6 for bootstrap standard errors). Blocks,
//!   not requests, are the resampled unit, so autocorrelation inside a block
//!   is kept.
//! * **Between-run noise.** Runs minutes apart differ by an offset no block
//!   interval sees. With k base runs and h head runs (k + h ≥ 3) the run is
//!   the experimental unit: s² is the pooled variance of the per-run
//!   ln stat (k + h − 2 degrees of freedom), and
//!   Var(d) = s² · (Σ wᵦ² + Σ wₕ²), with w the runs' shares of their side's
//!   requests (1/k and 1/h for equal runs). This is Student's pooled
//!   two-sample t on run-level values; with h = 1 it is the prediction
//!   interval of a new run from the base runs (e.g. Montgomery, *Design and
//!   Analysis of Experiments*, nested designs; Lazic 2010 on
//!   pseudo-replication). s² estimates between-run *plus* within-run
//!   variance of a run, so nothing is double counted; the variance is never
//!   taken below the bootstrap's w_base + w_head (a conservative floor for
//!   runs that agree by chance). ν = k + h − 2: honest, and very wide for
//!   2–3 runs — exactly the "record more runs" signal.
//! * **One run per side** ([`NoiseModel::WithinRunOnly`]): Var(d) = w_base +
//!   w_head with Welch–Satterthwaite degrees of freedom (Satterthwaite 1946,
//!   Welch 1947), each side's bootstrap counted with (blocks − 1) df as for a
//!   cluster-robust SE (Cameron, Gelbach & Miller 2008). The interval does
//!   **not** cover run-to-run offsets; the report must say so.
//!
//! The interval is exp(d ± t₁₋α/₂,ν·se) and the p-value the matching
//! two-sided t test (see `dist.rs`): a studentized pivot rather than
//! percentile/BCa bounds, because Holm needs p-values and levels near
//! α/m ≈ 10⁻⁴ that a few hundred resamples cannot resolve in the tails.

use rand::Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::blocks::{self, Block, Prepared};
use super::dist::Pivot;
use super::verdict::AdjustedInterval;
use super::{Bootstrap, Recorded, Side, Statistic, MIN_BLOCKS};

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

#[cfg(test)]
/// Compares one statistic of `base` and `head` (stored mode, unpaired
/// blocks) with [`super::DEFAULT_RESAMPLES`] bootstrap resamples.
///
/// `None` when a side has fewer than [`MIN_BLOCKS`] non-empty blocks, a
/// statistic is zero or undefined (quantile outside (0, 1]), or `alpha` is
/// not in (0, 1).
pub fn estimate_unpaired<H: Recorded>(
    base: &Side<H>,
    head: &Side<H>,
    stat: Statistic,
    alpha: f64,
    seed: u64,
) -> Option<Estimate> {
    estimate_unpaired_many(base, head, &[stat], alpha, Bootstrap::with_seed(seed))
        .pop()
        .flatten()
}

/// `estimate_unpaired` for several statistics at once: one bootstrap
/// serves them all (the usual call: p50, p95, p99 of one endpoint).
pub fn estimate_unpaired_many<H: Recorded>(
    base: &Side<H>,
    head: &Side<H>,
    stats: &[Statistic],
    alpha: f64,
    boot: Bootstrap,
) -> Vec<Option<Estimate>> {
    let none = || vec![None; stats.len()];
    let base = Prepared::new(&base.runs);
    let head = Prepared::new(&head.runs);
    if !(alpha > 0.0 && alpha < 1.0)
        || boot.resamples < 2
        || base.block_count() < MIN_BLOCKS
        || head.block_count() < MIN_BLOCKS
    {
        return none();
    }
    let mut rng = ChaCha8Rng::seed_from_u64(boot.seed);
    let w_base = bootstrap_log_variance(&base, stats, &mut rng, boot.resamples);
    let w_head = bootstrap_log_variance(&head, stats, &mut rng, boot.resamples);
    let pooled_base = blocks::pooled(&base, stats);
    let pooled_head = blocks::pooled(&head, stats);
    let runs_base = blocks::per_run(&base, stats);
    let runs_head = blocks::per_run(&head, stats);
    (0..stats.len())
        .map(|i| {
            if !blocks::valid(stats[i]) {
                return None;
            }
            let b = positive(pooled_base[i])?;
            let h = positive(pooled_head[i])?;
            let within = w_base[i]? + w_head[i]?;
            let between = between_runs(
                &run_logs(&runs_base, i)?,
                &run_logs(&runs_head, i)?,
                &run_shares(&base),
                &run_shares(&head),
            );
            let (variance, df, noise) = match between {
                Some((var, df)) => (
                    var.max(within),
                    df,
                    NoiseModel::BetweenRuns {
                        base_runs: base.runs().len(),
                        head_runs: head.runs().len(),
                    },
                ),
                None => (
                    within,
                    welch_satterthwaite(
                        (w_base[i]?, (base.block_count() - base.runs().len()) as f64),
                        (w_head[i]?, (head.block_count() - head.runs().len()) as f64),
                    ),
                    NoiseModel::WithinRunOnly,
                ),
            };
            let parts = Parts {
                stat: stats[i],
                base: b,
                head: h,
                noise,
                base_blocks: base.block_count(),
                head_blocks: head.block_count(),
            };
            let pivot = Pivot {
                log_ratio: (h / b).ln(),
                se: variance.sqrt(),
                df,
            };
            Some(Estimate::from_pivot(parts, pivot, alpha))
        })
        .collect()
}

fn positive(v: Option<f64>) -> Option<f64> {
    v.filter(|v| *v > 0.0 && v.is_finite())
}

/// ln of statistic `i` of every run; `None` if any run's value is not
/// positive.
fn run_logs(runs: &[Vec<Option<f64>>], i: usize) -> Option<Vec<f64>> {
    runs.iter()
        .map(|run| positive(run.get(i).copied().flatten()).map(f64::ln))
        .collect()
}

/// Each run's share of its side's requests.
fn run_shares(side: &Prepared) -> Vec<f64> {
    let totals: Vec<f64> = side
        .runs()
        .iter()
        .map(|run| run.iter().map(Block::total).sum::<u64>() as f64)
        .collect();
    let all: f64 = totals.iter().sum();
    totals.iter().map(|t| t / all).collect()
}

/// Var(d) and its degrees of freedom from run-level values (pooled
/// two-sample variance); `None` when there are fewer than 3 runs in all.
fn between_runs(base: &[f64], head: &[f64], wb: &[f64], wh: &[f64]) -> Option<(f64, f64)> {
    let df = (base.len() + head.len()).checked_sub(2)?;
    if df == 0 || base.is_empty() || head.is_empty() {
        return None;
    }
    let ss = |xs: &[f64]| {
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>()
    };
    let s2 = (ss(base) + ss(head)) / df as f64;
    let c: f64 = wb.iter().chain(wh).map(|w| w * w).sum();
    Some((s2 * c, df as f64))
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

/// Variance of ln stat(pooled side) when blocks are resampled with
/// replacement within each run; one entry per statistic (`None` if fewer
/// than two resamples gave a positive value).
fn bootstrap_log_variance(
    side: &Prepared,
    stats: &[Statistic],
    rng: &mut ChaCha8Rng,
    resamples: usize,
) -> Vec<Option<f64>> {
    let mut pool = side.pool();
    let mut weights: Vec<Vec<u64>> = side.runs().iter().map(|r| vec![0; r.len()]).collect();
    let mut acc = vec![Welford::default(); stats.len()];
    for _ in 0..resamples {
        pool.clear();
        for (run, w) in side.runs().iter().zip(weights.iter_mut()) {
            draw_multiplicities(w, rng);
            for (block, k) in run.iter().zip(w.iter()) {
                pool.add(block, *k);
            }
        }
        for (a, s) in acc.iter_mut().zip(stats) {
            if let Some(v) = positive(pool.stat(*s)) {
                a.push(v.ln());
            }
        }
    }
    let factor = small_sample_factor(side.block_count() as f64 / side.runs().len() as f64);
    acc.iter()
        .map(|a| a.variance().map(|v| v * factor))
        .collect()
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
