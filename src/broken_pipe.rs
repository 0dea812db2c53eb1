//! A closed output pipe (`benchgate run 2>&1 | head -1`) ends benchgate
//! quietly with exit code 3, instead of a panic message and exit code 101.
//!
//! Rust ignores SIGPIPE, so a write to a closed pipe fails with EPIPE, and
//! `println!`/`eprintln!` panic on it. Restoring SIGPIPE's default action
//! instead would kill benchgate on the spot: no destructor would run, so the
//! app's process group would not be stopped (`PR_SET_PDEATHSIG` reaches the
//! app's first process only, not gunicorn's workers or a shell's children),
//! and a build step or a temp file could be left behind. Here the panic
//! unwinds like any other — every [`crate::app::App`] on the way is dropped,
//! which stops its whole group, and unfinished temp files are deleted, so a
//! file is either complete or absent — and only then becomes a quiet exit.

use std::any::Any;
use std::io::Write as _;
use std::panic::{self, AssertUnwindSafe};

use crate::exit::Code;

/// Runs `main`; a panic from printing to a closed pipe becomes
/// [`Code::RunFailed`] with nothing printed (or one line on stderr, when only
/// stdout was closed). Any other panic is reported and resumed as usual.
pub fn quiet(main: impl FnOnce() -> Code) -> Code {
    let default_hook = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if !is_broken_pipe(info.payload()) {
            default_hook(info);
        }
    }));
    match panic::catch_unwind(AssertUnwindSafe(main)) {
        Ok(code) => code,
        Err(payload) if is_broken_pipe(payload.as_ref()) => {
            let _ = writeln!(
                std::io::stderr(),
                "benchgate: stopped: its output was closed (broken pipe)"
            );
            Code::RunFailed
        }
        Err(payload) => panic::resume_unwind(payload),
    }
}

/// Whether a panic is `print!`'s "failed printing to stdout: Broken pipe".
fn is_broken_pipe(payload: &(dyn Any + Send)) -> bool {
    let message = match (
        payload.downcast_ref::<String>(),
        payload.downcast_ref::<&str>(),
    ) {
        (Some(message), _) => message.as_str(),
        (None, Some(message)) => message,
        (None, None) => return false,
    };
    let epipe = std::io::Error::from_raw_os_error(nix::errno::Errno::EPIPE as i32).to_string();
    message.starts_with("failed printing to std") && message.ends_with(&epipe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_print_to_a_closed_pipe_counts() {
        let epipe = std::io::Error::from_raw_os_error(nix::errno::Errno::EPIPE as i32);
        let stdout: Box<dyn Any + Send> = Box::new(format!("failed printing to stdout: {epipe}"));
        let stderr: Box<dyn Any + Send> = Box::new(format!("failed printing to stderr: {epipe}"));
        assert!(is_broken_pipe(stdout.as_ref()));
        assert!(is_broken_pipe(stderr.as_ref()));
        let full = std::io::Error::from_raw_os_error(nix::errno::Errno::ENOSPC as i32);
        let other: Box<dyn Any + Send> = Box::new(format!("failed printing to stdout: {full}"));
        assert!(!is_broken_pipe(other.as_ref()));
        let plain: Box<dyn Any + Send> = Box::new("index out of bounds");
        assert!(!is_broken_pipe(plain.as_ref()));
        assert!(!is_broken_pipe(&42_u8));
    }
}
