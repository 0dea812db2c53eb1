//! The measure-until-known loop on chosen records: a fake measurer hands
//! the driver one pair of records per unit (or a failure), so every way a
//! run stops is exercised in milliseconds, without an app.
//!
//! The records are stored-mode pairs: a baseline of five runs against a
//! head of its own runs, each run 20 one-second blocks of one endpoint
//! with log-normal latencies around 2 ms, the runs apart by a set offset.

use std::collections::VecDeque;

use rand::Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::compare::{Outcome, StopReason};
use crate::config::Metric;
use crate::record::{
    self, Block, EndpointRecord, Host, LoadSummary, Measured, MeasuredEndpoint, Outcomes,
    Provenance, RunInfo,
};

/// How the runs of one side are drawn.
#[derive(Debug, Clone, Copy)]
struct Side {
    runs: usize,
    /// Multiplier on every latency (2.0 = twice as slow).
    slowdown: f64,
    /// The sd of each run's log-scale offset.
    run_sd: f64,
    seed: u64,
}

const BLOCKS: usize = 20;
const PER_BLOCK: u64 = 40;

fn side(runs: usize, slowdown: f64, run_sd: f64, seed: u64) -> Side {
    Side {
        runs,
        slowdown,
        run_sd,
        seed,
    }
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn load() -> LoadSummary {
    let requests = PER_BLOCK * BLOCKS as u64;
    LoadSummary {
        target_rate: PER_BLOCK as f64,
        achieved_rate: PER_BLOCK as f64,
        warmup_ms: 1_000,
        duration_ms: BLOCKS as u64 * 1_000,
        block_ms: 1_000,
        connections: 8,
        seed: 1,
        requests,
        late_starts: 0,
        generator_cpu_seconds: 0.25,
        generator_requests: requests,
        others_cores: None,
    }
}

fn provenance(run: usize) -> Provenance {
    Provenance {
        benchgate_version: "0.1.0".into(),
        git_commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
        git_branch: Some("main".into()),
        time_utc: format!("2024-05-01T12:{run:02}:00Z"),
        host: Host {
            cpu_model: "Test CPU @ 3.00GHz".into(),
            cores: 4,
            os: "linux 6.1.0 x86_64".into(),
        },
        placement: None,
        chosen: Vec::new(),
    }
}

fn measured() -> Measured {
    Measured {
        rate: PER_BLOCK as f64,
        connections: 8,
        block_ms: 1_000,
        timeout_ms: 5_000,
        endpoints: vec![MeasuredEndpoint {
            name: "home".into(),
            method: "GET".into(),
            path: "/home".into(),
            header_names: vec!["accept".into()],
            body_sha256: None,
            weight: 1,
            expect_status: Some(200),
        }],
    }
}

/// One endpoint's blocks, run after run.
fn blocks(spec: Side) -> Vec<Block> {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let mut blocks = Vec::new();
    for run in 0..spec.runs {
        let centre = 2_000.0 * spec.slowdown * (spec.run_sd * normal(&mut rng)).exp();
        for _ in 0..BLOCKS {
            let mut latency_us = record::new_histogram();
            for _ in 0..PER_BLOCK {
                let us = centre * (0.2 * normal(&mut rng)).exp();
                latency_us.saturating_record(us.round().max(1.0) as u64);
            }
            blocks.push(Block {
                run: run as u32,
                latency_us: latency_us.into(),
                phases: Default::default(),
                outcomes: Outcomes {
                    ok: PER_BLOCK,
                    ..Default::default()
                },
            });
        }
    }
    blocks
}

/// A record of `spec.runs` runs of the endpoint `home`.
fn record(spec: Side) -> RunRecord {
    let infos: Vec<RunInfo> = (0..spec.runs)
        .map(|run| RunInfo {
            provenance: provenance(run),
            load: load(),
        })
        .collect();
    let mut record = RunRecord {
        format: record::FORMAT,
        suite: "shop".into(),
        summary: Vec::new(),
        fingerprint: "9f2c4e1a7b3d5f60".into(),
        measured: measured(),
        provenance: provenance(0),
        load: load(),
        runs: if spec.runs > 1 { infos } else { Vec::new() },
        pairing: None,
        endpoints: vec![EndpointRecord {
            name: "home".into(),
            method: "GET".into(),
            path: "/home".into(),
            blocks: blocks(spec),
        }],
        resources: None,
    };
    record.summarize();
    record
}

/// A baseline of five quiet runs.
fn baseline() -> RunRecord {
    record(side(5, 1.0, 0.01, 1))
}

/// The gate on the median alone, at the defaults' 10% and 99%.
fn gate() -> GateSettings {
    let mut gate = GateSettings::defaults();
    gate.suite.metrics = vec![Metric::P50];
    gate
}

/// What the fake measures next: the records so far after one more unit,
/// or a failure.
type Step = Result<[RunRecord; 2], String>;

/// A measurer that hands out chosen records, one step per unit.
struct Fake {
    steps: VecDeque<Step>,
    min_rounds: u32,
    max_rounds: u32,
    round: u32,
    so_far: Option<[RunRecord; 2]>,
}

impl Fake {
    fn new(steps: Vec<Step>, min_rounds: u32, max_rounds: u32) -> Fake {
        Fake {
            steps: steps.into(),
            min_rounds,
            max_rounds,
            round: 0,
            so_far: None,
        }
    }
}

impl Measurer for Fake {
    type Measured = [RunRecord; 2];
    type Error = String;

    fn unit(&self) -> Unit {
        Unit::Run
    }

    fn measure_next(&mut self) -> Result<Look, String> {
        let step = self.steps.pop_front().ok_or("measured past the budget")?;
        self.so_far = Some(step?);
        self.round += 1;
        Ok(Look {
            round: self.round,
            min_rounds: self.min_rounds,
            max_rounds: self.max_rounds,
        })
    }

    fn so_far(&self) -> Result<[RunRecord; 2], String> {
        self.so_far.clone().ok_or_else(|| "nothing measured".into())
    }

    fn sides<'a>(&'a self, measured: &'a [RunRecord; 2]) -> [&'a RunRecord; 2] {
        [&measured[0], &measured[1]]
    }
}

