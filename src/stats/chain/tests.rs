use rand::{Rng as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;

use super::{Index, Step};

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
