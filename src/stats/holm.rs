//! Holm's step-down procedure: the suite's family-wise error control.
//!
//! Holm (1979), "A simple sequentially rejective multiple test procedure",
//! *Scand. J. Statist.* 6:65–70. Sort the m p-values ascending,
//! p₍₁₎ ≤ … ≤ p₍ₘ₎; reject H₍ⱼ₎ while p₍ⱼ₎ ≤ α / (m − j + 1) and stop at
//! the first that fails. The probability of any false rejection in the suite
//! is at most α under any dependence between the tests, and Holm rejects
//! everything Bonferroni (p ≤ α/m) rejects, often more.
//!
//! The adjusted p-value (Wright 1992, "Adjusted p-values for simultaneous
//! inference", *Biometrics* 48:1005–1013) is
//! p̃₍ⱼ₎ = min(1, maxᵢ≤ⱼ (m − i + 1) p₍ᵢ₎); Holm rejects exactly the tests
//! with p̃ ≤ α.
//!
//! **From Holm to intervals** ([`holm_levels`]). Each test gets the level of
//! the Holm step that decided it: α/(m − j + 1) for a rejected test of rank
//! j, and α/(m − s + 1) for every test at or after the first step s that
//! failed. Because the engine's intervals and p-values come from one pivot,
//! a test's interval at its level excludes 1 exactly when Holm rejects it
//! (up to ties at the boundary, where the p-value equals the level), so an
//! "adjusted lower bound > 1" *is* Holm's decision. Every level lies in
//! [α/m, α], so these intervals are never wider than Bonferroni's. NaN
//! p-values are treated as 1.

#[cfg(test)]
/// Holm rejections at family-wise level `alpha`, in input order.
pub fn holm(p_values: &[f64], alpha: f64) -> Vec<bool> {
    holm_adjusted(p_values)
        .into_iter()
        .map(|p| p <= alpha)
        .collect()
}

#[cfg(test)]
/// Holm-adjusted p-values, in input order: ≥ the raw p-value, capped at 1,
/// and monotone in the raw p-values.
pub fn holm_adjusted(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut adjusted = vec![1.0; m];
    let mut running: f64 = 0.0;
    for (rank, &i) in ascending(p_values).iter().enumerate() {
        let scaled = ((m - rank) as f64 * clean(p_values[i])).min(1.0);
        running = running.max(scaled);
        adjusted[i] = running;
    }
    adjusted
}

/// The per-test level at which to compute each test's adjusted interval
/// (see the module documentation), in input order.
pub fn holm_levels(p_values: &[f64], alpha: f64) -> Vec<f64> {
    let m = p_values.len();
    let mut levels = vec![alpha; m];
    let mut stopped: Option<f64> = None;
    for (rank, &i) in ascending(p_values).iter().enumerate() {
        let step = alpha / (m - rank) as f64;
        let level = match stopped {
            Some(level) => level,
            None if clean(p_values[i]) <= step => step,
            None => {
                stopped = Some(step);
                step
            }
        };
        levels[i] = level;
    }
    levels
}

/// Indices of `p_values` sorted by ascending p (NaN last, ties by index).
fn ascending(p_values: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..p_values.len()).collect();
    order.sort_by(|&a, &b| clean(p_values[a]).total_cmp(&clean(p_values[b])));
    order
}

fn clean(p: f64) -> f64 {
    if p.is_nan() {
        1.0
    } else {
        p.clamp(0.0, 1.0)
    }
}
