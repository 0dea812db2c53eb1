//! Which endpoint's CPU time changed: each endpoint's CPU cost per request
//! fitted from how the mix of endpoints varies between blocks, cpu_b ≈
//! Σ_e c_e·n_eb (least squares without intercept, as [`super::cpu_mix`]
//! fits both sides together), and each endpoint's ratio head / base. In
//! stored mode each side is fitted alone; in A/B mode the base block of
//! each pair measures the machine's phase that both sides shared, and the
//! head's blocks are fitted against it (see [`ratios`]). The interval is
//! ln r̂ ± z·se on the log scale, se the standard deviation of a bootstrap
//! that resamples whole units — rounds (A/B mode: a round's blocks of both
//! sides together) when there are [`MIN_CLUSTERS`] of them, else blocks
//! (pairs in A/B mode) — and refits every time (Efron & Tibshirani 1993,
//! ch. 9: bootstrapping pairs of a regression; ch. 13: the standard
//! interval, stable at the far tails where a percentile of a few hundred
//! resamples is not).
//! Each endpoint's interval is at the suite's confidence divided among the
//! endpoints (Bonferroni), so a run names a wrong endpoint at most with
//! the suite's error rate.
//!
//! The figures are informational, not gated. A cost is identified only by
//! how the mix varies from block to block: with every block's mix within
//! one cycle of the weights (±1 request per endpoint and block) the costs
//! are nearly collinear, the fit fails in most resamples, and nothing is
//! attributed. So an A/B schedule tilts the mix by design, one endpoint's
//! share raised per block, balanced over each cycle of tilts and the same
//! on both sides (`load::schedule`). On simulated A/B runs of the detection
//! apps' mix (1:3:2:1, 10 rounds of 4 one-second block pairs at 50/s),
//! report +17% is named in 35 of 40 runs, its interval about ±10%, where
//! the mix held at the weights names it in none (tests). Gated, each
//! endpoint would add a test of that power to the suite's Holm family and
//! lower every other test's level.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use statrs::distribution::{ContinuousCDF, Normal};

use super::blocks::{both, SideBlocks};
use super::cpu_mix::{endpoint_counts, least_squares, shared_endpoints};
use crate::compare::judging::Judging;
use crate::compare::model::EndpointCpu;
use crate::config::Metric;
use crate::record::{ResourceBlock, RunRecord};

/// Most endpoints whose costs are attributed; above it, none are.
pub(crate) const MAX_ATTRIBUTED: usize = 16;
/// Fewest rounds resampled as units; with fewer, blocks are.
pub(crate) const MIN_CLUSTERS: usize = 8;
/// Bootstrap resamples: enough for a standard error, few enough to
/// repeat at every look of an A/B run.
const RESAMPLES: usize = 200;
/// The bootstrap's seed: a comparison is reproducible.
const SEED: u64 = 0x5eed_e4d9;
/// Largest share of the base's CPU the endpoints left out of the fit may
/// hold together (see [`attribute`]).
const MAX_LEFT_OUT: f64 = 0.05;
/// Least share of resamples whose fits must succeed for an interval.
const MIN_FITTED: f64 = 0.9;

/// One side's blocks as the fit reads them.
#[derive(Debug, Clone)]
pub(crate) struct SideCounts {
    /// Per block, the successful requests of each endpoint.
    pub counts: Vec<Vec<f64>>,
    /// Per block, the app's CPU time, µs.
    pub cpu_us: Vec<f64>,
    /// Per block, its round (run).
    pub runs: Vec<u32>,
}

/// One endpoint's CPU cost per request, head vs base.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EndpointCost {
    /// Fitted cost per request, ms, of each side.
    pub base_ms: f64,
    pub head_ms: f64,
    /// head / base, and its interval.
    pub ratio: f64,
    pub low: f64,
    pub high: f64,
}

impl EndpointCost {
    /// Whether the interval excludes no change.
    pub fn named(&self) -> bool {
        self.low > 1.0 || self.high < 1.0
    }
}

/// Each endpoint's CPU cost, head vs base, when the suite gates `cpu` and
/// both sides measured it; empty when the costs cannot be told apart.
pub(crate) fn by_endpoint(
    base: &RunRecord,
    head: &RunRecord,
    judging: &Judging<'_>,
) -> Vec<EndpointCpu> {
    if !judging.gate.suite.metrics.contains(&Metric::Cpu) {
        return Vec::new();
    }
    let Ok(SideBlocks { base: b, head: h }) = both(base, head) else {
        return Vec::new();
    };
    let names = shared_endpoints(base, head);
    let side = |record: &RunRecord, blocks: &[ResourceBlock]| {
        Some(SideCounts {
            counts: endpoint_counts(record, &names, blocks.len())?,
            cpu_us: blocks.iter().map(|b| b.cpu_us as f64).collect(),
            runs: blocks.iter().map(|b| b.run).collect(),
        })
    };
    let (Some(sb), Some(sh)) = (side(base, b), side(head, h)) else {
        return Vec::new();
    };
    let paired = judging.pairing.is_some();
    let Some(costs) = attribute(&sb, &sh, judging.alpha, paired, SEED) else {
        return Vec::new();
    };
    names
        .iter()
        .zip(costs)
        .filter_map(|(name, c)| Some((name, c?)))
        .map(|(name, c)| EndpointCpu {
            endpoint: (*name).to_string(),
            named: c.named(),
            base_ms: c.base_ms,
            head_ms: c.head_ms,
            ratio: c.ratio,
            lower: c.low,
            upper: c.high,
        })
        .collect()
}

