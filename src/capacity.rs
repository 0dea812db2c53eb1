//! `benchgate capacity`: the operating point, measured. The suite's mix is
//! replayed against two copies of this checkout's app at once (as A/B mode
//! loads the runner), started once, at rising rates, a short stage each
//! with a short settling between, until the median
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
    /// The median ms of the whole mix, every endpoint's requests pooled
    /// (the slower side's): what queueing in the app moves, where one
    /// small endpoint's median also moves with the runner's scheduling.
    pub mix_p50_ms: Option<f64>,
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
    #[error("rate: auto: the app did not carry even {0}/s, the least rate the probe tries; check the app, or set load.rate to a rate it carries")]
    NoAutoRate(f64),
}

impl Coded for CapacityError {
    fn exit_code(&self) -> Code {
        match self {
            CapacityError::Ab(e) => e.exit_code(),
            CapacityError::Write(e) => e.exit_code(),
            CapacityError::NoCapacity(_) | CapacityError::NoAutoRate(_) => Code::RunFailed,
        }
    }
}

/// Ramps the rate on two copies of the suite's app until they queue, and
/// saves the capacity in `baselines`.
pub fn probe(suite: &Path, baselines: Option<&Path>) -> Result<Probe, CapacityError> {
    let base = crate::config::load(suite, &Overrides::default(), crate::config::UNBOUND_PORT)
        .map_err(AbError::from)?;
    let first = (base.load.rate * FIRST_SHARE).max(1.0);
    let stages = ramp(suite, suite, Pairing::Random, &FULL.starting_at(first))?;
    let capacity = carried(&stages).ok_or(CapacityError::NoCapacity(first))?;
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

/// How a ramp's stages are measured.
#[derive(Debug, Clone, Copy)]
struct Ramp {
    first: f64,
    stages: usize,
    /// The measured time of a stage: at least this, and long enough for
    /// [`STAGE_REQUESTS`] per side.
    measured: Duration,
    /// The first stage's warm-up, on apps just started.
    warmup: Duration,
    /// Each later stage's, on apps warm from the last.
    settle: Duration,
    /// Whether a stage that stops the ramp is measured again first.
    confirm: bool,
}

/// The fewest requests per side a stage measures: at a low rate a stage
/// is longer, so that its median, and what the side carried, hold enough
/// requests to compare.
const STAGE_REQUESTS: f64 = 40.0;

/// `benchgate capacity`'s ramp (its first rate from the suite's).
const FULL: Ramp = Ramp {
    first: 1.0,
    stages: MAX_STAGES,
    measured: Duration::from_secs(4),
    warmup: Duration::from_secs(1),
    settle: Duration::from_millis(500),
    confirm: false,
};

impl Ramp {
    fn starting_at(self, first: f64) -> Ramp {
        Ramp { first, ..self }
    }

    /// The load of a stage at `rate` after a warm-up of `warmup`.
    fn stage(&self, rate: f64, warmup: Duration) -> Overrides {
        let measured = self
            .measured
            .max(Duration::from_secs_f64(STAGE_REQUESTS / rate.max(1.0)));
        Overrides {
            rate: Some(rate),
            duration: Some(measured),
            max_duration: Some(measured),
            block: Some(measured / 4),
            warmup: Some(warmup),
        }
    }
}

/// The stages of `ramp` on the base suite's app and the head's at once
/// (the same file for both in A/A), each at twice the last stage's rate,
/// until one queues. Both apps are built, started once and carry every
/// stage: a stage costs its measured time and a short settling, not a
/// start of each app.
fn ramp(
    base_suite: &Path,
    head_suite: &Path,
    pairing: Pairing,
    ramp: &Ramp,
) -> Result<Vec<Stage>, AbError> {
    let mut stages: Vec<Stage> = Vec::new();
    let mut rate = ramp.first;
    let mut confirming = false;
    eprintln!("capacity: stage 1 at {rate:.1}/s per side");
    let mut next = |base: &RunRecord, head: &RunRecord| -> Option<Overrides> {
        let mut measured = stage(rate, base, head);
        measured.stop = stop_reason(stages.first().unwrap_or(&measured), &measured);
        // A stage of a second or two can catch a shared runner's passing
        // spike: the ramp stops where the same rate stops twice.
        if measured.stop.is_some() && ramp.confirm && !confirming {
            confirming = true;
            eprintln!("capacity: stage {} again, to confirm", stages.len() + 1);
            return Some(ramp.stage(rate, ramp.settle));
        }
        confirming = false;
        let stopped = measured.stop.is_some();
        stages.push(measured);
        if stopped || stages.len() >= ramp.stages {
            return None;
        }
        rate *= STEP;
        eprintln!(
            "capacity: stage {} at {rate:.1}/s per side",
            stages.len() + 1
        );
        Some(ramp.stage(rate, ramp.settle))
    };
    let overrides = ramp.stage(ramp.first, ramp.warmup);
    let sides = ab::Sides {
        head_suite,
        overrides: &overrides,
        base_suite,
        pairing,
        build: true,
    };
    ab::measure_stages(sides, &mut next)?;
    Ok(stages)
}

/// The last rate the ramp carried without queueing.
fn carried(stages: &[Stage]) -> Option<f64> {
    stages
        .iter()
        .take_while(|s| s.stop.is_none())
        .last()
        .map(|s| s.rate)
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
    let mix_p50 = |record: &RunRecord| {
        let mut pooled = crate::record::new_histogram();
        for endpoint in &record.endpoints {
            for block in &endpoint.blocks {
                block.latency_us.add_to(&mut pooled);
            }
        }
        (!pooled.is_empty()).then(|| pooled.value_at_quantile(0.5) as f64 / 1000.0)
    };
    let mix_p50_ms = match (mix_p50(base), mix_p50(head)) {
        (Some(b), Some(h)) => Some(b.max(h)),
        (b, h) => b.or(h),
    };
    Stage {
        rate,
        sustained,
        p50_ms,
        mix_p50_ms,
        stop: None,
    }
}

/// Why the ramp stops at `stage`: the apps fell short of its rate, an
/// endpoint stopped answering, or the mix's median doubled since the first
/// stage. (Not one endpoint's median: on a busy runner a 0.6 ms health
/// check's median triples with the scheduler alone, which would stop the
/// ramp at a tenth of what the app carries.)
fn stop_reason(first: &Stage, stage: &Stage) -> Option<String> {
    if stage.sustained < SUSTAINED_SHARE * stage.rate {
        return Some(format!(
            "sustained {:.1}/s of {:.1}/s",
            stage.sustained, stage.rate
        ));
    }
    let silent = first
        .p50_ms
        .iter()
        .zip(&stage.p50_ms)
        .find_map(|((name, was), (_, now))| {
            (was.is_some() && now.is_none()).then(|| format!("{name} got no successful response"))
        });
    silent.or_else(|| match (first.mix_p50_ms, stage.mix_p50_ms) {
        (Some(was), Some(now)) if now >= QUEUEING * was.max(0.05) => {
            Some(format!("the mix's p50 {was:.2} → {now:.2} ms"))
        }
        _ => None,
    })
}

/// `rate: auto`'s ramp: short stages from a rate nearly any app carries.
const AUTO: Ramp = Ramp {
    first: 20.0,
    stages: 8,
    measured: Duration::from_secs(1),
    warmup: Duration::from_millis(500),
    settle: Duration::from_millis(250),
    confirm: true,
};
/// The rates `rate: auto` chooses between. Below the least a block holds
/// too few requests to judge; above the most the load generator's own
/// share of a 2-core runner grows into the noise.
pub const AUTO_LEAST: f64 = 5.0;
pub const AUTO_MOST: f64 = 500.0;

/// The rate `rate: auto` chose for a run, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct RateChoice {
    /// Requests per second per side, for the whole run.
    pub rate: f64,
    /// The last rate the slower side carried without queueing.
    pub capacity: f64,
    /// Why the ramp stopped above `capacity`; `None` when it ran out of
    /// stages first (the capacity is then only a lower bound).
    pub stop: Option<String>,
}

