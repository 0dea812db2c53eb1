//! Free loopback ports for the apps under test, reserved against the other
//! benchgate processes on this machine.
//!
//! A free port is found by binding port 0 and closing the socket; the app
//! binds the port a moment later, once it has started. Two benchgates at
//! once on one machine (parallel CI jobs on a runner) can be handed the same
//! port in between: one app then fails to bind, and until it exits, the
//! other run's ready probe and load reach the wrong app. So every port
//! picked is reserved: an exclusive `flock` on a file named after it, in a
//! directory all benchgate processes of the user share, held until the port
//! is released (the kernel drops it when the process ends, however it
//! ends). A port another process holds is passed over.
//!
//! The directory is this user's own (`benchgate-ports-<uid>` in the temp
//! dir, mode 0700; one of that name that is a link, another user's or
//! writable by others is not used), and a lock file is never opened through
//! a symbolic link. A lock file is removed when its port is released
//! ([`release_all`], as the process ends); those of a process that was
//! killed are removed by the next benchgate that reserves a port. Removing
//! races with a process that opened the file just before: so a lock counts
//! only while its file is still the one at the path.

use std::fs::{File, OpenOptions};
use std::net::TcpListener;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

use nix::fcntl::{Flock, FlockArg, OFlag};

/// A port this process holds: its lock file, locked.
#[derive(Debug)]
struct Held {
    path: PathBuf,
    lock: Flock<File>,
}

/// The reservations this process holds, until [`release_all`].
static HELD: Mutex<Vec<Held>> = Mutex::new(Vec::new());

/// Tries per port before one that cannot be reserved is taken anyway.
const TRIES: usize = 20;

/// `N` distinct loopback ports nothing listens on at this moment and no
/// other benchgate process has reserved (0 where none could be had, which
/// the app's start then reports). While they are picked, all are held open
/// together, so they differ.
pub fn free_ports<const N: usize>() -> [u16; N] {
    let mut open: Vec<TcpListener> = Vec::new();
    let mut picked = [0u16; N];
    for slot in &mut picked {
        for attempt in 0..TRIES {
            let Ok(listener) = TcpListener::bind(("127.0.0.1", 0)) else {
                break;
            };
            let Ok(port) = listener.local_addr().map(|a| a.port()) else {
                break;
            };
            // Held open until all are picked: the next bind gets another.
            open.push(listener);
            if reserve(port) || attempt + 1 == TRIES {
                *slot = port;
                break;
            }
        }
    }
    picked
}

/// Releases every port this process reserved and removes their lock files.
pub fn release_all() {
    let held = std::mem::take(&mut *HELD.lock().unwrap_or_else(|p| p.into_inner()));
    held.into_iter().for_each(release);
}

/// Removes the lock file while still holding its lock, then lets go.
fn release(held: Held) {
    let _ = std::fs::remove_file(&held.path);
    drop(held.lock);
}

/// Where this user's benchgate processes reserve ports.
fn dir() -> PathBuf {
    std::env::temp_dir().join(format!("benchgate-ports-{}", nix::unistd::geteuid()))
}

/// [`dir`], created if missing, when it is this user's alone.
fn own_dir() -> Option<PathBuf> {
    let dir = dir();
    let _ = std::fs::DirBuilder::new().mode(0o700).create(&dir);
    let meta = std::fs::symlink_metadata(&dir).ok()?;
    let ours =
        meta.is_dir() && meta.uid() == nix::unistd::geteuid().as_raw() && meta.mode() & 0o022 == 0;
    ours.then_some(dir)
}

/// Whether this process now holds `port` (or cannot tell, when the
/// directory cannot be used: then reservations are not possible and the
/// port is taken as it is).
fn reserve(port: u16) -> bool {
    let Some(dir) = own_dir() else {
        return true;
    };
    static SWEPT: Once = Once::new();
    SWEPT.call_once(|| sweep(&dir));
    match reserve_in(&dir, port) {
        Taken::Held(held) => {
            HELD.lock().unwrap_or_else(|p| p.into_inner()).push(held);
            true
        }
        Taken::Busy => false,
        Taken::Unknown => true,
    }
}

/// What became of an attempt to lock a port's file.
enum Taken {
    Held(Held),
    /// Another process holds it.
    Busy,
    /// The file cannot be used (a symbolic link, no permission).
    Unknown,
}

