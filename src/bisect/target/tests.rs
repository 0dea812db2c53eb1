use super::{step_phases, PhaseFigure};

fn phase(phase: &str, metric: &str, ratio: f64, lower: f64, upper: f64) -> (PhaseFigure, bool) {
    let figure = PhaseFigure {
        phase: phase.into(),
        metric: metric.into(),
        ratio,
        lower,
        upper,
    };
    (figure, true)
}

#[test]
fn a_chained_steps_phases_are_its_own_not_the_change_since_the_start() {
    // Against the stretch's start: the parent's db p50 ×2 [1.8, 2.2], the
    // commit's ×6 [5.4, 6.6]. The commit's own step is ×3: each interval's
    // se at 99% is ln(2.2 / 1.8) / (2 × 2.575829) = 0.038953, together
    // 0.055087, so exp(ln 3 ± 2.575829 × 0.055087) = [2.6031, 3.4574].
    // render moved since the start (×2 both times) but not in this step:
    // ×1.05 [0.911, 1.210] includes 1, so it is not named.
    let before = vec![
        phase("db", "p50", 2.0, 1.8, 2.2),
        phase("render", "p50", 2.0, 1.8, 2.2),
    ];
    let after = vec![
        phase("db", "p50", 6.0, 5.4, 6.6),
        phase("render", "p50", 2.1, 1.89, 2.31),
        // A phase the parent's probe did not measure: nothing to divide by.
        phase("cache", "p50", 9.0, 8.0, 10.0),
    ];
    let step = step_phases(&before, &after, 0.99);
    assert_eq!(step.len(), 1, "{step:?}");
    let db = &step[0];
    assert_eq!((db.phase.as_str(), db.metric.as_str()), ("db", "p50"));
    assert!((db.ratio - 3.0).abs() < 1e-9, "{db:?}");
    assert!((db.lower - 2.6031).abs() < 1e-3, "{db:?}");
    assert!((db.upper - 3.4574).abs() < 1e-3, "{db:?}");
}

#[test]
fn phases_are_matched_by_name_and_metric() {
    // The parent's db mean is not its db p50: a p50 in the commit with no
    // p50 in the parent's probe is not named.
    let before = vec![phase("db", "mean", 1.0, 0.9, 1.1)];
    let after = vec![phase("db", "p50", 3.0, 2.7, 3.3)];
    assert!(step_phases(&before, &after, 0.99).is_empty());
}
