//! The Markdown report (the pull-request comment's body and the job
//! summary): its snapshots, its headline, the escaping of user text as
//! GitHub renders it, and the size cap that keeps every regression.

use super::*;

#[test]
fn passing_comparison_as_markdown() {
    insta::assert_snapshot!("passing_markdown", markdown(&passing()));
}

#[test]
fn failing_comparison_as_markdown() {
    insta::assert_snapshot!("failing_markdown", markdown(&failing()));
}

#[test]
fn the_markdown_headline_counts_error_rates_and_names_the_worst_ratio() {
    let failed = markdown(&failing());
    assert!(failed.starts_with(
        "### benchgate: ❌ 3 regressions — worst search p50 +50.5% (worse at 99% confidence, by an estimated 5% or more, half the 10% threshold)\n"
    ));
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

/// The plain text of a node: its text, code and line breaks.
fn plain_text<'a>(node: &'a comrak::nodes::AstNode<'a>) -> String {
    use comrak::nodes::NodeValue;
    node.descendants()
        .map(|n| match &n.data.borrow().value {
            NodeValue::Text(t) => t.to_string(),
            // A code span reads as what went in: its text in backticks.
            NodeValue::Code(c) => format!("`{}`", c.literal),
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
