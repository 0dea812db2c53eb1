//! The slowdowns a pull request accepts by updating its stored baseline.

use std::path::Path;

use crate::baseline;
use crate::compare::{self, Accepted, GateSettings};
use crate::config::Config;

/// The slowdowns accepted by a pull request that changed the stored
/// baseline: per endpoint × gated metric, new baseline / old baseline where
/// that is above 1, estimated as `check` would compare the two files (with
/// their own noise, which the A/B comparison then adds to its own). Empty
/// when the baseline did not change, is missing on either side, or measured
/// another suite. `gate` is the gate the A/B run decides with (the base's).
pub fn accepted(
    base_dir: &Path,
    head_dir: &Path,
    head: &Config,
    gate: &GateSettings,
) -> Vec<Accepted> {
    let (old_path, new_path) = (
        baseline::path(base_dir, &head.suite),
        baseline::path(head_dir, &head.suite),
    );
    let (Ok(old_bytes), Ok(new_bytes)) = (std::fs::read(&old_path), std::fs::read(&new_path))
    else {
        return Vec::new();
    };
    if old_bytes == new_bytes {
        return Vec::new();
    }
    let (old, new) = match (
        baseline::read_record(&old_path),
        baseline::read_record(&new_path),
    ) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!(
                "benchgate: warning: cannot read a stored baseline to see what this pull request accepts ({e}); no slowdown is taken as accepted"
            );
            return Vec::new();
        }
    };
    if old.fingerprint != new.fingerprint {
        eprintln!(
            "benchgate: warning: this pull request's stored baseline measures a changed suite; no slowdown is taken as accepted"
        );
        return Vec::new();
    }
    compare::ratio_estimates(&old, &new, gate)
        .into_iter()
        .filter_map(|(endpoint, metric, estimate)| {
            let e = estimate.filter(|e| e.ratio > 1.0 && e.log_se.is_finite())?;
            // The two baselines were recorded at different times, often on
            // different machines: an offset their own runs cannot show.
            let (log_se, df) = crate::stats::combined_noise(
                (e.log_se, e.df),
                (BASELINE_OFFSET, BASELINE_OFFSET_DF),
            );
            Some(Accepted {
                endpoint,
                metric,
                ratio: e.ratio,
                log_se,
                df,
            })
        })
        .collect()
}

/// The offset (sd of the log ratio) between two stored baselines that no
/// interval of theirs covers: a shared machine's speed moves by 10% and
/// more between recordings minutes apart, and between machines. An accepted
/// slowdown is therefore known only to about ±10%, and the head is allowed
/// that much beyond it before it fails.
const BASELINE_OFFSET: f64 = 0.10;
/// Degrees of freedom given to [`BASELINE_OFFSET`].
const BASELINE_OFFSET_DF: f64 = 20.0;
