//! A stored baseline recorded on another machine (another CPU model or core
//! count) never decides the gate: `check` measures the baseline's commit
//! side by side instead when the repository has it, and otherwise says that
//! nothing could be decided.

mod support;

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use support::{benchgate, git, DemoSuite};

fn suite() -> String {
    DemoSuite {
        load: "  rate: 40/s
  warmup: 500ms
  duration: 3s
  max_duration: 3s
  block: 500ms",
        endpoints: "  - name: wait\n    path: /sleep?ms=5",
        ..DemoSuite::default()
    }
    .yaml()
}

/// Rewrites every CPU model in the stored baseline: it now comes from
/// another machine.
fn doctor(dir: &Path) {
    support::rewrite_key(
        &dir.join("baselines/demo.json"),
        "cpu_model",
        Some(Value::String("Elsewhere CPU 9000".into())),
    );
}

fn check(dir: &Path) -> (Option<i32>, Value, String) {
    let out = benchgate()
        .current_dir(dir)
        .args(["check", "--config", "benchgate.yaml", "--format", "json"])
        .timeout(Duration::from_secs(120))
        .output()
        .expect("check");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    (
        out.status.code(),
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        stderr,
    )
}

#[test]
fn a_baseline_from_another_machine_never_decides() {
    let repo = tempfile::tempdir().expect("temp dir");
    std::fs::write(repo.path().join("benchgate.yaml"), suite()).expect("suite");
    git(repo.path(), &["init", "-q", "-b", "main"]);
    git(repo.path(), &["add", "benchgate.yaml"]);
    git(repo.path(), &["commit", "-q", "-m", "suite"]);
    benchgate()
        .current_dir(repo.path())
        .args([
            "baseline",
            "update",
            "--runs",
            "2",
            "--config",
            "benchgate.yaml",
        ])
        .timeout(Duration::from_secs(120))
        .assert()
        .success();
    doctor(repo.path());

    // The repository has the baseline's commit: measured side by side.
    let (code, c, stderr) = check(repo.path());
    assert!(
        stderr.contains("recorded on another machine (Elsewhere CPU 9000"),
        "{stderr}"
    );
    assert!(stderr.contains("measuring its commit"), "{stderr}");
    assert!(matches!(code, Some(0 | 1)), "{stderr}");
    assert_eq!(c["pairing"], "random", "compared pair by pair: {c}");

    // Without the commit (no repository): nothing is decided, and it says so.
    let copy = tempfile::tempdir().expect("temp dir");
    std::fs::write(copy.path().join("benchgate.yaml"), suite()).expect("suite");
    std::fs::create_dir(copy.path().join("baselines")).expect("dir");
    std::fs::copy(
        repo.path().join("baselines/demo.json"),
        copy.path().join("baselines/demo.json"),
    )
    .expect("copy baseline");
    let (code, c, stderr) = check(copy.path());
    assert_eq!(code, Some(0), "{stderr}\n{c}");
    assert!(c["pairing"].is_null());
    let metrics = c["endpoints"][0]["metrics"].as_array().expect("metrics");
    assert!(!metrics.is_empty());
    for m in metrics {
        assert_eq!(m["verdict"], "inconclusive", "{m}");
    }
    assert!(
        metrics.iter().any(|m| m["note"]
            .as_str()
            .is_some_and(|n| n.contains("recorded on another machine"))),
        "{c}"
    );
    // Never a pass: a run that could see nothing is not judged (or, when
    // a stall of the head's puts an estimate over the threshold, a
    // possible regression: not judged either).
    let headline = match c["outcome"].as_str() {
        Some("not-judged") => "⚠ not judged: no gated metric could see a 10% change",
        Some("possible-regression") => "⚠ not judged: ",
        _ => panic!("a run that could see nothing was judged: {c}"),
    };
    assert!(stderr.contains(headline), "{stderr}");
}
