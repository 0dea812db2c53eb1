//! benchgate: a CI performance-regression gate for HTTP services.
//!
//! `main` parses the arguments, runs one command and maps its outcome to an
//! exit code (see [`exit`]); the work lives in the modules below.

mod ab;
mod app;
mod baseline;
mod broken_pipe;
mod calibrate;
mod capacity;
mod cli;
mod commands;
mod compare;
mod config;
mod exit;
mod files;
mod github;
mod init;
mod load;
mod merge;
mod placement;
mod provenance;
mod record;
mod report;
mod runner;
mod stats;

use clap::Parser;

fn main() -> std::process::ExitCode {
    if let Some(code) = app::supervise::run_if_requested() {
        std::process::exit(code);
    }
    let cli = cli::Cli::parse();
    let code = broken_pipe::quiet(|| match commands::dispatch(cli.command) {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("benchgate: {}", report::inert(&failure.to_string()));
            failure.code
        }
    });
    std::process::ExitCode::from(code as u8)
}
