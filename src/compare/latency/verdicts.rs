//! One endpoint × metric's estimate turned into its comparison: the
//! interval at its Holm level, the verdict, the smallest detectable change
//! and the note that says why.

use super::estimates::MetricEstimate;
use super::judgeable::too_few;
use super::shared::EndpointPair;
use crate::compare::judging::Judging;
use crate::compare::model::{MetricComparison, VerdictName};
use crate::config::Metric;
use crate::record::EndpointRecord;
use crate::stats::{self, Estimate};

/// One latency metric of an endpoint at its Holm `level`: its comparison,
/// inconclusive when the runs cannot decide, and noted when a slowdown of
/// it was accepted beforehand.
pub(crate) fn latency_comparison(
    tested: &MetricEstimate,
    pair: EndpointPair<'_>,
    level: f64,
    threshold: f64,
    judging: &Judging<'_>,
) -> MetricComparison {
    let metric = tested.metric;
    let estimate = tested.estimate.as_ref();
    let paired = judging.paired();
    let mut compared = metric_comparison(metric, estimate, level, threshold, paired, pair);
    judging.overrule(&mut compared);
    if let Some(ratio) = judging
        .gate
        .accepted(&pair.head.name, metric)
        .map(|a| a.ratio)
    {
        let accepted = format!(
            "tested against the base × {ratio:.3}: a slowdown of {:+.1}% was accepted in this pull request",
            (ratio - 1.0) * 100.0
        );
        compared.note = Some(match compared.note {
            Some(note) => format!("{accepted}; {note}"),
            None => accepted,
        });
    }
    compared
}

/// One metric's comparison at Holm level `level`, or — without an
/// estimate — each side's pooled figure and why there is none.
pub(crate) fn metric_comparison(
    metric: Metric,
    estimate: Option<&Estimate>,
    level: f64,
    threshold: f64,
    paired: bool,
    pair: EndpointPair<'_>,
) -> MetricComparison {
    let EndpointPair { base, head } = pair;
    let pooled_ms = |e: &EndpointRecord| {
        let pooled = e.pooled();
        (!pooled.is_empty()).then(|| metric.of(&pooled) / 1000.0)
    };
    let Some(estimate) = estimate else {
        return MetricComparison::without_estimate(
            metric,
            (pooled_ms(base), pooled_ms(head)),
            too_few(metric, base, head).unwrap_or_else(|| {
                format!(
                    "too little data: each side needs at least {} blocks with successful requests",
                    stats::MIN_BLOCKS
                )
            }),
        );
    };
    metric_estimate(metric, estimate, level, threshold, paired)
}

/// The comparison of one metric whose estimate exists, at Holm level
/// `level`.
pub(crate) fn metric_estimate(
    metric: Metric,
    estimate: &Estimate,
    level: f64,
    threshold: f64,
    _paired: bool,
) -> MetricComparison {
    let interval = estimate.adjusted(level);
    let verdict = VerdictName::from(stats::verdict(&interval, threshold));
    let finite = |x: f64| x.is_finite().then_some(x);
    // What would narrow an undecided metric depends on the mode: the
    // report says it once, for all of them (`_paired` is the mode).
    let note = match verdict {
        VerdictName::Inconclusive => Some(match finite(interval.detectable) {
            Some(d) if d >= 1.0 => {
                format!(
                    "this run can only detect changes of about ×{:.1} or more",
                    1.0 + d
                )
            }
            Some(d) => format!(
                "this run can only detect changes of about {:.0}% or more",
                d * 100.0
            ),
            None => "the noise is too large to detect any change".to_string(),
        }),
        _ => None,
    };
    MetricComparison {
        metric,
        base_ms: Some(estimate.base / 1000.0),
        head_ms: Some(estimate.head / 1000.0),
        ratio: Some(estimate.ratio),
        lower: finite(interval.lower).filter(|l| *l > 0.0),
        upper: finite(interval.upper),
        p_value: Some(estimate.p_value),
        detectable: finite(interval.detectable),
        verdict,
        note,
    }
}
