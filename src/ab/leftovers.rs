//! The directories of base worktrees, and those a killed run left behind.
//!
//! `check --ab REF` checks the base out with `git worktree add` into a
//! temporary directory and removes both when it ends. A run killed with
//! SIGKILL cannot: its directory stays in the temp dir and the repository
//! keeps the worktree registered (`git worktree prune` forgets only a
//! worktree whose directory is gone). So each such directory is named
//! [`PREFIX`]… and holds a [`LOCK`] file on which its run keeps an
//! exclusive `flock` for as long as it lives; the kernel drops the lock
//! however the process ends. The next run removes every such directory of
//! this user whose lock it can take (no live run owns it), then prunes.
//! Nothing else is touched: not a directory without the lock file, not a
//! symbolic link, not another user's directory.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use nix::fcntl::{Flock, FlockArg, OFlag};

/// How every base worktree's directory is named.
pub const PREFIX: &str = "benchgate-base-";
/// The file whose lock says that a live run owns the directory.
pub const LOCK: &str = "benchgate.lock";

/// A new directory for a base worktree, owned by this run until dropped.
#[derive(Debug)]
pub struct Claimed {
    // Dropped first: the directory goes while the lock is still held.
    pub dir: tempfile::TempDir,
    _lock: Flock<File>,
}

/// Creates a directory `PREFIX…` under `parent` and takes its lock. The
/// lock file is locked under another name and then renamed into place, so
/// that no sweep ever sees [`LOCK`] unlocked in a live run's directory.
pub fn claim(parent: &Path) -> std::io::Result<Claimed> {
    let dir = tempfile::Builder::new().prefix(PREFIX).tempdir_in(parent)?;
    let locking = dir.path().join(".locking");
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(OFlag::O_NOFOLLOW.bits())
        .open(&locking)?;
    let lock = Flock::lock(file, FlockArg::LockExclusiveNonblock)
        .map_err(|(_, errno)| std::io::Error::from(errno))?;
    std::fs::rename(&locking, dir.path().join(LOCK))?;
    Ok(Claimed { dir, _lock: lock })
}

impl Claimed {
    /// Removes the other base worktree directories beside this one that no
    /// live run owns and that belong to the same user; returns them.
    pub fn sweep(&self) -> Vec<PathBuf> {
        let owner = std::fs::metadata(self.dir.path()).map(|m| m.uid());
        match (self.dir.path().parent(), owner) {
            (Some(parent), Ok(owner)) => sweep(parent, owner),
            _ => Vec::new(),
        }
    }
}

/// Removes the base worktree directories under `parent` that belong to
/// `owner` and that no live run owns; returns the ones removed.
fn sweep(parent: &Path, owner: u32) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(PREFIX) {
            continue;
        }
        let path = entry.path();
        // `symlink_metadata`: a link named like ours is not followed.
        let ours = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir() && m.uid() == owner);
        if ours && remove_if_dead(&path) {
            removed.push(path);
        }
    }
    removed
}

/// Removes `dir` when its lock file exists and no process holds it.
fn remove_if_dead(dir: &Path) -> bool {
    let Ok(file) = OpenOptions::new()
        .read(true)
        .custom_flags(OFlag::O_NOFOLLOW.bits())
        .open(dir.join(LOCK))
    else {
        return false;
    };
    match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
        // Held while the directory goes, so that no other sweep races it.
        Ok(_held) => std::fs::remove_dir_all(dir).is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_directories_of_dead_runs_are_removed() {
        let parent = tempfile::tempdir().expect("temp dir");
        let live = claim(parent.path()).expect("claim");
        let dead = claim(parent.path()).expect("claim");
        let dead_path = dead.dir.path().to_path_buf();
        // A killed run: its directory stays (`keep`), its lock goes.
        let kept = dead.dir.keep();
        assert_eq!(kept, dead_path);
        drop(dead._lock);
        std::fs::create_dir(dead_path.join("base")).expect("worktree dir");
        // Named like ours but without a lock file, and not named like ours.
        let unlocked = parent.path().join(format!("{PREFIX}other"));
        std::fs::create_dir(&unlocked).expect("dir");
        let foreign = parent.path().join("someone-else");
        std::fs::create_dir(&foreign).expect("dir");
        std::fs::write(foreign.join(LOCK), "").expect("file");

        assert_eq!(live.sweep(), vec![dead_path.clone()]);
        assert!(!dead_path.exists());
        assert!(live.dir.path().join(LOCK).exists(), "a live run's is kept");
        assert!(unlocked.exists() && foreign.exists());
    }

    #[test]
    fn a_symbolic_link_named_like_ours_is_not_followed() {
        let parent = tempfile::tempdir().expect("temp dir");
        let target = tempfile::tempdir().expect("temp dir");
        std::fs::write(target.path().join(LOCK), "").expect("file");
        let link = parent.path().join(format!("{PREFIX}link"));
        std::os::unix::fs::symlink(target.path(), &link).expect("symlink");
        let live = claim(parent.path()).expect("claim");
        assert!(live.sweep().is_empty());
        assert!(target.path().join(LOCK).exists());
    }
}
