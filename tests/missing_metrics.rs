//! A gated metric that one side did not produce fails the gate: `compare`
//! on the committed demo pair, with a suite that gates the demo's
//! Server-Timing phase `app`, and the head's results edited so that no
//! block carries a phase (a head that stopped sending the header). Both
//! sides without it fail nothing, but say so.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The demo suite, gating `server-timing:app` besides p50 and mean, in
/// `dir`.
fn suite_gating_the_app_phase(dir: &Path) -> PathBuf {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/benchgate.yaml");
    let text = fs_err::read_to_string(demo).expect("the demo suite");
    let gated = text.replace(
        "metrics: [p50, mean]",
        r#"metrics: [p50, mean, "server-timing:app"]"#,
    );
    assert_ne!(gated, text, "the demo suite gates p50 and mean");
    let path = dir.join("benchgate.yaml");
    fs_err::write(&path, gated).expect("write the suite");
    path
}

/// A copy in `dir` of the committed demo results `name`, without any
/// Server-Timing phase when `strip`.
fn results(dir: &Path, name: &str, strip: bool) -> PathBuf {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/compare")
        .join(name);
    let to = dir.join(name);
    fs_err::copy(from, &to).expect("copy the results");
    if strip {
        support::rewrite_key(&to, "phases", None);
    }
    to
}

/// `compare` of `base` and `head` under `suite`: exit code, stderr, and the
/// comparison written to the report directory.
fn compare(dir: &Path, base: &Path, head: &Path, suite: &Path) -> (i32, String, Value) {
    let reports = dir.join("reports");
    let out = support::benchgate()
        .current_dir(dir)
        .arg("compare")
        .arg(base)
        .arg(head)
        .arg("--config")
        .arg(suite)
        .arg("--report-dir")
        .arg(&reports)
        .output()
        .expect("benchgate runs");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let json = fs_err::read_to_string(reports.join("comparison.json")).expect("comparison.json");
    let json = serde_json::from_str(&json).expect("JSON");
    (out.status.code().unwrap_or(-1), stderr, json)
}

#[test]
fn a_head_that_stops_sending_a_gated_phase_fails_the_gate() {
    let dir = tempfile::tempdir().expect("temp dir");
    let suite = suite_gating_the_app_phase(dir.path());
    let base = results(dir.path(), "demo-base.json", false);
    let head = results(dir.path(), "demo-head.json", true);
    let (code, stderr, c) = compare(dir.path(), &base, &head, &suite);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("gate failed: health server-timing:app: missing on head (the base measured it; the head sent no such Server-Timing phase)"),
        "{stderr}"
    );
    assert!(stderr.contains("; 4 missing on one side"), "{stderr}");
    let failed: Vec<&str> = c["failed"]
        .as_array()
        .expect("failed")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for endpoint in ["health", "list-users", "create-order", "search"] {
        let line = format!("{endpoint} server-timing:app: missing on head");
        assert!(failed.iter().any(|f| f.starts_with(&line)), "{failed:#?}");
    }
    assert_eq!(c["outcome"], "fail");
    assert_eq!(c["sight"]["missing"], 4, "{}", c["sight"]);
    let search = c["endpoints"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["name"] == "search"))
        .expect("search compared");
    assert_eq!(search["phases"][0]["verdict"], "missing", "{search}");
    support::assert_schema(include_str!("../schemas/comparison.schema.json"), &c);
}

#[test]
fn a_gated_phase_neither_side_sends_fails_nothing_and_is_warned_about() {
    let dir = tempfile::tempdir().expect("temp dir");
    let suite = suite_gating_the_app_phase(dir.path());
    let base = results(dir.path(), "demo-base.json", true);
    let head = results(dir.path(), "demo-head.json", true);
    let (code, stderr, c) = compare(dir.path(), &base, &head, &suite);
    assert_eq!(code, 0, "{stderr}");
    let warned = c["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(Value::as_str)
        .any(|w| w == "server-timing:app is gated, but neither side reported that Server-Timing phase for health, list-users, create-order, search: not compared there");
    assert!(warned, "{}", c["warnings"]);
}
