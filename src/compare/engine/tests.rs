//! `compare()` on simulated records with a known effect: what the gate must
//! fail and what it must pass, whatever the seed.

use proptest::prelude::*;

use crate::compare::gate::EndpointGate;
use crate::compare::simulated::*;
use crate::compare::*;
use crate::config::Metric;
use crate::report::terminal::summary_line;

#[test]
fn identical_records_pass_and_nothing_regresses() {
    let base = baseline().build();
    let c = compare(&base, &base.clone(), &GateSettings::defaults());
    assert_eq!(c.outcome, Outcome::Pass);
    assert!(regressed(&c).is_empty(), "{c:#?}");
    for endpoint in &c.endpoints {
        assert!(!endpoint.errors.regressed);
        for m in &endpoint.metrics {
            assert_eq!(m.ratio, Some(1.0), "{} {:?}", endpoint.name, m.metric);
        }
    }
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    assert_eq!((c.base.runs, c.head.runs), (5, 5));
}

#[test]
fn a_fifty_percent_slowdown_of_one_endpoint_fails_the_gate_on_it_alone() {
    let base = baseline().build();
    let head = head().with(EndpointSpec::new("search").slower(1.5)).build();
    let c = compare(&base, &head, &GateSettings::defaults());
    assert_eq!(c.outcome, Outcome::Fail);
    assert!(verdicts(&c, "search").contains(&(Metric::P50, VerdictName::Regressed)));
    assert!(
        regressed(&c).iter().all(|(name, _)| name == "search"),
        "{:?}",
        regressed(&c)
    );
    let p50 = &c.endpoints[1].metrics[0];
    let ratio = p50.ratio.expect("enough data for a ratio");
    assert!((1.4..1.6).contains(&ratio), "ratio {ratio}");
    assert!(p50.lower.is_some_and(|l| l > 1.0));
    let line = summary_line(&c);
    assert!(line.starts_with("gate failed: 1 endpoint(s)"), "{line}");
    assert!(line.contains("search"), "{line}");
}

#[test]
fn no_change_with_small_run_offsets_passes_for_every_seed() {
    let gate = GateSettings::defaults();
    let failures: Vec<(u64, String)> = (0..20)
        .filter_map(|seed| {
            // Two endpoints and 10 blocks a run keep 20 suites fast.
            let base = RecordSpec::new(&NAMES[..2], 5, 10).run_sd(0.02);
            let head = RecordSpec::new(&NAMES[..2], 1, 10).run_sd(0.02);
            let base = base.seed(1_000 + seed).build();
            let head = head.seed(2_000 + seed).build();
            let c = compare(&base, &head, &gate);
            (c.outcome == Outcome::Fail).then(|| (seed, summary_line(&c)))
        })
        .collect();
    assert!(failures.is_empty(), "false fails: {failures:?}");
}

#[test]
fn an_error_rate_rise_beyond_the_allowance_fails_the_gate() {
    let base = baseline().build();
    let head = head().with(EndpointSpec::new("cart").failing(0.05)).build();
    let gate = GateSettings::defaults();
    assert_eq!(gate.suite.max_error_rate_increase, 0.01);
    let c = compare(&base, &head, &gate);
    let cart = &c.endpoints[2];
    assert_eq!(cart.name, "cart");
    assert_eq!(cart.errors.base_rate, 0.0);
    assert!((cart.errors.head_rate - 0.05).abs() < 0.005);
    assert!(cart.errors.regressed, "{:?}", cart.errors);
    assert!(c.endpoints[..2].iter().all(|e| !e.errors.regressed));
    assert_eq!(c.outcome, Outcome::Fail);
    assert!(summary_line(&c).contains("cart error rate"));
}

#[test]
fn endpoints_on_one_side_only_are_listed_not_compared() {
    let base = RecordSpec::new(&["home", "legacy"], 3, 10).build();
    let head = RecordSpec::new(&["home", "new"], 1, 10).seed(7).build();
    let c = compare(&base, &head, &GateSettings::defaults());
    assert_eq!(c.added, ["new"]);
    assert_eq!(c.removed, ["legacy"]);
    let compared: Vec<&str> = c.endpoints.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(compared, ["home"]);
}

