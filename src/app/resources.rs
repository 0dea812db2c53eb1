//! What the app's process tree spends: CPU time and resident memory, read
//! from `/proc`.
//!
//! The tree is the supervisor (the root, see [`super::supervise`]) and every
//! live process whose parent chain reaches it. Its CPU time is the sum over
//! the tree of each process's own time (all its threads, live and exited)
//! and the time of the children it has reaped. A process that exits keeps
//! counting once its parent (or the supervisor, the subreaper of orphans)
//! has reaped it — its time moves into the parent's `cutime`/`cstime` — so
//! the total only loses the time of processes that exited and were not
//! reaped yet (zombies; their time reappears when they are) or whose parent
//! never reaps them.
//!
//! A process's own time is read in nanoseconds from its CPU-time clock
//! (`clock_getcpuclockid`, `clock_gettime`): the scheduler's runtime of its
//! live threads plus the runtime the kernel adds to the process when a
//! thread exits (`signal->sum_sched_runtime`). So a thread-per-connection
//! server's exited threads keep their time to the nanosecond. Linux lets
//! any process read another's CPU-time clock, without privileges, in a
//! container or on a CI runner alike. The alternatives lose precision or
//! need privileges: `/proc/<pid>/stat` (`utime + stime`) keeps exited
//! threads but in clock ticks (`sysconf(_SC_CLK_TCK)`, 100 on Linux: 10 ms,
//! a quarter of a short block's CPU time on a light app); the live threads'
//! `task/*/schedstat` forget exited ones; taskstats needs `CAP_NET_ADMIN`;
//! a cgroup's `cpu.stat` needs a delegated cgroup that a CI job's user does
//! not have. Where the clock cannot be read (not Linux, or a sandbox that
//! refuses it), the own time is the larger of the live threads'
//! nanoseconds and the `stat` ticks, as before. The time of reaped children
//! is in ticks only (`cutime + cstime`: the kernel keeps it exact, but
//! shows it to the parent alone, through `getrusage`). Differences of
//! readings telescope, so no rounding accumulates over a run.
//!
//! Resident memory is the sum of `statm`'s resident pages × page size over
//! the live tree (shared pages count once per process, as RSS does).
//!
//! Several trees (an A/B round's two apps) are read at one moment
//! ([`read_all`]): one walk of `/proc` finds all their processes, then all
//! their clocks are read in one pass of microseconds, so that a block's
//! boundary falls at the same moment on both sides.

use std::path::Path;

use nix::unistd::Pid;

/// One reading of the tree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// CPU time, µs, of the tree (see the module documentation).
    pub cpu_us: u64,
    /// Resident memory of the live tree, bytes.
    pub rss_bytes: u64,
}

/// Why resources cannot be read on this machine, if so.
pub fn unavailable() -> Option<String> {
    if Path::new("/proc/self/stat").exists() && Path::new("/proc/self/statm").exists() {
        None
    } else {
        Some("this platform has no /proc, where the app's CPU time and memory are read".into())
    }
}

/// Resident pages from the text of `/proc/<pid>/statm` (its second field).
pub fn parse_statm_resident(text: &str) -> Option<u64> {
    text.split_whitespace().nth(1)?.parse().ok()
}

/// The two tick counts of `/proc/<pid>/stat`: the process's own
/// (utime + stime, live and exited threads) and its reaped children's
/// (cutime + cstime).
pub fn parse_stat_split(text: &str) -> Option<(u64, u64)> {
    let rest = text.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |field: usize| fields.get(field - 3)?.parse::<u64>().ok();
    Some((
        tick(14)?.saturating_add(tick(15)?),
        tick(16).unwrap_or(0).saturating_add(tick(17).unwrap_or(0)),
    ))
}

/// Nanoseconds on CPU from the text of a `/proc/<pid>/task/<tid>/schedstat`
/// (its first field).
pub fn parse_schedstat_ns(text: &str) -> Option<u64> {
    text.split_whitespace().next()?.parse().ok()
}

