//! What an estimate reads: the statistic, each side's blocks (any
//! [`Recorded`] histogram, grouped by run) and the bootstrap's settings.

use hdrhistogram::Histogram;

use crate::record::Latency;

/// Fewest non-empty blocks (or pairs) a side needs before any interval is
/// computed; below this every estimate is `None`.
pub const MIN_BLOCKS: usize = 3;

/// Bootstrap resamples used by the convenience functions. Efron & Tibshirani
/// (1993, *An Introduction to the Bootstrap*, §6.4) find 25–200 resamples
/// enough for a standard error; 200 keeps the SE's own relative error ≈ 10%.
pub const DEFAULT_RESAMPLES: usize = 200;

/// Which summary of a latency distribution is compared.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Statistic {
    /// The q-quantile, 0 < q ≤ 1, with HdrHistogram's definition: the
    /// highest-equivalent value of the first bucket whose cumulative count
    /// reaches ⌈q·N⌉ (so p50 = `Quantile(0.5)` equals
    /// `Histogram::value_at_quantile(0.5)` of the merged histogram).
    Quantile(f64),
    /// The arithmetic mean, each bucket counted at its median-equivalent
    /// value (as `Histogram::mean`).
    Mean,
}

/// What the statistics read of one block's latency histogram: its
/// non-empty buckets. A record keeps blocks sparse ([`Latency`]); tests and
/// the recorder use full histograms; both give the same results.
pub trait Recorded {
    /// Whether the block holds no value.
    fn is_empty(&self) -> bool;
    /// Calls `f(value, count, median)` for each non-empty bucket in
    /// ascending order: its highest-equivalent value, its count and its
    /// median-equivalent value (HdrHistogram's definitions).
    fn each_bucket(&self, f: &mut dyn FnMut(u64, u64, u64));
}

impl Recorded for Histogram<u64> {
    fn is_empty(&self) -> bool {
        Histogram::is_empty(self)
    }

    fn each_bucket(&self, f: &mut dyn FnMut(u64, u64, u64)) {
        for v in self.iter_recorded() {
            let value = v.value_iterated_to();
            f(value, v.count_at_value(), self.median_equivalent(value));
        }
    }
}

impl Recorded for Latency {
    fn is_empty(&self) -> bool {
        Latency::is_empty(self)
    }

    fn each_bucket(&self, f: &mut dyn FnMut(u64, u64, u64)) {
        for b in self.buckets() {
            f(b.value, b.count, Latency::median_equivalent(b.value));
        }
    }
}

/// One side (base or head) of one endpoint: `runs[r][b]` is block `b` of run
/// `r`. Runs are separate recordings (minutes apart); blocks are ~1 s slices
/// of one run. Empty blocks are ignored.
#[derive(Debug, Clone)]
pub struct Side<'a, H = Latency> {
    /// Runs × blocks.
    pub runs: Vec<Vec<&'a H>>,
}

impl<'a, H> Side<'a, H> {
    /// A side made of one recorded run.
    #[cfg(test)]
    pub fn single_run(blocks: Vec<&'a H>) -> Self {
        Side { runs: vec![blocks] }
    }
}

impl<H> Default for Side<'_, H> {
    fn default() -> Self {
        Side { runs: Vec::new() }
    }
}

/// Bootstrap settings: how many resamples, and the seed that makes them
/// reproducible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bootstrap {
    /// Number of resamples (at least 2 are needed for a variance).
    pub resamples: usize,
    /// Seed of the ChaCha8 generator.
    pub seed: u64,
}

impl Bootstrap {
    /// [`DEFAULT_RESAMPLES`] resamples with the given seed.
    pub fn with_seed(seed: u64) -> Self {
        Bootstrap {
            resamples: DEFAULT_RESAMPLES,
            seed,
        }
    }
}
