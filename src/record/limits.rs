//! What a results file may hold, checked before anything trusts it.
//!
//! The limits are far above any real run (a 500-endpoint suite measured for
//! 10 minutes in 1 s blocks has 300,000 blocks … and is refused; split it with
//! a CI matrix and `benchgate merge` per shard) and far below what would
//! exhaust a CI runner's memory. Each limit names what it protects.

use std::collections::BTreeSet;

use super::error::DecodeError;
use super::model::{Outcomes, RunRecord};
use crate::config::names::{self, clip};

/// Most distinct phase names kept per endpoint, over all its blocks (and
/// read per block): an app that invents a name per request cannot grow a
/// run's memory or a file, nor a file the work of comparing it.
pub const MAX_PHASES: usize = 16;

/// Largest results file read, bytes (200,000 real blocks take ≈ 30 MB).
pub const MAX_FILE_BYTES: u64 = 64 << 20;
/// Longest base64 text of one histogram, bytes.
pub const MAX_HISTOGRAM_TEXT: usize = 1 << 20;
/// Largest inflated V2 payload of one histogram, bytes (a histogram with
/// every bucket of a 1 µs … 1 year range filled takes ≈ 300 KB).
pub const MAX_INFLATED: usize = 1 << 20;
/// Most buckets of a histogram's layout (the count array the decoder
/// allocates: 8 bytes each). 1 µs … 2^62 µs at 3 digits is ≈ 55,000.
pub const MAX_HISTOGRAM_BUCKETS: usize = 1 << 17;
/// Most bytes all histograms of one record may inflate to (a real block's
/// V2 payload is a few hundred bytes).
pub const MAX_RECORD_INFLATED: usize = 256 << 20;
/// Most non-empty buckets over all blocks of one record (16 bytes each in
/// memory).
pub const MAX_RECORD_BUCKETS: usize = 8_000_000;
/// Most separate runs joined in one record (`baseline update --runs N`).
pub const MAX_RUNS: usize = 1_000;
/// Most endpoints in one record, and most blocks over all its endpoints:
/// the same bounds a suite file's load is held to.
pub use crate::config::bounds::{MAX_BLOCKS, MAX_ENDPOINTS};
/// Largest single count (requests of one outcome in one block, values in
/// one histogram): a million requests a second for 11 days.
pub const MAX_COUNT: u64 = 1_000_000_000_000;

pub(super) fn too_many_blocks(blocks: usize) -> String {
    format!("{blocks} blocks over all endpoints, over the limit of {MAX_BLOCKS}; split the suite into shards")
}

/// Checks a decoded record's sizes, run indices, counts and names.
pub fn check(record: &RunRecord) -> Result<(), DecodeError> {
    let field = |path: String, message: String| DecodeError::Field { path, message };
    let name = |path: String, source| DecodeError::Name { path, source };
    names::check_suite(&record.suite).map_err(|e| name("suite".into(), e))?;
    if record.endpoints.len() > MAX_ENDPOINTS {
        return Err(field(
            "endpoints".into(),
            format!(
                "{} endpoints, over the limit of {MAX_ENDPOINTS}",
                record.endpoints.len()
            ),
        ));
    }
    if record.runs.len() > MAX_RUNS {
        return Err(field(
            "runs".into(),
            format!("{} runs, over the limit of {MAX_RUNS}", record.runs.len()),
        ));
    }
    let blocks: usize = record.endpoints.iter().map(|e| e.blocks.len()).sum();
    if blocks > MAX_BLOCKS {
        return Err(field("endpoints".into(), too_many_blocks(blocks)));
    }
    for (i, m) in record.measured.endpoints.iter().enumerate() {
        names::check_endpoint(&m.name)
            .map_err(|e| name(format!("measured.endpoints[{i}].name"), e))?;
    }
    let runs = record.run_count();
    for (e, endpoint) in record.endpoints.iter().enumerate() {
        names::check_endpoint(&endpoint.name)
            .map_err(|source| name(format!("endpoints[{e}].name"), source))?;
        let phases = endpoint.blocks.iter().map(|b| b.phases.keys());
        check_phase_names(e, &endpoint.name, phases)?;
        let mut total: u64 = 0;
        for (b, block) in endpoint.blocks.iter().enumerate() {
            let at = |what: &str| format!("endpoints[{e}].blocks[{b}].{what}");
            if block.run as usize >= runs {
                return Err(field(
                    at("run"),
                    format!(
                        "run {} does not exist: the record holds {runs} run{}",
                        block.run,
                        if runs == 1 { "" } else { "s" }
                    ),
                ));
            }
            if block.latency_us.len() > MAX_COUNT {
                return Err(field(
                    at("latency_us"),
                    format!(
                        "the histogram holds {} values, over the limit of {MAX_COUNT} in one block",
                        block.latency_us.len()
                    ),
                ));
            }
            for (phase_name, phase) in &block.phases {
                let at_phase = || at(&format!("phases.{}", in_path(phase_name)));
                names::check_phase(phase_name).map_err(|e| name(at_phase(), e))?;
                if phase.len() > MAX_COUNT {
                    return Err(field(
                        at_phase(),
                        format!("the histogram holds {} values, over the limit of {MAX_COUNT} in one block", phase.len()),
                    ));
                }
            }
            let block_total = checked_total(&block.outcomes, || at("outcomes"))?;
            total = total.checked_add(block_total).ok_or_else(|| {
                field(
                    format!("endpoints[{e}]"),
                    format!(
                        "the requests of endpoint {:?} add up past 2^64",
                        clip(&endpoint.name)
                    ),
                )
            })?;
        }
    }
    check_resources(record, runs)
}

