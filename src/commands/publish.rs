//! `benchgate publish DIR`: the step that holds the token. It reads the
//! report directory a measuring command wrote (`check`, `compare` or `ab`
//! with `--report-dir`) and does what `--github` does, running no app: the
//! measuring step, whose app is the pull request's code, then needs no
//! token at all.
//!
//! Publishing problems are warnings and the exit code stays 0, as with
//! `--github`; a directory without a readable comparison is bad usage.

use std::path::PathBuf;

use crate::cli::PublishArgs;
use crate::exit::{Code, Coded, Failure};
use crate::{github, report};

/// Why a report directory cannot be published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("cannot publish the report directory {}: {cause}; pass the directory that `benchgate check --report-dir DIR` (or `compare`, `ab`) wrote", .dir.display())]
    NotAReport { dir: PathBuf, cause: String },
}

impl Coded for PublishError {
    fn exit_code(&self) -> Code {
        Code::Usage
    }
}

/// Annotations, job summary and the pull request's comment for the report
/// in `args.dir`. Exit 0 unless the directory holds no comparison.
pub(super) fn publish(args: &PublishArgs) -> Result<Code, Failure> {
    // The report holds the comparison and main's history the comment charts.
    let path = args.dir.join(report::COMPARISON_FILE);
    let report = report::read(&path).map_err(|e| PublishError::NotAReport {
        dir: args.dir.clone(),
        cause: match e {
            report::ReadError::Io(e) => e.to_string(),
            report::ReadError::Json { source, .. } => {
                format!("{} is not a benchgate comparison: {source}", path.display())
            }
        },
    })?;
    let options = github::Options {
        token: None,
        annotations_to_stderr: false,
        pull_request: args.pr.map(|number| github::PullRequest {
            number,
            head_sha: args.head_sha.clone(),
        }),
    };
    github::publish(&report, &options)?;
    Ok(Code::Pass)
}
