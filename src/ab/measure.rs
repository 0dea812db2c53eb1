//! Measuring both sides side by side, round by round: each round starts
//! both apps afresh (on new ports, in alternating order, with a fresh seed
//! unless the suite gives one), measures and stops them. Two instances of
//! one build keep an offset for as long as they live; across rounds it
//! varies, so the comparison can see it (Kalibera & Jones 2013: repeat at
//! the level where the variation is).
//!
//! The rounds are a [`Measurer`]: a fixed-length run ([`measure`]) takes
//! them to the end of `load.duration`, a run measured until known
//! ([`measure_until`]) goes through [`crate::stopping`]'s looks.

use std::path::Path;
use std::time::Duration;

use crate::app::Exiting;
use crate::compare::GateSettings;
use crate::config::{Config, Overrides};
use crate::load::settle::Trace;
use crate::record::{self, RunRecord};
use crate::runner;
use crate::stopping::{self, Known, Look, Measurer, Unit};

use super::error::AbError;
use super::fallback::RateFallback;
use super::rounds::RoundPlan;
use super::sides::{SideBySide, SideSuites, Sides};

/// Builds the base and this tree's app, then measures them side by side
/// with this tree's endpoints and load for `load.duration`, in rounds. For
/// `calibrate`: a fixed length, no looks.
pub fn measure(sides: Sides<'_>) -> Result<SideBySide, AbError> {
    let suites = SideSuites::resolve(sides)?;
    let mut rounds = Rounds::new(&suites, false);
    while !rounds.measure_next()?.is_last() {}
    rounds.so_far()
}

/// Builds the base and this tree's app, then measures them side by side
/// with this tree's endpoints and load in rounds of equal length, until a
/// look with the suite's `gate` stops the run (see [`crate::stopping`]).
///
/// `load.duration` is split into rounds as long as the apps took to start
/// in the first (at least 2 s, see [`RoundPlan`]); the run goes on round
/// by round up to `load.max_duration` (at most [`stopping::MAX_LOOKS`]
/// rounds), with a look after every round from the last of
/// `load.duration` on. The rounds' blocks are joined into one record per
/// side, each round a run. With a `fallback` (the rate was chosen by
/// `rate: auto`), a round that neither side carried starts the run again
/// at a lower rate.
pub fn measure_until(
    suites: &SideSuites<'_>,
    gate: &GateSettings,
    fallback: Option<RateFallback>,
) -> Result<Known<SideBySide>, AbError> {
    let mut rounds = Rounds::new(suites, true);
    rounds.fallback = fallback;
    stopping::measure_until(&mut rounds, gate)
}

/// The rounds of one A/B run so far.
struct Rounds<'a> {
    suites: &'a SideSuites<'a>,
    until_known: bool,
    /// Fixed once both apps have started in the first round.
    plan: Option<RoundPlan>,
    /// The warm-up of the rounds after the first, and why: fixed by how
    /// long the first round's apps took to settle.
    warmup: Option<(Duration, String)>,
    /// The last round's suites: `(base, head)`.
    configs: Option<(Config, Config)>,
    /// The last round's apps, sent SIGTERM when its load ended: they exit
    /// while the rounds are joined and looked at and the next round's apps
    /// start, and are waited for before that round's load (or when the
    /// rounds are dropped).
    exiting: Option<Exiting>,
    base: Vec<RunRecord>,
    head: Vec<RunRecord>,
    /// On a terminal, the rounds so far against the most the budget allows.
    bar: Option<indicatif::ProgressBar>,
    /// `rate: auto`'s fallback, and the rate it set (none: the suite's).
    fallback: Option<RateFallback>,
    rate: Option<f64>,
}

impl<'a> Rounds<'a> {
    fn new(suites: &'a SideSuites<'a>, until_known: bool) -> Rounds<'a> {
        runner::warn_about_blocks(suites.head());
        Rounds {
            suites,
            until_known,
            plan: None,
            warmup: None,
            configs: None,
            exiting: None,
            base: Vec::new(),
            head: Vec::new(),
            bar: None,
            fallback: None,
            rate: None,
        }
    }
}

