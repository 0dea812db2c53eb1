//! A joined record sized before anything starts.
//!
//! The suite file bounds one run's blocks (`config::bounds`), but several
//! runs join into one record: a baseline of `--runs N`, a stored check's
//! head measured run by run until known, an A/B run's rounds per side. The
//! decoder refuses a record of more than [`MAX_BLOCKS`] blocks, so 100
//! endpoints × 1,000 blocks × 3 runs would be measured for minutes, saved,
//! and then refused by every `compare` and `check` after it. Each command
//! that joins sizes its record from the suite first, at the most its
//! budget allows, and exits 2 naming the numbers and what to change.

use std::time::Duration;

use crate::ab::RoundPlan;
use crate::config::bounds::{blocks_per_run, MAX_BLOCKS};
use crate::config::Config;
use crate::exit::Failure;
use crate::runner::runs::looks;

/// What a command joins into one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Joins {
    /// `baseline update --runs N`: N runs.
    Runs(u32),
    /// A stored check's head, measured until known: up to the runs of
    /// `load.duration` that fit in `load.max_duration`.
    StoredRuns,
    /// An A/B run's rounds of one side, measured until known: up to the
    /// rounds that fit in `load.max_duration`, whatever the apps' startup.
    Rounds,
}

impl Joins {
    /// Blocks per endpoint of the joined record when measuring `config`.
    fn blocks(self, config: &Config) -> u128 {
        match self {
            Joins::Runs(n) => u128::from(n) * blocks_per_run(&config.load),
            Joins::StoredRuns => u128::from(looks(config, true)) * blocks_per_run(&config.load),
            Joins::Rounds => RoundPlan::largest(&config.load).most_blocks(config.load.block),
        }
    }

    /// What is joined, for the message.
    fn describe(self, config: &Config) -> String {
        let load = &config.load;
        match self {
            Joins::Runs(n) => format!("`baseline update --runs {n}` joins {n} runs"),
            Joins::StoredRuns => format!(
                "measured until known, `check` may join up to {} runs of {} (load.duration) in load.max_duration {}",
                looks(config, true),
                human(load.duration),
                human(load.max_duration)
            ),
            Joins::Rounds => {
                let plan = RoundPlan::largest(load);
                format!(
                    "measured until known, an A/B run may join up to {} rounds of {} per side in load.max_duration {}",
                    plan.max_rounds,
                    human(plan.round_time),
                    human(load.max_duration)
                )
            }
        }
    }

    /// Whether `config`'s joined record fits the decoder's limit.
    fn fits(self, config: &Config) -> bool {
        self.blocks(config)
            .saturating_mul(config.endpoints.len() as u128)
            <= MAX_BLOCKS as u128
    }
}

fn human(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

/// Refuses (exit 2) to measure `config` when the record that `joins`
/// would be over the decoder's limit, naming the numbers and the fixes.
pub(super) fn refuse_unreadable(config: &Config, joins: Joins) -> Result<(), Failure> {
    if joins.fits(config) {
        return Ok(());
    }
    let per_endpoint = joins.blocks(config);
    let endpoints = config.endpoints.len();
    Err(Failure::usage(format!(
        "{}: {}: {endpoints} endpoint(s) × {per_endpoint} blocks of {} each is {} blocks in one record, over the limit of {MAX_BLOCKS} a results file may hold, so no later `compare` or `check` could read it; {}",
        config.path.display(),
        joins.describe(config),
        human(config.load.block),
        per_endpoint.saturating_mul(endpoints as u128),
        fixes(config, joins, per_endpoint).join(", or ")
    )))
}

/// What would make the record fit: fewer runs, a longer block, a shorter
/// budget, fewer endpoints, each at the value that would do.
fn fixes(config: &Config, joins: Joins, per_endpoint: u128) -> Vec<String> {
    let mut fixes = Vec::new();
    let endpoints = config.endpoints.len().max(1) as u128;
    if let Joins::Runs(_) = joins {
        let runs = MAX_BLOCKS as u128 / endpoints / blocks_per_run(&config.load).max(1);
        if runs >= 1 {
            fixes.push(format!("record fewer runs (--runs {runs})"));
        }
    }
    if let Some(block) = longest_budget_or_shortest_block(config, joins, Knob::Block) {
        fixes.push(format!(
            "use a longer load.block (at least {})",
            human(block)
        ));
    }
    if !matches!(joins, Joins::Runs(_)) {
        if let Some(budget) = longest_budget_or_shortest_block(config, joins, Knob::Budget) {
            fixes.push(format!(
                "a shorter load.max_duration (at most {})",
                human(budget)
            ));
        }
    }
    let most = MAX_BLOCKS as u128 / per_endpoint.max(1);
    if most >= 1 {
        fixes.push(format!(
            "fewer endpoints (at most {most} per suite file: split the suite)"
        ));
    }
    if fixes.is_empty() {
        fixes.push("measure less: a shorter load.duration".to_string());
    }
    fixes
}

/// The load setting a fix changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Knob {
    Block,
    Budget,
}

