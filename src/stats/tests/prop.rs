//! Property tests: symmetries and invariants that must hold for any data.
//! Case counts are modest so the module runs in seconds in debug builds.

use hdrhistogram::Histogram;
use proptest::prelude::*;

use crate::stats::testutil::histogram_of;
use crate::stats::*;

/// 3–7 blocks of 1–15 latencies each.
fn blocks() -> impl Strategy<Value = Vec<Vec<u64>>> {
    prop::collection::vec(prop::collection::vec(1u64..200_000, 1..15), 3..7)
}

fn statistic() -> impl Strategy<Value = Statistic> {
    prop_oneof![
        (0.01f64..=1.0).prop_map(Statistic::Quantile),
        Just(Statistic::Mean),
    ]
}

fn build(values: &[Vec<u64>]) -> Vec<Histogram<u64>> {
    values.iter().map(|b| histogram_of(b)).collect()
}

fn boot() -> Bootstrap {
    Bootstrap {
        resamples: 20,
        seed: 5,
    }
}

fn one(
    base: &Side<Histogram<u64>>,
    head: &Side<Histogram<u64>>,
    stat: Statistic,
) -> Option<Estimate> {
    estimate_unpaired_many(base, head, &[stat], 0.05, boot())
        .pop()
        .flatten()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn swapping_sides_inverts_the_ratio(a in blocks(), b in blocks(), stat in statistic()) {
        let (a, b) = (build(&a), build(&b));
        let (sa, sb) = (Side::single_run(a.iter().collect()), Side::single_run(b.iter().collect()));
        let ab = one(&sa, &sb, stat).expect("3+ non-empty blocks");
        let ba = one(&sb, &sa, stat).expect("3+ non-empty blocks");
        prop_assert!((ab.ratio * ba.ratio - 1.0).abs() < 1e-12);
        prop_assert_eq!(ab.base, ba.head);
    }

    #[test]
    fn identical_sides_never_regress(a in blocks(), stat in statistic(), level in 1e-4f64..0.5) {
        let a = build(&a);
        let side = Side::single_run(a.iter().collect());
        let e = one(&side, &side, stat).expect("3+ non-empty blocks");
        prop_assert_eq!(e.ratio, 1.0);
        prop_assert!(e.lower <= 1.0 && e.upper >= 1.0);
        prop_assert_ne!(verdict(&e.adjusted(level), 0.1), Verdict::Regressed);
    }

    #[test]
    fn paired_swap_inverts_the_ratio(a in blocks(), b in blocks(), stat in statistic()) {
        let (a, b) = (build(&a), build(&b));
        let ab: Vec<_> = a.iter().zip(&b).collect();
        let ba: Vec<_> = b.iter().zip(&a).collect();
        if let (Some(x), Some(y)) = (estimate_paired(&ab, stat, 0.05, 3), estimate_paired(&ba, stat, 0.05, 3)) {
            prop_assert!((x.ratio * y.ratio - 1.0).abs() < 1e-12);
            // Same resampled pairs, so the same standard error.
            prop_assert!((x.log_se - y.log_se).abs() < 1e-9);
        }
    }

    #[test]
    fn holm_sits_between_bonferroni_and_unadjusted(
        p in prop::collection::vec(0.0f64..=1.0, 1..40),
        alpha in 0.001f64..0.2,
    ) {
        let m = p.len() as f64;
        let rejected = holm(&p, alpha);
        let adjusted = holm_adjusted(&p);
        let levels = holm_levels(&p, alpha);
        for i in 0..p.len() {
            prop_assert!(!rejected[i] || p[i] <= alpha);
            prop_assert!(rejected[i] || p[i] > alpha / m);
            prop_assert!(adjusted[i] >= p[i] && adjusted[i] <= 1.0);
            prop_assert!(levels[i] >= alpha / m * (1.0 - 1e-12) && levels[i] <= alpha);
            // The level reproduces Holm's decision.
            prop_assert_eq!(p[i] <= levels[i], rejected[i]);
            for j in 0..p.len() {
                if p[i] <= p[j] {
                    prop_assert!(adjusted[i] <= adjusted[j]);
                }
            }
        }
    }

    #[test]
    fn clopper_pearson_contains_the_estimate(n in 1u64..2000, frac in 0.0f64..=1.0, c in 0.5f64..0.999) {
        let k = (frac * n as f64).round() as u64;
        let (lo, hi) = clopper_pearson(k, n, c);
        let p = k as f64 / n as f64;
        prop_assert!(0.0 <= lo && lo <= p + 1e-12 && p <= hi + 1e-12 && hi <= 1.0);
    }

    #[test]
    fn error_rate_p_value_grows_with_the_margin(
        n0 in 50u64..5000, n1 in 50u64..5000, f0 in 0.0f64..0.2, f1 in 0.0f64..0.2,
        m1 in 0.0f64..0.2, m2 in 0.0f64..0.2,
    ) {
        let (x0, x1) = ((f0 * n0 as f64) as u64, (f1 * n1 as f64) as u64);
        let (small, large) = if m1 <= m2 { (m1, m2) } else { (m2, m1) };
        let a = error_rate_test(x0, n0, x1, n1, small, 0.01).expect("valid");
        let b = error_rate_test(x0, n0, x1, n1, large, 0.01).expect("valid");
        prop_assert!(a.p_value <= b.p_value + 1e-12);
        prop_assert!(a.lower <= a.increase + 1e-12);
    }
}
