//! Each shared endpoint's tests in the suite's family — one per gated
//! latency metric, and its error rate — and its row once the family's
//! levels are known.

use crate::compare::holm::{Handle, HolmFamily, HolmLevels, Part};
use crate::compare::judging::Judging;
use crate::compare::latency::{
    curve, estimates, latency_comparison, EndpointPair, ErrorTest, Estimated, MetricEstimate,
};
use crate::compare::model::{Curves, EndpointComparison, MetricComparison};
use crate::compare::validity::{endpoint_missing, no_request};
use crate::stats::Estimate;

/// One shared endpoint's tests, registered in the family.
#[derive(Debug)]
pub(crate) struct EndpointTests<'a> {
    pair: EndpointPair<'a>,
    latency: Vec<LatencyTest>,
    errors: ErrorRate,
}

#[derive(Debug)]
struct LatencyTest {
    estimate: MetricEstimate,
    handle: Handle,
}

#[derive(Debug)]
struct ErrorRate {
    test: ErrorTest,
    handle: Handle,
}

/// Every shared endpoint's latency metrics, estimated together (their
/// between-run noise is moderated across endpoints), and its error rate,
/// each registered in `family`.
pub(crate) fn endpoint_tests<'a>(
    shared: &[EndpointPair<'a>],
    judging: &Judging<'_>,
    family: &mut HolmFamily,
) -> Vec<EndpointTests<'a>> {
    let (gate, alpha) = (judging.gate, judging.alpha);
    estimates(shared.to_vec(), gate, alpha, judging.pairing)
        .into_iter()
        .map(|Estimated { of: pair, metrics }| {
            let latency = metrics
                .into_iter()
                .map(|estimate| LatencyTest {
                    handle: family.register(Part::Latency, estimate.p_value()),
                    estimate,
                })
                .collect();
            let test = ErrorTest::of(pair, gate.suite.max_error_rate_increase, alpha);
            let errors = ErrorRate {
                handle: family.register(Part::ErrorRate, test.p_value()),
                test,
            };
            EndpointTests {
                pair,
                latency,
                errors,
            }
        })
        .collect()
}

impl EndpointTests<'_> {
    /// The latency estimates that were made (for the warnings).
    pub(crate) fn estimates(&self) -> impl Iterator<Item = &Estimate> {
        self.latency
            .iter()
            .filter_map(|t| t.estimate.estimate.as_ref())
    }

    /// The endpoint's row, each test at its Holm level; every metric
    /// missing when one side sent the endpoint no request.
    pub(crate) fn judged(&self, levels: &HolmLevels, judging: &Judging<'_>) -> EndpointComparison {
        let EndpointPair { base, head } = self.pair;
        let threshold = judging.gate.threshold(&head.name);
        let missing = endpoint_missing(self.pair);
        let metrics = self
            .latency
            .iter()
            .map(|t| match missing {
                Some(on) => MetricComparison::missing(t.estimate.metric, on, &no_request(on)),
                None => {
                    let level = levels.level(t.handle);
                    latency_comparison(&t.estimate, self.pair, level, threshold, judging)
                }
            })
            .collect();
        let max_increase = judging.gate.suite.max_error_rate_increase;
        EndpointComparison {
            name: head.name.clone(),
            threshold,
            metrics,
            errors: self
                .errors
                .test
                .judged(levels.level(self.errors.handle), max_increase),
            curves: Curves {
                base: curve(base),
                head: curve(head),
            },
            phases: Vec::new(),
        }
    }
}
