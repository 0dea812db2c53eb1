//! The main branch's change since an anchor, from its relative history, as
//! the sentences every report carries beside the comparison: "main since
//! v1.4 (23 steps): orders p50 +14.0% [+6.0%, +22.0%]", and a line per
//! flagged step.

use serde::{Deserialize, Serialize};

use super::text::{change, interval};
use crate::chain::{Flagged, Series};
use crate::escape;

/// Main's change since an anchor (a release tag, or the history's first
/// step), per gated endpoint and metric, as the chain of its steps says.
/// Its JSON is the report's `main_since` (the schema fixes its fields).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MainSince {
    /// The tag or commit the change is counted from.
    pub anchor: String,
    pub steps: usize,
    pub gaps: usize,
    pub series: Vec<SinceFigure>,
}

/// One endpoint × metric of [`MainSince`]: the part of the chain's
/// [`Series`] a report says — the chained ratio with its interval, and the
/// steps flagged on the way ("step at abc1234: …"); not the chart's points.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SinceFigure {
    pub endpoint: String,
    pub metric: String,
    pub ratio: f64,
    pub lower: f64,
    pub upper: f64,
    /// The flagged steps of the chain (`stats::flags`).
    pub flagged: Vec<Flagged>,
}

impl MainSince {
    /// Main's change since `anchor` over `steps` steps with `gaps` gaps
    /// not counted, from the chain's `series`, keeping those `gated`
    /// (endpoint, metric) pairs.
    pub fn of(
        anchor: String,
        steps: usize,
        gaps: usize,
        series: Vec<Series>,
        gated: &[(String, String)],
    ) -> MainSince {
        let series = series
            .into_iter()
            .filter(|s| {
                gated
                    .iter()
                    .any(|(e, m)| *e == s.endpoint && *m == s.metric)
            })
            .map(|s| SinceFigure {
                endpoint: s.endpoint,
                metric: s.metric,
                ratio: s.ratio,
                lower: s.lower,
                upper: s.upper,
                flagged: s.flagged,
            })
            .collect();
        MainSince {
            anchor,
            steps,
            gaps,
            series,
        }
    }
}

/// Most endpoint × metric figures on the line (the largest changes).
const SHOWN: usize = 6;

/// The sentences of `m`.
pub fn lines(m: &MainSince) -> Vec<String> {
    let mut figures: Vec<_> = m.series.iter().collect();
    figures.sort_by(|a, b| b.ratio.ln().abs().total_cmp(&a.ratio.ln().abs()));
    let shown: Vec<String> = figures
        .iter()
        .take(SHOWN)
        .map(|s| {
            format!(
                "{} {} {} {}",
                escape::inert(&s.endpoint),
                escape::inert(&s.metric),
                change(s.ratio),
                interval(Some(s.lower), Some(s.upper))
            )
        })
        .collect();
    let mut lines = vec![format!(
        "main since {} ({} step{}{}): {}",
        escape::inert(&m.anchor),
        m.steps,
        if m.steps == 1 { "" } else { "s" },
        match m.gaps {
            0 => String::new(),
            n => format!(", {n} gap{} not counted", if n == 1 { "" } else { "s" }),
        },
        if shown.is_empty() {
            "no gated metric in its history".to_owned()
        } else {
            shown.join(" · ")
        }
    )];
    for s in &m.series {
        for f in &s.flagged {
            lines.push(format!(
                "main: step at {} ({} {}): {} {}",
                escape::inert(&f.commit.chars().take(10).collect::<String>()),
                escape::inert(&s.endpoint),
                escape::inert(&s.metric),
                change(f.ratio),
                interval(Some(f.lower), Some(f.upper))
            ));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::lines;
    use super::{MainSince, SinceFigure};
    use crate::chain::Flagged;

    #[test]
    fn the_chains_gated_series_are_kept_with_the_fields_the_json_carries() {
        let step = |commit: &str, ratio: f64| Flagged {
            commit: commit.into(),
            ratio,
            lower: 1.03,
            upper: 1.09,
        };
        let series = |endpoint: &str| crate::chain::Series {
            endpoint: endpoint.into(),
            metric: "p50".into(),
            anchor: "c0".into(),
            latest: "c2".into(),
            steps: 2,
            ratio: 1.14,
            lower: 1.06,
            upper: 1.22,
            confidence: 0.99,
            points: vec![step("c1", 1.06), step("c2", 1.14)],
            flagged: vec![step("c1", 1.06)],
        };
        let gated = [("orders".to_string(), "p50".to_string())];
        let m = MainSince::of(
            "v1.4".into(),
            2,
            0,
            vec![series("orders"), series("home")],
            &gated,
        );
        let json = serde_json::to_value(&m).expect("JSON");
        assert_eq!(
            json,
            serde_json::json!({
                "anchor": "v1.4", "steps": 2, "gaps": 0,
                "series": [{
                    "endpoint": "orders", "metric": "p50",
                    "ratio": 1.14, "lower": 1.06, "upper": 1.22,
                    "flagged": [{"commit": "c1", "ratio": 1.06, "lower": 1.03, "upper": 1.09}]
                }]
            })
        );
        let back: MainSince = serde_json::from_value(json).expect("read back");
        assert_eq!(back, m);
    }

    #[test]
    fn the_change_since_the_anchor_and_its_flagged_steps_are_said() {
        let m = MainSince {
            anchor: "v1.4".into(),
            steps: 23,
            gaps: 1,
            series: vec![
                SinceFigure {
                    endpoint: "search".into(),
                    metric: "p50".into(),
                    ratio: 1.01,
                    lower: 0.97,
                    upper: 1.05,
                    flagged: Vec::new(),
                },
                SinceFigure {
                    endpoint: "orders".into(),
                    metric: "p50".into(),
                    ratio: 1.14,
                    lower: 1.06,
                    upper: 1.22,
                    flagged: vec![Flagged {
                        commit: "abc1234def567".into(),
                        ratio: 1.062,
                        lower: 1.031,
                        upper: 1.094,
                    }],
                },
            ],
        };
        assert_eq!(
            lines(&m),
            [
                "main since v1.4 (23 steps, 1 gap not counted): orders p50 +14.0% [+6.0%, +22.0%] · search p50 +1.0% [-3.0%, +5.0%]",
                "main: step at abc1234def (orders p50): +6.2% [+3.1%, +9.4%]"
            ]
        );
    }
}
