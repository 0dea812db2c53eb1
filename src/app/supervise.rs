//! The supervisor: a small process between benchgate and the app that makes
//! sure no process the app started outlives the run, however benchgate ends.
//!
//! benchgate starts `benchgate __supervise <benchgate's pid> <until> --
//! <command…>` (its own executable, in a hidden mode) in a new process
//! group. The supervisor
//!
//! - becomes a *child subreaper* (`PR_SET_CHILD_SUBREAPER`), so a process
//!   the app orphans — a daemon's double fork with `setsid`, a wrapper
//!   shell's background job — is re-parented to it rather than to init, and
//!   stays findable through its parent chain ([`super::tree`]);
//! - asks for SIGHUP when benchgate dies (`PR_SET_PDEATHSIG`), so a
//!   `kill -9` of benchgate still reaches it: the kernel delivers the
//!   parent-death signal to the supervisor, which outlives benchgate long
//!   enough to SIGKILL the app's whole tree at once (as the kernel did for
//!   the app alone before: the next run may need the port right away);
//! - starts the command, and runs until no process of the app is left.
//!
//! It exits when
//! - it gets SIGTERM, SIGINT, SIGHUP or SIGQUIT: from benchgate's teardown,
//!   SIGTERM to every descendant, a grace period, SIGKILL; after
//!   benchgate's death (its parent is no longer benchgate), SIGKILL at once,
//!   also when benchgate dies during the grace; then exit 143;
//! - the command fails (non-zero exit or a signal): the same sweep, then
//!   it exits the way the command did, so benchgate's "the app exited with
//!   exit code 7" stays true;
//! - the last descendant is gone: with the command's status. A command
//!   that exits 0 while its children live on (it daemonized) is not the app
//!   ending: the supervisor keeps the daemon in view until it exits;
//! - for a build ([`Until::Command`]), the command exits, whatever its
//!   status: what it left running (a compiler cache's server) is stopped, so
//!   that a build never hangs on a daemon.
//!
//! If the supervisor itself is SIGKILLed, the app's processes are orphaned
//! to the nearest subreaper or init; benchgate's teardown still kills the
//! process group. Signals are taken synchronously (`sigwait`), so the
//! supervisor needs no signal handler and no unsafe code.

use std::ffi::OsString;
use std::time::Duration;

use nix::sys::signal::{kill, SigSet, Signal};
use nix::sys::wait::WaitStatus;
use nix::unistd::{getpid, getppid, Pid};

use super::tree;

/// The hidden first argument that makes benchgate a supervisor.
pub const MODE: &str = "__supervise";

/// How long the app's processes get after SIGTERM before SIGKILL.
pub const GRACE: Duration = Duration::from_secs(3);

/// Exit code when the command cannot be started because it does not exist
/// (as a shell does).
const NOT_FOUND: i32 = 127;
/// Exit code when the command exists but cannot be started.
const CANNOT_RUN: i32 = 126;
/// Exit code after stopping the app on a signal (128 + SIGTERM).
const STOPPED: i32 = 143;

/// When the supervisor is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// When the app and everything it started are gone (an app).
    AllGone,
    /// When the command exits (a build); the rest is stopped then.
    Command,
}

impl Until {
    fn arg(self) -> &'static str {
        match self {
            Until::AllGone => "all",
            Until::Command => "command",
        }
    }

    fn parse(arg: &str) -> Option<Until> {
        [Until::AllGone, Until::Command]
            .into_iter()
            .find(|u| u.arg() == arg)
    }
}

/// The supervisor's command line: `benchgate __supervise <pid> <until> --
/// argv…`.
pub fn args(parent: Pid, until: Until, argv: &[String]) -> Vec<OsString> {
    let mut args = vec![
        OsString::from(MODE),
        OsString::from(parent.to_string()),
        OsString::from(until.arg()),
        OsString::from("--"),
    ];
    args.extend(argv.iter().map(OsString::from));
    args
}

/// When this process was started as a supervisor, supervises and returns
/// its exit code; otherwise `None`. Called first thing in `main`.
pub fn run_if_requested() -> Option<i32> {
    let mut args = std::env::args_os().skip(1);
    if args.next().as_deref() != Some(MODE.as_ref()) {
        return None;
    }
    let parent = args
        .next()
        .and_then(|p| p.to_str().and_then(|p| p.parse::<i32>().ok()));
    let until = args.next().and_then(|u| u.to_str().and_then(Until::parse));
    let separator = args.next();
    let argv: Vec<OsString> = args.collect();
    match (
        parent,
        until,
        separator.as_deref() == Some("--".as_ref()),
        argv.first(),
    ) {
        (Some(parent), Some(until), true, Some(_)) => {
            Some(supervise(Pid::from_raw(parent), until, &argv))
        }
        _ => {
            eprintln!("benchgate: `{MODE}` is internal: benchgate starts it as `{MODE} <pid> all|command -- <command…>`");
            Some(2)
        }
    }
}

