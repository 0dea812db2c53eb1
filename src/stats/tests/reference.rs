//! Pinned reference values: every distribution function and test statistic
//! the engine uses, checked against numbers computed with SciPy 1.17.1 /
//! statsmodels 0.15.0 (the exact call is in each comment), plus hand-built
//! data whose answer is known in closed form.

use crate::stats::dist::{t_quantile, t_sf, Pivot};
use crate::stats::testutil::histogram_of;
use crate::stats::*;

fn close(actual: f64, expected: f64, rel: f64) {
    let err = (actual - expected).abs() / expected.abs().max(1e-300);
    assert!(
        err <= rel || (expected == 0.0 && actual.abs() < 1e-300),
        "{actual} vs {expected} (rel err {err:e})"
    );
}

#[test]
fn student_t_quantiles_match_scipy() {
    // scipy.stats.t.ppf(1 - a/2, df)
    let cases = [
        (0.05, 1.0, 12.706204736174694),
        (0.05, 4.0, 2.7764451051977934),
        (0.01, 2.0, 9.924843200918287),
        (0.01 / 30.0, 4.0, 11.438401252226145),
        (0.01 / 30.0, 9.0, 5.602198596654496),
        (0.05, 29.0, 2.045229642132703),
        (0.05, 57.3, 2.002238268231336),
        (1e-5, 1.0, 63661.977231105084),
        (1e-6, 3.0, 130.15458956192757),
    ];
    for (a, df, expected) in cases {
        close(t_quantile(1.0 - a / 2.0, df), expected, 1e-9);
    }
    // scipy.stats.t.ppf(0.95, 4) — the power term of `detectable`.
    close(t_quantile(0.95, 4.0), 2.1318467863266495, 1e-9);
}

#[test]
fn student_t_tails_match_scipy() {
    // scipy.stats.t.sf(x, df)
    let cases = [
        (3f64.sqrt(), 2.0, 0.11270166537925833),
        (3.5, 29.0, 0.0007622231573273012),
        (10.0, 4.0, 0.0002810018113579955),
        (0.3, 57.3, 0.3826314083003724),
    ];
    for (x, df, expected) in cases {
        close(t_sf(x, df), expected, 1e-9);
    }
}

#[test]
fn normal_limit_matches_scipy() {
    // scipy.stats.norm.ppf(0.975), norm.ppf(1 - 0.01/60), norm.sf(4.0)
    close(t_quantile(0.975, f64::INFINITY), 1.959963984540054, 1e-9);
    close(t_quantile(1.0 - 0.01 / 60.0, 1e9), 3.5879146722879613, 1e-9);
    close(t_sf(4.0, f64::INFINITY), 3.167124183311986e-05, 1e-9);
}

#[test]
fn clopper_pearson_matches_scipy() {
    // scipy.stats.binomtest(k, n).proportion_ci(confidence_level=c, method='exact')
    let cases = [
        (0, 20, 0.95, 0.0, 0.16843347098308548),
        (3, 20, 0.95, 0.03207093718554477, 0.37892682654529564),
        (20, 20, 0.95, 0.8315665290169145, 1.0),
        (195, 200, 0.95, 0.9426256488727329, 0.9918338338092901),
        (1, 1000, 0.95, 2.5317487491674634e-05, 0.0055589242798499),
        (7, 50, 0.99, 0.042468787378833785, 0.3091069659648189),
    ];
    for (k, n, c, lo, hi) in cases {
        let (l, h) = clopper_pearson(k, n, c);
        close(l, lo, 1e-8);
        close(h, hi, 1e-8);
    }
    assert_eq!(clopper_pearson(0, 0, 0.95), (0.0, 1.0));
    assert!(clopper_pearson(5, 4, 0.95).0.is_nan());
}

#[test]
fn error_rate_p_values_match_statsmodels() {
    // statsmodels.stats.proportion.test_proportions_2indep(head_err, head_n,
    //   base_err, base_n, value=d, compare='diff', method='score',
    //   alternative='larger', correction=False).pvalue
    let cases = [
        (10, 1000, 5, 1000, 0.01, 0.8836862512729937),
        (30, 1000, 5, 1000, 0.01, 0.0028750168200009844),
        (0, 500, 0, 500, 0.01, 0.9876906193095897),
        (50, 2000, 10, 2000, 0.005, 2.143024161939875e-05),
        (12, 400, 4, 400, 0.0, 0.02167587563043134),
        (3, 300, 9, 300, 0.02, 0.9987521481136842),
    ];
    for (he, hn, be, bn, margin, expected) in cases {
        let r: ErrorRateResult =
            error_rate_test(be, bn, he, hn, margin, 0.01).expect("valid input");
        close(r.p_value, expected, 1e-8);
        assert_eq!(r.exceeded, expected <= 0.01);
    }
}

