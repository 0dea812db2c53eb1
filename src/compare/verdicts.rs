//! One endpoint × metric's estimate turned into its comparison: the
//! interval at its Holm level, the verdict, the smallest detectable change
//! and the note that says why.

use super::*;

pub(super) fn metric_comparison(
    metric: Metric,
    estimate: Option<&Estimate>,
    level: f64,
    threshold: f64,
    paired: bool,
    base: &EndpointRecord,
    head: &EndpointRecord,
) -> MetricComparison {
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
pub(super) fn metric_estimate(
    metric: Metric,
    estimate: &Estimate,
    level: f64,
    threshold: f64,
    paired: bool,
) -> MetricComparison {
    let interval = estimate.adjusted(level);
    let verdict = VerdictName::from(stats::verdict(&interval, threshold));
    let finite = |x: f64| x.is_finite().then_some(x);
    let fix = if paired {
        "measure longer (--duration) for more pairs, or see `benchgate calibrate`"
    } else {
        "record more baseline runs (--runs) or longer runs, or use A/B mode (--ab)"
    };
    let note = match verdict {
        VerdictName::Inconclusive => Some(match finite(interval.detectable) {
            Some(d) => format!(
                "this run can only detect changes of about {:.0}% or more; {fix}",
                d * 100.0
            ),
            None => format!("the noise is too large to detect any change; {fix}"),
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
