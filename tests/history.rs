//! A branch's relative history end to end: each commit of a real git
//! repository measured against its parent with `check --ab HEAD^`, each
//! step appended with `history append`, and `history show` chaining them.
//! The second commit slows one endpoint ×3; the third changes nothing.
//! Every `history show --format json` is valid against
//! `schemas/history.schema.json`, and the schema refuses what `show` never
//! prints.

mod support;

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use support::{benchgate, git, serial};

/// Commits `suite_text` with `message`; its hash.
fn commit(repo: &Path, suite_text: &str, message: &str) -> String {
    std::fs::write(repo.join("benchgate.yaml"), suite_text).expect("write the suite");
    std::fs::write(repo.join("NOTES"), message).expect("write");
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", message]);
    git(repo, &["rev-parse", "HEAD"])
}

/// `check --ab HEAD^` then `history append`: the check's exit code.
fn measure_step(repo: &Path, history: &Path) -> i32 {
    let reports = repo.join("reports");
    let out = benchgate()
        .current_dir(repo)
        .args(["check", "--ab", "HEAD^", "--report-dir"])
        .arg(&reports)
        .timeout(Duration::from_secs(180))
        .output()
        .expect("run check");
    let code = out.status.code().unwrap_or(-1);
    let out = benchgate()
        .current_dir(repo)
        .args(["history", "append"])
        .arg(&reports)
        .arg("--file")
        .arg(history)
        .output()
        .expect("run history append");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    code
}

fn show(repo: &Path, history: &Path, extra: &[&str]) -> Value {
    let out = benchgate()
        .current_dir(repo)
        .args(["history", "show", "--format", "json", "--file"])
        .arg(history)
        .args(extra)
        .output()
        .expect("run history show");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let view: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let errors = schema_errors(&view);
    assert!(errors.is_empty(), "{errors:#?}\n{view:#}");
    view
}

/// What `schemas/history.schema.json` finds wrong in `view`.
fn schema_errors(view: &Value) -> Vec<String> {
    support::schema_errors(include_str!("../schemas/history.schema.json"), view)
}

fn series<'a>(view: &'a Value, endpoint: &str, metric: &str) -> &'a Value {
    view["series"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|s| s["endpoint"] == endpoint && s["metric"] == metric)
        })
        .unwrap_or_else(|| panic!("no {endpoint} {metric}: {view}"))
}

