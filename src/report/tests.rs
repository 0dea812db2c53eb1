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
    Comparison, Curves, EndpointComparison, ErrorComparison, MetricComparison, Outcome, Point,
    SideInfo, VerdictName, CURVE_QUANTILES,
};
use crate::config::Metric;
use crate::record::Placement;

fn side(commit: Option<&str>, time_utc: &str, runs: usize, cpu_model: &str) -> SideInfo {
    SideInfo {
        git_commit: commit.map(String::from),
        time_utc: time_utc.into(),
        runs,
        cpu_model: cpu_model.into(),
        cores: 4,
        placement: None,
    }
}

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
fn curves(base: &[f64], head: &[f64]) -> Curves {
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
        added: Vec::new(),
        removed: Vec::new(),
        warnings: vec!["the baseline was recorded on another machine (Test CPU @ 3.00GHz, 4 cores) than this run (Other CPU @ 2.10GHz, 4 cores): machine-to-machine offsets are not covered by the intervals".into()],
        pairing: None,
        accepted: Vec::new(),
        run_noise: None,
        capacity: None,
        sight: Default::default(),
        failed: Vec::new(),
        invalid: Vec::new(),
        memory: None,
        stopping: None,
        undecidable: None,
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
        pairing: None,
        accepted: Vec::new(),
        run_noise: None,
        capacity: None,
        sight: Default::default(),
        failed: Vec::new(),
        invalid: Vec::new(),
        memory: None,
        stopping: None,
        undecidable: None,
    }
}

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
        "gate failed: 2 endpoint(s) regressed over 10%, worst search p50 +50.5%; 3 of 5 metrics could see a 10% change; 2 could not"
    );
}

pub(super) fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(include_str!("../../schemas/comparison.schema.json"))
        .expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

pub(super) fn schema_errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
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
        pairing: None,
        accepted: Vec::new(),
        run_noise: None,
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

