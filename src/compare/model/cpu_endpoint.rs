//! Each endpoint's CPU cost per request, head vs base, as the comparison
//! reports it (see `compare::resources::cpu_endpoints`): informational,
//! beside the gated `cpu/request` of the whole app.

use serde::{Deserialize, Serialize};

/// One endpoint's fitted CPU cost per request on each side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointCpu {
    pub endpoint: String,
    /// Fitted CPU time per request, ms.
    pub base_ms: f64,
    pub head_ms: f64,
    /// head / base and its interval, at the suite's confidence shared
    /// among the endpoints.
    pub ratio: f64,
    pub lower: f64,
    pub upper: f64,
    /// Whether the interval excludes no change: the endpoint is named.
    pub named: bool,
}
