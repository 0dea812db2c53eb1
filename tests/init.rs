//! `benchgate init` in a fresh directory: it writes a suite that validates
//! and the workflow, and never overwrites anything.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn benchgate() -> Command {
    Command::cargo_bin("benchgate").expect("benchgate binary is built")
}

fn init(dir: &Path) -> assert_cmd::assert::Assert {
    benchgate().arg("init").arg("--dir").arg(dir).assert()
}

#[test]
fn init_writes_a_valid_suite_and_the_workflow() {
    let dir = tempfile::tempdir().expect("temp dir");
    init(dir.path()).success().stdout(
        predicate::str::contains("benchgate validate")
            .and(predicate::str::contains("benchgate check --ab HEAD")),
    );
    let suite = dir.path().join("benchgate.yaml");
    let workflow = dir.path().join(".github/workflows/benchgate.yml");
    // A/B mode against the pull request's base: what works on cloud runners.
    let text = std::fs::read_to_string(&workflow).expect("workflow");
    assert!(text.contains("mode: ab"), "{text}");
    // The rate is chosen from the app.
    let starter = std::fs::read_to_string(&suite).expect("suite");
    assert!(starter.contains("\n  rate: auto "), "{starter}");
    // Every metric the starter gates can be judged at its rate: no warning.
    benchgate()
        .arg("validate")
        .arg("--config")
        .arg(&suite)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("is valid").and(predicate::str::contains(
                "a rate chosen from the app (rate: auto)",
            )),
        )
        .stderr("");
}

#[test]
fn init_in_the_current_directory_by_default() {
    let dir = tempfile::tempdir().expect("temp dir");
    benchgate()
        .arg("init")
        .current_dir(dir.path())
        .assert()
        .success();
    assert!(dir.path().join("benchgate.yaml").is_file());
    assert!(dir.path().join(".github/workflows/benchgate.yml").is_file());
}

#[test]
fn a_second_init_refuses_and_leaves_the_files_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    init(dir.path()).success();
    let suite = dir.path().join("benchgate.yaml");
    let workflow = dir.path().join(".github/workflows/benchgate.yml");
    fs_err::write(&suite, "edited by the user\n").expect("write");
    fs_err::write(&workflow, "also edited\n").expect("write");
    init(dir.path())
        .code(2)
        .stderr(predicate::str::contains("benchgate.yaml already exists"));
    assert_eq!(
        fs_err::read_to_string(&suite).expect("read"),
        "edited by the user\n"
    );
    assert_eq!(
        fs_err::read_to_string(&workflow).expect("read"),
        "also edited\n"
    );
}

#[test]
fn init_writes_nothing_when_only_the_workflow_exists() {
    let dir = tempfile::tempdir().expect("temp dir");
    let workflow = dir.path().join(".github/workflows/benchgate.yml");
    fs_err::create_dir_all(workflow.parent().expect("parent")).expect("mkdir");
    fs_err::write(&workflow, "mine\n").expect("write");
    init(dir.path()).code(2).stderr(predicate::str::contains(
        ".github/workflows/benchgate.yml already exists",
    ));
    assert!(!dir.path().join("benchgate.yaml").exists());
    assert_eq!(fs_err::read_to_string(&workflow).expect("read"), "mine\n");
}

#[test]
fn the_suite_init_writes_gates_the_app_s_cpu_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    init(dir.path()).success();
    let config = benchgate::config::load(
        &dir.path().join("benchgate.yaml"),
        &benchgate::config::Overrides::default(),
        benchgate::config::UNBOUND_PORT,
    )
    .expect("init's suite parses");
    // The template starts the app, so its CPU time per request is measured
    // and gated beside the latency.
    assert!(config.app.is_some());
    assert_eq!(
        config.gate.metrics,
        [
            benchgate::config::Metric::P50,
            benchgate::config::Metric::Mean,
            benchgate::config::Metric::Cpu
        ]
    );
}

#[test]
fn validate_says_cpu_is_not_gated_without_an_app_block() {
    let dir = tempfile::tempdir().expect("temp dir");
    let suite = dir.path().join("benchgate.yaml");
    std::fs::write(
        &suite,
        "version: 1\nsuite: s\nbase_url: \"http://127.0.0.1:8000\"\nload:\n  rate: 50/s\n  duration: 20s\nendpoints:\n  - { name: a, path: /a }\ngate:\n  metrics: [p50, mean, cpu]\n",
    )
    .expect("suite written");
    benchgate()
        .arg("validate")
        .arg("--config")
        .arg(&suite)
        .assert()
        .success()
        .stdout(predicate::str::contains("is valid"))
        .stderr(predicate::str::contains(
            "warning: gate.metrics lists cpu, but the suite has no app: block",
        ));
}
