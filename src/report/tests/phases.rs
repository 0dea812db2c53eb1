//! Server-Timing phases in every report: the attribution line of a
//! regressed metric, a gated phase's row, escaping of the app's phase names,
//! and the JSON schema.

use super::{failing, json, junit, markdown, markdown_with, metric, report, schema_errors, text};
use crate::compare::{Comparison, PhaseComparison, VerdictName};
use crate::config::Metric;
use crate::report::markdown::MarkdownOptions;

fn phase(name: &str, gated: bool, m: crate::compare::MetricComparison) -> PhaseComparison {
    PhaseComparison {
        phase: name.into(),
        gated,
        moved: matches!(m.verdict, VerdictName::Regressed | VerdictName::Improved),
        comparison: m,
    }
}

/// `failing()` with `search`'s p50 regression explained: its `db` phase
/// moved (+2.1 ms, ×3.1), `render` did not; `a|b` gated and unchanged.
fn with_phases() -> Comparison {
    let mut c = failing();
    let search = c
        .endpoints
        .iter_mut()
        .find(|e| e.name == "search")
        .expect("failing() has search");
    assert_eq!(search.metrics[0].verdict, VerdictName::Regressed);
    let p50 = |ms, ratio, bounds, verdict| {
        metric(Metric::P50, ms, ratio, bounds, 1e-9, Some(0.05), verdict)
    };
    search.phases = vec![
        phase(
            "a|b",
            true,
            p50(
                (0.5, 0.5),
                1.0,
                (Some(0.97), Some(1.03)),
                VerdictName::Unchanged,
            ),
        ),
        phase(
            "db",
            false,
            p50(
                (1.0, 3.1),
                3.1,
                (Some(2.8), Some(3.4)),
                VerdictName::Regressed,
            ),
        ),
        phase(
            "render",
            false,
            p50(
                (0.4, 0.41),
                1.025,
                (Some(0.98), Some(1.07)),
                VerdictName::Unchanged,
            ),
        ),
    ];
    c
}

