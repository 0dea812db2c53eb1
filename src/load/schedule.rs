//! The open-loop schedule: when each request is meant to start, which
//! endpoint it goes to and — in A/B mode — which side (base or head).
//!
//! Request `i` is due at `start + i / rate`, whatever happened to request
//! `i - 1`. The endpoint mix is a table with each endpoint repeated by its
//! weight, shuffled once from the seed and then cycled, so the proportions
//! are exact over every cycle and a seed always gives the same order.
//!
//! With two sides the requests are split between them in one of two ways
//! ([`Pairing`]): `Random` puts every (endpoint, side) combination in the
//! mix table, so both apps are under load at once, each scheduled request
//! goes to one of them at random, and every cycle of the table gives each
//! side exactly the same requests; `Alternate` sends everything to one side
//! for a slot, then to the other, in pairs of slots whose order is drawn
//! from the seed (A B, B A, …).

use std::time::Duration;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use crate::record::Pairing;

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
    /// (endpoint, side) per entry, cycled.
    mix: Vec<(u16, u8)>,
    sides: Sides,
}

#[derive(Debug, Clone)]
enum Sides {
    One,
    /// The side is in the mix table.
    Random,
    /// Slots of `slot_ns`, counted so that one starts with the measured
    /// phase; slot pair `p` starts with side `first[p % len]`.
    Alternate {
        slot_ns: u128,
        align_ns: u128,
        first: Vec<u8>,
    },
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
            mix: mix_table(weights, 1, seed),
            sides: Sides::One,
        }
    }

    /// An A/B schedule: `rate` requests per second *per side* for `duration`
    /// of measured time per side, split by `pairing`; `slot` is the length of
    /// one side's turn when alternating.
    pub fn paired(
        rate: f64,
        warmup: Duration,
        duration: Duration,
        weights: &[u32],
        seed: u64,
        pairing: Pairing,
        slot: Duration,
    ) -> Schedule {
        match pairing {
            Pairing::Random => {
                let mut schedule = Schedule::new(2.0 * rate, warmup, duration, weights, seed);
                schedule.mix = mix_table(weights, 2, seed);
                schedule.sides = Sides::Random;
                schedule
            }
            Pairing::Alternate => {
                let mut schedule = Schedule::new(rate, 2 * warmup, 2 * duration, weights, seed);
                let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xab);
                let first = (0..MIN_TABLE).map(|_| rng.random_range(0..2u8)).collect();
                let slot_ns = slot.as_nanos().max(1);
                let align_ns = (2 * slot_ns - schedule.measure_start().as_nanos() % (2 * slot_ns))
                    % (2 * slot_ns);
                schedule.sides = Sides::Alternate {
                    slot_ns,
                    align_ns,
                    first,
                };
                schedule
            }
        }
    }

    /// Which side request `i` goes to: always 0 with one side.
    pub fn side(&self, i: u64) -> usize {
        match &self.sides {
            Sides::One => 0,
            Sides::Random => usize::from(self.mix[(i % self.mix.len() as u64) as usize].1),
            Sides::Alternate {
                slot_ns,
                align_ns,
                first,
            } => {
                let slot = (self.due(i).as_nanos() + align_ns) / slot_ns;
                let pair = (slot / 2) as usize;
                usize::from(first[pair % first.len()] ^ (slot % 2) as u8)
            }
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
        usize::from(self.mix[(i % self.mix.len() as u64) as usize].0)
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

/// The mix table: cycles of every (endpoint, side) entry, each endpoint as
/// often as its weight, each cycle shuffled on its own (a randomised block
/// design). Any stretch of requests then holds the weights' proportions on
/// each side to within one cycle, so a block's mix, and with it the CPU
/// time a block's requests cost, is nearly the same on both sides and from
/// block to block; one shuffle of the whole table left a 1 s block of the
/// demo's 100 requests per side with its heavy endpoints' share varying by
/// about ±8%, which showed as a 6% spread of `cpu/request` between blocks.
fn mix_table(weights: &[u32], sides: u8, seed: u64) -> Vec<(u16, u8)> {
    let one_cycle: Vec<(u16, u8)> = weights
        .iter()
        .enumerate()
        .flat_map(|(e, &w)| std::iter::repeat_n(e as u16, w as usize))
        .flat_map(|e| (0..sides).map(move |side| (e, side)))
        .collect();
    let repeats = MIN_TABLE.div_ceil(one_cycle.len().max(1));
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut table = Vec::with_capacity(one_cycle.len() * repeats);
    for _ in 0..repeats {
        let mut cycle = one_cycle.clone();
        cycle.shuffle(&mut rng);
        table.extend(cycle);
    }
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
        let a = mix_table(&[3, 1, 2], 1, 42);
        assert_eq!(a, mix_table(&[3, 1, 2], 1, 42));
        assert_ne!(a, mix_table(&[3, 1, 2], 1, 43));
    }

    #[test]
    fn mix_interleaves_instead_of_running_endpoints_in_batches() {
        let t = mix_table(&[1, 1], 1, 1);
        let longest_run = t.windows(2).fold((1, 1), |(best, cur), w| {
            let cur = if w[0] == w[1] { cur + 1 } else { 1 };
            (best.max(cur), cur)
        });
        assert!(longest_run.0 < 20, "longest run {}", longest_run.0);
    }

    fn sides_of(s: &Schedule) -> Vec<usize> {
        (0..s.total_requests()).map(|i| s.side(i)).collect()
    }

    #[test]
    fn random_pairing_gives_each_side_the_same_requests_and_rate() {
        let s = Schedule::paired(
            100.0,
            Duration::ZERO,
            Duration::from_secs(30),
            &[3, 1, 2],
            9,
            Pairing::Random,
            Duration::from_secs(1),
        );
        assert_eq!(s.total_requests(), 6000, "100/s per side for 30 s");
        let cycle = s.mix.len() as u64;
        let mut counts = [[0u32; 2]; 3];
        for i in 0..cycle {
            counts[s.endpoint(i)][s.side(i)] += 1;
        }
        for per_side in counts {
            assert_eq!(per_side[0], per_side[1], "{counts:?}");
        }
        // Both sides appear in every short stretch: they are under load at once.
        let sides = sides_of(&s);
        for window in sides.chunks(50) {
            assert!(window.contains(&0) && window.contains(&1));
        }
    }

    #[test]
    fn every_stretch_holds_the_mix_on_each_side_to_within_one_cycle() {
        let weights = [1, 3, 2, 2];
        let s = Schedule::paired(
            100.0,
            Duration::ZERO,
            Duration::from_secs(10),
            &weights,
            11,
            Pairing::Random,
            Duration::from_secs(1),
        );
        let cycle = 2 * weights.iter().sum::<u32>() as u64;
        // A block of 100 requests per side, starting anywhere.
        for start in 0..s.total_requests() - 200 {
            let mut counts = [[0i64; 2]; 4];
            for i in start..start + 200 {
                counts[s.endpoint(i)][s.side(i)] += 1;
            }
            for (e, per_side) in counts.iter().enumerate() {
                let expected = 200 * i64::from(weights[e]) / cycle as i64;
                for count in per_side {
                    assert!(
                        (count - expected).abs() <= 2 * i64::from(weights[e]),
                        "from {start}: endpoint {e} {per_side:?}, about {expected} each"
                    );
                }
            }
        }
    }

    #[test]
    fn the_split_is_reproducible_from_the_seed() {
        let make = |seed, pairing| {
            Schedule::paired(
                50.0,
                Duration::from_secs(1),
                Duration::from_secs(10),
                &[2, 1],
                seed,
                pairing,
                Duration::from_millis(500),
            )
        };
        for pairing in [Pairing::Random, Pairing::Alternate] {
            let a = make(5, pairing);
            let b = make(5, pairing);
            assert_eq!(sides_of(&a), sides_of(&b));
            assert_ne!(sides_of(&a), sides_of(&make(6, pairing)), "{pairing:?}");
        }
    }

    #[test]
    fn alternate_pairing_runs_one_side_per_slot_in_balanced_pairs() {
        let s = Schedule::paired(
            100.0,
            Duration::ZERO,
            Duration::from_secs(20),
            &[1],
            3,
            Pairing::Alternate,
            Duration::from_secs(1),
        );
        assert_eq!(
            s.total_requests(),
            4000,
            "each side gets its own 20 s at 100/s"
        );
        let sides = sides_of(&s);
        let slots: Vec<&[usize]> = sides.chunks(100).collect();
        assert_eq!(slots.len(), 40);
        for slot in &slots {
            assert!(
                slot.iter().all(|side| *side == slot[0]),
                "one side per slot"
            );
        }
        for pair in slots.chunks(2) {
            assert_ne!(pair[0][0], pair[1][0], "each pair holds both sides");
        }
        let firsts: Vec<usize> = slots.chunks(2).map(|p| p[0][0]).collect();
        assert!(
            firsts.contains(&0) && firsts.contains(&1),
            "order drawn per pair"
        );
    }
}
