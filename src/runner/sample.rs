//! The resource sampler: at each block boundary of the measured phase, one
//! reading of each app's process tree (see [`crate::app::resources`]).
//!
//! Readings follow the load generator's clock — block `b` covers
//! [measure_start + b·block, measure_start + (b+1)·block) — and are taken on
//! the blocking pool, so a walk of `/proc` never delays a request on the
//! generator's thread. One walk of `/proc` per block finds both sides'
//! processes, and their CPU-time clocks are read together after it, so
//! each block's boundary is the same moment on both sides.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::unistd::Pid;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::app::resources::{self, Machine, Usage};
use crate::load::Live;

/// Why a side's record holds no resource figures: said in the record
/// (`resources.absent`), not an error of the run.
#[derive(Debug, Clone, thiserror::Error)]
pub(super) enum Unread {
    /// This machine cannot read a process's usage (no `/proc`).
    #[error("{0}")]
    Unavailable(String),
    #[error("no app was started")]
    NoApp,
    #[error("the suite targets base_url without app.command: benchgate did not start the app, so it cannot read what the app spends (see the README on containerised apps)")]
    NotStarted,
    #[error("the run ended before the app's resources could be read")]
    TooShort,
    #[error("the app's process could not be read at the end of block {0} (it exited?)")]
    Exited(usize),
}

/// One reading of every side: when, each tree's usage (`None` when it
/// could not be read), and the machine's.
pub(super) type Reading = (Instant, Vec<Option<Usage>>, Option<Machine>);

/// A sampler running beside the load.
pub(super) struct Sampler {
    roots: Vec<Pid>,
    readings: Arc<Mutex<Vec<Reading>>>,
    task: JoinHandle<()>,
    wanted: usize,
}

impl Sampler {
    /// Starts sampling `roots` at `blocks + 1` boundaries `block` apart,
    /// from the measured phase's start as `live` announces it.
    pub(super) fn start(roots: Vec<Pid>, live: Arc<Live>, block: Duration, blocks: usize) -> Self {
        let readings = Arc::new(Mutex::new(Vec::with_capacity(blocks + 1)));
        let task = tokio::spawn(run(
            roots.clone(),
            live,
            block,
            blocks,
            Arc::clone(&readings),
        ));
        Sampler {
            roots,
            readings,
            task,
            wanted: blocks + 1,
        }
    }

    /// Stops sampling and returns the readings, with a last one taken now
    /// if the load ended before the last boundary.
    pub(super) fn finish(self) -> Vec<Reading> {
        self.task.abort();
        let mut readings =
            std::mem::take(&mut *self.readings.lock().unwrap_or_else(|p| p.into_inner()));
        if !readings.is_empty() && readings.len() < self.wanted {
            readings.push((
                Instant::now(),
                resources::read_all(&self.roots),
                resources::machine(),
            ));
        }
        readings
    }
}

impl Drop for Sampler {
    /// A run that ends early (the app died, Ctrl-C) stops sampling too.
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn run(
    roots: Vec<Pid>,
    live: Arc<Live>,
    block: Duration,
    blocks: usize,
    readings: Arc<Mutex<Vec<Reading>>>,
) {
    let start = loop {
        if let Some(start) = live.measure_start.get() {
            break *start;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    for b in 0..=blocks {
        tokio::time::sleep_until(start + block * b as u32).await;
        let at = Instant::now();
        let roots = roots.clone();
        let read = move || (resources::read_all(&roots), resources::machine());
        let Ok((usage, machine)) = tokio::task::spawn_blocking(read).await else {
            return;
        };
        readings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((at, usage, machine));
    }
}

/// The cores other processes kept busy over the readings' span, on
/// average: the machine's busy CPU time less benchgate's own and every
/// app's, per second. `None` when a reading is missing.
pub(super) fn others_cores(readings: &[Reading]) -> Option<f64> {
    let (first, last) = (readings.first()?, readings.last()?);
    let secs = last.0.saturating_duration_since(first.0).as_secs_f64();
    let (m0, m1) = (first.2?, last.2?);
    let mut apps: u64 = 0;
    for (before, after) in first.1.iter().zip(&last.1) {
        apps += after
            .as_ref()?
            .cpu_us
            .saturating_sub(before.as_ref()?.cpu_us);
    }
    let busy = m1.busy_us.saturating_sub(m0.busy_us);
    let own = m1.own_us.saturating_sub(m0.own_us);
    (secs > 0.5).then(|| busy.saturating_sub(own).saturating_sub(apps) as f64 / 1e6 / secs)
}

/// One side's blocks from the readings: per block, the CPU time spent
/// between its boundaries, the cores that makes, and the memory at its end.
/// `ok[b]` is block `b`'s successful requests. Why not, when a reading is
/// missing.
pub(super) fn side_blocks(
    readings: &[Reading],
    side: usize,
    ok: &[u64],
) -> Result<Vec<crate::record::ResourceBlock>, Unread> {
    let usage = |r: &Reading| r.1.get(side).copied().flatten();
    if readings.len() < 2 {
        return Err(Unread::TooShort);
    }
    let mut blocks = Vec::with_capacity(ok.len());
    for (b, pair) in readings.windows(2).enumerate().take(ok.len()) {
        let (Some(before), Some(after)) = (usage(&pair[0]), usage(&pair[1])) else {
            return Err(Unread::Exited(b));
        };
        let cpu_us = after.cpu_us.saturating_sub(before.cpu_us);
        let secs = pair[1].0.saturating_duration_since(pair[0].0).as_secs_f64();
        blocks.push(crate::record::ResourceBlock {
            run: 0,
            cpu_us,
            ok: ok[b],
            cpu_cores: if secs > 0.0 {
                cpu_us as f64 / 1e6 / secs
            } else {
                0.0
            },
            rss_bytes: after.rss_bytes,
        });
    }
    Ok(blocks)
}
