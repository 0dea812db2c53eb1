//! Shared helpers for the integration tests: the real `benchgate` binary, the
//! demo app binary, suite files in temp dirs, and small HTTP servers with a
//! known behaviour, run in-process on a loopback port.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

pub fn benchgate() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("benchgate").expect("benchgate binary is built");
    cmd.env("CI", "true").env_remove("NO_COLOR");
    cmd
}

pub fn benchgate_path() -> PathBuf {
    assert_cmd::cargo::cargo_bin("benchgate")
}

/// The demo app's binary: `benchgate-demo` beside the `benchgate` under
/// test. The demo is a workspace member of its own, so cargo does not hand
/// its path to these tests. `cargo test` at the root builds it (for the
/// demo's own integration test); the first call in each test process builds
/// it again with the same cargo, profile and features — a no-op when fresh —
/// so that `cargo test --test X` never starts a missing or stale demo.
pub fn demo_bin() -> &'static str {
    static DEMO: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DEMO.get_or_init(build_demo)
}

fn build_demo() -> String {
    let benchgate = Path::new(env!("CARGO_BIN_EXE_benchgate"));
    let demo = benchgate.with_file_name(format!("benchgate-demo{}", std::env::consts::EXE_SUFFIX));
    let profile_dir = benchgate.parent().expect("benchgate's directory");
    let target_dir = profile_dir.parent().expect("the target directory");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = std::process::Command::new(&cargo);
    // What cargo set for this test binary is not for the build it starts.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if [
            "CARGO_PKG_",
            "CARGO_MANIFEST_",
            "CARGO_BIN_",
            "CARGO_CRATE_",
            "CARGO_PRIMARY_",
            "CARGO_TARGET_TMPDIR",
        ]
        .iter()
        .any(|prefix| name.starts_with(prefix))
        {
            command.env_remove(name.as_ref());
        }
    }
    // `cargo test` of the whole workspace, narrowed to the demo's test: the
    // same features as the `cargo test` that built this test, so the
    // demo's dependencies are shared with it rather than built again.
    command.args([
        "test",
        "--no-run",
        "--quiet",
        "--workspace",
        "--test",
        "demo_cli",
    ]);
    match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => {}
        Some(profile) => {
            command.args(["--profile", profile]);
        }
    }
    let status = command
        .arg("--target-dir")
        .arg(target_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status();
    match status {
        Ok(status) if status.success() && demo.is_file() => {}
        outcome => panic!(
            "cannot build the demo app {} ({outcome:?}); build it with \
             `cargo build -p benchgate-demo` (add `--release` for a release test run)",
            demo.display()
        ),
    }
    demo.to_str().expect("a UTF-8 path to the demo").to_owned()
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    listener.local_addr().expect("local addr").port()
}

/// `benchgate run --config suite` in `dir`, bounded to a minute.
pub fn run_suite_in(dir: &Path, suite: &Path) -> assert_cmd::assert::Assert {
    benchgate()
        .current_dir(dir)
        .arg("run")
        .arg("--config")
        .arg(suite)
        .timeout(Duration::from_secs(60))
        .assert()
}

/// `benchgate args…` in `dir`, bounded to a minute: what it printed and
/// how it exited, whatever that was.
pub fn output_in(dir: &Path, args: &[&str]) -> std::process::Output {
    benchgate()
        .current_dir(dir)
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("benchgate runs")
}

/// `benchgate run` of `yaml` in a temp dir, bounded to a minute, writing
/// its results file: how it ended, the results as JSON (null when none
/// was written), and the dir.
pub fn run_with_results(
    yaml: &str,
) -> (
    assert_cmd::assert::Assert,
    serde_json::Value,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().expect("temp dir");
    let suite = write_suite(dir.path(), yaml);
    let out = dir.path().join("results.json");
    let assert = benchgate()
        .current_dir(dir.path())
        .args(["run", "--config"])
        .arg(&suite)
        .arg("--out")
        .arg(&out)
        .timeout(Duration::from_secs(60))
        .assert();
    let results = std::fs::read(&out)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or(serde_json::Value::Null);
    (assert, results, dir)
}

/// Writes `yaml` as `benchgate.yaml` in `dir` and returns its path.
pub fn write_suite(dir: &Path, yaml: &str) -> PathBuf {
    let path = dir.join("benchgate.yaml");
    std::fs::write(&path, yaml).expect("write suite file");
    path
}

