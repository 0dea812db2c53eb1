//! SIGINT and SIGTERM, listened for while a run measures: either ends the
//! run, and the app is stopped on the way out.

use tokio::signal::unix::{signal, SignalKind};

use super::error::RunError;

pub(super) fn interrupted(signal: &'static str) -> RunError {
    RunError::Interrupted(signal)
}

/// SIGINT and SIGTERM as a stream of names.
pub(super) struct Interrupts {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
}

impl Interrupts {
    pub(super) fn new() -> Result<Interrupts, RunError> {
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

    pub(super) async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.int.recv() => "SIGINT (Ctrl-C)",
            _ = self.term.recv() => "SIGTERM",
        }
    }
}
