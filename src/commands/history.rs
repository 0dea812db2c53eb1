//! `benchgate history append` and `history show`: a branch's relative
//! history (see [`crate::chain`]), fed by A/B comparisons of each commit
//! with its first parent.

use std::io::Write as _;
use std::path::Path;

use crate::chain::{self, Appended, ChainStep, Machine, StepMetric};
use crate::cli::{HistoryAppendArgs, HistoryShowArgs};
use crate::compare::Comparison;
use crate::exit::{Code, Failure};
use crate::report::history::{self as view, HistoryView};

/// Appends the step `args.comparison` measured.
pub(super) fn append(args: &HistoryAppendArgs) -> Result<Code, Failure> {
    let path = crate::report::comparison_path(&args.comparison);
    let report = crate::report::read(&path).map_err(Failure::usage)?;
    let step = step_of(&report.comparison, &path)?;
    let short = crate::report::short_commit(Some(&step.commit));
    match chain::append(&args.file, &step)? {
        Appended::Added => println!(
            "history: step of {short} against {} added to {}",
            crate::report::short_commit(Some(&step.parent)),
            args.file.display()
        ),
        Appended::AlreadyThere => println!(
            "history: {} already holds a step of {short}; nothing changed",
            args.file.display()
        ),
    }
    Ok(Code::Pass)
}

/// Prints the chained change since `args.since`.
pub(super) fn show(args: &HistoryShowArgs) -> Result<Code, Failure> {
    let steps = chain::read(&args.file)?;
    // A tag or branch names its commit; a hash (or its prefix) the
    // repository lacks is looked for in the history itself.
    let since = args
        .since
        .as_ref()
        .map(|s| crate::bisect::resolve(Path::new("."), s).unwrap_or_else(|_| s.clone()));
    let stretch = chain::stretch(&args.file, &steps, since.as_deref())?;
    let (series, gaps) = chain::series(stretch);
    let view = HistoryView::of(stretch, series, gaps);
    let mut out = Vec::new();
    view::write(&view, args.format.into(), &mut out)
        .and_then(|()| std::io::stdout().write_all(&out))
        .map_err(|e| Failure::run(format!("cannot print the history: {e}")))?;
    Ok(Code::Pass)
}

/// The chain step an A/B comparison of a commit with its parent measured.
fn step_of(c: &Comparison, path: &Path) -> Result<ChainStep, Failure> {
    if c.pairing.is_none() {
        return Err(Failure::usage(format!(
            "{}: not an A/B comparison: a history step is a commit measured side by side with its parent on one machine (`benchgate check --ab HEAD^`); absolute figures from stored mode move with the runner",
            path.display()
        )));
    }
    if c.outcome == crate::compare::Outcome::Invalid {
        return Err(Failure::usage(format!(
            "{}: the run gave no verdict (neither side carried the load, or an endpoint was never answered), so it measured no step: this commit stays a gap in the history; measure it again to fill it",
            path.display()
        )));
    }
    let commit = |side: &Option<String>, which: &str| {
        side.clone().ok_or_else(|| {
            Failure::usage(format!(
                "{}: the {which} side has no git commit: run the check inside the repository",
                path.display()
            ))
        })
    };
    let metrics = c
        .endpoints
        .iter()
        .flat_map(|e| {
            e.labelled_metrics().filter_map(move |(label, m)| {
                Some(StepMetric {
                    endpoint: e.name.clone(),
                    metric: label,
                    ratio: m.ratio?,
                    lower: m.lower?,
                    upper: m.upper?,
                    verdict: m.verdict.as_str().to_owned(),
                })
            })
        })
        .collect();
    Ok(ChainStep {
        suite: c.suite.clone(),
        commit: commit(&c.head.git_commit, "head")?,
        parent: commit(&c.base.git_commit, "base")?,
        time_utc: c.head.time_utc.clone(),
        machine: Machine {
            cpu_model: c.head.cpu_model.clone(),
            cores: c.head.cores,
        },
        confidence: c.confidence,
        metrics,
    })
}
