//! The report model: a comparison with its context (the main branch's
//! history, each side's provenance, how the sides were measured), phrased
//! once so that every writer says the same things.

use serde::{Deserialize, Serialize};

use crate::baseline::HistoryEntry;
use crate::compare::{Comparison, SideInfo};
use crate::provenance::short_commit;

/// How many of the main branch's baselines a report charts.
pub const HISTORY_SHOWN: usize = 20;

/// Everything a report says: the comparison and its context. Serialised as
/// the JSON report (the comparison's fields, plus `history`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Report {
    #[serde(flatten)]
    pub comparison: Comparison,
    /// The main branch's recorded baselines, oldest first, at most
    /// [`HISTORY_SHOWN`]; reports may chart it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryEntry>,
    /// The main branch's chained change since an anchor, from its relative
    /// history (`--history`); absent without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_since: Option<super::main_since::MainSince>,
}

/// The output formats of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Json,
    Junit,
    Html,
}

impl Report {
    /// The report of `comparison`, with the last [`HISTORY_SHOWN`] entries
    /// of `history` (oldest first).
    pub fn new(comparison: Comparison, mut history: Vec<HistoryEntry>) -> Report {
        let skip = history.len().saturating_sub(HISTORY_SHOWN);
        history.drain(..skip);
        Report {
            comparison,
            history,
            main_since: None,
        }
    }

    /// Where the numbers came from, phrased once for every writer.
    pub fn context(&self) -> Context<'_> {
        let c = &self.comparison;
        let lines = [
            mode_line(c),
            c.stopping.as_ref().map(|s| s.describe()),
            accepted_line(c),
            c.memory.as_ref().map(|m| m.describe()),
        ]
        .into_iter()
        .flatten()
        .chain(super::cpu_endpoints::lines(c))
        .chain(self.main_since.iter().flat_map(super::main_since::lines))
        .chain(c.proposed.iter().cloned())
        .collect();
        Context {
            base: &c.base,
            head: &c.head,
            unit: unit(c),
            lines,
        }
    }
}

/// Where a comparison's numbers came from.
#[derive(Debug)]
pub struct Context<'a> {
    pub base: &'a SideInfo,
    pub head: &'a SideInfo,
    /// What a side's `runs` count: A/B mode's rounds, or runs.
    pub unit: &'static str,
    /// How the sides were measured (A/B mode), what was accepted, and what
    /// the pull request changed but was not used, a sentence each.
    pub lines: Vec<String>,
}

/// How the two sides were measured, in A/B mode; `None` in stored mode.
fn mode_line(c: &Comparison) -> Option<String> {
    let split = match c.pairing? {
        crate::record::Pairing::Random => {
            "both under load at once, each request sent to one at random"
        }
        crate::record::Pairing::Alternate => "taking turns in alternating blocks",
    };
    let used: Vec<crate::config::Metric> = c
        .endpoints
        .iter()
        .flat_map(|e| e.metrics.iter().map(|m| m.metric))
        .collect();
    let floor = c.run_noise.as_ref().map_or(String::new(), |noise| {
        let figures: Vec<String> = noise
            .metrics
            .iter()
            .filter(|m| used.contains(&m.metric))
            .map(|m| format!("{} {:.1}%", m.metric.name(), m.tau * 100.0))
            .collect();
        format!(
            "; intervals include a run-to-run floor of {} from {}",
            figures.join(", "),
            noise.source
        )
    });
    let shared = if c.base.placement.is_none() && c.head.placement.is_none() {
        format!(
            "; both apps and the generator shared the machine's {} CPUs, so a head that burns CPU slows the base too (with 4 CPUs or more each side gets its own)",
            c.head.cores
        )
    } else {
        String::new()
    };
    Some(format!(
        "A/B mode: base and head measured side by side on the same machine ({split}) and compared block pair by block pair{floor}{shared}"
    ))
}

/// The slowdowns this pull request accepted by updating the stored
/// baseline: "accepted in this pull request: create-order p95 +15%, …".
fn accepted_line(c: &Comparison) -> Option<String> {
    (!c.accepted.is_empty()).then(|| {
        let each: Vec<String> = c.accepted.iter().map(|a| a.describe()).collect();
        format!(
            "accepted in this pull request (recorded in the stored baseline): {}",
            each.join(", ")
        )
    })
}

/// What a side's `runs` count in `c`: rounds in A/B mode, else runs.
pub fn unit(c: &Comparison) -> &'static str {
    if c.pairing.is_some() {
        "round"
    } else {
        "run"
    }
}

/// "commit, time, N runs (or rounds) on CPU (C cores), CPU placement",
/// each user-supplied part passed through the writer's `escape`, the commit
/// also through `code`.
pub fn side_line(
    s: &SideInfo,
    unit: &str,
    escape: fn(&str) -> String,
    code: fn(String) -> String,
) -> String {
    let placed = s
        .placement
        .as_ref()
        .map_or_else(String::new, |p| format!(", {}", escape(&p.describe())));
    format!(
        "{}, {}, {} {unit}{} on {} ({} cores){placed}",
        code(escape(&short_commit(s.git_commit.as_deref()))),
        escape(&s.time_utc),
        s.runs,
        if s.runs == 1 { "" } else { "s" },
        escape(&s.cpu_model),
        s.cores
    )
}
