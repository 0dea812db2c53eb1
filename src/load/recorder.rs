//! Per-block, per-endpoint recording of latencies and outcomes.
//!
//! A request belongs to the block in which it was due, not the one in which
//! it finished, so a slow response is charged to the moment that caused it.

use std::collections::BTreeMap;
use std::time::Duration;

use super::server_timing::{Phase, MAX_PHASES};
use super::Outcome;
use crate::record::{Latency, Outcomes};

/// What one endpoint saw in one block.
#[derive(Debug, Clone)]
pub struct BlockData {
    /// Sparse: a full histogram per endpoint per block cost ≈ 98 KB however
    /// few requests it held (a 500-endpoint × 10 s run took 969 MB).
    pub latency_us: Latency,
    pub outcomes: Outcomes,
    /// Per `Server-Timing` phase, its durations in the ok responses, µs.
    pub phases: BTreeMap<String, Latency>,
}

/// The recorder's result, per side: `sides[s][b][e]` for side `s`, block
/// `b`, endpoint `e`.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub sides: Vec<SideRecorded>,
    /// Every OK request from the first, when the plan asked for it.
    pub trace: Option<super::settle::Trace>,
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
    /// Per endpoint column, the phase names kept so far (at most
    /// [`MAX_PHASES`]); later new names are dropped.
    phase_names: Vec<Vec<String>>,
}

impl Recorder {
    pub fn new(endpoints: usize, block: Duration) -> Recorder {
        Recorder {
            endpoints,
            block,
            blocks: Vec::new(),
            phase_names: vec![Vec::new(); endpoints],
        }
    }

    /// `offset` is when the request was due, from the measured phase's start.
    pub fn record(
        &mut self,
        offset: Duration,
        endpoint: usize,
        latency: Duration,
        outcome: Outcome,
        phases: &[Phase],
    ) {
        let b = (offset.as_nanos() / self.block.as_nanos().max(1)) as usize;
        while self.blocks.len() <= b {
            self.blocks.push(
                (0..self.endpoints)
                    .map(|_| BlockData {
                        latency_us: Latency::default(),
                        outcomes: Outcomes::default(),
                        phases: BTreeMap::new(),
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
                if !phases.is_empty() {
                    record_phases(&mut data.phases, &mut self.phase_names[endpoint], phases);
                }
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
        Recorded { sides, trace: None }
    }
}

/// Records each phase's duration (µs, rounded) in its histogram; a name
/// new to the endpoint once it has [`MAX_PHASES`] is dropped.
fn record_phases(into: &mut BTreeMap<String, Latency>, known: &mut Vec<String>, phases: &[Phase]) {
    for phase in phases {
        if !known.contains(&phase.name) {
            if known.len() >= MAX_PHASES {
                continue;
            }
            known.push(phase.name.clone());
        }
        let us = (phase.ms * 1000.0).round() as u64;
        match into.get_mut(&phase.name) {
            Some(latency) => latency.record(us),
            None => {
                let mut latency = Latency::default();
                latency.record(us);
                into.insert(phase.name.clone(), latency);
            }
        }
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
            &[],
        );
        r.record(
            Duration::from_millis(1999),
            1,
            Duration::from_secs(5),
            Outcome::Ok,
            &[],
        );
        r.record(
            Duration::from_millis(2500),
            1,
            Duration::ZERO,
            Outcome::Status(503),
            &[],
        );
        r.record(
            Duration::from_millis(2600),
            1,
            Duration::ZERO,
            Outcome::Timeout,
            &[],
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

    fn phase(name: &str, ms: f64) -> Phase {
        Phase {
            name: name.into(),
            ms,
        }
    }

    #[test]
    fn phases_of_ok_responses_are_recorded_per_block_and_capped_per_endpoint() {
        let mut r = Recorder::new(1, Duration::from_secs(1));
        let due = Duration::from_millis(5);
        let took = Duration::from_millis(9);
        r.record(
            due,
            0,
            took,
            Outcome::Ok,
            &[phase("db", 2.5), phase("render", 0.25)],
        );
        r.record(due, 0, took, Outcome::Ok, &[phase("db", 3.0)]);
        r.record(due, 0, took, Outcome::Status(500), &[phase("db", 99.0)]);
        // A hostile app: a new name per response.
        for i in 0..100 {
            r.record(due, 0, took, Outcome::Ok, &[phase(&format!("n{i}"), 1.0)]);
        }
        let rec = r.finish(1, 103, vec![(0, None)]);
        let phases = &rec.sides[0].blocks[0][0].phases;
        assert_eq!(phases.len(), MAX_PHASES);
        assert_eq!(phases["db"].len(), 2, "the error's phase is not timed");
        assert_eq!(phases["render"].len(), 1);
        let db = phases["db"].to_histogram();
        assert!(db.equivalent(db.max(), 3_000));
        assert!(db.equivalent(db.min(), 2_500));
        assert!(phases.contains_key("n13") && !phases.contains_key("n14"));
    }
}
