//! The HTML report: its snapshot, its escaping of user text, well-formed
//! plots for every endpoint, and the main branch's history chart.

use super::*;

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
