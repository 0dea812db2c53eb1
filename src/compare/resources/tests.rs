//! The app's resources through `compare()`: `cpu/request` gated as the app
//! row, said once when not measured, and a leaking head warned about.

use rand::Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::compare::simulated::*;
use crate::compare::*;
use crate::config::Metric;
use crate::record::RunRecord;

/// `record` with resource blocks doing `us` CPU µs per request (each
/// block's mix of endpoints), RSS growing by `grow_mib` per block.
fn with_cpu(mut record: RunRecord, us: f64, grow_mib: f64) -> RunRecord {
    let blocks = record.endpoints[0].blocks.len();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    record.resources = Some(crate::record::Resources {
        absent: None,
        blocks: (0..blocks)
            .map(|b| {
                let ok: u64 = record
                    .endpoints
                    .iter()
                    .map(|e| e.blocks[b].outcomes.ok)
                    .sum();
                let noise = 1.0 + 0.02 * (rng.random::<f64>() - 0.5);
                crate::record::ResourceBlock {
                    run: record.endpoints[0].blocks[b].run,
                    cpu_us: (us * noise * ok as f64) as u64,
                    ok,
                    cpu_cores: 0.3,
                    rss_bytes: ((40.0 + grow_mib * (b % 20) as f64) * 1024.0 * 1024.0) as u64,
                }
            })
            .collect(),
    });
    record
}

fn cpu_gate() -> GateSettings {
    let mut gate = GateSettings::defaults();
    gate.suite.metrics.push(Metric::Cpu);
    gate
}

#[test]
fn cpu_per_request_is_gated_as_the_app_row() {
    let base = with_cpu(baseline().build(), 300.0, 0.0);
    let same = with_cpu(head().build(), 300.0, 0.0);
    let c = compare(&base, &same, &cpu_gate());
    assert_eq!(
        verdicts(&c, APP_ROW),
        vec![(Metric::Cpu, VerdictName::Unchanged)],
        "{c:#?}"
    );
    let slow = with_cpu(head().build(), 400.0, 0.0);
    let c = compare(&base, &slow, &cpu_gate());
    assert_eq!(regressed(&c), vec![(APP_ROW.to_string(), Metric::Cpu)]);
    assert_eq!(c.outcome, Outcome::Fail);
    // Not gated: no row.
    let c = compare(&base, &slow, &GateSettings::defaults());
    assert!(c.endpoints.iter().all(|e| !e.is_app()));
}

#[test]
fn cpu_that_was_not_measured_is_absent_and_said_once() {
    let base = baseline().build();
    let mut head = head().build();
    head.resources = Some(crate::record::Resources::absent(
        "the suite targets base_url without app.command",
    ));
    let c = compare(&base, &head, &cpu_gate());
    assert!(c.endpoints.iter().all(|e| !e.is_app()));
    let said: Vec<&String> = c
        .warnings
        .iter()
        .filter(|w| w.starts_with("cpu/request is not compared"))
        .collect();
    assert_eq!(said.len(), 1, "{:?}", c.warnings);
    // One head run cannot see 10% on any metric: not judged, not failed.
    assert_eq!(c.outcome, Outcome::NotJudged);
}

#[test]
fn a_leaking_head_is_warned_about_and_the_output_matches_the_schema() {
    let base = with_cpu(baseline().build(), 300.0, 0.0);
    let head = with_cpu(head().build(), 300.0, 2.0);
    let c = compare(&base, &head, &cpu_gate());
    let memory = c.memory.expect("both sides measured memory");
    assert!(memory.head.growth_mib > 30.0, "{memory:?}");
    assert!(
        c.warnings
            .iter()
            .any(|w| w.starts_with("memory: the head grew")),
        "{:?}",
        c.warnings
    );
    let json = serde_json::to_value(&c).expect("comparison serializes");
    let errors = crate::compare::testutil::schema_errors(&json);
    assert!(errors.is_empty(), "{errors:#?}");
}