/// Each endpoint's cost ratio (in the order of the counts' columns), or
/// `None` when the costs cannot be fitted on both sides or too few
/// resamples can. `paired`: the sides' blocks are the pairs of one A/B run
/// (block i of each side measured at once).
///
/// An endpoint whose base cost the fit over all blocks does not find
/// positive (a health check whose few µs are lost in a block's noise) is
/// left out, `None` in its place, and so is the cheapest one in turn (by
/// its share of the base's CPU) while the resamples' fits fail, as long as
/// those left out hold at most [`MAX_LEFT_OUT`] of the CPU; the others are
/// fitted without them:
/// its CPU then falls to the others' costs and the noise, alike on both
/// sides, so their ratios hold. Each interval is still at the confidence
/// shared among all the endpoints.
pub(crate) fn attribute(
    base: &SideCounts,
    head: &SideCounts,
    alpha: f64,
    paired: bool,
    seed: u64,
) -> Option<Vec<Option<EndpointCost>>> {
    let k = base.counts.first()?.len();
    if !(2..=MAX_ATTRIBUTED).contains(&k) {
        return None;
    }
    let all: Vec<usize> = (0..base.cpu_us.len()).collect();
    let costs = fit_any(base, &all)?;
    // Per endpoint, its share of the base's CPU as fitted.
    let share: Vec<f64> = (0..k)
        .map(|e| costs[e] * base.counts.iter().map(|row| row[e]).sum::<f64>())
        .collect();
    let mut kept: Vec<usize> = (0..k).filter(|&e| costs[e] > 0.0).collect();
    kept.sort_by(|&a, &b| share[b].total_cmp(&share[a]));
    let z = Normal::standard().inverse_cdf(1.0 - alpha / k as f64 / 2.0);
    while !kept.is_empty() {
        let only = |s: &SideCounts| SideCounts {
            counts: s
                .counts
                .iter()
                .map(|row| kept.iter().map(|&e| row[e]).collect())
                .collect(),
            cpu_us: s.cpu_us.clone(),
            runs: s.runs.clone(),
        };
        if let Some(fitted) = attribute_kept(&only(base), &only(head), z, paired, seed) {
            let mut out = vec![None; k];
            for (&e, c) in kept.iter().zip(fitted) {
                out[e] = Some(c);
            }
            return Some(out);
        }
        // The cheapest endpoint's cost is the likeliest to be lost in
        // the noise: fit without it, if it is cheap enough that leaving
        // it out cannot move the others' costs.
        let total: f64 = share.iter().filter(|s| **s > 0.0).sum();
        let left_out: f64 = (0..k)
            .filter(|e| !kept.contains(e))
            .map(|e| share[e].max(0.0))
            .sum();
        match kept.last() {
            Some(&e) if kept.len() > 1 && left_out + share[e] <= MAX_LEFT_OUT * total => {
                kept.pop();
            }
            _ => return None,
        }
    }
    None
}

/// [`attribute`] on the endpoints kept, `z` the normal quantile of each
/// interval.
fn attribute_kept(
    base: &SideCounts,
    head: &SideCounts,
    z: f64,
    paired: bool,
    seed: u64,
) -> Option<Vec<EndpointCost>> {
    let k = base.counts.first()?.len();
    let paired = paired && base.cpu_us.len() == head.cpu_us.len();
    let all_b: Vec<usize> = (0..base.cpu_us.len()).collect();
    let all_h: Vec<usize> = (0..head.cpu_us.len()).collect();
    let (cb, r) = ratios(base, head, &all_b, &all_h, paired)?;
    let draws = resample(base, head, paired, seed);
    if (draws.len() as f64) < MIN_FITTED * RESAMPLES as f64 {
        return None;
    }
    Some(
        (0..k)
            .map(|e| {
                let half = z * sd(draws.iter().map(|d| d[e]));
                let log = r[e].ln();
                EndpointCost {
                    base_ms: cb[e] / 1000.0,
                    head_ms: cb[e] * r[e] / 1000.0,
                    ratio: r[e],
                    low: (log - half).exp(),
                    high: (log + half).exp(),
                }
            })
            .collect(),
    )
}

