//! The one loop of a run measured until known: measure one more unit, look
//! at everything measured so far, stop or measure on.
//!
//! A/B mode measures rounds of both sides, stored mode whole runs of the
//! head against the baseline's runs; each is a [`Measurer`], and the loop
//! that looks, prints what is still open and says how the run stopped is
//! [`measure_until`] for both. A fake measurer that returns chosen records
//! tests the loop without an app.

use crate::compare::{Comparison, GateSettings, StopReason, Stopping, VerdictName};
use crate::record::RunRecord;

use super::look::Look;
use super::rule::{judge, open_metrics, Judgement};

/// What one unit of measuring is: its name in the log, and what the
/// report says was measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A round of an A/B run: both sides, side by side.
    Round,
    /// A whole run of the head, against the stored baseline's runs.
    Run,
}

impl Unit {
    /// The unit's name in the log ("after round 3: …").
    pub fn name(self) -> &'static str {
        match self {
            Unit::Round => "round",
            Unit::Run => "run",
        }
    }

    /// Whether only the head is measured (the base is stored).
    fn head_only(self) -> bool {
        self == Unit::Run
    }
}

/// Something that measures a run one unit at a time.
pub trait Measurer {
    /// Everything measured so far, joined (each unit a run of its records).
    type Measured;
    /// Why measuring failed.
    type Error;

    /// What one unit is.
    fn unit(&self) -> Unit;

    /// Measures one more unit and says where the run now stands.
    fn measure_next(&mut self) -> Result<Look, Self::Error>;

    /// Everything measured so far, joined.
    fn so_far(&self) -> Result<Self::Measured, Self::Error>;

    /// The base and the head of `measured`, to compare: `[base, head]`.
    fn sides<'a>(&'a self, measured: &'a Self::Measured) -> [&'a RunRecord; 2];

    /// Shows one line of progress (a look that measures on): on stderr,
    /// unless the measurer draws its own progress there.
    fn say(&self, line: &str) {
        eprintln!("{line}");
    }
}

/// A run that stopped: what it measured, and its comparison, which says
/// how long the run measured and why it stopped.
#[derive(Debug)]
pub struct Known<T> {
    pub measured: T,
    pub comparison: Comparison,
}

/// Measures unit by unit until a look stops the run (see the module
/// documentation of [`super`] for the rule), with the suite's `gate`.
/// After every look that does not stop, prints the metrics still open.
/// Every run stops at the latest at its budget's last look.
pub fn measure_until<M: Measurer>(
    measurer: &mut M,
    gate: &GateSettings,
) -> Result<Known<M::Measured>, M::Error> {
    let unit = measurer.unit();
    loop {
        let look = measurer.measure_next()?;
        if !look.is_look() {
            continue;
        }
        let measured = measurer.so_far()?;
        let [base, head] = measurer.sides(&measured);
        match judge(base, head, gate, look) {
            Judgement::Stop(comparison, reason) => {
                let mut comparison = stopped(*comparison, head, reason, look, unit);
                // An interim look judges at a stricter level; the report
                // states the suite's.
                comparison.confidence = gate.suite.confidence;
                return Ok(Known {
                    measured,
                    comparison,
                });
            }
            Judgement::Continue { open } => measurer.say(&format!(
                "after {} {}: {} of the gated metrics still undecided ({}); measuring on",
                unit.name(),
                look.round,
                open.len(),
                open.join(", ")
            )),
        }
    }
}

/// The comparison of the stopped run, with how long the head measured
/// (the sum of its runs, per side) and why it stopped.
fn stopped(
    mut comparison: Comparison,
    head: &RunRecord,
    reason: crate::compare::StopReason,
    look: Look,
    unit: Unit,
) -> Comparison {
    if reason == StopReason::ClearFailure {
        not_judged(&mut comparison);
    }
    let measured_ms: u64 = head.run_infos().iter().map(|r| r.load.duration_ms).sum();
    let measured_s = measured_ms as f64 / 1000.0;
    comparison.stopping = Some(Stopping {
        reason,
        rounds: look.round,
        max_rounds: look.max_rounds,
        measured_s,
        budget_s: measured_s / f64::from(look.round.max(1)) * f64::from(look.max_rounds),
        open: open_metrics(&comparison, reason),
        head_only: unit.head_only(),
    });
    comparison
}

/// After a stop at the first clear failure, the undecided metrics were not
/// judged: what they could have detected by then says nothing.
fn not_judged(comparison: &mut Comparison) {
    let endpoints = comparison.endpoints.iter_mut();
    for m in endpoints.flat_map(|e| {
        let phases = e.phases.iter_mut().map(|p| &mut p.comparison);
        e.metrics.iter_mut().chain(phases)
    }) {
        if m.verdict == VerdictName::Inconclusive {
            m.detectable = None;
            m.note = Some(NOT_JUDGED.into());
        }
    }
    comparison.sight = crate::compare::Sight::of(&comparison.endpoints);
}

/// The note of a metric left undecided by a stop at a clear failure.
pub const NOT_JUDGED: &str = "not judged: the run stopped at the first clear failure";

#[cfg(test)]
mod tests;
