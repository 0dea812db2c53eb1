//! Header values as apps and CDNs send them, and as the W3C platform tests
//! (web-platform-tests `server-timing/`) spell the corner cases.

use super::*;

fn phases(values: &[&str]) -> Vec<(String, f64)> {
    parse(values.iter().map(|v| v.as_bytes()))
        .into_iter()
        .map(|p| (p.name, p.ms))
        .collect()
}

fn one(value: &str) -> Vec<(String, f64)> {
    phases(&[value])
}

fn named(list: &[(&str, f64)]) -> Vec<(String, f64)> {
    list.iter().map(|(n, ms)| (n.to_string(), *ms)).collect()
}

#[test]
fn the_specification_example() {
    assert_eq!(
        one(r#"db;dur=53.2, render;desc="Render";dur=12, cache;desc="hit""#),
        named(&[("db", 53.2), ("render", 12.0)]),
        "cache has no dur: no timing"
    );
}

#[test]
fn rails_instrumentation() {
    // Rails' ActionDispatch::ServerTiming middleware.
    let value = "start_processing.action_controller;dur=0.01, sql.active_record;dur=2.3, !compile_template.action_view;dur=0.5, render_template.action_view;dur=5.1, process_action.action_controller;dur=20.3";
    assert_eq!(
        one(value),
        named(&[
            ("start_processing.action_controller", 0.01),
            ("sql.active_record", 2.3),
            ("!compile_template.action_view", 0.5),
            ("render_template.action_view", 5.1),
            ("process_action.action_controller", 20.3),
        ])
    );
}

#[test]
fn cdn_headers_with_quoted_descriptions_full_of_separators() {
    // A CDN's connection metric: its description is a query string with
    // `;`, `=` and `,` inside quotes, and no duration.
    let value = r#"cfL4;desc="?proto=TCP&rtt=1234&min_rtt=1200&rtt_var=450&sent=5&recv=7;x=1, y",cfRequestDuration;dur=12.345"#;
    assert_eq!(one(value), named(&[("cfRequestDuration", 12.345)]));
    assert_eq!(
        one(r#"edge;desc="a \"quoted\", ; word";dur=3, origin;dur=7"#),
        named(&[("edge", 3.0), ("origin", 7.0)])
    );
}

#[test]
fn several_headers_read_as_one_list() {
    assert_eq!(
        phases(&[
            "processing;dur=15",
            "db;dur=5, asn;desc=\"7922\"",
            "edge;desc=ORD"
        ]),
        named(&[("processing", 15.0), ("db", 5.0)])
    );
}

#[test]
fn whitespace_and_parameter_case_do_not_matter() {
    assert_eq!(
        one("  db ; DuR = 4.5 ;desc=x ,\trender;DUR=1 "),
        named(&[("db", 4.5), ("render", 1.0)])
    );
    assert_eq!(
        one(r#"db;dur="7.25""#),
        named(&[("db", 7.25)]),
        "quoted dur"
    );
}

#[test]
fn the_first_dur_of_an_entry_wins() {
    assert_eq!(one("db;dur=1;dur=2"), named(&[("db", 1.0)]));
    // A garbage first dur leaves the entry without timing.
    assert_eq!(one("db;dur=abc;dur=2"), Vec::new());
}

#[test]
fn a_phase_named_twice_counts_its_sum() {
    assert_eq!(
        phases(&["db;dur=1.5, render;dur=2", "db;dur=2.5"]),
        named(&[("db", 4.0), ("render", 2.0)])
    );
}

#[test]
fn garbage_is_left_out_never_a_panic() {
    for value in [
        "",
        ",,,",
        ";;;",
        "=",
        "db;dur",
        "db;dur=",
        "db;dur=-1",
        "db;dur=NaN",
        "db;dur=inf",
        "db;dur=1e400",
        "db;dur=99999999999",
        "db;dur=12ms",
        ";dur=5",
        "\"quoted name\";dur=5",
        "d b;dur=5",
        "\"",
        "db;desc=\"unterminated, render;dur=4",
        "\\",
        "é;dur=1",
    ] {
        assert_eq!(one(value), Vec::new(), "{value:?}");
    }
    // Bytes that are not UTF-8 around a good entry.
    let mut bytes = b"\xff\xfe;dur=1, db;dur=2, x;desc=\xc3\x28;dur=3".to_vec();
    bytes.extend_from_slice(b", y;dur=\xff");
    let got: Vec<_> = parse([bytes.as_slice()])
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(got, ["db", "x"]);
}

#[test]
fn zero_and_tiny_durations_are_kept() {
    assert_eq!(
        one("a;dur=0, b;dur=0.001, c;dur=.5"),
        named(&[("a", 0.0), ("b", 0.001), ("c", 0.5)])
    );
}

#[test]
fn distinct_names_and_name_length_are_capped() {
    let many: Vec<String> = (0..100).map(|i| format!("p{i};dur={i}")).collect();
    let got = one(&many.join(", "));
    assert_eq!(got.len(), MAX_PHASES);
    assert_eq!(got[0], ("p0".to_string(), 0.0));
    let long = format!("{};dur=1, db;dur=2", "n".repeat(MAX_NAME + 1));
    assert_eq!(one(&long), named(&[("db", 2.0)]));
}
