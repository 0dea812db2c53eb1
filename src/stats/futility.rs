//! How likely a run measured until known is to decide a metric by the end
//! of its budget, given what it measured so far: the conditional power of
//! a group-sequential design, which a run's futility stop is judged by.
//!
//! At an interim look a fraction t of the budget's information is in (for
//! rounds of equal length, rounds now / rounds at the budget), and the log
//! ratio is estimated as θ̂ₜ with standard error se. The rounds still to
//! come bring information I(1 − t)/t, so the estimate at the budget is
//! θ̂₁ = t·θ̂ₜ + (1 − t)·θ̂ᵣ with θ̂ᵣ the remaining rounds' own estimate:
//! given the data so far and a true log ratio θ, it is normal with mean
//! t·θ̂ₜ + (1 − t)·θ and sd se·√(t(1 − t)), and its own standard error is
//! se·√t. That is the B-value form of Lan & Wittes (1988, *The B-value: a
//! tool for monitoring data*, Biometrics 44:579–585): CP(θ) = 1 −
//! Φ((c − B(t) − η(1 − t)) / √(1 − t)) with B(t) = Zₜ√t and drift
//! η = θ/(se√t); see also Jennison & Turnbull (2000, *Group Sequential
//! Methods with Applications to Clinical Trials*, §10.2, stochastic
//! curtailment). The interval, the verdicts and their levels are the
//! gate's own (`verdict.rs`); the last look's critical value c is taken as
//! it is now, which a budget with more degrees of freedom only lowers.

use statrs::distribution::ContinuousCDF;

use super::dist::standard_normal;
use super::estimate::DETECTION_POWER;

/// A gated metric at an interim look, on the log scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interim {
    /// ln R̂ now.
    pub estimate: f64,
    /// Its standard error now.
    pub se: f64,
    /// The share of the budget's information measured, in (0, 1].
    pub fraction: f64,
    /// The critical value of the test at the metric's level: the interval
    /// is ln R̂ ± `critical` · standard error.
    pub critical: f64,
}

impl Interim {
    /// The look as a comparison reports it: R̂ with its interval [lower,
    /// upper] at the metric's level and its smallest detectable change at
    /// that level (`Estimate::detectable`, 95% power), after `fraction` of
    /// the budget. The interval's half-width is c·se and the detectable
    /// change's log se·(c + z₀.₉₅), so se is their difference over z₀.₉₅.
    /// With a t pivot on ν df the power quantile is t₀.₉₅,ν, a little
    /// above z₀.₉₅: the standard error read this way errs high (by 5% at
    /// 19 df), which pulls a small chance up, never down. `None` when a
    /// figure is missing, infinite, or leaves no noise to read.
    pub fn from_interval(
        ratio: f64,
        (lower, upper): (f64, f64),
        detectable: f64,
        fraction: f64,
    ) -> Option<Interim> {
        let logs = [ratio, lower, upper].map(f64::ln);
        let half = (logs[2] - logs[1]) / 2.0;
        let reach = detectable.ln_1p();
        let z = standard_normal().inverse_cdf(DETECTION_POWER);
        let se = (reach - half) / z;
        let fine = logs
            .iter()
            .chain([&half, &reach, &fraction])
            .all(|v| v.is_finite());
        (fine && se > 0.0 && half >= 0.0 && fraction > 0.0).then(|| Interim {
            estimate: logs[0],
            se,
            fraction: fraction.min(1.0),
            critical: half / se,
        })
    }

    /// The law of ln R̂ at the budget's end given the data so far, if θ is
    /// the true log ratio: (mean, sd).
    fn at_budget(&self, theta: f64) -> (f64, f64) {
        let t = self.fraction;
        (
            t * self.estimate + (1.0 - t) * theta,
            self.se * (t * (1.0 - t)).max(0.0).sqrt(),
        )
    }

    /// The half-width of the interval at the budget's end: c·se·√t.
    fn half_at_budget(&self) -> f64 {
        self.critical * self.se * self.fraction.sqrt()
    }

    /// Conditional power: the chance that the interval at the budget's end
    /// lies above 1 (a slowdown shown), given the data so far, if θ is the
    /// true log ratio.
    pub fn conditional_power(&self, theta: f64) -> f64 {
        let (mean, sd) = self.at_budget(theta);
        above(mean, sd, self.half_at_budget())
    }

    /// The chance that the budget's end gives the metric one of the
    /// gate's decided verdicts with relative `threshold` T — regressed
    /// (interval above 1 and R̂ ≥ 1 + T/2), improved (its mirror) or
    /// unchanged (interval inside 1/(1 + T) … 1 + T) — given the data so
    /// far, if θ is the true log ratio. An estimate can be both regressed
    /// and unchanged (a slowdown shown, but confidently under T); it counts
    /// once.
    pub fn chance_decided(&self, theta: f64, threshold: f64) -> f64 {
        let (mean, sd) = self.at_budget(theta);
        let half = self.half_at_budget();
        let shown = half.max((threshold / 2.0).ln_1p());
        let inside = threshold.ln_1p() - half;
        if inside >= shown {
            // Every estimate is decided one way or another.
            return 1.0;
        }
        let unchanged = if inside > 0.0 {
            above(mean, sd, -inside) - above(mean, sd, inside)
        } else {
            0.0
        };
        above(mean, sd, shown) + (1.0 - above(mean, sd, -shown)) + unchanged
    }
}

/// P(X > x) for X normal with `mean` and `sd` (a point mass when sd = 0).
fn above(mean: f64, sd: f64, x: f64) -> f64 {
    if sd > 0.0 {
        standard_normal().sf((x - mean) / sd)
    } else if mean > x {
        1.0
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests;
