//! One measured run, from a validated suite to a [`RunRecord`]: start the app
//! (or check the target is reachable), warm up, measure, stop the app, and
//! assemble the record; and the same for both sides of an A/B round.
//!
//! Everything that can end a run early — the app dying, Ctrl-C, SIGTERM — is
//! raced against the load in one `select!`, and the [`App`] guard stops the
//! app's process group on every path out of here.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::app::{App, Exiting};
use crate::config::Config;
use crate::load::settle::Trace;
use crate::load::{self, Live, Plan, Recorded, SideRecorded};
use crate::placement;
use crate::record::{Pairing, RunRecord};

use super::assemble::{assemble, attach_resources};
use super::error::RunError;
use super::interrupts::{interrupted, Interrupts};
use super::progress::Progress;
use super::sample::{self, Unread};

/// Where the app's output goes, and the suite the record belongs to: the
/// whole suite file when `config` is one shard of it, so that the shards
/// share its fingerprint, merge, and compare with its baseline.
#[derive(Debug, Clone)]
pub struct RunOptions<'a> {
    pub app_log: PathBuf,
    pub suite: &'a Config,
}

/// A single-threaded runtime: the generator keeps to one core and leaves
/// the other to the app.
pub fn runtime() -> Result<tokio::runtime::Runtime, RunError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| RunError::Setup {
            what: "cannot start the async runtime",
            source,
        })
}

/// Runs the suite once and returns what it measured.
pub fn measure_once(config: &Config, options: &RunOptions<'_>) -> Result<RunRecord, RunError> {
    runtime()?.block_on(measure(config, options))
}

/// Runs the app's build command, if the suite has one, with its output to
/// `log`.
pub fn build_app(config: &Config, what: &str, log: &Path) -> Result<(), RunError> {
    let Some(app) = config.app.as_ref().filter(|app| app.build.is_some()) else {
        return Ok(());
    };
    runtime()?.block_on(build(app, log, what))
}

/// Warns when the measured time holds too few blocks to compare (A/B mode
/// warns once for all its rounds: their blocks are compared together).
pub fn warn_about_blocks(config: &Config) {
    let load = &config.load;
    let blocks = load.duration.as_nanos() / load.block.as_nanos().max(1);
    if blocks < crate::stats::MIN_BLOCKS as u128 {
        eprintln!(
            "benchgate: warning: {:?} of {:?} blocks is {blocks} block(s); the gate needs at least {} per run to compare (use a longer --duration or a shorter --block)",
            load.duration,
            load.block,
            crate::stats::MIN_BLOCKS
        );
    }
}

/// Runs the suite once and returns what it measured.
pub async fn measure(config: &Config, options: &RunOptions<'_>) -> Result<RunRecord, RunError> {
    warn_about_blocks(config);
    let plan = Arc::new(Plan::new(config)?);
    let mut interrupt = Interrupts::new()?;
    let mut apps = match &config.app {
        Some(app) => vec![start(app, &options.app_log, "the app", &mut interrupt, false).await?],
        None => {
            check_reachable(config).await?;
            Vec::new()
        }
    };
    let (recorded, cpu, started, readings) = load_while_watching(
        config,
        &plan,
        &mut apps,
        &["the app"],
        &mut interrupt,
        false,
    )
    .await?;
    crate::app::stop_all(&mut apps);
    let measured_start = started + config.load.warmup;
    let [side] = split_sides::<1>(recorded)?;
    let measured = match &config.app {
        Some(_) => readings.map(|r| (r, 0)),
        None => Err(Unread::NotStarted),
    };
    let mut record = assemble(
        config,
        options.suite,
        &plan,
        side,
        cpu,
        measured_start,
        config,
    );
    attach_resources(
        &mut record,
        measured
            .as_ref()
            .map(|(r, s)| (r.as_slice(), *s))
            .map_err(Unread::clone),
    );
    Ok(record)
}

/// One side of an A/B run: the suite file of its own tree (for the app, its
/// build and its port) and where its app's output goes.
#[derive(Debug, Clone)]
pub struct AbSide<'a> {
    pub config: &'a Config,
    pub app_log: PathBuf,
}

