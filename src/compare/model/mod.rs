//! The comparison's data: what [`super::compare`] returns and every report
//! prints. Plain data, serialised as the JSON report (see
//! `schemas/comparison.schema.json`), read back by `benchgate report`. The
//! rules that fill it in live with their concepts; only the data is here.

mod comparison;
mod cpu_endpoint;
mod memory;
mod metric;
mod metric_name;
mod missing;
mod phase;
mod sustained;

pub use comparison::{
    Comparison, Curves, EndpointComparison, ErrorComparison, Outcome, Point, PossibleRegression,
    SideInfo, Sight, CURVE_QUANTILES,
};
pub use cpu_endpoint::EndpointCpu;
pub use memory::{Memory, SideMemory};
pub use metric::{MetricComparison, VerdictName};
pub(crate) use metric_name::metric_by_name;
pub use missing::MissingOn;
pub use phase::PhaseComparison;
pub use sustained::{Capacity, CapacityVerdict, SideLoad};
