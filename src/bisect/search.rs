//! The search, on plain data: probes through a [`Prober`], halving each
//! stretch of the line that holds a sure change by where each probe's
//! ratio lies against half of that stretch's own change, and searching on
//! either side of every commit it names until nothing sure is left.
//!
//! A stretch [S, E] of the line (S excluded, E included) is searched when
//! the change from S to E is a sure slowdown: its interval at the suite's
//! confidence lies above 1. The first stretch is GOOD..BAD. A candidate C
//! is measured against S and placed after the change when
//! ln(C / S) > ln(E / S) / 2 — the midpoint of "C has none of the
//! stretch's change" and "C has all of it". Half of the stretch's own
//! change, not of the threshold: three steps of +4% under a 10% threshold
//! are each below T / 2, and only the stretch's own midpoint places them.
//! The halving ends with C placed after and its parent P before; C is
//! named when its own step C / P is a slowdown (over [`NAMING_Z`] standard
//! errors), and the search goes on in [S, P] and [C, E] either way. The
//! step is read from the probes of C and P against S when that quotient is
//! a sure slowdown, else measured by a probe of C against P: the halving
//! chose C and P *because* of their figures (C's high, P's low), so their
//! quotient errs upward when the placement erred, and only a fresh probe
//! is free of that choice. A figure within one standard error of the
//! midpoint is measured a second time and pooled before it places a
//! candidate.
//!
//! Every probe is kept in a [`Ledger`], and the change of a stretch is
//! read from it: measured directly when a probe joins its ends, else
//! chained through others (a commit's ratio to GOOD over the stretch
//! start's ratio to GOOD), with the variances added. A chained figure is
//! sound, but √2 as noisy as one probe: to *place* a candidate the search
//! uses only a probe of it against S itself (an earlier one when there is
//! one, else a new one), because a placement errs when the noise reaches
//! half a step, and the chained figure would err about twice as often for
//! a +4% step at 1% noise per probe. A chained figure does decide whether
//! a stretch is worth searching; when it leans to a change (estimate over
//! its standard error) without being sure, and the named steps leave part
//! of the total unexplained, one probe of E against S settles it.
//!
//! The search stops when the probes are spent, or when no stretch left
//! holds a sure change: the named steps then explain the total within its
//! interval ([`Stop::Explained`]), or the part left is spread too thinly
//! to place ([`Stop::Unplaced`]).

use serde::Serialize;

use super::ledger::{Estimate, Ledger};
use super::probe::{ProbeFigure, ProbeKind, Prober};
use super::target::{figure, probe_phases, step_phases, worst, PhaseFigure, ProbePhases, Target};
use crate::compare::Comparison;
use crate::exit::Failure;
use crate::stats::{Index, Step};

/// How many standard errors a placed commit's own step must be over 0
/// for the commit to be named: the one-sided 95% normal quantile.
pub const NAMING_Z: f64 = 1.645;

/// What to search: GOOD, the first-parent line after it up to BAD (oldest
/// first), the metric (or the one BAD regressed most), commits to probe
/// first, and the most probes.
#[derive(Debug, Clone)]
pub struct Plan {
    pub good: String,
    pub line: Vec<String>,
    pub target: Option<Target>,
    pub suspects: Vec<String>,
    pub max_probes: usize,
}

/// How many commits the default budget is sized to name.
pub const NAMED_BY_DEFAULT: usize = 3;

impl Plan {
    /// The probes that name [`NAMED_BY_DEFAULT`] commits on a line of `n`
    /// candidates: for the first, BAD against GOOD, ⌈log₂ n⌉ halvings, its
    /// step and one for a suspect that was not it; for each next, a probe
    /// of its stretch's ends, at most ⌈log₂ n⌉ halvings and its step.
    pub fn default_probes(n: usize) -> usize {
        let halvings = (usize::BITS - n.saturating_sub(1).leading_zeros()) as usize;
        halvings + 3 + (NAMED_BY_DEFAULT - 1) * (halvings + 2)
    }
}

/// A commit the search named: its own step (against its parent) and the
/// Server-Timing phases of the target's endpoint that moved in it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Culprit {
    pub commit: String,
    pub step: ProbeFigure,
    pub phases: Vec<PhaseFigure>,
}

