//! A side's recording turned into a [`RunRecord`]: one histogram per
//! endpoint per block, the load summary, what was measured and where.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::config::Config;
use crate::load::{Plan, SideRecorded};
use crate::provenance;
use crate::record::{self, Block, EndpointRecord, LoadSummary, Provenance, Resources, RunRecord};

use super::sample::{Reading, Unread};

/// The record of one side: `config` is what ran, `suite` the whole suite it
/// belongs to (the same, or the unsharded suite of a shard), `side` the
/// side's own suite file (its tree, its app's CPUs).
pub(super) fn assemble(
    config: &Config,
    suite: &Config,
    plan: &Plan,
    recorded: SideRecorded,
    cpu: f64,
    start: SystemTime,
    side: &Config,
) -> RunRecord {
    let block_count = config
        .load
        .duration
        .as_nanos()
        .div_ceil(config.load.block.as_nanos().max(1)) as usize;
    let endpoints = endpoint_records(config, &recorded, block_count);
    let (measured, fingerprint) = crate::compare::measured(suite);
    // Each side's requests over the time it was under load.
    let span = config.load.duration.as_secs_f64() / plan.turn;
    let achieved = match recorded.last_start {
        Some(last) if last > Duration::ZERO => {
            recorded.requests as f64 / (last.as_secs_f64().max(span) * plan.turn)
        }
        _ => 0.0,
    };
    let mut record = RunRecord {
        format: record::FORMAT,
        suite: config.suite.clone(),
        summary: Vec::new(),
        fingerprint,
        measured,
        provenance: Provenance {
            placement: provenance::placement(side, config),
            chosen: Vec::new(),
            ..provenance::collect(&provenance_dir(side), start)
        },
        load: LoadSummary {
            target_rate: config.load.rate,
            achieved_rate: achieved,
            warmup_ms: config.load.warmup.as_millis() as u64,
            duration_ms: config.load.duration.as_millis() as u64,
            block_ms: plan.block.as_millis() as u64,
            connections: config.load.connections,
            seed: plan.seed,
            requests: recorded.requests,
            late_starts: recorded.late_starts,
            generator_cpu_seconds: cpu,
            generator_requests: plan.schedule.total_requests() / plan.targets.len() as u64,
            others_cores: None,
        },
        runs: Vec::new(),
        pairing: plan.pairing,
        endpoints,
        resources: None,
    };
    record.summarize();
    record
}

/// Each endpoint's first `block_count` blocks as recorded, an empty block
/// for each the recording lacks.
fn endpoint_records(
    config: &Config,
    recorded: &SideRecorded,
    block_count: usize,
) -> Vec<EndpointRecord> {
    let blocks = &recorded.blocks[..recorded.blocks.len().min(block_count)];
    config
        .endpoints
        .iter()
        .enumerate()
        .map(|(e, endpoint)| EndpointRecord {
            name: endpoint.name.clone(),
            method: endpoint.method.clone(),
            path: endpoint.path.clone(),
            blocks: (0..block_count)
                .map(|b| match blocks.get(b) {
                    Some(block) => Block {
                        run: 0,
                        latency_us: (&block[e].latency_us).into(),
                        outcomes: block[e].outcomes.clone(),
                        phases: block[e].phases.clone(),
                    },
                    None => Block {
                        run: 0,
                        latency_us: record::Latency::default(),
                        outcomes: Default::default(),
                        phases: Default::default(),
                    },
                })
                .collect(),
        })
        .collect()
}

/// Where a side's git provenance is read: its suite file's directory.
fn provenance_dir(config: &Config) -> PathBuf {
    config
        .path
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default()
}

/// Adds a side's resource use to its record: per block, from the sampler's
/// `readings` of side `index`, or why there is none.
pub(super) fn attach_resources(
    record: &mut RunRecord,
    readings: Result<(&[Reading], usize), Unread>,
) {
    let blocks = record.endpoints.first().map_or(0, |e| e.blocks.len());
    let ok: Vec<u64> = (0..blocks)
        .map(|b| {
            record
                .endpoints
                .iter()
                .filter_map(|e| e.blocks.get(b))
                .map(|block| block.outcomes.ok)
                .sum()
        })
        .collect();
    record.load.others_cores = readings
        .as_ref()
        .ok()
        .and_then(|(readings, _)| super::sample::others_cores(readings));
    let resources = match readings
        .and_then(|(readings, index)| super::sample::side_blocks(readings, index, &ok))
    {
        Ok(blocks) => Resources {
            absent: None,
            blocks,
        },
        Err(why) => Resources::absent(why.to_string()),
    };
    record.resources = Some(resources);
}
