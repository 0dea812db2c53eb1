//! The gate's decision end to end with the real binary and the demo app:
//! record a baseline, pass on the unchanged app, fail on a slowed-down
//! endpoint. Alone in its test binary so that no other test's load
//! disturbs the measurement.

mod support;

use std::path::Path;

use predicates::prelude::*;
use serde_json::Value;
use support::Project;

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("file exists")).expect("valid JSON")
}

#[test]
fn the_gate_passes_an_unchanged_app_and_fails_a_slower_endpoint() {
    let project = Project::new("100/s");
    project
        .cmd(&["baseline", "update", "--runs", "8"])
        .assert()
        .success()
        .stdout(predicate::str::contains("baseline of 8 run(s) saved to"));

    let baseline = read_json(&project.baseline());
    assert_eq!(baseline["runs"].as_array().map(Vec::len), Some(8));
    assert_eq!(baseline["summary"][1]["endpoint"], "create-order");
    let history = std::fs::read_to_string(project.dir.path().join("baselines/demo.history.jsonl"))
        .expect("history");
    assert_eq!(history.lines().count(), 1);
    let line: Value = serde_json::from_str(history.lines().next().unwrap_or_default())
        .expect("history line is JSON");
    assert_eq!(line["runs"], 8);
    assert!(
        line["endpoints"]["create-order"]["p50_ms"]
            .as_f64()
            .unwrap_or(0.0)
            > 2.0
    );

    project
        .cmd(&["check"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("create-order"))
        .stderr(
            predicate::str::contains("gate")
                .not()
                .or(predicate::str::contains("gate failed").not()),
        );

    let json = project
        .cmd(&["check", "--format", "json"])
        .env("DEMO_SLOWDOWN", "/orders=1.5")
        .assert()
        .code(1);
    let comparison: Value =
        serde_json::from_slice(&json.get_output().stdout).expect("comparison JSON");
    assert_eq!(comparison["outcome"], "fail");
    let endpoint = |name: &str| {
        comparison["endpoints"]
            .as_array()
            .and_then(|a| a.iter().find(|e| e["name"] == name))
            .cloned()
            .unwrap_or_default()
    };
    let order_p50 = &endpoint("create-order")["metrics"][0];
    assert_eq!(order_p50["verdict"], "regressed", "{order_p50}");
    // ×1.5 of the CPU work, seen through this machine's run-to-run phases
    // (a stored baseline was recorded minutes earlier).
    let ratio = order_p50["ratio"].as_f64().unwrap_or(0.0);
    assert!(ratio > 1.2, "create-order p50 ratio {ratio}");
    // list-users was not slowed, so its median must not be flagged. Its
    // tail may really get slower: the slowed orders hold the demo app's two
    // workers 50% longer, and list-users requests queue behind them.
    let users_p50 = &endpoint("list-users")["metrics"][0];
    assert_ne!(
        users_p50["verdict"], "regressed",
        "list-users was not slowed: {users_p50}"
    );
    let stderr = String::from_utf8_lossy(&json.get_output().stderr).to_string();
    assert!(
        stderr.contains("gate failed") && stderr.contains("create-order"),
        "{stderr}"
    );

    // The saved results of that run compare the same way without a run.
    let results = project.dir.path().join(".benchgate/demo.results.json");
    project
        .cmd(&["compare"])
        .arg(project.baseline())
        .arg(&results)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("REGRESSED"));
}
