//! `benchgate capacity`: the operating point, measured. The suite's mix is
//! replayed against two copies of this checkout's app at once (as A/B mode
//! loads the runner) at rising rates, a short stage each, until the median
//! of some endpoint doubles or the apps stop carrying the rate. The last rate
//! they carried is the capacity; a quarter of it is the suggested
//! `load.rate`, where a shared runner's noise is smallest (DESIGN.md: at 40%
//! of capacity a Flask p50 moved ×18 between runs, at 15% by 11%). The result
//! is saved beside the baselines, and the gate warns when a suite asks for
//! more.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::ab::{self, AbError};
use crate::compare::{capacity_of, SUSTAINED_SHARE};
use crate::config::{Config, Overrides};
use crate::exit::{Code, Coded};
use crate::files::{self, WriteError};
use crate::record::{Host, Pairing, RunRecord};

/// Share of the capacity suggested as `load.rate`.
pub const QUIET_SHARE: f64 = 0.25;
/// The first stage's share of the suite's rate, and the step between stages.
const FIRST_SHARE: f64 = 0.25;
const STEP: f64 = 2.0;
const MAX_STAGES: usize = 9;
/// A median this many times the first stage's means the app queues.
const QUEUEING: f64 = 2.0;

/// `baselines/<suite>.capacity.json`.
pub fn capacity_path(dir: &Path, suite: &str) -> PathBuf {
    dir.join(format!("{suite}.capacity.json"))
}

/// What the probe found, as saved.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CapacityFile {
    pub suite: String,
    pub host: Host,
    pub time_utc: String,
    /// The highest rate both apps carried without queueing, per side.
    pub capacity_rate: f64,
    /// The rate suggested for `load.rate`.
    pub suggested_rate: f64,
}

/// One stage of the ramp.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub rate: f64,
    /// The lower of the two sides' sustained rates.
    pub sustained: f64,
    /// Per endpoint: median ms (the slower side's).
    pub p50_ms: Vec<(String, Option<f64>)>,
    /// Why the ramp stopped here, if it did.
    pub stop: Option<String>,
}

/// The ramp and its conclusion.
#[derive(Debug, Clone)]
pub struct Probe {
    pub config: Config,
    pub stages: Vec<Stage>,
    pub file: CapacityFile,
}

