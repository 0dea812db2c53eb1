//! How long a fresh instance of the app takes to settle: the warm-up each
//! A/B round after the first sends before it records. Measured once, in
//! the first round, from a [`Trace`] of every request from the instance's
//! first on (warm-up included), in short blocks: the first block of a
//! Python round can be 30–50% slower than the rest, and a warm-up shorter
//! than that puts the difference into every round's blocks, while a longer
//! one spends the budget on requests nobody records.
//!
//! A block's level is the log of its per-endpoint medians relative to the
//! endpoint's median over the trace's second half (the settled part),
//! averaged over the endpoints by their request counts. The instance has
//! settled at the first block from which two blocks running are within the
//! noise of the second half ([`settled_after`]).

use std::time::Duration;

use crate::stats::{median, robust_sd};

/// The noise band: this many robust standard deviations of the second
/// half's levels around their median.
const BAND_SDS: f64 = 3.0;
/// The narrowest band, in log units (5%): below it a shared runner's
/// block-to-block swings, not the app's warm-up, decide.
const MIN_BAND: f64 = 0.05;
/// The shortest trace block, and the requests per side one should hold.
const MIN_BLOCK: Duration = Duration::from_millis(200);
const BLOCK_REQUESTS: f64 = 20.0;

/// Every OK request of a traced run, per side, by block of [`Trace::block`]
/// from the first request (warm-up included): `(endpoint, latency µs)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trace {
    pub block: Duration,
    pub sides: Vec<Vec<Vec<(usize, u64)>>>,
}

impl Trace {
    /// An empty trace of `sides` sides in blocks short enough to resolve a
    /// warm-up yet holding about [`BLOCK_REQUESTS`] requests each at `rate`
    /// per side.
    pub fn new(sides: usize, rate: f64) -> Trace {
        let block = Duration::from_secs_f64(BLOCK_REQUESTS / rate.max(1e-3)).max(MIN_BLOCK);
        Trace {
            block,
            sides: vec![Vec::new(); sides],
        }
    }

    /// Adds one OK request due `offset` after the first.
    pub fn record(&mut self, side: usize, offset: Duration, endpoint: usize, latency: Duration) {
        let b = (offset.as_nanos() / self.block.as_nanos().max(1)) as usize;
        let Some(blocks) = self.sides.get_mut(side) else {
            return;
        };
        if blocks.len() <= b {
            blocks.resize(b + 1, Vec::new());
        }
        blocks[b].push((endpoint, latency.as_micros() as u64));
    }

    /// How long the slower-settling side took: the blocks before it
    /// settled, as time from the first request.
    pub fn settling_time(&self) -> Duration {
        let blocks = self
            .sides
            .iter()
            .map(|side| settled_after(&levels(side)))
            .max()
            .unwrap_or(0);
        self.block * blocks as u32
    }
}

/// Each block's level (see the module doc); `None` for a block with no
/// request of an endpoint the second half saw.
pub fn levels(blocks: &[Vec<(usize, u64)>]) -> Vec<Option<f64>> {
    let endpoints = blocks
        .iter()
        .flatten()
        .map(|(e, _)| e + 1)
        .max()
        .unwrap_or(0);
    let half = &blocks[blocks.len() / 2..];
    let reference: Vec<Option<f64>> = (0..endpoints)
        .map(|e| {
            median(
                half.iter()
                    .flatten()
                    .filter(|(x, _)| *x == e)
                    .map(|(_, us)| *us as f64),
            )
        })
        .collect();
    blocks
        .iter()
        .map(|block| {
            let (mut sum, mut count) = (0.0, 0usize);
            for (e, reference) in reference.iter().enumerate() {
                let of_e = block
                    .iter()
                    .filter(|(x, _)| *x == e)
                    .map(|(_, us)| *us as f64);
                let n = of_e.clone().count();
                if let (Some(r), Some(m)) = (reference, median(of_e)) {
                    sum += n as f64 * (m.max(1.0) / r.max(1.0)).ln();
                    count += n;
                }
            }
            (count > 0).then(|| sum / count as f64)
        })
        .collect()
}

