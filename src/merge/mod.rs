//! Splitting a suite across CI jobs and joining their results again.
//!
//! A large suite is split across a CI matrix: by endpoint (`run --shard K/N`
//! measures every N-th endpoint, at that share of the suite's rate) or by
//! block range (every job runs the whole suite). Each job uploads its results
//! file and [`merge`] joins them into one record that `compare` and
//! `baseline save` take like any other. Histograms are never re-bucketed:
//! blocks move between records whole, so the merge is lossless.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::record::{self, total_load, NewEndpoints, RunRecord};

mod error;

pub use error::{MergeError, ShardError};

/// Shard `index` of `count` (1-based), from `--shard K/N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// Whether the endpoint at `position` (0-based, in suite file order)
    /// belongs to this shard.
    pub fn contains(&self, position: usize) -> bool {
        position % self.count == self.index - 1
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = ShardError;

    /// Parses `K/N` (shard K of N, 1 ≤ K ≤ N).
    fn from_str(text: &str) -> Result<Shard, ShardError> {
        parse_shard(text)
    }
}

fn parse_shard(text: &str) -> Result<Shard, ShardError> {
    let usage = || ShardError::Syntax(text.to_string());
    let (k, n) = text.trim().split_once('/').ok_or_else(usage)?;
    let parse = |part: &str| part.trim().parse::<usize>().map_err(|_| usage());
    let (index, count) = (parse(k)?, parse(n)?);
    if count == 0 {
        return Err(ShardError::NoShards(text.to_string()));
    }
    if index == 0 || index > count {
        return Err(ShardError::OutOfRange {
            text: text.to_string(),
            count,
        });
    }
    Ok(Shard { index, count })
}

/// Shards measured at different commits measured different code: merging
/// them is allowed (the suite is the same) but rarely meant, so it warns.
pub fn warn_about_commits(inputs: &[(PathBuf, RunRecord)]) {
    let commits: Vec<(&Path, String)> = inputs
        .iter()
        .flat_map(|(path, record)| {
            record
                .run_infos()
                .into_iter()
                .filter_map(move |run| Some((path.as_path(), run.provenance.git_commit?)))
        })
        .collect();
    let Some((first, known)) = commits.first() else {
        return;
    };
    if let Some((path, commit)) = commits.iter().find(|(_, c)| c != known) {
        let line = format!(
            "{} was measured at commit {commit} but {} at {known}: the merged results mix two versions of the app",
            path.display(),
            first.display()
        );
        eprintln!("benchgate: warning: {}", crate::escape::inert(&line));
    }
}

/// The suite cut down to `shard`'s endpoints, at their share of the rate
/// (`rate × shard weight / total weight`), so that each endpoint sees the
/// same arrival rate as in an unsharded run.
pub fn shard_config(config: &Config, shard: Shard) -> Result<Config, ShardError> {
    let total: u64 = config.endpoints.iter().map(|e| u64::from(e.weight)).sum();
    let endpoints: Vec<_> = config
        .endpoints
        .iter()
        .enumerate()
        .filter(|(position, _)| shard.contains(*position))
        .map(|(_, endpoint)| endpoint.clone())
        .collect();
    if endpoints.is_empty() {
        return Err(ShardError::Empty {
            shard: shard.to_string(),
            suite: config.suite.clone(),
            endpoints: config.endpoints.len(),
        });
    }
    let share: u64 = endpoints.iter().map(|e| u64::from(e.weight)).sum();
    let mut sharded = config.clone();
    sharded.load.rate = config.load.rate * share as f64 / total.max(1) as f64;
    sharded.endpoints = endpoints;
    Ok(sharded)
}

