//! `compare()` on simulated records with a known effect: what the gate must
//! fail, what it must pass, and what it must warn about.

use proptest::prelude::*;

use self::records::{EndpointSpec, RecordSpec};
use super::*;
use crate::compare::gate::EndpointGate;
use crate::config::Metric;
use crate::report::terminal::summary_line;
use rand::Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Hand-built run records: seeded log-normal latencies, run offsets and a
/// per-endpoint slowdown, with every field of the record filled plausibly
/// and a fixed provenance so that nothing depends on the clock or host.
pub(crate) mod records {
    use rand::Rng;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use crate::record::{
        self, Block, EndpointRecord, Host, LoadSummary, Measured, MeasuredEndpoint, Outcomes,
        Provenance, RunInfo, RunRecord,
    };

    /// One endpoint of a simulated record.
    #[derive(Debug, Clone)]
    pub(crate) struct EndpointSpec {
        pub(crate) name: &'static str,
        /// Multiplier on every latency (1.5 = 50% slower).
        pub(crate) slowdown: f64,
        /// Share of requests that fail (with HTTP 500).
        pub(crate) error_rate: f64,
    }

    impl EndpointSpec {
        pub(crate) fn new(name: &'static str) -> EndpointSpec {
            EndpointSpec {
                name,
                slowdown: 1.0,
                error_rate: 0.0,
            }
        }

        pub(crate) fn slower(self, slowdown: f64) -> EndpointSpec {
            EndpointSpec { slowdown, ..self }
        }

        pub(crate) fn failing(self, error_rate: f64) -> EndpointSpec {
            EndpointSpec { error_rate, ..self }
        }
    }

    /// How a simulated record is generated.
    #[derive(Debug, Clone)]
    pub(crate) struct RecordSpec {
        pub(crate) endpoints: Vec<EndpointSpec>,
        pub(crate) runs: usize,
        pub(crate) blocks: usize,
        /// Requests per endpoint per block (ok and failed).
        pub(crate) per_block: u64,
        pub(crate) median_us: f64,
        /// σ of ln latency inside a block.
        pub(crate) sigma: f64,
        /// sd of each run's log-scale offset (machine speed phases).
        pub(crate) run_sd: f64,
        pub(crate) seed: u64,
        pub(crate) cpu_model: &'static str,
        pub(crate) git_commit: &'static str,
    }

