//! Each endpoint's pooled latency at fixed quantiles, for the HTML report's
//! plots.

use crate::compare::model::{Point, CURVE_QUANTILES};
use crate::record::EndpointRecord;

/// The pooled latency curve of one endpoint, in milliseconds.
pub(crate) fn curve(endpoint: &EndpointRecord) -> Vec<Point> {
    let pooled = endpoint.pooled();
    if pooled.is_empty() {
        return Vec::new();
    }
    CURVE_QUANTILES
        .iter()
        .map(|&q| Point {
            q,
            ms: pooled.value_at_quantile(q) as f64 / 1000.0,
        })
        .collect()
}
