//! The commands: each wires the stages (config → runner or ab → record →
//! compare → report → github) and returns an exit code. No stage's output is
//! changed here; the work lives in the stages.

mod bisect;
mod context;
mod gate;
mod history;
mod publish;
mod rate;
mod side_by_side;
mod size;

use std::io::Write as _;
use std::path::Path;

use crate::cli::{
    BaselineCommand, CalibrateArgs, CapacityArgs, CheckArgs, Command, CompareArgs, HistoryCommand,
    MergeArgs, ReportArgs, RunArgs, SaveArgs, UpdateArgs,
};
use crate::compare::{self, GateSettings};
use crate::config::{Config, Overrides};
use crate::exit::{Code, Failure};
use crate::record::RunRecord;
use crate::report;
use crate::runner::{self, RunOptions};
use crate::{ab, baseline, calibrate, files, merge};

use context::{Ports, Suite};
use gate::{gate, refuse, refuse_unanswered, warn_above_capacity, warn_unjudgeable};
use size::{refuse_unreadable, Joins};

pub fn dispatch(command: Command) -> Result<Code, Failure> {
    match command {
        Command::Run(args) => run(&args),
        Command::Check(args) => match &args.ab {
            Some(reference) => side_by_side::check_ab(&args, reference),
            None => check(&args),
        },
        Command::Ab(args) => side_by_side::ab(&args),
        Command::Calibrate(args) => calibrate(&args),
        Command::Capacity(args) => capacity(&args),
        Command::Compare(args) => compare_files(&args),
        Command::Report(args) => report_file(&args),
        Command::Publish(args) => publish::publish(&args),
        Command::Merge(args) => merge_files(&args),
        Command::Baseline(BaselineCommand::Update(args)) => baseline_update(&args),
        Command::Baseline(BaselineCommand::Save(args)) => baseline_save(&args),
        Command::History(HistoryCommand::Append(args)) => history::append(&args),
        Command::History(HistoryCommand::Show(args)) => history::show(&args),
        Command::Bisect(args) => bisect::bisect(&args),
        Command::Validate(args) => validate(&args.config),
        Command::Init(args) => crate::init::init(&args.dir),
    }
}

fn validate(path: &Path) -> Result<Code, Failure> {
    let Suite { config, .. } = Suite::resolve(path, &Overrides::default(), None, Ports::Unbound)?;
    refuse_unreadable(&config, Joins::StoredRuns)?;
    refuse_unreadable(&config, Joins::Rounds)?;
    warn_unjudgeable(&config, compare::Span::Duration);
    let rate = match config.load.rate_auto {
        true => "a rate chosen from the app (rate: auto)".to_string(),
        false => format!("{}/s", config.load.rate),
    };
    println!(
        "{}: suite {} is valid: {} endpoint(s), {rate} for {:?} after {:?} of warm-up",
        path.display(),
        config.suite,
        config.endpoints.len(),
        config.load.duration,
        config.load.warmup
    );
    Ok(Code::Pass)
}

fn run(args: &RunArgs) -> Result<Code, Failure> {
    let Suite {
        config: mut suite, ..
    } = Suite::to_measure(&args.suite, None)?;
    let chosen = match args.shard {
        Some(_) => rate::refuse_for_shards(&suite).map(|()| None)?,
        None => {
            let path = &args.suite.config.config;
            rate::probe(&mut suite, path, path, crate::record::Pairing::Random)?
        }
    };
    let (config, out) = match args.shard {
        Some(shard) => {
            let sharded = merge::shard_config(&suite, shard).map_err(Failure::usage)?;
            let names: Vec<&str> = sharded.endpoints.iter().map(|e| e.name.as_str()).collect();
            eprintln!(
                "shard {shard}: {} at {:.2}/s of the suite's {}/s",
                names.join(", "),
                sharded.load.rate,
                suite.load.rate
            );
            let name = format!("shard-{}-of-{}.results.json", shard.index, shard.count);
            (sharded, suite.output(&name))
        }
        None => (suite.clone(), suite.output("results.json")),
    };
    let out = args.out.clone().unwrap_or(out);
    runner::build_app(&config, "the app", &config.output("build.log"))?;
    let mut record = runner::measure_once(&config, &run_options(&suite))?;
    rate::note(&mut record, chosen.as_deref());
    files::write_json(&out, &record)?;
    print_run(&record)?;
    println!("results: {}", out.display());
    refuse_unanswered(&record)?;
    Ok(Code::Pass)
}

