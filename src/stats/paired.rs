//! A/B-mode estimate: base block i and head block i were measured at the
//! same time, so drift common to both cancels within the pair.
//!
//! Same engine as stored mode: R̂ = stat(pooled head) / stat(pooled base),
//! and the standard error of ln R̂ comes from a bootstrap that resamples
//! *pairs* — the same multiplicities applied to both sides, so the pairing
//! (and with it the cancelled drift) survives every resample (the paired /
//! "moving blocks" scheme of Künsch 1989 with pairs as the blocks; Efron &
//! Tibshirani 1993 §6 for the bootstrap SE). The pivot is t with n − 1
//! degrees of freedom for n pairs, as for a paired t-test (Student 1908).

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::blocks::{self, Prepared};
use super::dist::Pivot;
use super::estimate::{
    draw_multiplicities, small_sample_factor, Estimate, NoiseModel, Parts, Welford,
};
use super::{Bootstrap, Recorded, Statistic, MIN_BLOCKS};

#[cfg(test)]
/// Compares one statistic over paired blocks `(base, head)` with
/// [`super::DEFAULT_RESAMPLES`] resamples. Pairs with an empty side are
/// dropped; `None` below [`MIN_BLOCKS`] usable pairs, for a zero or
/// undefined statistic, or `alpha` outside (0, 1).
pub fn estimate_paired<H: Recorded>(
    pairs: &[(&H, &H)],
    stat: Statistic,
    alpha: f64,
    seed: u64,
) -> Option<Estimate> {
    estimate_paired_many(pairs, &[stat], alpha, Bootstrap::with_seed(seed))
        .pop()
        .flatten()
}

/// `estimate_paired` for several statistics sharing one bootstrap.
pub fn estimate_paired_many<H: Recorded>(
    pairs: &[(&H, &H)],
    stats: &[Statistic],
    alpha: f64,
    boot: Bootstrap,
) -> Vec<Option<Estimate>> {
    let (base, head): (Vec<_>, Vec<_>) = pairs
        .iter()
        .filter(|(b, h)| !b.is_empty() && !h.is_empty())
        .copied()
        .unzip();
    let n = base.len();
    if !(alpha > 0.0 && alpha < 1.0) || boot.resamples < 2 || n < MIN_BLOCKS {
        return vec![None; stats.len()];
    }
    let base = Prepared::new(&[base]);
    let head = Prepared::new(&[head]);
    let variances = bootstrap_pairs(&base, &head, stats, boot);
    let pooled_base = blocks::pooled(&base, stats);
    let pooled_head = blocks::pooled(&head, stats);
    (0..stats.len())
        .map(|i| {
            let b = pooled_base[i].filter(|v| *v > 0.0)?;
            let h = pooled_head[i].filter(|v| *v > 0.0)?;
            let parts = Parts {
                stat: stats[i],
                base: b,
                head: h,
                noise: NoiseModel::Paired { pairs: n },
                base_blocks: n,
                head_blocks: n,
            };
            let pivot = Pivot {
                log_ratio: (h / b).ln(),
                se: variances[i]?.sqrt(),
                df: (n - 1) as f64,
            };
            Some(Estimate::from_pivot(parts, pivot, alpha))
        })
        .collect()
}

/// Variance of ln(stat(head*) / stat(base*)) over pair resamples.
fn bootstrap_pairs(
    base: &Prepared,
    head: &Prepared,
    stats: &[Statistic],
    boot: Bootstrap,
) -> Vec<Option<f64>> {
    let (Some(base_run), Some(head_run)) = (base.runs().first(), head.runs().first()) else {
        return vec![None; stats.len()];
    };
    let mut rng = ChaCha8Rng::seed_from_u64(boot.seed);
    let mut pool_b = base.pool();
    let mut pool_h = head.pool();
    let mut weights = vec![0; base_run.len()];
    let mut acc = vec![Welford::default(); stats.len()];
    for _ in 0..boot.resamples {
        draw_multiplicities(&mut weights, &mut rng);
        pool_b.clear();
        pool_h.clear();
        for ((b, h), k) in base_run.iter().zip(head_run).zip(&weights) {
            pool_b.add(b, *k);
            pool_h.add(h, *k);
        }
        for (a, s) in acc.iter_mut().zip(stats) {
            if let (Some(b), Some(h)) = (pool_b.stat(*s), pool_h.stat(*s)) {
                if b > 0.0 && h > 0.0 {
                    a.push((h / b).ln());
                }
            }
        }
    }
    let factor = small_sample_factor(base_run.len() as f64);
    acc.iter()
        .map(|a| a.variance().map(|v| v * factor))
        .collect()
}
