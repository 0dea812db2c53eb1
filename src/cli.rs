//! Command-line arguments, as clap types. Their doc comments are the help
//! text; nothing here does any work.

// The help text names files like `.benchgate/<suite>.results.json`.
#![allow(rustdoc::invalid_html_tags, reason = "<suite> is help text, not HTML")]

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::config::{parse_duration, parse_rate};
use crate::merge::Shard;
use crate::record;

/// A CI performance-regression gate for HTTP services.
///
/// Exit codes: 0 gate passed (or not judged), 1 a regression (worse at the
/// gate's confidence, by half the threshold or more), 2 bad usage, config or
/// baseline file, 3 the run itself failed.
#[derive(Debug, Parser)]
#[command(
    name = "benchgate",
    version,
    about,
    long_about = None,
    after_help = "Exit codes: 0 the gate passed (or could not judge, under gate.inconclusive: pass), 1 a regression (worse at the gate's confidence, by half the threshold or more), 2 bad usage, suite or baseline file, 3 the run itself failed."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the app, replay the suite and print per-endpoint latencies.
    Run(RunArgs),
    /// Run the suite and compare it with the stored baseline: the gate.
    /// With --ab REF, compare with commit REF measured side by side instead.
    Check(CheckArgs),
    /// Measure another checkout (the base) and this one (the head) side by
    /// side on this machine and compare them pair by pair: the gate in A/B
    /// mode.
    Ab(AbArgs),
    /// Measure this checkout against itself (A/A) and report the noise: the
    /// smallest slowdown the current settings detect, per endpoint and
    /// metric, and the duration that would reach the threshold.
    Calibrate(CalibrateArgs),
    /// Find the operating point: replay the suite's mix against two copies
    /// of the app at rising rates until they queue, report the capacity and
    /// a quiet load.rate, and save it beside the baselines (the gate then
    /// warns when a suite asks for more).
    Capacity(CapacityArgs),
    /// Compare two results or baseline files, without running anything.
    Compare(CompareArgs),
    /// Render a saved comparison (comparison.json from --report-dir or
    /// --format json) again, in any format. Exits 0 whatever its outcome.
    Report(ReportArgs),
    /// Publish a report directory to GitHub, running nothing: annotations,
    /// job summary and the pull request's comment, as --github does. In CI,
    /// give the token to this step alone, never to the step that measures
    /// (that step runs the pull request's code).
    Publish(PublishArgs),
    /// Join results files of one suite (shards from a CI matrix, or
    /// separate runs) into one results file, losslessly.
    Merge(MergeArgs),
    /// Record or save the suite's baseline.
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// A branch's relative history: each commit measured side by side
    /// against its first parent (`check --ab HEAD^`), one step per line, and
    /// the change since any commit as the product of the steps between.
    #[command(subcommand)]
    History(HistoryCommand),
    /// Find the commit that made a measured regression between GOOD and
    /// BAD: each probe builds a commit and GOOD in temporary worktrees and
    /// measures them side by side until known; the first-parent line is
    /// halved by where each probe's ratio lies against half the change.
    Bisect(BisectArgs),
    /// Check a suite file without running anything.
    Validate(ConfigArg),
    /// Write a starter benchgate.yaml and .github/workflows/benchgate.yml.
    Init(InitArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The directory to write into; existing files are never overwritten.
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Run the suite (several separate runs) and save it as the baseline.
    Update(UpdateArgs),
    /// Save existing results files (one per run) as the baseline.
    Save(SaveArgs),
}

#[derive(Debug, Args)]
pub struct BisectArgs {
    /// A commit without the regression.
    #[arg(value_name = "GOOD")]
    pub good: String,
    /// A later commit with it.
    #[arg(value_name = "BAD", default_value = "HEAD")]
    pub bad: String,
    #[command(flatten)]
    pub suite: SuiteArgs,
    /// The metric to follow, as "ENDPOINT METRIC" (e.g. "orders p50")
    /// [default: the one BAD regressed most surely].
    #[arg(long, value_name = "ENDPOINT METRIC")]
    pub metric: Option<String>,
    /// A history file (`benchgate history`): its flagged steps between
    /// GOOD and BAD are probed first.
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// The most probes [default: enough to name three commits,
    /// 3 × ⌈log₂ commits⌉ + 7].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(2..))]
    pub max_probes: Option<u16>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = BisectFormat::Text)]
    pub format: BisectFormat,
}

/// How the commits `bisect` named are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BisectFormat {
    /// The commits named, the part left unexplained and every probe, for
    /// people.
    Text,
    /// The same, as Markdown.
    Markdown,
    /// The search as JSON (schemas/bisect.schema.json).
    Json,
}

