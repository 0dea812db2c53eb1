//! The statistics engine: the gate's decision, as pure functions.
//!
//! For one endpoint × metric it estimates the ratio R = head / base of a
//! statistic (a quantile or the mean) of the pooled latency distributions, puts
//! an interval around R that reflects the run's *block* structure (and the
//! run-to-run offsets when several runs were recorded), controls the
//! suite-wide false-fail rate with Holm's step-down procedure, and maps the
//! adjusted interval to a four-way [`Verdict`]. Error rates are gated by a
//! score test of a difference of proportions against a margin.
//!
//! How the pieces fit (what `compare.rs` does with them):
//!
//! 1. `estimate_unpaired` (stored mode) or `estimate_paired` (A/B mode)
//!    per endpoint × metric → [`Estimate`] with a two-sided p-value for
//!    H0: R = 1; [`error_rate_test`] per endpoint → one-sided p-value.
//! 2. [`holm_levels`] over *all* p-values of the suite → one level per test.
//! 3. [`Estimate::adjusted`] at that level → `AdjustedInterval`, whose bound
//!    excludes 1 exactly when Holm rejects; [`verdict()`] on it.
//!
//! Nothing here does I/O; everything random is seeded. Functions return
//! `None` when there is too little data rather than inventing a number.

mod binomial;
mod blocks;
mod chain;
mod dist;
mod estimate;
mod futility;
mod holm;
mod input;
mod moderate;
mod paired;
mod robust;
mod unpaired;
mod verdict;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod testutil;

pub use binomial::{error_rate_test, ErrorRateResult};
pub use chain::{flags, Index, Step};
pub use estimate::{combined_noise, Estimate, NoiseModel};
pub use futility::Interim;
pub use holm::holm_levels;
pub use moderate::fit_prior;
pub use paired::estimate_paired_many;
pub use robust::{median, robust_sd};
pub use unpaired::estimate_unpaired_many;
pub use verdict::{verdict, Verdict};

// Used by the statistics' own tests (reference values, simulations).
#[cfg(test)]
pub use binomial::clopper_pearson;
#[cfg(test)]
pub use holm::{holm, holm_adjusted};
#[cfg(test)]
pub use paired::estimate_paired;
#[cfg(test)]
pub use unpaired::estimate_unpaired;
#[cfg(test)]
pub use verdict::AdjustedInterval;

pub use input::{Bootstrap, Recorded, Side, Statistic, DEFAULT_RESAMPLES, MIN_BLOCKS};
