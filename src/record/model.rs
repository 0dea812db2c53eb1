//! The run record's data: what one run measured, per endpoint and per
//! block, with its provenance, load and the app's resources.
//!
//! Plain serde structs; reading one from a file that nobody checked goes
//! through [`super::decode`], never through serde directly.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use super::latency::{new_histogram, Latency};

/// The results file format this build writes and reads.
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunRecord {
    pub format: u32,
    pub suite: String,
    /// Readable per-endpoint figures, at the top so that a reviewer can read
    /// a baseline's diff. Derived from `endpoints`; never read back.
    pub summary: Vec<NamedSummary>,
    /// Hash of what was measured (endpoints and load, not the app command);
    /// two records compare only when their fingerprints match.
    pub fingerprint: String,
    /// What the fingerprint covers, readable, so a mismatch can be explained.
    pub measured: Measured,
    /// The (latest) run's provenance.
    pub provenance: Provenance,
    /// The (first) run's load figures.
    pub load: LoadSummary,
    /// When the record joins several separate runs (a baseline recorded with
    /// `--runs N`), each run's provenance and load, in order; blocks name
    /// their run by index. Empty for a single run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<RunInfo>,
    /// Set when this record is one side of an A/B run: its block `b` was
    /// measured at the same time as the other side's block `b`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pairing: Option<Pairing>,
    pub endpoints: Vec<EndpointRecord>,
    /// What the app's process tree spent per measured block (CPU, memory),
    /// or why it was not measured; absent in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
}

/// The app's resource use over the measured phase, one entry per block (the
/// load generator's blocks: block `b` starts at `b` × block after the
/// measured phase's start), read from `/proc` by the runner.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Resources {
    /// Why nothing was measured (a `base_url` target, no `/proc`, runs
    /// joined from records that did not all measure it); `blocks` is then
    /// empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub absent: Option<String>,
    #[serde(default)]
    pub blocks: Vec<ResourceBlock>,
}

/// One block's resource use by the app's whole process tree.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq)]
pub struct ResourceBlock {
    /// Which of the record's runs this block belongs to (0 for a single run).
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub run: u32,
    /// CPU time (user + system) the tree spent during the block, µs.
    pub cpu_us: u64,
    /// Requests of the block answered as expected (all endpoints): the
    /// divisor of `cpu_us` for CPU per request.
    pub ok: u64,
    /// CPU utilisation during the block, in cores (1.0 = one core busy).
    pub cpu_cores: f64,
    /// Resident memory of the tree at the block's end, bytes.
    pub rss_bytes: u64,
}

impl Resources {
    /// Resources that were not measured, and why.
    pub fn absent(why: impl Into<String>) -> Resources {
        Resources {
            absent: Some(why.into()),
            blocks: Vec::new(),
        }
    }

    /// Whether there is any block with CPU data.
    pub fn measured(&self) -> bool {
        self.absent.is_none() && !self.blocks.is_empty()
    }
}

/// How the requests of an A/B run were split between base and head.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pairing {
    /// Both apps under load at once; each scheduled request goes to one of
    /// them at random (balanced per endpoint).
    #[default]
    Random,
    /// One app at a time, in seeded A B / B A pairs of blocks.
    Alternate,
}

/// In a side-by-side record of several rounds (runs), whether round `round`
/// started the head app before the base: the rounds alternate, the base
/// first in round 0. The comparison balances the two orders, since an app
/// started first can stay slower or faster for its whole life.
pub fn head_started_first(round: u32) -> bool {
    round % 2 == 1
}

/// What [`RunRecord::append`] does with an endpoint the record lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewEndpoints {
    /// Refuse: every run of a baseline measures the same endpoints.
    Refuse,
    /// Add it: shards of a split suite measure different endpoints.
    Add,
}

/// One of several runs joined in a record.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunInfo {
    pub provenance: Provenance,
    pub load: LoadSummary,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NamedSummary {
    pub endpoint: String,
    #[serde(flatten)]
    pub summary: Summary,
}

/// The parts of the suite that the fingerprint covers.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Measured {
    pub rate: f64,
    pub connections: u32,
    pub block_ms: u64,
    pub timeout_ms: u64,
    pub endpoints: Vec<MeasuredEndpoint>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MeasuredEndpoint {
    pub name: String,
    pub method: String,
    pub path: String,
    /// Header names only: values may hold secrets.
    pub header_names: Vec<String>,
    /// SHA-256 of the request body, if any.
    pub body_sha256: Option<String>,
    pub weight: u32,
    pub expect_status: Option<u16>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Provenance {
    pub benchgate_version: String,
    pub git_commit: Option<String>,
    pub git_branch: Option<String>,
    /// RFC 3339, UTC, when the measured phase started.
    pub time_utc: String,
    pub host: Host,
    /// The CPUs the app and the generator were pinned to (`app.cpus`,
    /// `load.cpus`); absent when neither was set, and in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
    /// What the run chose from the app before it measured, a sentence each
    /// (`rate auto: 160/s, …`, the rounds' warm-up); absent when nothing
    /// was chosen, and in older files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chosen: Vec<String>,
}

/// CPU placement of a run, each side as a Linux CPU list (`1`, `0-1`,
/// `0,2`); a side that was not pinned is absent.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Placement {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<String>,
}

