//! Command-line arguments, as clap types. Their doc comments are the help
//! text; nothing here does any work.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::config::{parse_duration, parse_rate};

/// A CI performance-regression gate for HTTP services.
///
/// Exit codes: 0 gate passed, 1 regression over the threshold, 2 bad usage,
/// config or baseline file, 3 the run itself failed.
#[derive(Debug, Parser)]
#[command(name = "benchgate", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the app, replay the suite and print per-endpoint latencies.
    Run(RunArgs),
    /// Check a suite file without running anything.
    Validate(ConfigArg),
}

#[derive(Debug, Args)]
pub struct ConfigArg {
    /// The suite file.
    #[arg(long, short, default_value = "benchgate.yaml", value_name = "FILE")]
    pub config: PathBuf,
}

/// The suite file and quick overrides of its load, shared by every command
/// that runs the suite.
#[derive(Debug, Args)]
pub struct SuiteArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// Measured time, e.g. 10s (overrides load.duration).
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub duration: Option<Duration>,
    /// Block length, e.g. 1s (overrides load.block).
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub block: Option<Duration>,
    /// Warm-up time, e.g. 2s (overrides load.warmup).
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub warmup: Option<Duration>,
    /// Arrival rate, e.g. 200/s (overrides load.rate).
    #[arg(long, value_parser = parse_rate, value_name = "RATE")]
    pub rate: Option<f64>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub suite: SuiteArgs,
    /// Where to write the results JSON [default: .benchgate/<suite>.results.json].
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
}
