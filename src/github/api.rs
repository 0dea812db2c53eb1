//! The few GitHub REST calls benchgate makes — list, create and update a
//! pull request's issue comments — through octocrab's raw request methods,
//! so that the status, headers and body of every answer are ours to judge.
//!
//! Server errors (5xx), 429 and secondary rate limits are retried a bounded
//! number of times with exponential backoff ([`Retry`]); 401, 403 and 404
//! are not: they mean the token may not do this, and [`ApiError`] says what
//! the workflow needs. Creating a comment is never retried here: an error
//! may come after GitHub created it, so the caller looks again first.
//!
//! Lists follow the `Link` header's `rel="next"` (GitHub may return a
//! short page before the last), on the API's own host only.

use std::time::Duration;

use http::StatusCode;
use octocrab::Octocrab;
use serde::Deserialize;

use super::error::{chain, classify, github_message, retryable};
pub use super::error::{ApiError, SetupError};
use super::Token;

/// The hidden knob that shortens the backoff in tests, in milliseconds.
const BACKOFF_ENV: &str = "BENCHGATE_GITHUB_BACKOFF_MS";

/// How many issue comments one page asks for (GitHub's maximum).
pub const PER_PAGE: usize = 100;

/// Pages of comments read at most: 10,000 comments.
const MAX_PAGES: usize = 100;

/// The longest wait between two tries, whatever `Retry-After` says.
const MAX_WAIT: Duration = Duration::from_secs(10);

/// Bounded retries with exponential backoff: `base`, `2 × base`, …
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    pub tries: u32,
    pub base: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            tries: 3,
            base: Duration::from_secs(1),
        }
    }
}

impl Retry {
    /// The default, with the base taken from `BENCHGATE_GITHUB_BACKOFF_MS`
    /// when it is set (tests use a few milliseconds).
    pub fn from_env() -> Retry {
        let mut retry = Retry::default();
        if let Some(ms) = std::env::var(BACKOFF_ENV)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            retry.base = Duration::from_millis(ms);
        }
        retry
    }

    /// The wait before try `attempt + 1` (attempt counts from 1).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32 << attempt.saturating_sub(1).min(10);
        self.base.saturating_mul(factor).min(MAX_WAIT)
    }
}

/// An issue comment, as much as benchgate reads of it.
#[derive(Debug, Clone, Deserialize)]
pub struct Comment {
    pub id: u64,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub user: Option<Account>,
}

/// A comment's author, or the token's own account.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Account {
    pub login: String,
    /// `User`, `Bot` or `Organization`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// One answer, as much as benchgate reads of it.
struct Answer {
    status: StatusCode,
    body: String,
    retry_after: Option<Duration>,
    /// The `Link` header's `rel="next"` URL.
    next: Option<String>,
}

/// One repository's API, with a token.
#[derive(Debug)]
pub struct Api {
    client: Octocrab,
    /// The API's root, whose host alone gets the token.
    base: http::Uri,
    repo: String,
    retry: Retry,
}

impl Api {
    /// A client for `repository` (`owner/name`) at `api_url`, which may be
    /// plain `http://` (tests) or `https://` (rustls, webpki roots).
    pub fn new(
        api_url: &str,
        repository: &str,
        token: &Token,
        retry: Retry,
    ) -> Result<Api, SetupError> {
        if repository.split('/').filter(|p| !p.is_empty()).count() != 2 {
            return Err(SetupError::Repository(repository.to_string()));
        }
        let not_a_url = |e: &dyn std::fmt::Display| SetupError::Url {
            url: api_url.to_string(),
            cause: e.to_string(),
        };
        let base: http::Uri = api_url
            .trim_end_matches('/')
            .parse()
            .map_err(|e| not_a_url(&e))?;
        let client = Octocrab::builder()
            .base_uri(base.clone())
            .map_err(|e| not_a_url(&e))?
            .personal_token(token.expose().to_string())
            .set_connect_timeout(Some(Duration::from_secs(10)))
            .set_read_timeout(Some(Duration::from_secs(30)))
            .build()
            .map_err(|e| SetupError::Client(e.to_string()))?;
        Ok(Api {
            client,
            base,
            repo: repository.to_string(),
            retry,
        })
    }

    pub fn retry(&self) -> Retry {
        self.retry
    }