fn markdown_with(c: &Comparison, options: &MarkdownOptions) -> String {
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
fn passing_comparison_as_markdown() {
    insta::assert_snapshot!("passing_markdown", markdown(&passing()));
}

#[test]
fn failing_comparison_as_markdown() {
    insta::assert_snapshot!("failing_markdown", markdown(&failing()));
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
fn the_markdown_headline_counts_error_rates_and_names_the_worst_ratio() {
    let failed = markdown(&failing());
    assert!(failed.starts_with("### benchgate: ❌ 3 regressions — worst search p50 +50.5%\n"));
    let passed = markdown(&passing());
    assert!(passed.starts_with(
        "### benchgate: ✅ passed — 5 of 6 metrics could see a 10% change; 1 could not (smallest detectable 19%)\n"
    ));
    // Only an error rate regressed: it is the worst.
    let mut errors_only = failing();
    errors_only.endpoints.remove(0);
    assert!(markdown(&errors_only)
        .starts_with("### benchgate: ❌ 1 regression — worst cart error rate +5.00 pt\n"));
}

/// Names and texts that would inject Markdown or HTML if printed as they are.
const HOSTILE: [&str; 12] = [
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

fn hostile() -> Comparison {
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

/// The plain text of a node: its text, code and line breaks.
fn plain_text<'a>(node: &'a comrak::nodes::AstNode<'a>) -> String {
    use comrak::nodes::NodeValue;
    node.descendants()
        .map(|n| match &n.data.borrow().value {
            NodeValue::Text(t) => t.to_string(),
            NodeValue::Code(c) => c.literal.clone(),
            NodeValue::SoftBreak | NodeValue::LineBreak => " ".into(),
            _ => String::new(),
        })
        .collect()
}

#[test]
fn markdown_escapes_user_text() {
    use comrak::nodes::NodeValue;
    let md = markdown(&hostile());
    let mut options = comrak::Options::default();
    let ext = &mut options.extension;
    (ext.table, ext.autolink, ext.strikethrough, ext.tagfilter) = (true, true, true, true);
    (ext.footnotes, ext.math_dollars, ext.tasklist) = (true, true, true);
    let arena = comrak::Arena::new();
    let root = comrak::parse_document(&arena, &md, &options);

    let ours = ["<details>", "<summary>Full numbers</summary>", "</details>"];
    let mut tables = Vec::new();
    for node in root.descendants() {
        match &node.data.borrow().value {
            NodeValue::HtmlInline(html) => panic!("raw HTML {html:?} in\n{md}"),
            NodeValue::HtmlBlock(html) => assert!(
                html.literal.lines().all(|l| ours.contains(&l.trim())),
                "raw HTML {:?} in\n{md}",
                html.literal
            ),
            NodeValue::Link(link) => panic!("link to {} in\n{md}", link.url),
            NodeValue::Heading(_) => assert!(
                plain_text(node).starts_with("benchgate:"),
                "a heading from user text: {:?}",
                plain_text(node)
            ),
            NodeValue::Math(_) | NodeValue::Strikethrough | NodeValue::Emph => {
                panic!("{:?} from user text in\n{md}", node.data.borrow().value)
            }
            NodeValue::FootnoteReference(_) | NodeValue::TaskItem(_) => {
                panic!("{:?} from user text in\n{md}", node.data.borrow().value)
            }
            NodeValue::Table(_) => tables.push(node),
            _ => {}
        }
    }

    // Both tables (the summary and the full numbers) keep every row, each
    // with its columns, and the endpoint cell reads as the name.
    let expected_rows = HOSTILE.len() * 3 + 1;
    assert_eq!(tables.len(), 3, "{md}");
    for (table, columns) in tables.iter().zip([7, 10]) {
        let rows: Vec<_> = table.children().collect();
        assert_eq!(rows.len(), expected_rows, "{md}");
        for (row, name) in rows.iter().skip(1).zip(HOSTILE.iter().flat_map(|n| [n; 3])) {
            let cells: Vec<String> = row.children().map(plain_text).collect();
            assert_eq!(cells.len(), columns, "{cells:?}");
            assert!(cells.iter().all(|c| !c.is_empty()), "{cells:?}");
            assert_eq!(cells[0], name.replace('\n', " ").trim(), "{cells:?}");
        }
    }
    // Every list item reads as the text that went in.
    let items: Vec<String> = root
        .descendants()
        .filter(|n| matches!(n.data.borrow().value, NodeValue::Item(_)))
        .map(plain_text)
        .collect();
    for w in HOSTILE {
        let flat = w.replace('\n', " ");
        assert!(
            items.iter().any(|i| i.contains(&format!("warning {flat}"))),
            "{flat:?} not in {items:#?}"
        );
    }
}

/// `n` endpoints of three unchanged metrics, every 100th regressed on p95.
fn many_endpoints(n: usize) -> Comparison {
    let mut c = passing();
    let template = c.endpoints[0].clone();
    c.endpoints = (0..n)
        .map(|i| {
            let mut endpoint = template.clone();
            endpoint.name = format!("endpoint-{i:04}");
            endpoint.metrics[2].verdict = VerdictName::Unchanged;
            endpoint.metrics[2].note = None;
            if i % 100 == 7 {
                endpoint.metrics[1].verdict = VerdictName::Regressed;
                endpoint.metrics[1].ratio = Some(1.25);
            }
            endpoint
        })
        .collect();
    c.outcome = Outcome::Fail;
    c
}

#[test]
fn a_long_markdown_report_is_cut_to_size_but_keeps_every_regression() {
    let c = many_endpoints(2_000);
    let options = MarkdownOptions::default();
    let md = markdown_with(&c, &options);
    assert!(md.len() <= options.max_bytes, "{} bytes", md.len());
    assert!(md.starts_with("### benchgate: ❌ 20 regressions — worst endpoint-0007 p95 +25.0%"));
    assert!(!md.contains("<details>"), "the full numbers go first");
    for i in (7..2_000).step_by(100) {
        let row = format!("| endpoint-{i:04} | p95 |");
        assert!(md.contains(&row), "{row} is missing");
    }
    let omitted = md
        .lines()
        .find(|l| l.contains("rows omitted; see the full report in the job's artifacts"))
        .expect("says rows were omitted");
    let shown = md.lines().filter(|l| l.starts_with("| endpoint-")).count();
    assert_eq!(
        omitted,
        format!(
            "_{} rows omitted; see the full report in the job's artifacts._",
            6_000 - shown
        )
    );
    // The rows kept fill the room: one more would not fit.
    assert!(md.len() + 60 > options.max_bytes, "{} bytes", md.len());
}

#[test]
fn a_short_markdown_report_is_whole() {
    let md = markdown(&many_endpoints(20));
    assert!(md.contains("<details>"));
    assert!(!md.contains("omitted"));
    // Dropping the full numbers alone may be enough.
    let full = md.len();
    let cut = markdown_with(
        &many_endpoints(20),
        &MarkdownOptions {
            max_bytes: full - 1,
        },
    );
    assert!(
        !cut.contains("<details>") && !cut.contains("omitted"),
        "{cut}"
    );
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

fn html(c: &Comparison) -> String {
    html_of(&report(c))
}

fn html_of(report: &Report) -> String {
    let mut out = Vec::new();
    super::html::write_comparison(report, &mut out).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("HTML is UTF-8")
}

#[test]
fn failing_comparison_as_html() {
    insta::assert_snapshot!("failing_html", html(&failing()));
}

#[test]
fn a_passing_html_report_says_so() {
    let page = html(&passing());
    assert!(
        page.contains("<h1><span class=\"status\">PASS</span> No regressions — suite shop</h1>")
    );
    assert!(page.contains("<title>benchgate: suite shop passed</title>"));
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

/// Every tag name in `html`, opening or closing.
fn tag_names(html: &str) -> Vec<&str> {
    html.split('<')
        .skip(1)
        .map(|rest| {
            let rest = rest.strip_prefix('/').unwrap_or(rest);
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '!'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

#[test]
fn html_escapes_user_text() {
    let mut c = hostile();
    let script = r#"<script>alert("x" & 'y')</script>"#;
    c.endpoints[0].name = script.into();
    c.warnings.push(script.into());
    let page = html(&c);
    for name in tag_names(&page) {
        assert!(OUR_TAGS.contains(&name), "tag <{name}> from user text");
    }
    assert!(!page.to_lowercase().contains("<script"));
    assert!(!page.contains("<b>"), "the suite name is escaped");
    let escaped = "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;";
    assert!(page.contains(&format!("<td class=\"endpoint\">{escaped}</td>")));
    assert!(page.contains(&format!("<li>⚠ {escaped}</li>")));
    assert!(page.contains(&format!("aria-label=\"Latency of {escaped} by percentile")));
    assert!(page.contains("<title>benchgate: suite &lt;b&gt;suite&lt;/b&gt; failed</title>"));
}

/// Checks that every `<svg` closes before the next opens and that every
/// polyline's points are finite numbers inside the view box.
fn assert_plots_are_sane(page: &str) -> usize {
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

#[test]
fn every_endpoint_gets_a_well_formed_plot() {
    let page = html(&failing());
    assert_eq!(assert_plots_are_sane(&page), 3);
    // Two lines where both sides have data; the admin endpoint's head has none.
    assert_eq!(page.matches("<polyline class=\"base\"").count(), 3);
    assert_eq!(page.matches("<polyline class=\"head\"").count(), 2);
    assert!(page.contains(">head (no data)</text>"));

    // Odd data: no curves, a non-finite or negative latency, all zeros.
    let mut odd = failing();
    odd.endpoints[0].curves = Curves::default();
    odd.endpoints[1].curves.head[3].ms = f64::NAN;
    odd.endpoints[1].curves.base[7].ms = f64::INFINITY;
    odd.endpoints[1].curves.base[0].ms = -1.0;
    odd.endpoints[2].curves = curves(&[0.0; 8], &[0.0; 8]);
    let page = html(&odd);
    assert_eq!(assert_plots_are_sane(&page), 3);
    assert!(page.contains(">no latency data</text>"));
}

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

#[test]
fn the_html_report_charts_the_main_branch_history() {
    use crate::baseline::{EndpointFigures, HistoryEntry};
    let entry = |commit: &str, p95: f64| HistoryEntry {
        time_utc: "2024-05-01T12:00:00Z".into(),
        git_commit: Some(commit.into()),
        git_branch: Some("main".into()),
        runs: 5,
        runner: crate::record::Host {
            cpu_model: "Test CPU".into(),
            cores: 2,
            os: "linux".into(),
        },
        endpoints: [(
            "<b>search</b>".to_string(),
            EndpointFigures {
                p50_ms: Some(1.0),
                p95_ms: Some(p95),
                p99_ms: None,
                error_rate: 0.0,
            },
        )]
        .into_iter()
        .collect(),
    };
    let c = failing();
    assert!(
        !html(&c).contains("Main-branch history"),
        "no history, no chart"
    );
    let history = vec![
        entry("aaaaaaa1", 2.0),
        entry("bbbbbbb2", 2.5),
        entry("ccccccc3", f64::NAN),
    ];
    let page = html_of(&Report::new(c, history));
    assert!(page.contains("Main-branch history"));
    assert!(page.contains("&lt;b&gt;search&lt;/b&gt;") && !page.contains("<b>search</b>"));
    assert!(page.contains("aaaaaaa") && page.contains("ccccccc"));
    let chart = page
        .split("<svg class=\"plot history\"")
        .nth(1)
        .expect("history chart");
    let chart = chart.split("</svg>").next().expect("closed");
    let points = chart
        .split("points=\"")
        .nth(1)
        .and_then(|p| p.split('"').next())
        .expect("a line");
    assert_eq!(
        points.split(' ').count(),
        2,
        "the NaN point is left out: {points}"
    );
    assert!(points
        .split([' ', ','])
        .all(|n| n.parse::<f64>().is_ok_and(f64::is_finite)));
}

mod app_row;
mod phases;
