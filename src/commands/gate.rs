//! The last step of every comparing command: the report of a comparison,
//! published, printed and written, then turned into the exit code; and the
//! refusals and warnings the commands share before they measure.

use std::path::Path;

use crate::cli::{GithubArgs, OutputArgs};
use crate::compare::{self, Outcome};
use crate::config::Config;
use crate::exit::{Code, Failure};
use crate::record::RunRecord;
use crate::report::{self, Report};
use crate::{baseline, github};

/// The report of `comparison` with the history stored in `baselines`:
/// published to GitHub if asked, printed, written to the report directory,
/// and turned into the exit code.
pub(super) fn gate(
    comparison: compare::Comparison,
    baselines: &Path,
    output: &OutputArgs,
) -> Result<Code, Failure> {
    refuse_if_signalled()?;
    let history = baseline::history(baselines, &comparison.suite);
    let main_since = output
        .history
        .as_deref()
        .and_then(|path| main_since(path, &comparison));
    let mut report = Report::new(comparison, history);
    report.main_since = main_since;
    publish(
        &report,
        &output.github,
        output.format == crate::cli::Format::Json,
    )?;
    report::write(&report, output.format.into(), &mut std::io::stdout())
        .map_err(|e| Failure::run(format!("cannot print the comparison: {e}")))?;
    if let Some(dir) = &output.report_dir {
        report::write_dir(&report, dir)?;
    }
    refuse_if_signalled()?;
    let summary = report::terminal::summary_line(&report.comparison);
    match report.comparison.outcome {
        // A run not judged (a possible regression, a run that saw nothing)
        // exits as its inconclusive metrics do under `gate.inconclusive`:
        // with `fail` the outcome is a failure already.
        Outcome::Pass | Outcome::PossibleRegression | Outcome::NotJudged => {
            if output.format == crate::cli::Format::Json {
                eprintln!("{summary}");
            }
            Ok(Code::Pass)
        }
        Outcome::Fail => Err(Failure::new(Code::Regression, summary)),
        Outcome::Invalid => Err(Failure::new(Code::RunFailed, summary)),
    }
}

/// Main's change since the last tag before the base (or the history's
/// first step), for the gated metrics of `c`, from the history at `path`.
/// The history is context: a file that cannot be read is a warning.
fn main_since(path: &Path, c: &compare::Comparison) -> Option<report::MainSince> {
    let steps = match crate::chain::read(path) {
        Ok(steps) => steps,
        Err(e) => {
            eprintln!("benchgate: warning: the history is left out: {e}");
            return None;
        }
    };
    let anchor = c
        .base
        .git_commit
        .as_deref()
        .and_then(|base| crate::bisect::last_tag(Path::new("."), base))
        .filter(|(_, commit)| {
            steps
                .iter()
                .any(|s| s.commit == *commit || s.parent == *commit)
        });
    let (label, stretch) = match &anchor {
        Some((tag, commit)) => (
            tag.clone(),
            crate::chain::stretch(path, &steps, Some(commit)).unwrap_or(&steps),
        ),
        None => (
            steps
                .first()
                .map_or_else(String::new, |s| report::short_commit(Some(&s.parent))),
            &steps[..],
        ),
    };
    let gated: Vec<(String, String)> = c
        .endpoints
        .iter()
        .flat_map(|e| {
            e.labelled_metrics()
                .map(|(label, _)| (e.name.clone(), label))
        })
        .collect();
    let (series, gaps) = crate::chain::series(stretch);
    Some(report::MainSince::of(
        label,
        stretch.len(),
        gaps.len(),
        series,
        &gated,
    ))
}

/// Exit 3 for a SIGINT or SIGTERM that came while the run compared or
/// wrote its reports, when nothing listened: any signal ends the run with
/// a non-zero code, as one does while measuring or publishing.
fn refuse_if_signalled() -> Result<(), Failure> {
    match crate::runner::pending_signal() {
        Some(signal) => Err(Failure::run(format!(
            "interrupted by {signal}; the gate gave no verdict"
        ))),
        None => Ok(()),
    }
}

/// With `--github`: annotations, job summary and the pull request's
/// comment. Only warns, unless a signal ends it.
fn publish(
    report: &Report,
    args: &GithubArgs,
    annotations_to_stderr: bool,
) -> Result<(), github::Interrupted> {
    if !args.github {
        return Ok(());
    }
    let options = github::Options {
        token: args.github_token.clone(),
        annotations_to_stderr,
        pull_request: args.pr.map(|number| github::PullRequest {
            number,
            head_sha: args.head_sha.clone(),
        }),
    };
    github::publish(report, &options)
}

/// A run with an endpoint that never got a successful response measured
/// nothing for it: exit 3, naming it and what it got (nothing is saved as a
/// baseline).
pub(super) fn refuse_unanswered(record: &RunRecord) -> Result<(), Failure> {
    let unanswered = compare::unanswered_endpoints(record);
    match unanswered.as_slice() {
        [] => Ok(()),
        [one] => Err(Failure::run(one)),
        [first, rest @ ..] => Err(Failure::run(format!(
            "{first}; and {} more endpoint(s): {}",
            rest.len(),
            rest.join("; ")
        ))),
    }
}

pub(super) fn refuse(changes: impl std::fmt::Display) -> Failure {
    Failure::usage(format!(
        "the suite changed since the baseline was recorded ({changes}); record a new baseline with `benchgate baseline update` and commit it"
    ))
}

pub(super) fn warn_above_capacity(config: &Config, baselines: &Path) {
    if let Some(line) = crate::capacity::above_suggestion(config, baselines) {
        eprintln!("benchgate: warning: {}", crate::escape::inert(&line));
    }
}

pub(super) fn warn_unjudgeable(config: &Config, span: compare::Span) {
    for line in compare::unjudgeable(config, span) {
        eprintln!("benchgate: warning: {}", crate::escape::inert(&line));
    }
}
