//! Block histograms turned into a form that resamples fast.
//!
//! A bootstrap recomputes a pooled statistic hundreds of times from weighted
//! sets of blocks. Merging `Histogram`s each time would be slow, so each
//! block is converted once (via `iter_recorded`) to a sparse list of
//! (bucket index, count) over a grid shared by one side — the sorted distinct
//! bucket values seen in any of its blocks. A resample then adds the sparse
//! lists, times their multiplicities, into one dense count array and scans it
//! once per statistic. Results match what HdrHistogram itself reports for the
//! merged histogram (see [`Statistic`] for the exact definitions).

use super::{Recorded, Statistic};

/// One non-empty block over its side's grid.
#[derive(Debug, Clone)]
pub(super) struct Block {
    /// (grid index, count), ascending by index.
    entries: Vec<(u32, u64)>,
    /// Number of recorded values.
    total: u64,
    /// Sum of median-equivalent values (for the mean).
    sum: f64,
}

/// A side (runs × blocks) prepared for resampling. Empty blocks are dropped,
/// and so are runs left without blocks.
#[derive(Debug, Clone)]
pub(super) struct Prepared {
    grid: Vec<u64>,
    runs: Vec<Vec<Block>>,
}

impl Prepared {
    /// Converts the histograms; `runs[r][b]` is block `b` of run `r`.
    pub(super) fn new<H: Recorded>(runs: &[Vec<&H>]) -> Prepared {
        let mut grid: Vec<u64> = Vec::new();
        for h in runs.iter().flatten() {
            h.each_bucket(&mut |value, _, _| grid.push(value));
        }
        grid.sort_unstable();
        grid.dedup();
        let runs = runs
            .iter()
            .map(|run| {
                run.iter()
                    .filter(|h| !h.is_empty())
                    .map(|h| block_on_grid(*h, &grid))
                    .collect::<Vec<_>>()
            })
            .filter(|run| !run.is_empty())
            .collect();
        Prepared { grid, runs }
    }

    /// The runs that kept at least one block.
    pub(super) fn runs(&self) -> &[Vec<Block>] {
        &self.runs
    }

    /// Number of non-empty blocks over all runs.
    pub(super) fn block_count(&self) -> usize {
        self.runs.iter().map(Vec::len).sum()
    }

    /// A fresh accumulator for this side.
    pub(super) fn pool(&self) -> Pool<'_> {
        Pool {
            grid: &self.grid,
            counts: vec![0; self.grid.len()],
            total: 0,
            sum: 0.0,
        }
    }
}

impl Block {
    /// Number of recorded values in the block.
    pub(super) fn total(&self) -> u64 {
        self.total
    }
}

fn block_on_grid<H: Recorded>(h: &H, grid: &[u64]) -> Block {
    let mut entries = Vec::new();
    let mut total: u64 = 0;
    let mut sum = 0.0;
    h.each_bucket(&mut |value, count, median| {
        // The grid holds every value of every block, so the search succeeds;
        // `unwrap_or_else` keeps the index in range if it ever did not.
        let index = grid
            .binary_search(&value)
            .unwrap_or_else(|i| i.min(grid.len().saturating_sub(1)));
        entries.push((index as u32, count));
        total = total.saturating_add(count);
        sum += median as f64 * count as f64;
    });
    Block {
        entries,
        total,
        sum,
    }
}

/// A dense count array over a side's grid that blocks are added into.
#[derive(Debug)]
pub(super) struct Pool<'p> {
    grid: &'p [u64],
    counts: Vec<u64>,
    total: u64,
    sum: f64,
}

impl Pool<'_> {
    /// Empties the accumulator.
    pub(super) fn clear(&mut self) {
        self.counts.fill(0);
        self.total = 0;
        self.sum = 0.0;
    }

    /// Adds `weight` copies of `block`.
    pub(super) fn add(&mut self, block: &Block, weight: u64) {
        if weight == 0 {
            return;
        }
        for &(index, count) in &block.entries {
            if let Some(slot) = self.counts.get_mut(index as usize) {
                *slot += count * weight;
            }
        }
        self.total += block.total * weight;
        self.sum += block.sum * weight as f64;
    }

    /// The statistic of everything added so far; `None` when empty or when
    /// the quantile is outside (0, 1].
    pub(super) fn stat(&self, stat: Statistic) -> Option<f64> {
        if self.total == 0 {
            return None;
        }
        match stat {
            Statistic::Mean => Some(self.sum / self.total as f64),
            Statistic::Quantile(q) => {
                if !(q > 0.0 && q <= 1.0) {
                    return None;
                }
                // HdrHistogram's rule: the first bucket whose cumulative count
                // reaches ceil(q·N), at least 1.
                let target = ((q * self.total as f64).ceil() as u64).max(1);
                let mut cumulative = 0;
                for (count, value) in self.counts.iter().zip(self.grid) {
                    cumulative += count;
                    if cumulative >= target {
                        return Some(*value as f64);
                    }
                }
                self.grid.last().map(|v| *v as f64)
            }
        }
    }
}

/// Whether a statistic is well defined (quantiles need 0 < q ≤ 1).
pub(super) fn valid(stat: Statistic) -> bool {
    match stat {
        Statistic::Mean => true,
        Statistic::Quantile(q) => q > 0.0 && q <= 1.0,
    }
}

/// The statistic of all blocks of all runs, pooled, for each of `stats`.
pub(super) fn pooled(side: &Prepared, stats: &[Statistic]) -> Vec<Option<f64>> {
    let mut pool = side.pool();
    for block in side.runs().iter().flatten() {
        pool.add(block, 1);
    }
    stats.iter().map(|s| pool.stat(*s)).collect()
}

/// The statistic of each run on its own: `result[run][stat]`.
pub(super) fn per_run(side: &Prepared, stats: &[Statistic]) -> Vec<Vec<Option<f64>>> {
    let mut pool = side.pool();
    side.runs()
        .iter()
        .map(|run| {
            pool.clear();
            for block in run {
                pool.add(block, 1);
            }
            stats.iter().map(|s| pool.stat(*s)).collect()
        })
        .collect()
}
