//! `benchgate bisect` end to end on real git repositories of six commits,
//! whose slowdowns are changes to the suite's `app.env` that every later
//! commit keeps: one commit that slows an endpoint ×3 is named, with its
//! own step, in a bounded number of probes; two commits that slow it ×2 and
//! then ×3 more are both named, oldest first, at one rate that `rate:
//! auto` chose once; no worktree is left behind. Every JSON report is
//! valid against `schemas/bisect.schema.json`, and the schema refuses what
//! `bisect` never prints.

mod support;

use std::time::Duration;

use serde_json::Value;
use support::{benchgate, git, output_in, serial};

/// What `schemas/bisect.schema.json` finds wrong in `found`.
fn schema_errors(found: &Value) -> Vec<String> {
    support::schema_errors(include_str!("../schemas/bisect.schema.json"), found)
}

/// Seven commits c0..c6 in `repo`, commit `i` with `suite(i)` as its
/// suite file: their hashes, oldest first.
fn repository(repo: &std::path::Path, suite: impl Fn(usize) -> String) -> Vec<String> {
    git(repo, &["init", "-q", "-b", "main"]);
    let mut commits = Vec::new();
    for i in 0..=6 {
        std::fs::write(repo.join("benchgate.yaml"), suite(i)).expect("suite");
        std::fs::write(repo.join("CHANGES"), format!("commit {i}\n")).expect("write");
        git(repo, &["add", "-A"]);
        git(repo, &["commit", "-q", "-m", &format!("c{i}")]);
        commits.push(git(repo, &["rev-parse", "HEAD"]));
    }
    commits
}

/// `benchgate bisect GOOD HEAD --format json` in `repo` with `extra`
/// arguments, bounded to `limit`; asserts that it exits 0 with a report
/// the schema accepts, and returns the report and its stderr.
fn bisect_json(
    repo: &std::path::Path,
    good: &str,
    extra: &[&str],
    limit: Duration,
) -> (Value, String) {
    let out = benchgate()
        .current_dir(repo)
        .args(["bisect", good, "HEAD", "--format", "json"])
        .args(extra)
        .timeout(limit)
        .output()
        .expect("run bisect");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let found: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let errors = schema_errors(&found);
    assert!(errors.is_empty(), "{errors:#?}\n{found:#}");
    (found, stderr)
}

#[test]
fn bisect_names_the_commit_that_slowed_an_endpoint() {
    let _serial = serial();
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = dir.path();
    let commits = repository(repo, |i| {
        let env = if i >= 4 {
            "  env: { DEMO_SLOWDOWN: \"/sleep=3\" }\n"
        } else {
            ""
        };
        support::wait_suite(env)
    });

    let (found, stderr) = bisect_json(repo, &commits[0], &[], Duration::from_secs(400));
    let culprits = found["culprits"].as_array().expect("culprits");
    assert_eq!(culprits.len(), 1, "{found:#}\n{stderr}");
    assert_eq!(
        culprits[0]["commit"],
        commits[4].as_str(),
        "{found:#}\n{stderr}"
    );
    assert_eq!(found["target"]["endpoint"], "wait", "{found:#}");
    assert_eq!(found["spread"], false, "{found:#}");
    assert_eq!(found["stop"], "explained", "{found:#}");
    let step = &culprits[0]["step"];
    assert_eq!(step["against"], commits[3].as_str());
    let ratio = step["ratio"].as_f64().expect("ratio");
    assert!((2.0..4.0).contains(&ratio), "{step}");
    let probes = found["probes"].as_array().expect("probes").len();
    // BAD against GOOD, ⌈log₂ 6⌉ = 3 halvings, the step.
    assert!(probes <= 5, "{probes} probes: {found:#}");
    let leftover = &found["leftover"];
    assert!(
        leftover["lower"].as_f64() < Some(1.0) && leftover["upper"].as_f64() > Some(1.0),
        "the step explains the change: {found:#}"
    );

    let worktrees = git(repo, &["worktree", "list"]);
    assert_eq!(worktrees.lines().count(), 1, "{worktrees}");
}

#[test]
fn bisect_names_both_commits_of_a_change_made_in_two_steps() {
    let _serial = serial();
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = dir.path();
    let commits = repository(repo, |i| {
        let env = match i {
            0 | 1 => "",
            2..=4 => "  env: { DEMO_SLOWDOWN: \"/sleep=2\" }\n",
            _ => "  env: { DEMO_SLOWDOWN: \"/sleep=6\" }\n",
        };
        // The rate as init writes it: probed once, then fixed for every probe.
        support::wait_suite(env).replace("rate: 60/s", "rate: auto")
    });

    // Effects of ×2 and ×3 need no more than 3 s a probe.
    let (found, stderr) = bisect_json(
        repo,
        &commits[0],
        &["--duration", "3s", "--max-duration", "3s"],
        Duration::from_secs(600),
    );
    let named: Vec<&str> = found["culprits"]
        .as_array()
        .expect("culprits")
        .iter()
        .filter_map(|c| c["commit"].as_str())
        .collect();
    assert_eq!(
        named,
        [commits[2].as_str(), commits[5].as_str()],
        "{found:#}\n{stderr}"
    );
    assert_eq!(found["spread"], true, "{found:#}");
    assert_eq!(
        stderr.matches("rate auto: probing").count(),
        1,
        "one probe of the rate for the whole bisect: {stderr}"
    );
    assert!(stderr.contains("bisect: every probe runs at"), "{stderr}");
    let worktrees = git(repo, &["worktree", "list"]);
    assert_eq!(worktrees.lines().count(), 1, "{worktrees}");
}

