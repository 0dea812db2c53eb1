//! The open-loop schedule: when each request is meant to start and which
//! endpoint it goes to.
//!
//! Request `i` is due at `start + i / rate`, whatever happened to request
//! `i - 1`. The endpoint mix is a table with each endpoint repeated by its
//! weight, shuffled once from the seed and then cycled, so the proportions
//! are exact over every cycle and a seed always gives the same order.

use std::time::Duration;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Shortest mix table; short tables are repeated up to this length so that a
/// shuffle interleaves endpoints instead of alternating them rigidly.
const MIN_TABLE: usize = 256;

#[derive(Debug, Clone)]
pub struct Schedule {
    interval_ns: f64,
    /// Requests due before the measured phase (the warm-up).
    warmup_requests: u64,
    /// Requests in warm-up and measured phase together.
    total_requests: u64,
    mix: Vec<u16>,
}

impl Schedule {
    /// `weights[e]` is endpoint `e`'s relative share; all ≥ 1, at most
    /// 65,536 endpoints, rate > 0.
    pub fn new(
        rate: f64,
        warmup: Duration,
        duration: Duration,
        weights: &[u32],
        seed: u64,
    ) -> Schedule {
        let interval_ns = 1e9 / rate;
        let count = |d: Duration| (d.as_nanos() as f64 / interval_ns).ceil() as u64;
        let warmup_requests = count(warmup);
        Schedule {
            interval_ns,
            warmup_requests,
            total_requests: warmup_requests + count(duration),
            mix: mix_table(weights, seed),
        }
    }

    /// When request `i` is due, as an offset from the start of the warm-up.
    pub fn due(&self, i: u64) -> Duration {
        Duration::from_nanos((i as f64 * self.interval_ns).round() as u64)
    }

    /// Offset of the measured phase's start from the warm-up's start.
    pub fn measure_start(&self) -> Duration {
        self.due(self.warmup_requests)
    }

    pub fn endpoint(&self, i: u64) -> usize {
        usize::from(self.mix[(i % self.mix.len() as u64) as usize])
    }

    pub fn is_warmup(&self, i: u64) -> bool {
        i < self.warmup_requests
    }

    pub fn total_requests(&self) -> u64 {
        self.total_requests
    }

    pub fn measured_requests(&self) -> u64 {
        self.total_requests - self.warmup_requests
    }
}

fn mix_table(weights: &[u32], seed: u64) -> Vec<u16> {
    let one_cycle: Vec<u16> = weights
        .iter()
        .enumerate()
        .flat_map(|(e, &w)| std::iter::repeat_n(e as u16, w as usize))
        .collect();
    let repeats = MIN_TABLE.div_ceil(one_cycle.len().max(1));
    let mut table: Vec<u16> = one_cycle
        .iter()
        .copied()
        .cycle()
        .take(one_cycle.len() * repeats)
        .collect();
    table.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_due_at_fixed_intervals() {
        let s = Schedule::new(
            200.0,
            Duration::from_secs(1),
            Duration::from_secs(2),
            &[1],
            1,
        );
        assert_eq!(s.due(0), Duration::ZERO);
        assert_eq!(s.due(1), Duration::from_millis(5));
        assert_eq!(s.due(200), Duration::from_secs(1));
        assert_eq!(s.measure_start(), Duration::from_secs(1));
        assert_eq!(s.total_requests(), 600);
        assert_eq!(s.measured_requests(), 400);
        assert!(s.is_warmup(199) && !s.is_warmup(200));
    }

    #[test]
    fn mix_follows_weights_exactly_over_a_cycle() {
        let s = Schedule::new(100.0, Duration::ZERO, Duration::from_secs(1), &[3, 1, 2], 7);
        let mut counts = [0u32; 3];
        for i in 0..s.mix.len() as u64 {
            counts[s.endpoint(i)] += 1;
        }
        assert_eq!(counts[0], 3 * counts[1]);
        assert_eq!(counts[2], 2 * counts[1]);
    }

    #[test]
    fn mix_is_deterministic_for_a_seed_and_varies_with_it() {
        let a = mix_table(&[3, 1, 2], 42);
        assert_eq!(a, mix_table(&[3, 1, 2], 42));
        assert_ne!(a, mix_table(&[3, 1, 2], 43));
    }

    #[test]
    fn mix_interleaves_instead_of_running_endpoints_in_batches() {
        let t = mix_table(&[1, 1], 1);
        let longest_run = t.windows(2).fold((1, 1), |(best, cur), w| {
            let cur = if w[0] == w[1] { cur + 1 } else { 1 };
            (best.max(cur), cur)
        });
        assert!(longest_run.0 < 20, "longest run {}", longest_run.0);
    }
}
