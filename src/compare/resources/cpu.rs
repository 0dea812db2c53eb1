//! The app's CPU time per request, head vs base: the suite-level metric
//! `cpu/request`, shown as the row of the endpoint [`crate::config::names::APP_ROW`].
//!
//! Each block of a record's `resources` holds the CPU time the app's tree
//! spent and the requests it answered. The estimate is the ratio of pooled
//! ratios, (Σ head CPU / Σ head requests) / (Σ base CPU / Σ base requests),
//! with the latency metrics' engine: a block is a "histogram" of one value,
//! its CPU per request, counted once per request, so the engine's mean of
//! pooled blocks is exactly Σ CPU / Σ requests, and its pair bootstrap (A/B
//! mode) or between-run noise (stored mode) carry over unchanged.

use super::blocks::{both, by_run, round_log_ratios_of, SideBlocks};
use super::cpu_mix::{mix_weights, Work};
use super::figure::{Figure, Measured};
use crate::compare::rounds::RoundLog;
use crate::record::{Pairing, ResourceBlock, RunRecord};
use crate::stats::{self, Bootstrap, Recorded, Statistic};

/// One block's CPU time per request as the statistics read it.
#[derive(Debug, Clone, Copy)]
pub struct CpuBlock {
    /// CPU time per request, ns (rounded): the block's one "value".
    per_request_ns: u64,
    ok: u64,
}

impl CpuBlock {
    /// A block's CPU time over its successful requests.
    pub fn new(block: &ResourceBlock) -> CpuBlock {
        CpuBlock::of_work(block.cpu_us, block.ok as f64)
    }

    /// `cpu_us` over `work` standard requests (see [`mix_weights`]); the
    /// count is kept in thousandths of a request.
    fn of_work(cpu_us: u64, work: f64) -> CpuBlock {
        if !(work.is_finite() && work > 0.0) {
            return CpuBlock {
                per_request_ns: 0,
                ok: 0,
            };
        }
        CpuBlock {
            per_request_ns: ((cpu_us as f64 * 1000.0) / work).round() as u64,
            ok: (work * 1000.0).round() as u64,
        }
    }
}

impl Recorded for CpuBlock {
    fn is_empty(&self) -> bool {
        self.ok == 0 || self.per_request_ns == 0
    }

    fn each_bucket(&self, f: &mut dyn FnMut(u64, u64, u64)) {
        if !Recorded::is_empty(self) {
            f(self.per_request_ns, self.ok, self.per_request_ns);
        }
    }
}

/// Pooled CPU µs per request of a record's blocks.
fn pooled_us(blocks: &[ResourceBlock]) -> Option<f64> {
    let cpu: u64 = blocks.iter().map(|b| b.cpu_us).sum();
    let ok: u64 = blocks.iter().map(|b| b.ok).sum();
    (ok > 0 && cpu > 0).then(|| cpu as f64 / ok as f64)
}

/// CPU per request of `head` vs `base`, paired block by block when the two
/// are the sides of one A/B run; each side's figure in ms per (standard)
/// request.
pub(crate) fn cpu(
    base: &RunRecord,
    head: &RunRecord,
    alpha: f64,
    pairing: Option<Pairing>,
) -> Figure {
    let SideBlocks { base: b, head: h } = match both(base, head) {
        Ok(blocks) => blocks,
        Err(why) => return Figure::Absent(why.to_string()),
    };
    let (bb, hb): (Vec<CpuBlock>, Vec<CpuBlock>) = match mix_weights(base, head, b, h) {
        Some(Work { base: wb, head: wh }) => (
            b.iter()
                .zip(wb)
                .map(|(x, w)| CpuBlock::of_work(x.cpu_us, w))
                .collect(),
            h.iter()
                .zip(wh)
                .map(|(x, w)| CpuBlock::of_work(x.cpu_us, w))
                .collect(),
        ),
        None => (
            b.iter().map(CpuBlock::new).collect(),
            h.iter().map(CpuBlock::new).collect(),
        ),
    };
    let boot = Bootstrap::with_seed(0x5eed_c0c0_u64);
    let stat = [Statistic::Mean];
    let estimate = match pairing.filter(|_| bb.len() == hb.len()) {
        Some(_) => {
            let pairs: Vec<(&CpuBlock, &CpuBlock)> = bb.iter().zip(&hb).collect();
            stats::estimate_paired_many(&pairs, &stat, alpha, boot)
        }
        None => stats::estimate_unpaired_many(&by_run(b, &bb), &by_run(h, &hb), &stat, alpha, boot),
    }
    .pop()
    .flatten();
    let ms = |us: Option<f64>| us.map(|us| us / 1000.0);
    Figure::Measured(Measured {
        base: ms(estimate
            .as_ref()
            .map_or(pooled_us(b), |e| Some(e.base / 1000.0))),
        head: ms(estimate
            .as_ref()
            .map_or(pooled_us(h), |e| Some(e.head / 1000.0))),
        estimate,
    })
}

