//! The comparison as GitHub-flavoured Markdown, for a pull-request comment
//! or the job summary: a headline that says pass or fail and the worst
//! regression, one table row per endpoint × metric, where the numbers came
//! from, the notes, and the full numbers folded away in `<details>`.
//!
//! Endpoint names, notes, warnings and commits are user text: [`escape`]
//! makes them inert, so that they can neither break the table nor inject
//! HTML or links. A comment has a size limit (GitHub's is 65,536
//! characters): past [`MarkdownOptions::max_bytes`] the full numbers go
//! first, then rows of metrics that did not regress, then the Server-Timing
//! phases; regressed rows and the headline always stay.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{checks, percent, CheckKind, Context, Report};
use crate::compare::{Comparison, Outcome, SideInfo, VerdictName};
use crate::escape::markdown as escape;
use crate::escape::markdown_prose as prose;

/// GitHub's comment limit of 65,536 characters, less room for the hidden
/// marker and wrapping that a bot posting the comment adds.
pub const DEFAULT_MAX_BYTES: usize = 60_000;

/// How many new or removed endpoints are named before "and N more".
const MAX_NAMED: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkdownOptions {
    /// The largest output, in bytes, unless the headline and the regressed
    /// rows alone are larger.
    pub max_bytes: usize,
}

