//! The commands: each turns resolved arguments into calls on the stages
//! (config → runner → record → report) and returns an exit code.

use std::path::{Path, PathBuf};

use crate::baseline;
use crate::cli::{
    BaselineCommand, BaselinesArg, CheckArgs, Command, CompareArgs, Format, GithubArgs, MergeArgs,
    ReportArgs, ReportFormat, RunArgs, SaveArgs, SuiteArgs, UpdateArgs,
};
use crate::compare::{self, Comparison, GateSettings, Outcome};
use crate::config::{self, Config};
use crate::exit::{Code, Failure};
use crate::record::RunRecord;
use crate::runner::{self, RunOptions};
use crate::{files, github, merge, report};

/// Where benchgate keeps its own outputs by default, relative to the
/// current directory.
const OUTPUT_DIR: &str = ".benchgate";

pub fn dispatch(command: Command) -> Result<Code, Failure> {
    match command {
        Command::Run(args) => run(&args),
        Command::Check(args) => check(&args),
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

fn baseline_update(args: &UpdateArgs) -> Result<Code, Failure> {
    let config = load_suite(&args.suite)?;
    let dir = baselines_dir(&config, &args.baselines);
    let mut runs = Vec::new();
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
    let mut config = config::load(&args.config.config).map_err(Failure::usage)?;
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
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::run(format!("cannot start the async runtime: {e}")))?;
    let options = RunOptions {
        app_log: default_output(config, "app.log"),
    };
    runtime.block_on(runner::measure(config, &options))
}

pub fn write_record(record: &RunRecord, path: &Path) -> Result<(), Failure> {
    let json = serde_json::to_vec_pretty(record)
        .map_err(|e| Failure::run(format!("cannot encode the results: {e}")))?;
    files::write_atomic(path, &json).map_err(Failure::run)
}

fn default_output(config: &Config, what: &str) -> PathBuf {
    Path::new(OUTPUT_DIR).join(format!("{}.{what}", config.suite))
}
