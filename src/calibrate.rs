//! `benchgate calibrate`: what A/A runs (the same build on both sides) say
//! about this machine's noise, per endpoint × metric — the spread of the
//! per-pair log-ratios, the run-to-run offset between two copies of the app
//! that no block pair can see (τ, saved for A/B mode), the smallest slowdown
//! the current settings detect with 95% power, and how long a run would have
//! to be to detect the configured threshold.

use std::path::Path;
use std::time::Duration;

use crate::ab::{self, noise_path, run_noise, NoiseFile};
use crate::compare::{self, Comparison, GateSettings, MetricNoise, RunNoise, VerdictName};
use crate::config::{Config, Metric, Overrides};
use crate::exit::{Code, Coded};
use crate::record::{Pairing, RunRecord};
use crate::{baseline, files};

/// One A/A run's estimate of one endpoint × metric: (endpoint, metric,
/// ln(head/base), its within-run standard error).
pub type Estimated = (String, Metric, f64, f64);

/// The within-run estimates of one A/A run.
pub fn estimated(base: &RunRecord, head: &RunRecord, gate: &GateSettings) -> Vec<Estimated> {
    compare::ratio_estimates(base, head, gate)
        .into_iter()
        .filter_map(|(endpoint, metric, e)| e.map(|e| (endpoint, metric, e.ratio.ln(), e.log_se)))
        .collect()
}

/// τ per metric from several A/A runs: for each endpoint, the variance of
/// ln(head/base) between runs minus the mean within-run variance (what each
/// run's own interval already covers), never below zero; averaged over the
/// endpoints, with Σ(runs − 1) degrees of freedom. `None` for a metric with
/// fewer than two runs of any endpoint.
pub fn estimate_tau(runs: &[Vec<Estimated>]) -> Vec<MetricNoise> {
    let mut out = Vec::new();
    for metric in Metric::LATENCY {
        let mut endpoints: Vec<&str> = runs
            .iter()
            .flatten()
            .filter(|(_, m, _, _)| *m == metric)
            .map(|(e, _, _, _)| e.as_str())
            .collect();
        endpoints.sort();
        endpoints.dedup();
        let mut excess = Vec::new();
        let mut df = 0.0;
        for endpoint in endpoints {
            let (logs, ses): (Vec<f64>, Vec<f64>) = runs
                .iter()
                .flatten()
                .filter(|(e, m, _, _)| e == endpoint && *m == metric)
                .map(|(_, _, log_ratio, se)| (*log_ratio, *se))
                .unzip();
            let Some(spread) = sd(&logs) else { continue };
            let within = ses.iter().map(|s| s * s).sum::<f64>() / ses.len() as f64;
            excess.push((spread * spread - within).max(0.0));
            df += (logs.len() - 1) as f64;
        }
        if !excess.is_empty() {
            let tau = (excess.iter().sum::<f64>() / excess.len() as f64).sqrt();
            out.push(MetricNoise { metric, tau, df });
        }
    }
    out
}

/// The noise of one endpoint × metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub endpoint: String,
    pub metric: &'static str,
    /// Pairs with requests on both sides (last run).
    pub pairs: usize,
    /// Standard deviation of ln(head block / base block) over the pairs.
    pub pair_sd: Option<f64>,
    /// Smallest relative slowdown one A/B run detects (95% power, at the
    /// suite's multiplicity-adjusted level, the run-to-run floor included).
    pub detectable: Option<f64>,
    /// The gate's threshold for this endpoint.
    pub threshold: f64,
    /// Measured time per side needed to detect the threshold; `None` when
    /// the run-to-run floor alone is too large.
    pub needed: Option<Duration>,
    /// The A/A verdict (anything but unchanged or inconclusive is a false
    /// alarm).
    pub verdict: VerdictName,
}

/// One row per compared endpoint × metric of the last A/A comparison
/// (made with the floor `gate` carries); `within` is that run's
/// (endpoint, metric, ln ratio, within-run SE), as [`estimate_tau`] takes.
pub fn rows(
    base: &RunRecord,
    head: &RunRecord,
    comparison: &Comparison,
    gate: &GateSettings,
    within: &[Estimated],
) -> Vec<Row> {
    let duration = Duration::from_millis(head.load.duration_ms);
    let mut rows = Vec::new();
    for endpoint in &comparison.endpoints {
        let (Some(b), Some(h)) = (base.endpoint(&endpoint.name), head.endpoint(&endpoint.name))
        else {
            continue;
        };
        for metric in &endpoint.metrics {
            let logs: Vec<f64> = b
                .blocks
                .iter()
                .zip(&h.blocks)
                .filter(|(b, h)| !b.latency_us.is_empty() && !h.latency_us.is_empty())
                .filter_map(|(b, h)| {
                    let stat = |hist: &crate::record::Latency| match metric.metric.quantile() {
                        Some(q) => hist.value_at_quantile(q) as f64,
                        None => hist.mean(),
                    };
                    let ratio = stat(&h.latency_us) / stat(&b.latency_us);
                    (ratio.is_finite() && ratio > 0.0).then(|| ratio.ln())
                })
                .collect();
            let within = within
                .iter()
                .find(|(e, m, _, _)| *e == endpoint.name && *m == metric.metric)
                .map(|(_, _, _, se)| *se);
            let tau = gate
                .run_noise
                .metrics
                .iter()
                .find(|m| m.metric == metric.metric)
                .map_or(0.0, |m| m.tau);
            let needed = match (metric.detectable, within) {
                (Some(d), Some(se)) => needed(duration, d, se, tau, endpoint.threshold),
                _ => None,
            };
            rows.push(Row {
                endpoint: endpoint.name.clone(),
                metric: metric.metric.name(),
                pairs: logs.len(),
                pair_sd: sd(&logs),
                detectable: metric.detectable,
                threshold: endpoint.threshold,
                needed,
                verdict: metric.verdict,
            });
        }
    }
    rows
}

