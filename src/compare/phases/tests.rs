//! Server-Timing phases on simulated records with a known cause: the phase
//! that was slowed is named, the steady one is not, a gated phase fails the
//! gate on its own, and none of it changes a comparison without phases.

use rand::Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::compare::simulated::{EndpointSpec, RecordSpec};
use crate::compare::*;
use crate::config::{Metric, PhaseMetric};
use crate::record::{Latency, RunRecord};

const NAMES: [&str; 2] = ["orders", "home"];

/// `record` with phases `db` (1 ms × `db`) and `render` (0.4 ms × `render`)
/// on every ok request of `orders`, log-normal with σ 0.2, seeded.
fn with_phases(mut record: RunRecord, seed: u64, db: f64, render: f64) -> RunRecord {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut draw = |median: f64| {
        let (u1, u2): (f64, f64) = (1.0 - rng.random::<f64>(), rng.random::<f64>());
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        (median * (0.2 * z).exp()).round() as u64
    };
    for endpoint in record.endpoints.iter_mut().filter(|e| e.name == "orders") {
        for block in &mut endpoint.blocks {
            let (mut d, mut r) = (Latency::default(), Latency::default());
            for _ in 0..block.outcomes.ok {
                d.record(draw(1_000.0 * db));
                r.record(draw(400.0 * render));
            }
            block.phases.insert("db".into(), d);
            block.phases.insert("render".into(), r);
        }
    }
    record
}

fn base() -> RunRecord {
    with_phases(
        RecordSpec::new(&NAMES, 5, 20).run_sd(0.02).build(),
        7,
        1.0,
        1.0,
    )
}

/// The head: `orders` `slower` × as a whole, its db phase × `db`.
fn head(slower: f64, db: f64) -> RunRecord {
    let spec = RecordSpec::new(&NAMES, 1, 20)
        .run_sd(0.02)
        .seed(99)
        .with(EndpointSpec::new("orders").slower(slower));
    with_phases(spec.build(), 8, db, 1.0)
}

fn orders(c: &Comparison) -> &EndpointComparison {
    c.endpoints
        .iter()
        .find(|e| e.name == "orders")
        .expect("orders is compared")
}

#[test]
fn a_slowed_phase_is_named_and_the_steady_one_is_not() {
    let c = compare(&base(), &head(3.0, 5.0), &GateSettings::defaults());
    assert_eq!(c.outcome, Outcome::Fail);
    let orders = orders(&c);
    let p50: Vec<&PhaseComparison> = orders
        .phases
        .iter()
        .filter(|p| p.comparison.metric == Metric::P50)
        .collect();
    let names: Vec<(&str, bool, bool)> = p50
        .iter()
        .map(|p| (p.phase.as_str(), p.gated, p.moved))
        .collect();
    assert_eq!(names, [("db", false, true), ("render", false, false)]);
    let db = p50[0];
    assert_eq!(db.comparison.verdict, VerdictName::Regressed);
    let delta = db.delta_ms().expect("both sides timed db");
    assert!((3.5..4.5).contains(&delta), "db +{delta} ms");
    let ratio = db.comparison.ratio.expect("a ratio");
    assert!((4.5..5.5).contains(&ratio), "db ×{ratio}");
    assert!(
        c.endpoints
            .iter()
            .filter(|e| e.name != "orders")
            .all(|e| e.phases.is_empty()),
        "an endpoint without phases or change explains nothing"
    );
}

#[test]
fn no_regression_no_attribution_and_phases_do_not_change_the_verdicts() {
    let gate = GateSettings::defaults();
    let with = compare(&base(), &head(1.0, 1.0), &gate);
    assert!(with.endpoints.iter().all(|e| e.phases.is_empty()));
    let strip = |mut r: RunRecord| {
        for b in r.endpoints.iter_mut().flat_map(|e| &mut e.blocks) {
            b.phases.clear();
        }
        r
    };
    let without = compare(&strip(base()), &strip(head(1.0, 1.0)), &gate);
    assert_eq!(with, without);
}

#[test]
fn a_gated_phase_fails_the_gate_through_the_same_family() {
    let mut gate = GateSettings::defaults();
    gate.suite.phases = vec![PhaseMetric {
        phase: "db".into(),
        metric: Metric::P50,
    }];
    // The endpoint's latency is unchanged; only its db phase doubled.
    let c = compare(&base(), &head(1.0, 2.0), &gate);
    assert_eq!(c.outcome, Outcome::Fail, "{:#?}", orders(&c).phases);
    let orders = orders(&c);
    assert!(orders
        .metrics
        .iter()
        .all(|m| m.verdict != VerdictName::Regressed));
    assert_eq!(orders.phases.len(), 1);
    let db = &orders.phases[0];
    assert!(db.gated && db.moved);
    assert_eq!(db.metric_name(), "server-timing:db");
    // Counted among the checks that could see.
    let latency_checks: usize = c.endpoints.iter().map(|e| e.metrics.len()).sum();
    assert_eq!(c.sight.seeing + c.sight.blind, latency_checks + 1);
    // A steady db passes; an endpoint that reports no db gates nothing.
    let steady = compare(&base(), &head(1.0, 1.0), &gate);
    assert_eq!(steady.outcome, Outcome::Pass);
    assert!(steady
        .endpoints
        .iter()
        .all(|e| e.phases.len() == usize::from(e.name == "orders")));
}

