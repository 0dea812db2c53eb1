//! The CPU-by-endpoint lines on a comparison with an app row.

use super::*;
use crate::compare::VerdictName;

fn cost(endpoint: &str, ratio: f64, lower: f64, upper: f64) -> EndpointCpu {
    EndpointCpu {
        endpoint: endpoint.into(),
        base_ms: 1.0,
        head_ms: ratio,
        ratio,
        lower,
        upper,
        named: lower > 1.0 || upper < 1.0,
    }
}

/// The app row's `cpu/request`: +6% [+2%, +10%].
fn app() -> MetricComparison {
    MetricComparison {
        metric: Metric::Cpu,
        base_ms: Some(1.0),
        head_ms: Some(1.06),
        ratio: Some(1.06),
        lower: Some(1.02),
        upper: Some(1.10),
        p_value: Some(0.001),
        detectable: Some(0.03),
        verdict: VerdictName::Inconclusive,
        note: None,
    }
}

#[test]
fn a_named_endpoint_stands_beside_the_apps_cpu_and_the_rest_share_one_line() {
    assert!(beside(&[], Some(&app())).is_empty());
    let costs = [
        cost("health", 1.01, 0.7, 1.4),
        cost("report", 1.17, 1.09, 1.26),
        cost("search", 0.98, 0.9, 1.05),
    ];
    assert_eq!(
        beside(&costs, Some(&app())),
        [
            "(app) cpu/request +6.0% [+2.0%, +10.0%]; by endpoint: report +17.0% [+9.0%, +26.0%]",
            "CPU/request by endpoint, no change told apart: health +1.0% [-30.0%, +40.0%]; search -2.0% [-10.0%, +5.0%]",
        ]
    );
}

#[test]
fn without_the_apps_figure_the_named_line_still_names_the_endpoint() {
    assert_eq!(
        beside(&[cost("report", 1.17, 1.09, 1.26)], None),
        ["CPU/request; by endpoint: report +17.0% [+9.0%, +26.0%]"]
    );
}