/// Refuses endpoint `e` (named `endpoint`) when its blocks' phase names
/// (`blocks`, each block's names) hold more than [`MAX_PHASES`] distinct
/// ones, at the first name past the limit: each name is compared over
/// every block, so names spread across blocks would cost time and memory
/// in the square of the blocks.
pub(super) fn check_phase_names<'a, N: IntoIterator<Item = &'a String>>(
    e: usize,
    endpoint: &str,
    blocks: impl IntoIterator<Item = N>,
) -> Result<(), DecodeError> {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let over = blocks.into_iter().enumerate().find_map(|(b, names)| {
        names
            .into_iter()
            .find(|name| seen.insert(name) && seen.len() > MAX_PHASES)
            .map(|name| (b, name))
    });
    let Some((b, phase)) = over else {
        return Ok(());
    };
    Err(DecodeError::Field {
        path: format!("endpoints[{e}].blocks[{b}].phases.{}", in_path(phase)),
        message: format!(
            "endpoint {:?} reports more than {MAX_PHASES} distinct Server-Timing phase names over its blocks, \
             over the limit of {MAX_PHASES} per endpoint; benchgate records at most {MAX_PHASES} per endpoint, \
             so this file was edited or written by another tool: record it again with benchgate",
            clip(endpoint)
        ),
    })
}

/// A phase name as a JSON path shows it, read before any name is checked:
/// clipped, its control characters escaped (`\u{1b}`, `\n`).
fn in_path(name: &str) -> String {
    clip(name)
        .chars()
        .map(|c| {
            if c.is_control() {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Largest resident memory a block may report, bytes (1 PiB).
pub const MAX_RSS_BYTES: u64 = 1 << 50;

/// Checks the resource blocks: as many as the blocks limit allows, runs
/// that exist, plausible counts and finite utilisation.
fn check_resources(record: &RunRecord, runs: usize) -> Result<(), DecodeError> {
    let Some(resources) = &record.resources else {
        return Ok(());
    };
    let field = |path: String, message: String| DecodeError::Field { path, message };
    if resources
        .absent
        .as_ref()
        .is_some_and(|why| why.len() > 1000)
    {
        return Err(field(
            "resources.absent".into(),
            "longer than 1000 bytes".into(),
        ));
    }
    if resources.blocks.len() > MAX_BLOCKS {
        return Err(field(
            "resources.blocks".into(),
            format!(
                "{} blocks, over the limit of {MAX_BLOCKS}",
                resources.blocks.len()
            ),
        ));
    }
    for (b, block) in resources.blocks.iter().enumerate() {
        let at = |what: &str| format!("resources.blocks[{b}].{what}");
        if block.run as usize >= runs {
            return Err(field(
                at("run"),
                format!("run {} does not exist: the record holds {runs}", block.run),
            ));
        }
        for (what, n, limit) in [
            ("cpu_us", block.cpu_us, MAX_COUNT),
            ("ok", block.ok, MAX_COUNT),
            ("rss_bytes", block.rss_bytes, MAX_RSS_BYTES),
        ] {
            if n > limit {
                return Err(field(at(what), format!("{n} is over the limit of {limit}")));
            }
        }
        if !(block.cpu_cores.is_finite() && block.cpu_cores >= 0.0) {
            return Err(field(
                at("cpu_cores"),
                format!("{} is not a non-negative number", block.cpu_cores),
            ));
        }
    }
    Ok(())
}

/// The block's request count, refusing implausible counts.
fn checked_total(o: &Outcomes, at: impl Fn() -> String) -> Result<u64, DecodeError> {
    let field = |message: String| DecodeError::Field {
        path: at(),
        message,
    };
    let named = [
        ("ok", o.ok),
        ("timeout", o.timeout),
        ("connect", o.connect),
        ("other", o.other),
    ];
    let statuses = o.status.iter().map(|(code, n)| (code, *n));
    let mut total: u64 = 0;
    for (what, n) in named
        .iter()
        .map(|(w, n)| (w.to_string(), *n))
        .chain(statuses.map(|(c, n)| (format!("status.{c}"), n)))
    {
        if n > MAX_COUNT {
            return Err(field(format!(
                "{what} is {n}, over the limit of {MAX_COUNT} requests in one block"
            )));
        }
        // Cannot overflow with ≤ 65,540 counts of ≤ 10^12 each; checked anyway.
        total = total
            .checked_add(n)
            .ok_or_else(|| field("the counts add up past 2^64".to_string()))?;
    }
    Ok(total)
}
