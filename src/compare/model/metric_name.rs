//! Metrics read back by the names they were written with, for the JSON
//! files that hold a [`Metric`] (comparisons, calibration files).

use serde::{Deserialize, Deserializer};

use crate::config::Metric;

/// Reads a metric back by the name it was written with.
pub(crate) fn metric_by_name<'de, D: Deserializer<'de>>(d: D) -> Result<Metric, D::Error> {
    let name = String::deserialize(d)?;
    Metric::ALL
        .into_iter()
        .find(|m| m.name() == name)
        .ok_or_else(|| {
            serde::de::Error::unknown_variant(
                &name,
                &[
                    "p50",
                    "p90",
                    "p95",
                    "p99",
                    "mean",
                    "cpu/request",
                    "peak_rss",
                ],
            )
        })
}
