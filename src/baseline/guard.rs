//! What keeps `baselines/` whole when several benchgates save at once, or
//! one is killed while saving.
//!
//! - **One writer at a time.** A save holds an exclusive `flock` on
//!   `baselines/.benchgate/lock` (its pid written inside, for the message
//!   the next one prints) from reading the history to writing it, so two
//!   saves never both append to the same old history. A second save waits
//!   up to [`WAIT`] and says whom it waits for.
//! - **Nothing committable left behind.** Temp files are made in
//!   `baselines/.benchgate/`, whose own `.gitignore` (`*`) keeps the whole
//!   directory out of `git add`; a save deletes the temp files killed saves
//!   left there (and older ones next to the baselines, from earlier
//!   versions).
//! - **The baseline and its history line agree.** The baseline is written
//!   first, then the history (each by temp file + rename). A kill between
//!   the two leaves a baseline whose history line is missing; readers
//!   ([`reconcile`]) add that line from the baseline itself, and the next
//!   save writes it before its own. The baseline — the file the gate
//!   decides on — is never older than the history says.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};

use super::history::HistoryEntry;
use crate::files::{TEMP_PREFIX, TEMP_SUFFIX};

/// benchgate's own directory inside `baselines/`.
pub const WORK_DIR: &str = ".benchgate";

/// How long a save waits for another one to finish.
const WAIT: Duration = Duration::from_secs(30);

/// A temp file next to the baselines older than this is a killed save's.
const STALE: Duration = Duration::from_secs(60);

/// Held while saving; dropping it lets the next save in.
#[derive(Debug)]
pub struct SaveLock {
    _file: Flock<File>,
    pub work_dir: PathBuf,
}

/// Why the save lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("cannot create {}: {source}", path.display())]
    WorkDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the lock file {}: {source}", path.display())]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot lock {}: {source}", path.display())]
    Lock { path: PathBuf, source: Errno },
    /// Another save held the lock past [`WAIT`]; `holder` is " (pid N)" or
    /// empty.
    #[error(
        "another benchgate{holder} is still saving baselines in {} after {WAIT:?}; wait for it to finish and run this again (or delete {} if no benchgate runs)",
        dir.display(),
        path.display()
    )]
    Busy {
        holder: String,
        dir: PathBuf,
        path: PathBuf,
    },
}

/// `baselines/.benchgate/`, created with its `.gitignore`.
fn work_dir(dir: &Path) -> Result<PathBuf, LockError> {
    let work = dir.join(WORK_DIR);
    let fail = |source| LockError::WorkDir {
        path: work.clone(),
        source,
    };
    std::fs::create_dir_all(&work).map_err(fail)?;
    let ignore = work.join(".gitignore");
    if !ignore.exists() {
        let text = "# benchgate's lock and temp files: never commit them.\n*\n";
        std::fs::write(&ignore, text).map_err(fail)?;
    }
    Ok(work)
}

