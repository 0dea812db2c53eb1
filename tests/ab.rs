//! A/B mode end to end, with the real binary and two real copies of the demo
//! app: A/A passes, a slowdown on the head side only is caught on the right
//! endpoint, a failing build is exit 3 with its log, the two sides never
//! share a port, `check --ab REF` prepares the base itself, a pull request
//! that records its slowdown in the stored baseline passes while a further
//! slowdown fails, and nothing outlives benchgate.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use support::{assert_schema, benchgate, git, group_members, serial, DEMO_ENDPOINTS};

/// Short runs: 6 s of 500 ms blocks (12 pairs) at 60/s per side, a fixed
/// length (no budget beyond it) unless a test measures until known.
const LOAD: &str = "  rate: 60/s\n  warmup: 1s\n  duration: 6s\n  max_duration: 6s\n  block: 500ms";

/// A suite that starts the demo app on `${PORT}`, with extra `app:` lines:
/// a cheap endpoint and one that waits 10 ms on a "database" (slowing the
/// wait scales time the CPUs do not serve, so a slowdown shows at its size
/// even on a loaded 2-core machine), for a fixed 6 s per side.
fn ab_suite(app_extra: &str) -> String {
    support::wait_suite(app_extra)
}

/// `env:` for the demo app slowing the wait endpoint down by `factor`.
fn slowdown(factor: &str) -> String {
    format!("  env: {{ DEMO_SLOWDOWN: \"/sleep={factor}\" }}\n")
}

/// A directory with `benchgate.yaml`.
fn tree(suite: &str) -> tempfile::TempDir {
    support::suite_dir(suite)
}

/// `benchgate ab` of `head` against `base`, JSON on stdout, one at a time.
fn ab(head: &Path, base: &Path, extra: &[&str]) -> (i32, Value, String) {
    let _serial = serial();
    support::ab_json(head, base, extra)
}

const COMPARISON_SCHEMA: &str = include_str!("../schemas/comparison.schema.json");

