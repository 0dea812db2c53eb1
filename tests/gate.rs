//! The gate's guard rails with the real binary and the demo app: no baseline
//! yet, a changed suite, a broken baseline file, and a killed update that
//! must leave the previous baseline intact.

mod support;

use std::process::{Command, Stdio};
use std::time::Duration;

use predicates::prelude::*;
use serde_json::Value;
use support::Project;

#[test]
fn check_without_a_baseline_says_how_to_record_one() {
    let project = Project::new("50/s");
    project.cmd(&["check"]).assert().code(2).stderr(
        predicate::str::contains("no baseline for suite demo")
            .and(predicate::str::contains("benchgate baseline update")),
    );
}

#[test]
fn a_changed_suite_is_refused_with_what_changed() {
    let project = Project::new("50/s");
    project.quick_baseline();
    project
        .cmd(&["check", "--rate", "60/s"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("load.rate 50 → 60")
                .and(predicate::str::contains("baseline update")),
        );
}

#[test]
fn a_corrupt_or_truncated_baseline_is_exit_2_with_a_clear_message() {
    let project = Project::new("50/s");
    project.quick_baseline();
    let path = project.baseline();
    let good = std::fs::read(&path).expect("baseline");

    std::fs::write(&path, &good[..good.len() / 2]).expect("truncate");
    project
        .cmd(&["check"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not a valid benchgate record"));

    let mut value: Value = serde_json::from_slice(&good).expect("json");
    value["format"] = Value::from(99);
    std::fs::write(&path, serde_json::to_vec(&value).expect("encode")).expect("write");
    project
        .cmd(&["check"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("has format 99"));

    value["format"] = Value::from(1);
    value["endpoints"][0]["blocks"][0]["latency_us"] = Value::from("bm90IGEgaGlzdG9ncmFt");
    std::fs::write(&path, serde_json::to_vec(&value).expect("encode")).expect("write");
    project
        .cmd(&["check"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("HdrHistogram"));
}

#[test]
fn a_killed_baseline_update_leaves_the_old_baseline_intact() {
    let project = Project::new("50/s");
    project.quick_baseline();
    let before = std::fs::read(project.baseline()).expect("baseline");

    let mut child = Command::new(support::benchgate_path())
        .current_dir(project.dir.path())
        .args(["baseline", "update", "--runs", "3", "--config"])
        .arg(&project.suite)
        .env("CI", "true")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_millis(3500));
    child.kill().expect("SIGKILL benchgate");
    child.wait().expect("reaped");

    assert_eq!(
        std::fs::read(project.baseline()).expect("baseline still there"),
        before
    );
    let leftovers: Vec<String> = std::fs::read_dir(project.dir.path().join("baselines"))
        .expect("list")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    project
        .cmd(&["check", "--duration", "1s"])
        .assert()
        .code(predicate::in_iter([0, 1]));
}
