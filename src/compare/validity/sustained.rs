//! Throughput as a verdict: the sustained rate each side carried (not the
//! `capacity` command, which ramps the load to find the most a build
//! carries).
//!
//! Latency ratios alone miss the worst regression: a head that saturates
//! queues, its requests time out or start late, and — when the base shares
//! the run — ratios can stay near 1. So each side's *sustained* rate (the
//! achieved arrival rate less the requests lost to timeouts and failed
//! connections) is compared with the target: a head that falls clearly short
//! where the base (or the stored baseline) did not has regressed; when both
//! fall short, the machine could not carry the load and the run is no
//! measurement at all.

use crate::compare::model::{Capacity, CapacityVerdict, SideLoad};
use crate::record::RunRecord;

/// A side carries the load when it sustains at least this share of the
/// target rate.
pub const SUSTAINED_SHARE: f64 = 0.9;

/// What one side carried.
pub fn side_load(record: &RunRecord) -> SideLoad {
    let (mut lost, mut total) = (0u64, 0u64);
    for endpoint in &record.endpoints {
        let o = endpoint.outcomes();
        lost = lost.saturating_add(o.timeout.saturating_add(o.connect).saturating_add(o.other));
        total = total.saturating_add(o.total());
    }
    let load = &record.load;
    let lost_share = if total > 0 {
        lost as f64 / total as f64
    } else {
        0.0
    };
    SideLoad {
        target_rate: load.target_rate,
        achieved_rate: load.achieved_rate,
        sustained_rate: load.achieved_rate * (1.0 - lost_share),
        requests: total,
        lost,
        late_starts: load.late_starts,
    }
}

impl SideLoad {
    /// Whether this side fell clearly short of the target.
    pub fn short(&self) -> bool {
        self.target_rate > 0.0 && self.sustained_rate < SUSTAINED_SHARE * self.target_rate
    }

    fn describe(&self) -> String {
        format!("{}/s", rate(self.sustained_rate))
    }
}

/// A rate without needless decimals: `150`, `75.2`, `3.40`.
fn rate(r: f64) -> String {
    if r >= 100.0 {
        format!("{r:.0}")
    } else if r >= 10.0 {
        format!("{r:.1}")
    } else {
        format!("{r:.2}")
    }
}

/// The throughput verdict of base against head; `stored`: the base is a
/// stored baseline (named "the baseline", not "base").
pub(crate) fn capacity(base: &RunRecord, head: &RunRecord, stored: bool) -> Capacity {
    judge(side_load(base), side_load(head), stored)
}

/// What each side of an A/B run carried, and whether the head kept up.
pub fn capacity_of(base: &RunRecord, head: &RunRecord) -> Capacity {
    capacity(base, head, false)
}

/// The verdict on what each side carried.
fn judge(b: SideLoad, h: SideLoad, stored: bool) -> Capacity {
    let base_name = if stored { "the baseline" } else { "base" };
    let target = rate(h.target_rate);
    let (verdict, message) = match (b.short(), h.short()) {
        (false, true) => (
            CapacityVerdict::Regressed,
            Some(format!(
                "head sustained {} of {target}/s; {base_name} {}",
                h.describe(),
                b.describe()
            )),
        ),
        // Both short, but the head far more: it dragged the base down with
        // it (they share the CPUs), which is still the head's regression.
        (true, true) if h.sustained_rate < SUSTAINED_SHARE * b.sustained_rate => (
            CapacityVerdict::Regressed,
            Some(format!(
                "head sustained {} of {target}/s; {base_name} {} (both fell short, the head by far more)",
                h.describe(),
                b.describe()
            )),
        ),
        (true, true) => {
            // What the better side carried is what the machine can carry.
            let capacity = b.sustained_rate.max(h.sustained_rate);
            (
                CapacityVerdict::Invalid,
                Some(format!(
                    "neither side sustained the {target}/s target ({base_name} {}, head {}): this machine could not carry the load, so nothing was measured; lower load.rate to about {}/s",
                    b.describe(),
                    h.describe(),
                    rate((capacity * 0.5).max(1.0))
                )),
            )
        }
        (true, false) => (
            CapacityVerdict::Kept,
            Some(format!(
                "{base_name} sustained only {} of {target}/s, the head {}: the base's latencies include queueing",
                b.describe(),
                h.describe()
            )),
        ),
        (false, false) => (CapacityVerdict::Kept, None),
    };
    Capacity {
        base: b,
        head: h,
        verdict,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(target: f64, sustained: f64) -> SideLoad {
        SideLoad {
            target_rate: target,
            achieved_rate: sustained,
            sustained_rate: sustained,
            requests: 1_000,
            lost: 0,
            late_starts: 0,
        }
    }

    #[test]
    fn a_head_that_drags_the_base_down_with_it_still_regressed() {
        // Flask with its index dropped: the head's scans took the base down
        // to 133/s while the head sustained 57/s.
        let c = judge(side(150.0, 133.0), side(150.0, 57.0), false);
        assert_eq!(c.verdict, CapacityVerdict::Regressed);
        assert_eq!(
            c.message.as_deref(),
            Some("head sustained 57.0/s of 150/s; base 133/s (both fell short, the head by far more)")
        );
        // Both short by about as much: no verdict, and the rate to try is
        // half what the better side carried.
        let c = judge(side(150.0, 80.0), side(150.0, 76.0), true);
        assert_eq!(c.verdict, CapacityVerdict::Invalid);
        let message = c.message.unwrap_or_default();
        assert!(
            message.contains("(the baseline 80.0/s, head 76.0/s)"),
            "{message}"
        );
        assert!(
            message.ends_with("lower load.rate to about 40.0/s"),
            "{message}"
        );
        // Only the head short: regressed; neither: kept.
        assert_eq!(
            judge(side(150.0, 150.0), side(150.0, 100.0), false).verdict,
            CapacityVerdict::Regressed
        );
        assert_eq!(
            judge(side(150.0, 149.0), side(150.0, 148.0), false).verdict,
            CapacityVerdict::Kept
        );
    }
}
