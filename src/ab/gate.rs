//! The gate of an A/B run: the head suite's settings, the run-to-run floor
//! calibrated beside its baselines, and the slowdowns the pull request
//! accepted.

use std::path::Path;

use crate::compare::GateSettings;
use crate::config::Config;

use super::accepted::accepted;
use super::noise::{run_noise, NoiseError};

/// The gate of an A/B run of the suite `head`: its settings, the run-to-run
/// floor calibrated beside its baselines, and the slowdowns the pull request
/// accepted by changing the stored baseline (`base_baselines` →
/// `head_baselines`). A noise file that is refused is an error (exit 2).
pub fn gate(
    head: &Config,
    base_baselines: &Path,
    head_baselines: &Path,
) -> Result<GateSettings, NoiseError> {
    let accepted = accepted(base_baselines, head_baselines, head);
    for a in &accepted {
        eprintln!(
            "accepted in this pull request (the stored baseline records it): {}",
            a.describe()
        );
    }
    let noise = run_noise(head_baselines, &head.suite)?;
    Ok(GateSettings::from_config(head).for_ab(noise, accepted))
}
