//! Why A/B mode could not measure, and the exit code each reason gets.

use crate::config::ConfigError;
use crate::exit::{Code, Coded};
use crate::runner::RunError;

/// Why A/B mode could not measure.
#[derive(Debug, thiserror::Error)]
pub enum AbError {
    /// The two trees cannot be set up side by side (no base suite file, no
    /// such commit, one fixed port for both).
    #[error("{0}")]
    Setup(String),
    /// The rounds cannot be joined into one record per side.
    #[error(transparent)]
    Join(#[from] crate::record::JoinError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Run(#[from] RunError),
}

impl Coded for AbError {
    fn exit_code(&self) -> Code {
        match self {
            AbError::Setup(_) | AbError::Join(_) => Code::Usage,
            AbError::Config(e) => e.exit_code(),
            AbError::Run(e) => e.exit_code(),
        }
    }
}
