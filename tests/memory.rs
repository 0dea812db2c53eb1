//! The app's memory end to end: in one A/B run of two real demo apps, a
//! head that keeps 8 MiB per 100 requests (`DEMO_LEAK`) is warned about as
//! growing where the base stays flat, and with `peak_rss` in
//! `gate.metrics` the gate fails on it; two copies of one build do not.

mod support;

use std::path::Path;

use serde_json::Value;
use support::{ab_json, serial, suite_dir, DemoSuite};

const ENDPOINTS: &str = "  - name: list-users\n    path: /users?limit=20\n    weight: 2\n  - name: search\n    path: /search?q=lamp\n    weight: 1";

/// 8 s of 1 s blocks at 100/s per side, as four rounds of two blocks (the
/// default block, and the fewest blocks an instance can show growth in),
/// each warmed up about as long as the later rounds' settled warm-up (a
/// longer first round would keep more and widen the rounds' spread): a
/// leaking head keeps about 8 MiB/s, ~20 MiB per instance (its warm-up
/// included), on an app of ~7–14 MiB: far beyond the rounds' spread even
/// when a later round's warm-up is as short as the app allows.
const LOAD: &str =
    "  rate: 100/s\n  warmup: 300ms\n  duration: 8s\n  max_duration: 8s\n  block: 1s";

fn suite(app_extra: &str) -> String {
    DemoSuite {
        app: app_extra,
        load: LOAD,
        endpoints: ENDPOINTS,
        gate: "  metrics: [p50, peak_rss]",
        ..DemoSuite::default()
    }
    .yaml()
}

fn ab(head: &Path, base: &Path) -> (i32, Value, String) {
    let _serial = serial();
    ab_json(head, base, &[])
}

fn memory_warnings(c: &Value) -> Vec<String> {
    c["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(Value::as_str)
        .filter(|w| w.starts_with("memory:"))
        .map(String::from)
        .collect()
}

#[test]
fn a_leaking_head_is_warned_about_and_fails_on_peak_rss() {
    let base = suite_dir(&suite(""));
    let same = suite_dir(&suite(""));
    let (code, c, stderr) = ab(same.path(), base.path());
    assert!(code == 0 || code == 1, "exit {code}: {stderr}");
    let row = support::app_metric(&c, "peak_rss");
    eprintln!("A/A peak_rss: {row}");
    assert_ne!(row["verdict"], "regressed", "A/A flagged: {row:#}");
    assert!(memory_warnings(&c).is_empty(), "{:?}", c["warnings"]);

    let leaking = suite_dir(&suite("  env: { DEMO_LEAK: \"8\" }\n"));
    let (code, c, stderr) = ab(leaking.path(), base.path());
    let row = support::app_metric(&c, "peak_rss");
    eprintln!("leaking peak_rss: {row}; memory: {}", c["memory"]);
    let warned = memory_warnings(&c);
    assert!(
        warned.len() == 1 && warned[0].starts_with("memory: the head grew"),
        "{warned:?}\n{stderr}"
    );
    assert!(
        c["memory"]["head"]["growth_mib"]
            .as_f64()
            .is_some_and(|g| g > 10.0),
        "{}",
        c["memory"]
    );
    assert_eq!(row["verdict"], "regressed", "{row:#}\n{stderr}");
    // Far beyond any instance-to-instance spread of a few percent: each
    // instance keeps ~20 MiB over the 7–14 MiB of a release or debug
    // build's demo.
    assert!(row["ratio"].as_f64().is_some_and(|r| r > 1.5), "{row:#}");
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("the app's peak_rss regressed"),
        "the verdict line names the app's metric: {stderr}"
    );
}
