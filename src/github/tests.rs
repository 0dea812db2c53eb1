//! The comment and the annotations on hand-built comparisons: history rows
//! merged newest first and de-duplicated, the hidden data read back, the
//! chart's colour and honest axis, the size cap under a huge suite, and the
//! workflow-command escaping.

use super::comment::{self, MAX_ROWS};
use super::summary::annotations;
use crate::baseline::HistoryEntry;
use crate::compare::{
    testutil, Comparison, EndpointComparison, MetricComparison, Outcome, SideInfo, VerdictName,
};
use crate::config::Metric;
use crate::record::Host;
use crate::report::comment::{render, HistoryRow, Page, MAX_BODY};
use crate::report::Report;

/// Both sides of every comparison here.
fn side() -> SideInfo {
    testutil::side(
        Some("0123456789abcdef"),
        "2024-05-01T12:04:00Z",
        5,
        "Test CPU",
    )
}

fn metric(metric: Metric, ratio: f64, verdict: VerdictName) -> MetricComparison {
    MetricComparison {
        metric,
        base_ms: Some(2.0),
        head_ms: Some(2.0 * ratio),
        ratio: Some(ratio),
        lower: Some(ratio * 0.95),
        upper: Some(ratio * 1.05),
        p_value: Some(0.01),
        detectable: Some(0.05),
        verdict,
        note: None,
    }
}

/// `n` endpoints named `name-<i>`; the first regressed by `ratio` at p95.
fn comparison(n: usize, name: &str, ratio: f64) -> Comparison {
    let endpoints = (0..n)
        .map(|i| {
            let (r, v) = if i == 0 {
                (ratio, VerdictName::Regressed)
            } else {
                (1.0, VerdictName::Unchanged)
            };
            EndpointComparison {
                name: format!("{name}-{i}"),
                threshold: 0.10,
                metrics: vec![
                    metric(Metric::P50, 1.0, VerdictName::Unchanged),
                    metric(Metric::P95, r, v),
                ],
                errors: testutil::no_errors(),
                curves: Default::default(),
                phases: Vec::new(),
            }
        })
        .collect();
    Comparison {
        suite: "shop".into(),
        outcome: if ratio > 1.1 {
            Outcome::Fail
        } else {
            Outcome::Pass
        },
        threshold: 0.10,
        confidence: 0.99,
        base: side(),
        head: side(),
        endpoints,
        warnings: vec!["50% of\nthe runs".into()],
        ..testutil::bare()
    }
}

fn row(c: &Comparison, sha: &str) -> HistoryRow {
    HistoryRow::of(c, sha, "2024-05-02T09:30:00Z")
}

#[test]
fn a_row_names_the_worst_change_and_the_p95_of_each_endpoint() {
    let c = comparison(2, "api", 1.25);
    let r = row(&c, "abc");
    assert_eq!(r.outcome, "fail");
    assert_eq!(r.worst.as_deref(), Some("api-0 p95 +25.0%"));
    assert_eq!(r.worst_ratio, Some(1.25));
    assert_eq!(r.metric, "p95");
    assert_eq!(
        r.figures,
        vec![("api-0".into(), Some(2.5)), ("api-1".into(), Some(2.0))]
    );
}

#[test]
fn rows_are_newest_first_deduplicated_by_commit_and_capped() {
    let c = comparison(1, "api", 1.0);
    let mut rows = Vec::new();
    for i in 0..30 {
        rows = comment::merge(rows, row(&c, &format!("sha{i}")));
    }
    assert_eq!(rows.len(), MAX_ROWS);
    assert_eq!(rows[0].sha, "sha29");
    assert_eq!(rows[MAX_ROWS - 1].sha, "sha10");
    let rerun = comment::merge(rows, row(&comparison(1, "api", 1.3), "sha20"));
    assert_eq!(rerun.len(), MAX_ROWS);
    assert_eq!(rerun[0].sha, "sha20");
    assert_eq!(rerun[0].outcome, "fail");
    assert_eq!(rerun.iter().filter(|r| r.sha == "sha20").count(), 1);
}

