//! The failures outside the metric table: a head that could not carry the
//! load, an endpoint the head never answered, a gated metric one side did
//! not produce, and blind checks when the suite says `gate.inconclusive:
//! fail`; and the runs that cannot be judged at all.

use super::missing::missing_lines;
use super::sustained::capacity;
use super::unanswered::{unanswered, Unanswered};
use crate::compare::judging::Judging;
use crate::compare::latency::EndpointPair;
use crate::compare::model::{Capacity, CapacityVerdict, EndpointComparison, Sight};
use crate::config::Inconclusive;
use crate::record::RunRecord;

/// What each side carried, and the sentences that fail the gate or void
/// the run.
#[derive(Debug)]
pub(crate) struct Validity {
    pub capacity: Capacity,
    /// Failures outside the metric table, a sentence each.
    pub failed: Vec<String>,
    /// Why the run cannot be judged at all.
    pub invalid: Vec<String>,
}

/// The failures of `base` against `head` outside the metric table, once
/// the metrics (`endpoints`) and their `sight` are known.
pub(crate) fn validity(
    base: &RunRecord,
    head: &RunRecord,
    shared: &[EndpointPair<'_>],
    judging: &Judging<'_>,
    endpoints: &[EndpointComparison],
    sight: &Sight,
) -> Validity {
    let capacity = capacity(base, head, judging.pairing.is_none());
    let (mut failed, mut invalid) = (Vec::new(), Vec::new());
    // Another machine's capacity says nothing about this one's.
    let comparable_capacity = judging.foreign.is_none();
    match capacity.verdict {
        CapacityVerdict::Regressed if comparable_capacity => {
            failed.extend(capacity.message.clone())
        }
        CapacityVerdict::Invalid if comparable_capacity => invalid.extend(capacity.message.clone()),
        _ => {}
    }
    for pair in shared {
        match unanswered(pair.base, pair.head) {
            Some(Unanswered::OnHead(why)) => failed.push(why),
            Some(Unanswered::OnBoth(why)) => invalid.push(why),
            None => {}
        }
    }
    // Not a statistic: whatever the runs can decide, a gated metric the
    // head (or the base) did not produce fails the gate.
    failed.extend(missing_lines(endpoints));
    if judging.gate.suite.inconclusive == Inconclusive::Fail && sight.blind > 0 {
        failed.push(format!(
            "{} check(s) could not see a change of their threshold, and gate.inconclusive is fail",
            sight.blind
        ));
    }
    Validity {
        capacity,
        failed,
        invalid,
    }
}
