//! The comparison reports on hand-built comparisons: snapshots of what the
//! user reads (text, Markdown, HTML) and what tools read (JSON, JUnit), the
//! JSON schema, the Markdown's and the HTML's escaping, the Markdown's size
//! cap, and `benchgate report`'s round trip through a saved comparison.
//! The comparisons are written out by hand, not computed, so the snapshots
//! change only when a report does.

use serde_json::Value;

use super::json::write_comparison;
use super::markdown::{self, MarkdownOptions};
use super::terminal::{print_comparison, summary_line};
use super::Report;
use crate::compare::{
    Comparison, Curves, EndpointComparison, ErrorComparison, Outcome, VerdictName,
};
use crate::config::Metric;

pub(super) use crate::compare::testutil::schema_errors;
use fixtures::*;

/// The report of `c`, without history.
pub(super) fn report(c: &Comparison) -> Report {
    Report::new(c.clone(), Vec::new())
}

pub(super) fn text(c: &Comparison) -> String {
    let mut out = Vec::new();
    print_comparison(&report(c), &mut out).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("the report is UTF-8")
}

pub(super) fn json(c: &Comparison) -> String {
    let mut out = Vec::new();
    write_comparison(&report(c), &mut out).expect("writing to a Vec cannot fail");
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
        "gate passed: no regression over 10%; 5 of 6 metrics could see a 10% change; 1 could not (smallest detectable 19%)"
    );
    // The worst is the largest slowdown; an error-rate regression has no
    // ratio to rank, its endpoint is counted.
    assert_eq!(
        summary_line(&failing()),
        "gate failed: 2 endpoint(s) regressed, worst search p50 +50.5% (worse at 99% confidence, by an estimated 5% or more, half the 10% threshold); 3 of 5 metrics could see a 10% change; 2 could not"
    );
}

#[test]
fn the_json_report_matches_its_schema() {
    let empty = Comparison {
        endpoints: Vec::new(),
        warnings: Vec::new(),
        pairing: None,
        accepted: Vec::new(),
        proposed: Vec::new(),
        run_noise: None,
        ..passing()
    };
    for c in [passing(), failing(), empty] {
        let printed: Value = serde_json::from_str(&json(&c)).expect("the report is JSON");
        let errors = schema_errors(&printed);
        assert!(errors.is_empty(), "{errors:#?}");
    }
}

#[test]
fn every_report_says_what_the_pull_request_changed_but_was_not_used() {
    let said = "this pull request changes baselines/demo.noise.json; the base's was used";
    let c = Comparison {
        proposed: vec![said.to_string()],
        ..failing()
    };
    let printed = json(&c);
    let value: Value = serde_json::from_str(&printed).expect("the report is JSON");
    assert_eq!(value["proposed"][0], said);
    assert!(schema_errors(&value).is_empty());
    let escaped = said.replace('\'', "&#39;");
    for (format, report) in [
        ("text", text(&c)),
        ("markdown", markdown(&c)),
        ("junit", junit(&c).replace("&apos;", "'")),
        ("html", html(&c)),
    ] {
        assert!(
            report.contains(said) || report.contains(&escaped),
            "{format}:\n{report}"
        );
    }
    // Without it, nothing is said and the JSON has no such field.
    assert!(!json(&failing()).contains("proposed"));
}

/// What a breakage does, and how.
type Breakage = (&'static str, fn(&mut Value));

#[test]
fn the_schema_rejects_a_broken_report() {
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
        assert!(!schema_errors(&broken).is_empty(), "{what} was accepted");
    }
}

pub(super) fn markdown_with(c: &Comparison, options: &MarkdownOptions) -> String {
    let mut out = Vec::new();
    markdown::write_comparison(&report(c), options, &mut out)
        .expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("Markdown is UTF-8")
}

pub(super) fn markdown(c: &Comparison) -> String {
    markdown_with(c, &MarkdownOptions::default())
}

pub(super) fn junit(c: &Comparison) -> String {
    let mut out = Vec::new();
    super::junit::write_comparison(&report(c), &mut out).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("XML is UTF-8")
}

#[test]
fn failing_comparison_as_junit() {
    let xml = junit(&failing());
    // No run times: a comparison's JUnit is the same every time.
    assert!(
        !xml.contains("time=") && !xml.contains("timestamp="),
        "{xml}"
    );
    insta::assert_snapshot!("failing_junit", xml);
}

