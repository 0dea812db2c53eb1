//! One probe: two commits, each checked out in a temporary worktree, built
//! and measured side by side until the verdict is known, as `check --ab`
//! measures a pull request.

use std::path::Path;

use crate::ab;
use crate::compare::Comparison;
use crate::config::Overrides;
use crate::exit::Failure;
use crate::record::Pairing;

/// A commit measured against another, for the target metric.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct ProbeFigure {
    pub commit: String,
    pub against: String,
    /// What the probe was for.
    pub kind: ProbeKind,
    pub ratio: f64,
    pub lower: f64,
    pub upper: f64,
    /// Where the probe put it: after the change (or before).
    pub after: Option<bool>,
}

/// Why a probe was taken.
#[derive(Debug, Clone, Copy, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ProbeKind {
    /// BAD against GOOD: the change to explain.
    Total,
    /// A candidate against the start of the stretch searched, placed
    /// before or after that stretch's change.
    Halving,
    /// A named commit against its parent: its own step.
    Step,
    /// Not a probe: a named commit's step read from the probes of it and
    /// its parent against the start of their stretch (the two ratios'
    /// quotient, their variances added), when they show it plainly.
    Chained,
    /// The end of a stretch against its start, measured directly when
    /// the figure chained from other probes leaned to a change without
    /// showing it surely.
    Stretch,
}

/// What measures a commit against another. The search runs on this, so
/// that its logic is tested on plain data.
pub trait Prober {
    /// `head` measured against `base` side by side, until known.
    fn probe(&mut self, base: &str, head: &str) -> Result<Comparison, Failure>;
}

/// The real probe: the suite file at `suite` (inside the repository),
/// with the command line's overrides. A suite that says `rate: auto` is
/// probed once, at the first probe (BAD against GOOD), and every probe
/// runs at that rate: ratios measured at different rates do not chain.
#[derive(Debug)]
pub struct Measuring<'a> {
    pub suite: &'a Path,
    pub overrides: Overrides,
}

impl<'a> Measuring<'a> {
    pub fn new(suite: &'a Path, overrides: Overrides) -> Self {
        Measuring { suite, overrides }
    }

    /// When the suite at `head_suite` says `rate: auto` and no rate is
    /// fixed yet: the rate probed on these two trees, fixed for the rest.
    fn fix_rate(&mut self, base_suite: &Path, head_suite: &Path) -> Result<(), Failure> {
        if self.overrides.rate.is_some() {
            return Ok(());
        }
        let config = crate::config::load(head_suite, &self.overrides, crate::config::UNBOUND_PORT)
            .map_err(ab::AbError::from)?;
        if !config.load.rate_auto {
            return Ok(());
        }
        let choice = crate::capacity::auto_rate(base_suite, head_suite, Pairing::Random)?;
        eprintln!("bisect: every probe runs at {}/s", choice.rate);
        self.overrides.rate = Some(choice.rate);
        Ok(())
    }
}

impl Prober for Measuring<'_> {
    fn probe(&mut self, base: &str, head: &str) -> Result<Comparison, Failure> {
        let inside = self.suite.parent().unwrap_or(Path::new(""));
        eprintln!(
            "probe: {} against {}",
            crate::report::short_commit(Some(head)),
            crate::report::short_commit(Some(base))
        );
        let base_tree = ab::Worktree::add(inside, base)?;
        let head_tree = ab::Worktree::add(inside, head)?;
        let base_suite = ab::base_suite_path(self.suite, base_tree.path())?;
        let head_suite = ab::base_suite_path(self.suite, head_tree.path())?;
        self.fix_rate(&base_suite, &head_suite)?;
        let suites = ab::SideSuites::resolve(ab::Sides {
            head_suite: &head_suite,
            overrides: &self.overrides,
            base_suite: &base_suite,
            pairing: Pairing::Random,
            build: true,
        })?;
        let base_baselines = crate::baseline::dir_for(suites.base(), None);
        let head_baselines = crate::baseline::dir_for(suites.head(), None);
        let settings = ab::gate(
            suites.base(),
            suites.head(),
            &base_baselines,
            &head_baselines,
        )?;
        let known = ab::measure_until(&suites, &settings, None)?;
        Ok(known.comparison)
    }
}
