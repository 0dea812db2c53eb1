//! A/B mode: the base tree and this one, built and started side by side on
//! this machine and measured at the same moments, then compared pair by
//! pair ([`crate::compare::compare`] sees the two records' pairing).
//!
//! This module prepares and measures: where the base tree's suite file is
//! ([`base_suite_path`]), a temporary worktree for `check --ab REF`
//! ([`Worktree`]), both sides' suites on their own ports ([`measure`]), and
//! the gate with the slowdowns a pull request accepts ([`gate`]).

use std::path::Path;
use std::time::Duration;

use crate::compare::{GateSettings, Look};
use crate::config::{self, Config, Overrides};
use crate::record::{Pairing, RunRecord};
use crate::runner::RunError;
use crate::{calibrate, runner};

mod accepted;
mod base;
mod rounds;
mod worktree;

pub use accepted::accepted;
pub use base::{base_suite_path, foreign_baseline_commit};
pub use rounds::RoundPlan;
pub use worktree::Worktree;

/// Why A/B mode could not measure.
#[derive(Debug, thiserror::Error)]
pub enum AbError {
    /// The two trees cannot be set up side by side (no base suite file, no
    /// such commit, one fixed port for both).
    #[error("{0}")]
    Setup(String),
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Run(#[from] RunError),
}

/// Both sides of an A/B run with the suites they came from.
#[derive(Debug)]
pub struct SideBySide {
    pub base_config: Config,
    pub head_config: Config,
    pub base: RunRecord,
    pub head: RunRecord,
}

/// What to measure: this tree's suite file and the command line's load
/// settings, the base tree's suite file (this one again for A/A), how the
/// requests are split, and whether to run the build steps first.
#[derive(Debug, Clone, Copy)]
pub struct Sides<'a> {
    pub head_suite: &'a Path,
    pub overrides: &'a Overrides,
    pub base_suite: &'a Path,
    pub pairing: Pairing,
    pub build: bool,
}

/// Warm-up of every round after the first, at most: the first warms the
/// machine and the build's caches; a fresh instance needs less.
const LATER_WARMUP: Duration = Duration::from_secs(1);

/// Builds the base and this tree's app, then measures them side by side
/// with this tree's endpoints and load for `load.duration`, in rounds
/// (see [`measure_until`]). For calibration and capacity stages: a fixed
/// length, no looks.
pub fn measure(sides: Sides<'_>) -> Result<SideBySide, AbError> {
    measure_until(sides, false, |_, _| Some(())).map(|(run, _)| run)
}