    impl RecordSpec {
        /// `runs` × `blocks` of the named endpoints, none slowed down.
        pub(crate) fn new(names: &[&'static str], runs: usize, blocks: usize) -> RecordSpec {
            RecordSpec {
                endpoints: names.iter().map(|n| EndpointSpec::new(n)).collect(),
                runs,
                blocks,
                per_block: 40,
                median_us: 2_000.0,
                sigma: 0.2,
                run_sd: 0.0,
                seed: 1,
                cpu_model: "Test CPU @ 3.00GHz",
                git_commit: "0123456789abcdef0123456789abcdef01234567",
            }
        }

        pub(crate) fn seed(self, seed: u64) -> RecordSpec {
            RecordSpec { seed, ..self }
        }

        pub(crate) fn run_sd(self, run_sd: f64) -> RecordSpec {
            RecordSpec { run_sd, ..self }
        }

        /// Replaces the endpoint of the same name.
        pub(crate) fn with(mut self, endpoint: EndpointSpec) -> RecordSpec {
            for slot in self
                .endpoints
                .iter_mut()
                .filter(|e| e.name == endpoint.name)
            {
                *slot = endpoint.clone();
            }
            self
        }

        pub(crate) fn build(&self) -> RunRecord {
            let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
            let mut endpoints: Vec<EndpointRecord> = self
                .endpoints
                .iter()
                .map(|e| EndpointRecord {
                    name: e.name.to_string(),
                    method: "GET".into(),
                    path: format!("/{}", e.name),
                    blocks: Vec::new(),
                })
                .collect();
            for run in 0..self.runs {
                let offset = self.run_sd * normal(&mut rng);
                for (spec, endpoint) in self.endpoints.iter().zip(&mut endpoints) {
                    for _ in 0..self.blocks {
                        let block = self.block(&mut rng, spec, offset, run as u32);
                        endpoint.blocks.push(block);
                    }
                }
            }
            let infos: Vec<RunInfo> = (0..self.runs)
                .map(|run| RunInfo {
                    provenance: self.provenance(run),
                    load: self.load(),
                })
                .collect();
            let mut record = RunRecord {
                format: record::FORMAT,
                suite: "shop".into(),
                summary: Vec::new(),
                fingerprint: "9f2c4e1a7b3d5f60".into(),
                measured: self.measured(),
                provenance: self.provenance(self.runs.saturating_sub(1)),
                load: self.load(),
                runs: if self.runs > 1 { infos } else { Vec::new() },
                pairing: None,
                endpoints,
                resources: None,
            };
            record.summarize();
            record
        }

        fn block(&self, rng: &mut ChaCha8Rng, spec: &EndpointSpec, offset: f64, run: u32) -> Block {
            let errors = (self.per_block as f64 * spec.error_rate).round() as u64;
            let ok = self.per_block - errors;
            let centre = self.median_us * spec.slowdown * offset.exp();
            let mut latency_us = record::new_histogram();
            for _ in 0..ok {
                let us = centre * (self.sigma * normal(rng)).exp();
                latency_us.saturating_record(us.round().max(1.0) as u64);
            }
            let mut outcomes = Outcomes {
                ok,
                ..Default::default()
            };
            if errors > 0 {
                outcomes.status.insert(500, errors);
            }
            Block {
                run,
                latency_us: latency_us.into(),
                phases: Default::default(),
                outcomes,
            }
        }

        /// Requests per second over all endpoints, with 1 s blocks.
        fn rate(&self) -> f64 {
            (self.per_block * self.endpoints.len() as u64) as f64
        }

        fn measured(&self) -> Measured {
            Measured {
                rate: self.rate(),
                connections: 8,
                block_ms: 1_000,
                timeout_ms: 5_000,
                endpoints: self
                    .endpoints
                    .iter()
                    .map(|e| MeasuredEndpoint {
                        name: e.name.to_string(),
                        method: "GET".into(),
                        path: format!("/{}", e.name),
                        header_names: vec!["accept".into()],
                        body_sha256: None,
                        weight: 1,
                        expect_status: Some(200),
                    })
                    .collect(),
            }
        }

        /// Run `run` started `run` minutes after noon on a fixed day.
        fn provenance(&self, run: usize) -> Provenance {
            Provenance {
                benchgate_version: "0.1.0".into(),
                git_commit: Some(self.git_commit.into()),
                git_branch: Some("main".into()),
                time_utc: format!("2024-05-01T12:{run:02}:00Z"),
                host: Host {
                    cpu_model: self.cpu_model.into(),
                    cores: 4,
                    os: "linux 6.1.0 x86_64".into(),
                },
                placement: None,
            }
        }

        fn load(&self) -> LoadSummary {
            let requests = self.per_block * self.endpoints.len() as u64 * self.blocks as u64;
            LoadSummary {
                target_rate: self.rate(),
                achieved_rate: self.rate(),
                warmup_ms: 2_000,
                duration_ms: self.blocks as u64 * 1_000,
                block_ms: 1_000,
                connections: 8,
                seed: self.seed,
                requests,
                late_starts: 0,
                generator_cpu_seconds: 0.25,
                generator_requests: requests + 2 * self.rate() as u64,
                others_cores: None,
            }
        }
    }

