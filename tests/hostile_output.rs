//! Text that reaches a CI log is inert: an app's log tail (printed when it
//! fails) cannot forge a GitHub Actions workflow command or send escape
//! sequences to the terminal.

mod support;

use support::output_in;

#[test]
fn an_apps_log_tail_cannot_forge_workflow_commands() {
    let dir = tempfile::tempdir().expect("temp dir");
    let suite = r#"version: 1
suite: hostile
app:
  command: ["sh", "-c", "echo '::error title=forged::the build is fine'; printf '\033[2Jcleared\n'; exit 7"]
  ready: { url: "http://127.0.0.1:${PORT}/", timeout: 10s }
base_url: "http://127.0.0.1:${PORT}"
load:
  rate: 10/s
  duration: 1s
endpoints:
  - { name: home, path: / }
"#;
    std::fs::write(dir.path().join("benchgate.yaml"), suite).expect("suite");
    let out = output_in(dir.path(), &["run", "--config", "benchgate.yaml"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("::error title=forged"),
        "the tail is shown: {stderr}"
    );
    assert_inert(&out.stdout);
    assert_inert(&out.stderr);
}

/// Asserts that `stream` holds no line a runner would read as a workflow
/// command and no escape byte.
fn assert_inert(stream: &[u8]) {
    let text = String::from_utf8_lossy(stream);
    assert!(
        text.lines().all(|line| !line.starts_with("::")),
        "a line starts a workflow command: {text}"
    );
    assert!(
        !stream.contains(&0x1b),
        "an escape byte got through: {text}"
    );
}

#[test]
fn a_capacity_files_text_reaches_the_log_inert() {
    // Issue 23: a capacity file's `time_utc` holding a line break, a
    // workflow command and an escape sequence reached stderr raw.
    let dir = tempfile::tempdir().expect("temp dir");
    let suite = r#"version: 1
suite: hostile
base_url: "http://127.0.0.1:9"
load:
  rate: 100/s
endpoints:
  - { name: home, path: / }
"#;
    std::fs::write(dir.path().join("benchgate.yaml"), suite).expect("suite");
    std::fs::create_dir(dir.path().join("baselines")).expect("baselines dir");
    let capacity = serde_json::json!({
        "suite": "hostile",
        "host": { "cpu_model": "cpu\u{1b}]0;title\u{7}", "cores": 2, "os": "linux" },
        "time_utc": "today\n::error title=forged::the build is fine\u{1b}[2J",
        "capacity_rate": 20.0,
        "suggested_rate": 10.0
    });
    std::fs::write(
        dir.path().join("baselines/hostile.capacity.json"),
        capacity.to_string(),
    )
    .expect("capacity file");
    let out = output_in(dir.path(), &["check", "--config", "benchgate.yaml"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("above the 10/s"),
        "the warning is shown: {stderr}"
    );
    assert_inert(&out.stderr);
}
