//! [`Latency`]: one block's latency histogram, kept sparse.
//!
//! A full `Histogram<u64>` at 3 significant digits holds a dense count array
//! of ≈ 12,000 buckets (≈ 98 KB) however few values it holds, so a record of
//! 50,000 one-value blocks took 4.9 GB. A record keeps each block as the
//! sorted list of its non-empty buckets instead — 16 bytes a bucket — and
//! materialises a full histogram only to merge blocks ([`Latency::to_histogram`],
//! `EndpointRecord::pooled`). Bucket values are HdrHistogram's own
//! (highest-equivalent values of [`new_histogram`]'s layout), so every
//! statistic computed from a `Latency` equals the one computed from the
//! histogram it came from.

use std::sync::OnceLock;

use hdrhistogram::Histogram;

/// Latencies are recorded in microseconds with 3 significant digits.
pub const SIGNIFICANT_DIGITS: u8 = 3;

/// A new, empty latency histogram (µs) that grows as needed.
pub fn new_histogram() -> Histogram<u64> {
    // 1 µs .. ~1 s to start with; auto-resize covers slower responses.
    let mut h = Histogram::new_with_bounds(1, 1 << 20, SIGNIFICANT_DIGITS)
        .expect("constant histogram bounds are valid");
    h.auto(true);
    h
}

/// One non-empty bucket of a [`Latency`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    /// The bucket's highest-equivalent value, µs (HdrHistogram's
    /// `value_iterated_to`).
    pub value: u64,
    /// How many values fell in the bucket (> 0).
    pub count: u64,
}

/// A block's latencies (µs) as non-empty buckets, ascending by value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Latency {
    buckets: Vec<Bucket>,
    total: u64,
}

/// The layout every `Latency` uses (1 µs resolution, 3 significant digits):
/// a calculator for bucket boundaries, never recorded into.
fn layout() -> &'static Histogram<u64> {
    static LAYOUT: OnceLock<Histogram<u64>> = OnceLock::new();
    LAYOUT.get_or_init(|| {
        Histogram::new_with_bounds(1, 2, SIGNIFICANT_DIGITS)
            .expect("constant histogram bounds are valid")
    })
}

impl Latency {
    /// The non-empty buckets of `h`. A histogram of another layout (another
    /// tool's file) is re-bucketed into this one.
    pub fn from_histogram(h: &Histogram<u64>) -> Latency {
        let ours = h.sigfig() == SIGNIFICANT_DIGITS && h.low() == 1;
        if !ours {
            let mut converted = new_histogram();
            for v in h.iter_recorded() {
                // Auto-resizing: any value fits.
                let _ = converted.record_n(v.value_iterated_to(), v.count_at_value());
            }
            return Latency::from_histogram(&converted);
        }
        let mut latency = Latency::default();
        for v in h.iter_recorded() {
            latency.buckets.push(Bucket {
                value: v.value_iterated_to(),
                count: v.count_at_value(),
            });
            latency.total = latency.total.saturating_add(v.count_at_value());
        }
        latency.buckets.shrink_to_fit();
        latency
    }

    /// Records one value (µs), as `Histogram::record` would: O(log buckets),
    /// and memory only for buckets that hold a value.
    pub fn record(&mut self, value: u64) {
        let bucket = layout().highest_equivalent(value);
        match self.buckets.binary_search_by_key(&bucket, |b| b.value) {
            Ok(i) => self.buckets[i].count = self.buckets[i].count.saturating_add(1),
            Err(i) => self.buckets.insert(
                i,
                Bucket {
                    value: bucket,
                    count: 1,
                },
            ),
        }
        self.total = self.total.saturating_add(1);
    }

    /// A full histogram holding the same counts (for merging and quantiles).
    pub fn to_histogram(&self) -> Histogram<u64> {
        let mut h = new_histogram();
        self.add_to(&mut h);
        h
    }

