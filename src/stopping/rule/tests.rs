//! The sequential rule: its levels, its decisions on plain data, and a
//! simulation of whole runs against a fixed-length run of the same median
//! length.
//!
//! The simulation draws each round's log ratio per metric directly — an
//! instance offset shared by the endpoints of a round (two fresh app
//! instances per round), plus the round's own sampling noise — and builds
//! each look's interval as the gate does for rounds: the mean of the
//! per-round log ratios, its standard error on R − 1 degrees of freedom,
//! Holm across the suite at the look's level, the four-way verdict and the
//! smallest detectable change. The decisions then go through [`decide`],
//! the rule `judge` applies to real comparisons. Thousands of runs through
//! the histogram engine would take minutes in a debug build; the engine's
//! own coverage is tested in `stats`.

use rand::Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::*;
use crate::compare::Stopping;
use crate::stats::{holm_levels, verdict, AdjustedInterval};

fn look(round: u32, min_rounds: u32, max_rounds: u32) -> Look {
    Look {
        round,
        min_rounds,
        max_rounds,
    }
}

#[test]
fn the_looks_spend_at_most_the_suites_alpha() {
    for (min, max) in [(4, 24), (1, 40), (5, 6), (3, 3)] {
        let alpha = 0.01;
        let total: f64 = (min..=max).map(|r| look(r, min, max).level(alpha)).sum();
        assert!(total <= alpha * (1.0 + 1e-12), "{min}..{max}: {total}");
        assert!(total >= alpha * (1.0 - 1e-12), "{min}..{max}: {total}");
    }
    // A fixed-length run has one look at the full level.
    assert_eq!(look(3, 3, 3).level(0.05), 0.05);
    // Interim looks share a tenth of α evenly; the last keeps the rest.
    assert!((look(4, 4, 24).level(0.01) - 0.001 / 20.0).abs() < 1e-15);
    assert!((look(24, 4, 24).level(0.01) - 0.009).abs() < 1e-15);
}

fn metric(nominal: VerdictName, strict: VerdictName, detectable: Option<f64>) -> MetricLook {
    MetricLook {
        label: "e p50".into(),
        nominal,
        strict,
        detectable,
        threshold: 0.10,
    }
}

#[test]
fn a_look_stops_only_when_nothing_worth_waiting_for_is_open() {
    use VerdictName::*;
    let at = look(8, 4, 16);
    let unchanged = metric(Unchanged, Inconclusive, Some(0.05));
    assert_eq!(
        decide(at, std::slice::from_ref(&unchanged), false),
        Ok(StopReason::Decided)
    );
    assert_eq!(
        decide(at, std::slice::from_ref(&unchanged), true),
        Ok(StopReason::ClearFailure)
    );
    // Regressed at the suite's confidence but not at the strict level: a
    // stop now would fail the build at a level the look may not spend.
    let suspect = metric(Regressed, Inconclusive, Some(0.08));
    assert_eq!(
        decide(at, &[unchanged.clone(), suspect], false),
        Err(vec!["e p50".to_string()])
    );
    // Improved at the strict level: decided.
    let faster = metric(Improved, Improved, Some(0.05));
    assert_eq!(decide(at, &[faster], false), Ok(StopReason::Decided));
    // Inconclusive at 20% after half the budget: about 14% at its end,
    // within reach of 1.5 × 10%; at 25%, not.
    let reachable = metric(Inconclusive, Inconclusive, Some(0.20));
    assert!(decide(at, &[reachable], false).is_err());
    let blind = metric(Inconclusive, Inconclusive, Some(0.25));
    // Before half the budget, nothing is judged blind.
    assert!(decide(look(7, 4, 16), std::slice::from_ref(&blind), false).is_err());
    assert_eq!(
        decide(at, &[unchanged.clone(), blind.clone()], false),
        Ok(StopReason::Blind)
    );
    let unknown = metric(Inconclusive, Inconclusive, None);
    assert_eq!(decide(at, &[unknown], false), Ok(StopReason::Blind));
    // In a long budget of short rounds, 20 rounds are enough to judge:
    // 30% now is about 17% after 60 rounds.
    let far = metric(Inconclusive, Inconclusive, Some(0.30));
    assert!(decide(look(19, 10, 60), std::slice::from_ref(&far), false).is_err());
    assert_eq!(
        decide(look(20, 10, 60), std::slice::from_ref(&far), false),
        Ok(StopReason::Blind)
    );
}

/// A simulated suite: per endpoint and metric, the sd of one round's log
/// ratio from its own samples; the instance offset's sd (shared by every
/// metric of a round, as two fresh instances shift them all).
struct Suite {
    noise: Vec<f64>,
    offset_sd: f64,
    threshold: f64,
    alpha: f64,
    min_rounds: u32,
    max_rounds: u32,
}

