//! The commands: each turns resolved arguments into calls on the stages
//! (config → runner → record → report) and returns an exit code.

use std::path::{Path, PathBuf};

use crate::cli::{Command, RunArgs, SuiteArgs};
use crate::config::{self, Config};
use crate::exit::{Code, Failure};
use crate::record::RunRecord;
use crate::runner::{self, RunOptions};
use crate::{files, report};

/// Where benchgate keeps its own outputs by default, relative to the
/// current directory.
const OUTPUT_DIR: &str = ".benchgate";

pub fn dispatch(command: Command) -> Result<Code, Failure> {
    match command {
        Command::Run(args) => run(&args),
        Command::Validate(args) => validate(&args.config),
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
    let config = load_suite(&args.suite)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_output(&config, "results.json"));
    let record = measure(&config)?;
    write_record(&record, &out)?;
    report::terminal::print_run(&record, &mut std::io::stdout())
        .map_err(|e| Failure::run(format!("cannot print: {e}")))?;
    println!("results: {}", out.display());
    Ok(Code::Pass)
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
