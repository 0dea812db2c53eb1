//! The load generator: an open-loop schedule replayed over a fixed number of
//! keep-alive connections, recorded per endpoint per block.
//!
//! Each side (the one target, or base and head in A/B mode) has its own
//! connection slots and its own arrival stream: the schedule's requests for
//! that side, in order. A side's request never waits for the other side's
//! connection, so a head that stalls cannot make the base queue behind it
//! (which would hide the stall: both sides slow, ratio near 1).
//!
//! Each connection slot repeatedly claims its side's next request, waits
//! until it is due and sends it. A request that is already overdue when a
//! slot claims it waited for a connection: its latency counts from the time it
//! was due (so a stalled server shows in the tail instead of quietly slowing
//! the generator down — "coordinated omission") and it is counted as a late
//! start. A request claimed on time counts from the moment it is sent, so the
//! generator's own timer granularity is never charged to the server. A
//! request that has waited longer than the timeout is a timeout without
//! being sent, so a run never outlasts its schedule by more than one timeout,
//! however slow the app.

mod client;
mod recorder;
mod schedule;
pub mod server_timing;
pub mod settle;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::Instant;

pub use client::{probe, Outcome, PreparedRequest, ProbeError, RequestError};
use recorder::Recorder;
pub use recorder::{Recorded, SideRecorded};
pub use schedule::{Pairing, Schedule};

use crate::config::{BaseUrl, Config};
use client::Connection;

/// A request that waits longer than this for a free connection counts as a
/// late start in the report (its whole wait counts in its latency anyway).
const LATE_TOLERANCE: Duration = Duration::from_millis(1);

/// Everything the generator needs, resolved from the suite.
#[derive(Debug, Clone)]
pub struct Plan {
    /// One target per side: a single one, or base and head in A/B mode.
    pub targets: Vec<Target>,
    pub schedule: Schedule,
    /// Most requests in flight per side.
    pub connections: u32,
    /// Length of one recorded block (a pair of slots when alternating).
    pub block: Duration,
    pub timeout: Duration,
    /// How the sides share the run, when there are two.
    pub pairing: Option<Pairing>,
    /// The schedule's seed: the suite's, or a fresh one.
    pub seed: u64,
    /// Share of the measured time each side is under load: 1, or ½ when
    /// the sides take turns (the run then lasts twice `duration`).
    pub turn: f64,
    /// Set to each side's rate to also keep a [`settle::Trace`] of every
    /// request from the first, warm-up included.
    pub trace: Option<f64>,
}

/// Where one side's requests go.
#[derive(Debug, Clone)]
pub struct Target {
    pub base: BaseUrl,
    /// One per endpoint, in suite order.
    pub requests: Vec<PreparedRequest>,
}

impl Target {
    fn new(config: &Config, base: &BaseUrl) -> Result<Target, RequestError> {
        let requests = config
            .endpoints
            .iter()
            .map(|e| PreparedRequest::new(base, e))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Target {
            base: base.clone(),
            requests,
        })
    }
}

impl Plan {
    /// The suite against its own `base_url`.
    pub fn new(config: &Config) -> Result<Plan, RequestError> {
        let load = &config.load;
        let seed = load.seed.unwrap_or_else(fresh_seed);
        let weights: Vec<u32> = config.endpoints.iter().map(|e| e.weight).collect();
        Ok(Plan {
            targets: vec![Target::new(config, &config.base_url)?],
            schedule: Schedule::new(load.rate, load.warmup, load.duration, &weights, seed),
            connections: load.connections,
            block: load.block,
            timeout: load.timeout,
            pairing: None,
            turn: 1.0,
            seed,
            trace: None,
        })
    }