/// A suite around the demo app, each instance started on `port` (the
/// `${PORT}` the runner hands it, unless a fixed port is named) and ready
/// once its `/health` answers: the one writer of such suites, so that a
/// test states only what its run is about. Each block is the lines under
/// its key, indented as they stand in the file; an empty `app` or `gate`
/// adds nothing.
pub struct DemoSuite<'a> {
    pub name: &'a str,
    /// A fixed port; `None` is `${PORT}`.
    pub port: Option<u16>,
    /// Lines under `app:` after its command and readiness check.
    pub app: &'a str,
    pub load: &'a str,
    pub endpoints: &'a str,
    pub gate: &'a str,
}

impl Default for DemoSuite<'_> {
    fn default() -> Self {
        DemoSuite {
            name: "demo",
            port: None,
            app: "",
            load: "",
            endpoints: "",
            gate: "",
        }
    }
}

impl DemoSuite<'_> {
    pub fn yaml(&self) -> String {
        let port = self
            .port
            .map_or_else(|| "${PORT}".to_owned(), |port| port.to_string());
        let gate = match self.gate {
            "" => String::new(),
            gate => format!("gate:\n{}", lines(gate)),
        };
        format!(
            r#"version: 1
suite: {name}
app:
  command: ["{demo}", "--port", "{port}"]
  ready: {{ url: "http://127.0.0.1:{port}/health", timeout: 20s }}
{app}base_url: "http://127.0.0.1:{port}"
load:
{load}endpoints:
{endpoints}{gate}"#,
            name = self.name,
            demo = demo_bin(),
            app = lines(self.app),
            load = lines(self.load),
            endpoints = lines(self.endpoints),
        )
    }
}

/// `block` ending in one newline, or nothing when it is empty.
fn lines(block: &str) -> String {
    match block.trim_end_matches('\n') {
        "" => String::new(),
        block => format!("{block}\n"),
    }
}

/// A suite that starts the demo app on `port` with the given endpoints block.
pub fn demo_suite(port: u16, load: &str, endpoints: &str) -> String {
    DemoSuite {
        port: Some(port),
        load,
        endpoints,
        ..DemoSuite::default()
    }
    .yaml()
}

/// How a [`TestServer`] answers.
#[derive(Debug, Clone, Copy)]
pub enum Behaviour {
    /// 200 after a fixed delay.
    Delay(Duration),
    /// 200 at once, except that the request arriving after `after` stalls for
    /// `stall` — and so does every request that arrives during the stall
    /// (a stop-the-world pause).
    StallOnce { after: Duration, stall: Duration },
    /// This status at once.
    Status(u16),
    /// Accepts each connection and closes it at once, unread.
    Reset,
    /// Accepts each connection and never answers (holds it up to a minute).
    Silent,
}

/// An HTTP/1.1 server on 127.0.0.1 with a fixed behaviour, on its own
/// runtime thread; it stops when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    pub requests: Arc<AtomicU64>,
    _thread: ServerThread,
}

