//! Whether a comparison can be trusted, and its context: whether the two
//! records measured the same suite, whether separate runs were made on
//! comparable machines (another machine, a machine shared with other
//! work), the sustained-rate (throughput) verdict, endpoints never
//! answered, gated metrics one side did not produce, each side's provenance, and the warnings that fail nothing.

mod machine;
mod missing;
mod sides;
mod suite_diff;
mod sustained;
mod unanswered;
mod verdict;
mod warnings;

pub use machine::shared_while_recorded;
pub(crate) use machine::{incomparable, Incomparable};
pub(crate) use missing::{endpoint_missing, no_request};
pub(crate) use sides::side_info;
pub use suite_diff::{check_comparable, measured, SuiteChanged};
pub use sustained::{capacity_of, SUSTAINED_SHARE};
pub use unanswered::{describe_errors, unanswered_endpoints};
pub(crate) use verdict::{validity, Validity};
pub(crate) use warnings::warnings;

#[cfg(test)]
mod tests;