impl Measurer for Rounds<'_> {
    type Measured = SideBySide;
    type Error = AbError;

    fn unit(&self) -> Unit {
        Unit::Round
    }

    fn measure_next(&mut self) -> Result<Look, AbError> {
        let round = self.head.len() as u32;
        let (mut head, mut base) = self.suites.for_round(round)?;
        for config in [&mut head, &mut base] {
            if let Some((warmup, _)) = &self.warmup {
                config.load.warmup = *warmup;
            }
            if let Some(rate) = self.rate {
                config.load.rate = rate;
            }
        }
        // After the first round, one line per look (and a bar on a
        // terminal) says where the run is; the rounds log nothing but their
        // number when no look will come before the last.
        if round == 0 || self.plan.is_some_and(|p| p.min_rounds == p.max_rounds) {
            self.say(&heading(self.plan, round));
        }
        let sides = &self.suites.sides;
        let until_known = self.until_known;
        let plan = &mut self.plan;
        // The first round fixes the plan once both apps have started.
        let mut round_time = |startup: Duration| {
            plan.get_or_insert_with(|| {
                let p = RoundPlan::new(&head.load, sides.pairing, startup, until_known);
                eprintln!("{}", p.describe(startup));
                p
            })
            .round_time
        };
        let ([b, h], trace, exiting) = measure_round(
            sides,
            [&base, &head],
            sides.build && round == 0,
            (record::head_started_first(round), round == 0),
            &mut round_time,
            // Nothing of the last round runs beside this one's load.
            (round > 0, self.exiting.take()),
        )?;
        self.exiting = Some(exiting);
        let Some(p) = self.plan else {
            return Err(AbError::Setup(
                "internal: a round ended before its length was chosen".into(),
            ));
        };
        // A run of one round has no later round to warm up.
        if let Some(trace) = trace.filter(|_| p.max_rounds > 1) {
            let chosen =
                super::rounds::round_warmup(trace.settling_time(), &head.load, p.round_time);
            eprintln!("{}", chosen.1);
            self.warmup = Some(chosen);
        }
        if let Some(lower) = self.lower_rate(head.load.rate, &b, &h) {
            self.rate = Some(lower);
            return Ok(Look {
                round: 0,
                min_rounds: p.min_rounds,
                max_rounds: p.max_rounds,
            });
        }
        self.base.push(b);
        self.head.push(h);
        self.configs = Some((base, head));
        self.bar
            .get_or_insert_with(|| rounds_bar(p.max_rounds))
            .set_position(u64::from(round + 1));
        Ok(Look {
            round: round + 1,
            min_rounds: p.min_rounds,
            max_rounds: p.max_rounds,
        })
    }

    fn so_far(&self) -> Result<SideBySide, AbError> {
        let Some((base_config, head_config)) = self.configs.clone() else {
            return Err(AbError::Setup("internal: no round was measured".into()));
        };
        let said: Vec<String> = (self.fallback.iter().flat_map(|f| f.said().iter()))
            .chain(self.warmup.as_ref().map(|(_, said)| said))
            .cloned()
            .collect();
        Ok(SideBySide {
            base: join_rounds(self.base.clone(), &head_config, &said)?,
            head: join_rounds(self.head.clone(), &head_config, &said)?,
            base_config,
            head_config,
        })
    }

    fn sides<'m>(&'m self, run: &'m SideBySide) -> [&'m RunRecord; 2] {
        [&run.base, &run.head]
    }

    fn say(&self, line: &str) {
        match &self.bar {
            Some(bar) if !bar.is_hidden() => bar.println(line),
            _ => eprintln!("{line}"),
        }
    }
}

impl Rounds<'_> {
    /// When `rate: auto`'s fallback lowers the rate after a round at
    /// `rate` that neither side carried: the rounds so far set aside, and
    /// the rate the run starts again at.
    fn lower_rate(&mut self, rate: f64, base: &RunRecord, head: &RunRecord) -> Option<f64> {
        let lower = self.fallback.as_mut()?.after_round(rate, base, head)?;
        if let Some(said) = self.fallback.as_ref().and_then(|f| f.said().last()) {
            self.say(said);
        }
        // The rounds set aside (and the one just measured) were spent: the
        // budget is the run's, not each rate's.
        let spent = self.head.len() as u32 + 1;
        if let Some(plan) = self.plan.as_mut() {
            plan.max_rounds = plan.max_rounds.saturating_sub(spent).max(plan.min_rounds);
        }
        self.base.clear();
        self.head.clear();
        if let Some(bar) = &self.bar {
            bar.set_position(0);
        }
        Some(lower)
    }
}

impl Drop for Rounds<'_> {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// The bar of an A/B run's rounds, up to `max_rounds`: drawn on a terminal
/// only, hidden in a pipe or a CI log.
fn rounds_bar(max_rounds: u32) -> indicatif::ProgressBar {
    if !runner::live_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(u64::from(max_rounds));
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "   rounds [{bar:30}] {pos}/{len} at most, {elapsed} elapsed",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(500));
    bar
}