#[test]
fn steps_measured_against_their_parents_chain_into_the_change_since_any_commit() {
    let _serial = serial();
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).expect("mkdir");
    git(&repo, &["init", "-q", "-b", "main"]);
    let history = dir.path().join("demo.chain.jsonl");

    let c0 = commit(&repo, &support::wait_suite(""), "c0");
    let slow = "  env: { DEMO_SLOWDOWN: \"/sleep=3\" }\n";
    let c1 = commit(&repo, &support::wait_suite(slow), "c1: the wait ×3");
    assert_eq!(
        measure_step(&repo, &history),
        1,
        "the ×3 step fails its gate"
    );
    let c2 = commit(&repo, &support::wait_suite(slow), "c2: no change");
    assert_eq!(measure_step(&repo, &history), 0, "the neutral step passes");
    // A job run again adds nothing.
    assert_eq!(measure_step(&repo, &history), 0);
    let lines = std::fs::read_to_string(&history).expect("the history");
    assert_eq!(lines.lines().count(), 2, "{lines}");

    // A report given the history says main's change since the last tag
    // before its base, with the flagged step.
    git(&repo, &["tag", "v0", &c0]);
    let compare = |extra: &[&str]| {
        benchgate()
            .current_dir(&repo)
            .args([
                "compare",
                ".benchgate/demo.base.json",
                ".benchgate/demo.head.json",
            ])
            .arg("--history")
            .arg(&history)
            .args(extra)
            .output()
            .expect("run compare")
    };
    let out = compare(&["--format", "json"]);
    let c: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    support::assert_schema(include_str!("../schemas/comparison.schema.json"), &c);
    let since = &c["main_since"];
    assert_eq!(since["anchor"], "v0", "{since}");
    assert_eq!(since["steps"], 2, "{since}");
    let out = compare(&[]);
    let text = String::from_utf8_lossy(&out.stdout);
    // The change's metrics are listed largest first; the wait's p50 and
    // mean are both about ×3, in either order.
    let since = text
        .lines()
        .find(|l| l.starts_with("main since v0 (2 steps): wait "))
        .unwrap_or_else(|| panic!("no main-since line led by the wait: {text}"));
    assert!(since.contains("wait p50 ×"), "{text}");
    assert!(
        text.contains(&format!("main: step at {} (wait p50)", &c1[..10])),
        "{text}"
    );

    let all = show(&repo, &history, &[]);
    assert_eq!(all["steps"], 2);
    let wait = series(&all, "wait", "p50");
    let ratio = wait["ratio"].as_f64().expect("ratio");
    assert!((2.0..4.0).contains(&ratio), "×3 since c0: {wait}");
    assert!(wait["lower"].as_f64().expect("lower") > 1.5, "{wait}");
    let flagged: Vec<&str> = wait["flagged"]
        .as_array()
        .expect("flagged")
        .iter()
        .filter_map(|f| f["commit"].as_str())
        .collect();
    assert_eq!(flagged, [c1.as_str()], "{wait}");

    git(&repo, &["tag", "v1", &c1]);
    let since = show(&repo, &history, &["--since", "v1"]);
    assert_eq!(since["steps"], 1);
    let wait = series(&since, "wait", "p50");
    assert_eq!(wait["latest"], c2.as_str());
    let (lower, upper) = (
        wait["lower"].as_f64().expect("lower"),
        wait["upper"].as_f64().expect("upper"),
    );
    assert!(lower < 1.5 && upper > 0.7, "no ×3 since c1: {wait}");

    let text = benchgate()
        .current_dir(&repo)
        .args(["history", "show", "--file"])
        .arg(&history)
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&format!("wait p50: step at {}", &c1[..10])),
        "{text}"
    );
}

#[test]
fn a_stored_mode_comparison_is_no_step_of_the_history() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/compare");
    let reports = dir.path().join("reports");
    benchgate()
        .arg("compare")
        .arg(fixtures.join("demo-base.json"))
        .arg(fixtures.join("demo-head.json"))
        .arg("--report-dir")
        .arg(&reports)
        .output()
        .expect("run compare");
    let history = dir.path().join("h.jsonl");
    let out = benchgate()
        .args(["history", "append"])
        .arg(&reports)
        .arg("--file")
        .arg(&history)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not an A/B comparison"), "{stderr}");
    assert!(!history.exists(), "nothing written");
}

#[test]
fn a_run_that_gave_no_verdict_is_a_gap_not_a_step() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/compare/ab-comparison.json");
    let mut c: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture).expect("fixture")).expect("JSON");
    c["head"]["git_commit"] = "5d8e6ee0".repeat(5).into();
    let history = dir.path().join("h.jsonl");
    let mut append = |outcome: &str| {
        c["outcome"] = outcome.into();
        let reports = dir.path().join(outcome);
        std::fs::create_dir(&reports).expect("mkdir");
        std::fs::write(reports.join("comparison.json"), c.to_string()).expect("write");
        benchgate()
            .args(["history", "append"])
            .arg(&reports)
            .arg("--file")
            .arg(&history)
            .output()
            .expect("run")
    };
    // Neither side carried the load: nothing was measured.
    let out = append("invalid");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("stays a gap in the history"), "{stderr}");
    assert!(!history.exists(), "nothing written");
    // The same comparison with a verdict is a step.
    let out = append("pass");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let lines = std::fs::read_to_string(&history).expect("the history");
    assert_eq!(lines.lines().count(), 1, "{lines}");
}

