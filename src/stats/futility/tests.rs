//! Conditional power on known answers: values computed by hand from the
//! normal distribution, and the same figures through Lan & Wittes's
//! B-value form, an independent route to them.

use statrs::distribution::{ContinuousCDF, Normal};

use super::Interim;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// Half the budget in, ln R̂ = 0.1 with se 0.05, critical value 2.
fn halfway() -> Interim {
    Interim {
        estimate: 0.1,
        se: 0.05,
        fraction: 0.5,
        critical: 2.0,
    }
}

#[test]
fn conditional_power_matches_hand_computed_normal_values() {
    // At the current estimate: the estimate at the budget is N(0.1,
    // 0.025²), the bound there 2·0.05·√0.5 = 0.070711: Φ(1.171573).
    assert!(close(halfway().conditional_power(0.1), 0.879315708222437));
    // With no true change: N(0.05, 0.025²), Φ(−0.828427).
    assert!(close(halfway().conditional_power(0.0), 0.20371432516391574));
    // At the budget itself nothing is left to chance: the bound is
    // 1·0.05, whatever the truth.
    let done = Interim {
        fraction: 1.0,
        critical: 1.0,
        ..halfway()
    };
    assert_eq!(done.conditional_power(-1.0), 1.0);
    let short = Interim {
        estimate: 0.04,
        ..done
    };
    assert_eq!(short.conditional_power(1.0), 0.0);
}

#[test]
fn conditional_power_is_lan_and_wittes_b_value_form() {
    // CP(θ) = 1 − Φ((c − B(t) − η(1 − t)) / √(1 − t)), B(t) = Z_t √t,
    // drift η = θ / se(budget) = θ / (se √t).
    let phi = Normal::standard();
    for (estimate, se, fraction, critical, theta) in [
        (0.1, 0.05, 0.5, 2.0, 0.1),
        (0.02, 0.03, 0.3, 3.4, 0.0953),
        (-0.05, 0.08, 0.8, 2.58, 0.12),
        (0.15, 0.1, 0.2, 3.9, 0.0),
    ] {
        let now = Interim {
            estimate,
            se,
            fraction,
            critical,
        };
        let b = estimate / se * fraction.sqrt();
        let eta = theta / (se * fraction.sqrt());
        let want = phi.sf((critical - b - eta * (1.0 - fraction)) / (1.0 - fraction).sqrt());
        let got = now.conditional_power(theta);
        assert!(close(got, want), "{now:?} at {theta}: {got} vs {want}");
    }
}

#[test]
fn the_chance_of_a_decision_adds_its_three_verdicts_once() {
    // ln R̂ = 0.05, se 0.04, halfway, c = 3, T = 10%: at the budget
    // N(0.05, 0.02²), half-width 0.084853; regressed above it, improved
    // below its mirror, unchanged within ±(ln 1.1 − 0.084853) = ±0.010457.
    let now = Interim {
        estimate: 0.05,
        se: 0.04,
        fraction: 0.5,
        critical: 3.0,
    };
    assert!(close(now.chance_decided(0.05, 0.10), 0.06345961606628192));
    // A quiet metric: every estimate is decided (unchanged or regressed,
    // once even where both hold).
    let quiet = Interim { se: 0.02, ..now };
    assert_eq!(quiet.chance_decided(0.05, 0.10), 1.0);
    // On the boundary of the interval at the budget: undecided.
    let between = Interim {
        estimate: 0.06,
        se: 0.02,
        fraction: 1.0,
        critical: 3.0,
    };
    // Lower bound 0.06 − 0.06 = 0 (not above 1), upper 0.12 > ln 1.1.
    assert_eq!(between.chance_decided(0.06, 0.10), 0.0);
}

#[test]
fn a_look_is_read_back_from_the_interval_and_detectable_change_it_reports() {
    // ln R̂ = ln 1.1, se 0.04, c = 3: the interval exp(ln 1.1 ± 0.12) and
    // the detectable change exp(0.04 · (3 + z₀.₉₅)) − 1.
    let now = Interim::from_interval(
        1.1,
        (0.9756124803888734, 1.2402465367373132),
        0.20417434964493322,
        0.25,
    )
    .expect("a finite look");
    assert!(close(now.estimate, 1.1f64.ln()));
    assert!(close(now.se, 0.04));
    assert!(close(now.critical, 3.0));
    assert_eq!(now.fraction, 0.25);
    assert_eq!(
        Interim::from_interval(1.1, (0.0, 1.3), 0.2, 0.5),
        None,
        "an unbounded interval"
    );
    assert_eq!(
        Interim::from_interval(1.1, (1.0, 1.2), f64::INFINITY, 0.5),
        None
    );
}
