//! The comparison reports on hand-built comparisons: snapshots of what the
//! user reads (text) and what tools read (JSON), and the JSON schema.
//! The comparisons are written out by hand, not computed, so the snapshots
//! change only when a report does.

use serde_json::Value;

use super::json::write_comparison;
use super::terminal::{print_comparison, summary_line};
use crate::compare::{
    Comparison, EndpointComparison, ErrorComparison, MetricComparison, Outcome, SideInfo,
    VerdictName,
};
use crate::config::Metric;

fn side(commit: Option<&str>, time_utc: &str, runs: usize, cpu_model: &str) -> SideInfo {
    SideInfo {
        git_commit: commit.map(String::from),
        time_utc: time_utc.into(),
        runs,
        cpu_model: cpu_model.into(),
        cores: 4,
    }
}

/// A metric with an interval: (base ms, head ms), ratio and bounds.
fn metric(
    metric: Metric,
    ms: (f64, f64),
    ratio: f64,
    bounds: (Option<f64>, Option<f64>),
    p_value: f64,
    detectable: Option<f64>,
    verdict: VerdictName,
) -> MetricComparison {
    MetricComparison {
        metric,
        base_ms: Some(ms.0),
        head_ms: Some(ms.1),
        ratio: Some(ratio),
        lower: bounds.0,
        upper: bounds.1,
        p_value: Some(p_value),
        detectable,
        verdict,
        note: None,
    }
}

fn no_errors() -> ErrorComparison {
    ErrorComparison {
        base_rate: 0.0,
        head_rate: 0.0,
        max_increase: 0.01,
        p_value: Some(1.0),
        regressed: false,
    }
}

/// Passes: one metric improved, one inconclusive (with its note), and the
/// baseline came from another machine.
fn passing() -> Comparison {
    use VerdictName::{Improved, Inconclusive, Unchanged};
    let mut p99 = metric(
        Metric::P99,
        (3.71, 3.95),
        1.0647,
        (Some(0.9210), Some(1.2308)),
        0.084,
        Some(0.19),
        Inconclusive,
    );
    p99.note = Some("this run can only detect changes of about 19% or more; record more baseline runs (--runs) or longer runs".into());
    Comparison {
        suite: "shop".into(),
        outcome: Outcome::Pass,
        threshold: 0.10,
        confidence: 0.99,
        base: side(
            Some("0123456789abcdef0123456789abcdef01234567"),
            "2024-05-01T12:04:00Z",
            5,
            "Test CPU @ 3.00GHz",
        ),
        head: side(
            Some("fedcba9876543210fedcba9876543210fedcba98"),
            "2024-05-02T09:30:00Z",
            1,
            "Other CPU @ 2.10GHz",
        ),
        endpoints: vec![
            EndpointComparison {
                name: "home".into(),
                threshold: 0.10,
                metrics: vec![
                    metric(Metric::P50, (2.01, 2.03), 1.0099, (Some(0.9862), Some(1.0341)), 0.31, Some(0.04), Unchanged),
                    metric(Metric::P95, (2.78, 2.80), 1.0072, (Some(0.9655), Some(1.0507)), 0.62, Some(0.06), Unchanged),
                    p99,
                ],
                errors: no_errors(),
            },
            EndpointComparison {
                name: "search".into(),
                threshold: 0.25,
                metrics: vec![
                    metric(Metric::P50, (8.40, 7.10), 0.8452, (Some(0.8105), Some(0.8814)), 2.0e-7, Some(0.05), Improved),
                    metric(Metric::P95, (14.2, 13.9), 0.9789, (Some(0.9011), Some(1.0634)), 0.44, Some(0.11), Unchanged),
                    metric(Metric::P99, (19.8, 19.5), 0.9848, (Some(0.8513), Some(1.1393)), 0.71, Some(0.21), Unchanged),
                ],
                errors: ErrorComparison {
                    base_rate: 0.0012,
                    head_rate: 0.0015,
                    max_increase: 0.01,
                    p_value: Some(1.0),
                    regressed: false,
                },
            },
        ],
        added: Vec::new(),
        removed: Vec::new(),
        warnings: vec!["the baseline was recorded on another machine (Test CPU @ 3.00GHz, 4 cores) than this run (Other CPU @ 2.10GHz, 4 cores): machine-to-machine offsets are not covered by the intervals".into()],
    }
}