#[test]
fn an_endpoint_one_side_sent_no_request_is_missing_and_fails_the_gate() {
    use VerdictName::Missing;
    let base = baseline().build();
    // The head's results hold the endpoint without a block, or lack it
    // though the head's suite lists it.
    let mut empty = head().build();
    empty.endpoints[1].blocks.clear();
    let mut dropped = head().build();
    dropped.endpoints.remove(1);
    for head in [empty, dropped] {
        let c = compare(&base, &head, &GateSettings::defaults());
        assert_eq!(c.outcome, Outcome::Fail, "{c:#?}");
        assert_eq!(
            c.failed,
            ["search p50, p95, p99: missing on head (the base measured it; the head's results hold no request of this endpoint)"]
        );
        assert!(c.removed.is_empty(), "{:?}", c.removed);
        assert_eq!(
            verdicts(&c, "search"),
            [
                (Metric::P50, Missing),
                (Metric::P95, Missing),
                (Metric::P99, Missing)
            ]
        );
        assert_eq!(c.sight.missing, 3);
        let line = summary_line(&c);
        assert!(
            line.starts_with("gate failed: search p50, p95, p99: missing on head")
                && line.ends_with("; 3 missing on one side"),
            "{line}"
        );
    }
    let mut dropped = baseline().build();
    dropped.endpoints.remove(1);
    let c = compare(&dropped, &head().build(), &GateSettings::defaults());
    assert_eq!(c.outcome, Outcome::Fail);
    assert_eq!(
        c.failed,
        ["search p50, p95, p99: missing on base (the head measured it; the base's results hold no request of this endpoint); a stored baseline recorded before the suite gated it: record it again with `benchgate baseline update`"]
    );
    assert!(c.added.is_empty(), "{:?}", c.added);
}

#[test]
fn a_per_endpoint_threshold_and_metrics_override_the_suite() {
    let base = baseline().build();
    let head = head().with(EndpointSpec::new("search").slower(1.2)).build();
    let suite = compare(&base, &head, &GateSettings::defaults());
    assert!(verdicts(&suite, "search").contains(&(Metric::P50, VerdictName::Regressed)));

    let mut gate = GateSettings::defaults();
    gate.endpoints = vec![
        EndpointGate {
            name: "search".into(),
            threshold: Some(1.0),
            metrics: None,
            phases: None,
        },
        EndpointGate {
            name: "cart".into(),
            threshold: None,
            metrics: Some(vec![Metric::Mean]),
            phases: None,
        },
    ];
    let c = compare(&base, &head, &gate);
    let thresholds: Vec<f64> = c.endpoints.iter().map(|e| e.threshold).collect();
    assert_eq!(thresholds, [0.10, 1.0, 0.10]);
    assert_eq!(c.threshold, 0.10);
    // 20% is below half of a 100% threshold: never a regression.
    assert!(regressed(&c).is_empty(), "{:?}", regressed(&c));
    assert_eq!(c.outcome, Outcome::Pass);
    let cart: Vec<Metric> = verdicts(&c, "cart").into_iter().map(|(m, _)| m).collect();
    assert_eq!(cart, [Metric::Mean]);
}

