//! Why a run ended without a record, and the exit code each reason gets.

use crate::app::AppError;
use crate::exit::{Code, Coded};

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The suite cannot be replayed as written (a request that cannot be
    /// built, A/B mode without `app.command`).
    #[error("{0}")]
    Suite(String),
    /// A request of the suite cannot be built.
    #[error(transparent)]
    Request(#[from] crate::load::RequestError),
    /// Runs of the suite cannot be joined into one record.
    #[error(transparent)]
    Join(#[from] crate::record::JoinError),
    /// The app (`what`: "the app", "the base app", …) did not start, did
    /// not get ready, or exited on its own while it was under load.
    #[error("{}", named(what, source))]
    App {
        what: String,
        #[source]
        source: Box<AppError>,
    },
    #[error("cannot reach the target http://{addr}: {cause}; start the service or add app.command to the suite file")]
    Unreachable { addr: String, cause: String },
    #[error("cannot place the load generator: {0}; change or remove load.cpus")]
    Placement(#[source] crate::placement::PinError),
    #[error("interrupted by {0}; the app was stopped and nothing was written")]
    Interrupted(&'static str),
    #[error("internal error: {0}")]
    Internal(&'static str),
    /// The process could not set itself up (runtime, signal handlers).
    #[error("{what}: {source}")]
    Setup {
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
}

impl Coded for RunError {
    fn exit_code(&self) -> Code {
        match self {
            RunError::Suite(_) | RunError::Request(_) | RunError::Join(_) => Code::Usage,
            _ => Code::RunFailed,
        }
    }
}

/// The app's error told about `what` ("the base app"): its own words when
/// they already name the app, so that no message says "the app: the app".
fn named(what: &str, source: &AppError) -> String {
    let text = source.to_string();
    if text.contains("the app") {
        text.replacen("the app", what, 1)
    } else {
        format!("{what}: {text}")
    }
}
