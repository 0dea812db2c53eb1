//! The app's peak resident memory, head vs base: the suite-level metric
//! `peak_rss`, shown in the row [`crate::config::names::APP_ROW`].
//!
//! **The data.** The sampler reads the RSS of the app's process tree once
//! per block, at the block's end; that reading is the block's value (a peak
//! between two readings is not seen, so "peak" means the highest reading).
//!
//! **The statistic.** A block is a "histogram" holding one value, its RSS
//! in KiB, counted once; the pooled statistic is the 1-quantile — with
//! HdrHistogram's definition over exact values, the maximum — of the pooled
//! blocks: the highest reading of the side. The estimate is the ratio of the
//! two sides' highest readings, and its interval comes from the latency
//! metrics' engine unchanged: A/B mode resamples block *pairs* and takes the
//! maximum of each side's resampled blocks; stored mode resamples blocks
//! within runs and adds the between-run spread of each run's own peak.
//!
//! Why the maximum and not the mean RSS: a leak is what the gate must see,
//! and a leak shows most at the end of a run; the mean would halve it. The
//! cost is the bootstrap's known weakness for extremes (Bickel & Freedman
//! 1981, *Ann. Statist.* 9(6), §6): a resample keeps the observed maximum
//! with probability about 1 − 1/e, so a lone spike's spread is understated.
//! Memory that is flat or grows steadily — the cases that matter — has no
//! lone spike.
//!
//! **Rounds.** An A/B run measured in rounds starts fresh instances each
//! round, and their peaks differ by a few percent (allocator, start-up
//! timing). The ratio of the sides' highest readings over all rounds is then
//! decided by one extreme instance per side, and settles far slower than
//! 1/√rounds: with the rounds' spread as its noise, A/A runs of 12 rounds
//! rejected at 24% for a nominal 5% (z-scores' rms 1.55) in simulation, as
//! the detection campaign had seen (rms 1.6–1.9). So with two rounds or
//! more the estimate is the rounds' mean log ratio of per-instance peaks,
//! balanced over the start orders (`resources::row`): the typical instance's
//! peak, head vs base, which keeps its level (4.5%, rms 0.98; test
//! `peak_rss_over_rounds_keeps_its_level_when_instances_differ`). The
//! report still shows each side's highest reading.

use super::blocks::{both, by_run, round_log_ratios_of, SideBlocks};
use super::figure::{Figure, Measured};
use crate::compare::rounds::RoundLog;
use crate::record::{Pairing, ResourceBlock, RunRecord};
use crate::stats::{self, Bootstrap, Recorded, Statistic};

const KIB: f64 = 1024.0;

/// The highest reading of the pooled blocks.
const PEAK: Statistic = Statistic::Quantile(1.0);

/// One block's RSS reading as the statistics read it, KiB.
#[derive(Debug, Clone, Copy)]
pub struct RssBlock {
    kib: u64,
}

impl RssBlock {
    pub fn new(block: &ResourceBlock) -> RssBlock {
        RssBlock {
            kib: block.rss_bytes / 1024,
        }
    }
}

impl Recorded for RssBlock {
    fn is_empty(&self) -> bool {
        self.kib == 0
    }

    fn each_bucket(&self, f: &mut dyn FnMut(u64, u64, u64)) {
        if self.kib > 0 {
            f(self.kib, 1, self.kib);
        }
    }
}

/// Peak RSS (MiB) of `head` vs `base`, paired block by block when the two
/// are the sides of one A/B run; each side's peak in MiB.
pub(crate) fn peak_rss(
    base: &RunRecord,
    head: &RunRecord,
    alpha: f64,
    pairing: Option<Pairing>,
) -> Figure {
    let SideBlocks { base: b, head: h } = match both(base, head) {
        Ok(blocks) => blocks,
        Err(why) => return Figure::Absent(why.to_string()),
    };
    let bb: Vec<RssBlock> = b.iter().map(RssBlock::new).collect();
    let hb: Vec<RssBlock> = h.iter().map(RssBlock::new).collect();
    let boot = Bootstrap::with_seed(0x5eed_4ea4_u64);
    let estimate = match pairing.filter(|_| bb.len() == hb.len()) {
        Some(_) => {
            let pairs: Vec<(&RssBlock, &RssBlock)> = bb.iter().zip(&hb).collect();
            stats::estimate_paired_many(&pairs, &[PEAK], alpha, boot)
        }
        None => {
            stats::estimate_unpaired_many(&by_run(b, &bb), &by_run(h, &hb), &[PEAK], alpha, boot)
        }
    }
    .pop()
    .flatten();
    Figure::Measured(Measured {
        base: peak_mib(b),
        head: peak_mib(h),
        estimate,
    })
}

