//! A hostile pull request, end to end: its head tries every lever that
//! issue 23 closed, at once, and its ×5 slowdown still fails the gate.
//!
//! The head
//! - writes itself a noise file with τ = 3 (intervals twenty times wider)
//!   and a gate section with a 900% threshold that gates nothing but p50;
//! - stops sending the `Server-Timing` header the base's gate judges;
//! - starts, as its app, a script that reads benchgate's
//!   `/proc/<pid>/environ` and its own environment for the token, then
//!   runs the demo app slowed ×5 on one endpoint.
//!
//! benchgate runs with `GITHUB_TOKEN` in its environment, as a misconfigured
//! workflow would give it. Root may read any process's memory, so as root
//! the test runs benchgate (and so the head's script) as `nobody`.

mod support;

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use support::{demo_bin, executable_copy, unprivileged_benchgate};

const TOKEN: &str = "ghs_hostile_pull_request_456";

/// A fixed-length A/B run: 6 s of 500 ms blocks at 60/s per side.
const LOAD: &str = "  rate: 60/s\n  warmup: 1s\n  duration: 6s\n  max_duration: 6s\n  block: 500ms";

/// A cheap endpoint, and one that waits 10 ms (a slowdown of the wait shows
/// at its size however loaded the machine is).
const ENDPOINTS: &str = "  - name: list-users\n    path: /users?limit=20\n    weight: 2\n  - name: wait\n    path: /sleep?ms=10\n    weight: 1";

/// The head's app: reads the token where it can, then serves slowed ×5 on
/// `/sleep`, without `Server-Timing`. `$1` is the port.
const PROBE: &str = r#"sup=$PPID
bg=$(cut -d' ' -f4 "/proc/$sup/stat")
{
  echo "benchgate=$bg comm=$(cat "/proc/$bg/comm")"
  echo "own GITHUB_TOKEN=${GITHUB_TOKEN:-unset}"
  if ! tr '\0' '\n' < "/proc/$bg/environ"; then echo "refused $bg"; fi
} >> "$PROBE_OUT" 2>&1
DEMO_SLOWDOWN=/sleep=5 exec "$DEMO" --port "$1" --no-server-timing
"#;

fn suite(app: &str, gate: &str) -> String {
    format!(
        r#"version: 1
suite: demo
app:
{app}  ready: {{ url: "http://127.0.0.1:${{PORT}}/health", timeout: 20s }}
base_url: "http://127.0.0.1:${{PORT}}"
load:
{LOAD}
endpoints:
{ENDPOINTS}
gate:
{gate}"#
    )
}

fn noise_file(tau: f64, df: f64) -> String {
    let metrics: Vec<String> = ["p50", "mean"]
        .iter()
        .map(|m| format!(r#"{{ "metric": "{m}", "tau": {tau}, "df": {df} }}"#))
        .collect();
    format!(
        r#"{{ "suite": "demo", "host": {{ "cpu_model": "Test CPU", "cores": 2, "os": "linux" }}, "time_utc": "2026-01-01T00:00:00Z", "runs": 10, "metrics": [{}] }}"#,
        metrics.join(", ")
    )
}

/// A directory `nobody` may write, holding `files`.
fn tree(parent: &Path, name: &str, files: &[(&str, String)]) -> std::path::PathBuf {
    let dir = parent.join(name);
    std::fs::create_dir_all(dir.join("baselines")).expect("mkdir");
    for (path, text) in files {
        std::fs::write(dir.join(path), text).expect("write");
    }
    for d in [dir.clone(), dir.join("baselines")] {
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    }
    dir
}

#[test]
fn a_hostile_head_still_fails_on_its_slowdown_and_never_sees_the_token() {
    let _serial = support::serial();
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777))
        .expect("chmod the temp dir");
    let Some(mut benchgate) = unprivileged_benchgate(dir.path()) else {
        panic!("this process may read any process's memory without being root (CAP_SYS_PTRACE): run the test as root or as a plain user");
    };
    let demo = executable_copy(Path::new(demo_bin()), dir.path());
    let probe_out = dir.path().join("probe.out");

    let base_app = format!(
        "  command: [\"{}\", \"--port\", \"${{PORT}}\"]\n",
        demo.display()
    );
    let base = tree(
        dir.path(),
        "base",
        &[
            (
                "benchgate.yaml",
                suite(
                    &base_app,
                    "  metrics: [p50, mean, \"server-timing:app\"]\n  threshold: 10%\n",
                ),
            ),
            ("baselines/demo.noise.json", noise_file(0.02, 20.0)),
        ],
    );
    let head_app = format!(
        "  command: [\"sh\", \"probe.sh\", \"${{PORT}}\"]\n  env: {{ DEMO: \"{}\", PROBE_OUT: \"{}\" }}\n",
        demo.display(),
        probe_out.display()
    );
    let head = tree(
        dir.path(),
        "head",
        &[
            (
                "benchgate.yaml",
                suite(&head_app, "  metrics: [p50]\n  threshold: 900%\n"),
            ),
            ("baselines/demo.noise.json", noise_file(3.0, 1000.0)),
            ("probe.sh", PROBE.to_owned()),
        ],
    );

    let reports = head.join("reports");
    let out = benchgate
        .current_dir(&head)
        .env("GITHUB_TOKEN", TOKEN)
        .args(["ab", "--config", "benchgate.yaml", "--format", "json"])
        .arg("--base-dir")
        .arg(&base)
        .arg("--report-dir")
        .arg(&reports)
        .timeout(Duration::from_secs(180))
        .output()
        .expect("run benchgate");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let c: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);

    // The slowdown fails the gate, judged by the base's rules.
    assert_eq!(out.status.code(), Some(1), "{stderr}\n{c}");
    assert_eq!(c["threshold"], 0.1, "the base's threshold: {c}");
    let wait = c["endpoints"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["name"] == "wait"))
        .unwrap_or_else(|| panic!("wait compared: {c}"));
    let p50 = wait["metrics"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["metric"] == "p50"))
        .unwrap_or_else(|| panic!("wait p50: {wait}"));
    assert_eq!(p50["verdict"], "regressed", "{wait}");
    // The vanished header is a failure of its own, named.
    let failed = c["failed"].to_string();
    assert!(
        failed.contains("wait server-timing:app: missing on head"),
        "{failed}"
    );

    // Every report names what the head tried to change.
    let said = [
        "this pull request changes baselines/demo.noise.json",
        "this pull request changes the gate section of benchgate.yaml",
    ];
    for (name, text) in [
        ("stderr", stderr.clone()),
        ("json", c["proposed"].to_string()),
        ("markdown", read(&reports.join("comparison.md"))),
        ("html", read(&reports.join("report.html"))),
        ("junit", read(&reports.join("junit.xml"))),
    ] {
        for s in said {
            assert!(text.contains(s), "{name} does not say {s:?}:\n{text}");
        }
    }

    // The head's app ran (once per round) and never saw the token.
    let probe = read(&probe_out);
    assert!(probe.contains("comm=benchgate"), "{probe}");
    assert!(probe.contains("own GITHUB_TOKEN=unset"), "{probe}");
    assert!(probe.contains("refused "), "{probe}");
    assert!(
        !probe.contains(TOKEN),
        "the head's app read the token: {probe}"
    );
    for text in [&stderr, &c.to_string()] {
        assert!(!text.contains(TOKEN), "the token reached a report: {text}");
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