#[test]
fn the_terminal_names_the_phase_that_moved_and_lists_the_gated_one() {
    let out = text(&with_phases());
    assert!(
        out.contains(
            "where the time went: search p50 +50.5%: db +2.10 ms (×3.10); steady: a|b, render\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("server-timing:a|b"),
        "the gated phase has a row: {out}"
    );
    assert!(!text(&failing()).contains("where the time went"));
}

#[test]
fn markdown_html_and_junit_say_the_same_with_names_escaped() {
    let c = with_phases();
    let md = markdown(&c);
    assert!(
        md.contains("**Where the time went** (Server-Timing phases)"),
        "{md}"
    );
    assert!(
        md.contains("- search p50 +50.5%: db +2.10 ms (×3.10); steady: a\\|b, render\n"),
        "{md}"
    );
    assert!(md.contains("| server-timing:a\\|b |"), "{md}");
    let mut html = Vec::new();
    crate::report::html::write_comparison(&report(&c), &mut html).expect("in memory");
    let html = String::from_utf8(html).expect("UTF-8");
    assert!(html.contains("<h2>Where the time went</h2>"));
    assert!(html.contains("<li>search p50 +50.5%: db +2.10 ms (×3.10); steady: a|b, render</li>"));
    let xml = junit(&c);
    assert!(
        xml.contains("where the time went: search p50 +50.5%: db +2.10 ms (×3.10)"),
        "{xml}"
    );
}

#[test]
fn phases_are_in_the_json_report_and_its_schema() {
    let c = with_phases();
    let out = json(&c);
    let value: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let errors = schema_errors(&value);
    assert!(errors.is_empty(), "{errors:#?}");
    let search = value["endpoints"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["name"] == "search"))
        .expect("search");
    let moved: Vec<&str> = search["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .filter(|p| p["moved"] == true)
        .filter_map(|p| p["phase"].as_str())
        .collect();
    assert_eq!(moved, ["db"]);
    // An endpoint without phases writes none; a broken phase entry fails.
    let endpoints = value["endpoints"].as_array().expect("endpoints");
    let at = endpoints
        .iter()
        .position(|e| e["name"] == "search")
        .expect("search");
    assert!(endpoints
        .iter()
        .filter(|e| e["name"] != "search")
        .all(|e| e.get("phases").is_none()));
    let mut broken = value.clone();
    broken["endpoints"][at]["phases"][0]["phase"] = "".into();
    broken["endpoints"][at]["phases"][0]["metric"] = "cpu/request".into();
    assert_eq!(schema_errors(&broken).len(), 2);
}

#[test]
fn a_metric_with_no_moved_phase_says_the_time_went_elsewhere() {
    let mut c = with_phases();
    c.endpoints
        .iter_mut()
        .flat_map(|e| e.phases.iter_mut())
        .for_each(|p| p.moved = false);
    let out = text(&c);
    assert!(
        out.contains("search p50 +50.5%: no Server-Timing phase moved (a|b, db, render); the time went elsewhere"),
        "{out}"
    );
}

/// `failing()` with `search`'s p50 explained by 3,000 phases of 64-byte
/// names, a third of them moved: more than any endpoint of a results file
/// may report, as a crafted comparison could hold.
fn with_many_phases() -> Comparison {
    let mut c = failing();
    let search = c
        .endpoints
        .iter_mut()
        .find(|e| e.name == "search")
        .expect("failing() has search");
    search.phases = (0..3_000)
        .map(|i| {
            let verdict = if i % 3 == 0 {
                VerdictName::Regressed
            } else {
                VerdictName::Unchanged
            };
            let m = metric(
                Metric::P50,
                (1.0, 2.0),
                2.0,
                (Some(1.8), Some(2.2)),
                1e-9,
                Some(0.05),
                verdict,
            );
            phase(&format!("{i:0>64}"), false, m)
        })
        .collect();
    c
}

#[test]
fn many_phases_keep_the_comment_within_its_cap_and_every_regressed_row() {
    let c = with_many_phases();
    let md = markdown(&c);
    assert!(
        md.len() <= crate::report::markdown::DEFAULT_MAX_BYTES,
        "{} bytes",
        md.len()
    );
    assert!(
        md.contains(&format!(
            "; steady: {}, and 1994 more\n",
            (1..9)
                .filter(|i| i % 3 != 0)
                .take(6)
                .map(|i| format!("{i:0>64}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        "{md}"
    );
    assert!(md.contains(", and 994 more; steady: "), "{md}");
    let regressed: Vec<String> = crate::report::checks(&c)
        .filter(|check| check.regressed())
        .map(|check| format!("| {} | {} |", check.endpoint.name, check.label()))
        .collect();
    assert!(!regressed.is_empty());
    for row in &regressed {
        assert!(md.contains(row.as_str()), "{row} is kept: {md}");
    }
    let report = report(&c);
    let page = crate::report::comment::Page {
        report: &report,
        marker: "<!-- benchgate:suite=shop -->",
        sha: "bbbbbbbbbb",
        run_url: None,
    };
    let body = crate::report::comment::render(&page, &[]);
    assert!(body.chars().count() <= crate::report::comment::MAX_BODY);
    for row in &regressed {
        assert!(body.contains(row.as_str()), "{row} is kept");
    }
}

#[test]
fn the_phases_go_before_a_regressed_row_when_the_comment_is_short_of_room() {
    let c = with_many_phases();
    let mut without = c.clone();
    without.endpoints.iter_mut().for_each(|e| e.phases.clear());
    let md = |c: &Comparison, max_bytes| markdown_with(c, &MarkdownOptions { max_bytes });
    // Room for the regressed rows and a line saying the phases were left
    // out, not for the phases.
    let tight = md(&without, 0).len() + 150;
    let out = md(&c, tight);
    assert!(out.len() <= tight, "{} > {tight}: {out}", out.len());
    assert!(!out.contains("**Where the time went**"), "{out}");
    assert!(
        out.contains("\n_Where the time went (Server-Timing phases): omitted for size; see the full report in the job's artifacts._\n"),
        "{out}"
    );
    for check in crate::report::checks(&c).filter(|check| check.regressed()) {
        let row = format!("| {} | {} |", check.endpoint.name, check.label());
        assert!(out.contains(&row), "{row} is kept: {out}");
    }
    // With room, the phases stay.
    assert!(md(&c, 60_000).contains("**Where the time went**"));
}