/// The highest reading of `blocks`, MiB.
fn peak_mib(blocks: &[ResourceBlock]) -> Option<f64> {
    let kib = blocks.iter().map(|b| b.rss_bytes / 1024).max()?;
    (kib > 0).then(|| kib as f64 / KIB)
}

/// Per round (run) present on both sides, ln(head / base) of the round's
/// peak: the rounds of an A/B run, for its instance noise.
pub(crate) fn round_log_ratios(base: &RunRecord, head: &RunRecord) -> Vec<RoundLog> {
    round_log_ratios_of(base, head, peak_mib)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    const MIB: f64 = 1024.0 * 1024.0;

    /// 20 blocks of a side whose RSS starts near 50 MiB, grows by `growth`
    /// MiB over the run and jitters by ±1% (allocator noise).
    fn blocks(scale: f64, growth: f64, rng: &mut rand_chacha::ChaCha8Rng) -> Vec<ResourceBlock> {
        (0..20)
            .map(|i| {
                let jitter = 1.0 + 0.02 * (rng.random::<f64>() - 0.5);
                let mib = (50.0 * scale + growth * i as f64 / 19.0) * jitter;
                ResourceBlock {
                    rss_bytes: (mib * MIB) as u64,
                    ok: 100,
                    cpu_us: 30_000,
                    ..Default::default()
                }
            })
            .collect()
    }

    /// How many of `trials` A/B comparisons flag the head as regressed
    /// at a 10% threshold.
    fn flagged(scale: f64, growth: f64, trials: u64) -> usize {
        (0..trials)
            .filter(|&seed| {
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
                let base = blocks(1.0, 0.0, &mut rng);
                let head = blocks(scale, growth, &mut rng);
                let bb: Vec<RssBlock> = base.iter().map(RssBlock::new).collect();
                let hb: Vec<RssBlock> = head.iter().map(RssBlock::new).collect();
                let pairs: Vec<_> = bb.iter().zip(&hb).collect();
                let e =
                    stats::estimate_paired_many(&pairs, &[PEAK], 0.01, Bootstrap::with_seed(seed))
                        .pop()
                        .flatten()
                        .expect("20 pairs estimate");
                stats::verdict(&e.adjusted(0.01), 0.10) == stats::Verdict::Regressed
            })
            .count()
    }

    #[test]
    fn the_pooled_statistic_is_the_highest_reading() {
        let blocks: Vec<ResourceBlock> = [30, 80, 50]
            .iter()
            .map(|mib| ResourceBlock {
                rss_bytes: mib * (1 << 20),
                ..Default::default()
            })
            .collect();
        assert_eq!(peak_mib(&blocks), Some(80.0));
        let rss: Vec<RssBlock> = blocks.iter().map(RssBlock::new).collect();
        let pairs: Vec<_> = rss.iter().zip(&rss).collect();
        let e = stats::estimate_paired_many(&pairs, &[PEAK], 0.01, Bootstrap::with_seed(1))
            .pop()
            .flatten()
            .expect("3 pairs");
        assert_eq!(
            (e.base, e.head, e.ratio),
            (80.0 * 1024.0, 80.0 * 1024.0, 1.0)
        );
        assert!(Recorded::is_empty(
            &RssBlock::new(&ResourceBlock::default())
        ));
    }

    #[test]
    fn a_head_at_one_and_a_half_times_the_memory_is_regressed() {
        assert_eq!(flagged(1.5, 0.0, 20), 20);
    }

    #[test]
    fn a_head_that_leaks_25_mib_is_regressed() {
        assert_eq!(flagged(1.0, 25.0, 20), 20);
    }

    #[test]
    fn the_same_memory_is_not_regressed() {
        assert_eq!(flagged(1.0, 0.0, 20), 0);
    }
}