#[derive(Debug, thiserror::Error)]
pub enum CapacityError {
    #[error(transparent)]
    Ab(#[from] AbError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("the app did not carry even {0}/s, the ramp's first stage; check the app, or lower load.rate and probe again")]
    NoCapacity(f64),
}

impl Coded for CapacityError {
    fn exit_code(&self) -> Code {
        match self {
            CapacityError::Ab(e) => e.exit_code(),
            CapacityError::Write(e) => e.exit_code(),
            CapacityError::NoCapacity(_) => Code::RunFailed,
        }
    }
}

/// Ramps the rate on two copies of the suite's app until they queue, and
/// saves the capacity in `baselines`.
pub fn probe(suite: &Path, baselines: Option<&Path>) -> Result<Probe, CapacityError> {
    let base = crate::config::load(suite, &Overrides::default(), crate::config::UNBOUND_PORT)
        .map_err(AbError::from)?;
    let mut stages: Vec<Stage> = Vec::new();
    let mut carried: Option<f64> = None;
    let mut rate = (base.load.rate * FIRST_SHARE).max(1.0);
    for index in 0..MAX_STAGES {
        let overrides = Overrides {
            rate: Some(rate),
            duration: Some(Duration::from_secs(4)),
            max_duration: Some(Duration::from_secs(4)),
            block: Some(Duration::from_millis(500)),
            warmup: Some(Duration::from_secs(1)),
        };
        eprintln!("capacity: stage {} at {rate:.1}/s per side", index + 1);
        let run = ab::measure(ab::Sides {
            head_suite: suite,
            overrides: &overrides,
            base_suite: suite,
            pairing: Pairing::Random,
            build: index == 0,
        })?;
        let mut stage = stage(rate, &run.base, &run.head);
        let first = stages.first().unwrap_or(&stage).clone();
        stage.stop = stop_reason(&first, &stage);
        let stopped = stage.stop.is_some();
        if !stopped {
            carried = Some(rate);
        }
        stages.push(stage);
        if stopped {
            break;
        }
        rate *= STEP;
    }
    let capacity = carried.ok_or(CapacityError::NoCapacity(
        (base.load.rate * FIRST_SHARE).max(1.0),
    ))?;
    let file = CapacityFile {
        suite: base.suite.clone(),
        host: crate::provenance::host(),
        time_utc: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        capacity_rate: capacity,
        suggested_rate: (capacity * QUIET_SHARE).max(1.0),
    };
    let dir = crate::baseline::dir_for(&base, baselines);
    files::write_json(&capacity_path(&dir, &base.suite), &file)?;
    Ok(Probe {
        config: base,
        stages,
        file,
    })
}

fn stage(rate: f64, base: &RunRecord, head: &RunRecord) -> Stage {
    let capacity = capacity_of(base, head);
    let sustained = capacity
        .base
        .sustained_rate
        .min(capacity.head.sustained_rate);
    let p50 = |record: &RunRecord, name: &str| {
        record
            .endpoint(name)
            .map(|e| e.pooled())
            .filter(|h| !h.is_empty())
            .map(|h| h.value_at_quantile(0.5) as f64 / 1000.0)
    };
    let p50_ms = head
        .endpoints
        .iter()
        .map(|e| {
            let worst = match (p50(base, &e.name), p50(head, &e.name)) {
                (Some(b), Some(h)) => Some(b.max(h)),
                (b, h) => b.or(h),
            };
            (e.name.clone(), worst)
        })
        .collect();
    Stage {
        rate,
        sustained,
        p50_ms,
        stop: None,
    }
}

/// Why the ramp stops at `stage`: the apps fell short of its rate, or an
/// endpoint's median doubled since the first stage.
fn stop_reason(first: &Stage, stage: &Stage) -> Option<String> {
    if stage.sustained < SUSTAINED_SHARE * stage.rate {
        return Some(format!(
            "sustained {:.1}/s of {:.1}/s",
            stage.sustained, stage.rate
        ));
    }
    first
        .p50_ms
        .iter()
        .zip(&stage.p50_ms)
        .find_map(|((name, was), (_, now))| match (was, now) {
            (Some(was), Some(now)) if *now >= QUEUEING * was.max(0.05) => {
                Some(format!("{name} p50 {was:.2} → {now:.2} ms"))
            }
            (Some(_), None) => Some(format!("{name} got no successful response")),
            _ => None,
        })
}

/// The capacity measured for `suite` in `dir`, if any.
pub fn saved(dir: &Path, suite: &str) -> Option<CapacityFile> {
    let text = fs_err::read_to_string(capacity_path(dir, suite)).ok()?;
    serde_json::from_str(&text).ok()
}

/// A warning when `config` asks for more than the saved capacity suggests.
pub fn above_suggestion(config: &Config, dir: &Path) -> Option<String> {
    let file = saved(dir, &config.suite)?;
    (config.load.rate > file.suggested_rate * 1.05).then(|| {
        format!(
            "load.rate {}/s is above the {:.0}/s this runner carries quietly ({:.0}/s capacity measured by `benchgate capacity` on {}): latencies near capacity queue and vary from run to run; lower load.rate",
            config.load.rate, file.suggested_rate, file.capacity_rate, file.time_utc
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(rate: f64, sustained: f64, p50: f64) -> Stage {
        Stage {
            rate,
            sustained,
            p50_ms: vec![("home".into(), Some(p50))],
            stop: None,
        }
    }

    #[test]
    fn the_ramp_stops_when_the_median_doubles_or_the_rate_is_not_carried() {
        let first = stage(10.0, 10.0, 1.0);
        assert_eq!(stop_reason(&first, &stage(20.0, 19.9, 1.5)), None);
        assert_eq!(
            stop_reason(&first, &stage(40.0, 39.0, 2.1)).as_deref(),
            Some("home p50 1.00 → 2.10 ms")
        );
        assert_eq!(
            stop_reason(&first, &stage(80.0, 60.0, 1.2)).as_deref(),
            Some("sustained 60.0/s of 80.0/s")
        );
    }
}
