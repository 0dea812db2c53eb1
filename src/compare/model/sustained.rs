//! What each side carried, per second, and the throughput verdict read
//! from it (see `validity::sustained`).

use serde::{Deserialize, Serialize};

/// Whether each side carried the load.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Capacity {
    pub base: SideLoad,
    pub head: SideLoad,
    pub verdict: CapacityVerdict,
    /// The sentence a report shows, when there is something to say.
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CapacityVerdict {
    /// The head carried the load (or the base did not either… see invalid).
    Kept,
    /// The head fell short where the base did not.
    Regressed,
    /// Neither side carried the load.
    Invalid,
}

/// What one side carried, per second of the measured time.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SideLoad {
    pub target_rate: f64,
    /// Arrivals actually started per second.
    pub achieved_rate: f64,
    /// Achieved, less the share lost to timeouts and failed connections.
    pub sustained_rate: f64,
    /// Requests with an outcome, and those lost.
    pub requests: u64,
    pub lost: u64,
    /// Requests that waited for a free connection.
    pub late_starts: u64,
}
