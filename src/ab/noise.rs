//! The run-to-run floor A/B mode adds to every interval:
//! `baselines/<suite>.noise.json`, written by `benchgate calibrate` beside
//! the baselines and read here, else the defaults.
//!
//! The floor sets how wide every A/B interval is, so the code under test
//! must not choose it: A/B mode reads the base tree's file (see
//! [`super::gate()`]) and only says when the pull request changes it
//! ([`head_change`]). Even so the file is read as a hostile one: at most
//! [`MAX_BYTES`], every figure within its bounds, and a refused file is
//! named with the JSON path and line of what was refused and the fix. A
//! bad file is a usage error (exit 2), never silently replaced by the
//! defaults: a floor that vanished would gate with another noise than the
//! one calibrated.
//!
//! The file holds `compare`'s noise figures ([`MetricNoise`]), so it is
//! read above `compare`, by the mode that uses it; `calibrate`, which
//! writes it, sits above A/B mode and takes the format from here.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};

use crate::compare::{MetricNoise, RunNoise};
use crate::config::Metric;
use crate::exit::{Code, Coded};
use crate::record::Host;

/// The largest noise file read: one holds a few lines per metric (under
/// 2 KB), so 64 KB is room for any honest file and little for a hostile one.
pub const MAX_BYTES: usize = 64 * 1024;

/// The largest τ accepted. τ is the standard deviation of ln(head / base)
/// between whole A/A runs; 0.5 means two copies of one build differ by a
/// factor of e^0.5 ≈ 1.65 at one standard deviation, and a 99% interval
/// then spans ×0.3 to ×3.6. A machine that noisy cannot gate any slowdown a
/// gate exists for: such a figure is a broken runner or a forged file, not a
/// floor. Measured floors are 2–5% (see [`RunNoise::defaults`]).
pub const MAX_TAU: f64 = 0.5;

/// The most A/A runs a calibration may claim: at 10 s each, more than a
/// day of measuring.
pub const MAX_RUNS: usize = 10_000;

/// The most degrees of freedom τ may claim: what `calibrate` can write,
/// every endpoint a suite may have (1,000) × [`MAX_RUNS`]. Far beyond it a
/// t quantile is the normal's to many digits, so a larger figure can only
/// be a forged one (`1e308` overflows the sums it enters).
pub const MAX_DF: f64 = 1e7;

/// The longest text field (suite, time, CPU model, OS), in characters.
const MAX_TEXT: usize = 200;

/// What to do about a refused noise file.
const FIX: &str = "run `benchgate calibrate --runs 10` again on the base branch and commit its file, or delete the file (A/B mode then uses the default floor)";

/// The file A/B mode reads its run-to-run floor from.
pub fn noise_path(dir: &Path, suite: &str) -> PathBuf {
    dir.join(format!("{suite}.noise.json"))
}

/// `baselines/<suite>.noise.json`: τ per metric from `calibrate --runs N`.
/// Decoding it checks every field against the bounds above.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NoiseFile {
    #[serde(deserialize_with = "text")]
    pub suite: String,
    /// The machine the A/A runs were made on.
    #[serde(deserialize_with = "host")]
    pub host: Host,
    #[serde(deserialize_with = "text")]
    pub time_utc: String,
    #[serde(deserialize_with = "runs")]
    pub runs: usize,
    #[serde(deserialize_with = "metrics")]
    pub metrics: Vec<MetricNoise>,
}

/// Why a noise file was refused; the user's to fix, so exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum NoiseError {
    #[error("cannot read the run-to-run floor {}: {cause}; {}", path.display(), FIX)]
    Read {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{} is over {} bytes, the limit for a run-to-run floor file; {}", path.display(), MAX_BYTES, FIX)]
    TooLarge { path: PathBuf },
    #[error("{} is not a valid run-to-run floor: {at}: {message}; {}", path.display(), FIX)]
    Invalid {
        path: PathBuf,
        /// The JSON path of what was refused (`metrics[0].tau`).
        at: String,
        message: String,
    },
}

impl Coded for NoiseError {
    fn exit_code(&self) -> Code {
        Code::Usage
    }
}

