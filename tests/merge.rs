//! A suite split across a CI matrix, end to end with the real binary and the
//! demo app: `run --shard K/N` per job, `merge` of the shards, then `compare`
//! and `baseline save` of the merged file.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use hdrhistogram::serialization::Deserializer;
use hdrhistogram::Histogram;
use predicates::prelude::*;
use serde_json::Value;
use support::{benchgate, demo_suite, free_port, write_suite, DEMO_ENDPOINTS};

/// Three endpoints (weights 1, 2, 1) at 60/s: shard 1/2 gets health and
/// create-order (30/s), shard 2/2 list-users (30/s).
fn endpoints() -> String {
    format!("  - name: health\n    path: /health\n{DEMO_ENDPOINTS}")
}

const LOAD: &str = "  rate: 60/s\n  warmup: 1s\n  duration: 3s\n  block: 1s";

fn project() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let suite = write_suite(dir.path(), &demo_suite(free_port(), LOAD, &endpoints()));
    (dir, suite)
}

fn cmd(dir: &Path, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = benchgate();
    cmd.current_dir(dir)
        .args(args)
        .timeout(Duration::from_secs(60));
    cmd
}

fn read(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("results file");
    serde_json::from_str(&text).expect("results JSON")
}

fn names(record: &Value) -> Vec<String> {
    record["endpoints"]
        .as_array()
        .expect("endpoints")
        .iter()
        .map(|e| e["name"].as_str().expect("name").to_string())
        .collect()
}

fn endpoint<'a>(record: &'a Value, name: &str) -> &'a Value {
    record["endpoints"]
        .as_array()
        .expect("endpoints")
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no endpoint {name}"))
}

fn histogram(block: &Value) -> Histogram<u64> {
    let text = block["latency_us"].as_str().expect("encoded histogram");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("base64");
    Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .expect("HdrHistogram V2")
}

#[test]
fn shards_merge_into_one_record_that_compares_and_saves_like_a_run() {
    let (dir, suite) = project();
    let dir = dir.path();
    let config = format!("--config={}", suite.display());
    for k in 1..=2 {
        cmd(
            dir,
            &[
                "run",
                &config,
                "--shard",
                &format!("{k}/2"),
                "-o",
                &format!("shard-{k}.json"),
            ],
        )
        .assert()
        .success()
        .stderr(predicate::str::contains(format!("shard {k}/2: ")));
    }
    let one = read(&dir.join("shard-1.json"));
    let two = read(&dir.join("shard-2.json"));
    assert_eq!(names(&one), ["health", "create-order"]);
    assert_eq!(names(&two), ["list-users"]);
    // Both keep the whole suite's description and fingerprint; each ran at
    // its endpoints' share of the rate.
    assert_eq!(one["fingerprint"], two["fingerprint"]);
    assert_eq!(one["measured"], two["measured"]);
    assert_eq!(
        one["measured"]["endpoints"].as_array().map(Vec::len),
        Some(3)
    );
    assert_eq!(one["load"]["target_rate"], 30.0);
    assert_eq!(two["load"]["target_rate"], 30.0);

    cmd(
        dir,
        &["merge", "shard-1.json", "shard-2.json", "-o", "all.json"],
    )
    .assert()
    .success()
    .stdout(predicate::str::contains(
        "3 endpoint(s) of suite demo: all.json",
    ));
    let all = read(&dir.join("all.json"));
    assert_eq!(names(&all), ["health", "list-users", "create-order"]);
    assert_eq!(all["fingerprint"], one["fingerprint"]);
    assert_eq!(all["runs"].as_array().map(Vec::len), Some(2));
    assert_eq!(all["load"]["target_rate"], 60.0);

    // Lossless: each endpoint's blocks decode to exactly its shard's
    // histograms, and list-users saw the rate of an unsharded run (60/s ×
    // 2/4 for 3 s ≈ 90 requests).
    for (shard, name, run) in [
        (&one, "health", 0),
        (&two, "list-users", 1),
        (&one, "create-order", 0),
    ] {
        let merged = endpoint(&all, name)["blocks"].as_array().expect("blocks");
        let original = endpoint(shard, name)["blocks"].as_array().expect("blocks");
        assert_eq!(merged.len(), original.len(), "{name}");
        for (m, o) in merged.iter().zip(original) {
            let (hm, ho) = (histogram(m), histogram(o));
            assert_eq!(hm.len(), ho.len(), "{name}");
            assert_eq!(
                hm.value_at_quantile(0.99),
                ho.value_at_quantile(0.99),
                "{name}"
            );
            assert_eq!(m["outcomes"], o["outcomes"], "{name}");
            assert_eq!(m["run"].as_u64().unwrap_or(0), run, "{name}");
        }
    }
    let users = all["summary"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["endpoint"] == "list-users"))
        .expect("list-users summary");
    let requests = users["requests"].as_u64().expect("requests");
    assert!(
        (80..=100).contains(&requests),
        "list-users: {requests} requests"
    );

    cmd(dir, &["compare", "all.json", "all.json"])
        .assert()
        .success();
    cmd(dir, &["baseline", "save", &config, "all.json"])
        .assert()
        .success();
    cmd(dir, &["compare", "baselines/demo.json", "all.json"])
        .assert()
        .success();

    // Round trip: a merged file merges again (here with one shard run
    // again, as a second block-range run of shard 1) without losing a count.
    cmd(
        dir,
        &["merge", "all.json", "shard-1.json", "-o", "again.json"],
    )
    .assert()
    .success();
    let again = read(&dir.join("again.json"));
    assert_eq!(again["runs"].as_array().map(Vec::len), Some(3));
    let count = |record: &Value, name: &str| -> u64 {
        endpoint(record, name)["blocks"]
            .as_array()
            .expect("blocks")
            .iter()
            .map(|b| histogram(b).len())
            .sum()
    };
    assert_eq!(count(&again, "health"), 2 * count(&one, "health"));
    assert_eq!(count(&again, "list-users"), count(&two, "list-users"));

    // Results of another suite are refused, naming the file.
    let mut other = one.clone();
    other["suite"] = Value::from("checkout");
    std::fs::write(dir.join("other.json"), other.to_string()).expect("write");
    cmd(dir, &["merge", "shard-2.json", "other.json", "-o", "bad.json"])
        .assert()
        .code(2)
        .stderr(
            "benchgate: other.json holds suite checkout but shard-2.json holds suite demo; merge only results of one suite\n",
        );
    assert!(!dir.join("bad.json").exists());
}

#[test]
fn bad_shards_are_usage_errors_before_anything_starts() {
    let (dir, suite) = project();
    let config = format!("--config={}", suite.display());
    for bad in ["0/2", "3/2", "2", "x/2"] {
        cmd(dir.path(), &["run", &config, "--shard", bad])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--shard"));
    }
    cmd(dir.path(), &["run", &config, "--shard", "4/4"])
        .assert()
        .code(2)
        .stderr(
            "benchgate: shard 4/4 has no endpoints: suite demo has 3 endpoint(s), so split it into at most 3 shard(s)\n",
        );
}

#[test]
fn merge_needs_two_files_and_an_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    cmd(dir.path(), &["merge", "a.json", "-o", "out.json"])
        .assert()
        .code(2);
    cmd(dir.path(), &["merge", "a.json", "b.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--out"));
    cmd(dir.path(), &["merge", "a.json", "b.json", "-o", "out.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read a.json"));
}
