//! The chain read as one series per endpoint × metric: the chained index
//! since an anchor commit, the flagged steps, the gaps.

use serde::{Deserialize, Serialize};

use super::file::ChainError;
use super::step::ChainStep;
use crate::stats::{flags, Index, Step};

/// One endpoint × metric over the chosen stretch of the chain.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Series {
    pub endpoint: String,
    pub metric: String,
    /// The commit the index starts from, and the last one it reaches.
    pub anchor: String,
    pub latest: String,
    /// Steps of this metric in the stretch.
    pub steps: usize,
    pub ratio: f64,
    pub lower: f64,
    pub upper: f64,
    pub confidence: f64,
    /// The chained ratio after each step, with its interval: the chart.
    pub points: Vec<Flagged>,
    /// The steps where the series shifts (`stats::flags`): their own
    /// interval excludes 1, or they stand out against the stretch's steps.
    pub flagged: Vec<Flagged>,
}

/// A commit with a ratio and its interval: a step, or the index after it.
/// A saved report carries main's flagged steps, so it is read back too.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Flagged {
    pub commit: String,
    pub ratio: f64,
    pub lower: f64,
    pub upper: f64,
}

/// Steps missing from the chain: `commit`'s step was measured against
/// `parent`, which no step reached (a run that failed, was cancelled or gave no verdict).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Gap {
    pub commit: String,
    pub parent: String,
}

/// The steps after the commit `since` (a hash or a prefix of at least 4
/// characters): after its own step, or from the step measured against it;
/// the whole chain without one.
pub fn stretch<'a>(
    path: &std::path::Path,
    steps: &'a [ChainStep],
    since: Option<&str>,
) -> Result<&'a [ChainStep], ChainError> {
    match since {
        None => Ok(steps),
        Some(commit) => Ok(&steps[start(path, steps, commit)?..]),
    }
}

/// Every endpoint × metric of `stretch`, and the gaps in it.
pub fn series(stretch: &[ChainStep]) -> (Vec<Series>, Vec<Gap>) {
    let Some(last) = stretch.last() else {
        return (Vec::new(), Vec::new());
    };
    let gaps = stretch
        .windows(2)
        .filter(|w| w[1].parent != w[0].commit)
        .map(|w| Gap {
            commit: w[1].commit.clone(),
            parent: w[1].parent.clone(),
        })
        .collect();
    let mut keys: Vec<(&str, &str)> = Vec::new();
    for m in stretch.iter().flat_map(|s| &s.metrics) {
        let key = (m.endpoint.as_str(), m.metric.as_str());
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    let all = keys
        .into_iter()
        .map(|(endpoint, metric)| one(stretch, endpoint, metric, last.confidence))
        .collect();
    (all, gaps)
}

/// Where the stretch after `commit` starts: after its step, or at the step
/// measured against it.
fn start(path: &std::path::Path, steps: &[ChainStep], commit: &str) -> Result<usize, ChainError> {
    let matches = |c: &str| commit.len() >= 4 && c.starts_with(commit);
    if let Some(i) = steps.iter().position(|s| matches(&s.commit)) {
        return Ok(i + 1);
    }
    steps
        .iter()
        .position(|s| matches(&s.parent))
        .ok_or_else(|| ChainError::NoSuchCommit {
            path: path.to_path_buf(),
            commit: crate::escape::inert(commit),
        })
}

fn one(stretch: &[ChainStep], endpoint: &str, metric: &str, confidence: f64) -> Series {
    let mut measured: Vec<Step> = Vec::new();
    let mut own: Vec<Flagged> = Vec::new();
    let mut points = Vec::new();
    for s in stretch {
        let Some(m) = s
            .metrics
            .iter()
            .find(|m| m.endpoint == endpoint && m.metric == metric)
        else {
            continue;
        };
        let Some(step) = Step::of_interval(m.ratio, m.lower, m.upper, s.confidence) else {
            continue;
        };
        measured.push(step);
        // As measured: the step's own interval.
        own.push(Flagged {
            commit: s.commit.clone(),
            ratio: m.ratio,
            lower: m.lower,
            upper: m.upper,
        });
        points.push(figure(&s.commit, &Index::of(&measured), confidence));
    }
    let flagged = own
        .into_iter()
        .zip(flags(&measured, confidence))
        .filter_map(|(step, flagged)| flagged.then_some(step))
        .collect();
    let index = Index::of(&measured);
    let (lower, upper) = index.interval(confidence);
    Series {
        endpoint: endpoint.to_owned(),
        metric: metric.to_owned(),
        anchor: stretch
            .first()
            .map_or_else(String::new, |s| s.parent.clone()),
        latest: stretch
            .last()
            .map_or_else(String::new, |s| s.commit.clone()),
        steps: measured.len(),
        ratio: index.ratio(),
        lower,
        upper,
        confidence,
        points,
        flagged,
    }
}

fn figure(commit: &str, index: &Index, confidence: f64) -> Flagged {
    let (lower, upper) = index.interval(confidence);
    Flagged {
        commit: commit.to_owned(),
        ratio: index.ratio(),
        lower,
        upper,
    }
}

#[cfg(test)]
mod tests;