fn verdict(c: &Value, endpoint: &str, metric: &str) -> String {
    let endpoints = c["endpoints"].as_array().expect("endpoints");
    let e = endpoints
        .iter()
        .find(|e| e["name"] == endpoint)
        .expect("endpoint compared");
    let m = e["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .find(|m| m["metric"] == metric)
        .expect("metric compared");
    m["verdict"].as_str().unwrap_or_default().to_string()
}

#[test]
fn a_a_passes_and_is_compared_pair_by_pair() {
    let head = tree(&ab_suite(""));
    let base = tree(&ab_suite(""));
    // 10 s per side: five rounds of 2 s, each with freshly started apps.
    let (code, c, stderr) = ab(
        head.path(),
        base.path(),
        &["--duration", "10s", "--max-duration", "10s"],
    );
    assert_eq!(code, 0, "{stderr}\n{c}");
    // Ten seconds a side on a loaded machine leave wide intervals: an
    // undecided estimate may land over 10% and be reported as a possible
    // regression, or no metric may see at all (exit 0 both). An A/A run
    // never fails.
    let outcome = c["outcome"].as_str().unwrap_or_default();
    assert!(
        matches!(outcome, "pass" | "possible-regression" | "not-judged"),
        "{outcome}: {c}"
    );
    assert_eq!(c["pairing"], "random");
    assert!(stderr.contains("round 5 of 5"), "{stderr}");
    // After the first round, a line per round (per look, when the run
    // measures until known) says where the run is.
    assert!(stderr.lines().count() <= 30, "{stderr}");
    assert_schema(COMPARISON_SCHEMA, &c);
    for side in ["base", "head"] {
        let results = head.path().join(format!(".benchgate/demo.{side}.json"));
        let record: Value =
            serde_json::from_str(&std::fs::read_to_string(&results).expect("results written"))
                .expect("json");
        assert_eq!(record["pairing"], "random");
        assert_schema(include_str!("../schemas/results.schema.json"), &record);
        let blocks = record["endpoints"][0]["blocks"].as_array().expect("blocks");
        assert_eq!(blocks.len(), 20, "10 s of 500 ms blocks");
        let rounds: Vec<u64> = blocks.iter().filter_map(|b| b["run"].as_u64()).collect();
        assert_eq!(
            rounds.iter().filter(|r| **r == 1).count(),
            4,
            "five rounds of 4 blocks"
        );
        assert_eq!(record["runs"].as_array().map(Vec::len), Some(5));
        // Each side got the suite's rate, not half of it.
        let achieved = record["load"]["achieved_rate"].as_f64().unwrap_or(0.0);
        assert!((50.0..70.0).contains(&achieved), "{side}: {achieved}/s");
    }
    // Both apps ran in each round (five runs a side, above), each with its
    // own log; only the first round's starts are logged.
    for side in ["base", "head"] {
        let log = head.path().join(format!(".benchgate/demo.{side}.app.log"));
        assert!(log.exists(), "{}", log.display());
        assert_eq!(
            stderr
                .matches(&format!("the {side} app is ready (pid "))
                .count(),
            1,
            "{stderr}"
        );
    }
}

#[test]
fn a_slowdown_on_the_head_side_only_is_caught_on_its_endpoint() {
    let head = tree(&ab_suite(&slowdown("1.5")));
    let base = tree(&ab_suite(""));
    let (code, c, stderr) = ab(head.path(), base.path(), &[]);
    assert_eq!(code, 1, "{stderr}\n{c}");
    assert_eq!(verdict(&c, "wait", "p50"), "regressed", "{c}");
    // The slowed endpoint is the one named. Requests to the other endpoint
    // queue behind it in the same app, so that one can be (really) a bit
    // slower too, but by far less.
    assert!(
        stderr.contains("worst wait "),
        "the headline names the slowed endpoint: {stderr}"
    );
    assert!(
        ratio(&c, "list-users", "p50") < ratio(&c, "wait", "p50") - 0.2,
        "{c}"
    );
}

/// Measured until known with a budget of five rounds: a head three times
/// slower on the waiting endpoint (20 ms more of sleep, not CPU, so a
/// loaded machine cannot hide it) fails at an interim look, long before
/// the budget, and the report says how long it measured and why it stopped.
#[test]
fn a_clear_slowdown_ends_the_run_early_and_the_report_says_why() {
    let until_known = |suite: String| suite.replace("max_duration: 6s", "max_duration: 30s");
    let head = tree(&until_known(ab_suite(&slowdown("3"))));
    let base = tree(&until_known(ab_suite("")));
    let (code, c, stderr) = ab(head.path(), base.path(), &[]);
    assert_eq!(code, 1, "{stderr}\n{c}");
    assert_eq!(verdict(&c, "wait", "p50"), "regressed", "{c}");
    let stopping = &c["stopping"];
    assert_eq!(stopping["reason"], "clear_failure", "{stopping}");
    assert_eq!(stopping["max_rounds"], 5, "{stopping}");
    let rounds = stopping["rounds"].as_u64().unwrap_or(0);
    assert!((1..5).contains(&rounds), "{stopping}");
    assert!(
        stderr.contains("rounds of 6.0 s, at least 1, at most 5"),
        "{stderr}"
    );
    assert_schema(COMPARISON_SCHEMA, &c);
}

fn ratio(c: &Value, endpoint: &str, metric: &str) -> f64 {
    let endpoints = c["endpoints"].as_array().expect("endpoints");
    let e = endpoints
        .iter()
        .find(|e| e["name"] == endpoint)
        .expect("endpoint compared");
    e["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .find(|m| m["metric"] == metric)
        .and_then(|m| m["ratio"].as_f64())
        .expect("a ratio")
}

#[test]
fn alternating_blocks_also_work_and_are_recorded() {
    let head = tree(&ab_suite(""));
    let base = tree(&ab_suite(""));
    let (code, c, stderr) = ab(head.path(), base.path(), &["--pairing", "alternate"]);
    assert!(code == 0 || code == 1, "the run completes: {stderr}");
    assert_eq!(c["pairing"], "alternate");
    // Each side took turns of 500 ms: a recorded block is one A B (or B A)
    // pair of turns, 1 s: 12 of them for 6 s of turns per side.
    let record: Value = serde_json::from_str(
        &std::fs::read_to_string(head.path().join(".benchgate/demo.head.json")).expect("results"),
    )
    .expect("json");
    assert_eq!(record["load"]["block_ms"], 1000);
    assert_eq!(
        record["endpoints"][0]["blocks"].as_array().map(Vec::len),
        Some(12)
    );
    let achieved = record["load"]["achieved_rate"].as_f64().unwrap_or(0.0);
    assert!(
        (50.0..70.0).contains(&achieved),
        "the whole rate in its turns: {achieved}/s"
    );
}

#[test]
fn a_failing_build_is_exit_3_with_its_log_tail() {
    let build = "  build: [\"sh\", \"-c\", \"echo compiling the head; echo 'error[E0308]: mismatched types' >&2; exit 101\"]\n";
    let head = tree(&ab_suite(build));
    let base = tree(&ab_suite(""));
    let (code, _, stderr) = ab(head.path(), base.path(), &[]);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("the head: the build command failed with exit code 101"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error[E0308]: mismatched types"),
        "{stderr}"
    );
    assert!(
        head.path().join(".benchgate/demo.head.build.log").exists(),
        "the build's log is kept"
    );
    assert!(
        !stderr.contains("is ready"),
        "nothing was started: {stderr}"
    );
}

#[test]
fn two_sides_never_share_a_port() {
    // A fixed port cannot hold two apps: refused before anything starts.
    let port = support::free_port();
    let fixed = support::demo_suite(port, LOAD, DEMO_ENDPOINTS);
    let head = tree(&fixed);
    let base = tree(&fixed);
    let (code, _, stderr) = ab(head.path(), base.path(), &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("${PORT}"), "{stderr}");
    assert!(stderr.contains(&format!("127.0.0.1:{port}")), "{stderr}");

    // With ${PORT} each side gets its own, reported in its app's log.
    let head = tree(&ab_suite(""));
    let (code, _, stderr) = ab(head.path(), head.path(), &[]);
    assert!(code == 0 || code == 1, "the run completes: {stderr}");
    let port_of = |side: &str| {
        let log =
            std::fs::read_to_string(head.path().join(format!(".benchgate/demo.{side}.app.log")))
                .expect("app log");
        log.lines()
            .find_map(|l| l.split("127.0.0.1:").nth(1).map(|p| p.trim().to_string()))
            .unwrap_or_else(|| panic!("no address in the {side} log: {log}"))
    };
    assert_ne!(port_of("base"), port_of("head"));
}

#[test]
fn check_ab_checks_out_the_base_itself_and_cleans_up() {
    let repo = tree(&ab_suite(""));
    git(repo.path(), &["init", "-q", "-b", "main"]);
    git(repo.path(), &["add", "benchgate.yaml"]);
    git(repo.path(), &["commit", "-q", "-m", "suite"]);
    // The working tree (the head) slows the wait down; HEAD (the base) does not.
    std::fs::write(repo.path().join("benchgate.yaml"), ab_suite(&slowdown("3")))
        .expect("edit suite");
    let serial = serial();
    let out = benchgate()
        .current_dir(repo.path())
        .args(["check", "--ab", "main", "--format", "json"])
        .timeout(Duration::from_secs(120))
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let c: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert_eq!(out.status.code(), Some(1), "{stderr}\n{c}");
    assert_eq!(verdict(&c, "wait", "p50"), "regressed");
    let list = Command::new("git")
        .current_dir(repo.path())
        .args(["worktree", "list"])
        .output()
        .expect("git");
    drop(serial);
    let worktrees = String::from_utf8_lossy(&list.stdout);
    assert_eq!(
        worktrees.lines().count(),
        1,
        "the base worktree is removed: {worktrees}"
    );

    let out = benchgate()
        .current_dir(repo.path())
        .args(["check", "--ab", "no-such-branch"])
        .timeout(Duration::from_secs(30))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such commit"));
}

/// Records three short real runs of `dir`'s suite as its stored baseline
/// (several runs, so that the baseline carries its run-to-run noise).
fn record_baseline(dir: &Path) {
    let mut results = Vec::new();
    for run in 0..3 {
        let path = dir.join(format!("r{run}.json"));
        let _serial = serial();
        benchgate()
            .current_dir(dir)
            .args([
                "run",
                "--config",
                "benchgate.yaml",
                "--duration",
                "2s",
                "--block",
                "500ms",
            ])
            .arg(format!("--out={}", path.display()))
            .timeout(Duration::from_secs(60))
            .assert()
            .success();
        results.push(path);
    }
    benchgate()
        .current_dir(dir)
        .args(["baseline", "save", "--config", "benchgate.yaml"])
        .args(&results)
        .timeout(Duration::from_secs(30))
        .assert()
        .success();
}

#[test]
fn a_slowdown_recorded_in_the_baseline_is_accepted_and_a_further_one_is_not() {
    // One endpoint: a slowed endpoint also slows others' requests queued
    // behind it in the same app, which is not what this test is about.
    let only_wait = |suite: String| {
        let at = suite.find("  - name: list-users").expect("endpoint list");
        let end = suite.find("  - name: wait").expect("endpoint list");
        format!("{}{}", &suite[..at], &suite[end..])
    };
    let base = tree(&only_wait(ab_suite("")));
    record_baseline(base.path());
    // The pull request slows the wait down on purpose and records it.
    let head = tree(&only_wait(ab_suite(&slowdown("1.5"))));
    record_baseline(head.path());

    let (code, c, stderr) = ab(head.path(), base.path(), &[]);
    assert_eq!(code, 0, "{stderr}\n{c}");
    let accepted = c["accepted"].as_array().expect("accepted slowdowns");
    assert!(
        accepted
            .iter()
            .any(|a| a["endpoint"] == "wait" && a["metric"] == "p50"),
        "{c}"
    );
    assert!(stderr.contains("accepted in this pull request"), "{stderr}");
    assert_schema(COMPARISON_SCHEMA, &c);

    // The same recorded baseline, but the code slows down much further (an
    // accepted slowdown is known only to about ±10%: it was measured by two
    // stored baselines recorded apart).
    std::fs::write(
        head.path().join("benchgate.yaml"),
        only_wait(ab_suite(&slowdown("4"))),
    )
    .expect("edit suite");
    let (code, c, stderr) = ab(head.path(), base.path(), &[]);
    assert_eq!(code, 1, "{stderr}\n{c}");
    assert_eq!(verdict(&c, "wait", "p50"), "regressed");
}

#[test]
fn calibrate_reports_the_noise_of_every_metric() {
    let dir = tree(&ab_suite(""));
    let _serial = serial();
    let out = benchgate()
        .current_dir(dir.path())
        .args(["calibrate", "--config", "benchgate.yaml", "--runs", "2"])
        .timeout(Duration::from_secs(120))
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("A/A calibration of suite demo"), "{stdout}");
    for name in ["list-users", "wait"] {
        let rows = stdout
            .lines()
            .filter(|l| l.trim_start_matches(['│', ' ']).starts_with(name))
            .count();
        assert_eq!(rows, 2, "p50 and mean of {name}:\n{stdout}");
    }
    assert!(stdout.contains("pair sd"), "{stdout}");
    // Two runs measure the run-to-run floor and save it for A/B mode —
    // unless two runs on a loaded machine put it over what A/B mode
    // accepts (50%): then nothing is written and stderr says why.
    let saved = dir.path().join("baselines/demo.noise.json");
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("run-to-run floor NOT saved") {
        assert!(!saved.exists(), "{stderr}");
        assert!(
            stderr.contains("a machine that noisy cannot gate"),
            "{stderr}"
        );
    } else {
        let noise: Value =
            serde_json::from_str(&std::fs::read_to_string(&saved).expect("saved")).expect("json");
        assert_eq!(noise["runs"], 2);
        let metrics = noise["metrics"].as_array().expect("metrics");
        assert!(metrics
            .iter()
            .any(|m| m["metric"] == "p50" && m["tau"].as_f64().is_some_and(|tau| tau <= 0.5)));
        assert!(stdout.contains("baselines/demo.noise.json"), "{stdout}");
    }
    assert!(stdout.contains("run-to-run floor"), "{stdout}");
    assert!(
        stdout.contains("suggestion:") || stdout.contains("out of reach"),
        "{stdout}"
    );
}

/// Starts `ab` of the suite in `dir` against itself, sends SIGINT once both
/// apps measure, checks the run ends with exit 3, and returns the apps' pids.
fn interrupt_aa_run(dir: &Path) -> Vec<i32> {
    let support::Watched {
        mut child,
        apps: pids,
        lines,
    } = support::spawn_until_measuring(
        dir,
        &[
            "ab".as_ref(),
            "--config".as_ref(),
            "benchgate.yaml".as_ref(),
            "--base-dir".as_ref(),
            dir.as_os_str(),
        ],
    );
    assert_eq!(pids.len(), 2, "both apps started");
    std::thread::sleep(Duration::from_millis(500));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .expect("signal");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(3), "{rest:?}");
    pids
}

