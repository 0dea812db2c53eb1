//! The job's own page: the Markdown report appended to the file named by
//! `GITHUB_STEP_SUMMARY`, and one workflow annotation per regression
//! (`::error`), possible regression, inconclusive metric and report warning
//! (`::warning`), so that they show on the run and the pull request's
//! checks.
//!
//! Annotation messages are user text: [`escape_data`] applies the workflow
//! command escaping (`%`, `\r`, `\n`), so that an endpoint's name can
//! neither end the message nor start another command.

use std::io::Write as _;
use std::path::Path;

use crate::compare::{Comparison, Outcome, VerdictName};
use crate::report::markdown::{self, MarkdownOptions};
use crate::report::{checks, headline, CheckKind, Report, NOT_JUDGED};

/// Appends the Markdown report to the job summary file.
pub fn append_job_summary(report: &Report, path: &Path) -> std::io::Result<()> {
    let mut bytes = Vec::new();
    markdown::write_comparison(report, &MarkdownOptions::default(), &mut bytes)?;
    bytes.push(b'\n');
    let mut file = fs_err::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(&bytes)
}

/// Prints the comparison's annotations, to stdout unless `to_stderr`.
pub fn annotate(comparison: &Comparison, to_stderr: bool) {
    for line in annotations(comparison) {
        if to_stderr {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    }
}

/// GitHub shows at most this many errors, and as many warnings, per step.
const MAX_PER_KIND: usize = 10;

/// The workflow commands for `comparison`, one per line: errors first, at
/// most [`MAX_PER_KIND`] of each kind, the last warning counting the rest.
pub fn annotations(c: &Comparison) -> Vec<String> {
    let all = all_annotations(c);
    let (errors, warnings): (Vec<String>, Vec<String>) =
        all.into_iter().partition(|l| l.starts_with("::error"));
    let mut lines: Vec<String> = errors.into_iter().take(MAX_PER_KIND).collect();
    if warnings.len() > MAX_PER_KIND {
        let rest = warnings.len() - (MAX_PER_KIND - 1);
        lines.extend(warnings.into_iter().take(MAX_PER_KIND - 1));
        lines.push(format!(
            "::warning title=benchgate::{rest} more warnings; see the job summary"
        ));
    } else {
        lines.extend(warnings);
    }
    lines
}

fn all_annotations(c: &Comparison) -> Vec<String> {
    let mut lines = Vec::new();
    // The headline of a run not judged leads the warnings.
    if c.outcome.not_judged() {
        let title = match c.outcome {
            Outcome::PossibleRegression => "benchgate possible regression",
            _ => "benchgate not judged",
        };
        lines.push(format!(
            "::warning title={title}::{} {}",
            NOT_JUDGED,
            escape_data(&headline(c).title)
        ));
    }
    for check in checks(c) {
        let verdict = check.verdict();
        let message = match (verdict, check.kind) {
            (VerdictName::Regressed, _) => format!(
                "::error title=benchgate::{} {}",
                escape_data(&check.endpoint.name),
                escape_data(&check.failure_message(c.confidence))
            ),
            (VerdictName::Inconclusive, CheckKind::Metric(m)) => format!(
                "::warning title=benchgate::{} {} {} {} inconclusive{}",
                escape_data(&check.endpoint.name),
                escape_data(&check.label()),
                escape_data(&check.change_text()),
                escape_data(&check.interval_text()),
                m.note
                    .as_deref()
                    .map_or(String::new(), |n| format!(": {}", escape_data(n)))
            ),
            _ => continue,
        };
        lines.push(message);
    }
    for line in c.failed.iter().chain(&c.invalid) {
        lines.push(format!("::error title=benchgate::{}", escape_data(line)));
    }
    for warning in &c.warnings {
        lines.push(format!(
            "::warning title=benchgate::{}",
            escape_data(warning)
        ));
    }
    lines
}

/// Workflow-command data escaping: `%` → `%25`, `\r` → `%0D`, `\n` → `%0A`.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

#[cfg(test)]
mod tests {
    use super::escape_data;

    #[test]
    fn workflow_data_is_escaped() {
        assert_eq!(escape_data("a%b\r\nc"), "a%25b%0D%0Ac");
        assert_eq!(escape_data("+23.1%"), "+23.1%25");
    }
}
