//! Per-block, per-endpoint recording of latencies and outcomes.
//!
//! A request belongs to the block in which it was due, not the one in which
//! it finished, so a slow response is charged to the moment that caused it.

use std::time::Duration;

use super::Outcome;
use crate::record::{Latency, Outcomes};

/// What one endpoint saw in one block.
#[derive(Debug, Clone)]
pub struct BlockData {
    /// Sparse: a full histogram per endpoint per block cost ≈ 98 KB however
    /// few requests it held (a 500-endpoint × 10 s run took 969 MB).
    pub latency_us: Latency,
    pub outcomes: Outcomes,
}

/// The recorder's result, per side: `sides[s][b][e]` for side `s`, block
/// `b`, endpoint `e`.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub sides: Vec<SideRecorded>,
}

/// What one side (the only one, or base or head) recorded.
#[derive(Debug, Clone)]
pub struct SideRecorded {
    pub blocks: Vec<Vec<BlockData>>,
    /// Requests scheduled for this side in the measured phase.
    pub requests: u64,
    pub late_starts: u64,
    /// When this side's last measured request actually started, from the
    /// measured phase's start.
    pub last_start: Option<Duration>,
}

#[derive(Debug, Clone)]
pub struct Recorder {
    endpoints: usize,
    block: Duration,
    blocks: Vec<Vec<BlockData>>,
}

impl Recorder {
    pub fn new(endpoints: usize, block: Duration) -> Recorder {
        Recorder {
            endpoints,
            block,
            blocks: Vec::new(),
        }
    }

    /// `offset` is when the request was due, from the measured phase's start.
    pub fn record(
        &mut self,
        offset: Duration,
        endpoint: usize,
        latency: Duration,
        outcome: Outcome,
    ) {
        let b = (offset.as_nanos() / self.block.as_nanos().max(1)) as usize;
        while self.blocks.len() <= b {
            self.blocks.push(
                (0..self.endpoints)
                    .map(|_| BlockData {
                        latency_us: Latency::default(),
                        outcomes: Outcomes::default(),
                    })
                    .collect(),
            );
        }
        let data = &mut self.blocks[b][endpoint];
        match outcome {
            Outcome::Ok => {
                data.outcomes.ok += 1;
                let us = (latency.as_micros() as u64).max(1);
                data.latency_us.record(us);
            }
            Outcome::Status(code) => *data.outcomes.status.entry(code).or_default() += 1,
            Outcome::Timeout => data.outcomes.timeout += 1,
            Outcome::Connect => data.outcomes.connect += 1,
            Outcome::Other => data.outcomes.other += 1,
        }
    }

    /// Splits the recording into sides of `endpoints` columns each;
    /// `late` has one (late starts, last start) entry per side.
    pub fn finish(
        self,
        endpoints: usize,
        requests: u64,
        late: Vec<(u64, Option<Duration>)>,
    ) -> Recorded {
        let width = endpoints.max(1);
        let sides = late
            .into_iter()
            .enumerate()
            .map(|(s, (late_starts, last_start))| SideRecorded {
                blocks: self
                    .blocks
                    .iter()
                    .map(|block| block[s * width..(s + 1) * width].to_vec())
                    .collect(),
                requests,
                late_starts,
                last_start,
            })
            .collect();
        Recorded { sides }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_land_in_the_block_they_were_due_in() {
        let mut r = Recorder::new(2, Duration::from_secs(1));
        r.record(
            Duration::from_millis(10),
            0,
            Duration::from_millis(3),
            Outcome::Ok,
        );
        r.record(
            Duration::from_millis(1999),
            1,
            Duration::from_secs(5),
            Outcome::Ok,
        );
        r.record(
            Duration::from_millis(2500),
            1,
            Duration::ZERO,
            Outcome::Status(503),
        );
        r.record(
            Duration::from_millis(2600),
            1,
            Duration::ZERO,
            Outcome::Timeout,
        );
        let rec = r.finish(2, 4, vec![(0, None)]);
        let rec = &rec.sides[0];
        assert_eq!(rec.blocks.len(), 3);
        assert_eq!(rec.blocks[0][0].latency_us.len(), 1);
        let first = rec.blocks[0][0].latency_us.to_histogram();
        assert!(first.equivalent(first.max(), 3000));
        assert_eq!(rec.blocks[1][1].outcomes.ok, 1);
        assert!(rec.blocks[1][1].latency_us.to_histogram().max() >= 4_990_000);
        assert_eq!(rec.blocks[2][1].outcomes.status[&503], 1);
        assert_eq!(rec.blocks[2][1].outcomes.timeout, 1);
        assert_eq!(
            rec.blocks[2][1].latency_us.len(),
            0,
            "errors carry no latency"
        );
    }
}
