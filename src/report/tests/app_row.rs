//! The app row (`cpu/request`, `peak_rss`) in every report: its figures in
//! their units, its regressions named apart from the endpoints', and never
//! counted as an endpoint.

use super::*;
use crate::report::comment::HistoryRow;

/// [`failing`] with an app row: CPU per request unchanged, peak RSS ×6.19
/// (a head that leaks).
fn with_app_row(mut c: Comparison) -> Comparison {
    c.endpoints.push(EndpointComparison {
        name: crate::compare::APP_ROW.into(),
        threshold: 0.10,
        metrics: vec![
            metric(
                Metric::Cpu,
                (0.85, 0.87),
                1.0235,
                (Some(0.9612), Some(1.0898)),
                0.31,
                Some(0.06),
                VerdictName::Unchanged,
            ),
            metric(
                Metric::PeakRss,
                (6.20, 38.40),
                6.1935,
                (Some(4.9120), Some(7.8093)),
                2.0e-9,
                Some(0.07),
                VerdictName::Regressed,
            ),
        ],
        errors: ErrorComparison {
            p_value: None,
            ..no_errors()
        },
        curves: Curves::default(),
        phases: Vec::new(),
    });
    c
}

/// Only the app's memory regressed.
fn only_memory() -> Comparison {
    let mut c = with_app_row(passing());
    c.outcome = Outcome::Fail;
    c
}

#[test]
fn the_summary_line_names_the_app_metrics_apart_from_the_endpoints() {
    let line = summary_line(&with_app_row(failing()));
    assert!(
        line.starts_with(
            "gate failed: 2 endpoint(s) and the app's peak_rss regressed, worst (app) peak_rss ×6.19 (worse at 99% confidence, by an estimated 5% or more, half the 10% threshold);"
        ),
        "{line}"
    );
    let line = summary_line(&only_memory());
    assert!(
        line.starts_with(
            "gate failed: the app's peak_rss regressed, worst (app) peak_rss ×6.19 (worse at 99% confidence, by an estimated 5% or more, half the 10% threshold);"
        ),
        "{line}"
    );
}

#[test]
fn the_app_row_is_not_counted_as_an_endpoint() {
    let c = with_app_row(failing());
    assert_eq!(c.endpoint_count(), 3);
    let md = markdown(&c);
    assert!(md.contains("Suite **shop**, 3 endpoints,"), "{md}");
    assert!(html(&c).contains("Suite <strong>shop</strong>, 3 endpoints,"));
    let history = HistoryRow::of(&c, "abc", "2024-05-02T09:30:00Z");
    let names: Vec<&str> = history.figures.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["search", "cart", "admin"]);
}

#[test]
fn peak_rss_is_shown_in_mib_in_every_format() {
    let c = with_app_row(failing());
    for (format, out) in [
        ("text", text(&c)),
        ("markdown", markdown(&c)),
        ("html", html(&c)),
        ("junit", junit(&c)),
    ] {
        assert!(
            // Markdown escapes the underscore; it renders the same.
            out.contains("38.4 MiB") && (out.contains("peak_rss") || out.contains("peak\\_rss")),
            "{format}:\n{out}"
        );
    }
    let value: Value = serde_json::from_str(&json(&c)).expect("JSON");
    assert!(schema_errors(&value).is_empty());
    let app = value["endpoints"][3].clone();
    assert_eq!(app["metrics"][1]["metric"], "peak_rss", "{app:#}");
    assert_eq!(app["metrics"][1]["head_ms"], 38.4, "{app:#}");
}

#[test]
fn app_row_as_text() {
    insta::assert_snapshot!("app_row_text", text(&with_app_row(failing())));
}

#[test]
fn app_row_as_markdown() {
    insta::assert_snapshot!("app_row_markdown", markdown(&with_app_row(failing())));
}

#[test]
fn app_row_as_junit() {
    insta::assert_snapshot!("app_row_junit", junit(&with_app_row(failing())));
}
