//! `benchgate bisect GOOD BAD`: the commits that made a measured
//! regression, found the way `git bisect run` finds a breaking commit,
//! with the statistics of A/B mode.
//!
//! The first probe measures BAD against GOOD side by side, until known,
//! and picks the target: the metric the gate found regressed the most (or
//! the one asked for), with its total change. Each later probe measures a
//! candidate of the first-parent line against the start of the stretch
//! searched and puts it after the change when its ratio is past half of
//! that stretch's own change — the midpoint of the two hypotheses, so a
//! probe errs only when its noise is half the change. Candidates are
//! halved until one commit is left; suspects from the branch's history are
//! probed first. That commit's own step against its parent (from the
//! probes taken when they show it surely, else a probe of its own) names
//! it, with its interval and the Server-Timing phases that moved; the
//! search goes on either side of it while a stretch holds a sure change
//! (see [`search`]).
//!
//! Every probe builds both commits through `app.build` in temporary
//! worktrees, removed when it ends; the probes are bounded in number, each
//! by the suite's `load.max_duration`.

mod ledger;
mod line;
mod probe;
mod search;
mod target;

pub use line::{first_parent_line, last_tag, resolve, LineError};
pub use probe::{Measuring, ProbeFigure, ProbeKind, Prober};
pub use search::{bisect, Bisected, Change, Culprit, Plan, Stop, Stretch, NAMED_BY_DEFAULT};
pub use target::{PhaseFigure, Target};
