//! Sharding and merging on hand-built records.

use super::*;
use crate::record::{
    self, Block, EndpointRecord, Host, LoadSummary, Measured, MeasuredEndpoint, Outcomes,
    Provenance,
};
use hdrhistogram::Histogram;

const ALL: [&str; 3] = ["alpha", "beta", "gamma"];

fn measured() -> Measured {
    Measured {
        rate: 90.0,
        connections: 8,
        block_ms: 1000,
        timeout_ms: 2000,
        endpoints: ALL
            .iter()
            .map(|name| MeasuredEndpoint {
                name: name.to_string(),
                method: "GET".into(),
                path: format!("/{name}"),
                header_names: Vec::new(),
                body_sha256: None,
                weight: 1,
                expect_status: None,
            })
            .collect(),
    }
}

fn load(target_rate: f64, achieved_rate: f64, requests: u64) -> LoadSummary {
    LoadSummary {
        target_rate,
        achieved_rate,
        warmup_ms: 1000,
        duration_ms: 3000,
        block_ms: 1000,
        connections: 8,
        seed: 1,
        requests,
        late_starts: requests / 10,
        generator_cpu_seconds: 0.5,
        generator_requests: requests + 30,
        others_cores: None,
    }
}

/// A block whose latencies (µs) depend on `seed`, so that no two
/// records are alike.
fn block(seed: u64) -> Block {
    let mut latency_us = record::new_histogram();
    for i in 0..50 {
        let value = 500 + seed * 37 + i * i * 13;
        latency_us.record(value).expect("auto-resizing histogram");
    }
    let mut outcomes = Outcomes {
        ok: 50,
        ..Default::default()
    };
    outcomes.status.insert(503, seed % 3);
    Block {
        run: 0,
        latency_us: latency_us.into(),
        phases: Default::default(),
        outcomes,
    }
}

/// One run of the endpoints `names` (3 blocks each).
fn shard(names: &[&str], seed: u64, rate: f64) -> RunRecord {
    let endpoints: Vec<EndpointRecord> = names
        .iter()
        .enumerate()
        .map(|(e, name)| EndpointRecord {
            name: name.to_string(),
            method: "GET".into(),
            path: format!("/{name}"),
            blocks: (0..3)
                .map(|b| block(seed * 100 + e as u64 * 10 + b))
                .collect(),
        })
        .collect();
    let mut r = RunRecord {
        format: record::FORMAT,
        suite: "api".into(),
        summary: Vec::new(),
        fingerprint: "0123456789abcdef".into(),
        measured: measured(),
        provenance: Provenance {
            benchgate_version: "0.1.0".into(),
            git_commit: Some("c0ffee".into()),
            git_branch: None,
            time_utc: format!("2024-01-01T00:00:0{seed}Z"),
            host: Host {
                cpu_model: "test cpu".into(),
                cores: 2,
                os: "linux".into(),
            },
            placement: None,
            chosen: Vec::new(),
        },
        load: load(rate, rate, 150 * names.len() as u64),
        runs: Vec::new(),
        pairing: None,
        endpoints,
        resources: None,
    };
    r.summarize();
    r
}

fn inputs(records: Vec<RunRecord>) -> Vec<(PathBuf, RunRecord)> {
    records
        .into_iter()
        .enumerate()
        .map(|(i, r)| (PathBuf::from(format!("shard-{}.json", i + 1)), r))
        .collect()
}

fn runs_of(record: &RunRecord, name: &str) -> Vec<u32> {
    let endpoint = record.endpoint(name).expect("endpoint present");
    endpoint.blocks.iter().map(|b| b.run).collect()
}

#[test]
fn disjoint_shards_join_in_suite_order_each_under_its_own_run() {
    let one = shard(&["alpha", "gamma"], 1, 60.0);
    let two = shard(&["beta"], 2, 30.0);
    let merged = merge(inputs(vec![one.clone(), two.clone()])).expect("merges");

    let names: Vec<&str> = merged.endpoints.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ALL);
    assert_eq!(merged.runs.len(), 2);
    assert_eq!(merged.runs[0].provenance, one.provenance);
    assert_eq!(merged.runs[1].provenance, two.provenance);
    assert_eq!(runs_of(&merged, "alpha"), [0, 0, 0]);
    assert_eq!(runs_of(&merged, "beta"), [1, 1, 1]);
    // The blocks themselves are untouched.
    let beta = merged.endpoint("beta").expect("beta");
    let original = two.endpoint("beta").expect("beta");
    for (m, o) in beta.blocks.iter().zip(&original.blocks) {
        assert_eq!(m.latency_us, o.latency_us);
        assert_eq!(m.outcomes, o.outcomes);
    }
    // Each endpoint's rate is over the runs that measured it: its
    // requests in 3 s, not in the 6 s of both shards.
    for named in &merged.summary {
        let requests = named.summary.requests;
        assert!(requests >= 150, "{}: {requests}", named.endpoint);
        let expected = requests as f64 / 3.0;
        assert!(
            (named.summary.rate - expected).abs() < 1e-9,
            "{}: {} instead of {expected}",
            named.endpoint,
            named.summary.rate
        );
    }
}

