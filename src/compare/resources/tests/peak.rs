//! `peak_rss` through `compare()`: a head holding 1.5× the memory, or
//! leaking, fails on the app row in stored and A/B mode; the same memory
//! passes; and the app row holds `cpu/request` and `peak_rss` side by side.

use super::*;
use crate::record::{Pairing, ResourceBlock, Resources};

/// `record` with resource blocks: 300 µs of CPU per request and RSS of
/// `40 MiB × factor`, growing by `grow_mib` per block of a run, with ±1%
/// jitter of its own.
fn with_memory(mut record: RunRecord, factor: f64, grow_mib: f64, seed: u64) -> RunRecord {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut index_in_run = std::collections::BTreeMap::<u32, u32>::new();
    let blocks = (0..record.endpoints[0].blocks.len())
        .map(|b| {
            let run = record.endpoints[0].blocks[b].run;
            let i = index_in_run.entry(run).or_default();
            let ok: u64 = record
                .endpoints
                .iter()
                .map(|e| e.blocks[b].outcomes.ok)
                .sum();
            let jitter = 1.0 + 0.02 * (rng.random::<f64>() - 0.5);
            let mib = (40.0 * factor + grow_mib * f64::from(*i)) * jitter;
            *i += 1;
            ResourceBlock {
                run,
                cpu_us: 300 * ok,
                ok,
                cpu_cores: 0.3,
                rss_bytes: (mib * 1024.0 * 1024.0) as u64,
            }
        })
        .collect();
    record.resources = Some(Resources {
        absent: None,
        blocks,
    });
    record
}

fn gate(metrics: &[Metric]) -> GateSettings {
    let mut gate = GateSettings::defaults();
    gate.suite.metrics.extend_from_slice(metrics);
    gate
}

/// Two sides of one A/B run: one round of 20 block pairs each.
fn paired_sides(head_factor: f64, head_grow: f64) -> (RunRecord, RunRecord) {
    let mut base = with_memory(RecordSpec::new(&NAMES, 1, 20).build(), 1.0, 0.0, 1);
    let mut head = with_memory(
        RecordSpec::new(&NAMES, 1, 20).seed(5).build(),
        head_factor,
        head_grow,
        2,
    );
    base.pairing = Some(Pairing::Random);
    head.pairing = Some(Pairing::Random);
    (base, head)
}

#[test]
fn one_and_a_half_times_the_memory_fails_on_the_app_row_in_stored_mode() {
    let base = with_memory(baseline().build(), 1.0, 0.0, 1);
    let same = with_memory(head().build(), 1.0, 0.0, 2);
    let c = compare(&base, &same, &gate(&[Metric::PeakRss]));
    assert_eq!(
        verdicts(&c, APP_ROW),
        vec![(Metric::PeakRss, VerdictName::Unchanged)],
        "{c:#?}"
    );
    assert_eq!(c.outcome, Outcome::Pass);

    let fat = with_memory(head().build(), 1.5, 0.0, 2);
    let c = compare(&base, &fat, &gate(&[Metric::PeakRss]));
    assert_eq!(regressed(&c), vec![(APP_ROW.to_string(), Metric::PeakRss)]);
    assert_eq!(c.outcome, Outcome::Fail);
    let row = &c.endpoints.last().expect("app row").metrics[0];
    let (b, h) = (
        row.base_ms.expect("base MiB"),
        row.head_ms.expect("head MiB"),
    );
    assert!(
        (40.0..40.5).contains(&b) && (60.0..60.7).contains(&h),
        "{row:?}"
    );
    assert!((1.45..1.55).contains(&row.ratio.expect("ratio")), "{row:?}");
}

#[test]
fn in_a_b_mode_a_fat_or_leaking_head_fails_and_the_same_memory_passes() {
    let (base, same) = paired_sides(1.0, 0.0);
    let c = compare(&base, &same, &gate(&[Metric::PeakRss]));
    assert!(c.pairing.is_some());
    assert_eq!(
        verdicts(&c, APP_ROW),
        vec![(Metric::PeakRss, VerdictName::Unchanged)],
        "{c:#?}"
    );
    for (factor, grow) in [(1.5, 0.0), (1.0, 1.0)] {
        let (base, head) = paired_sides(factor, grow);
        let c = compare(&base, &head, &gate(&[Metric::PeakRss]));
        assert_eq!(
            regressed(&c),
            vec![(APP_ROW.to_string(), Metric::PeakRss)],
            "×{factor} +{grow} MiB/block: {c:#?}"
        );
    }
}

#[test]
fn cpu_and_peak_rss_share_the_app_row_and_each_is_judged_alone() {
    let (base, head) = paired_sides(1.5, 0.0);
    let c = compare(&base, &head, &gate(&[Metric::PeakRss, Metric::Cpu]));
    assert_eq!(
        verdicts(&c, APP_ROW),
        vec![
            (Metric::Cpu, VerdictName::Unchanged),
            (Metric::PeakRss, VerdictName::Regressed)
        ],
        "{c:#?}"
    );
    assert_eq!(c.endpoint_count(), NAMES.len());
}

#[test]
fn peak_rss_that_was_not_measured_is_absent_and_said_once() {
    let base = baseline().build();
    let c = compare(&base, &head().build(), &gate(&[Metric::PeakRss]));
    assert!(c.endpoints.iter().all(|e| !e.is_app()));
    let said: Vec<&String> = c
        .warnings
        .iter()
        .filter(|w| w.starts_with("peak_rss is not compared"))
        .collect();
    assert_eq!(said.len(), 1, "{:?}", c.warnings);
    // One head run cannot see 10% on any metric: not judged, not failed.
    assert_eq!(c.outcome, Outcome::NotJudged);
}
