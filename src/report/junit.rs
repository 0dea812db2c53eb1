//! The comparison as JUnit XML, for CI systems that show test results: one
//! suite `benchgate.<suite>`, one test case per endpoint × metric and per
//! endpoint's error rate (class = endpoint, name = metric). A regression is
//! a failure whose message carries the change, its interval and the
//! threshold; a gated metric one side did not produce (missing) is a
//! failure whose message says which side. An inconclusive metric passes,
//! as it does at the gate, with a `system-out` saying why it could not
//! tell. The XML comes from
//! `quick-junit`; no timestamps or durations are set, so the same
//! comparison always gives the same file.

use std::io::{self, Write};

use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};

use super::{
    checks, percent, possible_text, short_commit, Check, CheckKind, Context, Report, NOT_JUDGED,
};
use crate::compare::{Comparison, MetricComparison, Outcome, SideInfo, VerdictName};

pub fn write_comparison(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let c = &report.comparison;
    let context = report.context();
    let mut suite = TestSuite::new(format!("benchgate.{}", c.suite));
    suite.add_properties([
        Property::new("threshold", percent(c.threshold)),
        Property::new("confidence", percent(c.confidence)),
        Property::new("base-commit", short_commit(c.base.git_commit.as_deref())),
        Property::new("base-time", c.base.time_utc.as_str()),
        Property::new("base-runs", c.base.runs.to_string()),
        Property::new("head-commit", short_commit(c.head.git_commit.as_deref())),
        Property::new("head-time", c.head.time_utc.as_str()),
    ]);
    suite.add_test_cases(checks(c).map(|check| test_case(c, &check)));
    suite.add_test_case(throughput_case(c));
    let suite_out = suite_notes(c, &context);
    if !suite_out.is_empty() {
        suite.set_system_out(suite_out);
    }
    let mut junit = quick_junit::Report::new("benchgate");
    junit.add_test_suite(suite);
    junit.serialize(&mut *out).map_err(io::Error::other)?;
    writeln!(out)
}

/// Whether the head carried the load, and whether the run could be judged
/// at all: a failure when the head fell short or an endpoint went
/// unanswered, an error when the run gave no verdict.
fn throughput_case(c: &Comparison) -> TestCase {
    let status = if let Some(why) = c.invalid.first() {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status.set_message(why.as_str());
        status
    } else if let Some(why) = c.failed.first() {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status.set_message(why.as_str());
        status
    } else {
        TestCaseStatus::success()
    };
    let mut case = TestCase::new("throughput", status);
    case.set_classname(format!("benchgate.{}", c.suite));
    let mut lines: Vec<String> = c.failed.iter().chain(&c.invalid).cloned().collect();
    if let Some(capacity) = &c.capacity {
        lines.push(format!(
            "sustained base {:.1}/s, head {:.1}/s of {}/s",
            capacity.base.sustained_rate, capacity.head.sustained_rate, capacity.head.target_rate
        ));
    }
    lines.push(super::sight_line(c));
    case.set_system_out(lines.join("\n"));
    case
}

/// Why `check` was not judged, if it was not: a possible regression, or a
/// blind metric of a run in which no gated metric could see. Such a check
/// is skipped, never a success.
fn not_judged(c: &Comparison, check: &Check<'_>) -> Option<String> {
    let possible = c
        .possible_regressions
        .iter()
        .find(|p| p.endpoint == check.endpoint.name && p.metric == check.label());
    if let Some(p) = possible {
        return Some(format!("{NOT_JUDGED} not judged: {}", possible_text(p)));
    }
    let CheckKind::Metric(m) = check.kind else {
        return None;
    };
    let blind = c.outcome == Outcome::NotJudged && m.verdict == VerdictName::Inconclusive;
    blind.then(|| {
        format!(
            "{NOT_JUDGED} not judged: {} {} could not see a {} change{}",
            check.endpoint.name,
            check.label(),
            percent(check.endpoint.threshold),
            m.detectable.map_or(String::new(), |d| format!(
                " (smallest detectable {})",
                super::detectable(d)
            ))
        )
    })
}

