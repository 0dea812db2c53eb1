//! Per shared endpoint × gated metric, the estimate of head / base with its
//! noise: pair by pair for the two sides of one A/B run, run by run
//! otherwise; tails dropped when too few requests lie above them;
//! between-run noise moderated across endpoints; A/B mode's run-to-run
//! floor and accepted slowdowns applied.

use super::GateSettings;
use crate::config::Metric;
use crate::record::{EndpointRecord, Pairing, RunRecord};
use crate::stats::{self, Bootstrap, Estimate, NoiseModel, Side, Statistic};

/// Whether two records are the two sides of one A/B run: both marked with
/// the same pairing, one block per pair.
pub(super) fn paired(base: &RunRecord, head: &RunRecord) -> Option<Pairing> {
    let pairing = base.pairing.filter(|p| Some(*p) == head.pairing)?;
    let same_blocks = head.endpoints.iter().all(|h| {
        base.endpoint(&h.name)
            .is_none_or(|b| b.blocks.len() == h.blocks.len())
    });
    same_blocks.then_some(pairing)
}

pub(super) fn shared_endpoints<'a>(
    base: &'a RunRecord,
    head: &'a RunRecord,
) -> Vec<(&'a EndpointRecord, &'a EndpointRecord)> {
    head.endpoints
        .iter()
        .filter_map(|h| base.endpoint(&h.name).map(|b| (b, h)))
        .collect()
}

/// Per shared endpoint, each gated metric's estimate: paired or unpaired,
/// tails with too few requests dropped, between-run noise moderated across
/// endpoints, and accepted slowdowns applied.
pub(super) fn estimates(
    shared: &[(&EndpointRecord, &EndpointRecord)],
    gate: &GateSettings,
    alpha: f64,
    pairing: Option<Pairing>,
) -> Vec<Vec<(Metric, Option<Estimate>)>> {
    let mut estimates: Vec<Vec<(Metric, Option<Estimate>)>> = shared
        .iter()
        .enumerate()
        .map(|(i, (b, h))| {
            let metrics: Vec<Metric> = gate
                .metrics(&h.name)
                .iter()
                .copied()
                .filter(Metric::is_latency)
                .collect();
            let stats: Vec<Statistic> = metrics.iter().map(|m| statistic(*m)).collect();
            let seed = 0x5eed_0000 + i as u64;
            let found = match pairing {
                Some(_) => {
                    let pairs: Vec<_> = b
                        .blocks
                        .iter()
                        .zip(&h.blocks)
                        .map(|(b, h)| (&b.latency_us, &h.latency_us))
                        .collect();
                    stats::estimate_paired_many(&pairs, &stats, alpha, Bootstrap::with_seed(seed))
                }
                None => stats::estimate_unpaired_many(
                    &side(b),
                    &side(h),
                    &stats,
                    alpha,
                    Bootstrap::with_seed(seed),
                ),
            };
            metrics
                .iter()
                .copied()
                .zip(found)
                .map(|(metric, estimate)| {
                    if too_few(metric, b, h).is_some() {
                        return (metric, None);
                    }
                    (metric, estimate)
                })
                .collect()
        })
        .collect();
    pool_between_run_noise(&mut estimates);
    for ((b, h), per_endpoint) in shared.iter().zip(&mut estimates) {
        for (metric, estimate) in per_endpoint {
            if let (Some(e), Some(_), Some(prior)) =
                (estimate.as_mut(), pairing, gate.run_noise.of(*metric))
            {
                *e = instance_noise(b, h, *metric, e, (prior.tau, prior.df)).apply(e);
            }
            if let (Some(e), Some(a)) = (estimate.as_mut(), gate.accepted(&h.name, *metric)) {
                *e = e.relative_to(a.ratio, a.log_se, a.df);
            }
        }
    }
    estimates
}

/// Degrees of freedom the prior run-to-run floor τ₀ is worth against the
/// rounds' own evidence: one round's. More weight narrows the intervals of
/// short runs when τ₀ is right, and lets a true τ above τ₀ through: in a
/// simulation (`compare::tests_rounds`), with τ = 2τ₀ a weight of 4 rejected
/// a true A/A at up to twice the nominal level in 4–8 rounds, a weight of 1
/// at most 1.15 times.
const PRIOR_ROUNDS_DF: f64 = 1.0;

/// One round of an A/B run: ln(head / base) of the round's metric, and
/// whether the head app was started first in it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct RoundLog {
    pub head_first: bool,
    pub log: f64,
}

/// The noise of an A/B estimate once its rounds are counted: the standard
/// error of ln R̂ with its degrees of freedom, and the shift that balances
/// the two start orders.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct InstanceNoise {
    pub se: f64,
    pub df: f64,
    pub shift: f64,
    /// The rounds' mean log ratio, balanced over the start orders (`None`
    /// with fewer than two rounds).
    pub centre: Option<f64>,
}

