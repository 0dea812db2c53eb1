//! Borrowing strength across endpoints for a variance seen through few
//! degrees of freedom: the empirical-Bayes prior of Smyth's moderated t.
//!
//! Smyth, G. K. (2004). *Linear models and empirical Bayes methods for
//! assessing differential expression in microarray experiments.* Statistical
//! Applications in Genetics and Molecular Biology 3(1), art. 3, §6. Each
//! sample variance sᵢ² on dᵢ degrees of freedom is modelled as a scaled
//! χ²/d draw around a variance that itself follows a scaled inverse-χ² prior
//! with d₀ degrees of freedom around s₀². The moments of log sᵢ² give d₀ and
//! s₀²; the posterior variance is (d₀ s₀² + dᵢ sᵢ²) / (d₀ + dᵢ) on d₀ + dᵢ
//! degrees of freedom. When the variances differ much more than sampling
//! explains, d₀ comes out small and little is borrowed; when they agree, d₀ is
//! large and the pooled figure dominates.

use statrs::function::gamma::digamma;

/// The prior fitted to `(variance, df)` pairs: `(s0², d0)`, `d0` possibly
/// infinite (the variances agree as well as sampling allows). `None` with
/// fewer than two usable pairs.
pub fn fit_prior(samples: &[(f64, f64)]) -> Option<(f64, f64)> {
    let usable: Vec<(f64, f64)> = samples
        .iter()
        .copied()
        .filter(|(v, d)| *v > 0.0 && v.is_finite() && *d > 0.0)
        .collect();
    if usable.len() < 2 {
        return None;
    }
    let n = usable.len() as f64;
    let e: Vec<f64> = usable
        .iter()
        .map(|(v, d)| v.ln() - digamma(d / 2.0) + (d / 2.0).ln())
        .collect();
    let mean = e.iter().sum::<f64>() / n;
    let spread = e.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let sampling = usable.iter().map(|(_, d)| trigamma(d / 2.0)).sum::<f64>() / n;
    let excess = spread - sampling;
    if excess <= 0.0 {
        return Some((mean.exp(), f64::INFINITY));
    }
    let d0 = 2.0 * trigamma_inverse(excess);
    let s0 = (mean + digamma(d0 / 2.0) - (d0 / 2.0).ln()).exp();
    Some((s0, d0))
}

/// ψ′(x), x > 0: the recurrence ψ′(x) = ψ′(x + 1) + 1/x² up to x ≥ 10, then
/// the asymptotic series (Abramowitz & Stegun 6.4.12).
pub fn trigamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 10.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let x2 = 1.0 / (x * x);
    acc + 1.0 / x
        + x2 / 2.0
        + x2 / x * (1.0 / 6.0 - x2 * (1.0 / 30.0 - x2 * (1.0 / 42.0 - x2 / 30.0)))
}

/// The y > 0 with ψ′(y) = `target` (ψ′ decreases monotonically), by
/// bisection on log y.
fn trigamma_inverse(target: f64) -> f64 {
    let (mut lo, mut hi) = (1e-8_f64.ln(), 1e8_f64.ln());
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if trigamma(mid.exp()) > target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    ((lo + hi) / 2.0).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigamma_matches_reference_values() {
        // scipy.special.polygamma(1, x) for x = 0.5, 1, 2.5, 10.
        for (x, want) in [
            (0.5, 4.934802200544679),
            (1.0, 1.6449340668482264),
            (2.5, 0.4903577561002349),
            (10.0, 0.10516633568168575),
        ] {
            assert!(
                (trigamma(x) - want).abs() < 1e-10,
                "trigamma({x}) = {}",
                trigamma(x)
            );
        }
        assert!((trigamma_inverse(trigamma(3.7)) - 3.7).abs() < 1e-9);
    }

    #[test]
    fn agreeing_variances_pool_fully_and_disagreeing_ones_barely() {
        // Variances equal up to mild sampling spread: borrow (d0 large).
        let agree = [(1.0, 4.0), (1.1, 4.0), (0.95, 4.0), (1.05, 4.0)];
        let (s0, d0) = fit_prior(&agree).expect("fits");
        assert!(d0 > 50.0, "d0 {d0}");
        // exp(mean log s² − ψ(d/2) + ln(d/2)): the geometric mean corrected
        // for the downward bias of log s² (E log s² = log σ² + ψ(d/2) − ln(d/2)).
        assert!((s0 - 1.34).abs() < 0.05, "s0 {s0}");
        // Variances 300× apart on 7 df each: borrow little.
        let disagree = [(0.0003, 7.0), (0.09, 7.0), (0.002, 7.0), (0.001, 7.0)];
        let (_, d0) = fit_prior(&disagree).expect("fits");
        assert!(d0 < 3.0, "d0 {d0}");
        assert_eq!(fit_prior(&[(1.0, 3.0)]), None);
    }

    #[test]
    fn the_prior_recovers_a_known_variance_from_simulated_samples() {
        use rand::SeedableRng;
        use rand_chacha::ChaCha8Rng;
        use statrs::distribution::{ChiSquared, ContinuousCDF};
        // 200 sample variances, each σ² = 2 on 5 df: s² = σ² χ²₅ / 5, drawn by
        // inverting the χ² CDF at seeded uniforms.
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let chi = ChiSquared::new(5.0).expect("valid df");
        let samples: Vec<(f64, f64)> = (0..200)
            .map(|_| {
                let u: f64 = rand::Rng::random_range(&mut rng, 0.001..0.999);
                (2.0 * chi.inverse_cdf(u) / 5.0, 5.0)
            })
            .collect();
        let (s0, d0) = fit_prior(&samples).expect("fits");
        assert!((s0 - 2.0).abs() < 0.25, "s0 {s0}");
        assert!(d0 > 20.0, "no real spread beyond sampling, d0 {d0}");
    }
}
