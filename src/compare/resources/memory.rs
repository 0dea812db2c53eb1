//! The app's resident memory, base vs head: each side's peak, and its
//! growth over the measured time, so that a head that keeps memory (a
//! leak) is flagged where the base's stays flat.
//!
//! Growth is the least-squares slope of the tree's RSS against time over
//! the measured blocks — each A/B round or baseline run is a fresh
//! instance, so each gets its own intercept and they share the slope —
//! times the measured seconds of all runs: what one instance would have
//! grown over the whole measured time. Split into rounds, a run restarts the app every few
//! seconds, so each instance grows by only a share of that; the rate is
//! what a leak keeps. A warning, not a verdict: memory that grows over 20 s
//! may level off later, and one run says nothing about a slow leak's rate.

use std::collections::BTreeMap;

use crate::compare::model::{Memory, SideMemory};
use crate::record::{ResourceBlock, RunRecord};

/// Growth below this is flat whatever the peak (allocator noise).
const FLAT_MIB: f64 = 4.0;
/// Growth as a share of the peak below which memory is flat.
const FLAT_SHARE: f64 = 0.05;
/// R² from which growth counts as steady.
const STEADY: f64 = 0.6;

const MIB: f64 = 1024.0 * 1024.0;

/// Each side's memory, when both measured it.
pub(crate) fn memory(base: &RunRecord, head: &RunRecord) -> Option<Memory> {
    Some(Memory {
        base: side(base)?,
        head: side(head)?,
    })
}

fn side(record: &RunRecord) -> Option<SideMemory> {
    let resources = record.resources.as_ref().filter(|r| r.measured())?;
    Some(of_blocks(
        &resources.blocks,
        record.load.block_ms as f64 / 1000.0,
    ))
}

/// One side's memory from its resource blocks, `block_s` seconds each.
fn of_blocks(blocks: &[ResourceBlock], block_s: f64) -> SideMemory {
    let mut runs: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
    for b in blocks {
        runs.entry(b.run)
            .or_default()
            .push(b.rss_bytes as f64 / MIB);
    }
    let peak_mib = runs.values().flatten().copied().fold(0.0, f64::max);
    let series: Vec<Vec<f64>> = runs.into_values().collect();
    let (slope, steadiness) = fit(&series, block_s).unwrap_or((0.0, 0.0));
    let seconds = blocks.len() as f64 * block_s;
    SideMemory {
        peak_mib,
        slope_mib_per_s: slope,
        growth_mib: slope * seconds,
        seconds,
        instances: series.len().max(1),
        steadiness,
    }
}

/// Slope (MiB/s) and R² of RSS over time, one series per instance (one
/// value per block, `block_s` apart): a line per instance with a slope
/// they share (least squares with an intercept per instance, as in a
/// fixed-effects regression), and the share of the RSS variation within
/// instances that it explains. A shared slope needs only two blocks per
/// instance — the demo's A/B rounds of 2 s hold two 1-s blocks — and each
/// instance adds evidence instead of a noisy slope of its own. `None`
/// when there are fewer than two blocks beyond one per instance.
fn fit(series: &[Vec<f64>], block_s: f64) -> Option<(f64, f64)> {
    let (mut sxx, mut syy, mut sxy, mut points) = (0.0, 0.0, 0.0, 0usize);
    for rss in series.iter().filter(|rss| !rss.is_empty()) {
        let n = rss.len();
        let mt = (n - 1) as f64 * block_s / 2.0;
        let my = rss.iter().sum::<f64>() / n as f64;
        for (i, y) in rss.iter().enumerate() {
            let x = i as f64 * block_s - mt;
            sxx += x * x;
            syy += (y - my).powi(2);
            sxy += x * (y - my);
        }
        points += n - 1;
    }
    if points < 2 || sxx <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    let r2 = if syy > 0.0 {
        sxy * sxy / (sxx * syy)
    } else {
        0.0
    };
    Some((slope, r2))
}

impl SideMemory {
    /// Whether memory grew steadily by more than noise.
    fn grows(&self) -> bool {
        self.growth_mib > FLAT_MIB.max(FLAT_SHARE * self.peak_mib) && self.steadiness >= STEADY
    }
}

impl Memory {
    /// The warning for a head whose memory grows where the base's is flat.
    pub fn warning(&self) -> Option<String> {
        let (b, h) = (&self.base, &self.head);
        let flat_base = b.growth_mib <= FLAT_MIB.max(h.growth_mib / 4.0);
        (h.grows() && flat_base).then(|| {
            let instances = match h.instances {
                1 => String::new(),
                n => format!(" in each of {n} fresh instances"),
            };
            format!(
                "memory: the head grew {:.2} MiB/s{instances}, {:.0} MiB over the {:.0} s measured (peak {:.0} MiB); the base stayed flat ({:+.1} MiB, peak {:.0} MiB): a leak?",
                h.slope_mib_per_s, h.growth_mib, h.seconds, h.peak_mib, b.growth_mib, b.peak_mib
            )
        })
    }