/// The head after `runs` runs, each `slowdown` times the baseline's
/// latency and apart by `run_sd`.
fn head(runs: usize, slowdown: f64, run_sd: f64) -> RunRecord {
    record(side(runs, slowdown, run_sd, 7))
}

fn stopping(known: &Known<[RunRecord; 2]>) -> &Stopping {
    known
        .comparison
        .stopping
        .as_ref()
        .expect("a stopped run says how")
}

/// `n` units, each returning `pair` as the records so far.
fn same(pair: [RunRecord; 2], n: usize) -> Vec<Step> {
    (0..n).map(|_| Ok(pair.clone())).collect()
}

#[test]
fn a_run_stops_at_the_first_look_where_every_gated_metric_is_decided() {
    // Ten quiet baseline runs against five quiet head runs: unchanged.
    let pair = [record(side(10, 1.0, 0.01, 1)), head(5, 1.0, 0.01)];
    // The first look comes after the rounds of `load.duration` (3).
    let mut fake = Fake::new(same(pair, 6), 3, 6);
    let known = measure_until(&mut fake, &gate()).expect("measured");
    let stopped = stopping(&known);
    assert_eq!(stopped.reason, StopReason::Decided);
    assert_eq!((stopped.rounds, stopped.max_rounds), (3, 6));
    assert!(stopped.open.is_empty() && stopped.head_only);
    // The head's five runs of 20 s so far; the budget at that pace.
    assert_eq!((stopped.measured_s, stopped.budget_s), (100.0, 200.0));
    assert_eq!(known.comparison.outcome, Outcome::Pass);
    assert_eq!(fake.steps.len(), 3, "no unit measured after the stop");
}

