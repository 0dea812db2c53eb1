//! The gate of an A/B run. The pull request's code is what is measured, so
//! everything the verdict depends on besides the measurements comes from
//! the base tree: the suite's gate section (thresholds, confidence,
//! metrics, per-endpoint overrides) and the run-to-run floor calibrated
//! beside its baselines. The head may propose a change to either; the
//! report says so, and the base's is used. The slowdowns the pull request
//! accepts are the one thing the head decides: it records them in the
//! stored baseline for review, and they are tested against the base's gate.

use std::path::Path;

use crate::compare::GateSettings;
use crate::config::{Config, EndpointGate};

use super::accepted::accepted;
use super::noise::{head_change, noise_path, run_noise, NoiseError};

/// The gate of an A/B run of the suites `base` and `head`: the base's gate
/// section, the run-to-run floor calibrated beside the base's baselines,
/// and the slowdowns the pull request accepted by changing the stored
/// baseline (`base_baselines` → `head_baselines`). A base noise file that
/// is refused is an error (exit 2).
pub fn gate(
    base: &Config,
    head: &Config,
    base_baselines: &Path,
    head_baselines: &Path,
) -> Result<GateSettings, NoiseError> {
    let settings = GateSettings::from_config(base);
    let accepted = accepted(base_baselines, head_baselines, head, &settings);
    for a in &accepted {
        eprintln!(
            "accepted in this pull request (the stored baseline records it): {}",
            a.describe()
        );
    }
    let noise = run_noise(base_baselines, &base.suite)?;
    let proposed: Vec<String> = [
        head_change(
            &noise_path(base_baselines, &base.suite),
            &noise_path(head_baselines, &head.suite),
        ),
        gate_change(base, head),
    ]
    .into_iter()
    .flatten()
    .collect();
    for line in &proposed {
        eprintln!("{line}");
    }
    Ok(GateSettings {
        proposed,
        ..settings.for_ab(noise, accepted)
    })
}

/// The sentence every report carries when the head's suite gates otherwise
/// than the base's: another gate section, or another override on an
/// endpoint the head measures. `None` when they gate alike.
fn gate_change(base: &Config, head: &Config) -> Option<String> {
    let base_override = |name: &str| {
        base.endpoints
            .iter()
            .find(|e| e.name == name)
            .map_or_else(EndpointGate::default, |e| e.gate.clone())
    };
    let changed = base.gate != head.gate
        || head
            .endpoints
            .iter()
            .any(|e| e.gate != base_override(&e.name));
    changed.then(|| {
        format!(
            "this pull request changes the gate section of {}; the base's was used",
            head.path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::gate_change;

    fn suite(gate: &str, endpoint_gate: &str) -> crate::config::Config {
        let text = format!(
            "version: 1\nsuite: s\napp:\n  command: [\"app\"]\nbase_url: \"http://127.0.0.1:8000\"\n{gate}endpoints:\n  - {{ name: home, path: /{endpoint_gate} }}\n"
        );
        crate::config::parse(&text, Path::new("benchgate.yaml")).expect("valid suite")
    }

    #[test]
    fn a_changed_gate_section_or_endpoint_override_is_said() {
        let base = suite("", "");
        assert_eq!(gate_change(&base, &suite("", "")), None);
        let said =
            "this pull request changes the gate section of benchgate.yaml; the base's was used";
        let looser = suite("gate:\n  threshold: 50%\n", "");
        assert_eq!(gate_change(&base, &looser).as_deref(), Some(said));
        let own = suite("", ", gate: { threshold: 50% }");
        assert_eq!(gate_change(&base, &own).as_deref(), Some(said));
    }
}
