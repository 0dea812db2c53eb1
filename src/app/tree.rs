//! A process's descendants, read from `/proc`, and how to stop them all.
//!
//! A process group is not enough to find an app's processes: a daemon
//! double-forks and calls `setsid`, leaving both the group and the session.
//! Its parent chain is what stays — provided orphans are re-parented to the
//! supervisor (it is a child subreaper, see [`super::supervise`]), every
//! process the app ever started has the supervisor among its ancestors.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

/// The parent of every process on the machine, and whether it is live
/// (not a zombie). Zombies are kept as links of the chain: a walk of
/// `/proc` is not one moment, and a process may be read with the parent it
/// had just before that parent exited (a daemon's grandchild read before
/// its re-parenting, its parent read as a zombie after). Skipping the
/// zombie would cut the chain and lose a live descendant: the supervisor
/// would take a daemonized app for gone.
fn parents() -> HashMap<i32, (i32, bool)> {
    let mut parents = HashMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return parents;
    };
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        if let Some((state, ppid)) = stat(pid) {
            parents.insert(pid, (ppid, state != 'Z' && state != 'X'));
        }
    }
    parents
}

/// The state letter and parent of `pid`, from `/proc/<pid>/stat`.
pub fn stat(pid: i32) -> Option<(char, i32)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces or ')'.
    let rest = text.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    Some((state, ppid))
}

/// Whether any process, a zombie included, has `parent` as its parent.
fn has_children(parent: Pid) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|entry| {
        entry
            .file_name()
            .to_string_lossy()
            .parse::<i32>()
            .ok()
            .and_then(stat)
            .is_some_and(|(_, ppid)| ppid == parent.as_raw())
    })
}

/// Every live process whose chain of parents reaches `root` (not `root`).
pub fn descendants(root: Pid) -> Vec<Pid> {
    descendants_of_each(&[root]).pop().unwrap_or_default()
}

/// [`descendants`] of each of `roots`, from one walk of `/proc`; the chain
/// of parents may pass through zombies ([`parents`]).
pub fn descendants_of_each(roots: &[Pid]) -> Vec<Vec<Pid>> {
    chains(&parents(), roots)
}

/// The live processes of `parents` whose chain reaches each of `roots`.
fn chains(parents: &HashMap<i32, (i32, bool)>, roots: &[Pid]) -> Vec<Vec<Pid>> {
    let mut found = vec![BTreeSet::new(); roots.len()];
    for (&pid, _) in parents.iter().filter(|(_, &(_, live))| live) {
        let mut at = pid;
        // Bounded: a chain cannot be longer than the process table.
        for _ in 0..parents.len() {
            let Some(&(ppid, _)) = parents.get(&at) else {
                break;
            };
            for (set, root) in found.iter_mut().zip(roots) {
                if root.as_raw() == ppid {
                    set.insert(pid);
                }
            }
            if ppid <= 1 || ppid == at {
                break;
            }
            at = ppid;
        }
    }
    found
        .into_iter()
        .map(|set| set.into_iter().map(Pid::from_raw).collect())
        .collect()
}

/// Reaps every child of this process that has exited, without waiting;
/// returns the statuses reaped.
pub fn reap() -> Vec<WaitStatus> {
    let mut reaped = Vec::new();
    loop {
        match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) | Err(_) => return reaped,
            Ok(status) => reaped.push(status),
        }
    }
}

/// Stops every descendant of this process: SIGTERM, up to `grace` for them
/// to exit (signalling newcomers too), then SIGKILL until none is left.
/// The grace ends early once `cut_short` says so (benchgate died during
/// it). Adopted children are reaped on the way; their statuses are
/// returned.
pub fn terminate_descendants(grace: Duration, cut_short: &dyn Fn() -> bool) -> Vec<WaitStatus> {
    let me = nix::unistd::getpid();
    let mut reaped = Vec::new();
    let mut signalled = BTreeSet::new();
    let deadline = Instant::now() + grace;
    let mut pauses = super::backoff::EXIT;
    loop {
        reaped.extend(reap());
        let live = descendants(me);
        if live.is_empty() {
            // A child that is exiting shows as a zombie, which `descendants`
            // does not count, while its last threads finish: wait until it
            // can be reaped. Left to init, it would stay in the app's
            // process group — on some machines for seconds — and the
            // group's owner waits for it.
            reaped.extend(reap());
            if !has_children(me) || Instant::now() >= deadline {
                return reaped;
            }
            std::thread::sleep(Duration::from_millis(5));
            continue;
        }
        if Instant::now() >= deadline || cut_short() {
            break;
        }
        for pid in live {
            if signalled.insert(pid) {
                let _ = kill(pid, Signal::SIGTERM);
            }
        }
        std::thread::sleep(pauses.pause());
    }
    // Bounded: SIGKILL cannot be caught, so a few rounds catch any process
    // forked while the previous round was being sent.
    for _ in 0..250 {
        let live = descendants(me);
        if live.is_empty() {
            break;
        }
        for pid in live {
            if kill(pid, Signal::SIGKILL) == Err(Errno::ESRCH) {
                continue;
            }
        }
        std::thread::sleep(Duration::from_millis(10));
        reaped.extend(reap());
    }
    reaped.extend(reap());
    reaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_process_read_under_its_exited_parent_is_still_found() {
        // A walk torn by a daemon's double fork: the supervisor (10) is the
        // root; the child (20) was read as a zombie after it exited, its
        // grandchild (30, the daemon) just before it was re-parented to
        // 10. The daemon is still 10's, and the zombie is no member.
        let torn = HashMap::from([(10, (1, true)), (20, (10, false)), (30, (20, true))]);
        assert_eq!(
            chains(&torn, &[Pid::from_raw(10)]),
            vec![vec![Pid::from_raw(30)]]
        );
        // Read a moment later, after the re-parenting: the same answer.
        let settled = HashMap::from([(10, (1, true)), (30, (10, true))]);
        assert_eq!(
            chains(&settled, &[Pid::from_raw(10)]),
            vec![vec![Pid::from_raw(30)]]
        );
        // Nothing live under the root: nothing found.
        let gone = HashMap::from([(10, (1, true)), (20, (10, false))]);
        assert_eq!(chains(&gone, &[Pid::from_raw(10)]), vec![Vec::<Pid>::new()]);
    }

    #[test]
    fn a_grandchild_is_a_descendant() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 30 & wait"])
            .spawn()
            .expect("spawn sh");
        let me = nix::unistd::getpid();
        let sh = Pid::from_raw(child.id() as i32);
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut found = Vec::new();
        while Instant::now() < deadline {
            found = descendants(sh);
            if !found.is_empty() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(found.len(), 1, "the sleep under sh: {found:?}");
        assert!(descendants(me).contains(&sh));
        assert!(descendants(me).contains(&found[0]));
        let _ = kill(found[0], Signal::SIGKILL);
        let _ = kill(sh, Signal::SIGKILL);
        let _ = child.wait();
    }

    #[test]
    fn stat_reads_a_name_with_parentheses_and_spaces() {
        let me = std::process::id() as i32;
        let (state, ppid) = stat(me).expect("own stat");
        assert!(state == 'R' || state == 'S', "{state}");
        assert_eq!(ppid, nix::unistd::getppid().as_raw());
    }
}
