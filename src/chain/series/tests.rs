use std::path::Path;

use super::{series, stretch};
use crate::chain::{ChainStep, Machine, StepMetric};

fn step(commit: &str, parent: &str, ratio: f64, half: f64) -> ChainStep {
    ChainStep {
        suite: "demo".into(),
        commit: commit.into(),
        parent: parent.into(),
        time_utc: "2026-12-07T00:00:00Z".into(),
        machine: Machine {
            cpu_model: "Test CPU".into(),
            cores: 2,
        },
        confidence: 0.99,
        metrics: vec![StepMetric {
            endpoint: "orders".into(),
            metric: "p50".into(),
            ratio,
            lower: ratio * (1.0 - half),
            upper: ratio * (1.0 + half),
            verdict: "unchanged".into(),
        }],
    }
}

#[test]
fn the_index_multiplies_the_steps_and_flags_the_clear_ones() {
    let chain = vec![
        step("c1", "c0", 1.00, 0.02),
        step("c2", "c1", 1.08, 0.02),
        step("c3", "c2", 1.01, 0.02),
    ];
    let (all, gaps) = series(&chain);
    assert!(gaps.is_empty());
    let s = &all[0];
    assert_eq!(
        (s.anchor.as_str(), s.latest.as_str(), s.steps),
        ("c0", "c3", 3)
    );
    assert!((s.ratio - 1.08 * 1.01).abs() < 1e-9, "{}", s.ratio);
    assert!(s.lower < s.ratio && s.ratio < s.upper);
    let flagged: Vec<&str> = s.flagged.iter().map(|f| f.commit.as_str()).collect();
    assert_eq!(flagged, ["c2"]);
    assert_eq!(s.points.len(), 3);
    assert!((s.points[1].ratio - 1.08).abs() < 1e-9);
}

#[test]
fn since_a_commit_starts_after_its_step_and_gaps_are_named() {
    let chain = vec![
        step("aaaa1", "aaaa0", 1.10, 0.02),
        step("bbbb2", "aaaa1", 1.02, 0.02),
        // The step of cccc3 failed: dddd4 was measured against it.
        step("dddd4", "cccc3", 1.03, 0.02),
    ];
    let path = Path::new("h.jsonl");
    let (all, gaps) = series(stretch(path, &chain, Some("aaaa1")).expect("known"));
    assert!((all[0].ratio - 1.02 * 1.03).abs() < 1e-9);
    assert_eq!(all[0].anchor, "aaaa1");
    assert_eq!(gaps.len(), 1);
    assert_eq!(
        (gaps[0].commit.as_str(), gaps[0].parent.as_str()),
        ("dddd4", "cccc3")
    );
    // The parent of the first step is a valid anchor too.
    let (all, _) = series(stretch(path, &chain, Some("aaaa0")).expect("known"));
    assert_eq!(all[0].steps, 3);
    let err = stretch(path, &chain, Some("eeee")).expect_err("unknown");
    assert!(err.to_string().contains("no step of commit eeee"), "{err}");
    assert!(
        stretch(path, &chain, Some("aa")).is_err(),
        "too short a prefix"
    );
}
