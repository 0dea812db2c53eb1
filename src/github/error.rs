//! Why a GitHub call failed, and which failures are worth another try:
//! the classification of an answer's status and message.

use std::fmt;

use http::StatusCode;

/// Why a call failed, for a warning.
#[derive(Debug)]
pub enum ApiError {
    /// 401, 403 or 404: the token may not do this.
    Refused {
        action: &'static str,
        status: StatusCode,
        message: String,
    },
    /// Another error status, after any retries.
    Status {
        action: &'static str,
        status: StatusCode,
        message: String,
    },
    /// No answer, or one that could not be read.
    Transport {
        action: &'static str,
        message: String,
    },
}

impl std::error::Error for ApiError {}

/// What a workflow needs so that its token may comment.
pub const PERMISSIONS_BLOCK: &str = "permissions:\n  pull-requests: write";

impl ApiError {
    /// Whether another try may succeed: no answer, a server error or a
    /// rate limit.
    pub fn retryable(&self) -> bool {
        match self {
            ApiError::Refused { .. } => false,
            ApiError::Status {
                status, message, ..
            } => retryable(*status, message),
            ApiError::Transport { .. } => true,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Refused {
                action,
                status,
                message,
            } => write!(
                f,
                "GitHub refused to {action} ({status}: {message}); the token cannot write to this pull request — on a pull request from a fork the token is read-only, otherwise give the workflow's job:\n{PERMISSIONS_BLOCK}"
            ),
            ApiError::Status {
                action,
                status,
                message,
            } => write!(f, "cannot {action}: GitHub answered {status}: {message}"),
            ApiError::Transport { action, message } => {
                write!(f, "cannot {action}: {message}")
            }
        }
    }
}

/// An error with its causes: octocrab's own message alone ("Service
/// Error") does not say what went wrong.
pub(super) fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Server errors, 429 and rate limits are worth another try.
pub(super) fn retryable(status: StatusCode, message: &str) -> bool {
    status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || (status == StatusCode::FORBIDDEN && message.to_lowercase().contains("rate limit"))
}

pub(super) fn classify(action: &'static str, status: StatusCode, message: String) -> ApiError {
    match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND => {
            ApiError::Refused {
                action,
                status,
                message,
            }
        }
        _ => ApiError::Status {
            action,
            status,
            message,
        },
    }
}

/// GitHub's `message` from an error body, or the start of the body.
pub(super) fn github_message(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("message")?.as_str().map(str::to_string))
        .unwrap_or_else(|| body.chars().take(200).collect())
}

/// Why no client for the repository's API could be set up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("GITHUB_REPOSITORY is {0:?}, not owner/name")]
    Repository(String),
    #[error("GITHUB_API_URL {url:?} is not a URL: {cause}")]
    Url { url: String, cause: String },
    #[error("cannot set up the GitHub client: {0}")]
    Client(String),
}

/// Why the workflow's event names no pull request to comment on. Kept as
/// text (and so `Clone`) because the context holds it until the comment
/// step reports it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("GITHUB_EVENT_PATH is not set")]
    NoPath,
    #[error("cannot read the event file {path}: {cause}")]
    Read { path: String, cause: String },
    #[error("the event file {path} is not JSON: {cause}")]
    Json { path: String, cause: String },
    #[error("this is not a pull_request event")]
    NotPullRequest,
    #[error("the event's pull_request has no number")]
    NoNumber,
}

/// Why the pull request's comment was not written: a warning, never a
/// different exit code.
#[derive(Debug, thiserror::Error)]
pub enum CommentError {
    #[error("no token: set GITHUB_TOKEN or pass --github-token")]
    NoToken,
    #[error("GITHUB_REPOSITORY is not set")]
    NoRepository,
    #[error(transparent)]
    Event(#[from] EventError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error(transparent)]
    Setup(#[from] SetupError),
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("GitHub did not finish answering within {0:?} (all requests and retries); the comment was not written")]
    Deadline(std::time::Duration),
    /// A signal came while publishing: not a warning, it ends the run.
    #[error("interrupted by {0}")]
    Interrupted(&'static str),
}

/// A signal ended publishing. Unlike GitHub's failures, which are
/// warnings, it ends the run at once with exit 3, as an interrupted
/// measurement does.
#[derive(Debug, thiserror::Error)]
#[error("interrupted by {0} while publishing to GitHub; the comment may be missing or stale, and nothing more was written")]
pub struct Interrupted(pub &'static str);

impl crate::exit::Coded for Interrupted {
    fn exit_code(&self) -> crate::exit::Code {
        crate::exit::Code::RunFailed
    }
}