#[test]
fn ctrl_c_stops_both_apps() {
    let head = tree(&ab_suite("").replace("duration: 6s", "duration: 60s"));
    let _serial = serial();
    let pids = interrupt_aa_run(head.path());
    for pid in pids {
        assert!(group_members(pid).is_empty(), "app group {pid} still alive");
    }
}

/// The end of every Python server of these tests: answers `ok` to GET on
/// 127.0.0.1:`port`, first handing each path to `on_request` where the
/// server's own part defines one.
const SERVE_OK: &str = r#"
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if "on_request" in globals():
            on_request(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
"#;

/// A tree in `dir` whose suite `name` runs `server` (then [`SERVE_OK`]) as
/// `python3 server.py PORT NOTES` for `duration` at 20/s: the notes
/// folder, where the servers write.
fn python_tree(dir: &Path, name: &str, server: &str, ready: &str, duration: &str) -> PathBuf {
    let script = dir.join("server.py");
    std::fs::write(&script, format!("{server}{SERVE_OK}")).expect("script");
    let notes = dir.join("notes");
    std::fs::create_dir(&notes).expect("notes dir");
    let suite = format!(
        "version: 1\nsuite: {name}\napp:\n  command: [\"python3\", \"{}\", \"${{PORT}}\", \"{}\"]\n  ready: {{ url: \"http://127.0.0.1:${{PORT}}/\", timeout: {ready} }}\nbase_url: \"http://127.0.0.1:${{PORT}}\"\nload:\n  rate: 20/s\n  warmup: 0s\n  duration: {duration}\n  max_duration: {duration}\n  block: 500ms\nendpoints:\n  - name: root\n    path: /\n",
        script.display(),
        notes.display()
    );
    std::fs::write(dir.join("benchgate.yaml"), suite).expect("suite");
    notes
}

/// A loopback HTTP server that ignores SIGTERM but notes when each came,
/// one line per signal, in `<notes>/sigterm-<pid>`.
const STUBBORN: &str = r#"
import os, signal, sys, time, http.server
port, notes = int(sys.argv[1]), sys.argv[2]
def note(*_):
    with open(os.path.join(notes, "sigterm-%d" % os.getpid()), "a") as f:
        f.write("%r\n" % time.time())
signal.signal(signal.SIGTERM, note)
"#;

/// Issue 23, item 8: Ctrl-C of an A/B run stopped its two apps one after
/// the other, each with its own grace, so two apps that ignore SIGTERM
/// took two graces (about 6 s). Both are stopped at once now: the second
/// app's SIGTERM comes with the first's, not a grace (3 s) later.
#[test]
fn ctrl_c_stops_both_apps_at_once() {
    let head = tempfile::tempdir().expect("temp dir");
    let notes = python_tree(head.path(), "stubborn", STUBBORN, "20s", "60s");
    let _serial = serial();
    let pids = interrupt_aa_run(head.path());
    for pid in &pids {
        assert!(
            group_members(*pid).is_empty(),
            "app group {pid} still alive"
        );
    }
    let mut first: Vec<f64> = std::fs::read_dir(&notes)
        .expect("notes")
        .map(|entry| {
            let text = std::fs::read_to_string(entry.expect("entry").path()).expect("note");
            text.lines()
                .next()
                .expect("a line")
                .parse()
                .expect("a time")
        })
        .collect();
    assert_eq!(first.len(), 2, "each app noted its SIGTERM: {first:?}");
    first.sort_by(f64::total_cmp);
    let apart = first[1] - first[0];
    assert!(
        apart < 1.5,
        "the second app's SIGTERM came {apart:.2} s after the first's"
    );
}

/// A loopback HTTP server that notes its start in `<notes>/started-<pid>`
/// and only listens once two servers have started (or after 30 s): two
/// copies become ready only when they start up at the same time.
const RENDEZVOUS: &str = r#"
import os, sys, time, http.server
port, notes = int(sys.argv[1]), sys.argv[2]
open(os.path.join(notes, "started-%d" % os.getpid()), "w").close()
deadline = time.time() + 30
while len(os.listdir(notes)) < 2 and time.time() < deadline:
    time.sleep(0.02)
"#;

/// Issue 22: an A/B round started its two apps one after the other, each
/// waited for until ready, so every round lost one app's start-up. Both
/// start up at once now: apps that are ready only once the other has
/// started (within the ready timeout of 10 s) are measured, where they
/// timed out before.
#[test]
fn both_apps_of_a_round_start_up_at_once() {
    let head = tempfile::tempdir().expect("temp dir");
    let notes = python_tree(head.path(), "rendezvous", RENDEZVOUS, "10s", "4s");
    let (code, _, stderr) = ab(head.path(), head.path(), &[]);
    assert!(code == 0 || code == 1, "{stderr}");
    assert_eq!(
        std::fs::read_dir(&notes).expect("notes").count(),
        2,
        "one round, two apps: {stderr}"
    );
}

/// A loopback HTTP server that notes in `<events>` when it starts, when
/// its first request beyond `/ready` comes, and, on SIGTERM, that it got
/// it; then it takes a second, counts benchgate's "warm-up of each later
/// round" lines (printed once round 1 is over) in `<stderr>`, notes that
/// and that it is gone, and exits ([`SERVE_OK`] serves).
const SLOW_EXIT: &str = r#"
import os, signal, sys, time, http.server
port, events, stderr = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def note(what):
    with open(events, "a") as f:
        f.write("%s %d\n" % (what, os.getpid()))
note("start")
loaded = []
def term(*_):
    note("term")
    time.sleep(1)
    with open(stderr) as f:
        seen = sum("each later round" in line for line in f)
    note("seen %d" % seen)
    note("gone")
    os._exit(0)
signal.signal(signal.SIGTERM, term)
def on_request(path):
    if path != "/ready" and not loaded:
        loaded.append(1)
        note("load")
"#;

/// Issue 22: a round waited for its apps to exit before the run went on,
/// so every round also paid for joining its records and looking at them,
/// and then for its apps' exit (half a second for a prefork server).
/// Now its apps are sent SIGTERM when its load ends and exit while that
/// work is done and the next round's apps start; the next round's load
/// begins only once they are gone.
#[test]
fn what_follows_a_round_is_done_while_its_apps_exit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (events, err) = (dir.path().join("events"), dir.path().join("stderr"));
    let script = dir.path().join("server.py");
    std::fs::write(&script, format!("{SLOW_EXIT}{SERVE_OK}")).expect("the server");
    let suite = format!(
        "version: 1\nsuite: slow-exit\napp:\n  command: [\"python3\", {script:?}, \"${{PORT}}\", {events:?}, {err:?}]\n  ready: {{ url: \"http://127.0.0.1:${{PORT}}/ready\", timeout: 20s }}\nbase_url: \"http://127.0.0.1:${{PORT}}\"\nload:\n  rate: 20/s\n  warmup: 500ms\n  duration: 8s\n  max_duration: 8s\n  block: 500ms\nendpoints:\n  - name: work\n    path: /work\n",
        script = script.display().to_string(),
        events = events.display().to_string(),
        err = err.display().to_string(),
    );
    std::fs::write(dir.path().join("benchgate.yaml"), suite).expect("write the suite");
    let _serial = serial();
    // 8 s: four rounds of 2 s.
    let mut run = Command::new(support::benchgate_path())
        .current_dir(dir.path())
        .args(["ab", "--config", "benchgate.yaml", "--base-dir"])
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err).expect("stderr file"))
        .spawn()
        .expect("run benchgate");
    let mut status = None;
    for _ in 0..1200 {
        status = run.try_wait().expect("wait for benchgate");
        if status.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let Some(status) = status else {
        let _ = run.kill();
        let _ = run.wait();
        panic!("benchgate ran for over 120 s");
    };
    let said = std::fs::read_to_string(&err).unwrap_or_default();
    assert!(matches!(status.code(), Some(0 | 1)), "{said}");
    let events = std::fs::read_to_string(&events).expect("the apps' events");
    let lines: Vec<Vec<&str>> = events.lines().map(|l| l.split(' ').collect()).collect();
    // The first two apps to exit (round 1's) were still exiting when the
    // line came.
    let seen: Vec<&str> = (lines.iter())
        .filter(|l| l[0] == "seen")
        .map(|l| l[1])
        .collect();
    assert_eq!(seen.len(), 8, "{events}");
    assert_eq!(seen[..2], ["1", "1"], "{events}\n{said}");
    // Later rounds' apps started while the last round's were exiting, but
    // no app had load while one of an earlier round was still exiting.
    let (mut exiting, mut gone) = (
        std::collections::BTreeSet::new(),
        std::collections::BTreeSet::new(),
    );
    let mut started_beside_exiting = 0;
    for line in &lines {
        match (line[0], line.get(1)) {
            ("term", Some(pid)) => {
                exiting.insert(*pid);
            }
            ("gone", Some(pid)) => {
                gone.insert(*pid);
            }
            ("start", _) if !exiting.is_subset(&gone) => started_beside_exiting += 1,
            ("load", _) => assert!(
                exiting.is_subset(&gone),
                "an app had load beside an exiting one:\n{events}"
            ),
            _ => {}
        }
    }
    assert!(
        started_beside_exiting >= 2,
        "no round's apps started while the last round's exited:\n{events}"
    );
}