    /// "peak RSS 14.1 MiB base, 14.3 MiB head (+1.4%)".
    pub fn describe(&self) -> String {
        let change = if self.base.peak_mib > 0.0 {
            format!(
                " ({:+.1}%)",
                (self.head.peak_mib / self.base.peak_mib - 1.0) * 100.0
            )
        } else {
            String::new()
        };
        format!(
            "memory: peak RSS {:.1} MiB base, {:.1} MiB head{change}",
            self.base.peak_mib, self.head.peak_mib
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side_of(rss_mib: impl Fn(usize) -> f64) -> SideMemory {
        let rss: Vec<f64> = (0..40).map(&rss_mib).collect();
        let (slope, r2) = fit(std::slice::from_ref(&rss), 0.5).expect("fit");
        SideMemory {
            peak_mib: rss.iter().copied().fold(0.0, f64::max),
            slope_mib_per_s: slope,
            growth_mib: slope * 20.0,
            seconds: 20.0,
            instances: 1,
            steadiness: r2,
        }
    }

    #[test]
    fn a_steadily_growing_head_over_a_flat_base_is_flagged() {
        let base = side_of(|i| 50.0 + if i % 2 == 0 { 0.3 } else { 0.0 });
        let head = side_of(|i| 50.0 + 0.95 * i as f64 + if i % 3 == 0 { 0.5 } else { 0.0 });
        assert!((head.growth_mib - 38.0).abs() < 1.5, "{head:?}");
        let warning = Memory { base, head }.warning().expect("flagged");
        assert!(
            warning.starts_with("memory: the head grew 1.90 MiB/s, 38 MiB over the 20 s measured"),
            "{warning}"
        );
    }

    #[test]
    fn a_leak_split_into_rounds_is_judged_by_its_rate() {
        // 1 MiB/s in each of four 5-s instances (1-s blocks): each grows by
        // only 4 MiB, but over the 20 s measured the rate is 20 MiB's worth.
        let blocks = |mib_per_s: f64| -> Vec<ResourceBlock> {
            (0..4u32)
                .flat_map(|run| {
                    (0..5).map(move |b| ResourceBlock {
                        run,
                        cpu_us: 1000,
                        ok: 100,
                        cpu_cores: 0.1,
                        rss_bytes: ((50.0 + mib_per_s * f64::from(b)) * MIB) as u64,
                    })
                })
                .collect()
        };
        let (base, head) = (of_blocks(&blocks(0.0), 1.0), of_blocks(&blocks(1.0), 1.0));
        assert_eq!((head.instances, head.seconds), (4, 20.0));
        assert!((head.growth_mib - 20.0).abs() < 1e-9, "{head:?}");
        let warning = Memory { base, head }.warning().expect("flagged");
        assert!(
            warning.starts_with(
                "memory: the head grew 1.00 MiB/s in each of 4 fresh instances, 20 MiB over the 20 s measured"
            ),
            "{warning}"
        );
    }

    #[test]
    fn a_leak_in_instances_of_two_blocks_is_seen() {
        // Ten 2-s instances of two 1-s blocks each (A/B rounds), the head
        // keeping 1 MiB/s, both sides with ±0.2 MiB of allocator noise.
        let blocks = |mib_per_s: f64| -> Vec<ResourceBlock> {
            (0..10u32)
                .flat_map(|run| {
                    (0..2u32).map(move |b| {
                        let noise = if (run + b) % 3 == 0 { 0.2 } else { -0.1 };
                        ResourceBlock {
                            run,
                            cpu_us: 1000,
                            ok: 100,
                            cpu_cores: 0.1,
                            rss_bytes: ((9.5 + mib_per_s * f64::from(b) + noise) * MIB) as u64,
                        }
                    })
                })
                .collect()
        };
        let (base, head) = (of_blocks(&blocks(0.0), 1.0), of_blocks(&blocks(1.0), 1.0));
        assert_eq!((head.instances, head.seconds), (10, 20.0));
        assert!((head.slope_mib_per_s - 1.0).abs() < 0.15, "{head:?}");
        let warning = Memory { base, head }.warning().expect("flagged");
        assert!(
            warning.contains("in each of 10 fresh instances"),
            "{warning}"
        );
        assert_eq!(Memory { base, head: base }.warning(), None);
    }

    #[test]
    fn flat_or_equally_growing_sides_are_not_flagged() {
        let flat = side_of(|i| 50.0 + if i % 2 == 0 { 0.3 } else { 0.0 });
        let growing = side_of(|i| 50.0 + i as f64);
        assert_eq!(
            Memory {
                base: flat,
                head: flat
            }
            .warning(),
            None
        );
        assert_eq!(
            Memory {
                base: growing,
                head: growing
            }
            .warning(),
            None
        );
        // A step (one allocation at start-up) is not steady growth.
        let step = side_of(|i| if i < 2 { 40.0 } else { 60.0 });
        assert!(
            step.steadiness < STEADY || step.growth_mib < 20.0,
            "{step:?}"
        );
    }
}
