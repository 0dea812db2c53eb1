//! What the probes measured so far, as a graph: each probe is an edge from
//! its base commit to its head commit carrying ln(head / base) and its
//! standard error. The search asks it for the change between any two
//! commits, so that a probe taken for one question answers later ones.
//!
//! Two commits with no probe between them are related through a path of
//! probes: ln(C / A) = ln(C / B) + ln(B / A). The probes are separate
//! side-by-side runs, so their errors are independent and the variances
//! along a path add (as in [`crate::stats::Index`]). Of the paths the
//! ledger takes the one of least variance. It is unbiased whichever path
//! is taken (the choice depends on the errors' sizes, never on their
//! values); a weighted least-squares fit over every path would be a little
//! tighter where several paths join two commits, and is not worth its
//! weight here, where the search asks mostly for figures one or two probes
//! away. Two probes of the same two commits are pooled, each weighted by
//! its inverse variance.

use crate::stats::{Index, Step};

/// One probe: `head` measured against `base` (positions on the line,
/// GOOD at 0), and its place in the list of probes.
#[derive(Debug, Clone, Copy)]
struct Edge {
    base: usize,
    head: usize,
    step: Step,
    probe: usize,
}

/// The change between two commits as the ledger knows it: the log ratio,
/// its standard error, and the number of hops it chains (1: measured
/// directly).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub index: Index,
}

impl Estimate {
    /// Whether the change is a sure slowdown: its interval at `confidence`
    /// lies above 1.
    pub fn sure(&self, confidence: f64) -> bool {
        self.index.interval(confidence).0 > 1.0
    }

    /// The lower bound of ln(ratio) at `confidence` (how surely slower).
    pub fn log_lower(&self, confidence: f64) -> f64 {
        self.index.interval(confidence).0.ln()
    }

    /// The estimate over its standard error.
    pub fn z(&self) -> f64 {
        if self.index.se > 0.0 {
            self.index.log_ratio / self.index.se
        } else {
            0.0
        }
    }
}

/// Every probe, by the commits it joins.
#[derive(Debug, Default)]
pub struct Ledger {
    edges: Vec<Edge>,
}

impl Ledger {
    /// Adds the probe number `probe`: `head` against `base`.
    pub fn add(&mut self, base: usize, head: usize, step: Step, probe: usize) {
        self.edges.push(Edge {
            base,
            head,
            step,
            probe,
        });
    }

    /// The probes of `head` against `base` itself, joined by their inverse
    /// variances (one probe: its own figure), with the number of the last.
    pub fn direct(&self, base: usize, head: usize) -> Option<(Step, usize)> {
        let mut joined: Option<(Step, usize)> = None;
        for e in self
            .edges
            .iter()
            .filter(|e| e.base == base && e.head == head)
        {
            joined = Some(match joined {
                None => (e.step, e.probe),
                Some((j, _)) => (pool(j, e.step), e.probe),
            });
        }
        joined
    }

    /// ln(`to` / `from`) along the path of probes of least variance
    /// (Dijkstra's shortest path, the variance as length); `None` when no
    /// probes join them.
    pub fn estimate(&self, from: usize, to: usize) -> Option<Estimate> {
        // node → (variance, log ratio from `from`, probes chained)
        let mut reached: Vec<(usize, f64, f64, usize)> = vec![(from, 0.0, 0.0, 0)];
        let mut done: Vec<usize> = Vec::new();
        loop {
            let &(node, var, log, steps) = reached
                .iter()
                .filter(|r| !done.contains(&r.0))
                .min_by(|a, b| a.1.total_cmp(&b.1))?;
            if node == to {
                let index = Index {
                    log_ratio: log,
                    se: var.sqrt(),
                    steps,
                };
                return Some(Estimate { index });
            }
            done.push(node);
            for e in &self.edges {
                let (next, step, sign) = match (e.base == node, e.head == node) {
                    (true, false) => (e.head, self.direct(node, e.head), 1.0),
                    (false, true) => (e.base, self.direct(e.base, node), -1.0),
                    _ => continue,
                };
                let Some((step, _)) = step else { continue };
                let candidate = (
                    next,
                    var + step.se.powi(2),
                    log + sign * step.log_ratio,
                    steps + 1,
                );
                match reached.iter_mut().find(|r| r.0 == next) {
                    Some(r) if r.1 <= candidate.1 => {}
                    Some(r) => *r = candidate,
                    None => reached.push(candidate),
                }
            }
        }
    }
}

