//! The app row (`cpu/request`, `peak_rss`) in every report: its figures in
//! their units.

use super::*;

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
    });
    c
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
            out.contains("38.4 MiB") && out.contains("peak_rss"),
            "{format}:\n{out}"
        );
    }
    let value: Value = serde_json::from_str(&json(&c)).expect("JSON");
    assert!(schema_errors(&validator(), &value).is_empty());
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
