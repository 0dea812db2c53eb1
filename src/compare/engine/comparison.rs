//! [`compare()`]: every test of the suite registered in one Holm family,
//! each judged at its level, and the comparison assembled with its
//! validity, context and warnings.

use super::endpoints::endpoint_tests;
use crate::compare::gate::GateSettings;
use crate::compare::holm::HolmFamily;
use crate::compare::judging::Judging;
use crate::compare::latency::{compared_endpoints, listed, Unrecorded};
use crate::compare::model::{
    Comparison, EndpointComparison, Memory, Outcome, PossibleRegression, Sight, VerdictName,
};
use crate::compare::validity::{self, side_info, Validity};
use crate::compare::{phases, resources};
use crate::record::RunRecord;

/// Compares `head` with `base`. The caller has checked that they measured
/// the same suite ([`crate::compare::check_comparable`]). Two sides of one
/// A/B run are compared pair by pair; anything else as separate runs.
pub fn compare(base: &RunRecord, head: &RunRecord, gate: &GateSettings) -> Comparison {
    let judging = Judging::new(base, head, gate);
    let unrecorded = Unrecorded::of(base, head);
    let shared = compared_endpoints(base, head, &unrecorded);

    // 1. Every test that decides the gate, in one family.
    let mut family = HolmFamily::default();
    let tests = endpoint_tests(&shared, &judging, &mut family);
    let app = resources::measure(base, head, &judging, &mut family);
    let gated = phases::gated(&shared, &judging, &mut family);
    let levels = family.complete(judging.alpha);

    // 2. Each test at its level; the phases that explain a change.
    let mut endpoints: Vec<EndpointComparison> =
        tests.iter().map(|t| t.judged(&levels, &judging)).collect();
    let app = resources::row(app, &levels, &judging);
    endpoints.extend(app.row);
    phases::judge_gated(gated, &levels, &shared, &mut endpoints, &judging);
    phases::attribute(&shared, &mut endpoints, &judging);

    // 3. What the table does not say.
    let memory = resources::memory(base, head);
    let estimates = tests.iter().flat_map(|t| t.estimates());
    let warnings = validity::warnings(base, head, estimates, judging.paired())
        .into_iter()
        .chain(app.warnings)
        .chain(phases::unreported(&shared, judging.gate))
        .chain(memory.and_then(|m| m.warning()))
        .collect();
    let sight = Sight::of(&endpoints);
    let validity = validity::validity(base, head, &shared, &judging, &endpoints, &sight);
    assemble(
        base,
        head,
        &judging,
        Judged {
            endpoints,
            warnings,
            memory,
            sight,
            validity,
        },
    )
}

/// What [`compare`] found, before it is assembled into a [`Comparison`].
struct Judged {
    endpoints: Vec<EndpointComparison>,
    warnings: Vec<String>,
    memory: Option<Memory>,
    sight: Sight,
    validity: Validity,
}

/// The comparison of `base` and `head` from what was found, with the
/// gate's outcome.
fn assemble(
    base: &RunRecord,
    head: &RunRecord,
    judging: &Judging<'_>,
    judged: Judged,
) -> Comparison {
    let Judged {
        endpoints,
        warnings,
        memory,
        sight,
        validity,
    } = judged;
    let gate = judging.gate;
    let Validity {
        capacity,
        failed,
        invalid,
    } = validity;
    let possible_regressions = PossibleRegression::of(&endpoints);
    Comparison {
        suite: head.suite.clone(),
        outcome: outcome(&endpoints, &failed, &invalid, &possible_regressions, &sight),
        threshold: gate.suite.threshold,
        confidence: gate.suite.confidence,
        base: side_info(base),
        head: side_info(head),
        added: only_in(head, base),
        removed: only_in(base, head),
        warnings,
        memory,
        cpu_by_endpoint: resources::cpu_by_endpoint(base, head, judging),
        stopping: None,
        undecidable: judging.foreign.as_ref().map(|f| f.note()),
        pairing: judging.pairing,
        accepted: gate.accepted.clone(),
        proposed: gate.proposed.clone(),
        run_noise: judging.pairing.map(|_| gate.run_noise.clone()),
        endpoints,
        capacity: Some(capacity),
        sight,
        failed,
        invalid,
        possible_regressions,
    }
}

/// Invalid when anything voids the run; else fail on any regression or
/// failure outside the table; else a possible regression when an undecided
/// metric's estimate is over its threshold; else not judged when no gated
/// metric could see a change of its threshold; else pass.
fn outcome(
    endpoints: &[EndpointComparison],
    failed: &[String],
    invalid: &[String],
    possible: &[PossibleRegression],
    sight: &Sight,
) -> Outcome {
    let regressed = endpoints.iter().any(|e| {
        e.errors.regressed
            || e.gated_metrics()
                .any(|m| m.verdict == VerdictName::Regressed)
    });
    if !invalid.is_empty() {
        Outcome::Invalid
    } else if regressed || !failed.is_empty() {
        Outcome::Fail
    } else if !possible.is_empty() {
        Outcome::PossibleRegression
    } else if sight.saw_nothing() {
        Outcome::NotJudged
    } else {
        Outcome::Pass
    }
}

/// The names of `record`'s endpoints that `other`'s suite did not list (one
/// it lists but did not record is missing there, not added or removed).
fn only_in(record: &RunRecord, other: &RunRecord) -> Vec<String> {
    record
        .endpoints
        .iter()
        .filter(|e| other.endpoint(&e.name).is_none() && !listed(other, &e.name))
        .map(|e| e.name.clone())
        .collect()
}
