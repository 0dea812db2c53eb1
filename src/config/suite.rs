//! The validated suite file: [`Config`] and its parts, every default filled
//! in and every `${VAR}` expanded; and the command line's [`Overrides`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::metric::{Metric, PhaseMetric};

/// The command line's load settings, which replace the suite file's before
/// it is validated (so that a `--block` longer than the file's duration is
/// refused like the same mistake in the file).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    pub rate: Option<f64>,
    pub duration: Option<Duration>,
    pub max_duration: Option<Duration>,
    pub block: Option<Duration>,
    pub warmup: Option<Duration>,
}

/// Where benchgate keeps its own outputs by default, relative to the
/// current directory.
pub const OUTPUT_DIR: &str = ".benchgate";

impl Overrides {
    /// `load` with what these override in it; a rate given turns `rate:
    /// auto` off.
    pub fn apply(&self, load: &mut LoadConfig) {
        if let Some(rate) = self.rate {
            load.rate = rate;
            load.rate_auto = false;
        }
        load.warmup = self.warmup.unwrap_or(load.warmup);
        load.duration = self.duration.unwrap_or(load.duration);
        load.max_duration = self.max_duration.unwrap_or(load.max_duration);
        load.block = self.block.unwrap_or(load.block);
    }
}

impl Config {
    /// `.benchgate/<suite>.<what>`: where a run's own files go by default.
    pub fn output(&self, what: &str) -> PathBuf {
        Path::new(OUTPUT_DIR).join(format!("{}.{what}", self.suite))
    }
}

/// A validated suite file.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The suite file this came from (as given by the user).
    pub path: PathBuf,
    /// Names `baselines/<suite>.json`. Letters, digits, `-`, `_`, `.`.
    pub suite: String,
    /// How to start the app; `None` targets an already running service.
    pub app: Option<AppConfig>,
    /// Scheme, host and port every endpoint path is appended to
    /// (`http://127.0.0.1:8000`, no trailing slash, no path).
    pub base_url: BaseUrl,
    pub load: LoadConfig,
    /// At least one; names are unique.
    pub endpoints: Vec<Endpoint>,
    pub gate: GateConfig,
    /// The port `${PORT}` stood for, when the file used it; such a suite can
    /// run two copies of its app side by side (A/B mode).
    pub port: Option<u16>,
}

