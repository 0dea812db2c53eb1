//! Exit codes, in one place, and the failure that goes with them: its
//! message and the causes it does not already say.
//!
//! `0` the gate passed (or could not judge, under `gate.inconclusive: pass`)
//! · `1` a regression: worse at the gate's confidence, by half the threshold
//! or more · `2` bad usage, config or baseline file · `3` the run itself failed (the app did not start
//! or died, the target was unreachable, the run was interrupted).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Pass = 0,
    Regression = 1,
    Usage = 2,
    RunFailed = 3,
}

/// Why benchgate is exiting non-zero: the code, one line that says why
/// (further lines, such as an app's log tail, may follow it), and the causes
/// of the error it came from, outermost first.
#[derive(Debug)]
pub struct Failure {
    pub code: Code,
    pub message: String,
    /// The `Display` of each error in the source chain below the one that
    /// made `message`; `Display` prints those the message does not already
    /// say.
    pub causes: Vec<String>,
}

impl Failure {
    /// A failure with `code` and `message` and no causes.
    pub fn new(code: Code, message: impl fmt::Display) -> Failure {
        Failure {
            code,
            message: message.to_string(),
            causes: Vec::new(),
        }
    }

    pub fn usage(message: impl fmt::Display) -> Failure {
        Failure::new(Code::Usage, message)
    }

    pub fn run(message: impl fmt::Display) -> Failure {
        Failure::new(Code::RunFailed, message)
    }
}

/// A stage's error and the exit code it means. Each stage's error type says
/// how to fix the problem in its message and implements this next to its
/// definition; `?` turns it into the [`Failure`] `main` prints.
pub trait Coded: std::error::Error {
    fn exit_code(&self) -> Code;
}

impl<E: Coded> From<E> for Failure {
    fn from(e: E) -> Failure {
        let mut causes = Vec::new();
        let mut next = e.source();
        while let Some(cause) = next {
            causes.push(cause.to_string());
            next = cause.source();
        }
        Failure {
            code: e.exit_code(),
            message: e.to_string(),
            causes,
        }
    }
}

/// Prints the message, then each cause once as a `caused by: …` line. A
/// cause the message (or an earlier cause) already says is left out, since
/// most messages quote their cause: its whole text, or all of it after its
/// first `: ` (a wrapper may name the subject otherwise, as the runner's
/// "the base app" for the app's own "the app").
impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        let mut said: Vec<&str> = vec![&self.message];
        for cause in &self.causes {
            let text = cause.trim();
            if text.is_empty() || already_said(&said, text) {
                continue;
            }
            write!(f, "\ncaused by: {text}")?;
            said.push(text);
        }
        Ok(())
    }
}

fn already_said(said: &[&str], text: &str) -> bool {
    let rest = text.split_once(": ").map(|(_, rest)| rest.trim());
    said.iter()
        .any(|s| s.contains(text) || rest.is_some_and(|rest| !rest.is_empty() && s.contains(rest)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    enum Outer {
        #[error("cannot save: {0}")]
        Quoting(#[source] std::io::Error),
        #[error("cannot save")]
        Terse(#[source] std::io::Error),
    }

    impl Coded for Outer {
        fn exit_code(&self) -> Code {
            Code::RunFailed
        }
    }

    fn denied() -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::PermissionDenied, "permission denied")
    }

    #[test]
    fn a_cause_the_message_quotes_is_printed_once() {
        let failure = Failure::from(Outer::Quoting(denied()));
        assert_eq!(failure.causes, ["permission denied"]);
        assert_eq!(failure.to_string(), "cannot save: permission denied");
        assert_eq!(failure.code, Code::RunFailed);
    }

    #[test]
    fn a_cause_the_message_omits_follows_it() {
        let failure = Failure::from(Outer::Terse(denied()));
        assert_eq!(
            failure.to_string(),
            "cannot save\ncaused by: permission denied"
        );
    }

    #[test]
    fn a_renamed_subject_is_not_a_new_cause() {
        let app = crate::app::AppError::PortInUse {
            host: "127.0.0.1".into(),
            port: 8000,
        };
        let failure = Failure {
            code: Code::RunFailed,
            message: format!("cannot start the base app: {app}"),
            causes: vec![format!("cannot start the app: {app}")],
        };
        assert_eq!(failure.to_string(), failure.message);
    }
}