/// A step of a chain file, as `history append` writes it: `metrics` as
/// (endpoint, metric, ratio, lower, upper).
fn chain_line(
    commit: &str,
    parent: &str,
    cpu: &str,
    metrics: &[(&str, &str, f64, f64, f64)],
) -> String {
    let metrics: Vec<Value> = metrics
        .iter()
        .map(|&(endpoint, metric, ratio, lower, upper)| {
            serde_json::json!({
                "endpoint": endpoint, "metric": metric, "ratio": ratio,
                "lower": lower, "upper": upper, "verdict": "unchanged",
            })
        })
        .collect();
    serde_json::json!({
        "suite": "demo", "commit": commit, "parent": parent,
        "time_utc": "2026-01-01T00:00:00Z",
        "machine": { "cpu_model": cpu, "cores": 2 },
        "confidence": 0.99, "metrics": metrics,
    })
    .to_string()
}

#[test]
fn the_history_schema_holds_a_chain_with_gaps_and_refuses_what_show_never_prints() {
    let dir = tempfile::tempdir().expect("temp dir");
    let history = dir.path().join("demo.chain.jsonl");
    let lines = [
        chain_line("c1", "c0", "cpu A", &[("wait", "p50", 1.01, 0.95, 1.07)]),
        // The wait ×3; the only step that measured the mean.
        chain_line(
            "c2",
            "c1",
            "cpu B",
            &[
                ("wait", "p50", 3.0, 2.7, 3.3),
                ("wait", "mean", 3.0, 2.6, 3.4),
            ],
        ),
        // c3's run was cancelled: a gap.
        chain_line("c4", "c3", "cpu A", &[("wait", "p50", 0.99, 0.93, 1.05)]),
    ];
    std::fs::write(&history, lines.join("\n") + "\n").expect("write the chain");
    let view = show(dir.path(), &history, &[]);
    assert_eq!(
        view["gaps"],
        serde_json::json!([{ "commit": "c4", "parent": "c3" }])
    );
    assert_eq!(
        view["machines"],
        serde_json::json!([["cpu A (2 cores)", 2], ["cpu B (2 cores)", 1]])
    );
    assert_eq!(
        series(&view, "wait", "p50")["flagged"][0]["commit"],
        "c2",
        "{view:#}"
    );
    assert_eq!(series(&view, "wait", "mean")["steps"], 1, "{view:#}");

    let wrong = |what: &str, change: &dyn Fn(&mut Value)| {
        let mut doc = view.clone();
        change(&mut doc);
        assert!(!schema_errors(&doc).is_empty(), "accepted {what}: {doc:#}");
    };
    wrong("no gaps", &|d| {
        d.as_object_mut().expect("object").remove("gaps");
    });
    wrong("a field show does not print", &|d| {
        d["anchor"] = "v1".into()
    });
    wrong("a machine without its count", &|d| {
        d["machines"][0] = serde_json::json!(["cpu A (2 cores)"])
    });
    wrong("a machine with a third item", &|d| {
        d["machines"][0] = serde_json::json!(["cpu A (2 cores)", 2, "x"]);
    });
    wrong("a flagged step of ratio 0", &|d| {
        d["series"][0]["flagged"][0]["ratio"] = 0.into()
    });
    wrong("a confidence of 1", &|d| {
        d["series"][0]["confidence"] = 1.into()
    });
    wrong("a series of no step", &|d| {
        d["series"][0]["steps"] = 0.into();
        d["series"][0]["points"] = serde_json::json!([]);
    });
    wrong("a point without its commit", &|d| {
        d["series"][0]["points"][0]
            .as_object_mut()
            .expect("object")
            .remove("commit");
    });
    wrong("a gap without its parent", &|d| {
        d["gaps"][0] = serde_json::json!({ "commit": "c4" })
    });
}