impl TestServer {
    pub fn start(behaviour: Behaviour) -> TestServer {
        let (listener, addr) = loopback_listener();
        let requests = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&requests);
        let thread = ServerThread::spawn(move |stopped| {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(serve(listener, behaviour, counter, stopped));
        });
        TestServer {
            addr,
            requests,
            _thread: thread,
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// A listener on a free loopback port, non-blocking (for a tokio runtime
/// to take over), and its address.
pub fn loopback_listener() -> (std::net::TcpListener, SocketAddr) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("addr");
    (listener, addr)
}

/// The thread a test's server runs on: told to stop, and joined, when
/// dropped.
pub struct ServerThread {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ServerThread {
    /// Runs `serve` on a thread of its own, handing it the receiver that
    /// says when to stop.
    pub fn spawn(
        serve: impl FnOnce(tokio::sync::oneshot::Receiver<()>) + Send + 'static,
    ) -> ServerThread {
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let thread = std::thread::spawn(move || serve(stopped));
        ServerThread {
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(
    listener: std::net::TcpListener,
    behaviour: Behaviour,
    requests: Arc<AtomicU64>,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    let started = tokio::time::Instant::now();
    let stall_until = Arc::new(std::sync::Mutex::new(None::<tokio::time::Instant>));
    let stalled = Arc::new(AtomicBool::new(false));
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted { Ok(a) => a, Err(_) => continue },
            _ = &mut stopped => return,
        };
        match behaviour {
            Behaviour::Reset => {
                requests.fetch_add(1, Ordering::Relaxed);
                drop(stream);
                continue;
            }
            Behaviour::Silent => {
                requests.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    drop(stream);
                });
                continue;
            }
            _ => {}
        }
        let requests = Arc::clone(&requests);
        let stall_until = Arc::clone(&stall_until);
        let stalled = Arc::clone(&stalled);
        tokio::spawn(async move {
            let service = service_fn(move |_req: Request<hyper::body::Incoming>| {
                let requests = Arc::clone(&requests);
                let stall_until = Arc::clone(&stall_until);
                let stalled = Arc::clone(&stalled);
                async move {
                    requests.fetch_add(1, Ordering::Relaxed);
                    let status = match behaviour {
                        Behaviour::Delay(d) => {
                            tokio::time::sleep(d).await;
                            200
                        }
                        Behaviour::StallOnce { after, stall } => {
                            let now = tokio::time::Instant::now();
                            if now >= started + after && !stalled.swap(true, Ordering::SeqCst) {
                                *stall_until.lock().expect("lock") = Some(now + stall);
                            }
                            let until = *stall_until.lock().expect("lock");
                            if let Some(until) = until {
                                tokio::time::sleep_until(until).await;
                            }
                            200
                        }
                        Behaviour::Status(code) => code,
                        Behaviour::Reset | Behaviour::Silent => 500,
                    };
                    let mut response = Response::new(Full::new(Bytes::from_static(b"ok")));
                    *response.status_mut() =
                        hyper::StatusCode::from_u16(status).expect("valid status");
                    Ok::<_, Infallible>(response)
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// A `benchgate` started in the background, read up to its measuring
/// phase.
pub struct Watched {
    pub child: std::process::Child,
    /// The PIDs (= process groups) of the apps it reported ready.
    pub apps: Vec<i32>,
    /// The rest of its stderr.
    pub lines: std::io::Lines<std::io::BufReader<std::process::ChildStderr>>,
}

/// Starts `benchgate args…` in `dir` (stdout discarded) and reads its stderr
/// until it starts measuring, collecting the PIDs of the apps it started
/// from its "… is ready (pid N)" lines.
pub fn spawn_until_measuring(dir: &Path, args: &[&std::ffi::OsStr]) -> Watched {
    use std::io::BufRead as _;
    let mut child = std::process::Command::new(benchgate_path())
        .current_dir(dir)
        .args(args)
        .env("CI", "true")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn benchgate");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = std::io::BufReader::new(stderr).lines();
    let mut apps = Vec::new();
    for line in lines.by_ref() {
        let line = line.expect("stderr line");
        if let Some(pid) = line
            .split("is ready (pid ")
            .nth(1)
            .and_then(|rest| rest.strip_suffix(')'))
            .and_then(|pid| pid.parse::<i32>().ok())
        {
            apps.push(pid);
        }
        if line.starts_with("measuring") {
            break;
        }
    }
    Watched { child, apps, lines }
}

/// PIDs of live (non-zombie) processes in process group `pgid`.
pub fn group_members(pgid: i32) -> Vec<i32> {
    let mut members = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return members;
    };
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // Fields after the command name, which is in parentheses.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let (state, pgrp) = (
            fields.first().copied(),
            fields.get(2).and_then(|p| p.parse::<i32>().ok()),
        );
        if pgrp == Some(pgid) && state != Some("Z") {
            members.push(pid);
        }
    }
    members
}

/// PIDs of live (non-zombie) processes whose command line contains every
/// one of `args`.
pub fn processes_with_args(args: &[&str]) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_string_lossy().parse::<i32>().ok())
        .filter(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let argv: Vec<String> = cmdline
                .split(|&b| b == 0)
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| {
                    stat.rsplit_once(')')
                        .map(|(_, rest)| rest.trim_start().starts_with('Z'))
                })
                .unwrap_or(true);
            !zombie && args.iter().all(|arg| argv.iter().any(|a| a == arg))
        })
        .collect()
}

/// Two endpoints of the demo app with different costs.
pub const DEMO_ENDPOINTS: &str = "  - name: list-users
    path: /users?limit=20
    weight: 2
  - name: create-order
    method: POST
    path: /orders
    json: { item: 42, qty: 1 }
    expect: { status: 201 }";

/// A temp dir holding a demo suite (4 s runs of 500 ms blocks) on a free
/// port, with its baselines in `baselines/`.
pub struct Project {
    pub dir: tempfile::TempDir,
    pub suite: PathBuf,
}

impl Project {
    pub fn new(rate: &str) -> Project {
        let dir = tempfile::tempdir().expect("temp dir");
        let load = format!(
            "  rate: {rate}\n  warmup: 500ms\n  duration: 4s\n  max_duration: 4s\n  block: 500ms"
        );
        let suite = write_suite(dir.path(), &demo_suite(free_port(), &load, DEMO_ENDPOINTS));
        Project { dir, suite }
    }

