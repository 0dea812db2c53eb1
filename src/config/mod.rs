//! The suite file (`benchgate.yaml`): its schema, validation and `${VAR}`
//! expansion.
//!
//! The file is parsed once into a [`Config`]: typed, validated, with every
//! default filled in and every `${VAR}` expanded. Nothing else in benchgate
//! reads YAML. Every mistake a user can make is a [`ConfigError`] that names
//! the file, the line and what to write instead.

pub mod bounds;
mod error;
mod expand;
mod guard;
mod locate;
mod metric;
pub mod names;
mod ports;
mod raw;
mod resolve;
mod scalar;
mod suite;
mod values;

#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod testutil;

use std::path::Path;

pub use error::ConfigError;
pub use expand::ExpandError;
pub use metric::{Metric, MetricError, PhaseMetric};
pub use names::NameError;
pub use scalar::{parse_duration, parse_rate, ScalarError};
pub use suite::{
    AppConfig, BaseUrl, Body, Config, Endpoint, EndpointGate, GateConfig, Inconclusive, LoadConfig,
    Overrides, ReadyProbe, AUTO_RATE_UNTIL_CHOSEN, OUTPUT_DIR,
};

/// The port `${PORT}` stands for while a suite file is only checked, not
/// run: nothing is bound or started on it (port 0 is not a valid URL port).
pub const UNBOUND_PORT: u16 = 1;

/// Reads and parses the suite file at `path`, with the command line's
/// `overrides` and `${PORT}` standing for `port` (picked by the caller when
/// it starts the app, [`UNBOUND_PORT`] when it only checks the file).
pub fn load(path: &Path, overrides: &Overrides, port: u16) -> Result<Config, ConfigError> {
    use std::io::Read as _;
    let read = |cause| ConfigError::Read {
        path: path.to_path_buf(),
        cause,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(guard::MAX_BYTES as u64 + 1).read_to_end(&mut bytes))
        .map_err(read)?;
    let text = guard::text(bytes, path)?;
    parse_with(&text, path, overrides, port)
}

/// A loopback port nothing listens on at this moment (0 if none can be had,
/// which the app's start then reports).
pub fn free_port() -> u16 {
    let [port] = free_ports();
    port
}

pub use ports::{free_ports, release_all as release_ports};

/// Parses suite file text. `path` names the file in messages and anchors a
/// relative `app.cwd`.
#[cfg(test)]
pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    parse_with(text, path, &Overrides::default(), free_port())
}

/// `parse` with the command line's `overrides` and `${PORT}` standing
/// for `port`.
pub fn parse_with(
    text: &str,
    path: &Path,
    overrides: &Overrides,
    port: u16,
) -> Result<Config, ConfigError> {
    let (config, expanded) = expand::with_port(port, || parse_text(text, path, overrides));
    let mut config = config?;
    for body in config.endpoints.iter_mut().filter_map(|e| e.body.as_mut()) {
        body.fingerprinted = suite::masked(&body.bytes, &expanded.values);
    }
    if expanded.port_used {
        config.port = Some(port);
        if let Some(app) = &mut config.app {
            app.env.insert("PORT".into(), port.to_string());
        }
    }
    Ok(config)
}

fn parse_text(text: &str, path: &Path, overrides: &Overrides) -> Result<Config, ConfigError> {
    guard::size(text.len(), path)?;
    guard::shape(text, path)?;
    let blank = |line: &str| line.trim().is_empty() || line.trim_start().starts_with('#');
    if text.lines().all(blank) {
        return Err(ConfigError::Invalid {
            file: path.to_path_buf(),
            line: 1,
            column: None,
            message: r#"the file is empty; start with "version: 1" (`benchgate init` writes a complete example)"#
                .to_string(),
        });
    }
    // A first pass that only checks the syntax, so syntax errors can be told
    // apart from schema errors and get a YAML-specific hint.
    if let Err(err) = serde_yaml::from_str::<serde::de::IgnoredAny>(text) {
        let syntax = err.location().is_some();
        return Err(ConfigError::from_yaml(path, &err, syntax));
    }
    let raw: raw::RawSuite =
        serde_yaml::from_str(text).map_err(|err| ConfigError::from_yaml(path, &err, false))?;
    resolve::resolve(raw, path, overrides).map_err(|problem| {
        let (line, column) = locate::locate(text, &problem.path);
        ConfigError::Invalid {
            file: path.to_path_buf(),
            line,
            column: Some(column),
            message: format!("{}: {}", problem.path, problem.message),
        }
    })
}
