//! A branch's relative history end to end: each commit of a real git
//! repository measured against its parent with `check --ab HEAD^`, each
//! step appended with `history append`, and `history show` chaining them.
//! The second commit slows one endpoint ×3; the third changes nothing.

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
    serde_json::from_slice(&out.stdout).expect("JSON")
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
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../schemas/comparison.schema.json")).expect("schema");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator.iter_errors(&c).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
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