impl InstanceNoise {
    /// `estimate` with this noise and its ratio balanced over the start
    /// orders.
    pub fn apply(&self, estimate: &Estimate) -> Estimate {
        estimate.shifted(self.shift).with_noise(self.se, self.df)
    }

    /// `estimate` moved onto the rounds' mean log ratio, with this noise:
    /// for a statistic whose pooled value is not an average of its rounds'
    /// — a maximum, whose ratio is decided by the one extreme instance of
    /// each side and does not settle as 1/√R — the rounds' mean is the
    /// estimate this standard error belongs to.
    pub fn apply_to_rounds_mean(&self, estimate: &Estimate) -> Estimate {
        match self.centre {
            Some(centre) => estimate
                .shifted(centre - estimate.ratio.ln())
                .with_noise(self.se, self.df),
            None => self.apply(estimate),
        }
    }
}

/// The noise of an A/B estimate from its rounds (see [`instance_noise_of`]).
fn instance_noise(
    base: &EndpointRecord,
    head: &EndpointRecord,
    metric: Metric,
    within: &Estimate,
    prior: (f64, f64),
) -> InstanceNoise {
    instance_noise_of(
        &round_log_ratios(base, head, metric),
        (within.log_se, within.df),
        prior,
    )
}

/// The standard error of ln R̂ in an A/B run, from the per-round log ratios,
/// the block pairs' own `within` = (standard error, df), and the prior floor
/// τ₀ = `prior` (with its df).
///
/// Two instances of one build keep an offset δ for as long as they live,
/// which no block pair of theirs can see. With one round (one pair of
/// instances), the offset's sd is the prior floor τ₀ itself, added to the
/// block pairs' noise. With R rounds — each a fresh pair of instances —
/// the per-round log ratios lᵣ vary by σ² = τ² + w, the offset's variance
/// plus the round's own sampling noise w ≈ R·se²(within), so their spread
/// s² on d df measures everything at once, as in an analysis of per-run
/// means (Kalibera & Jones 2013). Few rounds give s² few df, so it is
/// moderated with the prior σ₀² = τ₀² + w: σ̃² = (d₀σ₀² + d·s²) / (d₀ + d),
/// d₀ = [`PRIOR_ROUNDS_DF`] (the empirical-Bayes form of Smyth 2004), never
/// below w; the pooled estimate averages the rounds: se = σ̃/√R on d₀ + d
/// df. (Estimating τ² alone as s² − w and adding it to the block pairs'
/// noise, as this did before, gives τ̂² far fewer df than s² whenever w is a
/// large part of it: in a simulation with 2% of within-round noise and
/// τ = 4%, that rule with the floor worth 4 df rejected a true A/A in
/// 4–8 rounds at 3.7–5.7 times the nominal 1%; this one at most 1.1 times.)
///
/// The rounds alternate which app starts first, and on some apps the one
/// started first stays slower (or faster) for the whole round — on a Flask
/// app under gunicorn by 3–5%, in every round. That is a period effect, as
/// in an AB/BA cross-over trial (Jones & Kenward 2014, ch. 2): once both
/// orders are present (R ≥ 3), the estimate is the mean of the two orders'
/// means — the shift moves the pooled ratio there — and s² pools the
/// spread within each order, on d = R − 2 df, so the order's effect is
/// neither noise nor bias. The mean of two groups of nₕ and n_b rounds
/// averages R' = 4 / (1/nₕ + 1/n_b) rounds (R when balanced).
pub(super) fn instance_noise_of(
    logs: &[RoundLog],
    (within_se, within_df): (f64, f64),
    (prior_tau, prior_df): (f64, f64),
) -> InstanceNoise {
    let weight = PRIOR_ROUNDS_DF;
    let r = logs.len();
    if r < 2 {
        let (se, df) = crate::stats::combined_noise((within_se, within_df), (prior_tau, prior_df));
        return InstanceNoise {
            se,
            df,
            shift: 0.0,
            centre: None,
        };
    }
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
    let squares = |xs: &[f64], m: f64| xs.iter().map(|x| (x - m).powi(2)).sum::<f64>();
    let all: Vec<f64> = logs.iter().map(|l| l.log).collect();
    let order = |head_first: bool| -> Vec<f64> {
        logs.iter()
            .filter(|l| l.head_first == head_first)
            .map(|l| l.log)
            .collect()
    };
    let (h, b) = (order(true), order(false));
    let (centre, sum_squares, d, averaged) = if r >= 3 && !h.is_empty() && !b.is_empty() {
        let (mh, mb) = (mean(&h), mean(&b));
        let averaged = 4.0 / (1.0 / h.len() as f64 + 1.0 / b.len() as f64);
        (
            (mh + mb) / 2.0,
            squares(&h, mh) + squares(&b, mb),
            r - 2,
            averaged,
        )
    } else {
        let m = mean(&all);
        (m, squares(&all, m), r - 1, r as f64)
    };
    let d = d as f64;
    let s2 = sum_squares / d;
    let w = r as f64 * within_se.powi(2);
    let prior = prior_tau.powi(2) + w;
    let moderated = ((weight * prior + d * s2) / (weight + d)).max(w);
    InstanceNoise {
        se: (moderated / averaged).sqrt(),
        df: weight + d,
        shift: centre - mean(&all),
        centre: Some(centre),
    }
}

