//! The API client's parsing and classification on their own.

use super::*;

#[test]
fn backoff_doubles_and_is_capped() {
    let retry = Retry {
        tries: 3,
        base: Duration::from_millis(500),
    };
    assert_eq!(retry.backoff(1), Duration::from_millis(500));
    assert_eq!(retry.backoff(2), Duration::from_millis(1000));
    assert_eq!(retry.backoff(30), MAX_WAIT);
}

#[test]
fn the_next_link_is_found_among_others() {
    let header = r#"<https://api.github.com/repositories/1/issues/7/comments?page=1>; rel="prev", <https://api.github.com/repositories/1/issues/7/comments?page=3>; rel="next", <https://api.github.com/repositories/1/issues/7/comments?page=9>; rel="last""#;
    assert_eq!(
        next_link(header).as_deref(),
        Some("https://api.github.com/repositories/1/issues/7/comments?page=3")
    );
    assert_eq!(next_link(r#"<https://x/?page=1>; rel="first""#), None);
    assert_eq!(next_link("garbage"), None);
}

#[test]
fn rate_limits_and_server_errors_are_retried_refusals_are_not() {
    assert!(retryable(StatusCode::BAD_GATEWAY, ""));
    assert!(retryable(StatusCode::TOO_MANY_REQUESTS, ""));
    assert!(retryable(
        StatusCode::FORBIDDEN,
        "You have exceeded a secondary rate limit"
    ));
    assert!(!retryable(
        StatusCode::FORBIDDEN,
        "Resource not accessible by integration"
    ));
    assert!(!retryable(StatusCode::NOT_FOUND, ""));
}
