//! `rate: auto` resolved before a measuring command starts, so that one
//! rate holds for the whole run (and both sides of an A/B run): a short
//! probe of the apps' capacity (see [`crate::capacity::auto_rate`]), or in
//! a stored check the rate its baseline was recorded at, since a check
//! compares only with a baseline measured at its own rate. Each record
//! then says which rate was chosen and why.

use std::path::Path;

use crate::capacity;
use crate::config::Config;
use crate::exit::Failure;
use crate::record::{Pairing, RunRecord};

/// When `config` says `rate: auto`: probes the base suite's app and this
/// one's side by side, sets the chosen rate in `config` and says why.
pub(super) fn probe(
    config: &mut Config,
    base_suite: &Path,
    head_suite: &Path,
    pairing: Pairing,
) -> Result<Option<String>, Failure> {
    if !config.load.rate_auto {
        return Ok(None);
    }
    let choice = capacity::auto_rate(base_suite, head_suite, pairing)?;
    config.load.rate = choice.rate;
    Ok(Some(choice.describe()))
}

/// When `config` says `rate: auto`: the baseline's rate, set in `config`,
/// and the sentence that says so.
pub(super) fn from_baseline(config: &mut Config, baseline: &RunRecord) -> Option<String> {
    if !config.load.rate_auto {
        return None;
    }
    config.load.rate = baseline.measured.rate;
    let said = format!(
        "rate auto: {}/s, the rate the baseline was recorded at",
        baseline.measured.rate
    );
    eprintln!("{said}");
    Some(said)
}

/// Records in `record`'s provenance (and each of its runs') what was chosen.
pub(super) fn note(record: &mut RunRecord, chosen: Option<&str>) {
    let Some(chosen) = chosen else { return };
    let provenances = std::iter::once(&mut record.provenance)
        .chain(record.runs.iter_mut().map(|run| &mut run.provenance));
    // The probe's choice first: what the run did with it follows.
    for provenance in provenances {
        provenance.chosen.insert(0, chosen.to_string());
    }
}

/// Refuses `rate: auto` where separate processes must agree on one rate
/// without a baseline to read it from (the shards of one run).
pub(super) fn refuse_for_shards(config: &Config) -> Result<(), Failure> {
    if config.load.rate_auto {
        return Err(Failure::usage(
            "rate: auto chooses a rate per run, and the shards of one run must share it; pass the rate with --rate (e.g. the one a probe chose: see `benchgate capacity`)",
        ));
    }
    Ok(())
}
