//! A temporary `git worktree` of the base commit for `check --ab REF`,
//! in a directory of its own that a later run removes when this one was
//! killed before it could ([`super::leftovers`]).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::exit::{Code, Coded};

use super::base::git;
use super::leftovers;

/// Why the base commit could not be checked out; the user's to fix (a
/// repository, a fetched commit), so exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum WorktreeError {
    #[error("--ab needs a git repository, and {} is not in one; use `benchgate ab --base-dir DIR` with a checkout of the base", dir.display())]
    NoRepository { dir: PathBuf },
    #[error("--ab {reference}: no such commit here; fetch it first (e.g. `git fetch origin {reference}`; in GitHub Actions check out with fetch-depth: 0)")]
    NoCommit { reference: String },
    #[error("cannot create a directory for the base worktree: {0}")]
    TempDir(std::io::Error),
    #[error("cannot run git: {0}")]
    Git(std::io::Error),
    #[error("git worktree add {commit} failed: {stderr}")]
    Add { commit: String, stderr: String },
}

impl Coded for WorktreeError {
    fn exit_code(&self) -> Code {
        Code::Usage
    }
}

/// A temporary `git worktree` of one commit; removed when dropped.
#[derive(Debug)]
pub struct Worktree {
    repo: PathBuf,
    path: PathBuf,
    // Holds the directory the worktree lives in, and its lock.
    _dir: leftovers::Claimed,
}

impl Worktree {
    /// Checks out `reference` (detached) from the repository that holds
    /// `inside` into a new temporary directory.
    pub fn add(inside: &Path, reference: &str) -> Result<Worktree, WorktreeError> {
        let inside = if inside.as_os_str().is_empty() {
            Path::new(".")
        } else {
            inside
        };
        let repo = git(inside, &["rev-parse", "--show-toplevel"]).ok_or_else(|| {
            WorktreeError::NoRepository {
                dir: inside.to_path_buf(),
            }
        })?;
        let dir = leftovers::claim(&std::env::temp_dir()).map_err(WorktreeError::TempDir)?;
        forget_dead_runs(Path::new(&repo), &dir);
        let commit = git(
            inside,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{reference}^{{commit}}"),
            ],
        )
        .ok_or_else(|| WorktreeError::NoCommit {
            reference: reference.to_string(),
        })?;
        let path = dir.dir.path().join("base");
        let out = Command::new("git")
            .current_dir(&repo)
            .args(["worktree", "add", "--detach", "--quiet"])
            .arg(&path)
            .arg(&commit)
            .output()
            .map_err(WorktreeError::Git)?;
        if !out.status.success() {
            return Err(WorktreeError::Add {
                commit,
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            });
        }
        Ok(Worktree {
            repo: PathBuf::from(repo),
            path,
            _dir: dir,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Removes the base worktrees that killed runs left in the temp dir, then
/// has `repo` forget those whose directory is gone.
fn forget_dead_runs(repo: &Path, own: &leftovers::Claimed) {
    for dir in own.sweep() {
        eprintln!(
            "removed {}, a base worktree left by a run that was killed",
            dir.display()
        );
    }
    let _ = Command::new("git")
        .current_dir(repo)
        .args(["worktree", "prune"])
        .output();
}

impl Drop for Worktree {
    fn drop(&mut self) {
        let removed = Command::new("git")
            .current_dir(&self.repo)
            .args(["worktree", "remove", "--force"])
            .arg(&self.path)
            .output();
        if !removed.is_ok_and(|out| out.status.success()) {
            let _ = Command::new("git")
                .current_dir(&self.repo)
                .args(["worktree", "prune"])
                .output();
        }
    }
}
