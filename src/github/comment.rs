//! The sticky pull-request comment: one per suite, found again by a hidden
//! marker (`<!-- benchgate:suite=<name> -->`) and updated in place, with
//! the pull request's history rows carried over from the old body. The body
//! itself is rendered by [`crate::report::comment`].

use base64::Engine as _;

use super::api::{Api, ApiError, Comment};
use super::identity::Identity;
use crate::report::comment::{render, HistoryRow, Page, HIDDEN_CLOSE, HISTORY_OPEN};

/// Pull-request history rows kept.
pub const MAX_ROWS: usize = 20;

/// The hidden marker of `suite`'s comment.
pub fn marker(suite: &str) -> String {
    let safe: String = suite
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("<!-- benchgate:suite={safe} -->")
}

/// Finds this suite's comment (the token's own, see [`Identity`]), adds
/// this commit's row, and updates or creates the comment.
pub async fn upsert(api: &Api, number: u64, page: &Page<'_>) -> Result<(), ApiError> {
    let marker = page.marker;
    let me = Identity::of(api).await;
    let existing = find(api, number, marker, &me).await?;
    let old = existing
        .as_ref()
        .and_then(|c| c.body.as_deref())
        .map(read_rows)
        .unwrap_or_default();
    let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let rows = merge(old, HistoryRow::of(&page.report.comparison, page.sha, &now));
    let body = render(page, &rows);
    match existing {
        Some(comment) => api.update_comment(comment.id, &body).await,
        None => create(api, number, &body, marker, &me).await,
    }
}

/// This suite's comment written by `me`, if any.
async fn find(
    api: &Api,
    number: u64,
    marker: &str,
    me: &Identity,
) -> Result<Option<Comment>, ApiError> {
    let comments = api.comments(number).await?;
    Ok(comments
        .into_iter()
        .find(|c| me.wrote(c) && c.body.as_deref().is_some_and(|b| b.contains(marker))))
}

/// Creates the comment, retrying like any call — but an error may come
/// after GitHub created it (a 502 from a proxy), so before each retry the
/// comment is looked for again and, when there, updated instead.
async fn create(
    api: &Api,
    number: u64,
    body: &str,
    marker: &str,
    me: &Identity,
) -> Result<(), ApiError> {
    let retry = api.retry();
    let mut attempt = 1;
    loop {
        match api.create_comment_once(number, body).await {
            Ok(()) => return Ok(()),
            Err(e) if !e.retryable() || attempt >= retry.tries => return Err(e),
            Err(_) => {}
        }
        tokio::time::sleep(retry.backoff(attempt)).await;
        if let Some(created) = find(api, number, marker, me).await? {
            return api.update_comment(created.id, body).await;
        }
        attempt += 1;
    }
}

/// `row` first, then the older rows of other commits, at most [`MAX_ROWS`].
pub fn merge(old: Vec<HistoryRow>, row: HistoryRow) -> Vec<HistoryRow> {
    let sha = row.sha.clone();
    let mut rows = vec![row];
    rows.extend(old.into_iter().filter(|r| r.sha != sha));
    rows.truncate(MAX_ROWS);
    rows
}

/// The rows hidden in a comment body; none when absent or unreadable.
pub fn read_rows(body: &str) -> Vec<HistoryRow> {
    let Some(start) = body.find(HISTORY_OPEN) else {
        return Vec::new();
    };
    let rest = &body[start + HISTORY_OPEN.len()..];
    let Some(end) = rest.find(HIDDEN_CLOSE) else {
        return Vec::new();
    };
    base64::engine::general_purpose::STANDARD
        .decode(rest[..end].trim())
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}
