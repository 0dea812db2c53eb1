//! `Server-Timing` phases in a record: per block, one sparse histogram per
//! phase name (µs), stored like the latency histogram.
//!
//! A phase's histograms form a record of their own shape:
//! [`EndpointRecord::phase`] returns the endpoint with each block's latency
//! replaced by that phase's durations, so the comparison engine that
//! estimates latency metrics estimates phase metrics unchanged.

use std::collections::{BTreeMap, BTreeSet};

use super::model::{Block, EndpointRecord, Outcomes};

/// Most distinct phase names kept per endpoint (and read per block).
pub use super::limits::MAX_PHASES;

/// Longest phase name, bytes.
pub use crate::config::names::MAX_PHASE as MAX_NAME;

/// Why `name` cannot be a phase name, if it cannot (the rule lives with the
/// other names', in [`crate::config::names`]).
pub use crate::config::names::check_phase as check_name;

impl EndpointRecord {
    /// Every phase any block reported, in name order.
    pub fn phase_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .blocks
            .iter()
            .flat_map(|b| b.phases.keys().map(String::as_str))
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// Keeps the first [`MAX_PHASES`] distinct phase names, in block order,
    /// and drops the others from every block: what the recorder does within
    /// one run, for records that join several.
    pub fn cap_phases(&mut self) {
        let mut kept: BTreeSet<String> = BTreeSet::new();
        for block in &mut self.blocks {
            block.phases.retain(|name, _| {
                kept.contains(name) || (kept.len() < MAX_PHASES && kept.insert(name.clone()))
            });
        }
    }

    /// This endpoint as phase `name` saw it: each block's latency is the
    /// phase's durations, and its ok count the responses that timed the
    /// phase (no errors: a phase is timed only in ok responses). Blocks
    /// without the phase stay, empty, so that A/B pairs keep their places.
    pub fn phase(&self, name: &str) -> EndpointRecord {
        EndpointRecord {
            name: self.name.clone(),
            method: self.method.clone(),
            path: self.path.clone(),
            blocks: self
                .blocks
                .iter()
                .map(|b| {
                    let latency_us = b.phases.get(name).cloned().unwrap_or_default();
                    Block {
                        run: b.run,
                        outcomes: Outcomes {
                            ok: latency_us.len(),
                            ..Outcomes::default()
                        },
                        latency_us,
                        phases: BTreeMap::new(),
                    }
                })
                .collect(),
        }
    }
}
