//! Hand-built run records for the tests of `compare`: seeded log-normal
//! latencies, run offsets and a per-endpoint slowdown, with every field of
//! the record filled plausibly and a fixed provenance so that nothing
//! depends on the clock or host; and the helpers the tests read
//! comparisons with.

use rand::Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::compare::{Comparison, VerdictName};
use crate::config::Metric;

use crate::record::{
    self, Block, EndpointRecord, Host, LoadSummary, Measured, MeasuredEndpoint, Outcomes,
    Provenance, RunInfo, RunRecord,
};

/// One endpoint of a simulated record.
#[derive(Debug, Clone)]
pub(crate) struct EndpointSpec {
    pub(crate) name: &'static str,
    /// Multiplier on every latency (1.5 = 50% slower).
    pub(crate) slowdown: f64,
    /// Share of requests that fail (with HTTP 500).
    pub(crate) error_rate: f64,
}

impl EndpointSpec {
    pub(crate) fn new(name: &'static str) -> EndpointSpec {
        EndpointSpec {
            name,
            slowdown: 1.0,
            error_rate: 0.0,
        }
    }

    pub(crate) fn slower(self, slowdown: f64) -> EndpointSpec {
        EndpointSpec { slowdown, ..self }
    }

    pub(crate) fn failing(self, error_rate: f64) -> EndpointSpec {
        EndpointSpec { error_rate, ..self }
    }
}

/// How a simulated record is generated.
#[derive(Debug, Clone)]
pub(crate) struct RecordSpec {
    pub(crate) endpoints: Vec<EndpointSpec>,
    pub(crate) runs: usize,
    pub(crate) blocks: usize,
    /// Requests per endpoint per block (ok and failed).
    pub(crate) per_block: u64,
    pub(crate) median_us: f64,
    /// σ of ln latency inside a block.
    pub(crate) sigma: f64,
    /// sd of each run's log-scale offset (machine speed phases).
    pub(crate) run_sd: f64,
    pub(crate) seed: u64,
    pub(crate) cpu_model: &'static str,
    pub(crate) git_commit: &'static str,
}

