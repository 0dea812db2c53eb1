//! The suite file (`benchgate.yaml`): its schema, validation and `${VAR}`
//! expansion.
//!
//! The file is parsed once into a [`Config`]: typed, validated, with every
//! default filled in and every `${VAR}` expanded. Nothing else in benchgate
//! reads YAML. Every mistake a user can make is a [`ConfigError`] that names
//! the file, the line and what to write instead.

pub mod bounds;
mod error;
mod expand;
mod guard;
mod locate;
mod metric;
pub mod names;
mod ports;
mod raw;
mod resolve;
mod scalar;
mod values;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use error::ConfigError;
pub use metric::{Metric, PhaseMetric};
pub use scalar::{parse_duration, parse_rate};

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

/// The port `${PORT}` stands for while a suite file is only checked, not
/// run: nothing is bound or started on it (port 0 is not a valid URL port).
pub const UNBOUND_PORT: u16 = 1;

/// Reads and parses the suite file at `path`, with the command line's
/// `overrides` and `${PORT}` standing for `port` (picked by the caller when
/// it starts the app, [`UNBOUND_PORT`] when it only checks the file).
pub fn load(path: &Path, overrides: &Overrides, port: u16) -> Result<Config, ConfigError> {
    use std::io::Read as _;
    let read = |cause| ConfigError::Read {
        path: path.to_path_buf(),
        cause,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(guard::MAX_BYTES as u64 + 1).read_to_end(&mut bytes))
        .map_err(read)?;
    let text = guard::text(bytes, path)?;
    parse_with(&text, path, overrides, port)
}

/// Where benchgate keeps its own outputs by default, relative to the
/// current directory.
pub const OUTPUT_DIR: &str = ".benchgate";

impl Config {
    /// `.benchgate/<suite>.<what>`: where a run's own files go by default.
    pub fn output(&self, what: &str) -> PathBuf {
        Path::new(OUTPUT_DIR).join(format!("{}.{what}", self.suite))
    }
}

/// A loopback port nothing listens on at this moment (0 if none can be had,
/// which the app's start then reports).
pub fn free_port() -> u16 {
    let [port] = free_ports();
    port
}

pub use ports::free_ports;

/// Parses suite file text. `path` names the file in messages and anchors a
/// relative `app.cwd`.
#[cfg(test)]
pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    parse_with(text, path, &Overrides::default(), free_port())
}

/// `parse` with the command line's `overrides` and `${PORT}` standing
/// for `port`.
pub fn parse_with(
    text: &str,
    path: &Path,
    overrides: &Overrides,
    port: u16,
) -> Result<Config, ConfigError> {
    let (config, used) = expand::with_port(port, || parse_text(text, path, overrides));
    let mut config = config?;
    if used {
        config.port = Some(port);
        if let Some(app) = &mut config.app {
            app.env.insert("PORT".into(), port.to_string());
        }
    }
    Ok(config)
}

fn parse_text(text: &str, path: &Path, overrides: &Overrides) -> Result<Config, ConfigError> {
    guard::size(text.len(), path)?;
    guard::shape(text, path)?;
    let blank = |line: &str| line.trim().is_empty() || line.trim_start().starts_with('#');
    if text.lines().all(blank) {
        return Err(ConfigError::Invalid {
            file: path.to_path_buf(),
            line: 1,
            column: None,
            message: r#"the file is empty; start with "version: 1" (`benchgate init` writes a complete example)"#
                .to_string(),
        });
    }
    // A first pass that only checks the syntax, so syntax errors can be told
    // apart from schema errors and get a YAML-specific hint.
    if let Err(err) = serde_yaml::from_str::<serde::de::IgnoredAny>(text) {
        let syntax = err.location().is_some();
        return Err(ConfigError::from_yaml(path, &err, syntax));
    }
    let raw: raw::RawSuite =
        serde_yaml::from_str(text).map_err(|err| ConfigError::from_yaml(path, &err, false))?;
    resolve::resolve(raw, path, overrides).map_err(|problem| {
        let (line, column) = locate::locate(text, &problem.path);
        ConfigError::Invalid {
            file: path.to_path_buf(),
            line,
            column: Some(column),
            message: format!("{}: {}", problem.path, problem.message),
        }
    })
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

#[derive(Debug, Clone, PartialEq)]
pub struct LoadConfig {
    /// Requests per second across the whole mix; > 0.
    pub rate: f64,
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

#[cfg(test)]
mod tests_hostile;

#[cfg(test)]
mod tests_phases;
