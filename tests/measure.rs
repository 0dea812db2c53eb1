//! The measurement itself, against servers with a known behaviour: a fixed
//! delay is measured as that delay, a stall shows in the tail, and errors of
//! every kind are counted rather than hidden.

mod support;

use std::time::Duration;

use serde_json::Value;
use support::{run_with_results, write_suite, Behaviour, TestServer};

/// A suite that targets an already running server (no `app`).
fn external_suite(base_url: &str, load: &str) -> String {
    format!(
        r#"version: 1
suite: ext
base_url: "{base_url}"
load:
{load}
endpoints:
  - name: only
    path: /x
"#
    )
}

fn summary(results: &Value, field: &str) -> f64 {
    results["summary"][0][field].as_f64().unwrap_or(f64::NAN)
}

#[test]
fn a_fixed_20ms_delay_is_measured_as_about_20ms() {
    let server = TestServer::start(Behaviour::Delay(Duration::from_millis(20)));
    let load = "  rate: 100/s\n  connections: 16\n  warmup: 500ms\n  duration: 2s";
    let (assert, results, _dir) = run_with_results(&external_suite(&server.base_url(), load));
    assert.success();
    let p50 = summary(&results, "p50_ms");
    assert!((19.5..30.0).contains(&p50), "p50 {p50} ms");
    assert_eq!(results["summary"][0]["requests"], 200);
    assert_eq!(results["load"]["late_starts"], 0);
}

#[test]
fn a_stall_under_open_loop_load_shows_in_the_tail() {
    // 200/s with only 4 connections: during a 500 ms stall the generator cannot
    // send, and the requests due meanwhile must still count from their due time.
    let server = TestServer::start(Behaviour::StallOnce {
        after: Duration::from_millis(1500),
        stall: Duration::from_millis(500),
    });
    let load = "  rate: 200/s\n  connections: 4\n  warmup: 500ms\n  duration: 3s";
    let (assert, results, _dir) = run_with_results(&external_suite(&server.base_url(), load));
    assert
        .success()
        .stdout(predicates::str::contains("started late"));
    let p99 = summary(&results, "p99_ms");
    let max = summary(&results, "max_ms");
    let p50 = summary(&results, "p50_ms");
    assert!(max >= 450.0, "max {max} ms");
    assert!(p99 >= 250.0, "p99 {p99} ms: the stall must reach the tail");
    assert!(p50 < 50.0, "p50 {p50} ms: most requests were fast");
    assert!(results["load"]["late_starts"].as_u64().unwrap_or(0) > 50);
}

#[test]
fn error_statuses_are_counted_and_shown() {
    let server = TestServer::start(Behaviour::Status(500));
    let load = "  rate: 50/s\n  warmup: 0s\n  duration: 1s";
    let (assert, results, _dir) = run_with_results(&external_suite(&server.base_url(), load));
    // Written and shown, and a run that never succeeded is no measurement.
    assert
        .code(3)
        .stdout(predicates::str::contains("50 × HTTP 500"))
        .stdout(predicates::str::contains("100.00%"))
        .stderr(predicates::str::contains(
            "only got no successful response (50 × HTTP 500)",
        ));
    assert_eq!(summary(&results, "error_rate"), 1.0);
    let blocks = results["endpoints"][0]["blocks"]
        .as_array()
        .expect("blocks");
    assert_eq!(blocks[0]["outcomes"]["status"]["500"], 50);
    assert_eq!(blocks[0]["outcomes"]["ok"], 0);
}

#[test]
fn timeouts_are_counted_not_hidden() {
    let server = TestServer::start(Behaviour::Delay(Duration::from_secs(3)));
    let load = "  rate: 20/s\n  warmup: 0s\n  duration: 1s\n  timeout: 200ms";
    let (assert, results, _dir) = run_with_results(&external_suite(&server.base_url(), load));
    assert
        .code(3)
        .stdout(predicates::str::contains("20 timed out"));
    assert_eq!(
        results["endpoints"][0]["blocks"][0]["outcomes"]["timeout"],
        20
    );
    assert_eq!(summary(&results, "error_rate"), 1.0);
}

#[test]
fn a_target_that_goes_away_mid_run_shows_connect_errors() {
    let server = TestServer::start(Behaviour::Delay(Duration::from_millis(1)));
    let dir = tempfile::tempdir().expect("temp dir");
    let load = "  rate: 50/s\n  warmup: 0s\n  duration: 3s\n  timeout: 300ms";
    let suite = write_suite(dir.path(), &external_suite(&server.base_url(), load));
    let out = dir.path().join("results.json");
    let child = std::process::Command::new(support::benchgate_path())
        .args(["run", "--config"])
        .arg(&suite)
        .arg("--out")
        .arg(&out)
        .env("CI", "true")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn benchgate");
    std::thread::sleep(Duration::from_millis(1500));
    let addr = server.addr;
    drop(server);
    // The port stays bound, not listening: connections to it are refused,
    // and no other process's server (a busy machine starts many) takes it
    // and answers in the stopped one's place.
    let hold =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("a socket");
    hold.set_reuse_address(true).expect("SO_REUSEADDR");
    hold.bind(&addr.into())
        .expect("the stopped server's port, held until the run ends");
    let output = child.wait_with_output().expect("benchgate finishes");
    drop(hold);
    assert!(output.status.success());
    let results: Value =
        serde_json::from_slice(&std::fs::read(&out).expect("results")).expect("json");
    let last = &results["endpoints"][0]["blocks"][2]["outcomes"];
    let failed = last["connect"].as_u64().unwrap_or(0) + last["other"].as_u64().unwrap_or(0);
    assert!(failed >= 40, "last block outcomes {last}");
    assert!(
        results["endpoints"][0]["blocks"][0]["outcomes"]["ok"]
            .as_u64()
            .unwrap_or(0)
            >= 45
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("could not connect"));
}

#[test]
fn an_unreachable_target_fails_the_run_with_exit_3() {
    let port = support::free_port();
    let load = "  rate: 10/s\n  duration: 1s";
    let (assert, _results, _dir) =
        run_with_results(&external_suite(&format!("http://127.0.0.1:{port}"), load));
    assert.code(3).stderr(predicates::str::contains(format!(
        "cannot reach the target http://127.0.0.1:{port}"
    )));
}

#[test]
fn the_results_file_matches_its_json_schema() {
    let server = TestServer::start(Behaviour::Status(503));
    let load = "  rate: 50/s\n  warmup: 0s\n  duration: 1s";
    let (assert, results, _dir) = run_with_results(&external_suite(&server.base_url(), load));
    assert.code(3);
    let schema = include_str!("../schemas/results.schema.json");
    support::assert_schema(schema, &results);
    // A broken file is caught by the schema too.
    let mut broken = results.clone();
    broken["load"]["requests"] = Value::from(-1);
    assert!(!support::schema_errors(schema, &broken).is_empty());
}