    /// The suite against two targets at once (side 0 the base, side 1 the
    /// head), at the suite's rate per side, split by `pairing`.
    pub fn paired(
        config: &Config,
        bases: [&BaseUrl; 2],
        pairing: Pairing,
    ) -> Result<Plan, RequestError> {
        let load = &config.load;
        let seed = load.seed.unwrap_or_else(fresh_seed);
        let weights: Vec<u32> = config.endpoints.iter().map(|e| e.weight).collect();
        let schedule = Schedule::paired(
            load.rate,
            load.warmup,
            load.duration,
            &weights,
            seed,
            pairing,
            load.block,
        );
        let (block, turn) = match pairing {
            Pairing::Random => (load.block, 1.0),
            Pairing::Alternate => (2 * load.block, 0.5),
        };
        Ok(Plan {
            targets: vec![
                Target::new(config, bases[0])?,
                Target::new(config, bases[1])?,
            ],
            schedule,
            connections: load.connections,
            block,
            timeout: load.timeout,
            pairing: Some(pairing),
            turn,
            seed,
            trace: None,
        })
    }

    fn endpoints(&self) -> usize {
        self.targets.first().map_or(0, |t| t.requests.len())
    }
}

/// A seed no two runs share: the clock and the process id, mixed
/// (SplitMix64, Steele, Lea & Flood 2014).
fn fresh_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut z = nanos ^ (u64::from(std::process::id()) << 32) ^ 0x9e37_79b9_7f4a_7c15;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Counters a progress display may read while the run goes on.
#[derive(Debug, Default)]
pub struct Live {
    /// Requests that have finished, warm-up included.
    pub finished: AtomicU64,
    /// When the measured phase starts (block 0's start), set as the run
    /// begins: the clock a resource sampler aligns its readings with.
    pub measure_start: std::sync::OnceLock<Instant>,
}

/// Replays the plan and returns what was recorded. Cancel by dropping the
/// future: every connection task is aborted with it.
pub async fn run(plan: Arc<Plan>, live: Arc<Live>) -> Recorded {
    let start = Instant::now() + Duration::from_millis(5);
    let measure_start = start + plan.schedule.measure_start();
    let _ = live.measure_start.set(measure_start);
    let sides = plan.targets.len();
    let recorder = Arc::new(Mutex::new(Recorder::new(
        plan.endpoints() * sides,
        plan.block,
    )));
    let per_side = || Arc::new((0..sides).map(|_| AtomicU64::new(0)).collect::<Vec<_>>());
    let (next, late, last_start) = (per_side(), per_side(), per_side());
    let trace = plan
        .trace
        .map(|rate| Arc::new(Mutex::new(settle::Trace::new(sides, rate))));

    let mut slots = JoinSet::new();
    for side in 0..sides {
        for _ in 0..plan.connections {
            let slot = Slot {
                plan: Arc::clone(&plan),
                side,
                next: Arc::clone(&next),
                late: Arc::clone(&late),
                last_start: Arc::clone(&last_start),
                recorder: Arc::clone(&recorder),
                live: Arc::clone(&live),
                trace: trace.clone(),
                start,
                measure_start,
            };
            slots.spawn(slot.run());
        }
    }
    while slots.join_next().await.is_some() {}

    let recorder = match Arc::try_unwrap(recorder) {
        Ok(mutex) => mutex
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
        Err(shared) => shared.lock().unwrap_or_else(|p| p.into_inner()).clone(),
    };
    let late = late.iter().zip(last_start.iter()).map(|(late, last)| {
        let last = last.load(Ordering::Relaxed);
        (
            late.load(Ordering::Relaxed),
            (last > 0).then(|| Duration::from_nanos(last)),
        )
    });
    let mut recorded = recorder.finish(
        plan.endpoints(),
        plan.schedule.measured_requests() / sides as u64,
        late.collect(),
    );
    recorded.trace = trace.map(|t| t.lock().unwrap_or_else(|p| p.into_inner()).clone());
    recorded
}

/// One connection slot's loop, serving one side.
struct Slot {
    plan: Arc<Plan>,
    side: usize,
    /// Per side, the schedule position its slots claim next.
    next: Arc<Vec<AtomicU64>>,
    /// Late starts per side.
    late: Arc<Vec<AtomicU64>>,
    /// Per side, the latest actual start of a measured request, in ns from
    /// the measured phase's start.
    last_start: Arc<Vec<AtomicU64>>,
    recorder: Arc<Mutex<Recorder>>,
    live: Arc<Live>,
    trace: Option<Arc<Mutex<settle::Trace>>>,
    start: Instant,
    measure_start: Instant,
}