/// Runs base and head side by side: both apps started (each from its own
/// tree's suite file), then the head suite's endpoints and load replayed
/// against both at once, split by `pairing`. Returns `[base, head]`, whose
/// blocks pair by index. The apps start in that order, or head first.
/// The measured time is `round_time` of the time both apps took to start.
/// A `quiet` round logs nothing (the run's progress says where it is).
/// With `trace`, also every request from the first, warm-up included (see
/// [`crate::load::settle`]). The apps are sent SIGTERM once the load is
/// over and returned exiting: the caller works meanwhile, and hands them
/// back as the next round's `last`, which waits for them to be gone once
/// its own apps have started, before its load.
pub async fn measure_ab(
    head_suite: &Config,
    sides: [AbSide<'_>; 2],
    pairing: Pairing,
    (head_first, trace): (bool, bool),
    round_time: &mut dyn FnMut(std::time::Duration) -> std::time::Duration,
    (quiet, last): (bool, Option<Exiting>),
) -> Result<([RunRecord; 2], Option<Trace>, Exiting), RunError> {
    let mut interrupt = Interrupts::new()?;
    let starting = std::time::Instant::now();
    let mut apps = start_both(&sides, head_first, &mut interrupt, quiet).await?;
    // The last round's apps exited while these started (a prefork server
    // takes half a second to see its workers out): gone before any load.
    drop(last);
    let mut round = head_suite.clone();
    round.load.duration = round_time(starting.elapsed());
    let on = Pair {
        sides: &sides,
        pairing,
        quiet,
    };
    let (records, trace) = on.load(&round, trace, &mut apps, &mut interrupt).await?;
    Ok((records, trace, Exiting::signal(apps)))
}

/// Runs base and head side by side in stages on one pair of apps: both
/// started once, then each stage's load replayed against both — the head
/// suite `first`, then each suite `next` returns given the last stage's
/// `[base, head]`, until it returns `None` — and the apps stopped. For a
/// ramp of rates, whose stages need apps that carried the last one, not
/// fresh ones.
pub async fn measure_ab_stages(
    first: &Config,
    sides: [AbSide<'_>; 2],
    pairing: Pairing,
    next: &mut dyn FnMut([RunRecord; 2]) -> Option<Config>,
) -> Result<(), RunError> {
    let mut interrupt = Interrupts::new()?;
    let mut apps = start_both(&sides, false, &mut interrupt, false).await?;
    let on = Pair {
        sides: &sides,
        pairing,
        quiet: true,
    };
    let mut stage = first.clone();
    loop {
        let (records, _) = on.load(&stage, false, &mut apps, &mut interrupt).await?;
        match next(records) {
            Some(config) => stage = config,
            None => break,
        }
    }
    crate::app::stop_all(&mut apps);
    Ok(())
}

/// Both sides' apps as one A/B load sees them.
struct Pair<'s, 'c> {
    sides: &'s [AbSide<'c>; 2],
    pairing: Pairing,
    quiet: bool,
}

impl Pair<'_, '_> {
    /// The head suite's endpoints and load replayed against both running
    /// `apps` at once: `[base, head]`, their blocks paired by index, and
    /// with `trace` every request from the first (warm-up included).
    async fn load(
        &self,
        head_suite: &Config,
        trace: bool,
        apps: &mut [App],
        interrupt: &mut Interrupts,
    ) -> Result<([RunRecord; 2], Option<Trace>), RunError> {
        let sides = self.sides;
        let bases = [&sides[0].config.base_url, &sides[1].config.base_url];
        let mut plan = Plan::paired(head_suite, bases, self.pairing)?;
        plan.trace = trace.then_some(head_suite.load.rate);
        let plan = Arc::new(plan);
        let (mut recorded, cpu, started, readings) = load_while_watching(
            head_suite,
            &plan,
            apps,
            &["the base app", "the head app"],
            interrupt,
            self.quiet,
        )
        .await?;
        let measured_start = started + head_suite.load.warmup;
        let trace = recorded.trace.take();
        let [base, head] = split_sides::<2>(recorded)?;
        let assemble_side = |recorded, side: &AbSide, index: usize| {
            let mut record = assemble(
                head_suite,
                head_suite,
                &plan,
                recorded,
                cpu / 2.0,
                measured_start,
                side.config,
            );
            attach_resources(
                &mut record,
                readings
                    .as_ref()
                    .map(|r| (r.as_slice(), index))
                    .map_err(Unread::clone),
            );
            record
        };
        Ok((
            [
                assemble_side(base, &sides[0], 0),
                assemble_side(head, &sides[1], 1),
            ],
            trace,
        ))
    }
}

/// Starts both sides' apps: spawned in that order (head first when
/// `head_first`), then waited for together, so that the second starts up
/// while the first does — a round waits for the slower app, not for the
/// sum of both. Returns `[base, head]`.
async fn start_both(
    sides: &[AbSide<'_>; 2],
    head_first: bool,
    interrupt: &mut Interrupts,
    quiet: bool,
) -> Result<Vec<App>, RunError> {
    let names = ["the base app", "the head app"];
    let failed = |index: usize| {
        move |source| RunError::App {
            what: names[index].to_string(),
            source: Box::new(source),
        }
    };
    let mut configs = Vec::new();
    for (side, name) in sides.iter().zip(["base", "head"]) {
        configs.push(side.config.app.as_ref().ok_or_else(|| {
            RunError::Suite(format!(
                "{}: A/B mode starts the app itself; add app.command to the {name}'s suite file",
                side.config.path.display()
            ))
        })?);
    }
    let order = if head_first { [1, 0] } else { [0, 1] };
    let mut launched: [Option<App>; 2] = [None, None];
    for index in order {
        let (app, log) = (configs[index], &sides[index].app_log);
        if !quiet {
            say_starting(app, log, names[index]);
        }
        launched[index] = Some(tokio::select! {
            app = App::launch(app, log) => app.map_err(failed(index))?,
            signal = interrupt.next() => return Err(interrupted(signal)),
        });
    }
    let [Some(mut base), Some(mut head)] = launched else {
        return Err(RunError::Internal("an A/B round launched one app only"));
    };
    tokio::select! {
        ready = async {
            tokio::try_join!(
                async { base.ready(configs[0]).await.map_err(failed(0)) },
                async { head.ready(configs[1]).await.map_err(failed(1)) },
            )
        } => { ready?; }
        signal = interrupt.next() => return Err(interrupted(signal)),
    }
    if !quiet {
        for (app, name) in [(&base, names[0]), (&head, names[1])] {
            eprintln!("{name} is ready (pid {})", app.pid());
        }
    }
    Ok(vec![base, head])
}

fn say_starting(app: &crate::config::AppConfig, log: &Path, what: &str) {
    eprintln!(
        "starting {what}: {} (log: {})",
        app.command.join(" "),
        log.display()
    );
}

/// Runs the app's build command to completion (output to `log`).
pub async fn build(app: &crate::config::AppConfig, log: &Path, what: &str) -> Result<(), RunError> {
    let Some(command) = &app.build else {
        return Ok(());
    };
    let mut interrupt = Interrupts::new()?;
    eprintln!(
        "building {what}: {} (log: {})",
        command.join(" "),
        log.display()
    );
    tokio::select! {
        built = crate::app::build(app, log) => built.map_err(|source| RunError::App { what: what.to_string(), source: Box::new(source) }),
        signal = interrupt.next() => Err(interrupted(signal)),
    }
}

async fn start(
    app: &crate::config::AppConfig,
    log: &Path,
    what: &str,
    interrupt: &mut Interrupts,
    quiet: bool,
) -> Result<App, RunError> {
    if !quiet {
        say_starting(app, log, what);
    }
    let started = tokio::select! {
        app = App::start(app, log) => app.map_err(|source| RunError::App { what: what.to_string(), source: Box::new(source) })?,
        signal = interrupt.next() => return Err(interrupted(signal)),
    };
    if !quiet {
        eprintln!("{what} is ready (pid {})", started.pid());
    }
    Ok(started)
}

/// What each block boundary read of the apps' process trees, or why
/// nothing was read.
type Readings = Result<Vec<sample::Reading>, Unread>;

/// Replays the plan while watching every app and the signals; stops the
/// apps when that ends early (the caller stops them otherwise). Returns what was recorded, the generator's CPU seconds,
/// when the warm-up started and the apps' resource readings. `names` says
/// what each app is ("the head app"), for the message when one dies.
async fn load_while_watching(
    config: &Config,
    plan: &Arc<Plan>,
    apps: &mut [App],
    names: &[&str],
    interrupt: &mut Interrupts,
    quiet: bool,
) -> Result<(Recorded, f64, SystemTime, Readings), RunError> {
    let live = Arc::new(Live::default());
    let blocks = config
        .load
        .duration
        .as_nanos()
        .div_ceil(config.load.block.as_nanos().max(1)) as usize;
    let sampler = match crate::app::resources::unavailable() {
        _ if apps.is_empty() => None,
        Some(_) => None,
        None => Some(sample::Sampler::start(
            apps.iter()
                .map(|a| nix::unistd::Pid::from_raw(a.pid()))
                .collect(),
            Arc::clone(&live),
            plan.block,
            blocks,
        )),
    };
    let progress = Progress::start(config, plan, Arc::clone(&live), quiet);
    // The generator runs on this thread (a current-thread runtime); the
    // guard unpins it on every way out of here.
    let load_pinned = match &config.load.cpus {
        Some(cpus) => Some(placement::pin_current_thread(cpus).map_err(RunError::Placement)?),
        None => None,
    };
    let cpu_before = cpu_seconds();
    let started = SystemTime::now();
    let ended = tokio::select! {
        recorded = load::run(Arc::clone(plan), live) => Ok(recorded),
        (index, died) = watch(apps) => Err(RunError::App {
            what: names.get(index).unwrap_or(&"the app").to_string(),
            source: Box::new(died),
        }),
        signal = interrupt.next() => Err(interrupted(signal)),
    };
    let recorded = match ended {
        Ok(recorded) => recorded,
        Err(e) => {
            // Every app at once, not one grace after another.
            crate::app::stop_all(apps);
            return Err(e);
        }
    };
    let cpu = cpu_seconds() - cpu_before;
    let readings = match sampler {
        Some(sampler) => Ok(sampler.finish()),
        None => {
            Err(crate::app::resources::unavailable().map_or(Unread::NoApp, Unread::Unavailable))
        }
    };
    drop(load_pinned);
    progress.finish();
    Ok((recorded, cpu, started, readings))
}

fn split_sides<const N: usize>(recorded: Recorded) -> Result<[SideRecorded; N], RunError> {
    recorded
        .sides
        .try_into()
        .map_err(|_| RunError::Internal("the generator returned the wrong number of sides"))
}

/// Resolves when any of the apps exits on its own: which one, and how.
async fn watch(apps: &mut [App]) -> (usize, crate::app::AppError) {
    match apps {
        [] => std::future::pending().await,
        [app] => (0, app.watch().await),
        [first, second, ..] => tokio::select! {
            died = first.watch() => (0, died),
            died = second.watch() => (1, died),
        },
    }
}

async fn check_reachable(config: &Config) -> Result<(), RunError> {
    let addr = config.base_url.authority();
    let connect = tokio::net::TcpStream::connect(&addr);
    match tokio::time::timeout(Duration::from_secs(5), connect).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(RunError::Unreachable {
            addr,
            cause: e.to_string(),
        }),
        Err(_) => Err(RunError::Unreachable {
            addr,
            cause: "no answer within 5s".into(),
        }),
    }
}

/// CPU time (user + system) this process has used, in seconds.
fn cpu_seconds() -> f64 {
    use nix::sys::resource::{getrusage, UsageWho};
    match getrusage(UsageWho::RUSAGE_SELF) {
        Ok(usage) => {
            let secs = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
            secs(usage.user_time()) + secs(usage.system_time())
        }
        Err(_) => 0.0,
    }
}
