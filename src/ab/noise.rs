//! The run-to-run floor A/B mode adds to every interval:
//! `baselines/<suite>.noise.json`, written by `benchgate calibrate` beside
//! the baselines and read here, else the defaults.
//!
//! The file holds `compare`'s noise figures ([`MetricNoise`]), so it is
//! read above `compare`, by the mode that uses it; `calibrate`, which
//! writes it, sits above A/B mode and takes the format from here.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::compare::{MetricNoise, RunNoise};
use crate::record::Host;

/// The file A/B mode reads its run-to-run floor from.
pub fn noise_path(dir: &Path, suite: &str) -> PathBuf {
    dir.join(format!("{suite}.noise.json"))
}

/// `baselines/<suite>.noise.json`: τ per metric from `calibrate --runs N`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NoiseFile {
    pub suite: String,
    /// The machine the A/A runs were made on.
    pub host: Host,
    pub time_utc: String,
    pub runs: usize,
    pub metrics: Vec<MetricNoise>,
}

/// The run-to-run floor for A/B mode: from the calibration file beside the
/// baselines, else the defaults.
pub fn run_noise(dir: &Path, suite: &str) -> RunNoise {
    let path = noise_path(dir, suite);
    let Ok(text) = fs_err::read_to_string(&path) else {
        return RunNoise::defaults();
    };
    match serde_json::from_str::<NoiseFile>(&text) {
        Ok(file) => {
            let here = crate::provenance::host();
            let elsewhere =
                if file.host.cpu_model != here.cpu_model || file.host.cores != here.cores {
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
            noise
        }
        Err(e) => {
            eprintln!(
                "benchgate: warning: {} is not a calibration file ({e}); using the default run-to-run floor",
                path.display()
            );
            RunNoise::defaults()
        }
    }
}