fn supervise(parent: Pid, until: Until, argv: &[OsString]) -> i32 {
    let mut signals = SigSet::empty();
    for signal in [
        Signal::SIGTERM,
        Signal::SIGINT,
        Signal::SIGHUP,
        Signal::SIGQUIT,
        Signal::SIGCHLD,
    ] {
        signals.add(signal);
    }
    // Blocked before anything can send them; `Command` clears the mask in
    // the app, which starts with the usual signal handling.
    if let Err(e) = signals.thread_block() {
        eprintln!("benchgate: the supervisor cannot block signals: {e}");
        return CANNOT_RUN;
    }
    let _ = nix::sys::prctl::set_child_subreaper(true);
    if let Err(e) = nix::sys::prctl::set_pdeathsig(Signal::SIGHUP) {
        eprintln!("benchgate: the supervisor cannot watch benchgate: {e}");
        return CANNOT_RUN;
    }
    // benchgate may have died before the line above: nothing would tell us.
    if getppid() != parent {
        return STOPPED;
    }
    let program = &argv[0];
    let app = match spawn_unmasked(argv) {
        Ok(pid) => pid,
        Err(e) => {
            let name = program.to_string_lossy();
            eprintln!("benchgate: cannot start `{name}`: {e}");
            return match e {
                nix::errno::Errno::ENOENT => NOT_FOUND,
                _ => CANNOT_RUN,
            };
        }
    };
    // The statuses are read with waitpid(-1), which also reaps adopted
    // orphans.
    let mut app_status: Option<i32> = None;
    // benchgate killed while the app has its grace: SIGKILL at once.
    let orphaned_now = || getppid() != parent;
    loop {
        let signal = match signals.wait() {
            Ok(signal) => signal,
            Err(_) => continue,
        };
        if signal != Signal::SIGCHLD {
            let orphaned = getppid() != parent;
            tree::terminate_descendants(
                if orphaned { Duration::ZERO } else { GRACE },
                &orphaned_now,
            );
            return STOPPED;
        }
        for status in tree::reap() {
            if status.pid() == Some(app) {
                app_status = Some(encode(status));
            }
        }
        match app_status {
            // The app failed, or the build is over: take everything it
            // left down with it.
            Some(code) if code != 0 || until == Until::Command => {
                tree::terminate_descendants(GRACE, &orphaned_now);
                return exit_like(code);
            }
            // Exited 0, or still running: go on while anything is left.
            Some(code) if tree::descendants(getpid()).is_empty() => return code,
            _ => {}
        }
    }
}

/// Starts `argv` (looked up on `PATH`) with this process's environment and
/// directory, but with no signal blocked and SIGPIPE at its default: the
/// supervisor blocks the signals it waits for, and a child inherits the mask
/// (std's `Command` does not reset it), so the app would never see SIGTERM
/// and every stop would wait out the grace period.
fn spawn_unmasked(argv: &[OsString]) -> Result<Pid, nix::errno::Errno> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;

    use nix::spawn::{posix_spawnp, PosixSpawnAttr, PosixSpawnFileActions, PosixSpawnFlags};

    let c = |bytes: &[u8]| CString::new(bytes).map_err(|_| nix::errno::Errno::EINVAL);
    let args = argv
        .iter()
        .map(|a| c(a.as_bytes()))
        .collect::<Result<Vec<_>, _>>()?;
    let env = std::env::vars_os()
        .map(|(k, v)| c(&[k.as_bytes(), b"=", v.as_bytes()].concat()))
        .collect::<Result<Vec<_>, _>>()?;
    let mut attr = PosixSpawnAttr::init()?;
    attr.set_sigmask(&SigSet::empty())?;
    let mut default = SigSet::empty();
    default.add(Signal::SIGPIPE);
    attr.set_sigdefault(&default)?;
    attr.set_flags(
        PosixSpawnFlags::POSIX_SPAWN_SETSIGMASK | PosixSpawnFlags::POSIX_SPAWN_SETSIGDEF,
    )?;
    let actions = PosixSpawnFileActions::init()?;
    posix_spawnp(&args[0], &actions, &attr, &args, &env)
}

/// A wait status as a shell would report it: the exit code, or 128 + the
/// signal for a process killed by a signal.
fn encode(status: WaitStatus) -> i32 {
    match status {
        WaitStatus::Exited(_, code) => code,
        WaitStatus::Signaled(_, signal, _) => 128 + signal as i32,
        _ => 0,
    }
}

/// Exits the way the app did: by its signal when it was killed by one (so
/// benchgate reports "signal 9"), otherwise with its code.
fn exit_like(code: i32) -> i32 {
    if code > 128 {
        if let Ok(signal) = Signal::try_from(code - 128) {
            if signal != Signal::SIGSTOP && signal != Signal::SIGTSTP {
                let mut set = SigSet::empty();
                set.add(signal);
                let _ = set.thread_unblock();
                let _ = kill(getpid(), signal);
            }
        }
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_carries_the_parent_and_the_command() {
        let argv = ["sh".into(), "-c".into(), "x y".into()];
        let args = args(Pid::from_raw(42), Until::Command, &argv);
        let args: Vec<_> = args
            .iter()
            .map(|a| a.to_string_lossy().to_string())
            .collect();
        assert_eq!(args, [MODE, "42", "command", "--", "sh", "-c", "x y"]);
    }

    #[test]
    fn statuses_are_encoded_as_a_shell_would() {
        let pid = Pid::from_raw(1);
        assert_eq!(encode(WaitStatus::Exited(pid, 7)), 7);
        assert_eq!(
            encode(WaitStatus::Signaled(pid, Signal::SIGKILL, false)),
            137
        );
    }
}