impl Slot {
    async fn run(self) {
        let side = self.side;
        let mut connection = Connection::new(&self.plan.targets[side].base);
        let mut fresh = true;
        let schedule = &self.plan.schedule;
        let endpoints = self.plan.endpoints();
        loop {
            // This side's stream: every position of the schedule, skipping
            // the other side's requests.
            let i = self.next[side].fetch_add(1, Ordering::Relaxed);
            if i >= schedule.total_requests() {
                connection.close().await;
                return;
            }
            if schedule.side(i) != side {
                continue;
            }
            let due = self.start + schedule.due(i);
            let claimed = Instant::now();
            let endpoint = schedule.endpoint(i);
            if claimed.saturating_duration_since(due) >= self.plan.timeout {
                // It has waited for a connection longer than a response may
                // take: a timeout, without sending it. This bounds the run
                // at its schedule plus one timeout however slow the app.
                if !schedule.is_warmup(i) {
                    self.late[side].fetch_add(1, Ordering::Relaxed);
                    let offset = due.saturating_duration_since(self.measure_start);
                    if let Ok(mut recorder) = self.recorder.lock() {
                        recorder.record(
                            offset,
                            side * endpoints + endpoint,
                            self.plan.timeout,
                            Outcome::Timeout,
                            &[],
                        );
                    }
                }
                self.live.finished.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            let started_from = if claimed > due {
                if claimed - due > LATE_TOLERANCE && !schedule.is_warmup(i) {
                    self.late[side].fetch_add(1, Ordering::Relaxed);
                }
                due
            } else {
                tokio::time::sleep_until(due).await;
                Instant::now()
            };
            if !schedule.is_warmup(i) {
                let sent = Instant::now().saturating_duration_since(self.measure_start);
                self.last_start[side].fetch_max(sent.as_nanos() as u64 + 1, Ordering::Relaxed);
            }
            let request = &self.plan.targets[side].requests[endpoint];
            let reply = connection.send(request, self.plan.timeout).await;
            let latency = Instant::now().saturating_duration_since(started_from);
            // A connection's first request also pays for opening it: the
            // trace is of the app, which the warm-up's least covers.
            let opened = std::mem::replace(&mut fresh, false);
            if let (Some(trace), Outcome::Ok, false) = (&self.trace, &reply.outcome, opened) {
                if let Ok(mut trace) = trace.lock() {
                    let offset = due.saturating_duration_since(self.start);
                    trace.record(side, offset, endpoint, latency);
                }
            }
            if !schedule.is_warmup(i) {
                let offset = due.saturating_duration_since(self.measure_start);
                if let Ok(mut recorder) = self.recorder.lock() {
                    recorder.record(
                        offset,
                        side * endpoints + endpoint,
                        latency,
                        reply.outcome,
                        &reply.phases,
                    );
                }
            }
            self.live.finished.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::Plan;

    fn suite(seed: &str) -> crate::config::Config {
        let text = format!(
            "version: 1\nsuite: s\nbase_url: \"http://127.0.0.1:8000\"\nload:\n  rate: 10/s\n{seed}endpoints:\n  - {{ name: home, path: / }}\n  - {{ name: away, path: /away }}\n"
        );
        crate::config::parse(&text, Path::new("s.yaml")).expect("valid suite")
    }

    #[test]
    fn each_run_draws_a_fresh_seed_unless_the_suite_gives_one() {
        let free = suite("");
        let seeds: Vec<u64> = (0..5)
            .map(|_| Plan::new(&free).expect("plan").seed)
            .collect();
        let mut distinct = seeds.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), seeds.len(), "{seeds:?}");
        let fixed = suite("  seed: 42\n");
        assert_eq!(Plan::new(&fixed).expect("plan").seed, 42);
        let order =
            |plan: Plan| -> Vec<usize> { (0..50).map(|i| plan.schedule.endpoint(i)).collect() };
        assert_eq!(
            order(Plan::new(&fixed).expect("plan")),
            order(Plan::new(&fixed).expect("plan")),
            "a given seed reproduces the schedule"
        );
    }
}