/// A ratio with its interval at the suite's confidence.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Change {
    pub ratio: f64,
    pub lower: f64,
    pub upper: f64,
}

/// A stretch of the line left unsearched when the search stopped: from
/// `from` (excluded) to `to`, with its change as far as the probes know.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Stretch {
    pub from: String,
    pub to: String,
    pub change: Option<Change>,
}

/// Why the search stopped.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Stop {
    /// BAD is not surely slower than GOOD on the target (or no gated
    /// metric regressed): nothing to search.
    NoRegression,
    /// The named steps explain the total change within its interval.
    Explained,
    /// Part of the change is left unexplained, but no stretch between the
    /// named commits holds a sure change of its own.
    Unplaced,
    /// The probe budget was spent.
    Budget,
}

/// What the search found.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Bisected {
    pub target: Option<Target>,
    /// BAD against GOOD.
    pub total: Option<ProbeFigure>,
    /// The commits named, oldest first: each the first of its stretch
    /// past half the stretch's change, with a sure slowdown of its own.
    pub culprits: Vec<Culprit>,
    /// Commits the halving placed first past half a stretch's change whose
    /// own step is not a sure slowdown: a probe on the way erred, or the
    /// change is spread over steps too small to show one by one. The
    /// search went on either side of each.
    pub unsure: Vec<Culprit>,
    /// The part of the total the named steps do not explain: total over
    /// their product.
    pub leftover: Option<Change>,
    /// The change is spread over several commits: more than one was named,
    /// or the one named holds less than half of it.
    pub spread: bool,
    pub stop: Stop,
    /// Where change may be left, when the search stopped with some
    /// unexplained (budget spent, or unplaced).
    pub open: Vec<Stretch>,
    /// Every probe, in order (the total first).
    pub probes: Vec<ProbeFigure>,
}

/// Runs the search of `plan` with `prober`.
pub fn bisect(prober: &mut dyn Prober, plan: &Plan) -> Result<Bisected, Failure> {
    let Some(bad) = plan.line.last() else {
        return Err(Failure::usage(
            "GOOD and BAD are the same commit: nothing to search",
        ));
    };
    let total = prober.probe(&plan.good, bad)?;
    let Some(target) = plan.target.clone().or_else(|| worst(&total)) else {
        return Ok(Bisected {
            target: None,
            total: None,
            culprits: Vec::new(),
            leftover: None,
            unsure: Vec::new(),
            spread: false,
            stop: Stop::NoRegression,
            open: Vec::new(),
            probes: Vec::new(),
        });
    };
    let mut points = vec![plan.good.as_str()];
    points.extend(plan.line.iter().map(String::as_str));
    let mut search = Search {
        prober,
        plan,
        points,
        target,
        confidence: total.confidence,
        ledger: Ledger::default(),
        probes: Vec::new(),
        phases: Vec::new(),
    };
    search.record(0, plan.line.len(), ProbeKind::Total, &total)?;
    search.run()
}

/// A stretch (start, end) of positions on the line, GOOD at 0.
type Span = (usize, usize);

/// The commits placed past half a stretch's change (position, number of
/// its step's probe): named when their step is a sure slowdown.
#[derive(Debug, Default)]
struct Found {
    named: Vec<(usize, Vec<PhaseFigure>)>,
    unsure: Vec<(usize, Vec<PhaseFigure>)>,
}

/// What the search of one stretch ended with.
enum Located {
    /// The commit at this position, and the phases that moved in its
    /// step ([`Search::named_phases`]).
    Named(usize, Vec<PhaseFigure>),
    /// The budget ran out with the change between these positions.
    OutOfProbes(Span),
}

/// What to do next.
enum Next {
    Search(usize),
    Confirm(usize),
    Stop(Stop),
}

struct Search<'a> {
    prober: &'a mut dyn Prober,
    plan: &'a Plan,
    /// GOOD, then the line.
    points: Vec<&'a str>,
    target: Target,
    confidence: f64,
    ledger: Ledger,
    probes: Vec<ProbeFigure>,
    /// The phases of each probe.
    phases: Vec<ProbePhases>,
}

