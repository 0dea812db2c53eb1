//! A/B mode's preparation: where the base tree's suite file is, a temporary
//! git worktree for `check --ab REF`, and the slowdowns a pull request
//! accepts by updating its stored baseline.
//!
//! The measuring itself is [`crate::runner::measure_ab`]; the comparison is
//! the same [`crate::compare::compare`] as in stored mode, which sees the
//! two records' pairing.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::baseline;
use crate::compare::{self, Accepted, GateSettings};
use crate::config::{Config, Metric};

/// The base tree's copy of the head's suite file: the same path relative to
/// the repository root (or to the current directory outside git).
pub fn base_suite_path(head_suite: &Path, base_dir: &Path) -> Result<PathBuf, String> {
    let head_suite = std::fs::canonicalize(head_suite)
        .map_err(|e| format!("cannot resolve {}: {e}", head_suite.display()))?;
    let dir = head_suite.parent().unwrap_or(Path::new("/"));
    let root = git(dir, &["rev-parse", "--show-toplevel"])
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .and_then(|root| std::fs::canonicalize(root).ok())
        .unwrap_or_default();
    let relative = head_suite.strip_prefix(&root).map_err(|_| {
        format!(
            "the suite file {} is outside the repository {}; run benchgate from the repository",
            head_suite.display(),
            root.display()
        )
    })?;
    let base = base_dir.join(relative);
    if !base.is_file() {
        return Err(format!(
            "the base tree has no suite file at {}: A/B mode builds and starts each side from its own suite file; \
             add {} in the base branch first, or compare with the stored baseline (`benchgate check`)",
            base.display(),
            relative.display()
        ));
    }
    Ok(base)
}

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

/// The slowdowns accepted by a pull request that changed the stored
/// baseline: per endpoint × gated metric, new baseline / old baseline where
/// that is above 1, estimated as `check` would compare the two files (with
/// their own noise, which the A/B comparison then adds to its own). Empty
/// when the baseline did not change, is missing on either side, or measured
/// another suite.
pub fn accepted(base_dir: &Path, head_dir: &Path, head: &Config) -> Vec<Accepted> {
    let (old_path, new_path) = (
        baseline::path(base_dir, &head.suite),
        baseline::path(head_dir, &head.suite),
    );
    let (Ok(old_bytes), Ok(new_bytes)) = (std::fs::read(&old_path), std::fs::read(&new_path))
    else {
        return Vec::new();
    };
    if old_bytes == new_bytes {
        return Vec::new();
    }
    let (Ok(old), Ok(new)) = (
        baseline::read_record(&old_path),
        baseline::read_record(&new_path),
    ) else {
        return Vec::new();
    };
    if old.fingerprint != new.fingerprint {
        eprintln!(
            "benchgate: warning: this pull request's stored baseline measures a changed suite; no slowdown is taken as accepted"
        );
        return Vec::new();
    }
    compare::ratio_estimates(&old, &new, &GateSettings::from_config(head))
        .into_iter()
        .filter_map(|(endpoint, metric, estimate)| {
            let e = estimate.filter(|e| e.ratio > 1.0 && e.log_se.is_finite())?;
            // The two baselines were recorded at different times, often on
            // different machines: an offset their own runs cannot show.
            let (log_se, df) = crate::stats::combined_noise(
                (e.log_se, e.df),
                (BASELINE_OFFSET, BASELINE_OFFSET_DF),
            );
            Some(Accepted {
                endpoint,
                metric,
                ratio: e.ratio,
                log_se,
                df,
            })
        })
        .collect()
}

/// The offset (sd of the log ratio) between two stored baselines that no
/// interval of theirs covers: a shared machine's speed moves by 10% and
/// more between recordings minutes apart, and between machines. An accepted
/// slowdown is therefore known only to about ±10%, and the head is allowed
/// that much beyond it before it fails.
const BASELINE_OFFSET: f64 = 0.10;
/// Degrees of freedom given to [`BASELINE_OFFSET`].
const BASELINE_OFFSET_DF: f64 = 20.0;

/// One line per accepted slowdown: "create-order p95 +15%".
pub fn describe(accepted: &[Accepted]) -> Vec<String> {
    accepted
        .iter()
        .map(|a| {
            format!(
                "{} {} {:+.0}%",
                a.endpoint,
                Metric::name(&a.metric),
                (a.ratio - 1.0) * 100.0
            )
        })
        .collect()
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}