/// CPU time of one process, ns: its own (`clock`, its CPU-time clock as
/// read just before, or where that could not be read its live threads'
/// nanoseconds or its own ticks, whichever says more) plus its reaped
/// children's ticks.
fn process_cpu_ns(pid: Pid, clock: Option<u64>, tick_ns: u64) -> Option<u64> {
    let (own, children) =
        parse_stat_split(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)?;
    let own = match clock {
        Some(ns) => ns,
        None => own_without_clock_ns(pid, own, tick_ns),
    };
    Some(own.saturating_add(children.saturating_mul(tick_ns)))
}

/// A process's CPU time, ns, from its CPU-time clock: every thread's
/// runtime, exited threads' included (see the module documentation).
#[cfg(any(target_os = "linux", target_os = "android"))]
fn clock_ns(pid: Pid) -> Option<u64> {
    let clock = nix::time::clock_getcpuclockid(pid).ok()?;
    let t = nix::time::clock_gettime(clock).ok()?;
    let secs = u64::try_from(t.tv_sec()).ok()?;
    let nanos = u64::try_from(t.tv_nsec()).ok()?;
    Some(secs.saturating_mul(1_000_000_000).saturating_add(nanos))
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn clock_ns(_pid: Pid) -> Option<u64> {
    None
}

/// A process's own CPU time, ns, without its clock: its live threads'
/// nanoseconds (`task/*/schedstat`), or its own `ticks` when those say more
/// (threads that exited).
fn own_without_clock_ns(pid: Pid, ticks: u64, tick_ns: u64) -> u64 {
    let mut live: u64 = 0;
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for task in tasks.flatten() {
            if let Ok(text) = std::fs::read_to_string(task.path().join("schedstat")) {
                live = live.saturating_add(parse_schedstat_ns(&text).unwrap_or(0));
            }
        }
    }
    live.max(ticks.saturating_mul(tick_ns))
}

/// Reads the tree rooted at `root` (the root included). `None` when the
/// root itself cannot be read (it exited, or there is no `/proc`).
pub fn read(root: Pid) -> Option<Usage> {
    read_all(&[root]).pop().flatten()
}

/// Reads the trees rooted at each of `roots` at one moment, as near as
/// `/proc` allows (see [`read_with`]); `None` for a tree whose root cannot
/// be read.
pub fn read_all(roots: &[Pid]) -> Vec<Option<Usage>> {
    let tick_ns = 1_000_000_000 / ticks_per_second().max(1);
    let page = page_size();
    read_with(
        roots,
        super::tree::descendants_of_each,
        clock_ns,
        |pid, clock| {
            let ns = process_cpu_ns(pid, clock, tick_ns)?;
            Some((ns, read_statm(pid).unwrap_or(0).saturating_mul(page)))
        },
    )
}

/// [`read_all`] with its three reads of `/proc` given: `walk` finds each
/// root's descendants, `clock` reads a process's CPU-time clock, `rest` a
/// process's CPU time, ns, given that clock (its reaped children's added)
/// and its resident bytes, `None` when the process is gone.
///
/// One walk finds every tree's processes, then every process's clock is
/// read in one pass, then the slower files. Reading one tree after the
/// other put a whole walk of `/proc` (a few ms) between the sides' clocks,
/// so the second side's every reading came that much later. Over a round
/// that cancels but at its ends: at the first reading both apps were busy
/// with the warm-up's load, at the last one idle, so the second side
/// lost the walk's time of CPU under load from its first block and gained
/// only idle time after its last — its `cpu/request` read low by about the
/// walk over the round (0.2% of 2-s rounds: the head's, which A/A runs
/// showed as a lean toward the head).
fn read_with(
    roots: &[Pid],
    walk: impl Fn(&[Pid]) -> Vec<Vec<Pid>>,
    clock: impl Fn(Pid) -> Option<u64>,
    rest: impl Fn(Pid, Option<u64>) -> Option<(u64, u64)>,
) -> Vec<Option<Usage>> {
    let trees: Vec<Vec<Pid>> = roots
        .iter()
        .zip(walk(roots))
        .map(|(root, descendants)| std::iter::once(*root).chain(descendants).collect())
        .collect();
    let clocks: Vec<Vec<Option<u64>>> = trees
        .iter()
        .map(|tree| tree.iter().map(|pid| clock(*pid)).collect())
        .collect();
    trees
        .iter()
        .zip(clocks)
        .map(|(tree, clocks)| {
            let mut read = tree.iter().zip(clocks).map(|(pid, c)| rest(*pid, c));
            // The root's: without it the tree is gone.
            let (mut ns, mut rss) = read.next().flatten()?;
            for (cpu, bytes) in read.flatten() {
                ns = ns.saturating_add(cpu);
                rss = rss.saturating_add(bytes);
            }
            Some(Usage {
                cpu_us: ns / 1000,
                rss_bytes: rss,
            })
        })
        .collect()
}

