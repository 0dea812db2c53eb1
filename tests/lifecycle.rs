//! The app under test's lifecycle with real child processes: the demo app end
//! to end, every way it can fail to start or die, and no process left behind
//! after Ctrl-C or SIGTERM.

mod support;

use std::time::{Duration, Instant};

use predicates::prelude::*;
use serde_json::Value;
use support::{benchgate, demo_bin, demo_suite, free_port, group_members, write_suite};

const QUICK: &str = "  rate: 100/s\n  warmup: 500ms\n  duration: 2s";
const ONE_ENDPOINT: &str = "  - name: users\n    path: /users?limit=5";

#[test]
fn the_demo_app_is_measured_end_to_end() {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let endpoints = "  - name: health\n    path: /health\n  - name: users\n    path: /users?limit=20\n    weight: 2\n  - name: order\n    method: POST\n    path: /orders\n    json: { item: 42, qty: 1 }\n    expect: { status: 201 }";
    let suite = write_suite(dir.path(), &demo_suite(port, QUICK, endpoints));
    support::run_suite_in(dir.path(), &suite)
        .success()
        .stdout(predicate::str::contains("health").and(predicate::str::contains("order")))
        .stdout(predicate::str::contains("p99 ms"))
        .stderr(predicate::str::contains("demo.app.log"));
    let results: Value = serde_json::from_slice(
        &std::fs::read(dir.path().join(".benchgate/demo.results.json")).expect("results written"),
    )
    .expect("results are JSON");
    let summary = results["summary"].as_array().expect("summary");
    assert_eq!(summary.len(), 3);
    for endpoint in summary {
        assert_eq!(endpoint["error_rate"], 0.0, "{endpoint}");
    }
    assert_eq!(
        results["endpoints"][0]["blocks"].as_array().map(Vec::len),
        Some(2)
    );
    // The order endpoint does ~3 ms of work: its median must reflect it.
    let order_p50 = summary[2]["p50_ms"].as_f64().unwrap_or(0.0);
    assert!(order_p50 > 2.5, "order p50 {order_p50} ms");
    let log = std::fs::read_to_string(dir.path().join(".benchgate/demo.app.log")).expect("app log");
    assert!(log.contains("listening"), "log: {log}");
    assert!(free_port_is_free(port), "the demo app still holds its port");
}

fn free_port_is_free(port: u16) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", port)).is_err()
}

fn run_demo_with(args: &[&str], ready_timeout: &str) -> assert_cmd::assert::Assert {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let args: String = args.iter().map(|a| format!(", \"{a}\"")).collect();
    let yaml = format!(
        r#"version: 1
suite: demo
app:
  command: ["{demo}", "--port", "{port}"{args}]
  ready: {{ url: "http://127.0.0.1:{port}/health", timeout: {ready_timeout} }}
base_url: "http://127.0.0.1:{port}"
load:
{QUICK}
endpoints:
{ONE_ENDPOINT}
"#,
        demo = demo_bin()
    );
    let suite = write_suite(dir.path(), &yaml);
    support::run_suite_in(dir.path(), &suite)
}

#[test]
fn an_app_command_that_does_not_exist_is_exit_3() {
    let dir = tempfile::tempdir().expect("temp dir");
    let yaml = format!(
        "version: 1\nsuite: s\napp:\n  command: [\"no-such-program-benchgate\"]\nbase_url: \"http://127.0.0.1:{}\"\nendpoints:\n{ONE_ENDPOINT}\n",
        free_port()
    );
    let suite = write_suite(dir.path(), &yaml);
    benchgate()
        .current_dir(dir.path())
        .arg("run")
        .arg("--config")
        .arg(&suite)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "`no-such-program-benchgate` was not found",
        ));
}

#[test]
fn an_app_that_exits_before_ready_shows_its_exit_code_and_log() {
    run_demo_with(&["--exit-immediately", "4"], "10s")
        .code(3)
        .stderr(predicate::str::contains(
            "exited with exit code 4 before it was ready",
        ))
        .stderr(predicate::str::contains("simulated startup failure"));
}

