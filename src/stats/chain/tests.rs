use rand::{Rng as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;

use super::{flags, Index, Step};

/// One draw of a standard normal (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u: f64 = rng.random_range(f64::EPSILON..1.0);
    let v: f64 = rng.random_range(0.0..1.0);
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

#[test]
fn a_steps_se_is_read_back_from_its_interval() {
    // z at 95% is 1.959964 (any normal table).
    let (d, se) = (0.1_f64, 0.05_f64);
    let half = 1.959_964 * se;
    let step =
        Step::of_interval(d.exp(), (d - half).exp(), (d + half).exp(), 0.95).expect("a step");
    assert!((step.log_ratio - d).abs() < 1e-12);
    assert!((step.se - se).abs() < 1e-6, "{}", step.se);
    for bad in [
        (0.0, 0.9, 1.1),
        (1.0, -1.0, 1.1),
        (1.0, 1.1, 0.9),
        (f64::NAN, 0.9, 1.1),
    ] {
        assert_eq!(
            Step::of_interval(bad.0, bad.1, bad.2, 0.99),
            None,
            "{bad:?}"
        );
    }
    assert_eq!(Step::of_interval(1.0, 0.9, 1.1, 1.0), None);
}

#[test]
fn steps_multiply_and_their_variances_add() {
    let step = Step {
        log_ratio: 1.04_f64.ln(),
        se: 0.02,
    };
    let index = Index::of(&[step, step, step]);
    assert!((index.ratio() - 1.04_f64.powi(3)).abs() < 1e-12);
    assert!((index.se - 0.02 * 3f64.sqrt()).abs() < 1e-12);
    assert_eq!(index.steps, 3);
    // 99%: z = 2.575829.
    let (lower, upper) = index.interval(0.99);
    let half = 2.575_829 * index.se;
    assert!((lower - (index.log_ratio - half).exp()).abs() < 1e-6);
    assert!((upper - (index.log_ratio + half).exp()).abs() < 1e-6);
    // z = 0.11766 / 0.034641 = 3.3966: two-sided p = 2 × 0.000341
    // (normal table).
    assert!(
        (index.p_value() - 0.000_682).abs() < 0.000_01,
        "{}",
        index.p_value()
    );
    assert_eq!(Index::of(&[]).interval(0.99), (1.0, 1.0));
}

/// A simulated history of 30 commits: commits 7, 15 and 22 each +4%, the
/// others neutral; each step measured with an se between 1% and 3%.
fn simulated_chain(rng: &mut ChaCha8Rng, steps_at: &[usize]) -> (Vec<Step>, f64) {
    let mut truth = 0.0;
    let steps = (1..=30)
        .map(|commit| {
            let effect = if steps_at.contains(&commit) {
                1.04_f64.ln()
            } else {
                0.0
            };
            truth += effect;
            let se = rng.random_range(0.01..0.03);
            Step {
                log_ratio: effect + se * normal(rng),
                se,
            }
        })
        .collect();
    (steps, truth)
}

#[test]
fn the_chained_interval_covers_the_true_change_at_its_confidence() {
    let mut rng = ChaCha8Rng::seed_from_u64(24);
    let chains = 10_000;
    let mut covered = 0;
    for _ in 0..chains {
        let (steps, truth) = simulated_chain(&mut rng, &[7, 15, 22]);
        let (lower, upper) = Index::of(&steps).interval(0.99);
        covered += usize::from(lower <= truth.exp() && truth.exp() <= upper);
    }
    // 99% ± 0.1% (binomial sd at n = 10,000): within 5 sd.
    let rate = covered as f64 / chains as f64;
    assert!((0.985..=0.995).contains(&rate), "coverage {rate}");
}

#[test]
fn a_neutral_chain_flags_few_steps_and_a_well_measured_step_is_flagged() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let chains = 2_000;
    let mut false_flags = 0;
    for _ in 0..chains {
        let (steps, _) = simulated_chain(&mut rng, &[]);
        false_flags += steps.iter().filter(|s| s.shifts(0.99)).count();
    }
    // 30 steps at 1%: 0.3 a chain expected.
    let per_chain = false_flags as f64 / chains as f64;
    assert!(per_chain < 0.5, "{per_chain} false steps per 30 commits");

    // +4% measured with an se of 1%: z = 4, flagged with p = 0.92.
    let mut flagged = 0;
    for _ in 0..chains {
        let step = Step {
            log_ratio: 1.04_f64.ln() + 0.01 * normal(&mut rng),
            se: 0.01,
        };
        flagged += usize::from(step.shifts(0.99));
    }
    let rate = flagged as f64 / chains as f64;
    assert!((0.85..0.97).contains(&rate), "flagged {rate}");
}

/// A chain as the history records it: each step's interval loose by
/// `looseness` (true noise sd = looseness × its se), its se between 0.4%
/// and 2.7%, log-uniform (the spread of `cpu/request` steps at 10–30 s a
/// step: median 0.7–1.3%), the noise drawn by `noise` in units of the
/// true sd.
fn loose_chain(
    rng: &mut ChaCha8Rng,
    steps_at: &[usize],
    looseness: f64,
    noise: fn(&mut ChaCha8Rng) -> f64,
) -> Vec<Step> {
    (1..=30)
        .map(|commit| {
            let effect = if steps_at.contains(&commit) {
                1.036_f64.ln()
            } else {
                0.0
            };
            let se = rng.random_range(0.004_f64.ln()..0.027_f64.ln()).exp();
            Step {
                log_ratio: effect + looseness * se * noise(rng),
                se,
            }
        })
        .collect()
}