impl From<BisectFormat> for crate::report::bisect::BisectFormat {
    fn from(format: BisectFormat) -> crate::report::bisect::BisectFormat {
        use crate::report::bisect::BisectFormat as F;
        match format {
            BisectFormat::Text => F::Text,
            BisectFormat::Markdown => F::Markdown,
            BisectFormat::Json => F::Json,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Add the step that an A/B comparison of a commit with its first
    /// parent measured to the history file (once per commit).
    Append(HistoryAppendArgs),
    /// The change since a commit per endpoint and metric, with its
    /// interval, the steps that moved it, the gaps and the machines.
    Show(HistoryShowArgs),
}

#[derive(Debug, Args)]
pub struct HistoryAppendArgs {
    /// The comparison: a report directory (--report-dir) or its
    /// comparison.json, from `benchgate check --ab HEAD^`.
    #[arg(value_name = "COMPARISON")]
    pub comparison: PathBuf,
    /// The history file (JSON Lines), created when missing.
    #[arg(long, value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct HistoryShowArgs {
    /// The history file (JSON Lines).
    #[arg(long, value_name = "FILE")]
    pub file: PathBuf,
    /// Chain from this commit on: a tag, a branch, a commit, or a prefix of
    /// at least 4 characters of a commit the history holds [default: the
    /// history's first].
    #[arg(long, value_name = "COMMIT")]
    pub since: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = HistoryFormat::Text)]
    pub format: HistoryFormat,
}

/// How the history is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HistoryFormat {
    /// A table for people.
    Text,
    /// The same, as Markdown.
    Markdown,
    /// The series, their flagged steps, the gaps and the machines as JSON
    /// (schemas/history.schema.json).
    Json,
    /// A page with a chart of the index and its band per endpoint.
    Html,
}

impl From<HistoryFormat> for crate::report::history::HistoryFormat {
    fn from(format: HistoryFormat) -> crate::report::history::HistoryFormat {
        use crate::report::history::HistoryFormat as F;
        match format {
            HistoryFormat::Text => F::Text,
            HistoryFormat::Markdown => F::Markdown,
            HistoryFormat::Json => F::Json,
            HistoryFormat::Html => F::Html,
        }
    }
}

/// How a comparison is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table for people.
    Text,
    /// The comparison as JSON (schemas/comparison.schema.json).
    Json,
}

/// How A/B mode splits the requests between base and head.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Pairing {
    /// Both apps under load at once; each scheduled request goes to one of
    /// them at random (balanced per endpoint).
    Random,
    /// One app at a time, in seeded A B / B A pairs of blocks.
    Alternate,
}

impl From<Pairing> for record::Pairing {
    fn from(pairing: Pairing) -> record::Pairing {
        match pairing {
            Pairing::Random => record::Pairing::Random,
            Pairing::Alternate => record::Pairing::Alternate,
        }
    }
}

impl From<ReportFormat> for crate::report::Format {
    fn from(format: ReportFormat) -> crate::report::Format {
        use crate::report::Format as F;
        match format {
            ReportFormat::Text => F::Text,
            ReportFormat::Markdown => F::Markdown,
            ReportFormat::Json => F::Json,
            ReportFormat::Junit => F::Junit,
            ReportFormat::Html => F::Html,
        }
    }
}

impl From<Format> for crate::report::Format {
    fn from(format: Format) -> crate::report::Format {
        match format {
            Format::Text => crate::report::Format::Text,
            Format::Json => crate::report::Format::Json,
        }
    }
}

impl SuiteArgs {
    /// The command line's load settings, for the suite file to apply.
    pub fn overrides(&self) -> crate::config::Overrides {
        crate::config::Overrides {
            rate: self.rate,
            duration: self.duration,
            max_duration: self.max_duration,
            block: self.block,
            warmup: self.warmup,
        }
    }
}

