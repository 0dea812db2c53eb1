//! Hand-built comparisons for the tests of what reads them (the reports,
//! the pull-request comment): the fields a fixture leaves at "nothing", a
//! side's provenance, an endpoint without errors, and the JSON schema every
//! comparison must meet. One builder, so that a field added to
//! [`Comparison`] is filled in one place.

use crate::compare::{Comparison, ErrorComparison, Outcome, SideInfo};

/// A side measured on a 4-core machine, unpinned.
pub(crate) fn side(commit: Option<&str>, time_utc: &str, runs: usize, cpu_model: &str) -> SideInfo {
    SideInfo {
        git_commit: commit.map(String::from),
        time_utc: time_utc.into(),
        runs,
        cpu_model: cpu_model.into(),
        cores: 4,
        placement: None,
    }
}

/// No error on either side, at the default bound of +1 point.
pub(crate) fn no_errors() -> ErrorComparison {
    ErrorComparison {
        base_rate: 0.0,
        head_rate: 0.0,
        max_increase: 0.01,
        p_value: Some(1.0),
        regressed: false,
    }
}

/// A passing comparison of suite `shop` at the default threshold and
/// confidence with no endpoint, nothing added, removed, warned of or
/// failed, and none of A/B mode's or the app's extras: what a fixture
/// writes over with the fields it is about.
pub(crate) fn bare() -> Comparison {
    let side = side(None, "2024-05-02T09:30:00Z", 1, "Test CPU @ 3.00GHz");
    Comparison {
        suite: "shop".into(),
        outcome: Outcome::Pass,
        threshold: 0.10,
        confidence: 0.99,
        base: side.clone(),
        head: side,
        endpoints: Vec::new(),
        added: Vec::new(),
        removed: Vec::new(),
        warnings: Vec::new(),
        pairing: None,
        accepted: Vec::new(),
        proposed: Vec::new(),
        run_noise: None,
        capacity: None,
        sight: Default::default(),
        failed: Vec::new(),
        invalid: Vec::new(),
        memory: None,
        cpu_by_endpoint: Vec::new(),
        stopping: None,
        undecidable: None,
        possible_regressions: Vec::new(),
    }
}

/// What `schemas/comparison.schema.json` finds wrong in `json`, a
/// comparison as written: one line each, with where; empty when it
/// conforms.
pub(crate) fn schema_errors(json: &serde_json::Value) -> Vec<String> {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../schemas/comparison.schema.json"))
            .expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    validator
        .iter_errors(json)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}
