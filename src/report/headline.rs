//! The first line of every report: the outcome, the worst finding, and how
//! much the run could see — phrased once here, so that a reader of any
//! format can tell a clean pass from a blind one.

use super::{
    change, detectable as pct, interval, percent, regressed_means, CheckKind, Regressions,
};
use crate::compare::{Comparison, Outcome, PossibleRegression, Sight, StopReason};

/// The mark every format puts before the headline of a run not judged.
pub const NOT_JUDGED: &str = "⚠";

/// The headline of a comparison, as plain text (writers escape it).
#[derive(Debug, Clone, PartialEq)]
pub struct Headline {
    pub outcome: Outcome,
    /// "passed", "2 regressions — worst search p50 +23.1%", "no verdict —
    /// neither side sustained …".
    pub title: String,
    /// "4 of 16 metrics could see a 10% change; 12 could not (smallest
    /// detectable 49%–150%)".
    pub sight: String,
}

pub fn headline(c: &Comparison) -> Headline {
    let regressions = Regressions::of(c);
    let title = match c.outcome {
        Outcome::Pass => "passed".to_string(),
        Outcome::PossibleRegression => not_judged(c),
        Outcome::NotJudged => blind(c),
        Outcome::Invalid => format!(
            "no verdict — {}",
            c.invalid
                .first()
                .map_or("the run cannot be judged", String::as_str)
        ),
        Outcome::Fail => match regressions.worst() {
            Some(worst) => {
                let n = regressions.checks.len() + c.failed.len();
                // What the gate tested: the estimate may be under the
                // threshold.
                let means = match worst.kind {
                    CheckKind::Metric(_) => format!(
                        " ({})",
                        regressed_means(worst.endpoint.threshold, c.confidence)
                    ),
                    CheckKind::ErrorRate(_) => String::new(),
                };
                format!(
                    "{n} regression{} — worst {} {} {}{means}",
                    if n == 1 { "" } else { "s" },
                    worst.endpoint.name,
                    worst.label(),
                    worst.change_text()
                )
            }
            None => format!(
                "failed — {}",
                c.failed.first().map_or("see the report", String::as_str)
            ),
        },
    };
    Headline {
        outcome: c.outcome,
        title,
        sight: sight_line(c),
    }
}

/// "not judged: create-order p50 +26.2% [+23.5%, +28.9%] may be over 10%;
/// measured 120 s per side": the worst undecided estimate over its
/// threshold, and how much was measured.
fn not_judged(c: &Comparison) -> String {
    let Some(worst) = c.possible_regressions.first() else {
        return "not judged".into();
    };
    let more = match c.possible_regressions.len() - 1 {
        0 => String::new(),
        1 => " (1 more metric may be too)".into(),
        n => format!(" ({n} more metrics may be too)"),
    };
    format!(
        "not judged: {}{more}; {}",
        possible_text(worst),
        measured(c)
    )
}

/// "not judged: no gated metric could see a 10% change (smallest
/// detectable 54%–×7.28); measured 120 s per side; raise …": a run that saw
/// nothing, how much it measured, and what would let it see (said here
/// once: [`advice`] is then silent).
fn blind(c: &Comparison) -> String {
    let range = blind_range(&Sight::of(&c.endpoints));
    let mut title = format!(
        "not judged: no gated metric could see a {} change{range}; {}",
        percent(c.threshold),
        measured(c)
    );
    if let Some(how) = remedy(c) {
        title.push_str("; ");
        title.push_str(how);
    }
    title
}

/// "create-order p50 +26.2% [+23.5%, +28.9%] may be over 10%".
pub fn possible_text(p: &PossibleRegression) -> String {
    format!(
        "{} {} {} {} may be over {}",
        p.endpoint,
        p.metric,
        change(p.ratio),
        interval(p.lower, p.upper),
        percent(p.threshold)
    )
}

/// How much the comparison measured: per side in A/B mode, the head's time
/// in a stored check, else each side's runs.
fn measured(c: &Comparison) -> String {
    let runs = |n: usize, side: &str| format!("{n} {side} run{}", if n == 1 { "" } else { "s" });
    match &c.stopping {
        Some(s) if s.head_only => format!(
            "measured the head for {:.0} s against {}",
            s.measured_s,
            runs(c.base.runs, "baseline")
        ),
        Some(s) => format!("measured {:.0} s per side", s.measured_s),
        None if c.pairing.is_some() => "measured side by side".into(),
        None => format!(
            "measured {} and {}",
            runs(c.base.runs, "base"),
            runs(c.head.runs, "head")
        ),
    }
}

/// What would decide the undecided metrics, said once and matching the
/// mode: `None` when nothing would, or another line says it already (the
/// headline of a run that saw nothing, the stopping line).
pub fn advice(c: &Comparison) -> Option<String> {
    if c.outcome == Outcome::NotJudged {
        return None;
    }
    remedy(c).map(|how| format!("undecided metrics do not fail the gate; to decide them {how}"))
}

/// What would let the undecided metrics see, matching the mode: `None`
/// when nothing would (a stop at a clear failure, a run no metric could
/// decide) or the stopping line says it already.
fn remedy(c: &Comparison) -> Option<&'static str> {
    if c.undecidable.is_some() {
        return None;
    }
    let stopped = c.stopping.as_ref();
    match stopped.map(|s| s.reason) {
        Some(StopReason::ClearFailure) => return None,
        Some(StopReason::Budget) if stopped.is_some_and(|s| !s.open.is_empty()) => return None,
        _ => {}
    }
    Some(if c.pairing.is_some() {
        "raise `load.max_duration` (or --max-duration) or `load.rate`, or run `benchgate calibrate` to see what each metric needs"
    } else if stopped.is_some_and(|s| s.head_only) {
        "raise `load.max_duration` or `load.rate`, record more baseline runs (`baseline update --runs`), or use A/B mode (--ab)"
    } else {
        "record more baseline runs (`baseline update --runs`), measure longer, or use A/B mode (--ab)"
    })
}

/// How many metrics could see a change of the threshold.
pub fn sight_line(c: &Comparison) -> String {
    let s = &Sight::of(&c.endpoints);
    let total = s.seeing + s.blind + s.missing;
    let t = percent(c.threshold);
    if total == 0 {
        return "no metric could be compared".into();
    }
    if s.blind == 0 && s.missing == 0 {
        return format!("all {total} metrics could see a {t} change");
    }
    let mut line = format!("{} of {total} metrics could see a {t} change", s.seeing);
    let stopped = c.stopping.as_ref().map(|s| s.reason);
    if s.blind > 0 && stopped == Some(StopReason::ClearFailure) {
        line.push_str(&format!(
            "; {} not judged: the run stopped at the first clear failure",
            s.blind
        ));
    } else if s.blind > 0 {
        line.push_str(&format!("; {} could not{}", s.blind, blind_range(s)));
    }
    if s.missing > 0 {
        line.push_str(&format!("; {} missing on one side", s.missing));
    }
    line
}

/// " (smallest detectable 54%–×7.28)": the blind metrics' smallest
/// detectable changes, where known.
fn blind_range(s: &Sight) -> String {
    match s.blind_detectable {
        Some((lo, hi)) if (hi - lo).abs() < 0.005 => format!(" (smallest detectable {})", pct(lo)),
        Some((lo, hi)) => format!(" (smallest detectable {}–{})", pct(lo), pct(hi)),
        None => String::new(),
    }
}
