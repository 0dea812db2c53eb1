//! No process of the app outlives benchgate, however the app hides and
//! however benchgate ends: an app that daemonizes (double fork + `setsid`,
//! leaving benchgate's process group) and an app behind a wrapper shell
//! that does not `exec`, with benchgate exiting normally, interrupted with
//! Ctrl-C, or killed with SIGKILL. Also: the app gets no GitHub token, and
//! its log is redacted when benchgate shows it.

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use support::{benchgate, free_port, write_suite};

/// A loopback HTTP server in Python that writes its pid to a file. With
/// `daemon`, it double-forks and calls `setsid` first (the launcher exits 0
/// at once) and ignores SIGTERM, so that only SIGKILL stops it; `noting`
/// is the same daemon, which notes each SIGTERM in `<pidfile>.sigterm`.
const SERVER: &str = r#"
import os, signal, sys, http.server
port, pidfile, how = int(sys.argv[1]), sys.argv[2], sys.argv[3]
if how in ("daemon", "noting"):
    if os.fork() > 0:
        sys.exit(0)
    os.setsid()
    if os.fork() > 0:
        os._exit(0)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
if how == "noting":
    signal.signal(signal.SIGTERM, lambda *_: open(pidfile + ".sigterm", "w").close())
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", port), Handler)
with open(pidfile + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(pidfile + ".tmp", pidfile)
print("serving", flush=True)
server.serve_forever()
"#;

struct Setup {
    dir: tempfile::TempDir,
    suite: PathBuf,
    pidfile: PathBuf,
    port: u16,
}

/// A suite whose app is [`SERVER`], started as `how` says: `daemon`
/// (python daemonizes itself) or `wrapper` (`sh -c "python3 …"`, no exec,
/// the shell waiting for python).
fn setup(how: &str, duration: &str) -> Setup {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("server.py");
    std::fs::write(&script, SERVER).expect("write server");
    let pidfile = dir.path().join("server.pid");
    let port = free_port();
    let yaml = suite_yaml(&script, how, duration, port, &pidfile);
    let suite = write_suite(dir.path(), &yaml);
    Setup {
        dir,
        suite,
        pidfile,
        port,
    }
}

fn suite_yaml(script: &Path, how: &str, duration: &str, port: u16, pidfile: &Path) -> String {
    let python = format!(
        "python3 {} {port} {} {how}",
        script.display(),
        pidfile.display()
    );
    let command = match how {
        "daemon" | "noting" => format!("[\"sh\", \"-c\", \"exec {python}\"]"),
        _ => format!("[\"sh\", \"-c\", \"{python}; echo wrapper done\"]"),
    };
    format!(
        r#"version: 1
suite: tree
app:
  command: {command}
  ready: {{ url: "http://127.0.0.1:{port}/", timeout: 20s }}
base_url: "http://127.0.0.1:{port}"
load:
  rate: 20/s
  warmup: 0s
  duration: {duration}
  block: 500ms
endpoints:
  - name: root
    path: /
"#
    )
}

impl Setup {
    fn server_pid(&self) -> Pid {
        let text = std::fs::read_to_string(&self.pidfile).expect("the server wrote its pid");
        Pid::from_raw(text.trim().parse().expect("a pid"))
    }

    /// Waits up to `bound` for the server to be gone and its port free.
    fn assert_server_gone_within(&self, bound: Duration) {
        let pid = self.server_pid();
        let deadline = Instant::now() + bound;
        while (alive(pid) || port_answers(self.port)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(
            !alive(pid),
            "the app's server (pid {pid}) outlived benchgate"
        );
        assert!(!port_answers(self.port), "port {} still answers", self.port);
    }
}

impl Drop for Setup {
    /// Never leave a server behind, even when a test fails.
    fn drop(&mut self) {
        if let Ok(text) = std::fs::read_to_string(&self.pidfile) {
            if let Ok(pid) = text.trim().parse::<i32>() {
                let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
            }
        }
    }
}

/// Whether `pid` is a live process (not a zombie).
fn alive(pid: Pid) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

fn port_answers(port: u16) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
}

fn run(setup: &Setup) -> assert_cmd::assert::Assert {
    benchgate()
        .current_dir(setup.dir.path())
        .arg("run")
        .arg("--config")
        .arg(&setup.suite)
        .timeout(Duration::from_secs(60))
        .assert()
}

#[test]
fn a_daemonized_app_is_measured_and_gone_when_benchgate_exits() {
    let setup = setup("daemon", "1s");
    run(&setup).success();
    let pid = setup.server_pid();
    // It left benchgate's process group and session: only the supervisor
    // could find it. Nothing may be left by the time benchgate has exited.
    setup.assert_server_gone_within(Duration::from_millis(200));
    assert!(!alive(pid));
}

/// Starts benchgate on `setup`, waits until it measures, and sends it
/// `signal`; returns its exit status.
fn signal_mid_run(setup: &Setup, signal: Signal) -> std::process::ExitStatus {
    let support::Watched {
        mut child, lines, ..
    } = support::spawn_until_measuring(
        setup.dir.path(),
        &["run".as_ref(), "--config".as_ref(), setup.suite.as_os_str()],
    );
    assert!(alive(setup.server_pid()), "the server runs");
    kill(Pid::from_raw(child.id() as i32), signal).expect("signal benchgate");
    let _: Vec<String> = lines.map_while(Result::ok).collect();
    child.wait().expect("benchgate exits")
}

#[test]
fn ctrl_c_stops_a_daemonized_app() {
    let setup = setup("daemon", "60s");
    let status = signal_mid_run(&setup, Signal::SIGINT);
    assert_eq!(status.code(), Some(3));
    setup.assert_server_gone_within(Duration::from_millis(200));
}

#[test]
fn kill_9_of_benchgate_stops_the_server_behind_a_wrapper_shell() {
    let setup = setup("wrapper", "60s");
    let status = signal_mid_run(&setup, Signal::SIGKILL);
    assert_eq!(status.code(), None, "killed");
    // The supervisor gets SIGTERM when benchgate dies, and stops the tree:
    // python is SIGTERMed at once.
    setup.assert_server_gone_within(Duration::from_secs(10));
}

#[test]
fn kill_9_of_benchgate_stops_a_daemonized_app() {
    let setup = setup("daemon", "60s");
    let status = signal_mid_run(&setup, Signal::SIGKILL);
    assert_eq!(status.code(), None, "killed");
    // The daemon ignores SIGTERM: only the supervisor's SIGKILL stops it.
    setup.assert_server_gone_within(Duration::from_secs(10));
}

/// Issue 23, item 8: benchgate stops the app (SIGTERM to its group) and
/// waits out its grace; a kill -9 of benchgate then (a CI runner's SIGKILL
/// after its SIGTERM) used to leave the supervisor in its own 3 s grace
/// for an app that ignores SIGTERM. Its parent gone, it SIGKILLs at once.
#[test]
fn kill_9_of_benchgate_during_the_grace_kills_the_app_at_once() {
    let setup = setup("noting", "1s");
    let noted = PathBuf::from(format!("{}.sigterm", setup.pidfile.display()));
    let mut child = std::process::Command::new(support::benchgate_path())
        .current_dir(setup.dir.path())
        .args(["run", "--config"])
        .arg(&setup.suite)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn benchgate");
    let waiting = Instant::now();
    while !noted.exists() {
        if waiting.elapsed() > Duration::from_secs(60) || child.try_wait().ok().flatten().is_some()
        {
            let _ = child.kill();
            panic!("benchgate never stopped the app with SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    kill(Pid::from_raw(child.id() as i32), Signal::SIGKILL).expect("kill -9 benchgate");
    let _ = child.wait();
    // Well inside the 3 s grace it would otherwise wait out.
    setup.assert_server_gone_within(Duration::from_millis(1500));
}

/// A suite whose app (or build) prints its environment and fails.
fn leaky_suite(dir: &Path, section: &str) -> PathBuf {
    let port = free_port();
    let script = "echo token=[$GITHUB_TOKEN] copy=[$MY_COPY] runtime=[$ACTIONS_RUNTIME_TOKEN] asked=[$GH_TOKEN] pw=[$DB_PASSWORD] bench=[$BENCH_TOKEN] env=[$GITHUB_ENV]; exit 3";
    let (build, command) = match section {
        "build" => (
            format!("  build: [\"sh\", \"-c\", \"{script}\"]\n"),
            "[\"true\"]".to_string(),
        ),
        _ => (String::new(), format!("[\"sh\", \"-c\", \"{script}\"]")),
    };
    let yaml = format!(
        r#"version: 1
suite: leaky
app:
  command: {command}
{build}  env: {{ GH_TOKEN: "gho_asked_for_it", BENCH_TOKEN: "bench-secret-77" }}
  ready: {{ url: "http://127.0.0.1:{port}/", timeout: 5s }}
base_url: "http://127.0.0.1:{port}"
endpoints:
  - name: root
    path: /
"#
    );
    write_suite(dir, &yaml)
}

#[test]
fn the_app_and_its_build_get_no_github_token_and_their_logs_are_redacted() {
    for section in ["app", "build"] {
        let dir = tempfile::tempdir().expect("temp dir");
        let suite = leaky_suite(dir.path(), section);
        let assert = benchgate()
            .current_dir(dir.path())
            .env("GITHUB_TOKEN", "ghs_secret_github_token")
            .env("MY_COPY", "ghs_secret_github_token")
            .env("ACTIONS_RUNTIME_TOKEN", "runtime-secret-123")
            .env("DB_PASSWORD", "hunter2hunter2")
            .env("GITHUB_ENV", dir.path().join("set_env"))
            .arg("run")
            .arg("--config")
            .arg(&suite)
            .timeout(Duration::from_secs(60))
            .assert()
            .code(3);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        let expected = "token=[] copy=[] runtime=[] asked=[***] pw=[***] bench=[***] env=[]";
        assert!(stderr.contains(expected), "{section}: {stderr}");
        for secret in [
            "ghs_secret_github_token",
            "runtime-secret-123",
            "hunter2hunter2",
            "bench-secret-77",
            "gho_asked_for_it",
        ] {
            assert!(!stderr.contains(secret), "{section}: {secret} in {stderr}");
        }
        // The log itself is the app's own output, kept as written: only
        // what benchgate prints is redacted. The token never reached it.
        let log = dir.path().join(format!(".benchgate/leaky.{section}.log"));
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(
            log.contains("token=[] copy=[] runtime=[]"),
            "{section}: {log}"
        );
        assert!(!log.contains("ghs_secret_github_token"));
    }
}

#[test]
fn two_runs_at_once_write_two_logs() {
    let setup = setup("wrapper", "60s");
    let first = support::spawn_until_measuring(
        setup.dir.path(),
        &["run".as_ref(), "--config".as_ref(), setup.suite.as_os_str()],
    );
    // A second run of the same suite (on another port) in the same
    // directory: its log must not overwrite the first one's.
    let other_pidfile = setup.dir.path().join("other.pid");
    let other = setup.dir.path().join("other.yaml");
    let script = setup.dir.path().join("server.py");
    let yaml = suite_yaml(&script, "wrapper", "1s", free_port(), &other_pidfile);
    std::fs::write(&other, yaml).expect("other suite");
    let second = benchgate()
        .current_dir(setup.dir.path())
        .arg("run")
        .arg("--config")
        .arg(&other)
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&second.get_output().stderr).to_string();
    assert!(
        stderr.contains(".benchgate/tree.app.log is in use by another benchgate; this run's log is .benchgate/tree.app."),
        "{stderr}"
    );
    let first_log = setup.dir.path().join(".benchgate/tree.app.log");
    let log = std::fs::read_to_string(&first_log).expect("first log");
    assert!(
        log.contains("serving"),
        "the first run's log was kept: {log}"
    );
    let logs = std::fs::read_dir(setup.dir.path().join(".benchgate"))
        .expect("output dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("tree.app."))
        .count();
    assert_eq!(logs, 2, "one log per run");
    let support::Watched { mut child, .. } = first;
    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).expect("stop the first run");
    let _ = child.wait();
    setup.assert_server_gone_within(Duration::from_secs(10));
    if let Ok(pid) = std::fs::read_to_string(&other_pidfile) {
        let pid = Pid::from_raw(pid.trim().parse().expect("pid"));
        assert!(!alive(pid), "the second run's server outlived it");
    }
}

/// The app is started with no signal blocked: benchgate's SIGTERM reaches
/// it and it can shut down gracefully, instead of waiting out the grace
/// period and being killed.
#[test]
fn the_app_sees_sigterm_and_stops_gracefully() {
    let dir = tempfile::tempdir().expect("temp dir");
    let marker = dir.path().join("terminated");
    let script = format!(
        "trap 'echo graceful > {}; exit 0' TERM; python3 -m http.server \"$PORT\" --bind 127.0.0.1 & wait",
        marker.display()
    );
    let suite = format!(
        "version: 1\nsuite: graceful\napp:\n  command: [\"sh\", \"-c\", {script:?}]\n  ready: {{ url: \"http://127.0.0.1:${{PORT}}/\", timeout: 20s }}\nbase_url: \"http://127.0.0.1:${{PORT}}\"\nload:\n  rate: 10/s\n  warmup: 0s\n  duration: 1s\nendpoints:\n  - {{ name: home, path: / }}\n"
    );
    std::fs::write(dir.path().join("benchgate.yaml"), suite).expect("suite");
    let out = support::benchgate()
        .current_dir(dir.path())
        .args(["run", "--config", "benchgate.yaml"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&marker).ok().as_deref(),
        Some("graceful\n"),
        "the app's TERM trap ran"
    );
}
