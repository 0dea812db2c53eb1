//! The GitHub layer: after a comparison, with `--github`, or later from the
//! report directory with `benchgate publish DIR`, benchgate writes
//! workflow annotations, appends its Markdown report to the job summary and
//! creates or updates one sticky comment per suite on the pull request.
//!
//! Everything it needs comes from the standard Actions environment
//! (`GITHUB_TOKEN`, `GITHUB_REPOSITORY`, `GITHUB_EVENT_PATH`, `GITHUB_SHA`,
//! `GITHUB_API_URL`, `GITHUB_STEP_SUMMARY`, `GITHUB_SERVER_URL`,
//! `GITHUB_RUN_ID`). Nothing here changes the gate's verdict: every failure
//! to talk to GitHub becomes one `benchgate: warning:` line on stderr. But
//! SIGINT or SIGTERM while commenting ends the run at once (exit 3), as it
//! does while measuring. The token is never printed: messages pass through
//! [`Context::redact`].

use std::path::{Path, PathBuf};

use crate::report::comment::Page;
use crate::report::Report;

mod api;
mod comment;
mod error;
mod identity;
mod summary;
#[cfg(test)]
mod tests;
mod token;

pub use api::Retry;
pub use error::{CommentError, EventError, Interrupted, SetupError};
pub use token::Token;

/// Where the public GitHub API lives, when `GITHUB_API_URL` is not set.
const DEFAULT_API_URL: &str = "https://api.github.com";

/// The whole comment step's time, all requests and retries included: a
/// server that drips its answer or never finishes cannot hold the job.
const DEADLINE: std::time::Duration = std::time::Duration::from_secs(60);

/// The hidden knob that shortens [`DEADLINE`] in tests, in milliseconds.
const DEADLINE_ENV: &str = "BENCHGATE_GITHUB_DEADLINE_MS";

fn deadline() -> std::time::Duration {
    std::env::var(DEADLINE_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(DEADLINE, std::time::Duration::from_millis)
}

/// What the caller passes: the command line's `--github-token` and where
/// the annotations go.
#[derive(Debug, Default)]
pub struct Options {
    pub token: Option<String>,
    /// Workflow commands go to stderr when stdout carries JSON.
    pub annotations_to_stderr: bool,
    /// The pull request to comment on, when the event is not the pull
    /// request's own (e.g. a `workflow_run` commenting for a fork's PR).
    pub pull_request: Option<PullRequest>,
}

/// The pull request the workflow runs for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    pub number: u64,
    pub head_sha: Option<String>,
}

/// The Actions environment, read once.
#[derive(Debug)]
pub struct Context {
    pub token: Option<Token>,
    pub repository: Option<String>,
    pub api_url: String,
    pub pull_request: Result<PullRequest, EventError>,
    pub sha: Option<String>,
    pub step_summary: Option<PathBuf>,
    pub run_url: Option<String>,
}

impl Context {
    pub fn from_env(token: Option<String>) -> Context {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let token = token
            .filter(|t| !t.trim().is_empty())
            .or_else(|| var("GITHUB_TOKEN"))
            .map(|t| Token::new(&t));
        let repository = var("GITHUB_REPOSITORY");
        let run_url = match (var("GITHUB_SERVER_URL"), &repository, var("GITHUB_RUN_ID")) {
            (Some(server), Some(repo), Some(run)) => Some(format!(
                "{}/{repo}/actions/runs/{run}",
                server.trim_end_matches('/')
            )),
            _ => None,
        };
        Context {
            token,
            api_url: var("GITHUB_API_URL").unwrap_or_else(|| DEFAULT_API_URL.to_string()),
            pull_request: match var("GITHUB_EVENT_PATH") {
                Some(path) => read_event(Path::new(&path)),
                None => Err(EventError::NoPath),
            },
            sha: var("GITHUB_SHA"),
            step_summary: var("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            run_url,
            repository,
        }
    }

    /// `text` with the token, if any, replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        match &self.token {
            Some(token) if !token.expose().is_empty() => text.replace(token.expose(), "***"),
            _ => text.to_string(),
        }
    }

    fn warn(&self, message: &str) {
        let line = crate::escape::inert(&self.redact(message));
        eprintln!("benchgate: warning: {line}");
    }
}

