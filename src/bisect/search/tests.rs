use std::collections::BTreeMap;

use super::{bisect, Bisected, Plan, Stop};
use crate::bisect::Prober;
use crate::compare::simulated::{EndpointSpec, RecordSpec, NAMES};
use crate::compare::{compare, Comparison, GateSettings};
use crate::exit::Failure;

/// A history on plain data: each commit's slowdown of `search` against
/// GOOD, measured as five simulated runs a side.
struct Fake {
    factor: BTreeMap<String, f64>,
    probes: Vec<(String, String)>,
}

impl Fake {
    /// Commits c1..c`n` after GOOD; each commit of `steps` multiplies the
    /// slowdown by its factor.
    fn new(n: usize, steps: &[(usize, f64)]) -> Fake {
        let mut factor = BTreeMap::from([("good".to_owned(), 1.0)]);
        let mut now = 1.0;
        for i in 1..=n {
            if let Some((_, f)) = steps.iter().find(|(at, _)| *at == i) {
                now *= f;
            }
            factor.insert(format!("c{i}"), now);
        }
        Fake {
            factor,
            probes: Vec::new(),
        }
    }

    fn record(&self, commit: &str, seed: u64) -> crate::record::RunRecord {
        RecordSpec::new(&NAMES, 5, 20)
            .run_sd(0.02)
            .seed(seed)
            .with(EndpointSpec::new("search").slower(self.factor[commit]))
            .build()
    }
}

impl Prober for Fake {
    fn probe(&mut self, base: &str, head: &str) -> Result<Comparison, Failure> {
        let seed = self.probes.len() as u64 * 2;
        self.probes.push((base.to_owned(), head.to_owned()));
        let (b, h) = (self.record(base, seed), self.record(head, seed + 1));
        Ok(compare(&b, &h, &GateSettings::defaults()))
    }
}

/// The commits named, oldest first.
fn named(found: &Bisected) -> Vec<&str> {
    found.culprits.iter().map(|c| c.commit.as_str()).collect()
}

fn plan(n: usize, suspects: &[&str]) -> Plan {
    Plan {
        good: "good".into(),
        line: (1..=n).map(|i| format!("c{i}")).collect(),
        target: None,
        suspects: suspects.iter().map(|s| s.to_string()).collect(),
        max_probes: Plan::default_probes(n),
    }
}

#[test]
fn the_commit_that_made_the_change_is_named_with_its_step() {
    let mut fake = Fake::new(8, &[(5, 1.5)]);
    let found = bisect(&mut fake, &plan(8, &[])).expect("found");
    assert_eq!(named(&found), ["c5"], "{found:#?}");
    let target = found.target.clone().expect("a target");
    assert_eq!(
        (target.endpoint.as_str(), target.metric.as_str()),
        ("search", "p50")
    );
    assert_eq!(found.stop, Stop::Explained, "{found:#?}");
    let leftover = found.leftover.expect("the part not explained");
    assert!(leftover.lower < 1.0 && 1.0 < leftover.upper, "{leftover:?}");
    let step = found.culprits[0].step.clone();
    assert_eq!((step.commit.as_str(), step.against.as_str()), ("c5", "c4"));
    assert!(step.lower < 1.5 && 1.5 < step.upper, "{step:?}");
    assert!(!found.spread);
    // BAD against GOOD, 3 halvings of 8; the step, a plain +50%, is read
    // from c5's and c4's probes against GOOD rather than measured again.
    assert_eq!(step.kind, crate::bisect::ProbeKind::Chained, "{step:?}");
    assert_eq!(fake.probes.len(), 4, "{:?}", fake.probes);
    assert!(fake.probes.len() <= Plan::default_probes(8));
}

#[test]
fn suspects_from_the_history_are_probed_first() {
    let mut fake = Fake::new(16, &[(11, 1.5)]);
    let found = bisect(&mut fake, &plan(16, &["c11"])).expect("found");
    assert_eq!(named(&found), ["c11"]);
    let probed: Vec<&str> = fake.probes.iter().map(|(_, h)| h.as_str()).collect();
    // BAD, the suspect's parent, the suspect (its step read from those);
    // at most one more, of the stretch after it, when the step leaves a
    // little of the change unexplained.
    assert_eq!(probed[..3], ["c16", "c10", "c11"]);
    assert!(probed.len() <= 4, "{probed:?}");
}

#[test]
fn a_change_spread_over_several_commits_is_said_to_be() {
    let mut fake = Fake::new(8, &[(2, 1.15), (5, 1.15), (7, 1.15)]);
    let found = bisect(&mut fake, &plan(8, &[])).expect("found");
    assert!(found.spread, "{found:#?}");
    let step = &found.culprits[0].step;
    assert!(step.ratio < 1.3, "one of the three steps: {step:?}");
}

#[test]
fn no_regression_between_good_and_bad_is_no_search() {
    let mut fake = Fake::new(4, &[]);
    let found = bisect(&mut fake, &plan(4, &[])).expect("ran");
    assert!(found.culprits.is_empty());
    assert_eq!(fake.probes.len(), 1);
}

#[test]
fn the_search_stops_at_its_probe_budget_and_says_where() {
    let mut fake = Fake::new(64, &[(40, 1.5)]);
    let mut tight = plan(64, &[]);
    tight.max_probes = 3;
    let err = bisect(&mut fake, &tight).expect_err("out of probes");
    assert!(
        err.to_string().contains("allow more with --max-probes"),
        "{err}"
    );
    assert!(fake.probes.len() <= 3);
}

mod drawn;