#[test]
fn the_history_travels_hidden_in_the_body_with_a_red_chart_from_zero() {
    let c = comparison(2, "api", 1.25);
    let rows = vec![
        row(&c, "bbbbbbbbbb"),
        row(&comparison(2, "api", 1.0), "aaaa"),
    ];
    let figures = |p95| crate::baseline::EndpointFigures {
        p50_ms: Some(1.0),
        p95_ms: Some(p95),
        p99_ms: None,
        error_rate: 0.0,
    };
    let main: Vec<HistoryEntry> = (0..12)
        .map(|i| HistoryEntry {
            time_utc: format!("2024-04-{:02}T10:00:00Z", i + 1),
            git_commit: (i != 3).then(|| format!("c{i:02}ffffffffff")),
            git_branch: Some("main".into()),
            runs: 5,
            runner: Host {
                cpu_model: "cpu".into(),
                cores: 2,
                os: "linux".into(),
            },
            endpoints: [("api-0".to_string(), figures(2.0 + f64::from(i)))].into(),
        })
        .collect();
    let report = Report::new(c, main);
    let marker = comment::marker("shop");
    let page = Page {
        report: &report,
        marker: &marker,
        sha: "bbbbbbbbbb",
        run_url: Some("https://github.com/o/r/actions/runs/1"),
    };
    let body = render(&page, &rows);
    assert!(body.starts_with("<!-- benchgate:suite=shop -->\n### benchgate: ❌"));
    assert_eq!(comment::read_rows(&body), rows);
    assert!(body.contains("\"plotColorPalette\": \"#d62728\""), "{body}");
    assert!(
        body.contains("x-axis [\"aaaa\", \"bbbbbbb\"]"),
        "oldest first: {body}"
    );
    assert!(body.contains("y-axis \"head / base\" 0 --> 1.7"), "{body}");
    assert_eq!(body.matches("\n    line [").count(), 1, "one series");
    assert!(body.contains("[Workflow run](https://github.com/o/r/actions/runs/1)"));
    assert!(
        body.contains(concat!(
            "### Main branch baselines\n\n| time (UTC) | commit | api-0 p95 ms |\n",
            "| :--- | :--- | ---: |\n",
            "| 2024-04-12 10:00 | `c11fffff` | 13.0 |\n"
        )),
        "{body}"
    );
    assert_eq!(body.matches("| 2024-04-").count(), 10, "the last ten");
    assert!(body.contains("| 2024-04-04 10:00 | - | 5.00 |"), "{body}");
    assert!(comment::read_rows("no hidden data").is_empty());
    assert!(comment::read_rows("<!-- benchgate:history:!!! -->").is_empty());
}

#[test]
fn a_huge_suite_stays_under_githubs_limit() {
    let long = "endpoint-with-a-rather-long-descriptive-name".repeat(3);
    let c = comparison(400, &long, 1.5);
    let rows: Vec<HistoryRow> = (0..MAX_ROWS)
        .map(|i| row(&c, &format!("{i:040}")))
        .collect();
    let report = Report::new(c, Vec::new());
    let marker = comment::marker("shop");
    let page = Page {
        report: &report,
        marker: &marker,
        sha: "x",
        run_url: None,
    };
    let body = render(&page, &rows);
    assert!(body.chars().count() <= MAX_BODY, "{} chars", body.len());
    assert!(body.starts_with("<!-- benchgate:suite=shop -->"));
    assert!(body.contains("### benchgate: ❌"));
    let kept = comment::read_rows(&body);
    assert!(!kept.is_empty() && kept.len() < MAX_ROWS, "{}", kept.len());
    assert_eq!(kept[0], rows[0], "the newest rows stay");
}

#[test]
fn the_marker_cannot_be_closed_by_a_suite_name() {
    assert_eq!(
        comment::marker("a b-->c"),
        "<!-- benchgate:suite=a_b--_c -->"
    );
}

#[test]
fn regressions_are_errors_and_warnings_are_warnings_escaped() {
    let mut c = comparison(2, "api", 1.25);
    c.endpoints[1].metrics[0].verdict = VerdictName::Inconclusive;
    c.endpoints[1].metrics[0].note = Some("only 20%\r\ndetectable".into());
    let lines = annotations(&c);
    assert_eq!(
        lines,
        vec![
            "::error title=benchgate::api-0 p95 +25.0%25 [+18.8%25, +31.2%25]: worse at 99%25 confidence, by an estimated 5%25 or more, half the 10%25 threshold",
            "::warning title=benchgate::api-1 p50 +0.0%25 [-5.0%25, +5.0%25] inconclusive: only 20%25%0D%0Adetectable",
            "::warning title=benchgate::50%25 of%0Athe runs",
        ]
    );
}

