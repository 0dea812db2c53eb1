use super::{append, read, Appended, ChainStep, Machine, StepMetric};

fn step(commit: &str) -> ChainStep {
    ChainStep {
        suite: "demo".into(),
        commit: commit.into(),
        parent: format!("{commit}^"),
        time_utc: "2026-12-07T00:00:00Z".into(),
        machine: Machine {
            cpu_model: "Test CPU".into(),
            cores: 2,
        },
        confidence: 0.99,
        metrics: vec![StepMetric {
            endpoint: "orders".into(),
            metric: "p50".into(),
            ratio: 1.02,
            lower: 0.99,
            upper: 1.05,
            verdict: "unchanged".into(),
        }],
    }
}

#[test]
fn steps_are_appended_once_and_read_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("demo.chain.jsonl");
    assert!(read(&path).expect("no file is an empty chain").is_empty());
    assert_eq!(append(&path, &step("c1")).expect("append"), Appended::Added);
    assert_eq!(append(&path, &step("c2")).expect("append"), Appended::Added);
    assert_eq!(
        append(&path, &step("c1")).expect("append"),
        Appended::AlreadyThere
    );
    let steps = read(&path).expect("read");
    assert_eq!(steps, vec![step("c1"), step("c2")]);
    let mut other = step("c3");
    other.suite = "api".into();
    let err = append(&path, &other).expect_err("another suite");
    assert!(
        err.to_string()
            .contains("holds steps of suite api, not demo"),
        "{err}"
    );
}

#[test]
fn a_bad_line_is_named_with_its_number_and_the_fix() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("h.jsonl");
    let good = serde_json::to_string(&step("c1")).expect("json");
    let mut inverted = step("c2");
    inverted.metrics[0].lower = 1.5;
    let cases = [
        ("{not json".to_owned(), "key must be a string"),
        (
            serde_json::to_string(&inverted).expect("json"),
            "is not a positive ratio inside its interval",
        ),
        (
            good.replace("Test CPU", "Test\\u001b[31m CPU"),
            "holds control characters",
        ),
        (good.replace("0.99,", "1.5,"), "confidence 1.5"),
        (
            good.replace("\"suite\"", "\"extra\":1,\"suite\""),
            "unknown field",
        ),
    ];
    for (line, says) in cases {
        std::fs::write(&path, format!("{good}\n{line}\n")).expect("write");
        let err = read(&path).expect_err("refused").to_string();
        assert!(err.starts_with(&format!("{}:2: ", path.display())), "{err}");
        assert!(err.contains(says), "{err}");
        assert!(err.ends_with("repair or remove that line"), "{err}");
    }
}
