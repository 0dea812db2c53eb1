//! What the comparison knows of one app-level metric, as its own module
//! (`cpu`, `peak_rss`) measured it.

use crate::stats::Estimate;

/// One app-level metric of both sides.
#[derive(Debug, Clone)]
pub(crate) enum Figure {
    /// Not measured on a side, and why.
    Absent(String),
    Measured(Measured),
}

/// An app-level metric measured on both sides.
#[derive(Debug, Clone)]
pub(crate) struct Measured {
    /// Each side's figure in the metric's unit ([`crate::config::Metric::unit`]).
    pub base: Option<f64>,
    pub head: Option<f64>,
    /// The estimate of head / base (`None` with too few blocks).
    pub estimate: Option<Estimate>,
}
