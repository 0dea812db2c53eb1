//! The baselines directory under concurrent and killed saves: no history
//! line lost, no half-written file, nothing left for `git add` to commit.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// A demo project with two different results files.
fn project() -> (support::Project, PathBuf, PathBuf) {
    let project = support::Project::new("50/s");
    let run = |name: &str| {
        let out = project.dir.path().join(name);
        project
            .cmd(&[
                "run",
                "--duration",
                "1s",
                "--warmup",
                "0s",
                "--block",
                "500ms",
            ])
            .arg(format!("--out={}", out.display()))
            .assert()
            .success();
        // These tests are about saving; how busy the machine was while the
        // runs were made is not theirs to warn about.
        support::forget_machine_load(&out);
        out
    };
    let first = run("r1.json");
    let second = run("r2.json");
    (project, first, second)
}

fn save(project: &support::Project, results: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(support::benchgate_path());
    cmd.current_dir(project.dir.path())
        .args(["baseline", "save", "--config"])
        .arg(&project.suite)
        .arg(results)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    cmd
}

fn history_lines(project: &support::Project) -> Vec<serde_json::Value> {
    let path = project.dir.path().join("baselines/demo.history.jsonl");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("every history line is JSON"))
        .collect()
}

/// Files `git add baselines/` would pick up: everything outside the
/// directory benchgate's own `.gitignore` covers.
fn committable(project: &support::Project) -> Vec<String> {
    let dir = project.dir.path().join("baselines");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("baselines dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n != ".benchgate")
        .collect();
    names.sort();
    let ignore = std::fs::read_to_string(dir.join(".benchgate/.gitignore")).unwrap_or_default();
    assert!(ignore.lines().any(|l| l.trim() == "*"), "{ignore}");
    names
}

#[test]
fn twenty_concurrent_saves_keep_twenty_history_lines_and_nothing_to_commit() {
    let (project, first, second) = project();
    let children: Vec<_> = (0..20)
        .map(|i| {
            let results = if i % 2 == 0 { &first } else { &second };
            save(&project, results).spawn().expect("spawn save")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("save exits");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        for line in stderr.lines() {
            assert!(
                line.contains("another benchgate (pid ") && line.contains("is saving baselines in"),
                "only the waiting message: {line}"
            );
        }
    }
    assert_eq!(history_lines(&project).len(), 20, "no history line lost");
    let baseline: serde_json::Value =
        serde_json::from_slice(&std::fs::read(project.baseline()).expect("baseline"))
            .expect("the baseline is whole");
    assert_eq!(baseline["suite"], "demo");
    assert_eq!(committable(&project), ["demo.history.jsonl", "demo.json"]);
}

#[test]
fn a_baseline_whose_history_line_was_never_written_gets_it_back() {
    let (project, first, second) = project();
    assert!(save(&project, &first).status().expect("save").success());
    assert_eq!(history_lines(&project).len(), 1);
    // A save killed between its two writes: the new baseline is in place,
    // its history line is not.
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&second).expect("r2")).expect("json");
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(project.baseline(), record.to_string()).expect("baseline");
    // The next save writes the missing line before its own.
    assert!(save(&project, &first).status().expect("save").success());
    let lines = history_lines(&project);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[1]["time_utc"], record["provenance"]["time_utc"]);
}

#[test]
fn saves_killed_at_any_moment_leave_a_whole_baseline_and_nothing_to_commit() {
    let (project, first, second) = project();
    assert!(save(&project, &first).status().expect("save").success());
    for i in 0..24u64 {
        let results = if i % 2 == 0 { &second } else { &first };
        let mut child = save(&project, results).spawn().expect("spawn save");
        std::thread::sleep(Duration::from_millis(i * 2));
        let _ = kill(Pid::from_raw(child.id() as i32), Signal::SIGKILL);
        let _ = child.wait();
        let bytes = std::fs::read(project.baseline()).expect("the baseline is there");
        serde_json::from_slice::<serde_json::Value>(&bytes).expect("and whole");
        assert_eq!(committable(&project), ["demo.history.jsonl", "demo.json"]);
    }
    // Whatever the kills left, the current baseline is in the history.
    assert!(save(&project, &first).status().expect("save").success());
    let baseline: serde_json::Value =
        serde_json::from_slice(&std::fs::read(project.baseline()).expect("baseline"))
            .expect("json");
    let lines = history_lines(&project);
    assert!(lines
        .iter()
        .any(|l| l["time_utc"] == baseline["provenance"]["time_utc"]));
    let leftovers = std::fs::read_dir(project.dir.path().join("baselines/.benchgate"))
        .expect("work dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .count();
    assert_eq!(
        leftovers, 0,
        "the last save cleaned up the killed ones' temp files"
    );
}
