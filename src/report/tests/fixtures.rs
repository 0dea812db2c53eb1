//! Hand-built comparisons the report tests render: one that passes, one
//! that fails, one whose names and notes are hostile. Written out, not
//! computed, so that a snapshot changes only when a writer does.

use crate::compare::testutil::bare;
pub(super) use crate::compare::testutil::{no_errors, side};
use crate::compare::{
    Comparison, Curves, EndpointComparison, ErrorComparison, MetricComparison, Outcome, Point,
    SideInfo, VerdictName, CURVE_QUANTILES,
};
use crate::config::Metric;
use crate::record::Placement;

/// A metric with an interval: (base ms, head ms), ratio and bounds.
pub(super) fn metric(
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

/// Latencies at [`CURVE_QUANTILES`], in order; empty slices for no data.
pub(super) fn curves(base: &[f64], head: &[f64]) -> Curves {
    let points = |ms: &[f64]| {
        CURVE_QUANTILES
            .iter()
            .zip(ms)
            .map(|(&q, &ms)| Point { q, ms })
            .collect()
    };
    Curves {
        base: points(base),
        head: points(head),
    }
}

/// Passes: one metric improved, one inconclusive (with its note), and the
/// baseline came from another machine.
pub(super) fn passing() -> Comparison {
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
        // The head run pinned the app and the generator (app.cpus, load.cpus).
        head: SideInfo {
            placement: Some(Placement {
                app: Some("1".into()),
                load: Some("0".into()),
            }),
            ..side(
                Some("fedcba9876543210fedcba9876543210fedcba98"),
                "2024-05-02T09:30:00Z",
                1,
                "Other CPU @ 2.10GHz",
            )
        },
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
                curves: curves(
                    &[2.01, 2.35, 2.61, 2.78, 3.71, 4.20, 6.02, 9.87],
                    &[2.03, 2.36, 2.62, 2.80, 3.95, 4.51, 6.40, 11.2],
                ),
                phases: Vec::new(),
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
                curves: curves(
                    &[8.40, 10.9, 12.8, 14.2, 19.8, 22.1, 31.5, 48.0],
                    &[7.10, 9.80, 12.1, 13.9, 19.5, 21.7, 30.2, 45.3],
                ),
                phases: Vec::new(),
            },
        ],
        warnings: vec!["the baseline was recorded on another machine (Test CPU @ 3.00GHz, 4 cores) than this run (Other CPU @ 2.10GHz, 4 cores): machine-to-machine offsets are not covered by the intervals".into()],
        ..bare()
    }
}

/// Fails: a 50% slowdown on one endpoint and an error-rate rise on another,
/// an endpoint with too little data (every number null), an added and a
/// removed endpoint, and a saturated run.
pub(super) fn failing() -> Comparison {
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
                curves: curves(
                    &[2.00, 2.21, 2.48, 2.90, 6.10, 7.40, 11.3, 18.9],
                    &[3.01, 3.30, 3.62, 4.15, 8.90, 10.6, 16.8, 27.5],
                ),
                phases: Vec::new(),
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
                curves: curves(
                    &[5.02, 5.60, 6.31, 6.90, 8.75, 9.40, 12.1, 15.0],
                    &[5.05, 5.62, 6.35, 6.95, 8.81, 9.52, 12.4, 14.6],
                ),
                phases: Vec::new(),
            },
            EndpointComparison {
                name: "admin".into(),
                threshold: 0.10,
                metrics: vec![too_little],
                errors: ErrorComparison {
                    p_value: None,
                    ..no_errors()
                },
                curves: curves(&[4.25, 4.60, 5.10, 5.50, 7.00, 7.60, 9.10, 9.80], &[]),
                phases: Vec::new(),
            },
        ],
        added: vec!["recommendations".into()],
        removed: vec!["legacy-search".into()],
        warnings: vec![
            "the run achieved 171.3/s of the 200/s target: the app or the generator was saturated"
                .into(),
        ],
        ..bare()
    }
}

pub(super) fn hostile() -> Comparison {
    let mut c = failing();
    c.suite = "<b>suite</b>".into();
    let template = c.endpoints[0].clone();
    c.endpoints = HOSTILE
        .iter()
        .map(|name| {
            let mut endpoint = template.clone();
            endpoint.name = (*name).into();
            for m in &mut endpoint.metrics {
                m.note = Some(format!("note on {name}"));
            }
            endpoint
        })
        .collect();
    c.warnings = HOSTILE.iter().map(|w| format!("warning {w}")).collect();
    c.added = HOSTILE.iter().map(|n| (*n).to_string()).collect();
    c.removed = vec!["[gone]: http://evil".into()];
    c.base.git_commit = Some("[x](http://e)".into());
    c.head.git_commit = Some("<i>x</i>\n# y".into());
    c.base.cpu_model = "<b>cpu</b> | x".into();
    c.base.time_utc = "`now`".into();
    c
}

/// Names and texts that would inject Markdown or HTML if printed as they are.
pub(super) const HOSTILE: [&str; 12] = [
    "<script>alert(1)</script>",
    "a|b",
    "**bold**",
    "[x](http://evil)",
    "first line\n# second line",
    "# heading",
    "- item",
    "1. first",
    "http://evil.example/x and www.evil.example",
    "`code` &amp; <img src=x onerror=alert(1)>",
    "mail@evil.example ~~struck~~ $x^2$ _em_ \\",
    "<!-- comment",
];
