//! Each side's resident memory over the measured time: its peak and its
//! growth (see `resources::memory`).

use serde::{Deserialize, Serialize};

/// One side's memory over the measured phase.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct SideMemory {
    /// Highest RSS of the app's tree at any block's end, MiB.
    pub peak_mib: f64,
    /// Least-squares slope of RSS over time within instances, MiB/s.
    pub slope_mib_per_s: f64,
    /// The slope times `seconds`: what one instance would grow over the
    /// whole measured time, MiB.
    pub growth_mib: f64,
    /// Measured seconds, all runs (A/B rounds) together.
    pub seconds: f64,
    /// Fresh instances of the app (runs, A/B rounds) the slope is averaged
    /// over.
    #[serde(default = "one")]
    pub instances: usize,
    /// Share of the RSS variation within instances that the slope explains
    /// (R²): near 1 for steady growth.
    pub steadiness: f64,
}

/// Both sides' memory.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Memory {
    pub base: SideMemory,
    pub head: SideMemory,
}

fn one() -> usize {
    1
}