/// Per round (run) present on both sides, ln(head / base) of the pooled
/// CPU per request: the rounds of an A/B run, for its instance noise.
pub(crate) fn round_log_ratios(base: &RunRecord, head: &RunRecord) -> Vec<RoundLog> {
    round_log_ratios_of(base, head, pooled_us)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::resources::cpu_mix::least_squares;
    use rand::{Rng, SeedableRng};

    /// Blocks of a side doing `work` µs of CPU per request, with a common
    /// per-block drift (`drift[b]`, shared by the pair) and its own noise.
    fn blocks(work: f64, drift: &[f64], rng: &mut rand_chacha::ChaCha8Rng) -> Vec<ResourceBlock> {
        drift
            .iter()
            .map(|d| {
                let ok = 100 + rng.random_range(0..20);
                let noise = 1.0 + 0.06 * (rng.random::<f64>() - 0.5);
                ResourceBlock {
                    run: 0,
                    cpu_us: (work * d * noise * ok as f64) as u64,
                    ok,
                    cpu_cores: 0.5,
                    rss_bytes: 0,
                }
            })
            .collect()
    }

    fn verdicts(factor: f64, trials: u64) -> usize {
        let mut flagged = 0;
        for seed in 0..trials {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            let drift: Vec<f64> = (0..20).map(|_| 0.8 + 0.4 * rng.random::<f64>()).collect();
            let base = blocks(300.0, &drift, &mut rng);
            let head = blocks(300.0 * factor, &drift, &mut rng);
            let bb: Vec<CpuBlock> = base.iter().map(CpuBlock::new).collect();
            let hb: Vec<CpuBlock> = head.iter().map(CpuBlock::new).collect();
            let pairs: Vec<_> = bb.iter().zip(&hb).collect();
            let e = stats::estimate_paired_many(
                &pairs,
                &[Statistic::Mean],
                0.01,
                Bootstrap::with_seed(seed),
            )
            .pop()
            .flatten()
            .expect("20 pairs estimate");
            let interval = e.adjusted(0.01);
            if stats::verdict(&interval, 0.05) == stats::Verdict::Regressed {
                flagged += 1;
            }
        }
        flagged
    }

    #[test]
    fn the_pooled_mean_is_total_cpu_over_total_requests() {
        let blocks = [
            ResourceBlock {
                cpu_us: 1000,
                ok: 10,
                ..Default::default()
            },
            ResourceBlock {
                cpu_us: 3000,
                ok: 10,
                ..Default::default()
            },
        ];
        assert_eq!(pooled_us(&blocks), Some(200.0));
        let c = CpuBlock::new(&blocks[1]);
        assert_eq!((c.per_request_ns, c.ok), (300_000, 10_000));
        assert!(Recorded::is_empty(
            &CpuBlock::new(&ResourceBlock::default())
        ));
    }

    #[test]
    fn least_squares_recovers_known_costs() {
        let xs = [
            vec![10.0, 5.0],
            vec![8.0, 7.0],
            vec![12.0, 3.0],
            vec![9.0, 9.0],
        ];
        let rows: Vec<(&Vec<f64>, f64)> = xs
            .iter()
            .map(|x| (x, 300.0 * x[0] + 2000.0 * x[1]))
            .collect();
        let c = least_squares(&rows, 2).expect("solvable");
        assert!(
            (c[0] - 300.0).abs() < 1e-6 && (c[1] - 2000.0).abs() < 1e-6,
            "{c:?}"
        );
        let singular = [vec![1.0, 2.0], vec![2.0, 4.0], vec![3.0, 6.0]];
        let rows: Vec<(&Vec<f64>, f64)> = singular.iter().map(|x| (x, 1.0)).collect();
        assert_eq!(least_squares(&rows, 2), None);
    }

    #[test]
    fn a_ten_percent_cpu_regression_is_detected() {
        assert_eq!(verdicts(1.10, 20), 20);
    }

    #[test]
    fn a_a_is_not_flagged() {
        assert_eq!(verdicts(1.0, 20), 0);
    }
}