/// The run length at which the detectable change shrinks to `threshold`.
/// A run detects `detectable` with standard error √(se² + τ²) of ln R; the
/// within-run part se² falls with the run's length, the run-to-run floor τ²
/// does not. `None` when τ alone is too large.
pub fn needed(
    duration: Duration,
    detectable: f64,
    se: f64,
    tau: f64,
    threshold: f64,
) -> Option<Duration> {
    if !(detectable > 0.0 && threshold > 0.0 && se > 0.0) {
        return None;
    }
    let total = (se * se + tau * tau).sqrt();
    let multiplier = (1.0 + detectable).ln() / total;
    let target = (1.0 + threshold).ln() / multiplier;
    let room = target * target - tau * tau;
    if room <= 0.0 {
        return None;
    }
    let secs = duration.as_secs_f64() * se * se / room;
    secs.is_finite()
        .then(|| Duration::from_secs(secs.ceil().max(1.0) as u64))
}

fn sd(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    Some(var.sqrt())
}

/// `benchgate calibrate`: this tree against itself, `runs` times; with two
/// runs or more the run-to-run floor is saved beside the baselines for A/B
/// mode. Returns the last run's table and the floor in force.
pub fn run(
    suite: &Path,
    overrides: &Overrides,
    baselines: Option<&Path>,
    runs: u32,
    pairing: Pairing,
) -> Result<Calibration, CalibrateError> {
    if runs as usize > ab::MAX_RUNS {
        // A/B mode would refuse the file such a calibration writes.
        return Err(CalibrateError::Ab(ab::AbError::Setup(format!(
            "--runs {runs} is over {}, the most A/A runs a calibration file may hold; give fewer",
            ab::MAX_RUNS
        ))));
    }
    let mut estimates = Vec::new();
    let mut last = None;
    for run in 1..=runs {
        eprintln!("A/A run {run} of {runs}");
        let side_by_side = ab::measure(ab::Sides {
            head_suite: suite,
            overrides,
            base_suite: suite,
            pairing,
            build: run == 1,
        })?;
        let gate = GateSettings::from_config(&side_by_side.head_config);
        estimates.push(estimated(&side_by_side.base, &side_by_side.head, &gate));
        last = Some(side_by_side);
    }
    let Some(run) = last else {
        return Err(CalibrateError::Ab(ab::AbError::Setup(
            "calibrate needs at least one run (--runs)".into(),
        )));
    };
    let suite_name = &run.head_config.suite;
    let dir = baseline::dir_for(&run.head_config, baselines);
    if runs >= 2 {
        let metrics = estimate_tau(&estimates);
        let path = noise_path(&dir, suite_name);
        if let Some(why) = too_noisy(&metrics) {
            eprintln!(
                "benchgate: warning: run-to-run floor NOT saved ({} left as it was): {why}, over {:.0}%, the largest floor A/B mode accepts: a machine that noisy cannot gate; calibrate again on a quieter runner, or with more --runs",
                path.display(),
                ab::MAX_TAU * 100.0
            );
        } else {
            let file = NoiseFile {
                suite: suite_name.clone(),
                host: run.head.provenance.host.clone(),
                time_utc: run.head.provenance.time_utc.clone(),
                runs: runs as usize,
                metrics,
            };
            files::write_json(&path, &file)?;
            eprintln!(
                "run-to-run floor saved to {}; commit it: A/B mode adds it to every interval",
                path.display()
            );
        }
    }
    let noise = run_noise(&dir, suite_name)?;
    let gate = GateSettings::from_config(&run.head_config).for_ab(noise.clone(), Vec::new());
    let comparison = compare::compare(&run.base, &run.head, &gate);
    let last = estimates.last().map(Vec::as_slice).unwrap_or_default();
    let rows = rows(&run.base, &run.head, &comparison, &gate, last);
    Ok(Calibration {
        config: run.head_config,
        rows,
        noise,
    })
}