/// Reads the pull request's number and head commit from the event file.
fn read_event(path: &Path) -> Result<PullRequest, EventError> {
    let text = std::fs::read_to_string(path).map_err(|e| EventError::Read {
        path: path.display().to_string(),
        cause: e.to_string(),
    })?;
    let event: serde_json::Value = serde_json::from_str(&text).map_err(|e| EventError::Json {
        path: path.display().to_string(),
        cause: e.to_string(),
    })?;
    let pr = event
        .get("pull_request")
        .ok_or(EventError::NotPullRequest)?;
    let number = pr
        .get("number")
        .and_then(serde_json::Value::as_u64)
        .or_else(|| event.get("number").and_then(serde_json::Value::as_u64))
        .ok_or(EventError::NoNumber)?;
    let head_sha = pr
        .pointer("/head/sha")
        .and_then(serde_json::Value::as_str)
        .map(str::to_string);
    Ok(PullRequest { number, head_sha })
}

/// Annotations, job summary and sticky comment for `report`. GitHub's
/// failures are warnings; only SIGINT or SIGTERM while commenting (or one
/// that came since the run measured) fails, and ends the run.
pub fn publish(report: &Report, options: &Options) -> Result<(), Interrupted> {
    let comparison = &report.comparison;
    let mut context = Context::from_env(options.token.clone());
    if let Some(pr) = &options.pull_request {
        context.pull_request = Ok(pr.clone());
    }
    summary::annotate(comparison, options.annotations_to_stderr);
    if let Some(path) = &context.step_summary {
        if let Err(e) = summary::append_job_summary(report, path) {
            context.warn(&format!("cannot write the job summary: {e}"));
        }
    }
    match comment(report, &context) {
        Ok(()) => Ok(()),
        Err(CommentError::Interrupted(signal)) => Err(Interrupted(signal)),
        Err(why) => {
            context.warn(&format!("not commenting: {why}"));
            Ok(())
        }
    }
}

/// Creates or updates the pull request's comment for this suite.
fn comment(report: &Report, context: &Context) -> Result<(), CommentError> {
    let token = context.token.as_ref().ok_or(CommentError::NoToken)?;
    let repository = context
        .repository
        .as_deref()
        .ok_or(CommentError::NoRepository)?;
    let pr = context.pull_request.as_ref().map_err(Clone::clone)?;
    let sha = pr
        .head_sha
        .clone()
        .or_else(|| context.sha.clone())
        .unwrap_or_else(|| "unknown".into());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CommentError::Runtime)?;
    let marker = comment::marker(&report.comparison.suite);
    let page = Page {
        report,
        marker: &marker,
        sha: &sha,
        run_url: context.run_url.as_deref(),
    };
    // octocrab's client spawns its worker, so it is built on the runtime.
    let deadline = deadline();
    let outcome = runtime.block_on(async {
        // Made before the runtime first waits, so that a signal since the
        // run measured (tokio's handler stays installed) ends this too.
        let mut interrupts = crate::runner::Interrupts::new().ok();
        let upsert = async {
            let api = api::Api::new(&context.api_url, repository, token, Retry::from_env())?;
            match tokio::time::timeout(deadline, comment::upsert(&api, pr.number, &page)).await {
                Ok(done) => done.map_err(CommentError::from),
                Err(_) => Err(CommentError::Deadline(deadline)),
            }
        };
        tokio::select! {
            done = upsert => done,
            signal = next_signal(&mut interrupts) => Err(CommentError::Interrupted(signal)),
        }
    });
    // A request still in flight (a resolver stuck in its thread) must not
    // hold the exit.
    runtime.shutdown_background();
    outcome
}

/// The next SIGINT or SIGTERM; never, when they cannot be listened for.
async fn next_signal(interrupts: &mut Option<crate::runner::Interrupts>) -> &'static str {
    match interrupts {
        Some(interrupts) => interrupts.next().await,
        None => std::future::pending().await,
    }
}
