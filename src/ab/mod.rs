//! A/B mode: the base tree and this one, built and started side by side on
//! this machine and measured at the same moments, then compared pair by
//! pair ([`crate::compare::compare`] sees the two records' pairing).
//!
//! This module prepares and measures: where the base tree's suite file is
//! ([`base_suite_path`]), a temporary worktree for `check --ab REF`
//! ([`Worktree`]), both sides' suites resolved once ([`SideSuites`]), the
//! rounds that measure them ([`measure()`], [`measure_until`]), the stages
//! of a ramp on one pair of apps ([`measure_stages`]), the files
//! both sides' results go to ([`claim_results`]), and the gate
//! with the run-to-run floor ([`run_noise`]) and the slowdowns a pull
//! request accepts ([`gate()`]). The gate's settings and the floor are the
//! base tree's: the head is the code under test.

mod accepted;
mod base;
mod error;
mod fallback;
mod gate;
mod leftovers;
mod measure;
mod noise;
mod results;
mod rounds;
mod sides;
mod worktree;

pub use accepted::accepted;
pub use base::{base_suite_path, foreign_baseline_commit, BaseSuiteError};
pub use error::AbError;
pub use fallback::RateFallback;
pub use gate::gate;
pub use measure::{measure, measure_stages, measure_until};
pub use noise::{noise_path, run_noise, NoiseError, NoiseFile, MAX_RUNS, MAX_TAU};
pub use results::{claim_results, ResultFiles};
pub use rounds::RoundPlan;
pub use sides::{SideBySide, SideSuites, Sides};
pub use worktree::{Worktree, WorktreeError};
