//! The suite file (`benchgate.yaml`): its schema, validation and `${VAR}`
//! expansion.
//!
//! The file is parsed once into a [`Config`]: typed, validated, with every
//! default filled in and every `${VAR}` expanded. Nothing else in benchgate
//! reads YAML. Every mistake a user can make is a [`ConfigError`] that names
//! the file, the line and what to write instead.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

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
    /// Absolute, resolved against the suite file's directory.
    pub cwd: PathBuf,
    /// Added to benchgate's own environment.
    pub env: BTreeMap<String, String>,
    pub ready: ReadyProbe,
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
    /// Measured time; default 30 s.
    pub duration: Duration,
    /// Length of one statistics block; default 1 s; ≤ duration.
    pub block: Duration,
    /// Per request; default 2 s.
    pub timeout: Duration,
    /// Seeds the interleaving of endpoints; default 1.
    pub seed: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    pub name: String,
    pub method: String,
    /// Path and query, starts with `/`.
    pub path: String,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    P50,
    P90,
    P95,
    P99,
    Mean,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GateConfig {
    /// Default p50, p95, p99.
    pub metrics: Vec<Metric>,
    /// Slowdown that must fail the build, as a fraction (10% → 0.10).
    pub threshold: f64,
    /// Suite-wide confidence, as a fraction (99% → 0.99).
    pub confidence: f64,
    /// Absolute increase of the error rate that fails, as a fraction.
    pub max_error_rate_increase: f64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct EndpointGate {
    pub threshold: Option<f64>,
    pub metrics: Option<Vec<Metric>>,
}