/// Builds the base and this tree's app, then measures them side by side
/// with this tree's endpoints and load in rounds of equal length: each
/// round starts both apps afresh (on new ports, in alternating order, with
/// a fresh seed unless the suite gives one), measures and stops them. Two
/// instances of one build keep an offset for as long as they live; across
/// rounds it varies, so the comparison can see it (Kalibera & Jones 2013:
/// repeat at the level where the variation is).
///
/// `load.duration` is split into rounds as long as the apps took to start
/// in the first (at least 2 s, see [`RoundPlan`]); when `until_known`, the run
/// goes on round by round up to `load.max_duration` (at most
/// [`crate::compare::MAX_LOOKS`] rounds), and after every round from the last of
/// `load.duration` on, `look` sees both sides so far: `Some` stops the run.
/// The rounds' blocks are joined into one record per side, each round a
/// run. Returns the last look's answer (`None` only when `look` never
/// stopped the run).
pub fn measure_until<T>(
    sides: Sides<'_>,
    until_known: bool,
    mut look: impl FnMut(&SideBySide, Look) -> Option<T>,
) -> Result<(SideBySide, Option<T>), AbError> {
    let mut rounds_base = Vec::new();
    let mut rounds_head = Vec::new();
    let (head_config, _) = side_configs(&sides)?;
    runner::warn_about_blocks(&head_config);
    let mut plan: Option<RoundPlan> = None;
    let mut round = 0;
    loop {
        let (mut head, mut base) = side_configs(&sides)?;
        for config in [&mut head, &mut base] {
            if round > 0 {
                config.load.warmup = config.load.warmup.min(LATER_WARMUP);
            }
        }
        match plan {
            None => eprintln!("round 1"),
            Some(p) if p.max_rounds > p.min_rounds => eprintln!(
                "round {} (at least {}, at most {} until every gated metric is decided)",
                round + 1,
                p.min_rounds,
                p.max_rounds
            ),
            Some(p) => eprintln!("round {} of {}", round + 1, p.max_rounds),
        }
        let build = sides.build && round == 0;
        // The first round fixes the plan once both apps have started.
        let mut round_time = |startup: Duration| {
            plan.get_or_insert_with(|| {
                let p = RoundPlan::new(&head.load, sides.pairing, startup, until_known);
                eprintln!("{}", p.describe(startup));
                p
            })
            .round_time
        };
        let [b, h] = measure_round(
            &sides,
            [&base, &head],
            build,
            crate::record::head_started_first(round),
            &mut round_time,
        )?;
        let Some(p) = plan else {
            return Err(AbError::Setup(
                "internal: a round ended before its length was chosen".into(),
            ));
        };
        rounds_base.push(b);
        rounds_head.push(h);
        round += 1;
        let at = Look {
            round,
            min_rounds: p.min_rounds,
            max_rounds: p.max_rounds,
        };
        if !at.is_look() {
            continue;
        }
        let run = SideBySide {
            base: join_rounds(rounds_base.clone(), &head)?,
            head: join_rounds(rounds_head.clone(), &head)?,
            base_config: base,
            head_config: head,
        };
        let answer = look(&run, at);
        if answer.is_some() || at.is_last() {
            return Ok((run, answer));
        }
    }
}

/// The rounds of one side as one record: each round a run, its blocks still
/// paired with the other side's, the load summary over all of them (the
/// worst round's achieved rate).
fn join_rounds(rounds: Vec<RunRecord>, head: &Config) -> Result<RunRecord, AbError> {
    // Rounds of one A/B run pair block by block, unlike separate runs.
    let pairing = rounds.first().and_then(|r| r.pairing);
    let mut joined = RunRecord::combine(rounds).map_err(|e| AbError::Setup(e.to_string()))?;
    joined.pairing = pairing;
    if let Some(load) = crate::merge::total_load(head.load.rate, &joined.runs) {
        joined.load = crate::record::LoadSummary {
            duration_ms: joined.runs.iter().map(|r| r.load.duration_ms).sum(),
            ..load
        };
    }
    Ok(joined)
}

/// Both sides' suites, each on a port of its own, placed apart where the
/// machine allows: `(head, base)`.
fn side_configs(sides: &Sides<'_>) -> Result<(Config, Config), AbError> {
    let ports = config::free_ports::<2>();
    let mut head_config = config::load(sides.head_suite, sides.overrides, ports[1])?;
    let mut base_config = config::load(sides.base_suite, sides.overrides, ports[0])?;
    place_apart(
        &mut base_config,
        &mut head_config,
        &crate::placement::allowed(),
    );
    if base_config.base_url.authority() == head_config.base_url.authority() {
        let fixed = if head_config.port.is_none() {
            sides.head_suite
        } else {
            sides.base_suite
        };
        return Err(AbError::Setup(format!(
            "A/B mode runs two copies of the app at once, but both would use {}; write ${{PORT}} in app.command, app.ready.url and base_url of {} so that each gets its own port",
            head_config.base_url.authority(),
            fixed.display()
        )));
    }
    Ok((head_config, base_config))
}

