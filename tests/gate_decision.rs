//! The gate's decision end to end with the real binary and the demo app:
//! record a baseline, pass on the unchanged app, fail on a slowed-down
//! endpoint, measure the head in runs until the verdict is known. The tests
//! take turns, alone in their test binary, so that no other test's load
//! disturbs the measurement (a stored check refuses to decide when other
//! work shares the machine).

mod support;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use predicates::prelude::*;
use serde_json::Value;
use support::Project;

/// One test of this file at a time.
fn alone() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|p| p.into_inner())
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("file exists")).expect("valid JSON")
}

#[test]
fn the_gate_passes_an_unchanged_app_and_fails_a_slower_endpoint() {
    let _alone = alone();
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
        .assert();
    let comparison: Value =
        serde_json::from_slice(&json.get_output().stdout).expect("comparison JSON");
    if json.get_output().status.code() == Some(0) {
        // The one right reason to pass a ×1.5 endpoint: other work shared
        // the machine, and every metric says so.
        assert_undecided_for_the_load(&comparison);
        return;
    }
    let json = json.code(1);
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

#[test]
fn a_stored_check_measures_the_head_in_runs_until_the_verdict_is_known() {
    let _alone = alone();
    let project = Project::new("100/s");
    project
        .cmd(&["baseline", "update", "--runs", "3", "--duration", "2s"])
        .assert()
        .success();
    // Every /orders ×3: far beyond what a loaded machine does to a median
    // between runs, so the check stops with a failure, at whichever look.
    let json = project
        .cmd(&["check", "--format", "json"])
        .args(["--duration", "2s", "--max-duration", "8s"])
        .env("DEMO_SLOWDOWN", "/orders=3")
        .assert();
    let comparison: Value =
        serde_json::from_slice(&json.get_output().stdout).expect("comparison JSON");
    let stopping = &comparison["stopping"];
    if json.get_output().status.code() == Some(0) {
        assert_undecided_for_the_load(&comparison);
        // Nothing to wait for: it stops at the first look.
        assert_eq!(stopping["reason"], "undecidable", "{stopping}");
        assert_eq!(stopping["rounds"], 1, "{stopping}");
    } else {
        json.get_output()
            .status
            .code()
            .filter(|c| *c == 1)
            .expect("exit 1 on a ×3 endpoint");
        assert!(
            ["clear_failure", "decided", "budget"]
                .contains(&stopping["reason"].as_str().unwrap_or("")),
            "{stopping}"
        );
    }
    assert_eq!(stopping["head_only"], true, "{stopping}");
    assert_eq!(stopping["max_rounds"], 4, "{stopping}");
    let runs = stopping["rounds"].as_u64().unwrap_or(0);
    assert!((1..=4).contains(&runs), "{stopping}");
    // The results file holds the head's runs, each a fresh instance.
    let results = read_json(&project.dir.path().join(".benchgate/demo.results.json"));
    assert_eq!(
        results["runs"].as_array().map(Vec::len),
        Some(runs as usize)
    );
    let stderr = String::from_utf8_lossy(&json.get_output().stderr).to_string();
    assert!(
        stderr.contains("run 1 (at most 4 until every gated metric is decided)"),
        "{stderr}"
    );

    // The same check in the terminal format says how long it measured.
    let text = project
        .cmd(&["check"])
        .args(["--duration", "2s", "--max-duration", "2s"])
        .env("DEMO_SLOWDOWN", "/orders=3")
        .assert()
        .stdout(predicate::str::contains(
            "measured the head for 2 s in one run",
        ));
    let stdout = String::from_utf8_lossy(&text.get_output().stdout).to_string();
    if stdout.contains(support::LOAD_CHANGED) {
        text.code(0);
    } else {
        text.code(1);
    }
}

/// A stored check that passed because other work shared the machine: the
/// warning says so, and no metric decided.
fn assert_undecided_for_the_load(comparison: &Value) {
    let why = comparison["undecidable"].as_str().unwrap_or("");
    assert!(why.contains(support::LOAD_CHANGED), "{comparison}");
    for endpoint in comparison["endpoints"].as_array().into_iter().flatten() {
        for metric in endpoint["metrics"].as_array().into_iter().flatten() {
            assert_eq!(metric["verdict"], "inconclusive", "{metric}");
        }
    }
}

#[test]
fn a_stored_check_beside_other_work_decides_nothing() {
    let _alone = alone();
    let project = Project::new("100/s");
    let short = ["--duration", "2s", "--max-duration", "2s"];
    project
        .cmd(&["baseline", "update", "--runs", "2"])
        .args(short)
        .assert()
        .success();
    // Two spinning threads in this process: other work now keeps most of
    // the machine busy.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let hogs: Vec<_> = (0..2)
        .map(|_| {
            let stop = std::sync::Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut x = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
                }
            })
        })
        .collect();
    // A budget of two runs: the check stops after the first, since no
    // further run could decide anything.
    let json = project
        .cmd(&["check", "--format", "json"])
        .args(["--duration", "2s", "--max-duration", "4s"])
        .env("DEMO_SLOWDOWN", "/orders=1.5")
        .assert();
    // A baseline recorded beside the same work is warned about at once.
    let update = project
        .cmd(&["baseline", "update", "--runs", "1"])
        .args(short)
        .assert()
        .success();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let stderr = String::from_utf8_lossy(&update.get_output().stderr).to_string();
    assert!(
        stderr.contains(
            "while this baseline was recorded: stored checks against it will decide nothing"
        ),
        "{stderr}"
    );
    for hog in hogs {
        hog.join().expect("hog thread");
    }
    // Even a real slowdown cannot be told from the machine's load.
    let json = json.code(0);
    let comparison: Value =
        serde_json::from_slice(&json.get_output().stdout).expect("comparison JSON");
    let stopping = &comparison["stopping"];
    assert_eq!(stopping["reason"], "undecidable", "{stopping}");
    assert_eq!(stopping["rounds"], 1, "{stopping}");
    let why = comparison["undecidable"].as_str().unwrap_or("");
    assert!(
        why.contains(support::LOAD_CHANGED) && why.contains("app.command"),
        "{comparison}"
    );
    for endpoint in comparison["endpoints"].as_array().into_iter().flatten() {
        for metric in endpoint["metrics"].as_array().into_iter().flatten() {
            assert_eq!(metric["verdict"], "inconclusive", "{metric}");
            let note = metric["note"].as_str().unwrap_or("");
            assert!(
                note.contains("shared with other work") && note.contains("--ab"),
                "{note}"
            );
        }
    }
}