#[test]
fn error_rate_lower_bound_inverts_the_test() {
    let r = error_rate_test(10, 2000, 50, 2000, 0.005, 0.01).expect("valid input");
    // At the bound itself the test sits exactly at alpha.
    let at = error_rate_test(10, 2000, 50, 2000, r.lower, 0.01).expect("valid input");
    close(at.p_value, 0.01, 1e-6);
    assert!(r.lower > 0.005 && r.lower < r.increase);
    assert!(error_rate_test(0, 0, 1, 10, 0.01, 0.01).is_none());
    assert!(error_rate_test(1, 10, 11, 10, 0.01, 0.01).is_none());
}

#[test]
fn holm_matches_statsmodels() {
    // statsmodels.stats.multitest.multipletests([0.01, 0.04, 0.03, 0.005],
    //   method='holm') -> reject [T, F, F, T], adjusted [0.03, 0.06, 0.06, 0.02]
    let p = [0.01, 0.04, 0.03, 0.005];
    let adjusted = holm_adjusted(&p);
    for (a, e) in adjusted.iter().zip([0.03, 0.06, 0.06, 0.02]) {
        close(*a, e, 1e-12);
    }
    assert_eq!(holm(&p, 0.05), [true, false, false, true]);
    // multipletests([0.2, 0.001, 0.013, 0.04, 0.011, 0.9], alpha=0.05,
    //   method='holm') -> adjusted [0.4, 0.006, 0.055, 0.12, 0.055, 0.9]
    let p = [0.2, 0.001, 0.013, 0.04, 0.011, 0.9];
    for (a, e) in holm_adjusted(&p)
        .iter()
        .zip([0.4, 0.006, 0.055, 0.12, 0.055, 0.9])
    {
        close(*a, e, 1e-12);
    }
    assert_eq!(holm(&p, 0.05), [false, true, false, false, false, false]);
    // Levels: rank 1 rejected at 0.05/6; rank 2 (p = 0.011) fails at 0.05/5,
    // so it and everything after are judged at 0.01.
    let levels = holm_levels(&p, 0.05);
    close(levels[1], 0.05 / 6.0, 1e-12);
    for i in [0, 2, 3, 4, 5] {
        close(levels[i], 0.01, 1e-12);
    }
}

#[test]
fn pooled_statistics_match_hdrhistogram() {
    let blocks: Vec<_> = (0..5u64)
        .map(|b| histogram_of(&(0..40).map(|i| 500 + 37 * i * (b + 1)).collect::<Vec<_>>()))
        .collect();
    let mut merged = crate::stats::testutil::histogram();
    for b in &blocks {
        merged.add(b).expect("same bounds");
    }
    let side = Side::single_run(blocks.iter().collect());
    let prepared = crate::stats::blocks::Prepared::new(&side.runs);
    let stats = [
        Statistic::Quantile(0.5),
        Statistic::Quantile(0.95),
        Statistic::Quantile(0.99),
        Statistic::Quantile(1.0),
        Statistic::Mean,
    ];
    let pooled = crate::stats::blocks::pooled(&prepared, &stats);
    for (q, v) in [0.5, 0.95, 0.99, 1.0].iter().zip(&pooled) {
        assert_eq!(*v, Some(merged.value_at_quantile(*q) as f64), "q = {q}");
    }
    close(pooled[4].expect("mean"), merged.mean(), 1e-12);
}

