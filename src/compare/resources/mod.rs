//! The app's own resources, head vs base, from the CPU time and RSS of its
//! process tree read once per block: CPU time per request (with the
//! endpoint mix fitted out), peak memory, and memory growth. The first two
//! are gated in the row [`crate::config::names::APP_ROW`]; growth is a
//! warning.

mod blocks;
mod cpu;
mod cpu_endpoints;
mod cpu_mix;
mod figure;
mod memory;
mod peak_rss;
mod row;

pub(crate) use cpu_endpoints::by_endpoint as cpu_by_endpoint;
pub(crate) use memory::memory;
pub(crate) use row::{measure, row};

#[cfg(test)]
mod tests;