/// The shortest `load.block` (whole milliseconds, up to `load.duration`),
/// or the longest `load.max_duration` (from `load.duration` up to the
/// suite's), at which the joined record fits; `None` if none does. The
/// blocks fall as the block grows and rise with the budget, so a binary
/// search over milliseconds finds it.
fn longest_budget_or_shortest_block(config: &Config, joins: Joins, knob: Knob) -> Option<Duration> {
    let load = &config.load;
    let setting = |ms: u64| match knob {
        Knob::Block => Duration::from_millis(ms),
        Knob::Budget => Duration::from_millis(ms).max(load.duration),
    };
    let fits = |ms: u64| {
        let mut changed = config.clone();
        match knob {
            Knob::Block => changed.load.block = setting(ms),
            Knob::Budget => changed.load.max_duration = setting(ms),
        }
        joins.fits(&changed)
    };
    let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    // `fits` is false at `lo` and true at `hi` for a block, the other way
    // round for a budget; the search keeps it so.
    let (mut lo, mut hi) = match knob {
        Knob::Block => (ms(load.block), ms(load.duration).max(1)),
        Knob::Budget => (ms(load.duration), ms(load.max_duration)),
    };
    let found = match knob {
        Knob::Block => hi,
        Knob::Budget => lo,
    };
    if lo >= hi || !fits(found) {
        return None;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if fits(mid) == (knob == Knob::Block) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    match knob {
        Knob::Block => Some(setting(hi)),
        Knob::Budget => {
            // Whole seconds read better, when they still hold the duration.
            let secs = Duration::from_secs(lo / 1000);
            Some(if secs >= load.duration {
                secs
            } else {
                setting(lo)
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{refuse_unreadable, Joins};

    /// A suite of `endpoints` endpoints measured for `duration` in blocks
    /// of `block`, with a budget of `max_duration`.
    fn suite(
        endpoints: usize,
        duration: &str,
        block: &str,
        max_duration: &str,
    ) -> crate::config::Config {
        let list: String = (0..endpoints)
            .map(|i| format!("  - {{ name: e{i}, path: /{i} }}\n"))
            .collect();
        let text = format!(
            "version: 1\nsuite: s\napp:\n  command: [\"app\"]\nbase_url: \"http://127.0.0.1:8000\"\nload:\n  duration: {duration}\n  block: {block}\n  max_duration: {max_duration}\nendpoints:\n{list}"
        );
        crate::config::parse(&text, Path::new("s.yaml")).expect("valid suite")
    }

    #[test]
    fn a_baseline_the_decoder_would_refuse_is_refused_with_its_fixes() {
        // 100 endpoints × 1000 blocks × 3 runs = 300,000 blocks.
        let config = suite(100, "10s", "10ms", "10s");
        assert!(refuse_unreadable(&config, Joins::Runs(1)).is_ok());
        assert!(refuse_unreadable(&config, Joins::Runs(2)).is_ok());
        let refused = refuse_unreadable(&config, Joins::Runs(3)).expect_err("too large");
        assert_eq!(refused.code, crate::exit::Code::Usage);
        assert_eq!(
            refused.message,
            "s.yaml: `baseline update --runs 3` joins 3 runs: 100 endpoint(s) × 3000 blocks of 10ms each is 300000 blocks in one record, over the limit of 200000 a results file may hold, so no later `compare` or `check` could read it; record fewer runs (--runs 2), or use a longer load.block (at least 16ms), or fewer endpoints (at most 66 per suite file: split the suite)"
        );
    }

    #[test]
    fn the_budgets_fixes_fit_and_one_step_past_them_does_not() {
        let config = suite(100, "10s", "10ms", "10m");
        for joins in [Joins::StoredRuns, Joins::Rounds] {
            let refused = refuse_unreadable(&config, joins).expect_err("too large");
            assert!(
                refused.message.contains("load.max_duration"),
                "{}",
                refused.message
            );
            let block = super::longest_budget_or_shortest_block(&config, joins, super::Knob::Block)
                .expect("a block fits");
            let budget =
                super::longest_budget_or_shortest_block(&config, joins, super::Knob::Budget)
                    .expect("a budget fits");
            let mut fixed = config.clone();
            fixed.load.block = block;
            assert!(joins.fits(&fixed), "{joins:?} {block:?}");
            fixed.load.block -= std::time::Duration::from_millis(1);
            assert!(!joins.fits(&fixed), "{joins:?} {block:?}");
            let mut fixed = config.clone();
            fixed.load.max_duration = budget;
            assert!(joins.fits(&fixed), "{joins:?} {budget:?}");
            fixed.load.max_duration += std::time::Duration::from_secs(1);
            assert!(!joins.fits(&fixed), "{joins:?} {budget:?}");
        }
        // The default load fits both.
        let config = suite(100, "30s", "1s", "120s");
        assert!(refuse_unreadable(&config, Joins::StoredRuns).is_ok());
        assert!(refuse_unreadable(&config, Joins::Rounds).is_ok());
    }
}