#[test]
fn a_failure_clear_at_the_strict_level_stops_an_interim_look() {
    let pair = [baseline(), head(1, 2.0, 0.01)];
    let mut fake = Fake::new(same(pair, 6), 1, 6);
    let known = measure_until(&mut fake, &gate()).expect("measured");
    let stopped = stopping(&known);
    assert_eq!(stopped.reason, StopReason::ClearFailure);
    assert_eq!((stopped.rounds, stopped.max_rounds), (1, 6));
    assert_eq!(known.comparison.outcome, Outcome::Fail);
}

#[test]
fn a_metric_the_budget_cannot_decide_stops_the_run_as_blind_once_settled() {
    // A baseline whose runs spread by 10%: the median's smallest detectable
    // change is far beyond what the budget could bring down to 10%.
    let pair = [record(side(5, 1.0, 0.1, 1)), head(1, 1.0, 0.01)];
    let mut fake = Fake::new(same(pair, 4), 1, 4);
    let known = measure_until(&mut fake, &gate()).expect("measured");
    let stopped = stopping(&known);
    // Not at the first look: too few rounds for the projection to hold.
    assert_eq!(stopped.reason, StopReason::Blind);
    assert_eq!((stopped.rounds, stopped.max_rounds), (2, 4));
    assert_eq!(stopped.open, vec!["home p50".to_string()]);
    // Its only gated metric could not see: the run is not judged.
    assert_eq!(known.comparison.outcome, Outcome::NotJudged);
}

#[test]
fn a_run_still_undecided_at_its_budget_stops_there_and_names_what_is_open() {
    // A noisy head run: inconclusive, but within reach of the budget, so
    // the first look measures on.
    let pair = [baseline(), head(1, 1.0, 0.1)];
    let mut fake = Fake::new(same(pair, 2), 1, 2);
    let known = measure_until(&mut fake, &gate()).expect("measured");
    let stopped = stopping(&known);
    assert_eq!(stopped.reason, StopReason::Budget);
    assert_eq!((stopped.rounds, stopped.max_rounds), (2, 2));
    assert_eq!(stopped.open, vec!["home p50".to_string()]);
    assert!(fake.steps.is_empty());
}

#[test]
fn a_unit_that_fails_to_measure_ends_the_run_with_its_error() {
    let pair = [baseline(), head(1, 1.0, 0.1)];
    let steps = vec![Ok(pair.clone()), Err("the app died".to_string()), Ok(pair)];
    let mut fake = Fake::new(steps, 1, 3);
    let failed = measure_until(&mut fake, &gate()).expect_err("the second unit failed");
    assert_eq!(failed, "the app died");
    assert_eq!(fake.steps.len(), 1, "nothing measured after the failure");
}

#[test]
fn an_early_stop_reports_the_suites_confidence_and_leaves_the_rest_not_judged() {
    let pair = [baseline(), head(1, 2.0, 0.01)];
    let mut fake = Fake::new(same(pair, 6), 1, 6);
    let mut gate = gate();
    gate.suite.metrics = vec![Metric::P50, Metric::P99];
    let known = measure_until(&mut fake, &gate).expect("measured");
    assert_eq!(stopping(&known).reason, StopReason::ClearFailure);
    let c = &known.comparison;
    // The interim look judged at a strict level; the report says 99%.
    assert_eq!(c.confidence, 0.99);
    let undecided: Vec<_> = c.endpoints[0]
        .metrics
        .iter()
        .filter(|m| m.verdict == VerdictName::Inconclusive)
        .collect();
    assert!(!undecided.is_empty(), "{c:#?}");
    for m in undecided {
        assert_eq!(m.note.as_deref(), Some(super::NOT_JUDGED));
        assert_eq!(m.detectable, None);
    }
    assert!(
        c.sight.blind > 0 && c.sight.blind_detectable.is_none(),
        "{:?}",
        c.sight
    );
}
