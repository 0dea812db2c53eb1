//! How an A/B run is split into rounds: their length and how many.
//!
//! Every round starts both apps afresh, so the rounds' spread is the noise
//! of the comparison and their count its degrees of freedom: 20 s as 10
//! rounds of 2 s gives 9, where 4 rounds of 5 s gave 3 — too few for most
//! metrics to be decided at the gate's levels. A round is at least
//! [`ROUND_TIME`] and [`ROUND_BLOCKS`] blocks, and at least as long as the
//! two apps took to start in the first round: restarting them then never
//! costs more time than measuring them, whether the app starts in 0.1 s
//! or in 10.

use std::time::Duration;

use crate::config::LoadConfig;
use crate::record::Pairing;
use crate::stopping::MAX_LOOKS;

/// Most rounds `load.duration` is split into.
const MAX_ROUNDS: u32 = 10;
/// The fewest recorded blocks in a round.
const ROUND_BLOCKS: u32 = 2;
/// The shortest round.
const ROUND_TIME: Duration = Duration::from_secs(2);
/// The fewest rounds worth splitting into. The spread of two or three
/// rounds has one or two degrees of freedom once the start orders are
/// balanced — a far wider interval than one round with the run-to-run
/// floor (as from 20 df) gives — so such a run is one round instead.
const MIN_SPLIT: u32 = 4;

/// The rounds of one A/B run, fixed once the apps have started the first
/// time: every round has the same length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundPlan {
    /// Measured time of each round, per side.
    pub round_time: Duration,
    /// The rounds of `load.duration`: the first look.
    pub min_rounds: u32,
    /// The rounds of `load.max_duration` when measured until known (at
    /// most [`MAX_LOOKS`]), else `min_rounds`.
    pub max_rounds: u32,
}

impl RoundPlan {
    /// The rounds for `load` when starting both apps took `startup`: up to
    /// [`MAX_ROUNDS`] in `load.duration`, each at least [`ROUND_TIME`],
    /// [`ROUND_BLOCKS`] recorded blocks (a recorded block is two blocks,
    /// one turn per side, when the sides alternate) and `startup`; one
    /// round when fewer than [`MIN_SPLIT`] fit.
    pub fn new(load: &LoadConfig, pairing: Pairing, startup: Duration, until_known: bool) -> Self {
        let block = match pairing {
            Pairing::Random => load.block,
            Pairing::Alternate => 2 * load.block,
        };
        let shortest = (ROUND_BLOCKS * block).max(ROUND_TIME).max(startup);
        let count = load.duration.as_nanos() / shortest.as_nanos().max(1);
        let min_rounds = match count.min(u128::from(MAX_ROUNDS)) as u32 {
            n if n < MIN_SPLIT => 1,
            n => n,
        };
        RoundPlan::of(load, min_rounds, until_known)
    }

    /// The plan of `min_rounds` rounds in `load.duration`.
    fn of(load: &LoadConfig, min_rounds: u32, until_known: bool) -> Self {
        let round_time = load.duration / min_rounds;
        let max_rounds = if until_known {
            let fit = load.max_duration.as_nanos() / round_time.as_nanos().max(1);
            (fit.min(u128::from(MAX_LOOKS)) as u32).max(min_rounds)
        } else {
            min_rounds
        };
        RoundPlan {
            round_time,
            min_rounds,
            max_rounds,
        }
    }

    /// Blocks per endpoint one side records over the plan's most rounds
    /// (each round's last block may be partial).
    pub fn most_blocks(&self, block: Duration) -> u128 {
        u128::from(self.max_rounds) * self.round_time.as_nanos().div_ceil(block.as_nanos().max(1))
    }