/// One round: both apps built (first round only), started — the head
/// first when `head_first` — measured side by side for `round_time` of
/// the time they took to start, and stopped.
fn measure_round(
    sides: &Sides<'_>,
    [base_config, head_config]: [&Config; 2],
    build: bool,
    head_first: bool,
    round_time: &mut dyn FnMut(Duration) -> Duration,
) -> Result<[RunRecord; 2], AbError> {
    let log = |side: &str, what: &str| head_config.output(&format!("{side}.{what}"));
    let canonical = |path: &Path| std::fs::canonicalize(path).ok();
    let separate_trees = canonical(sides.base_suite) != canonical(sides.head_suite);
    if build {
        runner::build_app(base_config, "the base", &log("base", "build.log"))?;
        if separate_trees {
            runner::build_app(head_config, "the head", &log("head", "build.log"))?;
        }
    }
    let runtime = runner::runtime()?;
    let apps = [
        runner::AbSide {
            config: base_config,
            app_log: log("base", "app.log"),
        },
        runner::AbSide {
            config: head_config,
            app_log: log("head", "app.log"),
        },
    ];
    Ok(runtime.block_on(runner::measure_ab(
        head_config,
        apps,
        sides.pairing,
        head_first,
        round_time,
    ))?)
}

/// On a machine with 4 CPUs or more, and when the suite places nothing
/// itself: the generator on the first CPU, the base app on the first half
/// of the others, the head app on as many of the rest — so that a head that
/// burns CPU does not slow the base. Fewer CPUs are left shared (the report
/// says so).
fn place_apart(base: &mut Config, head: &mut Config, allowed: &[usize]) {
    let placed =
        |c: &Config| c.load.cpus.is_some() || c.app.as_ref().is_some_and(|a| a.cpus.is_some());
    if allowed.len() < 4 || placed(base) || placed(head) {
        return;
    }
    let (generator, apps) = allowed.split_at(1);
    let half = apps.len() / 2;
    let (base_cpus, head_cpus) = (apps[..half].to_vec(), apps[half..2 * half].to_vec());
    if let (Some(b), Some(h)) = (base.app.as_mut(), head.app.as_mut()) {
        b.cpus = Some(base_cpus);
        h.cpus = Some(head_cpus);
        head.load.cpus = Some(generator.to_vec());
    }
}

/// The gate of an A/B run: the head suite's settings, the run-to-run floor
/// calibrated beside its baselines, and the slowdowns the pull request
/// accepted by changing the stored baseline (`base_baselines` →
/// `head_baselines`).
pub fn gate(run: &SideBySide, base_baselines: &Path, head_baselines: &Path) -> GateSettings {
    let accepted = accepted(base_baselines, head_baselines, &run.head_config);
    for a in &accepted {
        eprintln!(
            "accepted in this pull request (the stored baseline records it): {}",
            a.describe()
        );
    }
    let noise = calibrate::run_noise(head_baselines, &run.head_config.suite);
    GateSettings::from_config(&run.head_config).for_ab(noise, accepted)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::place_apart;

    fn suite() -> crate::config::Config {
        let text = "version: 1\nsuite: s\napp:\n  command: [\"app\"]\nbase_url: \"http://127.0.0.1:8000\"\nendpoints:\n  - { name: home, path: / }\n";
        crate::config::parse(text, Path::new("s.yaml")).expect("valid suite")
    }

    fn cpus(c: &crate::config::Config) -> Option<Vec<usize>> {
        c.app.as_ref().and_then(|a| a.cpus.clone())
    }

    #[test]
    fn four_cpus_or_more_give_each_side_its_own() {
        let (mut base, mut head) = (suite(), suite());
        place_apart(&mut base, &mut head, &[0, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(head.load.cpus, Some(vec![0]));
        assert_eq!(cpus(&base), Some(vec![1, 2, 3]));
        assert_eq!(cpus(&head), Some(vec![4, 5, 6]));

        let (mut base, mut head) = (suite(), suite());
        place_apart(&mut base, &mut head, &[0, 1]);
        assert_eq!(
            (cpus(&base), cpus(&head), head.load.cpus),
            (None, None, None)
        );

        // The suite's own placement wins.
        let (mut base, mut head) = (suite(), suite());
        head.load.cpus = Some(vec![3]);
        place_apart(&mut base, &mut head, &[0, 1, 2, 3]);
        assert_eq!((cpus(&base), cpus(&head)), (None, None));
    }
}