/// Three base runs with constant latencies 1000, 1100, 1210 µs (no
/// within-run noise) and one head run at 1331 µs: the pooled base p50 is
/// 1100, d = 2·ln 1.1, the per-run ln values have variance (ln 1.1)², and
/// se = ln 1.1 · √(1/3 + 1) with 2 degrees of freedom, so t = √3.
#[test]
fn between_run_pivot_matches_closed_form() {
    let h = |v: u64| histogram_of(&[v; 10]);
    let base_runs = [[h(1000), h(1000)], [h(1100), h(1100)], [h(1210), h(1210)]];
    let head_run = [h(1331), h(1331), h(1331)];
    let base = Side {
        runs: base_runs.iter().map(|r| r.iter().collect()).collect(),
    };
    let head = Side::single_run(head_run.iter().collect());
    let e =
        estimate_unpaired(&base, &head, Statistic::Quantile(0.5), 0.05, 7).expect("enough blocks");
    assert_eq!(e.base, 1100.0);
    assert_eq!(
        e.noise,
        NoiseModel::BetweenRuns {
            base_runs: 3,
            head_runs: 1
        }
    );
    assert_eq!(e.df, 2.0);
    close(e.ratio, 1.21, 1e-12);
    // 2 * scipy.stats.t.sf(sqrt(3), 2)
    close(e.p_value, 0.22540333075851665, 1e-9);
    // exp(2 ln 1.1 ∓ scipy.stats.t.ppf(0.975, 2) * ln 1.1 * sqrt(4/3))
    close(e.lower, 0.7535899707038015, 1e-9);
    close(e.upper, 1.9428337118561056, 1e-9);
}

#[test]
fn pivot_detectable_uses_both_quantiles() {
    let p = Pivot {
        log_ratio: 0.0,
        se: 0.02,
        df: 4.0,
    };
    // se * (t.ppf(0.975, 4) + t.ppf(0.95, 4)), then exp(.) - 1
    let expected = (0.02f64 * (2.7764451051977934 + 2.1318467863266495)).exp_m1();
    close(p.detectable(0.05, 0.95), expected, 1e-9);
    assert_eq!(p.p_value(), 1.0);
}

#[test]
fn verdicts_follow_the_design_rule() {
    let iv = |ratio, lower, upper| AdjustedInterval {
        ratio,
        lower,
        upper,
        level: 0.01,
        detectable: 0.0,
    };
    let t = 0.10;
    assert_eq!(verdict(&iv(1.2, 1.1, 1.3), t), Verdict::Regressed);
    assert_eq!(verdict(&iv(1.06, 1.01, 1.09), t), Verdict::Regressed);
    // Significant but below T/2: never fails.
    assert_eq!(verdict(&iv(1.04, 1.01, 1.07), t), Verdict::Unchanged);
    assert_eq!(verdict(&iv(1.04, 1.01, 1.12), t), Verdict::Inconclusive);
    assert_eq!(verdict(&iv(0.8, 0.75, 0.85), t), Verdict::Improved);
    assert_eq!(verdict(&iv(1.0, 0.95, 1.05), t), Verdict::Unchanged);
    assert_eq!(verdict(&iv(1.05, 0.9, 1.2), t), Verdict::Inconclusive);
    assert_eq!(
        verdict(&iv(1.0, 0.0, f64::INFINITY), t),
        Verdict::Inconclusive
    );
    assert_eq!(
        verdict(&iv(1.0, 0.95, 1.05), f64::NAN),
        Verdict::Inconclusive
    );
}

#[test]
fn too_little_data_gives_none() {
    let blocks: Vec<_> = (0..4)
        .map(|i| histogram_of(&[1000 + i, 1100, 1200]))
        .collect();
    let empty = crate::stats::testutil::histogram();
    let two = Side::single_run(blocks[..2].iter().collect());
    let three = Side::single_run(blocks[..3].iter().collect());
    let padded = Side::single_run(vec![&blocks[0], &blocks[1], &empty, &empty]);
    let p50 = Statistic::Quantile(0.5);
    assert!(estimate_unpaired(&two, &three, p50, 0.05, 1).is_none());
    assert!(estimate_unpaired(&three, &two, p50, 0.05, 1).is_none());
    assert!(estimate_unpaired(&padded, &three, p50, 0.05, 1).is_none());
    assert!(estimate_unpaired(&Side::default(), &three, p50, 0.05, 1).is_none());
    assert!(estimate_unpaired(&three, &three, p50, 0.05, 1).is_some());
    assert!(estimate_unpaired(&three, &three, Statistic::Quantile(0.0), 0.05, 1).is_none());
    assert!(estimate_unpaired(&three, &three, p50, 1.5, 1).is_none());
    let pairs: Vec<_> = blocks[..2].iter().map(|b| (b, b)).collect();
    assert!(estimate_paired(&pairs, p50, 0.05, 1).is_none());
}
