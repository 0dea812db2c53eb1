//! Latency through `compare()`: a tail with too few requests above it is
//! not compared, and the curves follow the pooled latencies.

use crate::compare::simulated::*;
use crate::compare::*;
use crate::config::Metric;
use crate::record::EndpointRecord;

#[test]
fn a_tail_with_too_few_requests_above_it_is_not_compared() {
    // 5 blocks × 30 requests = 150 per side: enough for p50 (20 needed) but
    // not for p95 (200) or p99 (1,000), whatever the data say.
    let base = small(1, 1, 5, 1.0);
    let head = small(2, 1, 5, 3.0);
    let c = compare(&base, &head, &GateSettings::defaults());
    let b = c
        .endpoints
        .iter()
        .find(|e| e.name == "b")
        .expect("endpoint b");
    for m in &b.metrics {
        match m.metric {
            Metric::P50 => assert_eq!(m.verdict, VerdictName::Regressed, "{m:?}"),
            _ => {
                assert_eq!(m.verdict, VerdictName::Inconclusive, "{m:?}");
                assert_eq!(m.ratio, None);
                let note = m.note.as_deref().unwrap_or_default();
                assert!(note.starts_with("too few requests for p9"), "{note}");
                assert!(note.contains("150 on the smaller side"), "{note}");
            }
        }
    }
}

/// The curves `compare()` adds for the HTML report's plots.
#[test]
fn curves_follow_the_pooled_latencies_and_are_empty_without_data() {
    let names = ["home", "down"];
    let base = RecordSpec::new(&names, 2, 5).build();
    let head = RecordSpec::new(&names, 1, 5)
        .seed(7)
        .with(EndpointSpec::new("home").slower(1.5))
        .with(EndpointSpec::new("down").failing(1.0))
        .build();
    let c = compare(&base, &head, &GateSettings::defaults());
    let home = &c.endpoints[0].curves;
    for side in [&home.base, &home.head] {
        let qs: Vec<f64> = side.iter().map(|p| p.q).collect();
        assert_eq!(qs, CURVE_QUANTILES);
        assert!(side.windows(2).all(|w| w[0].ms <= w[1].ms), "{side:?}");
    }
    let ratio = home.head[0].ms / home.base[0].ms;
    assert!((1.35..1.65).contains(&ratio), "p50 ratio {ratio}");
    let pooled = base.endpoint("home").map(EndpointRecord::pooled);
    let max = pooled.map(|h| h.max() as f64 / 1000.0);
    assert_eq!(home.base.last().map(|p| p.ms), max);

    let down = &c.endpoints[1].curves;
    assert_eq!(down.base.len(), CURVE_QUANTILES.len());
    assert!(down.head.is_empty(), "{down:?}");
}
