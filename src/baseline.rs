//! The baseline store: `baselines/<suite>.json` (a run record, usually
//! joining several runs) and `baselines/<suite>.history.jsonl` (one summary
//! line per saved baseline: the main-branch history).
//!
//! Files are always replaced whole (temp file + rename), so an interrupted
//! `baseline update` leaves the previous baseline intact; [`guard`] keeps
//! concurrent and killed saves from losing a history line or leaving temp
//! files to commit.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::files;
use crate::record::{self, Host, RunRecord};

mod guard;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("no baseline for suite {suite} at {path}; record one with `benchgate baseline update` and commit it")]
    Missing { suite: String, path: PathBuf },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid benchgate record ({reason}); it may be truncated or edited by hand: restore it from git or record it again with `benchgate baseline update`")]
    Corrupt { path: PathBuf, reason: String },
    #[error("{path} has format {found}, but this benchgate reads format {expected}; record it again with `benchgate baseline update` or use a matching benchgate version")]
    Format {
        path: PathBuf,
        found: String,
        expected: u32,
    },
    #[error("{path} holds suite {found:?}, not {expected:?}: its numbers belong to another suite; restore the file from git or record it again with `benchgate baseline update`")]
    OtherSuite {
        path: PathBuf,
        found: String,
        expected: String,
    },
}

/// Where the baseline of `suite` lives in `dir`.
pub fn path(dir: &Path, suite: &str) -> PathBuf {
    dir.join(format!("{suite}.json"))
}

pub fn history_path(dir: &Path, suite: &str) -> PathBuf {
    dir.join(format!("{suite}.history.jsonl"))
}

/// Reads a results or baseline file: its size, its format version, then
/// the record with every limit of [`record::limits`] checked, so that a
/// crafted file (the fork-safe workflow compares files a pull request wrote)
/// is refused with the JSON path of what is wrong.
pub fn read_record(path: &Path) -> Result<RunRecord, LoadError> {
    let read = |source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    };
    let corrupt = |reason: String| LoadError::Corrupt {
        path: path.to_path_buf(),
        reason,
    };
    let size = std::fs::metadata(path).map_err(read)?.len();
    if size > record::limits::MAX_FILE_BYTES {
        return Err(corrupt(format!(
            "it is {size} bytes, over the limit of {} for a results file",
            record::limits::MAX_FILE_BYTES
        )));
    }
    let bytes = std::fs::read(path).map_err(read)?;
    let mut record = record::decode(&bytes).map_err(|e| match e {
        record::DecodeError::Format { found } => LoadError::Format {
            path: path.to_path_buf(),
            found,
            expected: record::FORMAT,
        },
        other => corrupt(other.to_string()),
    })?;
    if record.endpoints.is_empty() {
        return Err(corrupt("it has no endpoints".into()));
    }
    record.summarize();
    Ok(record)
}

/// Loads the baseline of `suite` from `dir`.
pub fn load(dir: &Path, suite: &str) -> Result<RunRecord, LoadError> {
    let path = path(dir, suite);
    if !path.exists() {
        return Err(LoadError::Missing {
            suite: suite.to_string(),
            path,
        });
    }
    let record = read_record(&path)?;
    if record.suite != suite {
        return Err(LoadError::OtherSuite {
            path,
            found: record.suite,
            expected: suite.to_string(),
        });
    }
    Ok(record)
}

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

/// Saves `record` as the suite's baseline and appends its history line,
/// holding the baselines directory's lock. Returns the baseline's path.
pub fn save(dir: &Path, record: &RunRecord) -> Result<PathBuf, String> {
    let path = path(dir, &record.suite);
    let json = serde_json::to_vec_pretty(record)
        .map_err(|e| format!("cannot encode the baseline: {e}"))?;
    let line = serde_json::to_string(&HistoryEntry::of(record))
        .map_err(|e| format!("cannot encode history: {e}"))?;
    let lock = guard::lock(dir)?;
    guard::clean_stale(dir, &lock);

    let history = history_path(dir, &record.suite);
    let text = match std::fs::read_to_string(&history) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("cannot read {}: {e}", history.display())),
    };
    let mut text = with_missing_line(&path, &history, text)?;
    text.push_str(&line);
    text.push('\n');
    // The baseline first: a kill before the history is written leaves a
    // line to add back (see `guard`), never a line without its baseline.
    files::write_atomic_via(&path, &json, &lock.work_dir)?;
    files::write_atomic_via(&history, text.as_bytes(), &lock.work_dir)?;
    drop(lock);
    Ok(path)
}

/// The history file's `text`, ending in a newline, with the current
/// baseline's line added when a killed save left it out.
fn with_missing_line(baseline: &Path, history: &Path, mut text: String) -> Result<String, String> {
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    let entries = parse_history(&text);
    let known = entries.len();
    let entries = guard::reconcile(baseline, history, entries, guard::Check::Always);
    for entry in &entries[known..] {
        let line =
            serde_json::to_string(entry).map_err(|e| format!("cannot encode history: {e}"))?;
        text.push_str(&line);
        text.push('\n');
    }
    Ok(text)
}

fn parse_history(text: &str) -> Vec<HistoryEntry> {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// The main-branch history of `suite` in `dir`, oldest first: empty when
/// there is none yet; unreadable lines are skipped (it is only shown). A
/// baseline whose line a killed save did not write gets it back here.
pub fn history(dir: &Path, suite: &str) -> Vec<HistoryEntry> {
    let history = history_path(dir, suite);
    let text = std::fs::read_to_string(&history).unwrap_or_default();
    guard::reconcile(
        &path(dir, suite),
        &history,
        parse_history(&text),
        guard::Check::IfNewer,
    )
}

/// The baselines directory: `explicit` (`--baselines`), else `baselines/`
/// beside the suite file.
pub fn dir_for(config: &crate::config::Config, explicit: Option<&Path>) -> std::path::PathBuf {
    explicit.map(Path::to_path_buf).unwrap_or_else(|| {
        config
            .path
            .parent()
            .unwrap_or(Path::new("."))
            .join("baselines")
    })
}
