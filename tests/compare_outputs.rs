//! Every output of `benchgate compare` on one committed pair of demo
//! results, byte for byte: the terminal table, the JSON comparison, and the
//! four files of `--report-dir`. A restructuring of the code must leave
//! them unchanged; a change of wording shows here as a snapshot diff to
//! review (`cargo insta review`).
//!
//! The pair (fixtures/compare) was measured on one machine, the head with
//! `/orders` slowed ×1.3; the third case compares that head with the
//! demo's stored baseline from another machine.

mod support;

use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

/// Runs `compare` on `base` and `head` with the demo's suite and returns
/// (exit code, stdout, stderr, the report directory's files by name).
fn compare(base: &str, head: &str, format: &str) -> (i32, String, String, Vec<(String, String)>) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let out = support::benchgate()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "compare",
            base,
            head,
            "--config",
            "fixtures/demo/benchgate.yaml",
        ])
        .args(["--format", format, "--report-dir"])
        .arg(dir.path())
        .output()
        .expect("benchgate runs");
    let files = [
        "comparison.json",
        "comparison.md",
        "junit.xml",
        "report.html",
    ]
    .into_iter()
    .map(|name| {
        let text = fs_err::read_to_string(dir.path().join(name)).expect("the report file");
        (name.to_string(), text)
    })
    .collect();
    (
        out.status.code().expect("an exit code"),
        String::from_utf8(out.stdout).expect("UTF-8"),
        String::from_utf8(out.stderr).expect("UTF-8"),
        files,
    )
}

#[test]
fn a_same_machine_pair_compares_to_the_same_bytes() {
    assert!(fixture("fixtures/compare/demo-base.json").exists());
    let (code, text, stderr, files) = compare(
        "fixtures/compare/demo-base.json",
        "fixtures/compare/demo-head.json",
        "text",
    );
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("same_machine_text", text);
    insta::assert_snapshot!("same_machine_text_stderr", stderr);
    for (name, content) in files {
        insta::assert_snapshot!(format!("same_machine_{name}"), content);
    }
    let (_, json, _, _) = compare(
        "fixtures/compare/demo-base.json",
        "fixtures/compare/demo-head.json",
        "json",
    );
    insta::assert_snapshot!("same_machine_stdout_json", json);
}

#[test]
fn a_stored_baseline_from_another_machine_compares_to_the_same_bytes() {
    let (code, text, stderr, files) = compare(
        "baselines/demo.json",
        "fixtures/compare/demo-head.json",
        "text",
    );
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("foreign_text", text);
    insta::assert_snapshot!("foreign_text_stderr", stderr);
    for (name, content) in files {
        insta::assert_snapshot!(format!("foreign_{name}"), content);
    }
}