impl Default for MarkdownOptions {
    fn default() -> Self {
        MarkdownOptions {
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

pub fn write_comparison(
    report: &Report,
    options: &MarkdownOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    out.write_all(render(report, options.max_bytes).as_bytes())
}

/// The document in parts, so that it can be cut down to size.
#[derive(Debug)]
struct Document {
    head: String,
    rows: Vec<Row>,
    context: String,
    /// Where the time went (Server-Timing phases), dropped before any
    /// regressed row.
    phases: String,
    warnings: String,
    endpoints: String,
    details: String,
}

/// The optional parts an assembly keeps.
#[derive(Debug, Clone, Copy)]
struct Parts {
    details: bool,
    phases: bool,
}

/// A table row, with the note that explains it if any.
#[derive(Debug)]
struct Row {
    line: String,
    note: Option<String>,
    /// Regressed rows are never dropped.
    keep: bool,
}

const TABLE_HEADER: &str = concat!(
    "| endpoint | metric | base ms | head ms | change | interval | verdict |\n",
    "| :--- | :--- | ---: | ---: | ---: | ---: | :--- |\n"
);
const NOTES_HEADER: &str = "\n**Notes**\n\n";
const PHASES_OMITTED: &str =
    "\n_Where the time went (Server-Timing phases): omitted for size; see the full report in the job's artifacts._\n";

/// The document within `max_bytes`: the full numbers go first, then rows
/// that did not regress, then the phases; regressed rows always stay.
fn render(report: &Report, max_bytes: usize) -> String {
    let doc = Document::of(report);
    let all = vec![true; doc.rows.len()];
    for parts in [
        Parts {
            details: true,
            phases: true,
        },
        Parts {
            details: false,
            phases: true,
        },
    ] {
        let text = doc.assemble(&all, parts);
        if text.len() <= max_bytes {
            return text;
        }
    }
    let with_phases = Parts {
        details: false,
        phases: true,
    };
    doc.fit_rows(with_phases, max_bytes).unwrap_or_else(|| {
        let parts = Parts {
            phases: false,
            ..with_phases
        };
        let fitted = doc.fit_rows(parts, max_bytes);
        fitted.unwrap_or_else(|| doc.assemble(&doc.kept(), parts))
    })
}

impl Document {
    fn of(report: &Report) -> Document {
        let c = &report.comparison;
        Document {
            head: head(c),
            rows: rows(c),
            context: context(c, &report.context()),
            phases: super::phases::markdown(c),
            warnings: warnings(c),
            endpoints: endpoints(c),
            details: details(c),
        }
    }

    /// Which rows must stay.
    fn kept(&self) -> Vec<bool> {
        self.rows.iter().map(|r| r.keep).collect()
    }

    /// The rows that must stay, then the others in order while they fit;
    /// `None` when those that must stay do not fit with `parts`.
    fn fit_rows(&self, parts: Parts, max_bytes: usize) -> Option<String> {
        // The omission line counts every other row, so it can only get
        // shorter as rows are added.
        let mut include = self.kept();
        let mut used = self.assemble(&include, parts).len();
        if used > max_bytes {
            return None;
        }
        let mut any_note = self.rows.iter().any(|r| r.keep && r.note.is_some());
        for (included, row) in include.iter_mut().zip(&self.rows) {
            if row.keep {
                continue;
            }
            let mut cost = row.line.len();
            if let Some(note) = &row.note {
                cost += note.len() + if any_note { 0 } else { NOTES_HEADER.len() };
            }
            if used + cost <= max_bytes {
                *included = true;
                used += cost;
                any_note |= row.note.is_some();
            }
        }
        Some(self.assemble(&include, parts))
    }

    fn assemble(&self, include: &[bool], parts: Parts) -> String {
        let mut out = self.head.clone();
        out.push_str(TABLE_HEADER);
        let included: Vec<&Row> = self
            .rows
            .iter()
            .zip(include)
            .filter_map(|(row, &i)| i.then_some(row))
            .collect();
        for row in &included {
            out.push_str(&row.line);
        }
        let omitted = self.rows.len() - included.len();
        if omitted > 0 {
            let rows = if omitted == 1 { "row" } else { "rows" };
            let _ = write!(
                out,
                "\n_{omitted} {rows} omitted; see the full report in the job's artifacts._\n"
            );
        }
        out.push_str(&self.context);
        if parts.phases {
            out.push_str(&self.phases);
        } else if !self.phases.is_empty() {
            out.push_str(PHASES_OMITTED);
        }
        out.push_str(&self.warnings);
        let mut notes = included.iter().filter_map(|r| r.note.as_deref()).peekable();
        if notes.peek().is_some() {
            out.push_str(NOTES_HEADER);
            notes.for_each(|note| out.push_str(note));
        }
        out.push_str(&self.endpoints);
        if parts.details {
            out.push_str(&self.details);
        }
        out
    }
}

/// The headline, what failed outside the table, and one line of counts.
fn head(c: &Comparison) -> String {
    let headline = super::headline(c);
    let symbol = match headline.outcome {
        Outcome::Pass => "✅",
        Outcome::Fail => "❌",
        Outcome::Invalid => "⛔",
        Outcome::PossibleRegression | Outcome::NotJudged => super::NOT_JUDGED,
    };
    let title = match headline.outcome {
        Outcome::Pass => format!("passed — {}", escape(&headline.sight)),
        // Its advice names settings: code spans.
        Outcome::NotJudged => prose(&headline.title),
        _ => escape(&headline.title),
    };
    let mut out = format!("### benchgate: {symbol} {title}\n\n");
    for line in &c.failed {
        let _ = writeln!(out, "- ❌ {}", prose(line));
    }
    for line in &c.invalid {
        let _ = writeln!(out, "- ⛔ {}", prose(line));
    }
    if !c.failed.is_empty() || !c.invalid.is_empty() {
        out.push('\n');
    }
    let checks = checks(c).count();
    let _ = write!(
        out,
        "Suite **{}**, {} endpoint{}, threshold {} at {} confidence. {checks} checks:",
        escape(&c.suite),
        c.endpoint_count(),
        if c.endpoint_count() == 1 { "" } else { "s" },
        percent(c.threshold),
        percent(c.confidence),
    );
    let counts = super::verdict_counts(c);
    let counts: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(v, n)| format!("{} {n} {}", symbol_of(*v), v.as_str()))
        .collect();
    let _ = write!(out, " {}.", counts.join(" · "));
    if headline.outcome != Outcome::Pass {
        let _ = write!(out, " {}.", escape(&headline.sight));
    }
    out.push_str("\n\n");
    out
}

fn rows(c: &Comparison) -> Vec<Row> {
    checks(c)
        .filter(|check| check.worth_a_row())
        .map(|check| {
            let verdict = check.verdict();
            let regressed = matches!(verdict, VerdictName::Regressed | VerdictName::Missing);
            let bold = |s: String| if regressed { format!("**{s}**") } else { s };
            let line = format!(
                "| {} | {} | {} | {} | {} | {} | {} {} |\n",
                escape(&check.endpoint.name),
                escape(&check.label()),
                check.base_text(),
                check.head_text(),
                bold(check.change_text()),
                check.interval_text(),
                symbol_of(verdict),
                bold(verdict.as_str().to_string()),
            );
            let own = |n: &&str| Some(*n) != c.undecidable.as_deref(); // said in context()
            let note = match check.kind {
                CheckKind::Metric(m) => m.note.as_deref().filter(own).map(|note| {
                    let (sym, name) = (symbol_of(verdict), escape(&check.endpoint.name));
                    let (label, note) = (escape(&check.label()), prose(note));
                    format!("- {sym} **{name} {label}**: {note}\n")
                }),
                CheckKind::ErrorRate(_) => None,
            };
            Row {
                line,
                note,
                keep: regressed,
            }
        })
        .collect()
}

/// Where the numbers came from.
fn context(c: &Comparison, context: &Context<'_>) -> String {
    let side = |s: &SideInfo| super::side_line(s, context.unit, escape, |commit| commit);
    let mut out = format!(
        "\n- **Base:** {}\n- **Head:** {}\n",
        side(context.base),
        side(context.head)
    );
    if let Some(why) = &c.undecidable {
        let _ = writeln!(out, "- ⚠️ **No metric could decide:** {}", prose(why));
    }
    for line in &context.lines {
        let _ = writeln!(out, "- {}", prose(line));
    }
    if crate::compare::Sight::of(&c.endpoints).blind > 0 {
        if let Some(advice) = super::advice(c) {
            let _ = writeln!(out, "- 💡 {}", prose(&advice));
        }
    }
    out
}

/// The run's warnings, after the phases.
fn warnings(c: &Comparison) -> String {
    let mut out = String::new();
    if !c.warnings.is_empty() {
        out.push_str("\n**Warnings**\n\n");
        for warning in &c.warnings {
            let _ = writeln!(out, "- ⚠️ {}", prose(warning));
        }
    }
    out
}

/// New and removed endpoints, named up to [`MAX_NAMED`] each.
fn endpoints(c: &Comparison) -> String {
    let named = |names: &[String]| {
        let mut list: Vec<String> = names.iter().take(MAX_NAMED).map(|n| escape(n)).collect();
        if names.len() > MAX_NAMED {
            list.push(format!("and {} more", names.len() - MAX_NAMED));
        }
        list.join(", ")
    };
    let mut out = String::new();
    if !c.added.is_empty() || !c.removed.is_empty() {
        out.push_str("\n**Endpoints not compared**\n\n");
    }
    if !c.added.is_empty() {
        let _ = writeln!(out, "- 🆕 new, not in the baseline: {}", named(&c.added));
    }
    if !c.removed.is_empty() {
        let _ = writeln!(
            out,
            "- ➖ in the baseline, not measured: {}",
            named(&c.removed)
        );
    }
    out
}

/// Every number, folded away: ratios, adjusted intervals, p-values, the
/// smallest detectable change and each endpoint's threshold.
fn details(c: &Comparison) -> String {
    let mut out = String::from("\n<details>\n<summary>Full numbers</summary>\n\n");
    let _ = write!(
        out,
        "Ratios are head ÷ base; intervals are Holm-adjusted over all {} checks of the suite at {} confidence.\n\n",
        checks(c).count(),
        percent(c.confidence)
    );
    out.push_str(
        "| endpoint | threshold | metric | base ms | head ms | ratio | adjusted interval | p-value | detectable | verdict |\n\
         | :--- | ---: | :--- | ---: | ---: | ---: | ---: | ---: | ---: | :--- |\n",
    );
    let number = |x: Option<f64>, none: &str| x.map_or(none.to_string(), |x| format!("{x:.4}"));
    let ms = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{x:.3}"));
    for endpoint in &c.endpoints {
        for (label, m) in endpoint.labelled_metrics() {
            let interval = if m.lower.is_none() && m.upper.is_none() {
                "-".to_string()
            } else {
                format!("[{}, {}]", number(m.lower, "0"), number(m.upper, "∞"))
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {interval} | {} | {} | {} |",
                escape(&endpoint.name),
                percent(endpoint.threshold),
                escape(&label),
                super::in_unit(m.metric, ms(m.base_ms), m.base_ms.is_some()),
                super::in_unit(m.metric, ms(m.head_ms), m.head_ms.is_some()),
                number(m.ratio, "-"),
                super::p_value(m.p_value),
                m.detectable.map_or("-".into(), super::detectable),
                m.verdict.as_str()
            );
        }
    }
    out.push_str(
        "\n| endpoint | base error rate | head error rate | allowed rise | p-value | verdict |\n\
         | :--- | ---: | ---: | ---: | ---: | :--- |\n",
    );
    for endpoint in c.endpoints.iter().filter(|e| !e.is_app()) {
        let e = &endpoint.errors;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            escape(&endpoint.name),
            super::rate(e.base_rate),
            super::rate(e.head_rate),
            super::points(e.max_increase),
            super::p_value(e.p_value),
            if e.regressed {
                "regressed"
            } else {
                "unchanged"
            }
        );
    }
    out.push_str("\n</details>\n");
    out
}

fn symbol_of(v: VerdictName) -> &'static str {
    match v {
        VerdictName::Regressed => "🔴",
        VerdictName::Improved => "🟢",
        VerdictName::Unchanged => "⚪",
        VerdictName::Inconclusive => "🟡",
        VerdictName::Missing => "⛔",
    }
}
