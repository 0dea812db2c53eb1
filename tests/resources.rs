//! The app's CPU time per request end to end: the demo app doing ×2 CPU
//! work on every endpoint in the head is flagged by `cpu/request` in one A/B
//! run measured until known, and A/A is not; `run` records each block's CPU time, requests and
//! memory when it starts the app, and says why not for a `base_url` target.

mod support;

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use support::{
    ab_json, demo_suite, free_port, serial, suite_dir, Behaviour, DemoSuite, TestServer,
};

const ENDPOINTS: &str = "  - name: list-users\n    path: /users?limit=20\n    weight: 2\n  - name: create-order\n    method: POST\n    path: /orders\n    json: { item: 42, qty: 1 }\n    expect: { status: 201 }\n  - name: search\n    path: /search?q=lamp\n    weight: 1";

/// 8 s of 500 ms blocks (16 pairs) at 60/s per side, measured until known
/// for up to 24 s: a loaded machine widens the first look's interval (a
/// ×1.5 head once read [0.99, 1.93] after 8 s there), and the gate's own
/// remedy is more rounds.
const LOAD: &str =
    "  rate: 60/s\n  warmup: 1s\n  duration: 8s\n  max_duration: 24s\n  block: 500ms";

/// Only `cpu` is gated: a ×2 head fails its p50 too, and a run that stops
/// at the first clear failure would leave `cpu/request` not judged.
fn suite(app_extra: &str) -> String {
    DemoSuite {
        app: app_extra,
        load: LOAD,
        endpoints: ENDPOINTS,
        gate: "  metrics: [cpu]\n  threshold: 15%",
        ..DemoSuite::default()
    }
    .yaml()
}

/// `benchgate ab` of `head` against `base`, one A/B run at a time.
fn ab(head: &Path, base: &Path) -> (i32, Value, String) {
    let _serial = serial();
    ab_json(head, base, &[])
}

#[test]
fn a_head_doing_more_cpu_work_is_flagged_and_a_a_is_not() {
    let base = suite_dir(&suite(""));
    let same = suite_dir(&suite(""));
    let (code, c, stderr) = ab(same.path(), base.path());
    assert!(code == 0 || code == 1, "exit {code}: {stderr}");
    let row = support::app_metric(&c, "cpu/request");
    assert_eq!(row["metric"], "cpu/request", "{row:#}");
    assert_ne!(row["verdict"], "regressed", "A/A flagged: {row:#}");
    assert!(
        row["base_ms"].as_f64().is_some_and(|ms| ms > 0.0),
        "{row:#}"
    );
    eprintln!("A/A cpu/request: {row}");
    eprintln!("A/A cpu by endpoint: {}", c["cpu_by_endpoint"]);

    let slow = suite_dir(&suite(
        "  env: { DEMO_SLOWDOWN: \"/users=2,/orders=2,/search=2\" }\n",
    ));
    let (code, c, stderr) = ab(slow.path(), base.path());
    let row = support::app_metric(&c, "cpu/request");
    eprintln!("×2 cpu/request: {row}");
    eprintln!("×2 cpu by endpoint: {}", c["cpu_by_endpoint"]);
    assert_eq!(row["verdict"], "regressed", "{row:#}\n{stderr}");
    assert_eq!(code, 1, "{stderr}");
    let ratio = row["ratio"].as_f64().expect("ratio");
    assert!(ratio > 1.4, "{row:#}");
}

/// `benchgate run` of `yaml` in a temp dir, one at a time, which must
/// succeed; the results file as JSON (null when none was written).
fn run(yaml: &str) -> (Value, tempfile::TempDir) {
    let _serial = serial();
    let (assert, results, dir) = support::run_with_results(yaml);
    assert.success();
    (results, dir)
}

fn assert_results_schema(value: &Value) {
    support::assert_schema(include_str!("../schemas/results.schema.json"), value);
}

#[test]
fn a_run_records_what_the_app_spent_per_block() {
    let load = "  rate: 50/s\n  warmup: 500ms\n  duration: 2s\n  block: 500ms";
    let (results, _dir) = run(&demo_suite(free_port(), load, support::DEMO_ENDPOINTS));
    assert_results_schema(&results);
    let blocks = results["resources"]["blocks"]
        .as_array()
        .unwrap_or_else(|| panic!("no resource blocks: {:#}", results["resources"]));
    assert_eq!(blocks.len(), 4, "{blocks:#?}");
    let ok: u64 = blocks.iter().map(|b| b["ok"].as_u64().expect("ok")).sum();
    let requests = results["load"]["requests"].as_u64().expect("requests");
    assert!(ok > 0 && ok <= requests, "{ok} of {requests}");
    for b in blocks {
        assert!(b["cpu_us"].as_u64().is_some_and(|us| us > 0), "{b}");
        assert!(b["rss_bytes"].as_u64().is_some_and(|n| n > 1 << 20), "{b}");
        assert!(
            b["cpu_cores"].as_f64().is_some_and(|c| c > 0.0 && c < 4.0),
            "{b}"
        );
    }
    // How busy other work kept the machine: at least nothing, at most all
    // of it (what it is depends on the machine's neighbours).
    let cores = results["provenance"]["host"]["cores"]
        .as_f64()
        .expect("cores");
    let others = results["load"]["others_cores"]
        .as_f64()
        .expect("others_cores recorded");
    // (Readings a few ms apart, in 10 ms ticks: a little slack.)
    assert!((0.0..=cores + 0.1).contains(&others), "{others} of {cores}");
}

