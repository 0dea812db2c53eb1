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

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::blocks::{self, Block, Prepared};
use super::dist::Pivot;
use super::estimate::{
    draw_multiplicities, small_sample_factor, welch_satterthwaite, Estimate, NoiseModel, Parts,
    Welford,
};
use super::{Bootstrap, Recorded, Side, Statistic, MIN_BLOCKS};

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
