//! The warm-up of each A/B round after the first is sized by the app: as
//! long as a fresh instance took to settle in the first round, within
//! bounds, said in the log and the results files. The demo app has no
//! warm-up of its own, so it gets the least on a quiet machine, and at most
//! the bound on a loaded one.

mod support;

use support::{serial, DemoSuite};

#[test]
fn an_app_without_warm_up_gets_the_least_warm_up_in_every_later_round() {
    let _serial = serial();
    let yaml = DemoSuite {
        name: "warm",
        load: "  rate: 100/s
  connections: 4
  warmup: 2s
  duration: 8s
  max_duration: 8s
  block: 500ms",
        endpoints: "  - name: list-users\n    path: /users?limit=20",
        ..DemoSuite::default()
    }
    .yaml();
    let (head, base) = (support::suite_dir(&yaml), support::suite_dir(&yaml));
    let (code, c, stderr) = support::ab_json(head.path(), base.path(), &[]);
    assert!(code == 0 || code == 1, "{stderr}\n{c}");
    // The demo has no warm-up of its own: on a quiet machine it gets the
    // least, 0.25 s; a loaded one can make its first blocks look slower
    // for a moment, never past the bound of half a round (1 s here). The
    // rule itself is tested on known shapes in `load::settle`.
    let said = stderr
        .lines()
        .find(|l| l.starts_with("warm-up of each later round: "))
        .unwrap_or_else(|| panic!("the chosen warm-up is said: {stderr}"))
        .to_owned();
    let seconds: f64 = said
        .trim_start_matches("warm-up of each later round: ")
        .split(' ')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a time in seconds: {said}"));
    assert!((0.25..=1.0).contains(&seconds), "{said}");
    // Chosen once, after round 1, for the three rounds after it.
    assert_eq!(
        stderr.matches("warm-up of each later round").count(),
        1,
        "{stderr}"
    );
    for side in ["base", "head"] {
        let path = head.path().join(format!(".benchgate/warm.{side}.json"));
        let results: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("results")).expect("JSON");
        assert_eq!(results["provenance"]["chosen"][0], said, "{side}");
    }
}
