//! A gated metric that one side measured and the other did not produce: a
//! Server-Timing phase the head stopped sending, the app's resources one
//! side did not read, an endpoint one side sent no request. It is no
//! statistic and no noise: it fails the gate, so that a head cannot pass by
//! hiding what the suite gates.

use super::metric::{MetricComparison, VerdictName};
use crate::config::Metric;

/// The side that lacks a gated metric the other side measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingOn {
    Base,
    Head,
}

impl MissingOn {
    /// The side that lacks it, from whether each side has it; `None` when
    /// both have it, or neither.
    pub fn of(base_has: bool, head_has: bool) -> Option<MissingOn> {
        match (base_has, head_has) {
            (true, false) => Some(MissingOn::Head),
            (false, true) => Some(MissingOn::Base),
            _ => None,
        }
    }

    /// `base` or `head`.
    pub fn side(self) -> &'static str {
        match self {
            MissingOn::Base => "base",
            MissingOn::Head => "head",
        }
    }

    /// The side that has it.
    fn other(self) -> &'static str {
        match self {
            MissingOn::Base => "head",
            MissingOn::Head => "base",
        }
    }

    /// "missing on head (the base measured it; `why`)". Missing on the
    /// base, it says how to fill a stored baseline that predates the gate.
    pub fn note(self, why: &str) -> String {
        let hint = match self {
            MissingOn::Base => {
                "; a stored baseline recorded before the suite gated it: record it again with `benchgate baseline update`"
            }
            MissingOn::Head => "",
        };
        format!(
            "missing on {} (the {} measured it; {why}){hint}",
            self.side(),
            self.other()
        )
    }
}

impl MetricComparison {
    /// A gated metric measured by one side only: verdict missing, no
    /// figures, and the side and `why` as its note.
    pub fn missing(metric: Metric, on: MissingOn, why: &str) -> MetricComparison {
        MetricComparison {
            metric,
            base_ms: None,
            head_ms: None,
            ratio: None,
            lower: None,
            upper: None,
            p_value: None,
            detectable: None,
            verdict: VerdictName::Missing,
            note: Some(on.note(why)),
        }
    }
}