/// One reading of the whole machine: the busy CPU time of all its CPUs
/// and benchgate's own CPU time, µs. Their difference, less the apps'
/// trees, is what other processes (and other virtual machines, through
/// steal time) took while the suite ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Machine {
    pub busy_us: u64,
    pub own_us: u64,
}

/// Reads the machine (`/proc/stat`, `/proc/self`); `None` without `/proc`.
pub fn machine() -> Option<Machine> {
    let tick_ns = 1_000_000_000 / ticks_per_second().max(1);
    let busy = parse_proc_stat_busy(&std::fs::read_to_string("/proc/stat").ok()?)?;
    let own = process_cpu_ns(Pid::this(), clock_ns(Pid::this()), tick_ns)?;
    Some(Machine {
        busy_us: busy.saturating_mul(tick_ns) / 1000,
        own_us: own / 1000,
    })
}

/// Busy ticks of all CPUs from the text of `/proc/stat`: its `cpu` line's
/// user, nice, system, irq, softirq and steal (guest time is already in
/// user); idle and iowait are not busy.
pub fn parse_proc_stat_busy(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().ok())
        .collect::<Option<_>>()?;
    let field = |i: usize| fields.get(i).copied().unwrap_or(0);
    if fields.len() < 4 {
        return None;
    }
    Some([0, 1, 2, 5, 6, 7].iter().map(|&i| field(i)).sum())
}

fn read_statm(pid: Pid) -> Option<u64> {
    parse_statm_resident(&std::fs::read_to_string(format!("/proc/{pid}/statm")).ok()?)
}

fn ticks_per_second() -> u64 {
    match nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK) {
        Ok(Some(n)) if n > 0 => n as u64,
        _ => 100,
    }
}

