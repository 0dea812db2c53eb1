//! The looks of a run measured until the verdict is known, shared by A/B
//! mode (rounds of both sides) and stored mode (runs of the head): what each
//! look prints, and how the stopped run is described in its comparison.

use crate::compare::{Comparison, GateSettings, StopReason, Stopping};
use crate::record::RunRecord;
use crate::stopping::{self, Judgement, Look};

/// A stopped run's comparison, why it stopped and at which look.
pub(super) type Judged = (Comparison, StopReason, Look);

/// One look at `base` and `head`: `Some` when the run stops here, else the
/// still open metrics are printed and the run measures another `unit`
/// ("round", "run").
pub(super) fn look(
    base: &RunRecord,
    head: &RunRecord,
    settings: &GateSettings,
    look: Look,
    unit: &str,
) -> Option<Judged> {
    match stopping::judge(base, head, settings, look) {
        Judgement::Stop(comparison, reason) => Some((*comparison, reason, look)),
        Judgement::Continue { open } => {
            eprintln!(
                "after {unit} {}: {} of the gated metrics still undecided ({}); measuring on",
                look.round,
                open.len(),
                open.join(", ")
            );
            None
        }
    }
}

/// The comparison of the stopped run, with how long it measured
/// (`measured_ms` per side, the head's alone when `head_only`) and why it
/// stopped.
pub(super) fn stopped(judged: Judged, measured_ms: u64, head_only: bool) -> Comparison {
    let (mut comparison, reason, look) = judged;
    let measured_s = measured_ms as f64 / 1000.0;
    comparison.stopping = Some(Stopping {
        reason,
        rounds: look.round,
        max_rounds: look.max_rounds,
        measured_s,
        budget_s: measured_s / f64::from(look.round.max(1)) * f64::from(look.max_rounds),
        open: stopping::open_metrics(&comparison, reason),
        head_only,
    });
    comparison
}