fn check(args: &CheckArgs) -> Result<Code, Failure> {
    let Suite {
        mut config,
        baselines: dir,
        settings,
    } = Suite::to_measure(&args.suite, args.baselines.baselines.as_deref())?;
    // The rate is judged once it is known: a fixed one before the baseline
    // is read (a missing baseline is the next thing said), `rate: auto`'s
    // once the baseline gives it.
    if !config.load.rate_auto {
        warn_about_rate(&config, &dir);
    }
    let base = baseline::load(&dir, &config.suite)?;
    if let Some(commit) = ab::foreign_baseline_commit(&base, &config) {
        return side_by_side::check_ab(args, &commit);
    }
    let chosen = rate::from_baseline(&mut config, &base);
    if chosen.is_some() {
        warn_about_rate(&config, &dir);
    }
    refuse_unreadable(&config, Joins::StoredRuns)?;
    let (measured, _) = compare::measured(&config);
    compare::check_comparable(&base.measured, &measured).map_err(|changes| refuse(&changes))?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| config.output("results.json"));
    runner::build_app(&config, "the app", &config.output("build.log"))?;
    let mut known =
        runner::runs::measure_until(&config, &run_options(&config), true, &base, &settings)?;
    rate::note(&mut known.measured, chosen.as_deref());
    files::write_json(&out, &known.measured)?;
    eprintln!("results: {}", out.display());
    gate(known.comparison, &dir, &args.output)
}

/// What a stored check's rate cannot do: judge the gated metrics in
/// `load.duration`, or stay clear of the capacity measured on this runner.
fn warn_about_rate(config: &crate::config::Config, dir: &Path) {
    warn_unjudgeable(config, compare::Span::Duration);
    warn_above_capacity(config, dir);
}

fn compare_files(args: &CompareArgs) -> Result<Code, Failure> {
    let base = baseline::read_record(&args.base)?;
    let head = baseline::read_record(&args.head)?;
    if base.suite != head.suite {
        return Err(Failure::usage(format!(
            "{} holds suite {} but {} holds suite {}",
            args.base.display(),
            base.suite,
            args.head.display(),
            head.suite
        )));
    }
    compare::check_comparable(&base.measured, &head.measured)
        .map_err(|changes| refuse(&changes))?;
    let default_suite = Path::new("benchgate.yaml");
    let suite = args
        .config
        .as_deref()
        .or(default_suite.exists().then_some(default_suite));
    let settings = match suite {
        Some(path) => {
            let Suite {
                config, settings, ..
            } = Suite::resolve(path, &Overrides::default(), None, Ports::Unbound)?;
            if config.suite != head.suite {
                return Err(Failure::usage(format!(
                    "{} and {} hold suite {:?}, but {} describes suite {:?}; pass the suite file they were measured with (--config)",
                    args.base.display(),
                    args.head.display(),
                    head.suite,
                    path.display(),
                    config.suite
                )));
            }
            settings
        }
        None => GateSettings::defaults(),
    };
    // A base that is a stored baseline has its history beside it.
    let dir = args.base.parent().unwrap_or(Path::new("."));
    gate(compare::compare(&base, &head, &settings), dir, &args.output)
}

/// Joins results files of one suite into one, written atomically.
fn merge_files(args: &MergeArgs) -> Result<Code, Failure> {
    let mut inputs = Vec::new();
    for path in &args.results {
        inputs.push((path.clone(), baseline::read_record(path)?));
    }
    merge::warn_about_commits(&inputs);
    let merged = merge::merge(inputs).map_err(Failure::usage)?;
    files::write_json(&args.out, &merged)?;
    print_run(&merged)?;
    println!(
        "merged {} file(s), {} run(s), {} endpoint(s) of suite {}: {}",
        args.results.len(),
        merged.run_count(),
        merged.endpoints.len(),
        merged.suite,
        args.out.display()
    );
    Ok(Code::Pass)
}

/// Renders a saved comparison in the asked format, to `--out` or stdout.
pub fn report_file(args: &ReportArgs) -> Result<Code, Failure> {
    let report = report::read(&args.comparison).map_err(Failure::usage)?;
    let mut bytes = Vec::new();
    report::write(&report, args.format.into(), &mut bytes)
        .map_err(|e| Failure::run(format!("cannot render the comparison: {e}")))?;
    match &args.out {
        Some(path) => files::write_atomic(path, &bytes)?,
        None => std::io::stdout()
            .write_all(&bytes)
            .map_err(|e| Failure::run(format!("cannot print the comparison: {e}")))?,
    }
    Ok(Code::Pass)
}