/// The line that opens round `round` (from 0).
fn heading(plan: Option<RoundPlan>, round: u32) -> String {
    match plan {
        None => "round 1".to_string(),
        Some(p) if p.max_rounds > p.min_rounds => format!(
            "round {} (at least {}, at most {} until every gated metric is decided)",
            round + 1,
            p.min_rounds,
            p.max_rounds
        ),
        Some(p) => format!("round {} of {}", round + 1, p.max_rounds),
    }
}

/// The rounds of one side as one record: each round a run, its blocks still
/// paired with the other side's, the load summary over all of them (the
/// time-weighted achieved rate of its rounds).
fn join_rounds(
    rounds: Vec<RunRecord>,
    head: &Config,
    chosen: &[String],
) -> Result<RunRecord, AbError> {
    // Rounds of one A/B run pair block by block, unlike separate runs.
    let pairing = rounds.first().and_then(|r| r.pairing);
    let mut joined = RunRecord::combine(rounds)?;
    joined.pairing = pairing;
    joined.provenance.chosen.extend(chosen.iter().cloned());
    if let Some(load) = record::total_load(head.load.rate, &joined.runs, record::Joined::Repeats) {
        joined.load = record::LoadSummary {
            duration_ms: joined.runs.iter().map(|r| r.load.duration_ms).sum(),
            ..load
        };
    }
    Ok(joined)
}

/// Both apps built: the base's, and the head's when it is another tree.
fn build_both(sides: &Sides<'_>, [base_config, head_config]: [&Config; 2]) -> Result<(), AbError> {
    let canonical = |path: &Path| std::fs::canonicalize(path).ok();
    let log = |side: &str| head_config.output(&format!("{side}.build.log"));
    runner::build_app(base_config, "the base", &log("base"))?;
    if canonical(sides.base_suite) != canonical(sides.head_suite) {
        runner::build_app(head_config, "the head", &log("head"))?;
    }
    Ok(())
}

/// Each side's suite and where its app's output goes.
fn app_sides<'c>([base_config, head_config]: [&'c Config; 2]) -> [runner::AbSide<'c>; 2] {
    let log = |side: &str| head_config.output(&format!("{side}.app.log"));
    [
        runner::AbSide {
            config: base_config,
            app_log: log("base"),
        },
        runner::AbSide {
            config: head_config,
            app_log: log("head"),
        },
    ]
}

/// One round: both apps built (first round only), started — the head
/// first when `head_first` — measured side by side for `round_time` of
/// the time they took to start (with a trace when `trace`) once the
/// `last` round's are gone, and sent SIGTERM: returned exiting.
fn measure_round(
    sides: &Sides<'_>,
    configs: [&Config; 2],
    build: bool,
    (head_first, trace): (bool, bool),
    round_time: &mut dyn FnMut(Duration) -> Duration,
    (quiet, last): (bool, Option<Exiting>),
) -> Result<([RunRecord; 2], Option<Trace>, Exiting), AbError> {
    if build {
        build_both(sides, configs)?;
    }
    let runtime = runner::runtime()?;
    Ok(runtime.block_on(runner::measure_ab(
        configs[1],
        app_sides(configs),
        sides.pairing,
        (head_first, trace),
        round_time,
        (quiet, last),
    ))?)
}

/// Builds the base and this tree's app (when `sides.build`), starts them
/// once, and measures them side by side in stages, each with this tree's
/// endpoints: the first with the load `sides.overrides` gives, each later
/// one with the load the overrides `next` returns give, given the last
/// stage's records (base, head), until it returns `None`. For `rate:
/// auto`'s and `benchgate capacity`'s ramps.
pub fn measure_stages(
    sides: Sides<'_>,
    next: &mut dyn FnMut(&RunRecord, &RunRecord) -> Option<Overrides>,
) -> Result<(), AbError> {
    let suites = SideSuites::resolve(sides)?;
    let (head, base) = suites.for_round(0)?;
    if sides.build {
        build_both(&sides, [&base, &head])?;
    }
    let mut stage = |[b, h]: [RunRecord; 2]| {
        next(&b, &h).map(|overrides| {
            let mut later = head.clone();
            overrides.apply(&mut later.load);
            later
        })
    };
    let runtime = runner::runtime()?;
    Ok(runtime.block_on(runner::measure_ab_stages(
        &head,
        app_sides([&base, &head]),
        sides.pairing,
        &mut stage,
    ))?)
}
