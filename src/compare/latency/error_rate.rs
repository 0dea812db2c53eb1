//! An endpoint's other test: whether its error rate rose by more than the
//! gate allows (see [`stats::error_rate_test`]).

use super::shared::EndpointPair;
use crate::compare::model::ErrorComparison;
use crate::record::Outcomes;
use crate::stats::{self, ErrorRateResult};

/// One endpoint's error rates and their test.
#[derive(Debug, Clone)]
pub(crate) struct ErrorTest {
    base_rate: f64,
    head_rate: f64,
    /// `None` when there is nothing to test.
    test: Option<ErrorRateResult>,
}

impl ErrorTest {
    /// The test of `pair`'s error rates against an allowed rise of
    /// `max_increase`, at level `alpha`.
    pub(crate) fn of(pair: EndpointPair<'_>, max_increase: f64, alpha: f64) -> ErrorTest {
        let (bo, ho) = (pair.base.outcomes(), pair.head.outcomes());
        let test = stats::error_rate_test(
            bo.errors(),
            bo.total(),
            ho.errors(),
            ho.total(),
            max_increase,
            alpha,
        );
        ErrorTest {
            base_rate: rate(&bo),
            head_rate: rate(&ho),
            test,
        }
    }

    /// Its p-value for a Holm family: 1 without a test.
    pub(crate) fn p_value(&self) -> f64 {
        self.test.as_ref().map_or(1.0, |t| t.p_value)
    }

    /// The comparison at Holm level `level`.
    pub(crate) fn judged(&self, level: f64, max_increase: f64) -> ErrorComparison {
        let p_value = self.test.as_ref().map(|t| t.p_value);
        ErrorComparison {
            base_rate: self.base_rate,
            head_rate: self.head_rate,
            max_increase,
            p_value,
            regressed: p_value.is_some_and(|p| p <= level),
        }
    }
}

/// The share of requests that failed; 0 without requests.
fn rate(o: &Outcomes) -> f64 {
    if o.total() > 0 {
        o.errors() as f64 / o.total() as f64
    } else {
        0.0
    }
}
