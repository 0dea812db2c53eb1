//! The rounds of an A/B run: two fresh instances per round keep an offset
//! for as long as they live, which no block pair of theirs can see. Every
//! A/B estimate — latency, `cpu/request`, `peak_rss` — counts its rounds'
//! log ratios here to get that offset into its noise, with the start
//! order's effect taken out.

use crate::stats::{self, Estimate};

/// Degrees of freedom the prior run-to-run floor τ₀ is worth against the
/// rounds' own evidence: one round's. More weight narrows the intervals of
/// short runs when τ₀ is right, and lets a true τ above τ₀ through: in a
/// simulation (`compare::rounds::tests`), with τ = 2τ₀ a weight of 4 rejected
/// a true A/A at up to twice the nominal level in 4–8 rounds, a weight of 1
/// at most 1.15 times. Worth one round, the prior guards the first looks
/// and fades by itself as 1/(rounds − 1): at a default run's looks (10 to
/// 60 rounds of 2 s) the 2% default widens an interval over a calibrated
/// floor's by at most an eighth at the first look and under 7% from 20
/// rounds on, while dropping it for the rounds' spread alone loses the df
/// it brings and widens the first look's (see
/// `the_prior_floor_guards_the_first_looks_and_fades_by_itself`).
const PRIOR_ROUNDS_DF: f64 = 1.0;

/// One round of an A/B run: ln(head / base) of the round's metric, and
/// whether the head app was started first in it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RoundLog {
    pub head_first: bool,
    pub log: f64,
}

/// The noise of an A/B estimate once its rounds are counted: the standard
/// error of ln R̂ with its degrees of freedom, and the shift that balances
/// the two start orders.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct InstanceNoise {
    pub se: f64,
    pub df: f64,
    pub shift: f64,
    /// The rounds' mean log ratio, balanced over the start orders (`None`
    /// with fewer than two rounds).
    pub centre: Option<f64>,
}

impl InstanceNoise {
    /// `estimate` with this noise and its ratio balanced over the start
    /// orders.
    pub fn apply(&self, estimate: &Estimate) -> Estimate {
        estimate.shifted(self.shift).with_noise(self.se, self.df)
    }

    /// `estimate` moved onto the rounds' mean log ratio, with this noise:
    /// for a statistic whose pooled value is not an average of its rounds'
    /// — a maximum, whose ratio is decided by the one extreme instance of
    /// each side and does not settle as 1/√R — the rounds' mean is the
    /// estimate this standard error belongs to.
    pub fn apply_to_rounds_mean(&self, estimate: &Estimate) -> Estimate {
        match self.centre {
            Some(centre) => estimate
                .shifted(centre - estimate.ratio.ln())
                .with_noise(self.se, self.df),
            None => self.apply(estimate),
        }
    }
}

/// The standard error of ln R̂ in an A/B run, from the per-round log ratios,
/// the block pairs' own `within` = (standard error, df), and the prior floor
/// τ₀ = `prior` (with its df).
///
/// Two instances of one build keep an offset δ for as long as they live,
/// which no block pair of theirs can see. With one round (one pair of
/// instances), the offset's sd is the prior floor τ₀ itself, added to the
/// block pairs' noise. With R rounds — each a fresh pair of instances —
/// the per-round log ratios lᵣ vary by σ² = τ² + w, the offset's variance
/// plus the round's own sampling noise w ≈ R·se²(within), so their spread
/// s² on d df measures everything at once, as in an analysis of per-run
/// means (Kalibera & Jones 2013). Few rounds give s² few df, so it is
/// moderated with the prior σ₀² = τ₀² + w: σ̃² = (d₀σ₀² + d·s²) / (d₀ + d),
/// d₀ = [`PRIOR_ROUNDS_DF`] (the empirical-Bayes form of Smyth 2004), never
/// below w; the pooled estimate averages the rounds: se = σ̃/√R on d₀ + d
/// df. (Estimating τ² alone as s² − w and adding it to the block pairs'
/// noise, as this did before, gives τ̂² far fewer df than s² whenever w is a
/// large part of it: in a simulation with 2% of within-round noise and
/// τ = 4%, that rule with the floor worth 4 df rejected a true A/A in
/// 4–8 rounds at 3.7–5.7 times the nominal 1%; this one at most 1.1 times.)
///
/// The rounds alternate which app starts first, and on some apps the one
/// started first stays slower (or faster) for the whole round — on a Flask
/// app under gunicorn by 3–5%, in every round. That is a period effect, as
/// in an AB/BA cross-over trial (Jones & Kenward 2014, ch. 2): once both
/// orders are present (R ≥ 3), the estimate is the mean of the two orders'
/// means — the shift moves the pooled ratio there — and s² pools the
/// spread within each order, on d = R − 2 df, so the order's effect is
/// neither noise nor bias. The mean of two groups of nₕ and n_b rounds
/// averages R' = 4 / (1/nₕ + 1/n_b) rounds (R when balanced).
pub(crate) fn instance_noise_of(
    logs: &[RoundLog],
    (within_se, within_df): (f64, f64),
    (prior_tau, prior_df): (f64, f64),
) -> InstanceNoise {
    let weight = PRIOR_ROUNDS_DF;
    let r = logs.len();
    if r < 2 {
        let (se, df) = stats::combined_noise((within_se, within_df), (prior_tau, prior_df));
        return InstanceNoise {
            se,
            df,
            shift: 0.0,
            centre: None,
        };
    }
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
    let squares = |xs: &[f64], m: f64| xs.iter().map(|x| (x - m).powi(2)).sum::<f64>();
    let all: Vec<f64> = logs.iter().map(|l| l.log).collect();
    let order = |head_first: bool| -> Vec<f64> {
        logs.iter()
            .filter(|l| l.head_first == head_first)
            .map(|l| l.log)
            .collect()
    };
    let (h, b) = (order(true), order(false));
    let (centre, sum_squares, d, averaged) = if r >= 3 && !h.is_empty() && !b.is_empty() {
        let (mh, mb) = (mean(&h), mean(&b));
        let averaged = 4.0 / (1.0 / h.len() as f64 + 1.0 / b.len() as f64);
        (
            (mh + mb) / 2.0,
            squares(&h, mh) + squares(&b, mb),
            r - 2,
            averaged,
        )
    } else {
        let m = mean(&all);
        (m, squares(&all, m), r - 1, r as f64)
    };
    let d = d as f64;
    let s2 = sum_squares / d;
    let w = r as f64 * within_se.powi(2);
    let prior = prior_tau.powi(2) + w;
    let moderated = ((weight * prior + d * s2) / (weight + d)).max(w);
    InstanceNoise {
        se: (moderated / averaged).sqrt(),
        df: weight + d,
        shift: centre - mean(&all),
        centre: Some(centre),
    }
}

/// Round `run`'s log ratio, for a finite positive `ratio`.
pub(crate) fn round_log(run: u32, ratio: f64) -> Option<RoundLog> {
    (ratio.is_finite() && ratio > 0.0).then(|| RoundLog {
        head_first: crate::record::head_started_first(run),
        log: ratio.ln(),
    })
}

#[cfg(test)]
mod tests;
