//! Per shared endpoint × gated metric, the estimate of head / base with its
//! noise: pair by pair for the two sides of one A/B run, run by run
//! otherwise; tails dropped when too few requests lie above them;
//! between-run noise moderated across endpoints; A/B mode's run-to-run
//! floor and accepted slowdowns applied.

use super::judgeable::too_few;
use super::shared::{paired, shared_endpoints, EndpointPair};
use crate::compare::gate::GateSettings;
use crate::compare::rounds::{instance_noise_of, round_log, InstanceNoise, RoundLog};
use crate::config::Metric;
use crate::record::{EndpointRecord, Pairing, RunRecord};
use crate::stats::{self, Bootstrap, Estimate, NoiseModel, Side, Statistic};

/// One gated metric and its estimate of head / base (`None` with too
/// little data).
#[derive(Debug, Clone)]
pub(crate) struct MetricEstimate {
    pub metric: Metric,
    pub estimate: Option<Estimate>,
}

impl MetricEstimate {
    /// Its p-value for a Holm family: 1 without an estimate.
    pub(crate) fn p_value(&self) -> f64 {
        self.estimate.as_ref().map_or(1.0, |e| e.p_value)
    }
}

/// Anything estimated as an endpoint: a shared endpoint, or one phase of
/// it seen as an endpoint of its own.
pub(crate) trait Paired {
    fn pair(&self) -> EndpointPair<'_>;
}

impl Paired for EndpointPair<'_> {
    fn pair(&self) -> EndpointPair<'_> {
        *self
    }
}

/// One estimated endpoint (`of`) and its gated metrics' estimates.
#[derive(Debug)]
pub(crate) struct Estimated<T> {
    pub of: T,
    pub metrics: Vec<MetricEstimate>,
}

/// Head / base of every gated endpoint × metric of two records of one
/// suite, as [`crate::compare::compare`] estimates them (unmoderated by any
/// accepted slowdown); `None` where there is too little data.
pub fn ratio_estimates(
    base: &RunRecord,
    head: &RunRecord,
    gate: &GateSettings,
) -> Vec<(String, Metric, Option<Estimate>)> {
    let mut plain = gate.clone();
    plain.accepted.clear();
    plain.run_noise.metrics.clear();
    let found = estimates(
        shared_endpoints(base, head),
        &plain,
        1.0 - gate.suite.confidence,
        paired(base, head),
    );
    found
        .into_iter()
        .flat_map(|e| {
            let name = e.of.head.name.clone();
            e.metrics
                .into_iter()
                .map(move |m| (name.clone(), m.metric, m.estimate))
        })
        .collect()
}

/// Per endpoint of `items`, each gated metric's estimate: paired or
/// unpaired, tails with too few requests dropped, between-run noise
/// moderated across the endpoints, and accepted slowdowns applied.
pub(crate) fn estimates<T: Paired>(
    items: Vec<T>,
    gate: &GateSettings,
    alpha: f64,
    pairing: Option<Pairing>,
) -> Vec<Estimated<T>> {
    let mut found: Vec<Estimated<T>> = items
        .into_iter()
        .enumerate()
        .map(|(i, of)| {
            let seed = 0x5eed_0000 + i as u64;
            let metrics = endpoint_estimates(of.pair(), gate, alpha, pairing, seed);
            Estimated { of, metrics }
        })
        .collect();
    pool_between_run_noise(&mut found);
    for Estimated { of, metrics } in &mut found {
        let pair = of.pair();
        for MetricEstimate { metric, estimate } in metrics {
            if let (Some(e), Some(_), Some(prior)) =
                (estimate.as_mut(), pairing, gate.run_noise.of(*metric))
            {
                *e = instance_noise(pair, *metric, e, (prior.tau, prior.df)).apply(e);
            }
            if let (Some(e), Some(a)) = (estimate.as_mut(), gate.accepted(&pair.head.name, *metric))
            {
                *e = e.relative_to(a.ratio, a.log_se, a.df);
            }
        }
    }
    found
}

/// One endpoint's gated latency metrics, estimated with bootstrap `seed`.
fn endpoint_estimates(
    pair: EndpointPair<'_>,
    gate: &GateSettings,
    alpha: f64,
    pairing: Option<Pairing>,
    seed: u64,
) -> Vec<MetricEstimate> {
    let EndpointPair { base: b, head: h } = pair;
    let metrics: Vec<Metric> = gate
        .metrics(&h.name)
        .iter()
        .copied()
        .filter(Metric::is_latency)
        .collect();
    let stats: Vec<Statistic> = metrics.iter().map(|m| statistic(*m)).collect();
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
        .map(|(metric, estimate)| MetricEstimate {
            metric,
            estimate: estimate.filter(|_| too_few(metric, b, h).is_none()),
        })
        .collect()
}

/// The noise of an A/B estimate from its rounds (see [`instance_noise_of`]).
fn instance_noise(
    pair: EndpointPair<'_>,
    metric: Metric,
    within: &Estimate,
    prior: (f64, f64),
) -> InstanceNoise {
    instance_noise_of(
        &round_log_ratios(pair.base, pair.head, metric),
        (within.log_se, within.df),
        prior,
    )
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

/// Moderates each between-run estimate's noise with the other endpoints'
/// run-to-run noise of the same metric, through the prior (s₀², d₀) fitted
/// by [`stats::fit_prior`]: s̃² = (d₀ s₀² + d s²) / (d₀ + d) on d₀ + d
/// degrees of freedom, with d₀ capped at [`PRIOR_DF_CAP`]. It never goes
/// below the endpoint's own s² (so an endpoint noisier than the rest keeps
/// its own spread); when the endpoints' noise differs far more than sampling
/// explains, d₀ is small and little is borrowed.
fn pool_between_run_noise<T>(estimates: &mut [Estimated<T>]) {
    let mut metrics: Vec<Metric> = estimates
        .iter()
        .flat_map(|e| &e.metrics)
        .map(|m| m.metric)
        .collect();
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
            .flat_map(|e| &e.metrics)
            .filter(|m| m.metric == metric)
            .filter_map(|m| {
                m.estimate
                    .as_ref()
                    .filter(|e| between(e))
                    .map(|e| (e.log_se * e.log_se, e.df))
            })
            .collect();
        let Some((prior, d0)) = stats::fit_prior(&samples) else {
            continue;
        };
        let d0 = d0.min(PRIOR_DF_CAP);
        let slots = estimates
            .iter_mut()
            .flat_map(|e| &mut e.metrics)
            .filter(|m| m.metric == metric);
        for slot in slots {
            if let Some(e) = slot.estimate.as_mut().filter(|e| between(e)) {
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
