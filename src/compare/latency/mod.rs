//! An endpoint's own tests: each gated latency metric's ratio head / base,
//! estimated with its noise and judged at its Holm level, and its error
//! rate. Also whether a quantile has the requests to be judged at all, and
//! the pooled latency curves the reports plot.

mod curve;
mod error_rate;
mod estimates;
mod judgeable;
mod shared;
mod verdicts;

pub(crate) use curve::curve;
pub(crate) use error_rate::ErrorTest;
pub use estimates::ratio_estimates;
pub(crate) use estimates::{estimates, Estimated, MetricEstimate, Paired};
pub use judgeable::{unjudgeable, Span};
pub(crate) use shared::{compared_endpoints, listed, paired, EndpointPair, Unrecorded};
pub(crate) use verdicts::{latency_comparison, metric_comparison, metric_estimate};

#[cfg(test)]
mod tests;