    /// The plan, measured until known, whose rounds record the most blocks
    /// per endpoint among all the apps' startup times could give: sizes
    /// the joined record before anything starts. A longer startup only
    /// lengthens the shortest round, so the plans are one round or
    /// [`MIN_SPLIT`] up to as many as fit with no startup at all (the
    /// random pairing's shorter turn allows the most).
    pub fn largest(load: &LoadConfig) -> RoundPlan {
        let fastest = RoundPlan::new(load, Pairing::Random, Duration::ZERO, true);
        (MIN_SPLIT..=fastest.min_rounds)
            .map(|n| RoundPlan::of(load, n, true))
            .chain([RoundPlan::of(load, 1, true)])
            .max_by_key(|p| p.most_blocks(load.block))
            .unwrap_or(fastest)
    }

    /// One line for the log: how long the apps took to start, and the
    /// rounds that follow from it.
    pub fn describe(&self, startup: Duration) -> String {
        let rounds = if self.max_rounds > self.min_rounds {
            format!(
                "at least {}, at most {} until every gated metric is decided",
                self.min_rounds, self.max_rounds
            )
        } else {
            format!("{} in all", self.min_rounds)
        };
        format!(
            "both apps started in {:.1} s: rounds of {:.1} s, {rounds}",
            startup.as_secs_f64(),
            self.round_time.as_secs_f64()
        )
    }
}

/// The least warm-up of a round after the first, besides the time the
/// schedule takes to open every connection.
pub const LEAST_WARMUP: Duration = Duration::from_millis(250);
/// The most, as a share of a round's measured time: the warm-ups never
/// cost more than half the budget.
const WARMUP_SHARE: f64 = 0.5;

