//! What a comparison warns about without failing: a baseline from another
//! machine or one that does not say how busy its machine was, a baseline of
//! a single run, a rate that fell short.

use crate::record::RunRecord;
use crate::stats::{Estimate, NoiseModel};

/// What to warn about in a comparison of `base` and `head` (`ab`: the
/// two sides of one A/B run) whose latency estimates are `estimates`.
pub(crate) fn warnings<'a>(
    base: &RunRecord,
    head: &RunRecord,
    estimates: impl IntoIterator<Item = &'a Estimate>,
    ab: bool,
) -> Vec<String> {
    let mut warnings = Vec::new();
    let (bh, hh) = (&base.provenance.host, &head.provenance.host);
    if !ab && (bh.cpu_model != hh.cpu_model || bh.cores != hh.cores) {
        warnings.push(format!(
            "the baseline was recorded on another machine ({}, {} cores) than this run ({}, {} cores): machine-to-machine offsets are not covered by the intervals",
            bh.cpu_model, bh.cores, hh.cpu_model, hh.cores
        ));
    }
    if !ab && base.others_cores().is_none() && head.others_cores().is_some() {
        warnings.push(
            "the baseline does not say how busy the machine was while it was recorded (an older benchgate made it), so a check on a busier or quieter machine cannot be recognised; record it again with `benchgate baseline update`".into(),
        );
    }
    let within_only = estimates
        .into_iter()
        .any(|e| matches!(e.noise, NoiseModel::WithinRunOnly));
    if within_only {
        warnings.push(
            "the baseline holds a single run, so run-to-run variation is not covered and verdicts may be false alarms; record it with `benchgate baseline update --runs 5`".into(),
        );
    }
    let sides = if ab {
        vec![(head, "the head"), (base, "the base")]
    } else {
        vec![(head, "the run")]
    };
    for (record, which) in sides {
        if record.load.fell_short() {
            warnings.push(format!(
                "{which} achieved {:.1}/s of the {}/s target: the app or the generator was saturated",
                record.load.achieved_rate, record.load.target_rate
            ));
        }
    }
    warnings
}