#[test]
fn an_app_that_never_gets_ready_times_out_with_exit_3() {
    let started = Instant::now();
    run_demo_with(&["--ready-delay", "30000"], "1s")
        .code(3)
        .stderr(predicate::str::contains("was not ready within 1s"))
        .stderr(predicate::str::contains("raise app.ready.timeout"));
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "teardown took {:?}",
        started.elapsed()
    );
}

#[test]
fn an_app_that_dies_mid_run_is_exit_3() {
    run_demo_with(&["--fail-after", "60"], "10s")
        .code(3)
        .stderr(predicate::str::contains(
            "the app exited with exit code 7 during the run",
        ));
}

/// Runs a suite whose "app" only touches a marker file, so a test can tell
/// whether benchgate started it; returns the assertion and whether it did.
fn run_marker_app(port: u16, load: &str) -> (assert_cmd::assert::Assert, bool) {
    let dir = tempfile::tempdir().expect("temp dir");
    let marker = dir.path().join("started");
    let yaml = format!(
        "version: 1\nsuite: s\napp:\n  command: [\"touch\", \"{}\"]\nbase_url: \"http://127.0.0.1:{port}\"\n{load}endpoints:\n{ONE_ENDPOINT}\n",
        marker.display()
    );
    let suite = write_suite(dir.path(), &yaml);
    let assert = benchgate()
        .current_dir(dir.path())
        .arg("run")
        .arg("--config")
        .arg(&suite)
        .assert();
    (assert, marker.exists())
}

#[test]
fn a_port_already_taken_is_refused_before_starting() {
    let squatter = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = squatter.local_addr().expect("addr").port();
    let (assert, started) = run_marker_app(port, "");
    assert.code(3).stderr(predicate::str::contains(format!(
        "port {port} on 127.0.0.1 is already in use"
    )));
    assert!(!started, "the app was started anyway");
}

#[test]
fn config_errors_are_exit_2_and_start_nothing() {
    let (assert, started) = run_marker_app(9, "load:\n  rate: 0/s\n");
    assert.code(2).stderr(predicate::str::contains(
        "benchgate.yaml:7:9: load.rate: a rate must be above zero",
    ));
    assert!(!started, "the app was started despite a bad config");
}

/// Starts benchgate on a suite whose app is a shell with two children (the
/// demo app and a `sleep`), waits until it measures, sends `signal`, and
/// checks that the app's whole process group is gone.
fn interrupt_mid_run(signal: nix::sys::signal::Signal) {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let yaml = format!(
        r#"version: 1
suite: demo
app:
  command: ["sh", "-c", "sleep 300 & {demo} --port {port}; wait"]
  ready: {{ url: "http://127.0.0.1:{port}/health", timeout: 20s }}
base_url: "http://127.0.0.1:{port}"
load:
  rate: 50/s
  warmup: 0s
  duration: 60s
endpoints:
{ONE_ENDPOINT}
"#,
        demo = demo_bin()
    );
    let suite = write_suite(dir.path(), &yaml);
    let support::Watched {
        mut child,
        apps,
        lines,
    } = support::spawn_until_measuring(
        dir.path(),
        &["run".as_ref(), "--config".as_ref(), suite.as_os_str()],
    );
    let group = *apps.first().expect("benchgate printed the app's pid");
    assert!(
        group_members(group).len() >= 2,
        "the app's group has the shell and its children"
    );
    std::thread::sleep(Duration::from_millis(500));
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), signal)
        .expect("signal benchgate");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().expect("benchgate exits");
    assert_eq!(status.code(), Some(3), "stderr: {rest:?}");
    assert!(
        rest.iter().any(|l| l.contains("interrupted by")),
        "stderr: {rest:?}"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while !group_members(group).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        group_members(group),
        Vec::<i32>::new(),
        "processes outlived benchgate"
    );
    assert!(free_port_is_free(port));
    assert!(
        !dir.path().join(".benchgate/demo.results.json").exists(),
        "an interrupted run wrote results"
    );
}

#[test]
fn ctrl_c_stops_the_apps_whole_process_group() {
    interrupt_mid_run(nix::sys::signal::Signal::SIGINT);
}

#[test]
fn sigterm_stops_the_apps_whole_process_group() {
    interrupt_mid_run(nix::sys::signal::Signal::SIGTERM);
}

