//! The run record: what one run measured, per endpoint and per block.
//!
//! A [`RunRecord`] is the plain data every later stage works on (baselines,
//! comparison, reports). It keeps the blocks separate because the block is
//! the statistics' unit, and stores each block's latency histogram in
//! HdrHistogram's standard V2 compressed encoding (base64) so that other
//! HdrHistogram tools can read a results file. Request header values never
//! reach a record: they may hold secrets.

mod codec;
mod error;
mod histogram_text;
pub mod latency;
pub mod limits;
mod model;
pub mod phases;
mod runs;
mod total_load;

pub use codec::decode;
pub use error::DecodeError;
pub use latency::{new_histogram, Latency, SIGNIFICANT_DIGITS};
pub use model::{
    head_started_first, Block, EndpointRecord, Host, LoadSummary, Measured, MeasuredEndpoint,
    NamedSummary, NewEndpoints, Outcomes, Pairing, Placement, Provenance, ResourceBlock, Resources,
    RunInfo, RunRecord, Summary, FORMAT,
};
pub use runs::JoinError;
pub use total_load::{total_load, Joined};

#[cfg(test)]
mod tests;
