//! Whether two separate runs can decide the gate at all: made on another
//! machine, or on a machine shared with other work, they carry an offset
//! that no interval covers.

use crate::record::{Pairing, RunRecord};

/// Why two separate runs cannot decide the gate whatever their intervals
/// say: an offset between them that no interval covers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Incomparable {
    why: String,
    fix: &'static str,
}

impl Incomparable {
    /// The note every metric then carries, and the comparison's
    /// `undecidable`.
    pub(crate) fn note(&self) -> String {
        format!("{}: it cannot decide the gate; {}", self.why, self.fix)
    }
}

/// The most cores other processes may keep busy, on average, for a
/// machine to count as quiet: a quarter of a core, or a tenth of the
/// machine's cores if that is more. A CI runner's own agents use a few
/// hundredths of a core.
fn quiet_limit(cores: usize) -> f64 {
    (0.1 * cores as f64).max(0.25)
}

/// Why `base` and `head`, separate runs, cannot be compared: made on
/// machines with another CPU model or core count, or on a machine shared
/// with other work during either (see [`quiet_limit`]). `None` for the two
/// sides of an A/B run, measured at the same moments.
///
/// Other work moves a run's latencies by amounts its average CPU use does
/// not predict — which neighbour, what it touches, when it bursts: in one
/// stored A/A check of a small Python app beside other benchmark jobs, the
/// p50 came out 15% slower (interval +4% to +27%) while the neighbours'
/// average load differed by 0.09 cores between the baseline and the
/// check. So stored mode decides only between runs made on a quiet
/// machine. A database or other service the app uses, if it runs on this
/// machine outside the app's process tree, counts as other work: its load
/// is not the neighbours' but cannot be told apart from it.
pub(crate) fn incomparable(
    base: &RunRecord,
    head: &RunRecord,
    pairing: Option<Pairing>,
) -> Option<Incomparable> {
    if pairing.is_some() {
        return None;
    }
    let (b, h) = (&base.provenance.host, &head.provenance.host);
    if b.cpu_model != h.cpu_model || b.cores != h.cores {
        return Some(Incomparable {
            why: format!(
                "the baseline was recorded on another machine ({}, {} cores), whose offset no interval covers",
                b.cpu_model, b.cores
            ),
            fix: "record the baseline on this runner type, or use A/B mode (--ab)",
        });
    }
    let (before, now) = (base.others_cores()?, head.others_cores()?);
    (before.max(now) > quiet_limit(h.cores)).then(|| Incomparable {
        why: format!(
            "the machine was shared with other work (other processes kept {now:.2} of its {} cores busy during this run, {before:.2} during the baseline's), whose effect on latency no interval covers",
            h.cores
        ),
        fix: "stored mode needs a runner where only the app and benchgate run: use A/B mode (--ab), which measures both sides at the same moments, or a dedicated runner; a database or other service the app uses counts as other work unless it runs under app.command (a container's processes do not: run the app and its services without containers for the check)",
    })
}

/// Why stored checks against `record` as a baseline will decide nothing,
/// when other work shared the machine while it was recorded: said when the
/// baseline is saved, not first at the next check.
pub fn shared_while_recorded(record: &RunRecord) -> Option<String> {
    let others = record.others_cores()?;
    let cores = record.provenance.host.cores;
    (others > quiet_limit(cores)).then(|| {
        format!(
            "other processes kept {others:.2} of this machine's {cores} cores busy while this baseline was recorded: stored checks against it will decide nothing (stored mode needs a runner where only the app and benchgate run); record it again on a quiet runner, or use A/B mode (--ab)"
        )
    })
}
