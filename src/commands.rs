//! The commands: each turns resolved arguments into calls on the stages
//! (config → runner → record → report) and returns an exit code.

use std::path::{Path, PathBuf};

use crate::baseline;
use crate::cli::{
    AbArgs, BaselineCommand, BaselinesArg, CalibrateArgs, CheckArgs, Command, CompareArgs, Format,
    GithubArgs, MergeArgs, OutputArgs, ReportArgs, ReportFormat, RunArgs, SaveArgs, SuiteArgs,
    UpdateArgs,
};
use crate::compare::{self, Comparison, GateSettings, Outcome};
use crate::config::{self, Config};
use crate::exit::{Code, Failure};
use crate::record::{Pairing, RunRecord};
use crate::runner::{self, RunOptions};
use crate::{ab, calibrate, files, github, merge, report};

/// Where benchgate keeps its own outputs by default, relative to the
/// current directory.
const OUTPUT_DIR: &str = ".benchgate";

pub fn dispatch(command: Command) -> Result<Code, Failure> {
    match command {
        Command::Run(args) => run(&args),
        Command::Check(args) => match &args.ab {
            Some(reference) => check_ab(&args, reference),
            None => check(&args),
        },
        Command::Ab(args) => ab(&args),
        Command::Calibrate(args) => calibrate(&args),
        Command::Compare(args) => compare_files(&args),
        Command::Report(args) => report_file(&args),
        Command::Merge(args) => merge_files(&args),
        Command::Baseline(BaselineCommand::Update(args)) => baseline_update(&args),
        Command::Baseline(BaselineCommand::Save(args)) => baseline_save(&args),
        Command::Validate(args) => validate(&args.config),
        Command::Init(args) => crate::init::init(&args.dir),
    }
}

fn validate(path: &Path) -> Result<Code, Failure> {
    let config = config::load(path).map_err(Failure::usage)?;
    println!(
        "{}: suite {} is valid: {} endpoint(s), {}/s for {:?} after {:?} of warm-up",
        path.display(),
        config.suite,
        config.endpoints.len(),
        config.load.rate,
        config.load.duration,
        config.load.warmup
    );
    Ok(Code::Pass)
}

fn run(args: &RunArgs) -> Result<Code, Failure> {
    let full = load_suite(&args.suite)?;
    let config = match args.shard {
        Some(shard) => {
            let sharded = merge::shard_config(&full, shard).map_err(Failure::usage)?;
            let names: Vec<&str> = sharded.endpoints.iter().map(|e| e.name.as_str()).collect();
            eprintln!(
                "shard {shard}: {} at {:.2}/s of the suite's {}/s",
                names.join(", "),
                sharded.load.rate,
                full.load.rate
            );
            sharded
        }
        None => full.clone(),
    };
    let what = match args.shard {
        Some(shard) => format!("shard-{}-of-{}.results.json", shard.index, shard.count),
        None => "results.json".to_string(),
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_output(&config, &what));
    build_app(&config, "the app", &default_output(&config, "build.log"))?;
    let mut record = measure(&config)?;
    if args.shard.is_some() {
        // Shards of one suite share its fingerprint, so they merge, and
        // compare with the whole suite's baseline.
        (record.measured, record.fingerprint) = runner::measured(&full);
    }
    write_record(&record, &out)?;
    report::terminal::print_run(&record, &mut std::io::stdout())
        .map_err(|e| Failure::run(format!("cannot print: {e}")))?;
    println!("results: {}", out.display());
    Ok(Code::Pass)
}

fn check(args: &CheckArgs) -> Result<Code, Failure> {
    let config = load_suite(&args.suite)?;
    let dir = baselines_dir(&config, &args.baselines);
    let base = baseline::load(&dir, &config.suite).map_err(Failure::usage)?;
    let (measured, _) = runner::measured(&config);
    compare::check_comparable(&base.measured, &measured).map_err(|changes| refuse(&changes))?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_output(&config, "results.json"));
    build_app(&config, "the app", &default_output(&config, "build.log"))?;
    let head = measure(&config)?;
    write_record(&head, &out)?;
    eprintln!("results: {}", out.display());
    let mut comparison = compare::compare(&base, &head, &GateSettings::from_config(&config));
    comparison.history = recent_history(&dir, &config.suite);
    publish(&comparison, &args.output.github, args.output.format, &dir);
    finish(
        &comparison,
        args.output.format,
        args.output.report_dir.as_deref(),
    )
}

