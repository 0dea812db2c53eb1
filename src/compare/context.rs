//! Where the two records came from and what to warn about: each side's
//! provenance, whether they were made on different machines, and the
//! run's warnings (a single-run baseline, a rate that fell short).

use super::*;

pub(super) fn side_info(record: &RunRecord) -> SideInfo {
    SideInfo {
        git_commit: record.provenance.git_commit.clone(),
        time_utc: record.provenance.time_utc.clone(),
        runs: record.run_count(),
        cpu_model: record.provenance.host.cpu_model.clone(),
        cores: record.provenance.host.cores,
        placement: record.provenance.placement.clone(),
    }
}

/// "Intel Xeon X, 2 cores" when `base` and `head` are separate runs made on
/// machines with another CPU model or core count.
pub(super) fn other_machine(
    base: &RunRecord,
    head: &RunRecord,
    pairing: Option<Pairing>,
) -> Option<String> {
    let (b, h) = (&base.provenance.host, &head.provenance.host);
    (pairing.is_none() && (b.cpu_model != h.cpu_model || b.cores != h.cores))
        .then(|| format!("{}, {} cores", b.cpu_model, b.cores))
}

pub(super) fn warnings(
    base: &RunRecord,
    head: &RunRecord,
    estimates: &[Vec<(Metric, Option<Estimate>)>],
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
    let within_only = estimates
        .iter()
        .flatten()
        .any(|(_, e)| matches!(e.as_ref().map(|e| e.noise), Some(NoiseModel::WithinRunOnly)));
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
