//! The engine: [`compare()`] assembles one Holm family from every test of the
//! suite — all endpoint × metric ratios, all error-rate tests, the app's
//! own metrics and the gated phases — so the suite's false-fail rate stays
//! below 1 − `gate.confidence`, then judges each test at its level.

mod comparison;
mod endpoints;

pub use comparison::compare;

#[cfg(test)]
mod tests;
