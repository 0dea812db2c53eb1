//! Reports a reader of a failing or undecided run can act on: rounds in
//! A/B mode, one unit style, one piece of advice matching the mode, code
//! spans as code, and a stop at a clear failure that judges nothing else.

use super::fixtures::{failing, passing};
use super::{html, markdown, text};
use crate::compare::{Comparison, StopReason, Stopping, VerdictName};
use crate::record::Pairing;

/// [`passing`] as an A/B run of 5 rounds whose p99 could only have seen a
/// change of ×24.9.
fn ab_blind() -> Comparison {
    let mut c = passing();
    c.pairing = Some(Pairing::Alternate);
    for m in c.endpoints.iter_mut().flat_map(|e| &mut e.metrics) {
        if m.verdict == VerdictName::Inconclusive {
            m.detectable = Some(23.85);
            m.note = Some("this run can only detect changes of about ×24.9 or more".into());
        }
    }
    c
}

fn stopped(reason: StopReason) -> Stopping {
    Stopping {
        reason,
        rounds: 3,
        max_rounds: 12,
        measured_s: 30.0,
        budget_s: 120.0,
        open: Vec::new(),
        head_only: false,
    }
}

#[test]
fn an_ab_report_counts_rounds_and_gives_the_ab_advice_once() {
    let c = ab_blind();
    let out = text(&c);
    assert!(out.contains("(5 rounds, "), "{out}");
    assert!(!out.contains("run(s)"), "{out}");
    assert!(out.contains("p99 ×24.9"), "{out}");
    assert!(!out.contains("2385%"), "{out}");
    for page in [out, markdown(&c), html(&c)] {
        assert_eq!(page.matches("load.max_duration").count(), 1, "{page}");
        assert!(!page.contains("record more baseline runs"), "{page}");
    }
}

#[test]
fn code_spans_render_as_code_in_markdown_and_html() {
    let c = ab_blind();
    let md = markdown(&c);
    assert!(md.contains("raise `load.max_duration`"), "{md}");
    assert!(!md.contains("\\`"), "{md}");
    let page = html(&c);
    assert!(
        page.contains("raise <code>load.max_duration</code>"),
        "{page}"
    );
    assert!(!page.contains('`'), "{page}");
}

#[test]
fn after_a_stop_at_a_clear_failure_the_rest_is_not_judged() {
    let mut c = failing();
    c.pairing = Some(Pairing::Alternate);
    c.stopping = Some(stopped(StopReason::ClearFailure));
    let out = text(&c);
    assert!(
        out.contains("not judged: the run stopped at the first clear failure"),
        "{out}"
    );
    assert!(!out.contains("smallest detectable"), "{out}");
    assert!(!out.contains("do not fail the gate"), "{out}");
}