impl RateChoice {
    /// `rate auto: 160/s, 25% of the slower side's capacity of 640/s (…)`.
    pub fn describe(&self) -> String {
        let share = 100.0 * QUIET_SHARE;
        let capacity = match &self.stop {
            Some(why) => format!("capacity of {:.0}/s (above it: {why})", self.capacity),
            None => format!(
                "capacity of at least {:.0}/s (it queued at no stage)",
                self.capacity
            ),
        };
        let wanted = (self.capacity * QUIET_SHARE).round();
        let bound = if wanted > self.rate {
            format!(", capped at {AUTO_MOST:.0}/s")
        } else if wanted < self.rate {
            format!(", raised to {AUTO_LEAST:.0}/s")
        } else {
            String::new()
        };
        format!(
            "rate auto: {:.0}/s, {share:.0}% of the slower side's {capacity}{bound}",
            self.rate
        )
    }
}

/// The rate for `rate: auto` from a ramp's stages: a quarter of the last
/// rate both sides carried (where DESIGN.md found a shared runner's noise
/// smallest), within [`AUTO_LEAST`]..=[`AUTO_MOST`], a whole number per
/// second. `None` when the first stage already queued.
pub fn choose_rate(stages: &[Stage]) -> Option<RateChoice> {
    let capacity = carried(stages)?;
    let stop = stages.iter().find_map(|s| s.stop.clone());
    Some(RateChoice {
        rate: (capacity * QUIET_SHARE)
            .round()
            .clamp(AUTO_LEAST, AUTO_MOST),
        capacity,
        stop,
    })
}