    /// benchgate with `args`, then `--config` this suite.
    pub fn cmd(&self, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = benchgate();
        cmd.current_dir(self.dir.path())
            .args(args)
            .arg("--config")
            .arg(&self.suite)
            .timeout(Duration::from_secs(120));
        cmd
    }

    pub fn baseline(&self) -> PathBuf {
        self.dir.path().join("baselines/demo.json")
    }

    /// Saves one short real run as the baseline (cheaper than `baseline
    /// update`).
    pub fn quick_baseline(&self) {
        let results = self.dir.path().join("r.json");
        let out = format!("--out={}", results.display());
        self.cmd(&["run", "--duration", "1s", "--warmup", "0s", &out])
            .assert()
            .success();
        self.cmd(&["baseline", "save"])
            .arg(&results)
            .assert()
            .success();
    }
}

/// Writes to `out` a copy of the results file `from` in which every
/// latency of `endpoint` is `factor` times longer: a slowdown of exactly
/// that size with the same noise, which no loaded machine can blur. For
/// tests of what happens after a regression, not of whether one is found.
pub fn slowed_copy(from: &Path, out: &Path, endpoint: &str, factor: f64) {
    use base64::Engine as _;
    use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
    let b64 = base64::engine::general_purpose::STANDARD;
    let text = std::fs::read_to_string(from).expect("read results");
    let mut value: serde_json::Value = serde_json::from_str(&text).expect("results JSON");
    let endpoints = value["endpoints"].as_array_mut().expect("endpoints");
    let slowed = endpoints
        .iter_mut()
        .find(|e| e["name"] == endpoint)
        .expect("the endpoint is in the results");
    for block in slowed["blocks"].as_array_mut().expect("blocks") {
        let encoded = block["latency_us"].as_str().expect("histogram");
        let bytes = b64.decode(encoded).expect("base64");
        let original: hdrhistogram::Histogram<u64> = Deserializer::new()
            .deserialize(&mut bytes.as_slice())
            .expect("V2 histogram");
        let mut scaled = hdrhistogram::Histogram::<u64>::new(3).expect("histogram");
        scaled.auto(true);
        for v in original.iter_recorded() {
            let value = (v.value_iterated_to() as f64 * factor).round() as u64;
            scaled
                .record_n(value.max(1), v.count_at_value())
                .expect("record");
        }
        let mut out = Vec::new();
        V2DeflateSerializer::new()
            .serialize(&scaled, &mut out)
            .expect("encode");
        block["latency_us"] = serde_json::Value::String(b64.encode(out));
    }
    std::fs::write(out, serde_json::to_vec_pretty(&value).expect("JSON")).expect("write results");
}

/// Rewrites the results file at `path` without the machine's load
/// (`others_cores`): a test that compares recorded data to check the
/// reports, not the statistics, must not depend on how busy this machine
/// was while the data were recorded (stored mode decides nothing beside
/// other work).
pub fn forget_machine_load(path: &Path) {
    rewrite_key(path, "others_cores", None);
}

/// Rewrites the JSON file at `path` with every field named `key`, at any
/// depth, set to `value`, or removed when `value` is `None`.
pub fn rewrite_key(path: &Path, key: &str, value: Option<serde_json::Value>) {
    fn walk(v: &mut serde_json::Value, key: &str, value: &Option<serde_json::Value>) {
        match v {
            serde_json::Value::Object(map) => {
                match value {
                    Some(new) if map.contains_key(key) => {
                        map.insert(key.to_string(), new.clone());
                    }
                    _ => {
                        map.remove(key);
                    }
                }
                map.values_mut().for_each(|child| walk(child, key, value));
            }
            serde_json::Value::Array(items) => {
                items.iter_mut().for_each(|child| walk(child, key, value))
            }
            _ => {}
        }
    }
    let text = std::fs::read_to_string(path).expect("read JSON file");
    let mut json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    walk(&mut json, key, &value);
    std::fs::write(path, serde_json::to_vec_pretty(&json).expect("JSON")).expect("write JSON file");
}

/// A temp dir holding `yaml` as its `benchgate.yaml`.
pub fn suite_dir(yaml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("benchgate.yaml"), yaml).expect("write suite");
    dir
}