fn compare_files(args: &CompareArgs) -> Result<Code, Failure> {
    let base = baseline::read_record(&args.base).map_err(Failure::usage)?;
    let head = baseline::read_record(&args.head).map_err(Failure::usage)?;
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
    let settings = match &args.config {
        Some(path) => GateSettings::from_config(&config::load(path).map_err(Failure::usage)?),
        None if default_suite.exists() => {
            GateSettings::from_config(&config::load(default_suite).map_err(Failure::usage)?)
        }
        None => GateSettings::defaults(),
    };
    let mut comparison = compare::compare(&base, &head, &settings);
    // A base that is a stored baseline has its history beside it.
    if let Some(dir) = args.base.parent() {
        comparison.history = recent_history(dir, &comparison.suite);
    }
    let suite_dir = args.config.as_deref().and_then(Path::parent);
    let dir = suite_dir.unwrap_or(Path::new(".")).join("baselines");
    publish(&comparison, &args.output.github, args.output.format, &dir);
    finish(
        &comparison,
        args.output.format,
        args.output.report_dir.as_deref(),
    )
}

/// Joins results files of one suite into one, written atomically.
fn merge_files(args: &MergeArgs) -> Result<Code, Failure> {
    let mut inputs = Vec::new();
    for path in &args.results {
        let record = baseline::read_record(path).map_err(Failure::usage)?;
        inputs.push((path.clone(), record));
    }
    warn_about_commits(&inputs);
    let merged = merge::merge(inputs).map_err(Failure::usage)?;
    write_record(&merged, &args.out)?;
    report::terminal::print_run(&merged, &mut std::io::stdout())
        .map_err(|e| Failure::run(format!("cannot print: {e}")))?;
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

/// Shards measured at different commits measured different code: merging
/// them is allowed (the suite is the same) but rarely meant.
fn warn_about_commits(inputs: &[(PathBuf, RunRecord)]) {
    let commits: Vec<(&Path, String)> = inputs
        .iter()
        .flat_map(|(path, record)| {
            record
                .run_infos()
                .into_iter()
                .filter_map(move |run| Some((path.as_path(), run.provenance.git_commit?)))
        })
        .collect();
    let Some((first, known)) = commits.first() else {
        return;
    };
    if let Some((path, commit)) = commits.iter().find(|(_, c)| c != known) {
        eprintln!(
            "benchgate: warning: {} was measured at commit {commit} but {} at {known}: the merged results mix two versions of the app",
            path.display(),
            first.display()
        );
    }
}

/// Renders a saved comparison in the asked format, to `--out` or stdout.
pub fn report_file(args: &ReportArgs) -> Result<Code, Failure> {
    let comparison = read_comparison(&args.comparison)?;
    let write: ReportWriter = match args.format {
        ReportFormat::Text => report::terminal::print_comparison,
        ReportFormat::Markdown => {
            |c, out| report::markdown::write_comparison(c, &Default::default(), out)
        }
        ReportFormat::Json => report::json::write_comparison,
        ReportFormat::Junit => report::junit::write_comparison,
        ReportFormat::Html => report::html::write_comparison,
    };
    let mut bytes = Vec::new();
    write(&comparison, &mut bytes)
        .map_err(|e| Failure::run(format!("cannot render the comparison: {e}")))?;
    match &args.out {
        Some(path) => files::write_atomic(path, &bytes).map_err(Failure::run)?,
        None => {
            use std::io::Write as _;
            std::io::stdout()
                .write_all(&bytes)
                .map_err(|e| Failure::run(format!("cannot print the comparison: {e}")))?;
        }
    }
    Ok(Code::Pass)
}

/// Reads a comparison saved by `--report-dir` or `--format json`.
pub fn read_comparison(path: &Path) -> Result<Comparison, Failure> {
    let text = fs_err::read_to_string(path).map_err(|e| {
        Failure::usage(format!(
            "cannot read the comparison: {e}; pass a comparison.json written by --report-dir or --format json"
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| {
        Failure::usage(format!(
            "{} is not a benchgate comparison: {e}; pass a comparison.json written by --report-dir or --format json",
            path.display()
        ))
    })
}

/// With `--github`: annotations, job summary and the pull request's
/// comment, with the main-branch history from `baselines`. Only warns.
fn publish(comparison: &Comparison, args: &GithubArgs, format: Format, baselines: &Path) {
    if !args.github {
        return;
    }
    let options = github::Options {
        token: args.github_token.clone(),
        history: baseline::history(baselines, &comparison.suite),
        annotations_to_stderr: format == Format::Json,
        pull_request: args.pr.map(|number| github::PullRequest {
            number,
            head_sha: args.head_sha.clone(),
        }),
    };
    github::publish(comparison, &options);
}

/// How many of the main branch's baselines a report charts.
const HISTORY_SHOWN: usize = 20;

/// The last [`HISTORY_SHOWN`] lines of the suite's history file, oldest first.
fn recent_history(dir: &Path, suite: &str) -> Vec<baseline::HistoryEntry> {
    let mut all = baseline::history(dir, suite);
    let skip = all.len().saturating_sub(HISTORY_SHOWN);
    all.drain(..skip);
    all
}

fn refuse(changes: &str) -> Failure {
    Failure::usage(format!(
        "the suite changed since the baseline was recorded ({changes}); record a new baseline with `benchgate baseline update` and commit it"
    ))
}

/// Prints the comparison, writes its report files if asked, and turns its
/// outcome into the exit code.
fn finish(
    comparison: &Comparison,
    format: Format,
    report_dir: Option<&Path>,
) -> Result<Code, Failure> {
    let mut out = std::io::stdout();
    let printed = match format {
        Format::Text => report::terminal::print_comparison(comparison, &mut out),
        Format::Json => report::json::write_comparison(comparison, &mut out),
    };
    printed.map_err(|e| Failure::run(format!("cannot print the comparison: {e}")))?;
    if let Some(dir) = report_dir {
        write_report_dir(comparison, dir)?;
    }
    let summary = report::terminal::summary_line(comparison);
    match comparison.outcome {
        Outcome::Pass => {
            if format == Format::Json {
                eprintln!("{summary}");
            }
            Ok(Code::Pass)
        }
        Outcome::Fail => Err(Failure {
            code: Code::Regression,
            message: summary,
        }),
    }
}

/// How one report file is rendered.
type ReportWriter = fn(&Comparison, &mut dyn std::io::Write) -> std::io::Result<()>;

/// Writes `comparison.json`, `comparison.md`, `junit.xml` and
/// `report.html` into `dir` (creating it), each file atomically.
pub fn write_report_dir(comparison: &Comparison, dir: &Path) -> Result<(), Failure> {
    let writers: [(&str, ReportWriter); 4] = [
        ("comparison.json", report::json::write_comparison),
        ("comparison.md", |c, out| {
            report::markdown::write_comparison(c, &Default::default(), out)
        }),
        ("junit.xml", report::junit::write_comparison),
        ("report.html", report::html::write_comparison),
    ];
    for (name, write) in writers {
        let mut bytes = Vec::new();
        write(comparison, &mut bytes)
            .map_err(|e| Failure::run(format!("cannot render {name}: {e}")))?;
        files::write_atomic(&dir.join(name), &bytes).map_err(Failure::run)?;
    }
    Ok(())
}

/// `check --ab REF`: a temporary worktree of REF is the base.
fn check_ab(args: &CheckArgs, reference: &str) -> Result<Code, Failure> {
    let suite_dir = args.suite.config.config.parent().unwrap_or(Path::new(""));
    let worktree = ab::Worktree::add(suite_dir, reference).map_err(Failure::usage)?;
    eprintln!(
        "base: {reference} checked out in {}",
        worktree.path().display()
    );
    let results = args
        .out
        .as_deref()
        .and_then(Path::parent)
        .map(Path::to_path_buf);
    ab_gate(
        &args.suite,
        worktree.path(),
        args.pairing,
        results,
        &args.baselines,
        &args.output,
    )
}

/// `benchgate ab --base-dir DIR`.
fn ab(args: &AbArgs) -> Result<Code, Failure> {
    ab_gate(
        &args.suite,
        &args.base_dir,
        args.pairing,
        args.results_dir.clone(),
        &args.baselines,
        &args.output,
    )
}

/// Measures the base tree and this one side by side and gates on the
/// paired comparison.
fn ab_gate(
    suite: &SuiteArgs,
    base_dir: &Path,
    pairing: Pairing,
    results_dir: Option<PathBuf>,
    baselines: &BaselinesArg,
    output: &OutputArgs,
) -> Result<Code, Failure> {
    let base_suite = ab::base_suite_path(&suite.config.config, base_dir).map_err(Failure::usage)?;
    let run = measure_side_by_side(suite, Some(&base_suite), pairing, true)?;
    let dir = results_dir.unwrap_or_else(|| PathBuf::from(OUTPUT_DIR));
    for (record, side) in [(&run.base, "base"), (&run.head, "head")] {
        let path = dir.join(format!("{}.{side}.json", run.head_config.suite));
        write_record(record, &path)?;
        eprintln!("{side} results: {}", path.display());
    }
    let head_baselines = baselines_dir(&run.head_config, baselines);
    let base_baselines = baselines_dir(&run.base_config, &BaselinesArg { baselines: None });
    let mut gate = GateSettings::from_config(&run.head_config);
    gate.accepted = ab::accepted(&base_baselines, &head_baselines, &run.head_config);
    gate.run_noise = calibrate::run_noise(&head_baselines, &run.head_config.suite);
    for line in ab::describe(&gate.accepted) {
        eprintln!("accepted in this pull request (the stored baseline records it): {line}");
    }
    let mut comparison = compare::compare(&run.base, &run.head, &gate);
    comparison.history = recent_history(&head_baselines, &run.head_config.suite);
    publish(&comparison, &output.github, output.format, &head_baselines);
    finish(&comparison, output.format, output.report_dir.as_deref())
}

/// `benchgate calibrate`: this tree against itself, `--runs` times; with
/// two runs or more the run-to-run floor is saved for A/B mode.
fn calibrate(args: &CalibrateArgs) -> Result<Code, Failure> {
    let mut estimates = Vec::new();
    let mut last = None;
    for run in 1..=args.runs {
        eprintln!("A/A run {run} of {}", args.runs);
        let side_by_side = measure_side_by_side(&args.suite, None, args.pairing, run == 1)?;
        let gate = GateSettings::from_config(&side_by_side.head_config);
        estimates.push(calibrate::estimated(
            &side_by_side.base,
            &side_by_side.head,
            &gate,
        ));
        last = Some(side_by_side);
    }
    let Some(run) = last else {
        return Ok(Code::Pass);
    };
    let dir = baselines_dir(&run.head_config, &args.baselines);
    let mut noise = calibrate::run_noise(&dir, &run.head_config.suite);
    if args.runs >= 2 {
        let measured = calibrate::estimate_tau(&estimates);
        let file = calibrate::NoiseFile {
            suite: run.head_config.suite.clone(),
            host: run.head.provenance.host.clone(),
            time_utc: run.head.provenance.time_utc.clone(),
            runs: args.runs as usize,
            metrics: measured,
        };
        let path = calibrate::noise_path(&dir, &run.head_config.suite);
        let json = serde_json::to_vec_pretty(&file)
            .map_err(|e| Failure::run(format!("cannot encode {}: {e}", path.display())))?;
        files::write_atomic(&path, &json).map_err(Failure::run)?;
        noise = calibrate::run_noise(&dir, &run.head_config.suite);
        eprintln!(
            "run-to-run floor saved to {}; commit it: A/B mode adds it to every interval",
            path.display()
        );
    }
    let mut gate = GateSettings::from_config(&run.head_config);
    gate.run_noise = noise.clone();
    let comparison = compare::compare(&run.base, &run.head, &gate);
    let last = estimates.last().map(Vec::as_slice).unwrap_or_default();
    let rows = calibrate::rows(&run.base, &run.head, &comparison, &gate, last);
    calibrate::print(&rows, &run.head_config, &noise, &mut std::io::stdout())
        .map_err(|e| Failure::run(format!("cannot print: {e}")))?;
    Ok(Code::Pass)
}

/// Both sides of an A/B run with the suites they came from.
struct SideBySide {
    base_config: Config,
    head_config: Config,
    base: RunRecord,
    head: RunRecord,
}

/// Builds and starts the base (from `base_suite`, or this tree again when
/// `None`) and this tree's app, each on its own port, and measures them
/// side by side with this tree's endpoints, load and seed.
fn measure_side_by_side(
    suite: &SuiteArgs,
    base_suite: Option<&Path>,
    pairing: Pairing,
    build: bool,
) -> Result<SideBySide, Failure> {
    let ports = config::free_ports::<2>();
    let head_config = load_suite_on_port(suite, ports[1])?;
    let base_path = base_suite.unwrap_or(&suite.config.config);
    let base_config = config::load_with_port(base_path, ports[0]).map_err(Failure::usage)?;
    if base_config.base_url.authority() == head_config.base_url.authority() {
        return Err(Failure::usage(format!(
            "A/B mode runs two copies of the app at once, but both would use {}; write ${{PORT}} in app.command, app.ready.url and base_url of {} so that each gets its own port",
            head_config.base_url.authority(),
            if head_config.port.is_none() { suite.config.config.display() } else { base_path.display() }
        )));
    }
    let log = |side: &str, what: &str| default_output(&head_config, &format!("{side}.{what}"));
    if build {
        build_app(&base_config, "the base", &log("base", "build.log"))?;
        if base_suite.is_some() {
            build_app(&head_config, "the head", &log("head", "build.log"))?;
        }
    }
    let runtime = runtime()?;
    let sides = [
        runner::AbSide {
            config: &base_config,
            app_log: log("base", "app.log"),
        },
        runner::AbSide {
            config: &head_config,
            app_log: log("head", "app.log"),
        },
    ];
    let [base, head] = runtime.block_on(runner::measure_ab(&head_config, sides, pairing))?;
    Ok(SideBySide {
        base_config,
        head_config,
        base,
        head,
    })
}

/// Runs the app's build command, if the suite has one, with its output
/// to `log`.
fn build_app(config: &Config, what: &str, log: &Path) -> Result<(), Failure> {
    let Some(app) = config.app.as_ref().filter(|app| app.build.is_some()) else {
        return Ok(());
    };
    runtime()?.block_on(runner::build(app, log, what))
}

fn baseline_update(args: &UpdateArgs) -> Result<Code, Failure> {
    let config = load_suite(&args.suite)?;
    let dir = baselines_dir(&config, &args.baselines);
    let mut runs = Vec::new();
    build_app(&config, "the app", &default_output(&config, "build.log"))?;
    for run in 1..=args.runs {
        eprintln!("baseline run {run} of {}", args.runs);
        runs.push(measure(&config)?);
    }
    save_baseline(&dir, runs)
}

fn baseline_save(args: &SaveArgs) -> Result<Code, Failure> {
    let config = config::load(&args.config.config).map_err(Failure::usage)?;
    let dir = baselines_dir(&config, &args.baselines);
    let mut runs = Vec::new();
    for path in &args.results {
        let record = baseline::read_record(path).map_err(Failure::usage)?;
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
    let path = baseline::save(dir, &joined).map_err(Failure::run)?;
    report::terminal::print_run(&joined, &mut std::io::stdout())
        .map_err(|e| Failure::run(format!("cannot print: {e}")))?;
    println!(
        "baseline of {} run(s) saved to {}; review and commit it",
        joined.run_count(),
        path.display()
    );
    Ok(Code::Pass)
}

fn baselines_dir(config: &Config, arg: &BaselinesArg) -> PathBuf {
    arg.baselines.clone().unwrap_or_else(|| {
        config
            .path
            .parent()
            .unwrap_or(Path::new("."))
            .join("baselines")
    })
}

/// Loads the suite file and applies the command line's load overrides.
pub fn load_suite(args: &SuiteArgs) -> Result<Config, Failure> {
    load_suite_on_port(args, config::free_port())
}

/// [`load_suite`] with `${PORT}` standing for `port`.
fn load_suite_on_port(args: &SuiteArgs, port: u16) -> Result<Config, Failure> {
    let mut config = config::load_with_port(&args.config.config, port).map_err(Failure::usage)?;
    let load = &mut config.load;
    if let Some(duration) = args.duration {
        load.duration = duration;
    }
    if let Some(block) = args.block {
        load.block = block;
    }
    if let Some(warmup) = args.warmup {
        load.warmup = warmup;
    }
    if let Some(rate) = args.rate {
        load.rate = rate;
    }
    if load.duration.is_zero() || load.block.is_zero() {
        return Err(Failure::usage("--duration and --block must be above zero"));
    }
    if load.block > load.duration {
        return Err(Failure::usage(format!(
            "the block ({:?}) is longer than the measured duration ({:?}); pass a shorter --block or a longer --duration",
            load.block, load.duration
        )));
    }
    let blocks = load.duration.as_nanos() / load.block.as_nanos();
    if blocks < crate::stats::MIN_BLOCKS as u128 {
        eprintln!(
            "benchgate: warning: {:?} of {:?} blocks is {blocks} block(s); the gate needs at least {} per run to compare (use a longer --duration or a shorter --block)",
            load.duration,
            load.block,
            crate::stats::MIN_BLOCKS
        );
    }
    Ok(config)
}

/// Runs the suite once on a single-threaded runtime: the generator keeps to
/// one core and leaves the other to the app.
pub fn measure(config: &Config) -> Result<RunRecord, Failure> {
    let runtime = runtime()?;
    let options = RunOptions {
        app_log: default_output(config, "app.log"),
    };
    runtime.block_on(runner::measure(config, &options))
}

/// A single-threaded runtime: the generator keeps to one core.
fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::run(format!("cannot start the async runtime: {e}")))
}

pub fn write_record(record: &RunRecord, path: &Path) -> Result<(), Failure> {
    let json = serde_json::to_vec_pretty(record)
        .map_err(|e| Failure::run(format!("cannot encode the results: {e}")))?;
    files::write_atomic(path, &json).map_err(Failure::run)
}

fn default_output(config: &Config, what: &str) -> PathBuf {
    Path::new(OUTPUT_DIR).join(format!("{}.{what}", config.suite))
}
