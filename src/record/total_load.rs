//! The load figures of several runs joined into one record (shards, a
//! stored check's runs, the rounds of an A/B run): what they did together.

use super::{LoadSummary, RunInfo};

/// The load figures of several joined runs, as one [`LoadSummary`]:
///
/// - `requests`, `late_starts`, `generator_cpu_seconds` and
///   `generator_requests` are summed: the work of every run together;
/// - `target_rate` is the suite's rate (`rate`): what an unsharded run
///   offers, whatever the shards' own shares were;
/// - `achieved_rate` is that target times the lowest achieved ÷ target
///   ratio of any run, so a shard that fell short still shows as short;
/// - warm-up, duration, block, connections and seed are the first run's.
///
/// Each run's own figures stay in `runs`.
pub fn total_load(rate: f64, runs: &[RunInfo]) -> Option<LoadSummary> {
    let first = runs.first()?;
    let worst = runs
        .iter()
        .filter(|r| r.load.target_rate > 0.0)
        .map(|r| r.load.achieved_rate / r.load.target_rate)
        .reduce(f64::min);
    Some(LoadSummary {
        target_rate: rate,
        achieved_rate: worst.map_or(0.0, |ratio| rate * ratio),
        requests: runs.iter().map(|r| r.load.requests).sum(),
        late_starts: runs.iter().map(|r| r.load.late_starts).sum(),
        generator_cpu_seconds: runs.iter().map(|r| r.load.generator_cpu_seconds).sum(),
        generator_requests: runs.iter().map(|r| r.load.generator_requests).sum(),
        ..first.load.clone()
    })
}
