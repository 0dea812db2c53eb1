//! The rounds of an A/B run: the instance offsets they add to an estimate,
//! with the start order's effect taken out — on known answers, and in a
//! simulation of A/A and 10% runs whose first-started app is slower.

use rand::Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::{instance_noise_of, InstanceNoise, RoundLog};
use crate::stats::combined_noise;

/// Rounds as `ab` runs them: the base first in round 0, then alternating.
fn rounds(logs: &[f64]) -> Vec<RoundLog> {
    logs.iter()
        .enumerate()
        .map(|(r, &log)| RoundLog {
            head_first: crate::record::head_started_first(r as u32),
            log,
        })
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn one_round_adds_the_prior_floor_to_the_block_pairs_noise() {
    let noise = instance_noise_of(&rounds(&[0.3]), (0.01, 30.0), (0.02, 4.0));
    let (se, df) = combined_noise((0.01, 30.0), (0.02, 4.0));
    assert_eq!(
        noise,
        InstanceNoise {
            se,
            df,
            shift: 0.0,
            centre: None
        }
    );
    assert!(close(se, 0.0005f64.sqrt()));
}

#[test]
fn a_start_order_effect_is_neither_noise_nor_bias() {
    // True ratio +2%; the app started first is 4% slower: the head's log
    // ratio is θ − δ in rounds where the base started first, θ + δ where
    // the head did. Five rounds: three base-first, two head-first.
    let (theta, delta) = (0.02, 0.04);
    let logs: Vec<f64> = (0..5u32)
        .map(|r| {
            let sign = if crate::record::head_started_first(r) {
                1.0
            } else {
                -1.0
            };
            theta + sign * delta
        })
        .collect();
    let plain = logs.iter().sum::<f64>() / 5.0;
    let noise = instance_noise_of(&rounds(&logs), (0.0, 100.0), (0.02, 4.0));
    // The balanced centre is θ; the plain mean leans to the base-first
    // rounds by δ/5.
    assert!(close(plain + noise.shift, theta), "{noise:?}");
    assert!(close(plain, theta - delta / 5.0));
    // Nothing is left within the orders: only the prior floor (worth one
    // round), on 1 + R − 2 df, averaged over 4 / (1/2 + 1/3) = 4.8 rounds.
    let expected = (0.02f64.powi(2) / 4.0 / 4.8).sqrt();
    assert!(close(noise.se, expected), "{} vs {expected}", noise.se);
    assert_eq!(noise.df, 4.0);
    // Ignoring the order would have made the same rounds look four times
    // noisier than the floor.
    let spread = {
        let m = plain;
        (logs.iter().map(|l| (l - m).powi(2)).sum::<f64>() / 4.0).sqrt()
    };
    assert!(spread > 0.04, "{spread}");
}

#[test]
fn rounds_of_one_order_fall_back_to_the_plain_spread() {
    // Two rounds: one of each order, but no df left within them.
    let noise = instance_noise_of(&rounds(&[0.0, 0.1]), (0.0, 100.0), (0.0, 4.0));
    assert!(close(noise.shift, 0.0));
    assert_eq!(noise.df, 2.0);
    // s² = 0.005 on 1 df, moderated with a zero prior worth 1: 0.0025,
    // over 2 rounds.
    assert!(close(noise.se, (0.0025f64 / 2.0).sqrt()), "{noise:?}");
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let (u, v): (f64, f64) = (rng.random::<f64>().max(1e-300), rng.random());
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// A simulated A/B run's rounds: true log ratio `theta`, start-order effect
/// `delta` (the app started first slower), instance offsets of sd `tau` and
/// within-round noise of sd `within` per round; the floor τ₀ = 2%.
/// `balanced`: the rule; otherwise the plain spread of the rounds, as
/// before the order counted.
#[derive(Clone, Copy)]
struct Sim {
    theta: f64,
    delta: f64,
    tau: f64,
    within: f64,
    rounds: u32,
    balanced: bool,
}

impl Sim {
    /// Share of `runs` simulated runs whose two-sided 1 − `alpha` interval
    /// excludes 1, and the median smallest detectable change (80% power).
    fn run(self, alpha: f64, runs: u32, seed: u64) -> (f64, f64) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut rejected = 0;
        let mut detectable = Vec::new();
        for _ in 0..runs {
            let logs: Vec<f64> = (0..self.rounds)
                .map(|r| {
                    let sign = if crate::record::head_started_first(r) {
                        1.0
                    } else {
                        -1.0
                    };
                    self.theta
                        + sign * self.delta
                        + self.tau * normal(&mut rng)
                        + self.within * normal(&mut rng)
                })
                .collect();
            let logs = rounds(&logs);
            let seen: Vec<RoundLog> = logs
                .iter()
                .map(|l| RoundLog {
                    head_first: l.head_first && self.balanced,
                    ..*l
                })
                .collect();
            let within_se = self.within / f64::from(self.rounds).sqrt();
            let noise = instance_noise_of(&seen, (within_se, 1000.0), (0.02, 20.0));
            let mean = logs.iter().map(|l| l.log).sum::<f64>() / f64::from(self.rounds);
            let t = StudentsT::new(0.0, 1.0, noise.df).expect("df > 0");
            let q = t.inverse_cdf(1.0 - alpha / 2.0);
            if ((mean + noise.shift) / noise.se).abs() > q {
                rejected += 1;
            }
            detectable.push((noise.se * (q + t.inverse_cdf(0.8))).exp_m1());
        }
        detectable.sort_by(f64::total_cmp);
        (
            f64::from(rejected) / f64::from(runs),
            detectable[detectable.len() / 2],
        )
    }
}

/// [`Sim`] at 5%, 4,000 runs, offsets of 1% and 2% of within noise.
fn simulate(theta: f64, delta: f64, rounds: u32, balanced: bool, seed: u64) -> (f64, f64) {
    let sim = Sim {
        theta,
        delta,
        tau: 0.01,
        within: 0.02,
        rounds,
        balanced,
    };
    sim.run(0.05, 4000, seed)
}

#[test]
fn with_the_order_taken_out_an_a_a_run_keeps_its_level_and_a_change_shows() {
    for (rounds_n, seed) in [(5, 1), (8, 2), (13, 3)] {
        // A/A with a 4% start-order effect: false rejections stay near 5%
        // (binomial sd over 4,000 runs: 0.34 points).
        let (aa, detect) = simulate(0.0, 0.04, rounds_n, true, seed);
        let (aa_plain, detect_plain) = simulate(0.0, 0.04, rounds_n, false, seed);
        let (aa_none, _) = simulate(0.0, 0.0, rounds_n, true, seed + 10);
        eprintln!(
            "{rounds_n} rounds: A/A {aa} (plain {aa_plain}, no order effect {aa_none}); detectable {detect:.3} (plain {detect_plain:.3})"
        );
        assert!(aa <= 0.065, "{rounds_n} rounds: A/A {aa}");
        // The plain spread counts the order effect as noise: its smallest
        // detectable change is far larger.
        assert!(aa_plain <= 0.07, "{rounds_n} rounds: {aa_plain}");
        assert!(
            detect_plain > 1.5 * detect,
            "{rounds_n} rounds: {detect_plain} vs {detect}"
        );
        // Without an order effect, taking it out costs one df and keeps the
        // level.
        assert!(aa_none <= 0.065, "{rounds_n} rounds: {aa_none}");
    }
    // A 3.5% change beside the order effect: seen in most 8-round runs by the
    // balanced rule, in few by the plain spread.
    let (power, _) = simulate(0.035, 0.04, 8, true, 7);
    let (power_plain, _) = simulate(0.035, 0.04, 8, false, 7);
    eprintln!("+3.5%, 8 rounds: caught {power} (plain {power_plain})");
    assert!(power > 0.8, "{power}");
    assert!(power_plain < power - 0.25, "{power_plain} vs {power}");
}

#[test]
fn the_level_holds_when_the_floor_is_wrong() {
    // The default floor τ₀ = 2% against true offsets of 0, 2% and 4%, with
    // 2% of within-round noise and a 3% start-order effect: false
    // rejections at 1% stay near or below it (binomial sd over 12,000 runs:
    // 0.09 points; a weight of 4 on the floor reached 2% here), and sight
    // follows the rounds.
    for rounds_n in [4, 8, 16] {
        for tau in [0.0, 0.02, 0.04] {
            let sim = Sim {
                theta: 0.0,
                delta: 0.03,
                tau,
                within: 0.02,
                rounds: rounds_n,
                balanced: true,
            };
            let (level, sight) = sim.run(0.01, 12_000, 11);
            eprintln!(
                "{rounds_n} rounds, τ {tau}: A/A rejected {level:.4}, detectable {:.1}%",
                100.0 * sight
            );
            assert!(level <= 0.014, "{rounds_n} rounds, τ {tau}: {level}");
        }
    }
}

/// A/A runs of 12 rounds whose instances' peak memory differs by 3% (sd)
/// from one fresh instance to the next, as allocators and start-up timing
/// make it: the `peak_rss` test keeps its level. The ratio of the sides'
/// highest readings over all rounds would not (its spread is that of an
/// extreme, far above the rounds' mean's).
#[test]
fn peak_rss_over_rounds_keeps_its_level_when_instances_differ() {
    use crate::compare::simulated::RecordSpec;
    use crate::record::{Pairing, ResourceBlock, Resources, RunRecord};

    const MIB: f64 = 1024.0 * 1024.0;
    let (rounds, blocks, trials) = (12usize, 5usize, 200u64);
    let mut gate = crate::compare::GateSettings::defaults();
    gate.suite.metrics = vec![crate::config::Metric::PeakRss];
    let mut rejected = 0;
    let mut zs = Vec::new();
    for trial in 0..trials {
        let mut rng = ChaCha8Rng::seed_from_u64(trial);
        let mut side = |seed: u64| -> RunRecord {
            let mut record = RecordSpec::new(&["home"], rounds, blocks)
                .seed(seed)
                .build();
            record.pairing = Some(Pairing::Random);
            let mut resources = Vec::new();
            for run in 0..rounds {
                let peak = 50.0 * (0.03 * normal(&mut rng)).exp();
                for b in 0..blocks {
                    let jitter = 1.0 + 0.002 * (rng.random::<f64>() - 0.5);
                    resources.push(ResourceBlock {
                        run: run as u32,
                        cpu_us: 30_000,
                        ok: 100,
                        cpu_cores: 0.3,
                        rss_bytes: (peak * (0.9 + 0.02 * b as f64) * jitter * MIB) as u64,
                    });
                }
            }
            record.resources = Some(Resources {
                absent: None,
                blocks: resources,
            });
            record
        };
        let (base, head) = (side(2 * trial), side(2 * trial + 1));
        let c = crate::compare::compare(&base, &head, &gate);
        let row = c
            .endpoints
            .iter()
            .find(|e| e.name == crate::compare::APP_ROW)
            .expect("the app row");
        let m = &row.metrics[0];
        let p = m.p_value.expect("an estimate");
        rejected += usize::from(p < 0.05);
        let ratio = m.ratio.expect("a ratio");
        let z = statrs::distribution::Normal::standard().inverse_cdf(1.0 - p.max(1e-300) / 2.0);
        zs.push(if ratio >= 1.0 { z } else { -z });
    }
    let rate = rejected as f64 / trials as f64;
    let sd = (zs.iter().map(|z| z * z).sum::<f64>() / zs.len() as f64).sqrt();
    // Nominal 5%: binomial sd 1.5% over 200 trials.
    assert!(rate <= 0.09, "A/A rejected at 5%: {rate} (z rms {sd:.2})");
    assert!(sd < 1.25, "A/A z-scores rms {sd:.2}");
}

/// How the rounds' noise is read at a look: the floor τ₀ given as the
/// prior, or (`None`) the rounds' own spread alone, on their own df.
fn noise_at(logs: &[RoundLog], within_se: f64, prior: Option<f64>) -> (f64, f64) {
    match prior {
        Some(tau) => {
            let n = instance_noise_of(logs, (within_se, 1000.0), (tau, 20.0));
            (n.se, n.df)
        }
        None => {
            // A zero prior leaves d·s²/(1 + d) on 1 + d df: undo the one
            // df it adds.
            let n = instance_noise_of(logs, (within_se, 1000.0), (0.0, 20.0));
            let d = n.df - 1.0;
            let own = (n.se.powi(2) * n.df / d).max(within_se.powi(2));
            (own.sqrt(), d)
        }
    }
}

/// At a default run's looks, under a noise `floor` read as `prior`: the
/// mean half-width of the interval (as a relative change), and the shares
/// of A/A, +10% and +12% runs rejected, over `runs` seeded runs of
/// `rounds` rounds at the per-metric `level`.
fn at_a_look(sim: Sim, prior: Option<f64>, level: f64, runs: u32) -> [f64; 4] {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut sums = [0.0; 4];
    for _ in 0..runs {
        let raw: Vec<f64> = (0..sim.rounds)
            .map(|r| {
                let sign = if crate::record::head_started_first(r) {
                    1.0
                } else {
                    -1.0
                };
                sign * sim.delta + sim.tau * normal(&mut rng) + sim.within * normal(&mut rng)
            })
            .collect();
        let logs = rounds(&raw);
        let within_se = sim.within / f64::from(sim.rounds).sqrt();
        let (se, df) = noise_at(&logs, within_se, prior);
        let shift = instance_noise_of(&logs, (within_se, 1000.0), (0.02, 20.0)).shift;
        let mean = raw.iter().sum::<f64>() / f64::from(sim.rounds) + shift;
        let q = StudentsT::new(0.0, 1.0, df)
            .expect("df > 0")
            .inverse_cdf(1.0 - level / 2.0);
        sums[0] += q * se;
        for (k, effect) in [(1, 1.0f64), (2, 1.10), (3, 1.12)] {
            sums[k] += f64::from(u8::from((mean + effect.ln()).abs() / se > q));
        }
    }
    let mut means = sums.map(|s| s / f64::from(runs));
    means[0] = means[0].exp_m1();
    means
}

/// What the default floor τ₀ = 2% costs at the looks a default run makes
/// (rounds of 2 s, the first look after 10 rounds at the strict interim
/// level α/10/50 with Holm's first step over 8 tests, the last after 60 at
/// 0.9·α/8; α = 1%), against a floor calibrated to the true offsets, and
/// against the rounds' own spread alone (no prior). Seeded figures
/// (`cargo test --lib the_prior_floor -- --nocapture`), 2,000 runs each,
/// 3% start-order effect; half-width of the interval, and the share of
/// +10% runs whose interval excludes 1:
///
/// | within-round sd | true τ | rounds | prior 2% | calibrated | own spread |
/// |---|---|---|---|---|---|
/// | 0.5% | 1% | 10 | 4.16%, 100% | 3.65%, 100% | 4.15%, 100% |
/// | 0.5% | 1% | 20 | 1.75%, 100% | 1.64%, 100% | 1.68%, 100% |
/// | 2% | 1% | 10 | 8.00%, 89% | 7.84%, 91% | 9.37%, 71% |
/// | 2% | 4% | 10 | 14.8%, 11% | 15.4%, 7% | 17.6%, 4% |
/// | 19% | 1% | 60 | 9.07%, 64% | 9.07%, 64% | 9.16%, 62% |
///
/// The prior is worth one round against the rounds' spread, so it already
/// fades as 1/(rounds − 1): a calibrated floor narrows the first look's
/// interval by at most an eighth (a quiet metric, decided either way), and
/// by 20 rounds by under 7% (2% or less for a metric near the threshold's
/// reach). Dropping the prior costs the degree of freedom it brings, worth
/// more at the interim looks' small levels than the width it adds: the
/// first look is wider without it (a fifth wider, with a quarter fewer
/// +10% caught, at 2% within-round noise), later ones at most 4% narrower.
/// A/A rejections at these levels stay at or under the nominal rate with
/// every floor (checked at 1% in `the_level_holds_when_the_floor_is_wrong`).
#[test]
fn the_prior_floor_guards_the_first_looks_and_fades_by_itself() {
    let interim = 0.01 * 0.1 / 50.0 / 8.0;
    let last = 0.009 / 8.0;
    println!("| within | τ | rounds | prior 2% | calibrated | own spread | (half-width; A/A, +10%, +12% rejected) |");
    for within in [0.005, 0.02, 0.19] {
        for tau in [0.01, 0.04] {
            for (rounds, level) in [(10u32, interim), (20, interim), (60, last)] {
                let sim = Sim {
                    theta: 0.0,
                    delta: 0.03,
                    tau,
                    within,
                    rounds,
                    balanced: true,
                };
                let [default, calibrated, own] =
                    [Some(0.02), Some(tau), None].map(|p| at_a_look(sim, p, level, 2_000));
                let show = |f: [f64; 4]| {
                    format!(
                        "{:.2}%; {:.4}, {:.3}, {:.3}",
                        100.0 * f[0],
                        f[1],
                        f[2],
                        f[3]
                    )
                };
                println!(
                    "| {within} | {tau} | {rounds} | {} | {} | {} |",
                    show(default),
                    show(calibrated),
                    show(own)
                );
                // From 20 rounds on the default floor is within 8% of a
                // calibrated one; the rounds alone are no narrower at the
                // first look, and never more than 5% narrower after it.
                if rounds >= 20 {
                    assert!(
                        default[0] <= 1.08 * calibrated[0],
                        "{default:?} {calibrated:?}"
                    );
                } else {
                    assert!(default[0] <= 1.005 * own[0], "{default:?} vs own {own:?}");
                }
                assert!(default[0] <= 1.05 * own[0], "{default:?} vs own {own:?}");
            }
        }
    }
}

/// A/A comparisons of one endpoint's mean through the gate, `trials` of
/// them: 30 rounds of 2 blocks of 25 requests per side around 0.5 ms
/// (σ 0.3), where each side of each round has, one time in 30, a stall
/// that holds up to 3 of its requests by up to 30 ms — what a shared
/// runner does to a health check. Returns (share rejected at 5%, rms of
/// the signed z-scores).
fn stalled_means(trials: u64, seed: u64) -> (f64, f64) {
    use crate::compare::simulated::RecordSpec;
    use crate::record::Pairing;

    let (rounds, blocks) = (30usize, 2usize);
    let mut gate = crate::compare::GateSettings::defaults();
    gate.suite.metrics = vec![crate::config::Metric::Mean];
    let (mut rejected, mut zs) = (0, Vec::new());
    for trial in 0..trials {
        let mut rng = ChaCha8Rng::seed_from_u64(seed + trial);
        let mut side = |seed: u64| -> crate::record::RunRecord {
            let mut spec = RecordSpec::new(&["health"], rounds, blocks).seed(seed);
            spec.per_block = 25;
            spec.median_us = 500.0;
            spec.sigma = 0.3;
            let mut record = spec.build();
            record.pairing = Some(Pairing::Random);
            for round in 0..rounds {
                if rng.random::<f64>() < 1.0 / 30.0 {
                    let stall = rng.random_range(5_000.0..30_000.0);
                    let block = &mut record.endpoints[0].blocks[round * blocks];
                    for _ in 0..rng.random_range(1..=3) {
                        block
                            .latency_us
                            .record((500.0 + stall * rng.random::<f64>()) as u64);
                    }
                }
            }
            record.summarize();
            record
        };
        let (base, head) = (side(1_000_000 + 2 * trial), side(1_000_001 + 2 * trial));
        let c = crate::compare::compare(&base, &head, &gate);
        let m = &c.endpoints[0].metrics[0];
        let p = m.p_value.expect("an estimate");
        rejected += usize::from(p < 0.05);
        let ratio = m.ratio.expect("a ratio");
        let z = statrs::distribution::Normal::standard().inverse_cdf(1.0 - p.max(1e-300) / 2.0);
        zs.push(if ratio >= 1.0 { z } else { -z });
    }
    let rms = (zs.iter().map(|z| z * z).sum::<f64>() / zs.len() as f64).sqrt();
    (rejected as f64 / trials as f64, rms)
}

/// A mean over rounds whose requests now and then stall, the rounds'
/// log ratios heavy-tailed: the pooled ratio leans on a stalled round far
/// more than its log ratio moves the rounds' mean, but the block pairs'
/// bootstrap sees that leverage and the noise is never below it, so the
/// level holds (seeded: 2.3% at 5%, z rms 1.04). The rounds' mean log ratio
/// as the estimate instead (tried when an A/A run failed on a health
/// check's mean, +11.2% at p = 0.0004) was conservative here (z rms 0.86,
/// 0.69 with stalls 2.5 times as often) and caught a +10% slowdown less
/// often, so the pooled ratio stays.
#[test]
fn a_mean_with_stalls_over_rounds_keeps_its_level() {
    let (rate, rms) = stalled_means(300, 7);
    // Nominal 5%: binomial sd 1.3% over 300 trials.
    assert!(rate <= 0.09, "A/A rejected at 5%: {rate} (z rms {rms:.2})");
    assert!((0.8..1.2).contains(&rms), "A/A z-scores rms {rms:.2}");
}