/// How one simulated run ended.
struct Run {
    failed: bool,
    caught: bool,
    rounds: u32,
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box–Muller.
    let (u, v): (f64, f64) = (rng.random::<f64>().max(1e-300), rng.random());
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// Verdicts and detectable changes of every metric after `rounds` at the
/// family level `level`.
fn verdicts(logs: &[Vec<f64>], level: f64, threshold: f64) -> Vec<(VerdictName, f64)> {
    let k = logs[0].len() as f64;
    let t = StudentsT::new(0.0, 1.0, k - 1.0).expect("df > 0");
    let pivots: Vec<(f64, f64)> = logs
        .iter()
        .map(|l| {
            let mean = l.iter().sum::<f64>() / k;
            let var = l.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (k - 1.0);
            (mean, (var / k).sqrt())
        })
        .collect();
    let p: Vec<f64> = pivots
        .iter()
        .map(|(m, se)| 2.0 * (1.0 - t.cdf((m / se).abs())))
        .collect();
    holm_levels(&p, level)
        .into_iter()
        .zip(&pivots)
        .map(|(l, &(mean, se))| {
            let half = se * t.inverse_cdf(1.0 - l / 2.0);
            let iv = AdjustedInterval {
                ratio: mean.exp(),
                lower: (mean - half).exp(),
                upper: (mean + half).exp(),
                level: l,
                detectable: (se * (t.inverse_cdf(1.0 - l / 2.0) + t.inverse_cdf(0.95))).exp_m1(),
            };
            (verdict(&iv, threshold).into(), iv.detectable)
        })
        .collect()
}

/// One run: `truth[i]` is metric i's true log ratio. With `fixed`, one
/// look after that many rounds at the full α instead of the rule.
fn simulate(suite: &Suite, truth: &[f64], rng: &mut ChaCha8Rng, fixed: Option<u32>) -> Run {
    let mut logs: Vec<Vec<f64>> = vec![Vec::new(); suite.noise.len()];
    let regressed = |v: &[(VerdictName, f64)]| v.iter().any(|(v, _)| *v == VerdictName::Regressed);
    let caught = |v: &[(VerdictName, f64)]| {
        truth
            .iter()
            .zip(v)
            .any(|(t, (v, _))| *t > 0.0 && *v == VerdictName::Regressed)
    };
    for round in 1..=fixed.unwrap_or(suite.max_rounds) {
        let offset = suite.offset_sd * normal(rng);
        for (i, l) in logs.iter_mut().enumerate() {
            l.push(truth[i] + offset + suite.noise[i] * normal(rng));
        }
        if let Some(n) = fixed {
            if round == n {
                let v = verdicts(&logs, suite.alpha, suite.threshold);
                return Run {
                    failed: regressed(&v),
                    caught: caught(&v),
                    rounds: n,
                };
            }
            continue;
        }
        let at = look(round, suite.min_rounds, suite.max_rounds);
        if !at.is_look() {
            continue;
        }
        let strict = verdicts(&logs, at.level(suite.alpha), suite.threshold);
        if at.is_last() || regressed(&strict) {
            return Run {
                failed: regressed(&strict),
                caught: caught(&strict),
                rounds: round,
            };
        }
        let nominal = verdicts(&logs, suite.alpha, suite.threshold);
        let metrics: Vec<MetricLook> = nominal
            .iter()
            .zip(&strict)
            .map(|(&(n, d), &(s, _))| MetricLook {
                label: String::new(),
                nominal: n,
                strict: s,
                detectable: Some(d),
                threshold: suite.threshold,
            })
            .collect();
        if decide(at, &metrics, false).is_ok() {
            return Run {
                failed: regressed(&nominal),
                caught: caught(&nominal),
                rounds: round,
            };
        }
    }
    unreachable!("the last look always stops")
}

fn median(mut v: Vec<u32>) -> u32 {
    v.sort_unstable();
    v[v.len() / 2]
}

/// Both rules on `suite`: (A/A false fails, +10% caught, median rounds of
/// A/A and of +10%) until known, then (false fails, caught) of a fixed run
/// at those median lengths. The second endpoint's p50 and mean are 10%
/// slower in the +10% runs.
fn both_rules(suite: &Suite, seed: u64, aa: usize, ab: usize) -> [usize; 6] {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let metrics = suite.noise.len();
    let unchanged = vec![0.0; metrics];
    let mut slow = unchanged.clone();
    slow[2] = 1.1f64.ln();
    slow[3] = 1.1f64.ln();
    let until = |truth: &[f64], n: usize, rng: &mut ChaCha8Rng| -> Vec<Run> {
        (0..n).map(|_| simulate(suite, truth, rng, None)).collect()
    };
    let fixed = |truth: &[f64], n: usize, rounds: u32, rng: &mut ChaCha8Rng| -> Vec<Run> {
        (0..n)
            .map(|_| simulate(suite, truth, rng, Some(rounds)))
            .collect()
    };
    let (aa_runs, ab_runs) = (until(&unchanged, aa, &mut rng), until(&slow, ab, &mut rng));
    let aa_median = median(aa_runs.iter().map(|r| r.rounds).collect());
    let ab_median = median(ab_runs.iter().map(|r| r.rounds).collect());
    let fixed_aa = fixed(&unchanged, aa, aa_median, &mut rng);
    let fixed_ab = fixed(&slow, ab, ab_median, &mut rng);
    let count = |runs: &[Run], f: fn(&Run) -> bool| runs.iter().filter(|r| f(r)).count();
    let figures = [
        count(&aa_runs, |r| r.failed),
        count(&ab_runs, |r| r.caught),
        aa_median as usize,
        ab_median as usize,
        count(&fixed_aa, |r| r.failed),
        count(&fixed_ab, |r| r.caught),
    ];
    let [f, c, ma, mb, ff, fc] = figures;
    println!(
        "| {:?} | until known | {f}/{aa} | {c}/{ab} | {ma}, {mb} |",
        suite.noise[0]
    );
    println!(
        "| {:?} | fixed at the median | {ff}/{aa} | {fc}/{ab} | {ma}, {mb} |",
        suite.noise[0]
    );
    figures
}

/// Seeded figures (`cargo test --bin benchgate sequential -- --nocapture`),
/// α = 0.05 (a sharper check than the default 0.01), 4 endpoints × (p50,
/// mean), 4 to 24 rounds:
///
/// | per-round noise | rule | A/A false fails | +10% caught | median rounds A/A, +10% |
/// |---|---|---|---|---|
/// | 0.02–0.08, offsets 0.02 | until known | 5/1500 | 300/300 | 14, 9 |
/// | | fixed at the median | 6/1500 | 300/300 | 14, 9 |
/// | 0.06–0.24, offsets 0.04 | until known | 20/1500 | 281/300 | 24, 24 |
/// | | fixed at the median | 28/1500 | 291/300 | 24, 24 |
///
/// A quiet suite stops long before the budget, unchanged code included; a
/// noisy one uses the budget and loses little power to its looks. The
/// assertions hold with wide margins for other seeds.
#[test]
fn measuring_until_known_keeps_false_fails_within_alpha_and_the_power_of_a_fixed_run() {
    const AA: usize = 1_500;
    const AB: usize = 300;
    let suite = |scale: f64, offset_sd: f64| Suite {
        noise: [0.02, 0.05, 0.03, 0.06, 0.04, 0.08, 0.03, 0.07]
            .map(|n| n * scale)
            .to_vec(),
        offset_sd,
        threshold: 0.10,
        alpha: 0.05,
        min_rounds: 4,
        max_rounds: 24,
    };
    println!(
        "| per-round noise | rule | A/A false fails | +10% caught | median rounds A/A, +10% |"
    );
    println!("|---|---|---|---|---|");
    let quiet = both_rules(&suite(1.0, 0.02), 11, AA, AB);
    let noisy = both_rules(&suite(3.0, 0.04), 12, AA, AB);
    for [fails, ..] in [quiet, noisy] {
        // P(Bin(1500, 0.05) ≥ 100) < 0.001: a rule at α passes almost surely.
        assert!(fails < 100, "{fails} false fails in {AA}");
    }
    let [_, caught, aa_median, ..] = quiet;
    // Unchanged code on a quiet suite stops well before the budget, and a
    // 10% slowdown is caught.
    assert!(aa_median < 20, "A/A median {aa_median} rounds");
    assert!(caught * 100 >= AB * 95, "{caught} of {AB} caught");
    // On a noisy one, the looks cost little power against a fixed run.
    let [_, caught, _, _, _, fixed_caught] = noisy;
    assert!(
        caught + AB / 20 >= fixed_caught,
        "{caught} vs fixed {fixed_caught}"
    );
}

#[test]
fn the_stopping_line_says_how_long_in_the_run_s_own_units() {
    let stopping = |rounds, max_rounds, head_only| Stopping {
        reason: StopReason::Decided,
        rounds,
        max_rounds,
        measured_s: 20.0 * f64::from(rounds),
        budget_s: 20.0 * f64::from(max_rounds),
        open: Vec::new(),
        head_only,
    };
    for (rounds, max_rounds, head_only, line) in [
        (1, 1, true, "measured the head for 20 s in one run: "),
        (
            3,
            6,
            true,
            "measured the head for 60 s in 3 of at most 6 runs: ",
        ),
        (4, 4, false, "measured 80 s per side in 4 rounds: "),
        (
            2,
            6,
            false,
            "measured 40 s per side in 2 of at most 6 rounds: ",
        ),
    ] {
        let said = stopping(rounds, max_rounds, head_only).describe();
        assert!(said.starts_with(line), "{said}");
    }
}
