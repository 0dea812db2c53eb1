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

impl From<crate::config::ConfigError> for Failure {
    fn from(e: crate::config::ConfigError) -> Failure {
        Failure::usage(e)
    }
}

impl From<crate::baseline::LoadError> for Failure {
    fn from(e: crate::baseline::LoadError) -> Failure {
        Failure::usage(e)
    }
}

impl From<crate::files::WriteError> for Failure {
    fn from(e: crate::files::WriteError) -> Failure {
        Failure::run(e)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
