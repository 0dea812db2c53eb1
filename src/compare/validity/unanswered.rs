//! Endpoints without a single successful response: on the head alone a
//! regression, on both sides a broken suite; and the words for what such
//! an endpoint got instead.

use crate::record::{EndpointRecord, Outcomes, RunRecord};

/// Every endpoint of `record` without a single successful response, each
/// with what it got instead: such a run measured nothing for it.
pub fn unanswered_endpoints(record: &RunRecord) -> Vec<String> {
    record
        .endpoints
        .iter()
        .filter_map(|e| {
            let o = e.outcomes();
            (o.ok == 0).then(|| {
                let got = if o.total() == 0 {
                    "no request was sent".to_string()
                } else {
                    describe_errors(&o)
                };
                let fix = if only_timeouts(&o) {
                    too_slow_fix()
                } else {
                    "check its path, method and expect.status, and that the app answers"
                };
                format!("{} got no successful response ({got}): {fix}", e.name)
            })
        })
        .collect()
}

/// An endpoint that got no successful response on the head, with the
/// sentence that says so.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Unanswered {
    /// Only on the head: a regression.
    OnHead(String),
    /// On both sides: the run cannot judge it.
    OnBoth(String),
}

/// An endpoint that got no successful response: on the head only (a
/// regression) or on both sides (the run cannot judge it).
pub(crate) fn unanswered(base: &EndpointRecord, head: &EndpointRecord) -> Option<Unanswered> {
    let (b, h) = (base.outcomes(), head.outcomes());
    if h.ok > 0 || h.total() == 0 {
        return None;
    }
    let what = describe_errors(&h);
    if b.ok == 0 {
        let fix = if only_timeouts(&b) && only_timeouts(&h) {
            too_slow_fix()
        } else {
            "check its path, method and expect.status"
        };
        Some(Unanswered::OnBoth(format!(
            "{}: no successful response on either side ({what}); {fix}",
            head.name
        )))
    } else {
        Some(Unanswered::OnHead(format!(
            "{}: no successful response on the head ({what})",
            head.name
        )))
    }
}

/// Whether every request that failed timed out (and some did): the
/// endpoint is reachable but too slow, not misaddressed.
fn only_timeouts(o: &Outcomes) -> bool {
    o.timeout > 0 && o.status.is_empty() && o.connect == 0 && o.other == 0
}

/// What to do about an endpoint whose every request timed out.
fn too_slow_fix() -> &'static str {
    "every request outlived load.timeout: the app cannot answer it in time at this rate; lower load.rate or raise load.timeout"
}

/// "12 × HTTP 500, 3 timeouts" — every error kind with its count.
pub fn describe_errors(o: &Outcomes) -> String {
    let mut parts: Vec<String> = o
        .status
        .iter()
        .map(|(code, n)| format!("{n} × HTTP {code}"))
        .collect();
    let mut add = |n: u64, what: &str| {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    };
    add(o.timeout, "timed out");
    add(o.connect, "could not connect");
    add(o.other, "failed (connection reset or malformed response)");
    parts.join(", ")
}