#[test]
fn overlapping_inputs_keep_every_run_separate() {
    let first = shard(&ALL, 1, 90.0);
    let second = shard(&ALL, 2, 90.0);
    let already_joined =
        RunRecord::combine(vec![shard(&ALL, 3, 90.0), shard(&ALL, 4, 90.0)]).expect("joins");
    let merged = merge(inputs(vec![first, second, already_joined])).expect("merges");
    assert_eq!(merged.run_count(), 4);
    assert_eq!(
        runs_of(&merged, "gamma"),
        [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    );
    let times: Vec<&str> = merged
        .runs
        .iter()
        .map(|r| r.provenance.time_utc.as_str())
        .collect();
    assert_eq!(
        times,
        [
            "2024-01-01T00:00:01Z",
            "2024-01-01T00:00:02Z",
            "2024-01-01T00:00:03Z",
            "2024-01-01T00:00:04Z"
        ]
    );
    // Every run measured gamma for 3 s: its requests in 12 s.
    let gamma = &merged.summary[2];
    assert_eq!(gamma.endpoint, "gamma");
    assert!(gamma.summary.requests >= 600);
    let expected = gamma.summary.requests as f64 / 12.0;
    assert!((gamma.summary.rate - expected).abs() < 1e-9);
}

/// Every histogram of the inputs, added up.
fn added(records: &[RunRecord], name: &str) -> Histogram<u64> {
    let mut all = record::new_histogram();
    for r in records {
        if let Some(e) = r.endpoint(name) {
            for b in &e.blocks {
                b.latency_us.add_to(&mut all);
            }
        }
    }
    all
}

#[test]
fn merging_is_lossless_even_through_the_file_format() {
    let records = vec![
        shard(&["alpha", "beta"], 1, 60.0),
        shard(&["beta", "gamma"], 2, 60.0),
        shard(&ALL, 3, 90.0),
    ];
    let merged = merge(inputs(records.clone())).expect("merges");
    let json = serde_json::to_string(&merged).expect("encodes");
    let back: RunRecord = serde_json::from_str(&json).expect("decodes");
    for name in ALL {
        let expected = added(&records, name);
        for r in [&merged, &back] {
            let pooled = r.endpoint(name).expect("present").pooled();
            assert_eq!(pooled.len(), expected.len(), "{name}");
            assert_eq!(pooled.max(), expected.max(), "{name}");
            for q in [0.0, 0.25, 0.5, 0.9, 0.95, 0.99, 1.0] {
                assert_eq!(
                    pooled.value_at_quantile(q),
                    expected.value_at_quantile(q),
                    "{name} at {q}"
                );
            }
        }
        let outcomes: u64 = records
            .iter()
            .filter_map(|r| r.endpoint(name))
            .map(|e| e.outcomes().total())
            .sum();
        assert_eq!(
            back.endpoint(name).expect("present").outcomes().total(),
            outcomes
        );
    }
    assert_eq!(back.endpoints, merged.endpoints);
}

#[test]
fn the_load_sums_the_work_and_keeps_the_worst_shortfall() {
    let one = shard(&["alpha", "gamma"], 1, 60.0);
    let mut two = shard(&["beta"], 2, 30.0);
    two.load.achieved_rate = 24.0; // 80% of its target
    let merged = merge(inputs(vec![one, two])).expect("merges");
    assert_eq!(merged.load.target_rate, 90.0);
    assert!((merged.load.achieved_rate - 72.0).abs() < 1e-9);
    assert!(merged.load.fell_short());
    assert_eq!(merged.load.requests, 300 + 150);
    assert_eq!(merged.load.late_starts, 30 + 15);
    assert_eq!(merged.load.generator_requests, 330 + 180);
    assert!((merged.load.generator_cpu_seconds - 1.0).abs() < 1e-9);
    assert_eq!(merged.load.duration_ms, 3000);
}

#[test]
fn another_suite_is_refused_naming_the_file() {
    let mut other = shard(&["beta"], 2, 30.0);
    other.suite = "web".into();
    let err = merge(inputs(vec![shard(&["alpha"], 1, 30.0), other]))
        .expect_err("refused")
        .to_string();
    assert_eq!(
        err,
        "shard-2.json holds suite web but shard-1.json holds suite api; merge only results of one suite"
    );
}

#[test]
fn a_changed_suite_is_refused_with_both_fingerprints_and_the_change() {
    let mut changed = shard(&["beta"], 2, 30.0);
    changed.fingerprint = "fedcba9876543210".into();
    changed.measured.rate = 120.0;
    let err = merge(inputs(vec![
        shard(&["alpha"], 1, 30.0),
        shard(&["gamma"], 3, 30.0),
        changed,
    ]))
    .expect_err("refused")
    .to_string();
    assert!(
        err.starts_with("shard-3.json was measured with a different suite file than shard-1.json"),
        "{err}"
    );
    assert!(
        err.contains("fingerprints 0123456789abcdef vs fedcba9876543210: load.rate 90 → 120"),
        "{err}"
    );
}

#[test]
fn another_format_is_refused() {
    let mut future = shard(&["beta"], 2, 30.0);
    future.format = record::FORMAT + 1;
    let err = merge(inputs(vec![shard(&["alpha"], 1, 30.0), future]))
        .expect_err("refused")
        .to_string();
    assert!(
        err.starts_with("shard-2.json has results format 2 but shard-1.json has format 1"),
        "{err}"
    );
}

#[test]
fn the_same_run_twice_is_refused() {
    let one = shard(&["alpha"], 1, 30.0);
    let err = merge(inputs(vec![one.clone(), shard(&["beta"], 2, 30.0), one]))
        .expect_err("refused")
        .to_string();
    assert_eq!(
        err,
        "shard-1.json and shard-3.json hold the same run; give each shard's results once"
    );
}

#[test]
fn combine_still_refuses_a_run_with_an_endpoint_the_first_lacks() {
    let err = RunRecord::combine(vec![shard(&["alpha"], 1, 30.0), shard(&ALL, 2, 90.0)])
        .expect_err("refused")
        .to_string();
    assert_eq!(err, "endpoint beta is missing from the first run");
}

#[test]
fn shards_parse_as_k_of_n() {
    assert_eq!(parse_shard("2/3"), Ok(Shard { index: 2, count: 3 }));
    assert_eq!(parse_shard("1/1"), Ok(Shard { index: 1, count: 1 }));
    for bad in ["3", "a/b", "1/", "/2", "-1/2", "1/2/3"] {
        let err = parse_shard(bad).expect_err(bad).to_string();
        assert!(err.starts_with("expected K/N"), "{bad}: {err}");
    }
    assert_eq!(
        parse_shard("0/3").map_err(|e| e.to_string()),
        Err("'0/3': the shard K must be between 1 and N (3)".into())
    );
    assert_eq!(
        parse_shard("4/3").map_err(|e| e.to_string()),
        Err("'4/3': the shard K must be between 1 and N (3)".into())
    );
    assert_eq!(
        parse_shard("1/0").map_err(|e| e.to_string()),
        Err("'1/0': the number of shards N must be at least 1".into())
    );
}

fn suite(weights: &[u32]) -> Config {
    let endpoints: String = weights
        .iter()
        .enumerate()
        .map(|(i, w)| format!("  - name: e{i}\n    path: /e{i}\n    weight: {w}\n"))
        .collect();
    let text = format!(
        "version: 1\nsuite: api\nbase_url: \"http://127.0.0.1:9\"\nload:\n  rate: 100/s\nendpoints:\n{endpoints}"
    );
    crate::config::parse(&text, Path::new("benchgate.yaml")).expect("valid suite")
}

#[test]
fn a_shard_takes_every_nth_endpoint_at_its_share_of_the_rate() {
    let config = suite(&[1, 3, 2, 4, 10]);
    let shard = |index| Shard { index, count: 2 };
    let two = shard_config(&config, shard(2)).expect("shard 2/2");
    let names: Vec<&str> = two.endpoints.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["e1", "e3"]);
    assert!((two.load.rate - 35.0).abs() < 1e-9, "{}", two.load.rate);
    let one = shard_config(&config, shard(1)).expect("shard 1/2");
    assert!((one.load.rate - 65.0).abs() < 1e-9, "{}", one.load.rate);
    // Everything else is the suite's.
    assert_eq!(one.load.duration, config.load.duration);
    assert_eq!(one.load.connections, config.load.connections);
    let whole = shard_config(&config, Shard { index: 1, count: 1 }).expect("1/1");
    assert_eq!(whole, config);
}

#[test]
fn a_shard_without_endpoints_is_refused() {
    let config = suite(&[1, 1]);
    let err = shard_config(&config, Shard { index: 3, count: 3 })
        .expect_err("empty")
        .to_string();
    assert_eq!(
        err,
        "shard 3/3 has no endpoints: suite api has 2 endpoint(s), so split it into at most 2 shard(s)"
    );
}

#[test]
fn a_merge_past_the_record_limits_is_refused() {
    // Two inputs of 600 runs each: each readable, their join not.
    let many = |seed| {
        let mut r = shard(&ALL, seed, 90.0);
        r.runs = vec![r.run_infos()[0].clone(); 600];
        r
    };
    let err = merge(inputs(vec![many(1), many(2)]))
        .expect_err("too many runs")
        .to_string();
    assert!(err.contains("1200 runs, over the limit of 1000"), "{err}");
    assert!(err.contains("merge fewer files"), "{err}");
}
