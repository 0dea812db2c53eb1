//! What every test of one comparison is judged with: the gate's settings,
//! the family's α, whether the two records are the sides of one A/B run,
//! and — for separate runs that cannot decide the gate — why not.

use super::gate::GateSettings;
use super::latency::paired;
use super::model::{MetricComparison, VerdictName};
use super::validity::{incomparable, Incomparable};
use crate::record::{Pairing, RunRecord};

/// The terms of one comparison, fixed before any test is judged.
#[derive(Debug)]
pub(crate) struct Judging<'a> {
    pub gate: &'a GateSettings,
    /// 1 − the suite's confidence: the Holm family's α.
    pub alpha: f64,
    /// Set for the two sides of one A/B run, compared pair by pair.
    pub pairing: Option<Pairing>,
    /// Separate runs on different machines, or on one machine under
    /// different loads: the offset is invisible to every interval, so no
    /// metric may decide the gate.
    pub foreign: Option<Incomparable>,
}

impl<'a> Judging<'a> {
    pub(crate) fn new(base: &RunRecord, head: &RunRecord, gate: &'a GateSettings) -> Judging<'a> {
        let pairing = paired(base, head);
        Judging {
            gate,
            alpha: 1.0 - gate.suite.confidence,
            pairing,
            foreign: incomparable(base, head, pairing),
        }
    }

    pub(crate) fn paired(&self) -> bool {
        self.pairing.is_some()
    }

    /// When the runs cannot decide the gate: `compared` made inconclusive,
    /// with the reason as its note.
    pub(crate) fn overrule(&self, compared: &mut MetricComparison) {
        if let Some(why) = &self.foreign {
            compared.verdict = VerdictName::Inconclusive;
            compared.detectable = None;
            compared.note = Some(why.note());
        }
    }
}
