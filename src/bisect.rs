//! `benchgate bisect GOOD BAD`: the commit that made a measured regression,
//! found the way `git bisect run` finds a breaking commit, with the
//! statistics of A/B mode.
//!
//! The first probe measures BAD against GOOD side by side, until known,
//! and picks the target: the metric the gate found regressed the most (or
//! the one asked for), with its total change T = ln(BAD / GOOD). Each later
//! probe measures a candidate C of the first-parent line GOOD..BAD against
//! GOOD and puts it after the change when ln(C / GOOD) > T / 2, before it
//! otherwise — the midpoint of the two hypotheses, so a probe errs only
//! when its noise is half the change. Candidates are halved until one
//! commit is left; suspects from the branch's history are probed first.
//! A last probe measures that commit against its own parent: its step
//! ratio with its interval, and the Server-Timing phases that moved. When
//! that step does not hold most of the change, the change is spread over
//! several commits, and the report says so beside every probe's figure.
//!
//! Every probe builds both commits through `app.build` in temporary
//! worktrees, removed when it ends; the probes are bounded in number, each
//! by the suite's `load.max_duration`.

mod line;
mod probe;
mod search;

pub use line::{first_parent_line, last_tag, resolve, LineError};
pub use probe::{Measuring, ProbeFigure, Prober};
pub use search::{bisect, Bisected, PhaseFigure, Plan, Target};
