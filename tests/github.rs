//! The GitHub layer end to end: the real binary's `compare --github` against
//! a local server that speaks just enough of the GitHub REST API (issue
//! comments, kept in memory), with failures injected on demand.
//!
//! The results files are made once, by two short `benchgate run`s of the
//! demo app: one as it is, one with `POST /orders` three times slower.

mod support;

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};

const TOKEN: &str = "ghs_SECRET123";
const PR: u64 = 7;

// ---------------------------------------------------------------- fixtures

/// `base.json` and `slow.json`, made once for the whole file.
struct Results {
    _dir: tempfile::TempDir,
    base: PathBuf,
    slow: PathBuf,
}

fn results() -> &'static Results {
    static RESULTS: OnceLock<Results> = OnceLock::new();
    RESULTS.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let load = "  rate: 100/s\n  warmup: 0s\n  duration: 2s\n  block: 500ms";
        let suite = support::write_suite(
            dir.path(),
            &support::demo_suite(support::free_port(), load, support::DEMO_ENDPOINTS),
        );
        let run = |out: &Path| {
            let mut cmd = support::benchgate();
            cmd.current_dir(dir.path())
                .arg("run")
                .arg("--config")
                .arg(&suite)
                .arg("--out")
                .arg(out)
                .timeout(Duration::from_secs(120));
            cmd.assert().success();
        };
        let base = dir.path().join("base.json");
        let slow = dir.path().join("slow.json");
        run(&base);
        // create-order ×10, with the base's own noise: the GitHub layer's
        // tests need a regression that a loaded machine cannot blur.
        support::slowed_copy(&base, &slow, "create-order", 10.0);
        Results {
            _dir: dir,
            base,
            slow,
        }
    })
}

// ------------------------------------------------------- fake GitHub API

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    authorization: String,
}

#[derive(Debug, Default)]
struct State {
    /// (id, body), oldest first.
    comments: Vec<(u64, String)>,
    next_id: u64,
    seen: Vec<Seen>,
    /// Answers to give instead of the real one: (method, status).
    failures: VecDeque<(&'static str, u16)>,
    /// Unrelated comments listed before the stored ones.
    filler: usize,
}

struct FakeGitHub {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeGitHub {
    fn start() -> FakeGitHub {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(Mutex::new(State {
            next_id: 1000,
            ..State::default()
        }));
        let shared = Arc::clone(&state);
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(serve(listener, shared, stopped));
        });
        FakeGitHub {
            addr,
            state,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("state lock")
    }

    fn count(&self, method: &str) -> usize {
        self.state()
            .seen
            .iter()
            .filter(|s| s.method == method)
            .count()
    }

