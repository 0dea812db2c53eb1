//! Measuring until the verdict is known: when an A/B run may stop, and at
//! which level each look at the data may fail the build.
//!
//! An A/B run measures in rounds (`ab::measure_until`), a stored check in
//! whole runs of the head (`runner::runs`): both are "rounds" here, and
//! both go through one loop, [`measure_until`], each as a [`Measurer`].
//! From the suite's `load.duration` on, every round ends with a look; the
//! run stops at the first look where every gated metric is decided, and at the latest when
//! `load.max_duration` is spent. Stopping when the data look decided gives a
//! run more chances to be wrong than one look would, so the looks are not
//! alike:
//!
//! * **Interim looks** (every look before the budget's last round) may fail
//!   the build only at a strict level: together they share
//!   [`INTERIM_SHARE`] of the suite's α, split evenly over the looks the
//!   budget allows (Bonferroni over looks). A head that saturates or slows
//!   down by far more than the threshold fails early; a 10% slowdown usually
//!   waits for the last look.
//! * **Stopping as unchanged** needs every gated metric's interval at the
//!   suite's own confidence inside ±T (the `unchanged` verdict). Such a
//!   stop rejects nothing, so it cannot add a false failure; its only cost
//!   is power (a real slowdown of T whose interval excludes T), at most
//!   α/2 per metric and look, and in practice far less, since looks at
//!   growing data are strongly correlated.
//! * **Stopping with blind metrics**: a metric the budget is unlikely to
//!   decide is not worth waiting for. How likely is conditional power
//!   ([`futile`]): given its estimate and noise now, the chance that the
//!   budget's last look decides it, if the truth is the current estimate
//!   or a slowdown of T, whichever gives the larger chance; under
//!   [`FUTILE`] it is blind. A metric whose estimate is over T is never
//!   blind before the budget ends. From half the budget or
//!   [`SETTLED_ROUNDS`] rounds on (before, the few rounds' degrees of
//!   freedom make the projection too unsure), a run whose undecided
//!   metrics are all blind stops, and reports them so. This stop also
//!   rejects nothing: it needs no metric regressed or improved at the
//!   suite's confidence short of the strict level.
//! * **The last look** (the budget spent) decides at the rest of α,
//!   (1 − [`INTERIM_SHARE`]) · α.
//!
//! So the suite's false-fail rate is at most α whatever the data do: a false
//! failure needs a rejection at some interim look (≤ [`INTERIM_SHARE`] · α
//! in all, by the union bound) or at the last one (≤ the rest). This is a
//! group-sequential design with a non-binding futility (here: equivalence)
//! boundary, the rejection boundary fixed in advance by a flat α-spending
//! over the interim looks (Lan & DeMets 1983; Jennison & Turnbull 2000,
//! *Group Sequential Methods*, ch. 7 and 10). The union bound needs no
//! assumption about the joint law of the looks, which with a between-round
//! variance re-estimated at every look would be hard to justify. A run with
//! no room for interim looks (`max_duration` = `duration`) is a fixed-length
//! run at the full α.
//!
//! The rule of a look is [`judge`] (on plain data, [`decide`]); where a run
//! stands is a [`Look`]. This module sits above `compare`, whose
//! comparisons it reads, and below `runner` and `ab`, which measure; the
//! record of how a run stopped (`Stopping`) is part of the comparison and
//! stays in `compare`.

mod driver;
mod look;
mod rule;

pub use driver::{measure_until, Known, Measurer, Unit};
pub use look::{Look, INTERIM_SHARE, MAX_LOOKS};
pub use rule::{
    decide, futile, judge, open_metrics, Judgement, MetricLook, FUTILE, SETTLED_ROUNDS,
};
