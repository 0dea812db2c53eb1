//! The candidates: the first-parent line from GOOD (excluded) to BAD
//! (included), oldest first. A merge is one candidate, as it is one step
//! of the branch's history.

use std::path::Path;

use crate::exit::{Code, Coded};

/// GOOD and BAD do not make a line to search.
#[derive(Debug, thiserror::Error)]
pub enum LineError {
    #[error("{reference}: no such commit in the repository of {}; fetch it first (in GitHub Actions, check out with fetch-depth: 0)", dir.display())]
    NoCommit {
        reference: String,
        dir: std::path::PathBuf,
    },
    #[error("{bad} is not a descendant of {good} on its first-parent line: give an older GOOD")]
    NotAncestor { good: String, bad: String },
    #[error("GOOD and BAD are the same commit {0}: nothing to search")]
    Same(String),
    #[error("cannot run git: {0}")]
    Git(std::io::Error),
}

impl Coded for LineError {
    fn exit_code(&self) -> Code {
        Code::Usage
    }
}

/// The full hash of `reference` (a branch, tag or commit) in the
/// repository holding `dir`.
pub fn resolve(dir: &Path, reference: &str) -> Result<String, LineError> {
    let out = git(
        dir,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{reference}^{{commit}}"),
        ],
    )?;
    out.ok_or_else(|| LineError::NoCommit {
        reference: crate::escape::inert(reference),
        dir: dir.to_path_buf(),
    })
}

/// The newest tag reachable from `commit` (the last release before it),
/// with the commit it names; `None` outside a repository or without tags.
pub fn last_tag(dir: &Path, commit: &str) -> Option<(String, String)> {
    let tag = git(dir, &["describe", "--tags", "--abbrev=0", commit]).ok()??;
    let named = resolve(dir, &tag).ok()?;
    Some((tag, named))
}

/// (GOOD, the candidates after it up to BAD), as full hashes.
pub fn first_parent_line(
    dir: &Path,
    good: &str,
    bad: &str,
) -> Result<(String, Vec<String>), LineError> {
    let good = resolve(dir, good)?;
    let bad = resolve(dir, bad)?;
    if good == bad {
        return Err(LineError::Same(good));
    }
    let line = git(
        dir,
        &[
            "rev-list",
            "--first-parent",
            "--reverse",
            &format!("{good}..{bad}"),
        ],
    )?
    .unwrap_or_default();
    let commits: Vec<String> = line.lines().map(str::to_owned).collect();
    // GOOD must be on BAD's first-parent line: the first candidate's parent.
    let first_parent = match commits.first() {
        Some(first) => git(dir, &["rev-parse", &format!("{first}^")])?,
        None => None,
    };
    if first_parent.as_deref() != Some(good.as_str()) {
        return Err(LineError::NotAncestor { good, bad });
    }
    Ok((good, commits))
}

fn git(dir: &Path, args: &[&str]) -> Result<Option<String>, LineError> {
    crate::provenance::git_output(dir, args).map_err(LineError::Git)
}
