//! `server-timing:<phase>` entries of `gate.metrics`: read apart from the
//! latency metrics, and each mistake located with its fix.

use super::MIN;
use crate::config::*;

fn gate(metrics: &str) -> Result<Config, ConfigError> {
    parse(
        &format!("{MIN}gate:\n  metrics: {metrics}\n"),
        Path::new("benchgate.yaml"),
    )
}

fn phase(name: &str, metric: Metric) -> PhaseMetric {
    PhaseMetric {
        phase: name.into(),
        metric,
    }
}

#[test]
fn phase_entries_are_read_apart_from_latency_metrics() {
    let config =
        gate(r#"[p50, "server-timing:db", "server-timing:render:p95", mean]"#).expect("valid");
    assert_eq!(config.gate.metrics, [Metric::P50, Metric::Mean]);
    assert_eq!(
        config.gate.phases,
        [phase("db", Metric::P50), phase("render", Metric::P95)]
    );
    assert_eq!(config.gate.phases[0].name(), "server-timing:db");
    assert_eq!(config.gate.phases[1].name(), "server-timing:render:p95");
    let only = gate(r#"["server-timing:sql.active_record"]"#).expect("valid");
    assert!(only.gate.metrics.is_empty());
    assert_eq!(only.gate.phases, [phase("sql.active_record", Metric::P50)]);
}

#[test]
fn an_endpoint_list_replaces_the_suite_phases() {
    let text = format!(
        "{MIN}    gate: {{ metrics: [p95, \"server-timing:db\"] }}\ngate:\n  metrics: [p50]\n"
    );
    let config = parse(&text, Path::new("benchgate.yaml")).expect("valid");
    assert_eq!(config.endpoints[0].gate.metrics, Some(vec![Metric::P95]));
    assert_eq!(
        config.endpoints[0].gate.phases,
        Some(vec![phase("db", Metric::P50)])
    );
    assert!(config.gate.phases.is_empty());
}

#[test]
fn a_malformed_phase_entry_names_file_line_and_fix() {
    assert_eq!(
        gate(r#"[p50, "server-timing:"]"#)
            .expect_err("refused")
            .to_string(),
        "benchgate.yaml:8:18: gate.metrics[1]: the Server-Timing phase name is empty; \
         write e.g. \"server-timing:db\" (its p50) or \"server-timing:db:p95\""
    );
    let bad_token = gate(r#"["server-timing:d b"]"#)
        .expect_err("refused")
        .to_string();
    assert!(
        bad_token.starts_with(
            "benchgate.yaml:8:13: gate.metrics[0]: phase name \"d b\" is not an HTTP token"
        ),
        "{bad_token}"
    );
    let bad_metric = gate(r#"["server-timing:db:cpu"]"#)
        .expect_err("refused")
        .to_string();
    assert!(
        bad_metric.contains("\"cpu\" is not a metric of a phase; use p50, p90, p95, p99 or mean"),
        "{bad_metric}"
    );
    let twice = gate(r#"["server-timing:db", "server-timing:db:p50"]"#)
        .expect_err("refused")
        .to_string();
    assert!(
        twice.contains("server-timing:db is listed twice"),
        "{twice}"
    );
    let unknown = gate("[p50, servertiming:db]")
        .expect_err("refused")
        .to_string();
    assert!(
        unknown.contains("or \"server-timing:<phase>\""),
        "{unknown}"
    );
}
