//! Server-Timing phases, compared: gated ones (`server-timing:<phase>` in
//! `gate.metrics`), which decide the gate in the suite's one Holm family,
//! and the attribution of an endpoint's change to the phases that moved,
//! which only explains it.
//!
//! A phase's blocks form a record of the endpoint's shape
//! ([`crate::record::EndpointRecord::phase`]), so every phase metric goes
//! through the same engine as a latency metric (pooled ratio, block or pair
//! bootstrap, between-run moderation across endpoints, A/B mode's
//! run-to-run floor, interval at its Holm level, the verdict rule of
//! `stats::verdict`). Only accepted slowdowns are left out: they were
//! accepted for an endpoint's latency, not for its phases.

mod attribute;
mod gated;
mod view;

pub(crate) use attribute::attribute;
pub(crate) use gated::{gated, judge_gated, unreported};

#[cfg(test)]
mod tests;