/// The base's costs (µs per request) and each endpoint's ratio head / base
/// from the blocks at `rows_b` and `rows_h` (repeats allowed).
///
/// Unpaired, each side's costs are fitted alone. Paired (an A/B run, whose
/// block i of each side ran at once, under one phase of the machine; the
/// head's rows are then the base's), the
/// base block of each pair measures that phase: ρ_i = cpu_bi / Σ_e ĉ_e·n_ebi,
/// and the head's blocks are fitted as cpu_hi ≈ Σ_e r_e·(ρ_i·ĉ_e·n_ehi),
/// so the ratios r_e come without the phase that both sides shared.
fn ratios(
    base: &SideCounts,
    head: &SideCounts,
    rows_b: &[usize],
    rows_h: &[usize],
    paired: bool,
) -> Option<(Vec<f64>, Vec<f64>)> {
    let cb = fit(base, rows_b)?;
    if !paired {
        let ch = fit(head, rows_h)?;
        let r = ch.iter().zip(&cb).map(|(h, b)| h / b).collect();
        return Some((cb, r));
    }
    let z: Vec<Vec<f64>> = rows_b
        .iter()
        .map(|&i| {
            let predicted: f64 = base.counts[i].iter().zip(&cb).map(|(n, c)| n * c).sum();
            let phase = base.cpu_us[i] / predicted;
            head.counts[i]
                .iter()
                .zip(&cb)
                .map(|(n, c)| phase * c * n)
                .collect()
        })
        .collect();
    let data: Vec<(&Vec<f64>, f64)> = z
        .iter()
        .zip(rows_b)
        .map(|(z, &i)| (z, head.cpu_us[i]))
        .collect();
    let r = least_squares(&data, cb.len())?;
    r.iter()
        .all(|r| r.is_finite() && *r > 0.0)
        .then_some((cb, r))
}

/// The costs fitted on `side`'s blocks at `rows` (repeats allowed), µs per
/// request; `None` unless every cost is positive.
fn fit(side: &SideCounts, rows: &[usize]) -> Option<Vec<f64>> {
    let c = fit_any(side, rows)?;
    c.iter().all(|c| *c > 0.0).then_some(c)
}

/// The costs fitted on `side`'s blocks at `rows`, of any sign; `None` when
/// the fit is singular.
fn fit_any(side: &SideCounts, rows: &[usize]) -> Option<Vec<f64>> {
    let k = side.counts.first()?.len();
    let data: Vec<(&Vec<f64>, f64)> = rows
        .iter()
        .map(|&i| (&side.counts[i], side.cpu_us[i]))
        .collect();
    let c = least_squares(&data, k)?;
    c.iter().all(|c| c.is_finite()).then_some(c)
}

/// The units a side is resampled by: its rounds when both sides have at
/// least [`MIN_CLUSTERS`] in common, else its blocks one by one.
fn units(base: &SideCounts, head: &SideCounts) -> (Vec<Vec<usize>>, Vec<Vec<usize>>) {
    let by_run = |s: &SideCounts| {
        let mut runs: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
        for (i, r) in s.runs.iter().enumerate() {
            runs.entry(*r).or_default().push(i);
        }
        runs
    };
    let (rb, rh) = (by_run(base), by_run(head));
    let common: Vec<u32> = rb.keys().filter(|r| rh.contains_key(r)).copied().collect();
    if common.len() >= MIN_CLUSTERS {
        (
            common.iter().map(|r| rb[r].clone()).collect(),
            common.iter().map(|r| rh[r].clone()).collect(),
        )
    } else {
        let one = |n: usize| (0..n).map(|i| vec![i]).collect();
        (one(base.cpu_us.len()), one(head.cpu_us.len()))
    }
}

/// ln(ĉ_head / ĉ_base) per endpoint of each resample whose fits succeed.
fn resample(base: &SideCounts, head: &SideCounts, paired: bool, seed: u64) -> Vec<Vec<f64>> {
    let (ub, uh) = units(base, head);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(RESAMPLES);
    let most_failures = ((1.0 - MIN_FITTED) * RESAMPLES as f64) as usize;
    for at in 0..RESAMPLES {
        if at - out.len() > most_failures {
            break;
        }
        let (mut rows_b, mut rows_h) = (Vec::new(), Vec::new());
        for _ in 0..ub.len() {
            let j = rng.random_range(0..ub.len());
            rows_b.extend_from_slice(&ub[j]);
            if paired {
                rows_h.extend_from_slice(&uh[j]);
            }
        }
        if !paired {
            for _ in 0..uh.len() {
                rows_h.extend_from_slice(&uh[rng.random_range(0..uh.len())]);
            }
        }
        if let Some((_, r)) = ratios(base, head, &rows_b, &rows_h, paired) {
            out.push(r.iter().map(|r| r.ln()).collect());
        }
    }
    out
}

/// The sample standard deviation of `x` (NaN with fewer than two).
fn sd(x: impl Iterator<Item = f64> + Clone) -> f64 {
    let n = x.clone().count() as f64;
    let mean = x.clone().sum::<f64>() / n;
    (x.map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

#[cfg(test)]
mod tests;