/// Locks `port`'s file in `dir`. A file removed between opening and
/// locking it (its holder released it) is opened afresh.
fn reserve_in(dir: &Path, port: u16) -> Taken {
    let path = dir.join(port.to_string());
    for _ in 0..3 {
        let Ok(file) = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .custom_flags(OFlag::O_NOFOLLOW.bits())
            .open(&path)
        else {
            return Taken::Unknown;
        };
        let lock = match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(lock) => lock,
            Err((_, nix::errno::Errno::EWOULDBLOCK)) => return Taken::Busy,
            Err(_) => return Taken::Unknown,
        };
        if still_at(&lock, &path) {
            return Taken::Held(Held { path, lock });
        }
    }
    Taken::Unknown
}

/// Whether the open file is still the one at `path`.
fn still_at(file: &File, path: &Path) -> bool {
    match (file.metadata(), std::fs::symlink_metadata(path)) {
        (Ok(open), Ok(now)) => open.dev() == now.dev() && open.ino() == now.ino(),
        _ => false,
    }
}

/// Removes the lock files in `dir` that no process holds: those of
/// processes that were killed.
fn sweep(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let port = entry.file_name().to_string_lossy().parse::<u16>();
        if let Ok(port) = port {
            if let Taken::Held(stale) = reserve_in(dir, port) {
                release(stale);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Locks `port`'s file in `dir` the way another process would.
    fn lock_as_another(dir: &Path, port: u16) -> Flock<File> {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(port.to_string()))
            .expect("open");
        Flock::lock(file, FlockArg::LockExclusiveNonblock).expect("lock")
    }

    #[test]
    fn ports_are_distinct_and_reserved_against_other_processes() {
        let ports = free_ports::<3>();
        assert!(ports.iter().all(|&p| p > 0), "{ports:?}");
        assert!(ports[0] != ports[1] && ports[1] != ports[2] && ports[0] != ports[2]);
        for port in ports {
            // Another process (here: another open file description, which
            // flock treats alike) cannot take the reservation.
            let other = OpenOptions::new()
                .write(true)
                .open(dir().join(port.to_string()))
                .expect("the reservation file exists");
            assert!(
                Flock::lock(other, FlockArg::LockExclusiveNonblock).is_err(),
                "port {port} is not reserved"
            );
        }
    }

    #[test]
    fn a_reserved_port_is_passed_over() {
        // The rule itself: a port another holder has locked is refused;
        // once it lets go, the port is taken.
        let dir = tempfile::tempdir().expect("temp dir");
        let held = lock_as_another(dir.path(), 40_000);
        assert!(matches!(reserve_in(dir.path(), 40_000), Taken::Busy));
        drop(held);
        assert!(matches!(reserve_in(dir.path(), 40_000), Taken::Held(_)));
    }

    #[test]
    fn a_released_port_leaves_no_lock_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let Taken::Held(held) = reserve_in(dir.path(), 40_001) else {
            panic!("not reserved");
        };
        assert!(dir.path().join("40001").exists());
        release(held);
        assert!(!dir.path().join("40001").exists());
    }

    #[test]
    fn a_killed_process_lock_file_is_removed_and_a_live_one_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("40002"), "").expect("a dead process's file");
        let live = lock_as_another(dir.path(), 40_003);
        std::fs::write(dir.path().join("notes"), "").expect("not a port");
        sweep(dir.path());
        assert!(!dir.path().join("40002").exists());
        assert!(dir.path().join("40003").exists());
        assert!(dir.path().join("notes").exists());
        drop(live);
    }

    #[test]
    fn a_symbolic_link_at_the_lock_path_is_not_followed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let elsewhere = tempfile::tempdir().expect("temp dir");
        let target = elsewhere.path().join("planted");
        std::os::unix::fs::symlink(&target, dir.path().join("40004")).expect("symlink");
        assert!(matches!(reserve_in(dir.path(), 40_004), Taken::Unknown));
        assert!(!target.exists(), "a file was created through the link");
        // An existing target is not locked either.
        std::fs::write(&target, "theirs").expect("target");
        assert!(matches!(reserve_in(dir.path(), 40_004), Taken::Unknown));
        let other = OpenOptions::new().write(true).open(&target).expect("open");
        assert!(Flock::lock(other, FlockArg::LockExclusiveNonblock).is_ok());
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "theirs");
    }

    #[test]
    fn the_directory_is_this_users_own() {
        let dir = own_dir().expect("usable");
        let meta = std::fs::symlink_metadata(&dir).expect("meta");
        assert!(meta.is_dir());
        assert_eq!(meta.mode() & 0o077, 0, "{:o}", meta.mode());
    }
}
