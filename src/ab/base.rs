//! Where the base side comes from: the base tree's copy of the suite file,
//! and the commit to measure beside this checkout when the stored baseline
//! was recorded on another machine.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::exit::{Code, Coded};
use crate::record::RunRecord;

pub(super) use crate::provenance::git;

/// Why the base tree's suite file cannot be found; the user's to fix, so
/// exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum BaseSuiteError {
    #[error("cannot resolve {}: {cause}", path.display())]
    Resolve {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("the suite file {} is outside the repository {}; run benchgate from the repository", suite.display(), root.display())]
    OutsideRepository { suite: PathBuf, root: PathBuf },
    #[error("the base tree has no suite file at {}: A/B mode builds and starts each side from its own suite file; \
             add {} in the base branch first, or compare with the stored baseline (`benchgate check`)", base.display(), relative.display())]
    Missing { base: PathBuf, relative: PathBuf },
}

impl Coded for BaseSuiteError {
    fn exit_code(&self) -> Code {
        Code::Usage
    }
}

/// The base tree's copy of the head's suite file: the same path relative to
/// the repository root (or to the current directory outside git).
pub fn base_suite_path(head_suite: &Path, base_dir: &Path) -> Result<PathBuf, BaseSuiteError> {
    let head_suite = fs_err::canonicalize(head_suite).map_err(|cause| BaseSuiteError::Resolve {
        path: head_suite.to_path_buf(),
        cause,
    })?;
    let dir = head_suite.parent().unwrap_or(Path::new("/"));
    let root = git(dir, &["rev-parse", "--show-toplevel"])
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .and_then(|root| std::fs::canonicalize(root).ok())
        .unwrap_or_default();
    let Ok(relative) = head_suite.strip_prefix(&root) else {
        return Err(BaseSuiteError::OutsideRepository {
            suite: head_suite.clone(),
            root,
        });
    };
    let base = base_dir.join(relative);
    if !base.is_file() {
        return Err(BaseSuiteError::Missing {
            base,
            relative: relative.to_path_buf(),
        });
    }
    Ok(base)
}

/// The commit to measure side by side when the stored baseline was
/// recorded on another machine (another CPU model or core count, whose
/// offset no interval covers) and this repository has its commit; says
/// which. `None` when the baseline is from this kind of machine, or its
/// commit is unknown here (the comparison then decides nothing, and says
/// so).
pub fn foreign_baseline_commit(base: &RunRecord, config: &Config) -> Option<String> {
    let (there, here) = (&base.provenance.host, crate::provenance::host());
    if there.cpu_model == here.cpu_model && there.cores == here.cores {
        return None;
    }
    let dir = config.path.parent().unwrap_or(Path::new("."));
    let commit = base
        .provenance
        .git_commit
        .clone()
        .filter(|c| has_commit(dir, c));
    match &commit {
        Some(c) => eprintln!(
            "the stored baseline was recorded on another machine ({}, {} cores); measuring its commit {} side by side with this checkout instead (A/B mode)",
            there.cpu_model,
            there.cores,
            crate::provenance::short_commit(Some(c))
        ),
        None => {
            let line = format!(
                "the stored baseline was recorded on another machine ({}, {} cores) at a commit this repository does not have: it cannot decide the gate; record the baseline on this runner type, or use --ab",
                there.cpu_model, there.cores
            );
            eprintln!("benchgate: warning: {}", crate::escape::inert(&line));
        }
    }
    commit
}

/// Whether the repository holding `dir` has `commit`.
pub fn has_commit(dir: &Path, commit: &str) -> bool {
    let commit = format!("{commit}^{{commit}}");
    git(dir, &["rev-parse", "--verify", "--quiet", &commit]).is_some()
}

#[cfg(test)]
mod tests {
    use super::has_commit;
    use crate::provenance::git_output;

    #[test]
    fn git_answers_with_its_output_and_none_when_it_fails() {
        let dir = tempfile::tempdir().expect("temp dir");
        let repo = dir.path();
        let run = |args: &[&str]| git_output(repo, args).expect("git runs");
        assert_eq!(
            run(&["rev-parse", "--show-toplevel"]),
            None,
            "no repository yet"
        );
        run(&["init", "-q"]);
        std::fs::write(repo.join("f"), "x").expect("write");
        run(&["add", "f"]);
        run(&[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-q",
            "-m",
            "one",
        ]);
        let head = run(&["rev-parse", "HEAD"]).expect("a commit");
        assert_eq!(head.len(), 40, "{head}");
        assert!(has_commit(repo, &head));
        assert!(!has_commit(repo, &"0".repeat(40)));
    }
}