/// The warm-up of every round after the first, from the time a fresh
/// instance of the first took to settle (see [`crate::load::settle`]):
/// that, at least [`LEAST_WARMUP`] and as long as `load` takes to open its
/// connections, at most [`WARMUP_SHARE`] of `round_time`; and the sentence
/// that says so.
pub fn round_warmup(
    settling: Duration,
    load: &LoadConfig,
    round_time: Duration,
) -> (Duration, String) {
    let opening = Duration::from_secs_f64(f64::from(load.connections) / load.rate.max(1e-3));
    let least = opening.max(LEAST_WARMUP);
    let most = round_time.mul_f64(WARMUP_SHARE).max(least);
    let warmup = settling.clamp(least, most);
    let why = if settling > most {
        format!(
            "the apps took {:.2} s to settle in round 1; capped at half a round",
            settling.as_secs_f64()
        )
    } else if settling <= least {
        "the apps were settled from their first requests in round 1: the least".to_string()
    } else {
        format!(
            "the apps took {:.2} s to settle in round 1",
            settling.as_secs_f64()
        )
    };
    (
        warmup,
        format!(
            "warm-up of each later round: {:.2} s ({why})",
            warmup.as_secs_f64()
        ),
    )
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::RoundPlan;
    use crate::record::Pairing;

    fn load() -> crate::config::LoadConfig {
        let text = "version: 1\nsuite: s\napp:\n  command: [\"app\"]\nbase_url: \"http://127.0.0.1:8000\"\nendpoints:\n  - { name: home, path: / }\n";
        crate::config::parse(text, Path::new("s.yaml"))
            .expect("valid suite")
            .load
    }

    /// 20 s of 1-s blocks with a budget of `budget_s` seconds.
    fn twenty_seconds(budget_s: u64) -> crate::config::LoadConfig {
        let s = std::time::Duration::from_secs;
        let mut load = load();
        load.duration = s(20);
        load.max_duration = s(budget_s);
        load.block = s(1);
        load
    }

    #[test]
    fn a_run_is_split_into_rounds_of_two_seconds_and_two_blocks() {
        let mut load = load();
        let ms = std::time::Duration::from_millis;
        for (duration, block, pairing, rounds) in [
            (20_000, 1_000, Pairing::Random, 10),
            (60_000, 1_000, Pairing::Random, 10),
            (3_000, 500, Pairing::Random, 1),
            (6_000, 500, Pairing::Random, 1),
            (8_000, 500, Pairing::Random, 4),
            (20_000, 2_000, Pairing::Random, 5),
            (20_000, 1_000, Pairing::Alternate, 5),
        ] {
            load.duration = ms(duration);
            load.block = ms(block);
            let plan = RoundPlan::new(&load, pairing, ms(100), false);
            assert_eq!(plan.min_rounds, rounds, "{duration} ms of {block} ms");
            assert_eq!(plan.max_rounds, rounds);
            assert_eq!(plan.round_time * rounds, ms(duration));
        }
    }

    #[test]
    fn rounds_last_at_least_as_long_as_the_apps_take_to_start() {
        let load = twenty_seconds(120);
        let s = std::time::Duration::from_secs;
        // 2.3 s to start both: 8 rounds of 2.5 s; 48 fit the budget.
        let plan = RoundPlan::new(&load, Pairing::Random, s(23) / 10, true);
        assert_eq!((plan.min_rounds, plan.max_rounds), (8, 48));
        assert_eq!(plan.round_time, s(5) / 2);
        // 4.5 s: 4 rounds of 5 s, 24 in the budget.
        let plan = RoundPlan::new(&load, Pairing::Random, s(9) / 2, true);
        assert_eq!((plan.min_rounds, plan.max_rounds), (4, 24));
        // 9 s (two slow-booting apps): 2 rounds of 10 s would be worse than
        // one of 20 s; then one 20-s round per look, 6 in the budget.
        let plan = RoundPlan::new(&load, Pairing::Random, s(9), true);
        assert_eq!((plan.min_rounds, plan.max_rounds), (1, 6));
        // Starting longer than the whole duration: one round.
        let plan = RoundPlan::new(&load, Pairing::Random, s(30), false);
        assert_eq!((plan.min_rounds, plan.round_time), (1, s(20)));
        assert!(plan
            .describe(s(30))
            .starts_with("both apps started in 30.0 s: rounds of 20.0 s, 1 in all"));
    }

    #[test]
    fn the_largest_plan_bounds_every_startup() {
        let ms = std::time::Duration::from_millis;
        let mut load = twenty_seconds(600);
        load.block = ms(10);
        let largest = RoundPlan::largest(&load).most_blocks(load.block);
        for startup in (0..25_000).step_by(100) {
            for pairing in [Pairing::Random, Pairing::Alternate] {
                let plan = RoundPlan::new(&load, pairing, ms(startup), true);
                assert!(plan.most_blocks(load.block) <= largest, "{startup} ms");
            }
        }
        // Quick apps: 60 rounds of 2 s (the looks' cap), 200 blocks each;
        // slow ones: one round of 20 s per look, 30 in the budget, which
        // is the most.
        let quick = RoundPlan::new(&load, Pairing::Random, ms(100), true);
        assert_eq!(quick.most_blocks(load.block), 60 * 200);
        assert_eq!(largest, 30 * 2000);
    }

    #[test]
    fn later_rounds_warm_up_as_long_as_the_first_took_to_settle_within_bounds() {
        let ms = std::time::Duration::from_millis;
        let round = ms(2_000);
        let mut load = load();
        load.rate = 100.0;
        load.connections = 4;
        let (warmup, said) = super::round_warmup(ms(0), &load, round);
        assert_eq!(warmup, super::LEAST_WARMUP);
        assert!(
            said.ends_with(
                "(the apps were settled from their first requests in round 1: the least)"
            ),
            "{said}"
        );
        assert_eq!(super::round_warmup(ms(600), &load, round).0, ms(600));
        let (warmup, said) = super::round_warmup(ms(4_000), &load, round);
        assert_eq!(warmup, ms(1_000));
        assert_eq!(said, "warm-up of each later round: 1.00 s (the apps took 4.00 s to settle in round 1; capped at half a round)");
        // 16 connections at 40/s take 0.4 s to open: the least.
        load.rate = 40.0;
        load.connections = 16;
        assert_eq!(super::round_warmup(ms(0), &load, round).0, ms(400));
    }

    #[test]
    fn the_budget_holds_at_most_the_looks_allowed() {
        let load = twenty_seconds(600);
        let plan = RoundPlan::new(&load, Pairing::Random, std::time::Duration::ZERO, true);
        assert_eq!(plan.max_rounds, crate::stopping::MAX_LOOKS);
    }
}
