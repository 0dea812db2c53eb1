//! The baseline store: `baselines/<suite>.json` (a run record, usually
//! joining several runs) and `baselines/<suite>.history.jsonl` (one summary
//! line per saved baseline: the main-branch history).
//!
//! Files are always replaced whole (temp file + rename), so an interrupted
//! `baseline update` leaves the previous baseline intact; [`guard`] keeps
//! concurrent and killed saves from losing a history line or leaving temp
//! files to commit.

use std::path::{Path, PathBuf};

use crate::exit::{Code, Coded};
use crate::files;
use crate::record::RunRecord;

mod guard;
mod history;
mod read;

pub use guard::LockError;
use history::parse_history;
pub use history::{EndpointFigures, HistoryEntry};
pub use read::{read_record, LoadError};

/// A baseline that could not be saved; the previous one is untouched.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("cannot encode the baseline: {0}")]
    EncodeBaseline(#[source] serde_json::Error),
    #[error("cannot encode history: {0}")]
    EncodeHistory(#[source] serde_json::Error),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("cannot read {}: {source}", path.display())]
    ReadHistory {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Write(#[from] files::WriteError),
}

/// Saving happens after a run: a failed save fails the run.
impl Coded for SaveError {
    fn exit_code(&self) -> Code {
        Code::RunFailed
    }
}

/// Where the baseline of `suite` lives in `dir`.
pub fn path(dir: &Path, suite: &str) -> PathBuf {
    dir.join(format!("{suite}.json"))
}

pub fn history_path(dir: &Path, suite: &str) -> PathBuf {
    dir.join(format!("{suite}.history.jsonl"))
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

/// Saves `record` as the suite's baseline and appends its history line,
/// holding the baselines directory's lock. Returns the baseline's path.
pub fn save(dir: &Path, record: &RunRecord) -> Result<PathBuf, SaveError> {
    let path = path(dir, &record.suite);
    let json = serde_json::to_vec_pretty(record).map_err(SaveError::EncodeBaseline)?;
    let line =
        serde_json::to_string(&HistoryEntry::of(record)).map_err(SaveError::EncodeHistory)?;
    let lock = guard::lock(dir)?;
    guard::clean_stale(dir, &lock);

    let history = history_path(dir, &record.suite);
    let text = match std::fs::read_to_string(&history) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(SaveError::ReadHistory {
                path: history,
                source,
            })
        }
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
fn with_missing_line(
    baseline: &Path,
    history: &Path,
    mut text: String,
) -> Result<String, SaveError> {
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    let entries = parse_history(&text);
    let known = entries.len();
    let entries = guard::reconcile(baseline, history, entries, guard::Check::Always);
    for entry in &entries[known..] {
        let line = serde_json::to_string(entry).map_err(SaveError::EncodeHistory)?;
        text.push_str(&line);
        text.push('\n');
    }
    Ok(text)
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