/// Joins results files of one suite (shards, or separate runs) into one
/// record.
///
/// - All must share the suite, the fingerprint and the format; the first
///   file that differs is named in the error.
/// - Each input's runs are appended after the previous inputs' runs (see
///   [`RunRecord::append`]): an endpoint measured by several inputs gets all
///   their blocks, each input's under its own run numbers, and an endpoint
///   measured by one input only keeps its blocks, renumbered to point at that
///   input's entry in `runs`. Blocks and their histograms are moved whole.
/// - Endpoints follow the suite's order (`measured.endpoints`).
/// - `load` is [`total_load`] over all the joined runs.
pub fn merge(inputs: Vec<(PathBuf, RunRecord)>) -> Result<RunRecord, MergeError> {
    refuse_duplicates(&inputs)?;
    let mut inputs = inputs.into_iter();
    let Some((first_path, mut merged)) = inputs.next() else {
        return Err(MergeError::Nothing);
    };
    merged.runs = merged.run_infos();
    for (path, next) in inputs {
        same_suite(&first_path, &merged, &path, &next)?;
        merged
            .append(next, NewEndpoints::Add)
            .map_err(|cause| MergeError::Join { path, cause })?;
    }
    let order = |name: &str| {
        merged
            .measured
            .endpoints
            .iter()
            .position(|e| e.name == name)
            .unwrap_or(usize::MAX)
    };
    let mut endpoints = std::mem::take(&mut merged.endpoints);
    // Stable: an endpoint the suite does not list keeps its place at the end.
    endpoints.sort_by_key(|e| order(&e.name));
    merged.endpoints = endpoints;
    // Each input was within the limits; their join must be too, or the
    // merged file could not be read back.
    record::limits::check(&merged).map_err(MergeError::TooLarge)?;
    if let Some(load) = total_load(merged.measured.rate, &merged.runs, record::Joined::Parts) {
        merged.load = load;
    }
    merged.summarize();
    correct_rates(&mut merged);
    Ok(merged)
}

/// Sets each endpoint's summary rate over the time of the runs that
/// measured it. [`RunRecord::summarize`] divides by the time of every run,
/// which is right when each run measured every endpoint but would halve the
/// rate of an endpoint measured by one of two endpoint shards.
fn correct_rates(record: &mut RunRecord) {
    for named in &mut record.summary {
        let Some(endpoint) = record.endpoints.iter().find(|e| e.name == named.endpoint) else {
            continue;
        };
        let mut runs: Vec<u32> = endpoint.blocks.iter().map(|b| b.run).collect();
        runs.sort_unstable();
        runs.dedup();
        let secs: f64 = runs
            .iter()
            .filter_map(|&r| record.runs.get(r as usize))
            .map(|r| r.load.duration_ms as f64 / 1000.0)
            .sum();
        if secs > 0.0 {
            named.summary.rate = named.summary.requests as f64 / secs;
        }
    }
}

/// Refuses a file given twice (or two copies of one run): its requests
/// would count twice and look like independent evidence.
fn refuse_duplicates(inputs: &[(PathBuf, RunRecord)]) -> Result<(), MergeError> {
    for (i, (a_path, a)) in inputs.iter().enumerate() {
        for (b_path, b) in &inputs[i + 1..] {
            if a_path == b_path || a == b {
                return Err(MergeError::Duplicate {
                    first: a_path.clone(),
                    second: b_path.clone(),
                });
            }
        }
    }
    Ok(())
}

/// Checks that `next` (from `path`) is a result of the same suite as the
/// first file.
fn same_suite(
    first_path: &Path,
    first: &RunRecord,
    path: &Path,
    next: &RunRecord,
) -> Result<(), MergeError> {
    let (a, b) = (first_path.display(), path.display());
    let differ = |what: String| Err(MergeError::Differ(what));
    if next.format != first.format {
        return differ(format!(
            "{b} has results format {} but {a} has format {}; measure every shard with the same benchgate version",
            next.format, first.format
        ));
    }
    if next.suite != first.suite {
        return differ(format!(
            "{b} holds suite {} but {a} holds suite {}; merge only results of one suite",
            next.suite, first.suite
        ));
    }
    if next.fingerprint != first.fingerprint {
        let changes = match crate::compare::check_comparable(&first.measured, &next.measured) {
            Err(changes) => format!(": {changes}"),
            Ok(()) => String::new(),
        };
        return differ(format!(
            "{b} was measured with a different suite file than {a}: the suite changed (fingerprints {} vs {}{changes}); run every shard from the same suite file",
            first.fingerprint, next.fingerprint
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