/// Fails: a 50% slowdown on one endpoint and an error-rate rise on another,
/// an endpoint with too little data (every number null), an added and a
/// removed endpoint, and a saturated run.
fn failing() -> Comparison {
    use VerdictName::{Inconclusive, Regressed, Unchanged};
    // Next to no degrees of freedom: compare() reports the lower bound as
    // exp(d − t·se) = 0 and the infinite upper bound as null.
    let mut p99 = metric(
        Metric::P99,
        (6.10, 8.90),
        1.4590,
        (Some(0.0), None),
        0.62,
        None,
        Inconclusive,
    );
    p99.note = Some("the noise is too large to detect any change; record more baseline runs (--runs) or longer runs".into());
    let too_little = MetricComparison {
        metric: Metric::P50,
        base_ms: Some(4.25),
        head_ms: None,
        ratio: None,
        lower: None,
        upper: None,
        p_value: None,
        detectable: None,
        verdict: Inconclusive,
        note: Some(
            "too little data: each side needs at least 3 blocks with successful requests".into(),
        ),
    };
    Comparison {
        suite: "shop".into(),
        outcome: Outcome::Fail,
        threshold: 0.10,
        confidence: 0.99,
        base: side(
            Some("0123456789abcdef0123456789abcdef01234567"),
            "2024-05-01T12:04:00Z",
            5,
            "Test CPU @ 3.00GHz",
        ),
        head: side(None, "2024-05-02T09:30:00Z", 1, "Test CPU @ 3.00GHz"),
        endpoints: vec![
            EndpointComparison {
                name: "search".into(),
                threshold: 0.10,
                metrics: vec![
                    metric(
                        Metric::P50,
                        (2.00, 3.01),
                        1.5050,
                        (Some(1.4312), Some(1.5826)),
                        1.0e-12,
                        Some(0.03),
                        Regressed,
                    ),
                    metric(
                        Metric::Mean,
                        (2.31, 3.40),
                        1.4719,
                        (Some(1.3900), Some(1.5586)),
                        3.0e-11,
                        Some(0.04),
                        Regressed,
                    ),
                    p99,
                ],
                errors: no_errors(),
            },
            EndpointComparison {
                name: "cart".into(),
                threshold: 0.10,
                metrics: vec![metric(
                    Metric::P50,
                    (5.02, 5.05),
                    1.0060,
                    (Some(0.9750), Some(1.0380)),
                    0.58,
                    Some(0.04),
                    Unchanged,
                )],
                errors: ErrorComparison {
                    base_rate: 0.0,
                    head_rate: 0.05,
                    max_increase: 0.01,
                    p_value: Some(2.5e-9),
                    regressed: true,
                },
            },
            EndpointComparison {
                name: "admin".into(),
                threshold: 0.10,
                metrics: vec![too_little],
                errors: ErrorComparison {
                    p_value: None,
                    ..no_errors()
                },
            },
        ],
        added: vec!["recommendations".into()],
        removed: vec!["legacy-search".into()],
        warnings: vec![
            "the run achieved 171.3/s of the 200/s target: the app or the generator was saturated"
                .into(),
        ],
    }
}

fn text(c: &Comparison) -> String {
    let mut out = Vec::new();
    print_comparison(c, &mut out).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("the report is UTF-8")
}

fn json(c: &Comparison) -> String {
    let mut out = Vec::new();
    write_comparison(c, &mut out).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("JSON is UTF-8")
}

#[test]
fn passing_comparison_as_text() {
    insta::assert_snapshot!("passing_text", text(&passing()));
}

#[test]
fn failing_comparison_as_text() {
    insta::assert_snapshot!("failing_text", text(&failing()));
}

#[test]
fn passing_comparison_as_json() {
    insta::assert_snapshot!("passing_json", json(&passing()));
}

#[test]
fn failing_comparison_as_json() {
    insta::assert_snapshot!("failing_json", json(&failing()));
}

#[test]
fn summary_line_names_the_outcome_and_the_worst_regression() {
    assert_eq!(
        summary_line(&passing()),
        "gate passed: no regression over 10%; 1 metric inconclusive"
    );
    // The worst is the largest slowdown; an error-rate regression has no
    // ratio to rank, its endpoint is counted.
    assert_eq!(
        summary_line(&failing()),
        "gate failed: 2 endpoint(s) regressed over 10%, worst search p50 +50.5%; 2 metrics inconclusive"
    );
}

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(include_str!("../../schemas/comparison.schema.json"))
        .expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

fn schema_errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

#[test]
fn the_json_report_matches_its_schema() {
    let validator = validator();
    let empty = Comparison {
        endpoints: Vec::new(),
        warnings: Vec::new(),
        ..passing()
    };
    for c in [passing(), failing(), empty] {
        let printed: Value = serde_json::from_str(&json(&c)).expect("the report is JSON");
        let errors = schema_errors(&validator, &printed);
        assert!(errors.is_empty(), "{errors:#?}");
    }
}

/// What a breakage does, and how.
type Breakage = (&'static str, fn(&mut Value));

#[test]
fn the_schema_rejects_a_broken_report() {
    let validator = validator();
    let good: Value = serde_json::from_str(&json(&failing())).expect("the report is JSON");
    let breakages: [Breakage; 6] = [
        ("unknown outcome", |v| v["outcome"] = "maybe".into()),
        ("unknown verdict", |v| {
            v["endpoints"][0]["metrics"][0]["verdict"] = "worse".into()
        }),
        ("unknown metric", |v| {
            v["endpoints"][0]["metrics"][0]["metric"] = "p42".into()
        }),
        ("extra field", |v| v["base"]["branch"] = "main".into()),
        ("missing field", |v| {
            if let Some(errors) = v["endpoints"][1]["errors"].as_object_mut() {
                errors.remove("regressed");
            }
        }),
        ("ratio as text", |v| {
            v["endpoints"][0]["metrics"][0]["ratio"] = "1.5".into()
        }),
    ];
    for (what, breakage) in breakages {
        let mut broken = good.clone();
        breakage(&mut broken);
        assert_ne!(broken, good, "{what}: the breakage changed nothing");
        assert!(!validator.is_valid(&broken), "{what} was accepted");
    }
}