fn page_size() -> u64 {
    match nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE) {
        Ok(Some(n)) if n > 0 => n as u64,
        _ => 4096,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real line of `/proc/<pid>/stat` (gunicorn worker), with a name
    /// holding a space and a parenthesis.
    const STAT: &str = "4242 (gunicorn: wo) rker) S 4241 4241 4241 0 -1 4194624 11873 0 0 0 1234 56 7 8 20 0 1 0 987654 123456789 4567 18446744073709551615 1 1 0 0 0 0 0 16781312 134234626 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

    #[test]
    fn proc_stat_busy_counts_all_but_idle_and_iowait() {
        let text = "cpu  100 2 30 5000 40 6 7 8 9 10\ncpu0 50 1 15 2500 20 3 3 4 4 5\nintr 1 2\n";
        assert_eq!(parse_proc_stat_busy(text), Some(100 + 2 + 30 + 6 + 7 + 8));
        // An old kernel's four fields.
        assert_eq!(parse_proc_stat_busy("cpu 1 2 3 4\n"), Some(6));
        assert_eq!(parse_proc_stat_busy("cpu0 1 2 3 4\n"), None);
        assert_eq!(parse_proc_stat_busy("cpu 1 x 3 4\n"), None);
        assert_eq!(parse_proc_stat_busy(""), None);
    }

    #[test]
    fn this_machine_reads_and_its_busy_time_includes_benchgate_s_own() {
        let before = machine().expect("/proc on Linux");
        // Spin until this process has spent 100 ms of CPU (bounded: a
        // loaded machine may give it a fraction of the wall time).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let mut x = 0u64;
        let mut after = before;
        while after.own_us < before.own_us + 100_000 && std::time::Instant::now() < deadline {
            for _ in 0..100_000 {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            }
            after = machine().expect("/proc on Linux");
        }
        std::hint::black_box(x);
        let own = after.own_us - before.own_us;
        assert!(own >= 100_000, "{before:?} {after:?}");
        // The machine's busy time holds this process's, up to a tick at
        // each end of the 10 ms clock of /proc/stat.
        assert!(
            after.busy_us - before.busy_us + 20_000 >= own,
            "{before:?} {after:?}"
        );
    }

    /// Two trees alike, each process spinning on a CPU of its own (its CPU
    /// time is the time), on a virtual clock where a walk of `/proc` takes
    /// 5 ms and a process's files 50 µs: read at one moment, they read the
    /// same. Read one after the other, the first tree's root was read
    /// before the walk and the second tree's processes 5.1 ms and 10.15 ms
    /// after the first's: 5.05 ms against 15.25 ms.
    #[test]
    fn both_trees_clocks_are_read_at_one_moment_after_one_walk() {
        use std::cell::Cell;
        let now = Cell::new(0u64);
        let walks = Cell::new(0);
        let walk = |roots: &[Pid]| {
            now.set(now.get() + 5_000_000);
            walks.set(walks.get() + 1);
            roots
                .iter()
                .map(|r| vec![Pid::from_raw(r.as_raw() + 1)])
                .collect()
        };
        let clock = |_: Pid| Some(now.get());
        let rest = |_: Pid, clock: Option<u64>| {
            now.set(now.get() + 50_000);
            Some((clock?, 4096))
        };
        let roots = [Pid::from_raw(100), Pid::from_raw(200)];
        let usage = read_with(&roots, walk, clock, rest);
        // Two processes at 5 ms each.
        let expected = Usage {
            cpu_us: 10_000,
            rss_bytes: 8192,
        };
        assert_eq!(usage, [Some(expected), Some(expected)]);
        assert_eq!(walks.get(), 1);
    }

    #[test]
    fn a_tree_whose_root_is_gone_reads_nothing_and_the_others_still_read() {
        let walk = |roots: &[Pid]| roots.iter().map(|_| Vec::new()).collect();
        let rest = |pid: Pid, _: Option<u64>| (pid.as_raw() != 1).then_some((2_000, 10));
        let usage = read_with(&[Pid::from_raw(1), Pid::from_raw(2)], walk, |_| None, rest);
        assert_eq!(
            usage,
            [
                None,
                Some(Usage {
                    cpu_us: 2,
                    rss_bytes: 10
                })
            ]
        );
    }

    #[test]
    fn stat_splits_own_and_children_ticks() {
        assert_eq!(parse_stat_split(STAT), Some((1234 + 56, 7 + 8)));
        assert_eq!(parse_stat_split("1 (sh) S 0 1"), None);
        assert_eq!(parse_stat_split("no parenthesis"), None);
        assert_eq!(parse_stat_split(""), None);
    }

    #[test]
    fn schedstat_reads_nanoseconds() {
        assert_eq!(parse_schedstat_ns("123456789 2000 17\n"), Some(123_456_789));
        assert_eq!(parse_schedstat_ns(""), None);
    }

    #[test]
    fn statm_reads_resident_pages() {
        assert_eq!(
            parse_statm_resident("5000 1200 300 10 0 900 0\n"),
            Some(1200)
        );
        assert_eq!(parse_statm_resident("5000"), None);
        assert_eq!(parse_statm_resident("5000 x"), None);
    }

    #[test]
    fn own_process_is_read() {
        if unavailable().is_some() {
            return;
        }
        let me = nix::unistd::getpid();
        // Spend a little CPU so the reading is not zero.
        let mut x: u64 = 1;
        let until = std::time::Instant::now() + std::time::Duration::from_millis(50);
        while std::time::Instant::now() < until {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
        }
        std::hint::black_box(x);
        let usage = read(me).expect("own /proc entry");
        assert!(usage.cpu_us > 0, "{usage:?}");
        assert!(usage.rss_bytes > 1 << 20, "{usage:?}");
    }
}
