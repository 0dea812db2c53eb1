//! The row [`APP_ROW`]: the suite-level metrics of the app's process tree
//! that the gate compares — `cpu/request` ([`super::cpu`]) and `peak_rss`
//! ([`super::peak_rss`]) — each estimated by its own module, given A/B
//! mode's run-to-run floor, tested in the suite's one Holm family (after
//! every endpoint's tests) and judged against the suite's threshold like a
//! latency metric. A metric one side measured and the other did not is
//! missing on that side (which fails the gate); one neither side measured
//! is warned about.

use super::blocks::blocks_of;
use super::figure::{Figure, Measured};
use super::{cpu, peak_rss};
use crate::compare::gate::RunNoise;
use crate::compare::holm::{Handle, HolmFamily, HolmLevels, Part};
use crate::compare::judging::Judging;
use crate::compare::latency::metric_estimate;
use crate::compare::model::{
    Curves, EndpointComparison, ErrorComparison, MetricComparison, MissingOn,
};
use crate::compare::rounds::instance_noise_of;
use crate::config::names::APP_ROW;
use crate::config::Metric;
use crate::record::RunRecord;
use crate::stats::{self, Estimate};

/// One gated app-level metric and what was found of it.
#[derive(Debug, Clone)]
pub(crate) struct AppMetric {
    metric: Metric,
    found: Found,
}

#[derive(Debug, Clone)]
enum Found {
    /// Not measured on either side, and why: no test.
    Absent(String),
    /// Measured on one side only, and why not on the other: no test, and
    /// it fails the gate.
    Missing(MissingOn, String),
    /// Measured on both sides, and registered in the family.
    Tested { measured: Measured, handle: Handle },
}

/// The app row of a comparison and the warnings of metrics that could not
/// be compared.
#[derive(Debug, Default)]
pub(crate) struct AppRow {
    pub row: Option<EndpointComparison>,
    pub warnings: Vec<String>,
}

/// Each app-level metric the suite gates, in [`Metric::APP`] order,
/// estimated, (in A/B mode) widened by the run-to-run floor, and — when
/// measured — registered in `family`.
pub(crate) fn measure(
    base: &RunRecord,
    head: &RunRecord,
    judging: &Judging<'_>,
    family: &mut HolmFamily,
) -> Vec<AppMetric> {
    let (alpha, pairing) = (judging.alpha, judging.pairing);
    Metric::APP
        .into_iter()
        .filter(|m| judging.gate.suite.metrics.contains(m))
        .map(|metric| {
            if let Some(found) = one_sided(base, head) {
                return AppMetric { metric, found };
            }
            let figure = match metric {
                Metric::PeakRss => peak_rss::peak_rss(base, head, alpha, pairing),
                _ => cpu::cpu(base, head, alpha, pairing),
            };
            let found = match figure {
                Figure::Absent(why) => Found::Absent(why),
                Figure::Measured(mut measured) => {
                    measured.estimate = measured
                        .estimate
                        .map(|e| run_noise(metric, e, base, head, judging));
                    let p_value = measured.estimate.as_ref().map_or(1.0, |e| e.p_value);
                    let handle = family.register(Part::App, p_value);
                    Found::Tested { measured, handle }
                }
            };
            AppMetric { metric, found }
        })
        .collect()
}

/// A side without resource blocks where the other has them: every app
/// metric is missing there.
fn one_sided(base: &RunRecord, head: &RunRecord) -> Option<Found> {
    match (blocks_of(base, "base"), blocks_of(head, "head")) {
        (Ok(_), Err(why)) => Some(Found::Missing(MissingOn::Head, why.to_string())),
        (Err(why), Ok(_)) => Some(Found::Missing(MissingOn::Base, why.to_string())),
        _ => None,
    }
}

/// The app row, each measured metric at its Holm level. When the runs
/// cannot decide the gate, it decides nothing either.
pub(crate) fn row(metrics: Vec<AppMetric>, levels: &HolmLevels, judging: &Judging<'_>) -> AppRow {
    let threshold = judging.gate.suite.threshold;
    let mut app = AppRow::default();
    let mut compared = Vec::new();
    for AppMetric { metric, found } in metrics {
        let (measured, handle) = match found {
            Found::Absent(why) => {
                app.warnings
                    .push(format!("{} is not compared: {why}", metric.name()));
                continue;
            }
            Found::Missing(on, why) => {
                compared.push(MetricComparison::missing(metric, on, &why));
                continue;
            }
            Found::Tested { measured, handle } => (measured, handle),
        };
        let level = levels.level(handle);
        let mut m = match measured.estimate.as_ref() {
            Some(e) => metric_estimate(metric, e, level, threshold, judging.paired()),
            None => MetricComparison::without_estimate(metric, (None, None), too_little(metric)),
        };
        m.base_ms = measured.base;
        m.head_ms = measured.head;
        judging.overrule(&mut m);
        compared.push(m);
    }
    if !compared.is_empty() {
        app.row = Some(EndpointComparison {
            name: APP_ROW.into(),
            threshold,
            metrics: compared,
            errors: ErrorComparison {
                base_rate: 0.0,
                head_rate: 0.0,
                max_increase: judging.gate.suite.max_error_rate_increase,
                p_value: None,
                regressed: false,
            },
            curves: Curves::default(),
            phases: Vec::new(),
        });
    }
    app
}

fn too_little(metric: Metric) -> String {
    let what = match metric {
        Metric::PeakRss => "a reading of the app's memory",
        _ => "CPU time and successful requests",
    };
    format!(
        "too little data: each side needs at least {} blocks with {what}",
        stats::MIN_BLOCKS
    )
}

/// In A/B mode, the run-to-run floor of an app-level metric (between two
/// instances of one build), as for a latency metric — the gate's, or the
/// default when a calibration file left it out; nothing in stored mode,
/// whose between-run noise the estimate already holds.
fn run_noise(
    metric: Metric,
    estimate: Estimate,
    base: &RunRecord,
    head: &RunRecord,
    judging: &Judging<'_>,
) -> Estimate {
    // A calibration file measures the latency metrics only: the app's
    // metrics then keep the default floor.
    let defaults = RunNoise::defaults();
    let prior = judging
        .gate
        .run_noise
        .of(metric)
        .or_else(|| defaults.of(metric));
    let (Some(_), Some(prior)) = (judging.pairing, prior) else {
        return estimate;
    };
    let within = (estimate.log_se, estimate.df);
    let prior = (prior.tau, prior.df);
    match metric {
        // The ratio of the sides' highest readings over all rounds is an
        // extreme: the ratio of the typical instance's peak is the rounds'.
        Metric::PeakRss => {
            instance_noise_of(&peak_rss::round_log_ratios(base, head), within, prior)
                .apply_to_rounds_mean(&estimate)
        }
        _ => instance_noise_of(&cpu::round_log_ratios(base, head), within, prior).apply(&estimate),
    }
}