impl RecordSpec {
    /// `runs` × `blocks` of the named endpoints, none slowed down.
    pub(crate) fn new(names: &[&'static str], runs: usize, blocks: usize) -> RecordSpec {
        RecordSpec {
            endpoints: names.iter().map(|n| EndpointSpec::new(n)).collect(),
            runs,
            blocks,
            per_block: 40,
            median_us: 2_000.0,
            sigma: 0.2,
            run_sd: 0.0,
            seed: 1,
            cpu_model: "Test CPU @ 3.00GHz",
            git_commit: "0123456789abcdef0123456789abcdef01234567",
        }
    }

    pub(crate) fn seed(self, seed: u64) -> RecordSpec {
        RecordSpec { seed, ..self }
    }

    pub(crate) fn run_sd(self, run_sd: f64) -> RecordSpec {
        RecordSpec { run_sd, ..self }
    }

    /// Replaces the endpoint of the same name.
    pub(crate) fn with(mut self, endpoint: EndpointSpec) -> RecordSpec {
        for slot in self
            .endpoints
            .iter_mut()
            .filter(|e| e.name == endpoint.name)
        {
            *slot = endpoint.clone();
        }
        self
    }

    pub(crate) fn build(&self) -> RunRecord {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mut endpoints: Vec<EndpointRecord> = self
            .endpoints
            .iter()
            .map(|e| EndpointRecord {
                name: e.name.to_string(),
                method: "GET".into(),
                path: format!("/{}", e.name),
                blocks: Vec::new(),
            })
            .collect();
        for run in 0..self.runs {
            let offset = self.run_sd * normal(&mut rng);
            for (spec, endpoint) in self.endpoints.iter().zip(&mut endpoints) {
                for _ in 0..self.blocks {
                    let block = self.block(&mut rng, spec, offset, run as u32);
                    endpoint.blocks.push(block);
                }
            }
        }
        let infos: Vec<RunInfo> = (0..self.runs)
            .map(|run| RunInfo {
                provenance: self.provenance(run),
                load: self.load(),
            })
            .collect();
        let mut record = RunRecord {
            format: record::FORMAT,
            suite: "shop".into(),
            summary: Vec::new(),
            fingerprint: "9f2c4e1a7b3d5f60".into(),
            measured: self.measured(),
            provenance: self.provenance(self.runs.saturating_sub(1)),
            load: self.load(),
            runs: if self.runs > 1 { infos } else { Vec::new() },
            pairing: None,
            endpoints,
            resources: None,
        };
        record.summarize();
        record
    }

    fn block(&self, rng: &mut ChaCha8Rng, spec: &EndpointSpec, offset: f64, run: u32) -> Block {
        let errors = (self.per_block as f64 * spec.error_rate).round() as u64;
        let ok = self.per_block - errors;
        let centre = self.median_us * spec.slowdown * offset.exp();
        let mut latency_us = record::new_histogram();
        for _ in 0..ok {
            let us = centre * (self.sigma * normal(rng)).exp();
            latency_us.saturating_record(us.round().max(1.0) as u64);
        }
        let mut outcomes = Outcomes {
            ok,
            ..Default::default()
        };
        if errors > 0 {
            outcomes.status.insert(500, errors);
        }
        Block {
            run,
            latency_us: latency_us.into(),
            phases: Default::default(),
            outcomes,
        }
    }

    /// Requests per second over all endpoints, with 1 s blocks.
    fn rate(&self) -> f64 {
        (self.per_block * self.endpoints.len() as u64) as f64
    }

    fn measured(&self) -> Measured {
        Measured {
            rate: self.rate(),
            connections: 8,
            block_ms: 1_000,
            timeout_ms: 5_000,
            endpoints: self
                .endpoints
                .iter()
                .map(|e| MeasuredEndpoint {
                    name: e.name.to_string(),
                    method: "GET".into(),
                    path: format!("/{}", e.name),
                    header_names: vec!["accept".into()],
                    body_sha256: None,
                    weight: 1,
                    expect_status: Some(200),
                })
                .collect(),
        }
    }

    /// Run `run` started `run` minutes after noon on a fixed day.
    fn provenance(&self, run: usize) -> Provenance {
        Provenance {
            benchgate_version: "0.1.0".into(),
            git_commit: Some(self.git_commit.into()),
            git_branch: Some("main".into()),
            time_utc: format!("2024-05-01T12:{run:02}:00Z"),
            host: Host {
                cpu_model: self.cpu_model.into(),
                cores: 4,
                os: "linux 6.1.0 x86_64".into(),
            },
            placement: None,
            chosen: Vec::new(),
        }
    }

    fn load(&self) -> LoadSummary {
        let requests = self.per_block * self.endpoints.len() as u64 * self.blocks as u64;
        LoadSummary {
            target_rate: self.rate(),
            achieved_rate: self.rate(),
            warmup_ms: 2_000,
            duration_ms: self.blocks as u64 * 1_000,
            block_ms: 1_000,
            connections: 8,
            seed: self.seed,
            requests,
            late_starts: 0,
            generator_cpu_seconds: 0.25,
            generator_requests: requests + 2 * self.rate() as u64,
            others_cores: None,
        }
    }
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

pub(crate) const NAMES: [&str; 3] = ["home", "search", "cart"];

pub(crate) fn verdicts(c: &Comparison, endpoint: &str) -> Vec<(Metric, VerdictName)> {
    c.endpoints
        .iter()
        .find(|e| e.name == endpoint)
        .expect("endpoint is compared")
        .metrics
        .iter()
        .map(|m| (m.metric, m.verdict))
        .collect()
}

pub(crate) fn regressed(c: &Comparison) -> Vec<(String, Metric)> {
    c.endpoints
        .iter()
        .flat_map(|e| e.metrics.iter().map(move |m| (e, m)))
        .filter(|(_, m)| m.verdict == VerdictName::Regressed)
        .map(|(e, m)| (e.name.clone(), m.metric))
        .collect()
}

/// Five baseline runs, as `benchgate baseline update --runs 5` records.
pub(crate) fn baseline() -> RecordSpec {
    RecordSpec::new(&NAMES, 5, 20).run_sd(0.02)
}

/// One head run with a seed of its own.
pub(crate) fn head() -> RecordSpec {
    RecordSpec::new(&NAMES, 1, 20).run_sd(0.02).seed(99)
}

/// Small records for the property tests: 1–3 runs of 3–6 blocks.
pub(crate) fn small(seed: u64, runs: usize, blocks: usize, slowdown: f64) -> RunRecord {
    let mut spec = RecordSpec::new(&["a", "b"], runs, blocks)
        .seed(seed)
        .run_sd(0.03)
        .with(EndpointSpec::new("b").slower(slowdown));
    spec.per_block = 30;
    spec.build()
}