/// How `benchgate report` renders a saved comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// A table for people.
    Text,
    /// GitHub-flavoured Markdown, for a pull-request comment.
    Markdown,
    /// JSON (schemas/comparison.schema.json).
    Json,
    /// JUnit XML, for CI test reports.
    Junit,
    /// One self-contained HTML page with latency plots.
    Html,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A comparison JSON file written by --report-dir or --format json.
    #[arg(value_name = "COMPARISON.json")]
    pub comparison: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BaselinesArg {
    /// The baselines directory [default: baselines/ beside the suite file].
    #[arg(long, value_name = "DIR")]
    pub baselines: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub suite: SuiteArgs,
    #[command(flatten)]
    pub baselines: BaselinesArg,
    /// Where to write this run's results JSON [default: .benchgate/<suite>.results.json].
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// A/B mode: check out this commit (branch, tag or SHA) in a temporary
    /// git worktree, build and start it beside this checkout, and compare
    /// the two side by side instead of using the stored baseline.
    #[arg(long, value_name = "REF")]
    pub ab: Option<String>,
    /// How A/B mode splits the requests between base and head.
    #[arg(long, value_enum, default_value_t = Pairing::Random, requires = "ab")]
    pub pairing: Pairing,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct AbArgs {
    #[command(flatten)]
    pub suite: SuiteArgs,
    /// The base checkout: its suite file (same path as --config, relative to
    /// the repository root) says how to build and start the base app.
    #[arg(long, value_name = "DIR")]
    pub base_dir: PathBuf,
    /// How the requests are split between base and head.
    #[arg(long, value_enum, default_value_t = Pairing::Random)]
    pub pairing: Pairing,
    /// Where to write both sides' results [default: .benchgate/<suite>.base.json and .head.json].
    #[arg(long, value_name = "DIR")]
    pub results_dir: Option<PathBuf>,
    /// This tree's baselines directory (its stored baseline and noise
    /// calibration) [default: baselines/ beside the suite file]; the base
    /// tree's is at the same place in the base tree.
    #[command(flatten)]
    pub baselines: BaselinesArg,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct CalibrateArgs {
    #[command(flatten)]
    pub suite: SuiteArgs,
    #[command(flatten)]
    pub baselines: BaselinesArg,
    /// Separate A/A runs (both apps restarted for each). With 2 or more, the
    /// offset between whole runs is measured too and saved as
    /// baselines/<suite>.noise.json, which A/B mode then uses.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=50))]
    pub runs: u32,
    /// How the requests are split between the two copies of the app.
    #[arg(long, value_enum, default_value_t = Pairing::Random)]
    pub pairing: Pairing,
}

#[derive(Debug, Args)]
pub struct CapacityArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    #[command(flatten)]
    pub baselines: BaselinesArg,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The base results or baseline file.
    pub base: PathBuf,
    /// The head results file.
    pub head: PathBuf,
    /// Take the gate settings (threshold, metrics, confidence) from this
    /// suite file [default: ./benchgate.yaml if it exists, else the defaults].
    #[arg(long, short, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Where a comparison goes: stdout's format, a report directory, GitHub.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format of the comparison.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also write comparison.json, comparison.md (for a pull-request comment
    /// or the job summary), junit.xml and report.html into this directory.
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// The main branch's relative history (`benchgate history`): every
    /// report then says main's change since the last release tag before
    /// the base (or since the history's first step), with its flagged
    /// steps.
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    #[command(flatten)]
    pub github: GithubArgs,
}

/// Reporting to GitHub; off unless `--github` is given.
#[derive(Debug, Args)]
pub struct GithubArgs {
    /// Also annotate the run, append the report to the job summary and
    /// create or update the pull request's comment (from the Actions
    /// environment: GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_EVENT_PATH…).
    /// Failing to reach GitHub is a warning, never a different exit code.
    #[arg(long)]
    pub github: bool,
    /// The token for the comment [default: $GITHUB_TOKEN].
    #[arg(long, value_name = "TOKEN")]
    pub github_token: Option<String>,
    /// The pull request to comment on [default: from $GITHUB_EVENT_PATH];
    /// for workflows not triggered by the pull request itself (workflow_run).
    #[arg(long, value_name = "NUMBER", requires = "github")]
    pub pr: Option<u64>,
    /// The pull request's head commit, for its history row (with --pr).
    #[arg(long, value_name = "SHA", requires = "pr")]
    pub head_sha: Option<String>,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The report directory that `check`, `compare` or `ab` wrote with
    /// --report-dir (its comparison.json holds the report and the main
    /// branch's history). The token comes from $GITHUB_TOKEN, the rest from
    /// the Actions environment (GITHUB_REPOSITORY, GITHUB_EVENT_PATH…).
    /// Failing to reach GitHub is a warning: the exit code stays 0.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The pull request to comment on [default: from $GITHUB_EVENT_PATH];
    /// for workflows not triggered by the pull request itself (workflow_run).
    #[arg(long, value_name = "NUMBER")]
    pub pr: Option<u64>,
    /// The pull request's head commit, for its history row (with --pr).
    #[arg(long, value_name = "SHA", requires = "pr")]
    pub head_sha: Option<String>,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    #[command(flatten)]
    pub suite: SuiteArgs,
    #[command(flatten)]
    pub baselines: BaselinesArg,
    /// Separate runs to record (the app is restarted for each): their spread
    /// is the run-to-run noise the gate must allow for.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=50))]
    pub runs: u32,
}

#[derive(Debug, Args)]
pub struct SaveArgs {
    /// Results files from `benchgate run` (one per run) of the same suite.
    #[arg(required = true)]
    pub results: Vec<PathBuf>,
    #[command(flatten)]
    pub config: ConfigArg,
    #[command(flatten)]
    pub baselines: BaselinesArg,
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
    /// A/B mode's budget: the most measured time per side while a gated
    /// metric is undecided, e.g. 120s (overrides load.max_duration).
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub max_duration: Option<Duration>,
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
    /// Where to write the results JSON [default: .benchgate/<suite>.results.json,
    /// or .benchgate/<suite>.shard-K-of-N.results.json with --shard].
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Measure only shard K of N (e.g. 2/3): the endpoints at positions K,
    /// K+N, K+2N… of the suite file, at their share of the rate, so each
    /// sees the load of an unsharded run. Join the shards with `merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Results files of one suite: `run --shard` shards, or whole runs.
    #[arg(required = true, num_args = 2.., value_name = "RESULTS.json")]
    pub results: Vec<PathBuf>,
    /// Where to write the merged results file.
    #[arg(long, short, required = true, value_name = "FILE")]
    pub out: PathBuf,
}
