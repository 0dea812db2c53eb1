//! Upper bounds of the load: what one run may ask of benchgate.
//!
//! Every figure here sizes something benchgate allocates or waits for (the
//! mix table grows with the weights, the record with endpoints × blocks, the
//! run with the durations), so a typo or a hostile suite file (`weight:
//! 4294967295` built a multi-GB mix table) is refused before anything starts.
//! The bounds are far above any useful suite.

use std::time::Duration;

use super::LoadConfig;

/// Most endpoints in one suite, and in one record.
pub const MAX_ENDPOINTS: usize = 1_000;
/// Most blocks over all endpoints of one run or record (blocks × endpoints).
pub const MAX_BLOCKS: usize = 200_000;

/// Largest endpoint weight.
pub const MAX_WEIGHT: u32 = 1_000;
/// Highest arrival rate, requests per second.
pub const MAX_RATE: f64 = 100_000.0;
/// Longest warm-up and measured duration, each.
pub const MAX_DURATION: Duration = Duration::from_secs(3600);
/// Longest per-request timeout.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(600);
/// Shortest block.
pub const MIN_BLOCK: Duration = Duration::from_millis(10);
/// Most blocks in one run (duration / block).
pub const MAX_BLOCKS_PER_RUN: u128 = 10_000;

/// A load setting out of bounds: the key and what to write instead.
#[derive(Debug, PartialEq)]
pub struct OutOfBounds {
    pub key: &'static str,
    pub message: String,
}

fn out(key: &'static str, message: String) -> Result<(), OutOfBounds> {
    Err(OutOfBounds { key, message })
}

fn human(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

/// Checks `load` for a suite of `endpoints` endpoints. Also for the command
/// line's overrides (`--duration`, `--block`, …) once applied.
pub fn check_load(load: &LoadConfig, endpoints: usize) -> Result<(), OutOfBounds> {
    if !(load.rate > 0.0 && load.rate <= MAX_RATE) {
        return out(
            "load.rate",
            format!(
                "{} requests per second is out of range; use at most {MAX_RATE}/s, e.g. \"rate: 200/s\"",
                load.rate
            ),
        );
    }
    for (key, d) in [
        ("load.warmup", load.warmup),
        ("load.duration", load.duration),
        ("load.max_duration", load.max_duration),
    ] {
        if d > MAX_DURATION {
            return out(
                key,
                format!(
                    "{} is longer than {}; measure for at most an hour, e.g. \"30s\"",
                    human(d),
                    human(MAX_DURATION)
                ),
            );
        }
    }
    if load.timeout > MAX_TIMEOUT {
        return out(
            "load.timeout",
            format!(
                "{} is longer than {}; use e.g. \"timeout: 2s\"",
                human(load.timeout),
                human(MAX_TIMEOUT)
            ),
        );
    }
    if load.block < MIN_BLOCK {
        return out(
            "load.block",
            format!(
                "{} is shorter than {}; use e.g. \"block: 1s\"",
                human(load.block),
                human(MIN_BLOCK)
            ),
        );
    }
    let blocks = load.duration.as_nanos() / load.block.as_nanos().max(1);
    if blocks > MAX_BLOCKS_PER_RUN {
        return out(
            "load.block",
            format!(
                "{} of {} blocks is {blocks} blocks, over the limit of {MAX_BLOCKS_PER_RUN}; use a longer block, e.g. \"block: 1s\"",
                human(load.duration),
                human(load.block)
            ),
        );
    }
    if endpoints > MAX_ENDPOINTS {
        return out(
            "endpoints",
            format!(
                "{endpoints} endpoints, over the limit of {MAX_ENDPOINTS}; split the suite into several files"
            ),
        );
    }
    if blocks.saturating_mul(endpoints as u128) > MAX_BLOCKS as u128 {
        return out(
            "load.block",
            format!(
                "{endpoints} endpoints × {blocks} blocks is over the limit of {MAX_BLOCKS} blocks a record may hold; use a longer block or split the suite"
            ),
        );
    }
    Ok(())
}

/// Blocks one run of `load` records per endpoint: its measured time cut
/// into blocks, the last one partial (as the runner records it).
pub fn blocks_per_run(load: &LoadConfig) -> u128 {
    load.duration
        .as_nanos()
        .div_ceil(load.block.as_nanos().max(1))
}
