//! The GitHub Action and the workflows are YAML that no Rust code reads:
//! these tests parse them so a typo or a dropped input fails here, not in a
//! user's pull request.

use std::path::{Path, PathBuf};

use serde_yaml::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn parse(path: &Path) -> Value {
    let text = fs_err::read_to_string(path).expect("the file is readable");
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()))
}

fn keys(value: &Value) -> Vec<String> {
    value
        .as_mapping()
        .map(|m| {
            m.keys()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_action_is_composite_with_the_documented_inputs_and_outputs() {
    let action = parse(&root().join("action.yml"));
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    let inputs = keys(&action["inputs"]);
    for input in [
        "config",
        "github-token",
        "comment",
        "mode",
        "report-dir",
        "runs",
    ] {
        assert!(inputs.contains(&input.to_string()), "no input {input}");
    }
    let outputs = keys(&action["outputs"]);
    for output in ["verdict", "regressions", "report-dir"] {
        assert!(outputs.contains(&output.to_string()), "no output {output}");
    }
    let defaults = |name: &str| {
        action["inputs"][name]["default"]
            .as_str()
            .map(str::to_string)
    };
    assert_eq!(defaults("config").as_deref(), Some("benchgate.yaml"));
    assert_eq!(defaults("mode").as_deref(), Some("check"));
    assert_eq!(defaults("comment").as_deref(), Some("true"));
    assert_eq!(defaults("report-dir").as_deref(), Some("benchgate-report"));
}

#[test]
fn the_action_never_puts_the_token_on_a_command_line() {
    let action = parse(&root().join("action.yml"));
    let steps = action["runs"]["steps"].as_sequence().expect("steps");
    for step in steps {
        if let Some(run) = step["run"].as_str() {
            assert!(
                !run.contains("${{"),
                "a run script interpolates an expression: {run}"
            );
            assert!(
                !run.contains("--github-token"),
                "the token is an argument: {run}"
            );
        }
    }
}

fn workflows() -> Vec<PathBuf> {
    let mut found = Vec::new();
    for dir in [".github/workflows", "docs/workflows"] {
        for entry in fs_err::read_dir(root().join(dir)).expect("the directory exists") {
            let path = entry.expect("a directory entry").path();
            if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                found.push(path);
            }
        }
    }
    found
}

#[test]
fn every_workflow_has_triggers_and_jobs() {
    let found = workflows();
    assert!(
        found.len() >= 5,
        "expected the CI and four example workflows: {found:?}"
    );
    for path in found {
        let workflow = parse(&path);
        let top = keys(&workflow);
        assert!(
            top.contains(&"on".to_string()),
            "{} has no on:",
            path.display()
        );
        assert!(
            top.contains(&"jobs".to_string()),
            "{} has no jobs:",
            path.display()
        );
        assert!(
            !keys(&workflow["jobs"]).is_empty(),
            "{} has no job",
            path.display()
        );
    }
}

#[test]
fn init_writes_the_documented_pull_request_workflow() {
    let template = fs_err::read_to_string(root().join("src/init/workflow.yml")).expect("template");
    let example =
        fs_err::read_to_string(root().join("docs/workflows/benchgate-pr.yml")).expect("example");
    assert_eq!(
        template, example,
        "src/init/workflow.yml and docs/workflows/benchgate-pr.yml differ"
    );
}
