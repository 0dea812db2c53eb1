//! The statistics a gate can compare — each endpoint's latency metrics,
//! the app's own (CPU per request, peak memory), Server-Timing phases —
//! their names, and how a suite file's names are read.

/// A statistic the gate compares: a latency statistic of each endpoint,
/// written `p50` … `mean`, or a suite-level metric of the app's process
/// tree: its CPU time per request (`cpu`, reported as `cpu/request`) or its
/// peak resident memory (`peak_rss`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    P50,
    P90,
    P95,
    P99,
    Mean,
    /// CPU time of the app's process tree per successful request.
    #[serde(rename = "cpu/request")]
    Cpu,
    /// Highest resident memory of the app's process tree over the run.
    #[serde(rename = "peak_rss")]
    PeakRss,
}

impl Metric {
    /// Every metric, in report order.
    pub const ALL: [Metric; 7] = [
        Metric::P50,
        Metric::P90,
        Metric::P95,
        Metric::P99,
        Metric::Mean,
        Metric::Cpu,
        Metric::PeakRss,
    ];

    /// The app-level metrics, compared once per suite (the `(app)` row).
    pub const APP: [Metric; 2] = [Metric::Cpu, Metric::PeakRss];

    /// The latency metrics, compared per endpoint.
    pub const LATENCY: [Metric; 5] = [
        Metric::P50,
        Metric::P90,
        Metric::P95,
        Metric::P99,
        Metric::Mean,
    ];

    /// The name used in the suite file and in reports.
    pub fn name(&self) -> &'static str {
        match self {
            Metric::P50 => "p50",
            Metric::P90 => "p90",
            Metric::P95 => "p95",
            Metric::P99 => "p99",
            Metric::Mean => "mean",
            Metric::Cpu => "cpu/request",
            Metric::PeakRss => "peak_rss",
        }
    }

    /// The name written in a suite file's `gate.metrics` (`cpu` for
    /// `cpu/request`).
    pub fn config_name(&self) -> &'static str {
        match self {
            Metric::Cpu => "cpu",
            other => other.name(),
        }
    }

    /// Whether this is a per-endpoint latency metric (not one of the app's).
    pub fn is_latency(&self) -> bool {
        !Metric::APP.contains(self)
    }

    /// The unit of the metric's base and head figures in a comparison:
    /// `ms`, or `MiB` for `peak_rss`.
    pub fn unit(&self) -> &'static str {
        match self {
            Metric::PeakRss => "MiB",
            _ => "ms",
        }
    }

    /// This metric of a latency histogram, in its unit (µs).
    pub fn of(&self, histogram: &hdrhistogram::Histogram<u64>) -> f64 {
        match self.quantile() {
            Some(q) => histogram.value_at_quantile(q) as f64,
            None => histogram.mean(),
        }
    }

    /// The quantile this metric reads (0.5 for p50); `None` for the mean.
    pub fn quantile(&self) -> Option<f64> {
        match self {
            Metric::P50 => Some(0.50),
            Metric::P90 => Some(0.90),
            Metric::P95 => Some(0.95),
            Metric::P99 => Some(0.99),
            Metric::Mean | Metric::Cpu | Metric::PeakRss => None,
        }
    }

    /// The metric a suite file names (`cpu` or `cpu/request`, `p95`, …), or
    /// an error that lists the names and suggests a near miss.
    pub(super) fn parse(s: &str) -> Result<Metric, MetricError> {
        let written = s.trim();
        Metric::ALL
            .into_iter()
            .find(|m| m.config_name() == written || m.name() == written)
            .ok_or_else(|| MetricError::Unknown {
                written: s.to_string(),
            })
    }
}

const PHASE_EXAMPLE: &str = r#"write e.g. "server-timing:db" (its p50) or "server-timing:db:p95""#;

/// A `gate.metrics` entry that names no metric.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetricError {
    #[error(
        r#""{written}" is not a metric; {hint}use one of {names}, or "server-timing:<phase>""#,
        hint = metric_hint(written.trim()),
        names = config_names()
    )]
    Unknown { written: String },
    #[error("the Server-Timing phase name is empty; {PHASE_EXAMPLE}")]
    PhaseEmpty,
    #[error("{0}; {PHASE_EXAMPLE}")]
    PhaseName(#[source] super::names::NameError),
    #[error(
        r#""{name}" is not a metric of a phase; use p50, p90, p95, p99 or mean, e.g. "server-timing:{phase}:p95""#
    )]
    NotPhaseMetric { name: String, phase: String },
}

/// The names `gate.metrics` accepts, for a message.
fn config_names() -> String {
    let names: Vec<_> = Metric::ALL.iter().map(Metric::config_name).collect();
    names.join(", ")
}

/// `server-timing:<phase>[:<metric>]` in `gate.metrics`: a latency metric
/// (p50 unless named) of one `Server-Timing` phase, gated for every endpoint
/// whose responses report that phase.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PhaseMetric {
    pub phase: String,
    /// A latency metric (never `cpu/request`).
    pub metric: Metric,
}

impl PhaseMetric {
    /// What the suite file's list calls it (the metric only when not p50).
    pub fn name(&self) -> String {
        match self.metric {
            Metric::P50 => format!("server-timing:{}", self.phase),
            other => format!("server-timing:{}:{}", self.phase, other.name()),
        }
    }

    /// `<phase>[:<metric>]` after `server-timing:`.
    pub(super) fn parse(rest: &str) -> Result<PhaseMetric, MetricError> {
        let (phase, which) = match rest.split_once(':') {
            Some((phase, which)) => (phase, Some(which)),
            None => (rest, None),
        };
        if phase.is_empty() {
            return Err(MetricError::PhaseEmpty);
        }
        super::names::check_phase(phase).map_err(MetricError::PhaseName)?;
        let metric = match which.map(str::trim) {
            None => Metric::P50,
            Some(name) => Metric::LATENCY
                .into_iter()
                .find(|m| m.name() == name)
                .ok_or_else(|| MetricError::NotPhaseMetric {
                    name: name.to_string(),
                    phase: phase.to_string(),
                })?,
        };
        Ok(PhaseMetric {
            phase: phase.to_string(),
            metric,
        })
    }
}

/// "did you mean `peak_rss`? " for a near miss (two edits or fewer, or a
/// name about memory), or nothing.
fn metric_hint(written: &str) -> String {
    let lower = written.to_ascii_lowercase();
    if lower.contains("rss") || lower.contains("mem") {
        return format!("did you mean `{}`? ", Metric::PeakRss.config_name());
    }
    Metric::ALL
        .iter()
        .map(|m| {
            (
                super::error::distance(&lower, m.config_name()),
                m.config_name(),
            )
        })
        .min()
        .filter(|(d, _)| *d <= 2)
        .map_or_else(String::new, |(_, name)| format!("did you mean `{name}`? "))
}