/// Student's t with 3 degrees of freedom scaled to unit variance: heavy
/// tails (a step measured in a bad moment).
fn t3(rng: &mut ChaCha8Rng) -> f64 {
    let chi2: f64 = (0..3).map(|_| normal(rng).powi(2)).sum();
    normal(rng) / (chi2 / 3.0).sqrt() / 3f64.sqrt()
}

/// Per chain: the steps of `truth` flagged, the others flagged, and the
/// others flagged by the chain alone (their own interval includes 1).
fn flag_rates(
    chains: usize,
    mut chain: impl FnMut() -> Vec<Step>,
    truth: &[usize],
) -> (f64, f64, f64) {
    let (mut right, mut wrong, mut chain_only) = (0, 0, 0);
    for _ in 0..chains {
        let steps = chain();
        for (i, flagged) in flags(&steps, 0.99).into_iter().enumerate() {
            if flagged && truth.contains(&(i + 1)) {
                right += 1;
            } else if flagged {
                wrong += 1;
                chain_only += usize::from(!steps[i].shifts(0.99));
            }
        }
    }
    let per = |n: usize| n as f64 / chains as f64;
    (per(right), per(wrong), per(chain_only))
}

#[test]
fn the_chain_flags_steps_that_stand_out_from_its_own_spread() {
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    // Intervals three times too wide, as measured: the +3.6% steps' own
    // 99% intervals often reach 1, but against the chain they stand out.
    let at = [7, 15, 22];
    let own_only = {
        let mut rng = ChaCha8Rng::seed_from_u64(2024);
        let mut found = 0;
        for _ in 0..1_000 {
            let chain = loose_chain(&mut rng, &at, 0.3, normal);
            found += at.iter().filter(|&&c| chain[c - 1].shifts(0.99)).count();
        }
        found as f64 / 1_000.0
    };
    let (right, wrong, _) = flag_rates(1_000, || loose_chain(&mut rng, &at, 0.3, normal), &at);
    // A step of se over 2.2% is not a change by its own 90% interval
    // (3.6 / 2.2 < 1.645): 11% of them, so 2.67 of 3 expected.
    assert!(own_only < 2.0, "own intervals alone find {own_only} of 3");
    assert!(right > 2.5, "{right} of 3 flagged");
    assert!(wrong < 0.05, "{wrong} false flags per 30 commits");
}

#[test]
fn a_neutral_chain_flags_under_one_step_in_thirty_whatever_its_noise() {
    let mut rng = ChaCha8Rng::seed_from_u64(31);
    for (looseness, noise, name) in [
        (1.0, normal as fn(&mut ChaCha8Rng) -> f64, "honest, normal"),
        (0.3, normal, "loose, normal"),
        (1.0, t3, "honest, t3"),
        (0.3, t3, "loose, t3"),
    ] {
        let (_, wrong, chain_only) =
            flag_rates(2_000, || loose_chain(&mut rng, &[], looseness, noise), &[]);
        // The bar: at most one false step per 30 commits.
        assert!(wrong < 1.0, "{name}: {wrong} false flags per 30 commits");
        assert!(
            chain_only < 0.25,
            "{name}: {chain_only} false flags per 30 commits by the chain alone"
        );
    }
}

#[test]
fn the_hampel_rule_on_a_worked_example() {
    // u = ln R / se with se = 1%: 0, ±0.1, ±0.2, ±0.3, and one of 4.0.
    // Median 0; absolute deviations 0, .1, .1, .2, .2, .3, .3, 4.0:
    // MAD (the median of the eight, (0.2 + 0.2) / 2) = 0.2, robust sd
    // 1.4826 × 0.2 = 0.2965; the last step lies 4.0 / 0.2965 = 13.5 of
    // them from the median and its own u 4.0 is over 1.645: flagged. Its
    // own 99% interval (±2.576 se) excludes 1 too; at 2.0 it would not,
    // and the chain alone flags it (6.7 robust sd, u 2.0 > 1.645); at 1.5
    // the chain still finds it unusual (5.1) but its own 90% interval
    // reaches 1: not flagged.
    let chain = |last: f64| -> Vec<Step> {
        [0.0, 0.1, -0.1, 0.2, -0.2, 0.3, -0.3, last]
            .iter()
            .map(|u| Step {
                log_ratio: u * 0.01,
                se: 0.01,
            })
            .collect()
    };
    let last = |u: f64| flags(&chain(u), 0.99)[7];
    assert!(last(4.0));
    assert!(!chain(2.0)[7].shifts(0.99) && last(2.0));
    assert!(!last(1.5));
    assert_eq!(flags(&chain(2.0), 0.99)[..7], [false; 7]);
    // Seven steps are too few to read the chain's spread from.
    assert_eq!(flags(&chain(2.0)[1..], 0.99), vec![false; 7]);
    // Tied steps (a quantized metric: most ratios exactly 1) give a MAD of
    // 0: the chain's spread is unknown and only own intervals flag.
    let tied: Vec<Step> = (0..12)
        .map(|i| Step {
            log_ratio: if i == 5 { 0.02 } else { 0.0 },
            se: 0.01,
        })
        .collect();
    assert_eq!(flags(&tied, 0.99), vec![false; 12]);
}