#[test]
fn annotations_are_capped_at_what_github_shows() {
    let mut c = comparison(30, "api", 1.0);
    for endpoint in &mut c.endpoints {
        endpoint.metrics[0].verdict = VerdictName::Inconclusive;
        endpoint.metrics[1].verdict = VerdictName::Regressed;
    }
    let lines = annotations(&c);
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("::error")).count(),
        10
    );
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("::warning")).count(),
        10
    );
    assert_eq!(
        lines.last().map(String::as_str),
        Some("::warning title=benchgate::22 more warnings; see the job summary")
    );
}

/// `comparison` with one planted possible regression: api-0 p95 +26%
/// undecided after an A/B run of 120 s per side.
fn possible_regression() -> Comparison {
    let mut c = comparison(2, "api", 1.0);
    let mut planted = metric(Metric::P95, 1.26, VerdictName::Inconclusive);
    (planted.lower, planted.upper) = (Some(0.99), Some(1.60));
    planted.detectable = Some(0.30);
    c.endpoints[0].metrics[1] = planted;
    c.possible_regressions = crate::compare::PossibleRegression::of(&c.endpoints);
    c.outcome = Outcome::PossibleRegression;
    c.pairing = Some(crate::record::Pairing::Alternate);
    c.stopping = Some(crate::compare::Stopping {
        reason: crate::compare::StopReason::Budget,
        rounds: 12,
        max_rounds: 12,
        measured_s: 120.0,
        budget_s: 120.0,
        open: vec!["api-0 p95".into()],
        head_only: false,
    });
    c
}

/// `comparison` in which no gated metric could see: every metric
/// undecided, none over 10%, after an A/B run of 120 s per side that
/// stopped when the rest could not be decided.
fn saw_nothing() -> Comparison {
    let mut c = comparison(2, "api", 1.0);
    for (i, e) in c.endpoints.iter_mut().enumerate() {
        for (j, m) in e.metrics.iter_mut().enumerate() {
            *m = metric(m.metric, 1.02, VerdictName::Inconclusive);
            (m.lower, m.upper) = (Some(0.7), Some(1.5));
            m.detectable = Some([0.54, 1.1, 6.3, 0.8][i * 2 + j]);
        }
    }
    c.sight = crate::compare::Sight::of(&c.endpoints);
    assert!(c.sight.saw_nothing());
    c.outcome = Outcome::NotJudged;
    c.pairing = Some(crate::record::Pairing::Alternate);
    c.stopping = Some(crate::compare::Stopping {
        reason: crate::compare::StopReason::Blind,
        rounds: 12,
        max_rounds: 24,
        measured_s: 120.0,
        budget_s: 240.0,
        open: vec!["api-0 p50".into()],
        head_only: false,
    });
    c
}

#[test]
fn a_possible_regression_is_never_shown_as_a_pass_in_any_format() {
    let report = Report::new(possible_regression(), Vec::new());
    let json = never_a_pass(
        &report,
        "⚠ not judged: api-0 p95 +26.0% [-1.0%, +60.0%] may be over 10%; measured 120 s per side",
    );
    assert_eq!(json["outcome"], "possible-regression");
    assert_eq!(json["possible_regressions"][0]["endpoint"], "api-0");
    assert_eq!(json["possible_regressions"][0]["metric"], "p95");
    let c = &report.comparison;
    assert!(annotations(c)[0].starts_with("::warning title=benchgate possible regression::"));
}

#[test]
fn a_run_that_saw_nothing_is_never_shown_as_a_pass_in_any_format() {
    let report = Report::new(saw_nothing(), Vec::new());
    let json = never_a_pass(
        &report,
        "⚠ not judged: no gated metric could see a 10% change (smallest detectable 54%–×7.30); measured 120 s per side; raise `load.max_duration` (or --max-duration) or `load.rate`, or run `benchgate calibrate` to see what each metric needs",
    );
    assert_eq!(json["outcome"], "not-judged");
    assert_eq!(json["sight"]["seeing"], 0);
    let c = &report.comparison;
    assert!(annotations(c)[0].starts_with("::warning title=benchgate not judged::"));
}