/// `benchgate calibrate`: A/A runs, the noise table, the saved floor.
fn calibrate(args: &CalibrateArgs) -> Result<Code, Failure> {
    let path = &args.suite.config.config;
    let mut overrides = args.suite.overrides();
    let Suite { mut config, .. } = Suite::resolve(path, &overrides, None, Ports::Unbound)?;
    // The noise of the rate the gate's runs will choose.
    if rate::probe(&mut config, path, path, args.pairing.into())?.is_some() {
        overrides.rate = Some(config.load.rate);
    }
    let calibration = calibrate::run(
        path,
        &overrides,
        args.baselines.baselines.as_deref(),
        args.runs,
        args.pairing.into(),
    )?;
    report::calibration::print(&calibration, &mut std::io::stdout())
        .map_err(|e| Failure::run(format!("cannot print: {e}")))?;
    Ok(Code::Pass)
}

/// `benchgate capacity`: the ramp, its table and the saved suggestion.
fn capacity(args: &CapacityArgs) -> Result<Code, Failure> {
    let probe = crate::capacity::probe(&args.config.config, args.baselines.baselines.as_deref())?;
    report::capacity::print(&probe, &mut std::io::stdout())
        .map_err(|e| Failure::run(format!("cannot print: {e}")))?;
    Ok(Code::Pass)
}

fn baseline_update(args: &UpdateArgs) -> Result<Code, Failure> {
    let Suite {
        mut config,
        baselines: dir,
        ..
    } = Suite::to_measure(&args.suite, args.baselines.baselines.as_deref())?;
    refuse_unreadable(&config, Joins::Runs(args.runs))?;
    let path = &args.suite.config.config;
    let chosen = rate::probe(&mut config, path, path, crate::record::Pairing::Random)?;
    warn_unjudgeable(&config, compare::Span::Duration);
    let mut runs = Vec::new();
    runner::build_app(&config, "the app", &config.output("build.log"))?;
    for run in 1..=args.runs {
        eprintln!("baseline run {run} of {}", args.runs);
        let mut record = runner::measure_once(&config, &run_options(&config))?;
        rate::note(&mut record, chosen.as_deref());
        runs.push(record);
    }
    save_baseline(&dir, runs)
}

fn baseline_save(args: &SaveArgs) -> Result<Code, Failure> {
    let Suite {
        config,
        baselines: dir,
        ..
    } = Suite::resolve(
        &args.config.config,
        &Overrides::default(),
        args.baselines.baselines.as_deref(),
        Ports::Unbound,
    )?;
    let mut runs = Vec::new();
    for path in &args.results {
        let record = baseline::read_record(path)?;
        if record.suite != config.suite {
            return Err(Failure::usage(format!(
                "{} holds suite {}, not {}",
                path.display(),
                record.suite,
                config.suite
            )));
        }
        runs.push(record);
    }
    save_baseline(&dir, runs)
}

fn save_baseline(dir: &Path, runs: Vec<RunRecord>) -> Result<Code, Failure> {
    let joined = RunRecord::combine(runs).map_err(Failure::usage)?;
    refuse_unanswered(&joined)?;
    if let Some(line) = compare::shared_while_recorded(&joined) {
        eprintln!("benchgate: warning: {}", crate::escape::inert(&line));
    }
    let path = baseline::save(dir, &joined).map_err(Failure::run)?;
    print_run(&joined)?;
    println!(
        "baseline of {} run(s) saved to {}; review and commit it",
        joined.run_count(),
        path.display()
    );
    Ok(Code::Pass)
}

fn run_options(suite: &Config) -> RunOptions<'_> {
    RunOptions {
        app_log: suite.output("app.log"),
        suite,
    }
}

fn print_run(record: &RunRecord) -> Result<(), Failure> {
    let mut text = Vec::new();
    report::terminal::print_run(record, &mut text)
        .and_then(|()| {
            std::io::stdout()
                .write_all(crate::escape::inert(&String::from_utf8_lossy(&text)).as_bytes())
        })
        .map_err(|e| Failure::run(format!("cannot print: {e}")))
}
