//! Why the app under test could not be built, started or kept running:
//! one variant per way it fails, each with the log's last lines where the
//! app wrote any.

use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("cannot start the app: `{program}` was not found (cwd {cwd}); check the app section of the suite file")]
    NotFound { program: String, cwd: PathBuf },
    #[error("cannot start the app `{program}`: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("cannot place the app: {0}; change or remove app.cpus")]
    Placement(#[source] crate::placement::PinError),
    #[error("cannot create the app's log file {path}: {source}")]
    Log {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("port {port} on {host} is already in use by another process; stop it or change the port in the suite file")]
    PortInUse { host: String, port: u16 },
    #[error("the app exited with {status} before it was ready; last lines of {log}:\n{tail}")]
    ExitedEarly {
        status: String,
        log: PathBuf,
        tail: String,
    },
    #[error("the app was not ready within {timeout:?}: {url} last said: {last}; raise app.ready.timeout or check app.ready.url; last lines of {log}:\n{tail}")]
    NotReady {
        timeout: Duration,
        url: String,
        last: String,
        log: PathBuf,
        tail: String,
    },
    #[error("invalid app.ready.url {url}: {reason}")]
    ReadyUrl { url: String, reason: String },
    #[error("the build command failed with {status}; last lines of {log}:\n{tail}")]
    BuildFailed {
        status: String,
        log: PathBuf,
        tail: String,
    },
    #[error("the app exited with {status} during the run; last lines of {log}:\n{tail}")]
    Died {
        status: String,
        log: PathBuf,
        tail: String,
    },
}

/// The app under test failed: the run failed.
impl crate::exit::Coded for AppError {
    fn exit_code(&self) -> crate::exit::Code {
        crate::exit::Code::RunFailed
    }
}