/// Started by `cargo run`, benchgate has cargo's variables for it in its
/// environment; a nested `cargo build` that inherited them would rebuild
/// everything (ring's build script reruns when `CARGO_MANIFEST_DIR` changes).
#[test]
fn the_build_step_and_the_app_do_not_inherit_cargos_variables() {
    let dir = tempfile::tempdir().expect("temp dir");
    let yaml = format!(
        r#"version: 1
suite: s
app:
  build: ["sh", "-c", "env > build.env"]
  command: ["sh", "-c", "env > app.env; exit 4"]
  env: {{ CARGO_PKG_DESCRIPTION: "set in the suite" }}
  ready: {{ url: "http://127.0.0.1:{port}/health", timeout: 10s }}
base_url: "http://127.0.0.1:{port}"
endpoints:
{ONE_ENDPOINT}
"#,
        port = free_port()
    );
    let suite = write_suite(dir.path(), &yaml);
    benchgate()
        .current_dir(dir.path())
        .env("CARGO", "/usr/bin/cargo")
        .env("CARGO_MANIFEST_DIR", dir.path())
        .env("CARGO_PKG_NAME", "benchgate")
        .env("CARGO_HOME", dir.path().join("cargo-home"))
        .env("CARGO_TARGET_DIR", dir.path().join("target"))
        .args(["run", "--config"])
        .arg(&suite)
        .timeout(Duration::from_secs(30))
        .assert()
        .code(3);
    for file in ["build.env", "app.env"] {
        let env = std::fs::read_to_string(dir.path().join(file)).expect("env written");
        let names: Vec<&str> = env.lines().filter_map(|l| l.split('=').next()).collect();
        for gone in ["CARGO", "CARGO_MANIFEST_DIR", "CARGO_PKG_NAME"] {
            assert!(!names.contains(&gone), "{file} has {gone}:\n{env}");
        }
        for kept in ["CARGO_HOME", "CARGO_TARGET_DIR", "PATH"] {
            assert!(names.contains(&kept), "{file} lacks {kept}:\n{env}");
        }
        assert!(
            env.contains("CARGO_PKG_DESCRIPTION=set in the suite"),
            "{file}: the suite's own env wins:\n{env}"
        );
    }
}

/// `benchgate run 2>&1 | head -1`: the reader goes away while the app runs.
/// benchgate stops the app and exits quietly, not with a panic (101).
#[test]
fn a_closed_output_pipe_is_a_quiet_exit_that_stops_the_app() {
    use std::io::BufRead as _;
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port().to_string();
    let suite = write_suite(
        dir.path(),
        &demo_suite(port.parse().expect("port"), QUICK, ONE_ENDPOINT),
    );
    let mut child = std::process::Command::new(support::benchgate_path())
        .current_dir(dir.path())
        .args(["run", "--config"])
        .arg(&suite)
        .env("CI", "true")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn benchgate");
    drop(child.stdout.take());
    let mut stderr = std::io::BufReader::new(child.stderr.take().expect("stderr"));
    let mut starting = String::new();
    while !starting.starts_with("starting the app") {
        starting.clear();
        let read = stderr.read_line(&mut starting).expect("a line of stderr");
        assert!(read > 0, "benchgate never said it was starting the app");
    }
    drop(stderr); // `head` has its lines and exits, before the app is ready
    let log = starting
        .split("(log: ")
        .nth(1)
        .and_then(|rest| rest.trim_end().strip_suffix(')'))
        .unwrap_or_else(|| panic!("no app log named in {starting:?}"));

    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll benchgate") {
            break status;
        }
        assert!(Instant::now() < deadline, "benchgate did not exit");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        matches!(status.code(), Some(0..=3)),
        "benchgate ended with {status} after its output closed"
    );
    let app_log = std::fs::read_to_string(dir.path().join(log)).unwrap_or_default();
    assert!(
        app_log.contains("listening on"),
        "the app never started, so nothing was checked; its log:\n{app_log}"
    );
    let left = support::processes_with_args(&[demo_bin(), "--port", &port]);
    assert!(left.is_empty(), "the demo app survived: pids {left:?}");
}
