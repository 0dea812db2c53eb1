//! What A/B runs leave behind and share, with the real binary, real git
//! and the demo app: a `check --ab` killed with SIGKILL leaves a base
//! worktree the next run removes; a second A/B run in the same directory
//! writes results of its own instead of overwriting the first's; a run
//! leaves no port lock file; and an app that dies names its side.

mod support;

use std::io::BufRead as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use support::{benchgate, benchgate_path, demo_bin, serial};

/// A suite that starts `command` (the demo app on `${PORT}` by default) for
/// 2 s of 500 ms blocks at 60/s per side.
fn suite(command: &str) -> String {
    format!(
        r#"version: 1
suite: demo
app:
  command: {command}
  ready: {{ url: "http://127.0.0.1:${{PORT}}/health", timeout: 20s }}
base_url: "http://127.0.0.1:${{PORT}}"
load:
  rate: 60/s
  warmup: 500ms
  duration: 2s
  max_duration: 2s
  block: 500ms
endpoints:
  - name: list-users
    path: /users?limit=20
"#
    )
}

fn demo_command() -> String {
    format!(r#"["{}", "--port", "${{PORT}}"]"#, demo_bin())
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@t.invalid"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The names in `dir` that start with `prefix`.
fn named(dir: &Path, prefix: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(prefix))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_killed_check_ab_leaves_a_worktree_the_next_run_removes() {
    let repo = support::suite_dir(&suite(&demo_command()));
    let tmp = tempfile::tempdir().expect("temp dir");
    git(repo.path(), &["init", "-q", "-b", "main"]);
    git(repo.path(), &["add", "benchgate.yaml"]);
    git(repo.path(), &["commit", "-q", "-m", "suite"]);
    let mut child = Command::new(benchgate_path())
        .current_dir(repo.path())
        .args(["check", "--ab", "main"])
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().expect("stderr");
    let checked_out = std::io::BufReader::new(stderr)
        .lines()
        .map_while(Result::ok)
        .any(|line| line.contains("checked out in"));
    assert!(checked_out, "the base was checked out");
    child.kill().expect("SIGKILL");
    child.wait().expect("wait");
    let listed = git(repo.path(), &["worktree", "list"]);
    assert_eq!(listed.lines().count(), 2, "left registered: {listed}");
    assert_eq!(named(tmp.path(), "benchgate-base-").len(), 1);

    let out = benchgate()
        .current_dir(repo.path())
        .args(["check", "--ab", "no-such-branch"])
        .env("TMPDIR", tmp.path())
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("a base worktree left by a run that was killed"),
        "{stderr}"
    );
    let listed = git(repo.path(), &["worktree", "list"]);
    assert_eq!(listed.lines().count(), 1, "pruned: {listed}");
    assert!(named(tmp.path(), "benchgate-base-").is_empty());
}

#[test]
fn a_second_ab_run_in_the_directory_writes_results_of_its_own() {
    use nix::fcntl::{Flock, FlockArg};
    let head = support::suite_dir(&suite(&demo_command()));
    let out = head.path().join(".benchgate");
    std::fs::create_dir_all(&out).expect("dir");
    // The first run: it holds the lock and has written its results.
    let lock = std::fs::File::create(out.join("demo.ab.lock")).expect("lock file");
    let _held = Flock::lock(lock, FlockArg::LockExclusiveNonblock).expect("lock");
    for side in ["base", "head"] {
        std::fs::write(out.join(format!("demo.{side}.json")), "first run").expect("write");
    }
    let (code, _, stderr) = {
        let _serial = serial();
        support::ab_json(head.path(), head.path(), &[])
    };
    assert!(code == 0 || code == 1, "{stderr}");
    assert!(
        stderr.contains("another benchgate is running A/B of suite demo"),
        "{stderr}"
    );
    for side in ["base", "head"] {
        let first = std::fs::read_to_string(out.join(format!("demo.{side}.json"))).expect("read");
        assert_eq!(first, "first run", "the first run's {side} results");
        let own: Vec<String> = named(&out, &format!("demo.{side}."))
            .into_iter()
            .filter(|n| n != &format!("demo.{side}.json") && n.ends_with(".json"))
            .collect();
        assert_eq!(own.len(), 1, "{own:?}");
        assert!(stderr.contains(&own[0]), "the path is said: {stderr}");
        let record: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join(&own[0])).expect("read"))
                .expect("JSON");
        assert!(record["endpoints"].is_array(), "{record}");
    }
}

#[test]
fn an_ab_run_leaves_no_port_lock_file() {
    let head = support::suite_dir(&suite(&demo_command()));
    let tmp = tempfile::tempdir().expect("temp dir");
    let _serial = serial();
    let out = benchgate()
        .current_dir(head.path())
        .args(["ab", "--config", "benchgate.yaml", "--base-dir"])
        .arg(head.path())
        .env("TMPDIR", tmp.path())
        .timeout(Duration::from_secs(120))
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{stderr}");
    let dirs = named(tmp.path(), "benchgate-ports");
    assert!(
        !dirs.is_empty(),
        "ports were reserved in {}",
        tmp.path().display()
    );
    for dir in dirs {
        let left = named(&tmp.path().join(&dir), "");
        assert!(left.is_empty(), "{dir}: {left:?}");
    }
}

#[test]
fn an_app_that_dies_says_which_side_it_was() {
    let base = support::suite_dir(&suite(&demo_command()));
    let dying = format!(
        r#"["sh", "-c", "{} --port ${{PORT}} --fail-after 40; exit 11"]"#,
        demo_bin()
    );
    let head = support::suite_dir(&suite(&dying));
    let (code, _, stderr) = {
        let _serial = serial();
        support::ab_json(head.path(), base.path(), &[])
    };
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("the head app exited with exit code 11 during the run"),
        "{stderr}"
    );
}