/// The run-to-run floor for A/B mode: from the calibration file in `dir`,
/// else (no file) the defaults. A file that cannot be read, or is refused,
/// is an error.
pub fn run_noise(dir: &Path, suite: &str) -> Result<RunNoise, NoiseError> {
    let path = noise_path(dir, suite);
    let Some(bytes) = read(&path)? else {
        return Ok(RunNoise::defaults());
    };
    let file = decode(&bytes, &path)?;
    let here = crate::provenance::host();
    let elsewhere = if file.host.cpu_model != here.cpu_model || file.host.cores != here.cores {
        format!(
            " (measured on {}, {} cores: run calibrate on this runner type)",
            file.host.cpu_model, file.host.cores
        )
    } else {
        String::new()
    };
    let mut noise = RunNoise::defaults();
    for measured in file.metrics {
        if let Some(slot) = noise
            .metrics
            .iter_mut()
            .find(|m| m.metric == measured.metric)
        {
            *slot = measured;
        }
    }
    noise.source = format!(
        "{} ({} A/A runs, {}){elsewhere}",
        path.display(),
        file.runs,
        file.time_utc
    );
    Ok(noise)
}

/// The sentence every report carries when the head tree's noise file is
/// not the base's (changed, added or deleted): the base's is the one used.
/// `None` when the two are the same file, or neither tree has one.
pub fn head_change(base: &Path, head: &Path) -> Option<String> {
    let bytes = |path: &Path| read(path).ok().flatten();
    let (base_bytes, head_bytes) = (bytes(base), bytes(head));
    let (base_has, head_has) = (base.exists(), head.exists());
    if base_has == head_has && base_bytes == head_bytes {
        return None;
    }
    let head = head.display();
    Some(match (base_has, head_has) {
        (false, _) => format!(
            "this pull request adds {head}; the base has none, so the default run-to-run floor was used"
        ),
        (true, false) => format!("this pull request deletes {head}; the base's was used"),
        (true, true) => format!("this pull request changes {head}; the base's was used"),
    })
}

/// The file's bytes, at most [`MAX_BYTES`]; `None` when there is no file.
fn read(path: &Path) -> Result<Option<Vec<u8>>, NoiseError> {
    let fail = |cause| NoiseError::Read {
        path: path.to_path_buf(),
        cause,
    };
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(fail(e)),
    };
    let mut bytes = Vec::new();
    file.take(MAX_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(fail)?;
    if bytes.len() > MAX_BYTES {
        return Err(NoiseError::TooLarge {
            path: path.to_path_buf(),
        });
    }
    Ok(Some(bytes))
}