#[test]
fn bisect_refuses_a_good_that_is_not_on_the_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = dir.path();
    git(repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("benchgate.yaml"), support::wait_suite("")).expect("suite");
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", "c0"]);
    let out = output_in(repo, &["bisect", "no-such-ref", "HEAD"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no-such-ref: no such commit"), "{stderr}");
    let out = output_in(repo, &["bisect", "HEAD", "HEAD"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("GOOD and BAD are the same commit"),
        "{stderr}"
    );
}

/// A report of the shape the end-to-end runs do not reach: the budget
/// spent after one commit was named and one placed but unsure, with a
/// stretch left open whose change no probe reaches.
fn out_of_probes() -> Value {
    let probe = |commit: &str, against: &str, kind: &str, ratio: f64, after: Value| {
        serde_json::json!({
            "commit": commit, "against": against, "kind": kind,
            "ratio": ratio, "lower": ratio * 0.95, "upper": ratio * 1.05,
            "after": after,
        })
    };
    let total = probe("c8", "c0", "total", 1.5, Value::Null);
    serde_json::json!({
        "target": { "endpoint": "orders", "metric": "server-timing:db" },
        "total": total,
        "culprits": [{
            "commit": "c3",
            "step": probe("c3", "c2", "chained", 1.3, Value::Null),
            "phases": [{ "phase": "db", "metric": "p50", "ratio": 1.4, "lower": 1.2, "upper": 1.6 }],
        }],
        "unsure": [{
            "commit": "c6",
            "step": probe("c6", "c5", "step", 1.02, Value::Null),
            "phases": [],
        }],
        "leftover": { "ratio": 1.15, "lower": 1.05, "upper": 1.26 },
        "spread": true,
        "stop": "budget",
        "open": [
            { "from": "c3", "to": "c5", "change": { "ratio": 1.1, "lower": 1.0, "upper": 1.2 } },
            { "from": "c6", "to": "c8", "change": null },
        ],
        "probes": [
            total,
            probe("c4", "c0", "halving", 1.3, Value::Bool(true)),
            probe("c2", "c0", "halving", 1.0, Value::Bool(false)),
            probe("c3", "c0", "halving", 1.3, Value::Bool(true)),
            probe("c8", "c3", "stretch", 1.15, Value::Null),
            probe("c6", "c3", "halving", 1.12, Value::Bool(true)),
            probe("c6", "c5", "step", 1.02, Value::Null),
        ],
    })
}

#[test]
fn the_bisect_schema_refuses_what_bisect_never_prints() {
    let found = out_of_probes();
    let errors = schema_errors(&found);
    assert!(errors.is_empty(), "{errors:#?}");
    let nothing = serde_json::json!({
        "target": null, "total": null, "culprits": [], "unsure": [],
        "leftover": null, "spread": false, "stop": "no_regression",
        "open": [], "probes": [],
    });
    let errors = schema_errors(&nothing);
    assert!(errors.is_empty(), "{errors:#?}");

    let wrong = |what: &str, change: &dyn Fn(&mut Value)| {
        let mut doc = found.clone();
        change(&mut doc);
        assert!(!schema_errors(&doc).is_empty(), "accepted {what}: {doc:#}");
    };
    wrong("an unknown stop", &|d| d["stop"] = "gave_up".into());
    wrong("no probes", &|d| {
        d.as_object_mut().expect("object").remove("probes");
    });
    wrong("a field bisect does not print", &|d| d["took"] = 600.into());
    wrong("an unknown probe kind", &|d| {
        d["probes"][1]["kind"] = "guess".into()
    });
    wrong("a halving probe that placed nothing", &|d| {
        d["probes"][1]["after"] = Value::Null;
    });
    wrong("a placed step probe", &|d| {
        d["probes"][6]["after"] = Value::Bool(true);
    });
    wrong("a ratio of 0", &|d| {
        d["culprits"][0]["step"]["lower"] = 0.into()
    });
    wrong("a phase without its interval", &|d| {
        d["culprits"][0]["phases"][0]
            .as_object_mut()
            .expect("object")
            .remove("upper");
    });
    wrong("open stretches after the change was explained", &|d| {
        d["stop"] = "explained".into();
    });
    wrong("a leftover without a named commit", &|d| {
        d["culprits"] = serde_json::json!([]);
    });
    wrong("probes without a target", &|d| d["target"] = Value::Null);
}