    /// Every issue comment of pull request `number`, following the `Link`
    /// header's next page, at most [`MAX_PAGES`] pages.
    pub async fn comments(&self, number: u64) -> Result<Vec<Comment>, ApiError> {
        let action = "list the pull request's comments";
        let mut all = Vec::new();
        let mut next = Some(format!(
            "/repos/{}/issues/{number}/comments?per_page={PER_PAGE}",
            self.repo
        ));
        let mut pages = 0;
        while let Some(uri) = next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                break;
            }
            let answer = self.send(Method::Get, &uri, None, action).await?;
            let comments: Vec<Comment> =
                serde_json::from_str(&answer.body).map_err(|e| ApiError::Transport {
                    action,
                    message: format!("unexpected answer: {e}"),
                })?;
            all.extend(comments);
            next = match answer.next {
                Some(url) => Some(self.same_host(&url, action)?),
                None => None,
            };
        }
        Ok(all)
    }

    /// `url` when it is on the API's host (a `Link` header pointing
    /// elsewhere is not followed: the token must not go there).
    fn same_host(&self, url: &str, action: &'static str) -> Result<String, ApiError> {
        let uri: http::Uri = url.parse().map_err(|_| ApiError::Transport {
            action,
            message: format!("the Link header's next page {url:?} is not a URL"),
        })?;
        match uri.authority() {
            None => Ok(url.to_string()),
            Some(a) if Some(a) == self.base.authority() => Ok(url.to_string()),
            Some(a) => Err(ApiError::Transport {
                action,
                message: format!(
                    "the Link header's next page is on {a}, not on the API's host; not following it"
                ),
            }),
        }
    }

    /// The token's own account; `None` when GitHub does not say (the
    /// Actions `GITHUB_TOKEN` may not read `/user`).
    pub async fn me(&self) -> Option<Account> {
        let answer = self
            .send(Method::Get, "/user", None, "read the token's account")
            .await
            .ok()?;
        serde_json::from_str(&answer.body).ok()
    }

    /// One try at creating a comment (see the module's doc).
    pub async fn create_comment_once(&self, number: u64, body: &str) -> Result<(), ApiError> {
        let path = format!("/repos/{}/issues/{number}/comments", self.repo);
        let payload = serde_json::json!({ "body": body });
        let action = "post the comment";
        match self.once(Method::Post, &path, Some(&payload)).await {
            Ok(answer) if answer.status.is_success() => Ok(()),
            Ok(answer) => Err(classify(
                action,
                answer.status,
                github_message(&answer.body),
            )),
            Err(message) => Err(ApiError::Transport { action, message }),
        }
    }

    pub async fn update_comment(&self, id: u64, body: &str) -> Result<(), ApiError> {
        let path = format!("/repos/{}/issues/comments/{id}", self.repo);
        let payload = serde_json::json!({ "body": body });
        self.send(Method::Patch, &path, Some(&payload), "update the comment")
            .await
            .map(drop)
    }

    /// One call, retried while the answer is worth retrying; the body of a
    /// success.
    async fn send(
        &self,
        method: Method,
        path: &str,
        payload: Option<&serde_json::Value>,
        action: &'static str,
    ) -> Result<Answer, ApiError> {
        let mut attempt = 1;
        loop {
            let (error, retry_after) = match self.once(method, path, payload).await {
                Ok(answer) if answer.status.is_success() => return Ok(answer),
                Ok(Answer {
                    status,
                    body,
                    retry_after,
                    ..
                }) => {
                    let message = github_message(&body);
                    if !retryable(status, &message) {
                        return Err(classify(action, status, message));
                    }
                    (
                        ApiError::Status {
                            action,
                            status,
                            message,
                        },
                        retry_after,
                    )
                }
                Err(message) => (ApiError::Transport { action, message }, None),
            };
            if attempt >= self.retry.tries {
                return Err(error);
            }
            let wait = self
                .retry
                .backoff(attempt)
                .max(retry_after.unwrap_or_default().min(MAX_WAIT));
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// One request: the status, the body, any `Retry-After` and next page.
    async fn once(
        &self,
        method: Method,
        path: &str,
        payload: Option<&serde_json::Value>,
    ) -> Result<Answer, String> {
        let response = match method {
            Method::Get => self.client._get(path).await,
            Method::Post => self.client._post(path, payload).await,
            Method::Patch => self.client._patch(path, payload).await,
        }
        .map_err(|e| chain(&e))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let next = response
            .headers()
            .get(http::header::LINK)
            .and_then(|v| v.to_str().ok())
            .and_then(next_link);
        let body = self
            .client
            .body_to_string(response)
            .await
            .map_err(|e| chain(&e))?;
        Ok(Answer {
            status,
            body,
            retry_after,
            next,
        })
    }
}

#[derive(Debug, Clone, Copy)]
enum Method {
    Get,
    Post,
    Patch,
}

/// The `rel="next"` URL of a `Link` header:
/// `<https://…?page=2>; rel="next", <https://…?page=5>; rel="last"`.
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|link| {
        let (url, params) = link.split_once(';')?;
        let is_next = params.split(';').any(|p| {
            let p = p.trim();
            p == "rel=\"next\"" || p == "rel=next"
        });
        let url = url.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| url.to_string())
    })
}

#[cfg(test)]
mod tests;