    /// Adds this block's counts into `h` (a histogram of
    /// [`super::new_histogram`]'s layout).
    pub fn add_to(&self, h: &mut Histogram<u64>) {
        for b in &self.buckets {
            // Auto-resizing histograms accept any value; the bucket value is
            // the bucket's own highest-equivalent value, so it lands in the
            // same bucket.
            let _ = h.record_n(b.value, b.count);
        }
    }

    /// The non-empty buckets, ascending by value.
    pub fn buckets(&self) -> &[Bucket] {
        &self.buckets
    }

    /// Number of recorded values.
    pub fn len(&self) -> u64 {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The middle of the bucket that holds `value` (HdrHistogram's
    /// `median_equivalent`, used for the mean).
    pub fn median_equivalent(value: u64) -> u64 {
        layout().median_equivalent(value)
    }

    /// `Histogram::value_at_quantile` of this block.
    pub fn value_at_quantile(&self, q: f64) -> u64 {
        self.to_histogram().value_at_quantile(q)
    }

    /// `Histogram::mean` of this block.
    pub fn mean(&self) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        // Term by term, as HdrHistogram does, for the same rounding.
        self.buckets.iter().fold(0.0, |sum, b| {
            sum + Latency::median_equivalent(b.value) as f64 * b.count as f64 / self.total as f64
        })
    }
}

impl From<&Histogram<u64>> for Latency {
    fn from(h: &Histogram<u64>) -> Latency {
        Latency::from_histogram(h)
    }
}

impl From<&Latency> for Latency {
    fn from(l: &Latency) -> Latency {
        l.clone()
    }
}

impl From<Histogram<u64>> for Latency {
    fn from(h: Histogram<u64>) -> Latency {
        Latency::from_histogram(&h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Histogram<u64> {
        let mut h = new_histogram();
        for v in [
            0u64, 1, 17, 950, 1_000, 1_001, 2_049, 20_000, 123_456, 5_000_000,
        ] {
            h.record_n(v, v % 7 + 1).expect("auto-resizing");
        }
        h
    }

    #[test]
    fn a_latency_holds_the_histogram_it_came_from() {
        let h = sample();
        let l = Latency::from_histogram(&h);
        assert_eq!(l.len(), h.len());
        assert_eq!(l.buckets().len(), 10);
        let back = l.to_histogram();
        assert_eq!(back.len(), h.len());
        assert_eq!(back.max(), h.max());
        assert_eq!(back.min(), h.min());
        assert_eq!(back.mean(), h.mean());
        assert_eq!(l.mean(), h.mean());
        for q in [0.0, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0] {
            assert_eq!(back.value_at_quantile(q), h.value_at_quantile(q), "q {q}");
            assert_eq!(l.value_at_quantile(q), h.value_at_quantile(q), "q {q}");
        }
        assert_eq!(Latency::from_histogram(&back), l);
    }

    #[test]
    fn recording_into_a_latency_equals_recording_into_a_histogram() {
        let mut h = new_histogram();
        let mut l = Latency::default();
        for i in 0..5_000u64 {
            let v = (i * 7_919) % 3_000_000 + i % 3;
            h.record(v).expect("auto-resizing");
            l.record(v);
        }
        assert_eq!(l, Latency::from_histogram(&h));
        assert_eq!(l.to_histogram().max(), h.max());
        assert_eq!(l.mean(), h.mean());
    }

    #[test]
    fn a_foreign_layout_is_rebucketed() {
        let mut h = Histogram::<u64>::new_with_bounds(1, 1 << 30, 2).expect("bounds");
        h.record_n(12_345, 3).expect("in range");
        let l = Latency::from_histogram(&h);
        assert_eq!(l.len(), 3);
        assert_eq!(l.buckets().len(), 1);
    }

    #[test]
    fn an_empty_latency_is_empty() {
        let l = Latency::default();
        assert!(l.is_empty());
        assert_eq!(l.mean(), 0.0);
        assert!(l.to_histogram().is_empty());
    }
}