fn test_case(c: &Comparison, check: &Check<'_>) -> TestCase {
    let not_judged = not_judged(c, check);
    let missing = match check.kind {
        CheckKind::Metric(m) if m.verdict == VerdictName::Missing => Some(m),
        _ => None,
    };
    let status = if let Some(m) = missing {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status
            .set_message(format!(
                "{}: {}",
                check.label(),
                m.note.as_deref().unwrap_or("missing on one side")
            ))
            .set_type("gated metric missing");
        status
    } else if check.regressed() {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status
            .set_message(check.failure_message(c.confidence))
            .set_type("performance regression")
            .set_description(match (check.kind, check.phase) {
                (CheckKind::Metric(m), None) => super::phases::line_for(check.endpoint, m)
                    .map_or_else(
                        || numbers(check),
                        |line| format!("{}\nwhere the time went: {line}", numbers(check)),
                    ),
                _ => numbers(check),
            });
        status
    } else if let Some(why) = not_judged {
        let mut status = TestCaseStatus::skipped();
        status.set_message(why);
        status
    } else {
        TestCaseStatus::success()
    };
    let mut case = TestCase::new(check.label(), status);
    case.set_classname(check.endpoint.name.as_str());
    // A failure carries the numbers already.
    if !check.regressed() && missing.is_none() {
        let mut out = numbers(check);
        if let CheckKind::Metric(m) = check.kind {
            if m.verdict == VerdictName::Inconclusive {
                out.push_str("\ninconclusive, which does not fail the gate");
            }
            if let Some(note) = &m.note {
                out.push_str(": ");
                out.push_str(note);
            }
        }
        case.set_system_out(out);
    }
    case
}

/// One line with every number of a check.
fn numbers(check: &Check<'_>) -> String {
    match check.kind {
        CheckKind::Metric(m) => metric_numbers(check, m),
        CheckKind::ErrorRate(e) => format!(
            "error rate base {}, head {}, change {}, allowed rise {}, p = {}: {}",
            check.base_text(),
            check.head_text(),
            check.change_text(),
            super::points(e.max_increase),
            super::p_value(e.p_value),
            check.verdict().as_str()
        ),
    }
}

fn metric_numbers(check: &Check<'_>, m: &MetricComparison) -> String {
    let side = |value: Option<f64>| match value {
        Some(_) => format!("{} {}", super::ms(value), m.metric.unit()),
        None => "no data".into(),
    };
    let mut out = format!("base {}, head {}", side(m.base_ms), side(m.head_ms));
    if m.ratio.is_some() {
        out.push_str(&format!(
            ", change {} {}, p = {}",
            check.change_text(),
            check.interval_text(),
            super::p_value(m.p_value)
        ));
    }
    if let Some(d) = m.detectable {
        out.push_str(&format!(
            ", smallest detectable change {}",
            super::detectable(d)
        ));
    }
    format!(
        "{out}, threshold {}: {}",
        percent(check.endpoint.threshold),
        m.verdict.as_str()
    )
}

/// Where the numbers came from, the run's warnings and the endpoints that
/// were not compared.
fn suite_notes(c: &Comparison, context: &Context<'_>) -> String {
    let side = |s: &SideInfo| super::side_line(s, context.unit, str::to_string, |commit| commit);
    let headline = c
        .outcome
        .not_judged()
        .then(|| format!("{NOT_JUDGED} {}", super::headline(c).title));
    let mut lines: Vec<String> = headline.into_iter().collect();
    lines.extend([
        format!("base: {}", side(context.base)),
        format!("head: {}", side(context.head)),
    ]);
    lines.extend(context.lines.iter().cloned());
    lines.extend(c.warnings.iter().map(|w| format!("warning: {w}")));
    lines.extend(
        c.added
            .iter()
            .map(|name| format!("endpoint {name} is new (not in the baseline): not compared")),
    );
    lines.extend(
        c.removed
            .iter()
            .map(|name| format!("endpoint {name} is in the baseline but was not measured")),
    );
    lines.join("\n")
}