/// Per round (run) present on both sides, ln(metric of the round's pooled
/// head / base); rounds where either side has no data are left out.
fn round_log_ratios(base: &EndpointRecord, head: &EndpointRecord, metric: Metric) -> Vec<RoundLog> {
    let pooled = |e: &EndpointRecord| {
        let mut runs: std::collections::BTreeMap<u32, hdrhistogram::Histogram<u64>> =
            std::collections::BTreeMap::new();
        for block in &e.blocks {
            let slot = runs
                .entry(block.run)
                .or_insert_with(crate::record::new_histogram);
            block.latency_us.add_to(slot);
        }
        runs
    };
    let (b, h) = (pooled(base), pooled(head));
    b.iter()
        .filter_map(|(run, bh)| {
            let hh = h.get(run)?;
            if bh.is_empty() || hh.is_empty() {
                return None;
            }
            round_log(*run, metric.of(hh) / metric.of(bh))
        })
        .collect()
}

/// Round `run`'s log ratio, for a finite positive `ratio`.
pub(super) fn round_log(run: u32, ratio: f64) -> Option<RoundLog> {
    (ratio.is_finite() && ratio > 0.0).then(|| RoundLog {
        head_first: crate::record::head_started_first(run),
        log: ratio.ln(),
    })
}

/// Why a quantile cannot be compared with this many requests, if so: each
/// side needs [`super::judgeable::TAIL_REQUESTS`] requests above it (1,000
/// for p99).
pub(super) fn too_few(
    metric: Metric,
    base: &EndpointRecord,
    head: &EndpointRecord,
) -> Option<String> {
    let q = metric.quantile()?;
    let needed = super::judgeable::needed(q);
    let fewest = base.outcomes().ok.min(head.outcomes().ok);
    (fewest < needed).then(|| {
        format!(
            "too few requests for {}: {fewest} on the smaller side, {needed} needed (a longer run or a higher weight for this endpoint)",
            metric.name()
        )
    })
}

/// Moderates each between-run estimate's noise with the other endpoints'
/// run-to-run noise of the same metric, through the prior (s₀², d₀) fitted
/// by [`stats::fit_prior`]: s̃² = (d₀ s₀² + d s²) / (d₀ + d) on d₀ + d
/// degrees of freedom, with d₀ capped at [`PRIOR_DF_CAP`]. It never goes
/// below the endpoint's own s² (so an endpoint noisier than the rest keeps
/// its own spread); when the endpoints' noise differs far more than sampling
/// explains, d₀ is small and little is borrowed.
fn pool_between_run_noise(estimates: &mut [Vec<(Metric, Option<Estimate>)>]) {
    let mut metrics: Vec<Metric> = estimates.iter().flatten().map(|(m, _)| *m).collect();
    metrics.sort();
    metrics.dedup();
    let between = |e: &Estimate| {
        matches!(e.noise, NoiseModel::BetweenRuns { .. })
            && e.log_se.is_finite()
            && e.log_se > 0.0
            && e.df >= 1.0
    };
    for metric in metrics {
        let samples: Vec<(f64, f64)> = estimates
            .iter()
            .flatten()
            .filter(|(m, _)| *m == metric)
            .filter_map(|(_, e)| {
                e.as_ref()
                    .filter(|e| between(e))
                    .map(|e| (e.log_se * e.log_se, e.df))
            })
            .collect();
        let Some((prior, d0)) = stats::fit_prior(&samples) else {
            continue;
        };
        let d0 = d0.min(PRIOR_DF_CAP);
        for (_, slot) in estimates.iter_mut().flatten().filter(|(m, _)| *m == metric) {
            if let Some(e) = slot.as_mut().filter(|e| between(e)) {
                let own = e.log_se * e.log_se;
                let moderated = ((d0 * prior + e.df * own) / (d0 + e.df)).max(own);
                *e = e.with_noise(moderated.sqrt(), d0 + e.df);
            }
        }
    }
}

/// Most degrees of freedom the other endpoints lend one endpoint's noise.
const PRIOR_DF_CAP: f64 = 30.0;

fn statistic(metric: Metric) -> Statistic {
    match metric.quantile() {
        Some(q) => Statistic::Quantile(q),
        None => Statistic::Mean,
    }
}

/// An endpoint's blocks grouped by run.
fn side(endpoint: &EndpointRecord) -> Side<'_> {
    let runs = endpoint
        .blocks
        .iter()
        .map(|b| b.run as usize + 1)
        .max()
        .unwrap_or(0);
    let mut grouped = vec![Vec::new(); runs];
    for block in &endpoint.blocks {
        grouped[block.run as usize].push(&block.latency_us);
    }
    Side { runs: grouped }
}
