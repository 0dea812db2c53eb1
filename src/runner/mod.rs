//! One measured run, from a validated suite to a [`crate::record::RunRecord`]: start the app
//! (or check the target is reachable), warm up, measure, stop the app, and
//! assemble the record.
//!
//! Everything that can end a run early — the app dying, Ctrl-C, SIGTERM — is
//! raced against the load in one `select!`, and the [`crate::app::App`] guard stops the
//! app's process group on every path out of here.
//!
//! [`measure()`] runs the suite once, [`measure_ab`] both sides of an A/B
//! round; [`runs`] measures a stored check's head run by run until the
//! verdict is known.

mod assemble;
mod error;
mod interrupts;
mod measure;
mod progress;
pub mod runs;
mod sample;

pub use error::RunError;
pub use interrupts::{pending as pending_signal, Interrupts};
pub use measure::{
    build, build_app, measure, measure_ab, measure_ab_stages, measure_once, runtime,
    warn_about_blocks, AbSide, RunOptions,
};
pub use progress::live_terminal;