/// Takes the save lock of `dir`, waiting up to [`WAIT`] for another
/// benchgate to finish.
pub fn lock(dir: &Path) -> Result<SaveLock, LockError> {
    let work = work_dir(dir)?;
    let path = work.join("lock");
    let deadline = Instant::now() + WAIT;
    let mut told = false;
    loop {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|source| LockError::Open {
                path: path.clone(),
                source,
            })?;
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(mut file) => {
                // The holder's pid, for the message another save prints:
                // one fixed-width overwrite, so that a reader never sees
                // the file empty.
                let _ = file.seek(SeekFrom::Start(0));
                let _ = write!(file, "{:<12}", std::process::id());
                let _ = file.flush();
                return Ok(SaveLock {
                    _file: file,
                    work_dir: work,
                });
            }
            Err((_, Errno::EWOULDBLOCK)) => {}
            Err((_, source)) => return Err(LockError::Lock { path, source }),
        }
        let holder = holder(&path);
        if Instant::now() >= deadline {
            return Err(LockError::Busy {
                holder,
                dir: dir.to_path_buf(),
                path,
            });
        }
        // A moment's wait needs no message (saves take milliseconds), and
        // gives the holder the time to write its pid.
        if !told && deadline - Instant::now() < WAIT - Duration::from_millis(200) {
            eprintln!(
                "benchgate: another benchgate{holder} is saving baselines in {}; waiting for it (up to {WAIT:?})",
                dir.display()
            );
            told = true;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// " (pid N)" from the lock file, when it says.
fn holder(path: &Path) -> String {
    let mut text = String::new();
    let _ = File::open(path).and_then(|mut f| f.read_to_string(&mut text));
    match text.trim().parse::<u32>() {
        Ok(pid) => format!(" (pid {pid})"),
        Err(_) => String::new(),
    }
}

/// Deletes the temp files killed saves left: every one in the work
/// directory (only lock holders write there), and stale ones next to the
/// baselines (earlier versions wrote them there). Best effort.
pub fn clean_stale(dir: &Path, lock: &SaveLock) {
    let now = SystemTime::now();
    for (folder, min_age) in [(lock.work_dir.as_path(), Duration::ZERO), (dir, STALE)] {
        let Ok(entries) = std::fs::read_dir(folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if !(name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)) {
                continue;
            }
            let age = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| now.duration_since(t).ok())
                .unwrap_or_default();
            if age >= min_age {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// When [`reconcile`] reads the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Always (a save, under the lock).
    Always,
    /// Only when the baseline is newer than the history (a reader: the
    /// usual case costs no read of the baseline).
    IfNewer,
}

/// `entries` with the history line of the baseline at `baseline` added at
/// the end when it is missing (a save killed between writing the baseline
/// and its history line).
pub fn reconcile(
    baseline: &Path,
    history: &Path,
    mut entries: Vec<HistoryEntry>,
    check: Check,
) -> Vec<HistoryEntry> {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let Some(baseline_time) = modified(baseline) else {
        return entries;
    };
    if check == Check::IfNewer && modified(history).is_some_and(|h| h >= baseline_time) {
        return entries;
    }
    let Ok(record) = super::read::read_record(baseline) else {
        return entries;
    };
    let entry = HistoryEntry::of(&record);
    let same = |e: &HistoryEntry| {
        e.time_utc == entry.time_utc && e.git_commit == entry.git_commit && e.runs == entry.runs
    };
    if !entries.iter().any(same) {
        entries.push(entry);
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_waits_for_the_first_and_names_its_pid() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = lock(dir.path()).expect("first lock");
        let path = dir.path().join(".benchgate/lock");
        assert_eq!(holder(&path), format!(" (pid {})", std::process::id()));
        let ignore = std::fs::read_to_string(dir.path().join(".benchgate/.gitignore"))
            .expect("a .gitignore");
        assert!(ignore.lines().any(|l| l == "*"), "{ignore}");
        let waiter = {
            let dir = dir.path().to_path_buf();
            std::thread::spawn(move || {
                let started = Instant::now();
                let second = lock(&dir);
                (second.is_ok(), started.elapsed())
            })
        };
        std::thread::sleep(Duration::from_millis(300));
        drop(first);
        let (ok, waited) = waiter.join().expect("waiter");
        assert!(ok);
        assert!(waited >= Duration::from_millis(250), "{waited:?}");
    }

    #[test]
    fn stale_temp_files_are_removed_and_others_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        let held = lock(dir.path()).expect("lock");
        let killed = held.work_dir.join(".benchgate-abc123.tmp");
        let fresh = dir.path().join(".benchgate-def456.tmp");
        let mine = dir.path().join("demo.json");
        for path in [&killed, &fresh, &mine] {
            std::fs::write(path, "x").expect("write");
        }
        clean_stale(dir.path(), &held);
        assert!(
            !killed.exists(),
            "a temp file in the work dir is a killed save's"
        );
        assert!(
            fresh.exists(),
            "a fresh one next to the baselines may be in use"
        );
        assert!(mine.exists());
    }
}
