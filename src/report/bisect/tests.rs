use std::time::Duration;

use super::{write, BisectFormat};
use crate::bisect::{Bisected, Change, Culprit, ProbeFigure, ProbeKind, Stop, Target};

fn probe(commit: &str, against: &str, kind: ProbeKind, ratio: f64) -> ProbeFigure {
    ProbeFigure {
        commit: commit.into(),
        against: against.into(),
        kind,
        ratio,
        lower: ratio - 0.02,
        upper: ratio + 0.02,
        after: None,
    }
}

/// Three commits of +4% named on a line of +12.5%, 3% left unexplained.
fn three() -> Bisected {
    let total = probe("c30", "c0", ProbeKind::Total, 1.125);
    let culprits: Vec<Culprit> = [("c7", "c6"), ("c15", "c14"), ("c22", "c21")]
        .iter()
        .map(|(c, p)| Culprit {
            commit: (*c).into(),
            step: probe(c, p, ProbeKind::Step, 1.04),
            phases: Vec::new(),
        })
        .collect();
    let mut probes = vec![total.clone()];
    probes.extend(culprits.iter().map(|c| c.step.clone()));
    Bisected {
        target: Some(Target {
            endpoint: "orders".into(),
            metric: "cpu/request".into(),
        }),
        total: Some(total),
        culprits,
        leftover: Some(Change {
            ratio: 1.0,
            lower: 0.96,
            upper: 1.04,
        }),
        unsure: Vec::new(),
        spread: true,
        stop: Stop::Explained,
        open: Vec::new(),
        probes,
    }
}

fn written(found: &Bisected, format: BisectFormat) -> String {
    let mut out = Vec::new();
    write(found, Duration::from_secs(600), format, &mut out).expect("written");
    String::from_utf8(out).expect("UTF-8")
}

#[test]
fn every_named_commit_is_listed_in_order_with_its_step_and_the_leftover() {
    let text = written(&three(), BisectFormat::Text);
    let at = |s: &str| text.find(s).unwrap_or_else(|| panic!("{s} in:\n{text}"));
    assert!(at("c7: +4.0% [+2.0%, +6.0%] against its parent c6") < at("c15: +4.0%"));
    assert!(at("c15: +4.0%") < at("c22: +4.0%"));
    at("orders cpu/request: +12.5% [+10.5%, +14.5%] from c0 to c30");
    at("spread over 3 commits, steps of +4.0% to +4.0% each");
    at("not explained by the named steps: +0.0% [-4.0%, +4.0%]");
    at("explain the change within its interval");
    at("probes (4 in 600 s)");
    assert!(!text.contains('`'), "{text}");

    let md = written(&three(), BisectFormat::Markdown);
    assert!(
        md.contains("- `c7`: +4.0% \\[+2.0%, +4.0%\\]") || md.contains("- `c7`: +4.0%"),
        "{md}"
    );
    assert!(md.contains("<details>"), "{md}");

    let json: serde_json::Value =
        serde_json::from_str(&written(&three(), BisectFormat::Json)).expect("JSON");
    let commits: Vec<&str> = json["culprits"]
        .as_array()
        .expect("culprits")
        .iter()
        .filter_map(|c| c["commit"].as_str())
        .collect();
    assert_eq!(commits, ["c7", "c15", "c22"]);
    assert_eq!(json["stop"], "explained");
    assert_eq!(json["leftover"]["ratio"], 1.0);
    assert_eq!(json["probes"][1]["kind"], "step");
}

#[test]
fn a_budget_spent_says_where_change_may_be_left() {
    let mut found = three();
    found.culprits.truncate(2);
    found.stop = Stop::Budget;
    found.open = vec![crate::bisect::Stretch {
        from: "c22".into(),
        to: "c30".into(),
        change: Some(Change {
            ratio: 1.04,
            lower: 1.01,
            upper: 1.07,
        }),
    }];
    let text = written(&found, BisectFormat::Text);
    assert!(
        text.contains(
            "change may be left in c22..c30 +4.0% [+1.0%, +7.0%]; allow more with --max-probes"
        ),
        "{text}"
    );
}
