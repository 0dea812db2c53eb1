//! Seeded generators of simulated block histograms for the statistics tests.
//!
//! A latency is exp(ln median + run offset + block drift + σ·Z) · scale,
//! optionally with a Pareto tail instead of the log-normal body. The run
//! offset models the machine-speed phases that separate runs minutes apart;
//! the block drift models slower wander inside a run. Scaling the head by R
//! multiplies every quantile and the mean of the population by exactly R,
//! so the true ratio of any statistic is R.

use hdrhistogram::Histogram;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::Side;

/// The latency distribution inside a block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Shape {
    /// Log-normal with this σ of ln latency.
    LogNormal(f64),
    /// Pareto with this tail index, scale = the median.
    Pareto(f64),
}

/// How one simulated run is generated.
#[derive(Debug, Clone, Copy)]
pub(super) struct RunSpec {
    pub(super) blocks: usize,
    pub(super) per_block: usize,
    pub(super) median_us: f64,
    pub(super) shape: Shape,
    /// sd of the per-block log offset.
    pub(super) block_sd: f64,
    /// Multiplier applied to every latency (the true ratio on the head).
    pub(super) scale: f64,
}

impl RunSpec {
    pub(super) fn lognormal(blocks: usize, per_block: usize) -> RunSpec {
        RunSpec {
            blocks,
            per_block,
            median_us: 2_000.0,
            shape: Shape::LogNormal(0.3),
            block_sd: 0.05,
            scale: 1.0,
        }
    }

    pub(super) fn scaled(self, scale: f64) -> RunSpec {
        RunSpec { scale, ..self }
    }
}

/// An empty histogram like the recorder's: 1 µs to 60 s, 3 digits.
pub(super) fn histogram() -> Histogram<u64> {
    bounded(60_000_000, 3)
}

/// The simulations' histogram: 1 µs to ~1 s at 2 significant digits.
/// `iter_recorded` walks every counter, and in a debug build that walk
/// dominates the simulations; 2 digits (≤ 1% buckets, far below the 5–30%
/// effects simulated) cut the counters 12-fold. The engine does not depend
/// on the precision; 3-digit data is covered by the reference and property
/// tests.
fn sim_histogram() -> Histogram<u64> {
    bounded(1 << 20, 2)
}

fn bounded(high: u64, digits: u8) -> Histogram<u64> {
    match Histogram::new_with_bounds(1, high, digits) {
        Ok(h) => h,
        Err(e) => panic!("histogram bounds: {e:?}"),
    }
}

/// A histogram holding `values`.
pub(super) fn histogram_of(values: &[u64]) -> Histogram<u64> {
    let mut h = histogram();
    for v in values {
        h.saturating_record(*v);
    }
    h
}

/// A standard normal draw (Box–Muller).
pub(super) fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// One run's blocks, all shifted by `log_offset`.
pub(super) fn run(rng: &mut ChaCha8Rng, spec: RunSpec, log_offset: f64) -> Vec<Histogram<u64>> {
    (0..spec.blocks)
        .map(|_| {
            let drift = spec.block_sd * normal(rng);
            block(rng, spec, log_offset + drift)
        })
        .collect()
}

/// One block at a given total log offset.
pub(super) fn block(rng: &mut ChaCha8Rng, spec: RunSpec, log_offset: f64) -> Histogram<u64> {
    let mut h = sim_histogram();
    let centre = spec.median_us * spec.scale * log_offset.exp();
    for _ in 0..spec.per_block {
        let factor = match spec.shape {
            Shape::LogNormal(sigma) => (sigma * normal(rng)).exp(),
            // Median of Pareto(x_m, a) is x_m·2^(1/a); rescale to median 1.
            Shape::Pareto(a) => (1.0 - rng.random::<f64>()).powf(-1.0 / a) / 2f64.powf(1.0 / a),
        };
        h.saturating_record((centre * factor).round().max(1.0) as u64);
    }
    h
}

/// `runs` runs, each with its own N(0, between_sd²) log offset.
pub(super) fn runs(
    rng: &mut ChaCha8Rng,
    spec: RunSpec,
    count: usize,
    between_sd: f64,
) -> Vec<Vec<Histogram<u64>>> {
    (0..count)
        .map(|_| {
            let offset = between_sd * normal(rng);
            run(rng, spec, offset)
        })
        .collect()
}

/// Borrows owned runs as a [`Side`].
pub(super) fn side(runs: &[Vec<Histogram<u64>>]) -> Side<'_, Histogram<u64>> {
    Side {
        runs: runs.iter().map(|r| r.iter().collect()).collect(),
    }
}