impl Search<'_> {
    /// The stretches, searched in turn until [`Search::next`] stops.
    fn run(mut self) -> Result<Bisected, Failure> {
        let mut pending: Vec<Span> = vec![(0, self.points.len() - 1)];
        let mut confirmed: Vec<Span> = Vec::new();
        let mut found = Found::default();
        if !self.sure(pending[0]) {
            return self.finish(found, Stop::NoRegression, &[]);
        }
        loop {
            match self.next(&pending, &confirmed, &found.named) {
                Next::Search(i) => {
                    let (start, end) = pending.remove(i);
                    match self.locate(start, end)? {
                        Located::Named(at, phases) => {
                            if self.slower(at) {
                                found.named.push((at, phases));
                            } else {
                                found.unsure.push((at, phases));
                            }
                            pending.extend(
                                [(start, at - 1), (at, end)]
                                    .into_iter()
                                    .filter(|s| s.1 > s.0),
                            );
                        }
                        Located::OutOfProbes(bracket) => {
                            pending.insert(0, bracket);
                            return self.finish(found, Stop::Budget, &pending);
                        }
                    }
                }
                Next::Confirm(i) => {
                    let (start, end) = pending[i];
                    confirmed.push(pending[i]);
                    if self.probe(start, end, ProbeKind::Stretch)?.is_none() {
                        return self.finish(found, Stop::Budget, &pending);
                    }
                }
                Next::Stop(stop) => return self.finish(found, stop, &pending),
            }
        }
    }

    /// The stretch to search next: the surest of those that hold a sure
    /// change; else one to measure end against start, when its chained
    /// figure leans to a change and the named steps leave some
    /// unexplained; else why to stop.
    fn next(
        &self,
        pending: &[Span],
        confirmed: &[Span],
        named: &[(usize, Vec<PhaseFigure>)],
    ) -> Next {
        let estimates: Vec<Option<Estimate>> = pending
            .iter()
            .map(|&(s, e)| self.ledger.estimate(s, e))
            .collect();
        let surest = estimates
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.filter(|e| e.sure(self.confidence)).map(|e| (i, e)))
            .max_by(|a, b| {
                let lower = |e: &Estimate| e.log_lower(self.confidence);
                lower(&a.1).total_cmp(&lower(&b.1))
            });
        if let Some((i, _)) = surest {
            return Next::Search(i);
        }
        let leftover = self.leftover(named);
        if leftover.is_some_and(|l| l.z() >= 1.0) {
            let leaning = estimates
                .iter()
                .enumerate()
                .filter(|(i, _)| !confirmed.contains(&pending[*i]))
                .filter_map(|(i, e)| match e {
                    None => Some((i, f64::INFINITY)),
                    Some(e) if e.z() >= 1.0 => Some((i, e.z())),
                    Some(_) => None,
                })
                .max_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((i, _)) = leaning {
                return Next::Confirm(i);
            }
        }
        if leftover.is_some_and(|l| l.sure(self.confidence)) {
            Next::Stop(Stop::Unplaced)
        } else {
            Next::Stop(Stop::Explained)
        }
    }

    /// The commit of the stretch (`start`, `end`] past half its change,
    /// and its step's probe.
    fn locate(&mut self, start: usize, end: usize) -> Result<Located, Failure> {
        let half = self
            .ledger
            .estimate(start, end)
            .map_or(0.0, |e| e.index.log_ratio / 2.0);
        // Earlier probes against this stretch's start place their commits
        // as well as new ones would.
        let placed = |i: usize| {
            self.ledger
                .direct(start, i)
                .map(|(step, _)| step.log_ratio > half)
        };
        let mut after = (start + 1..end)
            .find(|&i| placed(i) == Some(true))
            .unwrap_or(end);
        let mut before = (start + 1..after)
            .rev()
            .find(|&i| placed(i).is_some())
            .unwrap_or(start);
        while after - before > 1 {
            let mid = self.choose(before, after);
            let Some(is_after) = self.place(start, mid, half)? else {
                return Ok(Located::OutOfProbes((before, after)));
            };
            if is_after {
                after = mid;
            } else {
                before = mid;
            }
        }
        // The step from the probes already taken (both ends against the
        // start) when they show it plainly; else measured directly.
        if self.sure((after - 1, after)) {
            return Ok(Located::Named(after, self.named_phases(start, after)));
        }
        Ok(match self.probe(after - 1, after, ProbeKind::Step)? {
            Some(p) => Located::Named(after, self.moved(p)),
            None => Located::OutOfProbes((after - 1, after)),
        })
    }

    /// The phases that moved in probe `p`, as its comparison judged them.
    fn moved(&self, p: usize) -> Vec<PhaseFigure> {
        self.phases[p]
            .iter()
            .filter(|(_, moved)| *moved)
            .map(|(f, _)| f.clone())
            .collect()
    }

    /// The phases that moved in the step to `after` when the step was read
    /// from the probes against `start`: the probe to `after` is the step
    /// when its parent is `start`; else the phases of the probe to `after`
    /// over those of the probe to its parent (never the change since
    /// `start`, which may hold earlier commits' changes). None when no
    /// probe measured the parent against `start`.
    fn named_phases(&self, start: usize, after: usize) -> Vec<PhaseFigure> {
        let Some((_, p)) = self.ledger.direct(start, after) else {
            return Vec::new();
        };
        if after - 1 == start {
            return self.moved(p);
        }
        self.ledger
            .direct(start, after - 1)
            .map(|(_, q)| step_phases(&self.phases[q], &self.phases[p], self.confidence))
            .unwrap_or_default()
    }

    /// Whether the commit at `mid` is past `half` of the change from
    /// `start`, measured against `start`; `None` when the budget is spent.
    /// A figure within one standard error of `half` is measured once more
    /// and pooled with the first: a misplaced candidate sends the halving
    /// to the wrong side and costs a whole search to repair, a second
    /// probe costs one, and one figure in six falls that close when the
    /// truth is two standard errors away.
    fn place(&mut self, start: usize, mid: usize, half: f64) -> Result<Option<bool>, Failure> {
        let Some(first) = self.probe(start, mid, ProbeKind::Halving)? else {
            return Ok(None);
        };
        let mut numbers = vec![first];
        let close = |s: &Self| {
            s.ledger
                .direct(start, mid)
                .is_some_and(|(step, _)| (step.log_ratio - half).abs() < step.se)
        };
        if close(self) {
            numbers.extend(self.probe(start, mid, ProbeKind::Halving)?);
        }
        let is_after = self
            .ledger
            .direct(start, mid)
            .is_some_and(|(step, _)| step.log_ratio > half);
        for n in numbers {
            self.probes[n].after = Some(is_after);
        }
        Ok(Some(is_after))
    }

    /// The next candidate strictly between `before` and `after`: a
    /// suspect's parent or the suspect itself when one lies there, else the
    /// middle.
    fn choose(&self, before: usize, after: usize) -> usize {
        let inside = |i: usize| before < i && i < after;
        self.plan
            .suspects
            .iter()
            .filter_map(|s| {
                self.points
                    .iter()
                    .skip(1)
                    .position(|c| c.starts_with(s.as_str()))
            })
            .flat_map(|i| [i, i + 1])
            .find(|&i| inside(i))
            .unwrap_or((before + after) / 2)
    }

    /// Measures `head` against `base` (positions) unless the budget is
    /// spent; the probe's number.
    fn probe(
        &mut self,
        base: usize,
        head: usize,
        kind: ProbeKind,
    ) -> Result<Option<usize>, Failure> {
        if self.probes.len() >= self.plan.max_probes {
            return Ok(None);
        }
        let comparison = self.prober.probe(self.points[base], self.points[head])?;
        self.record(base, head, kind, &comparison).map(Some)
    }

    /// Keeps a probe's figure, its moved phases and its place in the
    /// ledger; its number.
    fn record(
        &mut self,
        base: usize,
        head: usize,
        kind: ProbeKind,
        c: &Comparison,
    ) -> Result<usize, Failure> {
        let (against, commit) = (self.points[base], self.points[head]);
        let f = figure(c, &self.target, (against, commit), kind)?;
        let step = Step::of_interval(f.ratio, f.lower, f.upper, self.confidence).ok_or_else(|| {
            Failure::run(format!(
                "bisect: the probe of {commit} against {against} has no bounded interval for {} {}; give the suite a longer load.max_duration",
                self.target.endpoint, self.target.metric
            ))
        })?;
        let number = self.probes.len();
        self.ledger.add(base, head, step, number);
        self.phases.push(probe_phases(c, &self.target));
        self.probes.push(f);
        Ok(number)
    }

    /// Whether the commit at `at` is slower than its parent: its step's
    /// estimate over [`NAMING_Z`] standard errors.
    fn slower(&self, at: usize) -> bool {
        self.ledger
            .estimate(at - 1, at)
            .is_some_and(|e| e.index.log_ratio > NAMING_Z * e.index.se)
    }

    fn sure(&self, (start, end): Span) -> bool {
        self.ledger
            .estimate(start, end)
            .is_some_and(|e| e.sure(self.confidence))
    }

    /// The total over the named steps' product, with the variances added.
    fn leftover(&self, named: &[(usize, Vec<PhaseFigure>)]) -> Option<Estimate> {
        let total = self.ledger.estimate(0, self.points.len() - 1)?;
        let mut steps = vec![Step {
            log_ratio: total.index.log_ratio,
            se: total.index.se,
        }];
        for &(at, _) in named {
            let step = self.ledger.estimate(at - 1, at)?.index;
            steps.push(Step {
                log_ratio: -step.log_ratio,
                se: step.se,
            });
        }
        Some(Estimate {
            index: Index::of(&steps),
        })
    }

    /// The step of the commit at `at`: its last probe against its parent,
    /// or the figure chained from other probes.
    fn step(&self, at: usize) -> Option<ProbeFigure> {
        if let Some((_, p)) = self.ledger.direct(at - 1, at) {
            return Some(self.probes[p].clone());
        }
        let c = self.change(&self.ledger.estimate(at - 1, at)?);
        Some(ProbeFigure {
            commit: self.points[at].to_owned(),
            against: self.points[at - 1].to_owned(),
            kind: ProbeKind::Chained,
            ratio: c.ratio,
            lower: c.lower,
            upper: c.upper,
            after: None,
        })
    }

    fn change(&self, e: &Estimate) -> Change {
        let (lower, upper) = e.index.interval(self.confidence);
        Change {
            ratio: e.index.ratio(),
            lower,
            upper,
        }
    }

    /// The report, or the budget's error when nothing was named.
    fn finish(self, mut found: Found, stop: Stop, pending: &[Span]) -> Result<Bisected, Failure> {
        let commit = |i: usize| self.points[i].to_owned();
        let open: Vec<Stretch> = match stop {
            Stop::Budget | Stop::Unplaced => pending
                .iter()
                .filter_map(|&(s, e)| {
                    let change = self.ledger.estimate(s, e);
                    change
                        .is_none_or(|c| c.index.log_ratio > 0.0)
                        .then(|| Stretch {
                            from: commit(s),
                            to: commit(e),
                            change: change.map(|c| self.change(&c)),
                        })
                })
                .collect(),
            _ => Vec::new(),
        };
        if stop == Stop::Budget && found.named.is_empty() && found.unsure.is_empty() {
            let (from, to) = open.first().map_or((String::new(), String::new()), |s| {
                (s.from.clone(), s.to.clone())
            });
            return Err(Failure::usage(format!(
                "bisect: {} probes used and the change lies between {from} and {to}; allow more with --max-probes",
                self.probes.len(),
            )));
        }
        let leftover = self.leftover(&found.named).map(|e| self.change(&e));
        let culprits = |list: &mut Vec<(usize, Vec<PhaseFigure>)>| -> Vec<Culprit> {
            list.sort_by_key(|(at, _)| *at);
            list.iter()
                .filter_map(|(at, phases)| {
                    Some(Culprit {
                        commit: commit(*at),
                        step: self.step(*at)?,
                        phases: phases.clone(),
                    })
                })
                .collect()
        };
        let (named, unsure) = (culprits(&mut found.named), culprits(&mut found.unsure));
        let total = self.probes.first().cloned();
        let spread = named.len() > 1
            || named
                .first()
                .zip(total.as_ref())
                .is_some_and(|(c, t)| c.step.upper.ln() < t.ratio.ln() / 2.0);
        Ok(Bisected {
            target: Some(self.target),
            total,
            leftover: if named.is_empty() { None } else { leftover },
            culprits: named,
            unsure,
            spread,
            stop,
            open,
            probes: self.probes,
        })
    }
}

#[cfg(test)]
mod tests;