#[test]
fn a_comparison_with_phases_reads_back_from_its_json() {
    let c = compare(&base(), &head(3.0, 5.0), &GateSettings::defaults());
    let text = serde_json::to_string(&c).expect("encodes");
    assert!(text.contains(r#""phase":"db","gated":false,"moved":true,"metric":"p50""#));
    let back: Comparison = serde_json::from_str(&text).expect("decodes");
    // Floats may differ in their last digit (serde_json's fast parsing).
    let summary = |c: &Comparison| -> Vec<(String, Metric, bool, bool, VerdictName)> {
        orders(c)
            .phases
            .iter()
            .map(|p| {
                let m = &p.comparison;
                (p.phase.clone(), m.metric, p.gated, p.moved, m.verdict)
            })
            .collect()
    };
    assert_eq!(summary(&back), summary(&c));
    assert_eq!(summary(&c).len(), 4, "db and render, at p50 and p95");
}

/// `record` with phase `name` taken out of every block: a side that does
/// not send it.
fn without(mut record: RunRecord, name: &str) -> RunRecord {
    for b in record.endpoints.iter_mut().flat_map(|e| &mut e.blocks) {
        b.phases.remove(name);
    }
    record
}

fn db_gate() -> GateSettings {
    let mut gate = GateSettings::defaults();
    gate.suite.phases = vec![PhaseMetric {
        phase: "db".into(),
        metric: Metric::P50,
    }];
    gate
}

#[test]
fn a_gated_phase_one_side_stopped_sending_is_missing_and_fails_the_gate() {
    let gate = db_gate();
    let c = compare(&base(), &without(head(1.0, 1.0), "db"), &gate);
    assert_eq!(c.outcome, Outcome::Fail, "{:#?}", c.warnings);
    assert_eq!(
        c.failed,
        ["orders server-timing:db: missing on head (the base measured it; the head sent no such Server-Timing phase)"]
    );
    let db = &orders(&c).phases[0];
    assert!(db.gated && !db.moved, "{db:?}");
    assert_eq!(db.comparison.verdict, VerdictName::Missing);
    // Still counted among the checks, as missing.
    let latency_checks: usize = c.endpoints.iter().map(|e| e.metrics.len()).sum();
    assert_eq!(c.sight.missing, 1);
    assert_eq!(
        c.sight.seeing + c.sight.blind + c.sight.missing,
        latency_checks + 1
    );
    // And the other way round.
    let c = compare(&without(base(), "db"), &head(1.0, 1.0), &gate);
    assert_eq!(c.outcome, Outcome::Fail);
    assert_eq!(
        c.failed,
        ["orders server-timing:db: missing on base (the head measured it; the base sent no such Server-Timing phase); a stored baseline recorded before the suite gated it: record it again with `benchgate baseline update`"]
    );
    // Foreign runs decide no metric, but a missing one still fails.
    let mut foreign = without(head(1.0, 1.0), "db");
    foreign.provenance.host.cpu_model = "Another CPU".into();
    assert_eq!(compare(&base(), &foreign, &gate).outcome, Outcome::Fail);
}

#[test]
fn a_gated_phase_neither_side_sent_fails_nothing_and_is_warned_about() {
    let c = compare(
        &without(base(), "db"),
        &without(head(1.0, 1.0), "db"),
        &db_gate(),
    );
    // Nothing fails; one head run cannot see 10% on any metric, so the run
    // is not judged.
    assert_eq!(c.outcome, Outcome::NotJudged, "{:#?}", c.failed);
    assert!(c.failed.is_empty());
    assert!(
        c.warnings.contains(
            &"server-timing:db is gated, but neither side reported that Server-Timing phase for orders, home: not compared there".to_string()
        ),
        "{:#?}",
        c.warnings
    );
}

/// `record` with 80 more phases spread over `orders`' blocks, 4 new names
/// a block (as a crafted file could, within the per-block limit), the
/// same names on both sides: block `b` of 20 reports `x{b}-0` … `x{b}-3`,
/// timed like its `db`.
fn with_spread_names(mut record: RunRecord) -> RunRecord {
    for endpoint in record.endpoints.iter_mut().filter(|e| e.name == "orders") {
        for (b, block) in endpoint.blocks.iter_mut().enumerate() {
            let db = block.phases["db"].clone();
            for k in 0..4 {
                block.phases.insert(format!("x{}-{k}", b % 20), db.clone());
            }
        }
    }
    record
}

#[test]
fn attribution_compares_at_most_the_limit_of_phases_per_endpoint_and_metric() {
    use crate::record::phases::MAX_PHASES;
    let base = with_spread_names(base());
    let head = with_spread_names(head(3.0, 5.0));
    let reported = head.endpoint("orders").map(|e| e.phase_names().len());
    assert_eq!(reported, Some(82));
    let c = compare(&base, &head, &GateSettings::defaults());
    let orders = orders(&c);
    let changed: Vec<Metric> = orders
        .metrics
        .iter()
        .filter(|m| matches!(m.verdict, VerdictName::Regressed | VerdictName::Improved))
        .map(|m| m.metric)
        .collect();
    assert!(!changed.is_empty());
    for metric in changed {
        let phases: Vec<&str> = orders
            .phases
            .iter()
            .filter(|p| p.comparison.metric == metric)
            .map(|p| p.phase.as_str())
            .collect();
        assert_eq!(phases.len(), MAX_PHASES, "{metric:?}: {phases:?}");
        assert_eq!(phases[..2], ["db", "render"]);
    }
    assert_eq!(orders.phases.len(), MAX_PHASES * 2, "p50 and p95");
}
