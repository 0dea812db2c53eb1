//! SIGINT and SIGTERM, listened for while a run measures and while it
//! publishes: either ends the run (exit 3), and the app is stopped on the
//! way out.
//!
//! Once a listener was made, the process keeps tokio's handler, so a
//! signal no one listens for would be lost: every phase that waits on
//! something outside the process listens. A signal that came while none
//! did is not lost either: it waits in tokio's pipe and reaches the next
//! listener made before its runtime first waits.

use tokio::signal::unix::{signal, SignalKind};

use super::error::RunError;

pub(super) fn interrupted(signal: &'static str) -> RunError {
    RunError::Interrupted(signal)
}

/// SIGINT and SIGTERM as a stream of names.
#[derive(Debug)]
pub struct Interrupts {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
}

impl Interrupts {
    /// Listens from now on; inside a runtime with its drivers enabled.
    pub fn new() -> Result<Interrupts, RunError> {
        let listen = |kind| {
            signal(kind).map_err(|source| RunError::Setup {
                what: "cannot listen for signals",
                source,
            })
        };
        Ok(Interrupts {
            int: listen(SignalKind::interrupt())?,
            term: listen(SignalKind::terminate())?,
        })
    }

    /// The next signal's name ("SIGTERM").
    pub async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.int.recv() => "SIGINT (Ctrl-C)",
            _ = self.term.recv() => "SIGTERM",
        }
    }
}

/// A SIGINT or SIGTERM that came since tokio's handler was installed and
/// no one listened (while a run compared or wrote its reports), if any.
/// Installs the handler when none was, so that a signal from now on waits
/// for the next look instead of ending the process unseen; `None` when
/// signals cannot be listened for.
pub fn pending() -> Option<&'static str> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime.block_on(async {
        let mut interrupts = Interrupts::new().ok()?;
        // The signal driver reads its pipe when the runtime first waits.
        tokio::select! {
            biased;
            signal = interrupts.next() => Some(signal),
            () = tokio::time::sleep(std::time::Duration::from_millis(5)) => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use nix::sys::signal::{raise, Signal};

    /// The only test in this crate's unit tests that raises a signal; no
    /// other listens for one.
    #[test]
    fn a_signal_while_no_one_listened_waits_for_the_next_look() {
        assert_eq!(super::pending(), None);
        raise(Signal::SIGTERM).expect("raise");
        assert_eq!(super::pending(), Some("SIGTERM"));
        assert_eq!(super::pending(), None);
        raise(Signal::SIGINT).expect("raise");
        assert_eq!(super::pending(), Some("SIGINT (Ctrl-C)"));
    }
}
