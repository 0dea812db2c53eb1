//! The load figures of several runs joined into one record (shards, a
//! stored check's runs, the rounds of an A/B run): what they did together.

use super::{LoadSummary, RunInfo};

/// What joined runs are to each other, which sets how their achieved
/// rates join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joined {
    /// Parts of one load (shards): the lowest achieved ÷ target ratio of
    /// any part, so a shard that fell short still shows as short.
    Parts,
    /// The same load again (an A/B run's rounds): the ratio over all of
    /// them, each weighed by its measured time, so one round a loaded
    /// machine stalled does not stand for the run. (With the lowest, the
    /// chance that some round of 50 falls short grows with the rounds: an
    /// A/A run on a machine at load 5 failed as "head sustained 55.8/s of
    /// 80/s" after 49 rounds.) A side short in every round is as short.
    Repeats,
}

/// The load figures of several joined runs, as one [`LoadSummary`]:
///
/// - `requests`, `late_starts`, `generator_cpu_seconds` and
///   `generator_requests` are summed: the work of every run together;
/// - `target_rate` is the suite's rate (`rate`): what an unsharded run
///   offers, whatever the shards' own shares were;
/// - `achieved_rate` is that target times the runs' achieved ÷ target
///   ratio, joined as `joined` says;
/// - warm-up, duration, block, connections and seed are the first run's.
///
/// Each run's own figures stay in `runs`.
pub fn total_load(rate: f64, runs: &[RunInfo], joined: Joined) -> Option<LoadSummary> {
    let first = runs.first()?;
    let ratios = runs.iter().filter(|r| r.load.target_rate > 0.0).map(|r| {
        (
            r.load.achieved_rate / r.load.target_rate,
            r.load.duration_ms,
        )
    });
    let ratio = match joined {
        Joined::Parts => ratios.map(|(ratio, _)| ratio).reduce(f64::min),
        Joined::Repeats => {
            let (sum, weight) = ratios.fold((0.0, 0.0), |(sum, weight), (ratio, ms)| {
                let w = (ms as f64).max(1.0);
                (sum + ratio * w, weight + w)
            });
            (weight > 0.0).then(|| sum / weight)
        }
    };
    Some(LoadSummary {
        target_rate: rate,
        achieved_rate: ratio.map_or(0.0, |ratio| rate * ratio),
        requests: runs.iter().map(|r| r.load.requests).sum(),
        late_starts: runs.iter().map(|r| r.load.late_starts).sum(),
        generator_cpu_seconds: runs.iter().map(|r| r.load.generator_cpu_seconds).sum(),
        generator_requests: runs.iter().map(|r| r.load.generator_requests).sum(),
        ..first.load.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run of 2 s that achieved `share` of 100/s.
    fn run(share: f64) -> RunInfo {
        let json = serde_json::json!({
            "provenance": {
                "benchgate_version": "0",
                "git_commit": null,
                "git_branch": null,
                "time_utc": "2026-12-08T00:00:00Z",
                "host": { "cpu_model": "cpu", "cores": 2, "os": "linux" }
            },
            "load": {
                "target_rate": 100.0, "achieved_rate": 100.0 * share,
                "warmup_ms": 250, "duration_ms": 2000, "block_ms": 1000,
                "connections": 32, "seed": 1, "requests": 200, "late_starts": 0,
                "generator_cpu_seconds": 0.1, "generator_requests": 225
            }
        });
        serde_json::from_value(json).expect("a run")
    }

    fn achieved(runs: &[RunInfo], joined: Joined) -> f64 {
        total_load(100.0, runs, joined)
            .map(|l| l.achieved_rate)
            .unwrap_or(f64::NAN)
    }

    #[test]
    fn one_stalled_round_does_not_stand_for_the_run_but_one_short_shard_does() {
        let mut runs = vec![run(1.0); 49];
        runs.push(run(0.7));
        assert!((achieved(&runs, Joined::Repeats) - 99.4).abs() < 1e-9);
        assert!((achieved(&runs, Joined::Parts) - 70.0).abs() < 1e-9);
        // A side short in every round is as short either way.
        let short = vec![run(0.8); 10];
        for joined in [Joined::Repeats, Joined::Parts] {
            assert!((achieved(&short, joined) - 80.0).abs() < 1e-9);
        }
        let load = total_load(100.0, &runs, Joined::Repeats).expect("a load");
        assert_eq!(load.requests, 50 * 200);
    }
}