/// A calibration file for the demo suite with every latency metric's τ and
/// degrees of freedom as given.
fn noise_file(tau: f64, df: f64) -> String {
    let metrics: Vec<String> = ["p50", "p90", "p95", "p99", "mean"]
        .iter()
        .map(|m| format!(r#"{{ "metric": "{m}", "tau": {tau}, "df": {df} }}"#))
        .collect();
    format!(
        r#"{{ "suite": "demo", "host": {{ "cpu_model": "Test CPU", "cores": 2, "os": "linux" }}, "time_utc": "2026-01-01T00:00:00Z", "runs": 10, "metrics": [{}] }}"#,
        metrics.join(", ")
    )
}

#[test]
fn a_pull_request_cannot_loosen_its_own_gate() {
    let base = tree(&ab_suite(""));
    std::fs::create_dir_all(base.path().join("baselines")).expect("mkdir");
    std::fs::write(
        base.path().join("baselines/demo.noise.json"),
        noise_file(0.02, 20.0),
    )
    .expect("write");
    // The head slows the wait ×4, and writes itself a run-to-run floor of
    // τ 3 (intervals ×20 wide) and a threshold of 900%.
    let loosened =
        ab_suite(&slowdown("4")).replace("endpoints:", "gate:\n  threshold: 900%\nendpoints:");
    let head = tree(&loosened);
    std::fs::create_dir_all(head.path().join("baselines")).expect("mkdir");
    std::fs::write(
        head.path().join("baselines/demo.noise.json"),
        noise_file(3.0, 1000.0),
    )
    .expect("write");

    let reports = head.path().join("reports");
    let report_dir = format!("--report-dir={}", reports.display());
    let (code, c, stderr) = ab(head.path(), base.path(), &[&report_dir]);
    assert_eq!(code, 1, "{stderr}\n{c}");
    assert_eq!(verdict(&c, "wait", "p50"), "regressed");
    assert_eq!(c["threshold"], 0.1, "the base's threshold");
    let source = c["run_noise"]["source"].as_str().unwrap_or_default();
    assert!(
        source.starts_with(&base.path().display().to_string()),
        "{source}"
    );
    let said = [
        "this pull request changes baselines/demo.noise.json",
        "this pull request changes the gate section of benchgate.yaml",
    ];
    let proposed = c["proposed"].to_string();
    for (name, text) in [
        ("stderr", stderr.clone()),
        ("json", proposed),
        ("markdown", read(&reports.join("comparison.md"))),
        ("junit", read(&reports.join("junit.xml"))),
        ("html", read(&reports.join("report.html"))),
    ] {
        for s in said {
            assert!(text.contains(s), "{name} does not say {s:?}:\n{text}");
        }
    }
    assert_schema(COMPARISON_SCHEMA, &c);

    // A base whose own noise file is out of bounds is refused, with the fix.
    std::fs::write(
        base.path().join("baselines/demo.noise.json"),
        noise_file(-0.5, 20.0),
    )
    .expect("write");
    let (code, _, stderr) = ab(head.path(), base.path(), &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr
            .contains("demo.noise.json is not a valid run-to-run floor: metrics[0].tau: τ is -0.5"),
        "{stderr}"
    );
    assert!(stderr.contains("benchgate calibrate"), "{stderr}");
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