/// One A/B run at a time in a test binary: two apps and a generator per run
/// already fill the two cores of a CI runner, and tests measuring each
/// other's load would test nothing.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `benchgate ab` of the suite in `head` against the tree `base`, with
/// `extra` arguments and JSON on stdout: exit code, comparison, stderr.
pub fn ab_json(head: &Path, base: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let out = benchgate()
        .current_dir(head)
        .args([
            "ab",
            "--config",
            "benchgate.yaml",
            "--format",
            "json",
            "--base-dir",
        ])
        .arg(base)
        .args(extra)
        .timeout(Duration::from_secs(120))
        .output()
        .expect("run benchgate");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap_or(-1), json, stderr)
}

/// The app row's `metric` (e.g. "cpu/request", "peak_rss") in a
/// comparison's JSON; panics with the comparison when it is missing.
pub fn app_metric(c: &serde_json::Value, metric: &str) -> serde_json::Value {
    c["endpoints"]
        .as_array()
        .expect("endpoints")
        .iter()
        .find(|e| e["name"] == "(app)")
        .and_then(|e| e["metrics"].as_array())
        .and_then(|m| m.iter().find(|m| m["metric"] == metric))
        .unwrap_or_else(|| panic!("no (app) {metric}: {c:#}"))
        .clone()
}

/// What a stored check's report says (its `undecidable`, and the terminal
/// report's note for every metric) when other work shared the machine while
/// the check or its baseline ran: no metric then decides, and the check
/// passes (or fails, with `gate.inconclusive: fail`) saying so. On a
/// machine with other jobs, that is the right answer of any stored check,
/// whatever its code did.
pub const LOAD_CHANGED: &str = "shared with other work";

/// Uid and gid of `nobody`, whom root runs a test's benchgate as.
const NOBODY: &str = "65534";

/// Whether this process may read any process's memory (bit 19 of CapEff,
/// `CAP_SYS_PTRACE`).
fn can_ptrace_anyone() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .is_some_and(|caps| caps & (1 << 19) != 0)
}

/// A copy of the executable `from` in `dir` that `nobody` may run: the
/// build's own directory may sit where `nobody` cannot reach (a checkout
/// under `/root`).
pub fn executable_copy(from: &Path, dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let name = from.file_name().expect("an executable's file name");
    let copy = dir.join(name);
    std::fs::copy(from, &copy).expect("copy the executable");
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755))
        .expect("chmod the copy");
    copy
}

/// Whether this test runs as root, and so runs benchgate as `nobody`.
pub fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata("/proc/self").expect("/proc/self").uid() == 0
}

/// `benchgate`, as `nobody` when this is root (who may read anything), from
/// a copy in `dir`; `None` when this process may read any process's memory
/// without being root, so that no test of `/proc` can be made.
pub fn unprivileged_benchgate(dir: &Path) -> Option<assert_cmd::Command> {
    if !is_root() {
        return (!can_ptrace_anyone()).then(benchgate);
    }
    let copy = executable_copy(&benchgate_path(), dir);
    let mut command = assert_cmd::Command::new("setpriv");
    command
        .args(["--reuid", NOBODY, "--regid", NOBODY, "--clear-groups", "--"])
        .arg(copy)
        .env("CI", "true")
        .env_remove("NO_COLOR");
    Some(command)
}

/// The demo app on a cheap endpoint and one that waits 10 ms on a
/// "database" (a slowdown of the wait shows at its size however loaded the
/// machine is): a fixed 6 s of 500 ms blocks at 60/s per side, no budget
/// beyond it. `app_extra` lines go under `app:`.
pub fn wait_suite(app_extra: &str) -> String {
    DemoSuite {
        app: app_extra,
        load: "  rate: 60/s
  warmup: 1s
  duration: 6s
  max_duration: 6s
  block: 500ms",
        endpoints: WAIT_ENDPOINTS,
        ..DemoSuite::default()
    }
    .yaml()
}

/// The demo app's list of users, and its wait of 10 ms on a "database".
const WAIT_ENDPOINTS: &str = "  - name: list-users
    path: /users?limit=20
    weight: 2
  - name: wait
    path: /sleep?ms=10
    weight: 1";

/// What the JSON schema `schema` (its text) finds wrong in `value`: one
/// line each, with where; empty when it conforms.
pub fn schema_errors(schema: &str, value: &serde_json::Value) -> Vec<String> {
    let schema: serde_json::Value = serde_json::from_str(schema).expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    validator
        .iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// Fails with every violation when `value` does not match the JSON schema
/// `schema` (its text).
pub fn assert_schema(schema: &str, value: &serde_json::Value) {
    let errors = schema_errors(schema, value);
    assert!(errors.is_empty(), "{errors:#?}");
}

/// `git args` in `dir` with a throwaway identity; its stdout, trimmed.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@t.invalid"])
        .args(args)
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}
