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

/// CPU time of one process, ns: its own (its CPU-time clock, or where that
/// cannot be read its live threads' nanoseconds or its own ticks, whichever
/// says more) plus its reaped children's ticks.
fn process_cpu_ns(pid: Pid, tick_ns: u64) -> Option<u64> {
    let (own, children) =
        parse_stat_split(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)?;
    let own = match clock_ns(pid) {
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
    let tick_ns = 1_000_000_000 / ticks_per_second().max(1);
    let page = page_size();
    let mut ns = process_cpu_ns(root, tick_ns)?;
    let mut rss_pages = read_statm(root).unwrap_or(0);
    for pid in super::tree::descendants(root) {
        ns = ns.saturating_add(process_cpu_ns(pid, tick_ns).unwrap_or(0));
        rss_pages = rss_pages.saturating_add(read_statm(pid).unwrap_or(0));
    }
    Some(Usage {
        cpu_us: ns / 1000,
        rss_bytes: rss_pages.saturating_mul(page),
    })
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
    let own = process_cpu_ns(Pid::this(), tick_ns)?;
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