#[test]
fn compare_output_matches_the_json_schema() {
    let base = baseline().build();
    let head = head()
        .with(EndpointSpec::new("search").slower(1.5))
        .with(EndpointSpec::new("cart").failing(0.05))
        .build();
    let c = compare(&base, &head, &GateSettings::defaults());
    let json = serde_json::to_value(&c).expect("comparison serializes");
    let errors = crate::compare::testutil::schema_errors(&json);
    assert!(errors.is_empty(), "{errors:#?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn identical_inputs_never_regress(seed in 0u64..1_000, runs in 1usize..4, blocks in 3usize..7) {
        let record = small(seed, runs, blocks, 1.0);
        let c = compare(&record, &record.clone(), &GateSettings::defaults());
        // A record too short for any metric to see 10% is not judged.
        let expected = if c.sight.saw_nothing() { Outcome::NotJudged } else { Outcome::Pass };
        prop_assert_eq!(c.outcome, expected);
        prop_assert!(regressed(&c).is_empty());
    }

    #[test]
    fn swapping_base_and_head_inverts_every_ratio(
        seeds in (0u64..1_000, 1_000u64..2_000),
        runs in (1usize..4, 1usize..4),
        slowdown in 0.7f64..1.6,
    ) {
        let a = small(seeds.0, runs.0, 4, 1.0);
        let b = small(seeds.1, runs.1, 5, slowdown);
        let gate = GateSettings::defaults();
        let (ab, ba) = (compare(&a, &b, &gate), compare(&b, &a, &gate));
        for (e_ab, e_ba) in ab.endpoints.iter().zip(&ba.endpoints) {
            for (m_ab, m_ba) in e_ab.metrics.iter().zip(&e_ba.metrics) {
                // Tails of these small records have too few requests to be
                // compared, on both sides alike.
                match (m_ab.ratio, m_ba.ratio) {
                    (Some(r_ab), Some(r_ba)) => {
                        prop_assert!((r_ab * r_ba - 1.0).abs() < 1e-9, "{} × {}", r_ab, r_ba);
                    }
                    (None, None) => prop_assert!(m_ab.metric.quantile() > Some(0.5)),
                    other => prop_assert!(false, "one-sided ratio {:?}", other),
                }
            }
        }
    }
}

#[test]
fn a_run_in_which_no_gated_metric_could_see_is_not_judged_not_a_pass() {
    // Two short runs a side, each offset by machine phases of sd 30%, and
    // no change at all: no interval can rule 10% in or out.
    let spec = |seed| RecordSpec::new(&NAMES, 2, 4).run_sd(0.3).seed(seed);
    let mut not_judged = 0;
    for seed in 0..8 {
        let (base, head) = (spec(seed).build(), spec(100 + seed).build());
        let c = compare(&base, &head, &GateSettings::defaults());
        assert_eq!(c.sight.seeing, 0, "{}", summary_line(&c));
        // An estimate over 10% is named instead: a possible regression.
        let expected = if c.possible_regressions.is_empty() {
            not_judged += 1;
            Outcome::NotJudged
        } else {
            Outcome::PossibleRegression
        };
        assert_eq!(c.outcome, expected, "{}", summary_line(&c));
        assert!(summary_line(&c).starts_with("⚠ not judged: "));
        // With `gate.inconclusive: fail` the same run fails.
        let mut strict = GateSettings::defaults();
        strict.suite.inconclusive = crate::config::Inconclusive::Fail;
        assert_eq!(compare(&base, &head, &strict).outcome, Outcome::Fail);
    }
    assert!(not_judged > 0, "no seed left every estimate under 10%");
}

#[test]
fn an_undecided_estimate_over_the_threshold_is_a_possible_regression_not_a_pass() {
    // Two short runs a side, each run offset by machine phases of sd 30%:
    // search ×1.3 shows, but no interval can rule 10% in or out.
    let spec = |runs, seed| RecordSpec::new(&NAMES, runs, 4).run_sd(0.3).seed(seed);
    let base = spec(2, 1).build();
    let head = spec(2, 99)
        .with(EndpointSpec::new("search").slower(1.3))
        .build();
    let c = compare(&base, &head, &GateSettings::defaults());
    assert_eq!(
        c.outcome,
        Outcome::PossibleRegression,
        "{}",
        summary_line(&c)
    );
    let worst = &c.possible_regressions[0];
    assert!(worst.ratio > 1.1, "{worst:?}");
    for p in &c.possible_regressions {
        let e = c
            .endpoints
            .iter()
            .find(|e| e.name == p.endpoint)
            .expect("its endpoint");
        let m = e
            .metrics
            .iter()
            .find(|m| m.metric.name() == p.metric)
            .expect("its metric");
        assert_eq!(m.verdict, VerdictName::Inconclusive);
    }
    assert!(
        summary_line(&c).starts_with("⚠ not judged: "),
        "{}",
        summary_line(&c)
    );
    // With `gate.inconclusive: fail` the same run fails.
    let mut strict = GateSettings::defaults();
    strict.suite.inconclusive = crate::config::Inconclusive::Fail;
    assert_eq!(compare(&base, &head, &strict).outcome, Outcome::Fail);
}