impl Placement {
    /// `app on CPU 1, load on CPU 0`; an unpinned side says `anywhere`.
    pub fn describe(&self) -> String {
        let side = |name: &str, cpus: &Option<String>| match cpus {
            Some(list) if list.contains([',', '-']) => format!("{name} on CPUs {list}"),
            Some(list) => format!("{name} on CPU {list}"),
            None => format!("{name} anywhere"),
        };
        format!("{}, {}", side("app", &self.app), side("load", &self.load))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Host {
    pub cpu_model: String,
    pub cores: usize,
    pub os: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LoadSummary {
    /// Target arrival rate, requests per second.
    pub target_rate: f64,
    /// Requests scheduled in the measured phase per second of it.
    pub achieved_rate: f64,
    pub warmup_ms: u64,
    pub duration_ms: u64,
    pub block_ms: u64,
    pub connections: u32,
    pub seed: u64,
    /// Requests sent in the measured phase.
    pub requests: u64,
    /// Requests that found every connection busy and started late; their
    /// wait counts in their latency.
    pub late_starts: u64,
    /// CPU time (user + system) benchgate used during warm-up and
    /// measurement, in seconds.
    pub generator_cpu_seconds: f64,
    /// Requests sent during warm-up and measurement.
    pub generator_requests: u64,
    /// CPU cores that processes other than benchgate and the app(s) kept
    /// busy during the measured time, on average (`/proc/stat`, steal time
    /// included): how loaded the machine was. Absent when benchgate did
    /// not start the app, or without `/proc`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub others_cores: Option<f64>,
}

impl LoadSummary {
    /// Whether the achieved rate fell visibly (over 2%) short of the target:
    /// the app or the generator was saturated.
    pub fn fell_short(&self) -> bool {
        self.achieved_rate > 0.0 && self.achieved_rate < 0.98 * self.target_rate
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EndpointRecord {
    pub name: String,
    pub method: String,
    pub path: String,
    pub blocks: Vec<Block>,
}

/// Readable figures for a reviewer; derived from the blocks.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    pub requests: u64,
    pub rate: f64,
    pub ok: u64,
    pub error_rate: f64,
    pub p50_ms: Option<f64>,
    pub p90_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub max_ms: Option<f64>,
    pub mean_ms: Option<f64>,
}

/// One block of one endpoint: latency of the ok requests and the count of
/// every outcome.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Block {
    /// Which of the record's runs this block belongs to (0 for a single run).
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub run: u32,
    /// Latency of the ok requests, µs, kept sparse (see [`Latency`]).
    #[serde(with = "super::histogram_text::latency_base64")]
    pub latency_us: Latency,
    pub outcomes: Outcomes,
    /// Per `Server-Timing` phase the app reported, the phase's durations
    /// (µs) in the ok responses that reported it; absent when none did, and
    /// in older files. At most [`super::limits::MAX_PHASES`] names.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        with = "super::histogram_text::phases_base64"
    )]
    pub phases: BTreeMap<String, Latency>,
}

/// How requests ended. Latency is recorded for `ok` requests only; every
/// other outcome is counted here and gated on its own.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Outcomes {
    pub ok: u64,
    /// Responses with a status other than the expected one, by code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub status: BTreeMap<u16, u64>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub timeout: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub connect: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub other: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn is_zero_u32(n: &u32) -> bool {
    *n == 0
}

impl Outcomes {
    // Saturating: decoded records are checked (`super::limits::check`) so that no
    // sum of theirs comes near 2^64; a saturated count is never a wrapped one.
    pub fn errors(&self) -> u64 {
        self.status
            .values()
            .fold(0u64, |sum, n| sum.saturating_add(*n))
            .saturating_add(self.timeout)
            .saturating_add(self.connect)
            .saturating_add(self.other)
    }

    pub fn total(&self) -> u64 {
        self.ok.saturating_add(self.errors())
    }

    pub fn add(&mut self, other: &Outcomes) {
        self.ok = self.ok.saturating_add(other.ok);
        for (code, n) in &other.status {
            let sum = self.status.entry(*code).or_default();
            *sum = sum.saturating_add(*n);
        }
        self.timeout = self.timeout.saturating_add(other.timeout);
        self.connect = self.connect.saturating_add(other.connect);
        self.other = self.other.saturating_add(other.other);
    }
}

impl EndpointRecord {
    /// All blocks' latencies merged: the pooled distribution.
    pub fn pooled(&self) -> Histogram<u64> {
        let mut pooled = new_histogram();
        for block in &self.blocks {
            block.latency_us.add_to(&mut pooled);
        }
        pooled
    }

    pub fn outcomes(&self) -> Outcomes {
        let mut total = Outcomes::default();
        for block in &self.blocks {
            total.add(&block.outcomes);
        }
        total
    }
}