/// Renders `report` in every format: each carries `headline` (its advice
/// said once) and no pass wording; the JSON fits the schema and is
/// returned.
fn never_a_pass(report: &Report, headline: &str) -> serde_json::Value {
    let formats = every_format(report);
    for (name, text) in &formats {
        assert!(
            text.contains(headline),
            "{name} lacks the headline:\n{text}"
        );
        let lower = text.to_lowercase();
        for pass in ["passed", "✅", "pass ·", "no regression", "passes the gate"] {
            assert!(!lower.contains(pass), "{name} says {pass:?}:\n{text}");
        }
        // A JUnit viewer counts a check not judged as skipped, not passed.
        if *name == "JUnit" {
            assert!(!text.contains("skipped=\"0\""), "{name}:\n{text}");
        }
        // What would decide the run is said once.
        assert!(
            text.matches("load.max_duration").count() <= 1,
            "{name} repeats the advice:\n{text}"
        );
    }
    let json = json_of(report);
    let errors = testutil::schema_errors(&json);
    assert!(errors.is_empty(), "{errors:?}");
    json
}

/// `report` in every format a person reads, by name, with the markup that
/// would hide a phrase undone: Markdown's escaped brackets, code spans,
/// the HTML status badge, the annotations' escaped `%`.
fn every_format(report: &Report) -> Vec<(&'static str, String)> {
    use crate::report::{write, Format};
    let c = &report.comparison;
    let render = |format| {
        let mut out = Vec::new();
        write(report, format, &mut out).expect("rendered");
        String::from_utf8(out).expect("UTF-8")
    };
    let dir = tempfile::tempdir().expect("a temp dir");
    let summary_path = dir.path().join("summary.md");
    super::summary::append_job_summary(report, &summary_path).expect("written");
    let page = Page {
        report,
        marker: "<!-- benchgate:shop -->",
        sha: "abc",
        run_url: None,
    };
    let formats = [
        ("terminal", render(Format::Text)),
        ("Markdown", render(Format::Markdown)),
        // The headline's mark is the HTML's status badge.
        ("HTML", render(Format::Html).replace("⚠</span> ", "⚠ ")),
        ("JUnit", render(Format::Junit)),
        ("comment", render_page(&page, &[row(c, "abc")])),
        (
            "job summary",
            fs_err::read_to_string(&summary_path).expect("read"),
        ),
        ("annotations", annotations(c).join("\n")),
    ];
    formats
        .into_iter()
        .map(|(name, text)| {
            let text = text
                .replace("\\[", "[")
                .replace("\\]", "]")
                .replace("<code>", "`")
                .replace("</code>", "`")
                .replace("%25", "%");
            (name, text)
        })
        .collect()
}

fn json_of(report: &Report) -> serde_json::Value {
    let mut out = Vec::new();
    crate::report::write(report, crate::report::Format::Json, &mut out).expect("rendered");
    serde_json::from_slice(&out).expect("JSON")
}

#[test]
fn a_regression_under_the_threshold_is_worded_as_what_the_gate_tested() {
    // cpu/request +6.0% [+2.5%, +9.6%]: worse at 99% confidence, and at
    // least half the 10% threshold, so it fails; it is not "over 10%".
    let mut c = comparison(2, "api", 1.0);
    c.endpoints[0].metrics[1] = metric(Metric::P50, 1.0, VerdictName::Unchanged);
    let mut app = c.endpoints[1].clone();
    app.name = crate::config::names::APP_ROW.into();
    let mut cpu = metric(Metric::Cpu, 1.06, VerdictName::Regressed);
    (cpu.lower, cpu.upper) = (Some(1.025), Some(1.096));
    app.metrics = vec![cpu];
    c.endpoints.push(app);
    c.outcome = Outcome::Fail;
    let report = Report::new(c, Vec::new());
    let means = "worse at 99% confidence, by an estimated 5% or more, half the 10% threshold";
    for (name, text) in every_format(&report) {
        assert!(
            text.contains(means),
            "{name} lacks what was tested:\n{text}"
        );
        assert!(text.contains("+6.0%"), "{name}:\n{text}");
        for over in [
            "over 10%",
            "over threshold",
            "regressed over",
            "over the threshold",
        ] {
            assert!(!text.contains(over), "{name} says {over:?}:\n{text}");
        }
    }
    let summary = crate::report::terminal::summary_line(&report.comparison);
    assert!(
        summary.starts_with(&format!(
            "gate failed: the app's cpu/request regressed, worst (app) cpu/request +6.0% ({means}); "
        )),
        "{summary}"
    );
}

fn render_page(page: &Page<'_>, rows: &[HistoryRow]) -> String {
    render(page, rows)
}
