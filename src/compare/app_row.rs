//! The row [`APP_ROW`]: the suite-level metrics of the app's process tree
//! that the gate compares — `cpu/request` ([`super::resources`]) and
//! `peak_rss` ([`super::peak_rss`]) — each estimated by its own module,
//! given A/B mode's run-to-run floor, tested in the suite's one Holm family
//! (after every endpoint's tests) and judged against the suite's threshold
//! like a latency metric.

use super::estimates::instance_noise_of;
use super::gate::{GateSettings, RunNoise};
use super::model::{Curves, EndpointComparison, ErrorComparison, MetricComparison, VerdictName};
use crate::config::names::APP_ROW;
use super::verdicts::metric_estimate;
use super::{peak_rss, resources};
use crate::config::Metric;
use crate::record::{Pairing, RunRecord};
use crate::stats::{self, Estimate};

/// What the comparison knows of one app-level metric.
#[derive(Debug, Clone)]
pub(super) enum Figure {
    /// Not measured on a side, and why.
    Absent(String),
    /// Measured on both sides: each side's figure in the metric's unit
    /// ([`Metric::unit`]) and the estimate of head / base (`None` with too
    /// few blocks).
    Measured {
        base: Option<f64>,
        head: Option<f64>,
        estimate: Option<Estimate>,
    },
}

/// One gated app-level metric and what was found of it.
#[derive(Debug, Clone)]
pub(super) struct AppMetric {
    metric: Metric,
    figure: Figure,
}

/// The app row of a comparison and the warnings of metrics that could not
/// be compared.
#[derive(Debug, Default)]
pub(super) struct AppRow {
    pub row: Option<EndpointComparison>,
    pub warnings: Vec<String>,
}

/// Each app-level metric the suite gates, in [`Metric::APP`] order,
/// estimated and (in A/B mode) widened by the run-to-run floor.
pub(super) fn measure(
    base: &RunRecord,
    head: &RunRecord,
    gate: &GateSettings,
    alpha: f64,
    pairing: Option<Pairing>,
) -> Vec<AppMetric> {
    Metric::APP
        .into_iter()
        .filter(|m| gate.suite.metrics.contains(m))
        .map(|metric| {
            let figure = match metric {
                Metric::PeakRss => peak_rss::peak_rss(base, head, alpha, pairing),
                _ => resources::cpu(base, head, alpha, pairing),
            };
            let figure = match figure {
                Figure::Measured {
                    base: b,
                    head: h,
                    estimate,
                } => Figure::Measured {
                    base: b,
                    head: h,
                    estimate: estimate.map(|e| run_noise(metric, e, base, head, gate, pairing)),
                },
                absent => absent,
            };
            AppMetric { metric, figure }
        })
        .collect()
}

/// The p-values of the measured metrics, for the suite's Holm family (one
/// per measured metric; 1 where there is no estimate).
pub(super) fn p_values(metrics: &[AppMetric]) -> Vec<f64> {
    metrics
        .iter()
        .filter_map(|m| match &m.figure {
            Figure::Measured { estimate, .. } => Some(estimate.as_ref().map_or(1.0, |e| e.p_value)),
            Figure::Absent(_) => None,
        })
        .collect()
}

/// The app row, each measured metric at the next of `levels` (the Holm
/// levels left after the endpoints' tests). `foreign`: why a stored
/// baseline cannot be compared, when it cannot; it then decides nothing.
pub(super) fn row(
    metrics: Vec<AppMetric>,
    levels: &mut dyn Iterator<Item = f64>,
    alpha: f64,
    gate: &GateSettings,
    paired: bool,
    foreign: Option<&super::context::Incomparable>,
) -> AppRow {
    let threshold = gate.suite.threshold;
    let mut app = AppRow::default();
    let mut compared = Vec::new();
    for AppMetric { metric, figure } in metrics {
        let (base, head, estimate) = match figure {
            Figure::Absent(why) => {
                app.warnings
                    .push(format!("{} is not compared: {why}", metric.name()));
                continue;
            }
            Figure::Measured {
                base,
                head,
                estimate,
            } => (base, head, estimate),
        };
        let level = levels.next().unwrap_or(alpha);
        let mut m = match estimate.as_ref() {
            Some(e) => metric_estimate(metric, e, level, threshold, paired),
            None => MetricComparison::without_estimate(metric, (None, None), too_little(metric)),
        };
        m.base_ms = base;
        m.head_ms = head;
        if let Some(why) = foreign {
            m.verdict = VerdictName::Inconclusive;
            m.detectable = None;
            m.note = Some(why.note());
        }
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
                max_increase: gate.suite.max_error_rate_increase,
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
    gate: &GateSettings,
    pairing: Option<Pairing>,
) -> Estimate {
    // A calibration file measures the latency metrics only: the app's
    // metrics then keep the default floor.
    let defaults = RunNoise::defaults();
    let prior = gate.run_noise.of(metric).or_else(|| defaults.of(metric));
    let (Some(_), Some(prior)) = (pairing, prior) else {
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
        _ => instance_noise_of(&resources::round_log_ratios(base, head), within, prior)
            .apply(&estimate),
    }
}
