//! Two run records in, one [`Comparison`] out: per endpoint × metric the
//! ratio head / base with its interval and verdict, per endpoint the error
//! rate test, the app's own resources, Server-Timing phases, and the gate's
//! outcome. Pure: no I/O, no clock.
//!
//! The statistics come from [`crate::stats`]. Two choices are made here:
//!
//! * **One family.** Every test of the suite (all endpoint × metric ratios
//!   and all error-rate tests) goes into one Holm procedure at
//!   1 − `gate.confidence`, so the suite's false-fail rate stays below it
//!   ([`engine`], [`holm`]).
//! * **Between-run noise borrows strength across endpoints.** With k
//!   recorded baseline runs one endpoint's run-to-run variance has only
//!   k − 1 degrees of freedom — far too few for an interval at a
//!   Holm-adjusted level. The machine's speed phases move every endpoint
//!   together, so each endpoint's log-scale variance is moderated towards
//!   the suite's for that metric, as in the moderated t of Smyth (2004,
//!   *Stat. Appl. Genet. Mol. Biol.* 3(1), art. 3): a prior variance s₀² on
//!   d₀ degrees of freedom, both fitted to the endpoints' variances, combined
//!   with the endpoint's own. Endpoints whose noise differs widely lend
//!   little ([`latency`]).
//!
//! One folder or file per idea: [`model`] (the data), [`gate`] (the
//! settings), [`engine`] and [`holm`] (the family), [`latency`], [`rounds`]
//! (A/B mode's instance offsets), [`resources`] (the app's CPU and memory),
//! [`phases`], [`validity`] (whether and how far the comparison can be
//! trusted).

mod engine;
mod gate;
mod holm;
mod judging;
mod latency;
mod model;
mod phases;
mod resources;
mod rounds;
mod stopped;
mod validity;

#[cfg(test)]
pub(crate) mod simulated;
#[cfg(test)]
pub(crate) mod testutil;

pub use crate::config::names::APP_ROW;
pub use engine::compare;
pub use gate::{Accepted, GateSettings, MetricNoise, RunNoise};
pub use latency::{ratio_estimates, unjudgeable, Span};
pub use model::{
    Capacity, CapacityVerdict, Comparison, Curves, EndpointComparison, EndpointCpu,
    ErrorComparison, Memory, MetricComparison, MissingOn, Outcome, PhaseComparison, Point,
    PossibleRegression, SideInfo, Sight, VerdictName, CURVE_QUANTILES,
};
pub use stopped::{StopReason, Stopping};
pub use validity::{
    capacity_of, check_comparable, describe_errors, measured, shared_while_recorded,
    unanswered_endpoints, SuiteChanged, SUSTAINED_SHARE,
};
