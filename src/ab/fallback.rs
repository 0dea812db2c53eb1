//! `rate: auto`'s second chance. The probe chose the rate from a few
//! seconds of one moment's machine; when a shared runner gets busier later
//! and a round finds that neither side carried that rate, the run is not
//! given up as "no verdict": its rounds so far are set aside and it starts
//! again at half of what the better side carried. A rate fixed in the
//! suite is the user's choice and is never changed.

use crate::compare::capacity_of;
use crate::record::RunRecord;

/// How often a run may lower its rate before a short round is the verdict
/// (then the comparison says that neither side carried the load).
const MOST_FALLBACKS: u32 = 2;

/// The state of one run's fallbacks; `None` in place of it where the rate
/// is fixed.
#[derive(Debug, Clone)]
pub struct RateFallback {
    /// The least rate `rate: auto` runs at.
    least: f64,
    taken: u32,
    /// What each fallback did, for the records' provenance.
    said: Vec<String>,
}

impl RateFallback {
    /// For a run whose rate `rate: auto` chose, never below `least`.
    pub fn new(least: f64) -> Self {
        RateFallback {
            least,
            taken: 0,
            said: Vec::new(),
        }
    }

    /// After a round at `rate` with these sides' records: the lower rate to
    /// start again at, when neither side carried `rate` and a lower one is
    /// left to try, with the sentence that says so.
    pub fn after_round(&mut self, rate: f64, base: &RunRecord, head: &RunRecord) -> Option<f64> {
        let capacity = capacity_of(base, head);
        let (b, h) = (&capacity.base, &capacity.head);
        if !(b.short() && h.short()) || self.taken >= MOST_FALLBACKS {
            return None;
        }
        let carried = b.sustained_rate.max(h.sustained_rate);
        let lower = (carried * 0.5).round().max(self.least);
        if lower >= rate {
            return None;
        }
        self.taken += 1;
        self.said.push(format!(
            "rate auto: neither side carried {rate:.0}/s (base {:.1}/s, head {:.1}/s): this runner got busier after the probe; the rounds so far set aside, measuring again at {lower:.0}/s",
            b.sustained_rate, h.sustained_rate
        ));
        Some(lower)
    }

    /// What the fallbacks did, in order.
    pub fn said(&self) -> &[String] {
        &self.said
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A side asked for `target`/s that carried `achieved`/s.
    fn record_at(target: f64, achieved: f64) -> RunRecord {
        let mut record = crate::compare::simulated::small(1, 1, 5, 1.0);
        record.load.target_rate = target;
        record.load.achieved_rate = achieved;
        record
    }

    #[test]
    fn a_round_neither_side_carried_halves_what_the_better_side_carried() {
        let mut fallback = RateFallback::new(5.0);
        // Both sides carried 86/s of 160/s: start again at 43/s.
        let lower = fallback.after_round(160.0, &record_at(160.0, 86.0), &record_at(160.0, 80.0));
        assert_eq!(lower, Some(43.0));
        assert!(fallback.said()[0].contains("neither side carried 160/s"));
        assert!(fallback.said()[0].ends_with("measuring again at 43/s"));
        // One side carried it: the comparison judges that, no fallback.
        assert_eq!(
            fallback.after_round(43.0, &record_at(43.0, 43.0), &record_at(43.0, 20.0)),
            None
        );
        // A second fallback, and no third.
        assert_eq!(
            fallback.after_round(43.0, &record_at(43.0, 30.0), &record_at(43.0, 30.0)),
            Some(15.0)
        );
        assert_eq!(
            fallback.after_round(15.0, &record_at(15.0, 8.0), &record_at(15.0, 8.0)),
            None
        );
    }

    #[test]
    fn never_below_the_least_rate() {
        let mut fallback = RateFallback::new(5.0);
        assert_eq!(
            fallback.after_round(8.0, &record_at(8.0, 6.0), &record_at(8.0, 6.0)),
            Some(5.0)
        );
        assert_eq!(
            fallback.after_round(5.0, &record_at(5.0, 3.0), &record_at(5.0, 3.0)),
            None
        );
    }
}
