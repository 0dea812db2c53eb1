//! Stored mode measured until the verdict is known: the head measured in
//! whole runs, each like one of the baseline's (a fresh instance of the app,
//! its warm-up and `load.duration`), until a look at the runs so far stops
//! it or `load.max_duration` is spent.
//!
//! A run is the unit stored mode's interval counts (`stats::unpaired`: the
//! spread of per-run statistics over the baseline's runs and the head's),
//! so the head grows by runs, never by longer ones: every head run then
//! varies as a baseline run does, and each adds a degree of freedom.

use crate::compare::GateSettings;
use crate::config::Config;
use crate::record::RunRecord;
use crate::stopping::{self, Known, Look, Measurer, Unit, MAX_LOOKS};

use super::{measure_once, RunError, RunOptions};

/// The looks a stored check may take: one after each run, from the first,
/// up to the runs of `load.duration` that fit in `load.max_duration` (at
/// most [`MAX_LOOKS`]). With `until_known` false, or no room for a second
/// run, one run and one look.
pub fn looks(config: &Config, until_known: bool) -> u32 {
    let load = &config.load;
    if !until_known {
        return 1;
    }
    let fit = load.max_duration.as_nanos() / load.duration.as_nanos().max(1);
    (fit.min(u128::from(MAX_LOOKS)) as u32).max(1)
}

/// Measures the suite in runs, at most [`looks`] of them, and after each
/// looks at the runs so far joined into one record (each run a run of it,
/// as in a baseline of several) against `base` with the suite's `gate`,
/// until a look stops the check (see [`crate::stopping`]). Returns the
/// joined record and its comparison.
pub fn measure_until(
    config: &Config,
    options: &RunOptions<'_>,
    until_known: bool,
    base: &RunRecord,
    gate: &GateSettings,
) -> Result<Known<RunRecord>, RunError> {
    let mut runs = HeadRuns {
        config,
        options,
        base,
        max_rounds: looks(config, until_known),
        runs: Vec::new(),
    };
    stopping::measure_until(&mut runs, gate)
}

/// The head measured run by run against a stored baseline.
struct HeadRuns<'a> {
    config: &'a Config,
    options: &'a RunOptions<'a>,
    base: &'a RunRecord,
    max_rounds: u32,
    runs: Vec<RunRecord>,
}

impl Measurer for HeadRuns<'_> {
    type Measured = RunRecord;
    type Error = RunError;

    fn unit(&self) -> Unit {
        Unit::Run
    }

    fn measure_next(&mut self) -> Result<Look, RunError> {
        if self.max_rounds > 1 {
            eprintln!(
                "run {} (at most {} until every gated metric is decided)",
                self.runs.len() + 1,
                self.max_rounds
            );
        }
        self.runs.push(measure_once(self.config, self.options)?);
        Ok(Look {
            round: self.runs.len() as u32,
            min_rounds: 1,
            max_rounds: self.max_rounds,
        })
    }

    fn so_far(&self) -> Result<RunRecord, RunError> {
        RunRecord::combine(self.runs.clone()).map_err(RunError::from)
    }

    fn sides<'a>(&'a self, head: &'a RunRecord) -> [&'a RunRecord; 2] {
        [self.base, head]
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    fn suite(duration: u64, max_duration: u64) -> crate::config::Config {
        let text = format!(
            "version: 1\nsuite: s\napp:\n  command: [\"app\"]\nbase_url: \"http://127.0.0.1:8000\"\nload:\n  duration: {duration}s\n  max_duration: {max_duration}s\nendpoints:\n  - {{ name: home, path: / }}\n"
        );
        crate::config::parse(&text, Path::new("s.yaml")).expect("valid suite")
    }

    #[test]
    fn the_budget_holds_whole_runs_and_at_most_the_looks_allowed() {
        assert_eq!(super::looks(&suite(20, 120), true), 6);
        assert_eq!(super::looks(&suite(20, 130), true), 6);
        assert_eq!(super::looks(&suite(20, 20), true), 1);
        assert_eq!(super::looks(&suite(20, 120), false), 1);
        let mut many = suite(1, 100);
        assert_eq!(super::looks(&many, true), crate::stopping::MAX_LOOKS);
        many.load.max_duration = Duration::from_millis(1999);
        assert_eq!(super::looks(&many, true), 1);
    }
}