/// The blocks before the sequence settles: the first block from which two
/// blocks running (of those with a level: a side may have none while the
/// other takes its turn) are no more than [`BAND_SDS`] robust standard
/// deviations (at least [`MIN_BAND`]) above the second half's median — a
/// warm-up is slower; a quick block is no sign of one. All of them when
/// none is.
pub fn settled_after(levels: &[Option<f64>]) -> usize {
    let half: Vec<f64> = levels[levels.len() / 2..]
        .iter()
        .flatten()
        .copied()
        .collect();
    let Some((center, sd)) = robust_sd(&half) else {
        return 0;
    };
    let band = (BAND_SDS * sd).max(MIN_BAND);
    let known: Vec<(usize, f64)> = levels
        .iter()
        .enumerate()
        .filter_map(|(i, l)| l.map(|l| (i, l)))
        .collect();
    (0..known.len())
        .find(|&j| known[j..].iter().take(2).all(|(_, l)| l - center <= band))
        .map_or(levels.len(), |j| known[j].0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blocks of 20 requests of two endpoints (1 ms and 4 ms), each
    /// slowed by `factor(b)` in block `b`, with ±2% of spread.
    fn blocks(count: usize, factor: impl Fn(usize) -> f64) -> Vec<Vec<(usize, u64)>> {
        (0..count)
            .map(|b| {
                (0..20)
                    .map(|i| {
                        let e = i % 2;
                        let jitter = 1.0 + 0.02 * (((b * 7 + i * 13) % 5) as f64 - 2.0) / 2.0;
                        let us = [1000.0, 4000.0][e] * factor(b) * jitter;
                        (e, us as u64)
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn an_app_without_warm_up_settles_at_once() {
        assert_eq!(settled_after(&levels(&blocks(30, |_| 1.0))), 0);
    }

    #[test]
    fn a_first_stretch_that_is_slower_is_the_warm_up() {
        // 40% slower for 3 blocks, then 15%, then settled from block 4 on.
        let shape = |b: usize| match b {
            0..=2 => 1.4,
            3 => 1.15,
            _ => 1.0,
        };
        assert_eq!(settled_after(&levels(&blocks(30, shape))), 4);
        // A decay e^(−b/2) × 50%: within 5% once ln(1 + 0.5 e^(−b/2)) <
        // 0.05, from b = 5 (0.040; b = 4: 0.066).
        let decay = |b: usize| 1.0 + 0.5 * (-(b as f64) / 2.0).exp();
        assert_eq!(settled_after(&levels(&blocks(40, decay))), 5);
        // Quicker first blocks are no warm-up.
        assert_eq!(
            settled_after(&levels(&blocks(30, |b| if b < 3 { 0.7 } else { 1.0 }))),
            0
        );
    }

    #[test]
    fn one_quick_block_inside_the_warm_up_does_not_end_it() {
        let shape = |b: usize| match b {
            0 | 2 | 3 => 1.5,
            1 => 1.0,
            _ => 1.0,
        };
        assert_eq!(settled_after(&levels(&blocks(30, shape))), 4);
    }

    #[test]
    fn blocks_a_side_sat_out_neither_end_nor_extend_the_warm_up() {
        // Turns of 3 blocks: the side is loaded in blocks 0-2, 6-8, …
        let levels: Vec<Option<f64>> = levels(&blocks(36, |b| if b < 7 { 1.4 } else { 1.0 }))
            .into_iter()
            .enumerate()
            .map(|(b, l)| l.filter(|_| b % 6 < 3))
            .collect();
        // Slow in blocks 0-2 and 6; settled from block 7 (3-5 sat out).
        assert_eq!(settled_after(&levels), 7);
    }

    #[test]
    fn the_trace_reports_the_slower_side_in_time() {
        let mut trace = Trace::new(2, 100.0);
        assert_eq!(trace.block, Duration::from_millis(200));
        for b in 0..30u32 {
            for i in 0..20u32 {
                let offset = trace.block * b + Duration::from_millis(u64::from(i) * 10);
                let slow = if b < 5 { 1.5 } else { 1.0 };
                trace.record(0, offset, 0, Duration::from_micros(1000));
                trace.record(1, offset, 0, Duration::from_micros((1000.0 * slow) as u64));
            }
        }
        assert_eq!(trace.settling_time(), Duration::from_secs(1));
        // A slow rate gets blocks long enough to hold 20 requests.
        assert_eq!(Trace::new(1, 10.0).block, Duration::from_secs(2));
    }
}
