//! Robust location and scale: the median, and the standard deviation read
//! from the median absolute deviation (MAD), which up to half the values
//! being outliers cannot move.

/// The median of the finite `values`; `None` when there are none.
pub fn median(values: impl Iterator<Item = f64>) -> Option<f64> {
    let mut v: Vec<f64> = values.filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// The median of `values` and 1.4826 × their MAD: for a normal sample the
/// MAD estimates σ / 1.4826 (1.4826 = 1 / Φ⁻¹(3/4)). `None` when no value
/// is finite.
pub fn robust_sd(values: &[f64]) -> Option<(f64, f64)> {
    let centre = median(values.iter().copied())?;
    let mad = median(values.iter().map(|x| (x - centre).abs()))?;
    Some((centre, 1.4826 * mad))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_mad_of_small_samples() {
        assert_eq!(median([3.0, 1.0, 2.0].into_iter()), Some(2.0));
        assert_eq!(median([4.0, 1.0, 3.0, 2.0].into_iter()), Some(2.5));
        assert_eq!(median([f64::NAN, 5.0].into_iter()), Some(5.0));
        assert_eq!(median(std::iter::empty()), None);
        // 1, 2, 3, 4, 100: median 3, deviations 2, 1, 0, 1, 97: MAD 1.
        let (centre, sd) = robust_sd(&[1.0, 2.0, 3.0, 4.0, 100.0]).expect("values");
        assert_eq!(centre, 3.0);
        assert!((sd - 1.4826).abs() < 1e-12);
    }
}