/// Two measurements of one ratio, weighted by their inverse variances.
fn pool(a: Step, b: Step) -> Step {
    let (wa, wb) = (a.se.powi(-2), b.se.powi(-2));
    if !(wa.is_finite() && wb.is_finite()) {
        return if a.se <= b.se { a } else { b };
    }
    Step {
        log_ratio: (wa * a.log_ratio + wb * b.log_ratio) / (wa + wb),
        se: (wa + wb).powf(-0.5),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(log_ratio: f64, se: f64) -> Step {
        Step { log_ratio, se }
    }

    #[test]
    fn two_probes_against_good_give_the_ratio_between_with_their_variances_added() {
        let mut ledger = Ledger::default();
        ledger.add(0, 5, step(0.04, 0.01), 0);
        ledger.add(0, 9, step(0.10, 0.01), 1);
        let e = ledger.estimate(5, 9).expect("joined through GOOD");
        assert!((e.index.log_ratio - 0.06).abs() < 1e-12, "{e:?}");
        assert!((e.index.se - 0.02_f64.sqrt() / 10.0).abs() < 1e-12, "{e:?}");
        assert_eq!(e.index.steps, 2);
        assert_ne!(e.index.steps, 1);
        let back = ledger.estimate(9, 5).expect("either way");
        assert!((back.index.log_ratio + 0.06).abs() < 1e-12);
    }

    #[test]
    fn a_direct_probe_beats_a_noisier_path() {
        let mut ledger = Ledger::default();
        ledger.add(0, 5, step(0.04, 0.01), 0);
        ledger.add(0, 9, step(0.10, 0.01), 1);
        ledger.add(5, 9, step(0.05, 0.012), 2);
        let e = ledger.estimate(5, 9).expect("joined");
        assert_eq!(e.index.steps, 1, "{e:?}");
        assert!((e.index.log_ratio - 0.05).abs() < 1e-12);
        assert_eq!(ledger.direct(5, 9).map(|d| d.1), Some(2));
        assert_eq!(ledger.direct(9, 5), None);
    }

    #[test]
    fn two_probes_of_the_same_commits_are_pooled() {
        let mut ledger = Ledger::default();
        ledger.add(0, 4, step(0.02, 0.01), 0);
        ledger.add(0, 4, step(0.04, 0.01), 1);
        let (pooled, last) = ledger.direct(0, 4).expect("measured");
        assert_eq!(last, 1);
        assert!((pooled.log_ratio - 0.03).abs() < 1e-12, "{pooled:?}");
        assert!((pooled.se - 0.01 / 2f64.sqrt()).abs() < 1e-12, "{pooled:?}");
        let e = ledger.estimate(0, 4).expect("joined");
        assert!(
            e.index.steps == 1 && (e.index.se - pooled.se).abs() < 1e-12,
            "{e:?}"
        );
    }

    #[test]
    fn commits_no_probe_joins_have_no_estimate() {
        let mut ledger = Ledger::default();
        ledger.add(0, 5, step(0.04, 0.01), 0);
        ledger.add(7, 9, step(0.0, 0.01), 1);
        assert_eq!(ledger.estimate(0, 9), None);
        let same = ledger.estimate(7, 7).expect("itself");
        assert_eq!(same.index.log_ratio, 0.0);
    }
}
