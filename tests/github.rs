//! The GitHub layer end to end: the real binary's `compare --github` and
//! `publish DIR` (after a `check` or `compare` that held no token) against a
//! local server that speaks just enough of the GitHub REST API (issue
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
        // A recorded demo run (10 blocks of 1 s), not a fresh one: a
        // 2-s run on a loaded machine once left create-order ×10 at
        // [−68%, ×315], and the GitHub layer's tests need a regression no
        // machine can blur.
        let dir = tempfile::tempdir().expect("temp dir");
        let base = dir.path().join("base.json");
        let slow = dir.path().join("slow.json");
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/compare/demo-base.json"),
            &base,
        )
        .expect("copy the recorded run");
        support::forget_machine_load(&base);
        // create-order ×10, with the base's own noise.
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
    /// Oldest first.
    comments: Vec<Stored>,
    next_id: u64,
    seen: Vec<Seen>,
    /// Answers to give instead of the real one: (method, status).
    failures: VecDeque<(&'static str, u16)>,
    /// Answers to give after doing the real work: (method, status) — a
    /// proxy's 502 after GitHub created the comment.
    after_effects: VecDeque<(&'static str, u16)>,
    /// Unrelated comments listed before the stored ones.
    filler: usize,
    /// What `GET /user` names; `None`: 403, as for the Actions token,
    /// whose comments are by `github-actions[bot]`.
    me: Option<String>,
    /// Each page holds this many fewer comments than asked (GitHub may
    /// return short pages before the last).
    short_by: usize,
}

#[derive(Debug, Clone)]
struct Stored {
    id: u64,
    body: String,
    login: String,
    kind: &'static str,
}

impl State {
    /// The author of the token's comments.
    fn author(&self) -> (String, &'static str) {
        match &self.me {
            Some(login) => (login.clone(), "User"),
            None => ("github-actions[bot]".into(), "Bot"),
        }
    }
}

struct FakeGitHub {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    _thread: support::ServerThread,
}

impl FakeGitHub {
    fn start() -> FakeGitHub {
        let (listener, addr) = support::loopback_listener();
        let state = Arc::new(Mutex::new(State {
            next_id: 1000,
            ..State::default()
        }));
        let shared = Arc::clone(&state);
        let thread = support::ServerThread::spawn(move |stopped| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(serve(listener, shared, stopped));
        });
        FakeGitHub {
            addr,
            state,
            _thread: thread,
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

    /// Requests that listed the pull request's comments.
    fn lists(&self) -> usize {
        self.state()
            .seen
            .iter()
            .filter(|s| s.method == "GET" && s.path.contains("/comments"))
            .count()
    }

    /// The bodies of the stored comments.
    fn bodies(&self) -> Vec<String> {
        self.state()
            .comments
            .iter()
            .map(|c| c.body.clone())
            .collect()
    }

    /// Stores a comment by someone else.
    fn add_foreign(&self, login: &str, kind: &'static str, body: &str) {
        let mut state = self.state();
        state.next_id += 1;
        let id = state.next_id;
        state.comments.push(Stored {
            id,
            body: body.to_string(),
            login: login.to_string(),
            kind,
        });
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
    let host = req
        .headers()
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
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
        return failure(status);
    }
    let response = real_answer(&mut state, &method, &uri, &host, &payload);
    if state
        .after_effects
        .front()
        .is_some_and(|(m, _)| *m == method)
    {
        let (_, status) = state.after_effects.pop_front().expect("front");
        return failure(status);
    }
    response
}

fn failure(status: u16) -> Response<Full<Bytes>> {
    let message = match status {
        403 => "Resource not accessible by integration",
        _ => "Server Error",
    };
    reply(status, json!({ "message": message }))
}

fn real_answer(
    state: &mut State,
    method: &str,
    uri: &hyper::Uri,
    host: &str,
    payload: &Value,
) -> Response<Full<Bytes>> {
    let path = uri.path();
    let list_path = format!("/repos/octo/app/issues/{PR}/comments");
    let query = |name: &str| -> Option<usize> {
        uri.query()?
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))?
            .parse()
            .ok()
    };
    let user = |login: &str, kind: &str| json!({ "login": login, "type": kind });
    match (method, path) {
        ("GET", "/user") => match &state.me {
            Some(login) => reply(200, user(login, "User")),
            None => failure(403),
        },
        ("GET", p) if p == list_path => {
            let per_page = query("per_page").unwrap_or(30);
            let size = per_page.saturating_sub(state.short_by).max(1);
            let page = query("page").unwrap_or(1).max(1);
            let mut all: Vec<Value> = (0..state.filler)
                .map(|i| {
                    json!({ "id": i + 1, "body": format!("unrelated comment {i}"), "user": user("someone", "User") })
                })
                .collect();
            all.extend(
                state
                    .comments
                    .iter()
                    .map(|c| json!({ "id": c.id, "body": c.body, "user": user(&c.login, c.kind) })),
            );
            let total = all.len();
            let items: Vec<Value> = all.into_iter().skip((page - 1) * size).take(size).collect();
            let mut response = reply(200, Value::Array(items));
            if page * size < total {
                let next = format!(
                    "<http://{host}{list_path}?per_page={per_page}&page={}>; rel=\"next\"",
                    page + 1
                );
                response
                    .headers_mut()
                    .insert("link", next.parse().expect("header"));
            }
            response
        }
        ("POST", p) if p == list_path => {
            state.next_id += 1;
            let id = state.next_id;
            let text = payload["body"].as_str().unwrap_or_default().to_string();
            let (login, kind) = state.author();
            state.comments.push(Stored {
                id,
                body: text.clone(),
                login,
                kind,
            });
            reply(201, json!({ "id": id, "body": text }))
        }
        ("PATCH", p) if p.starts_with("/repos/octo/app/issues/comments/") => {
            let id: u64 = p
                .rsplit('/')
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let text = payload["body"].as_str().unwrap_or_default().to_string();
            match state.comments.iter_mut().find(|c| c.id == id) {
                Some(comment) => {
                    comment.body = text.clone();
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
    let first = workflow
        .compare(&github, "aaaaaaa1111", &results().base)
        .code(0);
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
    // One 2 s run against itself: whether a gated metric could see 10%
    // depends on the machine's noise, so the row must say what the report
    // said, and neither may be a failure.
    let (stdout, _) = output(&first);
    let said = if stdout.contains("not judged") {
        "not-judged"
    } else {
        assert!(stdout.contains("gate passed"), "{stdout}");
        "pass"
    };
    assert_eq!(rows[0]["outcome"], said, "{stdout}");
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
    // GET /user (502, then 403: the Actions token), the list, the POST
    // (502), the list again (no comment yet), the POST.
    assert_eq!(github.count("GET"), 4);
    assert_eq!(github.lists(), 2);
    assert_eq!(github.count("POST"), 2);
    assert_eq!(github.bodies().len(), 1);
}

#[test]
fn a_server_that_keeps_failing_gives_up_with_a_warning() {
    let github = FakeGitHub::start();
    let workflow = Workflow::new();
    for _ in 0..10 {
        github.state().failures.push_back(("GET", 503));
    }
    let assert = workflow.compare(&github, "aaaa1", &results().slow).code(1);
    let (_, stderr) = output(&assert);
    assert!(stderr.contains("warning: not commenting"), "{stderr}");
    assert_eq!(github.count("GET"), 6, "3 tries at /user, 3 at the list");
    assert_eq!(github.lists(), 3, "bounded tries");
}

#[test]
fn the_token_appears_nowhere() {
    let github = FakeGitHub::start();
    let workflow = Workflow::new();
    let ok = workflow.compare(&github, "aaaa1", &results().slow);
    let (stdout, stderr) = output(&ok);
    github.state().failures.push_back(("GET", 403));
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

// ------------------------------------------- measure, then publish apart

/// `benchgate publish dir` in a pull-request workflow for head `sha`, run
/// from `cwd` with the token: the step that holds it.
fn publish(github: &FakeGitHub, cwd: &Path, sha: &str, dir: &Path) -> assert_cmd::assert::Assert {
    let event = cwd.join("event.json");
    let payload = json!({ "pull_request": { "number": PR, "head": { "sha": sha } } });
    std::fs::write(&event, payload.to_string()).expect("write event");
    support::benchgate()
        .current_dir(cwd)
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_REPOSITORY", "octo/app")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_API_URL", github.url())
        .env("GITHUB_STEP_SUMMARY", cwd.join("summary.md"))
        .env("BENCHGATE_GITHUB_BACKOFF_MS", "20")
        .arg("publish")
        .arg(dir)
        .timeout(Duration::from_secs(60))
        .assert()
}

/// The GitHub variables a measuring step must not see.
const GITHUB_VARS: [&str; 5] = [
    "GITHUB_TOKEN",
    "GITHUB_REPOSITORY",
    "GITHUB_EVENT_PATH",
    "GITHUB_API_URL",
    "GITHUB_STEP_SUMMARY",
];

#[test]
fn publish_comments_from_the_report_directory_alone() {
    // The measuring step: check, no token, no GitHub environment.
    let github = FakeGitHub::start();
    let project = support::Project::new("50/s");
    project.quick_baseline();
    let mut check = project.cmd(&["check", "--report-dir", "report"]);
    check.args(["--duration", "1s", "--warmup", "0s"]);
    for name in GITHUB_VARS {
        check.env_remove(name);
    }
    let code = check.assert().get_output().status.code();
    assert!(matches!(code, Some(0 | 1)), "the gate decided: {code:?}");
    assert!(github.state().seen.is_empty(), "check talked to GitHub");

    // The publish step: the report directory alone, elsewhere; no suite,
    // no baselines, no results files.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let dir = elsewhere.path().join("benchgate-report");
    std::fs::create_dir(&dir).expect("report dir");
    for entry in std::fs::read_dir(project.dir.path().join("report")).expect("report written") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), dir.join(entry.file_name())).expect("copy");
    }
    drop(project);
    let assert = publish(&github, elsewhere.path(), "cafe0001", &dir).code(0);
    let (stdout, stderr) = output(&assert);
    assert!(!stderr.contains("warning"), "{stderr}");
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
    let bodies = github.bodies();
    assert_eq!(bodies.len(), 1, "{stderr}");
    let body = &bodies[0];
    assert!(body.starts_with(MARKER), "{body}");
    assert!(body.contains("| endpoint | metric |"), "{body}");
    assert!(body.contains("### Main branch baselines"), "{body}");
    assert_eq!(hidden_rows(body)[0]["sha"], "cafe0001");
    assert!(github
        .state()
        .seen
        .iter()
        .all(|s| s.authorization == format!("Bearer {TOKEN}")));
    let summary = std::fs::read_to_string(elsewhere.path().join("summary.md")).expect("summary");
    assert!(summary.contains("### benchgate:"), "{summary}");
}

#[test]
fn publish_annotates_a_regression_and_updates_the_comment_with_exit_0() {
    let github = FakeGitHub::start();
    let workflow = Workflow::new();
    let report = |head: &Path, dir: &str| {
        let mut cmd = support::benchgate();
        cmd.current_dir(workflow.dir.path());
        for name in GITHUB_VARS {
            cmd.env_remove(name);
        }
        cmd.args(["compare", "--report-dir", dir])
            .arg(&results().base)
            .arg(head)
            .timeout(Duration::from_secs(60));
        cmd.assert()
    };
    report(&results().base, "first").code(0);
    report(&results().slow, "second").code(1);
    let cwd = workflow.dir.path();
    publish(&github, cwd, "aaaa1111", &cwd.join("first")).code(0);
    let assert = publish(&github, cwd, "bbbb2222", &cwd.join("second")).code(0);
    let (stdout, _) = output(&assert);
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("::error title=benchgate::create-order ")),
        "{stdout}"
    );
    assert_eq!(github.count("POST"), 1);
    assert_eq!(github.count("PATCH"), 1);
    let rows = hidden_rows(&github.bodies()[0]);
    let shas: Vec<&str> = rows.iter().filter_map(|r| r["sha"].as_str()).collect();
    assert_eq!(shas, ["bbbb2222", "aaaa1111"]);
    assert_eq!(rows[0]["outcome"], "fail");
}

