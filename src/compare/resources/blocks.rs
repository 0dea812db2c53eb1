//! The resource blocks of a record — per block, the CPU time and RSS of the
//! app's process tree — as the app-level metrics read them: each side's
//! blocks or why it has none, grouped by run, and per-round log ratios.

use std::collections::BTreeMap;

use crate::compare::rounds::{round_log, RoundLog};
use crate::record::{ResourceBlock, RunRecord};
use crate::stats::Side;

/// Why a side holds no resource blocks to compare.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum NoBlocks {
    #[error(
        "the {which} was recorded by a benchgate that did not read the app's CPU time and memory"
    )]
    NotRead { which: &'static str },
    #[error("not measured on the {which}: {why}")]
    NotMeasured { which: &'static str, why: String },
    #[error("the {which} holds no block of the app's CPU time and memory")]
    Empty { which: &'static str },
}

/// Both sides' resource blocks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SideBlocks<'a> {
    pub base: &'a [ResourceBlock],
    pub head: &'a [ResourceBlock],
}

/// Both sides' resource blocks, or why one side has none (the base's
/// reason first).
pub(crate) fn both<'a>(
    base: &'a RunRecord,
    head: &'a RunRecord,
) -> Result<SideBlocks<'a>, NoBlocks> {
    Ok(SideBlocks {
        base: blocks_of(base, "base")?,
        head: blocks_of(head, "head")?,
    })
}

/// The resource blocks of a record, or why it has none.
pub(crate) fn blocks_of<'a>(
    record: &'a RunRecord,
    which: &'static str,
) -> Result<&'a [ResourceBlock], NoBlocks> {
    match &record.resources {
        None => Err(NoBlocks::NotRead { which }),
        Some(r) => match &r.absent {
            Some(why) => Err(NoBlocks::NotMeasured {
                which,
                why: why.clone(),
            }),
            None if r.blocks.is_empty() => Err(NoBlocks::Empty { which }),
            None => Ok(&r.blocks),
        },
    }
}

/// The blocks' per-block values grouped by run, for the between-run noise
/// of stored mode.
pub(crate) fn by_run<'a, T>(blocks: &[ResourceBlock], values: &'a [T]) -> Side<'a, T> {
    let mut runs: BTreeMap<u32, Vec<&T>> = BTreeMap::new();
    for (block, v) in blocks.iter().zip(values) {
        runs.entry(block.run).or_default().push(v);
    }
    Side {
        runs: runs.into_values().collect(),
    }
}

/// Per round (run) present on both sides, ln(head / base) of `statistic`
/// over the round's resource blocks.
pub(crate) fn round_log_ratios_of(
    base: &RunRecord,
    head: &RunRecord,
    statistic: fn(&[ResourceBlock]) -> Option<f64>,
) -> Vec<RoundLog> {
    let per_run = |r: &RunRecord| {
        let mut runs: BTreeMap<u32, Vec<ResourceBlock>> = BTreeMap::new();
        for b in r.resources.iter().flat_map(|r| &r.blocks) {
            runs.entry(b.run).or_default().push(*b);
        }
        runs
    };
    let (b, h) = (per_run(base), per_run(head));
    b.iter()
        .filter_map(|(run, bb)| round_log(*run, statistic(h.get(run)?)? / statistic(bb)?))
        .collect()
}