    /// The bodies of the stored comments.
    fn bodies(&self) -> Vec<String> {
        self.state()
            .comments
            .iter()
            .map(|(_, b)| b.clone())
            .collect()
    }
}

impl Drop for FakeGitHub {
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
    state: Arc<Mutex<State>>,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted { Ok(a) => a, Err(_) => continue },
            _ = &mut stopped => return,
        };
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                let state = Arc::clone(&state);
                async move { Ok::<_, Infallible>(answer(req, &state).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn reply(status: u16, body: Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = hyper::StatusCode::from_u16(status).expect("status");
    response
}

async fn answer(
    req: Request<hyper::body::Incoming>,
    state: &Mutex<State>,
) -> Response<Full<Bytes>> {
    let method = req.method().to_string();
    let uri = req.uri().clone();
    let authorization = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let payload: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut state = state.lock().expect("state lock");
    state.seen.push(Seen {
        method: method.clone(),
        path: uri.to_string(),
        authorization,
    });
    if state.failures.front().is_some_and(|(m, _)| *m == method) {
        let (_, status) = state.failures.pop_front().expect("front");
        let message = match status {
            403 => "Resource not accessible by integration",
            _ => "Server Error",
        };
        return reply(status, json!({ "message": message }));
    }
    let path = uri.path();
    let list_path = format!("/repos/octo/app/issues/{PR}/comments");
    let query = |name: &str| -> Option<usize> {
        uri.query()?
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))?
            .parse()
            .ok()
    };
    match (method.as_str(), path) {
        ("GET", p) if p == list_path => {
            let per_page = query("per_page").unwrap_or(30);
            let page = query("page").unwrap_or(1).max(1);
            let mut all: Vec<Value> = (0..state.filler)
                .map(|i| json!({ "id": i + 1, "body": format!("unrelated comment {i}") }))
                .collect();
            all.extend(
                state
                    .comments
                    .iter()
                    .map(|(id, body)| json!({ "id": id, "body": body })),
            );
            let items: Vec<Value> = all
                .into_iter()
                .skip((page - 1) * per_page)
                .take(per_page)
                .collect();
            reply(200, Value::Array(items))
        }
        ("POST", p) if p == list_path => {
            state.next_id += 1;
            let id = state.next_id;
            let text = payload["body"].as_str().unwrap_or_default().to_string();
            state.comments.push((id, text.clone()));
            reply(201, json!({ "id": id, "body": text }))
        }
        ("PATCH", p) if p.starts_with("/repos/octo/app/issues/comments/") => {
            let id: u64 = p
                .rsplit('/')
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let text = payload["body"].as_str().unwrap_or_default().to_string();
            match state.comments.iter_mut().find(|(i, _)| *i == id) {
                Some(comment) => {
                    comment.1 = text.clone();
                    reply(200, json!({ "id": id, "body": text }))
                }
                None => reply(404, json!({ "message": "Not Found" })),
            }
        }
        _ => reply(404, json!({ "message": "Not Found" })),
    }
}

// ------------------------------------------------------------- helpers

/// A pull-request workflow's environment, in its own temp dir.
struct Workflow {
    dir: tempfile::TempDir,
}

impl Workflow {
    fn new() -> Workflow {
        Workflow {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn summary(&self) -> PathBuf {
        self.dir.path().join("summary.md")
    }

    /// `benchgate compare --github base head` for head commit `sha`.
    fn compare(&self, github: &FakeGitHub, sha: &str, head: &Path) -> assert_cmd::assert::Assert {
        let event = self.dir.path().join(format!("event-{sha}.json"));
        let payload = json!({
            "number": PR,
            "pull_request": { "number": PR, "head": { "sha": sha }, "base": { "sha": "b0b0b0b0" } }
        });
        std::fs::write(&event, payload.to_string()).expect("write event");
        let mut cmd = support::benchgate();
        cmd.current_dir(self.dir.path())
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_REPOSITORY", "octo/app")
            .env("GITHUB_EVENT_PATH", &event)
            .env("GITHUB_SHA", format!("merge{sha}"))
            .env("GITHUB_API_URL", github.url())
            .env("GITHUB_STEP_SUMMARY", self.summary())
            .env("BENCHGATE_GITHUB_BACKOFF_MS", "20")
            .args(["compare", "--github"])
            .arg(&results().base)
            .arg(head)
            .timeout(Duration::from_secs(60));
        cmd.assert()
    }
}

fn output(assert: &assert_cmd::assert::Assert) -> (String, String) {
    let out = assert.get_output();
    (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// The history rows hidden in a comment body.
fn hidden_rows(body: &str) -> Vec<Value> {
    let start = body
        .find("<!-- benchgate:history:")
        .expect("hidden history")
        + "<!-- benchgate:history:".len();
    let end = start + body[start..].find(" -->").expect("end of hidden history");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&body[start..end])
        .expect("base64");
    serde_json::from_slice(&bytes).expect("history JSON")
}

const MARKER: &str = "<!-- benchgate:suite=demo -->";

// --------------------------------------------------------------- tests

#[test]
fn the_first_run_creates_the_comment_and_the_next_updates_it() {
    let github = FakeGitHub::start();
    let workflow = Workflow::new();
    let first = workflow.compare(&github, "aaaaaaa1111", &results().base);
    first.code(0);
    assert_eq!(github.count("POST"), 1);
    let bodies = github.bodies();
    assert_eq!(bodies.len(), 1);
    let body = &bodies[0];
    assert!(body.starts_with(MARKER), "{body}");
    assert!(body.contains("| endpoint | metric |"), "{body}");
    assert!(body.contains("### History of this pull request"), "{body}");
    let rows = hidden_rows(body);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["sha"], "aaaaaaa1111");
    assert_eq!(rows[0]["outcome"], "pass");
    assert!(github
        .state()
        .seen
        .iter()
        .all(|s| s.authorization == format!("Bearer {TOKEN}")));

    let second = workflow.compare(&github, "bbbbbbb2222", &results().slow);
    second.code(1);
    assert_eq!(github.count("POST"), 1, "no second comment");
    assert_eq!(github.count("PATCH"), 1);
    let bodies = github.bodies();
    assert_eq!(bodies.len(), 1);
    let body = &bodies[0];
    let rows = hidden_rows(body);
    let shas: Vec<&str> = rows.iter().filter_map(|r| r["sha"].as_str()).collect();
    assert_eq!(shas, ["bbbbbbb2222", "aaaaaaa1111"], "newest first");
    assert_eq!(rows[0]["outcome"], "fail");
    let newer = body.find("`bbbbbbb2`").expect("newer row shown");
    let older = body.find("`aaaaaaa1`").expect("older row shown");
    assert!(newer < older, "{body}");
    assert!(body.contains("xychart-beta") && body.contains("plotColorPalette"));
    assert!(body.contains("y-axis \"head / base\" 0 -->"), "{body}");

    // A re-run of the same commit replaces its row.
    workflow
        .compare(&github, "bbbbbbb2222", &results().slow)
        .code(1);
    assert_eq!(hidden_rows(&github.bodies()[0]).len(), 2);
    assert_eq!(github.count("POST"), 1);
}

#[test]
fn the_marker_is_found_on_the_second_page() {
    let github = FakeGitHub::start();
    let workflow = Workflow::new();
    workflow.compare(&github, "aaaa1", &results().base).code(0);
    github.state().filler = 100;
    workflow.compare(&github, "bbbb2", &results().base).code(0);
    assert_eq!(github.count("POST"), 1);
    assert_eq!(github.count("PATCH"), 1);
    let pages: Vec<String> = github
        .state()
        .seen
        .iter()
        .filter(|s| s.method == "GET")
        .map(|s| s.path.clone())
        .collect();
    assert!(
        pages.iter().any(|p| p.contains("page=2")),
        "both pages read: {pages:?}"
    );
    assert_eq!(hidden_rows(&github.bodies()[0]).len(), 2);
}

#[test]
fn a_read_only_token_warns_with_the_permissions_block_and_keeps_the_exit_code() {
    let github = FakeGitHub::start();
    let workflow = Workflow::new();
    github.state().failures.push_back(("POST", 403));
    let pass = workflow.compare(&github, "aaaa1", &results().base).code(0);
    let (_, stderr) = output(&pass);
    assert!(
        stderr.contains("benchgate: warning: not commenting:")
            && stderr.contains("permissions:\n  pull-requests: write"),
        "{stderr}"
    );
    assert_eq!(github.count("POST"), 1, "a refusal is not retried");

    github.state().failures.push_back(("POST", 403));
    let fail = workflow.compare(&github, "bbbb2", &results().slow).code(1);
    let (_, stderr) = output(&fail);
    assert!(stderr.contains("pull-requests: write"), "{stderr}");
}

#[test]
fn a_bad_gateway_is_retried() {
    let github = FakeGitHub::start();
    let workflow = Workflow::new();
    github.state().failures.push_back(("GET", 502));
    github.state().failures.push_back(("POST", 502));
    let assert = workflow.compare(&github, "aaaa1", &results().base).code(0);
    let (_, stderr) = output(&assert);
    assert!(!stderr.contains("warning: not commenting"), "{stderr}");
    assert_eq!(github.count("GET"), 2);
    assert_eq!(github.count("POST"), 2);
    assert_eq!(github.bodies().len(), 1);
}

#[test]
fn a_server_that_keeps_failing_gives_up_with_a_warning() {
    let github = FakeGitHub::start();
    let workflow = Workflow::new();
    for _ in 0..5 {
        github.state().failures.push_back(("GET", 503));
    }
    let assert = workflow.compare(&github, "aaaa1", &results().slow).code(1);
    let (_, stderr) = output(&assert);
    assert!(stderr.contains("warning: not commenting"), "{stderr}");
    assert_eq!(github.count("GET"), 3, "bounded tries");
}

#[test]
fn the_token_appears_nowhere() {
    let github = FakeGitHub::start();
    let workflow = Workflow::new();
    let ok = workflow.compare(&github, "aaaa1", &results().slow);
    let (stdout, stderr) = output(&ok);
    github.state().failures.push_back(("GET", 403));
    let refused = workflow.compare(&github, "aaaa1", &results().slow);
    let (stdout2, stderr2) = output(&refused);
    let summary = std::fs::read_to_string(workflow.summary()).expect("summary");
    for text in [stdout, stderr, stdout2, stderr2, summary]
        .into_iter()
        .chain(github.bodies())
    {
        assert!(!text.contains(TOKEN), "token leaked: {text}");
        assert!(!text.contains("SECRET123"), "token leaked: {text}");
    }
}

#[test]
fn the_job_summary_gets_the_report_and_regressions_are_annotated() {
    let github = FakeGitHub::start();
    let workflow = Workflow::new();
    std::fs::write(workflow.summary(), "earlier step\n").expect("summary");
    let assert = workflow.compare(&github, "aaaa1", &results().slow).code(1);
    let (stdout, _) = output(&assert);
    let summary = std::fs::read_to_string(workflow.summary()).expect("summary");
    assert!(summary.starts_with("earlier step\n"), "appended: {summary}");
    assert!(summary.contains("### benchgate: ❌"), "{summary}");
    let error = stdout
        .lines()
        .find(|l| l.starts_with("::error title=benchgate::create-order "))
        .unwrap_or_else(|| panic!("an error annotation: {stdout}"));
    assert!(error.contains("%25"), "escaped percent: {error}");
    assert!(!error.contains("+%"), "{error}");
}

#[test]
fn without_a_pull_request_it_only_warns() {
    let github = FakeGitHub::start();
    let workflow = Workflow::new();
    let push_event = workflow.dir.path().join("push.json");
    std::fs::write(&push_event, r#"{"ref": "refs/heads/main"}"#).expect("event");
    let mut cmd = support::benchgate();
    let assert = cmd
        .current_dir(workflow.dir.path())
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_REPOSITORY", "octo/app")
        .env("GITHUB_EVENT_PATH", &push_event)
        .env("GITHUB_API_URL", github.url())
        .env_remove("GITHUB_STEP_SUMMARY")
        .args(["compare", "--github"])
        .arg(&results().base)
        .arg(&results().slow)
        .assert()
        .code(1);
    let (_, stderr) = output(&assert);
    assert!(
        stderr.contains("benchgate: warning: not commenting: this is not a pull_request event"),
        "{stderr}"
    );
    assert!(github.state().seen.is_empty());
}

#[test]
fn a_workflow_run_comments_on_the_pull_request_given_by_pr() {
    // The fork-safe comment workflow runs on `workflow_run`: its event names
    // no pull request, so the number and head commit come from the flags.
    let github = FakeGitHub::start();
    let workflow = Workflow::new();
    let event = workflow.dir.path().join("workflow_run.json");
    std::fs::write(&event, r#"{"workflow_run": {"id": 1}}"#).expect("event");
    let mut cmd = support::benchgate();
    let assert = cmd
        .current_dir(workflow.dir.path())
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_REPOSITORY", "octo/app")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_API_URL", github.url())
        .env_remove("GITHUB_STEP_SUMMARY")
        .args([
            "compare",
            "--github",
            "--pr",
            &PR.to_string(),
            "--head-sha",
            "feedface1234",
        ])
        .arg(&results().base)
        .arg(&results().slow)
        .assert()
        .code(1);
    let (_, stderr) = output(&assert);
    assert!(!stderr.contains("not commenting"), "{stderr}");
    assert_eq!(github.count("POST"), 1);
    let body = github.bodies().pop().unwrap_or_default();
    assert!(
        body.contains("feedface"),
        "the history row names the head commit: {body}"
    );
}

#[test]
fn without_the_flag_github_is_never_called() {
    let github = FakeGitHub::start();
    let workflow = Workflow::new();
    support::benchgate()
        .current_dir(workflow.dir.path())
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", github.url())
        .arg("compare")
        .arg(&results().base)
        .arg(&results().base)
        .assert()
        .code(0);
    assert!(github.state().seen.is_empty());
}

#[test]
fn check_comments_with_the_main_branch_history() {
    let github = FakeGitHub::start();
    let project = support::Project::new("50/s");
    project.quick_baseline();
    let event = project.dir.path().join("event.json");
    std::fs::write(
        &event,
        json!({ "pull_request": { "number": PR, "head": { "sha": "cafe0001" } } }).to_string(),
    )
    .expect("event");
    let assert = project
        .cmd(&["check", "--github", "--github-token", TOKEN])
        .args(["--duration", "1s", "--warmup", "0s"])
        .env_remove("GITHUB_TOKEN")
        .env("GITHUB_REPOSITORY", "octo/app")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_API_URL", github.url())
        .env_remove("GITHUB_STEP_SUMMARY")
        .assert();
    let code = assert.get_output().status.code();
    assert!(matches!(code, Some(0 | 1)), "the gate decided: {code:?}");
    let (stdout, stderr) = output(&assert);
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
    let bodies = github.bodies();
    assert_eq!(bodies.len(), 1, "{stderr}");
    assert!(bodies[0].starts_with(MARKER));
    assert!(
        bodies[0].contains("### Main branch baselines"),
        "{}",
        bodies[0]
    );
    assert!(github
        .state()
        .seen
        .iter()
        .all(|s| s.authorization == format!("Bearer {TOKEN}")));
}
