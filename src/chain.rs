//! A branch's relative history: one line per pushed commit, holding each
//! metric's paired ratio against the commit's first parent, measured side
//! by side on one machine (`benchgate check --ab HEAD^`).
//!
//! The file is JSON Lines, appended to by `benchgate history append` and
//! read by `benchgate history show`. Absolute milliseconds move with the
//! runner; these ratios do not, so the chain of them (see
//! [`crate::stats::Index`]) is a history that survives runner changes. The
//! machine of each step is kept beside it, to say so.
//!
//! The file may come from a branch anyone with push rights writes to, so it
//! is read as a hostile file: bounded in size and lines, every line
//! checked, a bad one named with its line number.

mod file;
mod series;
mod step;

pub use file::{append, read, Appended, ChainError};
pub use series::{series, stretch, Flagged, Gap, Series};
pub use step::{ChainStep, Machine, StepMetric};

#[cfg(test)]
mod tests;
