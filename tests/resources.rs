//! The app's CPU time per request end to end: the demo app doing ×1.5 CPU
//! work on every endpoint in the head is flagged by `cpu/request` in one A/B
//! run, and A/A is not.

mod support;

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use support::{benchgate, demo_bin};

const ENDPOINTS: &str = "  - name: list-users\n    path: /users?limit=20\n    weight: 2\n  - name: create-order\n    method: POST\n    path: /orders\n    json: { item: 42, qty: 1 }\n    expect: { status: 201 }\n  - name: search\n    path: /search?q=lamp\n    weight: 1";

/// 8 s of 500 ms blocks (16 pairs) at 60/s per side.
const LOAD: &str = "  rate: 60/s\n  warmup: 1s\n  duration: 8s\n  block: 500ms";

fn suite(app_extra: &str) -> String {
    format!(
        r#"version: 1
suite: demo
app:
  command: ["{demo}", "--port", "${{PORT}}"]
  ready: {{ url: "http://127.0.0.1:${{PORT}}/health", timeout: 20s }}
{app_extra}base_url: "http://127.0.0.1:${{PORT}}"
load:
{LOAD}
gate:
  metrics: [p50, cpu]
  threshold: 15%
endpoints:
{ENDPOINTS}
"#,
        demo = demo_bin()
    )
}

fn tree(suite: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("benchgate.yaml"), suite).expect("write suite");
    dir
}

static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn ab(head: &Path, base: &Path) -> (i32, Value, String) {
    let _serial = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let out = benchgate()
        .current_dir(head)
        .args(["ab", "--config", "benchgate.yaml", "--format", "json"])
        .arg("--base-dir")
        .arg(base)
        .timeout(Duration::from_secs(120))
        .output()
        .expect("run benchgate");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, stderr)
}

fn cpu_row(c: &Value) -> Value {
    c["endpoints"]
        .as_array()
        .expect("endpoints")
        .iter()
        .find(|e| e["name"] == "(app)")
        .unwrap_or_else(|| panic!("no (app) row: {c:#}"))["metrics"][0]
        .clone()
}

#[test]
fn a_head_doing_more_cpu_work_is_flagged_and_a_a_is_not() {
    let base = tree(&suite(""));
    let same = tree(&suite(""));
    let (code, c, stderr) = ab(same.path(), base.path());
    assert!(code == 0 || code == 1, "exit {code}: {stderr}");
    let row = cpu_row(&c);
    assert_eq!(row["metric"], "cpu/request", "{row:#}");
    assert_ne!(row["verdict"], "regressed", "A/A flagged: {row:#}");
    assert!(
        row["base_ms"].as_f64().is_some_and(|ms| ms > 0.0),
        "{row:#}"
    );
    eprintln!("A/A cpu/request: {row}");

    let slow = tree(&suite(
        "  env: { DEMO_SLOWDOWN: \"/users=1.5,/orders=1.5,/search=1.5\" }\n",
    ));
    let (code, c, stderr) = ab(slow.path(), base.path());
    let row = cpu_row(&c);
    eprintln!("×1.5 cpu/request: {row}");
    assert_eq!(row["verdict"], "regressed", "{row:#}\n{stderr}");
    assert_eq!(code, 1, "{stderr}");
    let ratio = row["ratio"].as_f64().expect("ratio");
    assert!(ratio > 1.2, "{row:#}");
}
