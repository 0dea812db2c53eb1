//! The first line of every report: the outcome, the worst finding, and how
//! much the run could see — phrased once here, so that a reader of any
//! format can tell a clean pass from a blind one.

use super::{change, percent, Regressions};
use crate::compare::{Comparison, Outcome, Sight};

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
        Outcome::Invalid => format!(
            "no verdict — {}",
            c.invalid
                .first()
                .map_or("the run cannot be judged", String::as_str)
        ),
        Outcome::Fail => match regressions.worst() {
            Some(worst) => {
                let n = regressions.checks.len() + c.failed.len();
                format!(
                    "{n} regression{} — worst {} {} {}",
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
    if s.blind > 0 {
        let range = match s.blind_detectable {
            Some((lo, hi)) if (hi - lo).abs() < 0.005 => {
                format!(" (smallest detectable {})", pct(lo))
            }
            Some((lo, hi)) => format!(" (smallest detectable {}–{})", pct(lo), pct(hi)),
            None => String::new(),
        };
        line.push_str(&format!("; {} could not{range}", s.blind));
    }
    if s.missing > 0 {
        line.push_str(&format!("; {} missing on one side", s.missing));
    }
    line
}

/// A detectable relative change: 0.49 → `49%`, 22.4 → `×23`.
fn pct(d: f64) -> String {
    if d >= 1.0 {
        change(1.0 + d)
    } else {
        format!("{:.0}%", d * 100.0)
    }
}