mod peak;

#[test]
fn cpu_one_side_did_not_measure_is_missing_and_fails_the_gate() {
    let base = with_cpu(baseline().build(), 300.0, 0.0);
    let mut head = head().build();
    head.resources = Some(crate::record::Resources::absent(
        "the suite targets base_url without app.command",
    ));
    let c = compare(&base, &head, &cpu_gate());
    assert_eq!(c.outcome, Outcome::Fail, "{:#?}", c.warnings);
    assert_eq!(
        c.failed,
        ["the app's cpu/request: missing on head (the base measured it; not measured on the head: the suite targets base_url without app.command)"]
    );
    assert_eq!(
        verdicts(&c, APP_ROW),
        vec![(Metric::Cpu, VerdictName::Missing)]
    );
    assert_eq!(c.sight.missing, 1);
    // A base recorded before resources were read lacks it too.
    let head = with_cpu(crate::compare::simulated::head().build(), 300.0, 0.0);
    let c = compare(&baseline().build(), &head, &cpu_gate());
    assert_eq!(c.outcome, Outcome::Fail);
    assert_eq!(
        c.failed,
        ["the app's cpu/request: missing on base (the head measured it; the base was recorded by a benchgate that did not read the app's CPU time and memory); a stored baseline recorded before the suite gated it: record it again with `benchgate baseline update`"]
    );
}

/// `record` with a varied mix of endpoints per block (10–40 successful
/// requests each) and resource blocks whose CPU is each endpoint's
/// `costs_us` per request, ±1% per block.
fn with_endpoint_costs(mut record: RunRecord, costs_us: &[f64], seed: u64) -> RunRecord {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let blocks = record.endpoints[0].blocks.len();
    let mut cpu = vec![0.0; blocks];
    let mut ok = vec![0u64; blocks];
    for (e, endpoint) in record.endpoints.iter_mut().enumerate() {
        for (b, block) in endpoint.blocks.iter_mut().enumerate() {
            let n = rng.random_range(10..=40u64);
            block.outcomes.ok = n;
            cpu[b] += n as f64 * costs_us[e];
            ok[b] += n;
        }
    }
    record.resources = Some(crate::record::Resources {
        absent: None,
        blocks: (0..blocks)
            .map(|b| crate::record::ResourceBlock {
                run: record.endpoints[0].blocks[b].run,
                cpu_us: (cpu[b] * (1.0 + 0.02 * (rng.random::<f64>() - 0.5))) as u64,
                ok: ok[b],
                cpu_cores: 0.3,
                rss_bytes: 40 << 20,
            })
            .collect(),
    });
    record
}

#[test]
fn a_cpu_rise_on_one_endpoint_names_it_in_the_comparison_and_the_schema_holds() {
    let n = baseline().build().endpoints.len();
    assert!(n >= 3, "the simulated suite has {n} endpoints");
    let costs: Vec<f64> = (0..n).map(|e| 300.0 * (e + 1) as f64).collect();
    let mut slower = costs.clone();
    slower[1] *= 1.3;
    let base = with_endpoint_costs(baseline().build(), &costs, 1);
    let head = with_endpoint_costs(head().build(), &slower, 2);
    let c = compare(&base, &head, &cpu_gate());
    let named: Vec<&str> = c
        .cpu_by_endpoint
        .iter()
        .filter(|e| e.named)
        .map(|e| e.endpoint.as_str())
        .collect();
    assert_eq!(
        named,
        [base.endpoints[1].name.as_str()],
        "{:#?}",
        c.cpu_by_endpoint
    );
    let json = serde_json::to_value(&c).expect("comparison serializes");
    let errors = crate::compare::testutil::schema_errors(&json);
    assert!(errors.is_empty(), "{errors:#?}\n{json:#}");
    // Not gated: no attribution.
    let c = compare(&base, &head, &GateSettings::defaults());
    assert!(c.cpu_by_endpoint.is_empty());
}