#[test]
fn a_base_url_target_says_why_nothing_was_read() {
    let server = TestServer::start(Behaviour::Delay(Duration::from_millis(1)));
    let yaml = format!(
        "version: 1\nsuite: ext\nbase_url: \"{}\"\nload:\n  rate: 20/s\n  warmup: 200ms\n  duration: 1s\nendpoints:\n  - name: only\n    path: /x\n",
        server.base_url()
    );
    let (results, _dir) = run(&yaml);
    assert_results_schema(&results);
    let why = results["resources"]["absent"].as_str().unwrap_or_default();
    assert!(
        why.contains("base_url without app.command"),
        "{:#}",
        results["resources"]
    );
}

/// A Python process whose threads each burn a known CPU time and exit (as
/// a thread-per-connection server's do), in phases; after each phase it
/// prints its CPU time, ns — its own (`CLOCK_PROCESS_CPUTIME_ID`) plus its
/// reaped children's in ticks (`times(2)`: what a launcher such as a
/// version manager's shell shim ran before it exec'd Python) — and waits
/// for a line on stdin.
const SHORT_LIVED_THREADS: &str = r#"
import os, sys, threading, time
def burn(ns):
    t0 = time.thread_time_ns()
    while time.thread_time_ns() - t0 < ns:
        pass
for threads, ms in [(20, 50), (10, 20), (10, 20)]:
    ts = [threading.Thread(target=burn, args=(ms * 1_000_000,)) for _ in range(threads)]
    for t in ts: t.start()
    for t in ts: t.join()
    t = os.times()
    children_ns = round((t.children_user + t.children_system) * 1e9)
    print(time.process_time_ns() + children_ns, flush=True)
    if not sys.stdin.readline():
        break
"#;

#[test]
fn the_cpu_time_of_exited_threads_is_kept_to_the_microsecond() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};
    let mut child = Command::new("python3")
        .args(["-c", SHORT_LIVED_THREADS])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut differences = Vec::new();
    for phase in 0..3 {
        let mut line = String::new();
        stdout.read_line(&mut line).expect("the child's line");
        let own_us = line.trim().parse::<u64>().expect("ns") / 1000;
        // Read while the child waits on stdin: its CPU time stands still.
        let read = benchgate::app::resources::read(pid).expect("the child's /proc");
        if phase == 0 {
            // 20 threads × 50 ms, all exited.
            assert!(read.cpu_us >= 800_000, "{read:?}");
        }
        differences.push(read.cpu_us as i64 - own_us as i64);
        writeln!(stdin, "go").expect("the child reads");
    }
    drop(stdin);
    let _ = child.wait();
    // The process's own figure and benchgate's reading agree to within
    // 2 ms at each phase: no 10 ms tick (which the time of exited threads
    // was once read in) rounds it.
    assert!(
        differences.iter().all(|d| d.abs() <= 2_000),
        "reading − the process's own CPU time, µs: {differences:?}"
    );
}

#[test]
fn a_head_doing_more_cpu_work_on_one_endpoint_is_named_by_it() {
    // The A/B schedule tilts the mix from block to block (src/load/
    // schedule.rs), so the per-endpoint fit can tell search's cost from
    // the others'; under a mix held at the weights it attributed nothing.
    let base = suite_dir(&suite(""));
    let slow = suite_dir(&suite("  env: { DEMO_SLOWDOWN: \"/search=1.5\" }\n"));
    let (code, c, stderr) = ab(slow.path(), base.path());
    assert!(code == 0 || code == 1, "exit {code}: {stderr}");
    let by_endpoint = c["cpu_by_endpoint"].as_array().cloned().unwrap_or_default();
    eprintln!("search ×1.5 cpu by endpoint: {}", c["cpu_by_endpoint"]);
    let named: Vec<&str> = by_endpoint
        .iter()
        .filter(|e| e["named"] == true)
        .filter_map(|e| e["endpoint"].as_str())
        .collect();
    assert_eq!(named, ["search"], "{by_endpoint:#?}\n{stderr}");
    let search = by_endpoint
        .iter()
        .find(|e| e["endpoint"] == "search")
        .expect("search attributed");
    assert!(
        search["lower"].as_f64().is_some_and(|l| l > 1.15),
        "{search:#}"
    );
}