/// `http://host:port` with the port made explicit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    pub host: String,
    pub port: u16,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AppConfig {
    /// argv, at least one element.
    pub command: Vec<String>,
    /// Run once to completion before the app is first started (argv, in
    /// `cwd`, with `env`); its output goes to the build log.
    pub build: Option<Vec<String>>,
    /// Absolute, resolved against the suite file's directory.
    pub cwd: PathBuf,
    /// Added to benchgate's own environment.
    pub env: BTreeMap<String, String>,
    pub ready: ReadyProbe,
    /// The CPUs the app and all its children run on (Linux); `None` leaves
    /// placement to the kernel. Distinct, and each one benchgate may use.
    pub cpus: Option<Vec<usize>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReadyProbe {
    /// Polled with GET until it answers 2xx. Defaults to the base URL.
    pub url: String,
    /// Default 30 s.
    pub timeout: Duration,
}

/// What `load.rate` holds while `rate: auto` has not been resolved: the
/// default rate, which what only reads the suite (validate, the bounds,
/// the judgeable-size warnings) sees.
pub const AUTO_RATE_UNTIL_CHOSEN: f64 = 50.0;

#[derive(Debug, Clone, PartialEq)]
pub struct LoadConfig {
    /// Requests per second across the whole mix; > 0. With `rate_auto`,
    /// [`AUTO_RATE_UNTIL_CHOSEN`] until the run has chosen one.
    pub rate: f64,
    /// `rate: auto`: a run chooses the rate from the app before it measures
    /// (a short probe of its capacity; in stored mode a check reuses the
    /// baseline's). `--rate` turns it off.
    pub rate_auto: bool,
    /// Most requests in flight at once; default 32.
    pub connections: u32,
    /// Sent, not recorded; default 5 s.
    pub warmup: Duration,
    /// Measured time; default 30 s. In A/B mode the least: a run goes on
    /// while a gated metric is undecided, up to `max_duration`.
    pub duration: Duration,
    /// A/B mode's budget of measured time per side: default 120 s, or
    /// `duration` when that is longer; ≥ duration.
    pub max_duration: Duration,
    /// Length of one statistics block; default 1 s; ≤ duration.
    pub block: Duration,
    /// Per request; default 2 s.
    pub timeout: Duration,
    /// Seeds the interleaving of endpoints (and A/B mode's split between the
    /// sides). `None`: a fresh seed per run, recorded in the results, so
    /// that no fixed asymmetry repeats in every run; a given seed
    /// reproduces a run.
    pub seed: Option<u64>,
    /// The CPUs the load generator's thread runs on (Linux); `None` leaves
    /// placement to the kernel. Distinct, and each one benchgate may use.
    pub cpus: Option<Vec<usize>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    pub name: String,
    pub method: String,
    /// Path and query as written in the suite file, `${VAR}`s unexpanded:
    /// what records, fingerprints and reports show (an expanded token in a
    /// query would otherwise be written in clear to a committed baseline).
    pub path: String,
    /// [`Endpoint::path`] with `${VAR}`s expanded, starts with `/`: what is
    /// sent. Never stored or printed.
    pub sent_path: String,
    /// In file order; values may hold secrets and are never written to a
    /// results file.
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
    /// Relative share of the arrival rate; ≥ 1, default 1.
    pub weight: u32,
    /// `None` means any 2xx counts as ok.
    pub expect_status: Option<u16>,
    /// Per-endpoint overrides of the suite's gate.
    pub gate: EndpointGate,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    pub bytes: Vec<u8>,
    /// What the suite's fingerprint covers: `bytes` with the value of every
    /// `${VAR}` the file expanded masked (`${}`), so that a secret in a
    /// body never reaches a baseline, not even as an unsalted hash, and a
    /// rotated token does not change the suite.
    pub fingerprinted: Vec<u8>,
    /// `application/json` for `json:`; none for a raw `body:` unless a
    /// `Content-Type` header is given.
    pub content_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GateConfig {
    /// Default p50 and mean: what a suite's rate can judge in a run's
    /// time; a tail needs many more requests (see `compare::judgeable`).
    pub metrics: Vec<Metric>,
    /// `server-timing:…` entries of `gate.metrics`: phases gated per
    /// endpoint that reports them.
    pub phases: Vec<PhaseMetric>,
    /// Slowdown that must fail the build, as a fraction (10% → 0.10).
    pub threshold: f64,
    /// Suite-wide confidence, as a fraction (99% → 0.99).
    pub confidence: f64,
    /// Absolute increase of the error rate that fails, as a fraction.
    pub max_error_rate_increase: f64,
    /// What a blind (inconclusive) metric does to the gate.
    pub inconclusive: Inconclusive,
}

/// `gate.inconclusive`: whether a metric that could not see a change of
/// the threshold passes (the default: the report counts it) or fails.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Inconclusive {
    #[default]
    Pass,
    Fail,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct EndpointGate {
    pub threshold: Option<f64>,
    pub metrics: Option<Vec<Metric>>,
    /// Set with `metrics`: the endpoint's own list replaces the suite's,
    /// phases included.
    pub phases: Option<Vec<PhaseMetric>>,
}

/// Shortest value [`masked`] masks: shorter ones are no secret, and would
/// mask ordinary digits and words of the body.
const MIN_MASKED: usize = 4;

/// `bytes` with every value of `values` (and its form inside a JSON
/// string) replaced by `${}`.
pub(super) fn masked(bytes: &[u8], values: &[String]) -> Vec<u8> {
    let mut text = String::from_utf8_lossy(bytes).into_owned();
    let mut values: Vec<&String> = values.iter().filter(|v| v.len() >= MIN_MASKED).collect();
    // Longest first, so that a value holding another goes whole.
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    for value in values {
        let quoted = serde_json::to_string(value).unwrap_or_default();
        let inner = quoted
            .get(1..quoted.len().saturating_sub(1))
            .unwrap_or_default();
        for form in [value.as_str(), inner] {
            if !form.is_empty() {
                text = text.replace(form, "${}");
            }
        }
    }
    text.into_bytes()
}