/// The metrics whose run-to-run floor is over what a noise file may hold
/// ("p50 τ 69%, mean τ 55%"), if any: such a file would be refused by
/// every A/B run that read it, so it is never written.
fn too_noisy(metrics: &[MetricNoise]) -> Option<String> {
    let over: Vec<String> = metrics
        .iter()
        .filter(|m| m.tau.is_nan() || m.tau > ab::MAX_TAU)
        .map(|m| format!("{} τ {:.0}%", m.metric.name(), m.tau * 100.0))
        .collect();
    (!over.is_empty()).then(|| over.join(", "))
}

/// Why calibration stopped.
#[derive(Debug, thiserror::Error)]
pub enum CalibrateError {
    #[error(transparent)]
    Ab(#[from] ab::AbError),
    #[error(transparent)]
    Write(#[from] files::WriteError),
    #[error(transparent)]
    Noise(#[from] ab::NoiseError),
}

impl Coded for CalibrateError {
    fn exit_code(&self) -> Code {
        match self {
            CalibrateError::Ab(e) => e.exit_code(),
            CalibrateError::Write(e) => e.exit_code(),
            CalibrateError::Noise(e) => e.exit_code(),
        }
    }
}

/// What `calibrate` found: one row per endpoint × metric of its last run,
/// and the run-to-run floor now in force.
#[derive(Debug)]
pub struct Calibration {
    pub config: Config,
    pub rows: Vec<Row>,
    pub noise: RunNoise,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_floor_over_what_a_b_mode_accepts_is_never_saved() {
        let noise = |metric, tau| MetricNoise {
            metric,
            tau,
            df: 1.0,
        };
        let fine = [noise(Metric::P50, 0.02), noise(Metric::Mean, 0.5)];
        assert_eq!(too_noisy(&fine), None);
        // Two A/A runs on a loaded machine once gave p50 τ 0.694: a file
        // every later A/B run would have refused.
        let loud = [
            noise(Metric::P50, 0.694),
            noise(Metric::Mean, 0.1),
            noise(Metric::P99, 0.6),
        ];
        assert_eq!(too_noisy(&loud).as_deref(), Some("p50 τ 69%, p99 τ 60%"));
    }

    #[test]
    fn needed_duration_scales_the_within_run_noise_only() {
        let d = Duration::from_secs(20);
        // No floor: detecting 20% in 20 s means detecting 10% takes about
        // (ln 1.2 / ln 1.1)² ≈ 3.65× as long.
        assert_eq!(
            needed(d, 0.20, 0.05, 0.0, 0.10),
            Some(Duration::from_secs(74))
        );
        assert_eq!(needed(d, 0.10, 0.05, 0.0, 0.10), Some(d));
        assert!(needed(d, 0.05, 0.05, 0.0, 0.10).is_some_and(|n| n < d));
        // A floor makes it longer, and a floor as large as the target
        // makes it unreachable.
        let floored = needed(d, 0.20, 0.05, 0.02, 0.10).expect("reachable");
        assert!(floored > Duration::from_secs(74), "{floored:?}");
        assert_eq!(needed(d, 0.20, 0.01, 0.2, 0.10), None);
        assert_eq!(needed(d, f64::INFINITY, 0.05, 0.0, 0.10), None);
    }

    #[test]
    fn sd_is_the_sample_standard_deviation() {
        assert_eq!(sd(&[1.0]), None);
        let s = sd(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).expect("sd");
        assert!((s - 2.138_089_935).abs() < 1e-9, "{s}");
    }

    #[test]
    fn tau_is_the_spread_between_runs_beyond_the_runs_own_errors() {
        // Simulated A/A runs with a known run-level offset: τ = 0.03 on top
        // of a within-run error of 0.01, 400 runs of two endpoints.
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        // Box–Muller.
        let mut normal = |sd: f64| {
            let (u, v): (f64, f64) = (rng.random(), rng.random());
            sd * (-2.0 * (1.0 - u).ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        };
        let runs: Vec<Vec<Estimated>> = (0..400)
            .map(|_| {
                ["a", "b"]
                    .iter()
                    .map(|e| {
                        let log_ratio = normal(0.03) + normal(0.01);
                        (e.to_string(), Metric::P50, log_ratio, 0.01)
                    })
                    .collect()
            })
            .collect();
        let found = estimate_tau(&runs);
        assert_eq!(found.len(), 1);
        assert!((found[0].tau - 0.03).abs() < 0.003, "{found:?}");
        assert_eq!(found[0].df, 2.0 * 399.0);

        // Runs that agree within their own errors give τ = 0.
        let quiet: Vec<Vec<Estimated>> = (0..50)
            .map(|_| vec![("a".to_string(), Metric::P95, normal(0.01), 0.02)])
            .collect();
        assert_eq!(estimate_tau(&quiet)[0].tau, 0.0);
    }
}
