//! CPU placement end to end: the demo app runs on `app.cpus` — every one of
//! its threads, as the kernel reports it while the run is going — the
//! generator's thread on `load.cpus`, and the results file and the report
//! say so.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{benchgate, benchgate_path, demo_suite, free_port, write_suite};

/// The CPUs this test may run on, ascending.
fn allowed() -> Vec<usize> {
    use nix::sched::{sched_getaffinity, CpuSet};
    let set = sched_getaffinity(nix::unistd::Pid::from_raw(0)).expect("read this thread's CPUs");
    (0..CpuSet::count())
        .filter(|&cpu| set.is_set(cpu).unwrap_or(false))
        .collect()
}

/// `Cpus_allowed_list` of a process (its main thread) or of one of its
/// threads (`/proc/<pid>/task/<tid>`); `None` once it is gone.
fn cpus_of(proc_dir: &str) -> Option<String> {
    let status = std::fs::read_to_string(format!("{proc_dir}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .map(|list| list.trim().to_string())
}

/// The CPU lists of every thread of process `pid`.
fn thread_cpus(pid: u32) -> Vec<String> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|task| cpus_of(&task.path().to_string_lossy()))
        .collect()
}

/// The pid in benchgate's "the app is ready (pid N)" line.
fn ready_pid(line: &str) -> Option<u32> {
    line.strip_prefix("the app is ready (pid ")?
        .strip_suffix(')')?
        .parse()
        .ok()
}

#[test]
fn the_app_and_the_generator_run_on_their_cpus() {
    let allowed = allowed();
    if allowed.len() < 2 {
        eprintln!(
            "skipped: this machine lets the test use {} CPU(s); placement needs 2",
            allowed.len()
        );
        return;
    }
    // On this project's 2-core machines: the generator on 0, the app on 1.
    let (load_cpu, app_cpu) = (allowed[0], allowed[1]);
    let dir = tempfile::tempdir().expect("temp dir");
    let load = format!("  rate: 40/s\n  warmup: 500ms\n  duration: 3s\n  cpus: [{load_cpu}]");
    let endpoints = "  - name: users\n    path: /users?limit=5";
    // demo_suite ends the app section just before base_url.
    let yaml = demo_suite(free_port(), &load, endpoints).replacen(
        "\nbase_url:",
        &format!("\n  cpus: [{app_cpu}]\nbase_url:"),
        1,
    );
    let suite = write_suite(dir.path(), &yaml);

    let mut child = Command::new(benchgate_path())
        .current_dir(dir.path())
        .env("CI", "true")
        .args(["run", "--config"])
        .arg(&suite)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start benchgate");
    let benchgate_pid = child.id();
    let stderr = child.stderr.take().expect("stderr is piped");
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(pid) = ready_pid(&line) {
                let _ = tx.send(pid);
            }
            lines.push(line);
        }
        lines
    });

    // While the run goes on, look at the app's threads and at benchgate's
    // main thread (the generator's) as the kernel sees them.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut app_pid = None;
    let mut app_seen: Vec<String> = Vec::new();
    let mut generator_seen: Vec<String> = Vec::new();
    while child.try_wait().expect("poll benchgate").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("benchgate did not finish within 60 s");
        }
        if app_pid.is_none() {
            app_pid = rx.try_recv().ok();
        }
        if let Some(pid) = app_pid {
            app_seen.extend(thread_cpus(pid));
            generator_seen.extend(cpus_of(&format!("/proc/{benchgate_pid}")));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = child.wait().expect("benchgate exit status");
    let stderr_lines = reader.join().expect("stderr reader");
    let mut stdout = String::new();
    std::io::Read::read_to_string(
        &mut child.stdout.take().expect("stdout is piped"),
        &mut stdout,
    )
    .expect("read stdout");
    assert!(status.success(), "{status}; stderr:\n{stderr_lines:#?}");

    let app_pid = app_pid.expect("benchgate said which pid the app has");
    let app_list = app_cpu.to_string();
    let load_list = load_cpu.to_string();
    assert!(
        !app_seen.is_empty(),
        "the app {app_pid} was never seen running"
    );
    assert!(
        app_seen.iter().all(|cpus| *cpus == app_list),
        "every thread of the app on CPU {app_list}: {app_seen:?}"
    );
    // Pinned for the warm-up and the measurement, and only then.
    assert!(
        generator_seen.contains(&load_list),
        "the generator on CPU {load_list}: {generator_seen:?}"
    );
    assert!(
        generator_seen
            .iter()
            .all(|c| *c == load_list || allowed_list() == *c),
        "the generator thread was on CPU {load_list} or unpinned: {generator_seen:?}"
    );

    let results: Value = serde_json::from_slice(
        &std::fs::read(dir.path().join(".benchgate/demo.results.json")).expect("results written"),
    )
    .expect("results are JSON");
    assert_eq!(
        results["provenance"]["placement"],
        serde_json::json!({ "app": app_list, "load": load_list })
    );
    support::assert_schema(include_str!("../schemas/results.schema.json"), &results);
    assert!(
        stdout.contains(&format!(
            "CPU placement: app on CPU {app_list}, load on CPU {load_list}"
        )),
        "{stdout}"
    );

    // A comparison carries each side's placement into its reports.
    let results_file = dir.path().join(".benchgate/demo.results.json");
    let placed = format!("app on CPU {app_list}, load on CPU {load_list}");
    let compared = benchgate()
        .current_dir(dir.path())
        .arg("compare")
        .args([&results_file, &results_file])
        .arg("--report-dir=report")
        .timeout(Duration::from_secs(60))
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8_lossy(&compared.stdout);
    assert!(text.contains(&format!("Z, {placed})")), "{text}");
    let markdown =
        std::fs::read_to_string(dir.path().join("report/comparison.md")).expect("comparison.md");
    let sides: Vec<&str> = markdown
        .lines()
        .filter(|l| l.starts_with("- **Base:**") || l.starts_with("- **Head:**"))
        .collect();
    assert_eq!(sides.len(), 2, "{markdown}");
    for side in sides {
        assert!(side.ends_with(&format!(", {placed}")), "{side}");
    }
}

/// This thread's CPU list as the kernel writes it (`0-1`): what an
/// unpinned thread shows.
fn allowed_list() -> String {
    cpus_of("/proc/thread-self").expect("this thread's status")
}

#[test]
fn a_cpu_this_machine_does_not_have_is_refused_with_its_line() {
    let allowed = allowed();
    let cpu = if allowed.contains(&99) { 1023 } else { 99 };
    let dir = tempfile::tempdir().expect("temp dir");
    let yaml = demo_suite(
        free_port(),
        "  rate: 10/s",
        "  - name: users\n    path: /users",
    )
    .replacen("\nbase_url:", &format!("\n  cpus: [{cpu}]\nbase_url:"), 1);
    let suite = write_suite(dir.path(), &yaml);
    let line = yaml
        .lines()
        .position(|l| l.starts_with("  cpus:"))
        .expect("the cpus line")
        + 1;
    let out = benchgate()
        .current_dir(dir.path())
        .args(["validate", "--config"])
        .arg(&suite)
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected = format!(
        "{}:{line}:10: app.cpus[0]: CPU {cpu} is not available here (this machine allows {here}); \
         use CPUs from {here} or remove app.cpus",
        suite.display(),
        here = allowed_list()
    );
    assert!(stderr.contains(&expected), "{stderr}");
}