#[test]
fn publish_refuses_a_directory_without_a_comparison() {
    let github = FakeGitHub::start();
    let workflow = Workflow::new();
    let cwd = workflow.dir.path();
    let corrupt = cwd.join("corrupt");
    std::fs::create_dir(&corrupt).expect("dir");
    std::fs::write(corrupt.join("comparison.json"), "{\"outcome\": ").expect("write");
    for dir in [cwd.join("missing"), corrupt] {
        let assert = publish(&github, cwd, "aaaa1", &dir).code(2);
        let (_, stderr) = output(&assert);
        let file = dir.join("comparison.json");
        assert!(stderr.contains(&file.display().to_string()), "{stderr}");
        assert!(
            stderr.contains("pass the directory that `benchgate check --report-dir DIR`"),
            "{stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    }
    assert!(github.state().seen.is_empty());
}

// ------------------------------------------------- hostile GitHub answers

#[test]
fn a_bad_gateway_after_the_comment_was_created_does_not_create_a_second() {
    let github = FakeGitHub::start();
    let workflow = Workflow::new();
    github.state().after_effects.push_back(("POST", 502));
    let assert = workflow.compare(&github, "aaaa1", &results().base).code(0);
    let (_, stderr) = output(&assert);
    assert!(!stderr.contains("warning"), "{stderr}");
    assert_eq!(github.count("POST"), 1, "not posted again");
    assert_eq!(github.count("PATCH"), 1, "the created comment was updated");
    assert_eq!(github.bodies().len(), 1, "one sticky comment");
    assert_eq!(hidden_rows(&github.bodies()[0]).len(), 1);
}

/// A comment by `login` with the marker and a forged history row.
fn forged(login: &str) -> String {
    let row = json!([{ "sha": "f0f0f0f0", "time_utc": "2020-01-01T00:00:00Z", "outcome": "pass",
        "worst_ratio": 0.5, "worst": "forged", "metric": "p95", "figures": [] }]);
    let rows = base64::engine::general_purpose::STANDARD.encode(row.to_string());
    format!("{MARKER}\nlooks like benchgate, by {login}\n<!-- benchgate:history:{rows} -->")
}

#[test]
fn a_marker_in_someone_elses_comment_is_not_benchgates() {
    // The Actions token: `GET /user` is refused, only github-actions[bot]'s
    // comments count — not a user's, even one named like the bot.
    let github = FakeGitHub::start();
    let workflow = Workflow::new();
    github.add_foreign("mallory", "User", &forged("mallory"));
    github.add_foreign("github-actions[bot]", "User", &forged("an impostor"));
    workflow.compare(&github, "aaaa1", &results().base).code(0);
    assert_eq!(github.count("PATCH"), 0, "nobody else's comment is edited");
    assert_eq!(github.count("POST"), 1);
    let bodies = github.bodies();
    assert_eq!(bodies[0], forged("mallory"));
    assert_eq!(bodies[1], forged("an impostor"));
    let rows = hidden_rows(&bodies[2]);
    assert_eq!(rows.len(), 1, "no forged row kept: {rows:?}");
    assert_eq!(rows[0]["sha"], "aaaa1");

    // The next run finds its own (the bot's) comment.
    workflow.compare(&github, "bbbb2", &results().base).code(0);
    assert_eq!(github.count("POST"), 1);
    assert_eq!(github.count("PATCH"), 1);
    assert_eq!(hidden_rows(&github.bodies()[2]).len(), 2);
}

#[test]
fn with_a_personal_token_only_its_accounts_comments_count() {
    let github = FakeGitHub::start();
    let workflow = Workflow::new();
    github.state().me = Some("octocat".into());
    github.add_foreign("github-actions[bot]", "Bot", &forged("the bot"));
    workflow.compare(&github, "aaaa1", &results().base).code(0);
    assert_eq!(github.count("PATCH"), 0);
    workflow.compare(&github, "bbbb2", &results().base).code(0);
    assert_eq!(github.count("POST"), 1);
    assert_eq!(github.count("PATCH"), 1);
    let bodies = github.bodies();
    assert_eq!(bodies[0], forged("the bot"));
    assert_eq!(hidden_rows(&bodies[1]).len(), 2);
}

#[test]
fn short_pages_before_the_last_are_followed_by_their_link() {
    let github = FakeGitHub::start();
    let workflow = Workflow::new();
    github.state().short_by = 40;
    github.state().filler = 130;
    workflow.compare(&github, "aaaa1", &results().base).code(0);
    workflow.compare(&github, "bbbb2", &results().base).code(0);
    assert_eq!(github.count("POST"), 1, "found on the third page of 60");
    assert_eq!(github.count("PATCH"), 1);
    assert_eq!(hidden_rows(&github.bodies()[0]).len(), 2);
    assert!(github
        .state()
        .seen
        .iter()
        .any(|s| s.path.contains("page=3")));
}

/// A server that accepts connections and then, per `drip`, sends a
/// response's head and one byte of its body at a time with `drip` between
/// them — or, with `None`, never answers at all.
fn stalling_server(drip: Option<Duration>) -> SocketAddr {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming().take(20) {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                let Some(drip) = drip else {
                    std::thread::sleep(Duration::from_secs(120));
                    return;
                };
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n[";
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                for _ in 0..1000 {
                    std::thread::sleep(drip);
                    if stream.write_all(b" ").is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

#[test]
fn a_github_that_drips_or_never_answers_is_given_up_on_and_the_verdict_stands() {
    for drip in [Some(Duration::from_millis(300)), None] {
        let addr = stalling_server(drip);
        let workflow = Workflow::new();
        let event = workflow.dir.path().join("event.json");
        std::fs::write(
            &event,
            json!({ "pull_request": { "number": PR, "head": { "sha": "d1d1" } } }).to_string(),
        )
        .expect("event");
        let started = std::time::Instant::now();
        let assert = support::benchgate()
            .current_dir(workflow.dir.path())
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_REPOSITORY", "octo/app")
            .env("GITHUB_EVENT_PATH", &event)
            .env("GITHUB_API_URL", format!("http://{addr}"))
            .env_remove("GITHUB_STEP_SUMMARY")
            .env("BENCHGATE_GITHUB_BACKOFF_MS", "20")
            .env("BENCHGATE_GITHUB_DEADLINE_MS", "2000")
            .args(["compare", "--github"])
            .arg(&results().base)
            .arg(&results().slow)
            .timeout(Duration::from_secs(60))
            .assert()
            .code(1);
        let elapsed = started.elapsed();
        assert!(
            elapsed < Duration::from_secs(15),
            "{drip:?}: took {elapsed:?}"
        );
        let (_, stderr) = output(&assert);
        let warnings: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("benchgate: warning:"))
            .collect();
        assert_eq!(warnings.len(), 1, "{drip:?}: {stderr}");
        assert!(
            warnings[0].contains("GitHub did not finish answering within 2s"),
            "{drip:?}: {stderr}"
        );
        assert!(!stderr.contains(TOKEN));
    }
}

/// Issue 23, item 8: after `check` measured, tokio's signal handler stays
/// installed, and nothing listened while it published: SIGTERM against a
/// GitHub that never answers was ignored until the 60 s deadline, then the
/// run exited 0. Now the signal ends publishing at once with exit 3 (as an
/// interrupted measurement), here with a deadline of two minutes.
#[test]
fn sigterm_while_check_publishes_ends_the_run_at_once() {
    let project = support::Project::new("50/s");
    project.quick_baseline();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (connected, publishing) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().take(20).flatten() {
            let _ = connected.send(());
            held.push(stream);
        }
    });
    let event = project.dir.path().join("event.json");
    std::fs::write(
        &event,
        json!({ "pull_request": { "number": PR, "head": { "sha": "5157" } } }).to_string(),
    )
    .expect("event");
    let stderr_path = project.dir.path().join("stderr.txt");
    let mut child = std::process::Command::new(support::benchgate_path())
        .current_dir(project.dir.path())
        .args(["check", "--github", "--github-token", TOKEN])
        .args(["--duration", "1s", "--warmup", "0s", "--config"])
        .arg(&project.suite)
        .env_remove("GITHUB_TOKEN")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env("GITHUB_REPOSITORY", "octo/app")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_API_URL", format!("http://{addr}"))
        .env("BENCHGATE_GITHUB_DEADLINE_MS", "120000")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&stderr_path).expect("stderr file"))
        .spawn()
        .expect("spawn benchgate");
    let stderr = || std::fs::read_to_string(&stderr_path).unwrap_or_default();
    if publishing.recv_timeout(Duration::from_secs(90)).is_err() {
        let _ = child.kill();
        panic!("never started publishing: {}", stderr());
    }
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).expect("SIGTERM");
    let sent = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if sent.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still publishing 30 s after SIGTERM: {}", stderr());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stderr = stderr();
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("interrupted by SIGTERM while publishing to GitHub"),
        "{stderr}"
    );
    assert!(!stderr.contains(TOKEN));
}
