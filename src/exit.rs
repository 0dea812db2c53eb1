//! Exit codes, in one place, and the one-line failure that goes with them.
//!
//! `0` the gate passed · `1` a regression over the threshold · `2` bad usage,
//! config or baseline file · `3` the run itself failed (the app did not start
//! or died, the target was unreachable, the run was interrupted).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Pass = 0,
    Regression = 1,
    Usage = 2,
    RunFailed = 3,
}

/// Why benchgate is exiting non-zero: the code and one line that says why
/// (further lines, such as an app's log tail, may follow it).
#[derive(Debug)]
pub struct Failure {
    pub code: Code,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl fmt::Display) -> Failure {
        Failure {
            code: Code::Usage,
            message: message.to_string(),
        }
    }

    pub fn run(message: impl fmt::Display) -> Failure {
        Failure {
            code: Code::RunFailed,
            message: message.to_string(),
        }
    }
}

/// A stage's error and the exit code it means. Each stage's error type says
/// how to fix the problem in its message and implements this; `?` turns it
/// into the [`Failure`] `main` prints.
pub trait Coded: std::error::Error {
    fn exit_code(&self) -> Code;
}

impl<E: Coded> From<E> for Failure {
    fn from(e: E) -> Failure {
        Failure {
            code: e.exit_code(),
            message: e.to_string(),
        }
    }
}

impl Coded for crate::config::ConfigError {
    fn exit_code(&self) -> Code {
        Code::Usage
    }
}

impl Coded for crate::baseline::LoadError {
    fn exit_code(&self) -> Code {
        Code::Usage
    }
}

impl Coded for crate::files::WriteError {
    fn exit_code(&self) -> Code {
        Code::RunFailed
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
