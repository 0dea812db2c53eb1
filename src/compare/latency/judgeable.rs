//! Whether a suite's gated metrics can be judged at all: a quantile is
//! compared only with [`TAIL_REQUESTS`] successful requests above it on
//! each side, so a p99 needs 1,000 requests per endpoint and side; the
//! app's CPU time and memory only when benchgate starts the app. Said
//! before measuring (by `validate` and the gate's commands), with what
//! would fix it, instead of after as an inconclusive verdict.

use std::time::Duration;

use crate::config::{Config, Metric};
use crate::record::EndpointRecord;

/// Fewest successful requests per side above a quantile before it is
/// compared: a p99 of 200 requests is the second-largest of them, which one
/// stall moves by any amount, and no interval built from blocks of a few
/// requests each can be trusted for it.
pub const TAIL_REQUESTS: f64 = 10.0;

/// Requests per side a quantile `q` needs.
pub fn needed(q: f64) -> u64 {
    (TAIL_REQUESTS / (1.0 - q)).ceil() as u64
}

/// Why a quantile cannot be compared with this many requests, if so: each
/// side needs [`TAIL_REQUESTS`] requests above it (1,000
/// for p99).
pub(crate) fn too_few(
    metric: Metric,
    base: &EndpointRecord,
    head: &EndpointRecord,
) -> Option<String> {
    let q = metric.quantile()?;
    let needed = needed(q);
    let fewest = base.outcomes().ok.min(head.outcomes().ok);
    (fewest < needed).then(|| {
        format!(
            "too few requests for {}: {fewest} on the smaller side, {needed} needed (a longer run or a higher weight for this endpoint)",
            metric.name()
        )
    })
}

/// How long a run may measure: a stored-mode run measures `load.duration`;
/// an A/B run goes on while a metric is undecided, up to
/// `load.max_duration`, so a tail that needs more than the first but not the
/// second only makes the run longer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    Duration,
    Budget,
}

/// One sentence per gated endpoint × quantile that the suite's rate, weight
/// and duration (or A/B mode's budget, `span`) cannot give enough requests,
/// with the setting that would.
pub fn unjudgeable(config: &Config, span: Span) -> Vec<String> {
    let total: f64 = config.endpoints.iter().map(|e| f64::from(e.weight)).sum();
    let load = &config.load;
    let (within, key) = match span {
        Span::Duration => (load.duration, "load.duration"),
        Span::Budget => (load.max_duration, "load.max_duration"),
    };
    let mut out = Vec::new();
    for endpoint in &config.endpoints {
        let share = f64::from(endpoint.weight) / total.max(1.0);
        let per_second = load.rate * share;
        let requests = (per_second * within.as_secs_f64()).floor() as u64;
        let metrics = endpoint
            .gate
            .metrics
            .as_ref()
            .unwrap_or(&config.gate.metrics);
        for metric in metrics {
            let Some(q) = metric.quantile() else { continue };
            let needed = needed(q);
            if requests >= needed {
                continue;
            }
            let duration =
                Duration::from_secs((needed as f64 / per_second.max(1e-9)).ceil() as u64);
            // A tail can give way to the median; the median itself cannot.
            let or_median = if q > 0.5 {
                ", or gate it on p50 and mean"
            } else {
                ""
            };
            out.push(format!(
                "{} {} needs {needed} successful requests per run but gets about {requests} ({:.1}/s for {}): it will be inconclusive; use {key}: {} or a higher weight or rate{or_median}",
                endpoint.name,
                metric.name(),
                per_second,
                humantime::format_duration(within),
                humantime::format_duration(duration),
            ));
        }
    }
    out.extend(unmeasured_app_metrics(config));
    out
}

/// One sentence per app-level metric (`cpu`, `peak_rss`) the suite gates
/// but cannot measure: without an `app:` block benchgate does not start the
/// app, so it has no processes to read. Such a metric is not gated (each
/// comparison says so once); said beforehand, with the fix.
fn unmeasured_app_metrics(config: &Config) -> Vec<String> {
    if config.app.is_some() {
        return Vec::new();
    }
    Metric::APP
        .iter()
        .filter(|m| config.gate.metrics.contains(m))
        .map(|m| {
            let name = m.config_name();
            format!(
                "gate.metrics lists {name}, but the suite has no app: block: benchgate reads the app's CPU time and memory only from the processes it starts, so {name} is not gated; add an app: block that starts the app, or remove {name}"
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn an_app_metric_without_an_app_block_is_said_not_gated() {
        let text = "version: 1\nsuite: s\nbase_url: \"http://127.0.0.1:8000\"\nendpoints:\n  - { name: a, path: /a }\ngate:\n  metrics: [p50, cpu, peak_rss]\n";
        let config = crate::config::parse(text, Path::new("s.yaml")).expect("valid");
        let said = unjudgeable(&config, Span::Duration);
        assert_eq!(said.len(), 2, "{said:#?}");
        assert!(said[0].starts_with("gate.metrics lists cpu, but the suite has no app: block"));
        assert!(said[1].contains("so peak_rss is not gated"), "{said:#?}");
        let with_app = format!("{text}app:\n  command: [./server]\n");
        let config = crate::config::parse(&with_app, Path::new("s.yaml")).expect("valid");
        assert!(unjudgeable(&config, Span::Duration).is_empty());
    }

    #[test]
    fn a_tail_without_the_requests_it_needs_is_named_with_a_fix() {
        let text = "version: 1\nsuite: s\nbase_url: \"http://127.0.0.1:8000\"\nload:\n  rate: 50/s\n  duration: 20s\nendpoints:\n  - { name: busy, path: /a, weight: 4 }\n  - { name: rare, path: /b, weight: 1 }\ngate:\n  metrics: [p50, p95, p99]\n";
        let config = crate::config::parse(text, Path::new("s.yaml")).expect("valid");
        // busy: 40/s × 20 s = 800 (p95 ok, p99 not); rare: 10/s × 20 s = 200
        // (p95 just ok, p99 not).
        let found = unjudgeable(&config, Span::Duration);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0]
                .starts_with("busy p99 needs 1000 successful requests per run but gets about 800"),
            "{}",
            found[0]
        );
        assert!(found[0].contains("load.duration: 25s"), "{}", found[0]);
        assert!(found[1].starts_with("rare p99 needs 1000"), "{}", found[1]);
        assert!(found[1].contains("load.duration: 1m 40s"), "{}", found[1]);
        assert_eq!(needed(0.5), 20);
        // A/B mode measures up to its budget (120 s by default): 4,800 and
        // 1,200 requests, enough for both p99s.
        assert!(unjudgeable(&config, Span::Budget).is_empty());
        let short = text.replace("duration: 20s", "duration: 20s\n  max_duration: 60s");
        let config = crate::config::parse(&short, Path::new("s.yaml")).expect("valid");
        let found = unjudgeable(&config, Span::Budget);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].starts_with("rare p99 needs 1000 successful requests per run but gets about 600 (10.0/s for 1m)"),
            "{}",
            found[0]
        );
        assert!(
            found[0].contains("use load.max_duration: 1m 40s"),
            "{}",
            found[0]
        );
    }
}