#[test]
fn the_report_dir_holds_json_markdown_and_junit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let reports = dir.path().join("nested/reports");
    super::write_dir(&report(&failing()), &reports).expect("writes the reports");
    let read = |name: &str| std::fs::read_to_string(reports.join(name)).expect("report file");
    assert_eq!(read("comparison.json"), json(&failing()));
    assert_eq!(read("comparison.md"), markdown(&failing()));
    assert_eq!(read("junit.xml"), junit(&failing()));
    assert_eq!(read("report.html"), html(&failing()));
    let mut names: Vec<_> = std::fs::read_dir(&reports)
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "comparison.json",
            "comparison.md",
            "junit.xml",
            "report.html"
        ]
    );
}

/// The tags the HTML report writes itself; anything else came from user text.
const OUR_TAGS: &[&str] = &[
    "!DOCTYPE",
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "main",
    "header",
    "h1",
    "h2",
    "p",
    "strong",
    "ul",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "span",
    "div",
    "figure",
    "figcaption",
    "svg",
    "g",
    "line",
    "text",
    "polyline",
    "circle",
    "dl",
    "dt",
    "dd",
    "code",
    "footer",
];

#[test]
fn a_saved_comparison_reads_back_and_renders_as_the_original() {
    use crate::cli::{ReportArgs, ReportFormat};
    let dir = tempfile::tempdir().expect("temp dir");
    let saved = dir.path().join("comparison.json");
    std::fs::write(&saved, json(&failing())).expect("write");
    let read = super::read(&saved).expect("reads back");
    assert_eq!(read, report(&failing()));

    type Render = fn(&Comparison) -> String;
    let formats: [(ReportFormat, Render); 5] = [
        (ReportFormat::Text, text),
        (ReportFormat::Markdown, markdown),
        (ReportFormat::Json, json),
        (ReportFormat::Junit, junit),
        (ReportFormat::Html, html),
    ];
    for (format, render) in formats {
        let out = dir.path().join(format!("{format:?}.out"));
        let args = ReportArgs {
            comparison: saved.clone(),
            format,
            out: Some(out.clone()),
        };
        let code = crate::commands::report_file(&args).expect("renders");
        assert_eq!(code, crate::exit::Code::Pass);
        let written = std::fs::read_to_string(&out).expect("report");
        assert_eq!(written, render(&failing()), "{format:?}");
    }
}

#[test]
fn a_comparison_saved_before_curves_reads_with_none() {
    let mut value: Value = serde_json::from_str(&json(&failing())).expect("JSON");
    for endpoint in value["endpoints"].as_array_mut().expect("endpoints") {
        endpoint.as_object_mut().expect("object").remove("curves");
    }
    let old: Comparison = serde_json::from_value(value).expect("reads");
    assert!(old.endpoints.iter().all(|e| e.curves == Curves::default()));
    assert_plots_are_sane(&html(&old));
}

#[test]
fn a_missing_or_corrupt_comparison_is_a_usage_error_naming_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let corrupt = dir.path().join("corrupt.json");
    std::fs::write(&corrupt, "{\"suite\": \"shop\"").expect("write");
    let other = dir.path().join("results.json");
    std::fs::write(&other, "{\"format\": 1}").expect("write");
    for path in [dir.path().join("missing.json"), corrupt, other] {
        let message = super::read(&path).expect_err("refused").to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains("--report-dir"), "{message}");
    }
}

pub(super) fn html(c: &Comparison) -> String {
    html_of(&report(c))
}

pub(super) fn html_of(report: &Report) -> String {
    let mut out = Vec::new();
    super::html::write_comparison(report, &mut out).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("HTML is UTF-8")
}

/// Checks that every `<svg` closes before the next opens and that every
/// polyline's points are finite numbers inside the view box.
pub(super) fn assert_plots_are_sane(page: &str) -> usize {
    let opened = page.matches("<svg").count();
    assert_eq!(opened, page.matches("</svg>").count(), "{page}");
    let mut rest = page;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").expect("the svg closes") + start;
        let plot = &rest[start..end];
        assert!(!plot[4..].contains("<svg"), "nested or unclosed svg");
        for polyline in plot.split("<polyline").skip(1) {
            let points = polyline
                .split("points=\"")
                .nth(1)
                .and_then(|p| p.split('"').next())
                .expect("a polyline has points");
            assert!(!points.is_empty());
            for pair in points.split(' ') {
                let (x, y) = pair.split_once(',').expect("x,y");
                let (x, y): (f64, f64) = (x.parse().expect("x"), y.parse().expect("y"));
                assert!(x.is_finite() && y.is_finite(), "{pair}");
                assert!(
                    (0.0..=540.0).contains(&x) && (0.0..=300.0).contains(&y),
                    "{pair}"
                );
            }
        }
        rest = &rest[end + "</svg>".len()..];
    }
    opened
}

mod app_row;
mod as_html;
mod as_markdown;
mod fixtures;
mod phases;
mod readable;