    /// A standard normal draw (Box–Muller).
    fn normal(rng: &mut ChaCha8Rng) -> f64 {
        let u1: f64 = 1.0 - rng.random::<f64>();
        let u2: f64 = rng.random::<f64>();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

const NAMES: [&str; 3] = ["home", "search", "cart"];

fn verdicts(c: &Comparison, endpoint: &str) -> Vec<(Metric, VerdictName)> {
    c.endpoints
        .iter()
        .find(|e| e.name == endpoint)
        .expect("endpoint is compared")
        .metrics
        .iter()
        .map(|m| (m.metric, m.verdict))
        .collect()
}

fn regressed(c: &Comparison) -> Vec<(String, Metric)> {
    c.endpoints
        .iter()
        .flat_map(|e| e.metrics.iter().map(move |m| (e, m)))
        .filter(|(_, m)| m.verdict == VerdictName::Regressed)
        .map(|(e, m)| (e.name.clone(), m.metric))
        .collect()
}

/// Five baseline runs, as `benchgate baseline update --runs 5` records.
fn baseline() -> RecordSpec {
    RecordSpec::new(&NAMES, 5, 20).run_sd(0.02)
}

/// One head run with a seed of its own.
fn head() -> RecordSpec {
    RecordSpec::new(&NAMES, 1, 20).run_sd(0.02).seed(99)
}

#[test]
fn identical_records_pass_and_nothing_regresses() {
    let base = baseline().build();
    let c = compare(&base, &base.clone(), &GateSettings::defaults());
    assert_eq!(c.outcome, Outcome::Pass);
    assert!(regressed(&c).is_empty(), "{c:#?}");
    for endpoint in &c.endpoints {
        assert!(!endpoint.errors.regressed);
        for m in &endpoint.metrics {
            assert_eq!(m.ratio, Some(1.0), "{} {:?}", endpoint.name, m.metric);
        }
    }
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    assert_eq!((c.base.runs, c.head.runs), (5, 5));
}

#[test]
fn a_fifty_percent_slowdown_of_one_endpoint_fails_the_gate_on_it_alone() {
    let base = baseline().build();
    let head = head().with(EndpointSpec::new("search").slower(1.5)).build();
    let c = compare(&base, &head, &GateSettings::defaults());
    assert_eq!(c.outcome, Outcome::Fail);
    assert!(verdicts(&c, "search").contains(&(Metric::P50, VerdictName::Regressed)));
    assert!(
        regressed(&c).iter().all(|(name, _)| name == "search"),
        "{:?}",
        regressed(&c)
    );
    let p50 = &c.endpoints[1].metrics[0];
    let ratio = p50.ratio.expect("enough data for a ratio");
    assert!((1.4..1.6).contains(&ratio), "ratio {ratio}");
    assert!(p50.lower.is_some_and(|l| l > 1.0));
    let line = summary_line(&c);
    assert!(line.starts_with("gate failed: 1 endpoint(s)"), "{line}");
    assert!(line.contains("search"), "{line}");
}

#[test]
fn no_change_with_small_run_offsets_passes_for_every_seed() {
    let gate = GateSettings::defaults();
    let failures: Vec<(u64, String)> = (0..20)
        .filter_map(|seed| {
            // Two endpoints and 10 blocks a run keep 20 suites fast.
            let base = RecordSpec::new(&NAMES[..2], 5, 10).run_sd(0.02);
            let head = RecordSpec::new(&NAMES[..2], 1, 10).run_sd(0.02);
            let base = base.seed(1_000 + seed).build();
            let head = head.seed(2_000 + seed).build();
            let c = compare(&base, &head, &gate);
            (c.outcome == Outcome::Fail).then(|| (seed, summary_line(&c)))
        })
        .collect();
    assert!(failures.is_empty(), "false fails: {failures:?}");
}

#[test]
fn an_error_rate_rise_beyond_the_allowance_fails_the_gate() {
    let base = baseline().build();
    let head = head().with(EndpointSpec::new("cart").failing(0.05)).build();
    let gate = GateSettings::defaults();
    assert_eq!(gate.suite.max_error_rate_increase, 0.01);
    let c = compare(&base, &head, &gate);
    let cart = &c.endpoints[2];
    assert_eq!(cart.name, "cart");
    assert_eq!(cart.errors.base_rate, 0.0);
    assert!((cart.errors.head_rate - 0.05).abs() < 0.005);
    assert!(cart.errors.regressed, "{:?}", cart.errors);
    assert!(c.endpoints[..2].iter().all(|e| !e.errors.regressed));
    assert_eq!(c.outcome, Outcome::Fail);
    assert!(summary_line(&c).contains("cart error rate"));
}

#[test]
fn endpoints_on_one_side_only_are_listed_not_compared() {
    let base = RecordSpec::new(&["home", "legacy"], 3, 10).build();
    let head = RecordSpec::new(&["home", "new"], 1, 10).seed(7).build();
    let c = compare(&base, &head, &GateSettings::defaults());
    assert_eq!(c.added, ["new"]);
    assert_eq!(c.removed, ["legacy"]);
    let compared: Vec<&str> = c.endpoints.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(compared, ["home"]);
}

#[test]
fn a_per_endpoint_threshold_and_metrics_override_the_suite() {
    let base = baseline().build();
    let head = head().with(EndpointSpec::new("search").slower(1.2)).build();
    let suite = compare(&base, &head, &GateSettings::defaults());
    assert!(verdicts(&suite, "search").contains(&(Metric::P50, VerdictName::Regressed)));

    let mut gate = GateSettings::defaults();
    gate.endpoints = vec![
        EndpointGate {
            name: "search".into(),
            threshold: Some(1.0),
            metrics: None,
            phases: None,
        },
        EndpointGate {
            name: "cart".into(),
            threshold: None,
            metrics: Some(vec![Metric::Mean]),
            phases: None,
        },
    ];
    let c = compare(&base, &head, &gate);
    let thresholds: Vec<f64> = c.endpoints.iter().map(|e| e.threshold).collect();
    assert_eq!(thresholds, [0.10, 1.0, 0.10]);
    assert_eq!(c.threshold, 0.10);
    // 20% is below half of a 100% threshold: never a regression.
    assert!(regressed(&c).is_empty(), "{:?}", regressed(&c));
    assert_eq!(c.outcome, Outcome::Pass);
    let cart: Vec<Metric> = verdicts(&c, "cart").into_iter().map(|(m, _)| m).collect();
    assert_eq!(cart, [Metric::Mean]);
}

#[test]
fn a_single_run_baseline_warns_that_run_offsets_are_not_covered() {
    let base = RecordSpec::new(&NAMES, 1, 20).build();
    let head = head().build();
    let c = compare(&base, &head, &GateSettings::defaults());
    assert_eq!(c.base.runs, 1);
    assert!(
        c.warnings
            .iter()
            .any(|w| w.contains("single run") && w.contains("--runs")),
        "{:?}",
        c.warnings
    );
}

#[test]
fn a_baseline_from_another_machine_is_warned_about() {
    let base = baseline().build();
    let mut head_spec = head();
    head_spec.cpu_model = "Other CPU @ 2.10GHz";
    let c = compare(&base, &head_spec.build(), &GateSettings::defaults());
    let warning = c
        .warnings
        .iter()
        .find(|w| w.contains("another machine"))
        .expect("machine warning");
    assert!(warning.contains("Test CPU @ 3.00GHz") && warning.contains("Other CPU @ 2.10GHz"));
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
}

#[test]
fn a_machine_shared_with_other_work_decides_nothing() {
    // Unchanged code, but the head runs 40% slower: other processes took
    // 1.2 of the 4 cores during the check and 0.05 during the baseline.
    let with_others = |mut record: RunRecord, cores: f64| {
        record.runs = record.run_infos();
        for run in &mut record.runs {
            run.load.others_cores = Some(cores);
        }
        record
    };
    let base = with_others(baseline().build(), 0.05);
    let mut slower = head();
    for e in &mut slower.endpoints {
        e.slowdown = 1.4;
    }
    let busy = with_others(slower.build(), 1.2);
    let c = compare(&base, &busy, &GateSettings::defaults());
    assert_eq!(c.outcome, Outcome::Pass, "{:?}", c.failed);
    for endpoint in &c.endpoints {
        for m in &endpoint.metrics {
            assert_eq!(m.verdict, VerdictName::Inconclusive, "{}", endpoint.name);
            let note = m.note.as_deref().unwrap_or("");
            assert!(
                note.contains(
                    "kept 1.20 of its 4 cores busy during this run, 0.05 during the baseline's"
                ) && note.contains("--ab")
                    && note.contains("app.command"),
                "{note}"
            );
        }
    }
    assert!(
        c.undecidable
            .as_deref()
            .is_some_and(|u| u.contains("shared with other work")),
        "{:?}",
        c.undecidable
    );
    assert!(
        c.warnings.iter().all(|w| !w.contains("shared")),
        "said once, as undecidable: {:?}",
        c.warnings
    );
    // The terminal report says the reason once, not once per metric, and
    // does not call the metrics too noisy.
    let report = crate::report::Report::new(c.clone(), Vec::new());
    let mut text = Vec::new();
    crate::report::write(&report, crate::report::Format::Text, &mut text).expect("to a Vec");
    let text = String::from_utf8_lossy(&text);
    assert_eq!(
        text.matches("note: every metric: the machine was shared")
            .count(),
        1,
        "{text}"
    );
    assert!(!text.contains("too noisy"), "{text}");
    let mut markdown = Vec::new();
    crate::report::write(&report, crate::report::Format::Markdown, &mut markdown)
        .expect("to a Vec");
    let markdown = String::from_utf8_lossy(&markdown);
    assert_eq!(
        markdown.matches("shared with other work").count(),
        1,
        "{markdown}"
    );
    assert!(
        markdown.contains("**No metric could decide:**"),
        "{markdown}"
    );

    // Up to a tenth of the machine (0.4 cores of 4) it is quiet: the
    // slowdown decides.
    let near = with_others(slower.build(), 0.3);
    let c = compare(&base, &near, &GateSettings::defaults());
    assert_eq!(c.outcome, Outcome::Fail);
    assert_eq!(c.undecidable, None);

    // A baseline from before benchgate recorded the machine's load: said.
    let c = compare(&baseline().build(), &busy, &GateSettings::defaults());
    assert!(
        c.warnings
            .iter()
            .any(|w| w.contains("does not say how busy")),
        "{:?}",
        c.warnings
    );

    // A baseline recorded beside other work decides nothing either, even
    // against a quiet check: its runs may have been slowed.
    let busy_base = with_others(baseline().build(), 1.0);
    let c = compare(&busy_base, &near, &GateSettings::defaults());
    assert_eq!(c.outcome, Outcome::Pass);
    let note = c.endpoints[0].metrics[0].note.as_deref().unwrap_or("");
    assert!(
        note.contains("0.30 of its 4 cores busy during this run, 1.00"),
        "{note}"
    );
}

#[test]
fn check_comparable_names_what_changed_and_allows_new_endpoints() {
    let base = baseline().build().measured;
    assert_eq!(check_comparable(&base, &base.clone()), Ok(()));

    let mut faster = base.clone();
    faster.rate *= 2.0;
    let err = check_comparable(&base, &faster).expect_err("rate changed");
    assert!(err.contains("load.rate 120 → 240"), "{err}");

    let mut moved = base.clone();
    moved.endpoints[1].path = "/find".into();
    let err = check_comparable(&base, &moved).expect_err("path changed");
    assert!(
        err.contains("search") && err.contains("GET /search → GET /find"),
        "{err}"
    );

    let added = RecordSpec::new(&["home", "search", "cart", "new"], 1, 3)
        .build()
        .measured;
    let mut added = added;
    added.rate = base.rate;
    assert_eq!(check_comparable(&base, &added), Ok(()));
}

#[test]
fn compare_output_matches_the_json_schema() {
    let base = baseline().build();
    let head = head()
        .with(EndpointSpec::new("search").slower(1.5))
        .with(EndpointSpec::new("cart").failing(0.05))
        .build();
    let c = compare(&base, &head, &GateSettings::defaults());
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../schemas/comparison.schema.json"))
            .expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let json = serde_json::to_value(&c).expect("comparison serializes");
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// Small records for the property tests: 1–3 runs of 3–6 blocks.
fn small(seed: u64, runs: usize, blocks: usize, slowdown: f64) -> RunRecord {
    let mut spec = RecordSpec::new(&["a", "b"], runs, blocks)
        .seed(seed)
        .run_sd(0.03)
        .with(EndpointSpec::new("b").slower(slowdown));
    spec.per_block = 30;
    spec.build()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn identical_inputs_never_regress(seed in 0u64..1_000, runs in 1usize..4, blocks in 3usize..7) {
        let record = small(seed, runs, blocks, 1.0);
        let c = compare(&record, &record.clone(), &GateSettings::defaults());
        prop_assert_eq!(c.outcome, Outcome::Pass);
        prop_assert!(regressed(&c).is_empty());
    }

    #[test]
    fn swapping_base_and_head_inverts_every_ratio(
        seeds in (0u64..1_000, 1_000u64..2_000),
        runs in (1usize..4, 1usize..4),
        slowdown in 0.7f64..1.6,
    ) {
        let a = small(seeds.0, runs.0, 4, 1.0);
        let b = small(seeds.1, runs.1, 5, slowdown);
        let gate = GateSettings::defaults();
        let (ab, ba) = (compare(&a, &b, &gate), compare(&b, &a, &gate));
        for (e_ab, e_ba) in ab.endpoints.iter().zip(&ba.endpoints) {
            for (m_ab, m_ba) in e_ab.metrics.iter().zip(&e_ba.metrics) {
                // Tails of these small records have too few requests to be
                // compared, on both sides alike.
                match (m_ab.ratio, m_ba.ratio) {
                    (Some(r_ab), Some(r_ba)) => {
                        prop_assert!((r_ab * r_ba - 1.0).abs() < 1e-9, "{} × {}", r_ab, r_ba);
                    }
                    (None, None) => prop_assert!(m_ab.metric.quantile() > Some(0.5)),
                    other => prop_assert!(false, "one-sided ratio {:?}", other),
                }
            }
        }
    }
}

#[test]
fn a_tail_with_too_few_requests_above_it_is_not_compared() {
    // 5 blocks × 30 requests = 150 per side: enough for p50 (20 needed) but
    // not for p95 (200) or p99 (1,000), whatever the data say.
    let base = small(1, 1, 5, 1.0);
    let head = small(2, 1, 5, 3.0);
    let c = compare(&base, &head, &GateSettings::defaults());
    let b = c
        .endpoints
        .iter()
        .find(|e| e.name == "b")
        .expect("endpoint b");
    for m in &b.metrics {
        match m.metric {
            Metric::P50 => assert_eq!(m.verdict, VerdictName::Regressed, "{m:?}"),
            _ => {
                assert_eq!(m.verdict, VerdictName::Inconclusive, "{m:?}");
                assert_eq!(m.ratio, None);
                let note = m.note.as_deref().unwrap_or_default();
                assert!(note.starts_with("too few requests for p9"), "{note}");
                assert!(note.contains("150 on the smaller side"), "{note}");
            }
        }
    }
}

/// The curves `compare()` adds for the HTML report's plots.
mod curve_tests {
    use super::records::{EndpointSpec, RecordSpec};
    use super::*;

    #[test]
    fn curves_follow_the_pooled_latencies_and_are_empty_without_data() {
        let names = ["home", "down"];
        let base = RecordSpec::new(&names, 2, 5).build();
        let head = RecordSpec::new(&names, 1, 5)
            .seed(7)
            .with(EndpointSpec::new("home").slower(1.5))
            .with(EndpointSpec::new("down").failing(1.0))
            .build();
        let c = compare(&base, &head, &GateSettings::defaults());
        let home = &c.endpoints[0].curves;
        for side in [&home.base, &home.head] {
            let qs: Vec<f64> = side.iter().map(|p| p.q).collect();
            assert_eq!(qs, CURVE_QUANTILES);
            assert!(side.windows(2).all(|w| w[0].ms <= w[1].ms), "{side:?}");
        }
        let ratio = home.head[0].ms / home.base[0].ms;
        assert!((1.35..1.65).contains(&ratio), "p50 ratio {ratio}");
        let pooled = base.endpoint("home").map(EndpointRecord::pooled);
        let max = pooled.map(|h| h.max() as f64 / 1000.0);
        assert_eq!(home.base.last().map(|p| p.ms), max);

        let down = &c.endpoints[1].curves;
        assert_eq!(down.base.len(), CURVE_QUANTILES.len());
        assert!(down.head.is_empty(), "{down:?}");
    }
}

/// `record` with resource blocks doing `us` CPU µs per request (each
/// block's mix of endpoints), RSS growing by `grow_mib` per block.
fn with_cpu(mut record: RunRecord, us: f64, grow_mib: f64) -> RunRecord {
    let blocks = record.endpoints[0].blocks.len();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    record.resources = Some(crate::record::Resources {
        absent: None,
        blocks: (0..blocks)
            .map(|b| {
                let ok: u64 = record
                    .endpoints
                    .iter()
                    .map(|e| e.blocks[b].outcomes.ok)
                    .sum();
                let noise = 1.0 + 0.02 * (rng.random::<f64>() - 0.5);
                crate::record::ResourceBlock {
                    run: record.endpoints[0].blocks[b].run,
                    cpu_us: (us * noise * ok as f64) as u64,
                    ok,
                    cpu_cores: 0.3,
                    rss_bytes: ((40.0 + grow_mib * (b % 20) as f64) * 1024.0 * 1024.0) as u64,
                }
            })
            .collect(),
    });
    record
}

fn cpu_gate() -> GateSettings {
    let mut gate = GateSettings::defaults();
    gate.suite.metrics.push(Metric::Cpu);
    gate
}

#[test]
fn cpu_per_request_is_gated_as_the_app_row() {
    let base = with_cpu(baseline().build(), 300.0, 0.0);
    let same = with_cpu(head().build(), 300.0, 0.0);
    let c = compare(&base, &same, &cpu_gate());
    assert_eq!(
        verdicts(&c, APP_ROW),
        vec![(Metric::Cpu, VerdictName::Unchanged)],
        "{c:#?}"
    );
    let slow = with_cpu(head().build(), 400.0, 0.0);
    let c = compare(&base, &slow, &cpu_gate());
    assert_eq!(regressed(&c), vec![(APP_ROW.to_string(), Metric::Cpu)]);
    assert_eq!(c.outcome, Outcome::Fail);
    // Not gated: no row.
    let c = compare(&base, &slow, &GateSettings::defaults());
    assert!(c.endpoints.iter().all(|e| !e.is_app()));
}

#[test]
fn cpu_that_was_not_measured_is_absent_and_said_once() {
    let base = baseline().build();
    let mut head = head().build();
    head.resources = Some(crate::record::Resources::absent(
        "the suite targets base_url without app.command",
    ));
    let c = compare(&base, &head, &cpu_gate());
    assert!(c.endpoints.iter().all(|e| !e.is_app()));
    let said: Vec<&String> = c
        .warnings
        .iter()
        .filter(|w| w.starts_with("cpu/request is not compared"))
        .collect();
    assert_eq!(said.len(), 1, "{:?}", c.warnings);
    assert_eq!(c.outcome, Outcome::Pass);
}

#[test]
fn a_leaking_head_is_warned_about_and_the_output_matches_the_schema() {
    let base = with_cpu(baseline().build(), 300.0, 0.0);
    let head = with_cpu(head().build(), 300.0, 2.0);
    let c = compare(&base, &head, &cpu_gate());
    let memory = c.memory.expect("both sides measured memory");
    assert!(memory.head.growth_mib > 30.0, "{memory:?}");
    assert!(
        c.warnings
            .iter()
            .any(|w| w.starts_with("memory: the head grew")),
        "{:?}",
        c.warnings
    );
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../schemas/comparison.schema.json"))
            .expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let json = serde_json::to_value(&c).expect("comparison serializes");
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

mod peak;
