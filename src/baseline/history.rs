//! The history file's lines: one summary per saved baseline, for the
//! main-branch trend a report shows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::record::{Host, RunRecord};

/// One line of the history file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HistoryEntry {
    pub time_utc: String,
    pub git_commit: Option<String>,
    pub git_branch: Option<String>,
    pub runs: usize,
    pub runner: Host,
    pub endpoints: BTreeMap<String, EndpointFigures>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EndpointFigures {
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub error_rate: f64,
}

impl HistoryEntry {
    pub fn of(record: &RunRecord) -> HistoryEntry {
        HistoryEntry {
            time_utc: record.provenance.time_utc.clone(),
            git_commit: record.provenance.git_commit.clone(),
            git_branch: record.provenance.git_branch.clone(),
            runs: record.run_count(),
            runner: record.provenance.host.clone(),
            endpoints: record
                .summary
                .iter()
                .map(|s| {
                    let f = EndpointFigures {
                        p50_ms: s.summary.p50_ms,
                        p95_ms: s.summary.p95_ms,
                        p99_ms: s.summary.p99_ms,
                        error_rate: s.summary.error_rate,
                    };
                    (s.endpoint.clone(), f)
                })
                .collect(),
        }
    }
}

/// The entries of a history file's text; unreadable lines are skipped (the
/// history is only shown).
pub(super) fn parse_history(text: &str) -> Vec<HistoryEntry> {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}
