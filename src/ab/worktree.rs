//! A temporary `git worktree` of the base commit for `check --ab REF`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::base::git;

/// A temporary `git worktree` of one commit; removed when dropped.
#[derive(Debug)]
pub struct Worktree {
    repo: PathBuf,
    path: PathBuf,
    // Holds the directory the worktree lives in.
    _dir: tempfile::TempDir,
}

impl Worktree {
    /// Checks out `reference` (detached) from the repository that holds
    /// `inside` into a new temporary directory.
    pub fn add(inside: &Path, reference: &str) -> Result<Worktree, String> {
        let inside = if inside.as_os_str().is_empty() {
            Path::new(".")
        } else {
            inside
        };
        let repo = git(inside, &["rev-parse", "--show-toplevel"]).ok_or_else(|| {
            format!(
                "--ab needs a git repository, and {} is not in one; use `benchgate ab --base-dir DIR` with a checkout of the base",
                inside.display()
            )
        })?;
        let commit = git(
            inside,
            &["rev-parse", "--verify", "--quiet", &format!("{reference}^{{commit}}")],
        )
        .ok_or_else(|| {
            format!(
                "--ab {reference}: no such commit here; fetch it first (e.g. `git fetch origin {reference}`; in GitHub Actions check out with fetch-depth: 0)"
            )
        })?;
        let dir = tempfile::Builder::new()
            .prefix("benchgate-base-")
            .tempdir()
            .map_err(|e| format!("cannot create a directory for the base worktree: {e}"))?;
        let path = dir.path().join("base");
        let out = Command::new("git")
            .current_dir(&repo)
            .args(["worktree", "add", "--detach", "--quiet"])
            .arg(&path)
            .arg(&commit)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "git worktree add {commit} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
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
