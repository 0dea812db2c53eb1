//! Reading and appending the chain file, bounded and atomic.

use std::path::{Path, PathBuf};

use super::step::ChainStep;
use crate::exit::{Code, Coded};

/// Largest chain file read: at 2 KB a step, 16,000 steps.
const MAX_BYTES: u64 = 32 << 20;
/// Most steps in one file.
const MAX_STEPS: usize = 100_000;
/// Most metrics in one step, and longest text field.
const MAX_METRICS: usize = 4_096;
const MAX_TEXT: usize = 256;

/// A chain file that cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is {bytes} bytes, over the limit of {MAX_BYTES}: start a new file for the suite's history", path.display())]
    TooLarge { path: PathBuf, bytes: u64 },
    #[error("{}:{line}: {message}; repair or remove that line", path.display())]
    Line {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{} holds steps of suite {found}, not {expected}: give each suite its own history file", path.display())]
    Suite {
        path: PathBuf,
        found: String,
        expected: String,
    },
    #[error("{} holds no step of commit {commit} nor one measured against it: give at least 4 characters of a commit it holds", path.display())]
    NoSuchCommit { path: PathBuf, commit: String },
    #[error(transparent)]
    Write(#[from] crate::files::WriteError),
}

impl Coded for ChainError {
    fn exit_code(&self) -> Code {
        match self {
            ChainError::Io { .. } | ChainError::Write(_) => Code::RunFailed,
            _ => Code::Usage,
        }
    }
}

/// The steps of the chain file at `path`, in file order; no file is an
/// empty chain.
pub fn read(path: &Path) -> Result<Vec<ChainStep>, ChainError> {
    let io = |source| ChainError::Io {
        path: path.to_path_buf(),
        source,
    };
    let bytes = match std::fs::metadata(path) {
        Ok(meta) => meta.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(e)),
    };
    if bytes > MAX_BYTES {
        return Err(ChainError::TooLarge {
            path: path.to_path_buf(),
            bytes,
        });
    }
    let text = fs_err::read_to_string(path).map_err(io)?;
    let mut steps = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |message: String| ChainError::Line {
            path: path.to_path_buf(),
            line: i + 1,
            message,
        };
        if steps.len() == MAX_STEPS {
            return Err(bad(format!("more than {MAX_STEPS} steps")));
        }
        let step: ChainStep = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        check(&step).map_err(bad)?;
        if let Some(first) = steps.first().map(|s: &ChainStep| &s.suite) {
            if *first != step.suite {
                return Err(ChainError::Suite {
                    path: path.to_path_buf(),
                    found: step.suite,
                    expected: first.clone(),
                });
            }
        }
        steps.push(step);
    }
    Ok(steps)
}

/// Whether `step`'s figures and text are within bounds.
fn check(step: &ChainStep) -> Result<(), String> {
    let texts = [&step.suite, &step.commit, &step.parent, &step.time_utc]
        .into_iter()
        .chain(std::iter::once(&step.machine.cpu_model))
        .chain(
            step.metrics
                .iter()
                .flat_map(|m| [&m.endpoint, &m.metric, &m.verdict]),
        );
    for text in texts {
        if text.len() > MAX_TEXT || text.chars().any(char::is_control) {
            return Err(format!(
                "a text field is over {MAX_TEXT} bytes or holds control characters: {:?}",
                crate::escape::inert(&text.chars().take(40).collect::<String>())
            ));
        }
    }
    if !(step.confidence > 0.0 && step.confidence < 1.0) {
        return Err(format!(
            "confidence {} is not between 0 and 1",
            step.confidence
        ));
    }
    if step.metrics.len() > MAX_METRICS {
        return Err(format!(
            "{} metrics, over the limit of {MAX_METRICS}",
            step.metrics.len()
        ));
    }
    for m in &step.metrics {
        let usable = |x: f64| x.is_finite() && x > 0.0;
        if !(usable(m.ratio) && usable(m.lower) && usable(m.upper))
            || m.lower > m.ratio
            || m.ratio > m.upper
        {
            return Err(format!(
                "{} {}: ratio {} [{}, {}] is not a positive ratio inside its interval",
                m.endpoint, m.metric, m.ratio, m.lower, m.upper
            ));
        }
    }
    Ok(())
}

/// What [`append`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    Added,
    /// The file already holds a step of this commit (a job run again):
    /// nothing changed.
    AlreadyThere,
}

/// Appends `step` to the chain file at `path`, rewriting it atomically: a
/// kill leaves the old file or the new one, never half a line.
pub fn append(path: &Path, step: &ChainStep) -> Result<Appended, ChainError> {
    let steps = read(path)?;
    if steps.iter().any(|s| s.commit == step.commit) {
        return Ok(Appended::AlreadyThere);
    }
    if let Some(first) = steps.first().filter(|s| s.suite != step.suite) {
        return Err(ChainError::Suite {
            path: path.to_path_buf(),
            found: step.suite.clone(),
            expected: first.suite.clone(),
        });
    }
    check(step).map_err(|message| ChainError::Line {
        path: path.to_path_buf(),
        line: steps.len() + 1,
        message,
    })?;
    let mut text = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(source) => {
            return Err(ChainError::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    if !text.is_empty() && !text.ends_with(b"\n") {
        text.push(b'\n');
    }
    let line = serde_json::to_string(step).map_err(|e| ChainError::Line {
        path: path.to_path_buf(),
        line: steps.len() + 1,
        message: e.to_string(),
    })?;
    text.extend_from_slice(line.as_bytes());
    text.push(b'\n');
    crate::files::write_atomic(path, &text)?;
    Ok(Appended::Added)
}
