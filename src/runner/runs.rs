//! Stored mode measured until the verdict is known: the head measured in
//! whole runs, each like one of the baseline's (a fresh instance of the app,
//! its warm-up and `load.duration`), until a look at the runs so far stops
//! it or `load.max_duration` is spent.
//!
//! A run is the unit stored mode's interval counts (`stats::unpaired`: the
//! spread of per-run statistics over the baseline's runs and the head's),
//! so the head grows by runs, never by longer ones: every head run then
//! varies as a baseline run does, and each adds a degree of freedom.

use crate::compare::{Look, MAX_LOOKS};
use crate::config::Config;
use crate::record::RunRecord;

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
/// shows `look` the runs so far joined into one record (each run a run of
/// it, as in a baseline of several): `Some` stops. Returns the joined
/// record and the last look's answer (`None` only when `look` never
/// stopped the runs).
pub fn measure_until<T>(
    config: &Config,
    options: &RunOptions<'_>,
    until_known: bool,
    mut look: impl FnMut(&RunRecord, Look) -> Option<T>,
) -> Result<(RunRecord, Option<T>), RunError> {
    let max_rounds = looks(config, until_known);
    let mut runs = Vec::new();
    loop {
        if max_rounds > 1 {
            eprintln!(
                "run {} (at most {max_rounds} until every gated metric is decided)",
                runs.len() + 1
            );
        }
        runs.push(measure_once(config, options)?);
        let at = Look {
            round: runs.len() as u32,
            min_rounds: 1,
            max_rounds,
        };
        let joined =
            RunRecord::combine(runs.clone()).map_err(|e| RunError::Suite(e.to_string()))?;
        let answer = look(&joined, at);
        if answer.is_some() || at.is_last() {
            return Ok((joined, answer));
        }
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
        assert_eq!(super::looks(&many, true), crate::compare::MAX_LOOKS);
        many.load.max_duration = Duration::from_millis(1999);
        assert_eq!(super::looks(&many, true), 1);
    }
}
