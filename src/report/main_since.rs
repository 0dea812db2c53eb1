//! The main branch's change since an anchor, from its relative history, as
//! the sentences every report carries beside the comparison: "main since
//! v1.4 (23 steps): orders p50 +14.0% [+6.0%, +22.0%]", and a line per
//! flagged step.

use serde::{Deserialize, Serialize};

use super::text::{change, interval};
use crate::escape;

/// Main's change since an anchor (a release tag, or the history's first
/// step), per gated endpoint and metric, as the chain of its steps says.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MainSince {
    /// The tag or commit the change is counted from.
    pub anchor: String,
    pub steps: usize,
    pub gaps: usize,
    pub series: Vec<SinceFigure>,
}

/// One endpoint × metric of [`MainSince`]: the chained ratio with its
/// interval, and the steps flagged on the way ("step at abc1234: …").
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SinceFigure {
    pub endpoint: String,
    pub metric: String,
    pub ratio: f64,
    pub lower: f64,
    pub upper: f64,
    pub flagged: Vec<FlaggedStep>,
}

/// A step whose own interval excludes 1.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FlaggedStep {
    pub commit: String,
    pub ratio: f64,
    pub lower: f64,
    pub upper: f64,
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
    use super::{FlaggedStep, MainSince, SinceFigure};

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
                    flagged: vec![FlaggedStep {
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