/// `rate: auto`: a short ramp on both sides' apps at once (the base's and
/// the head's; the same suite twice for a stored run), and the rate chosen
/// from the slower one. The first stage builds both apps.
pub fn auto_rate(
    base_suite: &Path,
    head_suite: &Path,
    pairing: Pairing,
) -> Result<RateChoice, CapacityError> {
    eprintln!("rate auto: probing where the apps start to queue");
    let stages = ramp(base_suite, head_suite, pairing, &AUTO)?;
    let choice = choose_rate(&stages).ok_or(CapacityError::NoAutoRate(AUTO.first))?;
    eprintln!("{}", choice.describe());
    Ok(choice)
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
            mix_p50_ms: Some(p50),
            stop: None,
        }
    }

    /// A ramp from 20/s that queued at `queued_at` (or never).
    fn ramp_to(queued_at: Option<f64>) -> Vec<Stage> {
        let mut stages = Vec::new();
        let mut rate = 20.0;
        for _ in 0..8 {
            let queued = queued_at.is_some_and(|q| rate >= q);
            let mut s = stage(rate, rate, if queued { 3.0 } else { 1.0 });
            s.stop = queued.then(|| "the mix's p50 1.00 → 3.00 ms".to_string());
            stages.push(s);
            if queued {
                break;
            }
            rate *= 2.0;
        }
        stages
    }

    #[test]
    fn rate_auto_runs_at_a_quarter_of_the_last_rate_carried_within_bounds() {
        let choice = choose_rate(&ramp_to(Some(1280.0))).expect("a rate");
        assert_eq!((choice.rate, choice.capacity), (160.0, 640.0));
        assert_eq!(
            choice.describe(),
            "rate auto: 160/s, 25% of the slower side's capacity of 640/s (above it: the mix's p50 1.00 → 3.00 ms)"
        );
        // Never queued up to 2560/s: 640/s would be wanted, 500/s is the most.
        let fast = choose_rate(&ramp_to(None)).expect("a rate");
        assert_eq!((fast.rate, fast.capacity), (AUTO_MOST, 2560.0));
        assert!(
            fast.describe()
                .ends_with("capacity of at least 2560/s (it queued at no stage), capped at 500/s"),
            "{}",
            fast.describe()
        );
        // Carried 20/s only: a quarter is 5/s, the least.
        let slow = choose_rate(&ramp_to(Some(40.0))).expect("a rate");
        assert_eq!(slow.rate, AUTO_LEAST);
        // Queued at the first stage: no rate; the caller asks for a fixed one.
        assert_eq!(choose_rate(&ramp_to(Some(20.0))), None);
    }

    #[test]
    fn the_ramp_stops_when_the_median_doubles_or_the_rate_is_not_carried() {
        let first = stage(10.0, 10.0, 1.0);
        assert_eq!(stop_reason(&first, &stage(20.0, 19.9, 1.5)), None);
        assert_eq!(
            stop_reason(&first, &stage(40.0, 39.0, 2.1)).as_deref(),
            Some("the mix's p50 1.00 → 2.10 ms")
        );
        // One small endpoint's median tripling with the scheduler while the
        // mix's stays put does not stop the ramp; one that stops answering
        // does.
        let mut health = stage(40.0, 40.0, 1.1);
        health.p50_ms = vec![("home".into(), Some(3.4))];
        assert_eq!(stop_reason(&first, &health), None);
        health.p50_ms = vec![("home".into(), None)];
        assert_eq!(
            stop_reason(&first, &health).as_deref(),
            Some("home got no successful response")
        );
        assert_eq!(
            stop_reason(&first, &stage(80.0, 60.0, 1.2)).as_deref(),
            Some("sustained 60.0/s of 80.0/s")
        );
    }
}
