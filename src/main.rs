//! The `benchgate` program: parse the arguments, run one command, and map
//! its outcome to an exit code ([`benchgate::exit`]). The work lives in the
//! library's stages.

use benchgate::{app, broken_pipe, cli, commands, escape};
use clap::Parser;

fn main() -> std::process::ExitCode {
    if let Some(code) = app::supervise::run_if_requested() {
        std::process::exit(code);
    }
    hide_environment();
    let cli = cli::Cli::parse();
    let code = broken_pipe::quiet(|| match commands::dispatch(cli.command) {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("benchgate: {}", escape::inert(&failure.to_string()));
            failure.code
        }
    });
    std::process::ExitCode::from(code as u8)
}

/// Makes this process non-dumpable, so that a process of the same user —
/// the app under test, the pull request's code — cannot read its
/// `/proc/<pid>/environ` (which may hold `GITHUB_TOKEN`) nor attach to it.
/// The supervisor above is left as it is: its environment, like the app's,
/// has no token ([`app::secrets`]), and an `exec` makes every child
/// dumpable again, so the app's own processes stay measurable.
fn hide_environment() {
    #[cfg(target_os = "linux")]
    if let Err(e) = nix::sys::prctl::set_dumpable(false) {
        eprintln!("benchgate: warning: cannot hide this process's environment from the app (prctl PR_SET_DUMPABLE: {e})");
    }
}