/// Decodes a noise file, naming the JSON path and line of what it refused.
fn decode(bytes: &[u8], path: &Path) -> Result<NoiseFile, NoiseError> {
    let invalid = |at: String, inner: serde_json::Error| {
        let text = inner.to_string();
        let suffix = format!(" at line {} column {}", inner.line(), inner.column());
        let message = text.strip_suffix(&suffix).unwrap_or(&text);
        NoiseError::Invalid {
            path: path.to_path_buf(),
            at,
            message: format!(
                "{message} (line {}, column {})",
                inner.line(),
                inner.column()
            ),
        }
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let file = serde_path_to_error::deserialize::<_, NoiseFile>(&mut de).map_err(|e| {
        let at = e.path().to_string();
        let at = if at == "." { "(top level)".into() } else { at };
        invalid(at, e.into_inner())
    })?;
    de.end().map_err(|e| invalid("(top level)".into(), e))?;
    Ok(file)
}

/// A number as a message shows it: `3`, `0.5`, `1e308`.
fn shown(value: f64) -> String {
    if value.abs() >= 1e6 {
        format!("{value:e}")
    } else {
        format!("{value}")
    }
}

/// Why a figure or text of a noise file is out of its bounds.
#[derive(Debug, thiserror::Error)]
enum OutOfBounds {
    #[error("τ is {0}, not a number")]
    TauNotANumber(f64),
    #[error("τ is {0}, but it is a standard deviation: 0 or more")]
    TauNegative(String),
    #[error("τ is {0}, over {MAX_TAU}, the largest run-to-run floor accepted (two copies of one build 65% apart: a machine that noisy cannot gate)")]
    TauTooLarge(String),
    #[error("df is {0}, not a number")]
    DfNotANumber(f64),
    #[error("df is {0}, but degrees of freedom are more than 0")]
    DfNotPositive(String),
    #[error("df is {0}, over 10,000,000, the most a calibration can measure (1,000 endpoints × 10,000 runs)")]
    DfTooLarge(String),
    #[error("runs is {0}; a calibration file comes from 2 to {MAX_RUNS} A/A runs")]
    Runs(usize),
    #[error("unknown metric \"{name}\"; the metrics are {known}")]
    Metric { name: String, known: String },
    #[error("a text of {0} characters, over the limit of {MAX_TEXT}")]
    TextTooLong(usize),
    #[error("a text with a control character")]
    TextControl,
}

/// τ: finite, 0 or more, at most [`MAX_TAU`].
fn check_tau(tau: f64) -> Result<f64, OutOfBounds> {
    if !tau.is_finite() {
        Err(OutOfBounds::TauNotANumber(tau))
    } else if tau < 0.0 {
        Err(OutOfBounds::TauNegative(shown(tau)))
    } else if tau > MAX_TAU {
        Err(OutOfBounds::TauTooLarge(shown(tau)))
    } else {
        Ok(tau)
    }
}

/// Degrees of freedom: finite, over 0, at most [`MAX_DF`].
fn check_df(df: f64) -> Result<f64, OutOfBounds> {
    if !df.is_finite() {
        Err(OutOfBounds::DfNotANumber(df))
    } else if df <= 0.0 {
        Err(OutOfBounds::DfNotPositive(shown(df)))
    } else if df > MAX_DF {
        Err(OutOfBounds::DfTooLarge(shown(df)))
    } else {
        Ok(df)
    }
}

/// The number of A/A runs: from 2 (one run has no spread between runs) to
/// [`MAX_RUNS`].
fn check_runs(runs: usize) -> Result<usize, OutOfBounds> {
    if (2..=MAX_RUNS).contains(&runs) {
        Ok(runs)
    } else {
        Err(OutOfBounds::Runs(runs))
    }
}

/// A metric by its name in reports.
fn check_metric(name: &str) -> Result<Metric, OutOfBounds> {
    Metric::ALL
        .into_iter()
        .find(|m| m.name() == name)
        .ok_or_else(|| {
            let known: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
            OutOfBounds::Metric {
                name: crate::config::names::clip(&crate::escape::inert(name)),
                known: known.join(", "),
            }
        })
}

/// A short text without control characters.
fn check_text(text: String) -> Result<String, OutOfBounds> {
    let chars = text.chars().count();
    if chars > MAX_TEXT {
        Err(OutOfBounds::TextTooLong(chars))
    } else if text.chars().any(char::is_control) {
        Err(OutOfBounds::TextControl)
    } else {
        Ok(text)
    }
}

fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    check_text(String::deserialize(d)?).map_err(D::Error::custom)
}

fn runs<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    check_runs(usize::deserialize(d)?).map_err(D::Error::custom)
}

fn host<'de, D: Deserializer<'de>>(d: D) -> Result<Host, D::Error> {
    let host = Host::deserialize(d)?;
    check_text(host.cpu_model.clone()).map_err(D::Error::custom)?;
    check_text(host.os.clone()).map_err(D::Error::custom)?;
    Ok(host)
}

/// One metric's figures as the file gives them, each checked as it is
/// read, so that a refusal names its field and line.
#[derive(Deserialize)]
struct CheckedNoise {
    #[serde(deserialize_with = "metric")]
    metric: Metric,
    #[serde(deserialize_with = "tau")]
    tau: f64,
    #[serde(deserialize_with = "df")]
    df: f64,
}

fn metric<'de, D: Deserializer<'de>>(d: D) -> Result<Metric, D::Error> {
    check_metric(&String::deserialize(d)?).map_err(D::Error::custom)
}

fn tau<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    check_tau(f64::deserialize(d)?).map_err(D::Error::custom)
}

fn df<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    check_df(f64::deserialize(d)?).map_err(D::Error::custom)
}

/// The metrics' figures, each metric at most once.
fn metrics<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<MetricNoise>, D::Error> {
    let checked = Vec::<CheckedNoise>::deserialize(d)?;
    let mut out: Vec<MetricNoise> = Vec::with_capacity(checked.len());
    for c in checked {
        if out.iter().any(|m| m.metric == c.metric) {
            return Err(D::Error::custom(format!(
                "{} is listed twice",
                c.metric.name()
            )));
        }
        out.push(MetricNoise {
            metric: c.metric,
            tau: c.tau,
            df: c.df,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
