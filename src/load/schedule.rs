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
//!
//! An A/B schedule also *tilts* the mix from block to block, so that the
//! CPU cost of each endpoint can be told apart (see
//! `compare::resources::cpu_endpoints`, which fits a block's CPU time on
//! its requests per endpoint: with every block holding the weights'
//! proportions the endpoints' counts hardly vary, the fit is badly
//! conditioned and its intervals are too wide to name anything). The
//! blocks run through cycles of one tilt per endpoint, in an order drawn
//! per cycle from the seed; tilt `t` moves a share `b_t` of the block's
//! requests onto endpoint `t`, `b_t` = [`TILT`] × w_t / max w, so the mix
//! of tilt `t` is (1 − b_t)·w/W + b_t·[e = t]. Averaged over a cycle the
//! tilts cancel exactly: every endpoint's share of a cycle is its weight
//! (each tilt's table has one length, 2·max w·W entries, and endpoint e
//! gets Σ_t of them ∝ w_e). On the detection apps' 1:3:2:1 the
//! lightest endpoint's share doubles in its block (14% → 29%), the
//! heaviest's goes from 43% to 71%.
//!
//! What the tilt does to latency: contention changes with the mix, so a
//! block tilted to a slow endpoint is slower for every endpoint in it, and
//! an endpoint's latencies come more from its own tilted blocks (where it
//! is the heavy one) than from the others. Both sides get the same tilt in
//! each block (one seed per round, the tilt set by the block's time, and
//! the sides' requests interleaved within a block or taking a turn each
//! within its pair of slots), so each block pair is compared under one mix
//! and the paired ratios stay fair; a run's pooled distribution is a
//! mixture over the tilts, the same mixture on both sides. The tilt is
//! for A/B runs only: a stored run is compared with another run's blocks,
//! which need not share its tilts.

use std::time::Duration;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use crate::record::Pairing;

/// Shortest mix table; short tables are repeated up to this length so that a
/// shuffle interleaves endpoints instead of alternating them rigidly.
const MIN_TABLE: usize = 256;
/// Share of a block moved onto the tilted endpoint when it is the heaviest
/// (lighter endpoints get this × their weight / the heaviest's): enough to
/// double a light endpoint's share in its block, little enough that no
/// endpoint is ever left out of a block.
pub const TILT: (u64, u64) = (1, 2);
/// Longest tilted table per tilt; suites with larger weights (whose exact
/// tables would be longer) keep the untilted mix.
const MAX_TILTED_TABLE: u64 = 1 << 16;
/// Tilt cycles whose order is drawn; the order then repeats.
const TILT_CYCLES: usize = 64;

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
    /// A/B runs' block-to-block variation of the mix, if any.
    tilt: Option<Tilt>,
}

