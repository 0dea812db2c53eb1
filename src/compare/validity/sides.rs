//! Where each side's numbers came from: commit, time, runs and machine, as
//! the comparison shows them.

use crate::compare::model::SideInfo;
use crate::record::RunRecord;

/// `record`'s provenance, as the comparison shows it.
pub(crate) fn side_info(record: &RunRecord) -> SideInfo {
    SideInfo {
        git_commit: record.provenance.git_commit.clone(),
        time_utc: record.provenance.time_utc.clone(),
        runs: record.run_count(),
        cpu_model: record.provenance.host.cpu_model.clone(),
        cores: record.provenance.host.cores,
        placement: record.provenance.placement.clone(),
    }
}
