//! The `benchgate` program: parse the arguments, run one command, and map
//! its outcome to an exit code ([`benchgate::exit`]). The work lives in the
//! library's stages.

use benchgate::{app, broken_pipe, cli, commands, config, escape};
use clap::Parser;

fn main() -> std::process::ExitCode {
    if let Some(code) = app::supervise::run_if_requested() {
        std::process::exit(code);
    }
    app::secrets::hide_own_environment();
    let cli = cli::Cli::parse();
    let code = broken_pipe::quiet(|| match commands::dispatch(cli.command) {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("benchgate: {}", escape::inert(&failure.to_string()));
            failure.code
        }
    });
    config::release_ports();
    std::process::ExitCode::from(code as u8)
}
