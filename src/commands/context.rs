//! What a command resolves once from its arguments, before it does
//! anything: the suite file read with the command line's overrides and the
//! port policy, where its baselines live, and the gate's settings. The
//! commands below take this value; none re-reads the suite or re-derives
//! the directory.

use std::path::{Path, PathBuf};

use crate::baseline;
use crate::cli::SuiteArgs;
use crate::compare::GateSettings;
use crate::config::{self, Config, Overrides};
use crate::exit::Failure;

/// What `${PORT}` stands for in the suite file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ports {
    /// A free port picked now: the command starts the app.
    Free,
    /// Nothing is started: the file is only read (validate, compare, save),
    /// or each A/B round picks its own ports.
    Unbound,
}

/// A suite as one command sees it.
#[derive(Debug)]
pub(super) struct Suite {
    pub config: Config,
    /// `--baselines`, else `baselines/` beside the suite file.
    pub baselines: PathBuf,
    pub settings: GateSettings,
}

impl Suite {
    /// Reads the suite file at `path` with `overrides`, `${PORT}` as
    /// `ports` says, and the baselines directory `explicit` (or the
    /// suite's own).
    pub fn resolve(
        path: &Path,
        overrides: &Overrides,
        explicit: Option<&Path>,
        ports: Ports,
    ) -> Result<Suite, Failure> {
        let port = match ports {
            Ports::Free => config::free_port(),
            Ports::Unbound => config::UNBOUND_PORT,
        };
        let config = config::load(path, overrides, port)?;
        Ok(Suite {
            baselines: baseline::dir_for(&config, explicit),
            settings: GateSettings::from_config(&config),
            config,
        })
    }

    /// The suite a measuring command runs: its file with the command
    /// line's load settings, and a free port for `${PORT}`.
    pub fn to_measure(args: &SuiteArgs, baselines: Option<&Path>) -> Result<Suite, Failure> {
        Suite::resolve(
            &args.config.config,
            &args.overrides(),
            baselines,
            Ports::Free,
        )
    }
}
