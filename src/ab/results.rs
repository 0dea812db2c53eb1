//! The files an A/B run writes both sides' results to, one run at a time.
//!
//! Two A/B runs of the same suite in the same directory at once would both
//! write `<suite>.base.json` and `<suite>.head.json`, and a reader could
//! pair one run's base with the other's head. A run holds an exclusive
//! `flock` on `<suite>.ab.lock` beside them for as long as it lives; when
//! another run holds it, this one writes `<suite>.base.<pid>.json` and
//! `<suite>.head.<pid>.json` instead and says so (as the app's log does).

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use nix::fcntl::{Flock, FlockArg, OFlag};

use crate::files::WriteError;

/// Where this run writes each side's results.
#[derive(Debug)]
pub struct ResultFiles {
    pub base: PathBuf,
    pub head: PathBuf,
    // The usual names' lock, when this run has them.
    _lock: Option<Flock<File>>,
}

/// Claims the usual result files of `suite` in `dir`, or names of this
/// process's own when another run holds them.
pub fn claim_results(dir: &Path, suite: &str) -> Result<ResultFiles, WriteError> {
    let path = dir.join(format!("{suite}.ab.lock"));
    let fail = |step, source| WriteError {
        path: path.clone(),
        step,
        source,
    };
    fs_err::create_dir_all(dir).map_err(|e| fail("creating its directory", e))?;
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .custom_flags(OFlag::O_NOFOLLOW.bits())
        .open(&path)
        .map_err(|e| fail("opening", e))?;
    let name = |side: &str, pid: Option<u32>| match pid {
        None => dir.join(format!("{suite}.{side}.json")),
        Some(pid) => dir.join(format!("{suite}.{side}.{pid}.json")),
    };
    match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
        Ok(lock) => Ok(ResultFiles {
            base: name("base", None),
            head: name("head", None),
            _lock: Some(lock),
        }),
        Err((_, nix::errno::Errno::EWOULDBLOCK)) => {
            let pid = Some(std::process::id());
            let own = ResultFiles {
                base: name("base", pid),
                head: name("head", pid),
                _lock: None,
            };
            eprintln!(
                "benchgate: another benchgate is running A/B of suite {suite} in {}; this run's results go to {} and {}",
                dir.display(),
                own.base.display(),
                own.head.display()
            );
            Ok(own)
        }
        Err((_, errno)) => Err(fail("locking", std::io::Error::from(errno))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_run_gets_files_of_its_own() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = claim_results(dir.path(), "demo").expect("first");
        assert_eq!(first.base, dir.path().join("demo.base.json"));
        assert_eq!(first.head, dir.path().join("demo.head.json"));
        // flock locks belong to open files: a second claim in this process
        // conflicts like another process's would.
        let second = claim_results(dir.path(), "demo").expect("second");
        let pid = std::process::id();
        assert_eq!(
            second.base,
            dir.path().join(format!("demo.base.{pid}.json"))
        );
        assert_eq!(
            second.head,
            dir.path().join(format!("demo.head.{pid}.json"))
        );
        drop(first);
        let third = claim_results(dir.path(), "demo").expect("third");
        assert_eq!(third.base, dir.path().join("demo.base.json"));
    }
}
