//! `benchgate bisect GOOD BAD`: the search of [`crate::bisect`] with the
//! real probe, its suspects from a history file, and its report.

use std::io::Write as _;
use std::path::Path;

use crate::bisect::{self, Measuring, Plan, Target};
use crate::chain;
use crate::cli::BisectArgs;
use crate::exit::{Code, Failure};
use crate::report::bisect as view;

pub(super) fn bisect(args: &BisectArgs) -> Result<Code, Failure> {
    let suite = &args.suite.config.config;
    let inside = suite.parent().unwrap_or(Path::new(""));
    let (good, line) = bisect::first_parent_line(inside, &args.good, &args.bad)?;
    let target = args.metric.as_deref().map(target).transpose()?;
    let suspects = match &args.history {
        Some(path) => suspects(path, &line, target.as_ref())?,
        None => Vec::new(),
    };
    eprintln!(
        "bisect: {} commit(s) after {}{}",
        line.len(),
        crate::report::short_commit(Some(&good)),
        if suspects.is_empty() {
            String::new()
        } else {
            format!(
                "; the history's flagged steps first: {}",
                suspects.join(", ")
            )
        }
    );
    let plan = Plan {
        max_probes: args
            .max_probes
            .map_or_else(|| Plan::default_probes(line.len()), usize::from),
        good,
        line,
        target,
        suspects,
    };
    let started = std::time::Instant::now();
    let mut prober = Measuring::new(suite, args.suite.overrides());
    let found = bisect::bisect(&mut prober, &plan)?;
    let mut out = Vec::new();
    view::write(&found, started.elapsed(), args.format.into(), &mut out)
        .and_then(|()| std::io::stdout().write_all(&out))
        .map_err(|e| Failure::run(format!("cannot print: {e}")))?;
    Ok(Code::Pass)
}

/// "orders p50" → the endpoint and the metric.
fn target(text: &str) -> Result<Target, Failure> {
    match text.rsplit_once(' ') {
        Some((endpoint, metric)) if !endpoint.trim().is_empty() && !metric.is_empty() => {
            Ok(Target {
                endpoint: endpoint.trim().to_owned(),
                metric: metric.to_owned(),
            })
        }
        _ => Err(Failure::usage(format!(
            "--metric {text:?}: write the endpoint and the metric, e.g. --metric \"orders p50\""
        ))),
    }
}

/// The history's flagged steps (of `target`, or of any metric) on `line`.
fn suspects(path: &Path, line: &[String], target: Option<&Target>) -> Result<Vec<String>, Failure> {
    let steps = chain::read(path)?;
    let on_line: Vec<chain::ChainStep> = steps
        .into_iter()
        .filter(|s| line.contains(&s.commit))
        .collect();
    let (series, _) = chain::series(&on_line);
    let mut suspects: Vec<String> = Vec::new();
    for s in series
        .iter()
        .filter(|s| target.is_none_or(|t| t.endpoint == s.endpoint && t.metric == s.metric))
    {
        for f in s.flagged.iter().filter(|f| f.ratio > 1.0) {
            if !suspects.contains(&f.commit) {
                suspects.push(f.commit.clone());
            }
        }
    }
    Ok(suspects)
}
