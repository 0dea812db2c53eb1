//! CPU placement (Linux): which CPUs a thread may run on.
//!
//! On a 2-core runner the app, its workers and the load generator share two
//! cores; pinning the generator to one core and the app to the other keeps
//! them from interrupting each other. Affinity is set per thread and a
//! forked child starts with its parent thread's mask, so pinning the thread
//! that spawns the app places the app and every process it starts, and
//! pinning the generator's thread (benchgate's load runs on a current-thread
//! runtime) places the generator. [`Pinned`] puts the thread's previous mask
//! back when dropped.

use std::marker::PhantomData;

use nix::sched::{sched_getaffinity, sched_setaffinity, CpuSet};
use nix::unistd::Pid;

/// The highest CPU number Linux can place a thread on is `MAX_CPUS - 1`.
pub const MAX_CPUS: usize = CpuSet::count();

/// The calling thread (pid 0 means "this thread" to the affinity calls).
fn this_thread() -> Pid {
    Pid::from_raw(0)
}

/// A thread pinned by [`pin_current_thread`]; dropping it restores the mask
/// the thread had before. It must be dropped on the thread it pinned, so it
/// is neither `Send` nor `Sync`.
#[derive(Debug)]
#[must_use = "dropping the guard restores the previous CPUs at once"]
pub struct Pinned {
    previous: CpuSet,
    _this_thread: PhantomData<*const ()>,
}

impl Drop for Pinned {
    fn drop(&mut self) {
        // The previous mask was valid a moment ago; if the kernel refuses it
        // now (a CPU went offline), the thread keeps the pinned mask, which
        // is still a mask it may run on.
        let _ = sched_setaffinity(this_thread(), &self.previous);
    }
}

/// Why a thread could not be pinned.
#[derive(Debug, thiserror::Error)]
pub enum PinError {
    #[error("no CPUs to run on; list at least one")]
    NoCpus,
    #[error("cannot read this thread's CPU affinity: {0}")]
    ReadAffinity(#[source] nix::Error),
    #[error("CPU {0} is out of range; Linux numbers CPUs from 0 to {max}", max = MAX_CPUS - 1)]
    OutOfRange(usize),
    /// The kernel refused the set; `allowed` is what it lets this thread use.
    #[error(
        "cannot run on CPUs {}: {source}; this machine allows {}",
        describe(cpus),
        describe(allowed)
    )]
    Refused {
        cpus: Vec<usize>,
        allowed: Vec<usize>,
        source: nix::Error,
    },
}

/// Runs the calling thread on `cpus` only, until the returned guard is
/// dropped. Processes the thread spawns meanwhile start with the same mask.
pub fn pin_current_thread(cpus: &[usize]) -> Result<Pinned, PinError> {
    if cpus.is_empty() {
        return Err(PinError::NoCpus);
    }
    let previous = sched_getaffinity(this_thread()).map_err(PinError::ReadAffinity)?;
    let mut set = CpuSet::new();
    for &cpu in cpus {
        set.set(cpu).map_err(|_| PinError::OutOfRange(cpu))?;
    }
    sched_setaffinity(this_thread(), &set).map_err(|source| PinError::Refused {
        cpus: cpus.to_vec(),
        allowed: allowed(),
        source,
    })?;
    Ok(Pinned {
        previous,
        _this_thread: PhantomData,
    })
}

/// The CPUs the calling thread may run on, ascending; empty if the kernel
/// will not say.
pub fn allowed() -> Vec<usize> {
    match sched_getaffinity(this_thread()) {
        Ok(set) => (0..MAX_CPUS)
            .filter(|&cpu| set.is_set(cpu).unwrap_or(false))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// A CPU list as Linux writes it (`Cpus_allowed_list`, `taskset -c`):
/// ascending, runs of two or more as ranges — `0-1`, `0,2`, `0-2,5`;
/// `none` for an empty list.
pub fn describe(cpus: &[usize]) -> String {
    let mut sorted = cpus.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        parts.push(if end == start {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The calling thread's CPUs as the kernel reports them in /proc, for a
    /// check that does not go through `allowed()`.
    fn proc_list() -> String {
        let tid = nix::unistd::gettid();
        let status = std::fs::read_to_string(format!("/proc/self/task/{tid}/status"))
            .expect("read the thread's status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
            .expect("a Cpus_allowed_list line")
            .trim()
            .to_string()
    }

    #[test]
    fn describes_lists_the_way_linux_does() {
        assert_eq!(describe(&[0, 1]), "0-1");
        assert_eq!(describe(&[0, 2]), "0,2");
        assert_eq!(describe(&[5, 0, 1, 2]), "0-2,5");
        assert_eq!(describe(&[3]), "3");
        assert_eq!(describe(&[1, 1, 0]), "0-1");
        assert_eq!(describe(&[0, 2, 3, 7, 8, 9, 11]), "0,2-3,7-9,11");
        assert_eq!(describe(&[]), "none");
    }

    #[test]
    fn allowed_matches_the_kernel() {
        let allowed = allowed();
        assert!(!allowed.is_empty());
        assert_eq!(describe(&allowed), proc_list());
    }

    #[test]
    fn pins_this_thread_and_restores_it() {
        // A thread of its own, so the test runner's threads are untouched.
        std::thread::spawn(|| {
            let before = allowed();
            let last = *before.last().expect("at least one CPU");
            {
                let _pinned = pin_current_thread(&[last]).expect("pin to an allowed CPU");
                assert_eq!(allowed(), vec![last]);
                assert_eq!(proc_list(), last.to_string());
                // A thread started now inherits the mask.
                let inherited = std::thread::spawn(allowed).join().expect("child thread");
                assert_eq!(inherited, vec![last]);
            }
            assert_eq!(allowed(), before);
            assert_eq!(proc_list(), describe(&before));
        })
        .join()
        .expect("the pinning thread");
    }

    #[test]
    fn refuses_cpus_it_cannot_use() {
        std::thread::spawn(|| {
            let before = allowed();
            let err = pin_current_thread(&[]).expect_err("empty").to_string();
            assert_eq!(err, "no CPUs to run on; list at least one");
            let err = pin_current_thread(&[MAX_CPUS])
                .expect_err("beyond the mask")
                .to_string();
            assert_eq!(
                err,
                format!(
                    "CPU {MAX_CPUS} is out of range; Linux numbers CPUs from 0 to {}",
                    MAX_CPUS - 1
                )
            );
            // A CPU the kernel does not let this thread use.
            if let Some(missing) = (0..MAX_CPUS).find(|c| !before.contains(c)) {
                let err = pin_current_thread(&[missing])
                    .expect_err("not allowed")
                    .to_string();
                assert!(
                    err.starts_with(&format!("cannot run on CPUs {missing}: EINVAL")),
                    "{err}"
                );
                assert!(err.ends_with(&format!("this machine allows {}", describe(&before))));
            }
            assert_eq!(allowed(), before, "a refused pin changes nothing");
        })
        .join()
        .expect("the pinning thread");
    }
}