/// The tilted mixes and which one each block gets.
#[derive(Debug, Clone)]
struct Tilt {
    /// Per tilt, its mix table, as `mix`.
    tables: Vec<Vec<(u16, u8)>>,
    /// Tilt of block `b` (counted from the measured phase's start,
    /// Euclidean modulo the length): `order[b]`.
    order: Vec<u16>,
    block_ns: u128,
    /// A side's turn within a block: the block, or half of it when the
    /// sides take turns.
    turn_ns: u128,
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
            tilt: None,
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
                schedule.tilt = Tilt::new(weights, 2, seed, slot, 1);
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
                schedule.tilt = Tilt::new(weights, 1, seed, slot, 2);
                schedule
            }
        }
    }

    /// The same schedule with the mix held at the weights in every block,
    /// as before A/B schedules tilted it: for tests comparing the two.
    #[cfg(test)]
    pub(crate) fn untilted(mut self) -> Schedule {
        self.tilt = None;
        self
    }

    /// Which side request `i` goes to: always 0 with one side.
    pub fn side(&self, i: u64) -> usize {
        match &self.sides {
            Sides::One => 0,
            Sides::Random => usize::from(self.entry(i).1),
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
        usize::from(self.entry(i).0)
    }

    /// Request `i`'s (endpoint, side) entry: the mix table's, or in a
    /// tilted schedule that of its block's tilt. Each tilt's table is read
    /// on from where its previous block left it, so that its partial cycles
    /// even out over the run; when the sides take turns, each turn of a
    /// block reads the same stretch of it.
    fn entry(&self, i: u64) -> (u16, u8) {
        let Some(tilt) = &self.tilt else {
            return self.mix[(i % self.mix.len() as u64) as usize];
        };
        let from = self.due(i).as_nanos() as i128 - self.measure_start().as_nanos() as i128;
        let block = from.div_euclid(tilt.block_ns as i128);
        let at = block.rem_euclid(tilt.order.len() as i128) as usize;
        let table = &tilt.tables[usize::from(tilt.order[at])];
        let turn = from.div_euclid(tilt.turn_ns as i128);
        let turn_start = self.measure_start().as_nanos() as i128 + turn * tilt.turn_ns as i128;
        let first = (turn_start as f64 / self.interval_ns).ceil() as i128;
        let per_turn = tilt.turn_ns as f64 / self.interval_ns;
        let before = (block.div_euclid(tilt.tables.len() as i128) as f64 * per_turn).round();
        let position = (before as i128 + i as i128 - first).rem_euclid(table.len() as i128);
        table[position as usize]
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

impl Tilt {
    /// One tilt per endpoint, for blocks of `turns` turns of `turn` each;
    /// `None` with one
    /// endpoint or weights too large for exact tables.
    fn new(weights: &[u32], sides: u8, seed: u64, turn: Duration, turns: u32) -> Option<Tilt> {
        let tilted = tilted_weights(weights)?;
        let tables = tilted
            .iter()
            .enumerate()
            .map(|(t, w)| mix_table(w, sides, seed ^ (t as u64 + 1).wrapping_mul(0x9e37_79b9)))
            .collect();
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x711f);
        let mut order = Vec::with_capacity(TILT_CYCLES * weights.len());
        for _ in 0..TILT_CYCLES {
            let mut cycle: Vec<u16> = (0..weights.len() as u16).collect();
            cycle.shuffle(&mut rng);
            order.extend(cycle);
        }
        Some(Tilt {
            tables,
            order,
            block_ns: (turn * turns).as_nanos().max(1),
            turn_ns: turn.as_nanos().max(1),
        })
    }
}

/// Per tilt `t`, each endpoint's integer weight in it:
/// (d·m − n·w_t)·w_e + [e = t]·n·w_t·W with [`TILT`] = n/d, m the largest
/// weight and W their sum. Every tilt's weights add up to d·m·W, and over
/// the tilts endpoint e gets d·m·K·w_e: its weight's share exactly.
pub(crate) fn tilted_weights(weights: &[u32]) -> Option<Vec<Vec<u32>>> {
    let (n, d) = TILT;
    let m = u64::from(*weights.iter().max()?);
    let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
    if weights.len() < 2 || m == 0 || d * m * total > MAX_TILTED_TABLE {
        return None;
    }
    let tilts = weights.iter().enumerate().map(|(t, &wt)| {
        let wt = u64::from(wt);
        weights
            .iter()
            .enumerate()
            .map(|(e, &we)| {
                let extra = if e == t { n * wt * total } else { 0 };
                ((d * m - n * wt) * u64::from(we) + extra) as u32
            })
            .collect()
    });
    Some(tilts.collect())
}

/// The mix table: cycles of every endpoint as often as its weight, each
/// cycle shuffled on its own (a randomised block design), and with two
/// sides each draw sent to both, one after the other in an order drawn per
/// entry. Any stretch of requests then holds the weights' proportions to
/// within one cycle, and the same endpoints on both sides to within one
/// request each, so a block's mix, and with it the CPU time a block's
/// requests cost, is the same on both sides; one shuffle of the whole
/// table left a 1 s block of the demo's 100 requests per side with its
/// heavy endpoints' share varying by about ±8%, which showed as a 6% spread
/// of `cpu/request` between blocks.
fn mix_table(weights: &[u32], sides: u8, seed: u64) -> Vec<(u16, u8)> {
    let one_cycle: Vec<u16> = weights
        .iter()
        .enumerate()
        .flat_map(|(e, &w)| std::iter::repeat_n(e as u16, w as usize))
        .collect();
    let entries = one_cycle.len() * usize::from(sides);
    let repeats = MIN_TABLE.div_ceil(entries.max(1));
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut table = Vec::with_capacity(entries * repeats);
    for _ in 0..repeats {
        let mut cycle = one_cycle.clone();
        cycle.shuffle(&mut rng);
        for e in cycle {
            let first = if sides > 1 {
                rng.random_range(0..sides)
            } else {
                0
            };
            table.extend((0..sides).map(|s| (e, (first + s) % sides)));
        }
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
        let mut counts = [[0u32; 2]; 3];
        for i in 0..s.total_requests() {
            counts[s.endpoint(i)][s.side(i)] += 1;
        }
        for per_side in counts {
            assert!(per_side[0].abs_diff(per_side[1]) <= 1, "{counts:?}");
        }
        // Both sides appear in every short stretch: they are under load at once.
        let sides = sides_of(&s);
        for window in sides.chunks(50) {
            assert!(window.contains(&0) && window.contains(&1));
        }
    }

    /// Per measured block of `block` (from the measured phase's start),
    /// per side, each endpoint's requests.
    fn block_counts(s: &Schedule, block: Duration, k: usize) -> Vec<[Vec<u32>; 2]> {
        let mut out: Vec<[Vec<u32>; 2]> = Vec::new();
        for i in (0..s.total_requests()).filter(|&i| !s.is_warmup(i)) {
            let b = ((s.due(i) - s.measure_start()).as_nanos() / block.as_nanos()) as usize;
            if out.len() <= b {
                out.resize_with(b + 1, || [vec![0; k], vec![0; k]]);
            }
            out[b][s.side(i)][s.endpoint(i)] += 1;
        }
        out
    }

    fn detection_ab(seed: u64, pairing: Pairing) -> Schedule {
        Schedule::paired(
            100.0,
            Duration::from_secs(3),
            Duration::from_secs(40),
            &[1, 3, 2, 1],
            seed,
            pairing,
            Duration::from_secs(1),
        )
    }

    #[test]
    fn over_a_cycle_of_tilts_every_endpoint_keeps_its_weight() {
        for weights in [vec![1, 3, 2, 1], vec![1, 1], vec![5, 1, 1], vec![2, 2, 2]] {
            let tilted = tilted_weights(&weights).expect("small weights tilt");
            let length: Vec<u32> = tilted.iter().map(|t| t.iter().sum()).collect();
            assert!(length.iter().all(|l| *l == length[0]), "{length:?}");
            let total: u32 = weights.iter().sum();
            for (e, w) in weights.iter().enumerate() {
                let over_cycle: u32 = tilted.iter().map(|t| t[e]).sum();
                assert_eq!(
                    u64::from(over_cycle) * u64::from(total),
                    u64::from(*w) * u64::from(length[0]) * weights.len() as u64,
                    "{weights:?}: endpoint {e}"
                );
            }
        }
        assert!(
            tilted_weights(&[7]).is_none(),
            "one endpoint: nothing to tilt"
        );
        assert!(tilted_weights(&[60_000, 1]).is_none(), "too long a table");
        // And in the requests sent: 10 cycles of 4 one-second blocks.
        let s = detection_ab(5, Pairing::Random);
        let blocks = block_counts(&s, Duration::from_secs(1), 4);
        assert_eq!(blocks.len(), 40);
        for side in 0..2 {
            let sent: Vec<u32> = (0..4)
                .map(|e| blocks.iter().map(|b| b[side][e]).sum())
                .collect();
            for (e, w) in [1, 3, 2, 1].iter().enumerate() {
                let share = f64::from(sent[e]) / 4000.0;
                let weight = f64::from(*w) / 7.0;
                assert!((share - weight).abs() < 0.01, "side {side}: {sent:?}");
            }
        }
    }

    #[test]
    fn blocks_differ_in_mix_by_design_and_both_sides_get_the_same_one() {
        for pairing in [Pairing::Random, Pairing::Alternate] {
            let s = detection_ab(9, pairing);
            let block = match pairing {
                Pairing::Random => Duration::from_secs(1),
                Pairing::Alternate => Duration::from_secs(2),
            };
            let blocks = block_counts(&s, block, 4);
            assert_eq!(blocks.len(), 40, "{pairing:?}");
            for (b, [base, head]) in blocks.iter().enumerate() {
                for e in 0..4 {
                    assert!(
                        base[e].abs_diff(head[e]) <= 1,
                        "{pairing:?} block {b}: {base:?} vs {head:?}"
                    );
                }
            }
            // Each endpoint's share ranges widely over the blocks: the
            // lightest (1 of 7) doubles in its own block.
            for e in 0..4 {
                let shares: Vec<f64> = blocks
                    .iter()
                    .map(|[base, _]| f64::from(base[e]) / f64::from(base.iter().sum::<u32>()))
                    .collect();
                let most = shares.iter().copied().fold(0.0, f64::max);
                let least = shares.iter().copied().fold(1.0, f64::min);
                assert!(most > 1.7 * least, "{pairing:?} endpoint {e}: {shares:?}");
                assert!(least > 0.05, "no endpoint is left out of a block");
            }
        }
    }

    #[test]
    fn one_seed_gives_one_schedule_and_a_stored_run_is_not_tilted() {
        for pairing in [Pairing::Random, Pairing::Alternate] {
            let entries = |s: &Schedule| -> Vec<(usize, usize)> {
                (0..s.total_requests())
                    .map(|i| (s.endpoint(i), s.side(i)))
                    .collect()
            };
            let a = entries(&detection_ab(3, pairing));
            assert_eq!(a, entries(&detection_ab(3, pairing)), "{pairing:?}");
            assert_ne!(a, entries(&detection_ab(4, pairing)), "{pairing:?}");
        }
        let stored = Schedule::new(
            100.0,
            Duration::ZERO,
            Duration::from_secs(8),
            &[1, 3, 2, 1],
            3,
        );
        assert!(stored.tilt.is_none());
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
